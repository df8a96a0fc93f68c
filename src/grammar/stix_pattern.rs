//! The STIX 2.1 patterning language (STIX 2.1 part 9), read into a syntax tree.
//!
//! ```text
//! pattern      = observations EOF
//! observations = obs-or { "FOLLOWEDBY" obs-or }
//! obs-or       = obs-and { "OR" obs-and }
//! obs-and      = obs { "AND" obs }
//! obs          = ( "[" comparison "]" | "(" observations ")" ) { qualifier }
//! qualifier    = "WITHIN" number "SECONDS" | "REPEATS" int "TIMES" | "START" t'..' "STOP" t'..'
//! comparison   = cmp-and { "OR" cmp-and }
//! cmp-and      = test { "AND" test }
//! test         = "(" comparison ")" | "EXISTS" path
//!              | path [ "NOT" ] ( op literal | "IN" set | ("LIKE"|"MATCHES"|"ISSUBSET"|"ISSUPERSET") string )
//! op           = "=" | "==" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
//! path         = object-type ":" ( ident | string ) { "." ( ident | string ) | "[" ( int | "*" ) "]" }
//! set          = "(" [ literal { "," literal } ] ")"
//! literal      = string | int | float | "true" | "false" | t'timestamp' | h'hex' | b'base64'
//! string       = "'" { char | "\\" | "\'" } "'"
//! ```
//!
//! Guarantees: the whole input is read or the first unreadable character is named with its
//! offset; keywords are upper case, as the specification writes them; nesting is capped at
//! [`MAX_DEPTH`] so a hostile pattern cannot exhaust the stack. Nothing here decides what a
//! pattern means for iocc: `import::stix` lowers the tree and names what it cannot express.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1, multispace0, none_of, one_of};
use nom::combinator::{cut, opt, recognize};
use nom::multi::many0;
use nom::sequence::{delimited, pair};
use nom::{IResult, Parser};

use super::GrammarError;

/// Deepest nesting of parentheses and brackets read.
pub const MAX_DEPTH: usize = 64;

/// A whole pattern: observation expressions joined by observation operators.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `[ comparison ]`.
    Observation(Comparison),
    /// Observation expressions joined by `AND`, `OR` or `FOLLOWEDBY`.
    Join(ObsOp, Vec<Pattern>),
    /// An observation expression with a qualifier.
    Qualified(Box<Pattern>, Qualifier),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObsOp {
    And,
    Or,
    FollowedBy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    Within(String),
    Repeats(String),
    StartStop(String, String),
}

/// A comparison expression inside `[ ]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    Test(Test),
    And(Vec<Comparison>),
    Or(Vec<Comparison>),
}

/// One property test.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub path: ObjectPath,
    pub negated: bool,
    pub op: Op,
    pub value: Literal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
    Exists,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "IN",
            Op::Like => "LIKE",
            Op::Matches => "MATCHES",
            Op::IsSubset => "ISSUBSET",
            Op::IsSuperset => "ISSUPERSET",
            Op::Exists => "EXISTS",
        }
    }
}

/// `object-type:component.component[*]...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    pub object: String,
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    /// A property name (quoted names such as `'SHA-256'` are unquoted here).
    Name(String),
    /// `[n]`.
    Index(u64),
    /// `[*]`.
    Any,
}

impl std::fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:", self.object)?;
        for (i, c) in self.components.iter().enumerate() {
            match c {
                Component::Name(n) if i == 0 => write!(f, "{n}")?,
                Component::Name(n) => write!(f, ".{n}")?,
                Component::Index(n) => write!(f, "[{n}]")?,
                Component::Any => write!(f, "[*]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Int(String),
    Float(String),
    Bool(bool),
    Timestamp(String),
    Hex(String),
    Binary(String),
    Set(Vec<Literal>),
    /// The operand of `EXISTS`.
    None,
}

type Res<'a, T> = IResult<&'a str, T, nom::error::Error<&'a str>>;

fn ws<'a, T>(
    p: impl Parser<&'a str, Output = T, Error = nom::error::Error<&'a str>>,
) -> impl Parser<&'a str, Output = T, Error = nom::error::Error<&'a str>> {
    delimited(multispace0, p, multispace0)
}

/// A keyword: the word, not followed by an identifier character, with the spaces around it.
fn keyword<'a>(
    word: &'static str,
) -> impl Parser<&'a str, Output = &'a str, Error = nom::error::Error<&'a str>> {
    move |i: &'a str| {
        let (after, w) = tag(word).parse(i.trim_start())?;
        if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Tag,
            )));
        }
        let (rest, _) = multispace0(after)?;
        Ok((rest, w))
    }
}

