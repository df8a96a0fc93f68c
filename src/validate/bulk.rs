//! Bulk side files: one address, network or domain per line (`#` comments), or a CSV column.
//!
//! Text: one value per line; `#` starts a comment anywhere on a line; blank lines, spaces and
//! `\r` are ignored. CSV (RFC 4180, chosen by `format: csv` or a `.csv` extension): a header
//! row, then records; `column` names the header of the value column (default: the first);
//! rows starting with `#` and empty values are skipped; quoted fields may hold commas and
//! newlines. A leading UTF-8 byte-order mark is ignored in both. Addresses are single IPv4 or
//! IPv6 addresses or canonical CIDR networks; domains are checked like `kind: domain`.
//!
//! Guarantees: a file is streamed once, in chunks (never whole in memory), and parsed line by
//! line with no per-line allocation for addresses (IPv4 has its own parser, checked against the
//! standard one); entries are kept packed and sorted ([`crate::model::packed`]); the path must
//! stay inside the catalogue's folder; every bad line is reported with its file:line (up to
//! [`MAX_LINE_ERRORS`], then a count), and nothing panics.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use ipnet::IpNet;

use super::{check_domain, short};
use crate::diag::{At, Code, Diagnostic};
use crate::model::packed::{Domains, Nets};
use crate::model::raw::RawBulkList;
use crate::model::BulkKind;

/// Largest bulk file read.
pub const MAX_BULK_BYTES: u64 = 512 * 1024 * 1024;
/// Bad lines reported per file before the rest are only counted.
pub const MAX_LINE_ERRORS: usize = 50;
/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

/// The parsed entries of one side file, sorted.
#[derive(Debug, Default)]
pub struct Loaded {
    pub file: PathBuf,
    pub networks: Nets,
    pub domains: Domains,
}

/// Reads and parses a bulk list declared at `yaml_path` of a catalogue in folder `base`.
pub fn load(
    base: &Path,
    raw: &RawBulkList,
    kind: BulkKind,
    yaml_path: &str,
) -> Result<Loaded, Vec<Diagnostic>> {
    let file = resolve(base, &raw.path, yaml_path).map_err(|d| vec![d])?;
    let format = format(raw, yaml_path).map_err(|d| vec![d])?;
    let source = match open_capped(&file, MAX_BULK_BYTES) {
        Ok(f) => f,
        // Point into the catalogue, at the `path:` that names the file (the file itself
        // has no text to show when it is missing or a folder).
        Err(mut d) => {
            d.file = None;
            return Err(vec![d.at_path(format!("{yaml_path}.path"))]);
        }
    };
    let mut reader = Reader {
        out: Loaded {
            file: file.clone(),
            ..Loaded::default()
        },
        kind,
        file: &file,
        errors: Vec::new(),
        extra: 0,
    };
    match format {
        Format::Text => read_text(&mut reader, source),
        Format::Csv => read_csv(&mut reader, source, raw.column.as_deref()),
    }
    .map_err(|d| vec![d])?;
    reader.finish()
}

/// Opens a file of at most `cap` bytes for streaming; `take` guards against a file that grows
/// while it is read (what is past the cap is never read).
fn open_capped(file: &Path, cap: u64) -> Result<std::io::Take<std::fs::File>, Diagnostic> {
    let shown = crate::diag::display(file);
    let f = std::fs::File::open(file).map_err(|e| io_diag(file, &shown, &e))?;
    let meta = f.metadata().map_err(|e| io_diag(file, &shown, &e))?;
    if meta.is_dir() {
        return Err(Diagnostic::new(
            Code::FileUnreadable,
            format!("`{shown}` is a folder, not a file"),
        )
        .in_file(file)
        .help("this path must name a file, not a folder"));
    }
    if meta.len() > cap {
        return Err(too_large(file, &shown, meta.len(), cap));
    }
    Ok(f.take(cap))
}

