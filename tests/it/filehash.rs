//! Suricata file hash rules: the file hash indicators of a fixture become `filesha256`,
//! `filesha1` and `filemd5` rules with their hash lists beside the pack; the pack loads in
//! Suricata 7.0.10 and 8.0.6 with the packaged configs (the lists resolve beside the rules,
//! as suricata-update installs them), and HTTP downloads of files whose SHA-256, SHA-1 or MD5
//! is listed raise their rule, the same sids in both, while an unlisted one raises nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::pcap::{Pcap, Tcp};
use crate::suricata::{assert_loads, ip, lock, monitor, rule_lines};
use crate::traffic::{suricata_alerts, suricatas, Suricata};

/// Builds the files-hashes fixture (copied, so its SID lock stays in the scratch folder) with
/// the suricata target, in a folder of the calling test's own (tests run in parallel and
/// `scratch` empties its folder); returns that folder.
fn build_hashes(test: &str) -> PathBuf {
    let dir = scratch(&format!("filehash-build-{test}"));
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
    let dir = build_hashes("lists");
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

/// The packaged suricata.yaml of `s` with the setting the pack's header names for several
/// digest algorithms: `force-hash: [md5, sha1, sha256]` in the eve-log `files` type.
fn forcing_hashes(s: &Suricata, dir: &Path) -> Suricata {
    let yaml = read(&s.yaml);
    let commented = "            #force-hash: [md5]\n";
    assert!(yaml.contains(commented), "{}", s.yaml.display());
    let path = dir.join(format!("{}.yaml", s.label.replace(' ', "")));
    let forced = yaml.replace(commented, "            force-hash: [md5, sha1, sha256]\n");
    std::fs::write(&path, forced).unwrap();
    Suricata {
        label: s.label,
        bin: s.bin.clone(),
        yaml: path,
    }
}

/// Each algorithm's list raises its own HTTP rule: `one` by its SHA-256, `three` by its SHA-1,
/// `four` by its MD5; the unlisted `six` raises nothing; the same sids in Suricata 7 and 8,
/// each with its packaged configuration (no `W:`/`E:` line). Suricata 7.0.10 computes only one
/// digest per file when rules ask for several (SHA-256 here, so `three` and `four` raise
/// nothing), 8.0.6 each: the pack's header names the `force-hash` setting that makes 7 compute
/// them all, and 7 runs with it.
#[test]
fn hash_rules_load_and_match_a_download_in_suricata_7_and_8() {
    let dir = build_hashes("replay");
    let pack = dir.join("out/files-hashes/suricata");
    let rules = pack.join("files-hashes.rules");
    assert!(read(&rules).contains("force-hash: [md5, sha1, sha256]"));
    let sids = lock(&dir.join("iocs/files-hashes.sids.lock"));
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
        let file = dir.join(format!("{name}.pcap"));
        std::fs::write(&file, p.bytes()).unwrap();
        file
    };
    let mut seen: Vec<(&str, Vec<BTreeSet<u32>>)> = Vec::new();
    for s in suricatas() {
        assert_loads(&s.bin, &rules, &s.yaml, &[]);
        let s = forcing_hashes(&s, &dir);
        let mut got = Vec::new();
        for (file, key) in [
            ("one", Some("hashes/sha256/http")),
            ("three", Some("hashes/sha1/http")),
            ("four", Some("hashes/md5/http")),
            ("six", None),
        ] {
            let name = format!("filehash-{file}");
            let alerts = suricata_alerts(&s, &name, &download(file), &pack, "files-hashes.rules");
            let sids_of: BTreeSet<u32> = alerts.iter().map(|a| a.sid).collect();
            let want: BTreeSet<u32> = key.iter().map(|k| sids[*k].0).collect();
            assert_eq!(sids_of, want, "{}: file {file}", s.label);
            got.push(sids_of);
        }
        seen.push((s.label, got));
    }
    if let [(a, x), (b, y)] = seen.as_slice() {
        assert_eq!(x, y, "{a} and {b}");
    }
}
