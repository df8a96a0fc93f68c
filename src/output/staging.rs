//! The staging folder of one catalogue's output: where its targets write, beside
//! `out/<catalogue>/`, until the build swaps it in.
//!
//! Guarantees: the staging folder is a temporary sibling of the destination, so the swap is
//! one `renameat2(RENAME_EXCHANGE)` on the same filesystem (or a rename when there was no
//! previous folder): a reader or an interrupted build sees the old tree or the new one, never
//! a mix. Until [`Staging::commit`], the destination is never touched; a staging folder that
//! is dropped uncommitted (a failed build) is removed, so a failed build leaves the old
//! folder byte-identical. Folders of targets a build did not select are carried over by hard
//! links (a copy where the filesystem refuses): nothing is read into memory. The output is
//! derived data that a build recreates, so, like `cp -r`, it is not synced to disk; the state
//! files beside the catalogue (SID locks) are ([`super::write_file_atomic`]).

use std::fs;
use std::path::{Path, PathBuf};

use super::sink::Files;
use super::write_failed;
use crate::diag::Diagnostic;

/// The temporary sibling of one destination folder.
pub struct Staging {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
    /// The parent folder this staging created (removed again, when empty, if the build fails:
    /// a failed first build leaves no `out/` behind).
    made_parent: Option<PathBuf>,
}

impl Staging {
    /// A fresh, empty staging folder beside `dest` (temporaries of interrupted builds of the
    /// same folder are removed first).
    pub fn new(dest: &Path) -> Result<Staging, Diagnostic> {
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let made_parent = (!parent.exists()).then(|| parent.to_path_buf());
        fs::create_dir_all(parent).map_err(|e| write_failed(parent, &e))?;
        let name = dest
            .file_name()
            .map_or("out".into(), |n| n.to_string_lossy().into_owned());
        clean_stale_temporaries(parent, &name);
        let tmp = parent.join(format!(".{name}.iocc-tmp-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| write_failed(&tmp, &e))?;
        Ok(Staging {
            tmp,
            dest: dest.to_path_buf(),
            committed: false,
            made_parent,
        })
    }

    /// Where the staged tree is.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The files of one target: written under the staging folder, compared with the
    /// destination's folder of the same name.
    pub fn files(&self, target: &str) -> Files {
        Files::disk(target, self.tmp.join(target), self.dest.join(target))
    }

    /// Carries files of the destination over unchanged (relative paths).
    pub fn keep(&self, paths: &[String]) -> Result<(), Diagnostic> {
        for rel in paths {
            let (from, to) = (self.dest.join(rel), self.tmp.join(rel));
            if let Some(dir) = to.parent() {
                fs::create_dir_all(dir).map_err(|e| write_failed(dir, &e))?;
            }
            if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(|e| write_failed(&to, &e))?;
            }
        }
        Ok(())
    }

    /// Swaps the staged tree in; the previous tree (if any) is removed.
    pub fn commit(mut self) -> Result<(), Diagnostic> {
        swap_in(&self.tmp, &self.dest)?;
        self.committed = true;
        // After an exchange the staging path holds the previous tree.
        let _ = fs::remove_dir_all(&self.tmp);
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
            if let Some(parent) = &self.made_parent {
                // Only when empty: another catalogue of the build may have written there.
                let _ = fs::remove_dir(parent);
            }
        }
    }
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
