//! The `firewall` target: block lists for seven platforms in `out/<catalogue>/firewall/`.
//!
//! Guarantees: every platform file blocks exactly the same address set: the `block` address
//! and network entries of the catalogue (indicators and bulk lists) that pass the safety
//! rails ([`rails`]), aggregated per family and minus the allowlist ([`aggregate`]), in both
//! directions. A single refused entry fails the target (so the build writes nothing). Each
//! file opens with a comment naming the catalogue, its version, the advisory, how to apply
//! the file and every rail override; no timestamps. Addresses are formatted by Rust from
//! typed networks; catalogue text passes the platform's escaper ([`escape`]).
//! Platforms: nftables, ipset + iptables-restore + ip6tables-restore, Cisco IOS/IOS-XE,
//! Cisco ASA, Juniper JunOS (set format), OpenBSD pf, Palo Alto EDL.

pub mod aggregate;
pub mod cisco;
pub mod edl;
pub mod escape;
pub mod junos;
pub mod netfilter;
pub mod pf;
pub mod rails;

use std::collections::BTreeSet;

use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Coverage, OutputFile, Target, TargetContext, TargetOutput};
use crate::diag::Diagnostic;
use crate::model::{Action, BulkKind, Catalogue, Direction, Observable};
use crate::render::{Escaper, Templates};
use aggregate::Aggregated;

pub struct Firewall;

/// The blocked address set of one catalogue, ready to render.
#[derive(Debug, Clone)]
pub struct Plan {
    pub list: Aggregated,
    pub names: Names,
    pub coverage: Coverage,
}

/// Computes the block list: rails, then aggregation minus the allowlist.
pub fn plan(c: &Catalogue) -> Result<Plan, Vec<Diagnostic>> {
    let blocked = rails::check(c)?;
    let list = aggregate::aggregate(blocked, &c.policy.allowlist);
    Ok(Plan {
        list,
        names: Names::new(&c.id),
        coverage: coverage(c),
    })
}

fn word(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
        Direction::Both => "both",
    }
}

fn coverage(c: &Catalogue) -> Coverage {
    let mut cov = Coverage::default();
    let widened = |cov: &mut Coverage, id: &str, d: Direction| {
        if d != Direction::Both {
            cov.skip(
                id,
                format!(
                    "direction `{}` is not kept: the firewall lists block both directions",
                    word(d)
                ),
            );
        }
    };
    for i in &c.indicators {
        match (&i.observable, i.meta.action) {
            (Observable::Address(_) | Observable::Network(_), Action::Block) => {
                cov.carry(&i.id);
                widened(&mut cov, &i.id, i.meta.direction);
            }
            (Observable::Address(_) | Observable::Network(_), a) => cov.skip(
                &i.id,
                format!(
                    "action `{}`: the firewall lists block `block` entries only",
                    action(a)
                ),
            ),
            (o, _) => cov.skip(
                &i.id,
                format!(
                    "a {} indicator: the firewall lists hold addresses and networks only",
                    o.kind()
                ),
            ),
        }
    }
    for b in &c.bulk {
        match (b.kind, b.meta.action) {
            (BulkKind::Address, Action::Block) => {
                cov.carry(&b.id);
                widened(&mut cov, &b.id, b.meta.direction);
            }
            (BulkKind::Address, a) => cov.skip(
                &b.id,
                format!(
                    "action `{}`: the firewall lists block `block` entries only",
                    action(a)
                ),
            ),
            (BulkKind::Domain, _) => cov.skip(
                &b.id,
                "a domain list: the firewall lists hold addresses and networks only",
            ),
        }
    }
    for d in &c.detections {
        cov.skip(
            &d.id,
            "a behaviour (protocol, ports, payload): the firewall lists block whole addresses; the suricata and zeek targets carry it",
        );
    }
    cov
}

fn action(a: Action) -> &'static str {
    match a {
        Action::Block => "block",
        Action::Alert => "alert",
        Action::Monitor => "monitor",
    }
}

