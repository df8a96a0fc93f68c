//! Where a target writes its files: [`Files`], one per target and build, and [`FileSink`], the
//! buffered writer of one file.
//!
//! Guarantees: a target streams each file through a [`FileSink`] as it renders it, so no file
//! is ever held whole in memory (only [`Files::memory`], for tests and small outputs, keeps
//! them). Three destinations, one interface:
//! - [`Files::disk`]: into a staging folder (the temporary sibling of `out/<catalogue>/`),
//!   comparing every chunk with the previous output's file as it goes, so the build knows
//!   whether anything changed without a second pass or a copy in memory;
//! - [`Files::compare`]: nothing written, every chunk compared with the file on disk
//!   (`build --check`);
//! - [`Files::memory`]: kept in a [`Tree`].
//!
//! Paths are checked to stay inside the target's folder and to be written once; an I/O error
//! names the file and fails the target (the build then swaps nothing in).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{is_safe_relative, write_failed, Tree};
use crate::diag::{Code, Diagnostic};

/// Bytes gathered before they go to the file (and are compared with the old one).
const CHUNK: usize = 256 * 1024;

/// Why writing a file stopped: an I/O error (reported with the file's path) or problems the
/// target found while rendering.
#[derive(Debug)]
pub enum WriteError {
    Io(io::Error),
    Refused(Vec<Diagnostic>),
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

impl From<Vec<Diagnostic>> for WriteError {
    fn from(d: Vec<Diagnostic>) -> Self {
        WriteError::Refused(d)
    }
}

impl From<Diagnostic> for WriteError {
    fn from(d: Diagnostic) -> Self {
        WriteError::Refused(vec![d])
    }
}

/// How a written file compares with the previous output's file of the same path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    Same,
    Differs,
    /// No such file before.
    Missing,
    /// Not compared (memory).
    Unknown,
}

enum Mode {
    Disk { dir: PathBuf, old: PathBuf },
    Compare { old: PathBuf },
    Memory(Tree),
}

/// The files of one target in one build.
pub struct Files {
    target: String,
    mode: Mode,
    written: Vec<(String, Compared)>,
    /// Bytes written into every file so far (progress reports).
    bytes: u64,
}

impl Files {
    /// Writes into `dir`, comparing with the files under `old` (which need not exist).
    pub fn disk(target: &str, dir: PathBuf, old: PathBuf) -> Files {
        Files::new(target, Mode::Disk { dir, old })
    }

    /// Writes nothing; compares with the files under `old`.
    pub fn compare(target: &str, old: PathBuf) -> Files {
        Files::new(target, Mode::Compare { old })
    }

    /// Keeps the files in memory ([`Files::into_tree`]).
    pub fn memory(target: &str) -> Files {
        Files::new(target, Mode::Memory(Tree::new()))
    }

    fn new(target: &str, mode: Mode) -> Files {
        Files {
            target: target.to_owned(),
            mode,
            written: Vec::new(),
            bytes: 0,
        }
    }

    /// Every file written so far (relative paths, in writing order) and how each compared.
    pub fn written(&self) -> &[(String, Compared)] {
        &self.written
    }

    /// How many bytes the files written so far hold.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The files kept by [`Files::memory`] (empty for the other modes).
    pub fn into_tree(self) -> Tree {
        match self.mode {
            Mode::Memory(t) => t,
            _ => Tree::new(),
        }
    }

