//! The Suricata rule grammar: one rule line into a generic [`ParsedRule`].
//!
//! ```text
//! rule      = action SP protocol SP address SP port SP direction SP address SP port
//!             { SP } "(" { { SP } option } { SP } ")" { SP }
//! direction = "->" | "<>" | "=>"
//! address   = [ "!" ] ( "any" | "$" NAME | ip | ip "/" len | ip "/" mask | ip "-" ip
//!             | "[" address { "," address } "]" | address { "," address } )
//! port      = [ "!" ] ( "any" | "$" NAME | n | [ n ] ":" [ n ] | "[" port { "," port } "]" )
//! option    = keyword [ ":" [ "!" ] ( '"' quoted '"' | unquoted ) ] ";"
//! ```
//!
//! Two readers share one tokenizer, which splits a line exactly where Suricata's own parser
//! (`SigParseBasics` and `SigParseOptions` in `src/detect-parse.c`, the same in 7.0 and 8.0)
//! splits it: header fields at spaces outside brackets, options at every `;` not preceded by a
//! `\` (even inside quotes), the keyword before the first `:`, blanks trimmed, any number of
//! `(` before and `)` after the options.
//!
//! - [`scan_rule`] reads any line Suricata can tokenize. What Suricata tolerates but a careful
//!   writer avoids (a missing closing `)`, doubled parentheses) is kept as a [`Note`]; which
//!   actions, protocols and keywords exist, and what their values mean, is the linter's
//!   business (`crate::lint`), so the grammar reads any third-party rule, of either version.
//! - [`parse_rule`] is the strict reading behind iocc's own packs and its rule model: a
//!   classic action (`alert`, `drop`, ...), a plain protocol word (no Suricata 8 hook),
//!   `->` or `<>`, no note, quoted values closed with
//!   no unescaped `"` or `;` inside, content hex blocks made of whole bytes. A failure is a
//!   [`GrammarError`] at the character where reading stopped.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::GrammarError;

/// The actions of iocc's own rules (and of every Suricata version): what [`parse_rule`]
/// accepts. Suricata 8 adds `accept` and action scopes, which [`scan_rule`] reads.
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
    /// `[a,b,...]` (or `a,b` without brackets, which Suricata reads the same way).
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

/// `->` (source to destination), `<>` (both ways) or `=>` (Suricata 8: one transaction,
/// keywords of both directions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Both,
    Transactional,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "->",
            Direction::Both => "<>",
            Direction::Transactional => "=>",
        }
    }
}

/// One option as written: keyword, value (without the quotes, escapes kept) and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOption {
    /// The keyword as written (Suricata compares keywords without regard to case).
    pub keyword: String,
    /// The value with surrounding blanks removed, and its quotes when `quoted`.
    pub value: Option<String>,
    /// The value was written `"..."` (after a `!` when `negated`).
    pub quoted: bool,
    /// The value was written `!"..."` (a negated content, uricontent, pcre...).
    pub negated: bool,
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
    /// The keyword in lower case, as Suricata looks it up.
    pub fn name(&self) -> String {
        self.keyword.to_ascii_lowercase()
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

/// Something Suricata reads without complaint that iocc's own rules never contain: at a
/// byte offset of the rule text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub offset: usize,
    pub message: String,
}

/// One rule, read by the grammar only: header typed, options generic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRule {
    /// 1-based line where the rule starts (as given to [`parse_rule`]).
    pub line: usize,
    /// The action as written: `alert`, or with Suricata 8 `accept`, `drop:flow`...
    pub action: String,
    /// The protocol as written, with its Suricata 8 hook if any (`dns:request_complete`).
    pub protocol: String,
    pub source: Address,
    pub source_port: Port,
    pub direction: Direction,
    pub destination: Address,
    pub destination_port: Port,
    pub options: Vec<RawOption>,
    pub spans: HeaderSpans,
    /// What Suricata tolerates here but a careful writer avoids.
    pub notes: Vec<Note>,
}

