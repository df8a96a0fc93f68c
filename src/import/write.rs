//! The end of an import: plan what to add, render it, check it as `iocc check` would, and write
//! it atomically (or only show it, with `--dry-run`).
//!
//! Guarantees: nothing is written unless the resulting catalogue validates and every target of
//! its policy compiles (checked on temporary files beside it, which are removed); each file is
//! written to a temporary sibling and renamed; side files are written before the catalogue that
//! names them, so a failure leaves at worst an unused new side file, never a catalogue naming a
//! missing one. `--out` refuses to replace a different existing file; importing the same
//! sources again changes nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use super::emit::{self, OutAdvisory, OutBulk, OutCatalogue};
use super::screen::{self, Item};
use super::{into, values, Feed, ImportOptions, ImportReport};
use crate::build::{self, BuildOptions};
use crate::diag::{display, At, Code, Diagnostic, Diagnostics, SourceCache};
use crate::model::{Catalogue, Observable, Tlp};
use crate::output::write_file_atomic;

/// Where the import goes.
struct Target {
    catalogue: PathBuf,
    /// The existing catalogue (`--into`), validated, and its text.
    existing: Option<(Catalogue, String)>,
}

fn failed(message: String, help: &str) -> Diagnostic {
    Diagnostic::error(Code::ImportFailed, message).help(help.to_owned())
}

/// The sources' combined header facts and every entry, in source order.
fn gather(feeds: Vec<Feed>) -> (super::SourceMeta, Vec<super::Entry>) {
    let mut meta = super::SourceMeta::default();
    let mut entries = Vec::new();
    for f in feeds {
        meta.publisher = meta.publisher.or(f.meta.publisher);
        meta.title = meta.title.or(f.meta.title);
        meta.advisory_id = meta.advisory_id.or(f.meta.advisory_id);
        meta.tlp = values::stricter(meta.tlp, f.meta.tlp);
        for r in f.meta.references {
            if !meta.references.contains(&r) {
                meta.references.push(r);
            }
        }
        meta.dates.extend(f.meta.dates);
        entries.extend(f.entries);
    }
    (meta, entries)
}

/// Screens and merges the entries; returns the items not yet in the target catalogue.
fn items(
    entries: Vec<super::Entry>,
    opts: &ImportOptions,
    target: &Target,
    meta: &super::SourceMeta,
    report: &mut ImportReport,
    diags: &mut Diagnostics,
) -> Option<Vec<Item>> {
    let policy = match &target.existing {
        Some((c, _)) => c.clone(),
        None => skeleton()?,
    };
    let mut found = Vec::new();
    let (entries, left_out) = screen::screen(entries, opts.action, &policy, &mut found);
    report.skipped += left_out;
    diags.extend(found);
    let (items, merged) = screen::merge(entries, opts.action);
    report.merged = merged;
    let present = present_values(target.existing.as_ref().map(|(c, _)| c));
    let (mut items, already): (Vec<Item>, Vec<Item>) = items
        .into_iter()
        .partition(|i| !present.contains(&i.observable));
    report.already_present = already.len();
    // Entries that cite nothing cite their feed's own sources.
    for i in &mut items {
        if i.references.is_empty() {
            i.references = meta.references.clone();
        }
    }
    Some(items)
}

