//! The load-time checks that relate options to each other (the same in Suricata 7.0.10 and
//! 8.0.6 unless said): content modifiers and the content they apply to, `fast_pattern`,
//! content against `dsize`, `bsize` and `urilen`. `tests/lint/SURICATA-CHECKS.md` gives each
//! check's engine message and source line.
//!
//! Guarantees: a modifier applies to the last `content` before it, as in the engine; a
//! value written as a `byte_extract`/`byte_math` variable is never compared with a length;
//! when a length cannot be known, nothing is reported.

use crate::diag::Code;
use crate::grammar::rule::{ParsedRule, RawOption};

use super::finding::Findings;
use super::{Ctx, Version};

/// Content modifiers that take a position and are checked once per content.
const POSITION: &[&str] = &["depth", "offset", "distance", "within"];
/// Modifiers that need a content before them (besides the positions).
const NEEDS_CONTENT: &[&str] = &[
    "nocase",
    "fast_pattern",
    "rawbytes",
    "startswith",
    "endswith",
];
/// `DETECT_CONTENT_VALUE_MAX`: the bound of `distance` and `within`.
const RELATIVE_MAX: i64 = 1024 * 1024;

/// One `content` (or `uricontent`) and what has been said about it so far.
#[derive(Debug, Default)]
struct Content {
    len: usize,
    negated: bool,
    /// The sticky buffer (or content modifier) it matches in; `None` for the payload.
    buffer: Option<String>,
    seen: Vec<String>,
    distance: Option<i64>,
    within: Option<i64>,
    offset: Option<i64>,
    /// Some position was a variable: no length check is possible.
    variable: bool,
    fast_pattern: Option<String>,
}

impl Content {
    fn relative(&self) -> bool {
        self.has("distance") || self.has("within")
    }
    fn absolute(&self) -> bool {
        self.has("depth") || self.has("offset") || self.has("startswith")
    }
    fn has(&self, m: &str) -> bool {
        self.seen.iter().any(|s| s == m)
    }
}

#[derive(Debug, Default)]
struct Walk {
    contents: Vec<Content>,
    buffer: Option<String>,
    vars: Vec<String>,
    dsize: Option<(usize, u64)>,
    bsize: Vec<(usize, Option<String>, u64)>,
    urilen: Option<(usize, u64)>,
    base64: bool,
}

pub fn check(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    let mut w = Walk::default();
    for o in &r.options {
        step(c, &mut w, o, f);
    }
    sizes(&w, f);
}

fn step(c: &Ctx<'_>, w: &mut Walk, o: &RawOption, f: &mut Findings) {
    let name = o.name();
    let v = o.value.as_deref().unwrap_or("").trim();
    match name.as_str() {
        "content" | "uricontent" => content(w, o, &name, f),
        "pkt_data" => w.buffer = None,
        "base64_data" => {
            w.base64 = true;
            w.buffer = Some(name.clone());
        }
        "byte_extract" => w
            .vars
            .extend(v.split(',').nth(2).map(|s| s.trim().to_owned())),
        "byte_math" => w.vars.extend(
            v.split(',')
                .filter_map(|p| p.trim().strip_prefix("result"))
                .map(|s| s.trim().to_owned()),
        ),
        "dsize" => {
            if let Some(Some(n)) = size_bound(v) {
                w.dsize.get_or_insert((o.span.start, n));
            }
        }
        "bsize" => bsize(w, o, v),
        "isdataat" => isdataat(w, o, v, f),
        "urilen" => {
            if let Some(Some(n)) = size_bound(v) {
                w.urilen = Some((o.span.start, n));
            }
        }
        n if POSITION.contains(&n) || NEEDS_CONTENT.contains(&n) => modifier(c, w, o, n, v, f),
        _ => match c.t.keyword(&name) {
            Some(k) if is_buffer(k) => {
                w.buffer = Some(canonical(&k.name));
                w.base64 = false;
            }
            Some(k) if k.content_modifier => match w.contents.last_mut() {
                Some(last) => last.buffer = Some(canonical(&k.name)),
                None => without_content(o, f),
            },
            _ => {}
        },
    }
}

/// A keyword that selects a buffer: flagged as a sticky buffer by the engine, or (the
/// listing does not flag them all: `file.data`, `sip.method`...) a dotted or `_data`
/// keyword that takes no value and modifies no content.
fn is_buffer(k: &super::tables::Keyword) -> bool {
    k.sticky_buffer
        || (k.value == super::tables::Value::None
            && !k.content_modifier
            && (k.name.contains('.') || k.name.ends_with("_data")))
}

