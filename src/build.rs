//! The build: load every catalogue, compile every selected target in memory, then either
//! compare with `out/` (`--check`) or write it atomically.
//!
//! Guarantees: nothing is written unless every catalogue validated and every target compiled;
//! `--locked` refuses any change to a state file (SID locks) and `--check` refuses any
//! difference between a fresh build and the files on disk, both with exit code 1.
//! `out/<catalogue>/VERSION` records the catalogue version the output was built from: `--check`
//! also fails (`version-not-bumped`) when the output changed but that version did not, and a
//! writing build warns about it. `compile_all` is the shared in-memory pipeline of `build`,
//! `bundle` and `changelog`.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use jiff::civil::Date;
use serde::Serialize;

use crate::diag::{count, display, Code, Diagnostic, Diagnostics, SourceCache};
use crate::load::load_catalogue;
use crate::model::Catalogue;
use crate::output::{self, Tree};
use crate::progress::{self, Event};
use crate::rules::{self, RulePlan};
use crate::targets::coverage::Status;
use crate::targets::{self, Coverage, StateFile, Target, TargetContext};

/// The file of `out/<catalogue>/` recording the catalogue version the output was built from.
pub const VERSION_FILE: &str = "VERSION";

/// When the output on disk differs from a fresh build (beyond the version file) while the
/// version it records is the catalogue's current version: the catalogue (or iocc) changed what
/// is published without a new version.
/// `recorded` is the version file on disk; `changed` says whether any other file differs.
fn version_not_bumped(
    c: &Compiled,
    recorded: Option<&[u8]>,
    changed: bool,
    dest: &std::path::Path,
) -> Option<Diagnostic> {
    let recorded = recorded?;
    let current = c.tree.get(VERSION_FILE)?;
    if recorded != current.as_slice() {
        return None;
    }
    changed.then(|| {
        Diagnostic::new(
            Code::VersionNotBumped,
            format!(
                "the output of `{}` changed but its version `{}` did not (recorded in `{}`)",
                c.catalogue.id,
                c.catalogue.version,
                display(&dest.join(VERSION_FILE))
            ),
        )
        .in_file(&c.catalogue.source.path)
        .at_path("version")
        .help("bump `version` (patch: fixes, minor: new indicators or rules, major: removals), run `iocc build` and commit")
    })
}

/// What `iocc build` was asked to do; also its command-line arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BuildOptions {
    /// Catalogue files or folders of catalogues (default: iocs/).
    pub paths: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Build only these targets (repeatable; default: the catalogue's policy.targets).
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Fail instead of changing a lock file (SID locks).
    #[arg(long)]
    pub locked: bool,
    /// Compare a fresh build with the output folder and fail if they differ; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Folder whose templates replace the embedded ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct TargetReport {
    pub target: String,
    pub files: Vec<String>,
    #[serde(flatten)]
    pub coverage: Coverage,
}

#[derive(Debug, Serialize)]
pub struct CatalogueReport {
    pub id: String,
    pub version: String,
    pub file: String,
    pub out: String,
    /// `written`, `unchanged`, `checked`, or `not written` when writing failed.
    pub status: &'static str,
    pub items: usize,
    pub targets: Vec<TargetReport>,
}

#[derive(Debug, Default, Serialize)]
pub struct BuildReport {
    pub catalogues: Vec<CatalogueReport>,
}

/// The compiled form of one catalogue, not yet written.
pub struct Compiled {
    pub catalogue: Catalogue,
    pub tree: Tree,
    /// Top-level folders of `tree` this build owns (the selected targets).
    pub owned: Vec<String>,
    pub state: Vec<StateFile>,
    pub reports: Vec<TargetReport>,
    /// The rule plan the build published, if it published rules.
    pub rules: Option<RulePlan>,
}

