//! Writing compiled output to disk, atomically, and comparing it with what is there.
//!
//! Guarantees: targets stream their files through [`Files`] ([`sink`]) into the staging
//! folder of their catalogue ([`staging`]), which is swapped in as a whole, so a reader or an
//! interrupted build sees either the old tree or the new one, never a mix, and a failed build
//! leaves the old one byte-identical. State files (SID locks) are written to a temporary
//! sibling, synced and renamed. Nothing here follows the catalogue's strings into paths:
//! target file names are checked to stay inside their folder.

pub mod sink;
pub mod staging;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::diag::{display, Code, Diagnostic};
pub use sink::{Compared, FileSink, Files, WriteError};
pub use staging::Staging;

/// A complete output tree in memory: relative `/`-separated path to contents (tests, small
/// outputs, bundle archives of trees).
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

/// Replaces `dest` by a folder holding exactly `tree`, atomically (through [`Staging`]).
pub fn replace_dir<'a>(
    dest: &Path,
    tree: impl IntoIterator<Item = (&'a String, &'a Vec<u8>)>,
) -> Result<(), Vec<Diagnostic>> {
    let staging = Staging::new(dest).map_err(|d| vec![d])?;
    let mut files = Files::disk("", staging.path().to_path_buf(), dest.to_path_buf());
    for (rel, bytes) in tree {
        files.put(rel, bytes)?;
    }
    staging.commit().map_err(|d| vec![d])
}

/// Writes one file atomically and durably (temporary sibling, synced, then renamed).
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

    #[test]
    fn relative_paths_cannot_escape() {
        assert!(is_safe_relative("suricata/x.rules"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative(""));
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

    #[test]
    fn a_dropped_staging_leaves_the_destination_alone() {
        let dir = std::env::temp_dir().join(format!("iocc-stage-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let dest = dir.join("cat");
        let mut a = Tree::new();
        a.insert("t/one".into(), b"1".to_vec());
        replace_dir(&dest, &a).unwrap();
        {
            let staging = Staging::new(&dest).unwrap();
            let mut f = staging.files("t");
            f.put("one", b"changed").unwrap();
            // Dropped without commit: a failed build.
        }
        assert_eq!(read_tree(&dest), a);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "staging removed");
        fs::remove_dir_all(&dir).unwrap();
    }
}