/// The buffer name for uri comparisons (`http_uri` and `http.uri` are one buffer).
fn canonical(name: &str) -> String {
    match name {
        "http_uri" | "http.uri" | "uricontent" => "http.uri".into(),
        other => other.into(),
    }
}

fn content(w: &mut Walk, o: &RawOption, name: &str, f: &mut Findings) {
    let Some(len) = content_len(o, f) else {
        return;
    };
    let buffer = if name == "uricontent" {
        Some("http.uri".into())
    } else {
        w.buffer.clone()
    };
    w.contents.push(Content {
        len,
        negated: o.negated,
        buffer,
        ..Content::default()
    });
}

/// The length in bytes of a content value, or `None` (reported) when the engine refuses it.
fn content_len(o: &RawOption, f: &mut Findings) -> Option<usize> {
    let v = o.value.as_deref().unwrap_or("");
    let bad = |f: &mut Findings, m: String, help: &str| {
        f.error(o.span.start, Code::OptionValue, m, help);
        None
    };
    if v.is_empty() {
        return bad(
            f,
            format!("`{}` is empty", o.keyword),
            "give the bytes to match",
        );
    }
    let (mut len, mut hex, mut digits, mut escaped) = (0usize, false, 0usize, false);
    for ch in v.chars() {
        if escaped {
            escaped = false;
            len += 1;
            continue;
        }
        match ch {
            '\\' if !hex => escaped = true,
            '"' if !hex => {
                return bad(
                    f,
                    "an unescaped `\"` inside the content (invalid unescaped double quote)".into(),
                    "write `\\\"` or `|22|`",
                )
            }
            '|' => {
                if hex && digits % 2 == 1 {
                    return bad(
                        f,
                        "a hex block with an odd number of digits (incomplete hex code)".into(),
                        "write every byte as two hex digits, e.g. `|0a 0d|`",
                    );
                }
                len += digits / 2;
                digits = 0;
                hex = !hex;
            }
            c if hex && c.is_ascii_hexdigit() => digits += 1,
            ' ' if hex => {}
            c if hex => {
                return bad(
                    f,
                    format!("`{c}` in a hex block (invalid hex code)"),
                    "a `|...|` block holds hex digits and spaces only",
                )
            }
            _ => len += 1,
        }
    }
    Some(len + digits / 2)
}

fn without_content(o: &RawOption, f: &mut Findings) {
    f.error(
        o.span.start,
        Code::ModifierWithoutContent,
        format!(
            "`{}` modifies a content, but no `content` comes before it (needs preceding content)",
            o.keyword
        ),
        "put the modifier after the `content` it applies to",
    );
}

fn modifier(c: &Ctx<'_>, w: &mut Walk, o: &RawOption, name: &str, v: &str, f: &mut Findings) {
    let vars = w.vars.clone();
    let base64 = w.base64 && w.buffer.as_deref() == Some("base64_data");
    let only_before = w.contents.len() >= 2
        && w.contents[w.contents.len() - 2].fast_pattern.as_deref() == Some("only");
    let Some(last) = w.contents.last_mut() else {
        return without_content(o, f);
    };
    let at = o.span.start;
    if last.has(name) {
        f.error(
            at,
            Code::DuplicateModifier,
            format!("`{name}` appears twice on one content (can't use multiple {name}s for the same content)"),
            &format!("keep one `{name}` per content"),
        );
        return;
    }
    last.seen.push(name.to_owned());
    if POSITION.contains(&name) {
        position(last, o, name, v, &vars, f);
        if matches!(name, "distance" | "within") && only_before {
            f.error(
                at,
                Code::FastPatternConflict,
                format!("`{name}` on the content after a `fast_pattern:only` one (can't have relative keywords around a fast_pattern only content)"),
                "drop `only` from the previous content's fast_pattern",
            );
        }
    }
    if (last.relative() && last.absolute())
        && matches!(
            name,
            "depth" | "offset" | "distance" | "within" | "startswith"
        )
    {
        f.error(
            at,
            Code::ModifierConflict,
            "one content has both a relative (distance/within) and an absolute (depth/offset/startswith) modifier (can't use a relative keyword like within/distance with a absolute relative keyword like depth/offset for the same content)",
            "keep either distance/within or depth/offset on one content; to anchor two contents, put the absolute modifiers on the first",
        );
    }
    if name == "fast_pattern" {
        fast_pattern(c.v, last, o, v, base64, f);
    } else if last.fast_pattern.as_deref() == Some("only") && POSITION.contains(&name) {
        f.error(
            at,
            Code::FastPatternConflict,
            format!("`{name}` on a `fast_pattern:only` content (fast_pattern: only cannot be used with positional modifiers)"),
            "drop `only` from fast_pattern, or the positional modifier",
        );
    }
}

