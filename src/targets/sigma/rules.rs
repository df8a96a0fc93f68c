//! The Sigma rules of a catalogue, as view models: one rule per detection
//! (`network_connection`) and per indicator group: addresses by severity (`firewall`),
//! domains by severity (`dns_query`), domains and URLs by severity (`proxy`), and each bulk
//! list of at most `large-list-threshold` entries on its own.
//!
//! Guarantees: every catalogue value reaches a rule through [`super::escape::literal`]; rules
//! come in a fixed order (detections, then groups by category and severity, then bulk lists)
//! with ids, file names and titles that depend only on the catalogue; titles are unique and
//! at most [`MAX_TITLE`] characters.

use std::collections::BTreeMap;

use ipnet::IpNet;
use minijinja::Value;
use serde::Serialize;

use super::escape::{file_stem, literal};
use crate::model::{
    BulkKind, BulkList, Catalogue, Confidence, Detection, Direction, Indicator, Meta, Observable,
    PortRange, Protocol, Severity, Tlp,
};
use crate::render::safe;

/// Longest title, in characters (Sigma specification).
pub const MAX_TITLE: usize = 256;
/// A port range this long or shorter is listed port by port; longer ones become
/// `|gte`/`|lte` bounds.
const LIST_PORTS: u32 = 16;
/// Members named in a group's description.
const NAMED_MEMBERS: usize = 50;

/// One `field|modifier: [values]` line of a selection.
#[derive(Serialize)]
pub struct Field {
    key: Value,
    values: Vec<Value>,
}

#[derive(Serialize)]
pub struct Selection {
    name: Value,
    fields: Vec<Field>,
}

/// What the rule template prints.
#[derive(Serialize)]
pub struct Rule {
    /// File name stem, without `.yml`.
    #[serde(skip)]
    pub stem: String,
    #[serde(skip)]
    key: String,
    title: String,
    id: Value,
    status: Value,
    description: String,
    references: Vec<String>,
    author: String,
    date: Value,
    modified: Value,
    tags: Vec<Value>,
    category: Value,
    selections: Vec<Selection>,
    condition: Value,
    falsepositives: Vec<String>,
    level: Value,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn texts<T: AsRef<str>>(values: impl IntoIterator<Item = T>) -> Vec<Value> {
    values
        .into_iter()
        .map(|v| Value::from(literal(v.as_ref())))
        .collect()
}

fn field(key: &str, values: Vec<Value>) -> Field {
    Field {
        key: safe(key.to_owned()),
        values,
    }
}

fn selection(name: &str, fields: Vec<Field>) -> Selection {
    Selection {
        name: safe(name.to_owned()),
        fields,
    }
}

fn nets(list: &[IpNet]) -> Vec<Value> {
    list.iter().map(|n| Value::from(n.to_string())).collect()
}

/// What every rule of a catalogue shares, and the parts that differ.
struct Parts<'a> {
    key: String,
    title: String,
    description: String,
    metas: Vec<&'a Meta>,
    references: Vec<&'a str>,
    cves: Vec<&'a str>,
    inferred: bool,
    severity: Severity,
    category: &'static str,
    selections: Vec<Selection>,
    condition: String,
    falsepositives: &'static [&'static str],
}

fn tags(c: &Catalogue, cves: &[&str]) -> Vec<Value> {
    let mut t: Vec<String> = cves
        .iter()
        .map(|v| format!("cve.{}", v.trim_start_matches("CVE-").to_lowercase()))
        .collect();
    // Only the TLP words both TLP versions know pass every Sigma TLP validator.
    match c.tlp {
        Tlp::Green => t.push("tlp.green".into()),
        Tlp::Amber => t.push("tlp.amber".into()),
        Tlp::Red => t.push("tlp.red".into()),
        Tlp::Clear | Tlp::AmberStrict => {}
    }
    t.sort();
    t.dedup();
    t.into_iter().map(safe).collect()
}

