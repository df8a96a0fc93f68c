//! The build: load every catalogue, then run every selected target of each, in parallel,
//! streaming its files into the catalogue's staging folder (or comparing them with `out/`
//! for `--check`, or keeping them in memory for bundles), then swap the staging folders in.
//!
//! Guarantees: nothing in `out/` changes unless every catalogue validated and every target
//! of every catalogue compiled (staging folders are swapped in only then, one catalogue
//! folder at a time, each atomically); the output is the same bytes whatever the number of
//! cores (each target writes only its own files, and reports are gathered in target order);
//! `--locked` refuses any change to a state file (SID locks) and `--check` refuses any
//! difference between a fresh build and the files on disk, both with exit code 1.
//! `out/<catalogue>/VERSION` records the catalogue version the output was built from: `--check`
//! also fails (`version-not-bumped`) when the output changed but that version did not, and a
//! writing build warns about it. `compile_all` is the in-memory pipeline of `bundle`,
//! `changelog` and `explain`; `check_all` runs only what can refuse a build, rendering
//! nothing (`iocc check`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

use jiff::civil::Date;
use serde::Serialize;

use crate::diag::{display, Code, Diagnostic, Diagnostics, SourceCache};
use crate::load::load_catalogue;
use crate::model::Catalogue;
use crate::output::{self, Compared, Files, Staging, Tree};
use crate::progress::{self, Event};
use crate::render::Templates;
use crate::rules::{self, RulePlan};
use crate::targets::{self, Coverage, StateFile, Target, TargetContext, TargetOutput};

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
    if recorded != version_bytes(&c.catalogue).as_slice() {
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
    /// Targets compiled at once (default: one per core); the output is the same bytes.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

impl BuildOptions {
    /// Targets to compile at once.
    fn workers(&self) -> usize {
        self.jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
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

/// The compiled form of one catalogue.
pub struct Compiled {
    pub catalogue: Catalogue,
    /// The files kept in memory ([`Dest::Memory`] only, version file included): relative
    /// `/`-separated path to contents.
    pub tree: Tree,
    /// Every target file written, relative to `out/<catalogue>/`, and how it compared with
    /// the file on disk.
    pub written: Vec<(String, Compared)>,
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

/// Where a compile sends each target's files.
#[derive(Clone, Copy)]
pub enum Dest<'a> {
    /// Kept in [`Compiled::tree`] (bundles, changelogs, tests).
    Memory,
    /// Streamed into the staging folder of the catalogue, compared with `out/` as they go.
    Stage(&'a Staging),
    /// Written nowhere, compared with the catalogue's folder on disk (`build --check`).
    Compare(&'a Path),
}

impl Dest<'_> {
    fn files(self, target: &str) -> Files {
        match self {
            Dest::Memory => Files::memory(target),
            Dest::Stage(s) => s.files(target),
            Dest::Compare(dir) => Files::compare(target, dir.join(target)),
        }
    }
}

/// One target's result: its files (how each compared) and what it reported.
type TargetResult = Result<(Files, TargetOutput), Vec<Diagnostic>>;

/// What a worker tells the building thread, which announces it ([`progress`] observers
/// live on the thread that runs the build).
enum Progress {
    Start(usize),
    Done {
        index: usize,
        files: usize,
        bytes: u64,
    },
}

/// Runs `selected` on every core: each target writes only its own folder, so they run in
/// parallel; results come back in `selected` order, so reports and errors do not depend on
/// which finished first. Progress events are announced on the calling thread as targets
/// start and finish.
fn run_targets(
    selected: &[&'static dyn Target],
    cx: &TargetContext<'_>,
    dest: Dest<'_>,
    workers: usize,
    skip: &(dyn Fn(&dyn Target) -> bool + Sync),
) -> Vec<Option<TargetResult>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<TargetResult>>> =
        Mutex::new((0..selected.len()).map(|_| None).collect());
    let workers = workers.min(selected.len()).max(1);
    let work = |tx: mpsc::Sender<Progress>| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(target) = selected.get(i) else { break };
        if skip(*target) {
            continue;
        }
        let _ = tx.send(Progress::Start(i));
        let mut files = dest.files(target.name());
        let result = target.write(cx, &mut files);
        let (count, bytes) = (files.written().len(), files.bytes());
        if let Ok(mut r) = results.lock() {
            r[i] = Some(result.map(|out| (files, out)));
        }
        let _ = tx.send(Progress::Done {
            index: i,
            files: count,
            bytes,
        });
    };
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (tx, work) = (tx.clone(), &work);
            s.spawn(move || work(tx));
        }
        drop(tx);
        let id = cx.catalogue.id.as_str();
        for p in rx {
            match p {
                Progress::Start(i) => progress::target_start(id, selected[i].name()),
                Progress::Done {
                    index,
                    files,
                    bytes,
                } => progress::target_done(id, selected[index].name(), files, bytes),
            }
        }
    });
    results.into_inner().unwrap_or_default()
}

