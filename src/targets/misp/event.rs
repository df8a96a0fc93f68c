//! The catalogue's own MISP event: CVEs, references, indicators, detections and the
//! Suricata rules of the same build.
//!
//! Guarantees: attributes come in catalogue order (CVEs, advisory references, indicators,
//! detections' `ip-dst|port` pairs, rules), then one `ip-port` object per detection and
//! protocol. An address or network becomes `ip-dst` when traffic to it matters (outbound),
//! `ip-src` when traffic from it does (inbound), both for `both`; a port range one `port`
//! attribute per port (refused beyond [`MAX_PORTS`]); a detection's payload and Sun RPC parts
//! are text in its object, and exact in the Suricata rule it compiled to.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io;

use ipnet::IpNet;

use super::json::{Attribute, EventWriter, Object, Tag};
use super::kinds::{self, Kind};
use super::{comment, cve_tags, seen, to_ids, Hashes, Shared, Written, MAX_PORTS};
use crate::diag::{Code, Diagnostic};
use crate::model::{ContentMatch, Detection, Direction, Indicator, Observable, Protocol, Severity};
use crate::rules::dialect::{Dialect, Suricata7};
use crate::targets::{Skipped, TargetContext};

type Writer<'w> = EventWriter<'w, crate::output::FileSink, Vec<u8>>;

/// An attribute of the event with the fields every attribute shares.
fn attribute<'a>(
    s: &'a Shared<'_>,
    kind: Kind,
    uuid: String,
    value: impl Into<Cow<'a, str>>,
    comment: &'a str,
    to_ids: bool,
    tags: &'a [Tag],
) -> Attribute<'a> {
    Attribute {
        category: kind.category,
        comment,
        disable_correlation: false,
        distribution: "5",
        first_seen: None,
        last_seen: None,
        object_relation: None,
        timestamp: &s.timestamp,
        to_ids,
        kind: kind.kind,
        uuid,
        value: value.into(),
        tags,
    }
}

/// An address or network as MISP stores it: an address bare, a network in CIDR notation.
pub fn net_value(n: IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// The address types of a direction: `ip-dst` for traffic to it, `ip-src` for traffic from it.
pub fn address_kinds(d: Direction) -> &'static [Kind] {
    match d {
        Direction::Outbound => &[kinds::IP_DST],
        Direction::Inbound => &[kinds::IP_SRC],
        Direction::Both => &[kinds::IP_DST, kinds::IP_SRC],
    }
}

/// The highest severity of the catalogue's items.
fn severity(s: &Shared<'_>) -> Severity {
    let c = s.c;
    c.indicators
        .iter()
        .map(|i| i.meta.severity)
        .chain(c.bulk.iter().map(|b| b.meta.severity))
        .chain(c.detections.iter().map(|d| d.severity))
        .max()
        .unwrap_or(Severity::Medium)
}

/// Writes the catalogue's event; `Err` holds rule lines of the build that cannot be read.
pub fn write(
    cx: &TargetContext<'_>,
    s: &Shared<'_>,
    refused: &mut Vec<Skipped>,
    out: &mut crate::output::Files,
) -> Result<Written<'static>, Vec<Diagnostic>> {
    let c = s.c;
    let rules = rules(cx, refused)?;
    let cves: Vec<String> = c.advisory.cves.iter().map(|v| v.id.clone()).collect();
    let head = s.head(
        s.event_uuid.clone(),
        format!("{}: {}", c.advisory.id, c.advisory.title),
        severity(s),
        &cves,
    );
    let hashes = super::write_event(out, &head, Vec::new(), |w| {
        advisory(w, s)?;
        for i in &c.indicators {
            indicator(w, s, i, refused)?;
        }
        for d in &c.detections {
            pairs(w, s, d)?;
        }
        for r in &rules {
            rule(w, s, r)?;
        }
        for d in &c.detections {
            for o in objects(s, d) {
                w.object(&o)?;
            }
        }
        Ok(())
    })?;
    Ok(Written {
        uuid: head.uuid.clone(),
        hashes: Hashes::Kept(hashes),
        manifest: head.manifest(),
    })
}

