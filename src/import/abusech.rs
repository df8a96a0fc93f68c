//! abuse.ch exports: ThreatFox (CSV and JSON), URLhaus (CSV) and Feodo Tracker (CSV and JSON).
//!
//! Columns and fields as abuse.ch publishes them:
//! - ThreatFox CSV: `first_seen_utc, ioc_id, ioc_value, ioc_type, threat_type, fk_malware,
//!   malware_alias, malware_printable, last_seen_utc, confidence_level, is_compromised,
//!   reference, tags, anonymous, reporter`; `ioc_type` is `ip:port`, `domain`, `url`,
//!   `md5_hash`, `sha1_hash` or `sha256_hash`; `None` is null. JSON: an object keyed by
//!   `ioc_id`, each an array of entries with the same fields (`malware` for `fk_malware`).
//! - URLhaus CSV: `id, dateadded, url, url_status, last_online, threat, tags, urlhaus_link,
//!   reporter`.
//! - Feodo Tracker CSV: `first_seen_utc, dst_ip, dst_port, c2_status, last_online, malware`;
//!   JSON: an array of `{ip_address, port, status, hostname, as_number, as_name, country,
//!   first_seen, last_online, malware}`.
//!
//! Guarantees: columns are found by name, so added or reordered columns change nothing;
//! every entry keeps its first-seen date as `valid-from`, its abuse.ch page as a reference and
//! the source's facts in its description; a ThreatFox entry marked `is_compromised` (a hacked
//! legitimate site) is imported as `alert`, never `block`.

use serde_json::value::RawValue;
use serde_json::Value;

use super::table::{self, Row};
use super::values::{self, Hint};
use super::{offset_in, Lines, Reader};
use crate::diag::At;
use crate::model::{Action, Confidence, HashAlgo, Tlp};

/// STIX-style confidence (0-100) to the catalogue's: 70 and up is `sourced`.
pub fn confidence(n: &str) -> Option<Confidence> {
    let n: u32 = n.trim().parse().ok()?;
    Some(if n >= 70 {
        Confidence::Sourced
    } else {
        Confidence::Inferred
    })
}

fn meta(r: &mut Reader<'_>, publisher: &str, home: &str) {
    r.feed.meta.publisher = Some(publisher.to_owned());
    r.feed.meta.tlp = Some(Tlp::Clear);
    r.feed.meta.title = Some(format!("{publisher} export"));
    r.feed.meta.references = vec![home.to_owned()];
}

/// The fields of one ThreatFox entry, whichever the export.
struct Ioc<'a> {
    id: Option<&'a str>,
    value: &'a str,
    kind: &'a str,
    threat: Option<&'a str>,
    malware: Option<&'a str>,
    aliases: Option<&'a str>,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    confidence: Option<&'a str>,
    compromised: Option<&'a str>,
    reference: Option<&'a str>,
    tags: Option<String>,
    reporter: Option<&'a str>,
}

fn threatfox_entry(r: &mut Reader<'_>, line: u32, ioc: &Ioc<'_>) {
    let (hint, value, port) = match ioc.kind {
        "ip:port" => {
            let (host, port) = split_host_port(ioc.value);
            (Hint::Address, host, port)
        }
        "domain" => (Hint::Domain, ioc.value, None),
        "url" => (Hint::Url, ioc.value, None),
        "md5_hash" => (Hint::Hash(HashAlgo::Md5), ioc.value, None),
        "sha1_hash" => (Hint::Hash(HashAlgo::Sha1), ioc.value, None),
        "sha256_hash" => (Hint::Hash(HashAlgo::Sha256), ioc.value, None),
        other => {
            r.bad_value(
                line,
                ioc.value,
                &format!("ioc_type `{}` has no catalogue kind", values::shown(other)),
            );
            return;
        }
    };
    let object = ioc.id.map(|i| format!("ioc_id {i}"));
    let Some(e) = r.value(hint, value, line, object) else {
        return;
    };
    e.valid_from = ioc.first_seen.and_then(values::date);
    e.confidence = ioc.confidence.and_then(confidence);
    e.name = match (ioc.threat, ioc.malware) {
        (Some(t), Some(m)) => Some(format!("{m} ({t})")),
        (t, m) => t.or(m).map(str::to_owned),
    };
    let compromised = ioc
        .compromised
        .is_some_and(|c| c.eq_ignore_ascii_case("true") || c == "1");
    if compromised {
        e.action = Some(Action::Alert);
    }
    let mut facts = vec![format!(
        "ThreatFox IOC{}",
        ioc.id.map(|i| format!(" {i}")).unwrap_or_default()
    )];
    facts.extend(ioc.threat.map(|t| format!("threat type {t}")));
    facts.extend(ioc.malware.map(|m| format!("malware {m}")));
    facts.extend(ioc.aliases.map(|a| format!("aliases {a}")));
    facts.extend(port.map(|p| format!("port {p}")));
    facts.extend(ioc.confidence.map(|c| format!("confidence {c}%")));
    facts.extend(ioc.tags.as_ref().map(|t| format!("tags {t}")));
    facts.extend(ioc.first_seen.map(|f| format!("first seen {f}")));
    facts.extend(ioc.last_seen.map(|l| format!("last seen {l}")));
    if compromised {
        facts.push("a compromised legitimate host (imported as alert)".into());
    }
    facts.extend(ioc.reporter.map(|p| format!("reported by {p}")));
    e.notes.push(facts.join(", "));
    e.references
        .extend(ioc.reference.and_then(values::reference));
    if let Some(id) = ioc.id.filter(|i| i.bytes().all(|b| b.is_ascii_digit())) {
        e.references
            .push(format!("https://threatfox.abuse.ch/ioc/{id}/"));
    }
    if let Some(d) = ioc.first_seen.and_then(values::date) {
        r.feed.meta.dates.push(d);
    }
}

