//! Lowering: how each catalogue item becomes typed rules (before SIDs are known).
//!
//! Guarantees:
//! - every rule has a stable key (`detection/<id>/<proto>/<direction>`,
//!   `indicator/<id>/<shape>/<direction>`, `list/<id>/<shape>/<direction>`) that does not
//!   depend on the order or number of other items, so the SID lock keeps SIDs stable;
//! - address indicators become IP-only rules (header address, no `flow`), one per direction,
//!   unless an IP-only detection already covers the address in that direction; lists above
//!   `policy.large_list_threshold` entries (or too long for one rule line) become datasets of
//!   exact addresses (`type ipv4` and `type ip` apart, sized, split when large:
//!   [`datasets`]) and grouped IP-only rules of their networks (stable groups by leading
//!   bits: [`groups`]; an `iprep` category instead when `policy.suricata.networks` is
//!   `iprep`), never one rule per address; dataset and iprep rules name no entry count, so a
//!   growing list changes its data files, never its rules' sid or rev;
//! - every detection yields one protocol rule per protocol and direction;
//! - rules are built from typed values only; catalogue text (titles, roles, URLs) reaches
//!   only `msg`, references and metadata, as plain text the dialect writer escapes;
//! - options come in community order: `msg`, detection, references, `classtype`, `metadata`,
//!   `target` (the plan adds `sid` and `rev` before `metadata`);
//! - anything the rules cannot express is reported with the reason.

mod datasets;
mod detection;
pub mod groups;
pub mod hashes;
mod lists;
mod words;

use std::collections::BTreeSet;

use ipnet::IpNet;

pub use datasets::{DataEntries, DataFile};
use lists::{AddressList, Entries};
use words::{bounded, confidence, date, dir_word, list_name, severity};
pub use words::{category, pack_name};

use crate::model::{
    BulkKind, Catalogue, Confidence, Direction, Meta, Observable, PortRange, Severity, Transport,
};
use crate::rules::escape::{metadata_value, msg_text, reference_url};
use crate::rules::members::Members;
use crate::rules::model::{
    Action, Address, Header, Port, Protocol, Reference, Rule, RuleOption, Side,
};

/// Header lists longer than this (characters) go to a dataset/iprep instead.
pub const HEADER_BUDGET: usize = 4000;
/// Most URL references kept per rule (the rule must stay one short line).
const MAX_URL_REFS: usize = 4;
const MAX_PRODUCTS: usize = 4;

/// One rule before the SID lock, with its stable key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoweredRule {
    pub key: String,
    /// The rule; a grouped rule's networks are in `members`, its header holds `any` there.
    pub rule: Rule,
    pub members: Option<Members>,
}

impl LoweredRule {
    /// The rule as it is written, its group's networks in place.
    pub fn full(&self) -> std::borrow::Cow<'_, Rule> {
        match &self.members {
            Some(m) => std::borrow::Cow::Owned(m.fill(self.rule.clone())),
            None => std::borrow::Cow::Borrowed(&self.rule),
        }
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

/// Why a port indicator gets no rule of its own; every target that pairs ports with hosts in
/// its detections gives this reason.
pub const PORT_ALONE: &str = "a port alone matches ordinary services (e.g. 515/tcp is also LPD printing); detections pair ports with hosts";

/// Why a URL indicator gets no Suricata rule.
pub const URL_UNSEEN: &str = "URLs are not matched: most traffic is HTTPS, where Suricata sees no URL; block the host or domain instead";

/// An item the rules cannot express, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotExpressed {
    pub id: String,
    pub reason: String,
}

/// The catalogue as rules: rules in pack order, their data files and iprep categories, and
/// the items they cannot express.
#[derive(Debug, Default)]
pub struct Lowered {
    pub rules: Vec<LoweredRule>,
    pub files: Vec<DataFile>,
    pub categories: Vec<Category>,
    pub not_expressed: Vec<NotExpressed>,
}

impl Lowered {
    fn skip(&mut self, id: &str, reason: &str) {
        self.not_expressed.push(NotExpressed {
            id: id.to_owned(),
            reason: reason.to_owned(),
        });
    }
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
        // The options below, and room for the `sid` and `rev` the plan adds.
        let mut options = Vec::with_capacity(detect.len() + self.references.len() + 6);
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
    /// Lowering for an engine without datasets or iprep (the IP-only profile).
    ip_only: bool,
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
        // Room for the lock's `updated_at` and no more: a plan holds one of these per rule
        // (tens of thousands for a large list).
        md.shrink_to(md.len() + 1);
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
}

