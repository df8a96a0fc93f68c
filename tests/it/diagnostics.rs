//! Golden diagnostics: every bad fixture under `tests/fixtures/bad/`, checked through the real
//! binary with relative paths from the repository root, snapshotted in human and JSON form.
//!
//! The union of the codes the fixtures produce must cover `Code::ALL` (except codes only a
//! target can raise), so a new code without a fixture fails here. The code list itself is
//! snapshotted so that a rename or a changed description shows up in review.

use std::collections::BTreeSet;
use std::path::Path;

use iocc::diag::Code;

use crate::common::*;

/// Codes no fixture here can raise, each tested where it arises: `lock-changed` by the SID
/// stability test (tests/it/suricata.rs), `version-not-bumped` and `bundle-mismatch` by the
/// CI-mode and verify tests (tests/it/bundle.rs), `unreadable-rule` by the unit tests of the
/// Suricata target's check of its rendered pack (the target never writes an unreadable rule,
/// so no catalogue can reach it).
const RAISED_BY_TARGETS: &[Code] = &[
    Code::LockChanged,
    Code::VersionNotBumped,
    Code::BundleMismatch,
    Code::UnreadableRule,
    // Only a second run on a held output folder raises it: `harden::race`.
    Code::OutputBusy,
];

const BAD: &str = "tests/fixtures/bad";
const GOOD: &str = "tests/fixtures/good/every-kind.yaml";

/// One run of the binary to snapshot: a name, a working folder (relative to the root) and
/// the arguments.
struct Case {
    name: String,
    cwd: String,
    args: Vec<String>,
}