/// The side file a bulk path names: relative to the catalogue's folder and inside it, also
/// through symbolic links.
fn resolve(base: &Path, path: &str, yaml_path: &str) -> Result<PathBuf, Diagnostic> {
    let rel = Path::new(path);
    let escapes = rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes || path.is_empty() {
        return Err(Diagnostic::new(
            Code::InvalidBulkFile,
            format!("bulk path `{}` leaves the catalogue's folder", short(path)),
        )
        .at_path(format!("{yaml_path}.path"))
        .help(
            "give a path relative to the catalogue, without `..`, e.g. `feeds/contec-extra.txt`",
        ));
    }
    let file = base.join(rel);
    // A symbolic link (of the file or a folder on the way) must not lead out of the folder
    // either: compare the resolved paths. A missing file is reported when it is read.
    if let (Ok(real), Ok(root)) = (file.canonicalize(), base.canonicalize()) {
        if !real.starts_with(&root) {
            return Err(Diagnostic::new(
                Code::InvalidBulkFile,
                format!(
                    "bulk path `{}` leads out of the catalogue's folder through a symbolic link",
                    short(path)
                ),
            )
            .at_path(format!("{yaml_path}.path"))
            .help("copy the list into the catalogue's folder instead of linking to it"));
        }
    }
    Ok(file)
}

/// `format:`, or the format the file name implies.
fn format(raw: &RawBulkList, yaml_path: &str) -> Result<Format, Diagnostic> {
    match raw.format.as_deref() {
        Some("text") => Ok(Format::Text),
        Some("csv") => Ok(Format::Csv),
        None if raw.path.ends_with(".csv") => Ok(Format::Csv),
        None => Ok(Format::Text),
        Some(other) => Err(Diagnostic::new(
            Code::InvalidValue,
            format!("`{}` is not a bulk format", short(other)),
        )
        .at_path(format!("{yaml_path}.format"))
        .help("use `text` or `csv`")),
    }
}

enum Format {
    Text,
    Csv,
}

/// Collects the entries of one file, and its bad lines up to [`MAX_LINE_ERRORS`].
struct Reader<'a> {
    out: Loaded,
    kind: BulkKind,
    file: &'a Path,
    errors: Vec<Diagnostic>,
    /// Bad lines past the cap, only counted.
    extra: usize,
}

impl Reader<'_> {
    fn problem(&mut self, d: Diagnostic) {
        if self.errors.len() < MAX_LINE_ERRORS {
            self.errors.push(d);
        } else {
            self.extra += 1;
        }
    }

    fn entry(&mut self, value: &str, line: u32) {
        match self.kind {
            BulkKind::Address => {
                if let Some((addr, len)) = parse_v4(value.as_bytes()) {
                    self.out.networks.push_v4(addr, len, line);
                    return;
                }
                match parse_net(value) {
                    Ok(net) => self.out.networks.push(net, line),
                    Err((code, msg, help)) => self.problem(
                        Diagnostic::new(code, format!("`{}` {msg}", short(value)))
                            .in_file(self.file)
                            .at(At::Line(line))
                            .help(help),
                    ),
                }
            }
            BulkKind::Domain => match check_domain(value) {
                Ok(d) => self.out.domains.push(&d, line),
                Err((_, why)) => self.problem(
                    Diagnostic::new(
                        Code::InvalidDomain,
                        format!("`{}` is not a domain name: {why}", short(value)),
                    )
                    .in_file(self.file)
                    .at(At::Line(line))
                    .help("one domain per line, e.g. update.example.com"),
                ),
            },
        }
    }

    fn finish(mut self) -> Result<Loaded, Vec<Diagnostic>> {
        if self.extra > 0 {
            self.errors.push(
                Diagnostic::new(
                    Code::InvalidBulkFile,
                    format!("{} more bad lines not shown", self.extra),
                )
                .in_file(self.file)
                .help("fix the lines above and run `iocc check` again"),
            );
        }
        if self.errors.is_empty() {
            self.out.networks.finish();
            self.out.domains.finish();
            Ok(self.out)
        } else {
            Err(self.errors)
        }
    }
}

/// A file cannot be read on: the diagnostic names it.
fn read_failed(file: &Path, e: &std::io::Error) -> Diagnostic {
    io_diag(file, &crate::diag::display(file), e)
}

