//! STIX 2.1 bundles: indicators whose pattern the catalogue can express, SCOs (`ipv4-addr`,
//! `ipv6-addr`, `domain-name`, `url`, `file` hashes) at the top level or inside
//! `observed-data`, the publisher's identity and the TLP marking.
//!
//! A pattern is read with the full STIX patterning grammar (`grammar::stix_pattern`), then
//! lowered: a comparison, or an `OR` of comparisons (inside one observation or across
//! observations), on `ipv4-addr:value`, `ipv6-addr:value` (`=`, `IN`, `ISSUBSET`),
//! `domain-name:value`, `url:value` and `file:hashes.'SHA-256'|'SHA-1'|MD5` (`=`, `IN`), and the
//! port shape iocc writes itself (`network-traffic:protocols[*] = 'tcp' AND
//! network-traffic:dst_port = 515`, or `>=`/`<=` for a range). Everything else (`AND` across
//! objects or observations, `FOLLOWEDBY`, `MATCHES`, `LIKE`, `NOT`, qualifiers, other object
//! paths and pattern types) is an `unsupported-pattern` warning naming the construct; the
//! indicator is left out, never guessed at.
//!
//! Guarantees: `valid_from` and `valid_until` (an instant; midnight means the day before, as
//! iocc writes it), `labels` (`action:`, `direction:`, `severity:`), `confidence` (70 and up
//! is `sourced`) and `external_references` (URLs, CVE and other ids in the description) are
//! carried over; revoked and `benign` indicators are left out with a warning.

use serde_json::value::RawValue;
use serde_json::Value;

use super::values::{self, Hint};
use super::{Entry, Lines, Reader};
use crate::diag::Code;
use crate::grammar::stix_pattern::{
    parse_pattern, Comparison, Component, Literal, ObsOp, Op, Pattern, Qualifier, Test,
};
use crate::model::{Action, Direction, HashAlgo, Observable, Severity, Transport};

/// One value a pattern stands for.
#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Value(Hint, String),
    Port(Transport, u16, u16),
}

/// Reads a bundle.
pub fn read(r: &mut Reader<'_>, text: &str) {
    #[derive(serde::Deserialize)]
    struct Bundle<'a> {
        #[serde(borrow, default)]
        objects: Vec<&'a RawValue>,
    }
    let bundle: Bundle<'_> = match serde_json::from_str(text) {
        Ok(b) => b,
        Err(e) => {
            return super::abusech::json_error(
                r,
                text,
                &e,
                "a STIX 2.1 bundle ({\"type\": \"bundle\", \"objects\": [...]})",
            )
        }
    };
    let lines = Lines::new(text);
    let objects: Vec<(u32, &str, Value)> = bundle
        .objects
        .iter()
        .filter_map(|raw| {
            let raw = raw.get();
            serde_json::from_str(raw)
                .ok()
                .map(|v| (lines.of(raw), raw, v))
        })
        .collect();
    meta(r, &objects);
    for (line, raw, o) in &objects {
        match o.get("type").and_then(Value::as_str) {
            Some("indicator") => {
                indicator(r, *line, lines.key(raw, "pattern"), o);
            }
            Some("observed-data") => observed(r, *line, o),
            Some(t) if sco_type(t) => {
                sco(r, *line, o, None);
            }
            _ => {}
        }
    }
}

fn sco_type(t: &str) -> bool {
    matches!(
        t,
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "file"
    )
}

/// Publisher, TLP, title and dates of the bundle.
fn meta(r: &mut Reader<'_>, objects: &[(u32, &str, Value)]) {
    let m = &mut r.feed.meta;
    for (_, _, o) in objects {
        let s = |k: &str| o.get(k).and_then(Value::as_str);
        match s("type") {
            Some("identity") if m.publisher.is_none() => {
                m.publisher = s("name").map(str::to_owned);
            }
            Some("report") if m.title.is_none() => {
                m.title = s("name").map(str::to_owned);
                m.advisory_id = s("id").map(str::to_owned);
            }
            Some("marking-definition") => {
                let word = s("name").or(o.pointer("/definition/tlp").and_then(Value::as_str));
                m.tlp = values::stricter(m.tlp, word.and_then(values::tlp));
            }
            Some("indicator") => {
                m.dates.extend(s("created").and_then(values::date));
                m.dates.extend(s("modified").and_then(values::date));
            }
            _ => {}
        }
    }
}

