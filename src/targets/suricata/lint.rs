//! A Suricata rule parser (nom) and the `iocc lint` checks built on it.
//!
//! Guarantees: a line is accepted only if it is a complete rule: `action proto src sport
//! (->|<>) dst dport (options)` with well-formed address and port expressions, every option
//! `keyword` or `keyword:value` terminated by `;`, quoted values closed with no unescaped `"`
//! or `;` inside (Suricata splits options on every unescaped `;`, even inside quotes), content
//! hex blocks made of whole bytes, and nothing after the closing `)`. Per rule, `msg` (quoted),
//! `sid` and `rev` (positive numbers) are required and appear once; across all files given,
//! each `sid` is unique. Every problem is reported at its line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::{IResult, Parser};

use crate::diag::{At, Code, Diagnostic};

/// One parsed option: keyword, value as written (without quotes), and its 1-based column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOption {
    pub keyword: String,
    pub value: Option<String>,
    pub quoted: bool,
    pub column: usize,
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// 1-based line where the rule starts.
    pub line: usize,
    pub action: String,
    pub proto: String,
    pub src: String,
    pub sport: String,
    pub direction: String,
    pub dst: String,
    pub dport: String,
    pub options: Vec<RuleOption>,
}

impl Rule {
    /// The first value of an option.
    pub fn option(&self, keyword: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.keyword == keyword)
            .and_then(|o| o.value.as_deref())
    }
    pub fn sid(&self) -> Option<u32> {
        self.option("sid").and_then(|s| s.trim().parse().ok())
    }
    pub fn rev(&self) -> Option<u32> {
        self.option("rev").and_then(|s| s.trim().parse().ok())
    }
}

/// A problem in a rule: 1-based line and column, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub code: Code,
    pub message: String,
}

const ACTIONS: &[&str] = &[
    "alert",
    "pass",
    "drop",
    "reject",
    "rejectsrc",
    "rejectdst",
    "rejectboth",
    "config",
];

type Res<'a, T> = IResult<&'a str, T>;

fn ws(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c == ' ' || c == '\t').parse(i)
}

fn ws0(i: &str) -> &str {
    take_while::<_, _, ()>(|c: char| c == ' ' || c == '\t')
        .parse(i)
        .map_or(i, |(r, _)| r)
}

fn word(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).parse(i)
}

/// A header token: a bracketed group (nesting allowed) or a run of non-space characters.
fn token(i: &str) -> Res<'_, &str> {
    if i.starts_with('[') || i.starts_with("![") {
        let mut depth = 0usize;
        for (n, c) in i.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((&i[n + 1..], &i[..n + 1]));
                    }
                }
                _ => {}
            }
        }
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        )));
    }
    take_while1(|c: char| !c.is_whitespace() && c != '(').parse(i)
}

fn split_list(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (n, c) in inner.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..n]);
                start = n + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

fn is_var(s: &str) -> bool {
    s.strip_prefix('$')
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

fn address_ok(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix('!').unwrap_or(s);
    if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        return split_list(inner).into_iter().all(address_ok);
    }
    s == "any"
        || is_var(s)
        || s.parse::<std::net::IpAddr>().is_ok()
        || s.parse::<IpNet>().is_ok()
        || s.split_once('-').is_some_and(|(a, b)| {
            a.parse::<std::net::IpAddr>().is_ok() && b.parse::<std::net::IpAddr>().is_ok()
        })
}

fn port_ok(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix('!').unwrap_or(s);
    if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        return split_list(inner).into_iter().all(port_ok);
    }
    let num = |x: &str| x.parse::<u16>().is_ok();
    s == "any"
        || is_var(s)
        || num(s)
        || s.split_once(':').is_some_and(|(a, b)| {
            (a.is_empty() || num(a)) && (b.is_empty() || num(b)) && !(a.is_empty() && b.is_empty())
        })
}

/// Reads a quoted value starting after the opening quote; returns (rest, value) or the byte
/// offset (in `i`) and message of the problem.
fn quoted(i: &str) -> Result<(&str, &str), (usize, String)> {
    let mut chars = i.char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => {
                return Err((n, "a quoted value ends in a lone `\\`".into()));
            }
            '\\' => {}
            ';' => {
                return Err((
                    n,
                    "unescaped `;` inside a quoted value: Suricata ends the option here; write `\\;` (or `|3b|` in content)"
                        .into(),
                ))
            }
            '"' => {
                let rest = &i[n + 1..];
                if !ws0(rest).starts_with(';') {
                    return Err((n, "unescaped `\"` inside a quoted value (or `;` missing after it); write `\\\"`".into()));
                }
                return Ok((rest, &i[..n]));
            }
            _ => {}
        }
    }
    Err((i.len(), "a quoted value is not closed with `\"`".into()))
}

