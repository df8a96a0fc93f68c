//! The Suricata rule grammar: one rule line into a generic [`ParsedRule`].
//!
//! ```text
//! rule      = action SP protocol SP address SP port SP direction SP address SP port
//!             { SP } "(" { { SP } option } { SP } ")" { SP }
//! direction = "->" | "<>"
//! address   = [ "!" ] ( "any" | "$" NAME | ip | ip "/" len | ip "-" ip | "[" address { "," address } "]" )
//! port      = [ "!" ] ( "any" | "$" NAME | n | [ n ] ":" [ n ] | "[" port { "," port } "]" )
//! option    = keyword [ ":" ( '"' quoted '"' | unquoted ) ] ";"
//! ```
//!
//! Guarantees: a line is accepted only if it is a complete rule: a known action, a protocol
//! word, well-formed address and port expressions (read into [`Address`] and [`Port`]), every
//! option `keyword` or `keyword:value` terminated by `;`, quoted values closed with no
//! unescaped `"` or `;` inside (Suricata splits options on every unescaped `;`, even inside
//! quotes), content hex blocks made of whole bytes, and nothing after the closing `)`. Options
//! are kept generic (keyword, value as written, span): which keywords exist and what their
//! values mean is the reader's business (`crate::rules::read`), so the grammar reads any
//! third-party rule. A failure is a [`GrammarError`] at the character where reading stopped.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::{IResult, Parser};

use super::GrammarError;

/// The actions a rule may start with.
pub const ACTIONS: &[&str] = &[
    "alert",
    "pass",
    "drop",
    "reject",
    "rejectsrc",
    "rejectdst",
    "rejectboth",
    "config",
];

/// A byte range of the rule text: `text[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// An address expression of a rule header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    Any,
    /// `$NAME`, without the `$`.
    Var(String),
    /// An address (`/32` or `/128`) or a network.
    Net(IpNet),
    /// `first-last`.
    Range(IpAddr, IpAddr),
    /// `[a,b,...]`.
    List(Vec<Address>),
    /// `!a`.
    Not(Box<Address>),
}

/// A port expression of a rule header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Port {
    Any,
    /// `$NAME`, without the `$`.
    Var(String),
    Single(u16),
    /// `first:last`, either end open (`1024:`, `:1023`), never both.
    Range(Option<u16>, Option<u16>),
    List(Vec<Port>),
    Not(Box<Port>),
}

/// `->` (source to destination) or `<>` (both ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Both,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "->",
            Direction::Both => "<>",
        }
    }
}

/// One option as written: keyword, value (without the quotes, escapes kept) and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOption {
    pub keyword: String,
    pub value: Option<String>,
    pub quoted: bool,
    /// From the keyword to the terminating `;`, inclusive.
    pub span: Span,
    /// 1-based column of the keyword.
    pub column: usize,
}

impl RawOption {
    /// The value with its backslash escapes removed (`\"` → `"`, `\;` → `;`, `\\` → `\`).
    pub fn unescaped(&self) -> Option<String> {
        self.value.as_deref().map(unescape)
    }
}

/// Removes the backslash escapes of an option value.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut escaped = false;
    for c in value.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

/// Where each header field stands in the rule text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeaderSpans {
    pub action: Span,
    pub protocol: Span,
    pub source: Span,
    pub source_port: Span,
    pub direction: Span,
    pub destination: Span,
    pub destination_port: Span,
}

/// One rule, read by the grammar only: header typed, options generic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRule {
    /// 1-based line where the rule starts (as given to [`parse_rule`]).
    pub line: usize,
    pub action: String,
    pub protocol: String,
    pub source: Address,
    pub source_port: Port,
    pub direction: Direction,
    pub destination: Address,
    pub destination_port: Port,
    pub options: Vec<RawOption>,
    pub spans: HeaderSpans,
}

impl ParsedRule {
    /// The first value of an option, as written.
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

fn var(s: &str) -> Option<String> {
    s.strip_prefix('$')
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .map(str::to_owned)
}

/// Reads an address expression (one leading `!` at each level).
pub fn parse_address(s: &str) -> Option<Address> {
    let s = s.trim();
    let (negated, s) = match s.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let a = if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let items: Option<Vec<Address>> =
            split_list(inner).into_iter().map(parse_address).collect();
        Address::List(items?)
    } else if s == "any" {
        Address::Any
    } else if let Some(v) = var(s) {
        Address::Var(v)
    } else if let Ok(ip) = s.parse::<IpAddr>() {
        Address::Net(IpNet::from(ip))
    } else if let Ok(net) = s.parse::<IpNet>() {
        Address::Net(net)
    } else {
        let (a, b) = s.split_once('-')?;
        Address::Range(a.parse().ok()?, b.parse().ok()?)
    };
    Some(if negated {
        Address::Not(Box::new(a))
    } else {
        a
    })
}

