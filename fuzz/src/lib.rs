//! The fuzz entry functions of iocc: one per parser, each taking arbitrary bytes and
//! asserting the parser's invariants, not just the absence of a panic.
//!
//! The cargo-fuzz targets under `fuzz_targets/` call these functions (nightly, libFuzzer), and
//! the stable test `tests/it/fuzz_replay.rs` includes this file and runs every committed corpus
//! and regression input through the same functions, so CI replays the corpus on stable.
//!
//! Invariants checked:
//! - catalogue: any bytes load to diagnostics or a catalogue, never a panic; no diagnostic
//!   points outside its file; a loaded catalogue re-serialised to YAML loads to the same model;
//!   every Suricata rule compiled from it passes `iocc lint`'s rule grammar;
//! - bulk: any side file (text or CSV, addresses or domains) gives entries or located errors,
//!   every line number within the file;
//! - grammar: the port and content grammars accept or fail at an offset inside the input;
//!   decoded content re-encoded in iocc's notation decodes to the same bytes;
//! - rule: `iocc lint` reports every problem inside the text; a rule the reader accepts,
//!   written back in Suricata 7 syntax, reads to the same typed rule.

use std::path::{Path, PathBuf};

use iocc::diag::{At, Diagnostic, SourceCache};
use iocc::lint::{lint_text, Options, Seen, Version};
use iocc::load::load_catalogue;
use iocc::model::raw::RawBulkList;
use iocc::model::BulkKind;
use iocc::rules::dialect::{Dialect, Suricata7};

/// The date every fuzzed catalogue is loaded on (validity windows are judged against it).
fn today() -> jiff::civil::Date {
    jiff::civil::date(2025, 6, 1)
}

/// A scratch folder of this process and thread, created once and reused by every input.
fn scratch() -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let dir = std::env::temp_dir().join(format!("iocc-fuzz-{}-{thread}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the fuzz scratch folder");
    dir
}

/// Asserts that a diagnostic's position lies inside the file it names.
fn assert_inside(d: &Diagnostic, cache: &mut SourceCache) {
    let Some(file) = &d.file else { return };
    let Some(text) = cache.text(file).map(str::to_owned) else {
        return;
    };
    let lines = text.split('\n').count();
    match &d.at {
        At::Bytes(r) => assert!(
            r.start <= r.end && r.end <= text.len(),
            "{:?} outside {} bytes: {}",
            r,
            text.len(),
            d.message
        ),
        At::Line(n) => assert!(
            *n >= 1 && (*n as usize) <= lines,
            "line {n} outside {lines} lines: {}",
            d.message
        ),
        At::LineColumn { line, .. } => assert!(
            *line >= 1 && *line <= lines,
            "line {line} outside {lines} lines: {}",
            d.message
        ),
        At::File | At::Yaml { .. } | At::YamlKey { .. } => {}
    }
    if let Some(p) = cache.resolve(file, &d.at) {
        assert!(p.bytes.end <= text.len() && p.line >= 1 && p.line <= lines);
    }
}

/// The model of a catalogue as JSON, without where it was read from.
fn model_json(c: &iocc::model::Catalogue) -> serde_json::Value {
    let mut v = serde_json::to_value(c).expect("a catalogue serialises");
    if let Some(o) = v.as_object_mut() {
        o.remove("source");
    }
    v
}

/// The path of the first place where two JSON values differ, with both sides.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (l, r) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                first_difference(l, r, format!("{at}.{k}"))
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| first_difference(l, r, format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} became {b}")),
    }
}

/// Loads `text` as the catalogue file `name` of `dir`.
fn load(dir: &Path, name: &str, text: &[u8], cache: &mut SourceCache) -> iocc::load::Loaded {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write the fuzzed catalogue");
    load_catalogue(&file, today(), &iocc::targets::names(), cache)
}

/// Catalogue bytes through load, validate, round trip and the Suricata target.
pub fn catalogue(data: &[u8]) {
    let dir = scratch();
    let mut cache = SourceCache::default();
    let loaded = load(&dir, "fuzz.yaml", data, &mut cache);
    for d in &loaded.diagnostics {
        assert_inside(d, &mut cache);
    }
    let Some(first) = loaded.catalogue else {
        return;
    };
    // The raw model written back as YAML loads to the same typed model.
    let text: String = std::fs::read_to_string(dir.join("fuzz.yaml")).expect("read back");
    let raw: iocc::model::raw::RawCatalogue =
        serde_yaml::from_str(&text).expect("a loaded catalogue parses");
    let again = serde_yaml::to_string(&raw).expect("a raw catalogue serialises");
    // The same file name: the model records where each item was read from.
    let reloaded = load(&dir, "fuzz.yaml", again.as_bytes(), &mut cache);
    let second = reloaded.catalogue.unwrap_or_else(|| {
        panic!(
            "re-serialised catalogue no longer loads: {:?}\n{again}",
            reloaded
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        )
    });
    let (before, after) = (model_json(&first), model_json(&second));
    if let Some(at) = first_difference(&before, &after, String::new()) {
        panic!("the re-serialised catalogue loads to another model at {at}\n{again}");
    }
    rules_of(first);
}

