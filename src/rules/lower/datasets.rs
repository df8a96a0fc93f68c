//! Dataset files and their sizes: what a large list's exact addresses and domains become.
//!
//! Guarantees:
//! - IPv4 addresses go to `type ipv4` datasets and IPv6 addresses to `type ip` datasets,
//!   never mixed (Suricata 8 refuses any IPv4 line in a `type ip` file);
//! - every dataset names its `hashsize` (a power of two, at most the policy's
//!   `max-hashsize`, 65536 by default: both Suricata 7's and 8's packaged
//!   `single-hashsize` accept it) and a `memcap` sized to its entries with headroom; both are
//!   rounded up to powers of two, so a list that grows or shrinks a little keeps its rule
//!   text (sid and rev) and changes only its data file;
//! - a list with more distinct entries than [`LOAD_FACTOR`] times the largest hashsize is
//!   split into parts of about equal size (loading time grows with the chains of the hash
//!   table, so smaller tables load much faster: measured, 900 000 IPv4 addresses load in
//!   3.4 s as one `hashsize 65536` dataset and in 1.5 s as eight);
//! - data files are written from the sorted bulk lists as they are read (each entry once),
//!   never copied into the plan.

use std::io::Write;
use std::ops::Range;

use super::words::base64;
use crate::model::Catalogue;
use crate::net::push_v4;

/// Most entries per hash bucket a dataset is planned for.
pub const LOAD_FACTOR: usize = 2;
/// Smallest hashsize iocc writes.
pub const MIN_HASHSIZE: u32 = 1024;
/// What Suricata's dataset hash tables cost, measured with 7.0.10 and 8.0.6 (the larger):
/// about 64 bytes a bucket and 128 bytes an entry besides the entry's own bytes.
const BUCKET_BYTES: u64 = 64;
const ENTRY_BYTES: u64 = 128;
/// The smallest `memcap` written.
const MIN_MEMCAP: u64 = 4 << 20;

/// The `hashsize` and `memcap` of one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub hashsize: u32,
    pub memcap: u64,
}

/// The size of a dataset of `entries` entries holding `bytes` bytes of data in all.
pub fn size(entries: usize, bytes: u64, max_hashsize: u32) -> Size {
    let want = entries.div_ceil(LOAD_FACTOR).max(1).next_power_of_two();
    let hashsize = (want.min(max_hashsize as usize) as u32).max(MIN_HASHSIZE.min(max_hashsize));
    let need = u64::from(hashsize) * BUCKET_BYTES + entries as u64 * ENTRY_BYTES + bytes;
    // Half as much again for headroom, then the next power of two.
    let memcap = (need + need / 2).next_power_of_two().max(MIN_MEMCAP);
    Size { hashsize, memcap }
}

/// Cuts a sorted sequence of keys (repeats side by side; `None` for entries that are not
/// part of the dataset) into ranges of about equal numbers of distinct keys, at most
/// `per_part` each. Each part: its range of positions, its distinct keys and their bytes.
pub fn parts<K: PartialEq>(
    keys: impl Iterator<Item = Option<(K, u64)>> + Clone,
    per_part: usize,
) -> Vec<(Range<usize>, usize, u64)> {
    let mut distinct = 0usize;
    let mut last: Option<K> = None;
    let mut len = 0;
    for k in keys.clone() {
        len += 1;
        if let Some((k, _)) = k {
            if last.as_ref() != Some(&k) {
                distinct += 1;
                last = Some(k);
            }
        }
    }
    if distinct == 0 {
        return Vec::new();
    }
    let count = distinct.div_ceil(per_part.max(1));
    let target = distinct.div_ceil(count);
    let mut out = Vec::with_capacity(count);
    let (mut start, mut in_part, mut bytes) = (0, 0, 0u64);
    let mut last: Option<K> = None;
    for (i, k) in keys.enumerate() {
        let Some((k, b)) = k else { continue };
        if last.as_ref() == Some(&k) {
            continue;
        }
        if in_part == target {
            out.push((start..i, in_part, bytes));
            (start, in_part, bytes) = (i, 0, 0);
        }
        in_part += 1;
        bytes += b;
        last = Some(k);
    }
    out.push((start..len, in_part, bytes));
    out
}

/// A dataset file the rules load, beside the rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: String,
    pub entries: DataEntries,
}

