//! Rule shapes: how each catalogue item becomes Suricata rules (before SIDs are known).
//!
//! Guarantees:
//! - every rule has a stable key (`detection/<id>/<proto>/<direction>`,
//!   `indicator/<id>/<shape>/<direction>`, `list/<id>/<shape>/<direction>`) that does not
//!   depend on the order or number of other items, so the SID lock keeps SIDs stable;
//! - address indicators become IP-only rules (header address, no `flow`), one per direction,
//!   unless an IP-only detection already covers the address in that direction; lists above
//!   `policy.large_list_threshold` entries (or too long for one rule line) become a `dataset`
//!   (exact addresses, `ip.src`/`ip.dst`) plus an `iprep` category (prefixes), never one
//!   rule per address; dataset and iprep rules name no entry count, so a growing list changes
//!   its data files, never its rules' sid or rev;
//! - every detection yields one protocol rule per protocol and direction;
//! - everything in `header` and `detect` is built here from typed values (addresses, ports,
//!   numbers, content bytes through [`content_hex`]); catalogue text (titles, roles, URLs) only
//!   reaches `msg`, `references` and `metadata`, which the template escapes;
//! - anything Suricata rules here cannot express is reported with the reason.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::escape::{content_hex, metadata_value, msg_text, reference_url, short_name};
use crate::model::{
    BulkKind, Catalogue, Confidence, Direction, Meta, Observable, PortRange, Protocol, Severity,
    Transport,
};
use crate::targets::Coverage;

/// Header lists longer than this (characters) go to a dataset/iprep instead.
pub const HEADER_BUDGET: usize = 4000;
/// The protected side of every rule.
const HOME: &str = "$HOME_NET";
/// Most URL references kept per rule (the rule must stay one short line).
const MAX_URL_REFS: usize = 4;
const MAX_PRODUCTS: usize = 4;

/// Options that let a packet rule alert once per flow: the first match sets a flowbit that
/// later packets of the same flow test. (A threshold would hide a second flow from the same
/// host; Suricata 7 has no `track by_flow`.)
fn once_per_flow(key: &str) -> [String; 2] {
    // `PREFIX.word` is the style guide's flowbit form (letters, digits, `_` after the dot).
    let bit = format!("IOCC.{}", short_name(key, 60).replace('-', "_"));
    [
        format!("flowbits:isnotset,{bit};"),
        format!("flowbits:set,{bit};"),
    ]
}

/// One rule before the SID lock: everything that makes up its body.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSpec {
    pub key: String,
    /// `action proto src sport -> dst dport`, built from typed values.
    pub header: String,
    /// Plain text; escaped by the template's escaper.
    pub msg: String,
    /// Detection options, each complete with its `;`, built from typed values.
    pub detect: Vec<String>,
    /// (type, value) pairs; the value is escaped by the template.
    pub references: Vec<(String, String)>,
    pub classtype: String,
    /// `key value` pairs, sorted, without `updated_at` (which comes from the lock).
    pub metadata: Vec<String>,
    /// `target:src_ip` or `target:dest_ip`.
    pub target: &'static str,
}

/// A data file written beside the rules.
#[derive(Debug, Clone)]
pub struct DataFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// An iprep category to declare: (lock key, short name, description) with its prefixes.
#[derive(Debug, Clone)]
pub struct Category {
    pub key: String,
    pub name: String,
    pub description: String,
    pub nets: Vec<IpNet>,
}

#[derive(Debug, Default)]
pub struct Shapes {
    pub rules: Vec<RuleSpec>,
    pub files: Vec<DataFile>,
    pub categories: Vec<Category>,
    pub coverage: Coverage,
}

/// The pack name at the start of every msg: the catalogue id in capitals, `-` as spaces
/// (suricata-check's `RULESET CATEGORY Description` form allows only `[A-Z0-9 ]`).
pub fn pack_name(id: &str) -> String {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                ' '
            }
        })
        .take(40)
        .collect();
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The msg category for a classtype.
pub fn category(classtype: &str) -> &'static str {
    match classtype {
        "policy-violation" | "inappropriate-content" => "POLICY",
        "trojan-activity" | "pup-activity" => "TROJAN",
        "command-and-control" | "domain-c2" => "C2",
        "rpc-portmap-decode" => "RPC",
        "attempted-recon"
        | "successful-recon-limited"
        | "successful-recon-largescale"
        | "network-scan" => "SCAN",
        "web-application-activity" | "web-application-attack" => "WEB",
        "exploit-kit" | "attempted-admin" | "attempted-user" | "shellcode-detect"
        | "successful-admin" | "successful-user" => "EXPLOIT",
        "coin-mining" => "COINMINING",
        "credential-theft" | "default-login-attempt" | "suspicious-login" => "CREDENTIALS",
        _ => "INFO",
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "Major",
        Severity::Medium => "Minor",
        Severity::Low => "Informational",
    }
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Sourced => "High",
        Confidence::Inferred => "Medium",
    }
}

