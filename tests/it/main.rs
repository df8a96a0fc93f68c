//! The integration tests of iocc, compiled into one test binary (one link, one run).
//!
//! Modules test the real `iocc` binary end to end, the golden files (insta snapshots, reviewed
//! with `cargo insta review`; in CI, `CI=true` makes a mismatch fail instead of writing), and
//! the real engines. Engine tests skip with a loud message when an engine is missing, unless
//! `IOCC_REQUIRE_ENGINES=1` (set by `.ci/run`), which turns a missing engine into a failure.

mod architecture;
mod aws;
mod benign;
mod bundle;
mod cli;
mod common;
mod diagnostics;
mod dns;
mod filehash;
mod files;
mod firewall;
mod flows;
mod fuzz_replay;
mod harden;
mod import;
mod init;
mod lint_agreement;
mod lowering_fixes;
mod misp;
mod pcap;
mod publish;
mod scale;
mod shell;
mod sigma;
mod suricata;
mod traffic;
mod zeek;
mod zeek_run;
