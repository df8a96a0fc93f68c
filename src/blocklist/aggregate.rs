//! Address aggregation on integer intervals: merge, subtract, and cut back into CIDR prefixes.
//!
//! Guarantees: the output of [`aggregate`] covers exactly the union of the input networks
//! minus the union of the excluded networks, per family; it is the minimal list of CIDR
//! prefixes for that address set (adjacent and covered prefixes are merged), sorted by
//! address, with no two prefixes overlapping. Work is one sort plus linear passes
//! (n log n), so a million addresses aggregate in well under a second.
//!
//! Why not `IpNet::aggregate`: it merges, but cannot subtract the allowlist; working on
//! `[first, last]` intervals does both in one representation.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// An inclusive interval of addresses of one family, as integers.
pub type Interval = (u128, u128);

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

/// Aggregates `nets` per family, minus every address of `exclude`.
pub fn aggregate(nets: impl IntoIterator<Item = IpNet>, exclude: &[IpNet]) -> Aggregated {
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for n in nets {
        match n {
            IpNet::V4(n) => v4.push(interval_v4(n)),
            IpNet::V6(n) => v6.push(interval_v6(n)),
        }
    }
    let (mut x4, mut x6) = (Vec::new(), Vec::new());
    for n in exclude {
        match *n {
            IpNet::V4(n) => x4.push(interval_v4(n)),
            IpNet::V6(n) => x6.push(interval_v6(n)),
        }
    }
    let v4 = subtract(&merge(&mut v4), &merge(&mut x4));
    let v6 = subtract(&merge(&mut v6), &merge(&mut x6));
    Aggregated {
        v4: to_prefixes(&v4, 32)
            .into_iter()
            .map(|(a, len)| Ipv4Net::new_assert(Ipv4Addr::from(a as u32), len))
            .collect(),
        v6: to_prefixes(&v6, 128)
            .into_iter()
            .map(|(a, len)| Ipv6Net::new_assert(Ipv6Addr::from(a), len))
            .collect(),
    }
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
    for &(a, b) in list {
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
            out.push((start, (width - k) as u8));
            if k >= 128 {
                break;
            }
            match start.checked_add(1u128 << k) {
                Some(next) if next <= b && next != 0 => start = next,
                _ => break,
            }
        }
    }
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
}
