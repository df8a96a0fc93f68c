//! Suricata rule escaping: the one place where text is made safe for a rule line, used by
//! every dialect writer ([`super::dialect`]) and as the auto-escaper of `.rules` templates.
//!
//! Guarantees:
//! - [`escape_rules`] turns any string into text
//!   that stays inside one quoted or unquoted option value: `\`, `"` and `;` are
//!   backslash-escaped, CR/LF/NUL/tabs and every other control character become a space,
//!   non-ASCII characters become `?`, and the result is bounded ([`MAX_VALUE`] bytes, cut with
//!   a `...` marker, never inside an escape), so no value can end an option, end the rule,
//!   start a new line or push a rule past Suricata's ~8 kB line buffer.
//! - [`content_hex`] encodes payload bytes into Suricata content notation with every byte of
//!   the style guide's hazard set (`: ; space " ' { | \ / $ ( )`, plus backtick) and every
//!   non-printable byte in lowercase `|xx xx|` hex blocks; its output is safe by construction.
//! - [`metadata_value`] keeps `[A-Za-z0-9_.-]` only (spaces become `_`), so a value can never
//!   carry `,` `;` or `"`; [`msg_text`] additionally defangs domain-like words (`a.com` →
//!   `a .com`) as the style guide asks; [`reference_url`] drops the scheme (kept when the
//!   rest would not start with a letter or digit, which Suricata refuses) and
//!   percent-encodes anything outside a conservative URL alphabet.

/// Longest escaped value, in bytes. Titles are at most 200 characters and URLs are
/// pre-shortened, so only hostile or broken input reaches this bound.
pub const MAX_VALUE: usize = 1024;

/// The auto-escaper registered for the `rules` template extension.
pub fn escape_rules(value: &str, out: &mut String) -> Result<(), String> {
    let start = out.len();
    for c in value.chars() {
        let piece: &str = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            ';' => "\\;",
            c if c.is_ascii_control() => " ",
            c if !c.is_ascii() => "?",
            _ => "",
        };
        let add = if piece.is_empty() { 1 } else { piece.len() };
        if out.len() - start + add > MAX_VALUE - 3 {
            out.push_str("...");
            return Ok(());
        }
        if piece.is_empty() {
            out.push(c);
        } else {
            out.push_str(piece);
        }
    }
    Ok(())
}

/// Bytes written as hex inside content (the style guide's list, plus backtick and `"`).
fn must_hex(b: u8) -> bool {
    !(0x21..=0x7e).contains(&b)
        || matches!(
            b,
            b':' | b';'
                | b' '
                | b'"'
                | b'\''
                | b'{'
                | b'|'
                | b'\\'
                | b'/'
                | b'`'
                | b'$'
                | b'('
                | b')'
        )
}

/// Encodes bytes as a Suricata content string body (without the quotes), e.g.
/// `[0x0b, b'M', b'S', b'H', b'|']` → `|0b|MSH|7c|`.
pub fn content_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    let mut in_hex = false;
    for &b in bytes {
        if must_hex(b) {
            if in_hex {
                out.push(' ');
            } else {
                out.push('|');
                in_hex = true;
            }
            out.push_str(&format!("{b:02x}"));
        } else {
            if in_hex {
                out.push('|');
                in_hex = false;
            }
            out.push(b as char);
        }
    }
    if in_hex {
        out.push('|');
    }
    out
}

/// A metadata value: ASCII letters, digits, `_`, `.` and `-`; anything else becomes `_`,
/// runs of `_` collapse, and the value is at most 64 characters (never empty).
pub fn metadata_value(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
            c
        } else {
            '_'
        };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
        if out.len() >= 64 {
            break;
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() {
        "unspecified".to_owned()
    } else {
        out
    }
}

/// Prepares free text for `msg`: whitespace runs become one space, and a `.` between a word
/// character and a letter gets a space before it (`evil.com` → `evil .com`), so a message
/// never holds a clickable domain. Escaping proper is left to [`escape_rules`].
pub fn msg_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || c.is_control() {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
            continue;
        }
        if c == '.'
            && i > 0
            && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
            && chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
        {
            out.push(' ');
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// Longest URL kept in a `reference` (longer ones are left out of the rule).
pub const MAX_URL: usize = 300;

/// A `reference:url,` value: the URL without its scheme, with every byte outside
/// `[A-Za-z0-9-._~/?#[]@!$&'()*+,=:%]` percent-encoded (so never `;`, `"`, `\` or a space).
/// `None` when the result is longer than [`MAX_URL`].
pub fn reference_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let mut out = String::with_capacity(rest.len());
    for b in rest.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'?'
                    | b'#'
                    | b'['
                    | b']'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b'='
                    | b':'
                    | b'%'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // Suricata refuses a reference value that does not start with a letter or digit (a
    // percent-encoded IDN host, an IPv6 literal `[..]`): such a URL keeps its scheme.
    if !out.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        out = format!("{scheme}://{out}");
    }
    (out.len() <= MAX_URL && !out.is_empty()).then_some(out)
}

