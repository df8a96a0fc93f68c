//! Address aggregation on integer intervals: merge, subtract, and cut back into CIDR prefixes.
//!
//! Guarantees: the output of [`aggregate`] (and of [`blocked`], a catalogue's block list)
//! covers exactly the union of the input networks minus the union of the excluded networks,
//! per family; it is the minimal list of CIDR prefixes for that address set (adjacent and
//! covered prefixes are merged), sorted by address, with no two prefixes overlapping.
//! [`blocked`] reads the catalogue's sorted lists and streams them through merge, subtraction
//! and cutting, so its only memory is the result; [`aggregate`] sorts its input first: IPv4
//! by a radix sort of packed integers (a few linear passes), IPv6 by comparison. Neither
//! allocates per entry: subtraction and cutting stream.
//!
//! Why not `IpNet::aggregate`: it merges, but cannot subtract the allowlist; working on
//! `[first, last]` intervals does both in one representation.

use crate::radix;

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::model::{Action, Catalogue, Meta};

/// An inclusive interval of addresses of one family, as integers.
pub type Interval = (u128, u128);

/// An address as an integer wide enough that the last address of its family has a successor
/// test: IPv4 runs on `u64` (cheaper than `u128`), IPv6 on `u128`.
pub trait Bound: Copy + Ord {
    const MAX: Self;
    fn succ(self) -> Self;
    fn pred(self) -> Self;
}

impl Bound for u64 {
    const MAX: Self = u64::MAX;
    fn succ(self) -> Self {
        self + 1
    }
    fn pred(self) -> Self {
        self - 1
    }
}

impl Bound for u128 {
    const MAX: Self = u128::MAX;
    fn succ(self) -> Self {
        self + 1
    }
    fn pred(self) -> Self {
        self - 1
    }
}

/// The aggregated prefixes of both families.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregated {
    pub v4: Vec<Ipv4Net>,
    pub v6: Vec<Ipv6Net>,
}

impl Aggregated {
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
}

/// The block list of a catalogue: its `block` addresses and networks (indicators and bulk
/// lists; the caller has run the safety rails), aggregated per family, minus the allowlist.
/// Each list is sorted already: the lists are merged as they are read, never copied.
pub fn blocked(c: &Catalogue) -> Aggregated {
    let block = |m: &Meta| m.action == Action::Block;
    let (mut own4, mut own6): (Vec<Interval>, Vec<Interval>) = (Vec::new(), Vec::new());
    for i in c.indicators.iter().filter(|i| block(&i.meta)) {
        match i.observable.as_net() {
            Some(IpNet::V4(n)) => own4.push(interval_v4(n)),
            Some(IpNet::V6(n)) => own6.push(interval_v6(n)),
            None => {}
        }
    }
    own4.sort_unstable();
    own6.sort_unstable();
    let lists: Vec<&crate::model::BulkList> = c.bulk.iter().filter(|b| block(&b.meta)).collect();
    let mut v4: Vec<Box<dyn Iterator<Item = Interval> + '_>> = vec![Box::new(own4.into_iter())];
    let mut v6: Vec<Box<dyn Iterator<Item = Interval> + '_>> = vec![Box::new(own6.into_iter())];
    for b in &lists {
        v4.push(Box::new(
            b.networks.v4().iter().map(|e| v4_interval(e.addr, e.len)),
        ));
        v6.push(Box::new(
            b.networks.v6().iter().map(|e| interval_v6(e.net())),
        ));
    }
    let (x4, x6) = excluded(&c.policy.allowlist);
    let mut out = Aggregated::default();
    let merged4 = coalesce(crate::model::packed::merge(v4, |iv| iv.0));
    cut(subtract_sorted(merged4, &x4), 32, |a, len| {
        out.v4
            .push(Ipv4Net::new_assert(Ipv4Addr::from(a as u32), len));
    });
    let merged6 = coalesce(crate::model::packed::merge(v6, |iv| iv.0));
    cut(subtract_sorted(merged6, &x6), 128, |a, len| {
        out.v6.push(Ipv6Net::new_assert(Ipv6Addr::from(a), len));
    });
    out
}

/// The interval of an IPv4 network given as (network address, length).
pub fn v4_interval(addr: u32, len: u8) -> Interval {
    // A /32 has no host bits (a shift by the full width would overflow).
    let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
    (u128::from(addr), u128::from(addr | host))
}

