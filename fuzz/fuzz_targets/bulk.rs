//! Fuzz target `bulk`: see `iocc_fuzz::bulk` for the invariants it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iocc_fuzz::bulk(data));
