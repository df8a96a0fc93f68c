//! `iocc publish`: pushes the STIX bundle of a release to a TAXII 2.1 collection, sending
//! only what changed since the previous release.
//!
//! Guarantees:
//! - The bundle is the file the build wrote (`stix/<catalogue>.json` inside a release archive,
//!   which is verified first, its signature too with `--pubkey`; or a STIX JSON file).
//! - The previous release is `--previous`, else the newest older `<catalogue>-<version>.tar.gz`
//!   beside the archive (a release folder keeps every version); without one, or with
//!   `--full`, every object is sent.
//! - Sent: objects that are new, and objects whose content changed (with a later `modified`:
//!   a TAXII server keeps one version per `modified`, so a change without a newer timestamp is
//!   refused before anything is sent); objects of the previous release that are gone are sent
//!   as revoked versions (STIX 2.1 revocation). Unchanged objects are not sent again.
//! - Envelopes stay under the API root's `max_content_length`; each status resource is polled
//!   until complete, and an object the server did not accept fails the run.

pub mod taxii;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::diag::{display, Code, Diagnostic, Diagnostics};

/// What `iocc publish` was asked to do; also its command-line arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct PublishOptions {
    /// The release archive made by `iocc bundle` (its stix/ file is published), or a STIX
    /// JSON bundle such as out/<catalogue>/stix/<catalogue>.json.
    pub bundle: PathBuf,
    /// The TAXII 2.1 API root, e.g. https://taxii.example.org/api1/
    #[arg(long, value_name = "URL")]
    pub api_root: String,
    /// The id of the collection to add the objects to.
    #[arg(long, value_name = "ID")]
    pub collection: String,
    /// The release published last (archive or STIX JSON). Default: the newest older
    /// <catalogue>-<version>.tar.gz beside the archive.
    #[arg(long, value_name = "FILE", conflicts_with = "full")]
    pub previous: Option<PathBuf>,
    /// Send every object, not only what changed since the previous release.
    #[arg(long)]
    pub full: bool,
    /// Check the minisign signature of the archive (and of the previous one) first.
    #[arg(long, value_name = "KEY")]
    pub pubkey: Option<String>,
    /// Seconds to wait for each answer, and for the server to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Say what would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What `iocc publish` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PublishReport {
    pub bundle: String,
    /// The release compared with, if any.
    pub previous: Option<String>,
    pub new: usize,
    pub changed: usize,
    pub revoked: usize,
    pub unchanged: usize,
    /// Objects the server accepted (0 in a dry run).
    pub accepted: usize,
    /// Objects the server already held in this version (sent again after an interrupted run).
    pub already_held: usize,
    /// Requests sent.
    pub requests: usize,
    pub dry_run: bool,
}

fn failed(msg: String) -> Diagnostic {
    Diagnostic::new(Code::PublishFailed, msg)
}

/// A STIX bundle's objects by id.
type Objects = BTreeMap<String, Value>;

/// Reads the STIX objects of a release archive or STIX JSON file; archives are verified.
fn read_objects(path: &Path, pubkey: Option<&str>, diags: &mut Diagnostics) -> Option<Objects> {
    let is_archive = path.to_string_lossy().ends_with(".tar.gz");
    let text = if is_archive {
        let report = match pubkey {
            Some(k) => crate::bundle::verify_signed(path, k, diags),
            None => crate::bundle::verify(path, diags),
        };
        if report.is_none() || diags.has_errors() {
            return None;
        }
        let tree = crate::bundle::read_archive(&std::fs::read(path).ok()?).ok()?;
        let stix: Vec<&Vec<u8>> = tree
            .iter()
            .filter(|(p, _)| p.starts_with("stix/") && p.ends_with(".json"))
            .map(|(_, b)| b)
            .collect();
        let [one] = stix.as_slice() else {
            diags.push(failed(format!(
                "`{}` holds {} STIX files under stix/, not one",
                display(path),
                stix.len()
            )));
            return None;
        };
        one.to_vec()
    } else {
        match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                diags.push(
                    Diagnostic::new(
                        Code::FileNotFound,
                        format!("cannot read `{}`: {e}", display(path)),
                    )
                    .help("give a release archive made by `iocc bundle`, or a STIX JSON bundle"),
                );
                return None;
            }
        }
    };
    let bundle: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(failed(format!(
                "`{}` is not a STIX bundle: {e}",
                display(path)
            )));
            return None;
        }
    };
    let Some(list) = bundle["objects"].as_array() else {
        diags.push(failed(format!(
            "`{}` is not a STIX bundle: no `objects`",
            display(path)
        )));
        return None;
    };
    Some(
        list.iter()
            .filter_map(|o| Some((o["id"].as_str()?.to_owned(), o.clone())))
            .collect(),
    )
}

