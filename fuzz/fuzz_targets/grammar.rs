//! Fuzz target `grammar`: see `iocc_fuzz::grammar` for the invariants it asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iocc_fuzz::grammar(data));
