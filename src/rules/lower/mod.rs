//! Lowering: how each catalogue item becomes typed rules (before SIDs are known).
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
//! - rules are built from typed values only; catalogue text (titles, roles, URLs) reaches
//!   only `msg`, references and metadata, as plain text the dialect writer escapes;
//! - options come in community order: `msg`, detection, references, `classtype`, `metadata`,
//!   `target` (the plan adds `sid` and `rev` before `metadata`);
//! - anything the rules cannot express is reported with the reason.

mod words;

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use words::{base64, bounded, confidence, date, dir_word, once_per_flow, severity, xdr_string};
pub use words::{category, pack_name};

use crate::model::{
    BulkKind, Catalogue, Confidence, Detection, Direction, Meta, Observable, PortRange,
    Protocol as ItemProtocol, Severity, Transport,
};
use crate::rules::escape::{metadata_value, msg_text, reference_url, short_name};
use crate::rules::model::{
    Action, Address, Buffer, Content, Dataset, DatasetCommand, DatasetType, FlowFlag, Header,
    Iprep, IprepOp, IprepSide, Port, Protocol, Reference, Rpc, Rule, RuleOption, Side, Transform,
};
use crate::targets::Coverage;

/// Header lists longer than this (characters) go to a dataset/iprep instead.
pub const HEADER_BUDGET: usize = 4000;
/// Most URL references kept per rule (the rule must stay one short line).
const MAX_URL_REFS: usize = 4;
const MAX_PRODUCTS: usize = 4;

/// One rule before the SID lock, with its stable key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoweredRule {
    pub key: String,
    pub rule: Rule,
}

/// A dataset file the rules load, beside the rules file: its entries, sorted and unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: String,
    pub entries: DataEntries,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataEntries {
    /// A `type ip` dataset.
    Addresses(Vec<IpAddr>),
    /// A `type string` dataset.
    Strings(Vec<String>),
}

impl DataFile {
    /// The file in Suricata's dataset format: one entry a line, strings in base64.
    pub fn render(&self) -> Vec<u8> {
        let mut out = String::new();
        match &self.entries {
            DataEntries::Addresses(list) => {
                for a in list {
                    out.push_str(&format!("{a}\n"));
                }
            }
            DataEntries::Strings(list) => {
                for s in list {
                    out.push_str(&base64(s.as_bytes()));
                    out.push('\n');
                }
            }
        }
        out.into_bytes()
    }
}

/// An iprep category to declare: lock key, short name and description, with its prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub key: String,
    pub name: String,
    pub description: String,
    pub nets: Vec<IpNet>,
}

/// The catalogue as rules: rules in pack order, their data files and iprep categories, and
/// what they carry.
#[derive(Debug, Default)]
pub struct Lowered {
    pub rules: Vec<LoweredRule>,
    pub files: Vec<DataFile>,
    pub categories: Vec<Category>,
    pub coverage: Coverage,
}

/// The protected side of every rule.
fn home() -> Address {
    Address::Var("HOME_NET".into())
}

/// An address or a list of them.
fn addr_list(nets: &[IpNet]) -> Address {
    match nets {
        [one] => Address::Net(*one),
        _ => Address::List(nets.iter().copied().map(Address::Net).collect()),
    }
}

/// The ports of `proto` among `ports`; `any` when none.
fn port_list(ports: &[PortRange], proto: Transport) -> Port {
    let mut parts: Vec<Port> = ports
        .iter()
        .filter(|p| p.transport.is_none_or(|t| t == proto))
        .map(|p| {
            if p.first == p.last {
                Port::Single(p.first)
            } else {
                Port::Range(Some(p.first), Some(p.last))
            }
        })
        .collect();
    match parts.len() {
        0 => Port::Any,
        1 => parts.remove(0),
        _ => Port::List(parts),
    }
}

/// An `alert` header from `$HOME_NET` (outbound) or to it (inbound); `far` is the other side,
/// `ports` the server's.
fn header(protocol: Protocol, far: Address, ports: Port, outbound: bool) -> Header {
    let (source, destination) = if outbound {
        (home(), far)
    } else {
        (far, home())
    };
    Header {
        action: Action::Alert,
        protocol,
        source,
        source_port: Port::Any,
        direction: crate::rules::model::Direction::Forward,
        destination,
        destination_port: ports,
    }
}