/// The newest release archive of the same catalogue older than `archive`, in its folder:
/// names `<catalogue>-<version>.tar.gz`, the catalogue and version read from its manifest.
pub fn previous_release(archive: &Path) -> Option<PathBuf> {
    let tree = crate::bundle::read_archive(&std::fs::read(archive).ok()?).ok()?;
    let manifest: crate::bundle::Manifest =
        serde_json::from_slice(tree.get(crate::bundle::MANIFEST)?).ok()?;
    let current = semver::Version::parse(&manifest.catalogue.version).ok()?;
    let prefix = format!("{}-", manifest.catalogue.id);
    let dir = archive
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let v = name.strip_prefix(&prefix)?.strip_suffix(".tar.gz")?;
            let v = semver::Version::parse(v).ok()?;
            (v < current).then(|| (v, e.path()))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p)
}

/// What to send, and why.
#[derive(Debug, Default)]
pub struct Plan {
    pub send: Vec<Value>,
    pub new: usize,
    pub changed: usize,
    pub revoked: usize,
    pub unchanged: usize,
}

/// An object without its `modified` timestamp, to compare content.
fn content(o: &Value) -> Value {
    let mut o = o.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("modified");
    }
    o
}

/// Compares two releases' objects: what is new, changed or gone.
pub fn plan(previous: &Objects, current: &Objects) -> Result<Plan, Vec<String>> {
    let mut p = Plan::default();
    let mut problems = Vec::new();
    let newest = current
        .values()
        .filter_map(|o| o["modified"].as_str())
        .max()
        .unwrap_or("")
        .to_owned();
    for (id, o) in current {
        match previous.get(id) {
            None => {
                p.new += 1;
                p.send.push(o.clone());
            }
            Some(old) if content(old) == content(o) => p.unchanged += 1,
            Some(old) => {
                let (was, is) = (old["modified"].as_str(), o["modified"].as_str());
                match (was, is) {
                    (Some(was), Some(is)) if is > was => {
                        p.changed += 1;
                        p.send.push(o.clone());
                    }
                    _ => problems.push(format!(
                        "`{id}` changed since the previous release but its `modified` ({}) is not later: a TAXII server keeps one version per timestamp; bump `advisory.modified` in the catalogue",
                        is.unwrap_or("absent")
                    )),
                }
            }
        }
    }
    for (id, old) in previous.iter().filter(|(id, _)| !current.contains_key(*id)) {
        match old["modified"].as_str() {
            Some(was) if newest.as_str() > was => {
                let mut r = old.clone();
                r["modified"] = newest.clone().into();
                r["revoked"] = true.into();
                p.revoked += 1;
                p.send.push(r);
            }
            Some(_) => problems.push(format!(
                "`{id}` is gone since the previous release, but no object of this release is newer than it to revoke it with: bump `advisory.modified` in the catalogue"
            )),
            // Immutable objects (marking definitions) cannot be revoked; they stay.
            None => {}
        }
    }
    if problems.is_empty() {
        Ok(p)
    } else {
        Err(problems)
    }
}

/// Splits objects into envelopes of at most `limit` bytes (an object larger than the limit
/// goes alone: the server then answers 413, reported as such).
pub fn envelopes(objects: &[Value], limit: Option<usize>) -> Vec<Vec<u8>> {
    let limit = limit.unwrap_or(usize::MAX);
    let frame = br#"{"objects": []}"#.len();
    let mut out = Vec::new();
    let mut current: Vec<Vec<u8>> = Vec::new();
    let mut size = frame;
    let close = |items: &mut Vec<Vec<u8>>, out: &mut Vec<Vec<u8>>| {
        if !items.is_empty() {
            let mut env = br#"{"objects": ["#.to_vec();
            env.extend_from_slice(&items.join(&b", "[..]));
            env.extend_from_slice(b"]}");
            out.push(env);
            items.clear();
        }
    };
    for o in objects {
        let text = serde_json::to_vec(o).unwrap_or_default();
        if !current.is_empty() && size + text.len() + 2 > limit {
            close(&mut current, &mut out);
            size = frame;
        }
        size += text.len() + 2;
        current.push(text);
    }
    close(&mut current, &mut out);
    out
}