/// Reads until `buf` is full or the source ends; returns the bytes read.
fn fill(source: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match source.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// One value per line; `#` starts a comment anywhere on a line. Read in chunks that end at a
/// line end (UTF-8 never holds a `\n` inside a character, so a chunk is checked on its own).
fn read_text(r: &mut Reader<'_>, mut source: impl Read) -> Result<(), Diagnostic> {
    let mut buf = vec![0u8; CHUNK];
    let mut kept = 0; // bytes of an unfinished line carried over from the last chunk
    let mut line = 1u32;
    let mut first = true;
    loop {
        if kept == buf.len() {
            // One line longer than the buffer: grow it (it is reported as a bad value).
            buf.resize(buf.len() * 2, 0);
        }
        let n = fill(&mut source, &mut buf[kept..]).map_err(|e| read_failed(r.file, &e))?;
        let end = kept + n;
        let done = end < buf.len();
        let cut = if done {
            end
        } else {
            match buf[..end].iter().rposition(|&c| c == b'\n') {
                Some(i) => i + 1,
                None => {
                    kept = end;
                    continue;
                }
            }
        };
        let mut chunk = &buf[..cut];
        if first {
            // Spreadsheet exports often start with a UTF-8 byte-order mark; it is not part of
            // the first value.
            chunk = chunk.strip_prefix(b"\xef\xbb\xbf").unwrap_or(chunk);
            first = false;
        }
        let text = utf8(r.file, chunk, line)?;
        for l in text.split_terminator('\n') {
            let value = match l.find('#') {
                Some(i) => &l[..i],
                None => l,
            }
            .trim();
            if !value.is_empty() {
                r.entry(value, line);
            }
            line += 1;
        }
        if done {
            return Ok(());
        }
        buf.copy_within(cut..end, 0);
        kept = end - cut;
    }
}

/// The chunk as text, or the error naming the line of its first bad byte (the file cannot
/// be shown as text, so the message carries the line).
fn utf8<'b>(file: &Path, chunk: &'b [u8], first_line: u32) -> Result<&'b str, Diagnostic> {
    std::str::from_utf8(chunk).map_err(|e| {
        let line = first_line as usize
            + chunk[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        Diagnostic::new(
            Code::NotUtf8,
            format!("the bulk file is not UTF-8 text (bad byte on line {line})"),
        )
        .in_file(file)
        .at(At::Line(line as u32))
        .help("save the list as UTF-8 (ASCII addresses and domains are fine)")
    })
}

/// The common line of a feed, an IPv4 address or network, is read without the general parsers.
pub use crate::net::parse_v4;

/// A CSV with a header row; the values are in the column named `column` (default: the
/// first).
fn read_csv(r: &mut Reader<'_>, source: impl Read, column: Option<&str>) -> Result<(), Diagnostic> {
    use std::io::BufRead;
    let mut source = std::io::BufReader::with_capacity(CHUNK, source);
    // A leading UTF-8 byte-order mark is not part of the header's first name.
    let bom = source
        .fill_buf()
        .map_err(|e| read_failed(r.file, &e))?
        .starts_with(b"\xef\xbb\xbf");
    if bom {
        source.consume(3);
    }
    // Rows starting with `#` are comments, as in text lists (feeds often carry a commented
    // preamble); the header is the first row that is not a comment.
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(source);
    let col = match rdr.headers() {
        Ok(h) => match column {
            None => Some(0),
            Some(name) => h.iter().position(|c| c.trim() == name),
        },
        Err(_) => None,
    };
    let Some(col) = col else {
        return Err(Diagnostic::new(
            Code::InvalidBulkFile,
            format!("the CSV has no column `{}`", short(column.unwrap_or("?"))),
        )
        .in_file(r.file)
        .at(At::Line(1))
        .help(
            "name a column of the header row in `column`, or leave it out to use the first column",
        ));
    };
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => csv_value(r, &record, col),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as u32);
                r.problem(
                    Diagnostic::new(Code::InvalidBulkFile, format!("CSV error: {e}"))
                        .in_file(r.file)
                        .at(At::Line(line))
                        .help("fix the CSV quoting on this line (RFC 4180)"),
                );
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// The value of one CSV record.
fn csv_value(r: &mut Reader<'_>, record: &csv::StringRecord, col: usize) {
    let line = record.position().map_or(0, |p| p.line() as u32);
    let value = record.get(col).unwrap_or("").trim();
    // Addresses and domains never hold a newline: a value that does was swallowed by a quote
    // left open, which the CSV reader accepts.
    if value.contains('\n') {
        r.problem(
            Diagnostic::new(
                Code::InvalidBulkFile,
                format!(
                    "the value of this record runs over {} lines: is a quote left open?",
                    value.lines().count()
                ),
            )
            .in_file(r.file)
            .at(At::Line(line))
            .help("close the quote, or remove the stray `\"`"),
        );
    } else if !value.is_empty() && !value.starts_with('#') {
        r.entry(value, line);
    }
}

