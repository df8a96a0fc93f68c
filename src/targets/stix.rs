//! The `stix` target: one STIX 2.1 bundle per catalogue (`out/<catalogue>/stix/<catalogue>.json`).
//!
//! Guarantees: the bundle holds an identity for the publisher, one indicator per address,
//! network, domain, URL, port and file-hash indicator and per bulk-list entry (`pattern_type:
//! stix`), one `network-traffic` indicator per detection, one `pattern_type: suricata` indicator
//! per rule line the `suricata` target produced earlier in the same build, one vulnerability per
//! CVE, and `related-to` relationships between them. Ids are UUIDv5 of stable keys, timestamps
//! come from the catalogue's dates, objects are sorted by id and JSON keys are sorted, so the
//! same catalogue gives the same bytes. It is built with serde_json, not a template: JSON
//! escaping is serde_json's, and the only other escaping, of STIX pattern string literals, is
//! [`literal`], used for every catalogue string placed in a pattern.

use std::collections::BTreeMap;

use ipnet::IpNet;
use jiff::civil::Date;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{Coverage, Target, TargetContext, TargetOutput};
use crate::diag::{Code, Diagnostic};
use crate::model::{
    Action, BulkList, Catalogue, Confidence, Detection, HashAlgo, Meta, Observable, Protocol, Tlp,
};
use crate::ruletext;

pub struct Stix;

/// Seed of the UUIDv5 namespace of every iocc STIX id. Changing it changes every id.
const NAMESPACE_SEED: &str = "https://iocc.invalid/stix/2.1";

fn namespace() -> Uuid {
    static NS: std::sync::OnceLock<Uuid> = std::sync::OnceLock::new();
    *NS.get_or_init(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_SEED.as_bytes()))
}

/// A deterministic id: the UUIDv5 (SHA-1, name-based) of `key` in the iocc namespace, with
/// the version nibble stamped 4. STIX 2.1 says SDO/SRO ids SHOULD be UUIDv4 and the strict
/// validator (`--strict`) rejects any other version (check 103); the 122 hashed bits keep
/// the collision resistance of v5 while the same key always gives the same id.
pub fn stable_uuid(key: &str) -> Uuid {
    let v5 = Uuid::new_v5(&namespace(), key.as_bytes());
    uuid::Builder::from_random_bytes(*v5.as_bytes()).into_uuid()
}

/// Writes a STIX pattern string literal: single-quoted, `\` and `'` backslash-escaped.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn timestamp(d: Date) -> String {
    format!("{d}T00:00:00.000Z")
}

/// The STIX 2.1 predefined TLP marking definitions (spec section 7.2.1.4); TLP:CLEAR is the
/// TLP 2.0 name of TLP:WHITE.
fn tlp_marking(tlp: Tlp, created: &str, ns_key: &str) -> Value {
    let (id, name, word) = match tlp {
        Tlp::Clear => (
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            "TLP:WHITE",
            "white",
        ),
        Tlp::Green => (
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            "TLP:GREEN",
            "green",
        ),
        Tlp::Amber => (
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            "TLP:AMBER",
            "amber",
        ),
        Tlp::Red => (
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            "TLP:RED",
            "red",
        ),
        // STIX 2.1 predefines no AMBER+STRICT marking: a statement carries it.
        Tlp::AmberStrict => {
            return json!({
                "type": "marking-definition",
                "spec_version": "2.1",
                "id": format!("marking-definition--{}", stable_uuid(&format!("{ns_key}/tlp/amber+strict"))),
                "created": created,
                "name": "TLP:AMBER+STRICT",
                "definition_type": "statement",
                "definition": {"statement": "TLP:AMBER+STRICT"},
            })
        }
    };
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2017-01-20T00:00:00.000Z",
        "name": name,
        "definition_type": "tlp",
        "definition": {"tlp": word},
    })
}

/// An external reference to a web page. The URL goes in `description`, not `url`: STIX 2.1
/// says a `url` SHOULD come with the `hashes` of the page (strict validator check 302), and
/// iocc cannot hash pages it never fetches; inventing hashes would be worse.
fn url_reference(url: &str) -> Value {
    json!({"source_name": source_name(url), "description": url})
}

/// The host of an http(s) reference, used as its `source_name`.
fn source_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(rest)
        .rsplit('@')
        .next()
        .unwrap_or(rest);
    if host.is_empty() {
        "url".into()
    } else {
        host.to_owned()
    }
}

