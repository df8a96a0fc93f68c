//! The `misp` target: a MISP feed (`out/<catalogue>/misp/`) that a MISP instance subscribes
//! to by URL: `manifest.json`, `hashes.csv` and one MISP core-format event per file,
//! `<uuid>.json`.
//!
//! Guarantees:
//! - One event for the catalogue (the advisory as `info`, the publisher as `Orgc`/`Org`,
//!   `date`, `threat_level_id` from the highest severity, `analysis` completed,
//!   `distribution` from the TLP, a TLP tag and one tag per CVE), holding one attribute per
//!   indicator, CVE and advisory reference, an `ip-dst|port` attribute per address and port a
//!   detection pairs, one `ip-port` object per detection and protocol, and one `snort`
//!   attribute per Suricata rule the `suricata` target wrote earlier in the same build.
//! - One more event per bulk list, extending the catalogue's event (`extends_uuid`): a list
//!   of a million entries stays out of the advisory's event, which analysts open, and MISP
//!   fetches and correlates it on its own (see the README, "MISP feed").
//! - Every (category, type) pair is one MISP's `describeTypes.json` allows ([`kinds`]); every
//!   value is in the canonical form MISP would store (lowercase hashes, compressed IPv6,
//!   single port numbers).
//! - UUIDs are UUIDv5 of stable keys (the same item keeps its UUID from one version to the
//!   next, so MISP updates it); every timestamp is midnight UTC of `advisory.modified`, every
//!   date comes from the catalogue: the same catalogue gives the same bytes.
//! - Events are written attribute by attribute with serde_json ([`json`]): every catalogue
//!   string stays one JSON string, and a bulk list never becomes a JSON tree in memory.
//! - `manifest.json` and `hashes.csv` are what `pymisp.tools.feed_meta_generator` rebuilds
//!   from the events (a test runs it).

mod bulk;
mod event;
pub mod json;
pub mod kinds;

use std::borrow::Cow;

use jiff::civil::Date;
use uuid::Uuid;

use super::{Files, Item, ItemKind, Skipped, Support, Target, TargetContext, TargetOutput};
use crate::diag::Diagnostic;
use crate::model::{Action, BulkList, Catalogue, Meta, Severity, Tlp};
use crate::output::FileSink;

pub struct Misp;

/// Seed of the UUIDv5 namespace of every iocc MISP uuid. Changing it changes every uuid, and
/// MISP instances would then hold every item twice.
const NAMESPACE_SEED: &str = "https://iocc.invalid/misp";

/// A MISP `port` attribute holds one port: a wider range is not expanded.
pub const MAX_PORTS: u32 = 256;

/// The deterministic uuid of `key` (UUIDv5 in the iocc MISP namespace).
pub fn uuid(key: &str) -> String {
    static NS: std::sync::OnceLock<Uuid> = std::sync::OnceLock::new();
    let ns = NS.get_or_init(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_SEED.as_bytes()));
    Uuid::new_v5(ns, key.as_bytes()).to_string()
}

/// What every event of one catalogue shares.
pub struct Shared<'a> {
    pub c: &'a Catalogue,
    /// Seconds since the epoch at midnight UTC of `advisory.modified`, as MISP writes them.
    pub timestamp: String,
    pub org: json::Org,
    pub tlp: json::Tag,
    /// The uuid of the catalogue's event.
    pub event_uuid: String,
}

