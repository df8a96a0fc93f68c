//! Concurrent runs on one output folder: the advisory lock makes the second run wait (saying
//! so) or, with `--no-wait`, fail at once with `output-busy`; raced builds and bundles never
//! interleave their files.

use std::io::BufRead;
use std::process::Stdio;

use iocc::build_lock::{self, LockArgs, Mode};

use super::{assert_ok, build, build_command, digest, temporaries, write_catalogue, ID};
use crate::common::scratch;

/// Races per run.
const RACES: usize = 20;

#[test]
fn a_held_output_folder_makes_builds_wait_or_fail_fast() {
    let dir = scratch("harden-wait");
    let a = write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, 50);
    let out = dir.join("out");
    assert_ok(&build(&dir, &a, &out, &[]), "build a");
    let before = digest(&out);
    let held = build_lock::lock(&out, Mode::Exclusive, LockArgs::default(), |_| {})
        .unwrap()
        .unwrap();
    let refused = build(&dir, &a, &out, &["--no-wait"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("error[output-busy]"), "{err}");
    assert!(err.contains("another iocc run is writing"), "{err}");
    let check = build(&dir, &a, &out, &["--check", "--no-wait"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "a check reads under a shared lock"
    );
    assert_eq!(digest(&out), before);
    // Without --no-wait the build says it waits, and does wait for the lock.
    let mut waiting = build_command(&dir, &a, &out, &[])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let stderr = waiting.stderr.take().unwrap();
    std::io::BufReader::new(stderr)
        .read_line(&mut first)
        .unwrap();
    assert!(
        first.starts_with("waiting: another iocc run is writing"),
        "{first}"
    );
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "it went on while the lock was held"
    );
    drop(held);
    assert!(waiting.wait().unwrap().success());
    assert_eq!(digest(&out), before);
}

#[test]
fn raced_builds_and_bundles_never_interleave() {
    let dir = scratch("harden-race");
    let a = write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, 1000);
    let b = write_catalogue(&dir.join("b"), "1.0.1", 0x0600_0000, 1000);
    let out = dir.join("out");
    assert_ok(&build(&dir, &b, &out, &[]), "build b");
    let tree_b = digest(&out.join(ID));
    assert_ok(&build(&dir, &a, &out, &[]), "build a");
    let tree_a = digest(&out.join(ID));
    let mut waited = 0;
    for i in 0..RACES {
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let one = build_command(&dir, first, &out, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Every third race, the second run is a bundle of the other version into the same
        // folder.
        let mut other = if i % 3 == 2 {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iocc"));
            cmd.current_dir(&dir)
                .arg("bundle")
                .arg(second)
                .arg("--out")
                .arg(&out);
            cmd
        } else {
            build_command(&dir, second, &out, &[])
        };
        let two = other
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        for run in [
            one.wait_with_output().unwrap(),
            two.wait_with_output().unwrap(),
        ] {
            assert_ok(&run, &format!("race {i}"));
            waited += usize::from(String::from_utf8_lossy(&run.stderr).contains("waiting:"));
        }
        let now = digest(&out.join(ID));
        assert!(now == tree_a || now == tree_b, "race {i}: a mixed tree");
        assert_eq!(temporaries(&out), Vec::<String>::new(), "race {i}");
    }
    eprintln!("{RACES} races: the second run waited {waited} times");
}