/// CVEs as `vulnerability` attributes, advisory references as `link` attributes.
fn advisory(w: &mut Writer<'_>, s: &Shared<'_>) -> io::Result<()> {
    for v in &s.c.advisory.cves {
        let comment = format!(
            "{} {}: {}",
            v.cwe,
            v.cwe_name.as_deref().unwrap_or(""),
            v.summary
        );
        let uuid = s.uuid(&format!("cve/{}", v.id));
        w.attribute(&attribute(
            s,
            kinds::VULNERABILITY,
            uuid,
            &v.id,
            &comment,
            false,
            &[],
        ))?;
    }
    for url in &s.c.advisory.references {
        let uuid = s.uuid(&format!("reference/{url}"));
        let comment = format!("{} advisory {}", s.c.advisory.issuer, s.c.advisory.id);
        w.attribute(&attribute(s, kinds::LINK, uuid, url, &comment, false, &[]))?;
    }
    Ok(())
}

/// The attributes of one indicator.
fn indicator(
    w: &mut Writer<'_>,
    s: &Shared<'_>,
    i: &Indicator,
    refused: &mut Vec<Skipped>,
) -> io::Result<()> {
    let tags = cve_tags(&i.meta.cves);
    let first = i.meta.valid_from.map(seen);
    let last = i.meta.valid_until.map(seen);
    let ids = to_ids(&i.meta);
    let emit = |w: &mut Writer<'_>, kind: Kind, key: String, value: &str, comment: &str| {
        let mut a = attribute(s, kind, s.uuid(&key), value, comment, ids, &tags);
        a.first_seen = first.as_deref();
        a.last_seen = last.as_deref();
        w.attribute(&a)
    };
    let key = |kind: Kind| format!("indicator/{}/{}", i.id, kind.kind);
    let note = comment(&i.meta);
    match &i.observable {
        Observable::Address(_) | Observable::Network(_) => {
            let value = net_value(i.observable.as_net().unwrap_or_default());
            for kind in address_kinds(i.meta.direction) {
                emit(w, *kind, key(*kind), &value, note)?;
            }
        }
        Observable::Domain(d) => emit(w, kinds::DOMAIN, key(kinds::DOMAIN), d, note)?,
        Observable::Url(u) => emit(w, kinds::URL, key(kinds::URL), u, note)?,
        Observable::FileHash { algo, hex } => {
            let kind = kinds::hash(*algo);
            emit(w, kind, key(kind), hex, note)?;
        }
        Observable::Port { first, last, .. } => {
            let count = u32::from(*last) - u32::from(*first) + 1;
            if count > MAX_PORTS {
                refused.push(Skipped::new(
                    &i.id,
                    format!("{} spans {count} ports; a MISP port attribute holds one port, and iocc expands at most {MAX_PORTS}", i.observable.value()),
                ));
                return Ok(());
            }
            let value = i.observable.value();
            let comment = if note.is_empty() {
                value.clone()
            } else {
                format!("{note} ({value})")
            };
            for port in *first..=*last {
                let p = port.to_string();
                emit(
                    w,
                    kinds::PORT,
                    format!("{}/{p}", key(kinds::PORT)),
                    &p,
                    &comment,
                )?;
            }
        }
    }
    Ok(())
}

/// The addresses and networks of a detection's indicators, in its order.
fn addresses(s: &Shared<'_>, d: &Detection) -> Vec<String> {
    d.indicators
        .iter()
        .filter_map(|id| s.c.indicator(id))
        .filter_map(|i| i.observable.as_net())
        .map(net_value)
        .collect()
}