fn rule(c: &Catalogue, p: Parts<'_>) -> Rule {
    let mut references: Vec<String> = Vec::new();
    for r in p.references.into_iter().chain(
        p.metas
            .iter()
            .flat_map(|m| m.references.iter().map(String::as_str)),
    ) {
        if !references.iter().any(|x| x == r) {
            references.push(r.to_owned());
        }
    }
    let mut cves = p.cves;
    cves.extend(
        p.metas
            .iter()
            .flat_map(|m| m.cves.iter().map(String::as_str)),
    );
    let id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("urn:iocc:sigma:{}:{}", c.id, p.key).as_bytes(),
    );
    Rule {
        stem: file_stem(&c.id, &p.key),
        key: p.key,
        title: p.title,
        id: safe(id.to_string()),
        status: safe(if p.inferred { "experimental" } else { "test" }.to_owned()),
        description: p.description,
        references,
        author: c.publisher.clone(),
        date: safe(c.advisory.published.to_string()),
        modified: safe(c.advisory.modified.to_string()),
        tags: tags(c, &cves),
        category: safe(p.category.to_owned()),
        selections: p.selections,
        condition: safe(p.condition),
        falsepositives: p.falsepositives.iter().map(|s| (*s).to_owned()).collect(),
        level: safe(level(p.severity).to_owned()),
    }
}

/// The ports of a detection: one list of single ports, and bounds for long ranges.
fn port_selections(ports: &[PortRange]) -> (Vec<Selection>, Vec<String>) {
    let mut single: Vec<u16> = Vec::new();
    let mut out = Vec::new();
    let mut names = Vec::new();
    for r in ports {
        if u32::from(r.last - r.first) < LIST_PORTS {
            single.extend(r.first..=r.last);
        } else {
            let name = format!("port_range_{}", out.len() + 1);
            out.push(selection(
                &name,
                vec![
                    field("DestinationPort|gte", vec![safe(r.first.to_string())]),
                    field("DestinationPort|lte", vec![safe(r.last.to_string())]),
                ],
            ));
            names.push(name);
        }
    }
    single.sort_unstable();
    single.dedup();
    if !single.is_empty() {
        let values = single.iter().map(|p| safe(p.to_string())).collect();
        out.insert(0, selection("port", vec![field("DestinationPort", values)]));
        names.insert(0, "port".to_owned());
    }
    (out, names)
}

/// `(a or b)`, or `a` alone.
fn any_of(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        many => format!("({})", many.join(" or ")),
    }
}

/// The address selections of a direction, and the part of the condition they make.
fn address_selections(
    direction: Direction,
    dst: &str,
    src: &str,
    list: &[IpNet],
) -> (Vec<Selection>, Vec<String>) {
    let mut out = Vec::new();
    let mut names = Vec::new();
    if direction.includes_outbound() {
        out.push(selection(
            "destination",
            vec![field(&format!("{dst}|cidr"), nets(list))],
        ));
        names.push("destination".to_owned());
    }
    if direction.includes_inbound() {
        out.push(selection(
            "source",
            vec![field(&format!("{src}|cidr"), nets(list))],
        ));
        names.push("source".to_owned());
    }
    (out, names)
}

const CONNECTION_FALSEPOSITIVES: &[&str] =
    &["Hosts of your own network that legitimately use the listed addresses"];

fn detection_rule(c: &Catalogue, d: &Detection) -> Rule {
    let list: Vec<IpNet> = d
        .indicators
        .iter()
        .filter_map(|id| c.indicator(id).and_then(|i| i.observable.as_net()))
        .collect();
    let (mut selections, names) =
        address_selections(d.direction, "DestinationIp", "SourceIp", &list);
    let mut condition = vec![any_of(&names)];
    if !d.protocols.contains(&Protocol::Ip) {
        let words = d.protocols.iter().map(|p| match p {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Ip => "ip",
        });
        selections.push(selection(
            "transport",
            vec![field("Protocol", texts(words))],
        ));
        condition.push("transport".into());
    }
    let (ports, names) = port_selections(&d.ports);
    if !ports.is_empty() {
        selections.extend(ports);
        condition.push(any_of(&names));
    }
    let mut description = d.description.clone().unwrap_or_else(|| d.title.clone());
    description.push_str(&format!(
        "\n\nDetection {} of catalogue {} (advisory {}).",
        d.id, c.id, c.advisory.id
    ));
    rule(
        c,
        Parts {
            key: format!("det_{}", d.id),
            title: d.title.clone(),
            description,
            metas: Vec::new(),
            references: d.references.iter().map(String::as_str).collect(),
            cves: d.cves.iter().map(String::as_str).collect(),
            inferred: d.confidence == Confidence::Inferred,
            severity: d.severity,
            category: "network_connection",
            selections,
            condition: condition.join(" and "),
            falsepositives: CONNECTION_FALSEPOSITIVES,
        },
    )
}