/// The rule plan, made before every target when the build publishes rules; its problems
/// (the SID lock) are reported where the publishing target stands.
fn plan_rules(
    catalogue: &Catalogue,
    selected: &[&'static dyn Target],
) -> (Option<RulePlan>, Vec<Diagnostic>) {
    if !selected
        .iter()
        .any(|t| rules::plan::RULE_TARGETS.contains(&t.name()))
    {
        return (None, Vec::new());
    }
    match rules::plan::plan(catalogue) {
        Ok(p) => (Some(p), Vec::new()),
        Err(e) => (None, e),
    }
}

/// Compiles one catalogue with the selected targets into `dest`, `workers` targets at once.
pub fn compile(
    catalogue: Catalogue,
    selected: &[&'static dyn Target],
    templates: &crate::render::Templates,
    dest: Dest<'_>,
    workers: usize,
) -> Result<Compiled, Vec<Diagnostic>> {
    let (plan, mut errors) = plan_rules(&catalogue, selected);
    let publisher_failed = plan.is_none() && !errors.is_empty();
    let cx = TargetContext {
        catalogue: &catalogue,
        templates,
        rules: plan.as_ref(),
    };
    let skip = |t: &dyn Target| publisher_failed && rules::plan::RULE_TARGETS.contains(&t.name());
    let results = run_targets(selected, &cx, dest, workers, &skip);
    let mut tree = Tree::new();
    let mut written = Vec::new();
    let mut state = Vec::new();
    let mut reports = Vec::new();
    for (target, result) in selected.iter().zip(results) {
        let (files, out) = match result {
            None => continue,
            Some(Err(diags)) => {
                add_once(&mut errors, diags);
                continue;
            }
            Some(Ok(done)) => done,
        };
        let name = target.name();
        let paths: Vec<String> = files
            .written()
            .iter()
            .map(|(p, _)| format!("{name}/{p}"))
            .collect();
        written.extend(
            files
                .written()
                .iter()
                .map(|(p, c)| (format!("{name}/{p}"), *c)),
        );
        for (p, bytes) in files.into_tree() {
            tree.insert(format!("{name}/{p}"), bytes);
        }
        state.extend(out.state);
        reports.push(TargetReport {
            target: name.to_owned(),
            files: paths,
            coverage: targets::coverage(*target, &catalogue, &out.refused),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Dest::Memory = dest {
        // The version the output was compiled from, so `--check` can tell a changed output
        // whose catalogue version was not bumped (see `version_not_bumped`).
        tree.insert(VERSION_FILE.to_owned(), version_bytes(&catalogue));
    }
    let mut owned: Vec<String> = selected.iter().map(|t| t.name().to_owned()).collect();
    owned.push(VERSION_FILE.to_owned());
    state.extend(plan.as_ref().map(|p| StateFile {
        path: p.lock.path.clone(),
        contents: p.lock.contents.clone(),
    }));
    Ok(Compiled {
        catalogue,
        tree,
        written,
        owned,
        state,
        reports,
        rules: plan,
    })
}

/// The contents of `out/<catalogue>/VERSION`.
fn version_bytes(c: &Catalogue) -> Vec<u8> {
    format!("{}\n", c.version).into_bytes()
}

/// Runs everything that can refuse a build of `catalogue` (the rule plan with its SID range
/// and lock, each target's own refusals such as the firewall safety rails) without rendering
/// any output.
pub fn check(
    catalogue: &Catalogue,
    selected: &[&'static dyn Target],
    templates: &crate::render::Templates,
) -> Vec<Diagnostic> {
    let (plan, mut errors) = plan_rules(catalogue, selected);
    let cx = TargetContext {
        catalogue,
        templates,
        rules: plan.as_ref(),
    };
    for t in selected {
        if let Err(d) = t.check(&cx) {
            add_once(&mut errors, d);
        }
    }
    errors
}

/// Adds diagnostics not already there: targets that share a check (the address rails of the
/// firewall lists and the DNS response-IP triggers) report the same refusal once.
fn add_once(errors: &mut Vec<Diagnostic>, found: Vec<Diagnostic>) {
    for d in found {
        if !errors.contains(&d) {
            errors.push(d);
        }
    }
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

/// Loads and validates every catalogue `opts` names and reads the templates; `None` when any
/// diagnostic is an error.
fn prepare(
    opts: &BuildOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<(Vec<Catalogue>, Templates)> {
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
    match targets::templates(opts.templates.as_deref()) {
        Ok(t) => Some((catalogues, t)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Loads, validates and compiles every catalogue `opts` names, in memory (nothing written).
/// Shared by `bundle`, `changelog` and `explain`; `None` when any diagnostic is an error.
pub fn compile_all(
    opts: &BuildOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<Vec<Compiled>> {
    let (catalogues, templates) = prepare(opts, cache, diags)?;
    let mut compiled = Vec::new();
    progress::announce(Event::Catalogues(catalogues.len()));
    for c in catalogues {
        let selected = select(&opts.targets, &c);
        progress::announce(Event::Catalogue {
            id: &c.id,
            targets: selected.len(),
        });
        match compile(c, &selected, &templates, Dest::Memory, opts.workers()) {
            Ok(done) => compiled.push(done),
            Err(errs) => diags.extend(errs),
        }
    }
    if diags.has_errors() {
        return None;
    }
    Some(compiled)
}

/// `iocc check`: loads and validates every catalogue `opts` names and runs everything that
/// can refuse its build ([`check`]), rendering nothing. Returns the catalogues that loaded.
pub fn check_all(
    opts: &BuildOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Vec<Catalogue> {
    let Some((catalogues, templates)) = prepare(opts, cache, diags) else {
        return Vec::new();
    };
    for c in &catalogues {
        let selected = select(&opts.targets, c);
        diags.extend(check(c, &selected, &templates));
    }
    catalogues
}

/// Compiles every catalogue into its destination: compared with `out/` (`--check`) or
/// streamed into a staging folder each (kept until [`write`] swaps them in, dropped, and so
/// removed, otherwise).
fn compile_to_disk(
    opts: &BuildOptions,
    catalogues: Vec<Catalogue>,
    templates: &Templates,
    diags: &mut Diagnostics,
) -> Vec<(Compiled, Option<Staging>)> {
    let mut done = Vec::new();
    progress::announce(Event::Catalogues(catalogues.len()));
    for c in catalogues {
        let dest = opts.out.join(&c.id);
        let selected = select(&opts.targets, &c);
        progress::announce(Event::Catalogue {
            id: &c.id,
            targets: selected.len(),
        });
        let staging = if opts.check {
            None
        } else {
            match Staging::new(&dest) {
                Ok(s) => Some(s),
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            }
        };
        let to = match &staging {
            Some(s) => Dest::Stage(s),
            None => Dest::Compare(&dest),
        };
        match compile(c, &selected, templates, to, opts.workers()) {
            Ok(compiled) => done.push((compiled, staging)),
            Err(errs) => diags.extend(errs),
        }
    }
    done
}

/// Runs `iocc build`. Returns the report (when the build got as far as compiling).
pub fn run(
    opts: &BuildOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<BuildReport> {
    let (catalogues, templates) = prepare(opts, cache, diags)?;
    let compiled = compile_to_disk(opts, catalogues, &templates, diags);
    progress::announce(Event::Output);
    if diags.has_errors() {
        return None;
    }
    let pending_state = state_changes(opts, compiled.iter().map(|(c, _)| c), diags);
    let mut report = BuildReport::default();
    let mut unchanged_all = Vec::with_capacity(compiled.len());
    for (c, _) in &compiled {
        let dest = opts.out.join(&c.catalogue.id);
        let (owned_disk, _) = owned_paths(output::list_files(&dest), &c.owned);
        let diff = differences(c, &dest, &owned_disk);
        unchanged_all.push(diff.is_empty());
        let recorded = recorded_version(&dest, &owned_disk);
        diags.extend(unreadable_version(&dest, recorded.as_deref(), opts.check));
        if opts.check {
            diags.extend(stale(c, &dest, &owned_disk, &diff));
        }
        report
            .catalogues
            .push(catalogue_report(opts, c, &dest, diff.is_empty()));
    }
    if opts.check && opts.paths.is_empty() && opts.targets.is_empty() {
        let ids: Vec<&Catalogue> = compiled.iter().map(|(c, _)| &c.catalogue).collect();
        diags.extend(orphans(&opts.out, &ids));
    }
    if diags.has_errors() || opts.check {
        return Some(report);
    }
    write(
        opts,
        compiled,
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
    compiled: impl Iterator<Item = &'c Compiled>,
    diags: &mut Diagnostics,
) -> Vec<StateFile> {
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
                pending.push(s.clone());
            }
        }
    }
    pending
}

/// The differences (path, what) between the fresh build of `c` (streamed and compared file
/// by file) and the files `owned_disk` of `dest`: `missing`, `differs` or `not produced by a
/// fresh build`; the version file included.
fn differences(c: &Compiled, dest: &Path, owned_disk: &[String]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for (path, compared) in &c.written {
        match compared {
            Compared::Same | Compared::Unknown => {}
            Compared::Differs => out.push((path.clone(), "differs")),
            Compared::Missing => out.push((path.clone(), "missing")),
        }
    }
    match std::fs::read(dest.join(VERSION_FILE)) {
        Err(_) => out.push((VERSION_FILE.to_owned(), "missing")),
        Ok(b) if b != version_bytes(&c.catalogue) => {
            out.push((VERSION_FILE.to_owned(), "differs"));
        }
        Ok(_) => {}
    }
    let fresh: HashSet<&str> = c.written.iter().map(|(p, _)| p.as_str()).collect();
    for p in owned_disk {
        if p != VERSION_FILE && !fresh.contains(p.as_str()) {
            out.push((p.clone(), "not produced by a fresh build"));
        }
    }
    out.sort();
    out
}

/// `--check`: the files of `dest` that differ from the fresh build, and a version that was
/// not bumped although they differ.
fn stale(
    c: &Compiled,
    dest: &Path,
    owned_disk: &[String],
    diff: &[(String, &'static str)],
) -> Vec<Diagnostic> {
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
    dest: &Path,
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
fn orphans(out: &Path, compiled: &[&Catalogue]) -> Vec<Diagnostic> {
    let ids: HashSet<&str> = compiled.iter().map(|c| c.id.as_str()).collect();
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

/// Swaps each changed catalogue's staging folder in (with the folders of targets this run
/// did not build carried over), then writes the state files (SID locks). A failed write
/// stops there and marks the catalogues not written yet as such; their staging folders are
/// removed.
fn write(
    opts: &BuildOptions,
    compiled: Vec<(Compiled, Option<Staging>)>,
    pending_state: &[StateFile],
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
    for (i, ((c, staging), unchanged)) in compiled.into_iter().zip(unchanged_all).enumerate() {
        let Some(staging) = staging else { continue };
        if *unchanged {
            continue;
        }
        let dest = opts.out.join(&c.catalogue.id);
        if let Err(d) = swap_in(&c, &dest, staging, diags) {
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

/// Completes one catalogue's staging folder (version file, folders of targets not built)
/// and swaps it in.
fn swap_in(
    c: &Compiled,
    dest: &Path,
    staging: Staging,
    diags: &mut Diagnostics,
) -> Result<(), Diagnostic> {
    let (owned_disk, kept) = owned_paths(output::list_files(dest), &c.owned);
    // The output differs: with the same recorded version, some file other than the
    // version file does. Writing is allowed (work in progress); publishing needs the bump.
    let recorded = recorded_version(dest, &owned_disk);
    if let Some(d) = version_not_bumped(c, recorded.as_deref(), true, dest) {
        diags.push(d.as_warning());
    }
    staging.keep(&kept)?;
    let mut top = Files::disk("", staging.path().to_path_buf(), dest.to_path_buf());
    top.put(VERSION_FILE, &version_bytes(&c.catalogue))
        .map_err(|mut d| d.remove(0))?;
    staging.commit()
}
