//! The `firewall` target: block lists for every platform of [`PLATFORMS`] in
//! `out/<catalogue>/firewall/`.
//!
//! Guarantees: every platform file blocks exactly the same address set: the `block` address
//! and network entries of the catalogue (indicators and bulk lists) that pass the safety
//! rails ([`rails`]), aggregated per family and minus the allowlist ([`aggregate`]), in both
//! directions. A single refused entry fails the target (so the build writes nothing). Each
//! file opens with a comment naming the catalogue, its version, the advisory, how to apply
//! the file and every rail override; no timestamps. Addresses are formatted by Rust from
//! typed networks; catalogue text passes the platform's escaper ([`escape`]).
//! Platforms are the rows of [`PLATFORMS`]: each is one file implementing [`Platform`] (name,
//! description, file extensions, escaper, object naming, render and delta) and its templates
//! under `templates/firewall/`; the target's templates, escapers and description and `iocc
//! diff --target` all derive from that registry.

pub mod asa;
pub mod cisco;
pub mod edl;
pub mod escape;
pub mod ios;
pub mod iptables;
pub mod junos;
pub mod nftables;
pub mod pf;
pub mod platform;

// The rails and the aggregation are shared with the DNS target (response-IP triggers).
pub use crate::blocklist::{aggregate, plan, rails, Plan};

use std::collections::BTreeSet;
use std::sync::LazyLock;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use super::{Files, Item, ItemKind, Support, Target, TargetContext, TargetOutput, WriteError};
use crate::diag::Diagnostic;
use crate::model::{Action, Catalogue, Direction};
use crate::render::{Escaper, Template, Templates};
use aggregate::Aggregated;
pub use platform::{Platform, PlatformContext};

pub struct Firewall;

fn word(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
        Direction::Both => "both",
    }
}

fn action(a: Action) -> &'static str {
    match a {
        Action::Block => "block",
        Action::Alert => "alert",
        Action::Monitor => "monitor",
    }
}

/// What the lists carry: `block` addresses, networks and address lists, in both directions.
fn support(item: &Item) -> Support {
    let addresses = item.kind.is_address() || item.kind == ItemKind::AddressList;
    match (item.kind, item.action) {
        (ItemKind::Detection, _) => Support::No(
            "a detection matches traffic (protocol, ports, payload), and the firewall lists block whole addresses; the Suricata and Zeek targets carry it".into(),
        ),
        (k, _) if !addresses => Support::No(
            format!(
                "{}: the firewall lists hold only addresses and networks",
                k.noun()
            )
            .into(),
        ),
        (_, Some(Action::Block)) if item.direction != Direction::Both => Support::Partly(
            format!(
                "direction `{}` is not kept: the firewall lists block both directions",
                word(item.direction)
            )
            .into(),
        ),
        (_, Some(Action::Block)) => Support::Yes,
        (_, a) => Support::No(
            format!(
                "action `{}`: the firewall lists carry only `block` entries; the Suricata and Zeek targets alert on it",
                a.map_or("alert", action)
            )
            .into(),
        ),
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
pub(crate) fn prefixes(n: usize, family: &str) -> String {
    crate::diag::count(
        n,
        &format!("{family} prefix"),
        &format!("{family} prefixes"),
    )
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
                .chain(
                    c.policy
                        .name_overrides
                        .iter()
                        .filter(|o| o.rail == crate::benign::RAIL)
                        .map(|o| OverrideView {
                            network: o.domain.clone(),
                            rail: o.rail.clone(),
                            reason: o.reason.clone(),
                        }),
                )
                .collect(),
        }
    }
}

/// Bytes of lines gathered before they go to the file.
const LINES_FLUSH: usize = 1 << 16;

/// A streamed block of one line per item: `line` appends an item's line (newline included)
/// to the buffer, which goes to the file in pieces; a million prefixes are never one string.
pub fn lines<'a, T>(
    items: &'a [T],
    line: impl Fn(&mut Vec<u8>, &T) + 'a,
) -> impl FnMut(&mut dyn std::io::Write) -> Result<(), WriteError> + 'a {
    move |w| {
        let mut buf = Vec::with_capacity(LINES_FLUSH + 256);
        for item in items {
            line(&mut buf, item);
            if buf.len() >= LINES_FLUSH {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        Ok(w.write_all(&buf)?)
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

/// Every platform, in output order: one row per platform (see [`Platform`]).
pub const PLATFORMS: &[&dyn Platform] = &[
    &nftables::Nftables,
    &iptables::Iptables,
    &ios::Ios,
    &asa::Asa,
    &junos::Junos,
    &pf::Pf,
    &edl::Edl,
];

/// Finds a platform by name.
pub fn platform(name: &str) -> Option<&'static dyn Platform> {
    PLATFORMS.iter().copied().find(|p| p.name() == name)
}

/// `iocc targets`' line: the platforms of the registry.
static DESCRIPTION: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = PLATFORMS.iter().map(|p| p.name()).collect();
    format!("block lists per platform: {}", names.join(", "))
});