fn date(d: jiff::civil::Date) -> String {
    d.strftime("%Y_%m_%d").to_string()
}

/// Address or list text for a header: one value or `[a,b]`.
fn addr_list(nets: &[IpNet]) -> String {
    let parts: Vec<String> = nets
        .iter()
        .map(|n| {
            if n.prefix_len() == n.max_prefix_len() {
                n.addr().to_string()
            } else {
                n.to_string()
            }
        })
        .collect();
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(","))
    }
}

fn port_list(ports: &[PortRange], proto: Transport) -> String {
    let parts: Vec<String> = ports
        .iter()
        .filter(|p| p.transport.is_none_or(|t| t == proto))
        .map(|p| {
            if p.first == p.last {
                p.first.to_string()
            } else {
                format!("{}:{}", p.first, p.last)
            }
        })
        .collect();
    match parts.len() {
        0 => "any".into(),
        1 => parts[0].clone(),
        _ => format!("[{}]", parts.join(",")),
    }
}

/// Tiny standard base64 (datasets of `type string` want base64 lines).
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The XDR encoding of a string argument: length, bytes, zero padding to 4 bytes.
fn xdr_string(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = (b.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(b);
    out.resize(out.len() + (4 - b.len() % 4) % 4, 0);
    out
}

fn dir_word(outbound: bool) -> &'static str {
    if outbound {
        "outbound"
    } else {
        "inbound"
    }
}

fn directions(d: Direction) -> Vec<bool> {
    let mut v = Vec::new();
    if d.includes_outbound() {
        v.push(true);
    }
    if d.includes_inbound() {
        v.push(false);
    }
    v
}

/// Shortens msg text to `max` characters with a marker.
fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max - 3).collect::<String>() + "..."
    }
}

struct Builder<'a> {
    c: &'a Catalogue,
    pack: String,
    out: Shapes,
}

