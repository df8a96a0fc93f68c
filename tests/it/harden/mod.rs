//! Hardening: builds killed at random moments, full and read-only disks, concurrent runs and
//! hand-damaged state files. Each test works in its own scratch project with two versions of
//! one catalogue (`a/` and `b/`, same id, different addresses) writing the same output folder,
//! so after anything goes wrong the output can be compared with both complete trees.

mod corrupt;
mod disk;
mod kill;
mod race;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

/// The id of the catalogue every hardening test builds.
pub const ID: &str = "harden";

/// A catalogue of `addresses` separate IPv4 hosts (no two aggregate) from `first` upwards, plus
/// one indicator, so every target (rules, firewall lists, CSV, STIX, ...) has work to do.
pub fn catalogue(version: &str, first: u32, addresses: usize) -> (String, String) {
    let yaml = format!(
        "id: {ID}\nversion: {version}\ntitle: Hardening fixture\npublisher: iocc tests\ntlp: clear\n\
advisory:\n  id: TEST-HARDEN\n  title: Hardening\n  issuer: iocc\n  published: 2025-01-30\n  modified: 2025-01-30\n  references: [https://example.com/feed]\n\
indicators:\n  - id: c2\n    kind: ipv4\n    value: 81.2.69.142\n    role: Command server\n    confidence: sourced\n    severity: high\n    action: block\n    direction: both\n    references: [https://example.com/feed]\n\
bulk:\n  - id: feed\n    path: feed.txt\n    kind: address\n    confidence: sourced\n    action: block\n    references: [https://example.com/feed]\n"
    );
    let mut feed = String::with_capacity(addresses * 14);
    for i in 0..addresses as u32 {
        let a = std::net::Ipv4Addr::from(first + 2 * i);
        feed.push_str(&format!("{a}\n"));
    }
    (yaml, feed)
}

/// Writes a catalogue version into `dir` (`harden.yaml` and its `feed.txt`); returns the
/// catalogue file.
pub fn write_catalogue(dir: &Path, version: &str, first: u32, addresses: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let (yaml, feed) = catalogue(version, first, addresses);
    std::fs::write(dir.join("feed.txt"), feed).unwrap();
    let file = dir.join(format!("{ID}.yaml"));
    std::fs::write(&file, yaml).unwrap();
    file
}

/// Every file under `dir` (dot-files too) with the SHA-256 of its bytes.
pub fn digest(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&p).unwrap_or_default();
                out.insert(rel, Sha256::digest(&bytes).to_vec());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir` that are iocc temporaries.
pub fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".iocc-tmp-"))
                .collect()
        })
        .unwrap_or_default()
}

/// `iocc build CATALOGUE --out OUT` (with `extra` arguments) in `cwd`, as a command.
pub fn build_command(cwd: &Path, catalogue: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iocc"));
    cmd.current_dir(cwd)
        .arg("build")
        .arg(catalogue)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// Runs a build to its end.
pub fn build(cwd: &Path, catalogue: &Path, out: &Path, extra: &[&str]) -> Output {
    build_command(cwd, catalogue, out, extra)
        .output()
        .expect("run iocc")
}

/// Asserts that a run succeeded, showing its stderr when it did not.
pub fn assert_ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A small random number generator for kill moments (xorshift), seeded so a failing run can
/// be repeated with `IOCC_HARDEN_SEED`.
pub struct Random(u64);

impl Random {
    pub fn new() -> Random {
        let seed = std::env::var("IOCC_HARDEN_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        eprintln!("hardening seed: IOCC_HARDEN_SEED={seed}");
        Random(seed)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}
