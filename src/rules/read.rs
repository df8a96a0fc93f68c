//! Reading rules into the typed model: a [`ParsedRule`] of the grammar becomes a [`Rule`].
//!
//! Guarantees: options iocc models are read into their typed form (a content with the
//! modifiers that follow it, flow words, datasets, references, ...); an option it does not
//! model, or a modelled keyword with a value it cannot read (a byte-extract variable as a
//! `within`, an unknown flow word), is kept as [`RuleOption::Other`], as written, so a rule
//! the grammar accepts reads, and writes back with the same options (content in iocc's own
//! hex notation, modifiers in the writer's order). `sid` and `rev` must be
//! numbers: a rule without a readable identity is an error. A value the writer would not
//! write back as read (a non-ASCII or control character outside a content, or one past the
//! writer's bound) is an error at its option: every rule that reads writes back to itself.

use super::dialect::syntax;
use super::model::*;
use crate::grammar::content::parse_content;
use crate::grammar::rule::{logical_lines, parse_rule, ParsedRule, RawOption};

/// An option that cannot be read: its 1-based column and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub column: usize,
    pub message: String,
}

/// Reads a parsed rule into the model.
pub fn read_rule(p: &ParsedRule) -> Result<Rule, ReadError> {
    let action = Action::ALL
        .into_iter()
        .find(|a| a.as_str() == p.action)
        .ok_or_else(|| ReadError {
            column: p.spans.action.start + 1,
            message: format!("`{}` is not a rule action", p.action),
        })?;
    let header = Header {
        action,
        protocol: Protocol::from_word(&p.protocol),
        source: p.source.clone(),
        source_port: p.source_port.clone(),
        direction: p.direction,
        destination: p.destination.clone(),
        destination_port: p.destination_port.clone(),
    };
    let mut options: Vec<RuleOption> = Vec::with_capacity(p.options.len());
    // The content that modifiers attach to: reset by any option that is not a modifier.
    let mut current: Option<usize> = None;
    for raw in &p.options {
        // A content iocc reads is written in hex; any other value (a content it cannot
        // read, which it keeps as written, included) is written through the escaper.
        let hex = raw.keyword == "content"
            && raw.quoted
            && raw
                .value
                .as_deref()
                .is_some_and(|v| parse_content(v).is_ok());
        if let (false, Some(v)) = (hex, raw.unescaped()) {
            written_as_read(raw, &v)?;
        }
        if let Some(at) = current {
            if let RuleOption::Content(c) = &mut options[at] {
                match modify(c, raw) {
                    Modified::Yes => continue,
                    Modified::Kept => {
                        options.push(kept(raw));
                        continue;
                    }
                    Modified::NotAModifier => {}
                }
            }
        }
        let option = read_option(raw)?;
        current = matches!(option, RuleOption::Content(_)).then_some(options.len());
        options.push(option);
    }
    Ok(Rule { header, options })
}

/// Reads one line of a rules file: `Ok(None)` for a blank or comment line.
pub fn read_line(line: &str) -> Result<Option<Rule>, ReadError> {
    let text = line.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let parsed = parse_rule(text, 1).map_err(|e| ReadError {
        column: e.offset + 1,
        message: e.message,
    })?;
    read_rule(&parsed).map(Some)
}

/// Reads every rule of a rules file's text, with the line each starts on.
pub fn read_text(text: &str) -> Result<Vec<(usize, Rule)>, (usize, ReadError)> {
    let (lines, unfinished) = logical_lines(text);
    if let Some(line) = unfinished {
        return Err((
            line,
            ReadError {
                column: 1,
                message: "the text ends inside a continued (`\\`) rule".into(),
            },
        ));
    }
    lines
        .into_iter()
        .map(|l| {
            let parsed = parse_rule(&l.text, l.line).map_err(|e| {
                (
                    l.line,
                    ReadError {
                        column: e.offset + 1,
                        message: e.message,
                    },
                )
            })?;
            read_rule(&parsed)
                .map(|r| (l.line, r))
                .map_err(|e| (l.line, e))
        })
        .collect()
}

/// An option kept as written.
fn kept(raw: &RawOption) -> RuleOption {
    RuleOption::Other {
        keyword: raw.keyword.clone(),
        value: raw.value.clone(),
        quoted: raw.quoted,
    }
}

enum Modified {
    Yes,
    /// A content modifier whose value the model cannot hold: kept as written after it.
    Kept,
    NotAModifier,
}