fn indicator(r: &mut Reader<'_>, line: u32, pattern_line: u32, o: &Value) {
    let s = |k: &str| o.get(k).and_then(Value::as_str);
    let id = s("id").map(str::to_owned);
    let shown_id = id.clone().unwrap_or_else(|| "an indicator".into());
    if o.get("revoked").and_then(Value::as_bool) == Some(true) {
        r.warn(
            Code::ImportSkipped,
            line,
            format!("{shown_id} is revoked and left out"),
            "a revoked indicator is withdrawn by its producer",
        );
        return;
    }
    let types: Vec<&str> = o
        .get("indicator_types")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if types.contains(&"benign") {
        r.warn(
            Code::ImportSkipped,
            line,
            format!("{shown_id} is typed `benign` and left out"),
            "an indicator of benign activity is not a threat to detect or block",
        );
        return;
    }
    let pattern_type = s("pattern_type").unwrap_or("stix");
    if pattern_type != "stix" {
        r.warn(
            Code::UnsupportedPattern,
            pattern_line,
            format!(
                "{shown_id} has a `{}` pattern, not a STIX pattern",
                values::shown(pattern_type)
            ),
            "only STIX patterns are imported; rules of other languages are left out",
        );
        return;
    }
    let Some(pattern) = s("pattern") else {
        r.warn(
            Code::InvalidPattern,
            line,
            format!("{shown_id} has no pattern"),
            "a STIX indicator needs `pattern`",
        );
        return;
    };
    let tree = match parse_pattern(pattern) {
        Ok(t) => t,
        Err(e) => {
            r.warn(
                Code::InvalidPattern,
                pattern_line,
                format!(
                    "the pattern of {shown_id} cannot be read at character {}: {}",
                    e.offset + 1,
                    e.message
                ),
                "fix the pattern (STIX 2.1 part 9); the indicator is left out",
            );
            return;
        }
    };
    let atoms = match lower(&tree) {
        Ok(a) => a,
        Err(why) => {
            r.warn(
                Code::UnsupportedPattern,
                pattern_line,
                format!("the pattern of {shown_id} uses {why}, which catalogue indicators cannot express"),
                "the indicator is left out; write the behaviour as a detection by hand if it matters",
            );
            return;
        }
    };
    for atom in atoms {
        let entry = match atom {
            Atom::Value(hint, v) => r.value(hint, &v, pattern_line, id.clone()),
            Atom::Port(transport, first, last) => {
                let origin = r.origin(pattern_line, id.clone());
                r.feed.entries.push(Entry::new(
                    Observable::Port {
                        transport,
                        first,
                        last,
                    },
                    origin,
                ));
                r.feed.entries.last_mut()
            }
        };
        if let Some(e) = entry {
            attributes(e, o);
        }
    }
}