/// Expands files and folders into catalogue files (`*.yaml`, `*.yml`), sorted per folder.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let defaulted = paths.is_empty();
    let roots = if defaulted {
        vec![PathBuf::from("iocs")]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for root in roots {
        if root.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&root)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.path())
                        .filter(|p| {
                            p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            if found.is_empty() {
                diags.push(
                    Diagnostic::new(
                        Code::NoCatalogues,
                        format!("`{}` holds no `.yaml` catalogue", display(&root)),
                    )
                    .help("name catalogue files, or a folder that holds `*.yaml` catalogues"),
                );
            }
            files.extend(found);
        } else {
            files.push(root);
        }
    }
    // The same file named twice (`iocc check iocs iocs/x.yaml`) is one catalogue, not a
    // duplicate id.
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    if files.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::new(Code::NoCatalogues, "no catalogue to work on")
                .help("run from the project folder (with `iocs/`) or name catalogue files"),
        );
    }
    (files, diags)
}

/// Today's date: `SOURCE_DATE_EPOCH` if set (reproducible runs), else the clock, in UTC.
pub fn today() -> Date {
    let ts = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    jiff::tz::TimeZone::UTC.to_datetime(ts).date()
}

/// Loads and validates catalogues; returns those that validated and every diagnostic.
pub fn load_all(
    files: &[PathBuf],
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Vec<Catalogue> {
    let names = targets::names();
    let today = today();
    let mut out = Vec::new();
    for f in files {
        let loaded = load_catalogue(f, today, &names, cache);
        diags.extend(loaded.diagnostics);
        out.extend(loaded.catalogue);
    }
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for c in &out {
        if let Some(first) = seen.insert(c.id.clone(), c.source.path.clone()) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateCatalogue,
                    format!(
                        "catalogue id `{}` is used by `{}` and `{}`",
                        c.id,
                        display(&first),
                        display(&c.source.path)
                    ),
                )
                .in_file(&c.source.path)
                .at_path("id")
                .help("each catalogue needs its own id: it names its output folder"),
            );
        }
    }
    out
}

