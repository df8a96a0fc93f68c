//! Writing merged items as catalogue YAML and bulk side files.
//!
//! Guarantees: YAML is produced by serde (the `yaml_serde` writer), never by pasting strings,
//! so any text (quotes, newlines, `#`, `: `, leading `-` or `=`) stays one scalar; keys follow
//! the catalogue schema and a new catalogue passes `iocc check` by construction (the caller
//! verifies it anyway). Side files are RFC 4180 CSV written by the `csv` crate, one entry per
//! row with its provenance; cells a spreadsheet would read as a formula are neutralised.
//! Output is sorted or in source order, never in hash order.

use serde::Serialize;

use super::screen::Item;
use super::values;
use crate::model::{Action, Confidence, Direction, Observable, Severity, Tlp};
use crate::validate::short;

/// Longest role and description (the catalogue's limits).
pub const MAX_ROLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 4000;

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OutIndicator {
    pub id: String,
    pub kind: &'static str,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub confidence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OutBulk {
    pub id: String,
    pub path: String,
    pub format: &'static str,
    pub column: &'static str,
    pub kind: &'static str,
    pub description: String,
    pub confidence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OutAdvisory {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub published: String,
    pub modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OutCatalogue {
    pub id: String,
    pub version: &'static str,
    pub title: String,
    pub publisher: String,
    pub tlp: &'static str,
    pub advisory: OutAdvisory,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<OutIndicator>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bulk: Vec<OutBulk>,
}

pub fn action(a: Action) -> &'static str {
    match a {
        Action::Block => "block",
        Action::Alert => "alert",
        Action::Monitor => "monitor",
    }
}

pub fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Sourced => "sourced",
        Confidence::Inferred => "inferred",
    }
}

pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

pub fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
        Direction::Both => "both",
    }
}

pub fn tlp(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "clear",
        Tlp::Green => "green",
        Tlp::Amber => "amber",
        Tlp::AmberStrict => "amber+strict",
        Tlp::Red => "red",
    }
}

/// A text that was cut to fit, for a warning: (what, origin of the item).
pub type Cut = (String, super::Origin);

/// The description of an item: each source's provenance and facts, one line each.
pub fn description(item: &Item, cuts: &mut Vec<Cut>) -> Option<String> {
    let lines: Vec<String> = item
        .sources
        .iter()
        .map(|(origin, facts)| {
            let facts = sentences(facts);
            if facts.is_empty() {
                format!("Imported from {}.", origin.describe())
            } else {
                format!("Imported from {}: {facts}", origin.describe())
            }
        })
        .collect();
    let (text, cut) = values::text(&lines.join("\n"), MAX_DESCRIPTION);
    if cut {
        cuts.push((
            format!("the description of `{}`", short(&item.observable.value())),
            item.sources[0].0.clone(),
        ));
    }
    Some(text)
}

/// Facts as sentences: each trimmed and ended with a full stop, joined by spaces.
fn sentences(facts: &[String]) -> String {
    facts
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .map(|f| {
            if f.ends_with(['.', '!', '?']) {
                f.to_owned()
            } else {
                format!("{f}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The YAML indicator of an item.
pub fn indicator(
    item: &Item,
    id: String,
    part_of: Option<String>,
    extra_refs: &[String],
    cuts: &mut Vec<Cut>,
) -> OutIndicator {
    let role = item.name.as_ref().map(|n| {
        let (t, cut) = values::text(&n.replace(['\n', '\t'], " "), MAX_ROLE);
        if cut {
            cuts.push((
                format!("the name of `{}`", short(&item.observable.value())),
                item.sources[0].0.clone(),
            ));
        }
        t
    });
    let mut references = item.references.clone();
    for r in extra_refs {
        if !references.contains(r) {
            references.push(r.clone());
        }
    }
    OutIndicator {
        id,
        kind: item.observable.kind(),
        value: item.observable.value(),
        role: role.filter(|r| !r.is_empty()),
        description: description(item, cuts),
        confidence: confidence(item.confidence),
        severity: item.severity.map(severity),
        action: action(item.action),
        direction: item.direction.map(direction),
        valid_from: item.valid_from.map(|d| d.to_string()),
        valid_until: item.valid_until.map(|d| d.to_string()),
        references,
        part_of,
    }
}

/// The bulk kind of a value: `address` or `domain`; `None` for what bulk lists cannot hold.
pub fn bulk_kind(o: &Observable) -> Option<&'static str> {
    match o {
        Observable::Address(_) | Observable::Network(_) => Some("address"),
        Observable::Domain(_) => Some("domain"),
        _ => None,
    }
}

/// The side file of a bulk list: `value` and the provenance of each entry.
pub fn side_file(items: &[&Item]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record([
        "value",
        "valid_from",
        "valid_until",
        "name",
        "source",
        "references",
    ]);
    for item in items {
        let source = item
            .sources
            .iter()
            .map(|(o, facts)| {
                let facts = sentences(facts);
                if facts.is_empty() {
                    o.describe()
                } else {
                    format!("{}: {facts}", o.describe())
                }
            })
            .collect::<Vec<_>>()
            .join(" | ");
        let (source, _) = values::text(&source.replace(['\n', '\r'], " "), MAX_DESCRIPTION);
        let name = item.name.clone().unwrap_or_default();
        let cells = [
            item.observable.value(),
            item.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            item.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            crate::targets::csv::neutralise(&values::text(&name, MAX_ROLE).0).into_owned(),
            crate::targets::csv::neutralise(&source).into_owned(),
            item.references.join(" "),
        ];
        let _ = w.write_record(&cells);
    }
    w.into_inner().unwrap_or_default()
}

/// Serialises a value as YAML (a document without the `---` line).
pub fn yaml<T: Serialize>(value: &T) -> String {
    let text = serde_yaml::to_string(value).unwrap_or_default();
    text.strip_prefix("---\n")
        .map(str::to_owned)
        .unwrap_or(text)
}
