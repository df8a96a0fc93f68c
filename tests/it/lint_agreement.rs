//! `iocc lint` against the real engines: the rule files that ship with Suricata 7.0.10 and
//! 8.0.6 and the project's own rule files are loaded by both engines (`tests/lint/oracle.py`,
//! packaged configs), and each rule's verdict is compared with `iocc lint --suricata 7|8`
//! (`tests/lint/agreement.py`). The test fails when a version's agreement falls below the
//! committed floor or when any rule the engine loads gets an error; it skips loudly when an
//! engine is missing (and fails then under `IOCC_REQUIRE_ENGINES=1`).

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// The committed floors, per version: agreement (%) and false alarms (% of the rules the
/// engine loads). Measured figures are in tests/lint/BASELINE.md.
const MIN_AGREEMENT: &str = "94";
const MAX_FALSE_ALARMS: &str = "0";

/// The corpora: name and rule files or folders (relative to the repository root or
/// absolute).
fn corpora() -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("suricata-7.0.10-rules", vec!["/etc/suricata/rules".into()]),
        (
            "suricata-8.0.6-rules",
            vec!["/opt/suricata8/share/suricata/rules".into()],
        ),
        (
            "iocc",
            vec!["out".into(), "tests/fixtures/bad/rules".into()],
        ),
    ]
}

#[test]
fn lint_agrees_with_suricata_7_and_8() {
    let (Some(_), Some(_)) = (engine("suricata"), suricata8()) else {
        return;
    };
    let Some(python) = on_path_or_skip("python3") else {
        return;
    };
    let dir = scratch("lint-agreement");
    let mut specs = Vec::new();
    for (name, paths) in corpora() {
        if let Some(missing) = paths.iter().find(|p| !root().join(p).exists()) {
            skip_or_fail(
                &format!("the {name} corpus"),
                &format!("{missing} is missing"),
            );
            return;
        }
        let out = dir.join(format!("{name}.jsonl"));
        let o = Command::new(&python)
            .arg(root().join("tests/lint/oracle.py"))
            .args(&paths)
            .arg("-o")
            .arg(&out)
            .current_dir(root())
            .output()
            .expect("run oracle.py");
        assert!(o.status.success(), "oracle.py on {name}: {}", stderr(&o));
        specs.push(format!("{name}={}", out.display()));
    }
    let o = Command::new(&python)
        .arg(root().join("tests/lint/agreement.py"))
        .args(["--iocc", env!("CARGO_BIN_EXE_iocc")])
        .args(["--min-agreement", MIN_AGREEMENT])
        .args(["--max-false-alarms", MAX_FALSE_ALARMS])
        .arg("--examples")
        .args(&specs)
        .current_dir(root())
        .output()
        .expect("run agreement.py");
    let report = stdout(&o);
    assert!(o.status.success(), "{}\n{report}", stderr(&o));
    assert!(report.contains("| **all** |"), "{report}");
    assert!(
        report.contains("Runs that crashed: 0. Findings that do not name the version: 0."),
        "{report}"
    );
}

fn on_path_or_skip(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| Path::new(f).is_file())
    });
    if found.is_none() {
        skip_or_fail(name, "it is not on PATH");
    }
    found
}