/// Object names on the devices, derived from the (validated, `[a-z0-9-]`) catalogue id and
/// bounded to each platform's limit with a hash suffix so two long ids stay distinct.
#[derive(Debug, Clone, Serialize)]
pub struct Names {
    /// nftables table (`inet` family).
    pub nft_table: String,
    /// ipset sets, their temporaries, and the iptables chain.
    pub ipset_v4: String,
    pub ipset_v6: String,
    pub ipset_v4_tmp: String,
    pub ipset_v6_tmp: String,
    pub chain: String,
    /// Cisco IOS object groups and ACLs.
    pub ios_group_v4: String,
    pub ios_group_v6: String,
    pub ios_acl_v4: String,
    pub ios_acl_v6: String,
    /// Cisco ASA object groups and ACL.
    pub asa_group_v4: String,
    pub asa_group_v6: String,
    pub asa_acl: String,
    /// JunOS prefix lists, filters and counters.
    pub junos_list_v4: String,
    pub junos_list_v6: String,
    pub junos_filter_v4: String,
    pub junos_filter_v6: String,
    /// pf table.
    pub pf_table: String,
}

/// `base` + `suffix`, with `base` shortened (and a hash of it appended) to fit in `max`.
fn bounded(base: &str, suffix: &str, max: usize) -> String {
    if base.len() + suffix.len() <= max {
        return format!("{base}{suffix}");
    }
    let hash = hex::encode(&Sha256::digest(base.as_bytes())[..3]);
    let keep = max - suffix.len() - hash.len() - 1;
    format!("{}-{hash}{suffix}", &base[..keep])
}

impl Names {
    pub fn new(id: &str) -> Names {
        let lower = format!("iocc-{id}");
        let upper = lower.to_ascii_uppercase();
        let under = lower.replace('-', "_");
        Names {
            nft_table: bounded(&under, "", 64),
            // ipset names hold 31 characters; keep room for `-tmp`.
            ipset_v4: bounded(&lower, "-v4", 27),
            ipset_v6: bounded(&lower, "-v6", 27),
            ipset_v4_tmp: bounded(&lower, "-v4-tmp", 31),
            ipset_v6_tmp: bounded(&lower, "-v6-tmp", 31),
            // iptables chain names hold 28 characters.
            chain: bounded(&upper, "", 28),
            ios_group_v4: bounded(&upper, "-V4-NETS", 64),
            ios_group_v6: bounded(&upper, "-V6-NETS", 64),
            ios_acl_v4: bounded(&upper, "-V4", 64),
            ios_acl_v6: bounded(&upper, "-V6", 64),
            // ASA object names hold 64 characters.
            asa_group_v4: bounded(&upper, "-V4", 64),
            asa_group_v6: bounded(&upper, "-V6", 64),
            asa_acl: bounded(&upper, "", 64),
            junos_list_v4: bounded(&upper, "-V4", 64),
            junos_list_v6: bounded(&upper, "-V6", 64),
            junos_filter_v4: bounded(&upper, "-V4", 64),
            junos_filter_v6: bounded(&upper, "-V6", 64),
            // pf table names hold 31 characters.
            pf_table: bounded(&under, "", 31),
        }
    }
}

/// What every file's opening comment says.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub catalogue: String,
    pub title: String,
    pub version: String,
    pub advisory: String,
    pub advisory_title: String,
    pub tlp: &'static str,
    pub v4: usize,
    pub v6: usize,
    /// The counts in words, singular or plural: `1 IPv4 prefix`, `0 IPv6 prefixes`.
    pub v4_text: String,
    pub v6_text: String,
    pub overrides: Vec<OverrideView>,
}

/// `1 IPv4 prefix`, `2 IPv4 prefixes`.
fn prefixes(n: usize, family: &str) -> String {
    format!("{n} {family} prefix{}", if n == 1 { "" } else { "es" })
}

#[derive(Debug, Clone, Serialize)]
pub struct OverrideView {
    pub network: String,
    pub rail: String,
    pub reason: String,
}

impl Header {
    pub fn new(c: &Catalogue, plan: &Plan) -> Header {
        Header {
            catalogue: c.id.clone(),
            title: c.title.clone(),
            version: c.version.to_string(),
            advisory: c.advisory.id.clone(),
            advisory_title: c.advisory.title.clone(),
            tlp: c.tlp.label(),
            v4: plan.list.v4.len(),
            v6: plan.list.v6.len(),
            v4_text: prefixes(plan.list.v4.len(), "IPv4"),
            v6_text: prefixes(plan.list.v6.len(), "IPv6"),
            overrides: c
                .policy
                .overrides
                .iter()
                .map(|o| OverrideView {
                    network: o.network.to_string(),
                    rail: o.rail.clone(),
                    reason: o.reason.clone(),
                })
                .chain(c.policy.domain_overrides.iter().map(|o| OverrideView {
                    network: o.domain.clone(),
                    rail: crate::benign::check::RAIL.to_owned(),
                    reason: o.reason.clone(),
                }))
                .collect(),
        }
    }
}