/// Reads a port expression (one leading `!` at each level).
pub fn parse_port(s: &str) -> Option<Port> {
    let s = s.trim();
    let (negated, s) = match s.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let num = |x: &str| x.parse::<u16>().ok();
    let p = if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let items: Option<Vec<Port>> = split_list(inner).into_iter().map(parse_port).collect();
        Port::List(items?)
    } else if s == "any" {
        Port::Any
    } else if let Some(v) = var(s) {
        Port::Var(v)
    } else if let Some(n) = num(s) {
        Port::Single(n)
    } else {
        let (a, b) = s.split_once(':')?;
        let first = if a.is_empty() { None } else { Some(num(a)?) };
        let last = if b.is_empty() { None } else { Some(num(b)?) };
        if first.is_none() && last.is_none() {
            return None;
        }
        Port::Range(first, last)
    };
    Some(if negated { Port::Not(Box::new(p)) } else { p })
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    f.write_str("[")?;
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(",")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str("]")
}

/// The expression in rule syntax; a host network is written as its bare address.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Any => f.write_str("any"),
            Address::Var(v) => write!(f, "${v}"),
            Address::Net(n) if n.prefix_len() == n.max_prefix_len() => write!(f, "{}", n.addr()),
            Address::Net(n) => write!(f, "{n}"),
            Address::Range(a, b) => write!(f, "{a}-{b}"),
            Address::List(items) => write_list(f, items),
            Address::Not(a) => write!(f, "!{a}"),
        }
    }
}

/// The expression in rule syntax.
impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Any => f.write_str("any"),
            Port::Var(v) => write!(f, "${v}"),
            Port::Single(p) => write!(f, "{p}"),
            Port::Range(a, b) => {
                if let Some(a) = a {
                    write!(f, "{a}")?;
                }
                f.write_str(":")?;
                if let Some(b) = b {
                    write!(f, "{b}")?;
                }
                Ok(())
            }
            Port::List(items) => write_list(f, items),
            Port::Not(p) => write!(f, "!{p}"),
        }
    }
}

/// A problem at a byte offset of the text being read.
type At = (usize, String);

