//! Safety rails: which address entries a block list may never carry.
//!
//! Guarantees: every `block` entry is checked before aggregation, so a refusal names the
//! indicator (or bulk list) and its exact place (YAML path or bulk file line). The rails:
//! the default routes `0.0.0.0/0` and `::/0` (never liftable); prefixes wider than
//! `policy.widest-prefix` or narrower than `policy.narrowest-prefix`; private, loopback,
//! link-local, multicast, CGNAT, documentation and other special-purpose (reserved) ranges
//! (IANA special-purpose registries, and IPv6 outside global unicast `2000::/3`); anything
//! overlapping `policy.allowlist`. A rail is lifted only by a `policy.overrides` entry with
//! that rail whose network contains the entry; the outputs' headers print every override.
//! Refusals are capped at [`MAX_REFUSALS`] diagnostics, then counted, so a bad million-line
//! feed cannot flood the terminal.

use std::net::IpAddr;

use ipnet::IpNet;

use super::aggregate::{interval, merge, overlaps_any, Interval};
use crate::diag::{Code, Diagnostic};
use crate::model::{Action, Catalogue, NetworkEntry};

/// Refusal diagnostics reported before the rest are only counted.
pub const MAX_REFUSALS: usize = 50;

/// The default-route rail: not in `validate::policy::RAILS`, so no override can lift it.
pub const DEFAULT_ROUTE: &str = "default-route";

/// A special-purpose range and the rail that guards it.
struct Special {
    net: &'static str,
    rail: &'static str,
    what: &'static str,
}

const SPECIAL: &[Special] = &[
    Special {
        net: "0.0.0.0/8",
        rail: "reserved",
        what: "\"this network\" (RFC 791)",
    },
    Special {
        net: "10.0.0.0/8",
        rail: "private",
        what: "private-use (RFC 1918)",
    },
    Special {
        net: "100.64.0.0/10",
        rail: "cgnat",
        what: "shared address space / CGNAT (RFC 6598)",
    },
    Special {
        net: "127.0.0.0/8",
        rail: "loopback",
        what: "loopback (RFC 1122)",
    },
    Special {
        net: "169.254.0.0/16",
        rail: "link-local",
        what: "link-local (RFC 3927)",
    },
    Special {
        net: "172.16.0.0/12",
        rail: "private",
        what: "private-use (RFC 1918)",
    },
    Special {
        net: "192.0.0.0/24",
        rail: "reserved",
        what: "IETF protocol assignments (RFC 6890)",
    },
    Special {
        net: "192.0.2.0/24",
        rail: "documentation",
        what: "documentation TEST-NET-1 (RFC 5737)",
    },
    Special {
        net: "192.88.99.0/24",
        rail: "reserved",
        what: "6to4 relay anycast (RFC 7526)",
    },
    Special {
        net: "192.168.0.0/16",
        rail: "private",
        what: "private-use (RFC 1918)",
    },
    Special {
        net: "198.18.0.0/15",
        rail: "reserved",
        what: "benchmarking (RFC 2544)",
    },
    Special {
        net: "198.51.100.0/24",
        rail: "documentation",
        what: "documentation TEST-NET-2 (RFC 5737)",
    },
    Special {
        net: "203.0.113.0/24",
        rail: "documentation",
        what: "documentation TEST-NET-3 (RFC 5737)",
    },
    Special {
        net: "224.0.0.0/4",
        rail: "multicast",
        what: "multicast (RFC 5771)",
    },
    Special {
        net: "240.0.0.0/4",
        rail: "reserved",
        what: "reserved and limited broadcast (RFC 1112, RFC 919)",
    },
    Special {
        net: "::/128",
        rail: "reserved",
        what: "unspecified address (RFC 4291)",
    },
    Special {
        net: "::1/128",
        rail: "loopback",
        what: "loopback (RFC 4291)",
    },
    Special {
        net: "::ffff:0:0/96",
        rail: "reserved",
        what: "IPv4-mapped addresses (RFC 4291)",
    },
    Special {
        net: "64:ff9b::/96",
        rail: "reserved",
        what: "NAT64 well-known prefix (RFC 6052): block the IPv4 address",
    },
    Special {
        net: "64:ff9b:1::/48",
        rail: "reserved",
        what: "local-use IPv4/IPv6 translation (RFC 8215)",
    },
    Special {
        net: "100::/64",
        rail: "reserved",
        what: "discard-only (RFC 6666)",
    },
    Special {
        net: "2001::/23",
        rail: "reserved",
        what: "IETF protocol assignments (RFC 2928)",
    },
    Special {
        net: "2001:db8::/32",
        rail: "documentation",
        what: "documentation (RFC 3849)",
    },
    Special {
        net: "2002::/16",
        rail: "reserved",
        what: "6to4 (RFC 3056)",
    },
    Special {
        net: "3fff::/20",
        rail: "documentation",
        what: "documentation (RFC 9637)",
    },
    Special {
        net: "5f00::/16",
        rail: "reserved",
        what: "SRv6 SIDs (RFC 9602)",
    },
    Special {
        net: "fc00::/7",
        rail: "private",
        what: "unique local addresses (RFC 4193)",
    },
    Special {
        net: "fe80::/10",
        rail: "link-local",
        what: "link-local unicast (RFC 4291)",
    },
    Special {
        net: "fec0::/10",
        rail: "reserved",
        what: "deprecated site-local (RFC 3879)",
    },
    Special {
        net: "ff00::/8",
        rail: "multicast",
        what: "multicast (RFC 4291)",
    },
];

