//! The Intel file's rows: one row per address, network, domain, URL and file hash of the
//! catalogue (indicators first, in catalogue order, then every bulk list's entries, each
//! list sorted), written straight into the file.
//!
//! Guarantees: each row has exactly the seven columns of the `#fields` header; the indicator
//! is in the canonical form the Intel framework matches (`Intel::URL` without its scheme,
//! networks as canonical CIDR); an indicator value and type appear once (the first entry
//! wins, later duplicates are counted); ports cannot be Intel indicators and are reported as
//! skipped, never dropped silently.

use std::collections::HashSet;

use ipnet::IpNet;

use super::escape::escape_intel;
use crate::model::{Action, BulkList, Catalogue, HashAlgo, Meta, Observable};
use crate::net::V4;
use crate::targets::Skipped;

/// What the Intel file holds: rows written and entries folded into an earlier row.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntelCounts {
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

/// `meta.desc` after the row's label: the role (or description) and the CVEs.
fn desc_tail(meta: &Meta) -> String {
    let mut d = String::new();
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
            "a port is not an Intel indicator type; the module matches it in {} {}",
            if users.len() == 1 {
                "detection"
            } else {
                "detections"
            },
            crate::diag::and_list(&users)
        )
    }
}

/// Appends one field through the Intel escaper.
fn field(out: &mut String, f: &str) {
    // The Intel escaper only removes characters; it never refuses.
    let _ = escape_intel(f, out);
}

/// Appends one row: seven fields, each through the Intel escaper, TAB-separated.
fn row(out: &mut String, fields: [&str; 7]) {
    for (k, f) in fields.iter().enumerate() {
        if k > 0 {
            out.push('\t');
        }
        field(out, f);
    }
    out.push('\n');
}

/// The fixed parts of a bulk list's rows, escaped once: the escaper removes characters one by
/// one, so escaping the parts is escaping the whole field (a field left empty by it is `-`
/// either way: the parts around the value and the line are never empty).
struct ListRow {
    /// TAB, source, TAB, `<list id>:` (the start of `meta.desc`).
    head: String,
    /// The rest of `meta.desc`, TAB, url, TAB, do_notice, TAB, `-`, newline.
    tail: String,
}

impl ListRow {
    fn new(c: &Catalogue, list: &BulkList, src: &str) -> ListRow {
        let mut head = String::from("\t");
        field(&mut head, src);
        head.push('\t');
        let _ = escape_intel(&format!("{}:", list.id), &mut head);
        let mut tail = String::new();
        let rest = desc_tail(&list.meta);
        if !rest.is_empty() {
            let _ = escape_intel(&rest, &mut tail);
        }
        tail.push('\t');
        field(&mut tail, &url(c, &list.meta));
        tail.push('\t');
        field(&mut tail, do_notice(&list.meta));
        tail.push_str("\t-\n");
        ListRow { head, tail }
    }

    /// Appends the row of `value` (of `kind`) read from `line`.
    fn write(&self, out: &mut String, value: &str, kind: &str, line: u32) {
        use std::fmt::Write as _;
        field(out, value);
        out.push('\t');
        out.push_str(kind);
        out.push_str(&self.head);
        let _ = write!(out, "{line}");
        out.push_str(&self.tail);
    }
}

/// Bytes of rows gathered before they go to the file.
const FLUSH: usize = 1 << 16;

/// Writes the Intel rows into `w`: the catalogue's indicators, then every bulk list's entries
/// (each list in its sorted order). A port indicator is refused with the reason naming the
/// detections that match it. Repeats are found without a set of every value: within a list
/// they are neighbours, across lists a binary search in the earlier lists finds them.
pub fn write_rows(
    c: &Catalogue,
    refused: &mut Vec<Skipped>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<IntelCounts> {
    let src = source(c);
    let mut rows = Rows {
        out: String::with_capacity(FLUSH + 1024),
        counts: IntelCounts::default(),
        w,
    };
    let seen = indicator_rows(c, &src, refused, &mut rows);
    for n in 0..c.bulk.len() {
        bulk_rows(c, n, &src, &seen, &mut rows)?;
    }
    rows.w.write_all(rows.out.as_bytes())?;
    Ok(rows.counts)
}

/// Rows gathered for the Intel file, handed to it in chunks of about [`FLUSH`] bytes, and
/// the counts of what was written and what was a repeat.
struct Rows<'w> {
    out: String,
    counts: IntelCounts,
    w: &'w mut dyn std::io::Write,
}

