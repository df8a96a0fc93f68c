//! Writing where the disk says no: a full disk (a small tmpfs), a read-only output folder, and
//! an output folder on another filesystem than its temporary sibling (the rename crosses
//! devices). Each fails with `write-failed` naming the path and the OS error, exit code 1; the
//! previous output and SID lock stay as they were and no temporary is left behind.
//!
//! The file systems are mounted in a private mount namespace (`unshare -m`, as root); where
//! that is not possible the tests are ignored at build time (`build.rs`), or skip loudly when
//! it fails at run time (and fail under `IOCC_REQUIRE_ENGINES=1`). A release folder that is a
//! mount point of its own is bundled into in place, and ends as the complete new set.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{assert_ok, build, digest, temporaries, write_catalogue, ID};
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
    in_namespace(&dir, &script).then_some(dir)
}

/// Runs a shell script in a private mount namespace, in `dir` (also `$DIR`; `$IOCC` is the
/// binary); false, after skipping loudly, when the namespace or the script failed.
fn in_namespace(dir: &Path, script: &str) -> bool {
    let run = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .current_dir(dir)
        .env("DIR", dir)
        .env("IOCC", env!("CARGO_BIN_EXE_iocc"))
        .output();
    match run {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            skip_or_fail("a private tmpfs (unshare -m, mount)", err.trim());
            false
        }
        Err(e) => {
            skip_or_fail("unshare", &e.to_string());
            false
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
#[cfg_attr(
    iocc_missing = "mount-namespace",
    ignore = "needs a private mount namespace (`unshare -m`, as root)"
)]
fn a_full_disk_fails_cleanly() {
    // A's output and B's catalogue fit in 4 MiB; B's output (about 16 MB) does not.
    let Some(dir) = scenario("full", "4m", FULL, 8_000) else {
        return;
    };
    assert_refused_and_intact(&dir, &["No space left on device"]);
}

#[test]
#[cfg_attr(
    iocc_missing = "mount-namespace",
    ignore = "needs a private mount namespace (`unshare -m`, as root)"
)]
fn a_read_only_output_folder_fails_cleanly() {
    let Some(dir) = scenario("read-only", "64m", READ_ONLY, 100) else {
        return;
    };
    assert_refused_and_intact(&dir, &["Read-only file system"]);
}

#[test]
#[cfg_attr(
    iocc_missing = "mount-namespace",
    ignore = "needs a private mount namespace (`unshare -m`, as root)"
)]
fn an_output_folder_on_another_device_fails_cleanly() {
    let Some(dir) = scenario("other-device", "64m", OTHER_DEVICE, 100) else {
        return;
    };
    assert_refused_and_intact(
        &dir,
        &["Invalid cross-device link", "Device or resource busy"],
    );
}

#[test]
#[cfg_attr(
    iocc_missing = "mount-namespace",
    ignore = "needs a private mount namespace (`unshare -m`, as root)"
)]
fn a_release_folder_on_its_own_mount_changes_in_place() {
    // A mount point cannot be swapped: the bundle renames its files into it one by one.
    let dir = scratch("harden-disk-bundle");
    for (v, first) in [("a", 0x0500_0000), ("b", 0x0600_0000)] {
        let version = if v == "a" { "1.0.0" } else { "1.0.1" };
        let cat = write_catalogue(&dir.join(v), version, first, 40);
        assert_ok(&build(&dir, &cat, &dir.join("out"), &[]), "build");
    }
    let script = format!(
        r#"set -e
mkdir dist && mount -t tmpfs -o size=16m tmpfs dist
"$IOCC" bundle a/{ID}.yaml --out dist
"$IOCC" bundle b/{ID}.yaml --out dist
cd dist
sha256sum -c --quiet SHA256SUMS
"$IOCC" verify {ID}-1.0.0.tar.gz && "$IOCC" verify {ID}-1.0.1.tar.gz
ls -A > "$DIR/listing"
"#
    );
    if !in_namespace(&dir, &script) {
        return;
    }
    let listing = std::fs::read_to_string(dir.join("listing")).unwrap();
    let mut names: Vec<&str> = listing.lines().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "harden-1.0.0.tar.gz",
            "harden-1.0.0.tar.gz.md5",
            "harden-1.0.0.tar.gz.sha256",
            "harden-1.0.1.tar.gz",
            "harden-1.0.1.tar.gz.md5",
            "harden-1.0.1.tar.gz.sha256",
        ],
        "no temporary left"
    );
}
