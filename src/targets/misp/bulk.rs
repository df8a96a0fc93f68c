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
use super::json::HashLines;
use super::kinds::{self, Kind};
use super::{comment, cve_tags, seen, to_ids, Hashes, Shared, Written};
use crate::diag::Diagnostic;
use crate::model::BulkList;

/// The values of a list in value order (addresses numerically, IPv4 first; domains
/// bytewise), each once: the packed lists are sorted with repeats side by side.
fn values(list: &BulkList) -> impl Iterator<Item = Cow<'_, str>> + '_ {
    let nets = list.networks.iter().map(|(n, _)| n);
    let mut last_net: Option<IpNet> = None;
    let nets = nets.filter(move |n| last_net.replace(*n) != Some(*n));
    let mut last_domain: Option<&str> = None;
    let domains = list
        .domains
        .iter()
        .map(|(d, _)| d)
        .filter(move |d| last_domain.replace(d) != Some(d));
    nets.map(|n| Cow::Owned(net_value(n)))
        .chain(domains.map(Cow::Borrowed))
}

/// Distinct values of a list.
fn distinct(list: &BulkList) -> usize {
    values(list).count()
}

/// The attribute kinds of a list: its address types by direction, or `domain`.
fn kinds_of(list: &BulkList) -> &'static [Kind] {
    if list.networks.is_empty() {
        &[kinds::DOMAIN]
    } else {
        address_kinds(list.meta.direction)
    }
}

/// Writes the event of one bulk list. Its `hashes.csv` lines are not kept: [`write_hashes`]
/// writes them again when that file is written.
pub fn write<'a>(
    s: &Shared<'_>,
    list: &'a BulkList,
    out: &mut crate::output::Files,
) -> Result<Written<'a>, Vec<Diagnostic>> {
    let c = s.c;
    let label = list.meta.role.as_deref().unwrap_or(&list.id);
    let head = s.head(
        s.uuid(&format!("bulk/{}", list.id)),
        format!(
            "{}: {label} (bulk list `{}` of {}, {} entries)",
            c.advisory.id,
            list.id,
            c.id,
            distinct(list)
        ),
        list.meta.severity,
        &list.meta.cves,
    );
    let tags = cve_tags(&list.meta.cves);
    let first = list.meta.valid_from.map(seen);
    let last = list.meta.valid_until.map(seen);
    let note = comment(&list.meta);
    let ids = to_ids(&list.meta);
    super::write_event(out, &head, std::io::sink(), |w| {
        for value in values(list) {
            for kind in kinds_of(list) {
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
    })?;
    Ok(Written {
        uuid: head.uuid.clone(),
        hashes: Hashes::Bulk(list),
        manifest: head.manifest(),
    })
}

/// The `hashes.csv` lines of a list's event (uuid `event`), the same the event writer gives
/// for its attributes, streamed into `out`.
pub fn write_hashes(
    list: &BulkList,
    event: &str,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut hashes = HashLines::new(out, event);
    for value in values(list) {
        for kind in kinds_of(list) {
            hashes.hash(kind.kind, &value)?;
        }
    }
    Ok(())
}
