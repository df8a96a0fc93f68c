//! The Intel file view: one row per address, network, domain, URL and file hash of the
//! catalogue (indicators first, then every bulk entry), in catalogue order.
//!
//! Guarantees: each row has exactly the seven columns of the `#fields` header; the indicator
//! is in the canonical form the Intel framework matches (`Intel::URL` without its scheme,
//! networks as canonical CIDR); an indicator value and type appear once (the first entry
//! wins, later duplicates are counted); ports cannot be Intel indicators and are reported as
//! skipped, never dropped silently.

use std::collections::HashSet;

use ipnet::IpNet;

use super::escape::escape_intel;
use crate::model::{Action, BulkKind, Catalogue, HashAlgo, Meta, Observable};
use crate::targets::Skipped;

/// The Intel rows, already escaped: a feed of a million entries is written here, line by
/// line, rather than through a template loop. Every field passes [`escape_intel`] (the
/// `intel` escaper of the templates), so each line has exactly the seven `#fields`.
pub struct IntelView {
    /// One line per row, each ending with `\n`.
    pub rows: String,
    pub count: usize,
    /// Entries that repeat an indicator already listed (folded into its first row).
    pub duplicates: usize,
}

/// What makes two rows the same indicator: the Intel type and the typed value, borrowed
/// from the catalogue (the same pairs as the type and text of the row).
#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    Net(&'static str, IpNet),
    Text(&'static str, &'a str),
}

/// `meta.source`: stable across versions, so a re-read file replaces its own entries.
pub fn source(c: &Catalogue) -> String {
    format!("{} ({})", c.id, c.advisory.id)
}

fn do_notice(meta: &Meta) -> &'static str {
    match meta.action {
        Action::Block | Action::Alert => "T",
        Action::Monitor => "F",
    }
}

fn desc(label: &str, meta: &Meta) -> String {
    let mut d = label.to_owned();
    if let Some(role) = meta.role.as_deref().or(meta.description.as_deref()) {
        d.push_str(": ");
        d.push_str(role);
    }
    if !meta.cves.is_empty() {
        d.push_str(&format!(" ({})", meta.cves.join(", ")));
    }
    d
}

fn url(c: &Catalogue, meta: &Meta) -> String {
    meta.references
        .first()
        .or(c.advisory.references.first())
        .cloned()
        .unwrap_or_default()
}

/// A URL as `Intel::URL` wants it: without `scheme://`.
pub fn strip_scheme(u: &str) -> &str {
    u.split_once("://").map_or(u, |(_, rest)| rest)
}

/// The Intel type and value of an observable, or `None` for ports.
pub fn intel_of(o: &Observable) -> Option<(&'static str, String)> {
    Some(match o {
        Observable::Address(a) => ("Intel::ADDR", a.to_string()),
        Observable::Network(n) => ("Intel::SUBNET", n.to_string()),
        Observable::Domain(d) => ("Intel::DOMAIN", d.clone()),
        Observable::Url(u) => ("Intel::URL", strip_scheme(u).to_owned()),
        Observable::FileHash { hex, .. } => ("Intel::FILE_HASH", hex.clone()),
        Observable::Port { .. } => return None,
    })
}

/// Why a port indicator is not in the Intel file, naming the detections whose ports cover it
/// (the module matches those).
fn port_reason(c: &Catalogue, o: &Observable) -> String {
    let Observable::Port {
        transport,
        first,
        last,
    } = o
    else {
        return String::new();
    };
    let users: Vec<&str> = c
        .detections
        .iter()
        .filter(|d| {
            d.ports.iter().any(|r| {
                r.transport.is_none_or(|t| t == *transport) && r.first <= *first && *last <= r.last
            })
        })
        .map(|d| d.id.as_str())
        .collect();
    if users.is_empty() {
        "a port is not an Intel indicator type, and no detection matches it".into()
    } else {
        format!(
            "a port is not an Intel indicator type; the module matches it in detection {}",
            users.join(", ")
        )
    }
}

/// Appends one row: seven fields, each through the Intel escaper, TAB-separated.
fn row(out: &mut String, fields: [&str; 7]) {
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            out.push('\t');
        }
        // The Intel escaper only removes characters; it never refuses.
        let _ = escape_intel(f, out);
    }
    out.push('\n');
}

