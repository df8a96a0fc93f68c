//! Versioned release bundles (`iocc bundle`) and their verification (`iocc verify`).
//!
//! Guarantees: a bundle is `<catalogue>-<version>.tar.gz` holding the freshly compiled pack in
//! the layout consumers expect (one folder per target, named by the target's `bundle_dir`:
//! `rules/` for Suricata, `zeek/` for the zkg package, `firewall/`, ...), a `README.md` with the
//! coverage table and a `manifest.json` with the SHA-256 of every other file. It is
//! byte-reproducible: entries sorted, directories included, mode 0644/0755, uid/gid 0, no
//! user or host names, every mtime (tar and gzip header) fixed to `SOURCE_DATE_EPOCH` or the
//! catalogue's `advisory.modified` date, gzip at a fixed level with no file name. Beside it,
//! `.sha256` (sha256sum format) and `.md5` (the bare digest suricata-update fetches). The
//! bundle is compiled from the committed lock files: a lock that would change fails the run.
//! The release folder changes as one set ([`crate::release_set`]): a run killed at any moment
//! leaves every archive with its own checksums and signatures. `verify` recomputes every checksum and names each file that differs.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::build::{self, BuildOptions, Compiled, TargetReport};
use crate::diag::{display, Code, Diagnostic, Diagnostics, SourceCache};
use crate::escape::escape_markdown;
use crate::output::{self, Tree};
use crate::release_set;
use crate::targets::coverage::Status;

/// Name of the manifest inside a bundle.
pub const MANIFEST: &str = "manifest.json";
/// Name of the README inside a bundle.
pub const README: &str = "README.md";

/// What `iocc bundle` was asked to do; also its command-line arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BundleOptions {
    /// Catalogue files or folders of catalogues (default: iocs/).
    pub paths: Vec<PathBuf>,
    /// Folder for the archives.
    #[arg(long, default_value = "dist")]
    pub out: PathBuf,
    /// Folder whose templates replace the embedded ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Sign each archive and SHA256SUMS (minisign): the secret key file made by `iocc keygen`,
    /// or `env:NAME` for an environment variable holding it (a CI secret). A password comes
    /// from IOCC_SIGN_PASSWORD, else from the terminal. The key is never written anywhere.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<crate::sign::KeySource>,
}

pub use crate::release_set::SHA256SUMS;

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format version.
    pub format: u32,
    pub catalogue: ManifestCatalogue,
    pub iocc: ManifestTool,
    /// Every file of the bundle except the manifest: path to lowercase hex SHA-256.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManifestCatalogue {
    pub id: String,
    pub version: String,
    /// SHA-256 of the catalogue file the bundle was compiled from.
    pub sha256: String,
    /// The targets compiled into the bundle.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManifestTool {
    pub version: String,
}

/// One written bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundleReport {
    pub catalogue: String,
    pub version: String,
    pub path: String,
    pub sha256: String,
    pub md5: String,
    pub files: usize,
    /// The `.minisig` beside the archive, when signed.
    pub signature: Option<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Where a target's file goes in the bundle: under the target's
/// [`bundle_dir`](crate::targets::Target::bundle_dir). `None` for build bookkeeping.
pub fn bundle_path(tree_path: &str) -> Option<String> {
    let (top, rest) = tree_path.split_once('/')?;
    let dir = crate::targets::by_name(top).map_or(top, |t| t.bundle_dir());
    Some(format!("{dir}/{rest}"))
}

/// What a bundle folder holds, from the target that owns it.
fn folder_note(folder: &str) -> &'static str {
    crate::targets::registry()
        .iter()
        .find(|t| t.bundle_dir() == folder)
        .map_or("target output", |t| t.bundle_note())
}

