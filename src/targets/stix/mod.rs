//! The `stix` target: one STIX 2.1 bundle per catalogue (`out/<catalogue>/stix/<catalogue>.json`).
//!
//! Guarantees: the bundle holds an identity for the publisher, one indicator per address,
//! network, domain, URL, port and file-hash indicator and per bulk-list entry (`pattern_type:
//! stix`), one `network-traffic` indicator per detection, one `pattern_type: suricata`
//! indicator per rule of the build's rule plan (the rules the `suricata` target publishes),
//! one vulnerability per CVE, and `related-to` relationships between them. Ids are UUIDv5 of
//! stable keys, timestamps come from the catalogue's dates, objects are sorted by id and JSON
//! keys are sorted (typed objects, [`objects`]), so the same catalogue gives the same bytes.
//! It is built with serde_json, not a template: JSON escaping is serde_json's, and the only
//! other escaping, of STIX pattern string literals, is [`pattern::literal`], used for every
//! catalogue string placed in a pattern.

mod builder;
mod bulk;
mod objects;
mod pattern;

pub use builder::stable_uuid;
pub use pattern::{detection_pattern, literal, observable_pattern};

use serde_json::Value;

use super::{Coverage, Files, Target, TargetContext, TargetOutput, WriteError};
use crate::diag::{Code, Diagnostic};
use crate::model::{Action, Meta};
use crate::rules::dialect::{Dialect, Suricata7};
use crate::rules::plan::{rules_file, PUBLISHER};
use crate::rules::RulePlan;
use builder::{Builder, IndicatorSpec};
use bulk::BulkEntries;
use objects::{
    pretty, tlp_marking, ExternalReference, Identity, PatternType, Vulnerability, SPEC_VERSION,
};

pub struct Stix;

/// Adds the TLP marking and the publisher's identity, and sets their ids on the builder.
fn marking_and_identity(b: &mut Builder<'_>) {
    let c = b.c;
    let amber_strict = format!(
        "marking-definition--{}",
        stable_uuid(&format!("{}/tlp/amber+strict", c.id))
    );
    let marking = tlp_marking(c.tlp, &b.created, amber_strict);
    let (marking_id, text) = (marking.id.clone(), pretty(&marking));
    b.objects.insert(marking_id.clone(), text);
    b.marking = marking_id;
    let key = format!("identity/{}", c.publisher);
    b.identity = b.id("identity", &key);
    let identity = Identity {
        created: &b.created,
        description: format!("Publisher of the iocc catalogue `{}`.", c.id),
        id: b.identity.clone(),
        identity_class: "organization",
        modified: &b.modified,
        name: &c.publisher,
        object_marking_refs: [&b.marking],
        spec_version: SPEC_VERSION,
        kind: "identity",
    };
    let text = pretty(&identity);
    b.objects.insert(b.identity.clone(), text);
}

/// One vulnerability per CVE of the advisory, with its CVE, CWE and URL references.
fn vulnerabilities(b: &mut Builder<'_>) {
    for v in &b.c.advisory.cves {
        let id = b.id("vulnerability", &format!("cve/{}", v.id));
        let s = b.stamp();
        let mut refs = vec![
            ExternalReference::id("cve", &v.id),
            ExternalReference::id("cwe", &v.cwe),
        ];
        refs.extend(v.references.iter().map(|u| ExternalReference::url(u)));
        let object = Vulnerability {
            created: s.created,
            created_by_ref: s.created_by_ref,
            description: &v.summary,
            external_references: refs,
            id: id.clone(),
            modified: s.modified,
            name: &v.id,
            object_marking_refs: [s.marking],
            spec_version: SPEC_VERSION,
            kind: "vulnerability",
        };
        let text = pretty(&object);
        b.objects.insert(id, text);
    }
}

fn describe(meta: &Meta, fallback: &str) -> String {
    meta.description
        .clone()
        .or_else(|| meta.role.clone())
        .unwrap_or_else(|| fallback.to_owned())
}