/// Joins formatted lines into one block for a template (each line ends with `\n`).
pub fn block<I: IntoIterator<Item = String>>(lines: I) -> String {
    let lines = lines.into_iter();
    // Room for typical lines up front: a million-line block is not regrown a dozen times.
    let mut s = String::with_capacity(lines.size_hint().0 * 32);
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

/// An IPv4 address with the same text as `Ipv4Addr`'s `Display`, written in one piece: a
/// million-entry list is formatted once per platform, and `core::fmt` per octet dominated
/// the target's time.
#[derive(Debug, Clone, Copy)]
pub struct V4(pub Ipv4Addr);

impl std::fmt::Display for V4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; 15];
        let mut len = 0;
        for (i, o) in self.0.octets().into_iter().enumerate() {
            if i > 0 {
                buf[len] = b'.';
                len += 1;
            }
            if o >= 100 {
                buf[len] = b'0' + o / 100;
                len += 1;
            }
            if o >= 10 {
                buf[len] = b'0' + o / 10 % 10;
                len += 1;
            }
            buf[len] = b'0' + o % 10;
            len += 1;
        }
        // Only ASCII digits and dots were written.
        f.pad(std::str::from_utf8(&buf[..len]).unwrap_or_default())
    }
}

/// An IPv4 network as `Ipv4Net`'s `Display` writes it (`A/L`), through [`V4`].
#[derive(Debug, Clone, Copy)]
pub struct V4Net(pub Ipv4Net);

impl std::fmt::Display for V4Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", V4(self.0.addr()), self.0.prefix_len())
    }
}

/// A host as a bare address, a network with its length.
pub fn show_v4(n: &Ipv4Net) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(18);
    if n.prefix_len() == 32 {
        let _ = write!(s, "{}", V4(n.addr()));
    } else {
        let _ = write!(s, "{}", V4Net(*n));
    }
    s
}

