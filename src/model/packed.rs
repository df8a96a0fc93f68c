//! Bulk-list entries packed for scale: addresses and prefixes as integers with their length,
//! domains in one text arena, each with the line it was read from.
//!
//! Guarantees: a list of `n` addresses costs about 12 bytes an IPv4 entry and 24 an IPv6
//! entry, a domain its length plus 12 bytes, whatever the list's attributes (those live once
//! on the [`super::BulkList`]); entries are sorted (IPv4 by address then prefix length, IPv6
//! likewise, domains bytewise), and an entry listed twice keeps both lines, the earlier first,
//! so every target can merge sorted lists without sorting again and drop repeats by looking
//! at its neighbour.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::radix;

/// An IPv4 address or network (the network address, host bits clear) and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V4Entry {
    pub addr: u32,
    pub line: u32,
    pub len: u8,
}

impl V4Entry {
    pub fn net(self) -> Ipv4Net {
        Ipv4Net::new_assert(Ipv4Addr::from(self.addr), self.len)
    }
    /// A single address (`/32`).
    pub fn is_host(self) -> bool {
        self.len == 32
    }
    /// Sort key: address, then prefix length.
    pub fn key(self) -> u64 {
        (u64::from(self.addr) << 8) | u64::from(self.len)
    }
}

/// An IPv6 address or network and its line; the address as two halves keeps the entry at 24
/// bytes (a `u128` would align it to 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V6Entry {
    pub hi: u64,
    pub lo: u64,
    pub line: u32,
    pub len: u8,
}

impl V6Entry {
    pub fn addr(self) -> u128 {
        (u128::from(self.hi) << 64) | u128::from(self.lo)
    }
    pub fn net(self) -> Ipv6Net {
        Ipv6Net::new_assert(Ipv6Addr::from(self.addr()), self.len)
    }
    pub fn is_host(self) -> bool {
        self.len == 128
    }
    /// Sort key: address, then prefix length.
    pub fn key(self) -> (u128, u8) {
        (self.addr(), self.len)
    }
}

/// A domain's place in the arena, and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DomainEntry {
    start: u32,
    line: u32,
    len: u8,
}

/// Addresses and networks of one list, per family, sorted.
#[derive(Debug, Clone, Default)]
pub struct Nets {
    v4: Vec<V4Entry>,
    v6: Vec<V6Entry>,
}

impl Nets {
    /// Adds an entry read from `line` (lists are sorted by [`Nets::finish`]).
    pub fn push(&mut self, net: IpNet, line: u32) {
        match net {
            IpNet::V4(n) => self.v4.push(V4Entry {
                addr: u32::from(n.network()),
                line,
                len: n.prefix_len(),
            }),
            IpNet::V6(n) => {
                let a = u128::from(n.network());
                self.v6.push(V6Entry {
                    hi: (a >> 64) as u64,
                    lo: a as u64,
                    line,
                    len: n.prefix_len(),
                });
            }
        }
    }

    /// Adds an IPv4 entry directly (the fast path of the bulk reader).
    pub fn push_v4(&mut self, addr: u32, len: u8, line: u32) {
        self.v4.push(V4Entry { addr, line, len });
    }

    /// Sorts both families (address, length, then line) and gives back spare capacity.
    ///
    /// IPv4 entries pushed in line order (as a file is read) are radix-sorted on their 40-bit
    /// key: being stable, it keeps repeats in line order, and on a million entries it is
    /// several times faster than a comparison sort.
    pub fn finish(&mut self) {
        if self.v4.windows(2).all(|w| w[0].line <= w[1].line) {
            radix::sort_by_bits(&mut self.v4, 40, V4Entry::key);
        } else {
            self.v4.sort_unstable_by_key(|e| (e.key(), e.line));
        }
        self.v6.sort_unstable_by_key(|e| (e.key(), e.line));
        self.v4.shrink_to_fit();
        self.v6.shrink_to_fit();
    }

    pub fn v4(&self) -> &[V4Entry] {
        &self.v4
    }
    pub fn v6(&self) -> &[V6Entry] {
        &self.v6
    }
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry of index `i` in [`Nets::iter`] order, with its line.
    pub fn get(&self, i: usize) -> Option<(IpNet, u32)> {
        match self.v4.get(i) {
            Some(e) => Some((IpNet::V4(e.net()), e.line)),
            None => self
                .v6
                .get(i - self.v4.len())
                .map(|e| (IpNet::V6(e.net()), e.line)),
        }
    }

    /// Every entry as a network with its line: IPv4 first, each family sorted.
    pub fn iter(&self) -> impl Iterator<Item = (IpNet, u32)> + '_ {
        let v4 = self.v4.iter().map(|e| (IpNet::V4(e.net()), e.line));
        let v6 = self.v6.iter().map(|e| (IpNet::V6(e.net()), e.line));
        v4.chain(v6)
    }
}

/// Domains of one list in one arena, sorted.
#[derive(Debug, Clone, Default)]
pub struct Domains {
    arena: String,
    entries: Vec<DomainEntry>,
}

impl Domains {
    /// Adds a domain (at most 255 bytes, as validated) read from `line`.
    pub fn push(&mut self, domain: &str, line: u32) {
        let start = self.arena.len() as u32;
        self.arena.push_str(domain);
        self.entries.push(DomainEntry {
            start,
            line,
            len: domain.len().min(255) as u8,
        });
    }

    fn text(&self, e: &DomainEntry) -> &str {
        let start = e.start as usize;
        &self.arena[start..start + usize::from(e.len)]
    }

