//! The STIX 2.1 objects iocc writes, as typed structs.
//!
//! Guarantees: every object serialises with its keys in sorted order (each struct declares its
//! fields alphabetically by their JSON names, checked by a unit test), so the output is the
//! same as for any map with sorted keys; optional properties are left out when absent, never
//! written as `null`.

use jiff::civil::Date;
use serde::Serialize;

use crate::model::{Action, Confidence, Direction, Meta, Severity, Tlp};

/// `spec_version` of every object.
pub const SPEC_VERSION: &str = "2.1";

/// An object as serde_json's pretty printer writes it.
pub fn pretty(object: &impl Serialize) -> String {
    // The objects are plain structs of strings and numbers: serialising cannot fail.
    serde_json::to_string_pretty(object).unwrap_or_default()
}

/// A STIX timestamp at the start of a day.
pub fn timestamp(d: Date) -> String {
    format!("{d}T00:00:00.000Z")
}

/// The properties every object iocc makes (except the identity and markings) shares.
#[derive(Clone, Copy)]
pub struct Stamp<'a> {
    pub created: &'a str,
    pub modified: &'a str,
    pub created_by_ref: &'a str,
    pub marking: &'a str,
}

#[derive(Serialize)]
pub struct MarkingDefinition<'a> {
    pub created: &'a str,
    pub definition: Definition,
    pub definition_type: &'static str,
    pub id: String,
    pub name: &'static str,
    pub spec_version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
pub enum Definition {
    Tlp { tlp: &'static str },
    Statement { statement: &'static str },
}

/// The TLP marking: one of the STIX 2.1 predefined TLP marking definitions (spec section
/// 7.2.1.4; TLP:CLEAR is the TLP 2.0 name of TLP:WHITE), or for TLP:AMBER+STRICT, which
/// STIX 2.1 does not predefine, a statement with the id `amber_strict_id`.
pub fn tlp_marking(tlp: Tlp, created: &str, amber_strict_id: String) -> MarkingDefinition<'_> {
    let (id, name, word) = match tlp {
        Tlp::Clear => ("613f2e26-407d-48c7-9eca-b8e91df99dc9", "TLP:WHITE", "white"),
        Tlp::Green => ("34098fce-860f-48ae-8e50-ebd3cc5e41da", "TLP:GREEN", "green"),
        Tlp::Amber => ("f88d31f6-486f-44da-b317-01333bde0b82", "TLP:AMBER", "amber"),
        Tlp::Red => ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "TLP:RED", "red"),
        Tlp::AmberStrict => {
            return MarkingDefinition {
                created,
                definition: Definition::Statement {
                    statement: "TLP:AMBER+STRICT",
                },
                definition_type: "statement",
                id: amber_strict_id,
                name: "TLP:AMBER+STRICT",
                spec_version: SPEC_VERSION,
                kind: "marking-definition",
            }
        }
    };
    MarkingDefinition {
        created: "2017-01-20T00:00:00.000Z",
        definition: Definition::Tlp { tlp: word },
        definition_type: "tlp",
        id: format!("marking-definition--{id}"),
        name,
        spec_version: SPEC_VERSION,
        kind: "marking-definition",
    }
}

#[derive(Serialize)]
pub struct Identity<'a> {
    pub created: &'a str,
    pub description: String,
    pub id: String,
    pub identity_class: &'static str,
    pub modified: &'a str,
    pub name: &'a str,
    pub object_marking_refs: [&'a str; 1],
    pub spec_version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
pub struct ExternalReference<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<&'a str>,
    pub source_name: String,
}

impl<'a> ExternalReference<'a> {
    /// A reference by id in a system, e.g. `cve` `CVE-2025-0626`.
    pub fn id(system: &str, id: &'a str) -> Self {
        ExternalReference {
            description: None,
            external_id: Some(id),
            source_name: system.to_owned(),
        }
    }

    /// A reference to a web page. The URL goes in `description`, not `url`: STIX 2.1 says a
    /// `url` SHOULD come with the `hashes` of the page (strict validator check 302), and iocc
    /// cannot hash pages it never fetches; inventing hashes would be worse.
    pub fn url(url: &'a str) -> Self {
        ExternalReference {
            description: Some(url),
            external_id: None,
            source_name: source_name(url),
        }
    }
}

/// The host of an http(s) reference, used as its `source_name`.
pub fn source_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(rest)
        .rsplit('@')
        .next()
        .unwrap_or(rest);
    if host.is_empty() {
        "url".into()
    } else {
        host.to_owned()
    }
}