impl ParsedRule {
    /// The first value of an option, as written.
    pub fn option(&self, keyword: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.keyword.eq_ignore_ascii_case(keyword))
            .and_then(|o| o.value.as_deref())
    }
    pub fn sid(&self) -> Option<u32> {
        self.option("sid").and_then(|s| s.trim().parse().ok())
    }
    pub fn rev(&self) -> Option<u32> {
        self.option("rev").and_then(|s| s.trim().parse().ok())
    }
    pub fn gid(&self) -> Option<u32> {
        self.option("gid").and_then(|s| s.trim().parse().ok())
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn list_item(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (n, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..n]);
                start = n + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn var(s: &str) -> Option<String> {
    s.strip_prefix('$')
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .map(str::to_owned)
}

/// `a.b.c.d/m.m.m.m` with a netmask that CIDR can express.
fn netmask(s: &str) -> Option<IpNet> {
    let (addr, mask) = s.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let mask = u32::from(mask.parse::<Ipv4Addr>().ok()?);
    let len = mask.leading_ones();
    if mask.checked_shl(len).unwrap_or(0) != 0 {
        return None;
    }
    IpNet::new(IpAddr::V4(addr), len as u8).ok()
}

/// Reads an address expression (one leading `!` at each level; a list with or without
/// brackets).
pub fn parse_address(s: &str) -> Option<Address> {
    let s = s.trim();
    let (negated, s) = match s.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let a = if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let items: Option<Vec<Address>> = list_item(inner).into_iter().map(parse_address).collect();
        Address::List(items?)
    } else if list_item(s).len() > 1 {
        let items: Option<Vec<Address>> = list_item(s).into_iter().map(parse_address).collect();
        Address::List(items?)
    } else if s.eq_ignore_ascii_case("any") {
        Address::Any
    } else if let Some(v) = var(s) {
        Address::Var(v)
    } else if let Ok(ip) = s.parse::<IpAddr>() {
        Address::Net(IpNet::from(ip))
    } else if let Ok(net) = s.parse::<IpNet>() {
        Address::Net(net)
    } else if let Some(net) = netmask(s) {
        Address::Net(net)
    } else {
        let (a, b) = s.split_once('-')?;
        Address::Range(a.trim().parse().ok()?, b.trim().parse().ok()?)
    };
    Some(if negated {
        Address::Not(Box::new(a))
    } else {
        a
    })
}

/// Reads a port expression (one leading `!` at each level; a list with or without
/// brackets, as the engine reads `80,443`).
pub fn parse_port(s: &str) -> Option<Port> {
    let s = s.trim();
    let (negated, s) = match s.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let num = |x: &str| x.trim().parse::<u16>().ok();
    let p = if let Some(inner) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        let items: Option<Vec<Port>> = list_item(inner).into_iter().map(parse_port).collect();
        Port::List(items?)
    } else if list_item(s).len() > 1 {
        let items: Option<Vec<Port>> = list_item(s).into_iter().map(parse_port).collect();
        Port::List(items?)
    } else if s.eq_ignore_ascii_case("any") {
        Port::Any
    } else if let Some(v) = var(s) {
        Port::Var(v)
    } else if let Some(n) = num(s) {
        Port::Single(n)
    } else {
        let (a, b) = s.split_once(':')?;
        let first = if a.trim().is_empty() {
            None
        } else {
            Some(num(a)?)
        };
        let last = if b.trim().is_empty() {
            None
        } else {
            Some(num(b)?)
        };
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

/// The rule text being read, and errors located in it.
struct Text<'t>(&'t str);

impl Text<'_> {
    /// An error at a byte offset.
    fn err_at(&self, byte: usize, message: impl Into<String>) -> GrammarError {
        let byte = byte.min(self.0.len());
        GrammarError::at(self.0, &self.0[byte..], message)
    }
}

/// Suricata's `SigParseToken`: skip blanks, then up to the next space, tab or line end.
fn token(t: &str, from: usize) -> Option<Span> {
    let start = from + t[from..].len() - t[from..].trim_start_matches(is_blank).len();
    let len = t[start..]
        .find([' ', '\t', '\n', '\r'])
        .unwrap_or(t.len() - start);
    (start < t.len()).then_some(Span {
        start,
        end: start + len,
    })
}

/// Suricata's `SigParseList`: skip blanks, then up to the next space outside brackets; `None`
/// when no space follows (Suricata then sees no rule options).
fn list_token(t: &str, from: usize) -> Option<Span> {
    let start = from + t[from..].len() - t[from..].trim_start_matches(is_blank).len();
    let mut depth = 0i32;
    for (n, c) in t[start..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ' ' if depth <= 0 => {
                return Some(Span {
                    start,
                    end: start + n,
                })
            }
            _ => {}
        }
    }
    None
}

