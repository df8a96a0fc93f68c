//! Address ranges as sorted, disjoint, labelled segments: one binary search answers "does this
//! address or network overlap a listed range, and which one".
//!
//! Guarantees: CIDR networks either nest or are disjoint, so the segments are built by one
//! sweep over the networks sorted outermost first; where networks nest, the innermost (most
//! specific) entry labels the addresses it covers. Lookups are O(log n) and allocation-free.

use ipnet::IpNet;

/// First and last address of a network, as integers (IPv4 in the low 32 bits).
pub fn bounds(net: IpNet) -> (u128, u128) {
    match net {
        IpNet::V4(n) => (
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// Disjoint segments of one address family, sorted, each with a label.
#[derive(Debug, Default)]
pub struct Ranges {
    starts: Vec<u128>,
    ends: Vec<u128>,
    labels: Vec<u32>,
}

impl Ranges {
    /// Builds the segments from (network bounds, label) pairs of one family.
    pub fn build(mut nets: Vec<(u128, u128, u32)>) -> Ranges {
        // Outermost first: by start, then widest (largest end) first; ties keep input order.
        nets.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut r = Ranges::default();
        // Open networks, innermost last: (end, label).
        let mut open: Vec<(u128, u32)> = Vec::new();
        // First address not yet given to a segment; `None` once the family is exhausted.
        let mut cursor: Option<u128> = Some(0);
        for (start, end, label) in nets {
            while let Some(&(top_end, top_label)) = open.last() {
                if top_end >= start {
                    break;
                }
                r.emit(&mut cursor, top_end, top_label);
                open.pop();
            }
            if let (Some(&(_, top_label)), Some(c)) = (open.last(), cursor) {
                if c < start {
                    r.emit(&mut cursor, start - 1, top_label);
                }
            }
            cursor = cursor.map(|c| c.max(start));
            open.push((end, label));
        }
        while let Some((top_end, top_label)) = open.pop() {
            r.emit(&mut cursor, top_end, top_label);
        }
        r
    }

    /// Gives `cursor..=end` to `label` (if not empty) and moves the cursor past `end`.
    fn emit(&mut self, cursor: &mut Option<u128>, end: u128, label: u32) {
        let Some(c) = *cursor else { return };
        if c > end {
            return;
        }
        self.starts.push(c);
        self.ends.push(end);
        self.labels.push(label);
        *cursor = end.checked_add(1);
    }

    /// The label of the first segment overlapping `first..=last`.
    pub fn overlapping(&self, first: u128, last: u128) -> Option<u32> {
        let i = self.ends.partition_point(|&e| e < first);
        (i < self.starts.len() && self.starts[i] <= last).then(|| self.labels[i])
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> (u128, u128) {
        bounds(s.parse().unwrap())
    }

    #[test]
    fn nested_networks_label_the_innermost() {
        let (a, b) = net("10.0.0.0/8");
        let (c, d) = net("10.1.0.0/16");
        let (e, f) = net("10.1.2.3/32");
        let (g, h) = net("192.168.0.0/16");
        let r = Ranges::build(vec![(e, f, 3), (a, b, 1), (g, h, 4), (c, d, 2)]);
        let at = |s: &str| {
            let (x, y) = net(s);
            r.overlapping(x, y)
        };
        assert_eq!(at("10.0.0.1/32"), Some(1));
        assert_eq!(at("10.1.0.1/32"), Some(2));
        assert_eq!(at("10.1.2.3/32"), Some(3));
        assert_eq!(at("10.1.2.4/32"), Some(2));
        assert_eq!(at("10.2.0.0/32"), Some(1));
        assert_eq!(at("11.0.0.0/32"), None);
        assert_eq!(at("9.255.255.255/32"), None);
        assert_eq!(at("192.168.7.7/32"), Some(4));
        // A network overlapping a listed one, either way round.
        assert_eq!(at("0.0.0.0/4"), Some(1));
        assert_eq!(at("192.168.1.0/24"), Some(4));
        assert_eq!(at("172.16.0.0/12"), None);
        // Segments stay disjoint and sorted.
        for i in 1..r.len() {
            assert!(r.starts[i] > r.ends[i - 1]);
        }
    }

    #[test]
    fn the_top_of_the_address_space() {
        let (a, b) = bounds("ff00::/8".parse().unwrap());
        let (c, d) = bounds("ffff::/16".parse().unwrap());
        let r = Ranges::build(vec![(a, b, 1), (c, d, 2), (a, b, 3)]);
        assert_eq!(r.overlapping(u128::MAX, u128::MAX), Some(2));
        assert_eq!(r.overlapping(a, a), Some(3));
        let all = Ranges::build(vec![(0, u128::MAX, 7)]);
        assert_eq!(all.overlapping(5, 5), Some(7));
        assert_eq!(all.len(), 1);
    }
}