fn target(outbound: bool) -> RuleOption {
    RuleOption::Target(if outbound {
        Side::Source
    } else {
        Side::Destination
    })
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

/// The detection options of a Sun RPC call: a fixed prefix of every call (RFC 5531: message
/// type CALL (0), RPC version 2, then the program) gives the engine a fast pattern; `rpc:`
/// then checks program, version and procedure exactly. Over TCP the record mark comes first.
fn rpc_options(r: &crate::model::Rpc, tcp: bool) -> Vec<RuleOption> {
    let mut call = vec![0, 0, 0, 0, 0, 0, 0, 2];
    call.extend_from_slice(&r.program.to_be_bytes());
    let mut out = vec![
        RuleOption::Content(Content {
            offset: Some(if tcp { 8 } else { 4 }),
            depth: Some(12),
            ..Content::of(call)
        }),
        RuleOption::Rpc(Rpc {
            program: r.program,
            version: r.version,
            procedure: r.procedure,
        }),
    ];
    if let Some(path) = &r.path {
        // The export path is the distinctive part: make it the fast pattern.
        out.push(RuleOption::Content(Content {
            fast_pattern: true,
            ..Content::of(xdr_string(path))
        }));
    }
    out
}

/// The text and typed parts every rule of an item shares.
struct Common {
    classtype: String,
    msg: String,
    references: Vec<RuleOption>,
    metadata: Vec<(String, String)>,
}

impl Common {
    /// The rule: msg, `detect`, references, classtype, metadata, target.
    fn rule(self, header: Header, detect: Vec<RuleOption>, outbound: bool) -> Rule {
        let mut options = Vec::with_capacity(detect.len() + self.references.len() + 4);
        options.push(RuleOption::Msg(self.msg));
        options.extend(detect);
        options.extend(self.references);
        options.push(RuleOption::Classtype(self.classtype));
        options.push(RuleOption::Metadata(self.metadata));
        options.push(target(outbound));
        Rule { header, options }
    }
}

struct Builder<'a> {
    c: &'a Catalogue,
    pack: String,
    out: Lowered,
}

