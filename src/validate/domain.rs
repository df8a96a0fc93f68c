//! Domain names: IDNA-normalised, lowercase, checked label by label.
//!
//! Guarantees: [`check_domain`] returns a name made only of lowercase ASCII letters, digits,
//! `-` and `.` (international names become punycode through the `idna` crate, UTS #46 with
//! the STD3 rules), with at least two labels, no empty label, no label starting or ending with
//! `-`, every label at most [`MAX_LABEL`] bytes and the name at most [`MAX_NAME`] bytes (both
//! counted after punycode, as on the wire), a last label that is not numeric, and no trailing
//! dot. Every refusal carries the character offset of what is wrong in the input, so a caret
//! can point at the bad character or label. Because no other byte survives, a name can never
//! carry a quote, `;`, `$`, `\`, whitespace or a control character into any output format.

use std::borrow::Cow;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

/// Longest label, in bytes (RFC 1035).
pub const MAX_LABEL: usize = 63;
pub use crate::model::MAX_NAME;

/// The label separators of UTS #46: `.` and its full-width and ideographic forms.
const DOTS: [char; 4] = ['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'];

/// Checks and normalises a domain name; on error, the character offset and why.
pub fn check_domain(s: &str) -> Result<String, (usize, String)> {
    let d = s.strip_suffix('.').unwrap_or(s);
    if d.is_empty() {
        return Err((0, "it is empty (the root)".into()));
    }
    // Room for punycode expansion: anything longer cannot fit and is not worth converting.
    if d.len() > 4 * MAX_NAME {
        return Err((
            0,
            format!("it is {} bytes long, more than {MAX_NAME}", d.len()),
        ));
    }
    if let Some((i, c)) = d
        .chars()
        .enumerate()
        .find(|&(_, c)| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err((
            i,
            format!("it holds {}, not a letter, digit, `-` or `.`", describe(c)),
        ));
    }
    let ascii = to_ascii(d)?;
    check_labels(d, &ascii)?;
    Ok(ascii.into_owned())
}

/// The lowercase ASCII form: punycode for international labels; `xn--` labels are checked
/// to decode.
fn to_ascii(d: &str) -> Result<Cow<'_, str>, (usize, String)> {
    let uts46 = |s: &str| {
        Uts46::new()
            .to_ascii(
                s.as_bytes(),
                AsciiDenyList::STD3,
                Hyphens::Allow,
                DnsLength::Ignore,
            )
            .map(Cow::into_owned)
    };
    let invalid = |at: usize| {
        (
            at,
            "it is not a valid internationalised name (IDNA, UTS #46)".to_owned(),
        )
    };
    if !d.is_ascii() {
        let at = d.chars().position(|c| !c.is_ascii()).unwrap_or(0);
        return uts46(d).map(Cow::Owned).map_err(|_| invalid(at));
    }
    // ASCII: only punycode labels need IDNA, to prove they decode to a valid name.
    let mut at = 0;
    for l in d.split('.') {
        if l.len() >= 4
            && l[..4].eq_ignore_ascii_case("xn--")
            && !uts46(l).is_ok_and(|a| a.eq_ignore_ascii_case(l))
        {
            return Err(invalid(at));
        }
        at += l.len() + 1;
    }
    Ok(if d.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(d.to_ascii_lowercase())
    } else {
        Cow::Borrowed(d)
    })
}

/// Label and length rules on the ASCII form; offsets point into the input `d`.
fn check_labels(d: &str, ascii: &str) -> Result<(), (usize, String)> {
    let starts = label_starts(d);
    let labels: Vec<&str> = ascii.split('.').collect();
    let at = |k: usize| starts.get(k).copied().unwrap_or(0);
    if labels.len() < 2 {
        return Err((
            0,
            "it is a single label, a top-level domain: a domain name has at least two labels"
                .into(),
        ));
    }
    for (k, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err((at(k), format!("label {} is empty", k + 1)));
        }
        if label.len() > MAX_LABEL {
            let puny = if label.starts_with("xn--") {
                " in punycode"
            } else {
                ""
            };
            return Err((
                at(k),
                format!(
                    "label {} is {} bytes long{puny}, more than {MAX_LABEL}",
                    k + 1,
                    label.len()
                ),
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err((at(k), format!("label {} starts or ends with `-`", k + 1)));
        }
    }
    if ascii.len() > MAX_NAME {
        return Err((
            0,
            format!("it is {} bytes long, more than {MAX_NAME}", ascii.len()),
        ));
    }
    if labels
        .last()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err((
            0,
            "the last label is numeric (an address, not a domain)".into(),
        ));
    }
    Ok(())
}