impl Builder<'_> {
    fn references(&self, cves: &[String], urls: &[String]) -> Vec<(String, String)> {
        let mut refs: Vec<(String, String)> = cves
            .iter()
            .filter_map(|id| self.c.cve(id))
            .map(|v| ("cve".to_owned(), v.number().to_owned()))
            .collect();
        refs.extend(
            urls.iter()
                .filter_map(|u| reference_url(u))
                .take(MAX_URL_REFS)
                .map(|u| ("url".to_owned(), u)),
        );
        refs
    }

    fn metadata(
        &self,
        cves: &[String],
        conf: Confidence,
        sev: Severity,
        created: Option<jiff::civil::Date>,
    ) -> Vec<String> {
        let mut product_ids: BTreeSet<&str> = BTreeSet::new();
        for id in cves {
            if let Some(v) = self.c.cve(id) {
                product_ids.extend(v.products.iter().map(String::as_str));
            }
        }
        let mut products: BTreeSet<String> = self
            .c
            .advisory
            .products
            .iter()
            .filter(|p| product_ids.is_empty() || product_ids.contains(p.id.as_str()))
            .map(|p| metadata_value(&format!("{} {}", p.vendor, p.name)))
            .collect();
        if products.len() > MAX_PRODUCTS {
            products = products.into_iter().take(MAX_PRODUCTS).collect();
        }
        let mut md: Vec<String> = products
            .into_iter()
            .map(|p| format!("affected_product {p}"))
            .collect();
        md.push("attack_target Client_Endpoint".into());
        md.push(format!("confidence {}", confidence(conf)));
        md.push(format!(
            "created_at {}",
            date(created.unwrap_or(self.c.advisory.published))
        ));
        for id in cves.iter().take(8) {
            md.push(format!("cve {}", metadata_value(id).replace('-', "_")));
        }
        md.push("deployment Internal".into());
        md.push("deployment Perimeter".into());
        md.push("performance_impact Low".into());
        md.push(format!("signature_severity {}", severity(sev)));
        md.sort();
        md
    }

    /// `PACK CATEGORY text suffix`: the catalogue text is bounded first so the typed suffix
    /// (address, domain, protocol, direction) always survives.
    fn msg(&self, classtype: &str, text: &str, suffix: &str) -> String {
        let mut m = format!(
            "{} {} {}",
            self.pack,
            category(classtype),
            bounded(&msg_text(text), 160)
        );
        if !suffix.is_empty() {
            m.push(' ');
            m.push_str(&msg_text(suffix));
        }
        m
    }

    fn detections(&mut self) {
        let c = self.c;
        for d in &c.detections {
            let nets: Vec<IpNet> = d
                .indicators
                .iter()
                .filter_map(|id| c.indicator(id).and_then(|i| i.observable.as_net()))
                .collect();
            let far = addr_list(&nets);
            let multi_proto = d.protocols.len() > 1;
            for &outbound in &directions(d.direction) {
                for &proto in &d.protocols {
                    let (proto_word, transport) = match proto {
                        Protocol::Ip => ("ip", None),
                        Protocol::Tcp => ("tcp", Some(Transport::Tcp)),
                        Protocol::Udp => ("udp", Some(Transport::Udp)),
                    };
                    let ports = transport.map_or("any".into(), |t| port_list(&d.ports, t));
                    // The protected side is the client for outbound behaviours, the server
                    // for inbound ones; ports are the server's.
                    let header = if outbound {
                        format!("alert {proto_word} {HOME} any -> {far} {ports}")
                    } else {
                        format!("alert {proto_word} {far} any -> {HOME} {ports}")
                    };
                    let mut detect = Vec::new();
                    match transport {
                        Some(Transport::Tcp) => detect.push("flow:established,to_server;".into()),
                        Some(Transport::Udp) => detect.push("flow:to_server;".into()),
                        None => {}
                    }
                    if let Some(r) = &d.rpc {
                        // A fixed prefix of every RPC call (RFC 5531): message type CALL (0),
                        // RPC version 2, then the program. It gives the engine a fast pattern;
                        // `rpc:` then checks program, version and procedure exactly. Over TCP
                        // the record mark comes first.
                        let mut call = vec![0, 0, 0, 0, 0, 0, 0, 2];
                        call.extend_from_slice(&r.program.to_be_bytes());
                        let offset = if transport == Some(Transport::Tcp) {
                            8
                        } else {
                            4
                        };
                        detect.push(format!("content:\"{}\";", content_hex(&call)));
                        detect.push(format!("offset:{offset};"));
                        detect.push("depth:12;".into());
                        let v = r.version.map_or("*".into(), |v| v.to_string());
                        let p = r.procedure.map_or("*".into(), |p| p.to_string());
                        detect.push(format!("rpc:{},{v},{p};", r.program));
                        if let Some(path) = &r.path {
                            // The export path is the distinctive part: make it the fast pattern.
                            detect.push(format!("content:\"{}\";", content_hex(&xdr_string(path))));
                            detect.push("fast_pattern;".into());
                        }
                    }
                    for m in &d.content {
                        detect.push(format!("content:\"{}\";", content_hex(&m.bytes)));
                        if let Some(o) = m.offset {
                            detect.push(format!("offset:{o};"));
                        }
                        if let Some(dp) = m.depth {
                            detect.push(format!("depth:{dp};"));
                        }
                        if m.nocase {
                            detect.push("nocase;".into());
                        }
                    }
                    let key = format!("detection/{}/{proto_word}/{}", d.id, dir_word(outbound));
                    if transport.is_some() {
                        // A port-only rule matches every packet of the flow, a payload or RPC
                        // rule every message: an HL7 feed sends one per reading, an NFS copy
                        // one call per block. Alert once per flow.
                        detect.extend(once_per_flow(&format!("{}/{key}", c.id)));
                    }
                    let mut suffix = Vec::new();
                    if multi_proto {
                        suffix.push(format!("({})", proto_word.to_ascii_uppercase()));
                    }
                    if d.direction == Direction::Both {
                        suffix.push(format!("({})", dir_word(outbound)));
                    }
                    self.out.rules.push(RuleSpec {
                        key,
                        header,
                        msg: self.msg(&d.classtype, &d.title, &suffix.join(" ")),
                        detect,
                        references: self.references(&d.cves, &d.references),
                        classtype: d.classtype.clone(),
                        metadata: self.metadata(&d.cves, d.confidence, d.severity, None),
                        target: if outbound { "src_ip" } else { "dest_ip" },
                    });
                }
            }
            self.out.coverage.carry(&d.id);
        }
    }

    /// The networks IP-only detections cover, per direction (outbound, inbound). Computed once:
    /// catalogues may hold a million indicators.
    fn ip_only_cover(&self) -> (Vec<IpNet>, Vec<IpNet>) {
        let (mut out, mut inb) = (Vec::new(), Vec::new());
        for d in &self.c.detections {
            if d.protocols != [Protocol::Ip] {
                continue;
            }
            for id in &d.indicators {
                if let Some(n) = self.c.indicator(id).and_then(|i| i.observable.as_net()) {
                    if d.direction.includes_outbound() {
                        out.push(n);
                    }
                    if d.direction.includes_inbound() {
                        inb.push(n);
                    }
                }
            }
        }
        (out, inb)
    }

    #[allow(clippy::too_many_arguments)]
    fn address_rules(
        &mut self,
        key: &str,
        label: &str,
        what: &str,
        nets: &[IpNet],
        meta: &Meta,
        dirs: &[bool],
        file_stem: &str,
    ) {
        let classtype = match meta.action {
            crate::model::Action::Monitor => "misc-activity",
            _ => "policy-violation",
        };
        let header_list = addr_list(nets);
        let large = nets.len() > self.c.policy.large_list_threshold as usize
            || header_list.len() > HEADER_BUDGET;
        let created = meta.valid_from;
        let mk = |b: &Self,
                  what: &str,
                  shape: &str,
                  outbound: bool,
                  header: String,
                  detect: Vec<String>| {
            RuleSpec {
                key: format!("{key}/{shape}/{}", dir_word(outbound)),
                header,
                msg: b.msg(
                    classtype,
                    label,
                    &format!("{what} ({})", dir_word(outbound)),
                ),
                detect,
                references: b.references(&meta.cves, &meta.references),
                classtype: classtype.to_owned(),
                metadata: b.metadata(&meta.cves, meta.confidence, meta.severity, created),
                target: if outbound { "src_ip" } else { "dest_ip" },
            }
        };
        if !large {
            for &outbound in dirs {
                let header = if outbound {
                    format!("alert ip {HOME} any -> {header_list} any")
                } else {
                    format!("alert ip {header_list} any -> {HOME} any")
                };
                let r = mk(self, what, "ip-only", outbound, header, Vec::new());
                self.out.rules.push(r);
            }
            return;
        }
        let exact: Vec<IpNet> = nets
            .iter()
            .copied()
            .filter(|n| n.prefix_len() == n.max_prefix_len())
            .collect();
        let prefixes: Vec<IpNet> = nets
            .iter()
            .copied()
            .filter(|n| n.prefix_len() != n.max_prefix_len())
            .collect();
        let name = short_name(file_stem, 60);
        if !exact.is_empty() {
            let file = format!("{name}.ip.lst");
            let mut text = String::new();
            let mut addrs: Vec<IpAddr> = exact.iter().map(IpNet::addr).collect();
            addrs.sort();
            addrs.dedup();
            for a in &addrs {
                text.push_str(&format!("{a}\n"));
            }
            self.out.files.push(DataFile {
                path: file.clone(),
                contents: text.into_bytes(),
            });
            for &outbound in dirs {
                let (header, buf) = if outbound {
                    (format!("alert ip {HOME} any -> any any"), "ip.dst;")
                } else {
                    (format!("alert ip any any -> {HOME} any"), "ip.src;")
                };
                let mut detect = vec![
                    buf.to_owned(),
                    format!("dataset:isset,{name},type ip,load {file};"),
                ];
                detect.extend(once_per_flow(&format!(
                    "{}/{key}/dataset/{}",
                    self.c.id,
                    dir_word(outbound)
                )));
                // No count in the msg: the entries live in the data file, so a list that
                // grows or shrinks keeps its rule (sid and rev) unchanged.
                let r = mk(self, "address list", "dataset", outbound, header, detect);
                self.out.rules.push(r);
            }
        }
        if !prefixes.is_empty() {
            let cat_key = format!("{key}/iprep");
            self.out.categories.push(Category {
                key: cat_key,
                name: name.clone(),
                description: bounded(&metadata_value(label), 60),
                nets: prefixes.clone(),
            });
            for &outbound in dirs {
                let (header, side) = if outbound {
                    (format!("alert ip {HOME} any -> any any"), "dst")
                } else {
                    (format!("alert ip any any -> {HOME} any"), "src")
                };
                let detect = vec![format!("iprep:{side},{name},>,0;")];
                let r = mk(self, "network list", "iprep", outbound, header, detect);
                self.out.rules.push(r);
            }
        }
    }

    fn domain_rules(&mut self, key: &str, label: &str, domain: &str, meta: &Meta) {
        let content = content_hex(domain.as_bytes());
        self.domain_rule_pair(key, label, meta, |buffer, shape, what| {
            let detect = vec![
                format!("{buffer};"),
                "dotprefix;".into(),
                format!("content:\".{content}\";"),
                "endswith;".into(),
            ];
            (shape.to_owned(), format!("{what} {domain}"), detect)
        });
    }

    fn domain_list_rules(
        &mut self,
        key: &str,
        label: &str,
        domains: &[String],
        meta: &Meta,
        stem: &str,
    ) {
        let name = short_name(stem, 60);
        let file = format!("{name}.b64.lst");
        let mut sorted: Vec<&String> = domains.iter().collect();
        sorted.sort();
        sorted.dedup();
        let text: String = sorted
            .iter()
            .map(|d| format!("{}\n", base64(d.as_bytes())))
            .collect();
        self.out.files.push(DataFile {
            path: file.clone(),
            contents: text.into_bytes(),
        });
        self.domain_rule_pair(key, label, meta, |buffer, shape, what| {
            let detect = vec![
                format!("{buffer};"),
                format!("dataset:isset,{name}-{shape},type string,load {file};"),
            ];
            // No count: the entries live in the data file (see `address_rules`).
            (
                format!("{shape}-dataset"),
                format!("{what}, domain list"),
                detect,
            )
        });
    }

    /// One DNS-query and one TLS-SNI rule for a domain or a domain list. `rule` gets the
    /// sticky buffer, the shape name and the protocol's wording, and returns the key's shape,
    /// the message text and the detection options.
    fn domain_rule_pair(
        &mut self,
        key: &str,
        label: &str,
        meta: &Meta,
        rule: impl Fn(&str, &str, &str) -> (String, String, Vec<String>),
    ) {
        let classtype = "policy-violation";
        for (proto, buffer, what) in [
            ("dns", "dns.query", "DNS lookup"),
            ("tls", "tls.sni", "TLS SNI"),
        ] {
            let (shape, text, detect) = rule(buffer, proto, what);
            self.out.rules.push(RuleSpec {
                key: format!("{key}/{shape}/outbound"),
                header: format!("alert {proto} {HOME} any -> any any"),
                msg: self.msg(classtype, label, &text),
                detect,
                references: self.references(&meta.cves, &meta.references),
                classtype: classtype.into(),
                metadata: self.metadata(
                    &meta.cves,
                    meta.confidence,
                    meta.severity,
                    meta.valid_from,
                ),
                target: "src_ip",
            });
        }
    }

    fn indicators(&mut self) {
        let c = self.c;
        let (cover_out, cover_in) = self.ip_only_cover();
        let covered = |net: IpNet, outbound: bool| {
            let list = if outbound { &cover_out } else { &cover_in };
            list.iter().any(|n| n.contains(&net))
        };
        let mut uncovered = Vec::new();
        for i in &c.indicators {
            match &i.observable {
                Observable::Address(_) | Observable::Network(_) => {
                    let net = i.observable.as_net().unwrap_or_default();
                    let dirs: Vec<bool> = directions(i.meta.direction)
                        .into_iter()
                        .filter(|&o| !covered(net, o))
                        .collect();
                    if !dirs.is_empty() {
                        uncovered.push((i, net, dirs));
                    }
                    self.out.coverage.carry(&i.id);
                }
                Observable::Domain(d) => {
                    let label = i.meta.role.clone().unwrap_or_else(|| "Listed domain".into());
                    self.domain_rules(&format!("indicator/{}", i.id), &label, d, &i.meta);
                    self.out.coverage.carry(&i.id);
                }
                Observable::Url(_) => self.out.coverage.skip(
                    &i.id,
                    "URLs are not matched: most traffic is HTTPS, where Suricata sees no URL; block the host or domain instead",
                ),
                Observable::Port { .. } => self.out.coverage.skip(
                    &i.id,
                    "a port alone matches ordinary services (e.g. 515/tcp is also LPD printing); detections pair ports with hosts",
                ),
                Observable::FileHash { .. } => self.out.coverage.skip(
                    &i.id,
                    "file hashes need file extraction and filehash lists, which this pack does not ship",
                ),
            }
        }
        if uncovered.len() <= c.policy.large_list_threshold as usize {
            for (i, net, dirs) in uncovered {
                self.address_rules(
                    &format!("indicator/{}", i.id),
                    i.meta.role.as_deref().unwrap_or("Listed address"),
                    &addr_list(&[net]),
                    &[net],
                    &i.meta,
                    &dirs,
                    &format!("{}-{}", c.id, i.id),
                );
            }
        } else {
            // Too many single indicators for one rule each: treat them as one list, per
            // direction, with the strongest severity and the weakest confidence.
            for outbound in [true, false] {
                let nets: Vec<IpNet> = uncovered
                    .iter()
                    .filter(|(_, _, d)| d.contains(&outbound))
                    .map(|(_, n, _)| *n)
                    .collect();
                if nets.is_empty() {
                    continue;
                }
                let mut meta = uncovered[0].0.meta.clone();
                meta.severity = uncovered
                    .iter()
                    .map(|(i, _, _)| i.meta.severity)
                    .max()
                    .unwrap_or(meta.severity);
                meta.confidence = uncovered
                    .iter()
                    .map(|(i, _, _)| i.meta.confidence)
                    .max()
                    .unwrap_or(meta.confidence);
                meta.cves = Vec::new();
                meta.references = Vec::new();
                meta.valid_from = None;
                self.address_rules(
                    &format!("list/indicators-{}", dir_word(outbound)),
                    "Indicator",
                    "addresses",
                    &nets,
                    &meta,
                    &[outbound],
                    &format!("{}-indicators-{}", c.id, dir_word(outbound)),
                );
            }
        }
    }

    fn bulk(&mut self) {
        let c = self.c;
        for b in &c.bulk {
            let label = b.meta.role.clone().unwrap_or_else(|| {
                format!(
                    "Listed {}",
                    match b.kind {
                        BulkKind::Address => "address",
                        BulkKind::Domain => "domain",
                    }
                )
            });
            match b.kind {
                BulkKind::Address => {
                    let nets: Vec<IpNet> = b.networks.iter().map(|(n, _)| *n).collect();
                    if nets.is_empty() {
                        self.out.coverage.skip(&b.id, "the list is empty");
                        continue;
                    }
                    self.address_rules(
                        &format!("list/{}", b.id),
                        &label,
                        &format!("{} entries", nets.len()),
                        &nets,
                        &b.meta,
                        &directions(b.meta.direction),
                        &format!("{}-{}", c.id, b.id),
                    );
                }
                BulkKind::Domain => {
                    let domains: Vec<String> = b.domains.iter().map(|(d, _)| d.clone()).collect();
                    if domains.is_empty() {
                        self.out.coverage.skip(&b.id, "the list is empty");
                        continue;
                    }
                    self.domain_list_rules(
                        &format!("list/{}", b.id),
                        &label,
                        &domains,
                        &b.meta,
                        &format!("{}-{}", c.id, b.id),
                    );
                }
            }
            self.out.coverage.carry(&b.id);
        }
    }
}

