//! Fuzz target `zone`: see `iocc_fuzz::zone` for the invariants it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iocc_fuzz::zone(data));
