//! Bulk-list entries (possibly millions) as indicators, without one object per entry in memory.
//!
//! Guarantees: each list's entries share every field but four, so one prototype indicator per
//! list is serialised by serde_json and its text reused, with the four fields of each entry
//! (id, name, description, pattern) escaped by serde_json into the slots ([`EntryShape`]). The
//! bytes are the same as for objects built one by one and written by [`compact`]; only 12
//! bytes an entry (the first 64 bits of its id's UUID and its place in the lists) are kept
//! until the output is written, in id order, straight into the bundle: the whole UUID is
//! computed again as the entry is written (and where two entries' first 64 bits tie). Of
//! entries with the same id (a value listed twice), the last one is kept, as a map keyed by
//! id would.
//!
//! A bulk entry is written on one line (compact JSON) and without `pattern_version`, whose
//! default for a STIX pattern is the object's `spec_version` (2.1, the value it would hold):
//! at a million entries the bundle's size is mostly per-object whitespace and repeats. The
//! catalogue's own objects stay pretty-printed. Every entry keeps its own id, dates, pattern,
//! name and description (its list and line), labels, confidence, marking and references.

use std::cmp::Reverse;

use uuid::Uuid;

use super::builder::{stable_uuid, Builder, IndicatorSpec};
use super::objects::{Indicator, PatternType};
use super::pattern::observable_pattern;
use crate::model::{BulkList, Observable};
use crate::targets::Coverage;

/// A bulk entry to write: the first 64 bits of its id's UUID (as two halves, which keeps the
/// entry at 12 bytes) and its place among the entries of all lists (list after list; in a
/// list, networks then domains). The lists hold fewer than 2^32 entries: each costs 12 bytes
/// or more in memory.
#[derive(Clone, Copy)]
struct BulkRef {
    hi: u32,
    lo: u32,
    at: u32,
}

impl BulkRef {
    fn key(self) -> u64 {
        (u64::from(self.hi) << 32) | u64::from(self.lo)
    }
}

/// The entry of index `e` (networks, then domains) as a value in canonical text form.
fn entry_value(list: &BulkList, e: usize, out: &mut String) {
    use std::fmt::Write as _;
    out.clear();
    match list.networks.get(e) {
        Some((n, _)) if n.prefix_len() == n.max_prefix_len() => {
            let _ = write!(out, "{}", n.addr());
        }
        Some((n, _)) => {
            let _ = write!(out, "{n}");
        }
        None => out.push_str(domain(list, e).0),
    }
}

/// The domain entry of index `e` (after the networks) and its line.
fn domain(list: &BulkList, e: usize) -> (&str, u32) {
    list.domains.get(e - list.networks.len()).unwrap_or(("", 0))
}

/// The observable of the entry of index `e`, as the catalogue would write it.
fn entry_observable(list: &BulkList, e: usize) -> Observable {
    match list.networks.get(e) {
        Some((n, _)) => Observable::of_net(n),
        None => Observable::Domain(domain(list, e).0.to_owned()),
    }
}

/// A bulk entry as the bundle holds it: on one line, indented one level as inside the
/// bundle's array, without the `pattern_version` that repeats its default.
pub fn compact(mut object: Indicator<'_>) -> String {
    object.pattern_version = None;
    // A typed object of strings always serialises.
    format!("    {}", serde_json::to_string(&object).unwrap_or_default())
}

/// The serialised form of one bulk list's entries, as [`compact`] writes them: fixed text
/// around four slots (id, name, description, pattern) in the order serde_json writes them.
struct EntryShape {
    /// `segments.len() == slots.len() + 1`.
    segments: Vec<Vec<u8>>,
    slots: Vec<Slot>,
    /// `"{label}: "` and `"{label} (line "`, and `" of bulk list `{id}`)."`.
    name_prefix: String,
    description_prefix: String,
    description_suffix: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Id,
    Name,
    Description,
    Pattern,
}

