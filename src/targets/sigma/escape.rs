//! The Sigma target's escaper, its literal encoder and its names.
//!
//! Guarantees: a value printed through [`escape_yaml`] is exactly one YAML double-quoted
//! scalar that reads back as the value: `"` and `\` are escaped, and every control character,
//! line or paragraph separator, byte-order mark and bidirectional control is written as a
//! `\n`, `\r`, `\t` or `\u` escape, so no value can end its line, open a new key or hide text from a reviewer.
//! [`literal`] turns a catalogue value into the Sigma string that matches exactly it: `*`,
//! `?` and `\` are Sigma's wildcards and escape, so each gets a `\` before it (`a?b` stays a
//! URL with a query, never a one-character wildcard). Rule values reach the template only
//! through [`literal`], then through [`escape_yaml`] like every other value. File names from
//! [`file_stem`] are 10 to [`MAX_STEM`] characters of `[a-z0-9_]`, and differ whenever the
//! rule keys differ.

use sha2::{Digest, Sha256};

use crate::render::Escaper;

/// Every escaper of the target, by template extension.
pub static ESCAPERS: [Escaper; 1] = [Escaper {
    name: "sigma-yaml",
    extensions: &["yml"],
    escape: escape_yaml,
}];

/// Longest file name stem (without `.yml`), the Sigma convention's limit.
pub const MAX_STEM: usize = 70;
/// Shortest file name stem.
pub const MIN_STEM: usize = 10;

/// Characters written as `\u` escapes: they break or reorder lines somewhere.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// One YAML double-quoted scalar holding `value`.
pub fn escape_yaml(value: &str, out: &mut String) -> Result<(), String> {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hidden(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(())
}

/// The Sigma string that matches `value` literally.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The file name stem of a rule: `<catalogue>_<key>` with every other character as `_`.
/// Catalogue ids and rule keys use `[a-z0-9-]` and `_` only between their parts, so distinct
/// keys give distinct stems; a stem outside [`MIN_STEM`]..=[`MAX_STEM`] is cut (or padded)
/// and ends with a digest of the full one.
pub fn file_stem(catalogue: &str, key: &str) -> String {
    let full: String = format!("{catalogue}_{key}")
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    if (MIN_STEM..=MAX_STEM).contains(&full.len()) {
        return full;
    }
    let digest = hex::encode(&Sha256::digest(format!("{catalogue}/{key}").as_bytes())[..4]);
    let keep = full.len().min(MAX_STEM - 1 - digest.len());
    format!("{}_{digest}", &full[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(v: &str) -> String {
        let mut s = String::new();
        escape_yaml(v, &mut s).unwrap();
        s
    }

    #[test]
    fn yaml_scalars_read_back_as_the_value() {
        for v in [
            "plain",
            "a\"b\\c\nd\r\te\0f",
            "key: value\n- item\n# c",
            "ü\u{202e}x\u{2028}y\u{85}z",
            "'single' & *alias !tag %dir @at `tick`",
        ] {
            let s = yaml(v);
            assert!(!s.contains('\n') && !s.contains('\r'), "{s}");
            let back: String = serde_yaml::from_str(&s).unwrap();
            assert_eq!(back, v);
        }
        assert_eq!(yaml("a\u{202e}b"), "\"a\\u202eb\"");
    }

    #[test]
    fn literals_escape_wildcards_and_backslashes() {
        assert_eq!(
            literal("http://x.example/a*b?c=\\d"),
            "http://x.example/a\\*b\\?c=\\\\d"
        );
        assert_eq!(literal("evil.example"), "evil.example");
    }

    #[test]
    fn file_stems_fit_the_convention() {
        let ok = |s: &str| {
            (MIN_STEM..=MAX_STEM).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let a = file_stem("contec-cms8000", "det_range-outbound");
        assert_eq!(a, "contec_cms8000_det_range_outbound");
        let long = "x".repeat(64);
        let (b, c) = (file_stem(&long, "det_a"), file_stem(&long, "det_b"));
        let short = file_stem("a", "fw");
        for s in [&a, &b, &c, &short] {
            assert!(ok(s), "{s}");
        }
        assert_ne!(b, c);
    }
}
