//! The subset of RPZ zone files that iocc writes, read back: neither BIND nor Unbound checks
//! what an `rpz-ip` owner means (an impossible `/33` loads cleanly in both), so this grammar
//! is the guard the tests read every zone with.
//!
//! ```text
//! zone    = { comment } ttl { comment } soa ns { record | comment }
//! comment = ";" { any character but newline } | ""
//! ttl     = "$TTL " number
//! soa     = "@ SOA " absname " " absname " " number{5, " "}
//! ns      = "@ NS " absname
//! record  = owner " CNAME " target
//! owner   = ip-trigger | [ "*." ] name
//! ip-trigger = prefix "." ( v4-labels | v6-labels ) ".rpz-ip"
//! target  = "." | "*." | "rpz-drop." | "rpz-passthru." | absname
//! name    = label { "." label }  (at most 253 characters)
//! label   = [a-z0-9] ( [a-z0-9-]{0,61} [a-z0-9] )?
//! ```
//!
//! Guarantees: [`parse_zone`] accepts exactly that, line by line, and refuses anything else
//! with the line number: a directive other than `$TTL`, a record type other than SOA, NS and
//! CNAME, a class or TTL field, an uppercase or escaped name, an owner ending in another RPZ
//! trigger label (`rpz-nsip`, ...). Response-IP owners are decoded into networks and must be
//! canonical: IPv4 as four decimal octets without leading zeros, IPv6 as eight reversed
//! 16-bit groups in lowercase hex without leading zeros with the longest run of two or more
//! zero groups (the first of equal ones) written once as `zz`, a prefix length of 1-32 or
//! 1-128 without leading zeros, and no host bits set.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, map, map_res, recognize, value};
use nom::multi::separated_list1;
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

use crate::model::MAX_NAME;

/// What a record does to a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpzAction {
    /// `CNAME .`
    Nxdomain,
    /// `CNAME *.`
    Nodata,
    /// `CNAME rpz-drop.`
    Drop,
    /// `CNAME rpz-passthru.`
    Passthru,
    /// `CNAME host.`, without the trailing dot.
    Redirect(String),
}

/// What a record matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A query name; `wildcard` for `*.name` (the names under it).
    Name { name: String, wildcard: bool },
    /// An answer address in this network (`rpz-ip`).
    Ip(IpNet),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line.
    pub line: usize,
    pub trigger: Trigger,
    pub action: RpzAction,
}

/// A zone read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub ttl: u32,
    pub serial: u32,
    pub records: Vec<Record>,
}

/// Why a zone was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError {
    /// 1-based line.
    pub line: usize,
    pub message: String,
}

type R<'a, T> = IResult<&'a str, T, ()>;

fn label(i: &str) -> R<'_, &str> {
    let (rest, l) =
        take_while1(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-').parse(i)?;
    if l.len() > 63 || l.starts_with('-') || l.ends_with('-') {
        return Err(nom::Err::Error(()));
    }
    Ok((rest, l))
}

/// A name of at most [`MAX_NAME`] characters: the DNS target writes no longer one (its
/// `ldh` check refuses it), so a zone holding one was not written by iocc.
fn name(i: &str) -> R<'_, &str> {
    let (rest, n) = recognize(separated_list1(char('.'), label)).parse(i)?;
    if n.len() > MAX_NAME {
        return Err(nom::Err::Error(()));
    }
    Ok((rest, n))
}

fn absname(i: &str) -> R<'_, &str> {
    terminated(name, char('.')).parse(i)
}

fn number(i: &str) -> R<'_, u32> {
    map_res(digit1, |d: &str| {
        if d.len() > 1 && d.starts_with('0') {
            Err(())
        } else {
            d.parse::<u32>().map_err(|_| ())
        }
    })
    .parse(i)
}

fn target(i: &str) -> R<'_, RpzAction> {
    alt((
        value(RpzAction::Nodata, tag("*.")),
        value(RpzAction::Drop, tag("rpz-drop.")),
        value(RpzAction::Passthru, tag("rpz-passthru.")),
        map(absname, |h: &str| RpzAction::Redirect(h.to_owned())),
        value(RpzAction::Nxdomain, tag(".")),
    ))
    .parse(i)
}