/// The fixed mtime of every entry: `SOURCE_DATE_EPOCH`, else midnight UTC of
/// `advisory.modified`.
pub fn fixed_mtime(c: &crate::model::Catalogue) -> u64 {
    if let Some(s) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        return s;
    }
    let midnight = c
        .advisory
        .modified
        .to_datetime(jiff::civil::Time::midnight());
    jiff::tz::TimeZone::UTC
        .to_timestamp(midnight)
        .map(|t| t.as_second().max(0) as u64)
        .unwrap_or(0)
}

/// Catalogue text escaped for Markdown.
fn markdown(s: &str) -> String {
    let mut out = String::new();
    // The Markdown escaper only adds backslashes; it never refuses.
    let _ = escape_markdown(s, &mut out);
    out
}

/// The coverage table: one row per indicator, bulk list and detection, one column per target.
pub fn readme(c: &Compiled, files: &BTreeMap<String, Vec<u8>>) -> String {
    let cat = &c.catalogue;
    let e = markdown;
    let mut md = String::new();
    md.push_str(&format!(
        "# {} {}\n\n{}\n\nCatalogue `{}` version {} ({}), published by {}. Advisory {} ({}, last modified {}).\n\n",
        e(&cat.id),
        cat.version,
        e(&cat.title),
        e(&cat.id),
        cat.version,
        cat.tlp.label(),
        e(&cat.publisher),
        e(&cat.advisory.id),
        e(&cat.advisory.issuer),
        cat.advisory.modified,
    ));
    md.push_str("## Contents\n\n| Folder | Files | For |\n|---|---|---|\n");
    let mut folders: BTreeMap<&str, usize> = BTreeMap::new();
    for p in files.keys() {
        if let Some((top, _)) = p.split_once('/') {
            *folders.entry(top).or_default() += 1;
        }
    }
    for (folder, n) in &folders {
        let what = folder_note(folder);
        md.push_str(&format!("| `{folder}/` | {n} | {what} |\n"));
    }
    md.push_str(&format!(
        "| `{MANIFEST}` | 1 | SHA-256 of every other file, catalogue id, version and hash |\n\n"
    ));

    md.push_str("## Coverage\n\nWhich item reaches which target (`yes`: carried; `partly`: carried with a limit, see below; `no`: the target cannot express it, see below; `-`: not in this target's scope).\n\n");
    let reports: &[TargetReport] = &c.reports;
    md.push_str("| Item | Kind | Value |");
    for r in reports {
        md.push_str(&format!(" {} |", e(&r.target)));
    }
    md.push_str("\n|---|---|---|");
    for _ in reports {
        md.push_str("---|");
    }
    md.push('\n');
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for i in &cat.indicators {
        rows.push((
            i.id.clone(),
            i.observable.kind().into(),
            i.observable.value(),
        ));
    }
    for b in &cat.bulk {
        rows.push((
            b.id.clone(),
            "bulk list".into(),
            crate::diag::count(b.networks.len() + b.domains.len(), "entry", "entries"),
        ));
    }
    for d in &cat.detections {
        rows.push((d.id.clone(), "detection".into(), d.title.clone()));
    }
    let statuses: Vec<_> = reports.iter().map(|r| r.coverage.statuses()).collect();
    for (id, kind, value) in &rows {
        md.push_str(&format!("| {} | {} | {} |", e(id), e(kind), e(value)));
        for s in &statuses {
            let cell = s.get(id.as_str()).copied().unwrap_or(Status::Out).word();
            md.push_str(&format!(" {cell} |"));
        }
        md.push('\n');
    }
    not_carried_table(&mut md, reports);
    md.push_str(&format!(
        "\n## Verify\n\n```sh\nsha256sum -c {name}.tar.gz.sha256\niocc verify {name}.tar.gz\n```\n\n`{MANIFEST}` lists the SHA-256 of every file; `iocc verify` recomputes them all.\n",
        name = archive_stem(cat)
    ));
    md
}