/// The seven header fields, each as a span of the text, and where the options start.
fn header_spans(t: &Text<'_>) -> Result<(HeaderSpans, usize), GrammarError> {
    let text = t.0;
    let missing = |at: usize| {
        t.err_at(
            at,
            "the rule header is incomplete: Suricata sees no rule options (expected `action protocol source port -> destination port (options)`)",
        )
    };
    let action = token(text, 0).ok_or_else(|| missing(0))?;
    let mut at = action.end;
    let next_list = |at: &mut usize| -> Result<Span, GrammarError> {
        let s = list_token(text, *at).ok_or_else(|| missing(text.len()))?;
        *at = s.end;
        Ok(s)
    };
    let protocol = next_list(&mut at)?;
    let source = next_list(&mut at)?;
    let source_port = next_list(&mut at)?;
    let direction = token(text, at).ok_or_else(|| missing(text.len()))?;
    at = direction.end;
    let destination = next_list(&mut at)?;
    let destination_port = next_list(&mut at)?;
    let spans = HeaderSpans {
        action,
        protocol,
        source,
        source_port,
        direction,
        destination,
        destination_port,
    };
    Ok((spans, at))
}

/// Reads the option list after the header the way Suricata does; `from` is where the header
/// ends.
fn scan_options(t: &Text<'_>, from: usize) -> Result<(Vec<RawOption>, Vec<Note>), GrammarError> {
    let text = t.0;
    let mut notes = Vec::new();
    let body = &text[from..];
    let lead = body.len()
        - body
            .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
            .len();
    let opens = body[..lead].matches('(').count();
    let start = from + lead;
    let rest = &text[start..];
    let kept = rest.trim_end_matches(|c: char| c.is_whitespace() || c == ')');
    let end = start + kept.len();
    let closes = text[end..].matches(')').count();
    if opens != 1 {
        let what = if opens == 0 {
            "the options do not start with `(`"
        } else {
            "the options start with more than one `(`"
        };
        notes.push(Note {
            offset: start.saturating_sub(1),
            message: format!("{what} (Suricata reads them all the same)"),
        });
    }
    if closes != 1 {
        let what = if closes == 0 {
            "the rule is not closed by `)`"
        } else {
            "the rule ends with more than one `)`"
        };
        notes.push(Note {
            offset: end,
            message: format!("{what} (Suricata reads it all the same)"),
        });
    }
    let mut options = Vec::new();
    let mut at = start;
    while at < end {
        let (option, next) = scan_option(t, at, end)?;
        options.push(option);
        at = next;
    }
    Ok((options, notes))
}

/// Reads one option starting at byte `at` (before its leading blanks): Suricata's
/// `SigParseOptions`. Returns the option and where the next one starts.
fn scan_option(t: &Text<'_>, at: usize, end: usize) -> Result<(RawOption, usize), GrammarError> {
    let text = &t.0[..end];
    let begin = at + text[at..].len() - text[at..].trim_start_matches(is_blank).len();
    let mut semi = None;
    let mut search = begin;
    while let Some(n) = text[search..].find(';') {
        let pos = search + n;
        if pos > begin && text.as_bytes()[pos - 1] == b'\\' {
            search = pos + 1;
        } else {
            semi = Some(pos);
            break;
        }
    }
    let Some(semi) = semi else {
        let kw_end = text[begin..]
            .find([':', ' ', '\t'])
            .map_or(text.len(), |n| begin + n);
        return Err(t.err_at(
            end,
            format!(
                "option `{}` is not terminated with `;` (Suricata: no terminating \";\" found)",
                &text[begin..kw_end]
            ),
        ));
    };
    let whole = &text[begin..semi];
    let (keyword, value) = match whole.split_once(':') {
        Some((k, v)) => (k.trim_end_matches(is_blank), Some(v.trim_matches(is_blank))),
        None => (whole.trim_end_matches(is_blank), None),
    };
    if keyword.is_empty() {
        return Err(t.err_at(
            begin,
            "an empty option: a `;` with no keyword before it (Suricata: unknown rule keyword '')",
        ));
    }
    let (value, quoted, negated) = match value {
        Some(v) => split_quotes(v),
        None => (None, false, false),
    };
    let option = RawOption {
        keyword: keyword.to_owned(),
        value,
        quoted,
        negated,
        span: Span {
            start: begin,
            end: semi + 1,
        },
        column: t.0[..begin].chars().count() + 1,
    };
    Ok((option, semi + 1))
}

