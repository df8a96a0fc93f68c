//! The networks in the header of a grouped IP-only rule, kept packed until the rule is written.
//!
//! A large list lowered to grouped rules (the AWS profile puts every entry of a list there) would
//! otherwise hold a header [`Address`] per network and direction for the whole build: about 80
//! bytes per entry, gigabytes at ten million. Instead the list's networks of one family are
//! packed once (8 bytes an IPv4 network), shared by every rule of the list, and each rule names
//! its group's range and the side of the header the networks go on.
//!
//! Guarantees: [`Members::address`] is exactly the header address the rule is written with
//! (one network alone, more as a list, in the packed order: sorted, distinct); a rule with
//! members holds `any` on that side until [`Members::fill`] puts them there, which every
//! reader of a planned rule goes through ([`super::plan::PlannedRule::rule`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::Arc;

use ipnet::IpNet;

use super::model::{Address, Rule};

/// The networks of one family of a list, sorted by address then length, distinct.
#[derive(Debug, PartialEq, Eq)]
pub enum Packed {
    V4(Vec<(u32, u8)>),
    V6(Vec<(u128, u8)>),
}

impl Packed {
    /// Sorts and removes repeats.
    pub fn sorted(mut self) -> Packed {
        match &mut self {
            Packed::V4(v) => {
                v.sort_unstable();
                v.dedup();
                v.shrink_to_fit();
            }
            Packed::V6(v) => {
                v.sort_unstable();
                v.dedup();
                v.shrink_to_fit();
            }
        }
        self
    }

    pub fn len(&self) -> usize {
        match self {
            Packed::V4(v) => v.len(),
            Packed::V6(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The family's address width in bits.
    pub fn width(&self) -> u8 {
        match self {
            Packed::V4(_) => 32,
            Packed::V6(_) => 128,
        }
    }

    /// The network at `i`.
    pub fn net(&self, i: usize) -> IpNet {
        match self {
            Packed::V4(v) => {
                let (a, l) = v[i];
                IpNet::new_assert(IpAddr::V4(Ipv4Addr::from(a)), l)
            }
            Packed::V6(v) => {
                let (a, l) = v[i];
                IpNet::new_assert(IpAddr::V6(Ipv6Addr::from(a)), l)
            }
        }
    }
}

/// The side of the header a rule's members go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Destination,
}

/// A grouped rule's networks: a range of a shared packed list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    nets: Arc<Packed>,
    range: Range<usize>,
    side: Side,
}

impl Members {
    pub fn new(nets: Arc<Packed>, range: Range<usize>, side: Side) -> Members {
        debug_assert!(range.end <= nets.len() && !range.is_empty());
        Members { nets, range, side }
    }

    /// The header address the rule is written with.
    pub fn address(&self) -> Address {
        let mut nets = self.range.clone().map(|i| Address::Net(self.nets.net(i)));
        match self.range.len() {
            1 => nets.next().unwrap_or(Address::Any),
            _ => Address::List(nets.collect()),
        }
    }

    /// `rule` with the members on their side of its header.
    pub fn fill(&self, mut rule: Rule) -> Rule {
        let at = match self.side {
            Side::Source => &mut rule.header.source,
            Side::Destination => &mut rule.header.destination,
        };
        *at = self.address();
        rule
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_written_as_the_lowering_wrote_them() {
        let packed = Packed::V4(vec![(0x0a00_0000, 8), (0xc0a8_0100, 24), (0x0a00_0000, 8)]);
        let nets = Arc::new(packed.sorted());
        assert_eq!(nets.len(), 2);
        let both = Members::new(nets.clone(), 0..2, Side::Destination);
        assert_eq!(both.address().to_string(), "[10.0.0.0/8,192.168.1.0/24]");
        let one = Members::new(nets, 1..2, Side::Source);
        assert_eq!(one.address().to_string(), "192.168.1.0/24");
        let v6 = Packed::V6(vec![(0x2001_0db8 << 96, 32)]);
        let m = Members::new(Arc::new(v6), 0..1, Side::Source);
        assert_eq!(m.address().to_string(), "2001:db8::/32");
    }
}
