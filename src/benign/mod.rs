//! Known-benign screening: MISP warninglists (a curated, CC0 subset shipped in the binary)
//! matched against indicator values, so that `8.8.8.8`, `www.google.com` or a CDN range never
//! reaches a block list unnoticed.
//!
//! Guarantees: matching follows each list's warninglist type as `pymispwarninglists` does with
//! `slow_search=True` (`string`: equal; `substring`: contained; `hostname`: the value, or a
//! URL's host, is an entry or a subdomain of one; `cidr`: the address lies in an entry), which a
//! test checks against the Python package on the same lists. iocc goes one step further for
//! networks: a network overlapping a listed range matches. Lookups cost one binary search
//! (addresses), a few hash lookups (one per label of a name) or one Aho-Corasick pass
//! (substrings), so a million-entry feed is screened in a fraction of a second. The shipped lists
//! are parsed once, on first use.

pub mod lists;
mod ranges;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use ipnet::IpNet;

pub use lists::{Category, Kind, List};
use ranges::{bounds, Ranges};

/// MISP attribute types whose lists apply to each kind of value.
const ADDRESS_ATTRS: &[&str] = &[
    "ip-src",
    "ip-dst",
    "domain|ip",
    "ip-src|port",
    "ip-dst|port",
];
const DOMAIN_ATTRS: &[&str] = &["domain", "hostname", "domain|ip"];
const URL_ATTRS: &[&str] = &["url", "uri"];

/// The `policy.overrides` rail that lifts a warninglist match (with a `network` or a `domain`).
pub const RAIL: &str = "benign";

/// What a value matched: the list and the entry that matched it.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub list: &'a List,
    pub entry: &'a str,
}

impl Hit<'_> {
    /// `public-dns-v4 (List of known IPv4 public DNS resolvers, version 20240615)`.
    pub fn describe(&self) -> String {
        format!(
            "`{}` ({}, version {})",
            self.list.id, self.list.name, self.list.version
        )
    }
}

/// The matching indexes of a set of lists.
pub struct Screen {
    lists: Vec<List>,
    /// (list, entry) of each label.
    labels: Vec<(u32, u32)>,
    v4: Ranges,
    v6: Ranges,
    /// Entries of `cidr` lists as written: a value that is not an address is matched against
    /// them as a string (as MISP does).
    cidr_text: HashMap<String, u32>,
    /// `string` lists.
    exact: HashMap<String, u32>,
    /// `hostname` lists: entries as written (equality) and without a leading dot (suffixes).
    host_exact: HashMap<String, u32>,
    host_suffix: HashMap<String, u32>,
    /// `substring` lists.
    substrings: Option<AhoCorasick>,
    substring_labels: Vec<u32>,
}