#[derive(Serialize)]
pub struct Vulnerability<'a> {
    pub created: &'a str,
    pub created_by_ref: &'a str,
    pub description: &'a str,
    pub external_references: Vec<ExternalReference<'a>>,
    pub id: String,
    pub modified: &'a str,
    pub name: &'a str,
    pub object_marking_refs: [&'a str; 1],
    pub spec_version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
pub struct Relationship<'a> {
    pub created: &'a str,
    pub created_by_ref: &'a str,
    pub description: &'a str,
    pub id: String,
    pub modified: &'a str,
    pub object_marking_refs: [&'a str; 1],
    pub relationship_type: &'static str,
    pub source_ref: &'a str,
    pub spec_version: &'static str,
    pub target_ref: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
pub struct Indicator<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    pub created: &'a str,
    pub created_by_ref: &'a str,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference<'a>>,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_types: Option<[&'static str; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<[String; 3]>,
    pub modified: &'a str,
    pub name: String,
    pub object_marking_refs: [&'a str; 1],
    pub pattern: String,
    pub pattern_type: PatternType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_version: Option<&'static str>,
    pub spec_version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub valid_from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PatternType {
    Stix,
    Suricata,
}

/// The catalogue words of an item's action, direction and severity, as STIX labels.
pub fn labels(meta: &Meta) -> [String; 3] {
    let action = match meta.action {
        Action::Block => "block",
        Action::Alert => "alert",
        Action::Monitor => "monitor",
    };
    let direction = match meta.direction {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
        Direction::Both => "both",
    };
    let severity = match meta.severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    };
    [
        format!("action:{action}"),
        format!("direction:{direction}"),
        format!("severity:{severity}"),
    ]
}

/// STIX confidence on the Admiralty-free "High/Med/Low" scale of STIX 2.1 appendix A:
/// a sourced fact is High (85), an inferred one Medium (50).
pub fn confidence(c: Confidence) -> u8 {
    match c {
        Confidence::Sourced => 85,
        Confidence::Inferred => 50,
    }
}

pub fn indicator_type(a: Action) -> &'static str {
    match a {
        Action::Block | Action::Alert => "malicious-activity",
        Action::Monitor => "anomalous-activity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_declared_in_sorted_order() {
        let stamp = "2025-01-30T00:00:00.000Z";
        let full_indicator = Indicator {
            confidence: Some(85),
            created: stamp,
            created_by_ref: "identity--x",
            description: "d".into(),
            external_references: vec![
                ExternalReference::id("cve", "CVE-1"),
                ExternalReference::url("https://a/b"),
            ],
            id: "indicator--x".into(),
            indicator_types: Some(["malicious-activity"]),
            labels: Some(["a".into(), "b".into(), "c".into()]),
            modified: stamp,
            name: "n".into(),
            object_marking_refs: ["marking-definition--x"],
            pattern: "[x]".into(),
            pattern_type: PatternType::Stix,
            pattern_version: Some("2.1"),
            spec_version: SPEC_VERSION,
            kind: "indicator",
            valid_from: stamp.into(),
            valid_until: Some(stamp.into()),
        };
        let relationship = Relationship {
            created: stamp,
            created_by_ref: "identity--x",
            description: "d",
            id: "relationship--x".into(),
            modified: stamp,
            object_marking_refs: ["m"],
            relationship_type: "related-to",
            source_ref: "s",
            spec_version: SPEC_VERSION,
            target_ref: "t",
            kind: "relationship",
        };
        let vulnerability = Vulnerability {
            created: stamp,
            created_by_ref: "identity--x",
            description: "d",
            external_references: vec![ExternalReference::id("cwe", "CWE-1")],
            id: "vulnerability--x".into(),
            modified: stamp,
            name: "CVE-1",
            object_marking_refs: ["m"],
            spec_version: SPEC_VERSION,
            kind: "vulnerability",
        };
        let identity = Identity {
            created: stamp,
            description: "d".into(),
            id: "identity--x".into(),
            identity_class: "organization",
            modified: stamp,
            name: "p",
            object_marking_refs: ["m"],
            spec_version: SPEC_VERSION,
            kind: "identity",
        };
        let texts = [
            serde_json::to_string_pretty(&full_indicator).unwrap(),
            serde_json::to_string_pretty(&relationship).unwrap(),
            serde_json::to_string_pretty(&vulnerability).unwrap(),
            serde_json::to_string_pretty(&identity).unwrap(),
            serde_json::to_string_pretty(&tlp_marking(Tlp::Green, stamp, String::new())).unwrap(),
            serde_json::to_string_pretty(&tlp_marking(Tlp::AmberStrict, stamp, "m".into()))
                .unwrap(),
        ];
        for text in texts {
            // serde_json's map sorts keys: the struct writes the same text only if its
            // fields (and those of nested structs) are declared in sorted order.
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string_pretty(&value).unwrap(), text);
        }
    }

    #[test]
    fn url_hosts_name_their_references() {
        assert_eq!(source_name("https://www.cisa.gov/a/b"), "www.cisa.gov");
        assert_eq!(source_name("http://u@h:80?x"), "h:80");
    }
}