fn case(name: &str, args: &[&str]) -> Case {
    Case {
        name: name.to_owned(),
        cwd: String::new(),
        args: args.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// Every `*.yaml` in the bad fixtures folder, plus the cases that need a folder, a missing
/// file, a generated file or a build.
fn cases() -> Vec<Case> {
    let mut files: Vec<String> = std::fs::read_dir(root().join(BAD))
        .expect("fixtures folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    files.sort();
    let mut out: Vec<Case> = files
        .iter()
        .map(|f| {
            let path = format!("{BAD}/{f}");
            case(f.trim_end_matches(".yaml"), &["check", &path])
        })
        .collect();
    out.push(case(
        "lint",
        &["lint", "tests/fixtures/bad/rules/broken.rules"],
    ));
    out.push(case(
        "lint-checks",
        &["lint", "tests/fixtures/bad/rules/checks.rules"],
    ));
    out.push(case(
        "diff-failed",
        &[
            "diff",
            "tests/fixtures/good/every-kind.yaml",
            "tests/fixtures/good/readme-example.yaml",
        ],
    ));
    out.push(case(
        "invalid-bundle",
        &["verify", "tests/fixtures/bad/syntax.yaml"],
    ));
    out.extend(release_cases());
    out.push(case(
        "missing-file",
        &["check", "tests/fixtures/bad/does-not-exist.yaml"],
    ));
    out.push(case(
        "no-catalogues",
        &["check", "tests/fixtures/bad/no-catalogues"],
    ));
    out.push(case(
        "duplicate-catalogue",
        &["check", "tests/fixtures/bad/duplicate-catalogue"],
    ));
    out.extend(import_cases());
    // Over the size cap: a sparse file, made at test time (never committed).
    let big = scratch("diag-too-large");
    let f = std::fs::File::create(big.join("big.yaml")).unwrap();
    f.set_len(iocc::load::MAX_CATALOGUE_BYTES + 1).unwrap();
    out.push(Case {
        name: "file-too-large".into(),
        cwd: "target/test-scratch/diag-too-large".into(),
        args: vec!["check".into(), "big.yaml".into()],
    });
    // A build whose output folder cannot be created: the parent is a file.
    out.push(case(
        "write-failed",
        &[
            "build",
            GOOD,
            "--out",
            "tests/fixtures/bad/feeds/bad-lines.txt/out",
        ],
    ));
    // `--check` against an empty output folder.
    scratch("diag-stale");
    out.push(case(
        "stale-output",
        &[
            "build",
            GOOD,
            "--check",
            "--out",
            "target/test-scratch/diag-stale",
        ],
    ));
    scratch("diag-template");
    out.push(case(
        "template-error",
        &[
            "build",
            GOOD,
            "--templates",
            "tests/fixtures/bad/templates",
            "--out",
            "target/test-scratch/diag-template",
        ],
    ));
    out
}

/// The cases of signed releases and publication. Nothing listens on the discard port of the
/// loopback interface, where the publish case points.
fn release_cases() -> Vec<Case> {
    vec![
        case(
            "invalid-key",
            &[
                "verify",
                "--pubkey",
                "tests/fixtures/bad/syntax.yaml",
                "tests/fixtures/bad/syntax.yaml",
            ],
        ),
        case(
            "bad-signature",
            &[
                "verify",
                "--pubkey",
                "tests/fixtures/keys/other.pub",
                "tests/fixtures/bad/syntax.yaml",
            ],
        ),
        case(
            "publish-failed",
            &[
                "publish",
                "tests/fixtures/taxii/bundle.json",
                "--api-root",
                "http://127.0.0.1:9/taxii/",
                "--collection",
                "x",
                "--timeout",
                "5",
            ],
        ),
    ]
}

/// `iocc import`: a source that is not its format, entries left out (bad values, patterns that
/// cannot be read or expressed, known-benign values), an existing --out.
fn import_cases() -> Vec<Case> {
    let mut out = Vec::new();
    scratch("diag-import");
    out.push(case(
        "import-invalid-feed",
        &[
            "import",
            "tests/fixtures/bad/import/broken.json",
            "--from",
            "stix",
            "--out",
            "target/test-scratch/diag-import/broken.yaml",
        ],
    ));
    out.push(case(
        "import-entries",
        &[
            "import",
            "tests/fixtures/bad/import/entries.json",
            "--dry-run",
            "--out",
            "target/test-scratch/diag-import/entries.yaml",
        ],
    ));
    out.push(case(
        "import-failed",
        &[
            "import",
            "tests/fixtures/bad/import/entries.json",
            "--out",
            "tests/fixtures/good/readme-example.yaml",
        ],
    ));
    out
}

fn run(c: &Case, json: bool) -> std::process::Output {
    let mut args: Vec<&str> = Vec::new();
    if json {
        args.extend(["--format", "json"]);
    }
    args.extend(c.args.iter().map(String::as_str));
    iocc_in(&root().join(&c.cwd), &args)
}

/// Runs every case in both forms, snapshots them, and returns the codes seen.
fn snapshot_all() -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for c in cases() {
        let human = run(&c, false);
        let code = human.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{}: exit {code:?} (a panic or a usage error?)\n{}",
            c.name,
            stderr(&human)
        );
        assert!(
            !stderr(&human).contains("panicked"),
            "{}: {}",
            c.name,
            stderr(&human)
        );
        let cmd = format!("iocc {}", c.args.join(" "));
        insta::assert_snapshot!(
            format!("{}.human", c.name),
            format!(
                "$ {cmd}\nexit: {}\n--- stderr\n{}--- stdout\n{}",
                code.unwrap_or(-1),
                stderr(&human),
                stdout(&human)
            )
        );
        let json = run(&c, true);
        assert_eq!(json.status.code(), code, "{}: JSON run exit code", c.name);
        let value: serde_json::Value = serde_json::from_slice(&json.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}): {}", c.name, stdout(&json)));
        insta::assert_snapshot!(format!("{}.json", c.name), stdout(&json));
        // `check` prints the diagnostics report; `build` nests it under `diagnostics`.
        let report = value
            .get("diagnostics")
            .filter(|d| d.is_object())
            .unwrap_or(&value);
        let diags = report["diagnostics"].as_array().expect("diagnostics array");
        assert_eq!(
            report["errors"].as_u64().unwrap() > 0,
            code == Some(1),
            "{}: exit code agrees with the error count",
            c.name
        );
        for d in diags {
            let code = d["code"].as_str().unwrap().to_owned();
            // Human and JSON forms carry the same positions.
            if let (Some(file), Some(line)) = (d["file"].as_str(), d["line"].as_u64()) {
                let located = format!("{file}:{line}:{}", d["column"]);
                assert!(
                    stderr(&human).contains(&located),
                    "{}: human output lacks {located}",
                    c.name
                );
            }
            seen.insert(code);
        }
    }
    seen
}