/// A value's quotes: `"x"` → (`x`, quoted), `!"x"` → (`x`, quoted, negated), anything else
/// as written.
fn split_quotes(v: &str) -> (Option<String>, bool, bool) {
    let (negated, inner) = match v.strip_prefix('!') {
        Some(rest) if rest.trim_start_matches(is_blank).starts_with('"') => {
            (true, rest.trim_start_matches(is_blank))
        }
        _ => (false, v),
    };
    match inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(q) => (Some(q.to_owned()), true, negated),
        None => (Some(v.to_owned()), false, false),
    }
}

/// Reads one rule line the way Suricata tokenizes it (continuation lines already joined).
/// Fails only where every Suricata version refuses the line before looking at its words:
/// control characters, an incomplete header, an unterminated or empty option, an address or
/// port that does not parse.
pub fn scan_rule(text: &str, line: usize) -> Result<ParsedRule, GrammarError> {
    let t = Text(text);
    if let Some((n, c)) = text
        .char_indices()
        .find(|&(_, c)| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}')
    {
        return Err(t.err_at(
            n,
            format!(
                "control character U+{:04X} in the rule (Suricata: rule contains invalid (control) characters)",
                c as u32
            ),
        ));
    }
    let (spans, rest) = header_spans(&t)?;
    let field = |s: Span| &text[s.start..s.end];
    let direction = match field(spans.direction) {
        "->" => Direction::Forward,
        "<>" => Direction::Both,
        "=>" => Direction::Transactional,
        other => {
            return Err(t.err_at(
                spans.direction.start,
                format!("`{other}` is not a direction: write `->`, `<>` (or, Suricata 8, `=>`)"),
            ))
        }
    };
    let address = |s: Span| {
        parse_address(field(s))
            .ok_or_else(|| t.err_at(s.start, format!("`{}` is not a valid address", field(s))))
    };
    let port = |s: Span| {
        parse_port(field(s))
            .ok_or_else(|| t.err_at(s.start, format!("`{}` is not a valid port", field(s))))
    };
    let (source, destination) = (address(spans.source)?, address(spans.destination)?);
    let (source_port, destination_port) = (port(spans.source_port)?, port(spans.destination_port)?);
    let (options, notes) = scan_options(&t, rest)?;
    Ok(ParsedRule {
        line,
        action: field(spans.action).to_owned(),
        protocol: field(spans.protocol).to_owned(),
        source,
        source_port,
        direction,
        destination,
        destination_port,
        options,
        spans,
        notes,
    })
}

/// Parses one rule line of iocc's own dialect, strictly (see the module documentation).
/// `line` is recorded in the result.
pub fn parse_rule(text: &str, line: usize) -> Result<ParsedRule, GrammarError> {
    let t = Text(text);
    let rule = scan_rule(text, line)?;
    if !ACTIONS.contains(&rule.action.as_str()) {
        return Err(t.err_at(
            rule.spans.action.start,
            format!(
                "`{}` is not a rule action (alert, pass, drop, reject...)",
                rule.action
            ),
        ));
    }
    if rule.direction == Direction::Transactional {
        return Err(t.err_at(rule.spans.direction.start, "expected `->` or `<>`"));
    }
    // A Suricata 8 hook (`dns:request_complete`) or any other character would not survive
    // the rule model, which writes protocols as plain words.
    if !rule
        .protocol
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(t.err_at(
            rule.spans.protocol.start,
            format!(
                "`{}` is not a plain protocol (a `proto:hook` is Suricata 8 only)",
                rule.protocol
            ),
        ));
    }
    for o in &rule.options {
        strict_option(&t, o)?;
    }
    if let Some(note) = rule.notes.first() {
        return Err(t.err_at(note.offset, note.message.clone()));
    }
    Ok(rule)
}