pub fn run(
    opts: &ImportOptions,
    feeds: Vec<Feed>,
    mut report: ImportReport,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<ImportReport> {
    let target = target(opts, cache, diags)?;
    let (meta, entries) = gather(feeds);
    let items = items(entries, opts, &target, &meta, &mut report, diags)?;
    report.catalogue = display(&target.catalogue);
    let extra_refs: Vec<String> = opts
        .references
        .iter()
        .filter_map(|r| values::reference(r))
        .collect();
    let plan = plan(&items, opts, &target, &extra_refs, &meta);
    for (what, origin) in &plan.cuts {
        diags.push(
            super::skipped(
                Code::ValueTooLong,
                format!("{what} is cut to fit the catalogue"),
            )
            .in_file(&origin.file)
            .at(At::Line(origin.line.max(1)))
            .help(
                "the full text stays in the source; titles hold 200 characters, descriptions 4000",
            ),
        );
    }
    report.indicators_added = plan.indicators;
    report.bulk_entries_added = plan.bulk_entries;
    let old_text = target.existing.as_ref().map(|(_, t)| t.as_str());
    let new_text = match render(
        &plan,
        opts,
        &meta,
        &target,
        old_text,
        &plan.side_names(false),
    ) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d.in_file(&target.catalogue));
            return None;
        }
    };
    report.diff = diff(old_text.unwrap_or(""), &new_text, &target.catalogue);
    report.side_files = plan
        .sides
        .iter()
        .map(|s| format!("{} ({} entries)", display(&s.path), s.count))
        .collect();
    let nothing_new = plan.indicators + plan.bulk_entries == 0 && old_text.is_some();
    if old_text == Some(new_text.as_str())
        || nothing_new
        || same_as_disk(&plan, &target, old_text, &new_text, diags)?
    {
        report.status = "unchanged".into();
        if old_text.is_none() {
            report.diff.clear();
        }
        return Some(report);
    }
    if !verify(
        &plan, opts, &meta, &target, old_text, &new_text, cache, diags,
    ) {
        return None;
    }
    if opts.dry_run {
        report.status = "dry run".into();
        return Some(report);
    }
    write_all(&plan, &target, new_text, cache, diags)?;
    report.status = "written".into();
    Some(report)
}

/// `--out` over an existing file: `Some(true)` when it (and its side files) already hold this
/// very import, an `import-failed` error (`None`) when it holds something else.
fn same_as_disk(
    plan: &Plan,
    target: &Target,
    old: Option<&str>,
    new_text: &str,
    diags: &mut Diagnostics,
) -> Option<bool> {
    let (None, Ok(disk)) = (old, std::fs::read_to_string(&target.catalogue)) else {
        return Some(false);
    };
    let sides_same = plan
        .sides
        .iter()
        .all(|s| std::fs::read(&s.path).is_ok_and(|b| b == s.bytes));
    if disk == new_text && sides_same {
        return Some(true);
    }
    diags.push(
        failed(
            format!("`{}` already exists", display(&target.catalogue)),
            "use --into to add to an existing catalogue, or choose another --out file",
        )
        .in_file(&target.catalogue),
    );
    None
}