/// Compiles the Suricata target of a valid catalogue; every rule file passes the linter.
fn rules_of(c: iocc::model::Catalogue) {
    let Some(suricata) = iocc::targets::by_name("suricata") else {
        return;
    };
    let templates = iocc::targets::templates(None).expect("embedded templates");
    let Ok(compiled) =
        iocc::build::compile(c, &[suricata], &templates, iocc::build::Dest::Memory, 1)
    else {
        return;
    };
    for (path, bytes) in &compiled.tree {
        if !path.ends_with(".rules") {
            continue;
        }
        let text = std::str::from_utf8(bytes).expect("rules are UTF-8");
        for version in [Version::V7, Version::V8] {
            let strict = Options {
                version,
                strict: true,
                ..Options::default()
            };
            let (_, problems) = lint_text(Path::new(path), text, &strict, &mut Seen::new());
            assert!(problems.is_empty(), "{path}: {problems:?}\n{text}");
        }
    }
}

/// A bulk side file: the first byte picks the kind (address, domain) and the format (text,
/// CSV, CSV with a named column); the rest is the file.
pub fn bulk(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let csv = pick & 6 != 0;
    let name = if csv { "list.csv" } else { "list.txt" };
    std::fs::write(dir.join(name), body).expect("write the fuzzed list");
    let raw = RawBulkList {
        id: "fuzz".into(),
        path: name.into(),
        format: None,
        column: (pick & 6 == 4).then(|| "value".into()),
        kind: String::new(),
        role: None,
        description: None,
        confidence: None,
        severity: None,
        action: None,
        direction: None,
        valid_from: None,
        valid_until: None,
        cves: Vec::new(),
        references: Vec::new(),
    };
    let kind = if pick & 1 == 0 {
        BulkKind::Address
    } else {
        BulkKind::Domain
    };
    let lines = body.split(|&b| b == b'\n').count() as u32;
    let mut cache = SourceCache::default();
    match iocc::validate::bulk::load(&dir, &raw, kind, "bulk[0]") {
        Ok(list) => {
            let at = list.networks.iter().map(|(_, l)| l);
            for line in at.chain(list.domains.iter().map(|(_, l)| l)) {
                assert!(
                    line >= 1 && line <= lines,
                    "entry at line {line} of {lines}"
                );
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty());
            for d in &diags {
                assert_inside(d, &mut cache);
            }
        }
    }
}

/// The catalogue's port list and content grammars; the first byte picks which.
pub fn grammar(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let chars = text.chars().count();
    if pick & 1 == 0 {
        match iocc::grammar::ports::parse_ports(text) {
            Ok(ranges) => {
                assert!(!ranges.is_empty());
                assert!(ranges.iter().all(|r| r.first <= r.last), "{ranges:?}");
            }
            Err(e) => assert!(e.offset <= chars, "offset {} of {chars}", e.offset),
        }
        return;
    }
    match iocc::grammar::content::parse_content(text) {
        Ok(bytes) => {
            assert!(!bytes.is_empty());
            let written = iocc::rules::escape::content_hex(&bytes);
            let again = iocc::grammar::content::parse_content(&written);
            assert_eq!(again.as_ref(), Ok(&bytes), "{text:?} -> {written:?}");
        }
        Err(e) => assert!(e.offset <= chars, "offset {} of {chars}", e.offset),
    }
}

/// Rule text through `iocc lint` and the rule reader; read rules round-trip through the
/// Suricata 7 writer.
pub fn rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.split('\n').count();
    for version in [Version::V7, Version::V8] {
        let opts = Options {
            version,
            ..Options::default()
        };
        let (_, problems) = lint_text(Path::new("fuzz.rules"), text, &opts, &mut Seen::new());
        for p in &problems {
            assert!(
                p.line >= 1 && p.line <= lines,
                "line {} of {lines}: {}",
                p.line,
                p.finding.message
            );
            assert!(p.column >= 1, "{p:?}");
        }
    }
    let Ok(read) = iocc::rules::read::read_text(text) else {
        return;
    };
    for (line, r) in read {
        assert!(line >= 1 && line <= lines);
        let Ok(written) = Suricata7.write(&r) else {
            continue;
        };
        let back = iocc::rules::read::read_line(&written)
            .unwrap_or_else(|e| panic!("written rule does not read: {e:?}\n{written}"))
            .expect("a written rule is not blank");
        assert_eq!(back, r, "\n{written}");
    }
}

/// A fuzz entry function: arbitrary bytes in, a panic when an invariant breaks.
pub type Entry = fn(&[u8]);

/// The entry function of each fuzz target, by target name (the folders of `corpus/` and
/// `regressions/`).
pub const TARGETS: &[(&str, Entry)] = &[
    ("catalogue", catalogue),
    ("bulk", bulk),
    ("grammar", grammar),
    ("rule", rule),
];
