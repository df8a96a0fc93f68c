//! Writing compiled output to disk, atomically, and comparing it with what is there.
//!
//! Guarantees: a catalogue's folder `out/<id>/` is replaced as a whole: the new tree is written
//! to a temporary sibling and swapped in with one `renameat2(RENAME_EXCHANGE)` (or a rename when
//! there was no previous folder), so a reader or an interrupted build sees either the old tree
//! or the new one, never a mix. State files (SID locks) are written to a temporary sibling and
//! renamed. Nothing here follows the catalogue's strings into paths: target file names are
//! checked to stay inside their folder.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::diag::{display, Code, Diagnostic};

/// A complete output tree: relative `/`-separated path to contents.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// Checks that a relative output path stays inside its folder.
pub fn is_safe_relative(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && !p.is_absolute()
        && p.components().all(|c| matches!(c, Component::Normal(_)))
}

fn write_failed(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::WriteFailed,
        format!("cannot write `{}`: {e}", display(path)),
    )
    .help("check free space and permissions; the previous output was left as it was")
}

/// Reads the tree under `dir` (missing folder: empty tree). Dot-files are ignored.
pub fn read_tree(dir: &Path) -> Tree {
    read_files(dir, &list_files(dir))
}

/// The relative `/`-separated paths of the files under `dir` (missing folder: none), sorted.
/// Dot-files are ignored, as by [`read_tree`]. Only names are read: a large output need not
/// be in memory to be compared or kept.
pub fn list_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Reads the given files of `dir` (unreadable ones are left out, as by [`read_tree`]).
pub fn read_files(dir: &Path, paths: &[String]) -> Tree {
    paths
        .iter()
        .filter_map(|p| fs::read(dir.join(p)).ok().map(|b| (p.clone(), b)))
        .collect()
}

/// Whether the files `paths` of `dir` are exactly `tree` (same paths, same bytes), reading
/// one file at a time.
pub fn same_files(dir: &Path, paths: &[String], tree: &Tree) -> bool {
    paths.len() == tree.len()
        && paths
            .iter()
            .zip(tree)
            .all(|(p, (k, bytes))| p == k && same_bytes(&dir.join(p), bytes))
}

/// The differences (path, what) between `fresh` and the files `paths` of `dir`: `missing`,
/// `differs` or `not produced by a fresh build`. Reads one file at a time, in chunks, so the
/// old tree is never held in memory.
pub fn diff_files(dir: &Path, paths: &[String], fresh: &Tree) -> Vec<(String, &'static str)> {
    let on_disk: std::collections::BTreeSet<&str> = paths.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for (path, bytes) in fresh {
        if !on_disk.contains(path.as_str()) {
            out.push((path.clone(), "missing"));
        } else if !same_bytes(&dir.join(path), bytes) {
            out.push((path.clone(), "differs"));
        }
    }
    for path in paths {
        if !fresh.contains_key(path) {
            out.push((path.clone(), "not produced by a fresh build"));
        }
    }
    out
}

/// Whether a file holds exactly `bytes`, read in chunks (a large file is never in memory).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut f) = fs::File::open(path) else {
        return false;
    };
    if f.metadata().map(|m| m.len()).ok() != Some(bytes.len() as u64) {
        return false;
    }
    let mut buf = vec![0u8; 1 << 20];
    let mut rest = bytes;
    loop {
        match f.read(&mut buf) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && buf[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Replaces `dest` by a folder holding exactly `tree`, atomically.
/// `tree` is any set of (path, contents), e.g. `&Tree`, borrowed so nothing is copied.
pub fn replace_dir<'a>(
    dest: &Path,
    tree: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>,
) -> Result<(), Diagnostic> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| write_failed(parent, &e))?;
    let name = dest
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    clean_stale_temporaries(parent, &name);
    let tmp = parent.join(format!(".{name}.iocc-tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    let result = (|| {
        fs::create_dir_all(&tmp).map_err(|e| write_failed(&tmp, &e))?;
        for (rel, bytes) in tree {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| write_failed(dir, &e))?;
            }
            let mut f = fs::File::create(&path).map_err(|e| write_failed(&path, &e))?;
            f.write_all(bytes).map_err(|e| write_failed(&path, &e))?;
            f.sync_all().map_err(|e| write_failed(&path, &e))?;
        }
        swap_in(&tmp, dest)
    })();
    // After an exchange `tmp` holds the previous tree; after a failure, the partial new one.
    let _ = fs::remove_dir_all(&tmp);
    result
}