/// Writes the side files, then the catalogue that names them, each atomically.
fn write_all(
    plan: &Plan,
    target: &Target,
    new_text: String,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<()> {
    let parents = plan
        .sides
        .iter()
        .map(|s| s.path.as_path())
        .chain([target.catalogue.as_path()]);
    for dir in parents
        .filter_map(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
    {
        if let Err(e) = std::fs::create_dir_all(dir) {
            diags.push(failed(
                format!("cannot create `{}`: {e}", display(dir)),
                "check permissions",
            ));
            return None;
        }
    }
    for s in &plan.sides {
        if let Err(d) = write_file_atomic(&s.path, &s.bytes) {
            diags.push(d);
            return None;
        }
    }
    if let Err(d) = write_file_atomic(&target.catalogue, new_text.as_bytes()) {
        diags.push(d);
        return None;
    }
    cache.insert(&target.catalogue, new_text);
    Some(())
}

fn target(
    opts: &ImportOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<Target> {
    match (&opts.out, &opts.into) {
        (Some(out), None) => Some(Target {
            catalogue: out.clone(),
            existing: None,
        }),
        (None, Some(into)) => {
            let loaded =
                crate::load::load_catalogue(into, build::today(), &crate::targets::names(), cache);
            let errors = loaded.diagnostics.iter().any(Diagnostic::is_error);
            diags.extend(loaded.diagnostics);
            let text = cache.text(into).map(str::to_owned);
            match (loaded.catalogue, text, errors) {
                (Some(c), Some(t), false) => Some(Target {
                    catalogue: into.clone(),
                    existing: Some((c, t)),
                }),
                _ => {
                    diags.push(
                        failed(
                            format!(
                                "`{}` does not check clean, so nothing is added to it",
                                display(into)
                            ),
                            "fix the catalogue first (`iocc check`)",
                        )
                        .in_file(into),
                    );
                    None
                }
            }
        }
        _ => {
            diags.push(failed(
                "give --out NEW.yaml or --into EXISTING.yaml".into(),
                "--out writes a new catalogue; --into adds to an existing one",
            ));
            None
        }
    }
}

/// A catalogue with the default policy: what a new catalogue's checks apply.
fn skeleton() -> Option<Catalogue> {
    let raw: crate::model::raw::RawCatalogue = serde_yaml::from_str(
        "id: skeleton\nversion: 1.0.0\ntitle: t\npublisher: p\ntlp: clear\nadvisory: {id: a, title: t, issuer: i, published: 2025-01-01, modified: 2025-01-01}\n",
    )
    .ok()?;
    let names = crate::targets::names();
    let (c, _) = crate::validate::validate(
        &raw,
        &crate::validate::Inputs {
            file: Path::new("skeleton.yaml"),
            sha256: String::new(),
            today: build::today(),
            known_targets: &names,
        },
    );
    c
}

/// Every value an existing catalogue holds (indicators and bulk entries).
fn present_values(c: Option<&Catalogue>) -> HashSet<Observable> {
    let mut set = HashSet::new();
    if let Some(c) = c {
        set.extend(c.indicators.iter().map(|i| i.observable.clone()));
        for b in &c.bulk {
            set.extend(b.networks.iter().map(|(n, _)| Observable::of_net(n)));
            set.extend(
                b.domains
                    .iter()
                    .map(|(d, _)| Observable::Domain(d.to_owned())),
            );
        }
    }
    set
}

/// One new bulk side file.
struct Side {
    list: OutBulk,
    path: PathBuf,
    /// `path` relative to the catalogue's folder, as written in the catalogue.
    rel: String,
    bytes: Vec<u8>,
    count: usize,
}

/// What the entries of one bulk list share: kind, action, confidence, severity, direction.
type GroupKey = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// What the import adds.
struct Plan {
    indicators_yaml: Vec<emit::OutIndicator>,
    sides: Vec<Side>,
    indicators: usize,
    bulk_entries: usize,
    cuts: Vec<emit::Cut>,
}

impl Plan {
    /// The relative path of each side file (temporary names for the verification copy).
    fn side_names(&self, temporary: bool) -> Vec<String> {
        self.sides
            .iter()
            .map(|s| {
                if temporary {
                    temp_name(&s.rel)
                } else {
                    s.rel.clone()
                }
            })
            .collect()
    }
}

fn temp_name(rel: &str) -> String {
    format!(".iocc-import-{}/{rel}", std::process::id())
}

fn plan(
    items: &[Item],
    opts: &ImportOptions,
    target: &Target,
    extra_refs: &[String],
    meta: &super::SourceMeta,
) -> Plan {
    let mut cuts = Vec::new();
    // Groups of addresses or domains sharing every list-level attribute.
    let mut groups: BTreeMap<GroupKey, Vec<&Item>> = BTreeMap::new();
    for item in items {
        if let Some(kind) = emit::bulk_kind(&item.observable) {
            groups
                .entry((
                    kind,
                    emit::action(item.action),
                    emit::confidence(item.confidence),
                    item.severity.map(emit::severity),
                    item.direction.map(emit::direction),
                ))
                .or_default()
                .push(item);
        }
    }
    let bulk_groups: Vec<_> = groups
        .into_iter()
        .filter(|(_, v)| v.len() > opts.bulk_above)
        .collect();
    let in_bulk: HashSet<&Observable> = bulk_groups
        .iter()
        .flat_map(|(_, v)| v.iter().map(|i| &i.observable))
        .collect();
    let existing = target.existing.as_ref().map(|(c, _)| c);
    let mut ids: HashSet<String> = existing
        .map(|c| {
            c.indicators
                .iter()
                .map(|i| i.id.clone())
                .chain(c.bulk.iter().map(|b| b.id.clone()))
                .collect()
        })
        .unwrap_or_default();
    let yaml_items: Vec<&Item> = items
        .iter()
        .filter(|i| !in_bulk.contains(&i.observable))
        .collect();
    let id_of: Vec<String> = yaml_items
        .iter()
        .map(|i| unique(values::indicator_id(&i.observable), &mut ids))
        .collect();
    let parents = parents(&yaml_items, &id_of, existing);
    let indicators_yaml = yaml_items
        .iter()
        .zip(&id_of)
        .zip(parents)
        .map(|((i, id), parent)| emit::indicator(i, id.clone(), parent, extra_refs, &mut cuts))
        .collect::<Vec<_>>();
    let sides = sides(bulk_groups, opts, target, meta, extra_refs, &mut ids);
    let bulk_entries = sides.iter().map(|s| s.count).sum();
    Plan {
        indicators: indicators_yaml.len(),
        indicators_yaml,
        sides,
        bulk_entries,
        cuts,
    }
}

/// The bulk lists of the groups over the threshold, with their side files.
fn sides(
    bulk_groups: Vec<(GroupKey, Vec<&Item>)>,
    opts: &ImportOptions,
    target: &Target,
    meta: &super::SourceMeta,
    extra_refs: &[String],
    ids: &mut HashSet<String>,
) -> Vec<Side> {
    let existing = target.existing.as_ref().map(|(c, _)| c);
    let stem = catalogue_stem(&target.catalogue);
    let dir = target
        .catalogue
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let mut sides = Vec::new();
    let mut list_refs: Vec<String> = meta.references.clone();
    for r in extra_refs {
        if !list_refs.contains(r) {
            list_refs.push(r.clone());
        }
    }
    let sources = source_names(opts);
    for ((kind, action, confidence, severity, direction), members) in bulk_groups {
        let plural = if kind == "address" {
            "addresses"
        } else {
            "domains"
        };
        let mut base = format!("{plural}-{action}");
        if confidence == "inferred" {
            base.push_str("-inferred");
        }
        if let Some(s) = severity {
            base.push('-');
            base.push_str(s);
        }
        if let Some(d) = direction {
            base.push('-');
            base.push_str(d);
        }
        if existing.is_some() {
            // A later import adds its own list: named by its content, so the same import
            // twice names the same list.
            let mut h = sha2::Sha256::default();
            for m in &members {
                sha2::Digest::update(&mut h, m.observable.value().as_bytes());
                sha2::Digest::update(&mut h, b"\n");
            }
            base.push('-');
            base.push_str(&hex::encode(&sha2::Digest::finalize(h)[..4]));
        }
        let id = unique(base, ids);
        let rel = format!("{stem}/{id}.csv");
        let bytes = emit::side_file(&members);
        sides.push(Side {
            list: OutBulk {
                id: id.clone(),
                path: rel.clone(),
                format: "csv",
                column: "value",
                kind,
                description: format!(
                    "Imported from {sources}: {} entries; each entry's source is in the side file.",
                    members.len()
                ),
                confidence,
                severity,
                action,
                direction,
                references: list_refs.clone(),
            },
            path: dir.join(&rel),
            rel,
            bytes,
            count: members.len(),
        });
    }
    sides
}

fn unique(base: String, ids: &mut HashSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 2;
    while ids.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    ids.insert(id.clone());
    id
}

/// `part-of` for each new address or network inside a network indicator (new or existing):
/// the narrowest one, so that the check sees the overlap as intended.
fn parents(items: &[&Item], ids: &[String], existing: Option<&Catalogue>) -> Vec<Option<String>> {
    let mut nets: Vec<(IpNet, String)> = items
        .iter()
        .zip(ids)
        .filter_map(|(i, id)| match i.observable {
            Observable::Network(n) => Some((n, id.clone())),
            _ => None,
        })
        .collect();
    if let Some(c) = existing {
        nets.extend(c.indicators.iter().filter_map(|i| match i.observable {
            Observable::Network(n) => Some((n, i.id.clone())),
            _ => None,
        }));
    }
    // Narrowest first: the first container found is the closest.
    nets.sort_by(|a, b| b.0.prefix_len().cmp(&a.0.prefix_len()).then(a.1.cmp(&b.1)));
    items
        .iter()
        .map(|i| {
            let net = i.observable.as_net()?;
            nets.iter()
                .find(|(n, _)| *n != net && n.contains(&net))
                .map(|(_, id)| id.clone())
        })
        .collect()
}

fn catalogue_stem(p: &Path) -> String {
    p.file_stem().map_or_else(
        || "imported".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    )
}

fn source_names(opts: &ImportOptions) -> String {
    opts.files
        .iter()
        .map(|f| {
            f.file_name()
                .map_or_else(|| display(f), |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A catalogue id from a file name: lowercase letters, digits and `-`.
fn id_from(p: &Path) -> String {
    let stem = catalogue_stem(p).to_ascii_lowercase();
    let s: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').chars().take(64).collect::<String>();
    if s.is_empty() {
        "imported".into()
    } else {
        s
    }
}

/// The whole new text of the catalogue, with side files named `side_names`.
fn render(
    plan: &Plan,
    opts: &ImportOptions,
    meta: &super::SourceMeta,
    target: &Target,
    old: Option<&str>,
    side_names: &[String],
) -> Result<String, Diagnostic> {
    let bulk: Vec<OutBulk> = plan
        .sides
        .iter()
        .zip(side_names)
        .map(|(s, name)| OutBulk {
            path: name.clone(),
            ..clone_bulk(&s.list)
        })
        .collect();
    match old {
        Some(text) => {
            let with_items = if plan.indicators_yaml.is_empty() {
                text.to_owned()
            } else {
                into::add(text, "indicators", &emit::yaml(&plan.indicators_yaml))
                    .map_err(|e| failed(e, "the catalogue was left as it was"))?
            };
            if bulk.is_empty() {
                Ok(with_items)
            } else {
                into::add(&with_items, "bulk", &emit::yaml(&bulk))
                    .map_err(|e| failed(e, "the catalogue was left as it was"))
            }
        }
        None => Ok(new_catalogue(plan, opts, meta, target, bulk)),
    }
}

fn clone_bulk(b: &OutBulk) -> OutBulk {
    OutBulk {
        id: b.id.clone(),
        path: b.path.clone(),
        format: b.format,
        column: b.column,
        kind: b.kind,
        description: b.description.clone(),
        confidence: b.confidence,
        severity: b.severity,
        action: b.action,
        direction: b.direction,
        references: b.references.clone(),
    }
}

fn new_catalogue(
    plan: &Plan,
    opts: &ImportOptions,
    meta: &super::SourceMeta,
    target: &Target,
    bulk: Vec<OutBulk>,
) -> String {
    let sources = source_names(opts);
    let publisher = opts
        .publisher
        .clone()
        .or_else(|| meta.publisher.clone())
        .unwrap_or_else(|| "iocc import".into());
    let first = meta.dates.iter().min().copied();
    let last = meta.dates.iter().max().copied();
    let published = opts.date.or(first).unwrap_or_else(build::today);
    let modified = [Some(published), last, opts.date]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(published);
    let mut references: Vec<String> = meta.references.clone();
    for r in opts.references.iter().filter_map(|r| values::reference(r)) {
        if !references.contains(&r) {
            references.push(r);
        }
    }
    if references.is_empty() {
        // The sources the entries cite, when the feed names none for itself.
        for r in plan
            .indicators_yaml
            .iter()
            .flat_map(|i| &i.references)
            .chain(bulk.iter().flat_map(|b| &b.references))
        {
            if references.len() < 10 && !references.contains(r) {
                references.push(r.clone());
            }
        }
    }
    let title = opts
        .title
        .clone()
        .or_else(|| meta.title.clone())
        .unwrap_or_else(|| format!("Indicators imported from {sources}"));
    let doc = OutCatalogue {
        id: opts
            .id
            .clone()
            .unwrap_or_else(|| id_from(&target.catalogue)),
        version: "1.0.0",
        title: values::text(&title.replace(['\n', '\t'], " "), emit::MAX_ROLE).0,
        publisher: values::text(&publisher.replace(['\n', '\t'], " "), emit::MAX_ROLE).0,
        tlp: emit::tlp(opts.tlp.or(meta.tlp).unwrap_or(Tlp::Amber)),
        advisory: OutAdvisory {
            id: values::text(
                &meta
                    .advisory_id
                    .clone()
                    .unwrap_or_else(|| format!("import of {sources}"))
                    .replace(['\n', '\t'], " "),
                emit::MAX_ROLE,
            )
            .0,
            title: values::text(&title.replace(['\n', '\t'], " "), emit::MAX_ROLE).0,
            issuer: values::text(&publisher.replace(['\n', '\t'], " "), emit::MAX_ROLE).0,
            published: published.to_string(),
            modified: modified.to_string(),
            references,
        },
        indicators: plan
            .indicators_yaml
            .iter()
            .map(|i| emit::OutIndicator {
                id: i.id.clone(),
                kind: i.kind,
                value: i.value.clone(),
                role: i.role.clone(),
                description: i.description.clone(),
                confidence: i.confidence,
                severity: i.severity,
                action: i.action,
                direction: i.direction,
                valid_from: i.valid_from.clone(),
                valid_until: i.valid_until.clone(),
                references: i.references.clone(),
                part_of: i.part_of.clone(),
            })
            .collect(),
        bulk,
    };
    format!(
        "# Written by `iocc import` from {sources}.\n# Importing the same sources again changes nothing; `iocc import --into` adds without changing what is here.\n{}",
        emit::yaml(&doc)
    )
}

/// The unified diff of the catalogue text.
fn diff(old: &str, new: &str, path: &Path) -> String {
    if old == new {
        return String::new();
    }
    let shown = display(path);
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(if old.is_empty() { "/dev/null" } else { &shown }, &shown)
        .to_string()
}

/// Writes the temporary copies that [`verify`] checks.
fn write_copies(
    plan: &Plan,
    dir: &Path,
    names: &[String],
    catalogue: &Path,
    text: &str,
) -> Result<(), Diagnostic> {
    let fail = |p: &Path, e: std::io::Error| {
        failed(
            format!("cannot write `{}`: {e}", display(p)),
            "check free space and permissions",
        )
    };
    for (s, name) in plan.sides.iter().zip(names) {
        let p = dir.join(name);
        p.parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&p, &s.bytes))
            .map_err(|e| fail(&p, e))?;
    }
    std::fs::write(catalogue, text).map_err(|e| fail(catalogue, e))
}

/// Checks the result as `iocc check` would, on temporary copies beside the catalogue.
#[allow(clippy::too_many_arguments)]
fn verify(
    plan: &Plan,
    opts: &ImportOptions,
    meta: &super::SourceMeta,
    target: &Target,
    old: Option<&str>,
    final_text: &str,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> bool {
    let home = target
        .catalogue
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A new catalogue in a folder that does not exist yet is checked in a scratch folder, so
    // that `--dry-run` creates nothing; otherwise beside the catalogue (its side files resolve).
    let scratch = std::env::temp_dir().join(format!(".iocc-import-check-{}", std::process::id()));
    let dir: &Path = if home.is_dir() { home } else { &scratch };
    if let Err(e) = std::fs::create_dir_all(dir) {
        diags.push(failed(
            format!("cannot create `{}`: {e}", display(dir)),
            "check the --out path",
        ));
        return false;
    }
    let temp_names = plan.side_names(true);
    let text = match render(plan, opts, meta, target, old, &temp_names) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return false;
        }
    };
    let temp_cat = dir.join(format!(
        ".iocc-import-{}-{}",
        std::process::id(),
        target
            .catalogue
            .file_name()
            .map_or("catalogue.yaml".into(), |n| n
                .to_string_lossy()
                .into_owned())
    ));
    let temp_dir = dir.join(format!(".iocc-import-{}", std::process::id()));
    let cleanup = || {
        let _ = std::fs::remove_file(&temp_cat);
        let _ = std::fs::remove_dir_all(&temp_dir);
        let _ = std::fs::remove_dir_all(&scratch);
    };
    if let Err(d) = write_copies(plan, dir, &temp_names, &temp_cat, &text) {
        diags.push(d);
        cleanup();
        return false;
    }
    let mut found = Diagnostics::default();
    let mut local = SourceCache::default();
    let opts = BuildOptions {
        paths: vec![temp_cat.clone()],
        ..BuildOptions::default()
    };
    build::compile_all(&opts, &mut local, &mut found);
    cleanup();
    // Point the findings at the files as they will be written.
    let side_map: Vec<(PathBuf, PathBuf)> = plan
        .sides
        .iter()
        .zip(&temp_names)
        .map(|(s, t)| (dir.join(t), s.path.clone()))
        .collect();
    cache.insert(&target.catalogue, final_text.to_owned());
    for s in &plan.sides {
        cache.insert(&s.path, String::from_utf8_lossy(&s.bytes).into_owned());
    }
    let mut bad = false;
    for mut d in found.0 {
        if d.file.as_deref() == Some(temp_cat.as_path()) {
            d.file = Some(target.catalogue.clone());
        } else if let Some((_, real)) = side_map
            .iter()
            .find(|(t, _)| d.file.as_deref() == Some(t.as_path()))
        {
            d.file = Some(real.clone());
        }
        bad |= d.is_error();
        diags.push(d);
    }
    if bad {
        diags.push(failed(
            format!(
                "the imported catalogue `{}` would not check clean, so nothing was written",
                display(&target.catalogue)
            ),
            "see the problems above; this is a bug in iocc import if they concern imported values",
        ));
    }
    !bad
}