/// Compiles one catalogue with the selected targets.
pub fn compile(
    catalogue: Catalogue,
    selected: &[&'static dyn Target],
    templates: &crate::render::Templates,
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut tree = Tree::new();
    let mut state = Vec::new();
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    // The rule plan comes before every target; its problems (the SID lock) are reported
    // where the publishing target stands, and that target is then not compiled.
    let publishes = |t: &dyn Target| t.name() == rules::plan::PUBLISHER;
    let (plan, mut plan_errors) = match selected.iter().any(|t| publishes(*t)) {
        false => (None, Vec::new()),
        true => match rules::plan::plan(&catalogue) {
            Ok(p) => (Some(p), Vec::new()),
            Err(e) => (None, e),
        },
    };
    for target in selected {
        if publishes(*target) && plan.is_none() {
            errors.append(&mut plan_errors);
            continue;
        }
        let (id, name) = (catalogue.id.as_str(), target.name());
        progress::target_start(id, name);
        let result = target.compile(&TargetContext {
            catalogue: &catalogue,
            templates,
            rules: plan.as_ref(),
        });
        match result {
            Ok(out) => {
                progress::target_done(id, name, out.files.iter().map(|f| f.contents.len()));
                let mut files = Vec::new();
                for f in out.files {
                    if !output::is_safe_relative(&f.path) {
                        errors.push(
                            Diagnostic::new(
                                Code::WriteFailed,
                                format!(
                                    "target `{}` produced an unsafe path `{}`",
                                    target.name(),
                                    f.path
                                ),
                            )
                            .help("this is a bug in iocc, please report it"),
                        );
                        continue;
                    }
                    let rel = format!("{}/{}", target.name(), f.path);
                    files.push(rel.clone());
                    tree.insert(rel, f.contents);
                }
                state.extend(out.state);
                reports.push(TargetReport {
                    target: target.name().to_owned(),
                    files,
                    coverage: targets::coverage(*target, &catalogue, &out.refused),
                });
            }
            // Targets that share a check (the address rails of the firewall lists and the
            // DNS response-IP triggers) report the same refusal once.
            Err(diags) => {
                for d in diags {
                    if !errors.contains(&d) {
                        errors.push(d);
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The version the output was compiled from, so `--check` can tell a changed output
    // whose catalogue version was not bumped (see `version_not_bumped`).
    tree.insert(
        VERSION_FILE.to_owned(),
        format!("{}\n", catalogue.version).into_bytes(),
    );
    let mut owned: Vec<String> = selected.iter().map(|t| t.name().to_owned()).collect();
    owned.push(VERSION_FILE.to_owned());
    state.extend(plan.as_ref().map(|p| StateFile {
        path: p.lock.path.clone(),
        contents: p.lock.contents.clone(),
    }));
    Ok(Compiled {
        catalogue,
        tree,
        owned,
        state,
        reports,
        rules: plan,
    })
}

fn select(names: &[String], catalogue: &Catalogue) -> Vec<&'static dyn Target> {
    let wanted: Vec<&str> = if names.is_empty() {
        catalogue
            .policy
            .targets
            .iter()
            .map(String::as_str)
            .collect()
    } else {
        names.iter().map(String::as_str).collect()
    };
    targets::registry()
        .iter()
        .copied()
        .filter(|t| wanted.contains(&t.name()))
        .collect()
}

/// The version file of an output folder whose files are `paths`, if it has one.
fn recorded_version(dest: &std::path::Path, paths: &[String]) -> Option<Vec<u8>> {
    paths
        .iter()
        .any(|p| p == VERSION_FILE)
        .then(|| std::fs::read(dest.join(VERSION_FILE)).ok())
        .flatten()
}

/// A version file that does not hold one version (edited by hand, or merged with a git
/// conflict), located: `--check` fails on it, a writing build warns and writes it again.
fn unreadable_version(
    dest: &std::path::Path,
    recorded: Option<&[u8]>,
    check: bool,
) -> Option<Diagnostic> {
    let text = String::from_utf8_lossy(recorded?);
    let lines: Vec<&str> = text.lines().collect();
    let bad = match lines.as_slice() {
        [one] if semver::Version::parse(one).is_ok() && text.ends_with('\n') => return None,
        [one, ..] if semver::Version::parse(one).is_ok() => 2,
        _ => 1,
    };
    let path = dest.join(VERSION_FILE);
    let found = Diagnostic::new(
        Code::StaleOutput,
        format!("`{}` does not hold one version", display(&path)),
    )
    .in_file(&path)
    .at(crate::diag::At::Line(bad))
    .help("`iocc build` writes it (one line: the catalogue version); run `iocc build` to write it again rather than editing or merging it by hand");
    Some(if check { found } else { found.as_warning() })
}

/// Splits paths into those under the given top-level folders and the others.
fn owned_paths(paths: Vec<String>, owned: &[String]) -> (Vec<String>, Vec<String>) {
    paths.into_iter().partition(|k| {
        owned
            .iter()
            .any(|o| k.split('/').next() == Some(o.as_str()))
    })
}

/// Loads, validates and compiles every catalogue `opts` names, in memory (nothing written).
/// Shared by `build`, `bundle` and `changelog`; `None` when any diagnostic is an error.
pub fn compile_all(
    opts: &BuildOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<Vec<Compiled>> {
    for t in &opts.targets {
        if targets::by_name(t).is_none() {
            diags.push(
                Diagnostic::new(Code::UnknownTarget, format!("`{t}` is not a target"))
                    .help(format!("known targets: {}", targets::names().join(", "))),
            );
        }
    }
    let (files, found) = discover(&opts.paths);
    diags.extend(found);
    if diags.has_errors() {
        return None;
    }
    let catalogues = load_all(&files, cache, diags);
    if diags.has_errors() {
        return None;
    }
    let templates = match targets::templates(opts.templates.as_deref()) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let mut compiled = Vec::new();
    progress::announce(Event::Catalogues(catalogues.len()));
    for c in catalogues {
        let selected = select(&opts.targets, &c);
        progress::announce(Event::Catalogue {
            id: &c.id,
            targets: selected.len(),
        });
        match compile(c, &selected, &templates) {
            Ok(done) => compiled.push(done),
            Err(errs) => diags.extend(errs),
        }
    }
    if diags.has_errors() {
        return None;
    }
    Some(compiled)
}

/// Runs `iocc build`. Returns the report (when the build got as far as compiling).
pub fn run(
    opts: &BuildOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<BuildReport> {
    let compiled = compile_all(opts, cache, diags)?;
    progress::announce(Event::Output);
    let pending_state = state_changes(opts, &compiled, diags);
    // Outputs can be large (a million-entry feed): the files on disk are compared one at a
    // time, and read whole only for `--check`'s report.
    let mut report = BuildReport::default();
    let mut unchanged_all = Vec::with_capacity(compiled.len());
    for c in &compiled {
        let dest = opts.out.join(&c.catalogue.id);
        let (owned_disk, _) = owned_paths(output::list_files(&dest), &c.owned);
        let unchanged = output::same_files(&dest, &owned_disk, &c.tree);
        unchanged_all.push(unchanged);
        let recorded = recorded_version(&dest, &owned_disk);
        diags.extend(unreadable_version(&dest, recorded.as_deref(), opts.check));
        if opts.check {
            diags.extend(stale(c, &dest, &owned_disk));
        }
        report
            .catalogues
            .push(catalogue_report(opts, c, &dest, unchanged));
    }
    if opts.check && opts.paths.is_empty() && opts.targets.is_empty() {
        diags.extend(orphans(&opts.out, &compiled));
    }
    if diags.has_errors() || opts.check {
        return Some(report);
    }
    write(
        opts,
        &compiled,
        &pending_state,
        &unchanged_all,
        &mut report,
        diags,
    );
    Some(report)
}

/// The state files (SID locks) that would change: refused with `--locked` or `--check`,
/// otherwise returned to be written.
fn state_changes<'c>(
    opts: &BuildOptions,
    compiled: &'c [Compiled],
    diags: &mut Diagnostics,
) -> Vec<&'c StateFile> {
    let mut pending = Vec::new();
    for c in compiled {
        for s in &c.state {
            let current = std::fs::read(&s.path).ok();
            if current.as_deref() == Some(s.contents.as_slice()) {
                continue;
            }
            if opts.locked || opts.check {
                let what = if current.is_none() {
                    "would be created"
                } else {
                    "would change"
                };
                diags.push(
                    Diagnostic::new(Code::LockChanged, format!("`{}` {what}", display(&s.path)))
                        .in_file(&c.catalogue.source.path)
                        .help("run `iocc build` without --locked/--check, review the lock change, and commit it with the catalogue"),
                );
            } else {
                pending.push(s);
            }
        }
    }
    pending
}

/// `--check`: the files of `dest` that differ from the fresh build, and a version that was
/// not bumped although they differ.
fn stale(c: &Compiled, dest: &std::path::Path, owned_disk: &[String]) -> Vec<Diagnostic> {
    let diff = output::diff_files(dest, owned_disk, &c.tree);
    if diff.is_empty() {
        return Vec::new();
    }
    let list = diff
        .iter()
        .take(10)
        .map(|(p, w)| format!("{}/{p} ({w})", display(dest)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut found = vec![Diagnostic::new(
        Code::StaleOutput,
        format!(
            "`{}` is stale: {} from a fresh build: {list}",
            display(dest),
            match diff.len() {
                1 => "1 file differs".to_owned(),
                n => format!("{n} files differ"),
            }
        ),
    )
    .in_file(&c.catalogue.source.path)
    .help("run `iocc build` and commit the result")];
    let changed = diff.iter().any(|(p, _)| p != VERSION_FILE);
    let recorded = recorded_version(dest, owned_disk);
    found.extend(version_not_bumped(c, recorded.as_deref(), changed, dest));
    found
}

fn catalogue_report(
    opts: &BuildOptions,
    c: &Compiled,
    dest: &std::path::Path,
    unchanged: bool,
) -> CatalogueReport {
    CatalogueReport {
        id: c.catalogue.id.clone(),
        version: c.catalogue.version.to_string(),
        file: display(&c.catalogue.source.path),
        out: display(dest),
        status: if opts.check {
            "checked"
        } else if unchanged {
            "unchanged"
        } else {
            "written"
        },
        items: c.catalogue.indicators.len() + c.catalogue.bulk.len() + c.catalogue.detections.len(),
        targets: c
            .reports
            .iter()
            .map(|r| TargetReport {
                target: r.target.clone(),
                files: r.files.clone(),
                coverage: r.coverage.clone(),
            })
            .collect(),
    }
}

/// `--check` of the whole tree: output folders whose catalogue is gone.
fn orphans(out: &std::path::Path, compiled: &[Compiled]) -> Vec<Diagnostic> {
    let ids: HashSet<&str> = compiled.iter().map(|c| c.catalogue.id.as_str()).collect();
    let Ok(rd) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut extra: Vec<String> = rd
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !ids.contains(n.as_str()))
        .collect();
    extra.sort();
    extra
        .into_iter()
        .map(|n| {
            Diagnostic::new(
                Code::StaleOutput,
                format!("`{}` has no catalogue", display(&out.join(&n))),
            )
            .help("delete the folder: its catalogue was removed or renamed")
        })
        .collect()
}

/// Writes each changed output folder atomically, then the state files (SID locks). A failed
/// write stops there and marks the catalogues not written yet as such.
fn write(
    opts: &BuildOptions,
    compiled: &[Compiled],
    pending_state: &[&StateFile],
    unchanged_all: &[bool],
    report: &mut BuildReport,
    diags: &mut Diagnostics,
) {
    // A failed write must not leave the report claiming `written`.
    let not_written = |report: &mut BuildReport, from: usize| {
        for c in report.catalogues.iter_mut().skip(from) {
            if c.status == "written" {
                c.status = "not written";
            }
        }
    };
    for (i, (c, unchanged)) in compiled.iter().zip(unchanged_all).enumerate() {
        if *unchanged {
            continue;
        }
        let dest = opts.out.join(&c.catalogue.id);
        let (owned_disk, kept) = owned_paths(output::list_files(&dest), &c.owned);
        // The output differs: with the same recorded version, some file other than the
        // version file does. Writing is allowed (work in progress); publishing needs the bump.
        let recorded = recorded_version(&dest, &owned_disk);
        if let Some(d) = version_not_bumped(c, recorded.as_deref(), true, &dest) {
            diags.push(d.as_warning());
        }
        // Keep the folders of targets this run did not build.
        let kept = output::read_files(&dest, &kept);
        if let Err(d) = output::replace_dir(&dest, kept.iter().chain(&c.tree)) {
            diags.push(d);
            not_written(report, i);
            return;
        }
    }
    // The SID locks last, once the output they number is in place: a run killed before this
    // point leaves the old lock, and the next run assigns the same SIDs again.
    for s in pending_state {
        if let Err(d) = output::write_file_atomic(&s.path, &s.contents) {
            diags.push(d);
            return;
        }
    }
}

/// Prints the build report for people.
pub fn render_report(report: &BuildReport) -> String {
    let mut out = String::new();
    for c in &report.catalogues {
        out.push_str(&format!(
            "{} {} ({}) -> {}: {}\n",
            c.id, c.version, c.file, c.out, c.status
        ));
        for t in &c.targets {
            out.push_str(&format!(
                "  {:<9} {}; carries {} of {}",
                t.target,
                count(t.files.len(), "file", "files"),
                t.coverage.carried.len(),
                count(c.items, "item", "items"),
            ));
            if t.coverage.skipped.is_empty() {
                out.push('\n');
            } else {
                out.push_str("; cannot express:\n");
                let statuses = t.coverage.statuses();
                for s in &t.coverage.skipped {
                    // An item carried with a limit (e.g. an outbound address the firewall
                    // blocks both ways) is in the output: say so.
                    let part = if statuses.get(s.id.as_str()) == Some(&Status::Partly) {
                        " (carried in part)"
                    } else {
                        ""
                    };
                    out.push_str(&format!("    - {}{part}: {}\n", s.id, s.reason));
                }
            }
        }
    }
    out
}
