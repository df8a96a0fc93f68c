//! Fuzz target `pattern`: see `iocc_fuzz::pattern` for the invariants it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iocc_fuzz::pattern(data));
