//! The MISP feed target, checked against MISP's own tools (PyMISP, `tests/misp/check.py`):
//! events load and are written back unchanged, every (category, type) pair is one
//! `describeTypes.json` allows, values are valid and canonical, objects follow their
//! templates, and `feed_meta_generator` rebuilds the same manifest and hashes. Also: bulk
//! lists in their own events, stable uuids across versions, hostile strings kept as values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The venv's Python with PyMISP, or a loud skip.
fn pymisp() -> Option<PathBuf> {
    let python = venv().join("bin").join("python");
    let ok = python.is_file()
        && Command::new(&python)
            .args(["-c", "import pymisp"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        skip_or_fail("PyMISP (`pymisp` in the test venv)", "it is not installed");
        return None;
    }
    Some(python)
}

/// Runs `tests/misp/check.py` on a feed folder; returns its report.
fn check_feed(python: &Path, feed: &Path) -> Value {
    let o = Command::new(python)
        .arg(root().join("tests/misp/check.py"))
        .arg(feed)
        .output()
        .expect("run check.py");
    let report: Value = serde_json::from_str(stdout(&o).trim()).unwrap_or_else(|e| {
        panic!(
            "check.py printed no report ({e}): {}{}",
            stdout(&o),
            stderr(&o)
        )
    });
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        serde_json::to_string_pretty(&report["problems"]).unwrap(),
        stderr(&o)
    );
    report
}