    /// Sorts bytewise (then by line) and gives back spare capacity.
    pub fn finish(&mut self) {
        let arena = &self.arena;
        self.entries.sort_unstable_by(|a, b| {
            let ta = &arena.as_bytes()[a.start as usize..a.start as usize + usize::from(a.len)];
            let tb = &arena.as_bytes()[b.start as usize..b.start as usize + usize::from(b.len)];
            ta.cmp(tb).then(a.line.cmp(&b.line))
        });
        self.arena.shrink_to_fit();
        self.entries.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The domain of sorted index `i` and its line.
    pub fn get(&self, i: usize) -> Option<(&str, u32)> {
        self.entries.get(i).map(|e| (self.text(e), e.line))
    }

    /// Every domain with its line, sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.entries.iter().map(|e| (self.text(e), e.line))
    }
}

/// Merges sorted streams into one sorted stream: items in `key` order, equal keys in stream
/// order (the earlier stream first). Each step looks at every stream's head, which is cheap
/// for the handful of lists a catalogue has.
pub fn merge<'a, T: 'a, K: Ord>(
    streams: Vec<Box<dyn Iterator<Item = T> + 'a>>,
    key: impl Fn(&T) -> K + 'a,
) -> impl Iterator<Item = T> + 'a {
    let mut streams = streams;
    let mut heads: Vec<Option<T>> = streams.iter_mut().map(Iterator::next).collect();
    std::iter::from_fn(move || {
        let mut best: Option<(usize, K)> = None;
        for (i, h) in heads.iter().enumerate() {
            if let Some(item) = h {
                let k = key(item);
                if best.as_ref().is_none_or(|(_, b)| k < *b) {
                    best = Some((i, k));
                }
            }
        }
        let (i, _) = best?;
        let item = heads[i].take();
        heads[i] = streams[i].next();
        item
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries in line order (radix path) and out of line order (comparison path) end in the
    /// same order: address, length, then line, repeats kept.
    #[test]
    fn finish_sorts_by_address_length_then_line() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let entries: Vec<(u32, u8)> = (0..5_000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Few distinct values: many repeats, some as networks.
                let len: u8 = if seed & 1 == 0 { 32 } else { 24 };
                (
                    ((seed >> 8) as u32 & 0x0f0f_0300)
                        & !u32::MAX.checked_shr(u32::from(len)).unwrap_or(0),
                    len,
                )
            })
            .collect();
        let mut want: Vec<V4Entry> = (1..)
            .zip(&entries)
            .map(|(line, &(addr, len))| V4Entry { addr, line, len })
            .collect();
        want.sort_by_key(|e| (e.key(), e.line));
        for reversed in [false, true] {
            let mut nets = Nets::default();
            let mut lines: Vec<u32> = (1..=entries.len() as u32).collect();
            if reversed {
                lines.reverse();
            }
            for &line in &lines {
                let (addr, len) = entries[line as usize - 1];
                nets.push_v4(addr, len, line);
            }
            nets.finish();
            assert_eq!(nets.v4(), &want[..], "reversed: {reversed}");
        }
    }

    #[test]
    fn merged_streams_stay_sorted_and_stable() {
        let a: Vec<(u32, char)> = vec![(1, 'a'), (3, 'a'), (3, 'a'), (7, 'a')];
        let b: Vec<(u32, char)> = vec![(0, 'b'), (3, 'b'), (9, 'b')];
        let c: Vec<(u32, char)> = Vec::new();
        let merged: Vec<(u32, char)> = merge(
            vec![
                Box::new(a.into_iter()),
                Box::new(b.into_iter()),
                Box::new(c.into_iter()),
            ],
            |x| x.0,
        )
        .collect();
        assert_eq!(
            merged,
            [
                (0, 'b'),
                (1, 'a'),
                (3, 'a'),
                (3, 'a'),
                (3, 'b'),
                (7, 'a'),
                (9, 'b')
            ]
        );
    }

    #[test]
    fn entries_stay_small() {
        assert_eq!(std::mem::size_of::<V4Entry>(), 12);
        assert_eq!(std::mem::size_of::<V6Entry>(), 24);
        assert_eq!(std::mem::size_of::<DomainEntry>(), 12);
    }

    #[test]
    fn lists_sort_by_value_then_line() {
        let mut n = Nets::default();
        for (s, line) in [
            ("10.0.0.0/8", 1),
            ("2001:db8::/32", 2),
            ("9.9.9.9/32", 3),
            ("10.0.0.0/8", 4),
            ("10.0.0.0/16", 5),
            ("2001:db8::1/128", 6),
        ] {
            n.push(s.parse().unwrap(), line);
        }
        n.finish();
        let got: Vec<(String, u32)> = n.iter().map(|(a, l)| (a.to_string(), l)).collect();
        let want = [
            ("9.9.9.9/32", 3),
            ("10.0.0.0/8", 1),
            ("10.0.0.0/8", 4),
            ("10.0.0.0/16", 5),
            ("2001:db8::/32", 2),
            ("2001:db8::1/128", 6),
        ];
        assert_eq!(
            got,
            want.map(|(s, l)| (s.to_owned(), l)).to_vec(),
            "sorted by family, address, length, line"
        );
        let mut d = Domains::default();
        for (s, line) in [("b.example", 1), ("a.example", 2), ("b.example", 3)] {
            d.push(s, line);
        }
        d.finish();
        let got: Vec<(&str, u32)> = d.iter().collect();
        assert_eq!(got, [("a.example", 2), ("b.example", 1), ("b.example", 3)]);
        assert_eq!(d.get(1), Some(("b.example", 1)));
    }
}