/// The Intel rows; a port indicator is refused with the reason naming the detections that
/// match it.
pub fn view<'c>(c: &'c Catalogue, refused: &mut Vec<Skipped>) -> IntelView {
    let src = source(c);
    let mut seen: HashSet<Key<'c>> = HashSet::with_capacity(c.indicator_count());
    let mut rows = String::with_capacity(c.indicator_count() * 96);
    let mut count = 0;
    let mut duplicates = 0;
    let mut push = |key: Key<'c>, kind: &str, indicator: &str, desc: &str, meta: &Meta| {
        if seen.insert(key) {
            row(
                &mut rows,
                [
                    indicator,
                    kind,
                    &src,
                    desc,
                    &url(c, meta),
                    do_notice(meta),
                    "-",
                ],
            );
            count += 1;
        } else {
            duplicates += 1;
        }
    };
    for i in &c.indicators {
        let key = match &i.observable {
            Observable::Address(a) => Key::Net("Intel::ADDR", IpNet::from(*a)),
            Observable::Network(n) => Key::Net("Intel::SUBNET", *n),
            Observable::Domain(d) => Key::Text("Intel::DOMAIN", d),
            Observable::Url(u) => Key::Text("Intel::URL", strip_scheme(u)),
            Observable::FileHash { hex, .. } => Key::Text("Intel::FILE_HASH", hex),
            Observable::Port { .. } => {
                refused.push(Skipped::new(&i.id, port_reason(c, &i.observable)));
                continue;
            }
        };
        if let Some((kind, value)) = intel_of(&i.observable) {
            push(key, kind, &value, &desc(&i.id, &i.meta), &i.meta);
        }
    }
    let mut value = String::new();
    let mut label = String::new();
    for b in &c.bulk {
        use std::fmt::Write as _;
        match b.kind {
            BulkKind::Address => {
                for (net, line) in &b.networks {
                    value.clear();
                    let kind = if net.prefix_len() == net.max_prefix_len() {
                        let _ = write!(value, "{}", net.addr());
                        "Intel::ADDR"
                    } else {
                        let _ = write!(value, "{net}");
                        "Intel::SUBNET"
                    };
                    label.clear();
                    let _ = write!(label, "{}:{line}", b.id);
                    push(
                        Key::Net(kind, *net),
                        kind,
                        &value,
                        &desc(&label, &b.meta),
                        &b.meta,
                    );
                }
            }
            BulkKind::Domain => {
                for (d, line) in &b.domains {
                    label.clear();
                    let _ = write!(label, "{}:{line}", b.id);
                    push(
                        Key::Text("Intel::DOMAIN", d),
                        "Intel::DOMAIN",
                        d,
                        &desc(&label, &b.meta),
                        &b.meta,
                    );
                }
            }
        }
    }
    IntelView {
        rows,
        count,
        duplicates,
    }
}

/// The Zeek file analyzers that compute the digests of the catalogue's file hashes, once each
/// (MD5, SHA1, SHA256 order). Zeek hashes no file by default, and `hash-all-files` computes
/// MD5 and SHA1 only: without these an `Intel::FILE_HASH` row never matches.
pub fn hash_analyzers(c: &Catalogue) -> Vec<&'static str> {
    let has = |algo: HashAlgo| {
        c.indicators
            .iter()
            .any(|i| matches!(&i.observable, Observable::FileHash { algo: a, .. } if *a == algo))
    };
    [
        (HashAlgo::Md5, "Files::ANALYZER_MD5"),
        (HashAlgo::Sha1, "Files::ANALYZER_SHA1"),
        (HashAlgo::Sha256, "Files::ANALYZER_SHA256"),
    ]
    .into_iter()
    .filter(|(algo, _)| has(*algo))
    .map(|(_, tag)| tag)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Catalogue {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let mut cache = crate::diag::SourceCache::default();
        let today = jiff::civil::date(2026, 11, 26);
        crate::load::load_catalogue(&path, today, &crate::targets::names(), &mut cache)
            .catalogue
            .expect("fixture validates")
    }

    #[test]
    fn file_hashes_get_the_analyzers_that_compute_them() {
        // Regression: the package relied on the site hashing files; Zeek hashes none by
        // default and hash-all-files has no SHA-256, so the Contec binary's row never matched.
        assert_eq!(
            hash_analyzers(&fixture("iocs/contec-cms8000.yaml")),
            ["Files::ANALYZER_SHA256"]
        );
        assert_eq!(
            hash_analyzers(&fixture("tests/fixtures/zeek-intel.yaml")),
            [
                "Files::ANALYZER_MD5",
                "Files::ANALYZER_SHA1",
                "Files::ANALYZER_SHA256"
            ]
        );
        assert!(hash_analyzers(&fixture("tests/fixtures/good/bulk-only.yaml")).is_empty());
    }

    #[test]
    fn urls_lose_their_scheme_only() {
        assert_eq!(
            strip_scheme("https://a.example/x?y=z://"),
            "a.example/x?y=z://"
        );
        assert_eq!(strip_scheme("a.example/x"), "a.example/x");
    }
}
