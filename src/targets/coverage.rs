//! Coverage: which catalogue item each target carries, declared by the target rather than
//! recomputed from its output.
//!
//! Each target answers [`Target::support`](super::Target::support) for an [`Item`] (the
//! catalogue kind, the action and the direction of an indicator, bulk list or detection):
//! carried, carried with a limit, or not carried, with the reason. [`derive`] turns those
//! answers into the [`Coverage`] of a catalogue, in catalogue order (indicators, bulk lists,
//! detections); the build report, the bundle README and the Zeek README all read that one
//! result. What only the data can tell (a detection whose ports expand past a limit, an empty
//! list) a target reports while compiling as a refusal ([`Skipped`]), which `derive` applies on
//! top of the declaration. Guarantees: every item of the catalogue is either carried or
//! skipped with a reason by every target, so nothing is dropped silently.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::{Action, BulkKind, Catalogue, Direction, HashAlgo, Observable};

/// The kind of a catalogue item: the catalogue's own `kind` words, plus bulk lists and
/// detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    Ipv4,
    Ipv6,
    Cidr,
    Domain,
    Url,
    Port,
    Md5,
    Sha1,
    Sha256,
    AddressList,
    DomainList,
    Detection,
}

impl ItemKind {
    /// Every kind, in catalogue order.
    pub const ALL: [ItemKind; 12] = [
        ItemKind::Ipv4,
        ItemKind::Ipv6,
        ItemKind::Cidr,
        ItemKind::Domain,
        ItemKind::Url,
        ItemKind::Port,
        ItemKind::Md5,
        ItemKind::Sha1,
        ItemKind::Sha256,
        ItemKind::AddressList,
        ItemKind::DomainList,
        ItemKind::Detection,
    ];

    /// The kind of an indicator's value.
    pub fn of(o: &Observable) -> ItemKind {
        match o {
            Observable::Address(std::net::IpAddr::V4(_)) => ItemKind::Ipv4,
            Observable::Address(std::net::IpAddr::V6(_)) => ItemKind::Ipv6,
            Observable::Network(_) => ItemKind::Cidr,
            Observable::Domain(_) => ItemKind::Domain,
            Observable::Url(_) => ItemKind::Url,
            Observable::Port { .. } => ItemKind::Port,
            Observable::FileHash { algo, .. } => match algo {
                HashAlgo::Md5 => ItemKind::Md5,
                HashAlgo::Sha1 => ItemKind::Sha1,
                HashAlgo::Sha256 => ItemKind::Sha256,
            },
        }
    }

    /// The kind of a bulk list.
    pub fn of_bulk(k: BulkKind) -> ItemKind {
        match k {
            BulkKind::Address => ItemKind::AddressList,
            BulkKind::Domain => ItemKind::DomainList,
        }
    }

    /// The word the catalogue (or, for lists and detections, the reports) use.
    pub fn word(self) -> &'static str {
        match self {
            ItemKind::Ipv4 => "ipv4",
            ItemKind::Ipv6 => "ipv6",
            ItemKind::Cidr => "cidr",
            ItemKind::Domain => "domain",
            ItemKind::Url => "url",
            ItemKind::Port => "port",
            ItemKind::Md5 => "md5",
            ItemKind::Sha1 => "sha1",
            ItemKind::Sha256 => "sha256",
            ItemKind::AddressList => "address list",
            ItemKind::DomainList => "domain list",
            ItemKind::Detection => "detection",
        }
    }

    /// The kind with its article, as a sentence names it: "a port", "a SHA-256 file hash".
    pub fn noun(self) -> &'static str {
        match self {
            ItemKind::Ipv4 => "an IPv4 address",
            ItemKind::Ipv6 => "an IPv6 address",
            ItemKind::Cidr => "a network",
            ItemKind::Domain => "a domain",
            ItemKind::Url => "a URL",
            ItemKind::Port => "a port",
            ItemKind::Md5 => "an MD5 file hash",
            ItemKind::Sha1 => "a SHA-1 file hash",
            ItemKind::Sha256 => "a SHA-256 file hash",
            ItemKind::AddressList => "an address list",
            ItemKind::DomainList => "a domain list",
            ItemKind::Detection => "a detection",
        }
    }

    /// A single address or network indicator.
    pub fn is_address(self) -> bool {
        matches!(self, ItemKind::Ipv4 | ItemKind::Ipv6 | ItemKind::Cidr)
    }

    /// A file hash indicator.
    pub fn is_hash(self) -> bool {
        matches!(self, ItemKind::Md5 | ItemKind::Sha1 | ItemKind::Sha256)
    }
}

