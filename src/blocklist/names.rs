//! Safety rails for names, and the one name block list of a catalogue.
//!
//! Guarantees: every `block` domain (indicators and domain lists) is checked, so a refusal
//! names the indicator (or list), its exact place (YAML path or bulk file line) and the rail.
//! The rails:
//! - `public-suffix`: never a public suffix (`co.uk`, `github.io`, every TLD), by the Public
//!   Suffix List of the `psl` crate (ICANN and private sections); the root and single-label
//!   names never get this far (validation refuses them);
//! - `allowlist`: never a name that is, covers or lies under a domain of `policy.allowlist`;
//! - `reference-host`: never a name that is or covers a host the catalogue cites in any
//!   `references` (its own sources stay reachable).
//!
//! A rail is lifted only by a `policy.overrides` entry `{domain, rail, reason}` whose domain
//! is the name or one of its parents; the DNS headers print every override. Even then an
//! allowlisted name is never blocked: a blocked name under an allowlisted one is left out,
//! and an allowlisted name under a blocked one becomes an exception the formats answer
//! normally. Refusals are capped at [`MAX_REFUSALS`] diagnostics, then counted.
//!
//! [`plan`] returns the names in DNS order (compared label by label from the right, so a
//! name's subdomains follow it), deduplicated, borrowed from the catalogue; work is one sort
//! and linear passes with hash lookups per label.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use super::rails::MAX_REFUSALS;
use crate::diag::{Code, Diagnostic};
use crate::model::{Action, Catalogue, Observable};

/// One `block` name of the catalogue and where it was written.
#[derive(Debug, Clone, Copy)]
pub struct NameEntry<'a> {
    pub name: &'a str,
    /// The indicator id, or the bulk list id.
    pub id: &'a str,
    /// Line in the bulk file, for bulk entries.
    pub bulk_line: Option<u32>,
}

/// Every `block` name, indicators first, then domain lists, in catalogue order.
pub fn entries(c: &Catalogue) -> impl Iterator<Item = NameEntry<'_>> {
    let single = c.indicators.iter().filter_map(|i| match &i.observable {
        Observable::Domain(d) if i.meta.action == Action::Block => Some(NameEntry {
            name: d,
            id: &i.id,
            bulk_line: None,
        }),
        _ => None,
    });
    let bulk = c
        .bulk
        .iter()
        .filter(|b| b.meta.action == Action::Block)
        .flat_map(|b| {
            b.domains.iter().map(move |(d, line)| NameEntry {
                name: d,
                id: &b.id,
                bulk_line: Some(line),
            })
        });
    single.chain(bulk)
}

/// A name and each of its parents, itself first: `a.b.c`, `b.c`, `c`.
pub fn self_and_parents(name: &str) -> impl Iterator<Item = &str> {
    std::iter::once(name).chain(name.match_indices('.').map(move |(i, _)| &name[i + 1..]))
}

/// True when `name` is `parent` or lies under it.
pub fn is_under(name: &str, parent: &str) -> bool {
    name == parent
        || (name.len() > parent.len()
            && name.ends_with(parent)
            && name.as_bytes()[name.len() - parent.len() - 1] == b'.')
}

/// DNS order: labels compared from the right, so a parent comes right before its subdomains.
pub fn dns_order(a: &str, b: &str) -> Ordering {
    a.rsplit('.').cmp(b.rsplit('.'))
}

/// One rail a name trips, with the why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    pub rail: &'static str,
    pub why: String,
    /// Whether an override can lift it (not for a name under an allowlisted one, which stays
    /// unblocked whatever the overrides, nor for the limits of a format).
    pub liftable: bool,
}

/// The name rails, prepared once per catalogue.
pub struct NameRails<'a> {
    catalogue: &'a Catalogue,
    allowed: HashSet<&'a str>,
    /// Strict parents of allowlisted names, to the allowlisted name.
    allowed_parents: HashMap<&'a str, &'a str>,
    /// Reference hosts and their parents, to the host.
    cited: HashMap<String, String>,
}