fn swap_in(tmp: &Path, dest: &Path) -> Result<(), Diagnostic> {
    if dest.exists() {
        match rustix::fs::renameat_with(
            rustix::fs::CWD,
            tmp,
            rustix::fs::CWD,
            dest,
            rustix::fs::RenameFlags::EXCHANGE,
        ) {
            Ok(()) => Ok(()),
            // Filesystems without RENAME_EXCHANGE: move the old tree aside, then rename.
            Err(_) => {
                let old = tmp.with_extension("old");
                let _ = fs::remove_dir_all(&old);
                fs::rename(dest, &old).map_err(|e| write_failed(dest, &e))?;
                if let Err(e) = fs::rename(tmp, dest) {
                    let _ = fs::rename(&old, dest);
                    return Err(write_failed(dest, &e));
                }
                let _ = fs::remove_dir_all(&old);
                Ok(())
            }
        }
    } else {
        fs::rename(tmp, dest).map_err(|e| write_failed(dest, &e))
    }
}

/// Removes temporaries left by an interrupted build of `name`.
fn clean_stale_temporaries(parent: &Path, name: &str) {
    let prefix = format!(".{name}.iocc-tmp-");
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Writes one file atomically (temporary sibling, then rename).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy().into_owned());
    let tmp: PathBuf = dir.join(format!(".{name}.iocc-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(|e| write_failed(&tmp, &e))?;
        f.write_all(bytes).map_err(|e| write_failed(&tmp, &e))?;
        f.sync_all().map_err(|e| write_failed(&tmp, &e))?;
        fs::rename(&tmp, path).map_err(|e| write_failed(path, &e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-memory comparison [`diff_files`] must agree with: (path, what).
    fn diff_trees(fresh: &Tree, on_disk: &Tree) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for (path, bytes) in fresh {
            match on_disk.get(path) {
                None => out.push((path.clone(), "missing")),
                Some(old) if old != bytes => out.push((path.clone(), "differs")),
                Some(_) => {}
            }
        }
        for path in on_disk.keys() {
            if !fresh.contains_key(path) {
                out.push((path.clone(), "not produced by a fresh build"));
            }
        }
        out
    }

    #[test]
    fn relative_paths_cannot_escape() {
        assert!(is_safe_relative("suricata/x.rules"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative(""));
    }

    #[test]
    fn streamed_comparison_agrees_with_trees() {
        let dir = std::env::temp_dir().join(format!("iocc-cmp-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut a = Tree::new();
        a.insert("t/same".into(), b"1".to_vec());
        a.insert("t/big".into(), vec![7u8; 3 << 20]);
        a.insert("t/gone".into(), b"2".to_vec());
        replace_dir(&dir, &a).unwrap();
        let paths = list_files(&dir);
        assert!(same_files(&dir, &paths, &a));
        let mut b = a.clone();
        b.remove("t/gone");
        b.insert("t/new".into(), b"3".to_vec());
        let mut big = vec![7u8; 3 << 20];
        big[(2 << 20) + 5] = 8;
        b.insert("t/big".into(), big);
        assert!(!same_files(&dir, &paths, &b));
        let streamed = diff_files(&dir, &paths, &b);
        assert_eq!(streamed, diff_trees(&b, &read_tree(&dir)));
        assert_eq!(streamed.len(), 3, "{streamed:?}");
        b.insert("t/big".into(), vec![7u8; 3 << 20]);
        b.get_mut("t/big").unwrap().push(7);
        assert_eq!(diff_files(&dir, &paths, &b)[0], ("t/big".into(), "differs"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replace_swaps_whole_tree() {
        let dir = std::env::temp_dir().join(format!("iocc-out-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let dest = dir.join("cat");
        let mut a = Tree::new();
        a.insert("t/one".into(), b"1".to_vec());
        a.insert("t/two".into(), b"2".to_vec());
        replace_dir(&dest, &a).unwrap();
        assert_eq!(read_tree(&dest), a);
        let mut b = Tree::new();
        b.insert("t/three".into(), b"3".to_vec());
        replace_dir(&dest, &b).unwrap();
        assert_eq!(read_tree(&dest), b);
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporaries left behind"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
