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

use crate::diag::Diagnostic;
use crate::model::Catalogue;
use aggregate::Aggregated;

/// The blocked address set of one catalogue, ready to render.
#[derive(Debug, Clone)]
pub struct Plan {
    pub list: Aggregated,
}

/// Computes the address block list: rails, then aggregation minus the allowlist.
pub fn plan(c: &Catalogue) -> Result<Plan, Vec<Diagnostic>> {
    let blocked = rails::check(c)?;
    let list = aggregate::aggregate(blocked, &c.policy.allowlist);
    Ok(Plan { list })
}
