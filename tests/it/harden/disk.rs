//! Writing where the disk says no: a full disk (a small tmpfs), a read-only output folder, and
//! an output folder on another filesystem than its temporary sibling (the rename crosses
//! devices). Each fails with `write-failed` naming the path and the OS error, exit code 1; the
//! previous output and SID lock stay as they were and no temporary is left behind.
//!
//! The file systems are mounted in a private mount namespace (`unshare -m`, as root); where
//! that is not possible the tests skip loudly (and fail under `IOCC_REQUIRE_ENGINES=1`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{digest, temporaries, write_catalogue, ID};
use crate::common::{scratch, skip_or_fail};

/// What each scenario does between the first build (catalogue A) and the second (B), as shell
/// commands run in `$T`, the project folder on its own tmpfs.
const FULL: &str = "";
const READ_ONLY: &str = "mount --bind out out && mount -o remount,bind,ro out";
const OTHER_DEVICE: &str = "cp -a out/harden held && mount -t tmpfs -o size=64m tmpfs out/harden \
    && cp -a held/. out/harden/ && rm -rf held";

/// Runs one scenario: builds A, records the project, swaps in B, builds again, records the
/// project again. `None` when mount namespaces are not available here.
fn scenario(name: &str, size: &str, between: &str, b_addresses: usize) -> Option<PathBuf> {
    let dir = scratch(&format!("harden-disk-{name}"));
    write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, 40);
    write_catalogue(&dir.join("b"), "1.0.1", 0x0600_0000, b_addresses);
    let script = format!(
        r#"set -e
T="$DIR/t"; mkdir -p "$T"
mount -t tmpfs -o size={size} tmpfs "$T"
mkdir -p "$T/iocs" && cp "$DIR/a/{ID}.yaml" "$DIR/a/feed.txt" "$T/iocs/"
cd "$T"
"$IOCC" build iocs/{ID}.yaml --out out > "$DIR/a.out" 2> "$DIR/a.err"
mkdir "$DIR/before" && cp -a out iocs "$DIR/before/"
{between}
cp "$DIR/b/{ID}.yaml" "$DIR/b/feed.txt" iocs/
set +e
"$IOCC" build iocs/{ID}.yaml --out out > "$DIR/b.out" 2> "$DIR/b.err"
echo $? > "$DIR/b.rc"
set -e
mkdir "$DIR/after" && cp -a out iocs "$DIR/after/"
"#
    );
    let run = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env("DIR", &dir)
        .env("IOCC", env!("CARGO_BIN_EXE_iocc"))
        .output();
    match run {
        Ok(o) if o.status.success() => Some(dir),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            skip_or_fail("a private tmpfs (unshare -m, mount)", err.trim());
            None
        }
        Err(e) => {
            skip_or_fail("unshare", &e.to_string());
            None
        }
    }
}

/// The second build failed with `write-failed` and `os_error`, and changed nothing.
fn assert_refused_and_intact(dir: &Path, os_error: &[&str]) {
    let rc = std::fs::read_to_string(dir.join("b.rc")).unwrap();
    let err = std::fs::read_to_string(dir.join("b.err")).unwrap();
    assert_eq!(rc.trim(), "1", "{err}");
    assert!(err.contains("error[write-failed]"), "{err}");
    assert!(err.contains("cannot write `out/"), "names the path: {err}");
    assert!(
        os_error.iter().any(|e| err.contains(e)),
        "names the OS error: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let (before, after) = (dir.join("before"), dir.join("after"));
    assert_eq!(digest(&after.join("out")), digest(&before.join("out")));
    let lock = format!("iocs/{ID}.sids.lock");
    assert_eq!(
        std::fs::read(after.join(&lock)).unwrap(),
        std::fs::read(before.join(&lock)).unwrap(),
        "the SID lock changed"
    );
    for d in ["out", "iocs"] {
        assert_eq!(temporaries(&after.join(d)), Vec::<String>::new(), "{d}");
    }
}

#[test]
fn a_full_disk_fails_cleanly() {
    // A's output and B's catalogue fit in 4 MiB; B's output (tens of MB) does not.
    let Some(dir) = scenario("full", "4m", FULL, 60_000) else {
        return;
    };
    assert_refused_and_intact(&dir, &["No space left on device"]);
}

#[test]
fn a_read_only_output_folder_fails_cleanly() {
    let Some(dir) = scenario("read-only", "64m", READ_ONLY, 100) else {
        return;
    };
    assert_refused_and_intact(&dir, &["Read-only file system"]);
}

#[test]
fn an_output_folder_on_another_device_fails_cleanly() {
    let Some(dir) = scenario("other-device", "64m", OTHER_DEVICE, 100) else {
        return;
    };
    assert_refused_and_intact(
        &dir,
        &["Invalid cross-device link", "Device or resource busy"],
    );
}