/// Name, description, validity, labels, confidence and references of an SDO.
fn attributes(e: &mut Entry, o: &Value) {
    let s = |k: &str| o.get(k).and_then(Value::as_str);
    let fallback = format!("{} {}", e.observable.kind(), e.observable.value());
    e.name = s("name").filter(|n| *n != fallback).map(str::to_owned);
    let description = s("description").filter(|d| *d != fallback && Some(*d) != e.name.as_deref());
    e.notes.extend(description.map(str::to_owned));
    e.valid_from = s("valid_from").and_then(values::date);
    e.valid_until = s("valid_until").and_then(until);
    if let Some(c) = o.get("confidence").and_then(Value::as_u64) {
        e.confidence = super::abusech::confidence(&c.to_string());
    }
    for label in o
        .get("labels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match label.as_str().and_then(|l| l.split_once(':')) {
            Some(("action", "block")) => e.action = Some(Action::Block),
            Some(("action", "alert")) => e.action = Some(Action::Alert),
            Some(("action", "monitor")) => e.action = Some(Action::Monitor),
            Some(("direction", "outbound")) => e.direction = Some(Direction::Outbound),
            Some(("direction", "inbound")) => e.direction = Some(Direction::Inbound),
            Some(("direction", "both")) => e.direction = Some(Direction::Both),
            Some(("severity", "low")) => e.severity = Some(Severity::Low),
            Some(("severity", "medium")) => e.severity = Some(Severity::Medium),
            Some(("severity", "high")) => e.severity = Some(Severity::High),
            Some(("severity", "critical")) => e.severity = Some(Severity::Critical),
            _ => {}
        }
    }
    let mut ids = Vec::new();
    for x in o
        .get("external_references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let f = |k: &str| x.get(k).and_then(Value::as_str);
        // iocc writes page URLs in `description` (the strict profile wants hashes beside a
        // `url`); other producers use `url`.
        match f("url").or(f("description")).and_then(values::reference) {
            Some(u) => e.references.push(u),
            None => ids.extend(
                f("external_id").map(|i| format!("{} {i}", f("source_name").unwrap_or("id"))),
            ),
        }
    }
    if !ids.is_empty() {
        e.notes.push(format!("References: {}", ids.join(", ")));
    }
}

/// The last valid day of a STIX `valid_until` instant: midnight UTC ends the day before.
fn until(ts: &str) -> Option<jiff::civil::Date> {
    let day = values::date(ts)?;
    let midnight = ts.get(10..19) == Some("T00:00:00")
        && ts[19..]
            .bytes()
            .all(|b| matches!(b, b'.' | b'0' | b'Z' | b'z'));
    if midnight {
        day.yesterday().ok()
    } else {
        Some(day)
    }
}

fn observed(r: &mut Reader<'_>, line: u32, o: &Value) {
    let Some(objects) = o.get("objects").and_then(Value::as_object) else {
        return; // STIX 2.1 observed-data names top-level SCOs, which are read on their own.
    };
    let id = o.get("id").and_then(Value::as_str).map(str::to_owned);
    let mut keys: Vec<&String> = objects.keys().collect();
    keys.sort();
    for k in keys {
        if let Some(t) = objects[k].get("type").and_then(Value::as_str) {
            if sco_type(t) {
                sco(r, line, &objects[k], id.clone());
            }
        }
    }
}

/// A cyber observable: its value (or file hashes) as entries.
fn sco(r: &mut Reader<'_>, line: u32, o: &Value, parent: Option<String>) {
    let t = o.get("type").and_then(Value::as_str).unwrap_or_default();
    let object = parent.or_else(|| o.get("id").and_then(Value::as_str).map(str::to_owned));
    let note = format!("STIX {t} observable");
    let add = |r: &mut Reader<'_>, hint: Hint, v: &str| {
        if let Some(e) = r.value(hint, v, line, object.clone()) {
            e.notes.push(note.clone());
        }
    };
    match t {
        "file" => {
            let hashes = o.get("hashes").and_then(Value::as_object);
            for (name, v) in hashes.into_iter().flatten() {
                if let (Some(algo), Some(v)) = (hash_algo(name), v.as_str()) {
                    add(r, Hint::Hash(algo), v);
                }
            }
        }
        _ => match o.get("value").and_then(Value::as_str) {
            Some(v) => {
                let hint = match t {
                    "domain-name" => Hint::Domain,
                    "url" => Hint::Url,
                    _ => Hint::Address,
                };
                add(r, hint, v);
            }
            None => r.bad_value(line, t, "the observable has no `value`"),
        },
    }
}

