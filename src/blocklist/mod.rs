//! What a catalogue may block, shared by every target that blocks: the safety rails for
//! addresses ([`rails`]) and names ([`names`]), and address aggregation ([`aggregate`]).
//!
//! Guarantees: [`plan`] is the one address block list of a catalogue (its `block` address and
//! network entries that pass the rails, aggregated per family, minus the allowlist), so the
//! firewall lists and the DNS response-IP triggers block exactly the same set;
//! [`names::plan`] is the one name block list. Both refuse with located diagnostics naming
//! the rail, and both honour only explicit `policy.overrides`.

pub mod aggregate;
pub mod names;
pub mod rails;

use crate::diag::{At, Diagnostic};
use crate::model::{Catalogue, Origin};
use aggregate::Aggregated;

/// The blocked address set of one catalogue, ready to render.
#[derive(Debug, Clone)]
pub struct Plan {
    pub list: Aggregated,
}

/// Computes the address block list: rails, then aggregation minus the allowlist, streamed
/// from the catalogue's sorted lists ([`aggregate::blocked`]).
pub fn plan(c: &Catalogue) -> Result<Plan, Vec<Diagnostic>> {
    rails::check(c)?;
    let list = aggregate::blocked(c);
    Ok(Plan { list })
}

/// Places a refusal where its entry was written: the indicator's YAML node, or the line of the
/// bulk list's side file (`bulk_line`).
fn at_entry(d: Diagnostic, c: &Catalogue, id: &str, bulk_line: Option<u32>) -> Diagnostic {
    let origin = match bulk_line {
        Some(line) => c.bulk.iter().find(|b| b.id == id).map(|b| Origin::Bulk {
            file: b.file.clone(),
            line,
        }),
        None => c.indicator(id).map(|i| i.origin.clone()),
    };
    match origin {
        Some(Origin::Yaml { file, path }) => d.in_file(&file).at_path(path),
        Some(Origin::Bulk { file, line }) => d.in_file(&file).at(At::Line(line)),
        None => d.in_file(&c.source.path),
    }
}