/// The strict checks of one option: quoting, and content notation.
fn strict_option(t: &Text<'_>, o: &RawOption) -> Result<(), GrammarError> {
    if !o
        .keyword
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(t.err_at(
            o.span.start,
            format!("`{}` is not an option keyword", o.keyword),
        ));
    }
    let written = &t.0[o.span.start..o.span.end - 1];
    let Some(colon) = written.find(':') else {
        return Ok(());
    };
    let after = &written[colon + 1..];
    let raw = after.trim_start_matches(is_blank);
    let raw_at = o.span.start + colon + 1 + (after.len() - raw.len());
    // Where the text between the quotes starts.
    let inner_at = raw_at + raw.find('"').map_or(0, |n| n + 1);
    if raw.trim_start_matches('!').trim_start().starts_with('"') && !o.quoted {
        return Err(t.err_at(
            o.span.end - 1,
            "unescaped `;` inside a quoted value (or a quoted value not closed with `\"`): Suricata ends the option here; write `\\;` (or `|3b|` in content)",
        ));
    }
    if o.quoted {
        let v = o.value.as_deref().unwrap_or("");
        let mut chars = v.char_indices();
        while let Some((n, c)) = chars.next() {
            match c {
                '\\' if chars.next().is_none() => {
                    return Err(t.err_at(inner_at + n, "a quoted value ends in a lone `\\`"));
                }
                '"' => {
                    return Err(t.err_at(
                        inner_at + n,
                        "unescaped `\"` inside a quoted value; write `\\\"`",
                    ))
                }
                _ => {}
            }
        }
    }
    if o.keyword == "content" {
        let v = o.value.as_deref().unwrap_or("");
        if !o.quoted {
            return Err(t.err_at(o.span.start, "`content` needs a quoted value"));
        }
        if v.is_empty() {
            return Err(t.err_at(o.span.start, "`content` is empty"));
        }
        content_ok(v).map_err(|(n, m)| t.err_at(inner_at + n, m))?;
    }
    Ok(())
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

/// One logical rule of a rules file: its first line and its text with continuations joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    pub line: usize,
    pub text: String,
}

/// How Suricata's loader reads a rules file (`DetectLoadSigFile`): the rules, the lines it
/// never reads, and the first line of a rule the file ends inside of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleFile {
    pub rules: Vec<LogicalLine>,
    /// Lines that start with a space or a tab and hold something: Suricata skips them.
    pub indented: Vec<usize>,
    pub unfinished: Option<usize>,
}