/// The bundle README's table of items a target leaves out or carries in part, one row per
/// target and reason.
fn not_carried_table(md: &mut String, reports: &[TargetReport]) {
    let groups: Vec<_> = reports
        .iter()
        .flat_map(|r| {
            crate::report::by_reason(&r.coverage)
                .into_iter()
                .map(move |g| (&r.target, g))
        })
        .collect();
    if !groups.is_empty() {
        md.push_str("\n### Not carried, or carried only in part\n\n| Target | Items | Carried | Why |\n|---|---|---|---|\n");
        for (t, g) in groups {
            let ids: Vec<String> = g.ids.iter().map(|id| markdown(id)).collect();
            let carried = if g.partly { "in part" } else { "no" };
            md.push_str(&format!(
                "| {} | {} | {carried} | {} |\n",
                markdown(t),
                ids.join(", "),
                markdown(g.reason)
            ));
        }
    }
}

fn archive_stem(c: &crate::model::Catalogue) -> String {
    format!("{}-{}", c.id, c.version)
}

/// The files of a bundle (path inside the archive to bytes), manifest and README included.
pub fn contents(c: &Compiled) -> Tree {
    let mut files: Tree = c
        .tree
        .iter()
        .filter_map(|(p, b)| bundle_path(p).map(|p| (p, b.clone())))
        .collect();
    let text = readme(c, &files);
    files.insert(README.to_owned(), text.into_bytes());
    let manifest = Manifest {
        format: 1,
        catalogue: ManifestCatalogue {
            id: c.catalogue.id.clone(),
            version: c.catalogue.version.to_string(),
            sha256: c.catalogue.source.sha256.clone(),
            targets: c.reports.iter().map(|r| r.target.clone()).collect(),
        },
        iocc: ManifestTool {
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        files: files
            .iter()
            .map(|(p, b)| (p.clone(), sha256_hex(b)))
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    json.push('\n');
    files.insert(MANIFEST.to_owned(), json.into_bytes());
    files
}

/// Packs files into a reproducible `.tar.gz`.
pub fn archive(files: &Tree, mtime: u64) -> std::io::Result<Vec<u8>> {
    let gz = flate2::GzBuilder::new()
        .mtime(u32::try_from(mtime).unwrap_or(0))
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::new(9));
    let mut tar = tar::Builder::new(gz);
    let mut dirs: Vec<String> = Vec::new();
    for path in files.keys() {
        let mut acc = String::new();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            acc.push_str(part);
            acc.push('/');
            if !dirs.contains(&acc) {
                dirs.push(acc.clone());
            }
        }
    }
    // One sorted sequence: a folder sorts before its files ("a/" < "a/b").
    let mut entries: Vec<(&str, Option<&[u8]>)> = dirs.iter().map(|d| (d.as_str(), None)).collect();
    entries.extend(files.iter().map(|(p, b)| (p.as_str(), Some(b.as_slice()))));
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        match data {
            None => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                tar.append_data(&mut h, path, std::io::empty())?;
            }
            Some(bytes) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(bytes.len() as u64);
                tar.append_data(&mut h, path, bytes)?;
            }
        }
    }
    tar.into_inner()?.finish()
}

fn lock_problems(c: &Compiled) -> Vec<Diagnostic> {
    c.state
        .iter()
        .filter(|s| std::fs::read(&s.path).ok().as_deref() != Some(s.contents.as_slice()))
        .map(|s| {
            Diagnostic::new(
                Code::LockChanged,
                format!("`{}` would change", display(&s.path)),
            )
            .in_file(&c.catalogue.source.path)
            .help("a bundle is compiled from the committed locks: run `iocc build`, review and commit the lock, then bundle")
        })
        .collect()
}

