//! `iocc init`: a new catalogue repository that works as written.
//!
//! Guarantees: the starter catalogue checks clean and is built at once, so the new repository
//! already passes `iocc build --locked --check` (its `out/` and SID lock are written); the CI
//! files run `iocc check`, `iocc build --locked --check`, `iocc bundle` and `iocc verify` with
//! the iocc version that wrote them; no existing file is overwritten without `force`, and
//! nothing is written at all when any file would be refused.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::build::{self, BuildOptions, BuildReport};
use crate::diag::{display, Code, Diagnostic, Diagnostics, SourceCache};
use crate::output::write_file_atomic;

/// The starter catalogue, relative to the repository.
pub const CATALOGUE: &str = "iocs/example-advisory.yaml";
/// The JSON Schema beside it, named by the catalogue's yaml-language-server modeline.
pub const SCHEMA: &str = "iocs/catalogue.schema.json";
/// The GitHub Actions workflow.
pub const GITHUB_WORKFLOW: &str = ".github/workflows/iocc.yml";
/// The GitLab CI pipeline.
pub const GITLAB_CI: &str = ".gitlab-ci.yml";

/// How CI installs iocc unless told otherwise: this version, from crates.io.
pub const DEFAULT_INSTALL: &str = "cargo install --locked iocc --version \"$IOCC_VERSION\"";

/// `iocc init` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct InitOptions {
    /// Folder of the new repository (created if needed).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
    /// The command CI runs to install iocc when it is not cached; it installs into
    /// $CARGO_INSTALL_ROOT (e.g. `cargo install --locked --git URL iocc`).
    #[arg(long, value_name = "COMMAND", default_value = DEFAULT_INSTALL)]
    pub install: String,
}

/// What `iocc init` wrote.
#[derive(Debug, Serialize)]
pub struct InitReport {
    pub dir: String,
    pub files: Vec<String>,
    pub build: BuildReport,
}

/// The files of a new repository: relative path and contents.
pub fn files(install: &str) -> Vec<(&'static str, String)> {
    let ci = |text: &str| {
        text.replace("{{version}}", env!("CARGO_PKG_VERSION"))
            .replace("{{install}}", install)
    };
    vec![
        (CATALOGUE, include_str!("starter.yaml").to_owned()),
        (SCHEMA, format!("{}\n", crate::shape::schema_json())),
        (".gitignore", include_str!("gitignore").to_owned()),
        ("README.md", include_str!("readme.md").to_owned()),
        (GITHUB_WORKFLOW, ci(include_str!("github-workflow.yml"))),
        (GITLAB_CI, ci(include_str!("gitlab-ci.yml"))),
    ]
}

/// Writes the repository into `opts.dir`, then builds it. `None` when something was refused
/// or failed (the reasons are in `diags`).
pub fn run(
    opts: &InitOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<InitReport> {
    let files = files(&opts.install);
    if !opts.force {
        diags.extend(refusals(&opts.dir, &files));
        if diags.has_errors() {
            return None;
        }
    }
    let mut written = Vec::new();
    for (rel, text) in &files {
        let path = under(&opts.dir, rel);
        if let Err(d) =
            create_parent(&path).and_then(|()| write_file_atomic(&path, text.as_bytes()))
        {
            diags.push(d);
            return None;
        }
        written.push(display(&path));
    }
    let build_opts = BuildOptions {
        paths: vec![under(&opts.dir, "iocs")],
        out: under(&opts.dir, "out"),
        ..BuildOptions::default()
    };
    let build = build::run(&build_opts, cache, diags)?;
    Some(InitReport {
        dir: display(&opts.dir),
        files: written,
        build,
    })
}

/// `rel` inside `dir`, without a leading `./` for the current folder (paths are printed).
fn under(dir: &Path, rel: &str) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(rel)
    } else {
        dir.join(rel)
    }
}

/// One error per file that exists already.
fn refusals(dir: &Path, files: &[(&'static str, String)]) -> Vec<Diagnostic> {
    files
        .iter()
        .map(|(rel, _)| under(dir, rel))
        .filter(|p| p.exists())
        .map(|p| {
            Diagnostic::new(
                Code::WriteFailed,
                format!("`{}` already exists", display(&p)),
            )
            .help("nothing was written: run `iocc init` in a new folder, or add --force to overwrite the starter files")
        })
        .collect()
}

fn create_parent(path: &Path) -> Result<(), Diagnostic> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        Diagnostic::new(
            Code::WriteFailed,
            format!("cannot create the folder `{}`: {e}", display(dir)),
        )
        .help("check the permissions of the parent folder")
    })
}
