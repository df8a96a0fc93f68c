//! SIGKILL at random moments of `iocc build` and `iocc bundle`: after every kill the output
//! folder is byte for byte the complete old or the complete new tree, the SID lock is whole and
//! exists only once the output it numbers is in place, `--check` tells which tree is there, and
//! the next run succeeds and leaves no temporary behind. A killed bundle leaves the release
//! folder with the complete old or the complete new set of archives, checksums and
//! `SHA256SUMS`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{assert_ok, build, build_command, digest, temporaries, write_catalogue, Random, ID};
use crate::common::scratch;

/// Kills per run of the build test.
const KILLS: usize = 50;
/// Kills per run of the bundle test.
const BUNDLE_KILLS: usize = 20;

/// Addresses per catalogue version (each adds a line to every block list, rule data file, CSV
/// and STIX bundle, about 2 KB of output). The default, 2000 (4 MB of output), keeps `cargo
/// test` short; `IOCC_HARDEN_ADDRESSES=200000` (400 MB) is the full-size run of the README.
fn addresses() -> usize {
    std::env::var("IOCC_HARDEN_ADDRESSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
}

/// Runs `cmd` and kills it (SIGKILL) after a random part of `span` (up to 110%, so some
/// runs finish).
fn kill_at_random(mut cmd: std::process::Command, span: Duration, rng: &mut Random) -> Duration {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start iocc");
    let wait = Duration::from_micros(rng.below(span.as_micros() as u64 * 11 / 10));
    std::thread::sleep(wait);
    let _ = child.kill();
    let _ = child.wait();
    wait
}

/// No temporary left in the output folder or beside either catalogue.
fn assert_no_temporaries(dir: &Path) {
    for d in [dir.join("out"), dir.join("a"), dir.join("b")] {
        assert_eq!(temporaries(&d), Vec::<String>::new(), "{}", d.display());
    }
}

#[test]
fn killed_builds_leave_the_old_or_the_new_tree() {
    let dir = scratch("harden-kill");
    let n = addresses();
    let a = write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, n);
    let b = write_catalogue(&dir.join("b"), "1.0.1", 0x0600_0000, n);
    let (out, lock_b) = (
        dir.join("out"),
        dir.join("b").join(format!("{ID}.sids.lock")),
    );
    let started = Instant::now();
    assert_ok(&build(&dir, &b, &out, &[]), "build b");
    let span = started.elapsed();
    let (tree_b, lock_bytes) = (digest(&out.join(ID)), std::fs::read(&lock_b).unwrap());
    assert_ok(&build(&dir, &a, &out, &[]), "build a");
    let tree_a = digest(&out.join(ID));
    assert_ne!(tree_a, tree_b);
    let mut rng = Random::new();
    let (mut on_a, mut kept, mut replaced, mut mid_write) = (true, 0, 0, 0);
    for i in 0..KILLS {
        let target = if on_a { &b } else { &a };
        // B's lock is written again by a build of B: it must come after B's output.
        if on_a {
            let _ = std::fs::remove_file(&lock_b);
        }
        let wait = kill_at_random(build_command(&dir, target, &out, &[]), span, &mut rng);
        mid_write += usize::from(!temporaries(&out).is_empty());
        let now = digest(&out.join(ID));
        let (is_a, is_b) = (now == tree_a, now == tree_b);
        assert!(is_a || is_b, "kill {i} after {wait:?} left a mixed tree");
        if let (true, Ok(lock)) = (on_a, std::fs::read(&lock_b)) {
            assert_eq!(lock, lock_bytes, "kill {i}: a half-written SID lock");
            assert!(is_b, "kill {i}: the SID lock was written before its output");
        }
        if is_a == on_a {
            kept += 1;
        } else {
            replaced += 1;
        }
        on_a = is_a;
        if i % 10 == 9 {
            // `--check` of A passes exactly when A's tree is there.
            let check = build(&dir, &a, &out, &["--check"]);
            assert_eq!(check.status.success(), is_a, "kill {i}: --check disagrees");
            // The next build succeeds and leaves nothing behind.
            assert_ok(&build(&dir, target, &out, &[]), "build after a kill");
            assert_no_temporaries(&dir);
            on_a = target == &a;
        }
    }
    eprintln!(
        "{KILLS} kills over builds of {span:?} ({n} addresses): {kept} left the old tree, \
         {replaced} the new one, {mid_write} interrupted a write (temporaries left)"
    );
    assert_ok(&build(&dir, &b, &out, &[]), "final build");
    assert_eq!(std::fs::read(&lock_b).unwrap(), lock_bytes);
    assert_no_temporaries(&dir);
}

/// The files of a release folder a consumer sees: dot-files (temporaries) left out.
fn visible(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = digest(dir);
    files.retain(|name, _| !name.starts_with('.'));
    files
}

#[test]
fn killed_bundles_leave_the_old_or_the_new_release_folder() {
    let dir = scratch("harden-kill-bundle");
    let n = addresses() / 4;
    let a = write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, n);
    let b = write_catalogue(&dir.join("b"), "1.0.1", 0x0600_0000, n);
    let (dist, saved) = (dir.join("dist"), dir.join("dist-a"));
    let bundle = |cat: &Path, to: &Path| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iocc"));
        cmd.current_dir(&dir)
            .arg("bundle")
            .arg(cat)
            .arg("--out")
            .arg(to);
        cmd
    };
    for cat in [&a, &b] {
        // The SID locks the bundles read.
        assert_ok(&build(&dir, cat, &dir.join("out"), &[]), "build");
    }
    assert_ok(&bundle(&a, &saved).output().unwrap(), "bundle a");
    let only_a = digest(&saved);
    assert_ok(&bundle(&a, &dist).output().unwrap(), "bundle a");
    let started = Instant::now();
    assert_ok(&bundle(&b, &dist).output().unwrap(), "bundle b");
    let span = started.elapsed();
    // B's archive, its checksums and a SHA256SUMS listing both archives.
    let both = digest(&dist);
    assert_eq!(both.len(), only_a.len() + 3, "{:?}", both.keys());
    let mut rng = Random::new();
    let (mut old, mut new) = (0, 0);
    for i in 0..BUNDLE_KILLS {
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(&dist).unwrap();
        for name in only_a.keys() {
            std::fs::copy(saved.join(name), dist.join(name)).unwrap();
        }
        let wait = kill_at_random(bundle(&b, &dist), span, &mut rng);
        let now = visible(&dist);
        assert!(
            now == only_a || now == both,
            "kill {i} after {wait:?}: a release folder that is neither the old nor the new set: {:?}",
            now.keys()
        );
        old += usize::from(now == only_a);
        new += usize::from(now == both);
    }
    eprintln!("{BUNDLE_KILLS} kills over bundles of {span:?}: {old} left the old folder, {new} the new one");
    assert_ok(&bundle(&b, &dist).output().unwrap(), "bundle after a kill");
    assert_eq!(digest(&dist), both);
    for d in [&dir, &dist] {
        assert_eq!(temporaries(d), Vec::<String>::new(), "{}", d.display());
    }
    let archive = dist.join("harden-1.0.1.tar.gz");
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_iocc"))
        .arg("verify")
        .arg(&archive)
        .output()
        .unwrap();
    assert_ok(&verify, "verify");
}
