//! Shared helpers: run the binary, find engines, make scratch folders.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root (tests run from here).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `iocc` with `args` in `cwd`.
pub fn iocc_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iocc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run iocc")
}

/// Runs `iocc` with `args` in the project root.
pub fn iocc(args: &[&str]) -> Output {
    iocc_in(&root(), args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh, empty scratch folder under `target/` (removed first if it exists).
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The Python venv that `.ci/install-engines` fills (override with `IOCC_VENV`).
pub fn venv() -> PathBuf {
    std::env::var_os("IOCC_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target").join("venv"))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// True when `.ci/run` asks for every engine (`IOCC_REQUIRE_ENGINES=1`).
pub fn engines_required() -> bool {
    std::env::var("IOCC_REQUIRE_ENGINES").as_deref() == Ok("1")
}

/// Skips loudly, or fails under `IOCC_REQUIRE_ENGINES=1`: `what` could not be used because of
/// `why`.
pub fn skip_or_fail(what: &str, why: &str) {
    if engines_required() {
        panic!("{what} is required (IOCC_REQUIRE_ENGINES=1) but {why}: run .ci/install-engines");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED: {what}: {why}; run .ci/install-engines to test against it !!!!!!!!\n"
    );
}

fn found_or_skip(name: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    if found.is_none() {
        skip_or_fail(&format!("engine `{name}`"), "it is not installed");
    }
    found
}

/// Finds an engine binary on PATH or in the venv. When it is missing: fails the test if
/// `IOCC_REQUIRE_ENGINES=1`, otherwise prints a loud skip notice and returns `None`.
pub fn engine(name: &str) -> Option<PathBuf> {
    let found =
        on_path(name).or_else(|| Some(venv().join("bin").join(name)).filter(|p| p.is_file()));
    found_or_skip(name, found)
}

/// Zeek: on PATH (`.ci/install-engines` links it there) or where `../shared/tools/zeek`
/// installs it.
pub fn zeek() -> Option<PathBuf> {
    let found = on_path("zeek")
        .or_else(|| Some(PathBuf::from("/opt/zeek/bin/zeek")).filter(|p| p.is_file()));
    found_or_skip("zeek", found)
}

/// Suricata 8, installed beside Debian's Suricata 7 (which keeps the name `suricata`).
pub const SURICATA8: &str = "/opt/suricata8/bin/suricata";
/// Suricata 8's packaged configuration.
pub const SURICATA8_YAML: &str = "/opt/suricata8/etc/suricata/suricata.yaml";

pub fn suricata8() -> Option<PathBuf> {
    let found = Some(PathBuf::from(SURICATA8)).filter(|p| p.is_file());
    found_or_skip("suricata 8 (/opt/suricata8)", found)
}

/// Builds `catalogue` into `dir/out` (only `targets`, when given); the build must succeed.
pub fn build(dir: &Path, catalogue: &Path, targets: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let mut args = vec![
        "build".to_owned(),
        catalogue.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    for t in targets {
        args.push("--target".into());
        args.push((*t).into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = iocc(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    out
}

/// Copies the fixture files whose names start with `prefix` into `<scratch folder>/iocs/`
/// and builds `targets` there; the build must succeed. Returns the scratch folder. Give each
/// test its own `folder`: tests run in parallel and `scratch` empties the folder it hands out.
pub fn build_fixtures(folder: &str, prefix: &str, targets: &[&str]) -> PathBuf {
    let dir = scratch(folder);
    let iocs = dir.join("iocs");
    std::fs::create_dir_all(&iocs).unwrap();
    for e in std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) {
            std::fs::copy(e.path(), iocs.join(&name)).unwrap();
        }
    }
    let mut args = vec!["build"];
    for t in targets {
        args.extend(["--target", t]);
    }
    let o = iocc_in(&dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    dir
}

/// Every file under `dir`, by relative path, with its bytes.
pub fn snapshot_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    fn walk(base: &Path, d: &Path, m: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, m);
            } else {
                m.insert(
                    p.strip_prefix(base).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    walk(dir, dir, &mut m);
    m
}
