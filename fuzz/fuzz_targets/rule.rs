//! Fuzz target `rule`: see `iocc_fuzz::rule` for the invariants it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iocc_fuzz::rule(data));