/// Runs `iocc bundle`: one archive per catalogue, with its `.sha256` and `.md5`.
pub fn run(
    opts: &BundleOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<Vec<BundleReport>> {
    let build_opts = BuildOptions {
        paths: opts.paths.clone(),
        out: PathBuf::from("out"),
        templates: opts.templates.clone(),
        ..BuildOptions::default()
    };
    let signer = match opts.sign.as_ref().map(crate::sign::Signer::load) {
        Some(Err(d)) => {
            diags.push(d);
            return None;
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let compiled = build::compile_all(&build_opts, cache, diags)?;
    for c in &compiled {
        diags.extend(lock_problems(c));
    }
    if diags.has_errors() {
        return None;
    }
    if let Err(e) = std::fs::create_dir_all(&opts.out) {
        diags.push(
            Diagnostic::new(
                Code::WriteFailed,
                format!("cannot create `{}`: {e}", display(&opts.out)),
            )
            .help("check permissions of the output folder"),
        );
        return None;
    }
    // Every file of the run is made first, then the folder changes as one set.
    let mut changes = release_set::Changes::default();
    let mut reports = Vec::new();
    for c in &compiled {
        let files = contents(c);
        let bytes = match archive(&files, fixed_mtime(&c.catalogue)) {
            Ok(b) => b,
            Err(e) => {
                diags.push(
                    Diagnostic::new(Code::WriteFailed, format!("cannot pack the bundle: {e}"))
                        .help("this is a bug in iocc, please report it"),
                );
                return None;
            }
        };
        let name = format!("{}.tar.gz", archive_stem(&c.catalogue));
        let path = opts.out.join(&name);
        let sha = sha256_hex(&bytes);
        let md5 = md5_hex(&bytes);
        let mtime = fixed_mtime(&c.catalogue);
        let signature = match signature(signer.as_ref(), &path, &bytes, mtime, &mut changes) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let sums = [
            (format!("{name}.sha256"), format!("{sha}  {name}\n")),
            (format!("{name}.md5"), format!("{md5}\n")),
        ];
        changes.write.insert(name, bytes);
        changes
            .write
            .extend(sums.map(|(n, text)| (n, text.into_bytes())));
        reports.push(BundleReport {
            catalogue: c.catalogue.id.clone(),
            version: c.catalogue.version.to_string(),
            path: display(&path),
            sha256: sha,
            md5,
            files: files.len(),
            signature,
        });
    }
    let mtime = compiled
        .iter()
        .map(|c| fixed_mtime(&c.catalogue))
        .max()
        .unwrap_or(0);
    let written = release_sums(&opts.out, signer.as_ref(), mtime, &mut changes)
        .and_then(|()| release_set::commit(&opts.out, &changes));
    if let Err(d) = written {
        diags.push(d);
        return None;
    }
    Some(reports)
}

/// The path of the minisign signature of `file`.
pub fn signature_path(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.minisig", file.display()))
}

/// Signs a release file beside it (`<file>.minisig`); without a key, removes a signature
/// left from an earlier run, which no longer matches the file. Returns the signature's path.
fn signature(
    signer: Option<&crate::sign::Signer>,
    file: &Path,
    bytes: &[u8],
    mtime: u64,
    changes: &mut release_set::Changes,
) -> Result<Option<String>, Diagnostic> {
    let sig_path = signature_path(file);
    let sig_name = sig_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(signer) = signer else {
        changes.remove.insert(sig_name);
        return Ok(None);
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sig = signer.sign(bytes, &crate::sign::trusted_comment(mtime, &name))?;
    changes.write.insert(sig_name, sig.into_bytes());
    Ok(Some(display(&sig_path)))
}

/// Adds `SHA256SUMS` for every file the release folder will hold (signed with a key), so one
/// signature covers the whole folder.
fn release_sums(
    dir: &Path,
    signer: Option<&crate::sign::Signer>,
    mtime: u64,
    changes: &mut release_set::Changes,
) -> Result<(), Diagnostic> {
    let sums_sig = format!("{SHA256SUMS}.minisig");
    let mut text = String::new();
    for n in release_set::names_after(dir, changes)? {
        if n == SHA256SUMS || n == sums_sig {
            continue;
        }
        let digest = match changes.write.get(&n) {
            Some(bytes) => sha256_hex(bytes),
            None => {
                let path = dir.join(&n);
                let bytes = std::fs::read(&path).map_err(|e| {
                    Diagnostic::new(
                        Code::WriteFailed,
                        format!("cannot read `{}`: {e}", display(&path)),
                    )
                })?;
                sha256_hex(&bytes)
            }
        };
        text.push_str(&format!("{digest}  {n}\n"));
    }
    let path = dir.join(SHA256SUMS);
    signature(signer, &path, text.as_bytes(), mtime, changes)?;
    changes
        .write
        .insert(SHA256SUMS.to_owned(), text.into_bytes());
    Ok(())
}

/// What `iocc verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub bundle: String,
    pub catalogue: Option<String>,
    pub version: Option<String>,
    pub files: usize,
    /// The trusted comment of the signature checked with `--pubkey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

fn mismatch(bundle: &Path, msg: String) -> Diagnostic {
    Diagnostic::new(Code::BundleMismatch, msg)
        .in_file(bundle)
        .help("the bundle was changed after it was made: fetch it again from its publisher, or rebuild it with `iocc bundle`")
}

fn invalid(bundle: &Path, msg: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidBundle, msg)
        .in_file(bundle)
        .help("`iocc verify` takes a `.tar.gz` made by `iocc bundle`")
}

/// Reads the regular files of a `.tar.gz`; any other entry type than folders is an error.
pub fn read_archive(bytes: &[u8]) -> Result<Tree, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut tree = Tree::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        match entry.header().entry_type() {
            tar::EntryType::Directory => continue,
            tar::EntryType::Regular => {}
            other => return Err(format!("`{path}` is a {other:?} entry, not a file")),
        }
        if !output::is_safe_relative(&path) {
            return Err(format!("`{path}` is not a safe relative path"));
        }
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| format!("`{path}`: {e}"))?;
        if tree.insert(path.clone(), data).is_some() {
            return Err(format!("`{path}` appears twice"));
        }
    }
    Ok(tree)
}