fn hash_algo(name: &str) -> Option<HashAlgo> {
    match name.to_ascii_uppercase().replace(['-', '_'], "").as_str() {
        "MD5" => Some(HashAlgo::Md5),
        "SHA1" => Some(HashAlgo::Sha1),
        "SHA256" => Some(HashAlgo::Sha256),
        _ => None,
    }
}

/// What a pattern stands for, or the construct that cannot be expressed.
fn lower(p: &Pattern) -> Result<Vec<Atom>, String> {
    match p {
        Pattern::Observation(c) => comparison(c),
        Pattern::Join(ObsOp::Or, parts) => {
            let mut out = Vec::new();
            for part in parts {
                out.extend(lower(part)?);
            }
            Ok(out)
        }
        Pattern::Join(ObsOp::And, _) => Err("`AND` across observations".into()),
        Pattern::Join(ObsOp::FollowedBy, _) => {
            Err("`FOLLOWEDBY` (a sequence of observations)".into())
        }
        Pattern::Qualified(_, q) => Err(match q {
            Qualifier::Within(n) => format!("the qualifier `WITHIN {n} SECONDS`"),
            Qualifier::Repeats(n) => format!("the qualifier `REPEATS {n} TIMES`"),
            Qualifier::StartStop(..) => "the qualifier `START ... STOP ...`".into(),
        }),
    }
}

fn comparison(c: &Comparison) -> Result<Vec<Atom>, String> {
    match c {
        Comparison::Test(t) => test(t),
        Comparison::Or(parts) => {
            let mut out = Vec::new();
            for part in parts {
                out.extend(comparison(part)?);
            }
            Ok(out)
        }
        Comparison::And(parts) => {
            let tests: Vec<&Test> = parts
                .iter()
                .filter_map(|p| match p {
                    Comparison::Test(t) => Some(t),
                    _ => None,
                })
                .collect();
            if tests.len() == parts.len() {
                if let Some(port) = port(&tests) {
                    return Ok(vec![port]);
                }
            }
            let mut objects: Vec<&str> = tests.iter().map(|t| t.path.object.as_str()).collect();
            objects.sort_unstable();
            objects.dedup();
            if objects.len() > 1 {
                Err(format!("`AND` across objects ({})", objects.join(", ")))
            } else {
                Err(format!(
                    "`AND` of several conditions on one `{}` object",
                    objects.first().copied().unwrap_or("?")
                ))
            }
        }
    }
}