/// Builds `catalogue` with `targets` into a scratch folder; returns the misp folder.
fn build(name: &str, catalogue: &Path, targets: &[&str]) -> PathBuf {
    let out = scratch(name).join("out");
    let mut args = vec!["build", s(catalogue), "--out", s(&out)];
    for t in targets {
        args.extend(["--target", t]);
    }
    let o = iocc(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    let id = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    out.join(id).join("misp")
}

/// The events of a feed folder, by uuid.
fn events(feed: &Path) -> BTreeMap<String, Value> {
    std::fs::read_dir(feed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| !p.ends_with("manifest.json"))
        .map(|p| {
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

fn attributes(e: &Value) -> Vec<&Value> {
    e["Event"]["Attribute"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

#[test]
#[cfg_attr(iocc_missing = "pymisp", ignore = "engine `pymisp` is not installed")]
fn every_pair_iocc_writes_is_in_describe_types() {
    let Some(python) = pymisp() else { return };
    let o = Command::new(&python)
        .args([
            "-c",
            "import json, pathlib, pymisp; print(json.dumps(json.loads((pathlib.Path(pymisp.__file__).parent / 'data' / 'describeTypes.json').read_text())['result']['category_type_mappings']))",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let table: Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in iocc::targets::misp::kinds::ALL {
        let allowed = table[k.category]
            .as_array()
            .unwrap_or_else(|| panic!("no category {:?} in describeTypes", k.category));
        assert!(
            allowed.iter().any(|t| t == k.kind),
            "describeTypes does not allow type {} in category {:?}",
            k.kind,
            k.category
        );
    }
}

/// The rule lines of the committed Contec pack.
fn committed_rules() -> Vec<String> {
    std::fs::read_to_string(root().join("out/contec-cms8000/suricata/contec-cms8000.rules"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The MOUNT detection's object says its Sun RPC call in its text.
fn assert_detection_text(objects: &[Value]) {
    let mount = objects
        .iter()
        .find(|o| o["comment"] == "NFS MOUNT of /pm from hard-coded update host")
        .unwrap();
    let text = mount["Attribute"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object_relation"] == "text")
        .unwrap();
    assert!(
        text["value"]
            .as_str()
            .unwrap()
            .contains("Sun RPC program 100005 (mount), procedure 1, path /pm"),
        "{text}"
    );
}

#[test]
fn the_committed_contec_feed_passes_pymisp() {
    let feed = root().join("out/contec-cms8000/misp");
    assert!(
        feed.join("manifest.json").is_file(),
        "out/ holds no MISP feed: run `iocc build`"
    );
    let evs = events(&feed);
    assert_eq!(evs.len(), 1, "no bulk list: one event");
    let (uuid, e) = evs.iter().next().unwrap();
    let ev = &e["Event"];
    assert_eq!(
        ev["info"],
        "ICSMA-25-030-01: Contec Health CMS8000 Patient Monitor (Update A)"
    );
    assert_eq!(ev["Orgc"]["name"], "iocc catalogue maintainers");
    assert_eq!(ev["date"], "2025-01-30");
    assert_eq!(ev["timestamp"], "1740441600", "midnight UTC of 2025-02-25");
    assert_eq!(ev["threat_level_id"], "1");
    assert_eq!(ev["distribution"], "3", "TLP:CLEAR");
    let tags: Vec<&str> = ev["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "tlp:clear",
            "CVE-2024-12248",
            "CVE-2025-0626",
            "CVE-2025-0683",
            "CVE-2025-1204"
        ]
    );
    let attrs = attributes(e);
    let find = |kind: &str, value: &str| {
        attrs
            .iter()
            .find(|a| a["type"] == kind && a["value"] == value)
            .unwrap_or_else(|| panic!("no {kind} {value}"))
    };
    // Both directions: ip-dst and ip-src; block -> to_ids; the role as comment.
    let dst = find("ip-dst", "202.114.4.119");
    assert_eq!(dst["to_ids"], true);
    assert_eq!(
        dst["comment"],
        "Hard-coded CMS server and NFS update source"
    );
    assert_eq!(dst["first_seen"], "2025-01-30T00:00:00+00:00");
    find("ip-src", "202.114.4.119");
    find("ip-dst", "202.114.4.0/24");
    // A monitored port range: one port attribute per port, not for IDS.
    for p in 515..=520 {
        assert_eq!(find("port", &p.to_string())["to_ids"], false);
    }
    assert_eq!(
        find(
            "sha256",
            "4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad"
        )["to_ids"],
        true
    );
    // Detections pair hosts and ports.
    find("ip-dst|port", "202.114.4.120|511");
    find("ip-dst|port", "202.114.4.119|2049");
    find("vulnerability", "CVE-2025-0626");
    // One snort attribute per Suricata rule of the pack.
    let rules = committed_rules();
    let snort: Vec<&str> = attrs
        .iter()
        .filter(|a| a["type"] == "snort")
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!(snort, rules);
    // One ip-port object per detection and protocol.
    let objects = ev["Object"].as_array().unwrap();
    assert_eq!(objects.len(), 11);
    assert_detection_text(objects);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(feed.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest[uuid.as_str()]["info"], ev["info"]);
    let Some(python) = pymisp() else { return };
    let report = check_feed(&python, &feed);
    assert_eq!(report["events"], 1);
    assert_eq!(report["types"]["snort"], rules.len());
}

#[test]
#[cfg_attr(iocc_missing = "pymisp", ignore = "engine `pymisp` is not installed")]
fn every_kind_and_bulk_lists_in_their_own_events() {
    let feed = build(
        "misp-every-kind",
        &root().join("tests/fixtures/good/every-kind.yaml"),
        &["suricata", "misp"],
    );
    let evs = events(&feed);
    assert_eq!(evs.len(), 5, "the catalogue's event and one per bulk list");
    let main = evs
        .values()
        .find(|e| e["Event"]["extends_uuid"] == "")
        .expect("the catalogue's event");
    let main_uuid = main["Event"]["uuid"].as_str().unwrap();
    assert_eq!(main["Event"]["distribution"], "0", "TLP:AMBER+STRICT");
    for e in evs.values().filter(|e| e["Event"]["uuid"] != main_uuid) {
        assert_eq!(e["Event"]["extends_uuid"], main_uuid);
    }
    let text_feed = evs
        .values()
        .find(|e| {
            e["Event"]["info"]
                .as_str()
                .unwrap()
                .contains("bulk list `feed-text`")
        })
        .unwrap();
    let values: Vec<(&str, &str)> = attributes(text_feed)
        .iter()
        .map(|a| (a["type"].as_str().unwrap(), a["value"].as_str().unwrap()))
        .collect();
    // Value order, IPv4 first; direction `both` gives ip-dst and ip-src.
    assert_eq!(
        values,
        [
            ("ip-dst", "203.0.113.0/28"),
            ("ip-src", "203.0.113.0/28"),
            ("ip-dst", "203.0.113.5"),
            ("ip-src", "203.0.113.5"),
            ("ip-dst", "2001:db8:1::/48"),
            ("ip-src", "2001:db8:1::/48"),
            ("ip-dst", "2001:db8:2::10"),
            ("ip-src", "2001:db8:2::10"),
        ]
    );
    let domains = evs
        .values()
        .find(|e| {
            e["Event"]["info"]
                .as_str()
                .unwrap()
                .contains("`feed-domains`")
        })
        .unwrap();
    assert!(attributes(domains)
        .iter()
        .any(|a| a["type"] == "domain" && a["value"] == "update.example.net"));
    // Every uuid once across the feed.
    let mut uuids = BTreeSet::new();
    for e in evs.values() {
        assert!(uuids.insert(e["Event"]["uuid"].as_str().unwrap().to_owned()));
        for a in attributes(e) {
            assert!(uuids.insert(a["uuid"].as_str().unwrap().to_owned()), "{a}");
        }
    }
    let Some(python) = pymisp() else { return };
    let report = check_feed(&python, &feed);
    assert_eq!(report["events"], 5);
    for t in [
        "md5",
        "sha1",
        "sha256",
        "url",
        "domain",
        "ip-src",
        "ip-dst|port",
        "port",
        "snort",
    ] {
        assert!(
            report["types"][t].as_u64().unwrap_or(0) > 0,
            "no {t}: {report}"
        );
    }
}

#[test]
fn bulk_duplicates_are_written_once_and_uuids_survive_a_new_version() {
    let dir = scratch("misp-versions");
    std::fs::write(
        dir.join("feed.txt"),
        "198.51.100.9\n198.51.100.7\n198.51.100.9\n2001:db8::1\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(root().join("iocs/contec-cms8000.yaml")).unwrap();
    let v1 = text.replace(
        "\ndetections:\n",
        "\nbulk:\n  - id: feed\n    path: feed.txt\n    kind: address\n    direction: outbound\n    action: monitor\n    role: Merged feed\n    confidence: sourced\n    references: [https://example.com/feed]\n\ndetections:\n",
    );
    std::fs::write(dir.join("v1.yaml"), &v1).unwrap();
    let one = events(&build("misp-versions-1", &dir.join("v1.yaml"), &["misp"]));
    let bulk = one
        .values()
        .find(|e| e["Event"]["extends_uuid"] != "")
        .unwrap();
    let values: Vec<&str> = attributes(bulk)
        .iter()
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["198.51.100.7", "198.51.100.9", "2001:db8::1"]);
    assert!(attributes(bulk)
        .iter()
        .all(|a| a["type"] == "ip-dst" && a["to_ids"] == false && a["comment"] == "Merged feed"));

    // Next version: a changed role and a new modified date; the same items keep their uuids.
    let v2 = v1
        .replace("version: 1.", "version: 9.")
        .replace("modified: 2025-02-25", "modified: 2025-03-01")
        .replace(
            "role: Hard-coded HL7 server",
            "role: Hard-coded HL7 (MLLP) server",
        );
    std::fs::write(dir.join("v2.yaml"), &v2).unwrap();
    let two = events(&build("misp-versions-2", &dir.join("v2.yaml"), &["misp"]));
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    for (uuid, e1) in &one {
        let e2 = &two[uuid];
        assert_eq!(
            e2["Event"]["timestamp"], "1740787200",
            "midnight UTC of 2025-03-01"
        );
        let by_uuid = |e: &Value| -> BTreeMap<String, Value> {
            attributes(e)
                .into_iter()
                .map(|a| (a["uuid"].as_str().unwrap().to_owned(), a.clone()))
                .collect()
        };
        let (a1, a2) = (by_uuid(e1), by_uuid(e2));
        assert_eq!(a1.keys().collect::<Vec<_>>(), a2.keys().collect::<Vec<_>>());
        let changed: Vec<&Value> = a1
            .iter()
            .filter(|(k, a)| a["comment"] != a2[*k]["comment"])
            .map(|(k, _)| &a2[k])
            .collect();
        if e1["Event"]["extends_uuid"] == "" {
            assert_eq!(changed.len(), 2, "ip-dst and ip-src of hl7-server");
            assert!(changed.iter().all(|a| a["value"] == "202.114.4.120"));
        }
    }
}

#[test]
#[cfg_attr(iocc_missing = "pymisp", ignore = "engine `pymisp` is not installed")]
fn hostile_strings_stay_inside_their_json_values() {
    let dir = scratch("misp-hostile");
    let cat = crate::bundle::hostile_catalogue(&dir);
    let feed = build("misp-hostile-out", &cat, &["suricata", "misp"]);
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cat).unwrap()).unwrap();
    let evs = events(&feed);
    let e = evs.values().next().unwrap();
    let ev = &e["Event"];
    assert_eq!(ev["Orgc"]["name"], yaml["publisher"].as_str().unwrap());
    let role = yaml["indicators"][0]["role"].as_str().unwrap();
    assert!(
        role.contains('\n') && role.contains('"'),
        "the fixture is hostile"
    );
    let attrs = attributes(e);
    assert!(attrs.iter().any(|a| a["comment"] == role));
    let title = yaml["detections"][0]["title"].as_str().unwrap();
    assert!(ev["Object"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["comment"] == title));
    assert!(attrs
        .iter()
        .any(|a| a["type"] == "url" && a["value"] == "http://evil.example/a'b\\c;)?x=1"));
    // Every line of the event is one JSON value or a structural line: no string broke out.
    let text = std::fs::read_to_string(feed.join(format!("{}.json", ev["uuid"].as_str().unwrap())))
        .unwrap();
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with('{') && l.len() > 2)
    {
        let item = line.trim().trim_end_matches(',');
        serde_json::from_str::<Value>(item).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let Some(python) = pymisp() else { return };
    check_feed(&python, &feed);
}