/// Applies a content modifier to `c`.
fn modify(c: &mut Content, raw: &RawOption) -> Modified {
    let v = raw.value.as_deref().map(str::trim);
    let set_flag = |flag: &mut bool| {
        if v.is_some() || *flag {
            return Modified::Kept;
        }
        *flag = true;
        Modified::Yes
    };
    fn number<T: std::str::FromStr>(slot: &mut Option<T>, v: Option<&str>) -> Modified {
        match v.map(str::parse::<T>) {
            Some(Ok(n)) if slot.is_none() => {
                *slot = Some(n);
                Modified::Yes
            }
            _ => Modified::Kept,
        }
    }
    match raw.keyword.as_str() {
        "offset" => number(&mut c.offset, v),
        "depth" => number(&mut c.depth, v),
        "distance" => number(&mut c.distance, v),
        "within" => number(&mut c.within, v),
        "nocase" => set_flag(&mut c.nocase),
        "startswith" => set_flag(&mut c.startswith),
        "endswith" => set_flag(&mut c.endswith),
        "fast_pattern" => set_flag(&mut c.fast_pattern),
        _ => Modified::NotAModifier,
    }
}

fn number(raw: &RawOption) -> Result<u32, ReadError> {
    let v = raw.value.as_deref().unwrap_or("").trim();
    v.parse().map_err(|_| ReadError {
        column: raw.column,
        message: format!("`{}` must be a number, not `{v}`", raw.keyword),
    })
}

/// Reads one option that is not a content modifier.
/// Refuses a value the writer would not write back as read: iocc writes option values
/// (content aside, which it writes in hex) in ASCII, without control characters, and bounded
/// ([`crate::rules::escape::escape_rules`]), so a rule that reads always writes back to itself.
fn written_as_read(raw: &RawOption, v: &str) -> Result<(), ReadError> {
    if syntax::as_read(v) == v {
        return Ok(());
    }
    let what = match v.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
        Some(c) if c.is_ascii() => format!("the control character U+{:04X}", u32::from(c)),
        Some(c) => format!("the non-ASCII character `{c}`"),
        None => format!("{} bytes", v.len()),
    };
    Err(ReadError {
        column: raw.column,
        message: format!(
            "the value of `{}` holds {what}; iocc writes option values in ASCII, without control characters, at most {} bytes once escaped",
            raw.keyword,
            crate::rules::escape::MAX_VALUE - 3
        ),
    })
}

fn read_option(raw: &RawOption) -> Result<RuleOption, ReadError> {
    let v = raw.unescaped();
    let typed = match (raw.keyword.as_str(), v.as_deref()) {
        ("sid", _) => Some(RuleOption::Sid(number(raw)?)),
        ("rev", _) => Some(RuleOption::Rev(number(raw)?)),
        ("gid", Some(v)) => v.trim().parse().ok().map(RuleOption::Gid),
        ("msg", Some(v)) => Some(RuleOption::Msg(v.to_owned())),
        ("classtype", Some(v)) => Some(RuleOption::Classtype(v.trim().to_owned())),
        ("content", _) if raw.quoted => raw
            .value
            .as_deref()
            .and_then(|v| parse_content(v).ok())
            .map(|bytes| RuleOption::Content(Content::of(bytes))),
        ("flow", Some(v)) => flow(v),
        ("flowbits", Some(v)) => flowbits(v),
        ("rpc", Some(v)) => rpc(v),
        ("dataset", Some(v)) => dataset(v),
        ("iprep", Some(v)) => iprep(v),
        (kw, Some(v)) if FileHashAlgo::ALL.iter().any(|a| a.keyword() == kw) => FileHashAlgo::ALL
            .into_iter()
            .find(|a| a.keyword() == kw)
            .map(|algo| {
                RuleOption::FileHash(FileHash {
                    algo,
                    list: v.trim().to_owned(),
                })
            }),
        ("requires", Some(v)) => requires(v),
        ("reference", Some(v)) => reference(v),
        ("metadata", Some(v)) => metadata(v),
        ("target", Some(v)) => match v.trim() {
            "src_ip" => Some(RuleOption::Target(Side::Source)),
            "dest_ip" => Some(RuleOption::Target(Side::Destination)),
            _ => None,
        },
        (kw, None) => bare(kw),
        _ => None,
    };
    Ok(typed.unwrap_or_else(|| kept(raw)))
}

/// A bare keyword: a sticky buffer or a transform.
fn bare(kw: &str) -> Option<RuleOption> {
    if let Some(b) = Buffer::ALL.into_iter().find(|b| b.as_str() == kw) {
        return Some(RuleOption::Buffer(b));
    }
    Transform::ALL
        .into_iter()
        .find(|t| t.as_str() == kw)
        .map(RuleOption::Transform)
}