/// What a target is asked about one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub kind: ItemKind,
    /// `None` for detections, which always alert.
    pub action: Option<Action>,
    pub direction: Direction,
}

/// A target's answer for one kind of item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Carried as the catalogue says.
    Yes,
    /// Carried, with a limit the reader must know (reported as carried in part).
    Partly(Cow<'static, str>),
    /// Not carried, with the reason.
    No(Cow<'static, str>),
}

/// What a target carried and what it could not express.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Ids of indicators, bulk lists and detections this target expresses.
    pub carried: Vec<String>,
    /// Items it cannot express, or expresses only in part, with the reason.
    pub skipped: Vec<Skipped>,
}

/// An item a target refuses or carries only in part, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

impl Skipped {
    pub fn new(id: impl Into<String>, reason: impl Into<String>) -> Skipped {
        Skipped {
            id: id.into(),
            reason: reason.into(),
        }
    }
}

/// Where one item stands in one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Carried as the catalogue says.
    Yes,
    /// Carried, with a limit.
    Partly,
    /// Not carried.
    No,
    /// Neither carried nor refused: not in the target's scope.
    Out,
}

impl Status {
    /// The word of the bundle README's coverage table.
    pub fn word(self) -> &'static str {
        match self {
            Status::Yes => "yes",
            Status::Partly => "partly",
            Status::No => "no",
            Status::Out => "-",
        }
    }
}

impl Coverage {
    /// Records a carried item (for code that still collects a coverage by hand).
    pub fn carry(&mut self, id: impl Into<String>) {
        self.carried.push(id.into());
    }

    /// Records a skipped item (for code that still collects a coverage by hand).
    pub fn skip(&mut self, id: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped::new(id, reason));
    }

    /// Where each item of this coverage stands, by id.
    pub fn statuses(&self) -> HashMap<&str, Status> {
        let skipped: HashSet<&str> = self.skipped.iter().map(|s| s.id.as_str()).collect();
        let mut out: HashMap<&str, Status> = skipped.iter().map(|id| (*id, Status::No)).collect();
        for id in &self.carried {
            let s = if skipped.contains(id.as_str()) {
                Status::Partly
            } else {
                Status::Yes
            };
            out.insert(id, s);
        }
        out
    }
}

/// Every item of a catalogue as coverage sees it, in catalogue order: (id, item).
pub fn items(c: &Catalogue) -> impl Iterator<Item = (&str, Item)> {
    let indicators = c.indicators.iter().map(|i| {
        let item = Item {
            kind: ItemKind::of(&i.observable),
            action: Some(i.meta.action),
            direction: i.meta.direction,
        };
        (i.id.as_str(), item)
    });
    let bulk = c.bulk.iter().map(|b| {
        let item = Item {
            kind: ItemKind::of_bulk(b.kind),
            action: Some(b.meta.action),
            direction: b.meta.direction,
        };
        (b.id.as_str(), item)
    });
    let detections = c.detections.iter().map(|d| {
        let item = Item {
            kind: ItemKind::Detection,
            action: None,
            direction: d.direction,
        };
        (d.id.as_str(), item)
    });
    indicators.chain(bulk).chain(detections)
}