/// Reads an unquoted value up to the first unescaped `;`.
fn unquoted(i: &str) -> Result<(&str, &str), (usize, String)> {
    let mut chars = i.char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            ';' => return Ok((&i[n..], &i[..n])),
            _ => {}
        }
    }
    Err((i.len(), "option is not terminated with `;`".into()))
}

/// Checks content notation: `|..|` blocks hold whole hex bytes separated by spaces.
fn content_ok(v: &str) -> Result<(), (usize, String)> {
    let mut in_hex = false;
    let mut digits = 0;
    for (n, c) in v.char_indices() {
        if in_hex {
            match c {
                '|' => {
                    if digits % 2 != 0 {
                        return Err((n, "a hex block holds half a byte".into()));
                    }
                    in_hex = false;
                }
                ' ' => {
                    if digits % 2 != 0 {
                        return Err((n, "a hex byte is split by a space".into()));
                    }
                }
                c if c.is_ascii_hexdigit() => digits += 1,
                _ => return Err((n, format!("`{c}` is not a hex digit inside `|..|`"))),
            }
        } else if c == '|' {
            in_hex = true;
            digits = 0;
        }
    }
    if in_hex {
        return Err((v.len(), "a hex block is not closed with `|`".into()));
    }
    Ok(())
}

fn col(line: &str, rest: &str) -> usize {
    line[..line.len() - rest.len()].chars().count() + 1
}

/// Parses one rule line. Errors carry the 1-based column.
pub fn parse_rule(text: &str, line_no: usize) -> Result<Rule, (usize, String)> {
    let at = |rest: &str, msg: &str| (col(text, rest), msg.to_owned());
    let i = ws0(text);
    let (i, action) = word(i).map_err(|_| at(i, "expected a rule action such as `alert`"))?;
    if !ACTIONS.contains(&action) {
        return Err((
            col(text, i) - action.chars().count(),
            format!("`{action}` is not a rule action (alert, pass, drop, reject...)"),
        ));
    }
    let mut fields = Vec::new();
    let mut i = i;
    for what in ["protocol", "source address", "source port"] {
        let (r, _) = ws(i).map_err(|_| at(i, &format!("expected a space before the {what}")))?;
        let (r, t) = token(r).map_err(|_| at(r, &format!("expected the {what}")))?;
        fields.push((t, r));
        i = r;
    }
    let (r, _) = ws(i).map_err(|_| at(i, "expected a space before the direction"))?;
    let (r, direction) = alt((tag("->"), tag("<>")))
        .parse(r)
        .map_err(|_: nom::Err<nom::error::Error<&str>>| at(r, "expected `->` or `<>`"))?;
    i = r;
    for what in ["destination address", "destination port"] {
        let (r, _) = ws(i).map_err(|_| at(i, &format!("expected a space before the {what}")))?;
        let (r, t) = token(r).map_err(|_| at(r, &format!("expected the {what}")))?;
        fields.push((t, r));
        i = r;
    }
    let loc = |t: &str, r: &str| col(text, r) - t.chars().count();
    let (proto, _) = fields[0];
    if !proto
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err((
            loc(fields[0].0, fields[0].1),
            format!("`{proto}` is not a protocol"),
        ));
    }
    for (n, kind) in [(1, "address"), (3, "address")] {
        let (t, r) = fields[n];
        if !address_ok(t) {
            return Err((loc(t, r), format!("`{t}` is not a valid {kind}")));
        }
    }
    for n in [2, 4] {
        let (t, r) = fields[n];
        if !port_ok(t) {
            return Err((loc(t, r), format!("`{t}` is not a valid port")));
        }
    }
    let r = ws0(i);
    let Some(mut r) = r.strip_prefix('(') else {
        return Err(at(r, "expected `(` opening the options"));
    };
    let mut options = Vec::new();
    loop {
        r = ws0(r);
        if let Some(after) = r.strip_prefix(')') {
            let tail = after.trim_end();
            if !tail.is_empty() {
                return Err(at(after, "text after the closing `)`"));
            }
            break;
        }
        if r.is_empty() {
            return Err(at(r, "the options are not closed with `)`"));
        }
        let column = col(text, r);
        let (after_kw, kw) = word(r).map_err(|_| at(r, "expected an option keyword"))?;
        let a = ws0(after_kw);
        let (rest, value, is_quoted) = if let Some(v) = a.strip_prefix(':') {
            let v = ws0(v);
            if let Some(q) = v.strip_prefix('"') {
                let (rest, val) = quoted(q).map_err(|(n, m)| (col(text, &q[n..]), m))?;
                (ws0(rest), Some(val), true)
            } else {
                let (rest, val) = unquoted(v).map_err(|(n, m)| (col(text, &v[n..]), m))?;
                (rest, Some(val.trim_end()), false)
            }
        } else {
            (a, None, false)
        };
        let Some(rest) = rest.strip_prefix(';') else {
            return Err(at(
                rest,
                &format!("option `{kw}` is not terminated with `;`"),
            ));
        };
        if kw == "content" {
            let v = value.unwrap_or("");
            if !is_quoted {
                return Err((column, "`content` needs a quoted value".into()));
            }
            if v.is_empty() {
                return Err((column, "`content` is empty".into()));
            }
            content_ok(v).map_err(|(n, m)| (column + kw.len() + 2 + v[..n].chars().count(), m))?;
        }
        options.push(RuleOption {
            keyword: kw.to_owned(),
            value: value.map(str::to_owned),
            quoted: is_quoted,
            column,
        });
        r = rest;
    }
    Ok(Rule {
        line: line_no,
        action: action.to_owned(),
        proto: proto.to_owned(),
        src: fields[1].0.to_owned(),
        sport: fields[2].0.to_owned(),
        direction: direction.to_owned(),
        dst: fields[3].0.to_owned(),
        dport: fields[4].0.to_owned(),
        options,
    })
}