/// Which group an indicator joins, in rule order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    Firewall,
    Dns,
    Proxy,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::Firewall => "firewall",
            Category::Dns => "dns_query",
            Category::Proxy => "proxy",
        }
    }
    fn short(self) -> &'static str {
        match self {
            Category::Firewall => "fw",
            Category::Dns => "dns",
            Category::Proxy => "proxy",
        }
    }
    fn falsepositives(self) -> &'static [&'static str] {
        match self {
            Category::Firewall => CONNECTION_FALSEPOSITIVES,
            Category::Dns => &["Lookups by security tools, scanners or researchers"],
            Category::Proxy => &["Requests by security tools, scanners or researchers"],
        }
    }
}

/// The values of one group: addresses by direction, domains, URLs.
#[derive(Default)]
struct Members<'a> {
    ids: Vec<(&'a str, Option<&'a str>)>,
    metas: Vec<&'a Meta>,
    /// Addresses and networks, whatever their direction.
    nets: usize,
    outbound: Vec<IpNet>,
    inbound: Vec<IpNet>,
    domains: Vec<&'a str>,
    urls: Vec<&'a str>,
}

impl<'a> Members<'a> {
    fn add_net(&mut self, n: IpNet, d: Direction) {
        self.nets += 1;
        if d.includes_outbound() {
            self.outbound.push(n);
        }
        if d.includes_inbound() {
            self.inbound.push(n);
        }
    }

    fn count(&self) -> String {
        let mut parts = Vec::new();
        let nets = self.nets;
        let plural = crate::diag::count;
        if nets > 0 {
            parts.push(plural(nets, "address", "addresses"));
        }
        if !self.domains.is_empty() {
            parts.push(plural(self.domains.len(), "domain", "domains"));
        }
        if !self.urls.is_empty() {
            parts.push(plural(self.urls.len(), "URL", "URLs"));
        }
        parts.join(" and ")
    }

    fn selections(&self, cat: Category) -> (Vec<Selection>, Vec<String>) {
        let mut out = Vec::new();
        let mut add = |name: &str, key: &str, values: Vec<Value>| {
            if !values.is_empty() {
                out.push(selection(name, vec![field(key, values)]));
            }
        };
        match cat {
            Category::Firewall => {
                add("destination", "dst_ip|cidr", nets(&self.outbound));
                add("source", "src_ip|cidr", nets(&self.inbound));
            }
            Category::Dns => add("query", "QueryName", texts(&self.domains)),
            Category::Proxy => {
                add("host", "cs-host", texts(&self.domains));
                add("url", "c-uri", texts(&self.urls));
            }
        }
        let names = out.iter().map(|s| s.name.to_string()).collect();
        (out, names)
    }
}

fn group_description(c: &Catalogue, m: &Members<'_>) -> String {
    let mut d = format!(
        "Indicators of catalogue {} (advisory {}): ",
        c.id, c.advisory.id
    );
    let named: Vec<String> = m
        .ids
        .iter()
        .take(NAMED_MEMBERS)
        .map(|(id, role)| match role {
            Some(r) => format!("{id} ({r})"),
            None => (*id).to_owned(),
        })
        .collect();
    d.push_str(&named.join("; "));
    if m.ids.len() > NAMED_MEMBERS {
        d.push_str(&format!("; and {} more", m.ids.len() - NAMED_MEMBERS));
    }
    d.push('.');
    d
}