    /// Writes the file `path` (relative to the target's folder): `body` streams its bytes into
    /// the sink. The file is complete when `body` returns `Ok`.
    pub fn file<R>(
        &mut self,
        path: &str,
        body: impl FnOnce(&mut FileSink) -> Result<R, WriteError>,
    ) -> Result<R, Vec<Diagnostic>> {
        self.check_path(path)?;
        let (mut sink, shown) = match &self.mode {
            Mode::Disk { dir, old } => {
                let file = dir.join(path);
                (FileSink::to_disk(&file, &old.join(path)), file)
            }
            Mode::Compare { old } => (FileSink::comparing(&old.join(path)), old.join(path)),
            Mode::Memory(_) => (FileSink::in_memory(), PathBuf::from(path)),
        };
        let result = match sink.error.take() {
            Some(e) => Err(WriteError::Io(e)),
            None => body(&mut sink),
        };
        let value = match result {
            Ok(v) => v,
            Err(WriteError::Io(e)) => return Err(vec![write_failed(&shown, &e)]),
            Err(WriteError::Refused(d)) => return Err(d),
        };
        self.bytes += sink.len;
        let (compared, bytes) = sink.finish().map_err(|e| vec![write_failed(&shown, &e)])?;
        if let Mode::Memory(tree) = &mut self.mode {
            tree.insert(path.to_owned(), bytes);
        }
        self.written.push((path.to_owned(), compared));
        Ok(value)
    }

    /// Writes a small file whose bytes are ready.
    pub fn put(&mut self, path: &str, bytes: &[u8]) -> Result<(), Vec<Diagnostic>> {
        self.file(path, |w| w.write_all(bytes).map_err(WriteError::Io))
    }

    fn check_path(&self, path: &str) -> Result<(), Vec<Diagnostic>> {
        let problem = if !is_safe_relative(path) {
            "an unsafe path"
        } else if self.written.iter().any(|(p, _)| p == path) {
            "twice the path"
        } else {
            return Ok(());
        };
        Err(vec![Diagnostic::new(
            Code::WriteFailed,
            format!("target `{}` produced {problem} `{path}`", self.target),
        )
        .help("this is a bug in iocc, please report it")])
    }
}

/// The previous output's file, compared chunk by chunk while it still matches.
struct OldFile {
    file: File,
    scratch: Vec<u8>,
}

/// The buffered writer of one file: bytes go to the file (or memory) in chunks, each chunk
/// compared with the previous output's file while they still agree.
pub struct FileSink {
    buf: Vec<u8>,
    disk: Option<File>,
    old: Option<OldFile>,
    /// The old file existed (for [`Compared::Missing`]).
    had_old: bool,
    differs: bool,
    memory: bool,
    error: Option<io::Error>,
    /// Bytes written into this file.
    len: u64,
}

impl FileSink {
    fn base(memory: bool) -> FileSink {
        FileSink {
            buf: Vec::with_capacity(if memory { 0 } else { CHUNK }),
            disk: None,
            old: None,
            had_old: false,
            differs: false,
            memory,
            error: None,
            len: 0,
        }
    }

    fn to_disk(path: &Path, old: &Path) -> FileSink {
        let mut s = FileSink::comparing(old);
        let created = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| File::create(path));
        match created {
            // The sink gathers chunks itself: the file gets whole chunks.
            Ok(f) => s.disk = Some(f),
            Err(e) => s.error = Some(e),
        }
        s
    }

    fn comparing(old: &Path) -> FileSink {
        let mut s = FileSink::base(false);
        if let Ok(file) = File::open(old) {
            s.had_old = true;
            s.old = Some(OldFile {
                file,
                scratch: vec![0; CHUNK],
            });
        }
        s
    }

    fn in_memory() -> FileSink {
        FileSink::base(true)
    }

    /// Sends `bytes` to the file and compares them with the old file.
    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(d) = &mut self.disk {
            d.write_all(bytes)?;
        }
        if let Some(old) = &mut self.old {
            let mut rest = bytes;
            while !rest.is_empty() && !self.differs {
                let n = rest.len().min(old.scratch.len());
                let same = old.file.read_exact(&mut old.scratch[..n]).is_ok()
                    && old.scratch[..n] == rest[..n];
                self.differs = !same;
                rest = &rest[n..];
            }
            if self.differs {
                self.old = None;
            }
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        let buf = std::mem::take(&mut self.buf);
        let r = self.emit(&buf);
        self.buf = buf;
        self.buf.clear();
        r
    }

    /// Completes the file: how it compared, and its bytes when kept in memory.
    fn finish(mut self) -> io::Result<(Compared, Vec<u8>)> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.memory {
            return Ok((Compared::Unknown, std::mem::take(&mut self.buf)));
        }
        self.flush_buf()?;
        let compared = match self.old.take() {
            _ if !self.had_old => Compared::Missing,
            // Same so far: the old file must end here too.
            Some(mut old) if !self.differs => match old.file.read(&mut old.scratch[..1]) {
                Ok(0) => Compared::Same,
                _ => Compared::Differs,
            },
            _ => Compared::Differs,
        };
        Ok((compared, Vec::new()))
    }
}

