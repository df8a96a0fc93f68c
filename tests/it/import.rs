//! `iocc import` end to end: every source format (fixtures written from the published column
//! and field lists, with hostile values) imports into a catalogue that checks and builds;
//! hostile values are reported at their file:line; re-importing changes nothing; `--into`
//! adds without touching what is there; iocc's own STIX output round-trips; patterns the
//! catalogue cannot express are named.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use iocc::diag::SourceCache;
use iocc::model::{Catalogue, Observable};

use crate::common::*;

const FIXTURES: &str = "tests/fixtures/import";

/// Every source fixture, with a value it must import and a known-benign value it must leave
/// out (`None` where the fixture has none).
const SOURCES: &[(&str, &str, Option<&str>)] = &[
    ("threatfox.csv", "45.95.147.10", Some("google.com")),
    ("threatfox.json", "193.142.146.20", Some("1.1.1.1")),
    (
        "urlhaus.csv",
        "http://45.95.147.12/bins/mozi.m",
        Some("https://www.google.com/url?q=x"),
    ),
    ("feodo.csv", "162.243.103.246", Some("8.8.4.4")),
    ("feodo.json", "185.117.73.15", Some("1.1.1.1")),
    ("misp-event.json", "193.142.146.21", Some("8.8.8.8")),
    ("misp-feed", "193.142.146.30", None),
    ("stix-bundle.json", "193.142.146.40", Some("www.google.com")),
    ("list.txt", "193.142.146.50", Some("8.8.8.8")),
    ("list.csv", "193.142.146.51", Some("1.1.1.1")),
];

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

fn load(path: &Path) -> Catalogue {
    let mut cache = SourceCache::default();
    let loaded = iocc::load::load_catalogue(
        path,
        iocc::build::today(),
        &iocc::targets::names(),
        &mut cache,
    );
    loaded
        .catalogue
        .unwrap_or_else(|| panic!("{} does not load: {:?}", path.display(), loaded.diagnostics))
}

/// (kind, value) of every indicator and bulk entry.
fn values(c: &Catalogue) -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = c
        .indicators
        .iter()
        .map(|i| (i.observable.kind().to_owned(), i.observable.value()))
        .collect();
    for b in &c.bulk {
        for (n, _) in b.networks.iter() {
            let o = Observable::of_net(n);
            out.insert((o.kind().to_owned(), o.value()));
        }
        for (d, _) in b.domains.iter() {
            out.insert(("domain".into(), d.to_owned()));
        }
    }
    out
}

fn import(dir: &Path, source: &str, out: &str, extra: &[&str]) -> std::process::Output {
    let src = root().join(FIXTURES).join(source);
    let mut args = vec![
        "--format",
        "json",
        "import",
        src.to_str().unwrap(),
        "--out",
        out,
    ];
    args.extend(extra);
    iocc_in(dir, &args)
}

#[test]
fn every_format_imports_into_a_catalogue_that_checks_and_builds() {
    let dir = scratch("import-every-format");
    for (source, good, benign) in SOURCES {
        let out = format!("{}.yaml", source.replace('.', "-"));
        let o = import(&dir, source, &out, &[]);
        assert_eq!(o.status.code(), Some(0), "{source}: {}", stdout(&o));
        let report = json(&o);
        assert_eq!(report["import"]["status"], "written", "{source}");
        let c = load(&dir.join(&out));
        let vals = values(&c);
        assert!(
            vals.iter().any(|(_, v)| v == good),
            "{source}: {good} missing from {vals:?}"
        );
        if let Some(b) = benign {
            assert!(
                !vals.iter().any(|(_, v)| v == b),
                "{source}: benign {b} imported"
            );
            let flagged = report["diagnostics"]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| {
                    d["code"] == "benign-indicator" && d["message"].as_str().unwrap().contains(b)
                });
            assert!(flagged, "{source}: {b} not reported as benign");
        }
        let check = iocc_in(&dir, &["check", &out]);
        assert_eq!(check.status.code(), Some(0), "{source}: {}", stderr(&check));
        let build = iocc_in(&dir, &["build", &out, "--out", "built"]);
        assert_eq!(build.status.code(), Some(0), "{source}: {}", stderr(&build));
        // Provenance: every indicator names its source file and line.
        for i in &c.indicators {
            let d = i.meta.description.as_deref().unwrap_or_default();
            assert!(
                d.contains("Imported from ") && d.contains(" line "),
                "{source}: {d}"
            );
        }
    }
}