impl<'a> NameRails<'a> {
    pub fn new(catalogue: &'a Catalogue) -> NameRails<'a> {
        let allow = &catalogue.policy.allowlist_names;
        let allowed = allow.iter().map(String::as_str).collect();
        let mut allowed_parents = HashMap::new();
        for a in allow {
            for p in self_and_parents(a).skip(1) {
                allowed_parents.entry(p).or_insert(a.as_str());
            }
        }
        let mut cited = HashMap::new();
        for host in reference_hosts(catalogue) {
            for p in self_and_parents(&host) {
                cited.entry(p.to_owned()).or_insert_with(|| host.clone());
            }
        }
        NameRails {
            catalogue,
            allowed,
            allowed_parents,
            cited,
        }
    }

    /// Every rail `name` trips, before overrides.
    pub fn trips(&self, name: &str) -> Vec<Trip> {
        let mut out = Vec::new();
        if let Some(s) = psl::suffix(name.as_bytes()).filter(|s| s.as_bytes() == name.as_bytes()) {
            let section = match s.typ() {
                Some(psl::Type::Private) => "private",
                _ => "ICANN",
            };
            out.push(Trip {
                rail: "public-suffix",
                why: format!("it is a public suffix (in the {section} section of the Public Suffix List): blocking it would block every name registered under it"),
                liftable: true,
            });
        }
        if let Some(a) = self_and_parents(name).find(|p| self.allowed.contains(p)) {
            out.push(Trip {
                rail: "allowlist",
                why: format!("it lies under the allowlisted name `{a}` (`policy.allowlist`), which is never blocked"),
                liftable: false,
            });
        } else if let Some(a) = self.allowed_parents.get(name) {
            out.push(Trip {
                rail: "allowlist",
                why: format!("it covers the allowlisted name `{a}` (`policy.allowlist`)"),
                liftable: true,
            });
        }
        if let Some(host) = self.cited.get(name) {
            out.push(Trip {
                rail: "reference-host",
                why: format!(
                    "it is or covers `{host}`, a host the catalogue cites in its references"
                ),
                liftable: true,
            });
        }
        out
    }

    /// The rails `name` trips that no override lifts.
    pub fn refusals(&self, name: &str) -> Vec<Trip> {
        let mut trips = self.trips(name);
        trips.retain(|t| {
            !self
                .catalogue
                .policy
                .name_overrides
                .iter()
                .any(|o| o.rail == t.rail && is_under(name, &o.domain))
        });
        trips
    }

    /// True when an allowlisted name is `name` or a parent of it.
    fn allowlisted(&self, name: &str) -> bool {
        self_and_parents(name).any(|p| self.allowed.contains(p))
    }
}

/// The host of every URL the catalogue cites, lowercase, IDNA-normalised by the `url` crate;
/// addresses and unparsable references give none.
pub fn reference_hosts(c: &Catalogue) -> Vec<String> {
    let a = &c.advisory;
    let refs = a
        .references
        .iter()
        .chain(a.cves.iter().flat_map(|x| &x.references))
        .chain(a.products.iter().flat_map(|x| &x.references))
        .chain(c.indicators.iter().flat_map(|x| &x.meta.references))
        .chain(c.bulk.iter().flat_map(|x| &x.meta.references))
        .chain(c.detections.iter().flat_map(|x| &x.references));
    let mut hosts: Vec<String> = refs
        .filter_map(|r| match url::Url::parse(r).ok()?.host()? {
            url::Host::Domain(d) => Some(d.trim_end_matches('.').to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The name block list of a catalogue.
#[derive(Debug, Clone, Default)]
pub struct NamePlan<'a> {
    /// Blocked names, each standing for itself and every name under it: DNS order, none
    /// under another.
    pub names: Vec<&'a str>,
    /// Every blocked name as listed (DNS order, deduplicated), for formats that match exact
    /// names only (hosts files).
    pub exact: Vec<&'a str>,
    /// Allowlisted names under a blocked name (whose allowlist rail an override lifted):
    /// answered normally, with every name under them.
    pub exceptions: Vec<&'a str>,
}

/// Checks every `block` name; returns the name block list or every refusal.
pub fn plan(c: &Catalogue) -> Result<NamePlan<'_>, Vec<Diagnostic>> {
    plan_checked(c, &|_| None)
}

/// [`plan`], with the limits of an output format on top of the rails: a name `limits` trips
/// is refused too, and no override lifts it.
pub fn plan_checked<'c>(
    c: &'c Catalogue,
    limits: &dyn Fn(&str) -> Option<Trip>,
) -> Result<NamePlan<'c>, Vec<Diagnostic>> {
    let rails = NameRails::new(c);
    let mut diags = Vec::new();
    let mut more = 0usize;
    let mut exact = Vec::new();
    for e in entries(c) {
        let mut refused = rails.refusals(e.name);
        refused.extend(limits(e.name));
        if !refused.is_empty() {
            if diags.len() < MAX_REFUSALS {
                diags.push(refusal(c, &e, &refused));
            } else {
                more += 1;
            }
        } else if !rails.allowlisted(e.name) {
            exact.push(e.name);
        }
    }
    if more > 0 {
        diags.push(
            Diagnostic::new(
                Code::RefusedName,
                format!("{more} more names are refused by the safety rails"),
            )
            .in_file(&c.source.path)
            .help("fix the entries above first; the next build reports the rest"),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    exact.sort_unstable_by(|a, b| dns_order(a, b));
    exact.dedup();
    let names = outermost(&exact);
    let mut exceptions: Vec<&str> = c
        .policy
        .allowlist_names
        .iter()
        .map(String::as_str)
        .filter(|a| {
            self_and_parents(a)
                .skip(1)
                .any(|p| names.binary_search_by(|n| dns_order(n, p)).is_ok())
        })
        .collect();
    exceptions.sort_unstable_by(|a, b| dns_order(a, b));
    exceptions.dedup();
    Ok(NamePlan {
        names,
        exact,
        exceptions,
    })
}

/// The names of a DNS-ordered list that lie under no other name of it (one linear pass:
/// in DNS order a name's subdomains follow it).
fn outermost<'a>(sorted: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::with_capacity(sorted.len());
    for n in sorted {
        if out.last().is_some_and(|last| is_under(n, last)) {
            continue;
        }
        out.push(n);
    }
    out
}

fn refusal(c: &Catalogue, e: &NameEntry<'_>, refused: &[Trip]) -> Diagnostic {
    let what = if e.bulk_line.is_some() {
        format!("domain list `{}`", e.id)
    } else {
        format!("indicator `{}`", e.id)
    };
    let rails = refused
        .iter()
        .map(|t| format!("rail `{}`: {}", t.rail, t.why))
        .collect::<Vec<_>>()
        .join("; ");
    let lifts = refused
        .iter()
        .filter(|t| t.liftable)
        .map(|t| format!("{{domain: {}, rail: {}, reason: \"...\"}}", e.name, t.rail))
        .collect::<Vec<_>>()
        .join(", ");
    let lift = if lifts.is_empty() {
        String::new()
    } else {
        format!("; if blocking it is really intended, lift the rail explicitly: `policy.overrides: [{lifts}]` (every DNS file header then says so)")
    };
    let d = Diagnostic::new(
        Code::RefusedName,
        format!("refused to block the name `{}` of {what}: {rails}", e.name),
    )
    .help(format!(
        "remove the entry{}{lift}",
        if refused.iter().any(|t| t.rail == "allowlist" && !t.liftable) {
            " (or the name from `policy.allowlist`)"
        } else {
            ", or list the precise name to block"
        }
    ));
    super::at_entry(d, c, e.id, e.bulk_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_order_and_containment() {
        assert_eq!(
            self_and_parents("a.b.c").collect::<Vec<_>>(),
            ["a.b.c", "b.c", "c"]
        );
        assert!(is_under("x.bad.example", "bad.example"));
        assert!(is_under("bad.example", "bad.example"));
        assert!(!is_under("notbad.example", "bad.example"));
        assert!(!is_under("example", "bad.example"));
        let mut v = vec![
            "b.example",
            "a.bad.example",
            "bad-x.example",
            "bad.example",
            "z.a",
        ];
        v.sort_by(|a, b| dns_order(a, b));
        assert_eq!(
            v,
            [
                "z.a",
                "b.example",
                "bad.example",
                "a.bad.example",
                "bad-x.example"
            ]
        );
        assert_eq!(
            outermost(&v),
            ["z.a", "b.example", "bad.example", "bad-x.example"]
        );
    }

    #[test]
    fn the_public_suffix_list_knows_icann_and_private_suffixes() {
        for s in ["com", "co.uk", "github.io", "s3.amazonaws.com"] {
            assert_eq!(psl::suffix_str(s), Some(s), "{s}");
        }
        for s in ["example.co.uk", "user.github.io", "bad.example"] {
            assert_ne!(psl::suffix_str(s), Some(s), "{s}");
        }
    }
}
