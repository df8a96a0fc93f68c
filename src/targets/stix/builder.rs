//! The bundle's small objects, built one by one: ids, the shared stamp, relationships and
//! indicators, each serialised as soon as it is made.
//!
//! Guarantees: ids are UUIDs derived from the catalogue id and a stable key ([`stable_uuid`]);
//! an object is kept as its pretty JSON text by id, so the bundle holds about one copy of its
//! output, in id order; a relationship to a CVE is made only when that vulnerability exists.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::objects::{
    confidence, indicator_type, labels, pretty, timestamp, ExternalReference, Indicator,
    PatternType, Relationship, Stamp, SPEC_VERSION,
};
use crate::model::{Catalogue, Meta};

/// Seed of the UUIDv5 namespace of every iocc STIX id. Changing it changes every id.
const NAMESPACE_SEED: &str = "https://iocc.invalid/stix/2.1";

fn namespace() -> Uuid {
    static NS: std::sync::OnceLock<Uuid> = std::sync::OnceLock::new();
    *NS.get_or_init(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_SEED.as_bytes()))
}

/// A deterministic id: the UUIDv5 (SHA-1, name-based) of `key` in the iocc namespace, with
/// the version nibble stamped 4. STIX 2.1 says SDO/SRO ids SHOULD be UUIDv4 and the strict
/// validator (`--strict`) rejects any other version (check 103); the 122 hashed bits keep
/// the collision resistance of v5 while the same key always gives the same id.
pub fn stable_uuid(key: &str) -> Uuid {
    let v5 = Uuid::new_v5(&namespace(), key.as_bytes());
    uuid::Builder::from_random_bytes(*v5.as_bytes()).into_uuid()
}

/// What an indicator says, before it gets its id and stamp.
pub struct IndicatorSpec<'a> {
    /// The stable key its id derives from.
    pub key: &'a str,
    pub name: String,
    pub description: String,
    pub pattern: String,
    pub pattern_type: PatternType,
    /// The catalogue item's metadata; none for the Suricata rule indicators.
    pub meta: Option<&'a Meta>,
    pub cves: &'a [String],
    pub urls: &'a [String],
}

pub struct Builder<'a> {
    pub c: &'a Catalogue,
    pub created: String,
    pub modified: String,
    pub identity: String,
    pub marking: String,
    /// Each object's pretty JSON, by id: serialised as soon as it is made, so memory holds
    /// about one copy of the output rather than a tree of values (bulk lists can be large).
    pub objects: BTreeMap<String, String>,
    /// STIX id of each catalogue indicator, for relationships.
    pub indicator_ids: BTreeMap<&'a str, String>,
}

impl<'a> Builder<'a> {
    /// A builder for the catalogue; its identity and marking ids are set by the caller.
    pub fn new(c: &'a Catalogue) -> Self {
        let published = c.advisory.published;
        Builder {
            c,
            created: timestamp(published),
            modified: timestamp(c.advisory.modified.max(published)),
            identity: String::new(),
            marking: String::new(),
            objects: BTreeMap::new(),
            indicator_ids: BTreeMap::new(),
        }
    }

    pub fn id(&self, ty: &str, key: &str) -> String {
        format!("{ty}--{}", self.uuid(key))
    }

    pub fn uuid(&self, key: &str) -> Uuid {
        stable_uuid(&format!("{}/{key}", self.c.id))
    }

    pub fn stamp(&self) -> Stamp<'_> {
        Stamp {
            created: &self.created,
            modified: &self.modified,
            created_by_ref: &self.identity,
            marking: &self.marking,
        }
    }

    pub fn references<'r>(cves: &'r [String], urls: &'r [String]) -> Vec<ExternalReference<'r>> {
        let mut refs: Vec<ExternalReference<'r>> = cves
            .iter()
            .map(|c| ExternalReference::id("cve", c))
            .collect();
        refs.extend(urls.iter().map(|u| ExternalReference::url(u)));
        refs
    }

    pub fn relate(&mut self, source: &str, target: &str, description: &str) {
        let id = self.id("relationship", &format!("relationship/{source}/{target}"));
        let s = self.stamp();
        let object = Relationship {
            created: s.created,
            created_by_ref: s.created_by_ref,
            description,
            id: id.clone(),
            modified: s.modified,
            object_marking_refs: [s.marking],
            relationship_type: "related-to",
            source_ref: source,
            spec_version: SPEC_VERSION,
            target_ref: target,
            kind: "relationship",
        };
        let text = pretty(&object);
        self.objects.insert(id, text);
    }

    pub fn relate_cves(&mut self, source: &str, cves: &[String]) {
        for cve in cves {
            let target = self.id("vulnerability", &format!("cve/{cve}"));
            if self.objects.contains_key(&target) {
                self.relate(
                    source,
                    &target,
                    &format!("detects activity related to {cve}"),
                );
            }
        }
    }

    /// Adds an indicator; returns its id.
    pub fn indicator(&mut self, spec: IndicatorSpec<'_>) -> String {
        let object = self.indicator_object(spec);
        let id = object.id.clone();
        let text = pretty(&object);
        self.objects.insert(id.clone(), text);
        id
    }

    /// The indicator object, not yet added (bulk entries use it as their prototype).
    pub fn indicator_object<'s>(&'s self, spec: IndicatorSpec<'s>) -> Indicator<'s> {
        let s = self.stamp();
        let meta = spec.meta;
        let from = meta
            .and_then(|m| m.valid_from)
            .unwrap_or(self.c.advisory.published);
        // The catalogue's end date is inclusive; STIX's `valid_until` is an instant.
        let until = meta
            .and_then(|m| m.valid_until)
            .map(|u| timestamp(u.tomorrow().unwrap_or(u)));
        Indicator {
            confidence: meta.map(|m| confidence(m.confidence)),
            created: s.created,
            created_by_ref: s.created_by_ref,
            description: spec.description,
            external_references: Self::references(spec.cves, spec.urls),
            id: self.id("indicator", spec.key),
            indicator_types: meta.map(|m| [indicator_type(m.action)]),
            labels: meta.map(labels),
            modified: s.modified,
            name: spec.name,
            object_marking_refs: [s.marking],
            pattern: spec.pattern,
            pattern_type: spec.pattern_type,
            pattern_version: (spec.pattern_type == PatternType::Stix).then_some("2.1"),
            spec_version: SPEC_VERSION,
            kind: "indicator",
            valid_from: timestamp(from),
            valid_until: until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_version_4_formatted() {
        let a = stable_uuid("contec-cms8000/indicator/cms-server");
        assert_eq!(a, stable_uuid("contec-cms8000/indicator/cms-server"));
        assert_ne!(a, stable_uuid("contec-cms8000/indicator/hl7-server"));
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }
}
