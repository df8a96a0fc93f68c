//! Parsers for single catalogue values. Each returns the typed value or pushes one diagnostic
//! at the value's YAML path and returns `None`; none of them stops validation.

use std::fmt::Display;
use std::net::IpAddr;

use ipnet::IpNet;
use jiff::civil::Date;

use super::domain::check_domain;
use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::{Action, Confidence, Direction, HashAlgo, Severity, Tlp};

/// Longest title, role or label; rule messages must stay far below Suricata's line limit.
pub const MAX_SHORT: usize = 200;
/// Longest description or summary.
pub const MAX_TEXT: usize = 4000;

impl Ctx<'_> {
    /// Checks an id: `[a-z0-9][a-z0-9-]*`, at most 64 characters.
    pub fn id(&mut self, path: impl Display, id: &str) -> bool {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            let bad = id
                .char_indices()
                .find(|&(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                .map_or(0, |(i, _)| id[..i].chars().count());
            self.push(
                Diagnostic::new(Code::InvalidId, format!("`{}` is not a valid id", short(id)))
                    .at_path_offset(path.to_string(), bad)
                    .help("ids use lowercase letters, digits and `-`, start with a letter or digit, and have at most 64 characters"),
            );
        }
        ok
    }

    /// Checks a text field's length in characters. Control characters are allowed here on
    /// purpose: every target escapes text for its own format (hostile fixtures prove it).
    pub fn text(&mut self, path: impl Display, text: &str, max: usize) {
        let n = text.chars().count();
        if n > max {
            self.push(
                Diagnostic::new(
                    Code::ValueTooLong,
                    format!("text is {n} characters long, more than the {max} allowed here"),
                )
                .at_path(path.to_string())
                .help(
                    "shorten it; put long explanations in `description` or behind a reference URL",
                ),
            );
        }
    }

    pub fn date(&mut self, path: impl Display, s: &str) -> Option<Date> {
        let shape = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        match s.parse::<Date>() {
            Ok(d) if shape => Some(d),
            _ => {
                self.push(
                    Diagnostic::new(Code::InvalidDate, format!("`{}` is not a date", short(s)))
                        .at_path(path.to_string())
                        .help("write dates as YYYY-MM-DD, e.g. 2025-01-30"),
                );
                None
            }
        }
    }

    pub fn tlp(&mut self, path: impl Display, s: &str) -> Option<Tlp> {
        let v = match s.to_ascii_lowercase().trim_start_matches("tlp:") {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => {
                self.bad_word::<()>(
                    path,
                    s,
                    "TLP marking",
                    &["clear", "green", "amber", "amber+strict", "red"],
                );
                return None;
            }
        };
        Some(v)
    }

    pub fn confidence(&mut self, path: impl Display, s: &str) -> Option<Confidence> {
        match s {
            "sourced" => Some(Confidence::Sourced),
            "inferred" => Some(Confidence::Inferred),
            _ => self.bad_word(path, s, "confidence", &["sourced", "inferred"]),
        }
    }

    pub fn severity(&mut self, path: impl Display, s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => self.bad_word(path, s, "severity", &["low", "medium", "high", "critical"]),
        }
    }

    pub fn action(&mut self, path: impl Display, s: &str) -> Option<Action> {
        match s {
            "block" => Some(Action::Block),
            "alert" => Some(Action::Alert),
            "monitor" => Some(Action::Monitor),
            _ => self.bad_word(path, s, "action", &["block", "alert", "monitor"]),
        }
    }

    pub fn direction(&mut self, path: impl Display, s: &str) -> Option<Direction> {
        match s {
            "outbound" => Some(Direction::Outbound),
            "inbound" => Some(Direction::Inbound),
            "both" => Some(Direction::Both),
            _ => self.bad_word(path, s, "direction", &["outbound", "inbound", "both"]),
        }
    }

    pub fn bad_word<T>(
        &mut self,
        path: impl Display,
        s: &str,
        what: &str,
        allowed: &[&str],
    ) -> Option<T> {
        let list = allowed
            .iter()
            .map(|w| format!("`{w}`"))
            .collect::<Vec<_>>()
            .join(", ");
        self.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` is not a valid {what}", short(s)),
            )
            .at_path(path.to_string())
            .help(format!("use one of {list}")),
        );
        None
    }

    /// Parses a single address of the given family (`None`: either).
    pub fn address(&mut self, path: impl Display, s: &str, v6: Option<bool>) -> Option<IpAddr> {
        match s.parse::<IpAddr>() {
            Ok(a) if v6.is_none_or(|v6| a.is_ipv6() == v6) => Some(a),
            Ok(a) => {
                let (is, want) = if a.is_ipv6() {
                    ("IPv6", "ipv6")
                } else {
                    ("IPv4", "ipv4")
                };
                self.push(
                    Diagnostic::new(Code::InvalidAddress, format!("`{s}` is an {is} address"))
                        .at_path(path.to_string())
                        .help(format!(
                            "set `kind: {want}` or give an address of the declared family"
                        )),
                );
                None
            }
            Err(_) => {
                let hint = if s.contains('/') {
                    "this is a network: use `kind: cidr`"
                } else {
                    "write a plain IPv4 (203.0.113.7) or IPv6 (2001:db8::7) address"
                };
                self.push(
                    Diagnostic::new(
                        Code::InvalidAddress,
                        format!("`{}` is not an IP address", short(s)),
                    )
                    .at_path_offset(path.to_string(), first_bad_addr_char(s))
                    .help(hint),
                );
                None
            }
        }
    }

    /// Parses a canonical network (`a.b.c.d/len`): host bits set is an error.
    pub fn network(&mut self, path: impl Display, s: &str) -> Option<IpNet> {
        match s.parse::<IpNet>() {
            Ok(n) if n.trunc() == n => Some(n),
            Ok(n) => {
                self.push(
                    Diagnostic::new(
                        Code::NonCanonicalNetwork,
                        format!("`{s}` has host bits set"),
                    )
                    .at_path(path.to_string())
                    .help(format!(
                        "write the network address `{}`, or use a single address",
                        n.trunc()
                    )),
                );
                None
            }
            Err(_) => {
                let help = match s.split_once('/') {
                    None => "a network needs a prefix length, e.g. 203.0.113.0/24; for one host use `kind: ipv4` or `kind: ipv6`".to_owned(),
                    Some((_, len)) => format!("`/{len}` must be a prefix length of 0-32 (IPv4) or 0-128 (IPv6) after a valid address"),
                };
                self.push(
                    Diagnostic::new(
                        Code::InvalidAddress,
                        format!("`{}` is not a network", short(s)),
                    )
                    .at_path_offset(path.to_string(), first_bad_addr_char(s))
                    .help(help),
                );
                None
            }
        }
    }

    /// Parses an address or a canonical network (allowlists, bulk entries).
    pub fn address_or_network(&mut self, path: impl Display, s: &str) -> Option<IpNet> {
        if s.contains('/') {
            self.network(path, s)
        } else {
            self.address(path, s, None).map(IpNet::from)
        }
    }

    pub fn domain(&mut self, path: impl Display, s: &str) -> Option<String> {
        match check_domain(s) {
            Ok(d) => Some(d),
            Err((offset, why)) => {
                self.push(
                    Diagnostic::new(Code::InvalidDomain, format!("`{}` is not a domain name: {why}", short(s)))
                        .at_path_offset(path.to_string(), offset)
                        .help("labels of letters, digits and `-` (1-63 bytes, international names in punycode) joined by dots, at least two labels, at most 253 bytes"),
                );
                None
            }
        }
    }

    pub fn url(&mut self, path: impl Display, s: &str) -> Option<String> {
        if check_url(s) {
            Some(s.to_owned())
        } else {
            self.push(
                Diagnostic::new(Code::InvalidUrl, format!("`{}` is not an absolute URL", short(s)))
                    .at_path(path.to_string())
                    .help("write scheme://host/path with no spaces or control characters, e.g. http://203.0.113.7/update.bin"),
            );
            None
        }
    }

    pub fn hash(&mut self, path: impl Display, s: &str, algo: HashAlgo) -> Option<String> {
        let bad = s.char_indices().find(|(_, c)| !c.is_ascii_hexdigit());
        if s.len() == algo.hex_len() && bad.is_none() {
            return Some(s.to_ascii_lowercase());
        }
        let (msg, offset) = match bad {
            Some((i, c)) => (format!("`{c}` is not a hex digit"), s[..i].chars().count()),
            None => (
                format!(
                    "a {} digest has {} hex digits, not {}",
                    algo.as_str(),
                    algo.hex_len(),
                    s.len()
                ),
                0,
            ),
        };
        self.push(
            Diagnostic::new(Code::InvalidHash, msg)
                .at_path_offset(path.to_string(), offset)
                .help(format!(
                    "write the {} digest as {} hex digits",
                    algo.as_str(),
                    algo.hex_len()
                )),
        );
        None
    }

    /// Checks `CVE-YYYY-NNNN` (4 or more digits after the year).
    pub fn cve_id(&mut self, path: impl Display, s: &str) -> bool {
        let ok = s
            .strip_prefix("CVE-")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(y, n)| {
                y.len() == 4
                    && y.bytes().all(|b| b.is_ascii_digit())
                    && y >= "1999"
                    && n.len() >= 4
                    && n.len() <= 19
                    && n.bytes().all(|b| b.is_ascii_digit())
            });
        if !ok {
            self.push(
                Diagnostic::new(Code::InvalidCveId, format!("`{}` is not a CVE id", short(s)))
                    .at_path(path.to_string())
                    .help("write CVE ids as CVE-YYYY-NNNN, e.g. CVE-2025-0626 (uppercase, four or more digits)"),
            );
        }
        ok
    }

    pub fn cwe(&mut self, path: impl Display, s: &str) {
        let ok = s.strip_prefix("CWE-").is_some_and(|n| {
            !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit())
        });
        if !ok {
            self.push(
                Diagnostic::new(Code::InvalidCwe, format!("`{}` is not a CWE id", short(s)))
                    .at_path(path.to_string())
                    .help("write CWE ids as CWE-N, e.g. CWE-912"),
            );
        }
    }

    /// Checks a CVSS vector's prefix and metric syntax for the expected version.
    pub fn cvss(&mut self, path: impl Display, score: f64, vector: &str, version: &str) {
        if !(0.0..=10.0).contains(&score) {
            self.push(
                Diagnostic::new(
                    Code::InvalidCvss,
                    format!("score {score} is outside 0.0-10.0"),
                )
                .at_path(format!("{path}.score"))
                .help("CVSS base scores range from 0.0 to 10.0"),
            );
        }
        let required: &[&str] = if version == "3.1" {
            &["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
        } else {
            &[
                "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
            ]
        };
        let prefix = format!("CVSS:{version}/");
        let problem = match vector.strip_prefix(&prefix) {
            None => Some(format!("the vector must start with `{prefix}`")),
            Some(body) => {
                let metrics: Vec<(&str, &str)> =
                    body.split('/').filter_map(|m| m.split_once(':')).collect();
                let count_ok = metrics.len() == body.split('/').count();
                let missing: Vec<&str> = required
                    .iter()
                    .copied()
                    .filter(|r| !metrics.iter().any(|(k, _)| k == r))
                    .collect();
                let malformed = metrics.iter().any(|(k, v)| {
                    k.is_empty()
                        || v.is_empty()
                        || !k.bytes().all(|b| b.is_ascii_uppercase())
                        || !v.bytes().all(|b| b.is_ascii_uppercase())
                });
                if !count_ok || malformed {
                    Some(
                        "metrics must be `KEY:VALUE` pairs in uppercase, separated by `/`"
                            .to_owned(),
                    )
                } else if !missing.is_empty() {
                    Some(format!("base metrics missing: {}", missing.join(", ")))
                } else {
                    None
                }
            }
        };
        if let Some(why) = problem {
            self.push(
                Diagnostic::new(
                    Code::InvalidCvss,
                    format!("malformed CVSS v{version} vector: {why}"),
                )
                .at_path(format!("{path}.vector"))
                .help(format!(
                    "copy the vector string from the CVE record, e.g. {prefix}..."
                )),
            );
        }
    }

    /// Checks that every reference is an http(s) URL.
    pub fn references(&mut self, path: impl Display, refs: &[String]) {
        for (i, r) in refs.iter().enumerate() {
            let ok = (r.starts_with("https://") || r.starts_with("http://")) && check_url(r);
            if !ok {
                self.push(
                    Diagnostic::new(
                        Code::InvalidReference,
                        format!("`{}` is not an http(s) URL", short(r)),
                    )
                    .at_path(format!("{path}[{i}]"))
                    .help("cite sources by their full https:// address"),
                );
            }
        }
    }
}

/// Shortens a value for a message (hostile inputs can be megabytes long).
pub fn short(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(81)
        .collect();
    if clean.chars().count() > 80 {
        clean.chars().take(77).collect::<String>() + "..."
    } else {
        clean
    }
}

fn first_bad_addr_char(s: &str) -> usize {
    s.chars()
        .position(|c| !(c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/')))
        .unwrap_or(0)
}

/// An absolute URL: `scheme://host[...]`, no whitespace or control characters.
pub fn check_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    scheme_ok
        && !host.is_empty()
        && s.len() <= 2048
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url(
            "https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-030-01"
        ));
        assert!(check_url("ftp://h/x"));
        assert!(!check_url("www.cisa.gov"));
        assert!(!check_url("https:///x"));
        assert!(!check_url("https://a b"));
        assert!(!check_url("https://a\"b"));
    }
}