impl EntryShape {
    fn new(b: &Builder<'_>, list: &BulkList, label: &str) -> EntryShape {
        let fields = [Slot::Id, Slot::Name, Slot::Description, Slot::Pattern];
        // Sentinels that occur exactly once in the prototype's text: each is then surely the
        // slot, whatever the catalogue's own strings hold (a clash only picks another nonce).
        let mut nonce = 0u64;
        let (text, sentinels) = loop {
            let sentinels: Vec<String> = (0..fields.len())
                .map(|k| format!("iocc-slot-{k}-{nonce}"))
                .collect();
            let mut prototype = b.indicator_object(IndicatorSpec {
                key: "",
                name: sentinels[1].clone(),
                description: sentinels[2].clone(),
                pattern: sentinels[3].clone(),
                pattern_type: PatternType::Stix,
                meta: Some(&list.meta),
                cves: &list.meta.cves,
                urls: &list.meta.references,
            });
            prototype.id = sentinels[0].clone();
            let text = compact(prototype);
            let quoted: Vec<String> = sentinels.iter().map(|s| format!("\"{s}\"")).collect();
            if quoted.iter().all(|q| text.matches(q.as_str()).count() == 1) {
                break (text, quoted);
            }
            nonce += 1;
        };
        let mut at: Vec<(usize, Slot, usize)> = sentinels
            .iter()
            .zip(fields)
            .map(|(q, f)| (text.find(q.as_str()).unwrap_or(0), f, q.len()))
            .collect();
        at.sort_by_key(|a| a.0);
        let mut segments = Vec::new();
        let mut slots = Vec::new();
        let mut pos = 0;
        for (start, slot, len) in at {
            segments.push(text.as_bytes()[pos..start].to_vec());
            slots.push(slot);
            pos = start + len;
        }
        segments.push(text.as_bytes()[pos..].to_vec());
        EntryShape {
            segments,
            slots,
            name_prefix: format!("{label}: "),
            description_prefix: format!("{label} (line "),
            description_suffix: format!(" of bulk list `{}`).", list.id),
        }
    }

    /// Appends the entry of index `e` of `list`, whose id is `id`; `value` is scratch space.
    fn write(&self, list: &BulkList, e: usize, id: &str, value: &mut String, out: &mut Vec<u8>) {
        use std::fmt::Write as _;
        entry_value(list, e, value);
        let line = match list.networks.get(e) {
            Some((_, line)) => line,
            None => domain(list, e).1,
        };
        let mut field = String::new();
        for (k, slot) in self.slots.iter().enumerate() {
            out.extend_from_slice(&self.segments[k]);
            field.clear();
            let text: &str = match slot {
                Slot::Id => id,
                Slot::Name => {
                    field.push_str(&self.name_prefix);
                    field.push_str(value);
                    &field
                }
                Slot::Description => {
                    let _ = write!(
                        field,
                        "{}{line}{}",
                        self.description_prefix, self.description_suffix
                    );
                    &field
                }
                Slot::Pattern => {
                    field = observable_pattern(&entry_observable(list, e));
                    &field
                }
            };
            // A `&str` always serialises.
            let _ = serde_json::to_writer(&mut *out, text);
        }
        out.extend_from_slice(&self.segments[self.slots.len()]);
    }
}

/// Pretty JSON text indented one level (four spaces) deeper, as inside the bundle's array.
pub fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (j, line) in text.lines().enumerate() {
        if j > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    out
}

/// Every bulk entry of the catalogue, in id order, ready to be written.
pub struct BulkEntries<'c> {
    lists: &'c [BulkList],
    catalogue_id: &'c str,
    /// Where each list's entries start in the places of [`BulkRef::at`].
    starts: Vec<u32>,
    shapes: Vec<EntryShape>,
    entries: Vec<BulkRef>,
}