/// The excluded networks as sorted, merged intervals per family.
fn excluded(exclude: &[IpNet]) -> (Vec<Interval>, Vec<Interval>) {
    let (mut x4, mut x6) = (Vec::new(), Vec::new());
    for n in exclude {
        match *n {
            IpNet::V4(n) => x4.push(interval_v4(n)),
            IpNet::V6(n) => x6.push(interval_v6(n)),
        }
    }
    (merge(&mut x4), merge(&mut x6))
}

/// Joins overlapping or adjacent intervals of a stream sorted by start.
pub fn coalesce<T: Bound>(sorted: impl Iterator<Item = (T, T)>) -> impl Iterator<Item = (T, T)> {
    let mut sorted = sorted.peekable();
    std::iter::from_fn(move || {
        let (a, mut b) = sorted.next()?;
        // `b + 1 >= next start` without overflowing at the top of the address space.
        while let Some(&(na, nb)) = sorted.peek() {
            if b == T::MAX || b.succ() >= na {
                b = b.max(nb);
                sorted.next();
            } else {
                break;
            }
        }
        Some((a, b))
    })
}

/// A stream of sorted, disjoint intervals minus a sorted, merged list.
pub fn subtract_sorted<'d, T: Bound + 'd>(
    keep: impl Iterator<Item = (T, T)> + 'd,
    drop: &'d [(T, T)],
) -> impl Iterator<Item = (T, T)> + 'd {
    Subtract {
        keep,
        drop,
        next_drop: 0,
        rest: None,
    }
}

/// The state of [`subtract_sorted`]: no buffer, so a million intervals cost no allocation.
struct Subtract<'d, I, T> {
    keep: I,
    drop: &'d [(T, T)],
    /// The first excluded interval that may still meet what comes next.
    next_drop: usize,
    /// What is left of the current interval after the part already handed out.
    rest: Option<(T, T)>,
}

impl<T: Bound, I: Iterator<Item = (T, T)>> Iterator for Subtract<'_, I, T> {
    type Item = (T, T);

    fn next(&mut self) -> Option<(T, T)> {
        loop {
            let (start, end) = match self.rest.take() {
                Some(rest) => rest,
                None => self.keep.next()?,
            };
            while self.drop.get(self.next_drop).is_some_and(|d| d.1 < start) {
                self.next_drop += 1;
            }
            let Some(&(da, db)) = self.drop.get(self.next_drop).filter(|d| d.0 <= end) else {
                return Some((start, end));
            };
            // `db + 1` cannot overflow: `db < end` there.
            self.rest = (db < end).then(|| (db.succ(), end));
            if da > start {
                return Some((start, da.pred()));
            }
        }
    }
}

/// Cuts each interval into the fewest CIDR prefixes, handing each (network, length) to `out`.
pub fn cut(list: impl Iterator<Item = Interval>, width: u32, mut out: impl FnMut(u128, u8)) {
    for (a, b) in list {
        let mut start = a;
        loop {
            let span = b - start; // addresses after `start`, so the block may hold span + 1
            let align = if start == 0 {
                width
            } else {
                start.trailing_zeros().min(width)
            };
            let fits = if span == u128::MAX {
                128
            } else {
                127 - (span + 1).leading_zeros()
            };
            let k = align.min(fits).min(width);
            out(start, (width - k) as u8);
            if k >= 128 {
                break;
            }
            match start.checked_add(1u128 << k) {
                Some(next) if next <= b && next != 0 => start = next,
                _ => break,
            }
        }
    }
}

/// Aggregates `nets` per family, minus every address of `exclude` (through [`Aggregator`]).
pub fn aggregate(nets: impl IntoIterator<Item = IpNet>, exclude: &[IpNet]) -> Aggregated {
    let nets = nets.into_iter();
    let mut all = Aggregator::with_capacity(nets.size_hint().0);
    nets.for_each(|n| all.push(n));
    all.finish(exclude)
}

/// Networks gathered for aggregation: IPv4 packed as `first << 32 | last` into one `u64`
/// (radix-sorted on the first address, merged, subtracted and cut on `u64`), IPv6 as
/// intervals sorted by comparison; both through the same merge and subtraction as
/// [`blocked`], so the result is theirs. A reader that parses IPv4 itself pushes
/// (address, length) straight in, with no network value per line.
#[derive(Debug, Default)]
pub struct Aggregator {
    v4: Vec<u64>,
    v6: Vec<Interval>,
}

