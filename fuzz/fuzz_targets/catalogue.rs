//! Fuzz target `catalogue`: see `iocc_fuzz::catalogue` for the invariants it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iocc_fuzz::catalogue(data));
