//! The Suricata rule syntax every dialect starts from: how each model value is written.
//!
//! Guarantees: free text (messages, names, reference and metadata values, the values of
//! options kept as [`RuleOption::Other`] that are not already well-formed) passes
//! [`escape_rules`]; content bytes pass [`content_hex`]; numbers and enum words are written
//! from typed values. Content modifiers follow their content in one fixed order (`offset`,
//! `depth`, `distance`, `within`, `nocase`, `startswith`, `endswith`, `fast_pattern`).

use std::fmt::Write as _;

use crate::grammar::rule::unescape;
use crate::rules::escape::{content_hex, escape_rules};
use crate::rules::model::{
    Content, Dataset, Flowbits, Header, Iprep, Reference, Requires, Rpc, RuleOption,
};

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // `escape_rules` never refuses.
    let _ = escape_rules(text, &mut out);
    out
}

/// A text value as a reader of the written rule gets it back.
pub fn as_read(text: &str) -> String {
    unescape(&escaped(text))
}

/// Appends `action proto src sport -> dst dport`.
pub fn header(h: &Header, out: &mut String) {
    let proto = h.protocol.as_str();
    // A protocol word from the reader is already a word; anything else is made one.
    let proto: String = proto
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let _ = write!(
        out,
        "{} {proto} {} {} {} {} {}",
        h.action.as_str(),
        h.source,
        h.source_port,
        h.direction.as_str(),
        h.destination,
        h.destination_port
    );
}

/// The keyword an option is written with (the first one, for a content with modifiers).
pub fn keyword(o: &RuleOption) -> &str {
    match o {
        RuleOption::Msg(_) => "msg",
        RuleOption::Flow(_) => "flow",
        RuleOption::Flowbits(_) => "flowbits",
        RuleOption::Buffer(b) => b.as_str(),
        RuleOption::Transform(t) => t.as_str(),
        RuleOption::Content(_) => "content",
        RuleOption::Rpc(_) => "rpc",
        RuleOption::Dataset(_) => "dataset",
        RuleOption::Iprep(_) => "iprep",
        RuleOption::FileHash(f) => f.algo.keyword(),
        RuleOption::Requires(_) => "requires",
        RuleOption::Reference(_) => "reference",
        RuleOption::Classtype(_) => "classtype",
        RuleOption::Gid(_) => "gid",
        RuleOption::Sid(_) => "sid",
        RuleOption::Rev(_) => "rev",
        RuleOption::Metadata(_) => "metadata",
        RuleOption::Target(_) => "target",
        RuleOption::Other { keyword, .. } => keyword,
    }
}

/// Appends the written form of an option: `keyword;` or `keyword:value;` items.
pub fn option(o: &RuleOption, out: &mut Vec<String>) {
    let kw = keyword(o);
    let item = match o {
        RuleOption::Msg(m) => format!("msg:\"{}\";", escaped(m)),
        RuleOption::Flow(flags) => {
            let words: Vec<&str> = flags.iter().map(|f| f.as_str()).collect();
            format!("flow:{};", words.join(","))
        }
        RuleOption::Flowbits(f) => flowbits(f),
        RuleOption::Buffer(_) | RuleOption::Transform(_) => format!("{kw};"),
        RuleOption::Content(c) => return content(c, out),
        RuleOption::Rpc(r) => rpc(r),
        RuleOption::Dataset(d) => dataset(d),
        RuleOption::Iprep(i) => iprep(i),
        RuleOption::FileHash(f) => format!("{kw}:{};", escaped(&f.list)),
        RuleOption::Requires(r) => requires(r),
        RuleOption::Reference(r) => reference(r),
        RuleOption::Classtype(c) => format!("classtype:{};", escaped(c)),
        RuleOption::Gid(n) | RuleOption::Sid(n) | RuleOption::Rev(n) => format!("{kw}:{n};"),
        RuleOption::Metadata(pairs) => {
            let items: Vec<String> = pairs
                .iter()
                .map(|(k, v)| escaped(&format!("{k} {v}")))
                .collect();
            format!("metadata:{};", items.join(", "))
        }
        RuleOption::Target(side) => format!("target:{};", side.as_str()),
        RuleOption::Other {
            keyword,
            value,
            quoted,
        } => other(keyword, value.as_deref(), *quoted),
    };
    out.push(item);
}