/// Runs `iocc publish`.
pub fn run(opts: &PublishOptions, diags: &mut Diagnostics) -> Option<PublishReport> {
    let current = read_objects(&opts.bundle, opts.pubkey.as_deref(), diags)?;
    let previous_path = match (&opts.previous, opts.full) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => previous_release(&opts.bundle),
    };
    let previous = match &previous_path {
        Some(p) => read_objects(p, opts.pubkey.as_deref(), diags)?,
        None => Objects::new(),
    };
    let plan = match plan(&previous, &current) {
        Ok(p) => p,
        Err(problems) => {
            for m in problems {
                diags.push(failed(m).in_file(&opts.bundle).help(
                    "fix the catalogue and release again, or publish everything with --full",
                ));
            }
            return None;
        }
    };
    let mut report = PublishReport {
        bundle: display(&opts.bundle),
        previous: previous_path.as_deref().map(display),
        new: plan.new,
        changed: plan.changed,
        revoked: plan.revoked,
        unchanged: plan.unchanged,
        dry_run: opts.dry_run,
        ..PublishReport::default()
    };
    if opts.dry_run || plan.send.is_empty() {
        return Some(report);
    }
    match push(opts, &plan.send, &mut report) {
        Ok(()) => Some(report),
        Err(m) => {
            diags.push(failed(m).help("run `iocc publish` again once the cause is fixed: objects the server already holds are recognised, not duplicated"));
            None
        }
    }
}

/// Sends the objects and waits for the server to take them all.
fn push(
    opts: &PublishOptions,
    objects: &[Value],
    report: &mut PublishReport,
) -> Result<(), String> {
    let client = taxii::Client::new(
        &opts.api_root,
        &opts.collection,
        Duration::from_secs(opts.timeout.max(1)),
    );
    client.check_collection()?;
    let limit = client.max_content_length()?;
    for envelope in envelopes(objects, limit) {
        report.requests += 1;
        let status = client.wait(client.add_objects(&envelope)?)?;
        report.accepted += status["success_count"].as_u64().unwrap_or(0) as usize;
        let mut refused = Vec::new();
        for f in status["failures"].as_array().into_iter().flatten() {
            let id = f["id"].as_str().unwrap_or("?");
            let version = f["version"].as_str().unwrap_or("");
            if !version.is_empty() && client.holds(id, version)? {
                report.already_held += 1;
            } else {
                refused.push(format!(
                    "{id} ({})",
                    f["message"].as_str().unwrap_or("no message")
                ));
            }
        }
        if !refused.is_empty() {
            return Err(format!(
                "the server did not accept {}: {}",
                crate::diag::count(refused.len(), "object", "objects"),
                refused.join(", ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn objects(list: &[Value]) -> Objects {
        list.iter()
            .map(|o| (o["id"].as_str().unwrap().to_owned(), o.clone()))
            .collect()
    }

    #[test]
    fn only_new_changed_and_gone_objects_are_sent() {
        let m1 = "2025-02-25T00:00:00.000Z";
        let m2 = "2025-03-01T00:00:00.000Z";
        let old = objects(&[
            json!({"id": "a", "modified": m1, "name": "same"}),
            json!({"id": "b", "modified": m1, "name": "old"}),
            json!({"id": "c", "modified": m1, "name": "gone"}),
            json!({"id": "marking", "created": m1}),
        ]);
        let new = objects(&[
            json!({"id": "a", "modified": m2, "name": "same"}),
            json!({"id": "b", "modified": m2, "name": "new"}),
            json!({"id": "d", "modified": m2, "name": "added"}),
            json!({"id": "marking", "created": m1}),
        ]);
        let p = plan(&old, &new).unwrap();
        assert_eq!((p.new, p.changed, p.revoked, p.unchanged), (1, 1, 1, 2));
        let ids: Vec<&str> = p.send.iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["b", "d", "c"]);
        assert_eq!(p.send[2]["revoked"], true);
        assert_eq!(p.send[2]["modified"], m2);
        // A change without a later timestamp is refused.
        let same_time = objects(&[json!({"id": "b", "modified": m1, "name": "new"})]);
        let err = plan(&old, &same_time).unwrap_err();
        assert!(err[0].contains("`b` changed"), "{err:?}");
        // Nothing before: everything is new.
        assert_eq!(plan(&Objects::new(), &new).unwrap().new, 4);
    }

    #[test]
    fn envelopes_stay_under_the_limit() {
        let list: Vec<Value> = (0..10)
            .map(|i| json!({"id": format!("x-{i}"), "pad": "y".repeat(50)}))
            .collect();
        let all = envelopes(&list, None);
        assert_eq!(all.len(), 1);
        let v: Value = serde_json::from_slice(&all[0]).unwrap();
        assert_eq!(v["objects"].as_array().unwrap().len(), 10);
        let small = envelopes(&list, Some(200));
        assert!(small.len() > 1);
        let mut n = 0;
        for e in &small {
            assert!(e.len() <= 200, "{}", e.len());
            n += serde_json::from_slice::<Value>(e).unwrap()["objects"]
                .as_array()
                .unwrap()
                .len();
        }
        assert_eq!(n, 10);
        // An object over the limit goes alone.
        assert_eq!(envelopes(&list, Some(10)).len(), 10);
    }
}