/// One indicator per catalogue indicator, related to its CVEs and to the network it lies in.
fn indicators(b: &mut Builder<'_>, coverage: &mut Coverage) {
    let c = b.c;
    for i in &c.indicators {
        let value = i.observable.value();
        let fallback = format!("{} {value}", i.observable.kind());
        let id = b.indicator(IndicatorSpec {
            key: &format!("indicator/{}", i.id),
            name: i.meta.role.clone().unwrap_or_else(|| fallback.clone()),
            description: describe(&i.meta, &fallback),
            pattern: observable_pattern(&i.observable),
            pattern_type: PatternType::Stix,
            meta: Some(&i.meta),
            cves: &i.meta.cves,
            urls: &i.meta.references,
        });
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
}

/// One `network-traffic` indicator per detection, related to its CVEs and indicators.
fn detections(b: &mut Builder<'_>, coverage: &mut Coverage) {
    let c = b.c;
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
        let id = b.indicator(IndicatorSpec {
            key: &format!("detection/{}", d.id),
            name: d.title.clone(),
            description,
            pattern: detection_pattern(c, d),
            pattern_type: PatternType::Stix,
            meta: Some(&meta),
            cves: &d.cves,
            urls: &d.references,
        });
        b.relate_cves(&id, &d.cves);
        for ind in &d.indicators {
            if let Some(target) = b.indicator_ids.get(ind.as_str()).cloned() {
                b.relate(&id, &target, "matches traffic involving this indicator");
            }
        }
        coverage.carry(&d.id);
    }
}

/// One `pattern_type: suricata` indicator per rule of the plan, its pattern the rule as the
/// published pack writes it.
fn rule_indicators(b: &mut Builder<'_>, plan: &RulePlan) -> Result<(), Vec<Diagnostic>> {
    let c = b.c;
    let path = format!("{PUBLISHER}/{}", rules_file(&c.id));
    for r in &plan.rules {
        let line = Suricata7.write(&r.rule()).map_err(|u| {
            vec![Diagnostic::error(
                Code::UnreadableRule,
                format!(
                    "rule `{}` holds `{}`, which {} cannot write",
                    r.key, u.keyword, u.dialect
                ),
            )
            .in_file(&c.source.path)
            .help("this is a bug in iocc, please report it")]
        })?;
        let cves: Vec<String> = r
            .cve_references()
            .map(|n| format!("CVE-{n}"))
            .filter(|id| c.cve(id).is_some())
            .collect();
        let gid = r.gid();
        let id = b.indicator(IndicatorSpec {
            key: &format!("suricata/{gid}:{}", r.sid),
            name: r.msg().map_or_else(
                || format!("Suricata rule {}", r.sid),
                |m| Suricata7.as_read(m),
            ),
            description: format!(
                "Suricata rule gid:{gid} sid:{} rev:{} of `{path}`.",
                r.sid, r.rev
            ),
            pattern: line,
            pattern_type: PatternType::Suricata,
            meta: None,
            cves: &cves,
            urls: &[],
        });
        b.relate_cves(&id, &cves);
    }
    Ok(())
}

