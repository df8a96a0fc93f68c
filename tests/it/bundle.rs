//! Publishing: the STIX target, `iocc bundle`, `iocc verify`, `iocc changelog`, the CI mode of
//! `build`, and the consumers of a bundle (stix2-validator, suricata-update + Suricata, zkg,
//! a TAXII 2.1 server), each run for real.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::*;

const CATALOGUE: &str = "iocs/contec-cms8000.yaml";
const STIX: &str = "out/contec-cms8000/stix/contec-cms8000.json";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `iocc` with extra environment variables.
fn iocc_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iocc"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run iocc")
}

/// Bundles the committed catalogue into a scratch folder; returns the archive path.
fn make_bundle(name: &str) -> PathBuf {
    let dir = scratch(name);
    let o = iocc(&["bundle", CATALOGUE, "--out", s(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    dir.join("contec-cms8000-1.5.0.tar.gz")
}

fn unpack(archive: &Path) -> BTreeMap<String, Vec<u8>> {
    iocc::bundle::read_archive(&std::fs::read(archive).unwrap()).expect("bundle unpacks")
}

fn extract_to(archive: &Path, dir: &Path) {
    for (p, b) in unpack(archive) {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b).unwrap();
    }
}

fn manifest(archive: &Path) -> Value {
    serde_json::from_slice(&unpack(archive)["manifest.json"]).unwrap()
}

/// Whether a target is registered in this build of iocc and selected by the catalogue, so its
/// consumer test must run. Otherwise prints a loud notice: the consumer is not exercised.
fn target_expected(name: &str) -> bool {
    let registered = iocc::targets::by_name(name).is_some();
    let text = std::fs::read_to_string(root().join(CATALOGUE)).unwrap();
    let raw: Value = serde_yaml::from_str(&text).unwrap();
    let selected = match raw.pointer("/policy/targets") {
        Some(Value::Array(list)) => list.iter().any(|t| t.as_str() == Some(name)),
        _ => true, // no list: every registered target
    };
    if !(registered && selected) {
        eprintln!(
            "\n!!!!!!!! NOT EXERCISED: target `{name}` is {} in this build; its consumer test only checks that the bundle holds no `{name}` output !!!!!!!!\n",
            if registered { "registered but not selected by the catalogue" } else { "not registered" }
        );
    }
    registered && selected
}

#[test]
fn bundle_is_byte_reproducible() {
    let a = make_bundle("bundle-repro-a");
    let b = make_bundle("bundle-repro-b");
    for ext in ["", ".sha256", ".md5"] {
        let pa = PathBuf::from(format!("{}{ext}", a.display()));
        let pb = PathBuf::from(format!("{}{ext}", b.display()));
        assert_eq!(
            std::fs::read(&pa).unwrap(),
            std::fs::read(&pb).unwrap(),
            "{ext} differs"
        );
    }
    // Fixed metadata: the catalogue's advisory.modified (2025-02-25) for every entry.
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(&bytes[4..8], &1_740_441_600u32.to_le_bytes(), "gzip mtime");
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    let mut names = Vec::new();
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        assert_eq!(h.mtime().unwrap(), 1_740_441_600);
        assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
        assert_eq!(h.username().unwrap(), Some(""));
        assert_eq!(h.groupname().unwrap(), Some(""));
        names.push(e.path().unwrap().to_string_lossy().into_owned());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries are sorted");
    assert!(names.contains(&"manifest.json".to_owned()));
    assert!(names.contains(&"README.md".to_owned()));
    assert!(names.contains(&"stix/contec-cms8000.json".to_owned()));

    // SOURCE_DATE_EPOCH overrides the catalogue date, still reproducibly.
    let dir = scratch("bundle-repro-epoch");
    let o = iocc_env(
        &root(),
        &["bundle", CATALOGUE, "--out", s(&dir)],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c = std::fs::read(dir.join("contec-cms8000-1.5.0.tar.gz")).unwrap();
    assert_eq!(&c[4..8], &1_700_000_000u32.to_le_bytes());
    assert_ne!(c, bytes);

    // Sidecars: sha256sum format and the bare md5 suricata-update compares.
    let sha = std::fs::read_to_string(format!("{}.sha256", a.display())).unwrap();
    assert_eq!(
        sha,
        format!(
            "{}  contec-cms8000-1.5.0.tar.gz\n",
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
        )
    );
    let md5 = std::fs::read_to_string(format!("{}.md5", a.display())).unwrap();
    assert_eq!(md5.trim().len(), 32);
    assert!(md5.trim().bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn bundle_layout_manifest_and_coverage_readme() {
    let a = make_bundle("bundle-layout");
    let files = unpack(&a);
    let m = manifest(&a);
    assert_eq!(m["catalogue"]["id"], "contec-cms8000");
    assert_eq!(m["catalogue"]["version"], "1.5.0");
    assert_eq!(m["iocc"]["version"], env!("CARGO_PKG_VERSION"));
    let cat_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(root().join(CATALOGUE)).unwrap(),
    ));
    assert_eq!(m["catalogue"]["sha256"], cat_sha.as_str());
    let listed: Vec<&String> = m["files"].as_object().unwrap().keys().collect();
    let present: Vec<&String> = files.keys().filter(|k| *k != "manifest.json").collect();
    assert_eq!(listed, present, "manifest lists every file but itself");
    // The compiled tree, mapped to the consumer layout.
    let out = iocc::output::read_tree(&root().join("out/contec-cms8000"));
    for (path, bytes) in &out {
        if let Some(p) = iocc::bundle::bundle_path(path) {
            assert!(
                files.get(&p) == Some(bytes),
                "{p} is not the committed {path}"
            );
        }
    }
    assert!(
        files.keys().all(|k| !k.starts_with("suricata/")),
        "suricata files go under rules/"
    );
    // README coverage table: one row per item, one column per target of the manifest.
    let readme = String::from_utf8(files["README.md"].clone()).unwrap();
    let targets = m["catalogue"]["targets"].as_array().unwrap();
    let header = readme
        .lines()
        .find(|l| l.starts_with("| Item |"))
        .expect("coverage table");
    for t in targets {
        assert!(
            header.contains(&format!(" {} |", t.as_str().unwrap())),
            "{header}"
        );
    }
    // Each cell says what the build's coverage says.
    let o = iocc(&["build", CATALOGUE, "--check", "--format", "json"]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let coverage = report["report"]["catalogues"][0]["targets"]
        .as_array()
        .unwrap();
    assert_eq!(coverage.len(), targets.len());
    let ids = [
        "contec-range",
        "cms-server",
        "cms-ports",
        "monitor-binary",
        "hl7-mllp",
        "mount-pm",
    ];
    for id in ids {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("no row for {id}"));
        let cells: Vec<&str> = row
            .trim_end_matches(" |")
            .rsplit(" | ")
            .take(targets.len())
            .collect();
        for (cell, t) in cells.iter().rev().zip(coverage) {
            let has = |k: &str| {
                t[k].as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == id || x["id"] == id)
            };
            let want = match (has("carried"), has("skipped")) {
                (true, true) => "partly",
                (true, false) => "yes",
                (false, true) => "no",
                (false, false) => "-",
            };
            assert_eq!(*cell, want, "{id} in {}: {row}", t["target"]);
        }
    }
    assert!(
        readme.contains("| contec-range | cidr | 202.114.4.0/24 |"),
        "{readme}"
    );
}

#[test]
fn verify_accepts_the_bundle_and_names_any_changed_file() {
    let a = make_bundle("bundle-verify");
    let o = iocc(&["verify", s(&a)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ok: "), "{}", stdout(&o));

    // One changed byte of the archive: the .sha256 sidecar names the archive.
    let mut bytes = std::fs::read(&a).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&a, &bytes).unwrap();
    let o = iocc(&["verify", s(&a)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bundle-mismatch"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`contec-cms8000-1.5.0.tar.gz` does not match the sha256"),
        "{}",
        stderr(&o)
    );

    // One changed byte inside each file, repacked without sidecars: the file is named.
    let good = make_bundle("bundle-verify-good");
    let files = unpack(&good);
    let dir = scratch("bundle-verify-tampered");
    for (path, bytes) in &files {
        let mut tampered = files.clone();
        let mut b = bytes.clone();
        let i = b.len() / 2;
        b[i] ^= 0x20;
        tampered.insert(path.clone(), b);
        let archive = dir.join("t.tar.gz");
        std::fs::write(&archive, iocc::bundle::archive(&tampered, 0).unwrap()).unwrap();
        let o = iocc(&["verify", s(&archive)]);
        assert_eq!(o.status.code(), Some(1), "changed {path} was accepted");
        let named = if path == "manifest.json" {
            stderr(&o).contains("`manifest.json`")
                || stderr(&o).contains("does not match its sha256")
        } else {
            stderr(&o).contains(&format!("`{path}` does not match its sha256"))
        };
        assert!(named, "{path}: {}", stderr(&o));
    }
    // An extra file is refused too.
    let mut extra = files.clone();
    extra.insert(
        "rules/extra.rules".into(),
        b"alert ip any any -> any any (sid:9;)\n".to_vec(),
    );
    let archive = dir.join("extra.tar.gz");
    std::fs::write(&archive, iocc::bundle::archive(&extra, 0).unwrap()).unwrap();
    let o = iocc(&["verify", s(&archive)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`rules/extra.rules` is not listed"),
        "{}",
        stderr(&o)
    );
}

#[test]
#[cfg_attr(
    iocc_missing = "stix2_validator",
    ignore = "engine `stix2_validator` is not installed"
)]
fn stix_bundle_passes_the_strict_validator() {
    let Some(validator) = engine("stix2_validator") else {
        return;
    };
    let a = make_bundle("bundle-stix");
    let dir = scratch("bundle-stix-extracted");
    extract_to(&a, &dir);
    for file in [root().join(STIX), dir.join("stix/contec-cms8000.json")] {
        let o = Command::new(&validator)
            .args(["--strict", "--strict-properties", s(&file)])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("STIX JSON: Valid"), "{}", stdout(&o));
    }
}

#[test]
fn stix_bundle_content() {
    let text = std::fs::read_to_string(root().join(STIX)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let objects = v["objects"].as_array().unwrap();
    let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "objects sorted by id");
    let of = |t: &'static str| objects.iter().filter(move |o| o["type"] == t);
    // 6 indicators + 8 detections as STIX patterns, plus the Suricata rules when built.
    let stix_patterns = of("indicator")
        .filter(|o| o["pattern_type"] == "stix")
        .count();
    assert_eq!(stix_patterns, 14);
    assert_eq!(of("vulnerability").count(), 4);
    assert_eq!(of("identity").count(), 1);
    let patterns: Vec<&str> = of("indicator")
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    for p in [
        "[ipv4-addr:value ISSUBSET '202.114.4.0/24']",
        "[ipv4-addr:value = '202.114.4.119']",
        "[file:hashes.'SHA-256' = '4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad']",
        "[network-traffic:dst_ref.value = '202.114.4.119' AND network-traffic:protocols[*] = 'tcp' AND network-traffic:dst_port >= 515 AND network-traffic:dst_port <= 520]",
    ] {
        assert!(patterns.contains(&p), "missing {p}");
    }
    for o in of("vulnerability") {
        let refs = o["external_references"].as_array().unwrap();
        assert_eq!(refs[0]["source_name"], "cve");
        assert_eq!(refs[0]["external_id"], o["name"]);
        assert_eq!(refs[1]["source_name"], "cwe");
    }
    for o in objects.iter().filter(|o| o["type"] != "marking-definition") {
        assert_eq!(o["created"], "2025-01-30T00:00:00.000Z");
        assert_eq!(o["modified"], "2025-02-25T00:00:00.000Z");
    }
    // Every relationship points at objects of the bundle.
    for r in of("relationship") {
        assert_eq!(r["relationship_type"], "related-to");
        assert!(ids.contains(&r["source_ref"].as_str().unwrap()));
        assert!(ids.contains(&r["target_ref"].as_str().unwrap()));
    }
    // Suricata rules: one `pattern_type: suricata` indicator per rule line, or a skip.
    let rules: Vec<String> = iocc::output::read_tree(&root().join("out/contec-cms8000"))
        .iter()
        .filter(|(p, _)| p.starts_with("suricata/") && p.ends_with(".rules"))
        .flat_map(|(_, b)| {
            String::from_utf8_lossy(b)
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|l| l.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let suricata: Vec<&str> = of("indicator")
        .filter(|o| o["pattern_type"] == "suricata")
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(suricata.len(), rules.len());
    for r in &rules {
        assert!(suricata.contains(&r.as_str()), "rule not published: {r}");
    }
    if rules.is_empty() {
        let o = iocc(&["build", "--check", "--format", "json"]);
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        let stix = report["report"]["catalogues"][0]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["target"] == "stix")
            .unwrap()
            .clone();
        assert_eq!(stix["skipped"][0]["id"], "suricata-rules", "{stix}");
    }
}

#[test]
fn stix_has_one_indicator_per_bulk_entry() {
    let dir = scratch("bundle-stix-bulk");
    std::fs::write(
        dir.join("feed.txt"),
        "# feed\n198.51.100.7\n203.0.113.0/24\n2001:db8:1::/48\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(root().join(CATALOGUE)).unwrap();
    let text = text.replace(
        "\ndetections:\n",
        "\nbulk:\n  - id: feed\n    path: feed.txt\n    kind: address\n    role: Merged feed\n    confidence: sourced\n    cves: [CVE-2025-0626]\n    references: [https://example.com/feed]\n\ndetections:\n",
    );
    std::fs::write(dir.join("cat.yaml"), text).unwrap();
    let out = dir.join("out");
    let o = iocc(&[
        "build",
        s(&dir.join("cat.yaml")),
        "--target",
        "stix",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    let file = out.join("contec-cms8000/stix/contec-cms8000.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let objects = v["objects"].as_array().unwrap();
    let feed: Vec<&Value> = objects
        .iter()
        .filter(|o| {
            o["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("Merged feed: "))
        })
        .collect();
    let mut patterns: Vec<&str> = feed
        .iter()
        .map(|o| o["pattern"].as_str().unwrap())
        .collect();
    patterns.sort();
    assert_eq!(
        patterns,
        [
            "[ipv4-addr:value = '198.51.100.7']",
            "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
            "[ipv6-addr:value ISSUBSET '2001:db8:1::/48']",
        ]
    );
    assert!(feed
        .iter()
        .any(|o| o["description"] == "Merged feed (line 3 of bulk list `feed`)."));
    let vuln = objects
        .iter()
        .find(|o| o["name"] == "CVE-2025-0626")
        .unwrap();
    for f in &feed {
        assert!(objects
            .iter()
            .any(|r| r["source_ref"] == f["id"] && r["target_ref"] == vuln["id"]));
    }
    if let Some(validator) = engine("stix2_validator") {
        let o = Command::new(&validator)
            .args(["--strict", "--strict-properties", s(&file)])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    }
}

/// A catalogue whose every text field is hostile; returns its path.
pub(crate) fn hostile_catalogue(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join(CATALOGUE)).unwrap();
    let mut y: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let evil =
        "q'uote\" \\back; semi) \"; sid:1; rev:1;)\n| pipe `tick` <b>x</b> [l](u)\ttab é 漢 ]'";
    let short: String = evil.repeat(3).chars().take(200).collect();
    let long: String = evil.repeat(100).chars().take(4000).collect();
    let set = |v: &mut serde_yaml::Value, key: &str, val: &str| {
        if let Some(m) = v.as_mapping_mut() {
            m.insert(key.into(), val.into());
        }
    };
    set(&mut y, "title", &short);
    set(&mut y, "description", &long);
    set(&mut y, "publisher", &short);
    for list in ["indicators", "detections"] {
        for item in y[list].as_sequence_mut().unwrap() {
            if list == "indicators" {
                set(item, "role", &short);
            } else {
                set(item, "title", &short);
            }
            set(item, "description", &long);
        }
    }
    for cve in y["advisory"]["cves"].as_sequence_mut().unwrap() {
        set(cve, "summary", &long);
    }
    let url: serde_yaml::Value = serde_yaml::from_str(
        "{id: evil-url, kind: url, value: \"http://evil.example/a'b\\\\c;)?x=1\", confidence: sourced, references: [\"https://example.com/a'b\"]}",
    )
    .unwrap();
    y["indicators"].as_sequence_mut().unwrap().push(url);
    let path = dir.join("hostile.yaml");
    std::fs::write(&path, serde_yaml::to_string(&y).unwrap()).unwrap();
    path
}

#[test]
fn hostile_strings_keep_the_stix_bundle_and_readme_intact() {
    let dir = scratch("bundle-hostile");
    let cat = hostile_catalogue(&dir);
    let out = dir.join("out");
    let o = iocc(&["build", s(&cat), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    let text =
        std::fs::read_to_string(out.join("contec-cms8000/stix/contec-cms8000.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let objects = v["objects"].as_array().unwrap();
    let url = objects
        .iter()
        .find(|o| {
            o["pattern"]
                .as_str()
                .is_some_and(|p| p.starts_with("[url:"))
        })
        .expect("url indicator");
    assert_eq!(
        url["pattern"],
        r"[url:value = 'http://evil.example/a\'b\\c;)?x=1']"
    );
    // Every hostile text survives exactly, as data.
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cat).unwrap()).unwrap();
    let role = yaml["indicators"][0]["role"].as_str().unwrap();
    let desc = yaml["indicators"][0]["description"].as_str().unwrap();
    assert!(objects
        .iter()
        .any(|o| o["name"] == role && o["description"] == desc));
    // One STIX pattern per indicator (the URL included) and per detection: no object lost or
    // split by a hostile value.
    let items = yaml["indicators"].as_sequence().unwrap().len()
        + yaml["detections"].as_sequence().unwrap().len();
    assert_eq!(
        objects
            .iter()
            .filter(|o| o["type"] == "indicator" && o["pattern_type"] == "stix")
            .count(),
        items
    );
    assert_eq!(
        objects.iter().filter(|o| o["type"] == "identity").count(),
        1
    );
    assert!(objects
        .iter()
        .any(|o| o["type"] == "identity" && o["name"] == yaml["publisher"].as_str().unwrap()));
    if let Some(validator) = engine("stix2_validator") {
        let file = out.join("contec-cms8000/stix/contec-cms8000.json");
        let o = Command::new(&validator)
            .args(["--strict", "--strict-properties", s(&file)])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    }
    // The bundle README: every coverage row keeps its column count.
    let dist = dir.join("dist");
    let o = iocc(&["bundle", s(&cat), "--out", s(&dist)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = unpack(&dist.join("contec-cms8000-1.5.0.tar.gz"));
    let readme = String::from_utf8(files["README.md"].clone()).unwrap();
    let unescaped_pipes = |l: &str| {
        let b = l.as_bytes();
        (0..b.len())
            .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
            .count()
    };
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| Item |"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    let columns = unescaped_pipes(table[0]);
    assert_eq!(
        table.len(),
        2 + items,
        "header, rule, then one row per indicator and per detection"
    );
    for l in &table {
        assert_eq!(unescaped_pipes(l), columns, "{l}");
    }
    assert!(!readme.contains("<b>"), "html is escaped");
    let o = iocc(&["verify", s(&dist.join("contec-cms8000-1.5.0.tar.gz"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
#[cfg_attr(
    iocc_missing = "medallion",
    ignore = "engine `medallion` is not installed"
)]
fn taxii_server_accepts_the_stix_bundle() {
    let Some(medallion) = engine("medallion") else {
        return;
    };
    let python = venv().join("bin").join("python");
    let dir = scratch("bundle-taxii");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let data = serde_json::json!({
        "/discovery": {"title": "iocc test", "default": format!("{base}/iocs/"), "api_roots": [format!("{base}/iocs/")]},
        "iocs": {
            "information": {"title": "IoC API root", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 104_857_600},
            "status": [],
            "collections": [{"id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "title": "iocc", "can_read": true,
                "can_write": true, "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]
        }
    });
    std::fs::write(dir.join("data.json"), data.to_string()).unwrap();
    let conf = serde_json::json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": s(&dir.join("data.json"))},
        "users": {"ci": "ci-password"},
        "taxii": {"max_page_size": 100}
    });
    std::fs::write(dir.join("medallion.json"), conf.to_string()).unwrap();
    let log = std::fs::File::create(dir.join("medallion.log")).unwrap();
    let mut server = Command::new(&medallion)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(dir.join("medallion.json"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start medallion");
    // Wait until it listens (bounded number of attempts, not a timing assertion).
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let result = up.then(|| {
        Command::new(&python)
            .arg(root().join("tests/taxii/roundtrip.py"))
            .args([
                &format!("{base}/taxii2/"),
                "ci",
                "ci-password",
                s(&root().join(STIX)),
            ])
            .output()
            .unwrap()
    });
    let _ = server.kill();
    let _ = server.wait();
    let o = result
        .expect("medallion did not start; see target/test-scratch/bundle-taxii/medallion.log");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let got: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(STIX)).unwrap()).unwrap();
    let mut want: Vec<&str> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "indicator")
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    want.sort();
    let returned: Vec<&str> = got["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(returned, want);
    assert_eq!(got["failed"], 0);
}

#[test]
#[cfg_attr(
    any(iocc_missing = "suricata-update", iocc_missing = "suricata"),
    ignore = "engine `suricata-update` or `suricata` is not installed"
)]
fn suricata_update_ingests_the_bundle() {
    let a = make_bundle("bundle-suricata-update");
    let files = unpack(&a);
    let rules: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("rules/") && k.ends_with(".rules"))
        .collect();
    if !target_expected("suricata") {
        assert!(
            rules.is_empty(),
            "rules without a suricata target: {rules:?}"
        );
        return;
    }
    assert!(
        !rules.is_empty(),
        "the suricata target produced no rules/ file"
    );
    let (Some(update), Some(suricata)) = (engine("suricata-update"), engine("suricata")) else {
        return;
    };
    let dir = a.parent().unwrap().to_path_buf();
    let data = dir.join("data");
    let merged = dir.join("merged");
    let run = || {
        Command::new(&update)
            .args(["-c", "/dev/null", "--no-test", "--no-reload", "-v"])
            .args(["--suricata-conf", "/etc/suricata/suricata.yaml"])
            .args(["--url", &format!("file://{}", a.display())])
            .args(["-D", s(&data), "-o", s(&merged)])
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let all = std::fs::read_to_string(merged.join("suricata.rules")).unwrap();
    for r in &rules {
        for line in String::from_utf8_lossy(&files[*r]).lines() {
            if let Ok(Some(rule)) = iocc::rules::read::read_line(line) {
                assert!(
                    all.lines().any(|l| iocc::rules::read::read_line(l)
                        .ok()
                        .flatten()
                        .is_some_and(|m| m.sid() == rule.sid() && m.rev() == rule.rev())),
                    "sid {:?} missing from the merged rules",
                    rule.sid()
                );
            }
        }
    }
    let log = dir.join("suricata-log");
    std::fs::create_dir_all(&log).unwrap();
    let o = Command::new(&suricata)
        .args(["-T", "-c", "/etc/suricata/suricata.yaml", "-S"])
        .arg(merged.join("suricata.rules"))
        .arg("-l")
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("E: "), "{}", stderr(&o));
    // The .md5 beside the archive: an aged cache entry with the same md5 is not fetched again.
    for e in std::fs::read_dir(data.join("update/cache")).unwrap() {
        let f = std::fs::File::options()
            .write(true)
            .open(e.unwrap().path())
            .unwrap();
        f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
            .unwrap();
    }
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert!(text.contains("Remote checksum has not changed"), "{text}");
}

#[test]
#[cfg_attr(iocc_missing = "zkg", ignore = "engine `zkg` is not installed")]
fn zkg_installs_the_zeek_package_from_the_bundle() {
    let a = make_bundle("bundle-zkg");
    let files = unpack(&a);
    let zeek: Vec<&String> = files.keys().filter(|k| k.starts_with("zeek/")).collect();
    if !target_expected("zeek") {
        assert!(
            zeek.is_empty(),
            "zeek files without a zeek target: {zeek:?}"
        );
        return;
    }
    assert!(
        files.contains_key("zeek/zkg.meta"),
        "no zeek/zkg.meta in {zeek:?}"
    );
    let Some(zkg) = engine("zkg") else {
        return;
    };
    let Some(git) = engine("git") else {
        return;
    };
    let dir = a.parent().unwrap().to_path_buf();
    let extracted = dir.join("extracted");
    extract_to(&a, &extracted);
    let pkg = extracted.join("zeek");
    // zkg installs from a git repository with a clean, committed tree.
    for args in [
        vec!["init", "-q"],
        vec!["add", "-A"],
        vec![
            "-c",
            "user.name=iocc",
            "-c",
            "user.email=iocc@invalid",
            "commit",
            "-q",
            "-m",
            "bundle",
        ],
    ] {
        let o = Command::new(&git)
            .args(&args)
            .current_dir(&pkg)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "git {args:?}: {}", stderr(&o));
    }
    let state = dir.join("zkg-state");
    let config = format!(
        "[sources]\n[paths]\nstate_dir = {0}\nscript_dir = {0}/script_dir\nplugin_dir = {0}/plugin_dir\nbin_dir = {0}/bin\nzeek_dist =\n",
        state.display()
    );
    std::fs::write(dir.join("zkg.config"), config).unwrap();
    let o = Command::new(&zkg)
        .arg("--configfile")
        .arg(dir.join("zkg.config"))
        .args(["install", "--force", "--skiptests"])
        .arg(&pkg)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        std::fs::read_dir(state.join("script_dir")).unwrap().count() > 0,
        "zkg installed no scripts"
    );
}

/// A scratch project with the catalogue and a fresh `out/`.
fn project(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    std::fs::copy(root().join(CATALOGUE), dir.join(CATALOGUE)).unwrap();
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    dir
}

fn codes(o: &Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&o.stdout).expect("json on stdout");
    v["diagnostics"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn ci_mode_fails_on_stale_output_unbumped_version_and_lock_changes() {
    let dir = project("bundle-ci");
    let ci = ["build", "--locked", "--check", "--format", "json"];
    let o = iocc_in(&dir, &ci);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("out/contec-cms8000/VERSION")).unwrap(),
        "1.5.0\n"
    );

    // A changed catalogue, same version: stale and not bumped.
    let cat = dir.join(CATALOGUE);
    let text = std::fs::read_to_string(&cat).unwrap();
    let changed = text.replace(
        "role: Hard-coded HL7 server",
        "role: Hard-coded HL7 server (MLLP)",
    );
    assert_ne!(changed, text);
    std::fs::write(&cat, &changed).unwrap();
    let o = iocc_in(&dir, &ci);
    assert_eq!(o.status.code(), Some(1));
    let c = codes(&o);
    assert!(c.contains(&"stale-output".to_owned()), "{c:?}");
    assert!(c.contains(&"version-not-bumped".to_owned()), "{c:?}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);

    // A plain build writes it but warns that the version was not bumped.
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("version-not-bumped"), "{}", stderr(&o));

    // Bumped version: only stale until rebuilt, then clean.
    std::fs::write(&cat, changed.replace("version: 1.5.0", "version: 1.6.0")).unwrap();
    let o = iocc_in(&dir, &ci);
    assert_eq!(o.status.code(), Some(1));
    let c = codes(&o);
    assert!(c.contains(&"stale-output".to_owned()), "{c:?}");
    assert!(!c.contains(&"version-not-bumped".to_owned()), "{c:?}");
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("version-not-bumped"), "{}", stderr(&o));
    let o = iocc_in(&dir, &ci);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // A lock that would change (targets that keep state, e.g. the Suricata SID lock).
    let locks: Vec<PathBuf> = std::fs::read_dir(dir.join("iocs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|x| x != "yaml"))
        .collect();
    if locks.is_empty() {
        eprintln!("\n!!!!!!!! NOT EXERCISED: no registered target writes a lock file yet; lock-changed is not tested here !!!!!!!!\n");
    }
    for lock in locks {
        std::fs::remove_file(&lock).unwrap();
        let o = iocc_in(&dir, &ci);
        assert_eq!(o.status.code(), Some(1));
        assert!(codes(&o).contains(&"lock-changed".to_owned()));
        assert!(!lock.exists(), "--locked wrote the lock");
        let o = iocc_in(&dir, &["bundle", "--out", "dist"]);
        assert_eq!(o.status.code(), Some(1), "bundle refuses a changing lock");
        let o = iocc_in(&dir, &["build"]);
        assert_eq!(o.status.code(), Some(0));
    }
}

#[test]
fn changelog_lists_added_removed_and_changed_items() {
    let dir = scratch("bundle-changelog");
    let text = std::fs::read_to_string(root().join(CATALOGUE)).unwrap();
    let old = dir.join("old.yaml");
    std::fs::write(&old, &text).unwrap();
    let new_text = text
        .replace("version: 1.5.0", "version: 1.6.0")
        .replace("role: Hard-coded HL7 server", "role: Hard-coded HL7 (MLLP) server")
        .replace(
            "detections:\n",
            "  - id: update-url\n    kind: url\n    value: http://202.114.4.119/update.bin\n    confidence: inferred\n    references: [https://example.com/x]\n\ndetections:\n",
        );
    let new = dir.join("new.yaml");
    std::fs::write(&new, &new_text).unwrap();
    let o = iocc(&["changelog", s(&old), s(&new)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.starts_with("# contec-cms8000 1.5.0 → 1.6.0\n"), "{md}");
    assert!(
        md.contains(
            "## Indicators\n\n### Added\n\n- update-url: url http://202.114.4.119/update.bin\n"
        ),
        "{md}"
    );
    assert!(md.contains("### Changed\n\n- hl7-server: ipv4 202.114.4.120: meta.role Hard-coded HL7 server → Hard-coded HL7 (MLLP) server\n"), "{md}");
    assert!(!md.contains("### Removed"), "{md}");
    // Same catalogue twice: nothing to report.
    let o = iocc(&["changelog", s(&old), s(&old)]);
    assert!(stdout(&o).contains("changed.\n"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("\nNo indicator, detection, rule"),
        "{}",
        stdout(&o)
    );
}

/// `--format json` prints ONE JSON document (regression: `bundle`, `verify` and `changelog` printed
/// the diagnostics object followed by a second document, or by Markdown).
#[test]
fn json_format_prints_one_document() {
    let dir = scratch("bundle-json-one-document");
    let doc = |o: &Output| -> Value {
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", stdout(o)))
    };
    let o = iocc(&["--format", "json", "bundle", CATALOGUE, "--out", s(&dir)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = doc(&o);
    assert_eq!(b["ok"], true);
    assert_eq!(b["bundles"][0]["catalogue"], "contec-cms8000");
    assert_eq!(b["diagnostics"]["errors"], 0);
    let archive = dir.join("contec-cms8000-1.5.0.tar.gz");
    let o = iocc(&["--format", "json", "verify", s(&archive)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = doc(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["verify"]["catalogue"], "contec-cms8000");
    // A damaged bundle: still one document, `ok` false, the problem in the diagnostics.
    let mut bytes = std::fs::read(&archive).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let bad = dir.join("bad.tar.gz");
    std::fs::write(&bad, bytes).unwrap();
    let o = iocc(&["--format", "json", "verify", s(&bad)]);
    assert_eq!(o.status.code(), Some(1));
    let v = doc(&o);
    assert_eq!(v["ok"], false);
    assert!(v["diagnostics"]["errors"].as_u64().unwrap() > 0, "{v}");
    let o = iocc(&["--format", "json", "changelog", CATALOGUE, CATALOGUE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let c = doc(&o);
    assert_eq!(c["ok"], true);
    assert!(
        c["changelog"]
            .as_str()
            .unwrap()
            .contains("\nNo indicator, detection, rule"),
        "{c}"
    );
}

/// An item a target carries with a limit reads `partly`, not `no` (regression: an outbound-only block
/// address, which the firewall blocks in both directions, read `no` in the firewall column
/// although every firewall file blocks it).
#[test]
fn coverage_table_marks_partly_carried_items() {
    let dir = scratch("bundle-coverage-partly");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    std::fs::write(
        dir.join("iocs/partly.yaml"),
        "id: partly\nversion: 1.0.0\ntitle: Partly\npublisher: iocc tests\ntlp: clear\nadvisory:\n  id: TEST-P\n  title: p\n  issuer: iocc tests\n  published: 2026-01-01\n  modified: 2026-01-01\n  references: [https://example.org/x]\nindicators:\n  - {id: out-only, kind: ipv4, value: 81.2.69.142, direction: outbound, confidence: sourced, references: [https://example.org/x]}\n",
    )
    .unwrap();
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The build report says the item is carried, with its limit.
    assert!(
        stdout(&o)
            .contains("    carried in part:\n      - out-only: direction `outbound` is not kept"),
        "{}",
        stdout(&o)
    );
    assert!(
        std::fs::read_to_string(dir.join("out/partly/firewall/partly.nft"))
            .unwrap()
            .contains("81.2.69.142"),
        "the firewall blocks the address"
    );
    let o = iocc_in(&dir, &["bundle", "--out", "dist"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = unpack(&dir.join("dist/partly-1.0.0.tar.gz"));
    let readme = String::from_utf8(files["README.md"].clone()).unwrap();
    let header = readme.lines().find(|l| l.starts_with("| Item |")).unwrap();
    let col = header
        .split(" | ")
        .position(|c| c.trim() == "firewall")
        .expect("firewall column");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| out-only |"))
        .unwrap();
    assert_eq!(
        row.split(" | ").nth(col).map(str::trim),
        Some("partly"),
        "{row}"
    );
    assert!(
        readme.contains("| firewall | out-only | in part | direction"),
        "{readme}"
    );
}