/// Reads a quoted value starting after the opening quote; returns (rest, value) or the byte
/// offset (in `i`) and message of the problem.
fn quoted(i: &str) -> Result<(&str, &str), At> {
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
fn unquoted(i: &str) -> Result<(&str, &str), At> {
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
fn content_ok(v: &str) -> Result<(), At> {
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

/// Reading position helpers over one rule text.
struct Text<'t>(&'t str);

impl<'t> Text<'t> {
    /// Byte offset of `rest`, a suffix of the text.
    fn pos(&self, rest: &str) -> usize {
        self.0.len() - rest.len()
    }
    /// An error at the start of `rest`.
    fn err(&self, rest: &str, message: impl Into<String>) -> GrammarError {
        GrammarError::at(self.0, rest, message)
    }
    /// An error at a byte offset.
    fn err_at(&self, byte: usize, message: impl Into<String>) -> GrammarError {
        GrammarError::at(self.0, &self.0[byte..], message)
    }
    fn span(&self, start: &str, end: &str) -> Span {
        Span {
            start: self.pos(start),
            end: self.pos(end),
        }
    }
}

/// The seven header fields as written, each with its span.
struct Header<'t> {
    action: (&'t str, Span),
    fields: Vec<(&'t str, Span)>,
    direction: (Direction, Span),
}

fn header<'t>(t: &Text<'t>) -> Result<(Header<'t>, &'t str), GrammarError> {
    let i = ws0(t.0);
    let (r, action) = word(i).map_err(|_| t.err(i, "expected a rule action such as `alert`"))?;
    if !ACTIONS.contains(&action) {
        return Err(t.err(
            i,
            format!("`{action}` is not a rule action (alert, pass, drop, reject...)"),
        ));
    }
    let action = (action, t.span(i, r));
    let mut fields = Vec::new();
    let mut i = r;
    let mut token_after = |i: &'t str, what: &str| -> Result<&'t str, GrammarError> {
        let (r, _) = ws(i).map_err(|_| t.err(i, format!("expected a space before the {what}")))?;
        let (rest, tok) = token(r).map_err(|_| t.err(r, format!("expected the {what}")))?;
        fields.push((tok, t.span(r, rest)));
        Ok(rest)
    };
    for what in ["protocol", "source address", "source port"] {
        i = token_after(i, what)?;
    }
    let (r, _) = ws(i).map_err(|_| t.err(i, "expected a space before the direction"))?;
    let (rest, arrow) = alt((tag("->"), tag("<>")))
        .parse(r)
        .map_err(|_: nom::Err<nom::error::Error<&str>>| t.err(r, "expected `->` or `<>`"))?;
    let direction = if arrow == "->" {
        Direction::Forward
    } else {
        Direction::Both
    };
    let direction = (direction, t.span(r, rest));
    i = rest;
    for what in ["destination address", "destination port"] {
        i = token_after(i, what)?;
    }
    Ok((
        Header {
            action,
            fields,
            direction,
        },
        i,
    ))
}

/// Reads one option starting at `r` (after leading spaces); returns it and the text after
/// its `;`.
fn option<'t>(t: &Text<'t>, r: &'t str) -> Result<(RawOption, &'t str), GrammarError> {
    let column = t.0[..t.pos(r)].chars().count() + 1;
    let (after_kw, kw) = word(r).map_err(|_| t.err(r, "expected an option keyword"))?;
    let a = ws0(after_kw);
    let (rest, value, is_quoted) = if let Some(v) = a.strip_prefix(':') {
        let v = ws0(v);
        if let Some(q) = v.strip_prefix('"') {
            let (rest, val) = quoted(q).map_err(|(n, m)| t.err(&q[n..], m))?;
            (ws0(rest), Some(val), true)
        } else {
            let (rest, val) = unquoted(v).map_err(|(n, m)| t.err(&v[n..], m))?;
            (rest, Some(val.trim_end()), false)
        }
    } else {
        (a, None, false)
    };
    let Some(after) = rest.strip_prefix(';') else {
        return Err(t.err(rest, format!("option `{kw}` is not terminated with `;`")));
    };
    if kw == "content" {
        let v = value.unwrap_or("");
        let start = t.pos(r);
        if !is_quoted {
            return Err(t.err_at(start, "`content` needs a quoted value"));
        }
        if v.is_empty() {
            return Err(t.err_at(start, "`content` is empty"));
        }
        // The column is counted from the keyword as if the value followed `content:"`.
        content_ok(v).map_err(|(n, m)| GrammarError {
            offset: column - 1 + kw.len() + 2 + v[..n].chars().count(),
            message: m,
        })?;
    }
    let option = RawOption {
        keyword: kw.to_owned(),
        value: value.map(str::to_owned),
        quoted: is_quoted,
        span: t.span(r, after),
        column,
    };
    Ok((option, after))
}

fn options<'t>(t: &Text<'t>, i: &'t str) -> Result<Vec<RawOption>, GrammarError> {
    let r = ws0(i);
    let Some(mut r) = r.strip_prefix('(') else {
        return Err(t.err(r, "expected `(` opening the options"));
    };
    let mut out = Vec::new();
    loop {
        r = ws0(r);
        if let Some(after) = r.strip_prefix(')') {
            if !after.trim_end().is_empty() {
                return Err(t.err(after, "text after the closing `)`"));
            }
            return Ok(out);
        }
        if r.is_empty() {
            return Err(t.err(r, "the options are not closed with `)`"));
        }
        let (o, rest) = option(t, r)?;
        out.push(o);
        r = rest;
    }
}

/// Parses one rule line (continuation lines already joined). `line` is recorded in the result.
pub fn parse_rule(text: &str, line: usize) -> Result<ParsedRule, GrammarError> {
    let t = Text(text);
    // A rule is text: a control character (NUL, escape, ...) is part of no option, engines
    // read it differently, and the writer could not give it back. Bytes go in hex content.
    if let Some((at, c)) = text
        .char_indices()
        .find(|(_, c)| c.is_control() && *c != '\t')
    {
        return Err(t.err_at(
            at,
            format!(
                "control character U+{:04X} in the rule; write bytes as hex content (`|00|`)",
                u32::from(c)
            ),
        ));
    }
    let (h, rest) = header(&t)?;
    let [(proto, proto_span), src, sport, dst, dport] = h.fields[..] else {
        return Err(t.err(rest, "expected the rule header"));
    };
    if !proto
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(t.err_at(proto_span.start, format!("`{proto}` is not a protocol")));
    }
    let address = |(tok, span): (&str, Span)| {
        parse_address(tok)
            .ok_or_else(|| t.err_at(span.start, format!("`{tok}` is not a valid address")))
    };
    let port = |(tok, span): (&str, Span)| {
        parse_port(tok).ok_or_else(|| t.err_at(span.start, format!("`{tok}` is not a valid port")))
    };
    let (source, destination) = (address(src)?, address(dst)?);
    let (source_port, destination_port) = (port(sport)?, port(dport)?);
    let options = options(&t, rest)?;
    Ok(ParsedRule {
        line,
        action: h.action.0.to_owned(),
        protocol: proto.to_owned(),
        source,
        source_port,
        direction: h.direction.0,
        destination,
        destination_port,
        options,
        spans: HeaderSpans {
            action: h.action.1,
            protocol: proto_span,
            source: src.1,
            source_port: sport.1,
            direction: h.direction.1,
            destination: dst.1,
            destination_port: dport.1,
        },
    })
}