fn depth_error(i: &str) -> nom::Err<nom::error::Error<&str>> {
    nom::Err::Failure(nom::error::Error::new(i, nom::error::ErrorKind::TooLarge))
}

fn observations(i: &str, depth: usize) -> Res<'_, Pattern> {
    join(i, depth, "FOLLOWEDBY", obs_or, |v| {
        Pattern::Join(ObsOp::FollowedBy, v)
    })
}

fn obs_or(i: &str, depth: usize) -> Res<'_, Pattern> {
    join(i, depth, "OR", obs_and, |v| Pattern::Join(ObsOp::Or, v))
}

fn obs_and(i: &str, depth: usize) -> Res<'_, Pattern> {
    join(i, depth, "AND", observation, |v| {
        Pattern::Join(ObsOp::And, v)
    })
}

/// `item { word item }`: one level of the observation or comparison operators; a single item
/// stands alone, several are joined by `make`.
fn join<'a, T>(
    i: &'a str,
    depth: usize,
    word: &'static str,
    item: fn(&'a str, usize) -> Res<'a, T>,
    make: fn(Vec<T>) -> T,
) -> Res<'a, T> {
    let (mut rest, first) = item(i, depth)?;
    let mut all = vec![first];
    while let Ok((r, _)) = keyword(word).parse(rest) {
        let (r, next) = cut(|i| item(i, depth)).parse(r)?;
        all.push(next);
        rest = r;
    }
    Ok((
        rest,
        if all.len() == 1 {
            all.remove(0)
        } else {
            make(all)
        },
    ))
}

fn observation(i: &str, depth: usize) -> Res<'_, Pattern> {
    if depth > MAX_DEPTH {
        return Err(depth_error(i));
    }
    let start = i.trim_start();
    let (mut rest, mut obs) = if let Some(r) = start.strip_prefix('[') {
        let (r, c) = cut(|i| comparison(i, depth + 1)).parse(r)?;
        let (r, _) = cut(ws(char(']'))).parse(r)?;
        (r, Pattern::Observation(c))
    } else if let Some(r) = start.strip_prefix('(') {
        let (r, p) = cut(|i| observations(i, depth + 1)).parse(r)?;
        let (r, _) = cut(ws(char(')'))).parse(r)?;
        (r, p)
    } else {
        return Err(nom::Err::Error(nom::error::Error::new(
            start,
            nom::error::ErrorKind::Char,
        )));
    };
    while let Ok((r, q)) = qualifier(rest) {
        obs = Pattern::Qualified(Box::new(obs), q);
        rest = r;
    }
    Ok((rest, obs))
}

fn qualifier(i: &str) -> Res<'_, Qualifier> {
    alt((
        |i| {
            let (i, _) = keyword("WITHIN").parse(i)?;
            let (i, n) = ws(number).parse(i)?;
            let (i, _) = keyword("SECONDS").parse(i)?;
            Ok((i, Qualifier::Within(n.to_owned())))
        },
        |i| {
            let (i, _) = keyword("REPEATS").parse(i)?;
            let (i, n) = ws(digit1).parse(i)?;
            let (i, _) = keyword("TIMES").parse(i)?;
            Ok((i, Qualifier::Repeats(n.to_owned())))
        },
        |i| {
            let (i, _) = keyword("START").parse(i)?;
            let (i, a) = ws(prefixed('t')).parse(i)?;
            let (i, _) = keyword("STOP").parse(i)?;
            let (i, b) = ws(prefixed('t')).parse(i)?;
            Ok((i, Qualifier::StartStop(a, b)))
        },
    ))
    .parse(i)
}

