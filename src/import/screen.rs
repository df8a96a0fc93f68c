//! Screening and merging the entries of every source.
//!
//! Guarantees: a `block` entry that is on a known-benign list, or that the safety rails of a
//! target the policy builds would refuse (the address rails of `firewall`, the name rails and
//! RPZ limits of `dns`), is left out with a warning at its source line (so the written catalogue
//! checks and builds); `alert` and `monitor` entries on a known-benign list are kept (the
//! check warns about them). Entries with the same value, within one source or across sources,
//! become one item: the first source's name, action, direction and severity; the earliest
//! `valid-from` and the latest `valid-until` (none if any is open-ended); `sourced` if any
//! source states it; every source's facts and references. Order is the sources' order.

use std::collections::HashMap;

use super::{values, Entry, Merged, Origin};
use crate::blocklist::names::NameRails;
use crate::blocklist::rails::Rails;
use crate::diag::{At, Code, Diagnostic};
use crate::model::{Action, Catalogue, Confidence, Direction, Observable, Severity};
use crate::validate::value_hit;

/// One indicator to write, from one or more entries.
#[derive(Debug, Clone)]
pub struct Item {
    pub observable: Observable,
    pub action: Action,
    pub confidence: Confidence,
    pub severity: Option<Severity>,
    pub direction: Option<Direction>,
    pub valid_from: Option<jiff::civil::Date>,
    pub valid_until: Option<jiff::civil::Date>,
    pub name: Option<String>,
    /// (origin, facts) per source entry.
    pub sources: Vec<(Origin, Vec<String>)>,
    pub references: Vec<String>,
    /// Whether any entry had no `valid-until`.
    open_ended: bool,
}

/// The rails (and RPZ limits) that refuse to block `o`, as (rail, why), for the targets the
/// policy builds: the build would fail on any of them.
fn refusals(
    rails: Option<&Rails<'_>>,
    name_rails: Option<&NameRails<'_>>,
    o: &Observable,
) -> Vec<(&'static str, String)> {
    match (o.as_net(), o) {
        (Some(net), _) => rails.map_or_else(Vec::new, |r| {
            r.refusals(net)
                .into_iter()
                .map(|t| (t.rail, t.why))
                .collect()
        }),
        (None, Observable::Domain(name)) => name_rails.map_or_else(Vec::new, |r| {
            r.refusals(name)
                .into_iter()
                .chain(crate::targets::dns::rpz_limits(name))
                .map(|t| (t.rail, t.why))
                .collect()
        }),
        _ => Vec::new(),
    }
}

/// Drops `block` entries a check or build would refuse; returns the rest.
pub fn screen(
    entries: Vec<Entry>,
    default: Action,
    policy: &Catalogue,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Entry>, usize) {
    let builds = |target: &str| policy.policy.targets.iter().any(|t| t == target);
    let rails = builds("firewall").then(|| Rails::new(policy));
    let name_rails = builds("dns").then(|| NameRails::new(policy));
    let mut kept = Vec::with_capacity(entries.len());
    let mut left_out = 0;
    let mut shown = 0;
    for e in entries {
        let action = e.action.unwrap_or(default);
        if action != Action::Block {
            kept.push(e);
            continue;
        }
        let why = if let Some(hit) = value_hit(&e.observable, action, &policy.policy) {
            Some((
                Code::BenignIndicator,
                format!(
                    "`{}` is left out: it is on the known-benign list {}{}",
                    values::shown(&e.observable.value()),
                    hit.describe(),
                    if hit.entry == e.observable.value() {
                        String::new()
                    } else {
                        format!(" (entry `{}`)", values::shown(hit.entry))
                    }
                ),
                "blocking it would cause an outage; import it with --action alert, or add it by hand with a `policy.overrides` entry (rail `benign`) if it is really meant",
            ))
        } else {
            let refused = refusals(rails.as_ref(), name_rails.as_ref(), &e.observable);
            (!refused.is_empty()).then(|| {
                (
                    Code::ImportSkipped,
                    format!(
                        "`{}` is left out: the safety rails refuse to block it ({})",
                        values::shown(&e.observable.value()),
                        refused
                            .iter()
                            .map(|(rail, why)| format!("rail `{rail}`: {why}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    "import it with --action alert, or add it by hand with a `policy.overrides` entry if blocking it is really meant",
                )
            })
        };
        match why {
            None => kept.push(e),
            Some((code, message, help)) => {
                left_out += 1;
                if shown < super::MAX_REPORTED {
                    shown += 1;
                    diags.push(
                        super::skipped(code, message)
                            .in_file(&e.origin.file)
                            .at(At::Line(e.origin.line.max(1)))
                            .help(help),
                    );
                }
            }
        }
    }
    if left_out > shown {
        diags.push(super::skipped(
            Code::ImportSkipped,
            format!(
                "{} more block entries are left out as known-benign or refused by the safety rails",
                left_out - shown
            ),
        ));
    }
    (kept, left_out)
}

/// Merges entries by value, in order. Returns the items and the merges made.
pub fn merge(entries: Vec<Entry>, default: Action) -> (Vec<Item>, Vec<Merged>) {
    let mut items: Vec<Item> = Vec::new();
    let mut index: HashMap<Observable, usize> = HashMap::with_capacity(entries.len());
    for e in entries {
        match index.get(&e.observable) {
            Some(&i) => add(&mut items[i], e),
            None => {
                index.insert(e.observable.clone(), items.len());
                items.push(Item {
                    action: e.action.unwrap_or(default),
                    confidence: e.confidence.unwrap_or(Confidence::Sourced),
                    severity: e.severity,
                    direction: e.direction,
                    valid_from: e.valid_from,
                    valid_until: e.valid_until,
                    open_ended: e.valid_until.is_none(),
                    name: e.name,
                    references: dedup(e.references),
                    sources: vec![(e.origin, e.notes)],
                    observable: e.observable,
                });
            }
        }
    }
    let merged = items
        .iter()
        .filter(|i| i.sources.len() > 1)
        .map(|i| Merged {
            value: i.observable.value(),
            sources: i.sources.iter().map(|(o, _)| o.describe()).collect(),
        })
        .collect();
    for i in &mut items {
        if i.open_ended {
            i.valid_until = None;
        }
    }
    (items, merged)
}

fn add(item: &mut Item, e: Entry) {
    item.valid_from = match (item.valid_from, e.valid_from) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    item.open_ended |= e.valid_until.is_none();
    item.valid_until = match (item.valid_until, e.valid_until) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    if e.confidence.unwrap_or(Confidence::Sourced) == Confidence::Sourced {
        item.confidence = Confidence::Sourced;
    }
    item.name = item.name.take().or(e.name);
    for r in e.references {
        if !item.references.contains(&r) {
            item.references.push(r);
        }
    }
    item.sources.push((e.origin, e.notes));
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}