/// IPv6 global unicast, `2000::/3`: anything else is reserved.
const GLOBAL_UNICAST: ipnet::Ipv6Net =
    ipnet::Ipv6Net::new_assert(std::net::Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// One rail an entry trips, with the why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    pub rail: &'static str,
    pub why: String,
}

/// The rails, prepared once per catalogue (parsed ranges, merged allowlist).
pub struct Rails<'a> {
    catalogue: &'a Catalogue,
    /// Special ranges as (is IPv4, interval): integer comparisons on the hot path.
    special: Vec<(bool, Interval, &'static Special)>,
    allow_v4: Vec<Interval>,
    allow_v6: Vec<Interval>,
}

impl<'a> Rails<'a> {
    pub fn new(catalogue: &'a Catalogue) -> Rails<'a> {
        let special = SPECIAL
            .iter()
            .map(|s| {
                let net = s.net.parse::<IpNet>().expect("valid special range");
                (matches!(net, IpNet::V4(_)), interval(net), s)
            })
            .collect();
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for n in &catalogue.policy.allowlist {
            match n {
                IpNet::V4(_) => v4.push(interval(*n)),
                IpNet::V6(_) => v6.push(interval(*n)),
            }
        }
        Rails {
            catalogue,
            special,
            allow_v4: merge(&mut v4),
            allow_v6: merge(&mut v6),
        }
    }

    /// Every rail `net` trips, before overrides.
    pub fn trips(&self, net: IpNet) -> Vec<Trip> {
        let policy = &self.catalogue.policy;
        if net.prefix_len() == 0 {
            return vec![Trip {
                rail: DEFAULT_ROUTE,
                why: "it is a default route: it would block every address".into(),
            }];
        }
        let mut out = Vec::new();
        let (widest, narrowest) = match net {
            IpNet::V4(_) => (policy.widest_prefix.ipv4, policy.narrowest_prefix.ipv4),
            IpNet::V6(_) => (policy.widest_prefix.ipv6, policy.narrowest_prefix.ipv6),
        };
        if net.prefix_len() < widest {
            out.push(Trip {
                rail: "too-wide",
                why: format!(
                    "/{} is wider than `policy.widest-prefix` (/{widest})",
                    net.prefix_len()
                ),
            });
        }
        if net.prefix_len() > narrowest {
            out.push(Trip {
                rail: "too-narrow",
                why: format!(
                    "/{} is narrower than `policy.narrowest-prefix` (/{narrowest})",
                    net.prefix_len()
                ),
            });
        }
        let mut matched_special = false;
        let (is_v4, (first, last)) = (matches!(net, IpNet::V4(_)), interval(net));
        for (v4, (a, b), s) in &self.special {
            if *v4 == is_v4 && *a <= last && first <= *b {
                matched_special = true;
                if !out.iter().any(|t: &Trip| t.rail == s.rail) {
                    out.push(Trip {
                        rail: s.rail,
                        why: format!("it overlaps {} {}", s.net, s.what),
                    });
                }
            }
        }
        if let IpNet::V6(v6) = net {
            if !matched_special && !GLOBAL_UNICAST.contains(&v6) {
                out.push(Trip {
                    rail: "reserved",
                    why: "it lies outside IPv6 global unicast 2000::/3 (RFC 4291)".into(),
                });
            }
        }
        let allow = match net {
            IpNet::V4(_) => &self.allow_v4,
            IpNet::V6(_) => &self.allow_v6,
        };
        if overlaps_any(allow, interval(net)) {
            let hit = policy
                .allowlist
                .iter()
                .find(|a| overlap(**a, net))
                .map_or_else(String::new, |a| format!(" {a}"));
            out.push(Trip {
                rail: "allowlist",
                why: format!("it overlaps the allowlisted network{hit} (`policy.allowlist`)"),
            });
        }
        out
    }

    /// The rails `net` trips that no override lifts.
    pub fn refusals(&self, net: IpNet) -> Vec<Trip> {
        let mut trips = self.trips(net);
        trips.retain(|t| {
            !self
                .catalogue
                .policy
                .overrides
                .iter()
                .any(|o| o.rail == t.rail && o.network.contains(&net))
        });
        trips
    }
}

fn overlap(a: IpNet, b: IpNet) -> bool {
    a.contains(&b) || b.contains(&a)
}

/// Checks every `block` entry; every refusal is an error (up to [`MAX_REFUSALS`], then a
/// count).
pub fn check(c: &Catalogue) -> Result<(), Vec<Diagnostic>> {
    let rails = Rails::new(c);
    let mut diags = Vec::new();
    let mut more = 0usize;
    for e in c.network_entries() {
        if e.meta.action != Action::Block {
            continue;
        }
        let refused = rails.refusals(e.net);
        if refused.is_empty() {
            continue;
        }
        if diags.len() < MAX_REFUSALS {
            diags.push(refusal(c, &e, &refused));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        diags.push(
            Diagnostic::new(
                Code::RefusedBlock,
                format!("{more} more block entries are refused by the safety rails"),
            )
            .in_file(&c.source.path)
            .help("fix the entries above first; the next build reports the rest"),
        );
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

fn refusal(c: &Catalogue, e: &NetworkEntry<'_>, refused: &[Trip]) -> Diagnostic {
    let shown = show(e.net);
    let what = if e.bulk_line.is_some() {
        format!("bulk list `{}`", e.id)
    } else {
        format!("indicator `{}`", e.id)
    };
    let rails = refused
        .iter()
        .map(|t| format!("rail `{}`: {}", t.rail, t.why))
        .collect::<Vec<_>>()
        .join("; ");
    let help = if refused.iter().any(|t| t.rail == DEFAULT_ROUTE) {
        "a default route can never be blocked; remove the entry".to_owned()
    } else {
        let lifts = refused
            .iter()
            .map(|t| format!("{{network: {}, rail: {}, reason: \"...\"}}", e.net, t.rail))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "remove or narrow the entry; if blocking it is really intended, lift the rail explicitly: `policy.overrides: [{lifts}]` (every output header then says so)"
        )
    };
    let d = Diagnostic::new(
        Code::RefusedBlock,
        format!("refused to block `{shown}` of {what}: {rails}"),
    )
    .help(help);
    super::at_entry(d, c, e.id, e.bulk_line)
}

/// True for an address (not a network) entry, for display.
pub fn is_host(net: IpNet) -> bool {
    net.prefix_len() == net.max_prefix_len()
}

/// Formats an address for display: hosts without their `/32` or `/128`.
pub fn show(net: IpNet) -> String {
    if is_host(net) {
        match net.addr() {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => a.to_string(),
        }
    } else {
        net.to_string()
    }
}
