//! STIX patterns: the pattern of each indicator kind and of a detection.
//!
//! Guarantees: every catalogue string placed in a pattern passes [`literal`] (single-quoted,
//! `\` and `'` escaped); addresses are exact (`=`) and networks `ISSUBSET`.

use ipnet::IpNet;

use crate::model::{Catalogue, Detection, HashAlgo, Observable, Protocol};

/// Writes a STIX pattern string literal: single-quoted, `\` and `'` backslash-escaped.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn net_test(net: IpNet) -> String {
    let ty = match net {
        IpNet::V4(_) => "ipv4-addr",
        IpNet::V6(_) => "ipv6-addr",
    };
    if net.prefix_len() == net.max_prefix_len() {
        format!("{ty}:value = {}", literal(&net.addr().to_string()))
    } else {
        format!("{ty}:value ISSUBSET {}", literal(&net.to_string()))
    }
}

fn port_test(first: u16, last: u16) -> String {
    if first == last {
        format!("network-traffic:dst_port = {first}")
    } else {
        format!("network-traffic:dst_port >= {first} AND network-traffic:dst_port <= {last}")
    }
}

/// The pattern of an indicator's value.
pub fn observable_pattern(o: &Observable) -> String {
    let inner = match o {
        Observable::Address(_) | Observable::Network(_) => net_test(o.as_net().unwrap_or_default()),
        Observable::Domain(d) => format!("domain-name:value = {}", literal(d)),
        Observable::Url(u) => format!("url:value = {}", literal(u)),
        Observable::Port {
            transport,
            first,
            last,
        } => format!(
            "network-traffic:protocols[*] = {} AND {}",
            literal(transport.as_str()),
            port_test(*first, *last)
        ),
        Observable::FileHash { algo, hex } => {
            let name = match algo {
                HashAlgo::Md5 => "MD5",
                HashAlgo::Sha1 => "SHA-1",
                HashAlgo::Sha256 => "SHA-256",
            };
            format!("file:hashes.{} = {}", literal(name), literal(hex))
        }
    };
    format!("[{inner}]")
}

/// The `network-traffic` pattern of a detection: one alternative per involved address or
/// network, side (destination for outbound, source for inbound) and protocol/port range.
/// Ports are destination ports (the service port) in both directions.
pub fn detection_pattern(c: &Catalogue, d: &Detection) -> String {
    let mut sides = Vec::new();
    if d.direction.includes_outbound() {
        sides.push("dst_ref");
    }
    if d.direction.includes_inbound() {
        sides.push("src_ref");
    }
    let mut services = Vec::new();
    for p in &d.protocols {
        let t = match p {
            Protocol::Ip => continue,
            Protocol::Tcp => crate::model::Transport::Tcp,
            Protocol::Udp => crate::model::Transport::Udp,
        };
        let proto = format!("network-traffic:protocols[*] = {}", literal(t.as_str()));
        let ranges: Vec<_> = d
            .ports
            .iter()
            .filter(|r| r.transport.is_none_or(|x| x == t))
            .collect();
        if d.ports.is_empty() {
            services.push(proto);
        } else {
            for r in ranges {
                services.push(format!("{proto} AND {}", port_test(r.first, r.last)));
            }
        }
    }
    let mut alternatives = Vec::new();
    for id in &d.indicators {
        let Some(net) = c.indicator(id).and_then(|i| i.observable.as_net()) else {
            continue;
        };
        for side in &sides {
            let addr = if net.prefix_len() == net.max_prefix_len() {
                format!(
                    "network-traffic:{side}.value = {}",
                    literal(&net.addr().to_string())
                )
            } else {
                format!(
                    "network-traffic:{side}.value ISSUBSET {}",
                    literal(&net.to_string())
                )
            };
            if services.is_empty() {
                alternatives.push(addr);
            } else {
                for s in &services {
                    alternatives.push(format!("{addr} AND {s}"));
                }
            }
        }
    }
    if alternatives.len() == 1 {
        format!("[{}]", alternatives[0])
    } else {
        let joined = alternatives
            .iter()
            .map(|a| format!("({a})"))
            .collect::<Vec<_>>()
            .join(" OR ");
        format!("[{joined}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_backslash_and_quote() {
        assert_eq!(literal(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(literal("x"), "'x'");
    }

    #[test]
    fn patterns_per_kind() {
        let a = Observable::Address("202.114.4.119".parse().unwrap());
        assert_eq!(
            observable_pattern(&a),
            "[ipv4-addr:value = '202.114.4.119']"
        );
        let n = Observable::Network("2001:db8::/32".parse().unwrap());
        assert_eq!(
            observable_pattern(&n),
            "[ipv6-addr:value ISSUBSET '2001:db8::/32']"
        );
        let p = Observable::Port {
            transport: crate::model::Transport::Tcp,
            first: 515,
            last: 520,
        };
        assert_eq!(observable_pattern(&p), "[network-traffic:protocols[*] = 'tcp' AND network-traffic:dst_port >= 515 AND network-traffic:dst_port <= 520]");
        let h = Observable::FileHash {
            algo: HashAlgo::Sha1,
            hex: "ab".into(),
        };
        assert_eq!(observable_pattern(&h), "[file:hashes.'SHA-1' = 'ab']");
        let u = Observable::Url("http://x/a'b\\".into());
        assert_eq!(observable_pattern(&u), r"[url:value = 'http://x/a\'b\\']");
    }
}
