//! MISP events (core format, draft-dulaunoy-misp-core-format) and MISP feed folders.
//!
//! An event file is `{"Event": {info, date, threat_level_id, analysis, distribution, uuid,
//! Orgc, Tag[], Attribute[], Object[]}}` (or a REST search result, `{"response": [{"Event":
//! ...}]}`); an attribute has `type`, `category`, `value`, `to_ids`, `uuid`, `comment`,
//! `first_seen`, `last_seen`, `deleted` and `Tag[]`; objects hold attributes too. A feed is a
//! folder with `manifest.json` (event uuid -> summary) and one `<uuid>.json` per event, as
//! PyMISP's feed generator writes it.
//!
//! Guarantees: the attribute types with a catalogue kind are imported (`ip-src`, `ip-dst`,
//! `ip-src|port`, `ip-dst|port`, `domain`, `hostname`, `hostname|port`, `domain|ip` (both
//! values), `url`, `md5`, `sha1`, `sha256`, `filename|md5|sha1|sha256`); `link` attributes
//! become references of every entry of the event; other types, deleted attributes and
//! type/category pairs MISP does not define (PyMISP's `describeTypes.json`, which PyMISP itself
//! does not enforce) are `import-skipped` warnings at the attribute's line. `to_ids: true` gives
//! the import's action, `to_ids: false` gives `monitor`; the event's threat level gives the
//! severity; `first_seen` gives `valid-from`.

use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::abusech::json_error;
use super::values::{self, Hint};
use super::{Feed, Lines, Reader};
use crate::diag::{At, Code, Diagnostic};
use crate::model::{Action, Severity};

/// The categories MISP allows for each imported type (PyMISP `describeTypes.json`,
/// `category_type_mappings`).
const NETWORK: &[&str] = &["External analysis", "Network activity", "Payload delivery"];
const FILES: &[&str] = &[
    "Artifacts dropped",
    "External analysis",
    "Payload delivery",
    "Payload installation",
];

/// The hints of a type's values (two for composite types) and its allowed categories.
fn kind(t: &str) -> Option<(&'static [Option<Hint>], &'static [&'static str])> {
    use crate::model::HashAlgo::*;
    const ADDR: &[Option<Hint>] = &[Some(Hint::Address)];
    const ADDR_PORT: &[Option<Hint>] = &[Some(Hint::Address), None];
    const DOMAIN: &[Option<Hint>] = &[Some(Hint::Domain)];
    const DOMAIN_PORT: &[Option<Hint>] = &[Some(Hint::Domain), None];
    const DOMAIN_IP: &[Option<Hint>] = &[Some(Hint::Domain), Some(Hint::Address)];
    const URL: &[Option<Hint>] = &[Some(Hint::Url)];
    const MD5: &[Option<Hint>] = &[Some(Hint::Hash(Md5))];
    const SHA1: &[Option<Hint>] = &[Some(Hint::Hash(Sha1))];
    const SHA256: &[Option<Hint>] = &[Some(Hint::Hash(Sha256))];
    const F_MD5: &[Option<Hint>] = &[None, Some(Hint::Hash(Md5))];
    const F_SHA1: &[Option<Hint>] = &[None, Some(Hint::Hash(Sha1))];
    const F_SHA256: &[Option<Hint>] = &[None, Some(Hint::Hash(Sha256))];
    Some(match t {
        "ip-src" | "ip-dst" => (ADDR, NETWORK),
        "ip-src|port" | "ip-dst|port" => (ADDR_PORT, NETWORK),
        "domain" | "hostname" => (DOMAIN, NETWORK),
        "hostname|port" => (DOMAIN_PORT, &["Network activity", "Payload delivery"]),
        "domain|ip" => (DOMAIN_IP, &["External analysis", "Network activity"]),
        "url" => (URL, NETWORK),
        "md5" => (MD5, FILES),
        "sha1" => (SHA1, FILES),
        "sha256" => (SHA256, FILES),
        "filename|md5" => (F_MD5, FILES),
        "filename|sha1" => (F_SHA1, FILES),
        "filename|sha256" => (F_SHA256, FILES),
        _ => return None,
    })
}

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(rename = "Event", borrow, default)]
    event: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response: Vec<Wrapper<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(default)]
    info: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    threat_level_id: Option<Value>,
    #[serde(rename = "Orgc", default)]
    orgc: Option<Value>,
    #[serde(rename = "Tag", default)]
    tags: Vec<Value>,
    #[serde(rename = "Attribute", borrow, default)]
    attributes: Vec<&'a RawValue>,
    #[serde(rename = "Object", borrow, default)]
    objects: Vec<Object<'a>>,
}

#[derive(Deserialize)]
struct Object<'a> {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "Attribute", borrow, default)]
    attributes: Vec<&'a RawValue>,
}

