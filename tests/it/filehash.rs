//! Suricata file hash rules: the file hash indicators of a fixture become `filesha256`,
//! `filesha1` and `filemd5` rules with their hash lists beside the pack; the pack loads in
//! Suricata 7.0.10 and 8.0.6 with the packaged configs (the lists resolve beside the rules,
//! as suricata-update installs them), and an HTTP download of a file whose SHA-256 is listed
//! alerts in both while an unlisted one does not.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::pcap::{Pcap, Tcp};
use crate::suricata::{assert_loads, ip, lock, monitor, replay, rule_lines};

/// Builds the files-hashes fixture (copied, so its SID lock stays in the scratch folder) with
/// the suricata target; returns the scratch folder.
fn build_hashes() -> PathBuf {
    let dir = scratch("filehash-build");
    let iocs = dir.join("iocs");
    std::fs::create_dir_all(&iocs).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/files-hashes.yaml"),
        iocs.join("files-hashes.yaml"),
    )
    .unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    dir
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn hash_indicators_become_hash_list_rules() {
    let dir = build_hashes();
    let pack = dir.join("out/files-hashes/suricata");
    // Lowercase, sorted, each once; the uppercase `two` is written lowercase.
    assert_eq!(
        read(&pack.join("files-hashes.sha256")),
        "4038bcf2e6df55faebe11c9002eeddaf301dda893fe295b497f315fbb6ab79c8\n\
         a615d0df38e2b76eba630700b0fb2cc129160f649038d52ebb450a2b044dc064\n"
    );
    assert_eq!(
        read(&pack.join("files-hashes.sha1")),
        "c7e6c0185859d7f37df02db55f90b42a6aff59c6\n"
    );
    assert_eq!(read(&pack.join("files-hashes.md5")).lines().count(), 2);
    let text = read(&pack.join("files-hashes.rules"));
    let rules = rule_lines(&text);
    for (kw, ext) in [
        ("filesha256", "sha256"),
        ("filesha1", "sha1"),
        ("filemd5", "md5"),
    ] {
        let with: Vec<&&str> = rules
            .iter()
            .filter(|l| l.contains(&format!("{kw}:files-hashes.{ext};")))
            .collect();
        let protos: BTreeSet<&str> = with
            .iter()
            .map(|l| l.split_whitespace().nth(1).unwrap())
            .collect();
        assert_eq!(
            protos,
            BTreeSet::from(["ftp-data", "http", "nfs", "smb", "smtp"]),
            "{kw}"
        );
    }
    assert!(
        text.contains("stream.reassembly.depth"),
        "the header names the setting"
    );
}

#[test]
fn hash_rules_load_and_match_a_download_in_suricata_7_and_8() {
    let dir = build_hashes();
    let pack = dir.join("out/files-hashes/suricata");
    let rules = pack.join("files-hashes.rules");
    let sids = lock(&dir.join("iocs/files-hashes.sids.lock"));
    let http256 = sids["hashes/sha256/http"].0;
    let download = |name: &str| {
        let body = format!("iocc test file {name}\n");
        let mut p = Pcap::new();
        let mut t = Tcp::open(&mut p, monitor(40000), (ip(198, 51, 100, 80), 80));
        t.send(format!("GET /{name} HTTP/1.1\r\nHost: files.example\r\n\r\n").as_bytes())
            .reply(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            )
            .close();
        p
    };
    let mut engines = Vec::new();
    if let Some(s7) = engine("suricata") {
        assert_loads(&s7, &rules, Path::new("/etc/suricata/suricata.yaml"), &[]);
        engines.push(("7", s7));
    }
    if let Some(s8) = suricata8() {
        assert_loads(&s8, &rules, Path::new(SURICATA8_YAML), &[]);
        engines.push(("8", s8));
    }
    for (v, bin) in engines {
        let one = replay(&bin, &format!("filehash-{v}-one"), &download("one"), &rules);
        assert_eq!(one, BTreeSet::from([http256]), "suricata {v}: file one");
        let six = replay(&bin, &format!("filehash-{v}-six"), &download("six"), &rules);
        assert!(
            six.is_empty(),
            "suricata {v}: the unlisted file alerts: {six:?}"
        );
    }
}