/// Parses and checks a rules file's text: every rule, with per-rule required options.
/// Lines ending in `\` continue on the next line; blank lines and `#` comments are skipped.
pub fn lint_text(text: &str) -> (Vec<Rule>, Vec<Problem>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let (start, mut joined) = match pending.take() {
            Some((s, mut acc)) => {
                acc.push_str(raw);
                (s, acc)
            }
            None => {
                let t = raw.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                (line_no, raw.to_owned())
            }
        };
        if joined.ends_with('\\') {
            joined.pop();
            pending = Some((start, joined));
            continue;
        }
        match parse_rule(&joined, start) {
            Ok(rule) => {
                check_required(&rule, &mut problems);
                rules.push(rule);
            }
            Err((column, message)) => problems.push(Problem {
                line: start,
                column,
                code: Code::RuleSyntax,
                message,
            }),
        }
    }
    if let Some((start, _)) = pending {
        problems.push(Problem {
            line: start,
            column: 1,
            code: Code::RuleSyntax,
            message: "the file ends inside a continued (`\\`) rule".into(),
        });
    }
    (rules, problems)
}

fn check_required(rule: &Rule, problems: &mut Vec<Problem>) {
    if rule.action == "config" {
        return;
    }
    let mut push = |column: usize, code: Code, message: String| {
        problems.push(Problem {
            line: rule.line,
            column,
            code,
            message,
        })
    };
    for kw in ["msg", "sid", "rev"] {
        let found: Vec<&RuleOption> = rule.options.iter().filter(|o| o.keyword == kw).collect();
        match found.as_slice() {
            [] => push(
                1,
                Code::MissingRuleOption,
                format!("the rule has no `{kw}`"),
            ),
            [o] => {
                let v = o.value.as_deref().unwrap_or("");
                let bad = match kw {
                    "msg" => (!o.quoted || v.is_empty())
                        .then(|| "`msg` needs a non-empty quoted value".to_owned()),
                    _ => (v.trim().parse::<u32>().map_or(true, |n| n == 0))
                        .then(|| format!("`{kw}` must be a positive number, not `{v}`")),
                };
                if let Some(m) = bad {
                    push(o.column, Code::RuleSyntax, m);
                }
            }
            [_, second, ..] => push(
                second.column,
                Code::RuleSyntax,
                format!("`{kw}` appears more than once"),
            ),
        }
    }
}

/// Lints rule files: parses each, checks required options, and SID uniqueness across all.
/// Returns the diagnostics and the number of rules per file.
pub fn lint_files(files: &[PathBuf]) -> (Vec<Diagnostic>, Vec<(PathBuf, usize)>) {
    let mut diags = Vec::new();
    let mut counts = Vec::new();
    let mut seen: BTreeMap<u32, (PathBuf, usize)> = BTreeMap::new();
    for f in files {
        let text = match std::fs::read(f) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    diags.push(
                        Diagnostic::error(Code::NotUtf8, "the rules file is not valid UTF-8")
                            .in_file(f)
                            .help("Suricata rules are ASCII text; re-save the file as UTF-8"),
                    );
                    continue;
                }
            },
            Err(e) => {
                let code = if e.kind() == std::io::ErrorKind::NotFound {
                    Code::FileNotFound
                } else {
                    Code::FileUnreadable
                };
                diags.push(
                    Diagnostic::error(code, format!("cannot read the rules file: {e}"))
                        .in_file(f)
                        .help("name an existing, readable `.rules` file"),
                );
                continue;
            }
        };
        let (rules, problems) = lint_text(&text);
        for p in problems {
            diags.push(problem_diag(f, &p));
        }
        for r in &rules {
            let Some(sid) = r.sid() else { continue };
            let column = r
                .options
                .iter()
                .find(|o| o.keyword == "sid")
                .map_or(1, |o| o.column);
            if let Some((file, line)) = seen.get(&sid) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateSid,
                        format!(
                            "sid {sid} is already used at {}:{line}",
                            crate::diag::display(file)
                        ),
                    )
                    .in_file(f)
                    .at(At::LineColumn {
                        line: r.line,
                        column,
                    })
                    .help("give every rule its own sid (Suricata keeps only one rule per sid)"),
                );
            } else {
                seen.insert(sid, (f.clone(), r.line));
            }
        }
        counts.push((f.clone(), rules.len()));
    }
    (diags, counts)
}