/// The value of depth/offset/distance/within: a number in range or a known variable.
fn position(
    last: &mut Content,
    o: &RawOption,
    name: &str,
    v: &str,
    vars: &[String],
    f: &mut Findings,
) {
    let at = o.span.start;
    let Ok(n) = v.parse::<i64>() else {
        if vars.iter().any(|x| x == v) {
            last.variable = true;
        } else {
            f.error(
                at,
                Code::NumberOutOfRange,
                format!("`{name}:{v}` is neither a number nor a byte_extract/byte_math variable defined before it (invalid value for {name})"),
                &format!("write `{name}:N;`, or define the variable earlier with byte_extract"),
            );
        }
        return;
    };
    let (lo, hi) = if matches!(name, "depth" | "offset") {
        (0, 65535)
    } else {
        (-RELATIVE_MAX, RELATIVE_MAX)
    };
    if n < lo || n > hi {
        return f.error(
            at,
            Code::NumberOutOfRange,
            format!("`{name}:{n}` is outside {lo}..{hi} (invalid value for {name})"),
            &format!("write `{name}` between {lo} and {hi}"),
        );
    }
    match name {
        "depth" | "within" if n < last.len as i64 => f.error(
            at,
            Code::ContentExceedsSize,
            format!(
                "`{name}:{n}` is smaller than its content of {} bytes: the rule can never match",
                last.len
            ),
            &format!("make `{name}` at least the content's length"),
        ),
        "distance" => last.distance = Some(n),
        "within" => last.within = Some(n),
        "offset" => last.offset = Some(n),
        _ => {}
    }
}

fn fast_pattern(
    v: Version,
    last: &mut Content,
    o: &RawOption,
    value: &str,
    b64: bool,
    f: &mut Findings,
) {
    let at = o.span.start;
    let kind = value.trim().to_ascii_lowercase();
    let positional = POSITION.iter().any(|m| last.has(m));
    let conflict = |f: &mut Findings, m: &str| {
        f.error(
            at,
            Code::FastPatternConflict,
            m.to_owned(),
            "choose another content for fast_pattern, or drop the conflicting modifier",
        )
    };
    if b64 && v == Version::V8 {
        conflict(
            f,
            "`fast_pattern` on a content inside `base64_data` (Suricata 8 refuses it)",
        );
    } else if kind == "only" && (last.negated || positional) {
        conflict(
            f,
            "`fast_pattern:only` on a negated content or one with depth/offset/distance/within",
        );
    } else if last.negated && positional {
        conflict(
            f,
            "`fast_pattern` on a negated content with depth/offset/distance/within",
        );
    } else if let Some((o_, l_)) = kind.split_once(',') {
        if let (Ok(a), Ok(b)) = (o_.trim().parse::<usize>(), l_.trim().parse::<usize>()) {
            if a + b > last.len {
                conflict(
                    f,
                    &format!(
                        "`fast_pattern:{a},{b}` reaches past the content's {} bytes",
                        last.len
                    ),
                );
            }
        }
    }
    last.fast_pattern = Some(kind);
}

/// `isdataat`'s position (`DetectIsdataatParse`): a name starting with a letter is a
/// byte_extract/byte_math variable, which must be defined before it; anything else must be
/// a whole number up to 65535 (`StringParseUint16`: no `31+var` arithmetic).
fn isdataat(w: &Walk, o: &RawOption, v: &str, f: &mut Findings) {
    let v = v.trim_start();
    let v = v.strip_prefix('!').unwrap_or(v);
    let pos = v
        .split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .unwrap_or("");
    let Some(first) = pos.chars().next() else {
        return;
    };
    let at = o.span.start;
    if first.is_ascii_alphabetic() {
        if !w.vars.iter().any(|x| x == pos) {
            f.error(
                at,
                Code::NumberOutOfRange,
                format!("`isdataat:{pos}` names no byte_extract/byte_math variable defined before it (Unknown byte_extract var seen in isdataat)"),
                "define the variable earlier with byte_extract or byte_math, or write a number",
            );
        }
        return;
    }
    let digits = pos.strip_prefix('+').unwrap_or(pos);
    let in_range = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.parse::<u32>().is_ok_and(|n| n <= 65535);
    if !in_range {
        f.error(
            at,
            Code::NumberOutOfRange,
            format!("`isdataat:{pos}` is not a whole number from 0 to 65535 nor a variable (isdataat out of range)"),
            "write a number, or a byte_extract variable alone (no arithmetic)",
        );
    }
}