/// The catalogue words of an item's action, direction and severity, as STIX labels.
fn labels(meta: &Meta) -> Value {
    let action = match meta.action {
        Action::Block => "block",
        Action::Alert => "alert",
        Action::Monitor => "monitor",
    };
    let direction = match meta.direction {
        crate::model::Direction::Outbound => "outbound",
        crate::model::Direction::Inbound => "inbound",
        crate::model::Direction::Both => "both",
    };
    let severity = match meta.severity {
        crate::model::Severity::Low => "low",
        crate::model::Severity::Medium => "medium",
        crate::model::Severity::High => "high",
        crate::model::Severity::Critical => "critical",
    };
    json!([
        format!("action:{action}"),
        format!("direction:{direction}"),
        format!("severity:{severity}"),
    ])
}

/// STIX confidence on the Admiralty-free "High/Med/Low" scale of STIX 2.1 appendix A:
/// a sourced fact is High (85), an inferred one Medium (50).
fn confidence(c: Confidence) -> u8 {
    match c {
        Confidence::Sourced => 85,
        Confidence::Inferred => 50,
    }
}

fn indicator_type(a: Action) -> &'static str {
    match a {
        Action::Block | Action::Alert => "malicious-activity",
        Action::Monitor => "anomalous-activity",
    }
}

fn net_test(net: IpNet) -> String {
    let ty = match net {
        IpNet::V4(_) => "ipv4-addr",
        IpNet::V6(_) => "ipv6-addr",
    };
    if net.prefix_len() == net.max_prefix_len() {
        format!("{ty}:value = {}", literal(&net.addr().to_string()))
    } else {
        format!("{ty}:value ISSUBSET {}", literal(&net.to_string()))
    }
}

fn port_test(first: u16, last: u16) -> String {
    if first == last {
        format!("network-traffic:dst_port = {first}")
    } else {
        format!("network-traffic:dst_port >= {first} AND network-traffic:dst_port <= {last}")
    }
}

/// The pattern of an indicator's value.
pub fn observable_pattern(o: &Observable) -> String {
    let inner = match o {
        Observable::Address(_) | Observable::Network(_) => net_test(o.as_net().unwrap_or_default()),
        Observable::Domain(d) => format!("domain-name:value = {}", literal(d)),
        Observable::Url(u) => format!("url:value = {}", literal(u)),
        Observable::Port {
            transport,
            first,
            last,
        } => format!(
            "network-traffic:protocols[*] = {} AND {}",
            literal(transport.as_str()),
            port_test(*first, *last)
        ),
        Observable::FileHash { algo, hex } => {
            let name = match algo {
                HashAlgo::Md5 => "MD5",
                HashAlgo::Sha1 => "SHA-1",
                HashAlgo::Sha256 => "SHA-256",
            };
            format!("file:hashes.{} = {}", literal(name), literal(hex))
        }
    };
    format!("[{inner}]")
}

/// The `network-traffic` pattern of a detection: one alternative per involved address or
/// network, side (destination for outbound, source for inbound) and protocol/port range.
/// Ports are destination ports (the service port) in both directions.
pub fn detection_pattern(c: &Catalogue, d: &Detection) -> String {
    let mut sides = Vec::new();
    if d.direction.includes_outbound() {
        sides.push("dst_ref");
    }
    if d.direction.includes_inbound() {
        sides.push("src_ref");
    }
    let mut services = Vec::new();
    for p in &d.protocols {
        let t = match p {
            Protocol::Ip => continue,
            Protocol::Tcp => crate::model::Transport::Tcp,
            Protocol::Udp => crate::model::Transport::Udp,
        };
        let proto = format!("network-traffic:protocols[*] = {}", literal(t.as_str()));
        let ranges: Vec<_> = d
            .ports
            .iter()
            .filter(|r| r.transport.is_none_or(|x| x == t))
            .collect();
        if d.ports.is_empty() {
            services.push(proto);
        } else {
            for r in ranges {
                services.push(format!("{proto} AND {}", port_test(r.first, r.last)));
            }
        }
    }
    let mut alternatives = Vec::new();
    for id in &d.indicators {
        let Some(net) = c.indicator(id).and_then(|i| i.observable.as_net()) else {
            continue;
        };
        for side in &sides {
            let addr = if net.prefix_len() == net.max_prefix_len() {
                format!(
                    "network-traffic:{side}.value = {}",
                    literal(&net.addr().to_string())
                )
            } else {
                format!(
                    "network-traffic:{side}.value ISSUBSET {}",
                    literal(&net.to_string())
                )
            };
            if services.is_empty() {
                alternatives.push(addr);
            } else {
                for s in &services {
                    alternatives.push(format!("{addr} AND {s}"));
                }
            }
        }
    }
    if alternatives.len() == 1 {
        format!("[{}]", alternatives[0])
    } else {
        let joined = alternatives
            .iter()
            .map(|a| format!("({a})"))
            .collect::<Vec<_>>()
            .join(" OR ");
        format!("[{joined}]")
    }
}