/// The port numbers of a detection for one protocol (all when `None`), or `None` when there
/// are more than [`MAX_PORTS`] or the detection names none (any port).
fn ports(d: &Detection, proto: Option<Protocol>) -> Option<BTreeSet<u16>> {
    let mut out = BTreeSet::new();
    for r in &d.ports {
        let applies = match (proto, r.transport) {
            (None, _) | (_, None) => true,
            (Some(Protocol::Tcp), Some(t)) => t == crate::model::Transport::Tcp,
            (Some(Protocol::Udp), Some(t)) => t == crate::model::Transport::Udp,
            (Some(Protocol::Ip), Some(_)) => false,
        };
        if applies {
            if out.len() as u32 + u32::from(r.last - r.first) + 1 > MAX_PORTS {
                return None;
            }
            out.extend(r.first..=r.last);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `ip-dst|port` for every address and port an outbound detection pairs.
fn pairs(w: &mut Writer<'_>, s: &Shared<'_>, d: &Detection) -> io::Result<()> {
    if !d.direction.includes_outbound() || d.protocols == [Protocol::Ip] {
        return Ok(());
    }
    let Some(ports) = ports(d, None) else {
        return Ok(());
    };
    let addrs = addresses(s, d);
    if (addrs.len() * ports.len()) as u32 > MAX_PORTS {
        return Ok(());
    }
    let tags = cve_tags(&d.cves);
    for a in &addrs {
        for p in &ports {
            let value = format!("{a}|{p}");
            let uuid = s.uuid(&format!("detection/{}/{value}", d.id));
            w.attribute(&attribute(
                s,
                kinds::IP_DST_PORT,
                uuid,
                value,
                &d.title,
                true,
                &tags,
            ))?;
        }
    }
    Ok(())
}

/// A rule of the build's rule plan as the Suricata pack writes it.
struct RuleLine {
    text: String,
    msg: String,
    gid: u32,
    sid: u32,
    cves: Vec<String>,
}

/// A Suricata rule as a `snort` attribute (MISP's type for Snort/Suricata rule text).
fn rule(w: &mut Writer<'_>, s: &Shared<'_>, r: &RuleLine) -> io::Result<()> {
    let cves: Vec<String> = r
        .cves
        .iter()
        .map(|n| format!("CVE-{n}"))
        .filter(|id| s.c.cve(id).is_some())
        .collect();
    let tags = cve_tags(&cves);
    let uuid = s.uuid(&format!("suricata/{}:{}", r.gid, r.sid));
    w.attribute(&attribute(
        s,
        kinds::SNORT,
        uuid,
        &r.text,
        &r.msg,
        true,
        &tags,
    ))
}

/// The rules the `suricata` target publishes in this build (its rule plan); none, recorded,
/// when it is not built.
fn rules(
    cx: &TargetContext<'_>,
    refused: &mut Vec<Skipped>,
) -> Result<Vec<RuleLine>, Vec<Diagnostic>> {
    let Some(plan) = cx.rules else {
        refused.push(Skipped::new(
            "suricata-rules",
            "no `suricata` output in this build (target not registered or not selected): no `snort` attributes",
        ));
        return Ok(Vec::new());
    };
    plan.rules
        .iter()
        .map(|r| {
            let text = Suricata7.write(&r.rule()).map_err(|u| {
                vec![Diagnostic::error(
                    Code::UnreadableRule,
                    format!(
                        "rule `{}` holds `{}`, which {} cannot write",
                        r.key, u.keyword, u.dialect
                    ),
                )
                .in_file(&cx.catalogue.source.path)
                .help("this is a bug in iocc, please report it")]
            })?;
            Ok(RuleLine {
                text,
                msg: r.msg().map(|m| Suricata7.as_read(m)).unwrap_or_default(),
                gid: r.gid(),
                sid: r.sid,
                cves: r.cve_references().map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// The text of a detection: its description, ports, payload and Sun RPC call.
fn detection_text(d: &Detection) -> String {
    let mut lines = vec![d.description.clone().unwrap_or_else(|| d.title.clone())];
    if !d.ports.is_empty() {
        let ports: Vec<String> = d.ports.iter().map(ToString::to_string).collect();
        lines.push(format!("Ports: {}", ports.join(",")));
    }
    for m in &d.content {
        lines.push(format!("Payload: {}", content_text(m)));
    }
    if let Some(rpc) = &d.rpc {
        let mut t = format!("Sun RPC program {}", rpc.program);
        if let Some(name) = rpc.program_name() {
            t.push_str(&format!(" ({name})"));
        }
        if let Some(v) = rpc.version {
            t.push_str(&format!(", version {v}"));
        }
        if let Some(p) = rpc.procedure {
            t.push_str(&format!(", procedure {p}"));
        }
        if let Some(path) = &rpc.path {
            t.push_str(&format!(", path {path}"));
        }
        lines.push(t);
    }
    lines.join("\n")
}

/// A payload pattern in Suricata's content notation (`|0b|MSH|7c|`), with its position.
fn content_text(m: &ContentMatch) -> String {
    let mut out = String::new();
    let mut in_hex = false;
    for &b in &m.bytes {
        let plain = b.is_ascii_graphic() && !matches!(b, b'|' | b'"' | b';' | b'\\') || b == b' ';
        if plain == in_hex {
            out.push('|');
            in_hex = !plain;
        } else if in_hex {
            out.push(' ');
        }
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("{b:02x}"));
        }
    }
    if in_hex {
        out.push('|');
    }
    if let Some(o) = m.offset {
        out.push_str(&format!(" offset {o}"));
    }
    if let Some(d) = m.depth {
        out.push_str(&format!(" depth {d}"));
    }
    if m.nocase {
        out.push_str(" nocase");
    }
    out
}

/// One `ip-port` object per protocol of a detection.
fn objects<'a>(s: &'a Shared<'_>, d: &'a Detection) -> Vec<Object<'a>> {
    let addrs = addresses(s, d);
    let text = detection_text(d);
    let mut out = Vec::new();
    for proto in &d.protocols {
        let name = match proto {
            Protocol::Ip => "IP",
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        };
        let key = format!("detection/{}/{}", d.id, name.to_ascii_lowercase());
        let mut values: Vec<(&'static str, Kind, String)> = Vec::new();
        for a in &addrs {
            if d.direction.includes_outbound() {
                values.push(("ip-dst", kinds::IP_DST, a.clone()));
            }
            if d.direction.includes_inbound() {
                values.push(("ip-src", kinds::IP_SRC, a.clone()));
            }
        }
        if *proto != Protocol::Ip {
            for p in ports(d, Some(*proto)).unwrap_or_default() {
                values.push(("dst-port", kinds::PORT, p.to_string()));
            }
        }
        values.push(("protocol", kinds::PROTOCOL, name.to_owned()));
        values.push(("text", kinds::TEXT, text.clone()));
        out.push(object(s, d, key, values));
    }
    out
}

fn object<'a>(
    s: &'a Shared<'_>,
    d: &'a Detection,
    key: String,
    values: Vec<(&'static str, Kind, String)>,
) -> Object<'a> {
    let attributes = values
        .into_iter()
        .map(|(relation, kind, value)| {
            let uuid = s.uuid(&format!("{key}/{relation}/{value}"));
            let mut a = attribute(s, kind, uuid, value, "", false, &[]);
            a.object_relation = Some(relation);
            a
        })
        .collect();
    Object {
        comment: &d.title,
        description: kinds::ip_port::DESCRIPTION,
        distribution: "5",
        meta_category: kinds::ip_port::META_CATEGORY,
        name: kinds::ip_port::NAME,
        template_uuid: kinds::ip_port::UUID,
        template_version: kinds::ip_port::VERSION,
        timestamp: &s.timestamp,
        uuid: s.uuid(&key),
        attributes,
    }
}