impl Aggregator {
    /// Room for `v4` IPv4 networks without growing.
    pub fn with_capacity(v4: usize) -> Self {
        Aggregator {
            v4: Vec::with_capacity(v4),
            v6: Vec::new(),
        }
    }

    /// An IPv4 network given as (network address, length), host bits clear.
    pub fn push_v4(&mut self, addr: u32, len: u8) {
        let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
        self.v4
            .push((u64::from(addr) << 32) | u64::from(addr | host));
    }

    pub fn push(&mut self, n: IpNet) {
        match n {
            IpNet::V4(n) => self.v4.push(pack_v4(n)),
            IpNet::V6(n) => self.v6.push(interval_v6(n)),
        }
    }

    /// The aggregated prefixes, minus every address of `exclude`.
    pub fn finish(self, exclude: &[IpNet]) -> Aggregated {
        let Aggregator { mut v4, mut v6 } = self;
        radix::sort_from_bit(&mut v4, 32);
        v6.sort_unstable_by_key(|iv: &Interval| iv.0);
        let (x4, x6) = excluded(exclude);
        let x4: Vec<(u64, u64)> = x4.iter().map(|&(a, b)| (a as u64, b as u64)).collect();
        let mut out = Aggregated::default();
        let sorted4 = v4.iter().map(|&k| (k >> 32, k & u64::from(u32::MAX)));
        cut_v4(subtract_sorted(coalesce(sorted4), &x4), |a, len| {
            out.v4.push(Ipv4Net::new_assert(Ipv4Addr::from(a), len));
        });
        drop(v4);
        cut(
            subtract_sorted(coalesce(v6.into_iter()), &x6),
            128,
            |a, len| {
                out.v6.push(Ipv6Net::new_assert(Ipv6Addr::from(a), len));
            },
        );
        out
    }
}

/// [`cut`] for IPv4 intervals held in `u64`: the end of the space plus one still fits, so
/// no step needs an overflow check.
fn cut_v4(list: impl Iterator<Item = (u64, u64)>, mut out: impl FnMut(u32, u8)) {
    for (a, b) in list {
        let mut start = a;
        while start <= b {
            let align = if start == 0 {
                32
            } else {
                start.trailing_zeros().min(32)
            };
            // The largest block that fits in what is left, `b - start + 1` addresses.
            let fits = 63 - (b - start + 1).leading_zeros();
            let k = align.min(fits);
            out(start as u32, (32 - k) as u8);
            start += 1 << k;
        }
    }
}

/// An IPv4 network as one sortable integer: its first address high, its last low.
fn pack_v4(n: Ipv4Net) -> u64 {
    (u64::from(u32::from(n.network())) << 32) | u64::from(u32::from(n.broadcast()))
}

pub fn interval_v4(n: Ipv4Net) -> Interval {
    (
        u128::from(u32::from(n.network())),
        u128::from(u32::from(n.broadcast())),
    )
}

pub fn interval_v6(n: Ipv6Net) -> Interval {
    (u128::from(n.network()), u128::from(n.broadcast()))
}

/// The interval of a network of either family (callers keep families apart).
pub fn interval(n: IpNet) -> Interval {
    match n {
        IpNet::V4(n) => interval_v4(n),
        IpNet::V6(n) => interval_v6(n),
    }
}

/// Sorts and merges overlapping or adjacent intervals.
pub fn merge(list: &mut [Interval]) -> Vec<Interval> {
    list.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(list.len());
    for &(a, b) in list.iter() {
        match out.last_mut() {
            // `last.1 + 1 >= a` without overflowing at the top of the address space.
            Some(last) if last.1 == u128::MAX || last.1 + 1 >= a => {
                if b > last.1 {
                    last.1 = b;
                }
            }
            _ => out.push((a, b)),
        }
    }
    out
}

/// `keep` minus `drop`; both sorted, merged interval lists.
pub fn subtract(keep: &[Interval], drop: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::with_capacity(keep.len());
    let mut j = 0;
    for &(a, b) in keep {
        let mut start = a;
        let mut open = true;
        while j < drop.len() && drop[j].1 < start {
            j += 1;
        }
        let mut k = j;
        while open && k < drop.len() && drop[k].0 <= b {
            let (da, db) = drop[k];
            if da > start {
                out.push((start, da - 1));
            }
            if db >= b {
                open = false;
            } else {
                start = db + 1;
                k += 1;
            }
        }
        if open {
            out.push((start, b));
        }
    }
    out
}