/// Runs `iocc verify BUNDLE`.
pub fn verify(bundle: &Path, diags: &mut Diagnostics) -> Option<VerifyReport> {
    let bytes = match std::fs::read(bundle) {
        Ok(b) => b,
        Err(e) => {
            diags.push(invalid(
                bundle,
                format!("cannot read `{}`: {e}", display(bundle)),
            ));
            return None;
        }
    };
    let name = bundle
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sidecar = PathBuf::from(format!("{}.sha256", bundle.display()));
    if let Ok(text) = std::fs::read_to_string(&sidecar) {
        let expected = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if expected != sha256_hex(&bytes) {
            diags.push(mismatch(
                bundle,
                format!(
                    "`{name}` does not match the sha256 in `{}`",
                    display(&sidecar)
                ),
            ));
        }
    }
    let md5_sidecar = PathBuf::from(format!("{}.md5", bundle.display()));
    if let Ok(text) = std::fs::read_to_string(&md5_sidecar) {
        if text.trim().to_ascii_lowercase() != md5_hex(&bytes) {
            diags.push(mismatch(
                bundle,
                format!(
                    "`{name}` does not match the md5 in `{}`",
                    display(&md5_sidecar)
                ),
            ));
        }
    }
    let tree = match read_archive(&bytes) {
        Ok(t) => t,
        Err(e) => {
            diags.push(invalid(bundle, format!("`{name}` cannot be unpacked: {e}")));
            return None;
        }
    };
    let Some(raw) = tree.get(MANIFEST) else {
        diags.push(invalid(bundle, format!("`{name}` holds no `{MANIFEST}`")));
        return None;
    };
    let manifest: Manifest = match serde_json::from_slice(raw) {
        Ok(m) => m,
        Err(e) => {
            diags.push(invalid(bundle, format!("`{MANIFEST}` cannot be read: {e}")));
            return None;
        }
    };
    // The manifest cannot checksum itself (the `.sha256` sidecar covers it); at least it must
    // be exactly what `iocc bundle` writes, so an edit of its layout shows.
    let canonical = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    if canonical.as_bytes() != raw.as_slice() {
        diags.push(mismatch(
            bundle,
            format!("`{MANIFEST}` is not in the exact form `iocc bundle` writes"),
        ));
    }
    for (path, expected) in &manifest.files {
        match tree.get(path) {
            None => diags.push(mismatch(
                bundle,
                format!("`{path}` is listed in `{MANIFEST}` but missing"),
            )),
            Some(b) if &sha256_hex(b) != expected => diags.push(mismatch(
                bundle,
                format!("`{path}` does not match its sha256 in `{MANIFEST}`"),
            )),
            Some(_) => {}
        }
    }
    for path in tree.keys() {
        if path != MANIFEST && !manifest.files.contains_key(path) {
            diags.push(mismatch(
                bundle,
                format!("`{path}` is not listed in `{MANIFEST}`"),
            ));
        }
    }
    Some(VerifyReport {
        bundle: display(bundle),
        catalogue: Some(manifest.catalogue.id),
        version: Some(manifest.catalogue.version),
        files: manifest.files.len(),
        signature: None,
    })
}