fn problem_diag(file: &Path, p: &Problem) -> Diagnostic {
    let help = match p.code {
        Code::MissingRuleOption => "every rule needs `msg:\"...\"`, `sid:N` and `rev:N`",
        _ => "fix the rule at the marked column; see the Suricata rule syntax (action proto src sport -> dst dport (keyword:value; ...))",
    };
    Diagnostic::error(p.code, p.message.clone())
        .in_file(file)
        .at(At::LineColumn {
            line: p.line,
            column: p.column,
        })
        .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"alert tcp $HOME_NET any -> 202.114.4.119 515:520 (msg:"A \"b\" c\; d"; flow:established,to_server; content:"|0b|MSH|7c|"; depth:5; reference:url,example.com/a; classtype:policy-violation; sid:1000001; rev:2; metadata:created_at 2025_01_30, cve CVE_2025_0683;)"#;

    #[test]
    fn parses_a_rule() {
        let r = parse_rule(GOOD, 1).unwrap();
        assert_eq!(r.proto, "tcp");
        assert_eq!(r.dport, "515:520");
        assert_eq!(r.sid(), Some(1_000_001));
        assert_eq!(r.rev(), Some(2));
        assert_eq!(r.option("msg"), Some(r#"A \"b\" c\; d"#));
        assert_eq!(r.options.len(), 9);
        let (rules, problems) = lint_text(&format!("# c\n\n{GOOD}\n"));
        assert_eq!((rules.len(), problems), (1, vec![]));
    }

    fn err(rule: &str) -> (usize, String) {
        parse_rule(rule, 1).unwrap_err()
    }

    #[test]
    fn reports_columns() {
        let (c, m) = err(r#"alert tcp any any -> any any (msg:"a;b"; sid:1; rev:1;)"#);
        assert_eq!(c, 37, "{m}");
        let (c, m) = err(r#"alert tcp any any -> any any (msg:"a"b"; sid:1; rev:1;)"#);
        assert_eq!(c, 37, "{m}");
        let (c, _) = err(r#"alert tcp any any -> 1.2.3.4/33 any (msg:"a"; sid:1; rev:1;)"#);
        assert_eq!(c, 22);
        let (c, _) = err(r#"alert tcp any any -> any 70000 (msg:"a"; sid:1; rev:1;)"#);
        assert_eq!(c, 26);
        let (c, _) = err(r#"alert tcp any any -> any any (msg:"a"; sid:1; rev:1)"#);
        assert_eq!(c, 53);
        let (_, m) =
            err(r#"alert tcp any any -> any any (msg:"a"; content:"|0b 4|"; sid:1; rev:1;)"#);
        assert!(m.contains("half a byte"), "{m}");
        let (c, _) = err(r#"alert tcp any any -> any any (msg:"a"; sid:1; rev:1;) sid:2;"#);
        assert_eq!(c, 54);
        let (c, _) = err(r#"alrt tcp any any -> any any (msg:"a"; sid:1; rev:1;)"#);
        assert_eq!(c, 1);
    }

    #[test]
    fn required_options_and_duplicates() {
        let (_, p) = lint_text("alert ip any any -> any any (msg:\"a\"; rev:1;)\nalert ip any any -> any any (msg:x; sid:0; sid:2; rev:1;)\n");
        let codes: Vec<(usize, Code)> = p.iter().map(|p| (p.line, p.code)).collect();
        assert_eq!(
            codes,
            vec![
                (1, Code::MissingRuleOption),
                (2, Code::RuleSyntax),
                (2, Code::RuleSyntax)
            ]
        );
    }

    #[test]
    fn continuation_lines_join() {
        let (rules, p) = lint_text("alert ip any any -> any any (msg:\"a\"; \\\n sid:1; rev:1;)\n");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(rules[0].sid(), Some(1));
    }
}
