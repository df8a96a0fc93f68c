//! The Intel file view: one row per address, network, domain, URL and file hash of the
//! catalogue (indicators first, then every bulk entry), in catalogue order.
//!
//! Guarantees: each row has exactly the seven columns of the `#fields` header; the indicator
//! is in the canonical form the Intel framework matches (`Intel::URL` without its scheme,
//! networks as canonical CIDR); an indicator value and type appear once (the first entry
//! wins, later duplicates are counted); ports cannot be Intel indicators and are reported as
//! skipped, never dropped silently.

use std::collections::HashSet;

use serde::Serialize;

use crate::model::{Action, BulkKind, Catalogue, Meta, Observable};
use crate::targets::Coverage;

/// One Intel line. Every field is printed through the Intel escaper.
#[derive(Debug, Serialize)]
pub struct Row {
    pub indicator: String,
    pub kind: &'static str,
    pub source: String,
    pub desc: String,
    pub url: String,
    pub do_notice: &'static str,
    pub if_in: &'static str,
}

/// The rows and how many duplicate entries were folded.
pub struct IntelView {
    pub rows: Vec<Row>,
    pub duplicates: usize,
}

/// `meta.source`: stable across versions, so a re-read file replaces its own entries.
pub fn source(c: &Catalogue) -> String {
    format!("{} ({})", c.id, c.advisory.id)
}

fn do_notice(meta: &Meta) -> &'static str {
    match meta.action {
        Action::Block | Action::Alert => "T",
        Action::Monitor => "F",
    }
}

fn desc(label: &str, meta: &Meta) -> String {
    let mut d = label.to_owned();
    if let Some(role) = meta.role.as_deref().or(meta.description.as_deref()) {
        d.push_str(": ");
        d.push_str(role);
    }
    if !meta.cves.is_empty() {
        d.push_str(&format!(" ({})", meta.cves.join(", ")));
    }
    d
}

fn url(c: &Catalogue, meta: &Meta) -> String {
    meta.references
        .first()
        .or(c.advisory.references.first())
        .cloned()
        .unwrap_or_default()
}

/// A URL as `Intel::URL` wants it: without `scheme://`.
pub fn strip_scheme(u: &str) -> &str {
    u.split_once("://").map_or(u, |(_, rest)| rest)
}

/// The Intel type and value of an observable, or `None` for ports.
pub fn intel_of(o: &Observable) -> Option<(&'static str, String)> {
    Some(match o {
        Observable::Address(a) => ("Intel::ADDR", a.to_string()),
        Observable::Network(n) => ("Intel::SUBNET", n.to_string()),
        Observable::Domain(d) => ("Intel::DOMAIN", d.clone()),
        Observable::Url(u) => ("Intel::URL", strip_scheme(u).to_owned()),
        Observable::FileHash { hex, .. } => ("Intel::FILE_HASH", hex.clone()),
        Observable::Port { .. } => return None,
    })
}

/// Why a port indicator is not in the Intel file, naming the detections whose ports cover it
/// (the module matches those).
fn port_reason(c: &Catalogue, o: &Observable) -> String {
    let Observable::Port {
        transport,
        first,
        last,
    } = o
    else {
        return String::new();
    };
    let users: Vec<&str> = c
        .detections
        .iter()
        .filter(|d| {
            d.ports.iter().any(|r| {
                r.transport.is_none_or(|t| t == *transport) && r.first <= *first && *last <= r.last
            })
        })
        .map(|d| d.id.as_str())
        .collect();
    if users.is_empty() {
        "a port is not an Intel indicator type, and no detection matches it".into()
    } else {
        format!(
            "a port is not an Intel indicator type; the module matches it in detection {}",
            users.join(", ")
        )
    }
}

pub fn view(c: &Catalogue, coverage: &mut Coverage) -> IntelView {
    let src = source(c);
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    let mut rows = Vec::new();
    let mut duplicates = 0;
    let mut push = |kind: &'static str, indicator: String, desc: String, meta: &Meta| {
        if seen.insert((kind, indicator.clone())) {
            rows.push(Row {
                indicator,
                kind,
                source: src.clone(),
                desc,
                url: url(c, meta),
                do_notice: do_notice(meta),
                if_in: "-",
            });
        } else {
            duplicates += 1;
        }
    };
    for i in &c.indicators {
        match intel_of(&i.observable) {
            Some((kind, value)) => {
                push(kind, value, desc(&i.id, &i.meta), &i.meta);
                coverage.carry(&i.id);
            }
            None => coverage.skip(&i.id, port_reason(c, &i.observable)),
        }
    }
    for b in &c.bulk {
        match b.kind {
            BulkKind::Address => {
                for (net, line) in &b.networks {
                    let (kind, value) = if net.prefix_len() == net.max_prefix_len() {
                        ("Intel::ADDR", net.addr().to_string())
                    } else {
                        ("Intel::SUBNET", net.to_string())
                    };
                    push(
                        kind,
                        value,
                        desc(&format!("{}:{line}", b.id), &b.meta),
                        &b.meta,
                    );
                }
            }
            BulkKind::Domain => {
                for (d, line) in &b.domains {
                    push(
                        "Intel::DOMAIN",
                        d.clone(),
                        desc(&format!("{}:{line}", b.id), &b.meta),
                        &b.meta,
                    );
                }
            }
        }
        coverage.carry(&b.id);
    }
    IntelView { rows, duplicates }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_scheme_only() {
        assert_eq!(
            strip_scheme("https://a.example/x?y=z://"),
            "a.example/x?y=z://"
        );
        assert_eq!(strip_scheme("a.example/x"), "a.example/x");
    }
}