/// An address (as a host network) or a canonical network.
pub fn parse_net(value: &str) -> Result<IpNet, (Code, String, String)> {
    if value.contains('/') {
        match value.parse::<IpNet>() {
            Ok(n) if n.trunc() == n => Ok(n),
            Ok(n) => Err((
                Code::NonCanonicalNetwork,
                "has host bits set".into(),
                format!("write the network address `{}`", n.trunc()),
            )),
            Err(_) => Err((
                Code::InvalidAddress,
                "is not a network".into(),
                "write one address or CIDR network per line, e.g. 203.0.113.0/24".into(),
            )),
        }
    } else {
        value
            .parse::<std::net::IpAddr>()
            .map(IpNet::from)
            .map_err(|_| {
                (
                    Code::InvalidAddress,
                    "is not an IP address".into(),
                    "write one address or CIDR network per line, e.g. 203.0.113.7".into(),
                )
            })
    }
}

/// Reads a file of at most `cap` bytes; the diagnostic names the file.
pub fn read_file(file: &Path, cap: u64) -> Result<Vec<u8>, Diagnostic> {
    use std::io::Read;
    let shown = crate::diag::display(file);
    let f = std::fs::File::open(file).map_err(|e| io_diag(file, &shown, &e))?;
    let meta = f.metadata().map_err(|e| io_diag(file, &shown, &e))?;
    if meta.is_dir() {
        return Err(Diagnostic::new(
            Code::FileUnreadable,
            format!("`{shown}` is a folder, not a file"),
        )
        .in_file(file)
        .help("this path must name a file, not a folder"));
    }
    if meta.len() > cap {
        return Err(too_large(file, &shown, meta.len(), cap));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    // `take` guards against files that grow while being read.
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_diag(file, &shown, &e))?;
    if buf.len() as u64 > cap {
        return Err(too_large(file, &shown, buf.len() as u64, cap));
    }
    Ok(buf)
}

fn too_large(file: &Path, shown: &str, len: u64, cap: u64) -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!("`{shown}` is {len} bytes, over the {cap}-byte cap"),
    )
    .in_file(file)
    .help("split it, or move large address lists into bulk side files")
}

