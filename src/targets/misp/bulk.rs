//! One MISP event per bulk list, extending the catalogue's event.
//!
//! Guarantees: one attribute per distinct entry and address type (`ip-dst`/`ip-src` by the
//! list's direction, `domain`), in value order (addresses numerically, IPv4 first), a value
//! listed twice written once. Entries stream from the validated list straight into the event
//! text: only an index of the entries is sorted, never a tree of attributes.

use std::borrow::Cow;

use ipnet::IpNet;

use super::event::{address_kinds, net_value};
use super::json::Attribute;
use super::kinds::{self, Kind};
use super::{comment, cve_tags, seen, to_ids, Shared, Written};
use crate::diag::Diagnostic;
use crate::model::BulkList;

/// The entries of a list in value order, each once: indexes into `networks` or `domains`.
fn order(list: &BulkList) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..list.networks.len().max(list.domains.len()) as u32).collect();
    if !list.networks.is_empty() {
        let key = |i: &u32| -> IpNet { list.networks[*i as usize].0 };
        idx.sort_by_key(key);
        idx.dedup_by_key(|i| key(i));
    } else {
        idx.sort_by(|a, b| {
            list.domains[*a as usize]
                .0
                .cmp(&list.domains[*b as usize].0)
        });
        idx.dedup_by(|a, b| list.domains[*a as usize].0 == list.domains[*b as usize].0);
    }
    idx
}

/// Writes the event of one bulk list.
pub fn write(s: &Shared<'_>, list: &BulkList) -> Result<Written, Vec<Diagnostic>> {
    let c = s.c;
    let label = list.meta.role.as_deref().unwrap_or(&list.id);
    let entries = order(list);
    let head = s.head(
        s.uuid(&format!("bulk/{}", list.id)),
        format!(
            "{}: {label} (bulk list `{}` of {}, {} entries)",
            c.advisory.id,
            list.id,
            c.id,
            entries.len()
        ),
        list.meta.severity,
        &list.meta.cves,
    );
    let tags = cve_tags(&list.meta.cves);
    let first = list.meta.valid_from.map(seen);
    let last = list.meta.valid_until.map(seen);
    let note = comment(&list.meta);
    let ids = to_ids(&list.meta);
    let kinds: &[Kind] = if list.networks.is_empty() {
        &[kinds::DOMAIN]
    } else {
        address_kinds(list.meta.direction)
    };
    super::write_event(&head, |w| {
        for &i in &entries {
            let value: Cow<'_, str> = match list.networks.get(i as usize) {
                Some((n, _)) if list.domains.is_empty() => net_value(*n).into(),
                _ => list.domains[i as usize].0.as_str().into(),
            };
            for kind in kinds {
                let uuid = s.uuid(&format!("bulk/{}/{}/{value}", list.id, kind.kind));
                w.attribute(&Attribute {
                    category: kind.category,
                    comment: note,
                    disable_correlation: false,
                    distribution: "5",
                    first_seen: first.as_deref(),
                    last_seen: last.as_deref(),
                    object_relation: None,
                    timestamp: &s.timestamp,
                    to_ids: ids,
                    kind: kind.kind,
                    uuid,
                    value: Cow::Borrowed(&value),
                    tags: &tags,
                })?;
            }
        }
        Ok(())
    })
    .map_err(super::failed)
}