/// The bundle as serde_json's pretty printer writes it (keys sorted: id, objects, type),
/// assembled from the objects' own pretty text indented one level deeper. JSON strings hold
/// no raw newline, so indenting line by line cannot touch a value. Objects are merged in id
/// order from the small objects (map) and the bulk entries (sorted).
fn assemble(
    b: Builder<'_>,
    bulk: &BulkEntries<'_>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let c = b.c;
    let id = format!(
        "bundle--{}",
        stable_uuid(&format!("{}/bundle/{}", c.id, c.version))
    );
    let mut out: Vec<u8> = Vec::with_capacity(FLUSH + 4096);
    out.extend_from_slice(
        format!("{{\n  \"id\": {},\n  \"objects\": [\n", Value::from(id)).as_bytes(),
    );
    let n = b.objects.len() + bulk.len();
    let mut small = b.objects.into_iter().peekable();
    let mut entries = bulk.iter().peekable();
    let (mut entry_id, mut value) = (String::new(), String::new());
    let mut written = 0;
    loop {
        if let Some(e) = entries.peek() {
            e.id_into(&mut entry_id, &mut value);
        }
        let take_small = match (small.peek(), entries.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((k, _)), Some(_)) => k.as_str() <= entry_id.as_str(),
        };
        if take_small {
            let Some((_, text)) = small.next() else { break };
            out.extend_from_slice(bulk::indent(&text).as_bytes());
        } else {
            let Some(e) = entries.next() else { break };
            e.write(&entry_id, &mut value, &mut out);
        }
        written += 1;
        out.extend_from_slice(if written < n { b",\n" } else { b"\n" });
        if out.len() >= FLUSH {
            w.write_all(&out)?;
            out.clear();
        }
    }
    out.extend_from_slice(b"  ],\n  \"type\": \"bundle\"\n}\n");
    w.write_all(&out)
}

/// Bytes gathered before they go to the file.
const FLUSH: usize = 1 << 16;

