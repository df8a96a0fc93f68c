//! iocc, the indicator-of-compromise compiler.
//!
//! Pipeline: `load` (read, parse YAML) → `validate` (typed [`model::Catalogue`], every problem
//! collected as a [`diag::Diagnostic`]) → `targets` (each turns the catalogue into files through
//! the auto-escaping templates of `render`) → `build` (compare with or atomically write `out/`).
//! Each stage is a function from one type to the next; no stage reaches back. `ARCHITECTURE.md`
//! describes the modules, the registries and how to extend them.

pub mod benign;
pub mod blocklist;
pub mod build;
pub mod build_lock;
pub mod bundle;
pub mod changelog;
pub mod cli;
pub mod diag;
pub mod diff;
pub mod escape;
pub mod explain;
pub mod grammar;
pub mod import;
pub mod init;
pub mod lint;
pub mod load;
pub mod manpages;
pub mod model;
pub mod net;
pub mod output;
pub mod progress;
pub mod publish;
pub mod radix;
pub mod release_set;
pub mod render;
pub mod report;
pub mod rules;
pub mod shape;
pub mod sign;
pub mod targets;
pub mod term;
pub mod validate;