/// A name for datasets and iprep categories: `[a-z0-9_-]`, at most `max` characters; longer
/// names keep a prefix and a short hash of the whole, so distinct inputs stay distinct.
pub fn short_name(text: &str, max: usize) -> String {
    use sha2::{Digest, Sha256};
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if clean.len() <= max {
        return clean;
    }
    let hash = hex::encode(&Sha256::digest(text.as_bytes())[..4]);
    format!("{}-{hash}", &clean[..max - 9])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        escape_rules(s, &mut out).unwrap();
        out
    }

    #[test]
    fn escaper_neutralises_every_breakout() {
        assert_eq!(
            esc("a\"; sid:1; rev:1;)\nalert ip"),
            "a\\\"\\; sid:1\\; rev:1\\;) alert ip"
        );
        assert_eq!(esc("back\\slash\ttab\r\0nul"), "back\\\\slash tab  nul");
        assert_eq!(esc("caf\u{e9} \u{202e}x"), "caf? ?x");
    }

    #[test]
    fn escaper_bounds_length_without_splitting_an_escape() {
        let long = ";".repeat(5000);
        let out = esc(&long);
        assert!(out.len() <= MAX_VALUE);
        assert!(out.ends_with("..."));
        let body = out.trim_end_matches("...");
        assert!(
            body.len() % 2 == 0
                && body
                    .chars()
                    .collect::<Vec<_>>()
                    .chunks(2)
                    .all(|p| p == ['\\', ';'])
        );
    }

    #[test]
    fn content_hex_uses_lowercase_blocks() {
        assert_eq!(content_hex(b"\x0bMSH|"), "|0b|MSH|7c|");
        assert_eq!(content_hex(b"\0\0\0\x03/pm\0"), "|00 00 00 03 2f|pm|00|");
        assert_eq!(
            content_hex(b": ;\"'{|\\/$()`"),
            "|3a 20 3b 22 27 7b 7c 5c 2f 24 28 29 60|"
        );
        assert_eq!(content_hex(b"abc"), "abc");
        assert_eq!(content_hex(&[0xff, b'A', 0x7f]), "|ff|A|7f|");
    }

    #[test]
    fn metadata_values_hold_no_separators() {
        assert_eq!(
            metadata_value("Contec Health CMS8000"),
            "Contec_Health_CMS8000"
        );
        assert_eq!(metadata_value("a, b; \"c\""), "a_b_c");
        assert_eq!(metadata_value(";;;"), "unspecified");
        assert!(metadata_value(&"x".repeat(500)).len() <= 64);
    }

    #[test]
    fn msg_text_defangs_domains() {
        assert_eq!(
            msg_text("to evil.example.com now"),
            "to evil .example .com now"
        );
        assert_eq!(
            msg_text("202.114.4.0/24 line\nnext"),
            "202.114.4.0/24 line next"
        );
    }

    #[test]
    fn reference_urls_start_with_a_letter_or_digit() {
        // Suricata refuses `reference:url,%E4...` and `reference:url,[2001:db8::1]/x`.
        assert_eq!(
            reference_url("https://例え.jp/x").unwrap(),
            "https://%E4%BE%8B%E3%81%88.jp/x"
        );
        assert_eq!(
            reference_url("https://[2a01:4f8::1]/x").unwrap(),
            "https://[2a01:4f8::1]/x"
        );
        assert_eq!(reference_url("https://a.example/x").unwrap(), "a.example/x");
        assert!(reference_url("~x").is_none());
    }

    #[test]
    fn reference_urls_lose_scheme_and_separators() {
        assert_eq!(
            reference_url("https://a.example/x;y\"z\\w é").unwrap(),
            "a.example/x%3By%22z%5Cw%20%C3%A9"
        );
        assert!(reference_url(&format!("https://a.example/{}", "x".repeat(400))).is_none());
    }

    #[test]
    fn short_names_are_bounded_and_distinct() {
        let a = short_name(&format!("{}a", "x".repeat(80)), 40);
        let b = short_name(&format!("{}b", "x".repeat(80)), 40);
        assert!(a.len() <= 40 && b.len() <= 40);
        assert_ne!(a, b);
        assert_eq!(short_name("Contec.list", 40), "contec_list");
    }
}