impl Builder<'_> {
    fn references(&self, cves: &[String], urls: &[String]) -> Vec<RuleOption> {
        let mut refs: Vec<RuleOption> = cves
            .iter()
            .filter_map(|id| self.c.cve(id))
            .map(|v| RuleOption::Reference(Reference::Cve(v.number().to_owned())))
            .collect();
        refs.extend(
            urls.iter()
                .filter_map(|u| reference_url(u))
                .take(MAX_URL_REFS)
                .map(|u| RuleOption::Reference(Reference::Url(u))),
        );
        refs
    }

    /// ET-style metadata, sorted as `key value` text, without `updated_at` (which comes
    /// from the lock).
    fn metadata(
        &self,
        cves: &[String],
        conf: Confidence,
        sev: Severity,
        created: Option<jiff::civil::Date>,
    ) -> Vec<(String, String)> {
        let mut product_ids: BTreeSet<&str> = BTreeSet::new();
        for id in cves {
            if let Some(v) = self.c.cve(id) {
                product_ids.extend(v.products.iter().map(String::as_str));
            }
        }
        let products: BTreeSet<String> = self
            .c
            .advisory
            .products
            .iter()
            .filter(|p| product_ids.is_empty() || product_ids.contains(p.id.as_str()))
            .map(|p| metadata_value(&format!("{} {}", p.vendor, p.name)))
            .collect();
        let pair = |k: &str, v: String| (k.to_owned(), v);
        let mut md: Vec<(String, String)> = products
            .into_iter()
            .take(MAX_PRODUCTS)
            .map(|p| pair("affected_product", p))
            .collect();
        md.push(pair("attack_target", "Client_Endpoint".into()));
        md.push(pair("confidence", confidence(conf).into()));
        let created = created.unwrap_or(self.c.advisory.published);
        md.push(pair("created_at", date(created)));
        for id in cves.iter().take(8) {
            md.push(pair("cve", metadata_value(id).replace('-', "_")));
        }
        md.push(pair("deployment", "Internal".into()));
        md.push(pair("deployment", "Perimeter".into()));
        md.push(pair("performance_impact", "Low".into()));
        md.push(pair("signature_severity", severity(sev).into()));
        md.sort_by_cached_key(|(k, v)| format!("{k} {v}"));
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

    /// What the rules of an item with `meta` share.
    fn common(&self, classtype: &str, msg: String, meta: &Meta) -> Common {
        Common {
            classtype: classtype.to_owned(),
            msg,
            references: self.references(&meta.cves, &meta.references),
            metadata: self.metadata(&meta.cves, meta.confidence, meta.severity, meta.valid_from),
        }
    }

    fn detections(&mut self) {
        for d in &self.c.detections {
            for &outbound in &directions(d.direction) {
                for &proto in &d.protocols {
                    let r = self.detection_rule(d, proto, outbound);
                    self.out.rules.push(r);
                }
            }
            self.out.coverage.carry(&d.id);
        }
    }

    /// The rule of one detection for one protocol and direction.
    fn detection_rule(&self, d: &Detection, proto: ItemProtocol, outbound: bool) -> LoweredRule {
        let c = self.c;
        let nets: Vec<IpNet> = d
            .indicators
            .iter()
            .filter_map(|id| c.indicator(id).and_then(|i| i.observable.as_net()))
            .collect();
        let (protocol, transport) = match proto {
            ItemProtocol::Ip => (Protocol::Ip, None),
            ItemProtocol::Tcp => (Protocol::Tcp, Some(Transport::Tcp)),
            ItemProtocol::Udp => (Protocol::Udp, Some(Transport::Udp)),
        };
        let proto_word = protocol.as_str().to_owned();
        let ports = transport.map_or(Port::Any, |t| port_list(&d.ports, t));
        // The protected side is the client for outbound behaviours, the server for inbound
        // ones; ports are the server's.
        let header = header(protocol, addr_list(&nets), ports, outbound);
        let mut detect = Vec::new();
        match transport {
            Some(Transport::Tcp) => {
                detect.push(RuleOption::Flow(vec![
                    FlowFlag::Established,
                    FlowFlag::ToServer,
                ]));
            }
            Some(Transport::Udp) => detect.push(RuleOption::Flow(vec![FlowFlag::ToServer])),
            None => {}
        }
        if let Some(r) = &d.rpc {
            detect.extend(rpc_options(r, transport == Some(Transport::Tcp)));
        }
        for m in &d.content {
            detect.push(RuleOption::Content(Content {
                offset: m.offset,
                depth: m.depth,
                nocase: m.nocase,
                ..Content::of(m.bytes.clone())
            }));
        }
        let key = format!("detection/{}/{proto_word}/{}", d.id, dir_word(outbound));
        if transport.is_some() && d.rpc.is_none() && d.content.is_empty() {
            // A port-only rule matches every packet of the flow.
            detect.extend(once_per_flow(&format!("{}/{key}", c.id)));
        }
        let mut suffix = Vec::new();
        if d.protocols.len() > 1 {
            suffix.push(format!("({})", proto_word.to_ascii_uppercase()));
        }
        if d.direction == Direction::Both {
            suffix.push(format!("({})", dir_word(outbound)));
        }
        let common = Common {
            classtype: d.classtype.clone(),
            msg: self.msg(&d.classtype, &d.title, &suffix.join(" ")),
            references: self.references(&d.cves, &d.references),
            metadata: self.metadata(&d.cves, d.confidence, d.severity, None),
        };
        LoweredRule {
            key,
            rule: common.rule(header, detect, outbound),
        }
    }

    /// The networks IP-only detections cover, per direction (outbound, inbound). Computed once:
    /// catalogues may hold a million indicators.
    fn ip_only_cover(&self) -> (Vec<IpNet>, Vec<IpNet>) {
        let (mut out, mut inb) = (Vec::new(), Vec::new());
        for d in &self.c.detections {
            if d.protocols != [ItemProtocol::Ip] {
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
}

/// An address list to express as rules: its lock key, wording and entries.
struct AddressList<'a> {
    key: &'a str,
    label: &'a str,
    /// What the msg says the rule matches (an address, `N entries`, `addresses`).
    what: &'a str,
    nets: &'a [IpNet],
    meta: &'a Meta,
    dirs: &'a [bool],
    /// Base of the data file and dataset names.
    file_stem: &'a str,
}

impl Builder<'_> {
    fn address_classtype(meta: &Meta) -> &'static str {
        match meta.action {
            crate::model::Action::Monitor => "misc-activity",
            _ => "policy-violation",
        }
    }

    /// One rule of an address list: `shape` names it in the key, `what` in the msg.
    fn address_rule(
        &self,
        list: &AddressList<'_>,
        (shape, what): (&str, &str),
        outbound: bool,
        header: Header,
        detect: Vec<RuleOption>,
    ) -> LoweredRule {
        let classtype = Self::address_classtype(list.meta);
        let msg = self.msg(
            classtype,
            list.label,
            &format!("{what} ({})", dir_word(outbound)),
        );
        LoweredRule {
            key: format!("{}/{shape}/{}", list.key, dir_word(outbound)),
            rule: self
                .common(classtype, msg, list.meta)
                .rule(header, detect, outbound),
        }
    }

    fn address_rules(&mut self, list: &AddressList<'_>) {
        let in_header = addr_list(list.nets);
        let large = list.nets.len() > self.c.policy.large_list_threshold as usize
            || in_header.to_string().len() > HEADER_BUDGET;
        if !large {
            for &outbound in list.dirs {
                let h = header(Protocol::Ip, in_header.clone(), Port::Any, outbound);
                let r = self.address_rule(list, ("ip-only", list.what), outbound, h, Vec::new());
                self.out.rules.push(r);
            }
            return;
        }
        let (exact, prefixes): (Vec<IpNet>, Vec<IpNet>) = list
            .nets
            .iter()
            .partition(|n| n.prefix_len() == n.max_prefix_len());
        let name = short_name(list.file_stem, 60);
        if !exact.is_empty() {
            self.dataset_rules(list, &name, &exact);
        }
        if !prefixes.is_empty() {
            self.iprep_rules(list, &name, prefixes);
        }
    }

    /// Exact addresses of a large list: a dataset file and one rule per direction.
    fn dataset_rules(&mut self, list: &AddressList<'_>, name: &str, exact: &[IpNet]) {
        let file = format!("{name}.ip.lst");
        let mut addrs: Vec<IpAddr> = exact.iter().map(IpNet::addr).collect();
        addrs.sort();
        addrs.dedup();
        self.out.files.push(DataFile {
            path: file.clone(),
            entries: DataEntries::Addresses(addrs),
        });
        for &outbound in list.dirs {
            let buffer = if outbound {
                Buffer::IpDst
            } else {
                Buffer::IpSrc
            };
            let mut detect = vec![
                RuleOption::Buffer(buffer),
                RuleOption::Dataset(Dataset {
                    command: DatasetCommand::IsSet,
                    name: name.to_owned(),
                    kind: DatasetType::Ip,
                    load: Some(file.clone()),
                }),
            ];
            detect.extend(once_per_flow(&format!(
                "{}/{}/dataset/{}",
                self.c.id,
                list.key,
                dir_word(outbound)
            )));
            // No count in the msg: the entries live in the data file, so a list that grows
            // or shrinks keeps its rule (sid and rev) unchanged.
            let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
            let r = self.address_rule(list, ("dataset", "address list"), outbound, h, detect);
            self.out.rules.push(r);
        }
    }

    /// Prefixes of a large list: an iprep category and one rule per direction.
    fn iprep_rules(&mut self, list: &AddressList<'_>, name: &str, prefixes: Vec<IpNet>) {
        self.out.categories.push(Category {
            key: format!("{}/iprep", list.key),
            name: name.to_owned(),
            description: bounded(&metadata_value(list.label), 60),
            nets: prefixes,
        });
        for &outbound in list.dirs {
            let side = if outbound {
                IprepSide::Dst
            } else {
                IprepSide::Src
            };
            let detect = vec![RuleOption::Iprep(Iprep {
                side,
                category: name.to_owned(),
                op: IprepOp::Gt,
                value: 0,
            })];
            let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
            let r = self.address_rule(list, ("iprep", "network list"), outbound, h, detect);
            self.out.rules.push(r);
        }
    }

    fn domain_rules(&mut self, key: &str, label: &str, domain: &str, meta: &Meta) {
        let dotted = format!(".{domain}").into_bytes();
        self.domain_rule_pair(key, label, meta, |buffer, shape, what| {
            let detect = vec![
                RuleOption::Buffer(buffer),
                RuleOption::Transform(Transform::Dotprefix),
                RuleOption::Content(Content {
                    endswith: true,
                    ..Content::of(dotted.clone())
                }),
            ];
            (shape.to_owned(), format!("{what} {domain}"), detect)
        });
    }

    fn domain_list_rules(
        &mut self,
        key: &str,
        label: &str,
        domains: Vec<String>,
        meta: &Meta,
        stem: &str,
    ) {
        let name = short_name(stem, 60);
        let file = format!("{name}.b64.lst");
        let mut sorted = domains;
        sorted.sort();
        sorted.dedup();
        self.out.files.push(DataFile {
            path: file.clone(),
            entries: DataEntries::Strings(sorted),
        });
        self.domain_rule_pair(key, label, meta, |buffer, shape, what| {
            let detect = vec![
                RuleOption::Buffer(buffer),
                RuleOption::Dataset(Dataset {
                    command: DatasetCommand::IsSet,
                    name: format!("{name}-{shape}"),
                    kind: DatasetType::String,
                    load: Some(file.clone()),
                }),
            ];
            // No count: the entries live in the data file (see `dataset_rules`).
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
        rule: impl Fn(Buffer, &str, &str) -> (String, String, Vec<RuleOption>),
    ) {
        let classtype = "policy-violation";
        for (protocol, buffer, what) in [
            (Protocol::Dns, Buffer::DnsQuery, "DNS lookup"),
            (Protocol::Tls, Buffer::TlsSni, "TLS SNI"),
        ] {
            let (shape, text, detect) = rule(buffer, protocol.as_str(), what);
            let msg = self.msg(classtype, label, &text);
            let h = header(protocol, Address::Any, Port::Any, true);
            self.out.rules.push(LoweredRule {
                key: format!("{key}/{shape}/outbound"),
                rule: self.common(classtype, msg, meta).rule(h, detect, true),
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
                self.address_rules(&AddressList {
                    key: &format!("indicator/{}", i.id),
                    label: i.meta.role.as_deref().unwrap_or("Listed address"),
                    what: &addr_list(&[net]).to_string(),
                    nets: &[net],
                    meta: &i.meta,
                    dirs: &dirs,
                    file_stem: &format!("{}-{}", c.id, i.id),
                });
            }
        } else {
            self.indicators_as_lists(&uncovered);
        }
    }

    /// Too many single indicators for one rule each: they become one list per direction,
    /// with the strongest severity and the weakest confidence.
    fn indicators_as_lists(&mut self, uncovered: &[(&crate::model::Indicator, IpNet, Vec<bool>)]) {
        let c = self.c;
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
            self.address_rules(&AddressList {
                key: &format!("list/indicators-{}", dir_word(outbound)),
                label: "Indicator",
                what: "addresses",
                nets: &nets,
                meta: &meta,
                dirs: &[outbound],
                file_stem: &format!("{}-indicators-{}", c.id, dir_word(outbound)),
            });
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
            let empty = match b.kind {
                BulkKind::Address => b.networks.is_empty(),
                BulkKind::Domain => b.domains.is_empty(),
            };
            match b.kind {
                _ if empty => {
                    self.out.coverage.skip(&b.id, "the list is empty");
                    continue;
                }
                BulkKind::Address => {
                    let nets: Vec<IpNet> = b.networks.iter().map(|(n, _)| *n).collect();
                    self.address_rules(&AddressList {
                        key: &format!("list/{}", b.id),
                        label: &label,
                        what: &format!("{} entries", nets.len()),
                        nets: &nets,
                        meta: &b.meta,
                        dirs: &directions(b.meta.direction),
                        file_stem: &format!("{}-{}", c.id, b.id),
                    });
                }
                BulkKind::Domain => {
                    let domains: Vec<String> = b.domains.iter().map(|(d, _)| d.clone()).collect();
                    self.domain_list_rules(
                        &format!("list/{}", b.id),
                        &label,
                        domains,
                        &b.meta,
                        &format!("{}-{}", c.id, b.id),
                    );
                }
            }
            self.out.coverage.carry(&b.id);
        }
    }
}

/// Lowers the catalogue into rules, data files and coverage.
pub fn lower(c: &Catalogue) -> Lowered {
    let mut b = Builder {
        c,
        pack: pack_name(&c.id),
        out: Lowered::default(),
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
    fn header_lists() {
        let nets: Vec<IpNet> = vec![
            "202.114.4.119/32".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
        assert_eq!(
            addr_list(&nets).to_string(),
            "[202.114.4.119,2001:db8::/32]"
        );
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
        assert_eq!(port_list(&p, Transport::Tcp).to_string(), "515:520");
        assert_eq!(port_list(&p, Transport::Udp).to_string(), "[515:520,9]");
    }
}
