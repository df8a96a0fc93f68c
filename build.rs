//! Build-time facts for the test suite: which external engines this machine lacks.
//!
//! Each engine test carries `#[cfg_attr(iocc_missing = "NAME", ignore = "engine `NAME` is not
//! installed")]`, so that on a machine without the engine `cargo test` reports it as ignored,
//! with the engine's name, in its own summary line (`N passed; M ignored`). Under
//! `IOCC_REQUIRE_ENGINES=1` (CI) no engine is marked missing: the tests run, and a missing
//! engine fails them. The lookup mirrors `tests/it/common.rs` (`engine`, `zeek`, `suricata8`).
//! The library itself never reads these flags.

use std::path::{Path, PathBuf};

/// Engines found on PATH or in the test venv's `bin/`.
const ON_PATH: &[&str] = &[
    "suricata",
    "suricata-update",
    "suricata-check",
    "stix2_validator",
    "medallion",
    "minisign",
    "zkg",
    "zeek-script",
    "nft",
    "ipset",
    "iptables-restore",
    "ip6tables-restore",
    "iprange",
    "unshare",
    "named-checkzone",
    "unbound-checkconf",
    "unbound",
    "dnsmasq",
    "dig",
];

/// Engines at a fixed place besides PATH: (flag name, binary on PATH, fixed path).
const FIXED: &[(&str, &str, &str)] = &[
    ("zeek", "zeek", "/opt/zeek/bin/zeek"),
    ("suricata8", "", "/opt/suricata8/bin/suricata"),
];

fn venv() -> PathBuf {
    std::env::var_os("IOCC_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target").join("venv"))
}

fn search_path() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .chain([venv().join("bin")])
        .collect()
}

fn found(dirs: &[PathBuf], name: &str) -> bool {
    !name.is_empty() && dirs.iter().any(|d| d.join(name).is_file())
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for var in ["PATH", "IOCC_VENV", "IOCC_REQUIRE_ENGINES"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let dirs = search_path();
    // An engine installed or removed later changes one of these folders.
    for d in dirs
        .iter()
        .map(PathBuf::as_path)
        .chain(FIXED.iter().filter_map(|(_, _, p)| Path::new(p).parent()))
    {
        if d.is_dir() {
            println!("cargo::rerun-if-changed={}", d.display());
        }
    }
    let names: Vec<&str> = ON_PATH
        .iter()
        .copied()
        .chain(FIXED.iter().map(|(n, _, _)| *n))
        .chain(["pymisp", "mount-namespace"])
        .collect();
    let values: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    println!(
        "cargo::rustc-check-cfg=cfg(iocc_missing, values({}))",
        values.join(", ")
    );
    if std::env::var("IOCC_REQUIRE_ENGINES").as_deref() == Ok("1") {
        return;
    }
    let mut missing: Vec<&str> = ON_PATH
        .iter()
        .copied()
        .filter(|n| !found(&dirs, n))
        .collect();
    for (flag, bin, fixed) in FIXED {
        if !found(&dirs, bin) && !Path::new(fixed).is_file() {
            missing.push(flag);
        }
    }
    // PyMISP is a Python package: its folder in the venv's site-packages.
    let pymisp = std::fs::read_dir(venv().join("lib"))
        .map(|rd| {
            rd.flatten()
                .any(|e| e.path().join("site-packages").join("pymisp").is_dir())
        })
        .unwrap_or(false);
    if !pymisp {
        missing.push("pymisp");
    }
    // The disk tests mount file systems in a private mount namespace: root only.
    let namespace = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !namespace {
        missing.push("mount-namespace");
    }
    for m in missing {
        println!("cargo::rustc-cfg=iocc_missing=\"{m}\"");
    }
}