impl Rows<'_> {
    /// Adds the row of one bulk entry (or counts it as a repeat), flushing a full chunk.
    fn entry(
        &mut self,
        fixed: &ListRow,
        value: &str,
        kind: &str,
        line: u32,
        dup: bool,
    ) -> std::io::Result<()> {
        if dup {
            self.counts.duplicates += 1;
        } else {
            fixed.write(&mut self.out, value, kind, line);
            self.counts.count += 1;
        }
        if self.out.len() >= FLUSH {
            self.w.write_all(self.out.as_bytes())?;
            self.out.clear();
        }
        Ok(())
    }
}

/// Adds the rows of the catalogue's own indicators and returns the keys written, so that
/// the bulk lists after them can tell a repeat.
fn indicator_rows<'c>(
    c: &'c Catalogue,
    src: &str,
    refused: &mut Vec<Skipped>,
    rows: &mut Rows<'_>,
) -> HashSet<Key<'c>> {
    let mut seen: HashSet<Key<'c>> = HashSet::new();
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
        if !seen.insert(key) {
            rows.counts.duplicates += 1;
            continue;
        }
        if let Some((kind, value)) = intel_of(&i.observable) {
            let desc = format!("{}{}", i.id, desc_tail(&i.meta));
            row(
                &mut rows.out,
                [
                    &value,
                    kind,
                    src,
                    &desc,
                    &url(c, &i.meta),
                    do_notice(&i.meta),
                    "-",
                ],
            );
            rows.counts.count += 1;
        }
    }
    seen
}

/// Adds the rows of bulk list `n`: IPv4, then IPv6 entries, then domains. An entry is a
/// repeat when its neighbour, an indicator in `seen` or an earlier list holds it.
fn bulk_rows(
    c: &Catalogue,
    n: usize,
    src: &str,
    seen: &HashSet<Key<'_>>,
    rows: &mut Rows<'_>,
) -> std::io::Result<()> {
    let b = &c.bulk[n];
    let fixed = ListRow::new(c, b, src);
    let earlier = &c.bulk[..n];
    let mut value = String::new();
    let mut last4 = None;
    for e in b.networks.v4() {
        let kind = if e.is_host() {
            "Intel::ADDR"
        } else {
            "Intel::SUBNET"
        };
        let dup = last4 == Some(e.key())
            || seen.contains(&Key::Net(kind, IpNet::V4(e.net())))
            || earlier.iter().any(|l| {
                l.networks
                    .v4()
                    .binary_search_by_key(&e.key(), |x| x.key())
                    .is_ok()
            });
        last4 = Some(e.key());
        value.clear();
        show_v4(e.addr, e.len, &mut value);
        rows.entry(&fixed, &value, kind, e.line, dup)?;
    }
    let mut last6 = None;
    for e in b.networks.v6() {
        let kind = if e.is_host() {
            "Intel::ADDR"
        } else {
            "Intel::SUBNET"
        };
        let dup = last6 == Some(e.key())
            || seen.contains(&Key::Net(kind, IpNet::V6(e.net())))
            || earlier.iter().any(|l| {
                l.networks
                    .v6()
                    .binary_search_by_key(&e.key(), |x| x.key())
                    .is_ok()
            });
        last6 = Some(e.key());
        value.clear();
        if e.is_host() {
            value.push_str(&std::net::Ipv6Addr::from(e.addr()).to_string());
        } else {
            value.push_str(&e.net().to_string());
        }
        rows.entry(&fixed, &value, kind, e.line, dup)?;
    }
    let mut last: Option<&str> = None;
    for (d, line) in b.domains.iter() {
        let dup = last == Some(d)
            || seen.contains(&Key::Text("Intel::DOMAIN", d))
            || earlier.iter().any(|l| domain_listed(l, d));
        last = Some(d);
        rows.entry(&fixed, d, "Intel::DOMAIN", line, dup)?;
    }
    Ok(())
}

/// Whether a sorted domain list holds `d`.
fn domain_listed(l: &BulkList, d: &str) -> bool {
    let (mut lo, mut hi) = (0, l.domains.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        match l.domains.get(mid).map(|(x, _)| x.cmp(d)) {
            Some(std::cmp::Ordering::Less) => lo = mid + 1,
            Some(std::cmp::Ordering::Greater) => hi = mid,
            _ => return true,
        }
    }
    false
}

/// An IPv4 address bare, a network with its length.
fn show_v4(addr: u32, len: u8, out: &mut String) {
    use std::fmt::Write as _;
    let _ = if len == 32 {
        write!(out, "{}", V4(addr.into()))
    } else {
        write!(out, "{}/{len}", V4(addr.into()))
    };
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