impl Screen {
    /// The shipped lists, built on first use.
    pub fn shipped() -> &'static Screen {
        static SCREEN: OnceLock<Screen> = OnceLock::new();
        SCREEN.get_or_init(|| Screen::new(lists::shipped()))
    }

    /// Builds the indexes of `lists` (a value in several lists is reported under the first).
    pub fn new(lists: Vec<List>) -> Screen {
        let mut s = Screen {
            lists: Vec::new(),
            labels: Vec::new(),
            v4: Ranges::default(),
            v6: Ranges::default(),
            cidr_text: HashMap::new(),
            exact: HashMap::new(),
            host_exact: HashMap::new(),
            host_suffix: HashMap::new(),
            substrings: None,
            substring_labels: Vec::new(),
        };
        let (mut v4, mut v6, mut patterns) = (Vec::new(), Vec::new(), Vec::new());
        for (li, list) in lists.iter().enumerate() {
            for (ei, entry) in list.list.iter().enumerate() {
                let label = s.labels.len() as u32;
                s.labels.push((li as u32, ei as u32));
                match list.kind {
                    Kind::Cidr => {
                        match parse_network(entry) {
                            Some(net @ IpNet::V4(_)) => {
                                v4.push((bounds(net).0, bounds(net).1, label))
                            }
                            Some(net @ IpNet::V6(_)) => {
                                v6.push((bounds(net).0, bounds(net).1, label))
                            }
                            None => {}
                        }
                        s.cidr_text.entry(entry.clone()).or_insert(label);
                    }
                    Kind::String => {
                        s.exact.entry(entry.clone()).or_insert(label);
                    }
                    Kind::Hostname => {
                        s.host_exact.entry(entry.clone()).or_insert(label);
                        s.host_suffix
                            .entry(entry.trim_start_matches('.').to_owned())
                            .or_insert(label);
                    }
                    Kind::Substring => {
                        patterns.push(entry.clone());
                        s.substring_labels.push(label);
                    }
                    Kind::Regex => {}
                }
            }
        }
        s.v4 = Ranges::build(v4);
        s.v6 = Ranges::build(v6);
        if !patterns.is_empty() {
            s.substrings = AhoCorasick::new(&patterns).ok();
        }
        s.lists = lists;
        s
    }

    fn hit(&self, label: u32) -> Hit<'_> {
        let (li, ei) = self.labels[label as usize];
        let list = &self.lists[li as usize];
        Hit {
            list,
            entry: &list.list[ei as usize],
        }
    }

    /// Keeps a hit only if its list applies to values of these MISP attribute types.
    fn applying(&self, label: Option<u32>, attrs: &[&str]) -> Option<Hit<'_>> {
        label
            .map(|l| self.hit(l))
            .filter(|h| h.list.applies_to(attrs))
    }

    /// An address or network overlapping a range of a `cidr` list.
    pub fn network(&self, net: IpNet) -> Option<Hit<'_>> {
        let (first, last) = bounds(net);
        let ranges = match net {
            IpNet::V4(_) => &self.v4,
            IpNet::V6(_) => &self.v6,
        };
        self.applying(ranges.overlapping(first, last), ADDRESS_ATTRS)
    }

    /// A (lowercase) domain: equal to a `string` entry, a `hostname` entry or a subdomain of
    /// one, or holding a `substring` entry.
    pub fn domain(&self, domain: &str) -> Option<Hit<'_>> {
        self.applying(self.exact.get(domain).copied(), DOMAIN_ATTRS)
            .or_else(|| self.applying(self.host_label(domain), DOMAIN_ATTRS))
            .or_else(|| self.applying(self.substring_label(domain), DOMAIN_ATTRS))
    }

    /// A URL: equal to a `string` entry, its host matching a `hostname` list, or holding a
    /// `substring` entry (lists that apply to URLs only).
    pub fn url(&self, url: &str) -> Option<Hit<'_>> {
        let host = url_host(url);
        self.applying(self.exact.get(url).copied(), URL_ATTRS)
            .or_else(|| {
                host.as_deref()
                    .and_then(|h| self.applying(self.host_label(h), URL_ATTRS))
            })
            .or_else(|| self.applying(self.substring_label(url), URL_ATTRS))
    }

    /// `hostname` semantics: the name equals an entry as written, or ends with `.` and an
    /// entry without its leading dot. One hash lookup per label.
    fn host_label(&self, name: &str) -> Option<u32> {
        if let Some(l) = self.host_exact.get(name) {
            return Some(*l);
        }
        name.match_indices('.')
            .find_map(|(i, _)| self.host_suffix.get(&name[i + 1..]).copied())
    }

    fn substring_label(&self, value: &str) -> Option<u32> {
        let m = self.substrings.as_ref()?.find(value)?;
        Some(self.substring_labels[m.pattern().as_usize()])
    }

    /// Whether `value` is in the list of this screen named `id`, with `pymispwarninglists`'
    /// semantics (`value in WarningList` with `slow_search=True`), whatever the list's
    /// matching attributes say. For the agreement test with the Python package.
    pub fn python_verdict(&self, value: &str) -> bool {
        let label = match value.parse::<IpAddr>() {
            Ok(a) => {
                let (first, last) = bounds(IpNet::from(a));
                match a {
                    IpAddr::V4(_) => self.v4.overlapping(first, last),
                    IpAddr::V6(_) => self.v6.overlapping(first, last),
                }
            }
            Err(_) => self.cidr_text.get(value).copied(),
        };
        label.is_some()
            || self.exact.contains_key(value)
            || self
                .host_label(&url_host(value).unwrap_or_else(|| value.to_owned()))
                .is_some()
            || self.substring_label(value).is_some()
    }

    pub fn lists(&self) -> &[List] {
        &self.lists
    }
}

