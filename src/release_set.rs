//! A release folder (`iocc bundle --out DIR`) changed as one set: the archives, their
//! `.sha256`, `.md5` and `.minisig`, `SHA256SUMS` and its signature change together or not at
//! all, so a run killed at any moment never leaves an archive beside an older checksum.
//!
//! Guarantees:
//! - The new folder is prepared in a temporary sibling `.<name>.iocc-tmp-<pid>`: the files
//!   that stay are hard-linked into it (copied where the file system has no links), the new
//!   ones written and synced. It is then swapped with the folder in one
//!   `renameat2(RENAME_EXCHANGE)`, so a reader, or an interrupted run, sees the complete old
//!   folder or the complete new one. A failure before the swap (a full disk) leaves the folder
//!   as it was and removes the sibling; a sibling left by a killed run is removed by the next.
//! - A folder that cannot be swapped (a mount point, or a file system without the exchange)
//!   is changed in place: every new file is first written to a temporary inside it (a failure
//!   there changes nothing), then renamed into place, archives first, then their checksum and
//!   signature files, then `SHA256SUMS` and its signature, then stale files removed. An
//!   interruption between two renames shows: an archive newer than its `.sha256` fails
//!   `iocc verify`, and `SHA256SUMS` does not list or match it.
//! - A folder reached through a symbolic link is the folder the link points to; the link stays.
//!
//! The output lock ([`crate::build_lock`]) is taken on the folder, which the swap replaces:
//! a run waiting on the replaced folder takes the lock again on the new one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;

use crate::diag::{display, Code, Diagnostic};

/// What a run changes in a release folder, by file name.
#[derive(Debug, Default)]
pub struct Changes {
    /// Files to write (new, or replacing the file of that name).
    pub write: BTreeMap<String, Vec<u8>>,
    /// Files to remove when they exist (signatures that no longer match their file).
    pub remove: BTreeSet<String>,
}

impl Changes {
    fn touches(&self, name: &str) -> bool {
        self.write.contains_key(name) || self.remove.contains(name)
    }
}

/// The checksum list of a whole release folder (sha256sum format), beside the archives.
pub const SHA256SUMS: &str = "SHA256SUMS";

/// The marker of iocc's temporaries (see `output.rs` and `build_lock.rs`).
const TMP_MARK: &str = ".iocc-tmp-";

fn failed(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::WriteFailed,
        format!("cannot write `{}`: {e}", display(path)),
    )
    .help("check free space and permissions; the release folder was left as it was")
}

/// The regular files the folder `dir` will hold once `changes` are made, by name, sorted;
/// dot-files (temporaries, hidden files) are left out.
pub fn names_after(dir: &Path, changes: &Changes) -> Result<Vec<String>, Diagnostic> {
    let entries = fs::read_dir(dir).map_err(|e| failed(dir, &e))?;
    let mut names: BTreeSet<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !changes.remove.contains(n))
        .collect();
    names.extend(changes.write.keys().cloned());
    Ok(names.into_iter().collect())
}

/// Why the folder was not swapped.
enum NotSwapped {
    /// Writing failed: nothing changed.
    Failed(Diagnostic),
    /// The folder cannot be swapped here: change it in place.
    CannotSwap,
}

