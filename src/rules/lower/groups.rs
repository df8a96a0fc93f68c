//! Networks of a large list as grouped IP-only rules: the networks are cut into groups by
//! their leading bits, one rule header per group.
//!
//! Guarantees: a group is a node of the binary tree of addresses (a prefix, `node/depth`)
//! holding every listed network whose network address lies in it; a node that holds too many
//! networks for one header (more than the family's count or the text budget) is split in two
//! by its next bit, and so on down, so every group fits and the grouping depends only on the
//! set of networks: a network always falls in the group of its own address bits. Adding or
//! removing one network changes the group it falls in (its rule gets a new rev), or splits or
//! joins that one group, never the groups elsewhere in the tree; rule keys name the group's
//! node, so they stay with it.

use std::ops::Range;

/// Most IPv4 networks in one rule header (about 20 characters each under the line limit).
pub const MAX_V4: usize = 400;
/// Most IPv6 networks in one rule header (up to about 44 characters each).
pub const MAX_V6: usize = 180;

/// One group: its tree node and the range of the sorted networks it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The node's address bits (the rest zero), in the family's width.
    pub node: u128,
    /// How many leading bits the node fixes.
    pub depth: u8,
    pub range: Range<usize>,
}

/// Groups `nets` (sorted by address, distinct; `key` gives each one's `(network address,
/// length)` in a `width`-bit family) so that each group holds at most `cap` networks whose
/// header text (`text_len` of each, plus a comma between) is at most `budget` characters.
pub fn group<T: Copy>(
    nets: &[T],
    key: impl Fn(T) -> (u128, u8),
    (width, cap, budget): (u8, usize, usize),
    text_len: impl Fn(T) -> usize,
) -> Vec<Group> {
    // Prefix sums of the text lengths: the length of any range in O(1).
    let mut sums = Vec::with_capacity(nets.len() + 1);
    sums.push(0usize);
    for &n in nets {
        let last = sums[sums.len() - 1];
        sums.push(last + text_len(n) + 1);
    }
    let fits = |r: &Range<usize>| r.len() <= cap && sums[r.end] - sums[r.start] <= budget + 1;
    let mut out = Vec::new();
    let address = |i: usize| key(nets[i]).0;
    split(&address, 0..nets.len(), (0, 0), width, &fits, &mut out);
    out
}

/// Emits the node holding `range` as one group when it fits (or cannot be split), else its
/// two halves.
fn split(
    address: &dyn Fn(usize) -> u128,
    range: Range<usize>,
    (node, depth): (u128, u8),
    width: u8,
    fits: &dyn Fn(&Range<usize>) -> bool,
    out: &mut Vec<Group>,
) {
    if range.is_empty() {
        return;
    }
    if depth >= width || fits(&range) {
        out.push(Group { node, depth, range });
        return;
    }
    let bit = 1u128 << (width - 1 - depth);
    // Every network here shares the node's bits and they are sorted: those with the next bit
    // clear come first.
    let (mut lo, mut hi) = (range.start, range.end);
    while lo < hi {
        let m = lo + (hi - lo) / 2;
        if address(m) & bit == 0 {
            lo = m + 1;
        } else {
            hi = m;
        }
    }
    split(
        address,
        range.start..lo,
        (node, depth + 1),
        width,
        fits,
        out,
    );
    split(
        address,
        lo..range.end,
        (node | bit, depth + 1),
        width,
        fits,
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// Random distinct IPv4 networks (/16 to /32), sorted.
    fn nets(n: usize, seed: &mut u64) -> Vec<(u128, u8)> {
        let mut v: Vec<(u128, u8)> = (0..n)
            .map(|_| {
                let len = 16 + (rng(seed) % 17) as u8;
                let a = (rng(seed) as u32) & (u32::MAX << (32 - len));
                (u128::from(a), len)
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn groups(v: &[(u128, u8)]) -> BTreeMap<(u128, u8), Vec<(u128, u8)>> {
        group(v, |n| n, (32, 50, 700), |_| 15)
            .into_iter()
            .map(|g| ((g.node, g.depth), v[g.range].to_vec()))
            .collect()
    }

    #[test]
    fn every_network_is_in_its_nodes_group_and_groups_fit() {
        let mut seed = 99;
        let v = nets(5000, &mut seed);
        let gs = group(&v, |n| n, (32, 50, 700), |_| 15);
        let mut covered = 0;
        for g in &gs {
            assert!(g.range.len() <= 50 && g.range.len() * 16 <= 701, "{g:?}");
            let mask = if g.depth == 0 {
                0
            } else {
                u128::from(u32::MAX << (32 - g.depth))
            };
            for (a, _) in &v[g.range.clone()] {
                assert_eq!(a & mask, g.node, "network outside its group's node");
            }
            covered += g.range.len();
        }
        assert_eq!(covered, v.len());
        // A small list is one group: the whole address space.
        assert_eq!(group(&v[..10], |n| n, (32, 50, 700), |_| 15).len(), 1);
        assert!(group(&[] as &[(u128, u8)], |n| n, (32, 50, 700), |_| 15).is_empty());
    }

    /// Adding or removing one network changes one group (or splits or joins it), never the
    /// groups elsewhere.
    #[test]
    fn one_change_touches_one_group() {
        let mut seed = 7;
        for _ in 0..200 {
            let v = nets(2000, &mut seed);
            let before = groups(&v);
            let extra = nets(1, &mut seed)[0];
            let mut grown = v.clone();
            if let Err(i) = grown.binary_search(&extra) {
                grown.insert(i, extra);
            }
            let mut shrunk = v.clone();
            shrunk.remove((rng(&mut seed) as usize) % v.len());
            for after in [groups(&grown), groups(&shrunk)] {
                let gone = before
                    .iter()
                    .filter(|(k, g)| after.get(*k) != Some(*g))
                    .count();
                let new = after
                    .iter()
                    .filter(|(k, g)| before.get(*k) != Some(*g))
                    .count();
                // One group changed; at most a split into two or a join of two.
                assert!(
                    gone + new <= 3 && gone <= 2 && new <= 2,
                    "{gone} gone, {new} new"
                );
            }
        }
    }

    #[test]
    fn the_text_budget_splits_too() {
        let v: Vec<(u128, u8)> = (0..100u128).map(|i| (i << 8, 24)).collect();
        let wide = group(&v, |n| n, (32, 400, 100_000), |_| 15);
        assert_eq!(wide.len(), 1);
        let narrow = group(&v, |n| n, (32, 400, 200), |_| 15);
        assert!(narrow.len() >= 8, "{}", narrow.len());
        assert!(narrow.iter().all(|g| g.range.len() * 16 <= 201));
    }
}
