//! The fuzz corpus on stable: every input committed under `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` runs through the same entry function as the cargo-fuzz target
//! (`fuzz/src/lib.rs`, included here), with the same invariants. A crash the fuzzer found is
//! committed under `regressions/` and stays fixed.

#[path = "../../fuzz/src/lib.rs"]
mod entries;

use std::path::Path;

use crate::common::root;

/// The files of a corpus folder, sorted (a missing folder has none).
fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs every input of `target` and names each one that breaks an invariant.
fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let mut count = 0;
    let mut failed = Vec::new();
    for folder in ["corpus", "regressions"] {
        for file in inputs(&root().join("fuzz").join(folder).join(target)) {
            let data = std::fs::read(&file).expect("read a corpus input");
            if std::panic::catch_unwind(|| entry(&data)).is_err() {
                failed.push(file.display().to_string());
            }
            count += 1;
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: these inputs fail: {failed:#?}"
    );
    count
}

#[test]
fn every_target_has_a_corpus_and_it_replays() {
    for (target, entry) in entries::TARGETS {
        let n = replay(target, *entry);
        assert!(n >= 10, "{target}: only {n} corpus inputs");
    }
}

#[test]
fn every_fuzz_target_is_replayed() {
    let mut bins: Vec<String> = inputs(&root().join("fuzz/fuzz_targets"))
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    bins.sort();
    let mut replayed: Vec<String> = entries::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    replayed.sort();
    assert_eq!(bins, replayed);
}

#[test]
fn every_corpus_and_regression_folder_names_a_target() {
    let targets: Vec<&str> = entries::TARGETS.iter().map(|(n, _)| *n).collect();
    for folder in ["corpus", "regressions"] {
        let dir = root().join("fuzz").join(folder);
        for entry in std::fs::read_dir(&dir)
            .expect("read a fuzz folder")
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                targets.contains(&name.as_str()),
                "fuzz/{folder}/{name} is replayed by no target (targets: {targets:?})"
            );
        }
    }
}