/// `1.2.3.4:443` or `[2001:db8::1]:443` into host and port; anything else is all host.
fn split_host_port(v: &str) -> (&str, Option<&str>) {
    let v = v.trim();
    if let Some(rest) = v.strip_prefix('[') {
        if let Some((host, port)) = rest.split_once("]:") {
            return (host, Some(port));
        }
    }
    match v.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (v, None),
    }
}

/// ThreatFox, CSV or JSON (told apart by the first character).
pub fn threatfox(r: &mut Reader<'_>, text: &str) {
    meta(r, "abuse.ch ThreatFox", "https://threatfox.abuse.ch/");
    if text.trim_start().starts_with('{') {
        return threatfox_json(r, text);
    }
    table::read(r, text, &["ioc_value", "ioc_type"], |r, row| {
        let ioc = Ioc {
            id: row.get("ioc_id"),
            value: row.value("ioc_value"),
            kind: row.value("ioc_type"),
            threat: row.get("threat_type"),
            malware: row.get("malware_printable").or(row.get("fk_malware")),
            aliases: row.get("malware_alias"),
            first_seen: row.get("first_seen_utc"),
            last_seen: row.get("last_seen_utc"),
            confidence: row.get("confidence_level"),
            compromised: row.get("is_compromised"),
            reference: row.get("reference"),
            tags: row.get("tags").map(str::to_owned),
            reporter: row.get("reporter"),
        };
        threatfox_entry(r, row.line, &ioc);
    });
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "None")
}

/// A JSON field that may be a string, a number or a boolean, as text.
fn any_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => None,
    }
}

fn threatfox_json(r: &mut Reader<'_>, text: &str) {
    let parsed: std::collections::HashMap<String, Vec<&RawValue>> = match serde_json::from_str(text)
    {
        Ok(m) => m,
        Err(e) => {
            return json_error(
                r,
                text,
                &e,
                "an object keyed by ioc_id, each an array of entries",
            )
        }
    };
    let mut items: Vec<(String, &RawValue)> = parsed
        .into_iter()
        .flat_map(|(id, list)| list.into_iter().map(move |raw| (id.clone(), raw)))
        .collect();
    items.sort_by_key(|(_, raw)| offset_in(text, raw.get()));
    let lines = Lines::new(text);
    for (id, raw) in items {
        let line = lines.key(raw.get(), "ioc_value");
        let Ok(v) = serde_json::from_str::<Value>(raw.get()) else {
            continue;
        };
        let (Some(value), Some(kind)) = (str_field(&v, "ioc_value"), str_field(&v, "ioc_type"))
        else {
            r.bad_value(line, &id, "the entry has no `ioc_value` or `ioc_type`");
            continue;
        };
        let confidence = any_field(&v, "confidence_level");
        let compromised = any_field(&v, "is_compromised");
        let ioc = Ioc {
            id: Some(&id),
            value,
            kind,
            threat: str_field(&v, "threat_type"),
            malware: str_field(&v, "malware_printable").or(str_field(&v, "malware")),
            aliases: str_field(&v, "malware_alias"),
            first_seen: str_field(&v, "first_seen_utc"),
            last_seen: str_field(&v, "last_seen_utc"),
            confidence: confidence.as_deref(),
            compromised: compromised.as_deref(),
            reference: str_field(&v, "reference"),
            tags: any_field(&v, "tags"),
            reporter: str_field(&v, "reporter"),
        };
        threatfox_entry(r, line, &ioc);
    }
}

/// Reports JSON that does not parse or has the wrong shape, at its line.
pub fn json_error(r: &mut Reader<'_>, _text: &str, e: &serde_json::Error, shape: &str) {
    r.fail(
        format!("the JSON cannot be read: {e}"),
        &format!("the source should be {shape}"),
        At::LineColumn {
            line: e.line().max(1),
            column: e.column().max(1),
        },
    );
}

