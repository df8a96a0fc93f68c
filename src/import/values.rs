//! Turning the strings of a feed into catalogue values: observables, dates, text, ids.
//!
//! Guarantees: a value becomes an [`Observable`] only through the catalogue's own checks
//! (`validate::check_domain`, `check_url`, `bulk::parse_net`, hex digests), so whatever is
//! imported passes `iocc check`; anything else is an error message for an `import-skipped`
//! diagnostic. Text is cut to the catalogue's limits and stripped of control characters other
//! than newline and tab. Ids depend only on the value.

use std::net::IpAddr;

use ipnet::IpNet;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::model::{HashAlgo, Observable, Tlp};
use crate::validate::bulk::parse_net;
use crate::validate::{check_domain, check_url, short};

/// What a feed says a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// An IPv4 or IPv6 address or a canonical network.
    Address,
    Domain,
    Url,
    Hash(HashAlgo),
    /// Any hash by its length.
    AnyHash,
    /// Anything: the value's shape decides (plain lists).
    Auto,
}

/// Parses `value` as the hinted kind. The error says why it is not one.
pub fn observable(hint: Hint, value: &str) -> Result<Observable, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("the value is empty".into());
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the value holds a control character (U+{:04X})",
            c as u32
        ));
    }
    match hint {
        Hint::Address => address(v),
        Hint::Domain => check_domain(v)
            .map(Observable::Domain)
            .map_err(|(_, why)| format!("not a domain name: {why}")),
        Hint::Url => url(v),
        Hint::Hash(algo) => hash(v, Some(algo)),
        Hint::AnyHash => hash(v, None),
        Hint::Auto => auto(v),
    }
}

fn address(v: &str) -> Result<Observable, String> {
    match parse_net(v) {
        Ok(n) if n.prefix_len() == n.max_prefix_len() => Ok(Observable::Address(n.addr())),
        Ok(n) => Ok(Observable::Network(n)),
        Err((_, msg, help)) => Err(format!("{msg} ({help})")),
    }
}

fn url(v: &str) -> Result<Observable, String> {
    if check_url(v) {
        Ok(Observable::Url(v.to_owned()))
    } else {
        Err(
            "not an absolute URL (scheme://host/..., at most 2048 characters, no spaces or quotes)"
                .into(),
        )
    }
}

fn hash(v: &str, algo: Option<HashAlgo>) -> Result<Observable, String> {
    let by_len = match v.len() {
        32 => Some(HashAlgo::Md5),
        40 => Some(HashAlgo::Sha1),
        64 => Some(HashAlgo::Sha256),
        _ => None,
    };
    let algo = algo.or(by_len);
    match algo {
        Some(a) if v.len() == a.hex_len() && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Observable::FileHash {
                algo: a,
                hex: v.to_ascii_lowercase(),
            })
        }
        Some(a) => Err(format!(
            "not a {} digest ({} hex digits)",
            a.as_str(),
            a.hex_len()
        )),
        None => Err("not an MD5, SHA-1 or SHA-256 digest (32, 40 or 64 hex digits)".into()),
    }
}

