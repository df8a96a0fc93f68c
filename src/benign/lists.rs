//! The curated MISP warninglists shipped inside the binary (`src/benign/data/*.json`, CC0,
//! from the PyPI package `pymispwarninglists`; `data/regenerate.py` rewrites them).
//!
//! Guarantees: every list carries its warninglist name, version, type and matching
//! attributes as published; the files are parsed once, on first use, and a file that does not
//! parse is a build-time bug caught by the unit tests, never a runtime panic (it is skipped).

use serde::Deserialize;

/// Why a list is in the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Special-purpose ranges and names (RFC 1918, 5735, 6598, 3849, 5771, 4291, 6761).
    SpecialPurpose,
    /// Public DNS resolvers, by address and by name.
    PublicDns,
    /// CDN and well-known service ranges.
    ServiceRanges,
    /// Popular domains.
    PopularDomains,
}

/// How a list's entries match a value (the warninglist `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The value equals an entry.
    String,
    /// An entry occurs inside the value.
    Substring,
    /// The value (or a URL's host) is an entry or a subdomain of one.
    Hostname,
    /// The address lies in an entry's network.
    Cidr,
    /// Regular expressions: not in the subset, never matched.
    Regex,
}

/// One warninglist.
#[derive(Debug, Clone, Deserialize)]
pub struct List {
    /// The file's stem, e.g. `public-dns-v4` (the folder name upstream).
    #[serde(skip)]
    pub id: &'static str,
    #[serde(skip)]
    pub category: Option<Category>,
    /// The warninglist's own name, e.g. `List of known IPv4 public DNS resolvers`.
    pub name: String,
    pub version: u64,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub matching_attributes: Vec<String>,
    pub list: Vec<String>,
}

impl List {
    /// Whether the list applies to MISP attributes of any of these types.
    pub fn applies_to(&self, attributes: &[&str]) -> bool {
        self.matching_attributes
            .iter()
            .any(|a| attributes.contains(&a.as_str()))
    }

    /// Parses one list file; `None` if it is not a warninglist.
    pub fn parse(id: &'static str, category: Option<Category>, json: &str) -> Option<List> {
        let mut l: List = serde_json::from_str(json).ok()?;
        l.id = id;
        l.category = category;
        Some(l)
    }
}

macro_rules! lists {
    ($($id:literal => $cat:ident,)*) => {
        /// Every shipped list: (file stem, category, JSON text).
        pub const LISTS: &[(&str, Category, &str)] = &[
            $(($id, Category::$cat, include_str!(concat!("data/", $id, ".json"))),)*
        ];
    };
}

// Keep in step with SUBSET in data/regenerate.py (a unit test compares the folder).
lists! {
    "rfc1918" => SpecialPurpose,
    "rfc5735" => SpecialPurpose,
    "rfc6598" => SpecialPurpose,
    "rfc3849" => SpecialPurpose,
    "multicast" => SpecialPurpose,
    "ipv6-linklocal" => SpecialPurpose,
    "rfc6761" => SpecialPurpose,
    "public-dns-v4" => PublicDns,
    "public-dns-v6" => PublicDns,
    "public-dns-hostname" => PublicDns,
    "akamai" => ServiceRanges,
    "cloudflare" => ServiceRanges,
    "fastly" => ServiceRanges,
    "stackpath" => ServiceRanges,
    "google-gmail-sending-ips" => ServiceRanges,
    "googlebot" => ServiceRanges,
    "microsoft-office365-ip" => ServiceRanges,
    "apple" => ServiceRanges,
    "wikimedia" => ServiceRanges,
    "umbrella-blockpage-v4" => ServiceRanges,
    "umbrella-blockpage-v6" => ServiceRanges,
    "tranco10k" => PopularDomains,
    "automated-malware-analysis" => PopularDomains,
}

/// Parses every shipped list.
pub fn shipped() -> Vec<List> {
    LISTS
        .iter()
        .filter_map(|(id, cat, json)| List::parse(id, Some(*cat), json))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_is_listed() {
        let parsed = shipped();
        assert_eq!(parsed.len(), LISTS.len(), "a shipped list does not parse");
        for l in &parsed {
            assert!(!l.list.is_empty(), "{} is empty", l.id);
            assert!(l.version > 0);
            assert_ne!(l.kind, Kind::Regex, "{}: regex lists are not matched", l.id);
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/benign/data");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.strip_suffix(".json").map(str::to_owned)
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = LISTS.iter().map(|(id, _, _)| (*id).to_owned()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "src/benign/data and LISTS disagree");
        let script = include_str!("data/regenerate.py");
        for id in &listed {
            assert!(
                script.contains(&format!("\"{id}\":")),
                "{id} is not in regenerate.py"
            );
        }
    }
}
