//! End-to-end tests of the command line on the bundled catalogue.

use crate::common::*;

#[test]
fn check_bundled_catalogue_succeeds() {
    let o = iocc(&["check", "iocs/contec-cms8000.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("ok: iocs/contec-cms8000.yaml (contec-cms8000 "),
        "{}",
        stdout(&o)
    );
    assert_eq!(stderr(&o), "");
}

/// out/ is what a fresh build writes; the report of that build is snapshotted as an analyst
/// reads it: what each target carries, and the items it leaves out grouped by the reason.
#[test]
fn committed_out_is_fresh() {
    let o = iocc(&["build", "--locked", "--check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "out/ is stale; run `cargo run -- build` and commit:\n{}{}",
        stderr(&o),
        stdout(&o)
    );
    insta::assert_snapshot!("contec-build-report", stdout(&o));
}

#[test]
fn usage_errors_exit_2() {
    let o = iocc(&["build", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    let o = iocc(&[]);
    assert_eq!(o.status.code(), Some(2));
}

/// A scratch folder, returned both absolute (to set up) and relative to the root (to pass to
/// iocc, so messages hold no machine-specific path).
fn scratch_rel(name: &str) -> (std::path::PathBuf, String) {
    (scratch(name), format!("target/test-scratch/{name}"))
}

/// Copies a file or folder tree.
fn copy(from: &std::path::Path, to: &std::path::Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap().flatten() {
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

/// Every file under `dir` with its bytes (dot-files included: nothing may be left behind).
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(
        base: &std::path::Path,
        dir: &std::path::Path,
        out: &mut std::collections::BTreeMap<String, Vec<u8>>,
    ) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(base, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

const GOOD: &str = "tests/fixtures/good/every-kind.yaml";

#[test]
fn exit_codes() {
    assert_eq!(iocc(&["check", GOOD]).status.code(), Some(0));
    assert_eq!(
        iocc(&["check", "tests/fixtures/bad/indicators.yaml"])
            .status
            .code(),
        Some(1)
    );
    // Warnings alone exit 0.
    let o = iocc(&["check", "tests/fixtures/bad/empty-catalogue.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).ends_with("0 errors, 2 warnings\n"),
        "{}",
        stderr(&o)
    );
    for usage in [
        &["check", "--format", "xml"][..],
        &["frobnicate"],
        &["build", "--target"],
        &["schema", "extra"],
    ] {
        let o = iocc(usage);
        assert_eq!(o.status.code(), Some(2), "{usage:?}: {}", stderr(&o));
        assert!(
            stderr(&o).starts_with("error:"),
            "{usage:?}: {}",
            stderr(&o)
        );
    }
    let o = iocc(&[
        "build",
        "--target",
        "nope",
        GOOD,
        "--out",
        "target/test-scratch/never",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("error[unknown-target]: `nope` is not a target\n"));
    assert!(!root().join("target/test-scratch/never").exists());
}

#[test]
fn help_shows_examples() {
    let o = iocc(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("Examples:\n  iocc init my-iocs"),
        "{}",
        stdout(&o)
    );
    for cmd in ["check", "build", "schema", "targets"] {
        assert!(stdout(&o).contains(&format!("\n  {cmd} ")), "{cmd}");
    }
}

/// The complete human message of one error, caret included.
#[test]
fn full_human_messages() {
    let (dir, rel) = scratch_rel("cli-messages");
    std::fs::write(
        dir.join("one.yaml"),
        std::fs::read_to_string(root().join(GOOD))
            .unwrap()
            .replace("value: 192.0.2.10,", "value: 192.0.2.1/24,")
            .replace("[https://example.com/widget]", "[example.com/widget]"),
    )
    .unwrap();
    copy(
        &root().join("tests/fixtures/good/feeds"),
        &dir.join("feeds"),
    );
    let o = iocc(&["check", &format!("{rel}/one.yaml")]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "", "nothing on stdout when the check fails");
    assert_eq!(
        stderr(&o),
        "\
error[invalid-reference]: `example.com/widget` is not an http(s) URL
  --> target/test-scratch/cli-messages/one.yaml:21:90
   |
21 |     - {id: widget, vendor: Example, name: Widget, versions: [\"1.0\", \"1.1\"], references: [example.com/widget]}
   |                                                                                          ^^^^^^^^^^^^^^^^^^
   |
   = help: cite sources by their full https:// address

error[invalid-address]: `192.0.2.1/24` is not an IP address
  --> target/test-scratch/cli-messages/one.yaml:35:36
   |
35 |   - {id: host4, kind: ipv4, value: 192.0.2.1/24, part-of: net4, confidence: sourced, severity: critical, action: block, direction: o...
   |                                    ^
   |
   = help: this is a network: use `kind: cidr`

2 errors, 0 warnings
"
    );
}

#[test]
fn json_format_shape() {
    let o = iocc(&["--format", "json", "check", "tests/fixtures/bad/dates.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "", "JSON mode keeps stderr empty");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 2);
    assert_eq!(v["warnings"], 2);
    let d = &v["diagnostics"][0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["code", "column", "file", "help", "line", "message", "path", "severity"]
    );
    assert_eq!(d["code"], "date-order");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "tests/fixtures/bad/dates.yaml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(12), Some(13))
    );
    assert_eq!(d["path"], "advisory.modified");
    assert_eq!(v["diagnostics"][3]["severity"], "warning");
    // A clean check in JSON is an empty report.
    let o = iocc(&["--format", "json", "check", GOOD]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"errors": 0, "warnings": 0, "diagnostics": []})
    );
    // A build in JSON carries the report.
    let (_, rel) = scratch_rel("cli-json-build");
    let o = iocc(&["--format", "json", "build", GOOD, "--out", &rel]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    let c = &v["report"]["catalogues"][0];
    assert_eq!(c["id"], "every-kind");
    assert_eq!(c["status"], "written");
    assert_eq!(c["targets"][0]["target"], "summary");
    assert_eq!(c["targets"][0]["files"][0], "summary/every-kind.md");
}

#[test]
fn schema_names_every_top_level_field() {
    let o = iocc(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(v["type"], "object");
    assert_eq!(v["additionalProperties"], false);
    let props: Vec<&str> = v["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for field in [
        "id",
        "version",
        "title",
        "description",
        "publisher",
        "tlp",
        "advisory",
        "indicators",
        "bulk",
        "detections",
        "policy",
    ] {
        assert!(props.contains(&field), "schema lacks `{field}`");
    }
    assert_eq!(props.len(), 11, "{props:?}");
    insta::assert_snapshot!(stdout(&o));
}

/// The schema is a valid JSON Schema, and every good catalogue (converted to JSON) conforms
/// to it while a catalogue with an unknown field does not. Uses Python's `jsonschema` from
/// the engines venv.
#[test]
fn schema_validates_catalogues() {
    let python = venv().join("bin").join("python");
    let has_jsonschema = python.is_file()
        && std::process::Command::new(&python)
            .args(["-c", "import jsonschema"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_jsonschema {
        assert_ne!(
            std::env::var("IOCC_REQUIRE_ENGINES").as_deref(),
            Ok("1"),
            "python jsonschema is required: run .ci/install-engines"
        );
        eprintln!("\n!!!!!!!! SKIPPED: python jsonschema missing in the venv; run .ci/install-engines !!!!!!!!\n");
        return;
    }
    let (dir, _) = scratch_rel("cli-schema");
    std::fs::write(dir.join("schema.json"), iocc(&["schema"]).stdout).unwrap();
    let as_json = |yaml: &str| -> String {
        let v: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
        v.to_string()
    };
    let good = [root().join(GOOD), root().join("iocs/contec-cms8000.yaml")];
    for (i, g) in good.iter().enumerate() {
        std::fs::write(
            dir.join(format!("good{i}.json")),
            as_json(&std::fs::read_to_string(g).unwrap()),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("bad.json"),
        as_json(
            &std::fs::read_to_string(root().join("tests/fixtures/bad/unknown-field.yaml")).unwrap(),
        ),
    )
    .unwrap();
    let script = r#"
import json, sys, jsonschema
schema = json.load(open("schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for f in ["good0.json", "good1.json"]:
    errors = list(v.iter_errors(json.load(open(f))))
    assert not errors, (f, [e.message for e in errors])
assert list(v.iter_errors(json.load(open("bad.json")))), "unknown field accepted"
print("ok")
"#;
    let o = std::process::Command::new(&python)
        .args(["-c", script])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "ok\n", "{}", stderr(&o));
}

#[test]
fn build_into_scratch_out() {
    let (out, rel) = scratch_rel("cli-build");
    let o = iocc(&["build", GOOD, "--out", &rel]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!(
            "every-kind 2.1.0-rc.1 (tests/fixtures/good/every-kind.yaml) -> {rel}/every-kind: written\n  summary   1 file; carries all 20 items\n"
        )
    );
    let files = tree(&out);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            "every-kind/",
            "every-kind/VERSION",
            "every-kind/summary/",
            "every-kind/summary/every-kind.md"
        ]
    );
    let md = String::from_utf8(files["every-kind/summary/every-kind.md"].clone()).unwrap();
    // Bulk lists (text and CSV, IPv4 and IPv6, comments skipped) reach the output.
    assert!(
        md.contains("| feed-text | bulk address | 4 entries |"),
        "{md}"
    );
    assert!(
        md.contains("| feed-csv | bulk address | 3 entries |"),
        "{md}"
    );
    assert!(
        md.contains("| feed-domains | bulk domain | 3 entries |"),
        "{md}"
    );
    // A second build changes nothing and says so.
    let o = iocc(&["build", GOOD, "--out", &rel]);
    assert!(stdout(&o).contains(": unchanged\n"), "{}", stdout(&o));
    assert_eq!(tree(&out), files);
    // --check agrees.
    let o = iocc(&["build", GOOD, "--out", &rel, "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A failed build (invalid catalogue, broken template override) leaves the previous output
/// folder byte-identical, with no temporary left behind.
#[test]
fn failed_build_leaves_previous_output() {
    let (dir, rel) = scratch_rel("cli-atomic");
    copy(&root().join("tests/fixtures/good"), &dir.join("cat"));
    let cat = format!("{rel}/cat/every-kind.yaml");
    let out = format!("{rel}/out");
    let o = iocc(&["build", &cat, "--out", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = tree(&dir.join("out"));
    // every-kind/, VERSION, summary/ and the summary file.
    assert_eq!(before.len(), 4);

    // 1. The catalogue changes and becomes invalid.
    let path = dir.join("cat/every-kind.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        good.replace("title: Test advisory", "title: Changed\n  bogus: 1"),
    )
    .unwrap();
    let o = iocc(&["build", &cat, "--out", &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[unknown-field]"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&dir.join("out")), before);

    // 2. A bulk list gains a bad line.
    std::fs::write(
        &path,
        good.replace("title: Test advisory", "title: Changed"),
    )
    .unwrap();
    let feed = dir.join("cat/feeds/addresses.txt");
    let feed_good = std::fs::read(&feed).unwrap();
    std::fs::write(&feed, [feed_good.as_slice(), b"203.0.113.1/24\n"].concat()).unwrap();
    let o = iocc(&["build", &cat, "--out", &out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("addresses.txt:9:1"), "{}", stderr(&o));
    assert_eq!(tree(&dir.join("out")), before);
    std::fs::write(&feed, feed_good).unwrap();

    // 3. A valid, changed catalogue with a broken template override.
    let o = iocc(&[
        "build",
        &cat,
        "--out",
        &out,
        "--templates",
        "tests/fixtures/bad/templates",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[template-error]"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&dir.join("out")), before);

    // The same change builds once the override is gone.
    let o = iocc(&["build", &cat, "--out", &out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(tree(&dir.join("out")), before);
    assert_eq!(tree(&dir.join("out")).len(), 4, "no temporary left behind");
}

#[test]
fn template_override_changes_the_output() {
    let (dir, rel) = scratch_rel("cli-templates");
    std::fs::create_dir_all(dir.join("tpl/summary")).unwrap();
    std::fs::write(
        dir.join("tpl/summary/summary.md.j2"),
        "Custom summary of {{ id }}: {{ title }}\n",
    )
    .unwrap();
    let o = iocc(&[
        "build",
        GOOD,
        "--out",
        &format!("{rel}/out"),
        "--templates",
        &format!("{rel}/tpl"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("out/every-kind/summary/every-kind.md")).unwrap(),
        "Custom summary of every-kind: Fixture using every indicator kind and both bulk list formats\n"
    );
    // An override folder that does not exist is an error, not a silent fallback.
    let o = iocc(&[
        "build",
        GOOD,
        "--out",
        &format!("{rel}/out2"),
        "--templates",
        "no/such/dir",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .starts_with("error[file-not-found]: the template folder `no/such/dir` does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn several_catalogues_in_a_folder() {
    let (dir, rel) = scratch_rel("cli-folder");
    copy(
        &root().join("tests/fixtures/good/feeds"),
        &dir.join("iocs/feeds"),
    );
    copy(&root().join(GOOD), &dir.join("iocs/every-kind.yaml"));
    copy(
        &root().join("iocs/contec-cms8000.yaml"),
        &dir.join("iocs/contec-cms8000.yaml"),
    );
    std::fs::write(dir.join("iocs/notes.txt"), "not a catalogue").unwrap();
    let o = iocc(&["check", &format!("{rel}/iocs")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split(" (").next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            format!("ok: {rel}/iocs/contec-cms8000.yaml"),
            format!("ok: {rel}/iocs/every-kind.yaml")
        ]
    );
    // No arguments: every catalogue in `iocs/` of the working folder, into `out/`.
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut built: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    built.sort();
    assert_eq!(built, ["contec-cms8000", "every-kind"]);
    // One bad catalogue among good ones: exit 1, nothing written.
    std::fs::copy(
        root().join("tests/fixtures/bad/dates.yaml"),
        dir.join("iocs/dates.yaml"),
    )
    .unwrap();
    let before = tree(&dir.join("out"));
    let o = iocc_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("iocs/dates.yaml:12:13"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&dir.join("out")), before);
}

#[test]
fn a_file_named_twice_is_checked_once() {
    let o = iocc(&[
        "check",
        "iocs",
        "./iocs/contec-cms8000.yaml",
        "iocs/contec-cms8000.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
}

/// Every good fixture checks with no diagnostic at all and builds.
#[test]
fn good_fixtures_are_clean() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/good"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 2, "{names:?}");
    let (dir, rel) = scratch_rel("cli-good");
    // Built from a copy: a build writes state files (SID locks) beside the catalogue.
    copy(&root().join("tests/fixtures/good"), &dir.join("good"));
    for n in names {
        let path = format!("tests/fixtures/good/{n}");
        let o = iocc(&["check", &path]);
        assert_eq!(o.status.code(), Some(0), "{n}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{n}");
        let copied = format!("{rel}/good/{n}");
        let o = iocc(&["build", &copied, "--out", &format!("{rel}/out")]);
        assert_eq!(o.status.code(), Some(0), "{n}: {}", stderr(&o));
    }
}

/// The README's catalogue example is the tested fixture, byte for byte (less its first line).
#[test]
fn readme_example_is_the_tested_fixture() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let fixture =
        std::fs::read_to_string(root().join("tests/fixtures/good/readme-example.yaml")).unwrap();
    let fixture: String = fixture
        .lines()
        .filter(|l| !l.starts_with("# The catalogue example"))
        .map(|l| format!("{l}\n"))
        .collect();
    let section = &readme[readme.find("## The catalogue format").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    assert_eq!(block, fixture);
}

/// A reader that stops early (`iocc diff A B | head`) ends `iocc` quietly with the shell's
/// broken-pipe status (regression: it panicked with "failed printing to stdout: Broken pipe").
#[test]
fn closed_stdout_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = scratch("cli-closed-stdout");
    let text = std::fs::read_to_string(root().join("iocs/contec-cms8000.yaml")).unwrap();
    std::fs::write(dir.join("old.yaml"), &text).unwrap();
    // 20 000 new addresses, none adjacent (no aggregation): the delta is megabytes, far beyond any pipe buffer, so iocc is
    // still writing when the reader goes away.
    let feed: String = (0..20_000u32)
        .map(|i| {
            format!(
                "45.{}.{}.{}\n",
                1 + i / 32_768,
                (i / 128) % 256,
                (i % 128) * 2
            )
        })
        .collect();
    std::fs::write(dir.join("feed.txt"), feed).unwrap();
    let new = text.replace("version: 1.5.0", "version: 1.6.0").replace(
        "detections:\n",
        "bulk:\n  - id: feed\n    path: feed.txt\n    kind: address\n    confidence: inferred\n    references: [https://example.org/feed]\n\ndetections:\n",
    );
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_iocc"))
        .args(["diff", "old.yaml", "new.yaml"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run iocc");
    let mut first = [0u8; 1];
    child
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut first)
        .expect("iocc prints the diff");
    // The reader is gone (dropped above); iocc now writes into a broken pipe.
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(141), "{}", stderr(&o));
}

/// `iocc check` reports what `iocc build` would refuse (regression: `check` said "ok" for a catalogue
/// blocking 127.0.0.1, which the firewall safety rails then refused at build time).
#[test]
fn check_reports_target_refusals() {
    let dir = scratch("cli-check-refusals");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    std::fs::write(
        dir.join("iocs/loopback.yaml"),
        "id: loopback\nversion: 1.0.0\ntitle: Loopback\npublisher: iocc tests\ntlp: clear\nadvisory:\n  id: TEST-LO\n  title: lo\n  issuer: iocc tests\n  published: 2026-01-01\n  modified: 2026-01-01\n  references: [https://example.org/x]\nindicators:\n  - {id: lo, kind: ipv4, value: 127.0.0.1, confidence: sourced, references: [https://example.org/x]}\n",
    )
    .unwrap();
    let o = iocc_in(&dir, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("error[refused-block]"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("iocs/loopback.yaml:14:"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("ok:"), "{}", stdout(&o));
    assert!(!dir.join("out").exists(), "check wrote output");
}