pub fn show_v6(n: &Ipv6Net) -> String {
    if n.prefix_len() == 128 {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// The change between two block lists, per family, sorted.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    pub add_v4: Vec<Ipv4Net>,
    pub del_v4: Vec<Ipv4Net>,
    pub add_v6: Vec<Ipv6Net>,
    pub del_v6: Vec<Ipv6Net>,
    pub old_v4: usize,
    pub old_v6: usize,
    pub new_v4: usize,
    pub new_v6: usize,
}

impl Delta {
    pub fn between(old: &Aggregated, new: &Aggregated) -> Delta {
        fn minus<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
            let set: BTreeSet<T> = b.iter().copied().collect();
            a.iter().copied().filter(|x| !set.contains(x)).collect()
        }
        Delta {
            add_v4: minus(&new.v4, &old.v4),
            del_v4: minus(&old.v4, &new.v4),
            add_v6: minus(&new.v6, &old.v6),
            del_v6: minus(&old.v6, &new.v6),
            old_v4: old.v4.len(),
            old_v6: old.v6.len(),
            new_v4: new.v4.len(),
            new_v6: new.v6.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.add_v4.is_empty()
            && self.del_v4.is_empty()
            && self.add_v6.is_empty()
            && self.del_v6.is_empty()
    }
}

/// The platforms, in output order: (name for `iocc diff --target`, what it is).
pub const PLATFORMS: &[(&str, &str)] = &[
    ("nftables", "nftables (nft -f)"),
    ("iptables", "ipset + iptables-restore + ip6tables-restore"),
    ("ios", "Cisco IOS / IOS-XE"),
    ("asa", "Cisco ASA"),
    ("junos", "Juniper JunOS (set format)"),
    ("pf", "OpenBSD pf"),
    ("edl", "Palo Alto EDL"),
];

/// The ready-to-apply commands that take a device from the old list to the new one.
pub fn delta_commands(platform: &str, d: &Delta, names: &Names, header: &Header) -> String {
    match platform {
        "nftables" => netfilter::nft_delta(d, names),
        "iptables" => netfilter::ipset_delta(d, names),
        "ios" => cisco::ios_delta(d, names),
        "asa" => cisco::asa_delta(d, names),
        "junos" => junos::delta(d, names),
        "pf" => pf::delta(d, names),
        "edl" => edl::delta(d, header),
        _ => String::new(),
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        netfilter::NFT,
        include_str!("../../../templates/firewall/firewall.nft.j2"),
    ),
    (
        netfilter::IPSET,
        include_str!("../../../templates/firewall/firewall.ipset.j2"),
    ),
    (
        netfilter::IPTABLES,
        include_str!("../../../templates/firewall/firewall.iptables.j2"),
    ),
    (
        cisco::IOS,
        include_str!("../../../templates/firewall/firewall.ios.j2"),
    ),
    (
        cisco::ASA,
        include_str!("../../../templates/firewall/firewall.asa.j2"),
    ),
    (
        junos::TEMPLATE,
        include_str!("../../../templates/firewall/firewall.junos.j2"),
    ),
    (
        pf::RULES,
        include_str!("../../../templates/firewall/rules.pf.j2"),
    ),
    (
        pf::TABLE,
        include_str!("../../../templates/firewall/table.pf.j2"),
    ),
    (
        edl::TEMPLATE,
        include_str!("../../../templates/firewall/firewall.edl.j2"),
    ),
];

/// Renders every platform file of a plan.
pub fn render(
    c: &Catalogue,
    plan: &Plan,
    templates: &Templates,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let header = Header::new(c, plan);
    let mut files = Vec::new();
    files.extend(netfilter::render(c, plan, &header, templates)?);
    files.extend(cisco::render(c, plan, &header, templates)?);
    files.extend(junos::render(c, plan, &header, templates)?);
    files.extend(pf::render(c, plan, &header, templates)?);
    files.extend(edl::render(c, plan, &header, templates)?);
    Ok(files)
}

impl Target for Firewall {
    fn name(&self) -> &'static str {
        "firewall"
    }

    fn description(&self) -> &'static str {
        "block lists: nftables, ipset+iptables, Cisco IOS and ASA, JunOS, pf, Palo Alto EDL"
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        TEMPLATES
    }

    fn escapers(&self) -> &'static [Escaper] {
        &escape::ESCAPERS
    }

    fn compile(&self, cx: &TargetContext<'_>) -> Result<TargetOutput, Vec<Diagnostic>> {
        let plan = plan(cx.catalogue)?;
        let files = render(cx.catalogue, &plan, cx.templates).map_err(|d| vec![d])?;
        Ok(TargetOutput {
            files,
            state: Vec::new(),
            coverage: plan.coverage,
        })
    }
}

/// A serializable view value for `minijinja::context!`.
pub fn ser<T: Serialize>(v: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_text_is_the_standard_text() {
        for a in [
            0u32,
            1,
            9,
            10,
            99,
            100,
            255,
            0x0a00_0001,
            0xc0a8_6401,
            u32::MAX,
            0x6403_0a09,
        ] {
            let a = Ipv4Addr::from(a);
            assert_eq!(V4(a).to_string(), a.to_string());
            for len in [0, 8, 24, 32] {
                let n = Ipv4Net::new(a, len).unwrap();
                assert_eq!(V4Net(n).to_string(), n.to_string());
            }
        }
        assert_eq!(
            format!("[{:>9}]", V4(Ipv4Addr::new(1, 2, 3, 4))),
            "[  1.2.3.4]"
        );
    }

    #[test]
    fn names_fit_platform_limits() {
        let long = "a".repeat(64);
        let n = Names::new(&long);
        assert!(n.ipset_v4_tmp.len() <= 31, "{}", n.ipset_v4_tmp);
        assert!(n.ipset_v4.len() <= 27);
        assert!(n.chain.len() <= 28);
        assert!(n.pf_table.len() <= 31);
        assert!(n.asa_acl.len() <= 64);
        assert_ne!(Names::new(&"b".repeat(64)).chain, n.chain);
        let short = Names::new("contec-cms8000");
        assert_eq!(short.ipset_v4, "iocc-contec-cms8000-v4");
        assert_eq!(short.nft_table, "iocc_contec_cms8000");
        assert_eq!(short.chain, "IOCC-CONTEC-CMS8000");
    }
}