struct Builder<'a> {
    c: &'a Catalogue,
    created: String,
    modified: String,
    identity: String,
    marking: String,
    /// Each object's pretty JSON, by id: serialised as soon as it is made, so memory holds
    /// about one copy of the output rather than a tree of values (bulk lists can be large).
    objects: BTreeMap<String, String>,
    /// STIX id of each catalogue indicator, for relationships.
    indicator_ids: BTreeMap<&'a str, String>,
}

impl<'a> Builder<'a> {
    fn id(&self, ty: &str, key: &str) -> String {
        format!("{ty}--{}", self.uuid(key))
    }

    fn uuid(&self, key: &str) -> Uuid {
        stable_uuid(&format!("{}/{key}", self.c.id))
    }

    fn common(&self, ty: &str, key: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), ty.into());
        m.insert("spec_version".into(), "2.1".into());
        m.insert("id".into(), self.id(ty, key).into());
        m.insert("created".into(), self.created.clone().into());
        m.insert("modified".into(), self.modified.clone().into());
        m.insert("created_by_ref".into(), self.identity.clone().into());
        m.insert("object_marking_refs".into(), json!([self.marking]));
        m
    }

    fn add(&mut self, m: Map<String, Value>) -> String {
        let id = m["id"].as_str().unwrap_or_default().to_owned();
        let text = serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default();
        self.objects.insert(id.clone(), text);
        id
    }

    fn references(&self, cves: &[String], urls: &[String]) -> Value {
        let mut refs: Vec<Value> = cves
            .iter()
            .map(|c| json!({"source_name": "cve", "external_id": c}))
            .collect();
        refs.extend(urls.iter().map(|u| url_reference(u)));
        Value::Array(refs)
    }

    fn relate(&mut self, source: &str, target: &str, description: &str) {
        let key = format!("relationship/{source}/{target}");
        let mut m = self.common("relationship", &key);
        m.insert("relationship_type".into(), "related-to".into());
        m.insert("source_ref".into(), source.into());
        m.insert("target_ref".into(), target.into());
        m.insert("description".into(), description.into());
        self.add(m);
    }

    fn relate_cves(&mut self, source: &str, cves: &[String]) {
        for cve in cves {
            let target = self.id("vulnerability", &format!("cve/{cve}"));
            if self.objects.contains_key(&target) {
                self.relate(
                    source,
                    &target,
                    &format!("detects activity related to {cve}"),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn indicator(
        &mut self,
        key: &str,
        name: String,
        description: String,
        pattern: String,
        pattern_type: &str,
        meta: Option<&Meta>,
        cves: &[String],
        urls: &[String],
    ) -> String {
        let m = self.indicator_map(
            key,
            name,
            description,
            pattern,
            pattern_type,
            meta,
            cves,
            urls,
        );
        self.add(m)
    }

    /// The indicator object, not yet added (bulk entries use it as their prototype).
    #[allow(clippy::too_many_arguments)]
    fn indicator_map(
        &self,
        key: &str,
        name: String,
        description: String,
        pattern: String,
        pattern_type: &str,
        meta: Option<&Meta>,
        cves: &[String],
        urls: &[String],
    ) -> Map<String, Value> {
        let mut m = self.common("indicator", key);
        m.insert("name".into(), name.into());
        m.insert("description".into(), description.into());
        m.insert("pattern".into(), pattern.into());
        m.insert("pattern_type".into(), pattern_type.into());
        if pattern_type == "stix" {
            m.insert("pattern_version".into(), "2.1".into());
        }
        let published = self.c.advisory.published;
        let from = meta.and_then(|m| m.valid_from).unwrap_or(published);
        m.insert("valid_from".into(), timestamp(from).into());
        if let Some(until) = meta.and_then(|m| m.valid_until) {
            // The catalogue's end date is inclusive; STIX's `valid_until` is an instant.
            let end = until.tomorrow().unwrap_or(until);
            m.insert("valid_until".into(), timestamp(end).into());
        }
        if let Some(meta) = meta {
            m.insert(
                "indicator_types".into(),
                json!([indicator_type(meta.action)]),
            );
            m.insert("confidence".into(), confidence(meta.confidence).into());
            m.insert("labels".into(), labels(meta));
        }
        let refs = self.references(cves, urls);
        if refs.as_array().is_some_and(|a| !a.is_empty()) {
            m.insert("external_references".into(), refs);
        }
        m
    }
}

fn describe(meta: &Meta, fallback: &str) -> String {
    meta.description
        .clone()
        .or_else(|| meta.role.clone())
        .unwrap_or_else(|| fallback.to_owned())
}

/// Builds the bundle; `Err` holds the rule lines that could not be read.
fn bundle(cx: &TargetContext<'_>, coverage: &mut Coverage) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let c = cx.catalogue;
    let published = c.advisory.published;
    let modified = c.advisory.modified.max(published);
    let mut b = Builder {
        c,
        created: timestamp(published),
        modified: timestamp(modified),
        identity: String::new(),
        marking: String::new(),
        objects: BTreeMap::new(),
        indicator_ids: BTreeMap::new(),
    };
    let marking = tlp_marking(c.tlp, &b.created, &c.id);
    b.marking = marking["id"].as_str().unwrap_or_default().to_owned();
    b.objects.insert(
        b.marking.clone(),
        serde_json::to_string_pretty(&marking).unwrap_or_default(),
    );

    b.identity = b.id("identity", &format!("identity/{}", c.publisher));
    let mut identity = b.common("identity", &format!("identity/{}", c.publisher));
    identity.remove("created_by_ref");
    identity.insert("name".into(), c.publisher.clone().into());
    identity.insert(
        "description".into(),
        format!("Publisher of the iocc catalogue `{}`.", c.id).into(),
    );
    identity.insert("identity_class".into(), "organization".into());
    b.add(identity);

    for v in &c.advisory.cves {
        let mut m = b.common("vulnerability", &format!("cve/{}", v.id));
        m.insert("name".into(), v.id.clone().into());
        m.insert("description".into(), v.summary.clone().into());
        let mut refs = vec![
            json!({"source_name": "cve", "external_id": v.id}),
            json!({"source_name": "cwe", "external_id": v.cwe}),
        ];
        refs.extend(v.references.iter().map(|u| url_reference(u)));
        m.insert("external_references".into(), Value::Array(refs));
        b.add(m);
    }

    for i in &c.indicators {
        let value = i.observable.value();
        let fallback = format!("{} {value}", i.observable.kind());
        let name = i.meta.role.clone().unwrap_or_else(|| fallback.clone());
        let id = b.indicator(
            &format!("indicator/{}", i.id),
            name,
            describe(&i.meta, &fallback),
            observable_pattern(&i.observable),
            "stix",
            Some(&i.meta),
            &i.meta.cves,
            &i.meta.references,
        );
        b.relate_cves(&id, &i.meta.cves);
        b.indicator_ids.insert(&i.id, id);
        coverage.carry(&i.id);
    }
    for i in &c.indicators {
        if let (Some(part), Some(src)) = (&i.part_of, b.indicator_ids.get(i.id.as_str())) {
            if let Some(dst) = b.indicator_ids.get(part.as_str()) {
                let (src, dst) = (src.clone(), dst.clone());
                b.relate(&src, &dst, "lies inside this network");
            }
        }
    }

    // Bulk entries (possibly millions) are not serialised one by one through `Value` maps:
    // each list's entries share every field but four, so one prototype object per list is
    // serialised by serde_json and its text reused, with the four fields of each entry
    // escaped by serde_json into the slots ([`EntryShape`]). The bytes are the same as for
    // objects built one by one; only (UUID, list, entry) triples are kept until the output is
    // written, in id order, straight into the bundle.
    let mut shapes = Vec::with_capacity(c.bulk.len());
    let mut entries: Vec<BulkRef> = Vec::with_capacity(
        c.bulk
            .iter()
            .map(|l| l.networks.len() + l.domains.len())
            .sum(),
    );
    let mut value = String::new();
    for (li, list) in c.bulk.iter().enumerate() {
        let label = list.meta.role.clone().unwrap_or_else(|| list.id.clone());
        // Large lists (a merged feed) link to their CVEs through `external_references` only:
        // one relationship per entry and CVE would multiply the bundle for no new fact.
        let relate =
            list.networks.len() + list.domains.len() <= c.policy.large_list_threshold as usize;
        shapes.push(EntryShape::new(&b, list, &label));
        let n = list.networks.len() + list.domains.len();
        for e in 0..n {
            entry_value(list, e, &mut value);
            let uuid = b.uuid(&format!("bulk/{}/{value}", list.id));
            if relate {
                let id = format!("indicator--{uuid}");
                b.relate_cves(&id, &list.meta.cves);
            }
            entries.push(BulkRef {
                uuid: *uuid.as_bytes(),
                list: li as u32,
                entry: e as u32,
            });
        }
        coverage.carry(&list.id);
    }
    // By id; of entries with the same id (a value listed twice), the last one is kept, as a
    // map keyed by id would.
    entries.sort_unstable_by(|x, y| (x.uuid, y.list, y.entry).cmp(&(y.uuid, x.list, x.entry)));
    entries.dedup_by(|later, kept| later.uuid == kept.uuid);

    for d in &c.detections {
        let meta = Meta {
            role: None,
            description: d.description.clone(),
            confidence: d.confidence,
            severity: d.severity,
            action: Action::Alert,
            direction: d.direction,
            valid_from: None,
            valid_until: None,
            cves: d.cves.clone(),
            references: d.references.clone(),
        };
        let mut description = d.description.clone().unwrap_or_else(|| d.title.clone());
        if !d.content.is_empty() || d.rpc.is_some() {
            description.push_str(
                " (the payload or Sun RPC part of this detection is carried by the Suricata rule indicators, not by this pattern)",
            );
        }
        let id = b.indicator(
            &format!("detection/{}", d.id),
            d.title.clone(),
            description,
            detection_pattern(c, d),
            "stix",
            Some(&meta),
            &d.cves,
            &d.references,
        );
        b.relate_cves(&id, &d.cves);
        for ind in &d.indicators {
            if let Some(target) = b.indicator_ids.get(ind.as_str()).cloned() {
                b.relate(&id, &target, "matches traffic involving this indicator");
            }
        }
        coverage.carry(&d.id);
    }

    let files = ruletext::rule_files(cx.prior, "suricata");
    if files.is_empty() {
        coverage.skip(
            "suricata-rules",
            "no `suricata` output in this build (target not registered or not selected): no `pattern_type: suricata` indicators",
        );
    }
    let mut errors = Vec::new();
    for (path, file) in &files {
        for line in &file.unreadable {
            errors.push(
                Diagnostic::error(
                    Code::UnreadableRule,
                    format!("line {line} of `{path}` is not a rule with a numeric `sid`"),
                )
                .in_file(&c.source.path)
                .help("this is a bug in the suricata target, please report it"),
            );
        }
        for r in &file.rules {
            let cves: Vec<String> = r
                .cves
                .iter()
                .map(|n| format!("CVE-{n}"))
                .filter(|id| c.cve(id).is_some())
                .collect();
            let id = b.indicator(
                &format!("suricata/{}:{}", r.gid, r.sid),
                r.msg
                    .clone()
                    .unwrap_or_else(|| format!("Suricata rule {}", r.sid)),
                format!(
                    "Suricata rule gid:{} sid:{} rev:{} of `{path}`.",
                    r.gid, r.sid, r.rev
                ),
                r.text.clone(),
                "suricata",
                None,
                &cves,
                &[],
            );
            b.relate_cves(&id, &cves);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // The bundle as serde_json's pretty printer writes it (keys sorted: id, objects, type),
    // assembled from the objects' own pretty text indented one level deeper. JSON strings
    // hold no raw newline, so indenting line by line cannot touch a value. Objects are merged
    // in id order from the small objects (map) and the bulk entries (sorted above).
    let id = format!(
        "bundle--{}",
        stable_uuid(&format!("{}/bundle/{}", c.id, c.version))
    );
    let small: usize = b.objects.values().map(|t| t.len() + t.len() / 8).sum();
    let bulk: usize = entries
        .iter()
        .map(|e| shapes[e.list as usize].estimate)
        .sum();
    let mut out: Vec<u8> = Vec::with_capacity(small + bulk + 128);
    out.extend_from_slice(
        format!("{{\n  \"id\": {},\n  \"objects\": [\n", Value::from(id)).as_bytes(),
    );
    let n = b.objects.len() + entries.len();
    let mut small = b.objects.into_iter().peekable();
    let mut bulk = entries.iter().peekable();
    let mut entry_id = String::new();
    let mut written = 0;
    loop {
        if let Some(e) = bulk.peek() {
            entry_id.clear();
            entry_id.push_str("indicator--");
            let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
            entry_id.push_str(Uuid::from_bytes(e.uuid).hyphenated().encode_lower(&mut buf));
        }
        let take_small = match (small.peek(), bulk.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((k, _)), Some(_)) => k.as_str() <= entry_id.as_str(),
        };
        if take_small {
            let Some((_, text)) = small.next() else { break };
            for (j, line) in text.lines().enumerate() {
                if j > 0 {
                    out.push(b'\n');
                }
                out.extend_from_slice(b"    ");
                out.extend_from_slice(line.as_bytes());
            }
        } else {
            let Some(e) = bulk.next() else { break };
            let list = &c.bulk[e.list as usize];
            shapes[e.list as usize].write(list, e.entry as usize, &entry_id, &mut value, &mut out);
        }
        written += 1;
        out.extend_from_slice(if written < n { b",\n" } else { b"\n" });
    }
    out.extend_from_slice(b"  ],\n  \"type\": \"bundle\"\n}\n");
    Ok(out)
}

/// A bulk entry to write: its id's UUID, its list and its index in the list (networks first,
/// then domains).
struct BulkRef {
    uuid: [u8; 16],
    list: u32,
    entry: u32,
}

/// The entry of index `e` (networks, then domains) as a value in canonical text form.
fn entry_value(list: &BulkList, e: usize, out: &mut String) {
    use std::fmt::Write as _;
    out.clear();
    match list.networks.get(e) {
        Some((n, _)) if n.prefix_len() == n.max_prefix_len() => {
            let _ = write!(out, "{}", n.addr());
        }
        Some((n, _)) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str(&list.domains[e - list.networks.len()].0),
    }
}

/// The observable of the entry of index `e`, as the catalogue would write it.
fn entry_observable(list: &BulkList, e: usize) -> Observable {
    match list.networks.get(e) {
        Some((n, _)) if n.prefix_len() == n.max_prefix_len() => Observable::Address(n.addr()),
        Some((n, _)) => Observable::Network(*n),
        None => Observable::Domain(list.domains[e - list.networks.len()].0.clone()),
    }
}

/// The serialised form of one bulk list's entries, indented for the bundle: fixed text
/// around four slots (id, name, description, pattern) in the order serde_json writes them.
struct EntryShape {
    /// `segments.len() == slots.len() + 1`.
    segments: Vec<Vec<u8>>,
    slots: Vec<Slot>,
    /// Bytes of an entry, roughly (capacity planning).
    estimate: usize,
    /// `"{label}: "` and `"{label} (line "`, and `" of bulk list `{id}`)."`.
    name_prefix: String,
    description_prefix: String,
    description_suffix: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Id,
    Name,
    Description,
    Pattern,
}

impl EntryShape {
    fn new(b: &Builder<'_>, list: &BulkList, label: &str) -> EntryShape {
        let fields = [Slot::Id, Slot::Name, Slot::Description, Slot::Pattern];
        // Sentinels that occur exactly once in the prototype's text: each is then surely the
        // slot, whatever the catalogue's own strings hold (a clash only picks another nonce).
        let mut nonce = 0u64;
        let (text, sentinels) = loop {
            let sentinels: Vec<String> = (0..fields.len())
                .map(|k| format!("iocc-slot-{k}-{nonce}"))
                .collect();
            let mut m = b.indicator_map(
                "",
                sentinels[1].clone(),
                sentinels[2].clone(),
                sentinels[3].clone(),
                "stix",
                Some(&list.meta),
                &list.meta.cves,
                &list.meta.references,
            );
            m.insert("id".into(), sentinels[0].clone().into());
            let text = indent(&serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default());
            let quoted: Vec<String> = sentinels.iter().map(|s| format!("\"{s}\"")).collect();
            if quoted.iter().all(|q| text.matches(q.as_str()).count() == 1) {
                break (text, quoted);
            }
            nonce += 1;
        };
        let mut at: Vec<(usize, Slot, usize)> = sentinels
            .iter()
            .zip(fields)
            .map(|(q, f)| (text.find(q.as_str()).unwrap_or(0), f, q.len()))
            .collect();
        at.sort_by_key(|a| a.0);
        let mut segments = Vec::new();
        let mut slots = Vec::new();
        let mut pos = 0;
        for (start, slot, len) in at {
            segments.push(text.as_bytes()[pos..start].to_vec());
            slots.push(slot);
            pos = start + len;
        }
        segments.push(text.as_bytes()[pos..].to_vec());
        let fixed: usize = segments.iter().map(Vec::len).sum();
        EntryShape {
            segments,
            slots,
            estimate: fixed + 2 * label.len() + list.id.len() + 160,
            name_prefix: format!("{label}: "),
            description_prefix: format!("{label} (line "),
            description_suffix: format!(" of bulk list `{}`).", list.id),
        }
    }

    /// Appends the entry of index `e` of `list`, whose id is `id`; `value` is scratch space.
    fn write(&self, list: &BulkList, e: usize, id: &str, value: &mut String, out: &mut Vec<u8>) {
        use std::fmt::Write as _;
        entry_value(list, e, value);
        let line = match list.networks.get(e) {
            Some((_, line)) => *line,
            None => list.domains[e - list.networks.len()].1,
        };
        let mut field = String::new();
        for (k, slot) in self.slots.iter().enumerate() {
            out.extend_from_slice(&self.segments[k]);
            field.clear();
            let text: &str = match slot {
                Slot::Id => id,
                Slot::Name => {
                    field.push_str(&self.name_prefix);
                    field.push_str(value);
                    &field
                }
                Slot::Description => {
                    let _ = write!(
                        field,
                        "{}{line}{}",
                        self.description_prefix, self.description_suffix
                    );
                    &field
                }
                Slot::Pattern => {
                    field = observable_pattern(&entry_observable(list, e));
                    &field
                }
            };
            // A `&str` always serialises.
            let _ = serde_json::to_writer(&mut *out, text);
        }
        out.extend_from_slice(&self.segments[self.slots.len()]);
    }
}

/// Pretty JSON text indented one level (four spaces) deeper, as inside the bundle's array.
fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (j, line) in text.lines().enumerate() {
        if j > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

impl Target for Stix {
    fn name(&self) -> &'static str {
        "stix"
    }

    fn description(&self) -> &'static str {
        "STIX 2.1 bundle: identity, indicators (STIX and Suricata patterns), vulnerabilities, relationships"
    }

    fn bundle_note(&self) -> &'static str {
        "STIX 2.1 bundle (publish to a TAXII collection)"
    }

    /// Every indicator, bulk entry and detection becomes a STIX object.
    fn support(&self, _: &super::Item) -> super::Support {
        super::Support::Yes
    }

    fn compile(&self, cx: &TargetContext<'_>) -> Result<TargetOutput, Vec<Diagnostic>> {
        let mut coverage = Coverage::default();
        let bytes = bundle(cx, &mut coverage)?;
        Ok(
            TargetOutput::one_file(format!("{}.json", cx.catalogue.id), bytes)
                .refusing(coverage.skipped),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_backslash_and_quote() {
        assert_eq!(literal(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(literal("x"), "'x'");
    }

    #[test]
    fn patterns_per_kind() {
        let a = Observable::Address("202.114.4.119".parse().unwrap());
        assert_eq!(
            observable_pattern(&a),
            "[ipv4-addr:value = '202.114.4.119']"
        );
        let n = Observable::Network("2001:db8::/32".parse().unwrap());
        assert_eq!(
            observable_pattern(&n),
            "[ipv6-addr:value ISSUBSET '2001:db8::/32']"
        );
        let p = Observable::Port {
            transport: crate::model::Transport::Tcp,
            first: 515,
            last: 520,
        };
        assert_eq!(observable_pattern(&p), "[network-traffic:protocols[*] = 'tcp' AND network-traffic:dst_port >= 515 AND network-traffic:dst_port <= 520]");
        let h = Observable::FileHash {
            algo: HashAlgo::Sha1,
            hex: "ab".into(),
        };
        assert_eq!(observable_pattern(&h), "[file:hashes.'SHA-1' = 'ab']");
        let u = Observable::Url("http://x/a'b\\".into());
        assert_eq!(observable_pattern(&u), r"[url:value = 'http://x/a\'b\\']");
    }

    fn contec() -> Catalogue {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("iocs/contec-cms8000.yaml");
        let mut cache = crate::diag::SourceCache::default();
        let today = jiff::civil::date(2026, 11, 26);
        crate::load::load_catalogue(&path, today, &crate::targets::names(), &mut cache)
            .catalogue
            .expect("contec catalogue validates")
    }

    fn compile_with(prior: &crate::output::Tree) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = contec();
        let templates = crate::targets::templates(None).unwrap();
        Stix.compile(&TargetContext {
            catalogue: &c,
            templates: &templates,
            prior,
        })
    }

    #[test]
    fn suricata_rules_of_earlier_targets_become_indicators() {
        let mut prior = crate::output::Tree::new();
        let rules = "# header; sid:5;\n\nalert ip $HOME_NET any -> [202.114.4.0/24] any (msg:\"IOCC x \\\"\\; sid:9\\;\"; reference:cve,2025-0626; classtype:policy-violation; sid:1000001; rev:2;)\nalert tcp $HOME_NET any -> 202.114.4.120 511 (msg:\"IOCC hl7\"; sid:1000002; rev:1;)\n";
        prior.insert(
            "suricata/contec-cms8000.rules".into(),
            rules.as_bytes().to_vec(),
        );
        prior.insert(
            "suricata/contec-cms8000-v4.lst".into(),
            b"202.114.4.119\n".to_vec(),
        );
        prior.insert("summary/x.rules".into(), b"not a suricata file\n".to_vec());
        let out = compile_with(&prior).unwrap();
        assert!(out.refused.is_empty(), "{:?}", out.refused);
        let v: Value = serde_json::from_slice(&out.files[0].contents).unwrap();
        let objects = v["objects"].as_array().unwrap();
        let sur: Vec<&Value> = objects
            .iter()
            .filter(|o| o["pattern_type"] == "suricata")
            .collect();
        assert_eq!(sur.len(), 2);
        let lines: Vec<&str> = rules.lines().skip(2).collect();
        let first = sur
            .iter()
            .find(|o| o["pattern"] == lines[0])
            .expect("rule 1");
        assert_eq!(first["name"], "IOCC x \"; sid:9;");
        assert!(first["description"]
            .as_str()
            .unwrap()
            .contains("sid:1000001 rev:2"));
        assert!(sur.iter().any(|o| o["pattern"] == lines[1]));
        let vuln = objects
            .iter()
            .find(|o| o["type"] == "vulnerability" && o["name"] == "CVE-2025-0626")
            .unwrap();
        assert!(objects.iter().any(|o| o["type"] == "relationship"
            && o["source_ref"] == first["id"]
            && o["target_ref"] == vuln["id"]));
        // The same input gives the same bytes.
        assert_eq!(compile_with(&prior).unwrap().files, out.files);
    }

    #[test]
    fn missing_suricata_output_is_a_recorded_skip_and_broken_rules_an_error() {
        let out = compile_with(&crate::output::Tree::new()).unwrap();
        assert_eq!(out.refused.len(), 1);
        assert_eq!(out.refused[0].id, "suricata-rules");
        let mut prior = crate::output::Tree::new();
        prior.insert(
            "suricata/a.rules".into(),
            b"alert ip any any -> any any (msg:\"no sid\";)\n".to_vec(),
        );
        let errs = compile_with(&prior).unwrap_err();
        assert_eq!(errs[0].code, Code::UnreadableRule);
        assert!(errs[0].message.contains("line 1 of `suricata/a.rules`"));
    }

    #[test]
    fn bulk_entries_are_the_objects_a_builder_would_make() {
        let mut c = contec();
        let mut meta = c.indicators[0].meta.clone();
        // Text that JSON must escape, and the prototype's own slot markers.
        meta.role = Some("feed \"x\" \\ iocc-slot-1-0 \u{1}\n\u{e9}".into());
        meta.description = Some("\"iocc-slot-0-0\"".into());
        // A reference equal to a slot marker makes the prototype pick other markers.
        meta.references.push("iocc-slot-3-0".into());
        let net = |s: &str| s.parse::<IpNet>().unwrap();
        c.bulk.push(BulkList {
            id: "feed".into(),
            file: "feed.txt".into(),
            kind: crate::model::BulkKind::Address,
            meta: meta.clone(),
            networks: vec![
                (net("198.51.100.7/32"), 1),
                (net("2001:db8::/48"), 2),
                (net("198.51.100.7/32"), 3),
            ],
            domains: vec![("a.example".into(), 4)],
        });
        let templates = crate::targets::templates(None).unwrap();
        let prior = crate::output::Tree::new();
        let cx = TargetContext {
            catalogue: &c,
            templates: &templates,
            prior: &prior,
        };
        let text = String::from_utf8(bundle(&cx, &mut Coverage::default()).unwrap()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let objects = v["objects"].as_array().unwrap();
        let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "objects in id order, each once");
        let b = Builder {
            c: &c,
            created: timestamp(c.advisory.published),
            modified: timestamp(c.advisory.modified.max(c.advisory.published)),
            identity: objects.iter().find(|o| o["type"] == "identity").unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            marking: tlp_marking(c.tlp, "", &c.id)["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            objects: BTreeMap::new(),
            indicator_ids: BTreeMap::new(),
        };
        let label = meta.role.clone().unwrap();
        // The address listed twice is one object, from its last line.
        for (o, value, line) in [
            (
                Observable::Address("198.51.100.7".parse().unwrap()),
                "198.51.100.7",
                3,
            ),
            (
                Observable::Network(net("2001:db8::/48")),
                "2001:db8::/48",
                2,
            ),
            (Observable::Domain("a.example".into()), "a.example", 4),
        ] {
            let m = b.indicator_map(
                &format!("bulk/feed/{value}"),
                format!("{label}: {value}"),
                format!("{label} (line {line} of bulk list `feed`)."),
                observable_pattern(&o),
                "stix",
                Some(&meta),
                &meta.cves,
                &meta.references,
            );
            let expected = indent(&serde_json::to_string_pretty(&Value::Object(m)).unwrap());
            assert_eq!(text.matches(&expected).count(), 1, "{expected}");
        }
        assert_eq!(
            objects
                .iter()
                .filter(|o| o["name"].as_str().is_some_and(|n| n.starts_with("feed ")))
                .count(),
            3
        );
    }

    #[test]
    fn ids_are_stable_and_version_4_formatted() {
        let a = stable_uuid("contec-cms8000/indicator/cms-server");
        assert_eq!(a, stable_uuid("contec-cms8000/indicator/cms-server"));
        assert_ne!(a, stable_uuid("contec-cms8000/indicator/hl7-server"));
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn url_hosts_name_their_references() {
        assert_eq!(source_name("https://www.cisa.gov/a/b"), "www.cisa.gov");
        assert_eq!(source_name("http://u@h:80?x"), "h:80");
    }
}
