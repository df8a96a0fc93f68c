//! The escapers of the `files` target and its identifier encoders.
//!
//! Guarantees: a value printed through [`escape_yara`] stays inside one YARA text string
//! (printable ASCII kept, `"` and `\` escaped, every other byte written as `\xNN`, so no
//! newline, control character or non-ASCII byte reaches the rule file); a value printed
//! through [`escape_clamav`] is one ClamAV signature name field: only `[A-Za-z0-9._-]`
//! survive (anything else, `:` and line breaks included, becomes `_`) and it is never empty.
//! [`rule_name`] builds YARA identifiers of `[A-Za-z0-9_]` that start with a letter or `_`,
//! contain a `_` (so never a YARA keyword), are at most [`MAX_IDENTIFIER`] characters and
//! differ whenever the indicator ids differ.

use sha2::{Digest, Sha256};

use crate::render::Escaper;

/// Every escaper of the target, by template extension.
pub static ESCAPERS: [Escaper; 2] = [
    Escaper {
        name: "yara",
        extensions: &["yar"],
        escape: escape_yara,
    },
    Escaper {
        name: "clamav-name",
        extensions: &["hsb", "hdb"],
        escape: escape_clamav,
    },
];

/// YARA's limit on identifier length.
pub const MAX_IDENTIFIER: usize = 128;

/// The contents of a YARA text string (between the quotes of a `meta:` value).
pub fn escape_yara(value: &str, out: &mut String) -> Result<(), String> {
    for b in value.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    Ok(())
}

/// A ClamAV signature name: the third field of a `.hsb` or `.hdb` line.
pub fn escape_clamav(value: &str, out: &mut String) -> Result<(), String> {
    if value.is_empty() {
        return Err("a ClamAV signature name cannot be empty".into());
    }
    out.extend(value.chars().map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '_'
        }
    }));
    Ok(())
}

/// The YARA rule name of an indicator of a catalogue: `<catalogue>_<indicator>` with `-` as
/// `_`. Ids are `[a-z0-9-]`, so within one catalogue two ids give two names; a name that
/// would pass [`MAX_IDENTIFIER`] is cut and ends with a digest of the full name instead.
pub fn rule_name(catalogue: &str, indicator: &str) -> String {
    let full: String = format!("{catalogue}_{indicator}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let full = if full.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{full}")
    } else {
        full
    };
    if full.len() <= MAX_IDENTIFIER {
        return full;
    }
    let digest = hex::encode(&Sha256::digest(full.as_bytes())[..6]);
    format!("{}_{digest}", &full[..MAX_IDENTIFIER - 1 - digest.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yara(v: &str) -> String {
        let mut s = String::new();
        escape_yara(v, &mut s).unwrap();
        s
    }

    #[test]
    fn yara_strings_keep_one_line_of_printable_ascii() {
        assert_eq!(
            yara("a\"b\\c\nd\té\0"),
            "a\\\"b\\\\c\\x0ad\\x09\\xc3\\xa9\\x00"
        );
    }

    #[test]
    fn clamav_names_keep_their_field() {
        let mut s = String::new();
        escape_clamav("a:b\nc d.é-_", &mut s).unwrap();
        assert_eq!(s, "a_b_c_d._-_");
        assert!(escape_clamav("", &mut String::new()).is_err());
    }

    #[test]
    fn rule_names_are_identifiers_within_the_limit() {
        assert_eq!(
            rule_name("contec-cms8000", "monitor-binary"),
            "contec_cms8000_monitor_binary"
        );
        assert_eq!(rule_name("1a", "b"), "_1a_b");
        let long = "x".repeat(64);
        let a = rule_name(&long, &format!("{}-1", "y".repeat(62)));
        let b = rule_name(&long, &format!("{}-2", "y".repeat(62)));
        assert_eq!(a.len(), MAX_IDENTIFIER);
        assert_ne!(a, b);
    }
}