/// True when `iv` overlaps any interval of the sorted, merged list.
pub fn overlaps_any(list: &[Interval], iv: Interval) -> bool {
    // The first interval ending at or after iv's start is the only candidate.
    let i = list.partition_point(|&(_, end)| end < iv.0);
    list.get(i).is_some_and(|&(start, _)| start <= iv.1)
}

/// Cuts intervals into the fewest CIDR prefixes: (network as integer, prefix length).
pub fn to_prefixes(list: &[Interval], width: u32) -> Vec<(u128, u8)> {
    let mut out = Vec::with_capacity(list.len());
    cut(list.iter().copied(), width, |a, len| out.push((a, len)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn strings(a: &Aggregated) -> Vec<String> {
        a.v4.iter()
            .map(ToString::to_string)
            .chain(a.v6.iter().map(ToString::to_string))
            .collect()
    }

    #[test]
    fn merges_adjacent_and_drops_covered() {
        let a = aggregate(
            nets(&[
                "202.114.4.119/32",
                "202.114.4.0/24",
                "10.0.0.0/25",
                "10.0.0.128/25",
                "10.0.1.1/32",
                "2001:db8::/33",
                "2001:db8:8000::/33",
                "2001:db8::1/128",
            ]),
            &[],
        );
        assert_eq!(
            strings(&a),
            [
                "10.0.0.0/24",
                "10.0.1.1/32",
                "202.114.4.0/24",
                "2001:db8::/32"
            ]
        );
    }

    #[test]
    fn subtracts_the_allowlist() {
        let a = aggregate(nets(&["202.114.4.0/24"]), &nets(&["202.114.4.119/32"]));
        assert_eq!(
            strings(&a),
            [
                "202.114.4.0/26",
                "202.114.4.64/27",
                "202.114.4.96/28",
                "202.114.4.112/30",
                "202.114.4.116/31",
                "202.114.4.118/32",
                "202.114.4.120/29",
                "202.114.4.128/25",
            ]
        );
        let all = aggregate(nets(&["1.2.3.0/24"]), &nets(&["1.0.0.0/8"]));
        assert!(all.is_empty());
    }

    #[test]
    fn ranges_cut_at_the_edges_of_the_address_space() {
        assert_eq!(to_prefixes(&[(0, u32::MAX as u128)], 32), [(0, 0)]);
        assert_eq!(to_prefixes(&[(0, u128::MAX)], 128), [(0, 0)]);
        assert_eq!(
            to_prefixes(&[(u128::MAX - 1, u128::MAX)], 128),
            [(u128::MAX - 1, 127)]
        );
        assert_eq!(
            to_prefixes(&[(1, 6)], 32),
            [(1, 32), (2, 31), (4, 31), (6, 32)]
        );
    }

    #[test]
    fn overlap_lookup() {
        let list = merge(&mut [(10, 20), (30, 40)]);
        assert!(overlaps_any(&list, (20, 25)));
        assert!(overlaps_any(&list, (0, 10)));
        assert!(!overlaps_any(&list, (21, 29)));
        assert!(!overlaps_any(&list, (41, 50)));
        assert!(overlaps_any(&list, (0, 100)));
    }

    #[test]
    fn packed_intervals_match_the_networks() {
        for (a, len) in [
            (0u32, 0u8),
            (0x0a00_0000, 8),
            (0xc000_0201, 32),
            (0xffff_ffff, 32),
        ] {
            let net = Ipv4Net::new(Ipv4Addr::from(a), len).unwrap().trunc();
            assert_eq!(v4_interval(u32::from(net.network()), len), interval_v4(net));
        }
    }

    #[test]
    fn streamed_pieces_agree_with_the_sorted_ones() {
        let mut seed = 0x1234_5678_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..100 {
            let mut list: Vec<Interval> = (0..(next() % 40))
                .map(|_| {
                    let len = 20 + (next() % 13) as u8;
                    v4_interval(
                        (next() as u32 & 0x0000_ffff) << 4 & (u32::MAX << (32 - len)),
                        len,
                    )
                })
                .collect();
            let drop = merge(
                &mut (0..(next() % 4))
                    .map(|_| {
                        let a = u128::from(next() as u32 & 0x000f_ffff);
                        (a, a + u128::from(next() as u32 % 300))
                    })
                    .collect::<Vec<_>>(),
            );
            let sorted = subtract(&merge(&mut list.clone()), &drop);
            list.sort_unstable();
            let streamed: Vec<Interval> =
                subtract_sorted(coalesce(list.into_iter()), &drop).collect();
            assert_eq!(streamed, sorted);
        }
    }

    /// Brute force over a small universe: the prefixes cover exactly the expected addresses.
    #[test]
    fn aggregation_is_exact_on_random_inputs() {
        let mut seed = 0x9e37_79b9_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let mut want = [false; 256];
            let mut input = Vec::new();
            let mut exclude = Vec::new();
            for i in 0..(next() % 12) {
                let len = 24 + (next() % 9) as u8;
                let addr = Ipv4Addr::new(10, 0, 0, (next() % 256) as u8);
                let n = Ipv4Net::new(addr, len).unwrap().trunc();
                if i % 4 == 3 {
                    exclude.push(IpNet::V4(n));
                } else {
                    input.push(IpNet::V4(n));
                }
            }
            for n in &input {
                let (a, b) = interval(*n);
                (a..=b).for_each(|x| want[(x & 0xff) as usize] = true);
            }
            for n in &exclude {
                let (a, b) = interval(*n);
                (a..=b).for_each(|x| want[(x & 0xff) as usize] = false);
            }
            let got = aggregate(input.clone(), &exclude);
            let mut have = [false; 256];
            for w in got.v4.windows(2) {
                assert!(
                    interval_v4(w[0]).1 < interval_v4(w[1]).0,
                    "sorted, disjoint"
                );
            }
            for n in &got.v4 {
                let (a, b) = interval_v4(*n);
                (a..=b).for_each(|x| have[(x & 0xff) as usize] = true);
            }
            assert_eq!(want, have, "{input:?} minus {exclude:?} gave {:?}", got.v4);
            // Minimal: re-aggregating changes nothing and no two neighbours could merge.
            let again = aggregate(got.v4.iter().map(|n| IpNet::V4(*n)), &[]);
            assert_eq!(again, got);
        }
    }
    /// A reference written to be obviously right, not fast: a range set where every insert
    /// absorbs what it touches, every exclusion splits what it meets, and each range is cut
    /// by trying every block size from the largest.
    fn reference(nets: &[IpNet], exclude: &[IpNet], v6: bool) -> Vec<(u128, u8)> {
        let width = if v6 { 128 } else { 32 };
        let family = |n: &&IpNet| matches!(n, IpNet::V6(_)) == v6;
        let mut set: Vec<Interval> = Vec::new();
        for (mut a, mut b) in nets.iter().filter(family).map(|n| interval(*n)) {
            // Absorb every range this one touches, until none is left.
            while let Some(i) = set
                .iter()
                .position(|&(x, y)| x <= b.saturating_add(1) && a <= y.saturating_add(1))
            {
                let (x, y) = set.swap_remove(i);
                (a, b) = (a.min(x), b.max(y));
            }
            set.push((a, b));
        }
        for (da, db) in exclude.iter().filter(family).map(|n| interval(*n)) {
            set = set
                .into_iter()
                .flat_map(|(a, b)| {
                    let left = (a < da).then(|| (a, b.min(da - 1)));
                    let right = (b > db).then(|| (a.max(db + 1), b));
                    [left, right].into_iter().flatten().filter(|&(x, y)| x <= y)
                })
                .collect();
        }
        set.sort_unstable();
        let mut out = Vec::new();
        for (a, b) in set {
            let mut start = a;
            loop {
                let k = (0..=width)
                    .rev()
                    .find(|&k| {
                        if k == 128 {
                            return start == 0 && b == u128::MAX;
                        }
                        let aligned = start % (1u128 << k) == 0;
                        aligned && start.checked_add((1u128 << k) - 1).is_some_and(|l| l <= b)
                    })
                    .unwrap();
                out.push((start, (width - k) as u8));
                match (k < 128).then(|| start.checked_add(1u128 << k)).flatten() {
                    Some(next) if next <= b => start = next,
                    _ => break,
                }
            }
        }
        out
    }

    /// (network, length) pairs, IPv4 then IPv6.
    type Pairs = (Vec<(u128, u8)>, Vec<(u128, u8)>);

    fn pairs(a: &Aggregated) -> Pairs {
        (
            a.v4.iter()
                .map(|n| (u128::from(u32::from(n.network())), n.prefix_len()))
                .collect(),
            a.v6.iter()
                .map(|n| (u128::from(n.network()), n.prefix_len()))
                .collect(),
        )
    }

    fn agrees_with_the_reference(nets: &[IpNet], exclude: &[IpNet]) {
        let got = pairs(&aggregate(nets.to_vec(), exclude));
        let want = (
            reference(nets, exclude, false),
            reference(nets, exclude, true),
        );
        assert_eq!(got, want, "{nets:?} minus {exclude:?}");
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// A prefix length, mostly hosts and long prefixes, sometimes anything.
        fn len(&mut self, width: u8) -> u8 {
            match self.below(4) {
                0 | 1 => width,
                2 => width - (self.below(9) as u8).min(width),
                _ => self.below(u64::from(width) + 1) as u8,
            }
        }
        /// An IPv4 network: near the edges of the space, in one crowded /22, or anywhere.
        fn v4(&mut self) -> IpNet {
            let r = self.next() as u32;
            let addr = match self.below(4) {
                0 => r & 0x3ff,
                1 => !(r & 0x3ff),
                2 => 0x0a00_0000 | (r & 0x3ff),
                _ => r,
            };
            let len = self.len(32);
            IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::from(addr), len).trunc())
        }
        fn v6(&mut self) -> IpNet {
            let r = (u128::from(self.next()) << 64) | u128::from(self.next());
            let addr = match self.below(4) {
                0 => r & 0x3ff,
                1 => !(r & 0x3ff),
                2 => (0x2001_0db8_u128 << 96) | (r & 0x3ff),
                _ => r,
            };
            let len = self.len(128);
            IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::from(addr), len).trunc())
        }
        fn nets(&mut self, n: u64) -> Vec<IpNet> {
            (0..n)
                .map(|_| {
                    if self.below(3) == 0 {
                        self.v6()
                    } else {
                        self.v4()
                    }
                })
                .collect()
        }
    }

    #[test]
    fn random_inputs_agree_with_the_reference() {
        let mut rng = Rng(0x853c_49e6_748f_ea9b);
        for round in 0..400 {
            // Every tenth round is long enough for the radix sort, the others for a small sort.
            let n = if round % 10 == 0 {
                600 + rng.below(1_500)
            } else {
                rng.below(40)
            };
            let nets = rng.nets(n);
            let k = rng.below(5);
            let exclude = rng.nets(k);
            agrees_with_the_reference(&nets, &exclude);
        }
    }

    #[test]
    fn edge_cases_agree_with_the_reference() {
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&[], &["0.0.0.0/0"]),
            (&["0.0.0.0/0"], &[]),
            (&["0.0.0.0/0", "10.0.0.0/8", "255.255.255.255/32"], &[]),
            (&["0.0.0.0/0"], &["0.0.0.0/0"]),
            (&["0.0.0.0/0"], &["255.255.255.255/32"]),
            (&["0.0.0.0/0"], &["0.0.0.0/32"]),
            (&["255.255.255.255/32"], &[]),
            (&["255.255.255.254/32", "255.255.255.255/32"], &[]),
            (&["0.0.0.0/32", "0.0.0.1/32", "0.0.0.2/31"], &[]),
            (&["10.0.0.1/32", "10.0.0.1/32", "10.0.0.1/32"], &[]),
            (&["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32"], &[]),
            (&["10.0.0.0/8", "11.0.0.0/8"], &["10.255.255.255/32"]),
            (&["::/0"], &[]),
            (&["::/0"], &["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]),
            (&["::/0"], &["::/128"]),
            (&["::/0"], &["::/0"]),
            (
                &[
                    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128",
                    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
                ],
                &[],
            ),
            (
                &["2001:db8::/64", "2001:db8:0:1::/64", "2001:db8::1/128"],
                &[],
            ),
            (&["0.0.0.0/0", "::/0"], &["::/0"]),
        ];
        for (input, exclude) in cases {
            agrees_with_the_reference(&nets(input), &nets(exclude));
        }
        assert_eq!(
            strings(&aggregate(
                nets(&["255.255.255.254/32", "255.255.255.255/32", "::/0"]),
                &[]
            )),
            ["255.255.255.254/31", "::/0"]
        );
    }

    /// Long enough for the radix sort: one million-style run over a crowded /16.
    #[test]
    fn a_long_list_agrees_with_the_reference() {
        let mut rng = Rng(42);
        let list: Vec<IpNet> = (0..4_000)
            .map(|_| {
                let a = 0xc0a8_0000 | (rng.next() as u32 & 0xffff);
                let len = 24 + rng.below(9) as u8;
                IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::from(a), len).trunc())
            })
            .collect();
        agrees_with_the_reference(&list, &nets(&["192.168.128.0/17"]));
    }
}
