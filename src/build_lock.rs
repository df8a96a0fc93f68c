//! One writer per output folder: `iocc build` and `iocc bundle` hold an advisory lock on the
//! folder they write (an exclusive `flock` of the folder itself, through `fs4`), so two runs
//! never interleave their writes; `iocc build --check` holds a shared lock, so it never reads a
//! folder half-way through another run's updates.
//!
//! Guarantees: a second writer waits, saying so once on stderr, or with `--no-wait` fails at
//! once with `output-busy` and exit code 1; the lock is released when the process ends, also
//! when it is killed (the kernel drops it with the file descriptor), so a killed build never
//! leaves a stale lock behind. A folder replaced while a run waited for it (`iocc bundle`
//! swaps in its whole release folder) is locked again at its path. Once the lock is held, temporaries a killed run left in the
//! folder are removed ([`sweep`]); temporaries beside catalogues (a SID lock being written)
//! are removed when the process that made them is gone.

use std::fs::File;
use std::path::{Path, PathBuf};

use fs4::{FileExt, TryLockError};

use crate::diag::{display, Code, Diagnostic};

/// What every writing command takes on its command line.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct LockArgs {
    /// Fail at once, instead of waiting, when another iocc run holds the output folder.
    #[arg(long)]
    pub no_wait: bool,
}

/// Shared (readers) or exclusive (one writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

/// A held lock on an output folder; released on drop or when the process ends.
#[derive(Debug)]
pub struct OutputLock {
    _dir: File,
    /// The folder, when this lock created it: removed on drop if the run left it empty (a
    /// failed run creates nothing).
    created: Option<PathBuf>,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        if let Some(dir) = &self.created {
            // Fails, as it should, when the run wrote anything.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The marker in the names of the temporaries iocc writes before renaming them into place
/// (see `output.rs`): `.<name>.iocc-tmp-<pid>`.
const TMP_MARK: &str = ".iocc-tmp-";

fn busy(dir: &Path) -> Diagnostic {
    Diagnostic::new(
        Code::OutputBusy,
        format!(
            "another iocc run is writing `{}`; not waiting (--no-wait)",
            display(dir)
        ),
    )
    .help("run again when it has finished, or drop --no-wait to wait for it")
}

fn cannot_lock(dir: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::WriteFailed,
        format!("cannot lock the output folder `{}`: {e}", display(dir)),
    )
    .help("check that the folder can be created and read; nothing was written")
}

/// Locks the output folder `dir` (created when an exclusive lock needs it, and removed again
/// if the run leaves it empty). `on_wait` is
/// called once when another run holds it and this one waits. A shared lock on a folder that
/// does not exist is not needed (there is nothing to read): `Ok(None)`.
pub fn lock(
    dir: &Path,
    mode: Mode,
    args: LockArgs,
    on_wait: impl FnOnce(&Path),
) -> Result<Option<OutputLock>, Diagnostic> {
    let created = !dir.is_dir();
    if mode == Mode::Shared && created {
        return Ok(None);
    }
    let mut on_wait = Some(on_wait);
    let file = loop {
        if mode == Mode::Exclusive {
            std::fs::create_dir_all(dir).map_err(|e| cannot_lock(dir, &e))?;
        }
        let file = File::open(dir).map_err(|e| cannot_lock(dir, &e))?;
        acquire(&file, dir, mode, args, &mut on_wait)?;
        // `iocc bundle` swaps in a new release folder: a lock taken on the folder it
        // replaced guards nothing, so it is taken again on the folder now at the path.
        if is_at(&file, dir) {
            break file;
        }
    };
    if mode == Mode::Exclusive {
        sweep(dir, |_| true);
    }
    Ok(Some(OutputLock {
        _dir: file,
        created: created.then(|| dir.to_path_buf()),
    }))
}

/// Takes the lock on the open folder `file`, waiting (after calling `on_wait`, once) unless
/// `--no-wait`.
fn acquire(
    file: &File,
    dir: &Path,
    mode: Mode,
    args: LockArgs,
    on_wait: &mut Option<impl FnOnce(&Path)>,
) -> Result<(), Diagnostic> {
    let tried = match mode {
        Mode::Shared => FileExt::try_lock_shared(file),
        Mode::Exclusive => FileExt::try_lock(file),
    };
    match tried {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) if args.no_wait => Err(busy(dir)),
        Err(TryLockError::WouldBlock) => {
            if let Some(f) = on_wait.take() {
                f(dir);
            }
            let waited = match mode {
                Mode::Shared => FileExt::lock_shared(file),
                Mode::Exclusive => FileExt::lock(file),
            };
            waited.map_err(|e| cannot_lock(dir, &e))
        }
        Err(TryLockError::Error(e)) => Err(cannot_lock(dir, &e)),
    }
}