/// `requires:feature <name>, version >= <version>;` (features first, as Suricata's
/// documentation writes them).
fn requires(r: &Requires) -> String {
    let mut items: Vec<String> = r
        .features
        .iter()
        .map(|f| format!("feature {}", escaped(f)))
        .collect();
    if let Some(v) = r.version {
        items.push(format!("version >= {v}"));
    }
    format!("requires:{};", items.join(", "))
}

fn flowbits(f: &Flowbits) -> String {
    match &f.name {
        Some(name) => format!("flowbits:{},{};", f.command.as_str(), escaped(name)),
        None => format!("flowbits:{};", f.command.as_str()),
    }
}

fn content(c: &Content, out: &mut Vec<String>) {
    let bang = if c.negated { "!" } else { "" };
    out.push(format!("content:{bang}\"{}\";", content_hex(&c.bytes)));
    let numbers = [
        ("offset", c.offset.map(i64::from)),
        ("depth", c.depth.map(i64::from)),
        ("distance", c.distance.map(i64::from)),
        ("within", c.within.map(i64::from)),
    ];
    for (kw, n) in numbers {
        if let Some(n) = n {
            out.push(format!("{kw}:{n};"));
        }
    }
    let flags = [
        ("nocase", c.nocase),
        ("startswith", c.startswith),
        ("endswith", c.endswith),
        ("fast_pattern", c.fast_pattern),
    ];
    for (kw, on) in flags {
        if on {
            out.push(format!("{kw};"));
        }
    }
}

fn rpc(r: &Rpc) -> String {
    let or_any = |n: Option<u32>| n.map_or("*".to_owned(), |n| n.to_string());
    format!(
        "rpc:{},{},{};",
        r.program,
        or_any(r.version),
        or_any(r.procedure)
    )
}

fn dataset(d: &Dataset) -> String {
    let mut s = format!(
        "dataset:{},{},type {}",
        d.command.as_str(),
        escaped(&d.name),
        d.kind.as_str()
    );
    if let Some(file) = &d.load {
        let _ = write!(s, ",load {}", escaped(file));
    }
    if let Some(n) = d.hashsize {
        let _ = write!(s, ",hashsize {n}");
    }
    if let Some(bytes) = d.memcap {
        let _ = write!(s, ",memcap {}", size(bytes));
    }
    s.push(';');
    s
}

/// A size as Suricata reads it: whole mebibytes as `<n>mb`, anything else in bytes.
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes > 0 && bytes % MIB == 0 {
        format!("{}mb", bytes / MIB)
    } else {
        bytes.to_string()
    }
}

fn iprep(i: &Iprep) -> String {
    format!(
        "iprep:{},{},{},{};",
        i.side.as_str(),
        escaped(&i.category),
        i.op.as_str(),
        i.value
    )
}

fn reference(r: &Reference) -> String {
    let (system, id) = match r {
        Reference::Cve(n) => ("cve", n.as_str()),
        Reference::Url(u) => ("url", u.as_str()),
        Reference::Other { system, id } => (system.as_str(), id.as_str()),
    };
    format!("reference:{},{};", escaped(system), escaped(id))
}

/// Whether a value kept as written is still well-formed: no control character, every `;`
/// escaped, and in a quoted value every `"` escaped. Suricata hands an unquoted value to its
/// keyword as written, a `"` inside it included (`metadata:key va"lue;` loads in 7 and 8), so
/// escaping that `"` would change the value; only a leading `"` makes it read as quoted.
fn well_formed(value: &str, quoted: bool) -> bool {
    if !quoted && value.starts_with('"') {
        return false;
    }
    let mut escaped = false;
    for c in value.chars() {
        let bare_quote = quoted && c == '"';
        if c.is_control() || (!escaped && (c == ';' || bare_quote)) {
            return false;
        }
        escaped = !escaped && c == '\\';
    }
    !escaped
}

fn other(keyword: &str, value: Option<&str>, quoted: bool) -> String {
    let kw: String = keyword
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect();
    let Some(v) = value else {
        return format!("{kw};");
    };
    let v = if well_formed(v, quoted) {
        v.to_owned()
    } else {
        escaped(v)
    };
    if quoted {
        format!("{kw}:\"{v}\";")
    } else {
        format!("{kw}:{v};")
    }
}
