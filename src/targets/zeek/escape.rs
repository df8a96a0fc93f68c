//! The escapers of the Zeek package, one per output language (the README uses the shared
//! Markdown escaper), and the identifier encoder.
//!
//! Guarantees: a value printed through [`escape_zeek`] stays inside a Zeek string literal or
//! a `#` comment (no raw `"`, `\`, newline or control character survives); a value printed
//! through [`escape_intel`] is exactly one Intel field (no TAB, CR, LF or control character,
//! never empty); a value printed through [`escape_sig`] or [`escape_meta`] stays on its line.
//! Identifiers derived from catalogue ids ([`ident`], [`notice_name`], [`module_name`]) are
//! made of `[A-Za-z0-9_]` only, start with a letter or `_`, and differ whenever the ids
//! differ, so they are passed to templates as safe values.

use crate::render::Escaper;

/// Every escaper of the target, by template extension.
pub static ESCAPERS: [Escaper; 5] = [
    crate::escape::MARKDOWN,
    Escaper {
        name: "zeek",
        extensions: &["zeek"],
        escape: escape_zeek,
    },
    Escaper {
        name: "zeek-intel",
        extensions: &["intel", "dat"],
        escape: escape_intel,
    },
    Escaper {
        name: "zeek-sig",
        extensions: &["sig"],
        escape: escape_sig,
    },
    Escaper {
        name: "zkg-meta",
        extensions: &["meta"],
        escape: escape_meta,
    },
];

/// A character that ends or breaks a line somewhere: control characters (CR, LF, NEL, ...)
/// and the Unicode line and paragraph separators, which Python's `splitlines` honours.
fn breaks(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

fn hex_escape(b: u8, out: &mut String) {
    out.push_str(&format!("\\x{b:02x}"));
}

/// Zeek string literal contents (also safe in a `#` comment): `\` and `"` are escaped,
/// control characters (including newlines and DEL) become `\xNN`. Zeek reads at most two hex
/// digits after `\x`, so the escape never swallows the following character. Other Unicode
/// text is kept as UTF-8 (Zeek strings are byte strings).
pub fn escape_zeek(value: &str, out: &mut String) -> Result<(), String> {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if breaks(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    hex_escape(b, out);
                }
            }
            c => out.push(c),
        }
    }
    Ok(())
}

/// One field of a Zeek Intel file: TAB, CR, LF and every other control character are removed
/// (they would split or end the field), and an empty result becomes `-`, the Intel
/// framework's unset marker, so every line keeps its exact number of fields.
pub fn escape_intel(value: &str, out: &mut String) -> Result<(), String> {
    let start = out.len();
    out.extend(value.chars().filter(|c| !breaks(*c)));
    if out.len() == start {
        out.push('-');
    }
    Ok(())
}

/// Text in a Zeek signature file. Templates print catalogue text only in `#` comments; control
/// characters become spaces so the comment cannot end early, and `"` and `\` are replaced so
/// the text would not even break out of a quoted signature string.
pub fn escape_sig(value: &str, out: &mut String) -> Result<(), String> {
    out.extend(value.chars().map(|c| match c {
        c if breaks(c) => ' ',
        '"' => '\'',
        '\\' => '/',
        c => c,
    }));
    Ok(())
}

/// A value of `zkg.meta` (INI read by Python's configparser). Control characters become
/// spaces, so the value cannot continue on a new line, where `[` would open a section and
/// `key =` would start a new option; on its own line `[`, `=`, `;` and `#` are plain text.
/// `%` is doubled because zkg interpolates metadata (`%%` reads back as `%`).
pub fn escape_meta(value: &str, out: &mut String) -> Result<(), String> {
    for c in value.chars() {
        match c {
            c if breaks(c) => out.push(' '),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    Ok(())
}

/// A lowercase Zeek identifier from an id: every character outside `[A-Za-z0-9_]` becomes
/// `_`; an id starting with a digit gets a leading `_` (ids never start with `-`, so this
/// cannot collide with another id).
pub fn ident(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert(0, '_');
    }
    s
}

/// A Notice type name in Zeek's style, e.g. `hl7-mllp` → `Hl7_Mllp`.
pub fn notice_name(id: &str) -> String {
    ident(&id.split('-').map(capitalize).collect::<Vec<_>>().join("-"))
}

fn capitalize(part: &str) -> String {
    let mut chars = part.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The module name from the catalogue id: each `-`-separated part is capitalized, and a part
/// holding digits is a product code written in capitals (`contec-cms8000` → `ContecCMS8000`).
pub fn module_name(id: &str) -> String {
    let name: String = id
        .split('-')
        .map(|part| {
            if part.chars().any(|c| c.is_ascii_digit()) {
                part.to_ascii_uppercase()
            } else {
                capitalize(part)
            }
        })
        .collect();
    let name = ident(&name);
    if name.starts_with('_') {
        format!("Ioc{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: crate::render::EscapeFn, s: &str) -> String {
        let mut out = String::new();
        f(s, &mut out).unwrap();
        out
    }

    #[test]
    fn zeek_strings_cannot_be_closed_or_split() {
        assert_eq!(
            run(escape_zeek, "a\"; }\nevent x() {\\\t\u{0}é"),
            "a\\\"; }\\x0aevent x() {\\\\\\x09\\x00é"
        );
        assert_eq!(run(escape_zeek, "\u{85}"), "\\xc2\\x85");
        assert_eq!(run(escape_zeek, "\u{2028}"), "\\xe2\\x80\\xa8");
        assert_eq!(run(escape_intel, "a\u{2029}b"), "ab");
    }

    #[test]
    fn intel_fields_lose_separators_and_never_go_empty() {
        assert_eq!(run(escape_intel, "a\tb\r\nc"), "abc");
        assert_eq!(run(escape_intel, ""), "-");
        assert_eq!(run(escape_intel, "\t\n"), "-");
        assert_eq!(run(escape_intel, "ü x"), "ü x");
    }

    #[test]
    fn sig_and_meta_text_stays_on_one_line() {
        assert_eq!(run(escape_sig, "x\n}\"\\"), "x }'/");
        assert_eq!(
            run(escape_meta, "50%\n[package]\nx = y"),
            "50%% [package] x = y"
        );
    }

    #[test]
    fn identifiers_are_reduced_and_distinct() {
        assert_eq!(ident("range-outbound"), "range_outbound");
        assert_eq!(ident("1x"), "_1x");
        assert_eq!(notice_name("hl7-mllp"), "Hl7_Mllp");
        assert_eq!(notice_name("1x-y"), "_1x_Y");
        assert_eq!(module_name("contec-cms8000"), "ContecCMS8000");
        assert_eq!(module_name("9lives"), "Ioc_9LIVES");
        assert_ne!(notice_name("a-b"), notice_name("ab"));
    }
}