/// What a dataset file holds. Lists are sorted, each entry written once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataEntries {
    /// IPv4 addresses (`type ipv4`).
    V4(Vec<u32>),
    /// IPv6 addresses (`type ip`).
    V6(Vec<u128>),
    /// Strings (`type string`), written in base64.
    Strings(Vec<String>),
    /// The IPv4 hosts among the entries `range` of bulk list `list`.
    ListV4 { list: usize, range: Range<usize> },
    /// The IPv6 hosts among the entries `range` of bulk list `list`.
    ListV6 { list: usize, range: Range<usize> },
    /// The domains `range` of bulk list `list`.
    ListDomains { list: usize, range: Range<usize> },
}

/// Bytes gathered before they go to the file.
const FLUSH: usize = 1 << 16;

impl DataFile {
    /// Writes the file in Suricata's dataset format: one entry a line, strings in base64.
    pub fn write(&self, c: &Catalogue, w: &mut dyn Write) -> std::io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(FLUSH + 512);
        let line = |buf: &mut Vec<u8>, w: &mut dyn Write, f: &dyn Fn(&mut Vec<u8>)| {
            f(buf);
            buf.push(b'\n');
            if buf.len() >= FLUSH {
                w.write_all(buf)?;
                buf.clear();
            }
            Ok::<(), std::io::Error>(())
        };
        let v6 = |b: &mut Vec<u8>, a: u128| {
            let _ = write!(b, "{}", std::net::Ipv6Addr::from(a));
        };
        let text = |b: &mut Vec<u8>, s: &str| b.extend_from_slice(base64(s.as_bytes()).as_bytes());
        match &self.entries {
            DataEntries::V4(list) => {
                for &a in list {
                    line(&mut buf, w, &|b| push_v4(b, a.into()))?;
                }
            }
            DataEntries::V6(list) => {
                for &a in list {
                    line(&mut buf, w, &|b| v6(b, a))?;
                }
            }
            DataEntries::Strings(list) => {
                for s in list {
                    line(&mut buf, w, &|b| text(b, s))?;
                }
            }
            DataEntries::ListV4 { list, range } => {
                let mut last = None;
                for e in &c.bulk[*list].networks.v4()[range.clone()] {
                    if e.is_host() && last != Some(e.addr) {
                        line(&mut buf, w, &|b| push_v4(b, e.addr.into()))?;
                        last = Some(e.addr);
                    }
                }
            }
            DataEntries::ListV6 { list, range } => {
                let mut last = None;
                for e in &c.bulk[*list].networks.v6()[range.clone()] {
                    if e.is_host() && last != Some(e.addr()) {
                        line(&mut buf, w, &|b| v6(b, e.addr()))?;
                        last = Some(e.addr());
                    }
                }
            }
            DataEntries::ListDomains { list, range } => {
                let domains = &c.bulk[*list].domains;
                let mut last = None;
                for i in range.clone() {
                    let Some((d, _)) = domains.get(i) else { break };
                    if last != Some(d) {
                        line(&mut buf, w, &|b| text(b, d))?;
                        last = Some(d);
                    }
                }
            }
        }
        w.write_all(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_powers_of_two_within_the_limits() {
        let s = size(900_000, 900_000 * 4, 65_536);
        assert_eq!(s.hashsize, 65_536);
        // Measured: Suricata 8.0.6 needs 87 MiB for 900 000 IPv4 entries at hashsize 65536.
        assert!(s.memcap >= 87 << 20 && s.memcap.is_power_of_two(), "{s:?}");
        let small = size(150, 600, 65_536);
        assert_eq!(small.hashsize, MIN_HASHSIZE);
        assert_eq!(small.memcap, MIN_MEMCAP);
        assert_eq!(size(3000, 0, 65_536).hashsize, 2048);
        assert_eq!(size(1_000_000, 0, 262_144).hashsize, 262_144);
        // A list that grows a little keeps its size (and so its rule).
        assert_eq!(
            size(100_000, 400_000, 65_536),
            size(101_000, 404_000, 65_536)
        );
    }

    #[test]
    fn parts_cut_at_distinct_values() {
        let keys = [1, 1, 2, 3, 3, 3, 4, 5, 6, 6, 7];
        let it = keys.iter().map(|&k| Some((k, 1)));
        let p = parts(it.clone(), 3);
        assert_eq!(
            p,
            vec![(0..6, 3, 3), (6..10, 3, 3), (10..11, 1, 1)],
            "repeats stay in one part"
        );
        let one = parts(it, 100);
        assert_eq!(one, vec![(0..11, 7, 7)]);
        // Entries that are not keys (networks among the hosts) are skipped, not counted.
        let mixed = [Some((1, 1)), None, Some((2, 1)), None];
        assert_eq!(
            parts(mixed.into_iter(), 1),
            vec![(0..2, 1, 1), (2..4, 1, 1)]
        );
        assert!(parts(std::iter::empty::<Option<(u8, u64)>>(), 5).is_empty());
    }
}