/// Writes the bundle into `w`; `Err` holds the rules that could not be written.
fn bundle(
    cx: &TargetContext<'_>,
    coverage: &mut Coverage,
    w: &mut dyn std::io::Write,
) -> Result<(), WriteError> {
    let mut b = Builder::new(cx.catalogue);
    marking_and_identity(&mut b);
    vulnerabilities(&mut b);
    indicators(&mut b, coverage);
    let bulk = BulkEntries::collect(&mut b, coverage);
    detections(&mut b, coverage);
    match cx.rules {
        Some(plan) => rule_indicators(&mut b, plan)?,
        None => coverage.skip(
            "suricata-rules",
            "no `suricata` output in this build (target not registered or not selected): no `pattern_type: suricata` indicators",
        ),
    }
    Ok(assemble(b, &bulk, w)?)
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

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let mut coverage = Coverage::default();
        out.file(&format!("{}.json", cx.catalogue.id), |w| {
            bundle(cx, &mut coverage, w)
        })?;
        Ok(TargetOutput::refusing(coverage.skipped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BulkList, Catalogue, Observable};
    use ipnet::IpNet;

    fn contec() -> Catalogue {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("iocs/contec-cms8000.yaml");
        let mut cache = crate::diag::SourceCache::default();
        let today = jiff::civil::date(2026, 11, 26);
        crate::load::load_catalogue(&path, today, &crate::targets::names(), &mut cache)
            .catalogue
            .expect("contec catalogue validates")
    }

    fn compile_with(
        rules: Option<&RulePlan>,
    ) -> Result<(crate::output::Tree, TargetOutput), Vec<Diagnostic>> {
        let c = contec();
        let templates = crate::targets::templates(None).unwrap();
        crate::targets::write_in_memory(
            &Stix,
            &TargetContext {
                catalogue: &c,
                templates: &templates,
                rules,
            },
        )
    }

    /// A plan of the given rule lines, read into the model.
    fn plan_of(lines: &[&str]) -> RulePlan {
        let rules = lines
            .iter()
            .enumerate()
            .map(|(n, l)| {
                let rule = crate::rules::read::read_line(l).unwrap().unwrap();
                crate::rules::PlannedRule::new(
                    format!("k{n}"),
                    (rule.sid().unwrap(), rule.rev().unwrap()),
                    rule,
                )
            })
            .collect();
        RulePlan {
            rules,
            ip_only: Vec::new(),
            files: Vec::new(),
            categories: Vec::new(),
            not_expressed: Vec::new(),
            lock: crate::rules::plan::LockFile {
                path: "x.sids.lock".into(),
                contents: Vec::new(),
            },
        }
    }

    #[test]
    fn planned_rules_become_indicators() {
        let lines = [
            "alert ip $HOME_NET any -> [202.114.4.0/24] any (msg:\"IOCC x \\\"\\; sid:9\\;\"; reference:cve,2025-0626; classtype:policy-violation; sid:1000001; rev:2;)",
            "alert tcp $HOME_NET any -> 202.114.4.120 511 (msg:\"IOCC hl7\"; sid:1000002; rev:1;)",
        ];
        let plan = plan_of(&lines);
        let (files, out) = compile_with(Some(&plan)).unwrap();
        assert!(out.refused.is_empty(), "{:?}", out.refused);
        let v: Value = serde_json::from_slice(&files["contec-cms8000.json"]).unwrap();
        let objects = v["objects"].as_array().unwrap();
        let sur: Vec<&Value> = objects
            .iter()
            .filter(|o| o["pattern_type"] == "suricata")
            .collect();
        assert_eq!(sur.len(), 2);
        let first = sur
            .iter()
            .find(|o| o["pattern"] == lines[0])
            .expect("rule 1");
        assert_eq!(first["name"], "IOCC x \"; sid:9;");
        assert!(first["description"]
            .as_str()
            .unwrap()
            .contains("sid:1000001 rev:2 of `suricata/contec-cms8000.rules`"));
        assert!(sur.iter().any(|o| o["pattern"] == lines[1]));
        let vuln = objects
            .iter()
            .find(|o| o["type"] == "vulnerability" && o["name"] == "CVE-2025-0626")
            .unwrap();
        assert!(objects.iter().any(|o| o["type"] == "relationship"
            && o["source_ref"] == first["id"]
            && o["target_ref"] == vuln["id"]));
        // The same input gives the same bytes.
        assert_eq!(compile_with(Some(&plan)).unwrap().0, files);
    }

    #[test]
    fn a_build_without_rules_is_a_recorded_skip() {
        let (_, out) = compile_with(None).unwrap();
        assert_eq!(out.refused.len(), 1);
        assert_eq!(out.refused[0].id, "suricata-rules");
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
            networks: {
                let mut n = crate::model::packed::Nets::default();
                n.push(net("198.51.100.7/32"), 1);
                n.push(net("2001:db8::/48"), 2);
                n.push(net("198.51.100.7/32"), 3);
                n.finish();
                n
            },
            domains: {
                let mut d = crate::model::packed::Domains::default();
                d.push("a.example", 4);
                d.finish();
                d
            },
        });
        let templates = crate::targets::templates(None).unwrap();
        let cx = TargetContext {
            catalogue: &c,
            templates: &templates,
            rules: None,
        };
        let mut bytes = Vec::new();
        bundle(&cx, &mut Coverage::default(), &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let objects = v["objects"].as_array().unwrap();
        let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "objects in id order, each once");
        let mut b = Builder::new(&c);
        b.identity = objects.iter().find(|o| o["type"] == "identity").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        b.marking = objects
            .iter()
            .find(|o| o["type"] == "marking-definition")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
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
            let key = format!("bulk/feed/{value}");
            let object = b.indicator_object(IndicatorSpec {
                key: &key,
                name: format!("{label}: {value}"),
                description: format!("{label} (line {line} of bulk list `feed`)."),
                pattern: observable_pattern(&o),
                pattern_type: PatternType::Stix,
                meta: Some(&meta),
                cves: &meta.cves,
                urls: &meta.references,
            });
            let expected = format!("\n{}", bulk::compact(object));
            assert_eq!(text.matches(&expected).count(), 1, "{expected}");
            assert!(!expected.contains("pattern_version"));
            assert!(!expected[1..].contains('\n'), "one line: {expected}");
        }
        assert_eq!(
            objects
                .iter()
                .filter(|o| o["name"].as_str().is_some_and(|n| n.starts_with("feed ")))
                .count(),
            3
        );
    }
}