/// The RPZ labels that mark a trigger other than a query name.
const TRIGGER_LABELS: [&str; 4] = ["rpz-ip", "rpz-nsip", "rpz-nsdname", "rpz-client-ip"];

/// Decodes a response-IP owner (without `.rpz-ip`), refusing any non-canonical spelling.
pub fn decode_ip(owner: &str) -> Result<IpNet, String> {
    let mut labels = owner.split('.');
    let prefix = labels.next().unwrap_or("");
    let len: u8 = match number(prefix) {
        Ok(("", n)) if n <= 128 => n as u8,
        _ => return Err(format!("`{prefix}` is not a prefix length")),
    };
    let reversed: Vec<&str> = labels.collect();
    let v6 = reversed.contains(&"zz") || reversed.len() == 8;
    let net = if v6 {
        let groups = v6_groups(&reversed)?;
        let net = Ipv6Net::new(Ipv6Addr::from(groups), len)
            .map_err(|_| format!("/{len} is not an IPv6 prefix length"))?;
        if encode_v6(&groups) != reversed.join(".") {
            return Err(format!(
                "`{}` is not the canonical spelling of {}",
                reversed.join("."),
                net.addr()
            ));
        }
        IpNet::V6(net)
    } else {
        let octets = v4_octets(&reversed)?;
        IpNet::V4(
            Ipv4Net::new(Ipv4Addr::from(octets), len)
                .map_err(|_| format!("/{len} is not an IPv4 prefix length"))?,
        )
    };
    if len == 0 {
        return Err("a /0 trigger would match every address".into());
    }
    if net.network() != net.addr() {
        return Err(format!("{net} has host bits set"));
    }
    Ok(net)
}

fn v4_octets(reversed: &[&str]) -> Result<[u8; 4], String> {
    if reversed.len() != 4 {
        return Err(format!(
            "an IPv4 trigger has 4 octets, not {}",
            reversed.len()
        ));
    }
    let mut out = [0u8; 4];
    for (k, l) in reversed.iter().enumerate() {
        out[3 - k] = match number(l) {
            Ok(("", n)) if n <= 255 => n as u8,
            _ => return Err(format!("`{l}` is not an octet")),
        };
    }
    Ok(out)
}

fn v6_groups(reversed: &[&str]) -> Result<[u16; 8], String> {
    let mut groups: Vec<u16> = Vec::with_capacity(8);
    let mut zz = false;
    let explicit = reversed.iter().filter(|l| **l != "zz").count();
    for l in reversed.iter().rev() {
        if *l == "zz" {
            if zz || explicit > 6 {
                return Err("`zz` stands once for two or more zero groups".into());
            }
            zz = true;
            groups.extend(std::iter::repeat_n(0, 8 - explicit));
            continue;
        }
        let ok = (1..=4).contains(&l.len())
            && l.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(format!("`{l}` is not a lowercase 16-bit hex group"));
        }
        groups.push(u16::from_str_radix(l, 16).map_err(|e| e.to_string())?);
    }
    groups
        .try_into()
        .map_err(|g: Vec<u16>| format!("an IPv6 trigger has 8 groups, not {}", g.len()))
}