/// The escapers of every platform, registered by the firewall target.
static ESCAPERS: LazyLock<Vec<Escaper>> =
    LazyLock::new(|| PLATFORMS.iter().map(|p| p.escaper()).collect());

/// Writes every platform's files of a plan.
pub fn write(
    c: &Catalogue,
    plan: &Plan,
    templates: &Templates,
    out: &mut Files,
) -> Result<(), Vec<Diagnostic>> {
    let header = Header::new(c, plan);
    let cx = PlatformContext {
        catalogue: c,
        list: &plan.list,
        header: &header,
        templates,
    };
    for p in PLATFORMS {
        p.write(&cx, out)?;
    }
    Ok(())
}

impl Target for Firewall {
    fn name(&self) -> &'static str {
        "firewall"
    }

    fn description(&self) -> &'static str {
        DESCRIPTION.as_str()
    }

    fn templates(&self) -> Vec<Template> {
        PLATFORMS
            .iter()
            .flat_map(|p| p.templates())
            .copied()
            .collect()
    }

    fn escapers(&self) -> &'static [Escaper] {
        &ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "firewall ACLs and address sets"
    }

    fn support(&self, item: &Item) -> Support {
        support(item)
    }

    /// The safety rails, without aggregating or writing.
    fn check(&self, cx: &TargetContext<'_>) -> Result<(), Vec<Diagnostic>> {
        rails::check(cx.catalogue)
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let plan = plan(cx.catalogue)?;
        write(cx.catalogue, &plan, cx.templates, out)?;
        Ok(TargetOutput::done())
    }
}

/// A serializable view value for `minijinja::context!`.
pub fn ser<T: Serialize>(v: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform::names;

    #[test]
    fn names_fit_platform_limits() {
        let long = "a".repeat(64);
        for p in PLATFORMS {
            for n in p.object_names() {
                let name = n.name(&long);
                assert!(name.len() <= n.max, "{} {}: {name}", p.name(), n.key);
                assert_ne!(n.name(&"b".repeat(64)), name, "{} {}", p.name(), n.key);
            }
        }
        let short = |p: &str| names(platform(p).unwrap().object_names(), "contec-cms8000");
        assert_eq!(short("iptables")["ipset_v4"], "iocc-contec-cms8000-v4");
        assert_eq!(short("iptables")["ipset_v4_tmp"].len(), 26);
        assert_eq!(short("iptables")["chain"], "IOCC-CONTEC-CMS8000");
        assert_eq!(short("nftables")["nft_table"], "iocc_contec_cms8000");
    }

    #[test]
    fn each_template_extension_has_its_platforms_escaper() {
        for p in PLATFORMS {
            for t in p.templates() {
                let base = t.name.trim_end_matches(".j2");
                let ext = base.rsplit_once('.').map_or("", |(_, x)| x);
                assert!(
                    p.escaper().extensions.contains(&ext),
                    "{}: `{}` has no escaper",
                    p.name(),
                    t.name
                );
                assert!(t.name.starts_with("firewall/"), "{}", t.name);
            }
        }
    }

    #[test]
    fn platforms_have_distinct_names_and_file_extensions() {
        let mut names = BTreeSet::new();
        let mut exts = BTreeSet::new();
        for p in PLATFORMS {
            assert!(names.insert(p.name()), "two platforms named {}", p.name());
            for x in p.extensions() {
                assert!(exts.insert(*x), "two platforms write `.{x}` files");
            }
        }
    }

    #[test]
    fn every_file_carries_a_declared_extension() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("iocs/contec-cms8000.yaml");
        let mut cache = crate::diag::SourceCache::default();
        let c = crate::load::load_catalogue(
            &path,
            "2025-03-01".parse().unwrap(),
            &crate::targets::names(),
            &mut cache,
        )
        .catalogue
        .unwrap();
        let plan = plan(&c).unwrap();
        let templates = crate::targets::templates(None).unwrap();
        let header = Header::new(&c, &plan);
        let cx = PlatformContext {
            catalogue: &c,
            list: &plan.list,
            header: &header,
            templates: &templates,
        };
        for p in PLATFORMS {
            let mut out = Files::memory("firewall");
            p.write(&cx, &mut out).unwrap();
            let files = out.into_tree();
            assert!(!files.is_empty(), "{}", p.name());
            for path in files.keys() {
                let ext = path.strip_prefix("contec-cms8000.").unwrap_or_default();
                assert!(p.extensions().contains(&ext), "{}: {}", p.name(), path);
            }
        }
    }
}