fn group_rule(
    c: &Catalogue,
    key: String,
    cat: Category,
    severity: Severity,
    m: &Members<'_>,
    what: &str,
) -> Rule {
    let (selections, names) = m.selections(cat);
    rule(
        c,
        Parts {
            key,
            title: format!("{}: {} {what}", c.title, m.count()),
            description: group_description(c, m),
            metas: m.metas.clone(),
            references: Vec::new(),
            cves: Vec::new(),
            inferred: m.metas.iter().any(|x| x.confidence == Confidence::Inferred),
            severity,
            category: cat.name(),
            selections,
            condition: any_of(&names),
            falsepositives: cat.falsepositives(),
        },
    )
}

fn what(cat: Category, severity: Severity) -> String {
    let place = match cat {
        Category::Firewall => "in firewall logs",
        Category::Dns => "in DNS queries",
        Category::Proxy => "in proxy logs",
    };
    format!("{place} ({} severity)", level(severity))
}

/// The categories an indicator joins, if any.
fn categories(i: &Indicator) -> &'static [Category] {
    match i.observable {
        Observable::Address(_) | Observable::Network(_) => &[Category::Firewall],
        Observable::Domain(_) => &[Category::Dns, Category::Proxy],
        Observable::Url(_) => &[Category::Proxy],
        Observable::Port { .. } | Observable::FileHash { .. } => &[],
    }
}

fn indicator_groups(c: &Catalogue) -> Vec<Rule> {
    let mut groups: BTreeMap<(Category, Severity), Members<'_>> = BTreeMap::new();
    for i in &c.indicators {
        for cat in categories(i) {
            let m = groups.entry((*cat, i.meta.severity)).or_default();
            m.ids.push((i.id.as_str(), i.meta.role.as_deref()));
            m.metas.push(&i.meta);
            match &i.observable {
                Observable::Domain(d) => m.domains.push(d.as_str()),
                Observable::Url(u) => m.urls.push(u.as_str()),
                o => {
                    if let Some(n) = o.as_net() {
                        m.add_net(n, i.meta.direction);
                    }
                }
            }
        }
    }
    groups
        .iter()
        .map(|((cat, sev), m)| {
            let key = format!("{}_{}", cat.short(), level(*sev));
            group_rule(c, key, *cat, *sev, m, &what(*cat, *sev))
        })
        .collect()
}

/// The rules of a bulk list small enough for Sigma.
fn list_rules(c: &Catalogue, b: &BulkList) -> Vec<Rule> {
    let mut m = Members {
        ids: vec![(b.id.as_str(), b.meta.role.as_deref())],
        metas: vec![&b.meta],
        ..Members::default()
    };
    for (n, _) in b.networks.iter() {
        m.add_net(n, b.meta.direction);
    }
    m.domains = b.domains.iter().map(|(d, _)| d).collect();
    let cats: &[Category] = match b.kind {
        BulkKind::Address => &[Category::Firewall],
        BulkKind::Domain => &[Category::Dns, Category::Proxy],
    };
    cats.iter()
        .map(|cat| {
            let key = format!("list_{}_{}", b.id, cat.short());
            let what = format!("of list {} {}", b.id, what(*cat, b.meta.severity));
            group_rule(c, key, *cat, b.meta.severity, &m, &what)
        })
        .collect()
}

/// Cuts a title to [`MAX_TITLE`] characters with `suffix` kept at its end.
fn fit_title(title: &str, suffix: &str) -> String {
    let room = MAX_TITLE - suffix.chars().count();
    let mut t: String = title.chars().take(room).collect();
    t.push_str(suffix);
    t
}

/// Every rule of the catalogue, in order; bulk lists past `large` are left out (the caller
/// writes them as lookups).
pub fn rules(c: &Catalogue, small: impl Fn(&BulkList) -> bool) -> Vec<Rule> {
    let mut out: Vec<Rule> = c.detections.iter().map(|d| detection_rule(c, d)).collect();
    out.extend(indicator_groups(c));
    for b in c.bulk.iter().filter(|b| small(b)) {
        out.extend(list_rules(c, b));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in &out {
        *seen.entry(fit_title(&r.title, "")).or_default() += 1;
    }
    for r in &mut out {
        let suffix = if seen[&fit_title(&r.title, "")] > 1 {
            format!(" [{}]", r.key)
        } else {
            String::new()
        };
        r.title = fit_title(&r.title, &suffix);
    }
    out
}