#[test]
fn bad_fixtures_cover_every_code() {
    let seen = snapshot_all();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !RAISED_BY_TARGETS.contains(c))
        .map(|c| c.as_str())
        .filter(|c| !seen.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture under {BAD} triggers: {missing:?}; add one"
    );
    let unknown: Vec<&String> = seen
        .iter()
        .filter(|s| !Code::ALL.iter().any(|c| c.as_str() == s.as_str()))
        .collect();
    assert!(unknown.is_empty(), "codes not in Code::ALL: {unknown:?}");
}

#[test]
fn code_list() {
    let list: String = Code::ALL
        .iter()
        .map(|c| format!("{:<24} {}\n", c.as_str(), c.description()))
        .collect();
    insta::assert_snapshot!(list);
}

/// Hostile files never seen by the project still give exit 1 and a located message.
#[test]
fn generated_hostile_files() {
    let dir = scratch("diag-hostile");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "deep-map.yaml",
            // Block nesting costs indentation: 2 000 levels are 2 MB.
            (0..2_000)
                .map(|i| format!("{}a:\n", " ".repeat(i)))
                .collect::<String>()
                .into_bytes(),
            "nesting-too-deep",
        ),
        (
            "deep-flow-map.yaml",
            format!("id: {}{}\n", "{a: ".repeat(20_000), "}".repeat(20_000)).into_bytes(),
            "nesting-too-deep",
        ),
        (
            "laughs-in-field.yaml",
            {
                // Anchors inside a list under a known field: serde would hit a type error
                // first, the scan names the bomb.
                let mut y = String::from(
                    "id: x\nversion: 1.0.0\ntitle: &a [l, l, l, l, l, l, l, l, l, l]\npublisher:\n",
                );
                for i in 0..8 {
                    let prev = if i == 0 {
                        "a".to_owned()
                    } else {
                        format!("b{}", i - 1)
                    };
                    y += &format!("  - &b{i} [{}]\n", vec![format!("*{prev}"); 10].join(", "));
                }
                y.into_bytes()
            },
            "alias-limit",
        ),
        ("only-bom.yaml", b"\xef\xbb\xbf".to_vec(), "empty-file"),
        (
            "utf16.yaml",
            b"\xff\xfei\x00d\x00:\x00".to_vec(),
            "not-utf8",
        ),
        ("control.yaml", b"id: a\x07b\n".to_vec(), "yaml-syntax"),
        ("scalar.yaml", b"just a string\n".to_vec(), "invalid-type"),
        ("list.yaml", b"- a\n- b\n".to_vec(), "invalid-type"),
        (
            "long-line.yaml",
            format!("id: {}\n", "x".repeat(1_000_000)).into_bytes(),
            "missing-field",
        ),
    ];
    for (name, bytes, want) in cases {
        std::fs::write(dir.join(name), bytes).unwrap();
        let o = iocc_in(&dir, &["--format", "json", "check", name]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let d = &v["diagnostics"][0];
        assert_eq!(d["code"], want, "{name}: {d}");
        let h = iocc_in(&dir, &["check", name]);
        assert_eq!(h.status.code(), Some(1));
        assert!(stderr(&h).contains(name), "{name}: {}", stderr(&h));
        // Human output stays small however long the offending line is.
        assert!(
            stderr(&h).len() < 4_000,
            "{name}: {} bytes",
            stderr(&h).len()
        );
        assert!(Path::new(&dir.join(name)).exists());
    }
}