impl<'a> Shared<'a> {
    pub fn new(c: &'a Catalogue) -> Shared<'a> {
        Shared {
            c,
            timestamp: epoch(c.advisory.modified.max(c.advisory.published)).to_string(),
            org: json::Org {
                name: c.publisher.clone(),
                uuid: uuid(&format!("org/{}", c.publisher)),
            },
            tlp: tlp_tag(c.tlp),
            event_uuid: uuid(&format!("{}/event", c.id)),
        }
    }

    /// The uuid of an item of this catalogue.
    pub fn uuid(&self, key: &str) -> String {
        uuid(&format!("{}/{key}", self.c.id))
    }

    /// The head of an event of this catalogue.
    pub fn head(
        &self,
        uuid: String,
        info: String,
        severity: Severity,
        cves: &[String],
    ) -> json::Head {
        let mut tags = vec![self.tlp.clone()];
        tags.extend(cve_tags(cves));
        json::Head {
            // 2: completed (the advisory is published analysis).
            analysis: 2,
            date: self.c.advisory.published.to_string(),
            distribution: distribution(self.c.tlp),
            extends_uuid: if uuid == self.event_uuid {
                String::new()
            } else {
                self.event_uuid.clone()
            },
            info,
            timestamp: self.timestamp.clone(),
            threat_level_id: threat_level(severity),
            uuid,
            orgc: self.org.clone(),
            tags,
        }
    }
}

/// Seconds since the epoch at midnight UTC of `d`.
fn epoch(d: Date) -> i64 {
    let midnight = d.to_datetime(jiff::civil::Time::midnight());
    jiff::tz::TimeZone::UTC
        .to_timestamp(midnight)
        .map(|t| t.as_second())
        .unwrap_or(0)
}

/// A date as MISP's `first_seen`/`last_seen` (what PyMISP writes back).
pub fn seen(d: Date) -> String {
    format!("{d}T00:00:00+00:00")
}

/// The tag of the MISP `tlp` taxonomy, with its colour there.
fn tlp_tag(tlp: Tlp) -> json::Tag {
    let (name, colour) = match tlp {
        Tlp::Clear => ("tlp:clear", "#ffffff"),
        Tlp::Green => ("tlp:green", "#339900"),
        Tlp::Amber => ("tlp:amber", "#ffc000"),
        Tlp::AmberStrict => ("tlp:amber+strict", "#ffc000"),
        Tlp::Red => ("tlp:red", "#cc0033"),
    };
    json::Tag::new(name, colour)
}

/// One tag per CVE, named by its id (free tags: no MISP taxonomy names CVEs).
pub fn cve_tags(cves: &[String]) -> Vec<json::Tag> {
    cves.iter()
        .map(|c| json::Tag::new(c.clone(), "#ffffff"))
        .collect()
}

/// MISP event distribution for a TLP: TLP:CLEAR may go to every connected community (3), TLP:GREEN
/// stays in this community (1), the rest in the publisher's organisation (0).
fn distribution(tlp: Tlp) -> u8 {
    match tlp {
        Tlp::Clear => 3,
        Tlp::Green => 1,
        Tlp::Amber | Tlp::AmberStrict | Tlp::Red => 0,
    }
}

/// MISP threat level: 1 high, 2 medium, 3 low.
fn threat_level(s: Severity) -> u8 {
    match s {
        Severity::Critical | Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
    }
}

/// `to_ids`: block and alert feed detection; monitor is context only.
pub fn to_ids(meta: &Meta) -> bool {
    meta.action != Action::Monitor
}

/// The comment of an item's attributes: its role, else its description.
pub fn comment(meta: &Meta) -> &str {
    meta.role
        .as_deref()
        .or(meta.description.as_deref())
        .unwrap_or("")
}

impl Target for Misp {
    fn name(&self) -> &'static str {
        "misp"
    }

    fn description(&self) -> &'static str {
        "MISP feed: manifest.json, hashes.csv and MISP core-format events (attributes, ip-port objects, Suricata rules)"
    }

    fn bundle_note(&self) -> &'static str {
        "MISP feed (serve the folder over HTTPS and add its URL as a MISP feed)"
    }

    fn support(&self, item: &Item) -> Support {
        match item.kind {
            ItemKind::Port => Support::Partly(Cow::Owned(format!(
                "a MISP port attribute holds one port number and no transport: one attribute per port (ranges up to {MAX_PORTS} ports), with the transport in the comment"
            ))),
            _ => Support::Yes,
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let shared = Shared::new(cx.catalogue);
        let mut refused: Vec<Skipped> = Vec::new();
        // Each event streams into its own file; only its hashes.csv lines and manifest entry
        // are kept, for the two files that list every event.
        let mut events = vec![event::write(cx, &shared, &mut refused, out)?];
        for list in &cx.catalogue.bulk {
            events.push(bulk::write(&shared, list, out)?);
        }
        // Manifest entries and hashes.csv lines in uuid order.
        events.sort_by(|a, b| a.uuid.cmp(&b.uuid));
        out.file("hashes.csv", |w| {
            for e in &events {
                match e.hashes {
                    Hashes::Kept(ref lines) => std::io::Write::write_all(w, lines)?,
                    Hashes::Bulk(list) => bulk::write_hashes(list, &e.uuid, w)?,
                }
            }
            Ok(())
        })?;
        let manifest: Vec<(String, json::ManifestEntry)> =
            events.into_iter().map(|e| (e.uuid, e.manifest)).collect();
        out.put("manifest.json", &json::manifest(&manifest))?;
        Ok(TargetOutput::refusing(refused))
    }
}

/// One written event (`<uuid>.json`): its uuid, its `hashes.csv` lines and manifest entry.
pub struct Written<'a> {
    pub uuid: String,
    pub hashes: Hashes<'a>,
    pub manifest: json::ManifestEntry,
}

/// Where an event's `hashes.csv` lines come from when that file is written.
pub enum Hashes<'a> {
    /// Kept while the event was written: the catalogue's own event, small.
    Kept(Vec<u8>),
    /// Written again from the list: a bulk list's lines (about 70 bytes an attribute) would
    /// grow with the list, past a gigabyte at ten million entries.
    Bulk(&'a BulkList),
}

/// Writes one event into `<uuid>.json` of `out`: `head`, then what `body` streams into the
/// writer; its `hashes.csv` lines go to `hashes`, which is handed back.
pub fn write_event<H: std::io::Write>(
    out: &mut Files,
    head: &json::Head,
    mut hashes: H,
    body: impl FnOnce(&mut json::EventWriter<'_, FileSink, H>) -> std::io::Result<()>,
) -> Result<H, Vec<Diagnostic>> {
    out.file(&format!("{}.json", head.uuid), |sink| {
        let mut w = json::EventWriter::start(sink, &mut hashes, head)?;
        body(&mut w)?;
        Ok(w.finish()?)
    })?;
    Ok(hashes)
}
