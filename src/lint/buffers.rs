//! How a rule uses its sticky buffers, as the engine checks it at load time (the same in
//! Suricata 7.0.10 and 8.0.6):
//! - a sticky buffer must get a match before the next buffer is selected
//!   (`DetectBufferSetActiveList`: "previous sticky buffer has no matches") and before the
//!   rule ends (`SigValidate`: "setup buffer X but didn't add matches to it");
//! - the `http.host` buffer is lower case: a content in it with an upper-case byte, or with
//!   `nocase`, is refused (`DetectHttpHostValidateCallback`, a warning that refuses the rule).
//!
//! Guarantees: only keywords known not to add a match to the current buffer (meta and flow
//! keywords, content modifiers, transforms, packet keywords) leave a buffer empty; any other
//! keyword counts as a match, so an unusual keyword never makes a false alarm. A content
//! under a transform is not checked for case (the transform may lower it).

use crate::diag::Code;
use crate::grammar::rule::{ParsedRule, RawOption};

use super::finding::Findings;
use super::Ctx;

/// Keywords that add nothing to the current sticky buffer: they describe the rule, or match
/// on the packet or flow (lists that are not buffers), or modify a content already placed.
const NO_MATCH: &[&str] = &[
    "msg",
    "sid",
    "rev",
    "gid",
    "classtype",
    "reference",
    "metadata",
    "priority",
    "target",
    "requires",
    "flow",
    "flowbits",
    "flowint",
    "xbits",
    "hostbits",
    "threshold",
    "detection_filter",
    "noalert",
    "tag",
    "app-layer-protocol",
    "dsize",
    "flags",
    "tcp.flags",
    "ttl",
    "nocase",
    "depth",
    "offset",
    "distance",
    "within",
    "fast_pattern",
    "rawbytes",
    "startswith",
    "endswith",
];

/// Buffers `--list-keywords` does not flag as sticky buffers, though they are.
const UNFLAGGED_BUFFERS: &[&str] = &[
    "file.data",
    "sip.method",
    "sip.uri",
    "sip.protocol",
    "sip.stat_code",
    "sip.stat_msg",
    "sip.request_line",
    "sip.response_line",
    "quic.cyu.hash",
    "quic.cyu.string",
];

/// What one option does to the buffers.
enum Role {
    /// Selects a sticky buffer (its canonical name).
    Buffer(String),
    /// Back to the packet or the base64 buffer: the engine's buffer check no longer
    /// follows; nothing is reported after it.
    Reset,
    Transform,
    /// Moves the last content into a buffer (`http_uri`, `http_host`...).
    Modifier(String),
    /// Adds nothing to the current buffer.
    Nothing,
    /// A content, pcre, byte_*, isdataat, bsize, dataset... or any keyword not known to
    /// add nothing.
    Match,
}

fn role(c: &Ctx<'_>, o: &RawOption) -> Role {
    let name = o.name();
    // a sticky buffer takes no value: `tls.subject:"CN=x"` is the older matching keyword
    if o.value.is_some() && !NO_MATCH.contains(&name.as_str()) {
        return match c.t.keyword(&name) {
            Some(k) if k.transform => Role::Transform,
            _ => Role::Match,
        };
    }
    if matches!(name.as_str(), "pkt_data" | "base64_data") {
        return Role::Reset;
    }
    if NO_MATCH.contains(&name.as_str()) {
        return Role::Nothing;
    }
    match c.t.keyword(&name) {
        Some(k) if k.transform => Role::Transform,
        Some(k) if k.content_modifier => Role::Modifier(k.name.clone()),
        Some(k) if k.sticky_buffer || UNFLAGGED_BUFFERS.contains(&k.name.as_str()) => {
            Role::Buffer(k.name.clone())
        }
        Some(k) if NO_MATCH.contains(&k.name.as_str()) => Role::Nothing,
        _ => Role::Match,
    }
}

pub fn check(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    empty_buffers(c, r, f);
    modifier_after_buffer(c, r, f);
    host_case(c, r, f);
}

/// A content modifier (`http_header`...) while a sticky buffer is still selected
/// (`DetectEngineContentModifierBufferSetup`: the active list must be unset; only
/// `pkt_data` unsets it).
fn modifier_after_buffer(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    let mut sticky: Option<&RawOption> = None;
    for o in &r.options {
        if o.name() == "pkt_data" {
            sticky = None;
            continue;
        }
        match role(c, o) {
            Role::Buffer(_) => sticky = Some(o),
            Role::Reset => sticky = Some(o),
            Role::Modifier(_) => {
                if let Some(b) = sticky {
                    return f.error(
                        o.span.start,
                        Code::OptionValue,
                        format!("the content modifier `{}` comes after the sticky buffer `{}`, which is still selected (keyword seen with a sticky buffer still set)", o.keyword, b.keyword),
                        &format!("write `{}` as a sticky buffer before the content, or put `pkt_data;` before the content it modifies", o.keyword),
                    );
                }
            }
            _ => {}
        }
    }
}