/// The canonical reversed labels of IPv6 groups (independent of the writer, on purpose).
fn encode_v6(groups: &[u16; 8]) -> String {
    let mut best = (0usize, 0usize);
    let mut i = 0;
    while i < 8 {
        let j = (i..8).find(|&j| groups[j] != 0).unwrap_or(8);
        if j - i > best.1 {
            best = (i, j - i);
        }
        i = j.max(i + 1);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < 8 {
        if best.1 >= 2 && k == best.0 {
            parts.push("zz".into());
            k += best.1;
        } else {
            parts.push(format!("{:x}", groups[k]));
            k += 1;
        }
    }
    parts.reverse();
    parts.join(".")
}

fn owner(i: &str) -> Result<Trigger, String> {
    if let Some(ip) = i.strip_suffix(".rpz-ip") {
        return decode_ip(ip).map(Trigger::Ip);
    }
    let (wildcard, rest) = match i.strip_prefix("*.") {
        Some(r) => (true, r),
        None => (false, i),
    };
    match all_consuming(name).parse(rest) {
        Ok(_)
            if TRIGGER_LABELS
                .iter()
                .any(|t| rest.rsplit('.').next() == Some(*t)) =>
        {
            Err(format!(
                "`{i}` ends in an RPZ trigger label iocc never writes"
            ))
        }
        Ok(_) => Ok(Trigger::Name {
            name: rest.to_owned(),
            wildcard,
        }),
        Err(_) => Err(format!("`{i}` is not a lowercase relative name")),
    }
}

fn record(line: &str) -> Result<(Trigger, RpzAction), String> {
    let (o, t) = line
        .split_once(" CNAME ")
        .ok_or_else(|| "expected `<owner> CNAME <target>`".to_owned())?;
    let trigger = owner(o)?;
    let action = match all_consuming(target).parse(t) {
        Ok((_, a)) => a,
        Err(_) => return Err(format!("`{t}` is not an RPZ action")),
    };
    Ok((trigger, action))
}

fn soa(i: &str) -> R<'_, u32> {
    let n = || preceded(char(' '), number);
    let (rest, (_, _, _, serial, _, _, _, _)) = (
        tag("@ SOA "),
        absname,
        preceded(char(' '), absname),
        n(),
        n(),
        n(),
        n(),
        n(),
    )
        .parse(i)?;
    Ok((rest, serial))
}