/// Lowers the catalogue into rule shapes, data files and coverage.
pub fn shapes(c: &Catalogue) -> Shapes {
    let mut b = Builder {
        c,
        pack: pack_name(&c.id),
        out: Shapes::default(),
    };
    b.detections();
    b.indicators();
    b.bulk();
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"evil.example"), "ZXZpbC5leGFtcGxl");
    }

    #[test]
    fn xdr_strings_are_padded() {
        assert_eq!(xdr_string("/pm"), b"\0\0\0\x03/pm\0");
        assert_eq!(xdr_string("/abc"), b"\0\0\0\x04/abc");
    }

    #[test]
    fn pack_names_fit_the_msg_convention() {
        assert_eq!(pack_name("contec-cms8000"), "CONTEC CMS8000");
        assert_eq!(pack_name("a--b"), "A B");
    }

    #[test]
    fn header_lists() {
        let nets: Vec<IpNet> = vec![
            "202.114.4.119/32".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
        assert_eq!(addr_list(&nets), "[202.114.4.119,2001:db8::/32]");
        let p = [
            PortRange {
                first: 515,
                last: 520,
                transport: None,
            },
            PortRange {
                first: 9,
                last: 9,
                transport: Some(Transport::Udp),
            },
        ];
        assert_eq!(port_list(&p, Transport::Tcp), "515:520");
        assert_eq!(port_list(&p, Transport::Udp), "[515:520,9]");
    }
}