/// A sticky buffer selected and given no match before the next one or the rule's end.
fn empty_buffers(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    let mut open: Option<(&RawOption, String)> = None;
    for o in &r.options {
        match role(c, o) {
            Role::Buffer(name) => {
                if let Some((_, prev)) = &open {
                    f.error(
                        o.span.start,
                        Code::EmptyBuffer,
                        format!("`{}` selects a buffer while the sticky buffer `{prev}` before it has no match (previous sticky buffer has no matches)", o.keyword),
                        &format!("put a content (or pcre, bsize...) after `{prev}`, or remove it"),
                    );
                    return;
                }
                open = Some((o, name));
            }
            Role::Reset | Role::Match | Role::Modifier(_) => open = None,
            Role::Transform | Role::Nothing => {}
        }
    }
    if let Some((o, name)) = open {
        f.error(
            o.span.start,
            Code::EmptyBuffer,
            format!("the sticky buffer `{}` gets no match after it (setup buffer {name} but didn't add matches to it)", o.keyword),
            "a sticky buffer applies to the content keywords after it: put a content after it, or remove it (`content:\"x\"; http_uri;` is the older, content-first form)",
        );
    }
}

/// A content placed in the `http.host` buffer, as the host check sees it.
struct HostContent<'a> {
    option: &'a RawOption,
    buffer: Option<String>,
    nocase: bool,
    transformed: bool,
}

/// Contents in `http.host` with an upper-case byte or `nocase`.
fn host_case(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    let mut contents: Vec<HostContent> = Vec::new();
    let (mut buffer, mut transformed) = (None::<String>, false);
    for o in &r.options {
        let name = o.name();
        match name.as_str() {
            "content" => contents.push(HostContent {
                option: o,
                buffer: buffer.clone(),
                nocase: false,
                transformed,
            }),
            "nocase" => {
                if let Some(last) = contents.last_mut() {
                    last.nocase = true;
                }
            }
            _ => match role(c, o) {
                Role::Buffer(b) => (buffer, transformed) = (Some(b), false),
                Role::Reset => (buffer, transformed) = (None, false),
                Role::Transform => transformed = true,
                Role::Modifier(m) => {
                    if let Some(last) = contents.last_mut() {
                        last.buffer = Some(m);
                        last.transformed = false;
                    }
                }
                Role::Nothing | Role::Match => {}
            },
        }
    }
    let host = |b: &Option<String>| matches!(b.as_deref(), Some("http.host" | "http_host"));
    for hc in contents
        .iter()
        .filter(|h| host(&h.buffer) && !h.transformed)
    {
        let at = hc.option.span.start;
        if hc.nocase {
            f.error(
                at,
                Code::OptionValue,
                "`nocase` on a content in `http.host`, which is already lower case (http.host keyword specified along with \"nocase\")",
                "remove `nocase` and write the content in lower case",
            );
        } else if hc
            .option
            .value
            .as_deref()
            .and_then(decoded)
            .is_some_and(|b| b.iter().any(u8::is_ascii_uppercase))
        {
            f.error(
                at,
                Code::OptionValue,
                "a content in `http.host` has upper-case letters, but the buffer is lower case (A pattern with uppercase characters detected for http.host)",
                "write the content in lower case (hex bytes 41-5a count as upper case too)",
            );
        }
    }
}

/// The bytes of a content value as the option parser leaves it (inside its quotes: `\`
/// escapes, `|..|` hex blocks), or `None` when it does not decode (the content checks
/// report that).
fn decoded(v: &str) -> Option<Vec<u8>> {
    let (mut out, mut hex, mut digits, mut escaped) = (Vec::new(), false, String::new(), false);
    for ch in v.chars() {
        match ch {
            _ if escaped => {
                escaped = false;
                out.extend(ch.to_string().bytes());
            }
            '\\' if !hex => escaped = true,
            '|' => {
                if hex {
                    out.extend(hex_bytes(&digits)?);
                    digits.clear();
                }
                hex = !hex;
            }
            ' ' if hex => {}
            _ if hex => digits.push(ch),
            _ => out.extend(ch.to_string().bytes()),
        }
    }
    Some(out)
}

fn hex_bytes(digits: &str) -> Option<Vec<u8>> {
    if digits.len() % 2 == 1 {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_values_decode_to_bytes() {
        assert_eq!(decoded("a|41 42|c"), Some(b"aABc".to_vec()));
        assert_eq!(decoded(r"x\;y"), Some(b"x;y".to_vec()));
        assert_eq!(decoded("|4|"), None);
        assert_eq!(decoded("|zz|"), None);
    }
}