/// Splits a rules file the way Suricata's loader does: a line starting with `#`, a space, a
/// tab or a line end is skipped; a line ending in `\` (blanks after it allowed) continues on
/// the next one, whatever that one starts with.
pub fn rule_file(text: &str) -> RuleFile {
    let mut out = RuleFile::default();
    let mut pending: Option<LogicalLine> = None;
    for (n, raw) in text.split_inclusive('\n').enumerate() {
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let mut current = match pending.take() {
            Some(mut p) => {
                p.text.push_str(raw);
                p
            }
            None => {
                if raw.is_empty() || raw.starts_with(['#', '\r']) {
                    continue;
                }
                if raw.starts_with([' ', '\t']) {
                    if !raw.trim().is_empty() && !raw.trim_start().starts_with('#') {
                        out.indented.push(n + 1);
                    }
                    continue;
                }
                LogicalLine {
                    line: n + 1,
                    text: raw.to_owned(),
                }
            }
        };
        let trimmed = current.text.trim_end().len();
        if current.text[..trimmed].ends_with('\\') {
            current.text.truncate(trimmed - 1);
            pending = Some(current);
            continue;
        }
        out.rules.push(current);
    }
    if let Some(p) = pending {
        out.unfinished = Some(p.line);
    }
    out
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
        assert_eq!(
            parse_port("80,443:445"),
            Some(Port::List(vec![
                Port::Single(80),
                Port::Range(Some(443), Some(445))
            ]))
        );
        assert_eq!(r.sid(), Some(1_000_001));
        assert_eq!(r.rev(), Some(2));
        assert_eq!(r.option("msg"), Some(r#"A \"b\" c\; d"#));
        assert_eq!(r.options[0].unescaped().as_deref(), Some(r#"A "b" c; d"#));
        assert_eq!(r.options.len(), 9);
        let s = r.options[1].span;
        assert_eq!(&GOOD[s.start..s.end], "flow:established,to_server;");
        let d = r.spans.destination;
        assert_eq!(&GOOD[d.start..d.end], "202.114.4.119");
        assert!(r.notes.is_empty());
    }

    fn err(rule: &str) -> (usize, String) {
        let e = parse_rule(rule, 1).unwrap_err();
        (e.offset + 1, e.message)
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
        let (c, m) = err(r#"alert tcp any any -> any any (msg:"a"; sid:1; rev:1)"#);
        assert_eq!(c, 52, "{m}");
        let (c, m) = err(r#"alert tcp any any -> any any (msg:"a"; sid:1; rev:1;"#);
        assert_eq!(c, 53, "{m}");
        assert!(m.contains("not closed"), "{m}");
        let (_, m) =
            err(r#"alert tcp any any -> any any (msg:"a"; content:"|0b 4|"; sid:1; rev:1;)"#);
        assert!(m.contains("half a byte"), "{m}");
        let (c, m) = err(r#"alert tcp any any -> any any (msg:"a"; sid:1; rev:1;) sid:2;"#);
        assert_eq!(c, 53, "{m}");
        let (c, _) = err(r#"alrt tcp any any -> any any (msg:"a"; sid:1; rev:1;)"#);
        assert_eq!(c, 1);
    }

    #[test]
    fn strict_reading_keeps_what_the_model_writes_back() {
        // Suricata 7 and 8 load these and hand `ba"r` to the keyword as written; a value that
        // starts with `"` must close it (quotes on metadata keyword that doesn't support them).
        let r = parse_rule(
            r#"alert tcp any any -> any any (metadata:foo ba"r; sid:1;)"#,
            1,
        )
        .unwrap();
        assert_eq!(r.options[0].value.as_deref(), Some("foo ba\"r"));
        assert!(!r.options[0].quoted);
        let (c, _) = err(r#"alert tcp any any -> any any (metadata:"foo bar; sid:1;)"#);
        assert_eq!(c, 48);
        let (c, m) = err(r#"alert dns:request_complete any any -> any any (sid:1;)"#);
        assert_eq!(c, 7, "{m}");
    }

    #[test]
    fn scans_what_suricata_reads() {
        let ok = |s: &str| scan_rule(s, 1).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        let r = ok(r#"alert tcp any any -> any any (content:!"a"; content: !"b"; sid:1;)"#);
        assert!(r.options[0].negated && r.options[0].quoted);
        assert_eq!(r.options[1].value.as_deref(), Some("b"));
        let r = ok(r#"alert ip 192.168.0.0/16,10.0.0.0/8 any -> any any (sid:1;)"#);
        assert!(matches!(r.source, Address::List(ref l) if l.len() == 2));
        let r = ok(r#"alert tcp any any -> any any (msg:"x"; sid:1;"#);
        assert_eq!(r.notes.len(), 1);
        let r = ok(r#"drop:flow tcp:flow_start any any => any any (SID:1;)"#);
        assert_eq!(
            (r.action.as_str(), r.protocol.as_str()),
            ("drop:flow", "tcp:flow_start")
        );
        assert_eq!(r.direction, Direction::Transactional);
        assert_eq!(r.sid(), Some(1));
        let r = ok(r#"alert ip 10.0.0.0/255.0.0.0 any -> any any (sid:1;)"#);
        assert_eq!(r.source.to_string(), "10.0.0.0/8");
        assert!(scan_rule("alert tcp any any -> any any", 1).is_err());
        assert!(scan_rule("alert tcp any any -> any any (sid:1;;)", 1).is_err());
        assert!(scan_rule("alert tcp any any -> any any (sid:1; rev:1)", 1).is_err());
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

    #[test]
    fn rule_files_read_like_suricata() {
        let f = rule_file("# c\n  alert ip any any -> any any (sid:1;)\nalert ip any any -> any any (msg:\"a\"; \\  \n sid:2;)\n\talert\n");
        assert_eq!(f.indented, vec![2, 5]);
        assert_eq!(f.rules.len(), 1);
        assert_eq!(f.rules[0].line, 3);
        assert!(scan_rule(&f.rules[0].text, 3).is_ok());
        assert_eq!(
            rule_file("alert ip any any -> any any (sid:1; \\\n").unfinished,
            Some(1)
        );
    }
}