/// A value of a plain list: a URL, an address or network, a digest, or a domain.
fn auto(v: &str) -> Result<Observable, String> {
    if v.contains("://") {
        return url(v);
    }
    if v.parse::<IpAddr>().is_ok() || v.parse::<IpNet>().is_ok() {
        return address(v);
    }
    if matches!(v.len(), 32 | 40 | 64) && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hash(v, None);
    }
    let addressy = v.split('/').next().is_some_and(|a| {
        a.parse::<IpAddr>().is_ok() || a.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    if addressy {
        return address(v);
    }
    check_domain(v).map(Observable::Domain).map_err(|(_, why)| {
        format!("not an address, network, URL, file digest or domain name ({why})")
    })
}

/// A TLP word as sources write it (`TLP:WHITE`, `tlp:amber+strict`, `clear`).
pub fn tlp(word: &str) -> Option<Tlp> {
    match word.to_ascii_lowercase().trim_start_matches("tlp:") {
        "white" | "clear" => Some(Tlp::Clear),
        "green" => Some(Tlp::Green),
        "amber" => Some(Tlp::Amber),
        "amber+strict" => Some(Tlp::AmberStrict),
        "red" => Some(Tlp::Red),
        _ => None,
    }
}

/// The stricter of two markings (sources merged into one catalogue keep the strictest).
pub fn stricter(a: Option<Tlp>, b: Option<Tlp>) -> Option<Tlp> {
    let rank = |t: Tlp| match t {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber => 2,
        Tlp::AmberStrict => 3,
        Tlp::Red => 4,
    };
    match (a, b) {
        (Some(x), Some(y)) => Some(if rank(y) > rank(x) { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// `YYYY-MM-DD` at the start of a date or timestamp (`2025-01-30 12:00:00`, `...T...Z`).
pub fn date(s: &str) -> Option<Date> {
    let head = s.trim().get(..10)?;
    let shaped = head.bytes().enumerate().all(|(i, b)| {
        if i == 4 || i == 7 {
            b == b'-'
        } else {
            b.is_ascii_digit()
        }
    });
    shaped.then(|| head.parse::<Date>().ok()).flatten()
}

/// Text for a catalogue field: control characters other than newline and tab become U+FFFD,
/// and the text is cut to `max` characters (`…` marks the cut). Returns the text and whether
/// it was cut.
pub fn text(s: &str, max: usize) -> (String, bool) {
    let clean: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    if clean.chars().count() <= max {
        (clean, false)
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        (cut, true)
    }
}

/// An http(s) reference the catalogue accepts, or `None`.
pub fn reference(s: &str) -> Option<String> {
    let s = s.trim();
    ((s.starts_with("https://") || s.starts_with("http://")) && check_url(s)).then(|| s.to_owned())
}

/// The indicator id of a value: the kind, a readable prefix of the value, and (except for
/// IPv4, whose text maps one-to-one) 8 hex digits of its SHA-256, at most 64 characters.
pub fn indicator_id(o: &Observable) -> String {
    let kind = o.kind();
    let value = o.value();
    let slug: String = value
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug = collapse_dashes(&slug);
    let exact = matches!(o, Observable::Address(IpAddr::V4(_)))
        || matches!(o, Observable::Network(IpNet::V4(_)));
    if exact {
        return format!("{kind}-{slug}");
    }
    let digest = hex::encode(&Sha256::digest(format!("{kind}:{value}").as_bytes())[..4]);
    let room = 64 - kind.len() - digest.len() - 2;
    let prefix: String = slug.chars().take(room).collect();
    let prefix = prefix.trim_end_matches('-');
    if prefix.is_empty() {
        format!("{kind}-{digest}")
    } else {
        format!("{kind}-{prefix}-{digest}")
    }
}

fn collapse_dashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end_matches('-').to_owned()
}

/// A value shortened for a message.
pub fn shown(s: &str) -> String {
    short(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_hint() {
        assert_eq!(
            observable(Hint::Auto, "8.8.8.8").unwrap(),
            Observable::Address("8.8.8.8".parse().unwrap())
        );
        assert_eq!(
            observable(Hint::Address, "10.0.0.0/8").unwrap(),
            Observable::Network("10.0.0.0/8".parse().unwrap())
        );
        assert_eq!(
            observable(Hint::Address, "10.0.0.1/32").unwrap(),
            Observable::Address("10.0.0.1".parse().unwrap())
        );
        assert!(observable(Hint::Address, "10.0.0.1/8")
            .unwrap_err()
            .contains("host bits"));
        assert_eq!(
            observable(Hint::Auto, "Evil.Example.COM").unwrap(),
            Observable::Domain("evil.example.com".into())
        );
        assert!(matches!(
            observable(Hint::Auto, "http://x.example/a?b=1").unwrap(),
            Observable::Url(_)
        ));
        assert!(matches!(
            observable(Hint::Auto, "D41D8CD98F00B204E9800998ECF8427E").unwrap(),
            Observable::FileHash {
                algo: HashAlgo::Md5,
                ..
            }
        ));
        for bad in [
            "",
            "=cmd|' /C calc'!A0",
            "a\0b.com",
            "999.1.1.1",
            "a b",
            "\"quoted\".com",
        ] {
            assert!(observable(Hint::Auto, bad).is_err(), "{bad:?}");
        }
        assert!(observable(Hint::Auto, &"a".repeat(10_000)).is_err());
        assert!(observable(
            Hint::Url,
            &format!("http://a.example/{}", "x".repeat(10_000))
        )
        .is_err());
        assert!(observable(Hint::Hash(HashAlgo::Sha256), "abc").is_err());
    }

    #[test]
    fn ids_are_stable_valid_and_distinct() {
        fn id(h: Hint, v: &str) -> String {
            indicator_id(&observable(h, v).unwrap())
        }
        assert_eq!(id(Hint::Auto, "203.0.113.7"), "ipv4-203-0-113-7");
        assert_eq!(id(Hint::Auto, "202.114.4.0/24"), "cidr-202-114-4-0-24");
        let a = id(Hint::Auto, "a-b.example.com");
        let b = id(Hint::Auto, "a.b-example.com");
        assert_ne!(a, b);
        let long = id(Hint::Url, &format!("http://a.example/{}", "x".repeat(500)));
        for i in [a, b, long, id(Hint::Auto, "2001:db8::7")] {
            assert!(i.len() <= 64, "{i}");
            assert!(
                i.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
                "{i}"
            );
            assert!(!i.ends_with('-') && !i.contains("--"), "{i}");
        }
    }

    #[test]
    fn text_is_cleaned_and_cut() {
        assert_eq!(text(" a\0b\nc ", 10), ("a\u{fffd}b\nc".to_owned(), false));
        let (t, cut) = text(&"x".repeat(10_000), 4000);
        assert!(cut);
        assert_eq!(t.chars().count(), 4000);
        assert_eq!(
            date("2025-01-30 12:00:00"),
            Some("2025-01-30".parse().unwrap())
        );
        assert_eq!(date("2025-02-30"), None);
        assert_eq!(date("None"), None);
    }
}
