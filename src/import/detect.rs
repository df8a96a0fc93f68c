//! Source formats, and finding a file's format from its content.
//!
//! Guarantees: detection reads only the file's structure (the JSON top level, the header line
//! of a table), never guesses from the file name, and says what it looked for when nothing
//! fits. A folder is a MISP feed (it must hold `manifest.json`).

use std::path::Path;

use serde_json::Value;

use super::{abusech, misp, plain, stix, Feed, ImportOptions, Reader};
use crate::diag::{At, Code, Diagnostic};
use crate::validate::bulk::{read_file, MAX_BULK_BYTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A STIX 2.1 bundle (JSON).
    Stix,
    /// A MISP event (JSON), or a MISP feed folder (manifest.json and one file per event).
    Misp,
    /// abuse.ch ThreatFox export, CSV or JSON.
    Threatfox,
    /// abuse.ch URLhaus CSV export.
    Urlhaus,
    /// abuse.ch Feodo Tracker block list, CSV or JSON.
    Feodo,
    /// A CSV list with a header row; the value column is `--column` (default: the first).
    Csv,
    /// One value per line, `#` comments.
    Text,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Stix => "stix",
            Format::Misp => "misp",
            Format::Threatfox => "threatfox",
            Format::Urlhaus => "urlhaus",
            Format::Feodo => "feodo",
            Format::Csv => "csv",
            Format::Text => "text",
        }
    }
}

/// Reads one source: its format (given or detected), its entries, and every diagnostic.
pub fn read(file: &Path, opts: &ImportOptions) -> (Option<Format>, Option<Feed>, Vec<Diagnostic>) {
    if file.is_dir() {
        if opts.from.is_some_and(|f| f != Format::Misp) {
            let d = Diagnostic::error(
                Code::InvalidFeed,
                format!("`{}` is a folder", crate::diag::display(file)),
            )
            .in_file(file)
            .help(
                "only a MISP feed is a folder (with manifest.json); name a file for other formats",
            );
            return (None, None, vec![d]);
        }
        let (feed, diags) = misp::read_feed_folder(file);
        return (Some(Format::Misp), Some(feed), diags);
    }
    let bytes = match read_file(file, MAX_BULK_BYTES) {
        Ok(b) => b,
        Err(d) => return (None, None, vec![d]),
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let d = Diagnostic::error(
                Code::NotUtf8,
                format!("the source is not UTF-8 text (bad byte on line {line})"),
            )
            .in_file(file)
            .at(At::Line(line as u32))
            .help("convert it to UTF-8, e.g. with `iconv -t UTF-8`");
            return (None, None, vec![d]);
        }
    };
    let format = match opts.from {
        Some(f) => f,
        None => match detect(text) {
            Some(f) => f,
            None => {
                let d = Diagnostic::error(
                    Code::InvalidFeed,
                    "the source format cannot be told from its content",
                )
                .in_file(file)
                .help("name it with --format stix|misp|threatfox|urlhaus|feodo|csv|text");
                return (None, None, vec![d]);
            }
        },
    };
    let mut r = Reader::new(file);
    match format {
        Format::Stix => stix::read(&mut r, text),
        Format::Misp => misp::read_event_file(&mut r, text),
        Format::Threatfox => abusech::threatfox(&mut r, text),
        Format::Urlhaus => abusech::urlhaus(&mut r, text),
        Format::Feodo => abusech::feodo(&mut r, text),
        Format::Csv => plain::csv(&mut r, text, opts.column.as_deref()),
        Format::Text => plain::text(&mut r, text),
    }
    let (feed, diags) = r.finish();
    (Some(format), Some(feed), diags)
}

/// The format of a source's text, from its structure.
pub fn detect(text: &str) -> Option<Format> {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        return detect_json(text);
    }
    let header = table_header(text);
    let has = |col: &str| header.iter().any(|h| h == col);
    if has("ioc_value") {
        Some(Format::Threatfox)
    } else if has("urlhaus_link") || (has("url") && has("url_status")) {
        Some(Format::Urlhaus)
    } else if has("dst_ip") && has("dst_port") {
        Some(Format::Feodo)
    } else if header.len() > 1 {
        Some(Format::Csv)
    } else {
        Some(Format::Text)
    }
}

fn detect_json(text: &str) -> Option<Format> {
    let v: Value = serde_json::from_str(text).ok()?;
    match &v {
        Value::Object(m) if m.get("type").and_then(Value::as_str) == Some("bundle") => {
            Some(Format::Stix)
        }
        Value::Object(m) if m.contains_key("Event") || m.contains_key("response") => {
            Some(Format::Misp)
        }
        Value::Object(m)
            if m.values().any(|x| {
                x.as_array()
                    .and_then(|a| a.first())
                    .is_some_and(|e| e.get("ioc_value").is_some())
            }) =>
        {
            Some(Format::Threatfox)
        }
        Value::Array(a) if a.first().is_some_and(|e| e.get("ip_address").is_some()) => {
            Some(Format::Feodo)
        }
        Value::Array(a) if a.is_empty() => Some(Format::Feodo),
        _ => None,
    }
}

/// The column names of a table: the last `#` comment line holding a comma before the first
/// data line, or the first line. Names are trimmed and unquoted.
pub fn table_header(text: &str) -> Vec<String> {
    let mut candidate = None;
    for line in text.lines().take(200) {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        match l.strip_prefix('#') {
            Some(c) if c.contains(',') => candidate = Some(c.to_owned()),
            Some(_) => {}
            None => {
                if candidate.is_none() {
                    candidate = Some(l.to_owned());
                }
                break;
            }
        }
    }
    candidate
        .map(|h| {
            h.split(',')
                .map(|c| c.trim().trim_matches('"').trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