fn comparison(i: &str, depth: usize) -> Res<'_, Comparison> {
    join(i, depth, "OR", cmp_and, Comparison::Or)
}

fn cmp_and(i: &str, depth: usize) -> Res<'_, Comparison> {
    join(i, depth, "AND", test, Comparison::And)
}

fn test(i: &str, depth: usize) -> Res<'_, Comparison> {
    if depth > MAX_DEPTH {
        return Err(depth_error(i));
    }
    if let Ok((r, _)) = ws(char('(')).parse(i) {
        let (r, c) = cut(|i| comparison(i, depth + 1)).parse(r)?;
        let (r, _) = cut(ws(char(')'))).parse(r)?;
        return Ok((r, c));
    }
    if let Ok((r, _)) = keyword("EXISTS").parse(i) {
        let (r, path) = cut(ws(object_path)).parse(r)?;
        return Ok((
            r,
            Comparison::Test(Test {
                path,
                negated: false,
                op: Op::Exists,
                value: Literal::None,
            }),
        ));
    }
    let (r, path) = ws(object_path).parse(i)?;
    let (r, negated) = opt(keyword("NOT")).parse(r)?;
    let (r, (op, value)) = cut(alt((
        |i| {
            let (i, op) = ws(alt((
                tag("=="),
                tag("!="),
                tag("<>"),
                tag("<="),
                tag(">="),
                tag("="),
                tag("<"),
                tag(">"),
            )))
            .parse(i)?;
            let op = match op {
                "=" | "==" => Op::Eq,
                "!=" | "<>" => Op::Ne,
                "<=" => Op::Le,
                ">=" => Op::Ge,
                "<" => Op::Lt,
                _ => Op::Gt,
            };
            let (i, v) = ws(literal).parse(i)?;
            Ok((i, (op, v)))
        },
        |i| {
            let (i, _) = keyword("IN").parse(i)?;
            let (i, v) = ws(set).parse(i)?;
            Ok((i, (Op::In, v)))
        },
        |i| {
            let (i, op) = alt((
                keyword("LIKE"),
                keyword("MATCHES"),
                keyword("ISSUBSET"),
                keyword("ISSUPERSET"),
            ))
            .parse(i)?;
            let op = match op {
                "LIKE" => Op::Like,
                "MATCHES" => Op::Matches,
                "ISSUBSET" => Op::IsSubset,
                _ => Op::IsSuperset,
            };
            let (i, s) = ws(string).parse(i)?;
            Ok((i, (op, Literal::String(s))))
        },
    )))
    .parse(r)?;
    Ok((
        r,
        Comparison::Test(Test {
            path,
            negated: negated.is_some(),
            op,
            value,
        }),
    ))
}

fn identifier(i: &str) -> Res<'_, &str> {
    recognize(pair(
        take_while1(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
    ))
    .parse(i)
}

fn object_path(i: &str) -> Res<'_, ObjectPath> {
    let (i, object) = recognize(pair(
        take_while1(|c: char| c.is_ascii_lowercase()),
        take_while(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
    ))
    .parse(i)?;
    let (i, _) = char(':').parse(i)?;
    let (i, first) = alt((|i| identifier(i).map(|(r, s)| (r, s.to_owned())), string)).parse(i)?;
    let (i, rest) = many0(alt((
        |i| {
            let (i, _) = char('.').parse(i)?;
            let (i, n) =
                alt((|i| identifier(i).map(|(r, s)| (r, s.to_owned())), string)).parse(i)?;
            Ok((i, Component::Name(n)))
        },
        |i| {
            let (i, _) = char('[').parse(i)?;
            let (i, c) = alt((
                |i| char('*').parse(i).map(|(r, _)| (r, Component::Any)),
                index,
            ))
            .parse(i)?;
            let (i, _) = char(']').parse(i)?;
            Ok((i, c))
        },
    )))
    .parse(i)?;
    let mut components = vec![Component::Name(first)];
    components.extend(rest);
    Ok((
        i,
        ObjectPath {
            object: object.to_owned(),
            components,
        },
    ))
}