impl Write for FileSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(e) = &self.error {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        self.len += data.len() as u64;
        if !self.memory && self.buf.len() + data.len() > CHUNK {
            let r = self.flush_buf().and_then(|()| {
                if data.len() >= CHUNK {
                    self.emit(data)
                } else {
                    Ok(())
                }
            });
            if let Err(e) = r {
                self.error = Some(io::Error::new(e.kind(), e.to_string()));
                return Err(e);
            }
            if data.len() >= CHUNK {
                return Ok(data.len());
            }
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Chunks go out as they fill; `finish` sends the rest.
        Ok(())
    }
}

impl std::fmt::Write for FileSink {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        Write::write_all(self, s.as_bytes()).map_err(|_| std::fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("iocc-sink-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Writes `bytes` in pieces of `step` through a disk sink over `old`'s folder.
    fn write(dir: &Path, old: &Path, bytes: &[u8], step: usize) -> Compared {
        let mut f = Files::disk("t", dir.to_path_buf(), old.to_path_buf());
        f.file("a/x", |w| {
            for c in bytes.chunks(step) {
                w.write_all(c)?;
            }
            Ok(())
        })
        .unwrap();
        f.written()[0].1
    }

    #[test]
    fn disk_files_compare_with_the_previous_output() {
        let root = scratch("cmp");
        let (old, new) = (root.join("old"), root.join("new"));
        let big: Vec<u8> = (0..3 * CHUNK + 11).map(|i| (i % 251) as u8).collect();
        assert_eq!(
            write(&old, &root.join("none"), &big, 7000),
            Compared::Missing
        );
        assert_eq!(std::fs::read(old.join("a/x")).unwrap(), big);
        for step in [1, 4096, CHUNK, 2 * CHUNK + 3] {
            assert_eq!(write(&new, &old, &big, step), Compared::Same, "{step}");
            assert_eq!(std::fs::read(new.join("a/x")).unwrap(), big);
        }
        let mut changed = big.clone();
        changed[2 * CHUNK + 1] ^= 1;
        assert_eq!(write(&new, &old, &changed, 1000), Compared::Differs);
        assert_eq!(
            write(&new, &old, &big[..big.len() - 1], 1000),
            Compared::Differs
        );
        let mut longer = big.clone();
        longer.push(0);
        assert_eq!(write(&new, &old, &longer, 1000), Compared::Differs);
        // Comparing only writes nothing.
        let mut c = Files::compare("t", old.clone());
        c.put("a/x", &big).unwrap();
        c.put("a/y", b"new").unwrap();
        assert_eq!(
            c.written(),
            [
                ("a/x".to_owned(), Compared::Same),
                ("a/y".to_owned(), Compared::Missing)
            ]
        );
        assert!(!old.join("a/y").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn paths_stay_inside_and_are_written_once() {
        let mut f = Files::memory("t");
        f.put("ok.txt", b"1").unwrap();
        assert!(f.put("ok.txt", b"2").is_err());
        assert!(f.put("../x", b"2").is_err());
        assert!(f.put("/etc/x", b"2").is_err());
        let e = f
            .file("bad", |_| -> Result<(), WriteError> {
                Err(Diagnostic::new(Code::WriteFailed, "no").into())
            })
            .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(f.into_tree().len(), 1);
    }

    #[test]
    fn an_unwritable_folder_is_a_located_error() {
        let root = scratch("unwritable");
        std::fs::write(root.join("file"), b"").unwrap();
        // A file where the folder should be.
        let mut f = Files::disk("t", root.join("file"), root.join("none"));
        let e = f.put("x", b"1").unwrap_err();
        assert_eq!(e[0].code, Code::WriteFailed);
        assert!(e[0].message.contains("file"), "{}", e[0].message);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