impl Builder<'_> {
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
                }
                Observable::Domain(_) if self.ip_only => {}
                Observable::Domain(d) => {
                    let role = i.meta.role.as_deref();
                    self.domain_rules(&format!("indicator/{}", i.id), role, d, &i.meta);
                }
                Observable::Url(_) => self.out.skip(&i.id, URL_UNSEEN),
                Observable::Port { .. } => self.out.skip(&i.id, PORT_ALONE),
                // Lowered last ([`Builder::file_hashes`]).
                Observable::FileHash { .. } => {}
            }
        }
        if uncovered.len() <= c.policy.large_list_threshold as usize {
            for (i, net, dirs) in uncovered {
                self.address_rules(&AddressList {
                    key: &format!("indicator/{}", i.id),
                    label: i.meta.role.as_deref().unwrap_or("Listed address"),
                    role: i.meta.role.as_deref(),
                    what: &addr_list(&[net]).to_string(),
                    name: "the indicator",
                    entries: Entries::Nets(&[net]),
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
                role: None,
                what: "an address on the indicator list",
                name: "the indicator list",
                entries: Entries::Nets(&nets),
                meta: &meta,
                dirs: &[outbound],
                file_stem: &format!("{}-indicators-{}", c.id, dir_word(outbound)),
            });
        }
    }

    /// The file hash indicators, after every other rule: a catalogue that gains its first
    /// hash moves no other rule, even under a fresh SID lock. An engine without file keywords
    /// (the IP-only profile) says so itself.
    fn file_hashes(&mut self) {
        if self.ip_only {
            return;
        }
        let hashes: Vec<_> = self
            .c
            .indicators
            .iter()
            .filter_map(|i| match &i.observable {
                Observable::FileHash { algo, hex } => Some((i, *algo, hex.as_str())),
                _ => None,
            })
            .collect();
        self.hash_rules(&hashes);
    }

    fn bulk(&mut self) {
        let c = self.c;
        for (index, b) in c.bulk.iter().enumerate() {
            let label = b.meta.role.clone().unwrap_or_else(|| {
                format!(
                    "Listed {}",
                    match b.kind {
                        BulkKind::Address => "address",
                        BulkKind::Domain => "domain",
                    }
                )
            });
            let name = list_name(&b.id);
            let empty = match b.kind {
                BulkKind::Address => b.networks.is_empty(),
                BulkKind::Domain => b.domains.is_empty(),
            };
            match b.kind {
                _ if empty => {
                    self.out.skip(&b.id, "the list is empty");
                    continue;
                }
                BulkKind::Address => {
                    self.address_rules(&AddressList {
                        key: &format!("list/{}", b.id),
                        label: &label,
                        role: b.meta.role.as_deref(),
                        what: &format!("an address on {name}"),
                        name: &name,
                        entries: Entries::List(index),
                        meta: &b.meta,
                        dirs: &directions(b.meta.direction),
                        file_stem: &format!("{}-{}", c.id, b.id),
                    });
                }
                BulkKind::Domain if self.ip_only => {}
                BulkKind::Domain => {
                    self.domain_list_rules(
                        (&format!("list/{}", b.id), &name),
                        b.meta.role.as_deref(),
                        index,
                        &b.meta,
                        &format!("{}-{}", c.id, b.id),
                    );
                }
            }
        }
    }
}

/// Lowers the catalogue into rules, data files and coverage.
pub fn lower(c: &Catalogue) -> Lowered {
    lower_with(c, false)
}

/// Lowers the catalogue for an engine without datasets and iprep (AWS Network Firewall):
/// every address list becomes IP-only rules (grouped when large, exact addresses and networks
/// together, under keys of their own: `list/<id>/ip-only/...`), and domains are left out
/// (such profiles carry them as domain lists of their own). Every other rule is the one
/// [`lower`] makes, with the same key, so the two lowerings share one SID lock.
pub fn lower_ip_only(c: &Catalogue) -> Lowered {
    lower_with(c, true)
}

fn lower_with(c: &Catalogue, ip_only: bool) -> Lowered {
    let mut b = Builder {
        c,
        pack: pack_name(&c.id),
        ip_only,
        out: Lowered::default(),
    };
    b.detections();
    b.indicators();
    b.bulk();
    b.file_hashes();
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