/// Runs `iocc verify --pubkey KEY BUNDLE`: the minisign signature beside the bundle is
/// checked first, and only a bundle it vouches for is unpacked and checked against its
/// manifest.
pub fn verify_signed(bundle: &Path, pubkey: &str, diags: &mut Diagnostics) -> Option<VerifyReport> {
    let pk = match crate::sign::public_key(pubkey) {
        Ok(pk) => pk,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let bad = |msg: String| {
        Diagnostic::new(Code::BadSignature, msg)
            .in_file(bundle)
            .help("do not use this bundle: fetch it and its `.minisig` again from its publisher, and check that the public key is theirs")
    };
    let sig_path = signature_path(bundle);
    let sig = match std::fs::read_to_string(&sig_path) {
        Ok(s) => s,
        Err(e) => {
            diags.push(bad(format!("no signature `{}`: {e}", display(&sig_path))));
            return None;
        }
    };
    let bytes = match std::fs::read(bundle) {
        Ok(b) => b,
        Err(e) => {
            diags.push(invalid(
                bundle,
                format!("cannot read `{}`: {e}", display(bundle)),
            ));
            return None;
        }
    };
    let trusted = match crate::sign::verify(&pk, &bytes, &sig) {
        Ok(t) => t,
        Err(e) => {
            diags.push(bad(format!(
                "`{}` does not verify with this public key: {e}",
                display(&sig_path)
            )));
            return None;
        }
    };
    let mut report = verify(bundle, diags)?;
    report.signature = Some(trusted);
    Some(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_maps_suricata_to_rules() {
        assert_eq!(
            bundle_path("suricata/a.rules").as_deref(),
            Some("rules/a.rules")
        );
        assert_eq!(
            bundle_path("zeek/zkg.meta").as_deref(),
            Some("zeek/zkg.meta")
        );
        assert_eq!(bundle_path("VERSION"), None);
    }

    #[test]
    fn archive_is_reproducible_and_readable() {
        let mut files = Tree::new();
        files.insert("b/x.txt".into(), b"x".to_vec());
        files.insert("a.txt".into(), b"a".to_vec());
        files.insert("b/c/y.txt".into(), b"y".to_vec());
        let one = archive(&files, 1_740_441_600).unwrap();
        let two = archive(&files, 1_740_441_600).unwrap();
        assert_eq!(one, two);
        assert_ne!(one, archive(&files, 0).unwrap(), "the mtime is recorded");
        assert_eq!(read_archive(&one).unwrap(), files);
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(one.as_slice()));
        let names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                assert_eq!(e.header().uid().unwrap(), 0);
                assert_eq!(e.header().gid().unwrap(), 0);
                assert_eq!(e.header().mtime().unwrap(), 1_740_441_600);
                assert_eq!(e.header().username().unwrap(), Some(""));
                e.path().unwrap().to_string_lossy().into_owned()
            })
            .collect();
        assert_eq!(names, ["a.txt", "b/", "b/c/", "b/c/y.txt", "b/x.txt"]);
    }
}
