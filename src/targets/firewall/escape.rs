//! The escaper of the firewall templates: every platform registers [`comments`] for its own
//! template extensions, with its own bound.
//!
//! Guarantees: catalogue text only ever lands in comments, remarks and descriptions, and the
//! escaper keeps it there: the result is one line of printable ASCII drawn from a small safe
//! alphabet (letters, digits, space and `. , : / ( ) _ - + =`), so no value can end a comment,
//! open a quote, start a new command (`;`, newline, `{`, `}`, `#`, `!`) or smuggle a control
//! character. Any other character becomes `_`; runs of whitespace collapse to one space. Each
//! value is bounded (Rust bounds the Cisco remark to fit its 100 characters) and truncated with
//! `...`. Addresses never pass here: Rust formats them from typed `IpNet`s.

use crate::render::Escaper;

/// Longest value in a comment line of the text formats.
pub const MAX_COMMENT: usize = 200;
/// Longest EDL comment (the first entry's comment carries the whole header).
pub const MAX_EDL: usize = 1000;

/// The escaper of a platform's templates: catalogue text as one safe line of at most `MAX`
/// characters ([`comment`]). Every platform uses this one escaper type, with its own bound.
pub const fn comments<const MAX: usize>(
    name: &'static str,
    extensions: &'static [&'static str],
) -> Escaper {
    Escaper {
        name,
        extensions,
        escape: comment::<MAX>,
    }
}

/// One safe comment line of at most `MAX` characters (see [`line`]).
pub fn comment<const MAX: usize>(v: &str, out: &mut String) -> Result<(), String> {
    line(v, MAX, out)
}

/// One safe line of at most `max` characters ([`crate::escape::one_line`]).
pub fn line(v: &str, max: usize, out: &mut String) -> Result<(), String> {
    crate::escape::one_line(v, max, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(v: &str, max: usize) -> String {
        let mut s = String::new();
        line(v, max, &mut s).unwrap();
        s
    }

    #[test]
    fn keeps_text_on_one_safe_line() {
        assert_eq!(
            esc("a\"; sid:1; rev:1;)\n}\r\0\t# !x {y} 'q' `z` é", 200),
            "a__ sid:1_ rev:1_) _ _ _x _y_ _q_ _z_ _"
        );
        assert_eq!(esc("Contec (Update A)", 200), "Contec (Update A)");
        assert_eq!(esc("  lead and trail  ", 200), "lead and trail");
    }

    #[test]
    fn bounds_length() {
        let long = "x".repeat(10_000);
        let got = esc(&long, 60);
        assert_eq!(got.len(), 60);
        assert!(got.ends_with("..."));
    }
}
