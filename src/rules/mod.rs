//! Rules as data: the typed rule model, how the catalogue is lowered into it, the SIDs the
//! lock gives it, the dialects that write it and the reader that reads rule text back.
//!
//! Pipeline: [`lower`] (catalogue → rules keyed by a stable key) → [`plan`] (SIDs and revs
//! from the SID lock) → a [`dialect`] writes each rule as a line → the target reads its pack
//! back with [`read`] and compares it with the plan. Targets after the rule pack (STIX, the
//! changelog) read the typed plan, never the rendered text.

pub mod dialect;
pub mod escape;
pub mod lint;
pub mod lock;
pub mod lower;
pub mod model;
pub mod plan;
pub mod read;
pub mod verify;

pub use plan::{PlannedRule, RulePlan};