fn index(i: &str) -> Res<'_, Component> {
    let (r, d) = digit1(i)?;
    let n = d
        .parse::<u64>()
        .map_err(|_| nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Digit)))?;
    Ok((r, Component::Index(n)))
}

/// `'...'` with `\\` and `\'` escapes; any other escape is an error.
fn string(i: &str) -> Res<'_, String> {
    let (mut rest, _) = char('\'').parse(i)?;
    let mut out = String::new();
    loop {
        match rest.chars().next() {
            // Point at the opening quote: that is where the string went wrong.
            None => {
                return Err(nom::Err::Failure(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Eof,
                )))
            }
            Some('\'') => return Ok((&rest[1..], out)),
            Some('\\') => {
                let (r, c) = one_of("\\'").parse(&rest[1..]).map_err(
                    |_: nom::Err<nom::error::Error<&str>>| {
                        nom::Err::Failure(nom::error::Error::new(
                            rest,
                            nom::error::ErrorKind::Escaped,
                        ))
                    },
                )?;
                out.push(c);
                rest = r;
            }
            Some(_) => {
                let (r, c) = none_of::<_, _, nom::error::Error<&str>>("")(rest)?;
                out.push(c);
                rest = r;
            }
        }
    }
}

/// `t'...'`, `h'...'` or `b'...'` (the letter given).
fn prefixed(letter: char) -> impl Fn(&str) -> Res<'_, String> {
    move |i| {
        let (i, _) = char(letter).parse(i)?;
        string(i)
    }
}

fn number(i: &str) -> Res<'_, &str> {
    recognize((opt(one_of("+-")), digit1, opt(pair(char('.'), digit1)))).parse(i)
}

fn literal(i: &str) -> Res<'_, Literal> {
    alt((
        |i| string(i).map(|(r, s)| (r, Literal::String(s))),
        |i| prefixed('t')(i).map(|(r, s)| (r, Literal::Timestamp(s))),
        |i| prefixed('h')(i).map(|(r, s)| (r, Literal::Hex(s))),
        |i| prefixed('b')(i).map(|(r, s)| (r, Literal::Binary(s))),
        |i| {
            keyword("true")
                .parse(i)
                .map(|(r, _)| (r, Literal::Bool(true)))
        },
        |i| {
            keyword("false")
                .parse(i)
                .map(|(r, _)| (r, Literal::Bool(false)))
        },
        |i| {
            number(i).map(|(r, n)| {
                let lit = if n.contains('.') {
                    Literal::Float(n.to_owned())
                } else {
                    Literal::Int(n.to_owned())
                };
                (r, lit)
            })
        },
    ))
    .parse(i)
}

fn set(i: &str) -> Res<'_, Literal> {
    let (mut rest, _) = ws(char('(')).parse(i)?;
    let mut items = Vec::new();
    if let Ok((r, _)) = ws(char(')')).parse(rest) {
        return Ok((r, Literal::Set(items)));
    }
    loop {
        let (r, v) = ws(literal).parse(rest)?;
        items.push(v);
        if let Ok((r2, _)) = ws(char(',')).parse(r) {
            rest = r2;
            continue;
        }
        let (r, _) = ws(char(')')).parse(r)?;
        return Ok((r, Literal::Set(items)));
    }
}

/// Parses a whole pattern.
pub fn parse_pattern(input: &str) -> Result<Pattern, GrammarError> {
    match observations(input, 0) {
        Ok((rest, p)) if rest.trim().is_empty() => Ok(p),
        Ok((rest, _)) => Err(GrammarError::at(
            input,
            rest.trim_start(),
            "expected `AND`, `OR`, `FOLLOWEDBY`, a qualifier or the end of the pattern",
        )),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let rest = e.input.trim_start();
            let message = match e.code {
                nom::error::ErrorKind::TooLarge => {
                    format!("the pattern nests deeper than {MAX_DEPTH} levels")
                }
                nom::error::ErrorKind::Eof => {
                    "this string is never closed (a `'` is missing)".to_owned()
                }
                nom::error::ErrorKind::Escaped => {
                    "a string may escape only `\\` and `'`".to_owned()
                }
                nom::error::ErrorKind::Char if rest.is_empty() => {
                    "the pattern ends too early (a quote, bracket or parenthesis is left open)"
                        .to_owned()
                }
                _ => format!("unexpected {}", describe(rest)),
            };
            Err(GrammarError::at(input, rest, message))
        }
        Err(nom::Err::Incomplete(_)) => {
            Err(GrammarError::at(input, "", "the pattern ends too early"))
        }
    }
}

