//! The files target against Debian's YARA (`yarac`, `yara`) and ClamAV (`clamscan -d`): the
//! rules and hash databases load cleanly, and the scanners flag exactly the files whose
//! digests the fixture lists (sizes given or not, an uppercase digest in the catalogue), and
//! no other. Also: golden files, and a catalogue whose every text is hostile.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::common::*;

const FIXTURE: &str = "tests/fixtures/files-hashes.yaml";
/// The test files the fixture lists, and one it does not.
const LISTED: [&str; 5] = ["one", "two", "three", "four", "five"];
const UNLISTED: &str = "six";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Builds `catalogue` with the files target; returns the files folder.
fn build(name: &str, catalogue: &Path) -> PathBuf {
    let out = scratch(name).join("out");
    let o = iocc(&["build", s(catalogue), "--out", s(&out), "--target", "files"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    let id = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    out.join(id).join("files")
}

/// Writes `iocc test file <n>\n` for every test file; returns the folder.
fn test_files(dir: &Path) -> PathBuf {
    let files = dir.join("scan");
    std::fs::create_dir_all(&files).unwrap();
    for n in LISTED.iter().chain([&UNLISTED]) {
        std::fs::write(files.join(n), format!("iocc test file {n}\n")).unwrap();
    }
    files
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let o = cmd.output().expect("run scanner");
    (o.status.code(), stdout(&o), stderr(&o))
}

/// The files `yara -r` flags, as (rule, file name).
fn yara_matches(yara: &Path, rules: &Path, dir: &Path) -> BTreeSet<(String, String)> {
    let (code, out, err) = run(Command::new(yara).arg("-r").arg(rules).arg(dir));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(err, "", "yara warns");
    out.lines()
        .map(|l| {
            let (rule, path) = l.split_once(' ').expect("rule and path");
            let name = Path::new(path).file_name().unwrap().to_string_lossy();
            (rule.to_owned(), name.into_owned())
        })
        .collect()
}

/// The files `clamscan` flags with the target's databases, as (signature, file name).
fn clam_matches(clamscan: &Path, dbs: &[PathBuf], dir: &Path) -> BTreeSet<(String, String)> {
    let mut cmd = Command::new(clamscan);
    cmd.args(["--no-summary", "--infected", "--recursive"]);
    for db in dbs {
        cmd.arg("-d").arg(db);
    }
    let (code, out, err) = run(cmd.arg(dir));
    // 1: something was found; 0: nothing; 2: an error (a database that does not load).
    assert!(matches!(code, Some(0 | 1)), "clamscan failed: {out}{err}");
    out.lines()
        .map(|l| {
            let (path, rest) = l.rsplit_once(": ").expect("path: name FOUND");
            let sig = rest.strip_suffix(" FOUND").expect("FOUND");
            let name = Path::new(path).file_name().unwrap().to_string_lossy();
            (sig.to_owned(), name.into_owned())
        })
        .collect()
}

#[test]
fn the_fixture_lists_the_test_files() {
    let dir = scratch("files-fixture");
    let files = test_files(&dir);
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    let one = std::fs::read(files.join("one")).unwrap();
    assert!(text.contains(&hex::encode(Sha256::digest(&one))));
    assert!(text.contains(&format!("size: {}", one.len())));
    let two = hex::encode(Sha256::digest(std::fs::read(files.join("two")).unwrap()));
    assert!(text.contains(&two.to_uppercase()));
}

#[test]
fn golden_files() {
    let out = build("files-golden", &root().join(FIXTURE));
    for name in ["files-hashes.yar", "files-hashes.hsb", "files-hashes.hdb"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn yara_flags_exactly_the_listed_files() {
    let Some(yara) = engine("yara") else { return };
    let Some(yarac) = engine("yarac") else { return };
    let dir = scratch("files-yara");
    let out = build("files-yara-out", &root().join(FIXTURE));
    let rules = out.join("files-hashes.yar");
    let (code, o, e) = run(Command::new(&yarac).arg(&rules).arg(dir.join("compiled")));
    assert_eq!((code, e.as_str()), (Some(0), ""), "yarac: {o}{e}");
    let found = yara_matches(&yara, &rules, &test_files(&dir));
    let expected: BTreeSet<(String, String)> = LISTED
        .iter()
        .map(|n| (format!("files_hashes_{n}"), (*n).to_owned()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn clamav_flags_exactly_the_listed_files() {
    let Some(clamscan) = engine("clamscan") else {
        return;
    };
    let dir = scratch("files-clamav");
    let out = build("files-clamav-out", &root().join(FIXTURE));
    let dbs = [out.join("files-hashes.hsb"), out.join("files-hashes.hdb")];
    let found = clam_matches(&clamscan, &dbs, &test_files(&dir));
    // ClamAV marks signatures from outside its official databases `.UNOFFICIAL`.
    let expected: BTreeSet<(String, String)> = LISTED
        .iter()
        .map(|n| (format!("files-hashes.{n}.UNOFFICIAL"), (*n).to_owned()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn hostile_strings_keep_the_rules_and_databases_loadable() {
    let dir = scratch("files-hostile");
    let cat = crate::bundle::hostile_catalogue(&dir);
    let out = build("files-hostile-out", &cat);
    let yar = std::fs::read_to_string(out.join("contec-cms8000.yar")).unwrap();
    // The hostile role and description are in the meta strings, and no byte outside
    // printable ASCII reached the file.
    assert!(yar.contains("role = \"q'uote\\\" \\\\back; semi) \\\"; sid:1; rev:1;)\\x0a|"));
    assert!(yar.bytes().all(|b| b == b'\n' || (0x20..0x7f).contains(&b)));
    assert_eq!(yar.matches("\nrule ").count(), 1);
    let hsb = std::fs::read_to_string(out.join("contec-cms8000.hsb")).unwrap();
    assert_eq!(
        hsb,
        "4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad:*:contec-cms8000.monitor-binary:73\n"
    );
    if let Some(yarac) = engine("yarac") {
        let (code, o, e) = run(Command::new(&yarac)
            .arg(out.join("contec-cms8000.yar"))
            .arg(dir.join("compiled")));
        assert_eq!((code, e.as_str()), (Some(0), ""), "yarac: {o}{e}");
    }
    if let Some(clamscan) = engine("clamscan") {
        let files = test_files(&dir);
        let found = clam_matches(&clamscan, &[out.join("contec-cms8000.hsb")], &files);
        assert!(found.is_empty(), "{found:?}");
    }
}