/// `requires:` with features and at most one `version >= X` (ranges and `<` are kept as
/// written: the model holds a minimum only).
fn requires(v: &str) -> Option<RuleOption> {
    let mut r = Requires::default();
    for item in v.split(',') {
        let item = item.trim();
        if let Some(name) = item.strip_prefix("feature ") {
            let name = name.trim();
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
            if !plain {
                return None;
            }
            r.features.push(name.to_owned());
        } else if let Some(ver) = item.strip_prefix("version") {
            let ver = ver.trim_start().strip_prefix(">=")?;
            if r.version.is_some() {
                return None;
            }
            r.version = Some(Version::parse(ver)?);
        } else {
            return None;
        }
    }
    (r != Requires::default()).then_some(RuleOption::Requires(r))
}

/// Finds the word among `all` by its written form.
fn word<T: Copy>(all: &[T], text: &str, name: impl Fn(T) -> &'static str) -> Option<T> {
    all.iter().copied().find(|x| name(*x) == text.trim())
}

fn flow(v: &str) -> Option<RuleOption> {
    let flags: Option<Vec<FlowFlag>> = v
        .split(',')
        .map(|w| word(&FlowFlag::ALL, w, FlowFlag::as_str))
        .collect();
    flags.map(RuleOption::Flow)
}

fn flowbits(v: &str) -> Option<RuleOption> {
    let (cmd, name) = match v.split_once(',') {
        Some((c, n)) => (c, Some(n.trim().to_owned())),
        None => (v, None),
    };
    let command = word(&FlowbitsCommand::ALL, cmd, FlowbitsCommand::as_str)?;
    Some(RuleOption::Flowbits(Flowbits { command, name }))
}