/// One logical rule of a rules file: its first line and its text with continuations joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    pub line: usize,
    pub text: String,
}

/// Splits a rules file into logical rule lines: blank lines and `#` comments are skipped, a
/// line ending in `\` continues on the next one. `Err` holds the first line of a rule the
/// file ends inside of.
pub fn logical_lines(text: &str) -> (Vec<LogicalLine>, Option<usize>) {
    let mut out = Vec::new();
    let mut pending: Option<LogicalLine> = None;
    for (n, raw) in text.lines().enumerate() {
        let mut current = match pending.take() {
            Some(mut p) => {
                p.text.push_str(raw);
                p
            }
            None => {
                let t = raw.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                LogicalLine {
                    line: n + 1,
                    text: raw.to_owned(),
                }
            }
        };
        if current.text.ends_with('\\') {
            current.text.pop();
            pending = Some(current);
            continue;
        }
        out.push(current);
    }
    (out, pending.map(|p| p.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"alert tcp $HOME_NET any -> 202.114.4.119 515:520 (msg:"A \"b\" c\; d"; flow:established,to_server; content:"|0b|MSH|7c|"; depth:5; reference:url,example.com/a; classtype:policy-violation; sid:1000001; rev:2; metadata:created_at 2025_01_30, cve CVE_2025_0683;)"#;

    #[test]
    fn parses_a_rule() {
        let r = parse_rule(GOOD, 1).unwrap();
        assert_eq!(r.protocol, "tcp");
        assert_eq!(r.source, Address::Var("HOME_NET".into()));
        assert_eq!(r.destination_port, Port::Range(Some(515), Some(520)));
        assert_eq!(r.sid(), Some(1_000_001));
        assert_eq!(r.rev(), Some(2));
        assert_eq!(r.option("msg"), Some(r#"A \"b\" c\; d"#));
        assert_eq!(r.options[0].unescaped().as_deref(), Some(r#"A "b" c; d"#));
        assert_eq!(r.options.len(), 9);
        let s = r.options[1].span;
        assert_eq!(&GOOD[s.start..s.end], "flow:established,to_server;");
        let d = r.spans.destination;
        assert_eq!(&GOOD[d.start..d.end], "202.114.4.119");
    }

    fn err(rule: &str) -> (usize, String) {
        let e = parse_rule(rule, 1).unwrap_err();
        (e.offset + 1, e.message)
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        let (c, m) = err("alert tcp any any -> any any (msg:\"a\u{0}b\"; sid:1; rev:1;)");
        assert_eq!(c, 37, "{m}");
        assert!(m.contains("U+0000"), "{m}");
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
    fn header_expressions_read_and_write_back() {
        for text in [
            "any",
            "$HOME_NET",
            "!$HOME_NET",
            "10.0.0.0/8",
            "2001:db8::1",
            "[10.0.0.0/8,!10.1.0.0/16,[$EXTERNAL_NET,192.0.2.1]]",
            "192.0.2.1-192.0.2.9",
        ] {
            assert_eq!(parse_address(text).unwrap().to_string(), text);
        }
        assert_eq!(
            parse_address("192.0.2.1/32").unwrap().to_string(),
            "192.0.2.1"
        );
        for text in [
            "any",
            "80",
            "1024:",
            ":1023",
            "[80,443,8000:8080]",
            "!$HTTP_PORTS",
        ] {
            assert_eq!(parse_port(text).unwrap().to_string(), text);
        }
        assert!(parse_address("!!any").is_none());
        assert!(parse_port(":").is_none());
        assert!(parse_port("[]").is_none());
    }

    #[test]
    fn continuation_lines_join() {
        let (lines, open) =
            logical_lines("# c\n\nalert ip any any -> any any (msg:\"a\"; \\\n sid:1; rev:1;)\n");
        assert_eq!(open, None);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].line, 3);
        assert!(parse_rule(&lines[0].text, 3).is_ok());
        let (_, open) = logical_lines("alert ip any any -> any any (msg:\"a\"; \\\n");
        assert_eq!(open, Some(1));
    }
}