/// Reads a zone written by iocc.
pub fn parse_zone(text: &str) -> Result<Zone, ZoneError> {
    let mut ttl = None;
    let mut serial = None;
    let mut ns = false;
    let mut records = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let err = |message: String| ZoneError {
            line: k + 1,
            message,
        };
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        match (ttl, serial, ns) {
            (None, _, _) => match all_consuming(preceded(tag::<_, _, ()>("$TTL "), number)).parse(line) {
                Ok((_, t)) => ttl = Some(t),
                Err(_) => return Err(err("expected `$TTL <seconds>` first".into())),
            },
            (Some(_), None, _) => match all_consuming(soa).parse(line) {
                Ok((_, s)) => serial = Some(s),
                Err(_) => return Err(err("expected `@ SOA <mname>. <rname>. <serial> <refresh> <retry> <expire> <minimum>`".into())),
            },
            (Some(_), Some(_), false) => match all_consuming((tag::<_, _, ()>("@ NS "), absname)).parse(line) {
                Ok(_) => ns = true,
                Err(_) => return Err(err("expected `@ NS <name>.`".into())),
            },
            _ => {
                let (trigger, action) = record(line).map_err(err)?;
                records.push(Record { line: k + 1, trigger, action });
            }
        }
    }
    match (ttl, serial, ns) {
        (Some(ttl), Some(serial), true) => Ok(Zone {
            ttl,
            serial,
            records,
        }),
        // The last line, or line 1 of an empty file: a position inside the file.
        _ => Err(ZoneError {
            line: text.lines().count().max(1),
            message: "the zone lacks its $TTL, SOA or NS".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Result<IpNet, String> {
        decode_ip(s)
    }

    #[test]
    fn known_encodings_decode() {
        assert_eq!(ip("24.0.4.114.202"), Ok("202.114.4.0/24".parse().unwrap()));
        assert_eq!(
            ip("32.119.4.114.202"),
            Ok("202.114.4.119/32".parse().unwrap())
        );
        assert_eq!(
            ip("128.7.zz.db8.2001"),
            Ok("2001:db8::7/128".parse().unwrap())
        );
        assert_eq!(ip("32.zz.db8.2001"), Ok("2001:db8::/32".parse().unwrap()));
        assert_eq!(
            ip("128.1.zz.rpz"),
            Err("`rpz` is not a lowercase 16-bit hex group".into())
        );
        assert_eq!(ip("128.1.zz"), Ok("::1/128".parse().unwrap()));
        assert_eq!(
            ip("128.1.zz.3.2.2001"),
            Ok("2001:2:3::1/128".parse().unwrap())
        );
        assert_eq!(
            ip("128.1.1.1.1.1.0.db8.2001"),
            Ok("2001:db8:0:1:1:1:1:1/128".parse().unwrap())
        );
        assert_eq!(
            ip("128.1.1.0.0.1.zz.2001"),
            Ok("2001:0:0:1:0:0:1:1/128".parse().unwrap())
        );
    }

    #[test]
    fn impossible_or_non_canonical_triggers_are_refused() {
        for bad in [
            "33.1.2.3.4",               // no /33
            "129.zz.1",                 // no /129
            "0.0.0.0.0",                // /0
            "24.1.4.114.202",           // host bits
            "024.0.4.114.202",          // leading zero in the length
            "24.00.4.114.202",          // leading zero in an octet
            "24.4.114.202",             // three octets
            "24.256.4.114.202",         // not an octet
            "128.7.0.zz.db8.2001",      // zz not the longest run
            "128.1.zz.1.zz",            // two zz
            "128.7.0.0.0.0.0.db8.2001", // the run is not written as zz
            "128.07.zz.db8.2001",       // leading zero in a group
            "128.7.zz.DB8.2001",        // uppercase
            "128.1.1.0.1.1.1.1.1.1",    // nine groups
            "64.zz.1.0.0.0.0.0.db8",    // zz for one group, and the longer run spelt out
        ] {
            assert!(ip(bad).is_err(), "{bad} was accepted as {:?}", ip(bad));
        }
    }

    #[test]
    fn zones_read_back_and_anything_else_is_refused() {
        let z = "; c\n$TTL 300\n@ SOA localhost. hostmaster.localhost. 100000001 3600 600 604800 300\n@ NS localhost.\nbad.example CNAME .\n*.bad.example CNAME .\nok.bad.example CNAME rpz-passthru.\n24.0.4.114.202.rpz-ip CNAME rpz-drop.\nx.example CNAME garden.example.net.\ny.example CNAME *.\n";
        let zone = parse_zone(z).unwrap();
        assert_eq!(
            (zone.ttl, zone.serial, zone.records.len()),
            (300, 100_000_001, 6)
        );
        assert_eq!(
            zone.records[1].trigger,
            Trigger::Name {
                name: "bad.example".into(),
                wildcard: true
            }
        );
        assert_eq!(zone.records[2].action, RpzAction::Passthru);
        assert_eq!(
            zone.records[3].trigger,
            Trigger::Ip("202.114.4.0/24".parse().unwrap())
        );
        assert_eq!(
            zone.records[4].action,
            RpzAction::Redirect("garden.example.net".into())
        );
        assert_eq!(zone.records[5].action, RpzAction::Nodata);
        let head = "$TTL 300\n@ SOA a. b. 1 2 3 4 5\n@ NS a.\n";
        // A name of 257 characters, longer than any the DNS target writes.
        let long = format!("{}.example CNAME .\n", ["a"; 125].join("."));
        for (bad, line) in [
            ("$ORIGIN evil.\n", 4),
            ("bad.example 300 CNAME .\n", 4),
            ("bad.example IN CNAME .\n", 4),
            ("bad.example A 1.2.3.4\n", 4),
            ("Bad.example CNAME .\n", 4),
            ("bad\\.example CNAME .\n", 4),
            ("bad.example CNAME . ; x\n", 4),
            ("a.rpz-nsdname CNAME .\n", 4),
            ("33.1.2.3.4.rpz-ip CNAME .\n", 4),
            ("bad.example CNAME evil\n", 4),
            ("bad.example CNAME .\n$INCLUDE /etc/passwd\n", 5),
            (long.as_str(), 4),
        ] {
            let e = parse_zone(&format!("{head}{bad}")).unwrap_err();
            assert_eq!(e.line, line, "{bad:?}: {e:?}");
        }
        assert!(parse_zone("@ SOA a. b. 1 2 3 4 5\n").is_err());
        assert_eq!(
            parse_zone("").unwrap_err().line,
            1,
            "an empty zone is refused at line 1"
        );
    }
}