/// URLhaus CSV.
pub fn urlhaus(r: &mut Reader<'_>, text: &str) {
    meta(r, "abuse.ch URLhaus", "https://urlhaus.abuse.ch/");
    table::read(r, text, &["url"], |r, row: &Row<'_>| {
        let id = row.get("id");
        let Some(e) = r.value(
            Hint::Url,
            row.value("url"),
            row.line,
            id.map(|i| format!("id {i}")),
        ) else {
            return;
        };
        let added = row.get("dateadded");
        e.valid_from = added.and_then(values::date);
        e.name = row.get("threat").map(str::to_owned);
        let mut facts = vec![format!(
            "URLhaus entry{}",
            id.map(|i| format!(" {i}")).unwrap_or_default()
        )];
        facts.extend(row.get("threat").map(|t| format!("threat {t}")));
        facts.extend(row.get("url_status").map(|s| format!("status {s}")));
        facts.extend(row.get("tags").map(|t| format!("tags {t}")));
        facts.extend(added.map(|a| format!("added {a}")));
        facts.extend(row.get("last_online").map(|l| format!("last online {l}")));
        facts.extend(row.get("reporter").map(|p| format!("reported by {p}")));
        e.notes.push(facts.join(", "));
        e.references
            .extend(row.get("urlhaus_link").and_then(values::reference));
        if let Some(d) = added.and_then(values::date) {
            r.feed.meta.dates.push(d);
        }
    });
}

/// The facts of one Feodo Tracker entry.
struct C2<'a> {
    ip: &'a str,
    port: Option<String>,
    status: Option<&'a str>,
    malware: Option<&'a str>,
    first_seen: Option<&'a str>,
    last_online: Option<&'a str>,
    extra: Vec<String>,
}

fn feodo_entry(r: &mut Reader<'_>, line: u32, c2: C2<'_>) {
    let Some(e) = r.value(Hint::Address, c2.ip, line, None) else {
        return;
    };
    e.valid_from = c2.first_seen.and_then(values::date);
    e.name = c2.malware.map(|m| format!("{m} botnet C2"));
    let mut facts = vec!["Feodo Tracker botnet C2".to_owned()];
    facts.extend(c2.malware.map(|m| format!("malware {m}")));
    facts.extend(c2.port.map(|p| format!("port {p}")));
    facts.extend(c2.status.map(|s| format!("status {s}")));
    facts.extend(c2.first_seen.map(|f| format!("first seen {f}")));
    facts.extend(c2.last_online.map(|l| format!("last online {l}")));
    facts.extend(c2.extra);
    e.notes.push(facts.join(", "));
    let ip = e.observable.value();
    e.references
        .push(format!("https://feodotracker.abuse.ch/browse/host/{ip}/"));
    if let Some(d) = c2.first_seen.and_then(values::date) {
        r.feed.meta.dates.push(d);
    }
}

/// Feodo Tracker, CSV or JSON.
pub fn feodo(r: &mut Reader<'_>, text: &str) {
    meta(
        r,
        "abuse.ch Feodo Tracker",
        "https://feodotracker.abuse.ch/",
    );
    if text.trim_start().starts_with('[') {
        let parsed: Vec<&RawValue> = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                return json_error(r, text, &e, "an array of {ip_address, port, ...} objects")
            }
        };
        let lines = Lines::new(text);
        for raw in parsed {
            let line = lines.key(raw.get(), "ip_address");
            let Ok(v) = serde_json::from_str::<Value>(raw.get()) else {
                continue;
            };
            let Some(ip) = str_field(&v, "ip_address") else {
                r.bad_value(line, raw.get(), "the entry has no `ip_address`");
                continue;
            };
            let mut extra = Vec::new();
            extra.extend(str_field(&v, "hostname").map(|h| format!("hostname {h}")));
            extra.extend(any_field(&v, "as_number").map(|a| format!("AS{a}")));
            extra.extend(str_field(&v, "as_name").map(|a| format!("AS name {a}")));
            extra.extend(str_field(&v, "country").map(|c| format!("country {c}")));
            let c2 = C2 {
                ip,
                port: any_field(&v, "port"),
                status: str_field(&v, "status"),
                malware: str_field(&v, "malware"),
                first_seen: str_field(&v, "first_seen"),
                last_online: str_field(&v, "last_online"),
                extra,
            };
            feodo_entry(r, line, c2);
        }
        return;
    }
    table::read(r, text, &["dst_ip"], |r, row| {
        let c2 = C2 {
            ip: row.value("dst_ip"),
            port: row.get("dst_port").map(str::to_owned),
            status: row.get("c2_status"),
            malware: row.get("malware"),
            first_seen: row.get("first_seen_utc"),
            last_online: row.get("last_online"),
            extra: Vec::new(),
        };
        feodo_entry(r, row.line, c2);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(split_host_port("1.2.3.4:443"), ("1.2.3.4", Some("443")));
        assert_eq!(
            split_host_port("[2001:db8::1]:80"),
            ("2001:db8::1", Some("80"))
        );
        assert_eq!(split_host_port("2001:db8::1"), ("2001:db8::1", None));
        assert_eq!(split_host_port("1.2.3.4"), ("1.2.3.4", None));
    }
}
