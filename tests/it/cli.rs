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

/// A reader that stops early (`iocc diff A B | head`) ends `iocc` quietly with the shell's
/// broken-pipe status (QA: it panicked with "failed printing to stdout: Broken pipe").
#[test]
fn closed_stdout_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = scratch("cli-closed-stdout");
    let text = std::fs::read_to_string(root().join("iocs/contec-cms8000.yaml")).unwrap();
    std::fs::write(dir.join("old.yaml"), &text).unwrap();
    // 20 000 new addresses, none adjacent (no aggregation): the delta is megabytes, far beyond any pipe buffer, so iocc is
    // still writing when the reader goes away.
    let feed: String = (0..20_000u32)
        .map(|i| {
            format!(
                "45.{}.{}.{}\n",
                1 + i / 32_768,
                (i / 128) % 256,
                (i % 128) * 2
            )
        })
        .collect();
    std::fs::write(dir.join("feed.txt"), feed).unwrap();
    let new = text.replace("version: 1.0.0", "version: 1.1.0").replace(
        "detections:\n",
        "bulk:\n  - id: feed\n    path: feed.txt\n    kind: address\n    confidence: inferred\n    references: [https://example.org/feed]\n\ndetections:\n",
    );
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_iocc"))
        .args(["diff", "old.yaml", "new.yaml"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run iocc");
    let mut first = [0u8; 1];
    child
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut first)
        .expect("iocc prints the diff");
    // The reader is gone (dropped above); iocc now writes into a broken pipe.
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(141), "{}", stderr(&o));
}

/// The catalogue example in README.md checks and builds with every target (QA: its address
/// lies in a reserved range, so the firewall target refused the example as printed).
#[test]
fn readme_example_catalogue_builds() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("```yaml\n").expect("README has a yaml example") + 8;
    let len = readme[start..].find("```").unwrap();
    let dir = scratch("cli-readme-example");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    std::fs::write(
        dir.join("iocs/example-advisory.yaml"),
        &readme[start..start + len],
    )
    .unwrap();
    let o = iocc_in(&dir, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    assert!(dir
        .join("out/example-advisory/firewall/example-advisory.nft")
        .is_file());
}

/// `iocc check` reports what `iocc build` would refuse (QA: `check` said "ok" for a catalogue
/// blocking 127.0.0.1, which the firewall safety rails then refused at build time).
#[test]
fn check_reports_target_refusals() {
    let dir = scratch("cli-check-refusals");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    std::fs::write(
        dir.join("iocs/loopback.yaml"),
        "id: loopback\nversion: 1.0.0\ntitle: Loopback\npublisher: QA\ntlp: clear\nadvisory:\n  id: QA-LO\n  title: lo\n  issuer: QA\n  published: 2026-01-01\n  modified: 2026-01-01\n  references: [https://example.org/x]\nindicators:\n  - {id: lo, kind: ipv4, value: 127.0.0.1, confidence: sourced, references: [https://example.org/x]}\n",
    )
    .unwrap();
    let o = iocc_in(&dir, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("error[refused-block]"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("iocs/loopback.yaml:14:"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("ok:"), "{}", stdout(&o));
    assert!(!dir.join("out").exists(), "check wrote output");
}
