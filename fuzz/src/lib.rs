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
//!   every Suricata rule compiled from it passes `iocc lint`'s rule grammar, and every STIX
//!   pattern of its STIX bundle passes the STIX patterning grammar;
//! - bulk: any side file (text or CSV, addresses or domains) gives entries or located errors,
//!   every line number within the file;
//! - grammar: the port and content grammars accept or fail at an offset inside the input;
//!   decoded content re-encoded in iocc's notation decodes to the same bytes;
//! - rule: `iocc lint` reports every problem inside the text; a rule the reader accepts,
//!   written back in Suricata 7 syntax, reads to the same typed rule;
//! - pattern: the STIX patterning grammar accepts or fails at an offset inside the input; a
//!   parsed pattern written back parses to the same tree;
//! - zone: the RPZ zone grammar refuses at a line of the file; an accepted record is the one
//!   spelling the DNS target's writer gives its meaning, and the writer's records of an
//!   accepted zone read back to the same triggers and actions.

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

/// Compiles the Suricata and STIX targets of a valid catalogue: every rule file passes the
/// linter, and every STIX pattern of the bundle passes the STIX patterning grammar.
fn rules_of(c: iocc::model::Catalogue) {
    let targets: Vec<_> = ["suricata", "stix"]
        .into_iter()
        .filter_map(iocc::targets::by_name)
        .collect();
    let templates = iocc::targets::templates(None).expect("embedded templates");
    let Ok(compiled) = iocc::build::compile(c, &targets, &templates, iocc::build::Dest::Memory, 1)
    else {
        return;
    };
    for (path, bytes) in &compiled.tree {
        if path.ends_with(".json") && path.contains("stix") {
            stix_patterns_parse(path, bytes);
        }
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

/// Every `pattern` of pattern type `stix` in a STIX bundle parses.
fn stix_patterns_parse(path: &str, bytes: &[u8]) {
    fn walk(path: &str, v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                let stix = o.get("pattern_type").and_then(|t| t.as_str()) == Some("stix");
                if let (true, Some(p)) = (stix, o.get("pattern").and_then(|p| p.as_str())) {
                    if let Err(e) = iocc::grammar::stix_pattern::parse_pattern(p) {
                        panic!("{path}: the written pattern {p:?} does not parse: {e:?}");
                    }
                }
                o.values().for_each(|v| walk(path, v));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(path, v)),
            _ => {}
        }
    }
    let bundle: serde_json::Value = serde_json::from_slice(bytes).expect("a STIX bundle is JSON");
    walk(path, &bundle);
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

/// The STIX patterning grammar `iocc import` reads: any text parses or fails at an offset
/// inside it; a parsed pattern written back (with the fewest parentheses the operators'
/// precedence needs) parses to the same tree.
pub fn pattern(data: &[u8]) {
    use iocc::grammar::stix_pattern::parse_pattern;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tree = match parse_pattern(text) {
        Ok(t) => t,
        Err(e) => {
            let chars = text.chars().count();
            assert!(e.offset <= chars, "offset {} of {chars}", e.offset);
            return;
        }
    };
    let written = stix::pattern(&tree);
    let again = parse_pattern(&written)
        .unwrap_or_else(|e| panic!("{text:?} written as {written:?} does not parse: {e:?}"));
    assert_eq!(again, tree, "{text:?} written as {written:?}");
}

/// A writer of STIX pattern trees, the oracle of the `pattern` target: each construct in the
/// one spelling the grammar's doc gives it.
mod stix {
    use iocc::grammar::stix_pattern::{
        Comparison, Component, Literal, ObjectPath, ObsOp, Op, Pattern, Qualifier,
    };

    /// Binding strength of an observation operator (`AND` binds tightest).
    fn strength(op: ObsOp) -> u8 {
        match op {
            ObsOp::FollowedBy => 0,
            ObsOp::Or => 1,
            ObsOp::And => 2,
        }
    }

    pub fn pattern(p: &Pattern) -> String {
        match p {
            Pattern::Observation(c) => format!("[{}]", comparison(c)),
            Pattern::Join(op, items) => {
                let word = match op {
                    ObsOp::And => " AND ",
                    ObsOp::Or => " OR ",
                    ObsOp::FollowedBy => " FOLLOWEDBY ",
                };
                let parts: Vec<String> = items
                    .iter()
                    .map(|item| match item {
                        // A join as strong as this one or weaker needs its parentheses.
                        Pattern::Join(inner, _) if strength(*inner) <= strength(*op) => {
                            format!("({})", pattern(item))
                        }
                        _ => pattern(item),
                    })
                    .collect();
                parts.join(word)
            }
            Pattern::Qualified(inner, q) => {
                let inner = match **inner {
                    Pattern::Join(..) => format!("({})", pattern(inner)),
                    _ => pattern(inner),
                };
                format!("{inner} {}", qualifier(q))
            }
        }
    }

    fn qualifier(q: &Qualifier) -> String {
        match q {
            Qualifier::Within(n) => format!("WITHIN {n} SECONDS"),
            Qualifier::Repeats(n) => format!("REPEATS {n} TIMES"),
            Qualifier::StartStop(a, b) => format!("START t{} STOP t{}", quoted(a), quoted(b)),
        }
    }

    fn comparison(c: &Comparison) -> String {
        let join = |items: &[Comparison], word: &str, bare: fn(&Comparison) -> bool| {
            let parts: Vec<String> = items
                .iter()
                .map(|item| {
                    if bare(item) {
                        comparison(item)
                    } else {
                        format!("({})", comparison(item))
                    }
                })
                .collect();
            parts.join(word)
        };
        match c {
            Comparison::Test(t) => {
                let not = if t.negated { " NOT" } else { "" };
                match t.op {
                    Op::Exists => format!("EXISTS {}", path(&t.path)),
                    op => format!(
                        "{}{not} {} {}",
                        path(&t.path),
                        op.as_str(),
                        literal(&t.value)
                    ),
                }
            }
            Comparison::And(items) => join(items, " AND ", |c| matches!(c, Comparison::Test(_))),
            Comparison::Or(items) => join(items, " OR ", |c| !matches!(c, Comparison::Or(_))),
        }
    }

    fn is_identifier(s: &str) -> bool {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    fn name(n: &str) -> String {
        if is_identifier(n) {
            n.to_owned()
        } else {
            quoted(n)
        }
    }

    fn path(p: &ObjectPath) -> String {
        let mut out = format!("{}:", p.object);
        for (i, c) in p.components.iter().enumerate() {
            match c {
                Component::Name(n) if i == 0 => out += &name(n),
                Component::Name(n) => out += &format!(".{}", name(n)),
                Component::Index(n) => out += &format!("[{n}]"),
                Component::Any => out += "[*]",
            }
        }
        out
    }

    fn quoted(s: &str) -> String {
        let mut out = String::from("'");
        for c in s.chars() {
            if c == '\\' || c == '\'' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('\'');
        out
    }

    fn literal(l: &Literal) -> String {
        match l {
            Literal::String(s) => quoted(s),
            Literal::Int(n) | Literal::Float(n) => n.clone(),
            Literal::Bool(b) => b.to_string(),
            Literal::Timestamp(s) => format!("t{}", quoted(s)),
            Literal::Hex(s) => format!("h{}", quoted(s)),
            Literal::Binary(s) => format!("b{}", quoted(s)),
            Literal::Set(items) => {
                let parts: Vec<String> = items.iter().map(literal).collect();
                format!("({})", parts.join(", "))
            }
            Literal::None => String::new(),
        }
    }
}

/// The RPZ zone grammar the DNS tests read zones with, against the DNS target's writer:
/// - a refused zone names a line of the file;
/// - in an accepted zone every record is the one spelling the writer gives its meaning (the
///   owner and target written back from the decoded record are the text of its line);
/// - the accepted records written again by the DNS target's record writer read back to the
///   same triggers and actions;
/// - a network taken from the input's bytes, written as a response-IP owner, decodes to the
///   same network.
pub fn zone(data: &[u8]) {
    use iocc::grammar::rpz::parse_zone;
    ip_owner_round_trip(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let zone = match parse_zone(text) {
        Ok(z) => z,
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines.len().max(1), "{e:?}");
            return;
        }
    };
    for r in &zone.records {
        let line = lines.get(r.line - 1).copied().unwrap_or_default();
        let spelled = format!("{} CNAME {}", owner(&r.trigger), target(&r.action));
        assert_eq!(line, spelled, "line {}", r.line);
    }
    rewrite_zone(&zone);
}

/// The owner the DNS target writes for a trigger.
fn owner(t: &iocc::grammar::rpz::Trigger) -> String {
    use iocc::grammar::rpz::Trigger;
    match t {
        Trigger::Ip(net) => iocc::targets::dns::rpz::ip_owner(net),
        Trigger::Name { name, wildcard } => format!("{}{name}", if *wildcard { "*." } else { "" }),
    }
}

/// The action of the catalogue model a read action stands for (`None` for passthru, which
/// the writer spells for exceptions only).
fn model_action(a: &iocc::grammar::rpz::RpzAction) -> Option<iocc::model::RpzAction> {
    use iocc::grammar::rpz::RpzAction as Read;
    use iocc::model::RpzAction as Model;
    Some(match a {
        Read::Nxdomain => Model::Nxdomain,
        Read::Nodata => Model::Nodata,
        Read::Drop => Model::Drop,
        Read::Passthru => return None,
        Read::Redirect(host) => Model::Redirect(host.clone()),
    })
}

/// The CNAME target the DNS target writes for an action.
fn target(a: &iocc::grammar::rpz::RpzAction) -> String {
    match model_action(a) {
        Some(m) => iocc::targets::dns::rpz::target(&m),
        None => iocc::targets::dns::rpz::PASSTHRU.to_owned(),
    }
}

/// Writes the names, exceptions and networks of a read zone with the DNS target's record
/// writer (one action for all, as the writer has) and reads them back.
fn rewrite_zone(zone: &iocc::grammar::rpz::Zone) {
    use iocc::grammar::rpz::{parse_zone, RpzAction, Trigger};
    let action = zone
        .records
        .iter()
        .find_map(|r| model_action(&r.action))
        .unwrap_or(iocc::model::RpzAction::Nxdomain);
    let (mut names, mut exceptions, mut v4, mut v6) = (Vec::new(), Vec::new(), vec![], vec![]);
    for r in &zone.records {
        match &r.trigger {
            Trigger::Name {
                name,
                wildcard: false,
            } if r.action == RpzAction::Passthru => exceptions.push(name.as_str()),
            Trigger::Name {
                name,
                wildcard: false,
            } => names.push(name.as_str()),
            Trigger::Name { .. } => {}
            Trigger::Ip(ipnet::IpNet::V4(n)) => v4.push(*n),
            Trigger::Ip(ipnet::IpNet::V6(n)) => v6.push(*n),
        }
    }
    let body = iocc::targets::dns::rpz::ZoneBody {
        names: &names,
        exceptions: &exceptions,
        v4: &v4,
        v6: &v6,
        action: &action,
    };
    let mut text = format!(
        "$TTL {}\n@ SOA a. b. {} 1 2 3 4\n@ NS a.\n",
        zone.ttl, zone.serial
    );
    let mut records = Vec::new();
    iocc::targets::dns::rpz::write_records(&mut records, &body)
        .unwrap_or_else(|e| panic!("a name the zone grammar accepts is refused: {e}"));
    text.push_str(std::str::from_utf8(&records).expect("records are UTF-8"));
    let again = parse_zone(&text)
        .unwrap_or_else(|e| panic!("the written zone does not read: {e:?}\n{text}"));
    let wrote = |trigger: Trigger, action: RpzAction| (trigger, action);
    let read = |a: &iocc::model::RpzAction| match a {
        iocc::model::RpzAction::Nxdomain => RpzAction::Nxdomain,
        iocc::model::RpzAction::Nodata => RpzAction::Nodata,
        iocc::model::RpzAction::Drop => RpzAction::Drop,
        iocc::model::RpzAction::Redirect(h) => RpzAction::Redirect(h.clone()),
    };
    let mut expected = Vec::new();
    for (list, act) in [(&names, read(&action)), (&exceptions, RpzAction::Passthru)] {
        for n in list.iter() {
            for wildcard in [false, true] {
                let name = (*n).to_owned();
                expected.push(wrote(Trigger::Name { name, wildcard }, act.clone()));
            }
        }
    }
    let nets = v4.iter().map(|n| ipnet::IpNet::V4(*n));
    for n in nets.chain(v6.iter().map(|n| ipnet::IpNet::V6(*n))) {
        expected.push(wrote(Trigger::Ip(n), read(&action)));
    }
    let got: Vec<_> = again
        .records
        .into_iter()
        .map(|r| (r.trigger, r.action))
        .collect();
    assert_eq!(got, expected, "\n{text}");
    assert_eq!((again.ttl, again.serial), (zone.ttl, zone.serial));
}

/// A network made of the input's first bytes (byte 0: family and prefix length, then the
/// address), written as a response-IP owner, decodes to itself.
fn ip_owner_round_trip(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let net = if pick & 0x80 == 0 {
        let Some(octets) = rest.get(..4) else { return };
        let octets: [u8; 4] = octets.try_into().expect("four bytes");
        let len = 1 + (pick & 0x7f) % 32;
        ipnet::IpNet::V4(
            ipnet::Ipv4Net::new(octets.into(), len)
                .expect("a prefix length of 1-32")
                .trunc(),
        )
    } else {
        let Some(octets) = rest.get(..16) else { return };
        let octets: [u8; 16] = octets.try_into().expect("sixteen bytes");
        let len = 1 + (pick & 0x7f) % 128;
        ipnet::IpNet::V6(
            ipnet::Ipv6Net::new(octets.into(), len)
                .expect("a prefix length of 1-128")
                .trunc(),
        )
    };
    let written = iocc::targets::dns::rpz::ip_owner(&net);
    let owner = written.strip_suffix(".rpz-ip").expect("an rpz-ip owner");
    assert_eq!(iocc::grammar::rpz::decode_ip(owner), Ok(net), "{written}");
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
    ("pattern", pattern),
    ("zone", zone),
];