fn rpc(v: &str) -> Option<RuleOption> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let [program, version, procedure] = parts[..] else {
        return None;
    };
    let or_any = |s: &str| -> Option<Option<u32>> {
        if s == "*" {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    Some(RuleOption::Rpc(Rpc {
        program: program.parse().ok()?,
        version: or_any(version)?,
        procedure: or_any(procedure)?,
    }))
}

fn dataset(v: &str) -> Option<RuleOption> {
    let mut parts = v.split(',').map(str::trim);
    let command = word(&DatasetCommand::ALL, parts.next()?, DatasetCommand::as_str)?;
    let name = parts.next()?.to_owned();
    let (mut kind, mut load, mut hashsize, mut memcap) = (None, None, None, None);
    for p in parts {
        match p.split_once(' ') {
            Some(("type", t)) if kind.is_none() => {
                kind = Some(word(&DatasetType::ALL, t, DatasetType::as_str)?);
            }
            Some(("load", f)) if load.is_none() => load = Some(f.trim().to_owned()),
            Some(("hashsize", n)) if hashsize.is_none() => hashsize = Some(n.trim().parse().ok()?),
            Some(("memcap", n)) if memcap.is_none() => memcap = Some(size(n.trim())?),
            _ => return None,
        }
    }
    Some(RuleOption::Dataset(Dataset {
        command,
        name,
        kind: kind?,
        load,
        hashsize,
        memcap,
    }))
}

/// A size as Suricata writes it: bytes, or a number with `kb`, `mb` or `gb` (powers of 1024).
fn size(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let (digits, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let scale: u64 = match unit.trim() {
        "" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

fn iprep(v: &str) -> Option<RuleOption> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let [side, category, op, value] = parts[..] else {
        return None;
    };
    Some(RuleOption::Iprep(Iprep {
        side: word(&IprepSide::ALL, side, IprepSide::as_str)?,
        category: category.to_owned(),
        op: word(&IprepOp::ALL, op, IprepOp::as_str)?,
        value: value.parse().ok()?,
    }))
}

fn reference(v: &str) -> Option<RuleOption> {
    let (system, id) = v.split_once(',')?;
    let (system, id) = (system.trim(), id.trim().to_owned());
    Some(RuleOption::Reference(match system {
        "cve" => Reference::Cve(id),
        "url" => Reference::Url(id),
        _ => Reference::Other {
            system: system.to_owned(),
            id,
        },
    }))
}

fn metadata(v: &str) -> Option<RuleOption> {
    let pairs: Option<Vec<(String, String)>> = v
        .split(',')
        .map(|entry| {
            let (k, val) = entry.trim().split_once(' ')?;
            Some((k.to_owned(), val.trim().to_owned()))
        })
        .collect();
    pairs.map(RuleOption::Metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::dialect::{Dialect, Suricata7};

    fn read(line: &str) -> Rule {
        read_line(line).unwrap().unwrap()
    }

    #[test]
    fn reads_sid_rev_msg_and_cves() {
        let r = read(
            r#"alert ip $HOME_NET any -> [202.114.4.0/24] any (msg:"IOCC a \"q\"\; sid:9\; rev:9\;)"; reference:cve,2025-0626; reference:url,example.com/x; classtype:policy-violation; sid:1000001; rev:3; metadata:created_at 2025_01_30;)"#,
        );
        assert_eq!(r.sid(), Some(1_000_001));
        assert_eq!(r.rev(), Some(3));
        assert_eq!(r.gid(), 1);
        assert_eq!(r.msg(), Some(r#"IOCC a "q"; sid:9; rev:9;)"#));
        assert_eq!(r.cve_references().collect::<Vec<_>>(), vec!["2025-0626"]);
    }

    #[test]
    fn contents_take_their_modifiers() {
        let r = read(
            r#"alert udp any any -> any any (msg:"m"; content:"|00 00|a"; offset:4; depth:12; nocase; rpc:100005,3,*; content:"b"; fast_pattern; within:len; sid:1; rev:1;)"#,
        );
        let first = Content {
            offset: Some(4),
            depth: Some(12),
            nocase: true,
            ..Content::of(*b"\0\0a")
        };
        let second = Content {
            fast_pattern: true,
            ..Content::of(*b"b")
        };
        assert_eq!(
            r.options[1..5],
            [
                RuleOption::Content(first),
                RuleOption::Rpc(Rpc {
                    program: 100_005,
                    version: Some(3),
                    procedure: None
                }),
                RuleOption::Content(second),
                RuleOption::Other {
                    keyword: "within".into(),
                    value: Some("len".into()),
                    quoted: false
                },
            ]
        );
    }

    /// Found by fuzzing (`fuzz/regressions/rule/non-ascii-msg`, `carriage-return-in-value`):
    /// values the writer turns into something else are refused where they are, so every rule
    /// that reads writes back to itself; content bytes stay readable in any form.
    #[test]
    fn values_the_writer_cannot_write_are_refused() {
        for (line, column, what) in [
            (
                "alert ip any any -> any any (msg:\u{fffd}; sid:1;)",
                30,
                "non-ASCII",
            ),
            (
                "alert ip any any -> any any (reference:url,a\rb; sid:1;)",
                30,
                "U+000D",
            ),
            (
                "alert ip any any -> any any (flow:to_server\r; sid:1;)",
                30,
                "U+000D",
            ),
            // A content modifier iocc cannot read is kept, and written through the escaper.
            (
                "alert ip any any -> any any (content:\"a\"; depth:1\rx; sid:1;)",
                43,
                "U+000D",
            ),
            // So is a content it cannot read (`||` holds no hex).
            (
                "alert ip any any -> any any (content:\"|0b|\tS||\"; sid:1;)",
                30,
                "U+0009",
            ),
        ] {
            let e = read_line(line).unwrap_err();
            assert_eq!(e.column, column, "{line:?}: {}", e.message);
            assert!(e.message.contains(what), "{}", e.message);
        }
        let long = format!(
            "alert ip any any -> any any (msg:\"{}\"; sid:1;)",
            "a".repeat(1100)
        );
        let e = read_line(&long).unwrap_err();
        assert!(e.message.contains("1100 bytes"), "{}", e.message);
        // Content bytes are written in hex: any of them reads and writes back.
        let r = read("alert ip any any -> any any (content:\"é\"; sid:1;)");
        let written = crate::rules::dialect::Suricata7.write(&r).unwrap();
        assert_eq!(read(&written), r);
    }

    #[test]
    fn comments_blank_and_broken_lines() {
        assert_eq!(read_line("# sid:1;"), Ok(None));
        assert_eq!(read_line("   "), Ok(None));
        assert!(read_line("alert ip any any -> any any (msg:\"x; sid:1;)").is_err());
        let e = read_line("alert ip any any -> any any (sid:abc;)").unwrap_err();
        assert_eq!(e.column, 30);
    }

    #[test]
    fn third_party_rules_write_back_unchanged() {
        for line in [
            r#"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET X"; flow:established,to_server; http.uri; content:"|2f|a"; startswith; pcre:"/x\;y/i"; threshold:type limit, track by_src, count 1, seconds 60; reference:md5,ab; classtype:trojan-activity; sid:2000001; rev:4; metadata:affected_product Any, created_at 2020_01_01;)"#,
            r#"alert ip [10.0.0.0/8,!10.1.0.0/16] any <> any [80,1024:] (msg:"b"; ip.src; dataset:isset,d,type ip,load d.lst; iprep:src,c,>,0; flowbits:noalert; target:dest_ip; sid:1; rev:1;)"#,
        ] {
            assert_eq!(Suricata7.write(&read(line)).unwrap(), line);
        }
    }
}
