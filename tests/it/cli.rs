//! End-to-end tests of the command line on the bundled catalogue.

use crate::common::*;

#[test]
fn check_bundled_catalogue_succeeds() {
    let o = iocc(&["check", "iocs/contec-cms8000.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("ok: iocs/contec-cms8000.yaml (contec-cms8000 "),
        "{}",
        stdout(&o)
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn committed_out_is_fresh() {
    let o = iocc(&["build", "--locked", "--check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "out/ is stale; run `cargo run -- build` and commit:\n{}{}",
        stderr(&o),
        stdout(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let o = iocc(&["build", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    let o = iocc(&[]);
    assert_eq!(o.status.code(), Some(2));
}