fn bsize(w: &mut Walk, o: &RawOption, v: &str) {
    if let (Some(Some(n)), Some(_)) = (size_bound(v), &w.buffer) {
        w.bsize.push((o.span.start, w.buffer.clone(), n));
    }
}

/// The largest size a `dsize`/`bsize`/`urilen` value allows: `Some(None)` when unbounded
/// (`>N`), `None` when it does not parse.
pub fn size_bound(v: &str) -> Option<Option<u64>> {
    let v = v.trim();
    let num = |s: &str| s.trim().parse::<u64>().ok();
    if let Some((_, b)) = v.split_once("<>") {
        return num(b).map(Some);
    }
    if let Some(rest) = v.strip_prefix('>') {
        return num(rest.trim_start_matches('=')).map(|_| None);
    }
    if let Some(rest) = v.strip_prefix('<') {
        return num(rest.trim_start_matches('=')).map(Some);
    }
    if let Some(rest) = v.strip_prefix('!') {
        return num(rest).map(Some);
    }
    if let Some((a, b)) = v.split_once('-') {
        return num(a).and(num(b)).map(Some);
    }
    num(v.trim_start_matches('=')).map(Some)
}

/// The bytes the contents of one buffer need, as the engine computes it
/// (`SigParseRequiredContentSize`); `None` when a position is a variable.
fn required(contents: &[&Content], bound: u64) -> Option<(u64, bool)> {
    let (mut total, mut max_offset) = (0i64, 0i64);
    let mut negated_over = false;
    for (n, c) in contents.iter().enumerate() {
        if c.variable {
            return None;
        }
        let distance = c.distance.unwrap_or(0);
        if n == 0 {
            if c.negated {
                continue;
            }
            total = c.len as i64 + distance;
        } else if c.relative() {
            if c.negated {
                let reach = total + distance + c.within.unwrap_or(0);
                negated_over |= c.within.is_some() && reach > bound as i64;
                continue;
            }
            total += c.len as i64 + distance;
        } else {
            continue;
        }
        max_offset = max_offset.max(c.offset.unwrap_or(0));
    }
    let need = total.max(total + max_offset).max(0) as u64;
    Some((need, negated_over))
}

fn sizes(w: &Walk, f: &mut Findings) {
    if let Some((at, bound)) = w.dsize {
        let payload: Vec<&Content> = w.contents.iter().filter(|c| c.buffer.is_none()).collect();
        if let Some((need, _)) = required(&payload, bound) {
            if need > bound {
                f.error(
                    at,
                    Code::ContentExceedsSize,
                    format!("the contents need {need} bytes but dsize allows at most {bound} (signature can't match as required content length exceeds dsize value)"),
                    "raise dsize, or shorten the contents",
                );
            }
        }
    }
    for (at, buffer, bound) in &w.bsize {
        let inside: Vec<&Content> = w.contents.iter().filter(|c| &c.buffer == buffer).collect();
        if let Some((need, _)) = required(&inside, *bound) {
            if need > *bound {
                f.error(
                    *at,
                    Code::ContentExceedsSize,
                    format!("the contents of this buffer need {need} bytes but bsize allows at most {bound} (content length exceeds bsize value)"),
                    "raise bsize, or shorten the contents",
                );
            }
        }
    }
    if let Some((at, bound)) = w.urilen {
        let uri = Some("http.uri".to_owned());
        if let Some(c) = w
            .contents
            .iter()
            .find(|c| c.buffer == uri && !c.negated && c.len as u64 > bound)
        {
            f.error(
                at,
                Code::ContentExceedsSize,
                format!("urilen allows at most {bound} bytes but a uri content has {} (urilen smaller than content len)", c.len),
                "raise urilen, or shorten the content",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_bounds() {
        assert_eq!(size_bound("10"), Some(Some(10)));
        assert_eq!(size_bound("<10"), Some(Some(10)));
        assert_eq!(size_bound(">10"), Some(None));
        assert_eq!(size_bound("5<>10"), Some(Some(10)));
        assert_eq!(size_bound("!3"), Some(Some(3)));
        assert_eq!(size_bound("x"), None);
    }
}
