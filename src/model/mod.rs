//! The catalogue model: `raw` is the YAML as written, `catalogue` the validated, typed form
//! that every target reads. Only `validate` turns one into the other.

pub mod catalogue;
pub mod packed;
pub mod raw;

pub use catalogue::*;

/// Longest domain name without the root dot, in bytes (RFC 1035: 255 on the wire). `validate`
/// refuses longer names and the zone grammar longer owners, so both read it from here.
pub const MAX_NAME: usize = 253;