fn describe(rest: &str) -> String {
    match rest.chars().next() {
        None => "end of the pattern".to_owned(),
        Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
        Some(c) => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> Pattern {
        parse_pattern(p).unwrap_or_else(|e| panic!("{p}: {e:?}"))
    }

    #[test]
    fn the_specification_examples_parse() {
        for p in [
            "[ipv4-addr:value = '198.51.100.1']",
            "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32']",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
            "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
            "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
            "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] WITHIN 300 SECONDS",
            "([ipv4-addr:value = '198.51.100.5/32'] AND [ipv4-addr:value = '198.51.100.10/32']) REPEATS 5 TIMES WITHIN 180 SECONDS",
            "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] WITHIN 300 SECONDS",
            "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "[file:name MATCHES '^Final Report.+\\\\.exe$']",
            "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
            "[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]",
            "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
            "[network-traffic:dst_port >= 515 AND network-traffic:dst_port <= 520 AND network-traffic:protocols[*] = 'tcp']",
            "[file:size NOT > 10]",
            "[EXISTS windows-registry-key:values]",
        ] {
            ok(p);
        }
    }

    #[test]
    fn trees() {
        assert_eq!(
            ok("[file:hashes.'SHA-256' = 'ab\\'c']"),
            Pattern::Observation(Comparison::Test(Test {
                path: ObjectPath {
                    object: "file".into(),
                    components: vec![
                        Component::Name("hashes".into()),
                        Component::Name("SHA-256".into())
                    ],
                },
                negated: false,
                op: Op::Eq,
                value: Literal::String("ab'c".into()),
            }))
        );
        match ok("[a:b = 1] FOLLOWEDBY [c:d = 2] OR [e:f = 3]") {
            Pattern::Join(ObsOp::FollowedBy, parts) => {
                assert!(matches!(parts[1], Pattern::Join(ObsOp::Or, _)))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ok("[a:b[*].c = 'x']").to_owned(),
            Pattern::Observation(Comparison::Test(Test {
                path: ObjectPath {
                    object: "a".into(),
                    components: vec![
                        Component::Name("b".into()),
                        Component::Any,
                        Component::Name("c".into())
                    ],
                },
                negated: false,
                op: Op::Eq,
                value: Literal::String("x".into()),
            }))
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        for (p, offset) in [
            ("[ipv4-addr:value = '1.2.3.4'", 28),
            ("[ipv4-addr:value = '1.2.3.4] ", 19),
            ("ipv4-addr:value = '1.2.3.4'", 0),
            ("[ipv4-addr:value = '1.2.3.4'] garbage", 30),
            ("[ipv4-addr:value '1.2.3.4']", 17),
            ("[ipv4-addr:value = 'a\\nb']", 21),
            ("[ipv4-addr:value and '1']", 17),
            ("", 0),
        ] {
            let e = parse_pattern(p).unwrap_err();
            assert_eq!(e.offset, offset, "{p}: {e:?}");
        }
    }

    #[test]
    fn hostile_nesting_is_refused_not_overflowed() {
        let deep = format!("{}[a:b = 1]{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = parse_pattern(&deep).unwrap_err();
        assert!(e.message.contains("nests deeper"), "{e:?}");
        let deep = format!("[{}a:b = 1{}]", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse_pattern(&deep)
            .unwrap_err()
            .message
            .contains("nests deeper"));
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        assert!(parse_pattern("[a:b = 1] ANDY [c:d = 2]").is_err());
        assert!(parse_pattern("[a:b IN('x','y')]").is_ok());
    }
}