/// Applies `changes` to the release folder `dir` (which exists) as one set.
pub fn commit(dir: &Path, changes: &Changes) -> Result<(), Diagnostic> {
    let real = fs::canonicalize(dir).map_err(|e| failed(dir, &e))?;
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return in_place(&real, changes);
    };
    let name = name.to_string_lossy().into_owned();
    let prefix = format!(".{name}{TMP_MARK}");
    remove_stale_staging(parent, &prefix);
    let staging = parent.join(format!("{prefix}{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let swapped = prepare(&real, &staging, changes).and_then(|()| exchange(&staging, &real));
    // After the exchange `staging` holds the previous folder; otherwise a partial new one.
    let _ = fs::remove_dir_all(&staging);
    match swapped {
        Ok(()) => Ok(()),
        Err(NotSwapped::Failed(d)) => Err(d),
        Err(NotSwapped::CannotSwap) => in_place(&real, changes),
    }
}

/// Removes staging folders of runs that are gone (the output lock is held, so no live run
/// is writing one, but a run that just swapped may still be removing its old folder).
fn remove_stale_staging(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(prefix).and_then(|p| p.parse().ok()) else {
            continue;
        };
        if crate::build_lock::process_gone(pid) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Builds the new folder in `staging`: what stays of `real`, linked, and the new files.
fn prepare(real: &Path, staging: &Path, changes: &Changes) -> Result<(), NotSwapped> {
    let meta = fs::metadata(real).map_err(|e| NotSwapped::Failed(failed(real, &e)))?;
    let parent = staging.parent().unwrap_or(Path::new("."));
    let parent_meta = fs::metadata(parent).map_err(|e| NotSwapped::Failed(failed(parent, &e)))?;
    if !same_device(&meta, &parent_meta) {
        return Err(NotSwapped::CannotSwap);
    }
    fs::create_dir(staging).map_err(|e| NotSwapped::Failed(failed(staging, &e)))?;
    fs::set_permissions(staging, meta.permissions())
        .map_err(|e| NotSwapped::Failed(failed(staging, &e)))?;
    let keep = |name: &str| !changes.touches(name) && !name.contains(TMP_MARK);
    link_tree(real, staging, &keep)?;
    for (name, bytes) in &changes.write {
        write_synced(&staging.join(name), bytes).map_err(NotSwapped::Failed)?;
    }
    sync_dir(staging).map_err(NotSwapped::Failed)
}

fn same_device(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev()
}

/// Recreates the tree `from` under `to` (which exists): files hard-linked (copied where links
/// are refused), folders created, symbolic links recreated; top-level names `keep` refuses
/// are left out.
fn link_tree(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) -> Result<(), NotSwapped> {
    let entries = fs::read_dir(from).map_err(|e| NotSwapped::Failed(failed(from, &e)))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !keep(&name) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let fail = |e: std::io::Error| NotSwapped::Failed(failed(&dst, &e));
        let kind = e.file_type().map_err(fail)?;
        if kind.is_dir() {
            fs::create_dir(&dst).map_err(fail)?;
            link_tree(&src, &dst, &|_| true)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&src).map_err(fail)?;
            std::os::unix::fs::symlink(target, &dst).map_err(fail)?;
        } else {
            match fs::hard_link(&src, &dst) {
                Ok(()) => {}
                // Another mount of the same file system (a bind mount): no swap either.
                Err(e) if e.raw_os_error() == Some(rustix::io::Errno::XDEV.raw_os_error()) => {
                    return Err(NotSwapped::CannotSwap)
                }
                Err(_) => {
                    fs::copy(&src, &dst).map_err(fail)?;
                }
            }
        }
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    let mut f = fs::File::create(path).map_err(|e| failed(path, &e))?;
    f.write_all(bytes).map_err(|e| failed(path, &e))?;
    f.sync_all().map_err(|e| failed(path, &e))
}

fn sync_dir(dir: &Path) -> Result<(), Diagnostic> {
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| failed(dir, &e))
}

fn exchange(staging: &Path, real: &Path) -> Result<(), NotSwapped> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        staging,
        rustix::fs::CWD,
        real,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(|_| NotSwapped::CannotSwap)
}

/// The order of the renames in place: archives, their checksums and signatures, then the
/// folder's checksum list and its signature.
fn rank(name: &str) -> u8 {
    if name.starts_with(SHA256SUMS) {
        2
    } else if [".sha256", ".md5", ".minisig"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        1
    } else {
        0
    }
}

