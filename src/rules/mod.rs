//! Rules as data: the typed rule model, how the catalogue is lowered into it, the SIDs the
//! lock gives it, the dialects that write it and the reader that reads rule text back.
//!
//! Pipeline: [`lower`] (catalogue → rules keyed by a stable key) → [`plan`] (SIDs and revs
//! from the SID lock, [`lock`]) → a [`dialect`] writes each rule as a line, escaping every
//! value ([`escape`]) → the target checks its pack with [`verify`] (read back with the
//! grammar and [`read`], compared with the plan). The networks of grouped rules stay packed
//! ([`members`]) until a rule is written. Other consumers (STIX, the changelog) read
//! the typed plan, never rendered text. `crate::lint` checks third-party rule files.
//!
//! Guarantees: this module imports no target and not the target interface, so every target
//! can use it.

pub mod dialect;
pub mod escape;
pub mod lock;
pub mod lower;
pub mod members;
pub mod model;
pub mod plan;
pub mod read;
pub mod verify;

pub use plan::{PlannedRule, RulePlan};