const SHAPE: &str =
    "a MISP event ({\"Event\": {...}}) or a REST search result ({\"response\": [...]})";

/// Reads one event file.
pub fn read_event_file(r: &mut Reader<'_>, text: &str) {
    let w: Wrapper<'_> = match serde_json::from_str(text) {
        Ok(w) => w,
        Err(e) => return json_error(r, text, &e, SHAPE),
    };
    let events: Vec<&RawValue> = w
        .event
        .into_iter()
        .chain(w.response.iter().filter_map(|x| x.event))
        .collect();
    if events.is_empty() {
        r.fail(
            "the file holds no MISP event".into(),
            &format!("the source should be {SHAPE}"),
            At::File,
        );
    }
    let lines = Lines::new(text);
    for raw in events {
        match serde_json::from_str::<Event<'_>>(raw.get()) {
            Ok(ev) => event(r, &lines, &ev),
            Err(e) => r.fail(
                format!("the event cannot be read: {e}"),
                "check the event against the MISP core format",
                At::Line(lines.of(raw.get())),
            ),
        }
    }
}

fn tag_names(tags: &[Value]) -> Vec<&str> {
    tags.iter()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect()
}

fn event(r: &mut Reader<'_>, lines: &Lines<'_>, ev: &Event<'_>) {
    let tags = tag_names(&ev.tags);
    {
        let m = &mut r.feed.meta;
        if m.title.is_none() {
            m.title = ev.info.clone();
        }
        if m.advisory_id.is_none() {
            m.advisory_id = ev.uuid.as_ref().map(|u| format!("MISP event {u}"));
        }
        if m.publisher.is_none() {
            m.publisher = ev
                .orgc
                .as_ref()
                .and_then(|o| o.get("name"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        for t in tags.iter().filter(|t| t.starts_with("tlp:")) {
            m.tlp = values::stricter(m.tlp, values::tlp(t));
        }
        m.dates.extend(ev.date.as_deref().and_then(values::date));
    }
    let severity = match ev
        .threat_level_id
        .as_ref()
        .map(|v| v.to_string().trim_matches('"').to_owned())
        .as_deref()
    {
        Some("1") => Some(Severity::High),
        Some("2") => Some(Severity::Medium),
        Some("3") => Some(Severity::Low),
        _ => None,
    };
    let all: Vec<(&RawValue, Option<&str>)> = ev
        .attributes
        .iter()
        .map(|a| (*a, None))
        .chain(ev.objects.iter().flat_map(|o| {
            o.attributes
                .iter()
                .map(move |a| (*a, o.name.as_deref().or(Some("object"))))
        }))
        .collect();
    // `link` attributes are the event's sources.
    let mut links = Vec::new();
    for (raw, _) in &all {
        if let Ok(a) = serde_json::from_str::<Value>(raw.get()) {
            if a.get("type").and_then(Value::as_str) == Some("link") {
                links.extend(
                    a.get("value")
                        .and_then(Value::as_str)
                        .and_then(values::reference),
                );
            }
        }
    }
    r.feed.meta.references.extend(links.iter().cloned());
    let start = r.feed.entries.len();
    for (raw, object) in all {
        let line = lines.key(raw.get(), "value");
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(a) => attribute(r, line, &a, object, ev),
            Err(e) => r.bad_value(
                line,
                raw.get(),
                &format!("the attribute cannot be read: {e}"),
            ),
        }
    }
    for e in &mut r.feed.entries[start..] {
        e.severity = e.severity.or(severity);
        e.references.extend(links.iter().cloned());
    }
}

fn attribute(r: &mut Reader<'_>, line: u32, a: &Value, object: Option<&str>, ev: &Event<'_>) {
    let s = |k: &str| a.get(k).and_then(Value::as_str);
    let t = s("type").unwrap_or("");
    let value = s("value").unwrap_or("");
    if t == "link" {
        return;
    }
    if a.get("deleted").and_then(Value::as_bool) == Some(true) {
        r.warn(
            Code::ImportSkipped,
            line,
            format!(
                "the deleted attribute `{}` is left out",
                values::shown(value)
            ),
            "deleted attributes are withdrawn by their producer",
        );
        return;
    }
    let Some((hints, categories)) = kind(t) else {
        r.warn(
            Code::ImportSkipped,
            line,
            format!(
                "`{}` is left out: the MISP type `{}` has no catalogue kind",
                values::shown(value),
                values::shown(t)
            ),
            "iocc imports addresses, domains, URLs and file hashes",
        );
        return;
    };
    let category = s("category").unwrap_or("");
    if !categories.contains(&category) {
        r.warn(
            Code::ImportSkipped,
            line,
            format!(
                "`{}` is left out: MISP defines no type `{t}` in category `{}`",
                values::shown(value),
                values::shown(category)
            ),
            &format!("type `{t}` belongs in one of: {}", categories.join(", ")),
        );
        return;
    }
    let parts: Vec<&str> = if hints.len() == 2 {
        match value.split_once('|') {
            Some((x, y)) => vec![x, y],
            None => {
                r.bad_value(
                    line,
                    value,
                    &format!("a `{t}` value has two parts separated by `|`"),
                );
                return;
            }
        }
    } else {
        vec![value]
    };
    let to_ids = match a.get("to_ids") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => true,
    };
    let uuid = s("uuid").map(str::to_owned);
    let tags = a
        .get("Tag")
        .and_then(Value::as_array)
        .map(|t| tag_names(t).join(", "))
        .filter(|t| !t.is_empty());
    for (hint, part) in hints.iter().zip(parts) {
        let Some(hint) = hint else { continue };
        let Some(e) = r.value(*hint, part, line, uuid.clone()) else {
            continue;
        };
        if !to_ids {
            e.action = Some(Action::Monitor);
        }
        e.valid_from = s("first_seen").and_then(values::date);
        e.name = ev.info.clone();
        let mut facts = vec![format!(
            "MISP {}{t} attribute ({category}){}",
            object.map(|o| format!("{o} object, ")).unwrap_or_default(),
            if to_ids { "" } else { ", not for IDS" }
        )];
        facts.extend(ev.uuid.as_ref().map(|u| format!("event {u}")));
        facts.extend(
            s("comment")
                .filter(|c| !c.trim().is_empty())
                .map(|c| format!("comment: {c}")),
        );
        facts.extend(tags.clone().map(|t| format!("tags: {t}")));
        facts.extend(s("last_seen").map(|l| format!("last seen {l}")));
        e.notes.push(facts.join(", "));
    }
}

/// Reads a MISP feed folder: `manifest.json`, then each event it lists, in uuid order.
pub fn read_feed_folder(dir: &Path) -> (Feed, Vec<Diagnostic>) {
    let manifest = dir.join("manifest.json");
    let mut r = Reader::new(&manifest);
    let text =
        match crate::validate::bulk::read_file(&manifest, crate::validate::bulk::MAX_BULK_BYTES) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(d) => {
                let d = Diagnostic::error(
                    Code::InvalidFeed,
                    format!(
                        "`{}` is not a MISP feed: it has no readable manifest.json",
                        crate::diag::display(dir)
                    ),
                )
                .in_file(dir)
                .help(format!(
                    "a MISP feed folder holds manifest.json and one <uuid>.json per event ({})",
                    d.message
                ));
                return (Feed::default(), vec![d]);
            }
        };
    let uuids: Vec<String> = match serde_json::from_str::<serde_json::Map<String, Value>>(&text) {
        Ok(m) => m.keys().cloned().collect(),
        Err(e) => {
            json_error(
                &mut r,
                &text,
                &e,
                "an object of event uuid -> event summary",
            );
            return r.finish();
        }
    };
    let (mut feed, mut diags) = r.finish();
    for uuid in uuids {
        let safe = !uuid.is_empty() && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        let file = dir.join(format!("{uuid}.json"));
        if !safe {
            diags.push(
                Diagnostic::error(
                    Code::InvalidFeed,
                    format!(
                        "manifest.json names the event `{}`, which is not a uuid",
                        values::shown(&uuid)
                    ),
                )
                .in_file(&manifest)
                .help(
                    "event files are named <uuid>.json; a manifest key may not name another path",
                ),
            );
            continue;
        }
        let text =
            match crate::validate::bulk::read_file(&file, crate::validate::bulk::MAX_BULK_BYTES) {
                Ok(b) => match String::from_utf8(b) {
                    Ok(t) => t,
                    Err(_) => {
                        diags.push(
                            Diagnostic::error(Code::NotUtf8, "the event file is not UTF-8 text")
                                .in_file(&file)
                                .help("MISP event files are UTF-8 JSON"),
                        );
                        continue;
                    }
                },
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
        let mut er = Reader::new(&file);
        read_event_file(&mut er, &text);
        let (f, d) = er.finish();
        diags.extend(d);
        feed.entries.extend(f.entries);
        let m = &mut feed.meta;
        m.publisher = m.publisher.take().or(f.meta.publisher);
        m.title = m.title.take().or(f.meta.title);
        m.tlp = values::stricter(m.tlp, f.meta.tlp);
        m.references.extend(f.meta.references);
        m.dates.extend(f.meta.dates);
    }
    feed.meta.advisory_id = Some(format!(
        "MISP feed {}",
        dir.file_name().map_or_else(
            || crate::diag::display(dir),
            |n| n.to_string_lossy().into_owned()
        )
    ));
    (feed, diags)
}