fn io_diag(file: &Path, shown: &str, e: &std::io::Error) -> Diagnostic {
    let (code, msg, help) = match e.kind() {
        std::io::ErrorKind::NotFound => (Code::FileNotFound, format!("`{shown}` does not exist"), "check the path; relative paths start from the current folder (bulk paths from the catalogue's folder)"),
        std::io::ErrorKind::PermissionDenied => (Code::FileUnreadable, format!("`{shown}` cannot be read: permission denied"), "make the file readable by this user"),
        _ => (Code::FileUnreadable, format!("`{shown}` cannot be read: {e}"), "check that the path names a regular, readable file"),
    };
    Diagnostic::new(code, msg).in_file(file).help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever address or network the one-pass IPv4 parser of `net` takes, the general
    /// parser takes as the same network, so the fast path never changes what a list means.
    #[test]
    fn the_one_pass_ipv4_parser_agrees_with_the_general_parser() {
        for text in crate::net::tests::address_like_inputs() {
            if let Some((a, len)) = crate::net::parse_v4(&text) {
                let general = parse_net(std::str::from_utf8(&text).unwrap());
                let want =
                    IpNet::V4(ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(a), len).unwrap());
                assert_eq!(
                    general.ok(),
                    Some(want),
                    "{}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }

    fn raw(path: &str, format: Option<&str>, column: Option<&str>) -> RawBulkList {
        serde_yaml::from_str(&format!(
            "{{id: b, path: '{path}', kind: address{}{}}}",
            format.map_or(String::new(), |f| format!(", format: {f}")),
            column.map_or(String::new(), |c| format!(", column: {c}"))
        ))
        .unwrap()
    }

    /// Loads `content` written to a fresh folder as `name`; returns entries or (code, line).
    fn run(
        name: &str,
        content: &[u8],
        format: Option<&str>,
        column: Option<&str>,
        kind: BulkKind,
    ) -> Result<Loaded, Vec<(Code, Option<u32>)>> {
        let dir = std::env::temp_dir().join(format!(
            "iocc-bulk-{}-{}",
            std::process::id(),
            hex::encode(&content[..content.len().min(8)])
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), content).unwrap();
        let r = raw(name, format, column);
        load(&dir, &r, kind, "bulk[0]").map_err(|ds| {
            ds.into_iter()
                .map(|d| {
                    let line = match d.at {
                        At::Line(l) => Some(l),
                        _ => None,
                    };
                    (d.code, line)
                })
                .collect()
        })
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_folder_are_refused() {
        let root = std::env::temp_dir().join(format!("iocc-bulk-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (cat, outside) = (root.join("cat"), root.join("outside"));
        std::fs::create_dir_all(&cat).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.txt"), "192.0.2.1\n").unwrap();
        std::fs::write(cat.join("inside.txt"), "192.0.2.2\n").unwrap();
        std::os::unix::fs::symlink(outside.join("secret.txt"), cat.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(&outside, cat.join("dir")).unwrap();
        std::os::unix::fs::symlink(cat.join("inside.txt"), cat.join("ok.txt")).unwrap();
        for path in ["link.txt", "dir/secret.txt"] {
            let e = load(&cat, &raw(path, None, None), BulkKind::Address, "bulk[0]").unwrap_err();
            assert_eq!(e[0].code, Code::InvalidBulkFile, "{path}");
        }
        let ok = load(
            &cat,
            &raw("ok.txt", None, None),
            BulkKind::Address,
            "bulk[0]",
        )
        .unwrap();
        assert_eq!(ok.networks.len(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn text_lines_comments_and_positions() {
        let l = run(
            "a.txt",
            b"# head\n\n 192.0.2.1 \n10.0.0.0/8 # net\r\n2001:db8::/32\n::1\n#\n",
            None,
            None,
            BulkKind::Address,
        )
        .unwrap();
        let got: Vec<(String, u32)> = l.networks.iter().map(|(n, l)| (n.to_string(), l)).collect();
        // Sorted per family (IPv4 first), each with its file line.
        assert_eq!(
            got,
            [
                ("10.0.0.0/8".to_owned(), 4),
                ("192.0.2.1/32".to_owned(), 3),
                ("::1/128".to_owned(), 6),
                ("2001:db8::/32".to_owned(), 5)
            ]
        );
    }

    #[test]
    fn text_errors_name_their_lines() {
        let e = run(
            "b.txt",
            b"1.2.3.4\n1.2.3.4/8\nnope\n\n::g\n",
            Some("text"),
            None,
            BulkKind::Address,
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                (Code::NonCanonicalNetwork, Some(2)),
                (Code::InvalidAddress, Some(3)),
                (Code::InvalidAddress, Some(5))
            ]
        );
        let e = run(
            "c.txt",
            b"ok.example\nno_pe.example\n",
            None,
            None,
            BulkKind::Domain,
        )
        .unwrap_err();
        assert_eq!(e, [(Code::InvalidDomain, Some(2))]);
    }

    #[test]
    fn csv_columns_quotes_and_multiline_records() {
        let csv = b"name,addr\n\"x, y\",192.0.2.1\n\"two\nlines\",192.0.2.2\n#c,skip\nz,\n";
        let l = run("d.csv", csv, None, Some("addr"), BulkKind::Address).unwrap();
        let lines: Vec<u32> = l.networks.iter().map(|(_, l)| l).collect();
        assert_eq!(lines, [2, 3]);
        // `.csv` selects CSV; an explicit `text` format reads the same file line by line.
        let e = run(
            "e.csv",
            b"addr\n192.0.2.1\n",
            Some("text"),
            None,
            BulkKind::Address,
        )
        .unwrap_err();
        assert_eq!(e, [(Code::InvalidAddress, Some(1))]);
        let e = run("f.csv", b"a,b\n1,2\n", None, Some("c"), BulkKind::Address).unwrap_err();
        assert_eq!(e, [(Code::InvalidBulkFile, Some(1))]);
    }

    #[test]
    fn csv_unterminated_quote_is_named() {
        let e = run(
            "g.csv",
            b"addr,n\n192.0.2.1,a\n\"192.0.2.2,b\n192.0.2.3,c\n",
            None,
            None,
            BulkKind::Address,
        )
        .unwrap_err();
        assert_eq!(e, [(Code::InvalidBulkFile, Some(3))]);
    }

    #[test]
    fn escaping_paths_are_refused_before_reading() {
        for p in ["../x", "/etc/passwd", "a/../../x", ""] {
            let r = raw(p, None, None);
            let e = load(Path::new("."), &r, BulkKind::Address, "bulk[0]").unwrap_err();
            assert_eq!(e[0].code, Code::InvalidBulkFile, "{p}");
            assert_eq!(
                e[0].at,
                At::Yaml {
                    path: "bulk[0].path".into(),
                    offset: None
                }
            );
        }
    }

    /// The fast IPv4 reader accepts exactly what the general parsers accept, as the same
    /// network.
    #[test]
    fn fast_ipv4_agrees_with_the_general_parser() {
        let cases = [
            "0.0.0.0",
            "1.2.3.4",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3.4/32",
            "1.2.3.0/24",
            "1.2.3.4/24",
            "0.0.0.0/0",
            "1.2.3.4/33",
            "1.2.3.4/",
            "1.2.3.4/08",
            "1.2.3.4/8",
            "10.0.0.0/8",
            "1..2.3",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.-4",
            "1.2.3.4/-1",
            "1.2.3.4/+8",
            "",
            ".",
            "1.2.3.4/032",
            "001.2.3.4",
        ];
        for c in cases {
            let fast = parse_v4(c.as_bytes());
            let general = parse_net(c).ok();
            match fast {
                Some((a, len)) => {
                    let n = IpNet::V4(ipnet::Ipv4Net::new(a.into(), len).unwrap());
                    assert_eq!(Some(n), general, "{c}");
                }
                // Not taken by the fast path: left to the general parser, whatever it says.
                None => assert!(
                    general.is_none()
                        || c.contains('/') && c.ends_with("/08")
                        || c.ends_with("/032"),
                    "{c}: the fast path refused what the general parser reads"
                ),
            }
        }
        let mut seed = 7u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let a = std::net::Ipv4Addr::from(seed as u32);
            let len = (seed >> 40) as u8 % 33;
            let net = ipnet::Ipv4Net::new(a, len).unwrap().trunc();
            let text = if len == 32 {
                a.to_string()
            } else {
                net.to_string()
            };
            assert_eq!(
                parse_v4(text.as_bytes()),
                Some((u32::from(net.network()), len)),
                "{text}"
            );
        }
    }

    #[test]
    fn long_files_cross_chunk_boundaries() {
        // More than one read chunk, lines cut anywhere by the chunk size.
        let mut text = String::new();
        let mut want = Vec::new();
        let mut n = 0u32;
        while text.len() < 3 * CHUNK + 17 {
            n += 1;
            let a = std::net::Ipv4Addr::from(0x0100_0000 + n * 7);
            text.push_str(&format!("{a} # entry {n}\n"));
            want.push((u32::from(a), n));
        }
        text.push_str("1.1.1.1");
        want.push((0x0101_0101, n + 1));
        want.sort_unstable();
        let l = run("long.txt", text.as_bytes(), None, None, BulkKind::Address).unwrap();
        let got: Vec<(u32, u32)> = l.networks.v4().iter().map(|e| (e.addr, e.line)).collect();
        assert_eq!(got, want);
        let bad = format!("{}\n9.9.9.9\n\u{e9}xy", "1.1.1.1\n".repeat(CHUNK / 8 + 5));
        let mut bytes = bad.into_bytes();
        bytes.pop();
        bytes.push(0xff);
        let e = run("bad.txt", &bytes, None, None, BulkKind::Address).unwrap_err();
        assert_eq!(e, [(Code::NotUtf8, Some((CHUNK / 8 + 5 + 3) as u32))]);
    }

    #[test]
    fn parses_addresses_and_networks() {
        assert_eq!(
            parse_net("202.114.4.119").unwrap().to_string(),
            "202.114.4.119/32"
        );
        assert_eq!(
            parse_net("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            parse_net("202.114.4.1/24").unwrap_err().0,
            Code::NonCanonicalNetwork
        );
        assert_eq!(
            parse_net("202.114.4.999").unwrap_err().0,
            Code::InvalidAddress
        );
        assert_eq!(parse_net("1.2.3.0/33").unwrap_err().0, Code::InvalidAddress);
    }
}