/// Changes the folder in place (see the module documentation for the order).
fn in_place(dir: &Path, changes: &Changes) -> Result<(), Diagnostic> {
    let tmp = |name: &str| dir.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
    let mut written = Vec::new();
    for (name, bytes) in &changes.write {
        let path = tmp(name);
        if let Err(d) = write_synced(&path, bytes) {
            let _ = fs::remove_file(&path);
            for p in &written {
                let _ = fs::remove_file(p);
            }
            return Err(d);
        }
        written.push(path);
    }
    let mut names: Vec<&String> = changes.write.keys().collect();
    names.sort_by_key(|n| rank(n));
    for name in names {
        let to = dir.join(name);
        if let Err(e) = fs::rename(tmp(name), &to) {
            for p in &written {
                let _ = fs::remove_file(p);
            }
            return Err(failed(&to, &e));
        }
    }
    for name in &changes.remove {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(&path, &e)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The folder's contents: name to bytes, dot-files included (for tests).
    fn read_all(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, fs::read(e.path()).unwrap_or_default())
            })
            .collect()
    }

    /// A scratch folder for the tests of this module.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("iocc-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn changes(write: &[(&str, &str)], remove: &[&str]) -> Changes {
        Changes {
            write: write
                .iter()
                .map(|(n, b)| ((*n).to_owned(), b.as_bytes().to_vec()))
                .collect(),
            remove: remove.iter().map(|n| (*n).to_owned()).collect(),
        }
    }

    #[test]
    fn the_folder_is_swapped_with_what_stays_and_what_is_new() {
        let root = scratch("release-set");
        let dist = root.join("dist");
        fs::create_dir_all(dist.join("old")).unwrap();
        fs::write(dist.join("a-1.tar.gz"), "a1").unwrap();
        fs::write(dist.join("a-1.tar.gz.minisig"), "sig").unwrap();
        fs::write(dist.join("old/x"), "x").unwrap();
        fs::write(dist.join(".hidden"), "h").unwrap();
        fs::write(dist.join(".a.iocc-tmp-1"), "half").unwrap();
        let c = changes(
            &[("a-2.tar.gz", "a2"), ("SHA256SUMS", "sums")],
            &["a-1.tar.gz.minisig", "missing"],
        );
        assert_eq!(
            names_after(&dist, &c).unwrap(),
            ["SHA256SUMS", "a-1.tar.gz", "a-2.tar.gz"]
        );
        commit(&dist, &c).unwrap();
        let after = read_all(&dist);
        let names: Vec<&str> = after.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [".hidden", "SHA256SUMS", "a-1.tar.gz", "a-2.tar.gz", "old"]
        );
        assert_eq!(fs::read(dist.join("old/x")).unwrap(), b"x");
        assert_eq!(after["a-2.tar.gz"], b"a2");
        // No staging folder is left beside it.
        let beside: Vec<_> = fs::read_dir(&root).unwrap().flatten().collect();
        assert_eq!(beside.len(), 1, "{beside:?}");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn in_place_renames_archives_before_their_checksums() {
        let dist = scratch("release-set-in-place");
        fs::write(dist.join("a-1.tar.gz.minisig"), "sig").unwrap();
        let c = changes(
            &[
                ("SHA256SUMS", "s"),
                ("a-1.tar.gz.sha256", "c"),
                ("a-1.tar.gz", "a"),
            ],
            &["a-1.tar.gz.minisig"],
        );
        let mut order: Vec<&String> = c.write.keys().collect();
        order.sort_by_key(|n| rank(n));
        assert_eq!(order, ["a-1.tar.gz", "a-1.tar.gz.sha256", "SHA256SUMS"]);
        in_place(&dist, &c).unwrap();
        let names: Vec<String> = read_all(&dist).into_keys().collect();
        assert_eq!(names, ["SHA256SUMS", "a-1.tar.gz", "a-1.tar.gz.sha256"]);
        fs::remove_dir_all(&dist).unwrap();
    }
}