/// The character offset where each label of `d` starts.
fn label_starts(d: &str) -> Vec<usize> {
    let mut out = vec![0];
    out.extend(
        d.chars()
            .enumerate()
            .filter(|(_, c)| DOTS.contains(c))
            .map(|(i, _)| i + 1),
    );
    out
}

/// A character for a message: printable ones quoted, the others by code point.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else if c == ' ' {
        "a space".into()
    } else {
        format!("the control character U+{:04X}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> (usize, String) {
        check_domain(s).unwrap_err()
    }

    #[test]
    fn normalises_case_trailing_dot_and_international_names() {
        assert_eq!(check_domain("Example.COM.").unwrap(), "example.com");
        assert_eq!(check_domain("a-b.example").unwrap(), "a-b.example");
        assert_eq!(
            check_domain("Bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            check_domain("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
        // Full-width dots separate labels too.
        assert_eq!(
            check_domain("bücher．example").unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            check_domain("r3---sn-4g5e.googlevideo.com").unwrap(),
            "r3---sn-4g5e.googlevideo.com"
        );
    }

    #[test]
    fn refuses_with_the_offset_of_the_problem() {
        assert!(err("localhost").1.contains("single label"));
        assert!(err("com").1.contains("top-level domain"));
        assert_eq!(err("a..b").0, 2);
        assert_eq!(
            err("ex ample.com"),
            (
                2,
                "it holds a space, not a letter, digit, `-` or `.`".into()
            )
        );
        assert_eq!(err("-a.com").0, 0);
        assert!(err("1.2.3.4").1.contains("numeric"));
        assert_eq!(err("a;b.com").0, 1);
        assert_eq!(err("a.b\0c.com").0, 3);
        assert!(err("a.b\0c.com").1.contains("U+0000"));
        assert_eq!(err("bad.xn--zz.com").0, 4);
        assert_eq!(err("").1, "it is empty (the root)");
        assert_eq!(err(".").1, "it is empty (the root)");
    }

    #[test]
    fn labels_and_names_are_measured_in_bytes_after_punycode() {
        let label63 = "a".repeat(63);
        assert!(check_domain(&format!("{label63}.com")).is_ok());
        let (at, why) = err(&format!("ok.{}.com", "a".repeat(70)));
        assert_eq!(
            (at, why.as_str()),
            (3, "label 2 is 70 bytes long, more than 63")
        );
        // 30 non-ASCII characters fit 63 characters but not 63 bytes of punycode.
        let (at, why) = err(&format!("x.{}.example", "ü".repeat(60)));
        assert_eq!(at, 2);
        assert!(why.contains("in punycode"), "{why}");
        let long = vec!["a".repeat(60); 5].join(".");
        assert_eq!(long.len(), 304);
        assert_eq!(err(&long).1, "it is 304 bytes long, more than 253");
        let exact = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(exact.len(), 253);
        assert!(check_domain(&exact).is_ok());
        assert!(check_domain(&format!("{exact}e")).is_err());
    }

    #[test]
    fn hostile_names_never_pass() {
        for bad in [
            "a.com;evil",
            "$ORIGIN.evil.com",
            "a.com\nb.com",
            "a\\.com",
            "\"a\".com",
            "'a'.com",
            "a\0.com",
            "a.com CNAME .",
            "a/b.com",
            "a_b.com",
            "a.com\r",
            "a.com\u{2028}x",
            "*.a.com",
            "a.\u{202e}moc",
            "a.b\u{0}",
        ] {
            assert!(check_domain(bad).is_err(), "{bad:?} passed");
        }
        // What UTS #46 maps away (zero-width space, variation selector) or composes (a
        // combining accent) leaves a plain punycode name.
        assert_eq!(
            check_domain("a\u{200b}\u{0301}\u{fe0f}.com").unwrap(),
            "xn--1ca.com"
        );
    }
}
