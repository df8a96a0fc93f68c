//! Suricata content notation: text with `|..|` hex blocks, e.g. `|0b|MSH|7c 5e|`.
//!
//! ```text
//! content = { text | escape | hexblock }+
//! text    = any character but `|`, `\`, `"` and `;`
//! escape  = "\" ( "\" | "|" | '"' | ";" )
//! hexblock= "|" { space } hexbyte { { space } hexbyte } { space } "|"
//! hexbyte = two hex digits
//! ```
//! The result is raw bytes; each target re-encodes them in its own safe notation.

use nom::bytes::complete::{take_while, take_while_m_n};
use nom::character::complete::char;
use nom::{IResult, Parser};

use super::GrammarError;

fn hexbyte(i: &str) -> IResult<&str, u8> {
    take_while_m_n(2, 2, |c: char| c.is_ascii_hexdigit())
        .map_res(|h| u8::from_str_radix(h, 16))
        .parse(i)
}

fn spaces(i: &str) -> &str {
    take_while::<_, _, ()>(|c| c == ' ')
        .parse(i)
        .map_or(i, |(r, _)| r)
}

/// Decodes content notation into bytes. Empty content is an error.
pub fn parse_content(input: &str) -> Result<Vec<u8>, GrammarError> {
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(c) = rest.chars().next() {
        match c {
            '|' => {
                let open = rest;
                let mut r = spaces(&rest[1..]);
                let mut count = 0;
                loop {
                    if let Ok((r2, _)) = char::<_, ()>('|').parse(r) {
                        if count == 0 {
                            return Err(GrammarError::at(input, open, "empty hex block `||`"));
                        }
                        rest = r2;
                        break;
                    }
                    if r.is_empty() {
                        return Err(GrammarError::at(
                            input,
                            open,
                            "hex block is not closed with `|`",
                        ));
                    }
                    match hexbyte(r) {
                        Ok((r2, b)) => {
                            out.push(b);
                            count += 1;
                            r = spaces(r2);
                        }
                        Err(_) => {
                            return Err(GrammarError::at(
                                input,
                                r,
                                "expected two hex digits or `|` in a hex block",
                            ))
                        }
                    }
                }
            }
            '\\' => {
                let next = rest[1..].chars().next();
                match next {
                    Some(e @ ('\\' | '|' | '"' | ';')) => {
                        out.push(e as u8);
                        rest = &rest[2..];
                    }
                    _ => {
                        return Err(GrammarError::at(
                            input,
                            rest,
                            "`\\` may only escape `\\`, `|`, `\"` or `;`",
                        ))
                    }
                }
            }
            '"' | ';' => {
                return Err(GrammarError::at(
                    input,
                    rest,
                    format!("`{c}` must be written as a hex byte (|{:02x}|)", c as u8),
                ))
            }
            _ => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if out.is_empty() {
        return Err(GrammarError::at(input, input, "content is empty"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_and_hex() {
        assert_eq!(parse_content("|0b|MSH|7c|").unwrap(), b"\x0bMSH|");
        assert_eq!(
            parse_content("|0B|MSH|7C 5E 7E 5C 26 7C|").unwrap(),
            b"\x0bMSH|^~\\&|"
        );
        assert_eq!(parse_content("|00 00 00 03|/pm").unwrap(), b"\0\0\0\x03/pm");
        assert_eq!(parse_content("a\\;b\\|c").unwrap(), b"a;b|c");
        assert_eq!(parse_content("| 05 3e |").unwrap(), b"\x05\x3e");
        assert_eq!(parse_content("é").unwrap(), "é".as_bytes());
    }

    fn err(s: &str) -> (usize, String) {
        let e = parse_content(s).unwrap_err();
        (e.offset, e.message)
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        assert_eq!(err("").0, 0);
        assert_eq!(
            err("MSH|7c"),
            (3, "hex block is not closed with `|`".into())
        );
        assert_eq!(err("|7g|").0, 1);
        assert_eq!(err("|7c 5|").0, 4);
        assert_eq!(err("ab||").0, 2);
        assert_eq!(err("a\"b").0, 1);
        assert_eq!(err("é;").0, 1);
        assert_eq!(err("x\\n").0, 1);
    }
}
