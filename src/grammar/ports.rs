//! Port lists: `515-520,111/udp,2049`.
//!
//! ```text
//! list  = entry { "," entry }
//! entry = port [ "-" port ] [ "/" proto ]
//! port  = 1-5 digits, 1..=65535
//! proto = "tcp" | "udp"
//! ```
//! Spaces are allowed around `,`. A range must not run backwards.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1, space0};
use nom::combinator::{opt, value};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::GrammarError;
use crate::model::{PortRange, Transport};

fn transport(i: &str) -> IResult<&str, Transport, ()> {
    alt((
        value(Transport::Tcp, tag("tcp")),
        value(Transport::Udp, tag("udp")),
    ))
    .parse(i)
}

/// Parses a port list. Entries keep their written order.
pub fn parse_ports(input: &str) -> Result<Vec<PortRange>, GrammarError> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        let (r, _) = space0::<_, ()>.parse(rest).unwrap_or((rest, ""));
        let (r, first) = port(input, r)?;
        let (r, last) = match opt(char::<_, ()>('-')).parse(r) {
            Ok((r2, Some(_))) => port(input, r2)?,
            _ => (r, first),
        };
        if last < first {
            return Err(
                GrammarError::at(input, r, format!("range {first}-{last} runs backwards"))
                    .shift_back(input, r, &last.to_string()),
            );
        }
        let (r, proto) = match preceded(char::<_, ()>('/'), transport).parse(r) {
            Ok((r2, t)) => (r2, Some(t)),
            Err(_) if r.starts_with('/') => {
                return Err(GrammarError::at(input, &r[1..], "expected `tcp` or `udp`"));
            }
            Err(_) => (r, None),
        };
        out.push(PortRange {
            first,
            last,
            transport: proto,
        });
        let (r, _) = space0::<_, ()>.parse(r).unwrap_or((r, ""));
        if r.is_empty() {
            return Ok(out);
        }
        match char::<_, ()>(',').parse(r) {
            Ok((r2, _)) => rest = r2,
            Err(_) => {
                return Err(GrammarError::at(
                    input,
                    r,
                    "expected `,`, `-`, `/tcp`, `/udp` or the end of the list",
                ))
            }
        }
    }
}

fn port<'a>(input: &str, i: &'a str) -> Result<(&'a str, u16), GrammarError> {
    let Ok((rest, digits)) = digit1::<_, ()>(i) else {
        return Err(GrammarError::at(input, i, "expected a port number"));
    };
    match digits.parse::<u32>() {
        Ok(n @ 1..=65535) if digits.len() <= 5 => Ok((rest, n as u16)),
        _ => Err(GrammarError::at(
            input,
            i,
            format!("port `{digits}` is outside 1-65535"),
        )),
    }
}

impl GrammarError {
    /// Moves the error back to the start of `token`, which ends where `rest` begins.
    fn shift_back(mut self, input: &str, rest: &str, token: &str) -> Self {
        let end = input.len() - rest.len();
        let start = end.saturating_sub(token.len());
        self.offset = input[..start].chars().count();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(first: u16, last: u16, transport: Option<Transport>) -> PortRange {
        PortRange {
            first,
            last,
            transport,
        }
    }

    #[test]
    fn valid_lists() {
        assert_eq!(parse_ports("515").unwrap(), vec![r(515, 515, None)]);
        assert_eq!(
            parse_ports("515-520,111/udp").unwrap(),
            vec![r(515, 520, None), r(111, 111, Some(Transport::Udp))]
        );
        assert_eq!(
            parse_ports("111/tcp, 2049 ,1-65535/udp").unwrap(),
            vec![
                r(111, 111, Some(Transport::Tcp)),
                r(2049, 2049, None),
                r(1, 65535, Some(Transport::Udp))
            ]
        );
    }

    fn err(s: &str) -> (usize, String) {
        let e = parse_ports(s).unwrap_err();
        (e.offset, e.message)
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        assert_eq!(err("").0, 0);
        assert_eq!(err("515-").0, 4);
        assert_eq!(err("515,,516").0, 4);
        assert_eq!(err("515/icmp"), (4, "expected `tcp` or `udp`".into()));
        assert_eq!(err("70000"), (0, "port `70000` is outside 1-65535".into()));
        assert_eq!(err("0").0, 0);
        assert_eq!(err("520-515"), (4, "range 520-515 runs backwards".into()));
        assert_eq!(err("515 516").0, 4);
        assert_eq!(err("515x").0, 3);
        assert_eq!(err("9999999999999999999999").0, 0);
    }
}
