//! The catalogue model: `raw` is the YAML as written, `catalogue` the validated, typed form
//! that every target reads. Only `validate` turns one into the other.

pub mod catalogue;
pub mod packed;
pub mod raw;

pub use catalogue::*;