/// A list entry as a network: an address or a canonical CIDR network (an entry with host
/// bits set is not a network, as for Python's `ip_network`).
fn parse_network(entry: &str) -> Option<IpNet> {
    if entry.contains('/') {
        entry.parse::<IpNet>().ok().filter(|n| n.trunc() == *n)
    } else {
        entry.parse::<IpAddr>().ok().map(IpNet::from)
    }
}

/// The lowercase host of an absolute URL (`scheme://[user@]host[:port]/...`), as Python's
/// `urlparse(value).hostname`; `None` for anything without `//`.
pub fn url_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_false_positives_are_caught() {
        let s = Screen::shipped();
        let addr = |a: &str| s.network(IpNet::from(a.parse::<IpAddr>().unwrap()));
        assert_eq!(addr("8.8.8.8").unwrap().list.id, "public-dns-v4");
        assert_eq!(addr("1.1.1.1").unwrap().list.id, "public-dns-v4");
        assert_eq!(
            addr("2001:4860:4860::8888").unwrap().list.id,
            "public-dns-v6"
        );
        // A Cloudflare range, and a network overlapping one.
        assert_eq!(addr("104.16.0.1").unwrap().list.id, "cloudflare");
        assert_eq!(
            s.network("104.16.0.0/12".parse().unwrap()).unwrap().list.id,
            "cloudflare"
        );
        assert_eq!(
            addr("10.1.2.3").unwrap().list.category,
            Some(Category::SpecialPurpose)
        );
        assert!(
            addr("202.114.4.119").is_none(),
            "the Contec host is not benign"
        );
        assert_eq!(s.domain("google.com").unwrap().list.id, "tranco10k");
        assert_eq!(s.domain("www.google.com").unwrap().entry, "google.com");
        assert!(s.domain("google.com.evil.example").is_none());
        assert!(
            s.domain("evil.duckdns.org").is_none(),
            "public suffixes are curated out"
        );
        assert_eq!(s.domain("example.com").unwrap().list.id, "rfc6761");
        assert_eq!(
            s.url("https://www.google.com/search?q=x").unwrap().list.id,
            "tranco10k"
        );
        // rfc6761 does not apply to URLs (its matching attributes say so).
        let only = Screen::new(
            lists::shipped()
                .into_iter()
                .filter(|l| l.id == "rfc6761")
                .collect(),
        );
        assert!(only.domain("example.com").is_some());
        assert!(only.url("http://example.com/x").is_none());
        assert!(only.python_verdict("example.com"));
        assert!(
            s.domain("c2.example.com").is_none(),
            "documentation names are curated out"
        );
        assert_eq!(s.domain("www.virustotal.com").unwrap().list.id, "tranco10k");
        assert_eq!(
            s.domain("sandbox.anlyz.io.example").unwrap().list.id,
            "automated-malware-analysis"
        );
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("http://User@Ex.COM:80/x").as_deref(),
            Some("ex.com")
        );
        assert_eq!(
            url_host("https://[2001:db8::1]:443/").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(url_host("example.com/x"), None);
        assert_eq!(url_host("://x"), None);
    }
}