impl<'c> BulkEntries<'c> {
    /// Collects the entries of every list (and the relationships of small lists to their
    /// CVEs, which `b` keeps).
    pub fn collect(b: &mut Builder<'c>, coverage: &mut Coverage) -> BulkEntries<'c> {
        let c = b.c;
        let mut shapes = Vec::with_capacity(c.bulk.len());
        let total = c
            .bulk
            .iter()
            .map(|l| l.networks.len() + l.domains.len())
            .sum();
        let mut entries: Vec<BulkRef> = Vec::with_capacity(total);
        let mut starts = Vec::with_capacity(c.bulk.len());
        let mut value = String::new();
        for list in &c.bulk {
            let label = list.meta.role.clone().unwrap_or_else(|| list.id.clone());
            let n = list.networks.len() + list.domains.len();
            // Large lists (a merged feed) link to their CVEs through `external_references`
            // only: one relationship per entry and CVE would multiply the bundle for no new
            // fact.
            let relate = n <= c.policy.large_list_threshold as usize;
            shapes.push(EntryShape::new(b, list, &label));
            let start = entries.len() as u32;
            starts.push(start);
            for e in 0..n {
                entry_value(list, e, &mut value);
                let uuid = b.uuid(&format!("bulk/{}/{value}", list.id));
                if relate {
                    b.relate_cves(&format!("indicator--{uuid}"), &list.meta.cves);
                }
                let key = uuid.as_u64_pair().0;
                entries.push(BulkRef {
                    hi: (key >> 32) as u32,
                    lo: key as u32,
                    at: start + e as u32,
                });
            }
            coverage.carry(&list.id);
        }
        let mut bulk = BulkEntries {
            lists: &c.bulk,
            catalogue_id: &c.id,
            starts,
            shapes,
            entries,
        };
        bulk.order();
        bulk
    }

    /// Sorts the entries by id and keeps, of entries with the same id, the last one.
    fn order(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_unstable_by_key(|r| (r.key(), Reverse(r.at)));
        // Entries whose first 64 bits tie (a value listed twice, or rarely two ids) are put
        // in order of their whole id.
        let mut value = String::new();
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].key();
            let end = i + entries[i..].partition_point(|r| r.key() == key);
            if end - i > 1 {
                entries[i..end]
                    .sort_by_cached_key(|r| (self.uuid(r.at, &mut value), Reverse(r.at)));
            }
            i = end;
        }
        entries.dedup_by(|later, kept| {
            later.key() == kept.key()
                && self.uuid(later.at, &mut value) == self.uuid(kept.at, &mut value)
        });
        self.entries = entries;
    }

    /// The list and the index in it of the entry at place `at`.
    fn locate(&self, at: u32) -> (usize, usize) {
        let list = self.starts.partition_point(|&s| s <= at) - 1;
        (list, (at - self.starts[list]) as usize)
    }

    /// The UUID of the entry at place `at` (as `Builder::uuid` makes it); `value` is scratch
    /// space.
    fn uuid(&self, at: u32, value: &mut String) -> Uuid {
        let (l, e) = self.locate(at);
        let list = &self.lists[l];
        entry_value(list, e, value);
        stable_uuid(&format!("{}/bulk/{}/{value}", self.catalogue_id, list.id))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries in id order: each id, and a writer of the entry.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'_>> {
        self.entries
            .iter()
            .map(move |e| Entry { bulk: self, at: e })
    }
}

/// One entry of [`BulkEntries`].
pub struct Entry<'b> {
    bulk: &'b BulkEntries<'b>,
    at: &'b BulkRef,
}

impl Entry<'_> {
    /// Writes the entry's id (`indicator--<uuid>`) into `id`; `value` is scratch space.
    pub fn id_into(&self, id: &mut String, value: &mut String) {
        id.clear();
        id.push_str("indicator--");
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let uuid = self.bulk.uuid(self.at.at, value);
        id.push_str(uuid.hyphenated().encode_lower(&mut buf));
    }

    /// Appends the entry, whose id is `id`; `value` is scratch space.
    pub fn write(&self, id: &str, value: &mut String, out: &mut Vec<u8>) {
        let (list, e) = self.bulk.locate(self.at.at);
        self.bulk.shapes[list].write(&self.bulk.lists[list], e, id, value, out);
    }
}