/// Whether the open folder `file` is still the one at `dir`.
fn is_at(file: &File, dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(dir)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// The message printed once while waiting for the lock.
pub fn waiting_message(dir: &Path) -> String {
    format!(
        "waiting: another iocc run is writing `{}` (use --no-wait to fail instead)",
        display(dir)
    )
}

/// The process id in a temporary's name, if it is one.
fn temporary_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let (_, rest) = name.split_once(TMP_MARK)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Removes the temporaries in `dir` whose process `stale` says is gone. Returns what it
/// removed. Errors are ignored: a temporary that cannot be removed is left for the next run,
/// and never taken for output (dot-files are not output).
pub fn sweep(dir: &Path, stale: impl Fn(u32) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = temporary_pid(&name) else {
            continue;
        };
        if !stale(pid) {
            continue;
        }
        let path = e.path();
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if gone.is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// Whether no process with this id is running (a temporary it left is safe to remove).
pub fn process_gone(pid: u32) -> bool {
    pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes the temporaries of dead processes beside the given catalogue files (SID locks
/// half-written by a killed run).
pub fn sweep_beside(catalogues: &[PathBuf]) {
    let mut dirs: Vec<&Path> = catalogues
        .iter()
        .map(|f| {
            f.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        sweep(d, process_gone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_are_named_with_their_pid() {
        assert_eq!(temporary_pid(".x.iocc-tmp-42"), Some(42));
        assert_eq!(temporary_pid(".x.sids.lock.iocc-tmp-7"), Some(7));
        assert_eq!(temporary_pid(".x.iocc-tmp-42.old"), Some(42));
        assert_eq!(temporary_pid("x.iocc-tmp-42"), None);
        assert_eq!(temporary_pid(".x.iocc-tmp-"), None);
        assert_eq!(temporary_pid("contec"), None);
    }

    #[test]
    fn a_second_writer_is_refused_without_waiting() {
        let dir = std::env::temp_dir().join(format!("iocc-lock-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // A folder the lock creates is removed again when the run leaves it empty.
        drop(lock(&dir, Mode::Exclusive, LockArgs::default(), |_| {}).unwrap());
        assert!(!dir.exists());
        std::fs::create_dir_all(&dir).unwrap();
        let held = lock(&dir, Mode::Exclusive, LockArgs::default(), |_| {}).unwrap();
        assert!(held.is_some());
        let no_wait = LockArgs { no_wait: true };
        let second = lock(&dir, Mode::Exclusive, no_wait, |_| {}).unwrap_err();
        assert_eq!(second.code, Code::OutputBusy);
        let reader = lock(&dir, Mode::Shared, no_wait, |_| {}).unwrap_err();
        assert_eq!(reader.code, Code::OutputBusy);
        drop(held);
        assert!(lock(&dir, Mode::Exclusive, no_wait, |_| {}).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sweeping_keeps_output_and_live_temporaries() {
        let dir = std::env::temp_dir().join(format!("iocc-sweep-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".cat.iocc-tmp-1/suricata")).unwrap();
        std::fs::create_dir_all(dir.join("cat")).unwrap();
        std::fs::write(dir.join(".x.sids.lock.iocc-tmp-2"), "half").unwrap();
        std::fs::write(dir.join(".x.sids.lock.iocc-tmp-3"), "live").unwrap();
        let removed = sweep(&dir, |pid| pid != 3);
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(dir.join("cat").is_dir());
        assert!(dir.join(".x.sids.lock.iocc-tmp-3").is_file());
        assert!(!process_gone(std::process::id()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
