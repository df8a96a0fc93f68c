//! The PCRE2 compile errors of a `pcre` value that can be told without PCRE2 itself.
//!
//! Guarantees: only what PCRE2 (10.x, both engines) refuses at compile time is reported;
//! today that is a range in a character class with a class escape at one end (`[\w-_]`,
//! `[a-\d]`: "invalid range in character class"). A pattern this reader does not follow
//! (`\Q...\E`, POSIX classes) is left alone.

use crate::diag::Code;
use crate::grammar::rule::RawOption;

use super::finding::Findings;

/// Escapes that stand for a set of characters, which cannot end a range.
const CLASS_ESCAPES: &[char] = &[
    'd', 'D', 'w', 'W', 's', 'S', 'h', 'H', 'v', 'V', 'p', 'P', 'N',
];

pub fn check(o: &RawOption, v: &str, f: &mut Findings) {
    let Some(body) = regex_body(v) else {
        return;
    };
    if let Some(at) = class_escape_range(body) {
        f.error(
            o.span.start,
            Code::OptionValue,
            format!("the pcre has a range with a class escape at one end (`{at}`): PCRE2 does not compile it (invalid range in character class)"),
            "put the `-` first or last in the class, or escape it (`[\\w_-]`, `[\\w\\-_]`)",
        );
    }
}

/// The pattern between the first `/` and the last one (`/pattern/flags`).
fn regex_body(v: &str) -> Option<&str> {
    let v = v.trim().strip_prefix('/')?;
    v.rfind('/').map(|end| &v[..end])
}

/// The first `X-Y` in a class where X or Y is a class escape, as written.
fn class_escape_range(body: &str) -> Option<String> {
    let chars: Vec<char> = body.chars().collect();
    let (mut i, mut in_class) = (0, false);
    // the last class item that can start a range: its text, and whether it is a class escape
    let mut last: Option<(String, bool)> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let e = *chars.get(i + 1)?;
            if e == 'Q' || e == 'E' {
                return None;
            }
            last = Some((format!("\\{e}"), CLASS_ESCAPES.contains(&e)));
            i += 2;
            continue;
        }
        if !in_class {
            if c == '[' {
                in_class = true;
                last = None;
                i += 1;
                // a leading `^`, then a first `]`, belong to the class syntax
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    last = Some(("]".into(), false));
                    i += 1;
                }
                continue;
            }
            i += 1;
            continue;
        }
        match (c, &last, chars.get(i + 1).copied()) {
            (']', _, _) => in_class = false,
            ('[', _, Some(':')) => return None,
            ('-', Some((text, class)), Some(n)) if n != ']' => {
                if *class {
                    return Some(format!("{text}-{n}"));
                }
                // a range: its end is the next item, which may not be a class escape either
                i += if n == '\\' {
                    let e = *chars.get(i + 2)?;
                    if CLASS_ESCAPES.contains(&e) {
                        return Some(format!("{text}-\\{e}"));
                    }
                    3
                } else {
                    2
                };
                last = None;
                continue;
            }
            _ => last = Some((c.to_string(), false)),
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_escape_ranges() {
        let bad = |p: &str| class_escape_range(regex_body(p).unwrap());
        assert_eq!(bad(r"/[\d\w-_]{50,}/U").as_deref(), Some(r"\w-_"));
        assert_eq!(bad(r"/[a-\d]/").as_deref(), Some(r"a-\d"));
        assert_eq!(bad(r"/[\w-]/"), None);
        assert_eq!(bad(r"/[-\w]/"), None);
        assert_eq!(bad(r"/[\w\-_]/"), None);
        assert_eq!(bad(r"/[a-z0-9_-]+\.\w-x/i"), None);
        assert_eq!(bad(r"/\d-\w/"), None);
        assert_eq!(bad(r"/[\\w-_]/"), None);
        assert_eq!(bad(r"/[[:alpha:]-z]/"), None);
        assert_eq!(bad(r"/[\x41-\x5a]/"), None);
        assert_eq!(bad(r"/[a-b-\d]/"), None);
        assert_eq!(bad(r"/[^-\d]/"), None);
        assert_eq!(bad(r"/[]-\d]/").as_deref(), Some(r"]-\d"));
    }
}