/// The line of the first line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> u64 {
    let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display())) as u64
        + 1
}

#[test]
fn hostile_values_are_reported_at_their_file_and_line() {
    let dir = scratch("import-hostile");
    // (source, a text on the hostile entry's line, code)
    let cases: &[(&str, &str, &str)] = &[
        ("threatfox.csv", "1400010", "import-skipped"), // quote
        ("threatfox.csv", "1400011", "import-skipped"), // newline
        ("threatfox.csv", "1400012", "import-skipped"), // NUL
        ("threatfox.csv", "1400013", "import-skipped"), // formula
        ("threatfox.csv", "1400014", "import-skipped"), // 10 kB
        ("threatfox.csv", "1400015", "import-skipped"), // invalid address
        ("threatfox.csv", "1400016", "value-too-long"), // 10 kB name, cut
        ("threatfox.json", "bad\\\"quote", "import-skipped"),
        ("threatfox.json", "not-an-ip", "import-skipped"),
        ("urlhaus.csv", "3300004", "import-skipped"),
        ("urlhaus.csv", "3300005", "import-skipped"),
        ("urlhaus.csv", "3300006", "import-skipped"),
        ("feodo.csv", "300.1.1.1", "import-skipped"),
        ("feodo.csv", "10.0.0.5", "import-skipped"),
        ("feodo.json", "256.0.0.1", "import-skipped"),
        ("misp-event.json", "phish@badcorp.example", "import-skipped"),
        (
            "misp-event.json",
            "wrong-category.badcorp.example",
            "import-skipped",
        ),
        ("misp-event.json", "\"nothex\"", "import-skipped"),
        ("misp-event.json", "quote\\\"newline", "import-skipped"),
        ("misp-event.json", "http://a.example/xxxx", "import-skipped"),
        ("stix-bundle.json", "193.142.146.41", "unsupported-pattern"),
        ("stix-bundle.json", "FOLLOWEDBY", "unsupported-pattern"),
        ("stix-bundle.json", "MATCHES", "unsupported-pattern"),
        ("stix-bundle.json", "WITHIN 600", "unsupported-pattern"),
        ("stix-bundle.json", "193.142.146.44'\"", "invalid-pattern"),
        ("stix-bundle.json", "quote\\\\'d", "invalid-pattern"),
        ("stix-bundle.json", "999.0.0.1", "import-skipped"),
        ("list.txt", "not a value", "import-skipped"),
        ("list.txt", "=cmd", "import-skipped"),
        ("list.txt", "yyyyyyyy", "import-skipped"),
        ("list.txt", "999.9.9.9", "import-skipped"),
        ("list.csv", "quote\"\"d", "import-skipped"),
        ("list.csv", "=cmd", "import-skipped"),
    ];
    for (source, needle, code) in cases {
        let file = root().join(FIXTURES).join(source);
        let o = import(&dir, source, "x.yaml", &["--dry-run"]);
        assert_eq!(o.status.code(), Some(0), "{source}: {}", stdout(&o));
        let line = line_of(&file, needle);
        let want = crate::common::root().join(FIXTURES).join(source);
        let found = json(&o)["diagnostics"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| {
                d["code"] == *code
                    && d["line"] == line
                    && d["file"].as_str().is_some_and(|f| Path::new(f) == want)
            });
        assert!(
            found,
            "{source}:{line} ({needle}): no {code} in {}",
            stdout(&o)
        );
        assert!(
            !dir.join("x.yaml").exists(),
            "--dry-run wrote the catalogue"
        );
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert!(left.is_empty(), "--dry-run left files behind: {left:?}");
}

#[test]
fn reimporting_the_same_sources_changes_nothing() {
    let dir = scratch("import-again");
    let sources = ["threatfox.csv", "misp-event.json", "stix-bundle.json"];
    let mut args = vec!["import".to_owned()];
    args.extend(
        sources
            .iter()
            .map(|s| root().join(FIXTURES).join(s).display().to_string()),
    );
    args.extend([
        "--out".into(),
        "all.yaml".into(),
        "--bulk-above".into(),
        "3".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = iocc_in(&dir, &args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let written = std::fs::read(dir.join("all.yaml")).unwrap();
    let sides = std::fs::read_dir(dir.join("all")).unwrap().count();
    assert!(sides > 0, "no bulk side file with --bulk-above 3");
    let again = iocc_in(&dir, &args);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("all.yaml: unchanged"),
        "{}",
        stdout(&again)
    );
    assert_eq!(std::fs::read(dir.join("all.yaml")).unwrap(), written);
    let mut into: Vec<&str> = args[..args.len() - 4].to_vec();
    into.extend(["--into", "all.yaml"]);
    let merged = iocc_in(&dir, &into);
    assert_eq!(merged.status.code(), Some(0), "{}", stderr(&merged));
    assert!(stdout(&merged).contains("unchanged"), "{}", stdout(&merged));
    assert_eq!(std::fs::read(dir.join("all.yaml")).unwrap(), written);
    assert_eq!(std::fs::read_dir(dir.join("all")).unwrap().count(), sides);
    // A different import over an existing file is refused, and the file is kept.
    let other = iocc_in(
        &dir,
        &[
            "import",
            root().join(FIXTURES).join("feodo.csv").to_str().unwrap(),
            "--out",
            "all.yaml",
        ],
    );
    assert_eq!(other.status.code(), Some(1));
    assert!(
        stderr(&other).contains("import-failed"),
        "{}",
        stderr(&other)
    );
    assert_eq!(std::fs::read(dir.join("all.yaml")).unwrap(), written);
    let check = iocc_in(&dir, &["check", "all.yaml"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn into_adds_without_touching_indicators_detections_or_the_lock() {
    let dir = scratch("import-into");
    for f in ["contec-cms8000.yaml", "contec-cms8000.sids.lock"] {
        std::fs::copy(root().join("iocs").join(f), dir.join(f)).unwrap();
    }
    let before = std::fs::read_to_string(dir.join("contec-cms8000.yaml")).unwrap();
    let lock = std::fs::read(dir.join("contec-cms8000.sids.lock")).unwrap();
    let src = root().join(FIXTURES).join("threatfox.csv");
    let dry = iocc_in(
        &dir,
        &[
            "import",
            src.to_str().unwrap(),
            "--into",
            "contec-cms8000.yaml",
            "--dry-run",
        ],
    );
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert_eq!(
        std::fs::read_to_string(dir.join("contec-cms8000.yaml")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "--dry-run wrote files"
    );
    let diff = stdout(&dry);
    assert!(
        diff.contains("+- id: ipv4-45-95-147-10") || diff.contains("+  - id: ipv4-45-95-147-10"),
        "{diff}"
    );
    // Only additions: no line of the catalogue is removed.
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    assert!(removed.is_empty(), "{removed:?}");
    let real = iocc_in(
        &dir,
        &[
            "import",
            src.to_str().unwrap(),
            "--into",
            "contec-cms8000.yaml",
        ],
    );
    assert_eq!(real.status.code(), Some(0), "{}", stderr(&real));
    assert_eq!(stdout(&real), stdout(&dry).replace("dry run", "written"));
    let after = std::fs::read_to_string(dir.join("contec-cms8000.yaml")).unwrap();
    // Every original line is still there, in order.
    let mut rest = after.lines();
    for line in before.lines() {
        assert!(rest.any(|l| l == line), "lost or moved: {line}");
    }
    assert_eq!(
        std::fs::read(dir.join("contec-cms8000.sids.lock")).unwrap(),
        lock
    );
    let (old, new) = (
        load_from(&before, &dir, "old.yaml"),
        load(&dir.join("contec-cms8000.yaml")),
    );
    assert_eq!(
        serde_json::to_string(&old.detections)
            .unwrap()
            .replace("old.yaml", "contec-cms8000.yaml"),
        serde_json::to_string(&new.detections).unwrap()
    );
    for i in &old.indicators {
        let n = new.indicator(&i.id).expect("existing indicator kept");
        assert_eq!(n.observable, i.observable);
        assert_eq!(
            serde_json::to_string(&n.meta).unwrap(),
            serde_json::to_string(&i.meta).unwrap()
        );
    }
    assert_eq!(new.indicators.len(), old.indicators.len() + 6);
    let check = iocc_in(&dir, &["check", "contec-cms8000.yaml"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // Importing again: nothing to add, the file stays byte-identical.
    let again = iocc_in(
        &dir,
        &[
            "import",
            src.to_str().unwrap(),
            "--into",
            "contec-cms8000.yaml",
        ],
    );
    assert!(stdout(&again).contains("unchanged"), "{}", stdout(&again));
    assert_eq!(
        std::fs::read_to_string(dir.join("contec-cms8000.yaml")).unwrap(),
        after
    );
}

fn load_from(text: &str, dir: &Path, name: &str) -> Catalogue {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    let c = load(&p);
    std::fs::remove_file(&p).unwrap();
    c
}

/// (kind, value, action, first valid day, last valid day) of every indicator and bulk entry:
/// what a STIX round trip must keep. A missing `valid-from` is the advisory's publication
/// date, as the STIX target writes it.
fn round_trip_view(c: &Catalogue) -> BTreeSet<(String, String, String, String, String)> {
    let row = |o: &Observable, m: &iocc::model::Meta| {
        (
            o.kind().to_owned(),
            o.value(),
            format!("{:?}", m.action),
            m.valid_from.unwrap_or(c.advisory.published).to_string(),
            m.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        )
    };
    let mut out: BTreeSet<_> = c
        .indicators
        .iter()
        .map(|i| row(&i.observable, &i.meta))
        .collect();
    for b in &c.bulk {
        for (n, _) in b.networks.iter() {
            let o = Observable::of_net(n);
            out.insert(row(&o, &b.meta));
        }
        for (d, _) in b.domains.iter() {
            out.insert(row(&Observable::Domain(d.to_owned()), &b.meta));
        }
    }
    out
}

/// Imports `bundle` into a copy of `catalogue` emptied of its items (same advisory and policy,
/// so the same overrides apply) and compares what comes back with the original.
fn stix_round_trip(catalogue: &Path, bundle: &Path, dir: &Path) {
    let mut doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(catalogue).unwrap()).unwrap();
    let map = doc.as_mapping_mut().unwrap();
    for key in ["indicators", "bulk", "detections"] {
        map.remove(key);
    }
    std::fs::write(dir.join("back.yaml"), serde_yaml::to_string(&doc).unwrap()).unwrap();
    let o = iocc_in(
        dir,
        &[
            "import",
            bundle.to_str().unwrap(),
            "--into",
            "back.yaml",
            "--bulk-above",
            "100000",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}: {}",
        catalogue.display(),
        stderr(&o)
    );
    let original = load(catalogue);
    let back = load(&dir.join("back.yaml"));
    assert_eq!(
        round_trip_view(&back),
        round_trip_view(&original),
        "{}",
        catalogue.display()
    );
    // Nothing else came back: the rule and behaviour indicators are named, not imported.
    assert!(stderr(&o).contains("unsupported-pattern") || original.detections.is_empty());
}

#[test]
fn iocc_stix_output_round_trips() {
    let dir = scratch("import-stix-contec");
    stix_round_trip(
        &root().join("iocs/contec-cms8000.yaml"),
        &root().join("out/contec-cms8000/stix/contec-cms8000.json"),
        &dir,
    );
    // Fixture builds: every indicator kind, bulk lists, validity windows.
    for fixture in ["good/every-kind", "good/readme-example"] {
        let dir = scratch(&format!("import-stix-{}", fixture.replace('/', "-")));
        let work = dir.join("cat");
        std::fs::create_dir_all(&work).unwrap();
        let src = root()
            .join("tests/fixtures")
            .join(format!("{fixture}.yaml"));
        let build = iocc_in(
            &root(),
            &[
                "build",
                src.to_str().unwrap(),
                "--target",
                "stix",
                "--out",
                dir.join("out").to_str().unwrap(),
            ],
        );
        assert_eq!(
            build.status.code(),
            Some(0),
            "{fixture}: {}",
            stderr(&build)
        );
        let c = load(&src);
        let bundle = dir
            .join("out")
            .join(&c.id)
            .join("stix")
            .join(format!("{}.json", c.id));
        stix_round_trip(&src, &bundle, &work);
    }
}

#[test]
fn patterns_iocc_cannot_express_are_named_per_indicator() {
    let dir = scratch("import-patterns");
    let o = import(&dir, "stix-bundle.json", "x.yaml", &["--dry-run"]);
    let diags = json(&o)["diagnostics"]["diagnostics"]
        .as_array()
        .unwrap()
        .clone();
    for (id, what) in [
        ("cd05", "`AND` across objects"),
        ("cd06", "`FOLLOWEDBY`"),
        ("cd07", "`MATCHES`"),
        ("cd08", "`WITHIN 600 SECONDS`"),
        ("cd0e", "`suricata` pattern"),
    ] {
        let hit = diags.iter().any(|d| {
            d["code"] == "unsupported-pattern"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3{id}"))
                && d["message"].as_str().unwrap().contains(what)
        });
        assert!(hit, "{id}: {what} not named in {diags:#?}");
    }
    let c = stdout(&o);
    assert!(
        !c.contains("193.142.146.41") && !c.contains("193.142.146.42"),
        "{c}"
    );
}

#[test]
fn known_benign_values_never_reach_a_block_list() {
    let dir = scratch("import-benign");
    let cat = |indicators: &str, overrides: &str| {
        format!(
            "id: benign\nversion: 1.0.0\ntitle: t\npublisher: p\ntlp: clear\nadvisory: {{id: a, title: t, issuer: i, published: 2025-01-01, modified: 2025-01-01, references: [https://example.org/a]}}\nindicators:\n{indicators}policy:\n  overrides: [{overrides}]\n"
        )
    };
    let ind = |id: &str, kind: &str, value: &str, action: &str| {
        format!("  - {{id: {id}, kind: {kind}, value: \"{value}\", confidence: sourced, action: {action}, references: [https://example.org/a]}}\n")
    };
    let all = [
        ind("dns", "ipv4", "8.8.8.8", "block"),
        ind("one", "ipv4", "1.1.1.1", "block"),
        ind("google", "domain", "google.com", "block"),
        ind("cdn", "cidr", "104.16.0.0/16", "block"),
        ind("www", "url", "https://www.google.com/x", "alert"),
    ]
    .concat();
    std::fs::write(dir.join("benign.yaml"), cat(&all, "")).unwrap();
    let o = iocc_in(&dir, &["--format", "json", "check", "benign.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "benign-indicator")
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (value, severity, list) in [
        ("8.8.8.8", "error", "public-dns-v4"),
        ("1.1.1.1", "error", "public-dns-v4"),
        ("google.com", "error", "tranco10k"),
        ("104.16.0.0/16", "error", "cloudflare"),
        ("https://www.google.com/x", "warning", "tranco10k"),
    ] {
        assert!(
            found
                .iter()
                .any(|(s, m)| s == severity && m.contains(value) && m.contains(list)),
            "{value}: {found:?}"
        );
    }
    // Lifted per network and per domain, and the override is printed in the outputs.
    let overrides = "{network: 8.8.8.8/32, rail: benign, reason: \"lab resolver under test\"}, {network: 1.1.1.0/24, rail: benign, reason: r}, {domain: google.com, rail: benign, reason: r}, {network: 104.16.0.0/13, rail: benign, reason: r}";
    std::fs::write(dir.join("benign.yaml"), cat(&all, overrides)).unwrap();
    let o = iocc_in(&dir, &["check", "benign.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("benign-indicator"), "{}", stderr(&o));
    let b = iocc_in(
        &dir,
        &[
            "build",
            "benign.yaml",
            "--out",
            "out",
            "--target",
            "firewall",
        ],
    );
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let nft = std::fs::read_to_string(dir.join("out/benign/firewall/benign.nft")).unwrap();
    assert!(
        nft.contains("benign lifted for 8.8.8.8/32: lab resolver under test"),
        "{nft}"
    );
    assert!(nft.contains("benign lifted for google.com: r"), "{nft}");
    // A domain override lifts a name rail or the known-benign check, nothing else.
    std::fs::write(
        dir.join("bad.yaml"),
        cat(
            &ind("x", "domain", "a.example", "block"),
            "{domain: a.example, rail: private, reason: r}",
        ),
    )
    .unwrap();
    let o = iocc_in(&dir, &["check", "bad.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`private` is not a valid name safety rail"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn names_the_dns_rails_refuse_are_left_out_of_a_block_import() {
    let dir = scratch("import-name-rails");
    std::fs::write(
        dir.join("names.txt"),
        "c2.badnames.example\nduckdns.org\nco.uk\nlisted.rpz-ip\n",
    )
    .unwrap();
    let o = iocc_in(
        &dir,
        &[
            "--format",
            "json",
            "import",
            "names.txt",
            "--out",
            "names.yaml",
            "--reference",
            "https://example.org/names",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let report = json(&o);
    let skipped: Vec<String> = report["diagnostics"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "import-skipped")
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    for (name, rail) in [
        ("duckdns.org", "public-suffix"),
        ("co.uk", "public-suffix"),
        ("listed.rpz-ip", "rpz-trigger"),
    ] {
        assert!(
            skipped
                .iter()
                .any(|m| m.contains(&format!("`{name}`")) && m.contains(rail)),
            "{name}: {skipped:?}"
        );
    }
    let c = load(&dir.join("names.yaml"));
    let vals: Vec<String> = values(&c).into_iter().map(|(_, v)| v).collect();
    assert_eq!(vals, ["c2.badnames.example"]);
    let b = iocc_in(&dir, &["build", "names.yaml", "--out", "out"]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let hosts = std::fs::read_to_string(dir.join("out/names/dns/names.hosts")).unwrap();
    assert!(hosts.contains("\n0.0.0.0 c2.badnames.example\n"), "{hosts}");
}

#[test]
fn misp_feed_folders_merge_events() {
    let dir = scratch("import-misp-feed");
    let o = import(
        &dir,
        "misp-feed",
        "feed.yaml",
        &["--reference", "https://example.org/feed"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    let merged = v["import"]["merged"].as_array().unwrap();
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert_eq!(merged[0]["value"], "193.142.146.30");
    let c = load(&dir.join("feed.yaml"));
    // The strictest marking of the events wins (tlp:white and tlp:amber).
    assert_eq!(c.tlp, iocc::model::Tlp::Amber);
    assert!(c
        .indicators
        .iter()
        .all(|i| i.meta.references == ["https://example.org/feed"]));
    // A bad uuid in a manifest cannot name another path.
    let feed = dir.join("evil-feed");
    std::fs::create_dir_all(&feed).unwrap();
    std::fs::write(feed.join("manifest.json"), r#"{"../../etc/passwd": {}}"#).unwrap();
    let o = iocc_in(&dir, &["import", "evil-feed", "--out", "evil.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a uuid"), "{}", stderr(&o));
}

#[test]
fn bulk_side_files_keep_each_entry_s_provenance() {
    let dir = scratch("import-bulk");
    let o = import(&dir, "threatfox.csv", "tf.yaml", &["--bulk-above", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let c = load(&dir.join("tf.yaml"));
    assert!(!c.bulk.is_empty());
    let sides: Vec<PathBuf> = c.bulk.iter().map(|b| b.file.clone()).collect();
    let text: String = sides
        .iter()
        .map(|s| std::fs::read_to_string(s).unwrap())
        .collect();
    assert!(
        text.starts_with("value,valid_from,valid_until,name,source,references\r\n"),
        "{text}"
    );
    assert!(
        text.contains("threatfox.csv line 7 (ioc_id 1400001)"),
        "{text}"
    );
    // A formula in a text cell is neutralised for spreadsheets.
    assert!(text.contains(",'=cmd") && !text.contains(",=cmd"), "{text}");
    // URLs and hashes stay indicators: bulk lists hold addresses and domains.
    assert!(c
        .indicators
        .iter()
        .all(|i| !matches!(i.observable, Observable::Address(_) | Observable::Domain(_))));
}

/// The README's `Importing` examples, run as written from a folder laid out like the
/// repository (fixtures linked, catalogues copied).
#[test]
fn readme_import_examples_run() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Importing\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has an Importing section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("an sh block");
    let commands: Vec<&str> = block.lines().filter(|l| l.starts_with("iocc ")).collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let dir = scratch("import-readme");
    std::os::unix::fs::symlink(root().join("tests"), dir.join("tests")).unwrap();
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    for f in ["contec-cms8000.yaml", "contec-cms8000.sids.lock"] {
        std::fs::copy(root().join("iocs").join(f), dir.join("iocs").join(f)).unwrap();
    }
    for c in &commands {
        assert!(
            !c.contains(['"', '\'', '$', '|']),
            "keep README commands free of shell syntax: {c}"
        );
        let args: Vec<&str> = c.split_whitespace().skip(1).collect();
        let o = iocc_in(&dir, &args);
        assert_eq!(o.status.code(), Some(0), "{c}: {}", stderr(&o));
        if let Some(i) = args.iter().position(|a| *a == "--out") {
            assert!(dir.join(args[i + 1]).is_file(), "{c}: nothing written");
        }
    }
    assert_eq!(
        std::fs::read(dir.join("iocs/contec-cms8000.yaml")).unwrap(),
        std::fs::read(root().join("iocs/contec-cms8000.yaml")).unwrap(),
        "the --dry-run example changed the catalogue"
    );
}

/// iocc's own MISP feed (the `misp` target) imported back. MISP attributes carry less than a
/// catalogue: `to_ids` tells `monitor` from the rest but not `block` from `alert` (those come
/// back with the import's `--action`), and a `port` attribute has no transport (left out with
/// a warning). Everything else comes back: values, kinds, `monitor`, `valid-from`.
#[test]
fn iocc_misp_output_round_trips_what_misp_carries() {
    let dir = scratch("import-misp-round-trip");
    let feed = root().join("out/contec-cms8000/misp");
    let o = iocc_in(
        &dir,
        &[
            "--format",
            "json",
            "import",
            feed.to_str().unwrap(),
            "--out",
            "back.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let ports_named = json(&o)["diagnostics"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| {
            d["code"] == "import-skipped" && d["message"].as_str().unwrap().contains("`port`")
        });
    assert!(ports_named, "port attributes are not reported");
    let original = load(&root().join("iocs/contec-cms8000.yaml"));
    let back = load(&dir.join("back.yaml"));
    let view = |c: &Catalogue| -> BTreeSet<(String, String, bool, String)> {
        c.indicators
            .iter()
            .filter(|i| !matches!(i.observable, Observable::Port { .. }))
            .map(|i| {
                (
                    i.observable.kind().to_owned(),
                    i.observable.value(),
                    i.meta.action == iocc::model::Action::Monitor,
                    i.meta.valid_from.map(|d| d.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    };
    assert_eq!(view(&back), view(&original));
}