/// `network-traffic:protocols[*] = 'tcp' AND network-traffic:dst_port = N` (or `>=`/`<=`).
fn port(tests: &[&Test]) -> Option<Atom> {
    let (mut transport, mut first, mut last) = (None, None, None);
    for t in tests {
        if t.path.object != "network-traffic" || t.negated {
            return None;
        }
        let name = match t.path.components.first() {
            Some(Component::Name(n)) => n.as_str(),
            _ => return None,
        };
        match (name, t.op, &t.value, t.path.components.len()) {
            ("protocols", Op::Eq, Literal::String(p), 2)
                if t.path.components[1] == Component::Any =>
            {
                transport = Some(match p.to_ascii_lowercase().as_str() {
                    "tcp" => Transport::Tcp,
                    "udp" => Transport::Udp,
                    _ => return None,
                });
            }
            ("dst_port", op, Literal::Int(n), 1) => {
                let n: u16 = n.parse().ok().filter(|n| *n > 0)?;
                match op {
                    Op::Eq => (first, last) = (Some(n), Some(n)),
                    Op::Ge => first = Some(n),
                    Op::Le => last = Some(n),
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    match (transport, first, last) {
        (Some(t), Some(a), Some(b)) if a <= b => Some(Atom::Port(t, a, b)),
        _ => None,
    }
}

fn test(t: &Test) -> Result<Vec<Atom>, String> {
    if t.negated {
        return Err("`NOT`".into());
    }
    match t.op {
        Op::Matches => return Err("`MATCHES` (a regular expression)".into()),
        Op::Like => return Err("`LIKE` (a wildcard match)".into()),
        Op::IsSuperset => return Err("`ISSUPERSET`".into()),
        Op::Exists => return Err("`EXISTS`".into()),
        Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            return Err(format!("the comparison `{}`", t.op.as_str()))
        }
        Op::Eq | Op::In | Op::IsSubset => {}
    }
    let names: Vec<&str> = t
        .path
        .components
        .iter()
        .map(|c| match c {
            Component::Name(n) => n.as_str(),
            _ => "[]",
        })
        .collect();
    let hint = match (t.path.object.as_str(), names.as_slice()) {
        ("ipv4-addr" | "ipv6-addr", ["value"]) => Hint::Address,
        ("domain-name", ["value"]) => Hint::Domain,
        ("url", ["value"]) => Hint::Url,
        ("file", ["hashes", algo]) => match hash_algo(algo) {
            Some(a) => Hint::Hash(a),
            None => return Err(format!("the file hash `{algo}`")),
        },
        _ => return Err(format!("the object path `{}`", t.path)),
    };
    if t.op == Op::IsSubset && hint != Hint::Address {
        return Err(format!("`ISSUBSET` on `{}`", t.path));
    }
    let strings: Vec<&Literal> = match &t.value {
        Literal::Set(items) => items.iter().collect(),
        v => vec![v],
    };
    strings
        .into_iter()
        .map(|l| match l {
            Literal::String(s) => Ok(Atom::Value(hint, s.clone())),
            _ => Err(format!("a non-string value for `{}`", t.path)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atoms(p: &str) -> Result<Vec<Atom>, String> {
        lower(&parse_pattern(p).unwrap())
    }

    #[test]
    fn what_is_expressed() {
        assert_eq!(
            atoms("[ipv4-addr:value = '203.0.113.7' OR domain-name:value IN ('a.example', 'b.example')]").unwrap().len(),
            3
        );
        assert_eq!(
            atoms(
                "[ipv4-addr:value ISSUBSET '202.114.4.0/24'] OR [url:value = 'http://x.example/']"
            )
            .unwrap()
            .len(),
            2
        );
        assert_eq!(
            atoms("[network-traffic:protocols[*] = 'tcp' AND network-traffic:dst_port >= 515 AND network-traffic:dst_port <= 520]").unwrap(),
            vec![Atom::Port(Transport::Tcp, 515, 520)]
        );
        assert_eq!(
            atoms("[file:hashes.'SHA-256' = 'ab']").unwrap(),
            vec![Atom::Value(Hint::Hash(HashAlgo::Sha256), "ab".into())]
        );
    }

    #[test]
    fn what_is_named_and_refused() {
        for (p, why) in [
            (
                "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'a.example']",
                "AND` across objects",
            ),
            (
                "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']",
                "across observations",
            ),
            (
                "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [url:value = 'http://a/']",
                "FOLLOWEDBY",
            ),
            ("[url:value MATCHES '^http']", "MATCHES"),
            (
                "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",
                "WITHIN 5 SECONDS",
            ),
            ("[ipv4-addr:value = '1.2.3.4'] REPEATS 2 TIMES", "REPEATS"),
            ("[ipv4-addr:value NOT = '1.2.3.4']", "NOT"),
            ("[email-addr:value = 'a@b.example']", "email-addr:value"),
            ("[file:hashes.'SHA-512' = 'ab']", "SHA-512"),
            (
                "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 80]",
                "one `network-traffic` object",
            ),
        ] {
            let e = atoms(p).unwrap_err();
            assert!(e.contains(why), "{p}: {e}");
        }
    }

    #[test]
    fn validity_ends() {
        let d = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        assert_eq!(until("2025-03-02T00:00:00.000Z"), Some(d("2025-03-01")));
        assert_eq!(until("2025-03-02T00:00:00Z"), Some(d("2025-03-01")));
        assert_eq!(until("2025-03-02T12:00:00Z"), Some(d("2025-03-02")));
    }
}