/// The coverage of one target for a catalogue: its declaration for every item, with the
/// refusals it reported while compiling applied on top. A refusal of an item the target
/// declares it carries takes the item out, with the refusal's reason; a refusal of an item it
/// declares it cannot carry replaces the declared reason by a more precise one (e.g. naming
/// the detection that matches a port instead). Refusals that name no item (a note about the
/// build, e.g. a missing input) follow, in order.
pub fn derive(support: impl Fn(&Item) -> Support, c: &Catalogue, refused: &[Skipped]) -> Coverage {
    let mut by_id: HashMap<&str, Vec<&Skipped>> = HashMap::new();
    for r in refused {
        by_id.entry(r.id.as_str()).or_default().push(r);
    }
    let mut cov = Coverage::default();
    let mut seen: HashSet<&str> = HashSet::new();
    for (id, item) in items(c) {
        seen.insert(id);
        let refusals = by_id.get(id);
        let declared = support(&item);
        match (declared, refusals) {
            (Support::Yes | Support::Partly(_) | Support::No(_), Some(rs)) => {
                cov.skipped.extend(rs.iter().map(|r| (*r).clone()));
            }
            (Support::Yes, None) => cov.carried.push(id.to_owned()),
            (Support::Partly(why), None) => {
                cov.carried.push(id.to_owned());
                cov.skipped.push(Skipped::new(id, why));
            }
            (Support::No(why), None) => cov.skipped.push(Skipped::new(id, why)),
        }
    }
    cov.skipped.extend(
        refused
            .iter()
            .filter(|r| !seen.contains(r.id.as_str()))
            .cloned(),
    );
    cov
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/good/every-kind.yaml");
        let mut cache = crate::diag::SourceCache::default();
        crate::load::load_catalogue(
            &path,
            "2025-03-01".parse().unwrap(),
            &crate::targets::names(),
            &mut cache,
        )
        .catalogue
        .expect("every-kind validates")
    }

    /// Carries addresses, carries domains in part, refuses the rest.
    fn declared(item: &Item) -> Support {
        match item.kind {
            k if k.is_address() => Support::Yes,
            ItemKind::Domain => Support::Partly("only by name".into()),
            k => Support::No(format!("no {}", k.word()).into()),
        }
    }

    #[test]
    fn every_item_is_carried_or_skipped_in_catalogue_order() {
        let c = catalogue();
        let cov = derive(declared, &c, &[]);
        let all: Vec<&str> = items(&c).map(|(id, _)| id).collect();
        let statuses = cov.statuses();
        for id in &all {
            assert_ne!(
                statuses.get(id),
                None,
                "{id} is neither carried nor skipped"
            );
        }
        let carried: Vec<&str> = all
            .iter()
            .copied()
            .filter(|id| cov.carried.iter().any(|x| x == id))
            .collect();
        assert_eq!(cov.carried, carried, "catalogue order");
        let domain = items(&c)
            .find(|(_, i)| i.kind == ItemKind::Domain)
            .unwrap()
            .0;
        assert_eq!(statuses[domain], Status::Partly);
        let url = items(&c).find(|(_, i)| i.kind == ItemKind::Url).unwrap().0;
        assert_eq!(statuses[url], Status::No);
        assert!(cov.skipped.contains(&Skipped::new(url, "no url")));
    }

    #[test]
    fn refusals_take_items_out_or_refine_the_reason_and_notes_follow() {
        let c = catalogue();
        let addr = items(&c).find(|(_, i)| i.kind.is_address()).unwrap().0;
        let url = items(&c).find(|(_, i)| i.kind == ItemKind::Url).unwrap().0;
        let refused = [
            Skipped::new("a-note", "about the build"),
            Skipped::new(addr, "too many"),
            Skipped::new(url, "no url, and here is why"),
        ];
        let cov = derive(declared, &c, &refused);
        let statuses = cov.statuses();
        assert_eq!(statuses[addr], Status::No);
        assert!(cov.skipped.contains(&Skipped::new(addr, "too many")));
        assert!(!cov.skipped.contains(&Skipped::new(url, "no url")));
        assert!(cov.skipped.contains(&refused[2]));
        assert_eq!(cov.skipped.last(), Some(&refused[0]));
    }
}
