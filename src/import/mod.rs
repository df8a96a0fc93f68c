//! `iocc import`: catalogues from STIX 2.1 bundles, MISP events and feeds, abuse.ch exports
//! (ThreatFox, URLhaus, Feodo Tracker) and plain text or CSV lists.
//!
//! Pipeline: each source file is read by its format's reader into [`Entry`] values (every
//! value checked by the catalogue's own parsers; anything else is an `import-skipped`,
//! `invalid-pattern` or `unsupported-pattern` warning at the file's line) → entries are
//! screened (known-benign lists, and for `block` the firewall safety rails) → merged by value
//! → written as a new catalogue or added to an existing one ([`write`]).
//!
//! Guarantees: the same sources give the same bytes (no clock unless a source has no date at
//! all and `--date` is not given); ids derive from values; a written catalogue has passed
//! `iocc check` (validation and every target compiled in memory) before it replaces anything;
//! every file is written atomically; `--into` adds and never edits what is there.

mod abusech;
mod detect;
mod emit;
mod into;
mod misp;
mod plain;
mod screen;
mod stix;
mod table;
pub mod values;
mod write;

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;

use crate::diag::{At, Code, Diagnostic, Diagnostics, SourceCache};
use crate::model::{Action, Confidence, Direction, Observable, Severity, Tlp};

pub use detect::Format;

/// Bad entries reported per source file before the rest are only counted.
pub const MAX_REPORTED: usize = 50;
/// Default size above which a group of addresses or domains goes to a bulk side file.
pub const DEFAULT_BULK_ABOVE: usize = 1000;

/// What `iocc import` was asked to do (also its command line).
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "into"])))]
pub struct ImportOptions {
    /// Source files (a MISP feed is a folder with manifest.json).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Source format (default: detected from each file's content).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub from: Option<Format>,
    /// Write a new catalogue (its bulk side files go to a folder named after it).
    #[arg(long, value_name = "NEW.yaml")]
    pub out: Option<PathBuf>,
    /// Add to an existing catalogue: its indicators, detections and SID lock stay as they are.
    #[arg(long, value_name = "EXISTING.yaml")]
    pub into: Option<PathBuf>,
    /// Show the diff and the problems; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// CSV lists: the header of the value column (default: the first column).
    #[arg(long)]
    pub column: Option<String>,
    /// Action of entries whose source does not set one: block, alert or monitor (MISP
    /// `to_ids: false` is always monitor).
    #[arg(long, default_value = "block", value_parser = parse_action)]
    pub action: Action,
    /// New catalogue: id (default: from the --out file name).
    #[arg(long)]
    pub id: Option<String>,
    /// New catalogue: title (default: from the source).
    #[arg(long)]
    pub title: Option<String>,
    /// New catalogue: publisher (default: from the source).
    #[arg(long)]
    pub publisher: Option<String>,
    /// New catalogue: TLP (default: from the source, else amber).
    #[arg(long, value_parser = parse_tlp)]
    pub tlp: Option<Tlp>,
    /// New catalogue: advisory date YYYY-MM-DD (default: the sources' dates, else today).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<Date>,
    /// A source URL cited by every imported entry (repeatable).
    #[arg(long = "reference", value_name = "URL")]
    pub references: Vec<String>,
    /// Groups of more addresses or domains than this go to bulk side files.
    #[arg(long, default_value_t = DEFAULT_BULK_ABOVE)]
    pub bulk_above: usize,
}

fn parse_action(s: &str) -> Result<Action, String> {
    match s {
        "block" => Ok(Action::Block),
        "alert" => Ok(Action::Alert),
        "monitor" => Ok(Action::Monitor),
        _ => Err("use block, alert or monitor".into()),
    }
}

fn parse_tlp(s: &str) -> Result<Tlp, String> {
    values::tlp(s).ok_or_else(|| "use clear, green, amber, amber+strict or red".into())
}

fn parse_date(s: &str) -> Result<Date, String> {
    values::date(s)
        .filter(|_| s.len() == 10)
        .ok_or_else(|| "write the date as YYYY-MM-DD".into())
}

/// Where an entry came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    pub line: u32,
    /// The source's own id of the object (STIX id, MISP uuid, ThreatFox ioc_id, ...).
    pub object: Option<String>,
}

impl Origin {
    /// `threatfox.csv line 12 (ioc_id 123)`.
    pub fn describe(&self) -> String {
        let file = self.file.file_name().map_or_else(
            || crate::diag::display(&self.file),
            |n| n.to_string_lossy().into_owned(),
        );
        match &self.object {
            Some(o) => format!("{file} line {} ({})", self.line, values::shown(o)),
            None => format!("{file} line {}", self.line),
        }
    }
}

/// One indicator read from a source, before merging.
#[derive(Debug, Clone)]
pub struct Entry {
    pub observable: Observable,
    /// `None`: the import's default action.
    pub action: Option<Action>,
    pub confidence: Option<Confidence>,
    pub severity: Option<Severity>,
    pub direction: Option<Direction>,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// A short name (the catalogue's `role`).
    pub name: Option<String>,
    /// What the source says about it, one fragment per fact (joined into `description`).
    pub notes: Vec<String>,
    pub references: Vec<String>,
    pub origin: Origin,
}

impl Entry {
    pub fn new(observable: Observable, origin: Origin) -> Entry {
        Entry {
            observable,
            action: None,
            confidence: None,
            severity: None,
            direction: None,
            valid_from: None,
            valid_until: None,
            name: None,
            notes: Vec::new(),
            references: Vec::new(),
            origin,
        }
    }
}

/// What a source says about itself, for a new catalogue's header.
#[derive(Debug, Clone, Default)]
pub struct SourceMeta {
    pub publisher: Option<String>,
    pub tlp: Option<Tlp>,
    pub title: Option<String>,
    pub advisory_id: Option<String>,
    pub references: Vec<String>,
    /// Dates seen in the source (creation, first seen): the advisory's dates.
    pub dates: Vec<Date>,
}

/// One source file, read.
#[derive(Debug, Default)]
pub struct Feed {
    pub entries: Vec<Entry>,
    pub meta: SourceMeta,
}

/// Collects the entries and the diagnostics of one source file, capping the diagnostics.
pub struct Reader<'a> {
    pub file: &'a Path,
    pub feed: Feed,
    diags: Vec<Diagnostic>,
    more: usize,
}

impl<'a> Reader<'a> {
    pub fn new(file: &'a Path) -> Reader<'a> {
        Reader {
            file,
            feed: Feed::default(),
            diags: Vec::new(),
            more: 0,
        }
    }

    /// The origin of an object at `line`.
    pub fn origin(&self, line: u32, object: Option<String>) -> Origin {
        Origin {
            file: self.file.to_path_buf(),
            line,
            object,
        }
    }

    /// Reports a problem with an entry (a warning: the entry is left out).
    pub fn warn(&mut self, code: Code, line: u32, message: String, help: &str) {
        if self.diags.len() >= MAX_REPORTED {
            self.more += 1;
            return;
        }
        self.diags.push(
            skipped(code, message)
                .in_file(self.file)
                .at(At::Line(line.max(1)))
                .help(help.to_owned()),
        );
    }

    /// Reports a value that is not what its source says it is.
    pub fn bad_value(&mut self, line: u32, value: &str, why: &str) {
        self.warn(
            Code::ImportSkipped,
            line,
            format!("`{}` is left out: {why}", values::shown(value)),
            "fix the value in the source, or leave it out; the other entries are imported",
        );
    }

    /// Parses a value and adds it as an entry, or reports it.
    pub fn value(
        &mut self,
        hint: values::Hint,
        value: &str,
        line: u32,
        object: Option<String>,
    ) -> Option<&mut Entry> {
        match values::observable(hint, value) {
            Ok(o) => {
                let origin = self.origin(line, object);
                self.feed.entries.push(Entry::new(o, origin));
                self.feed.entries.last_mut()
            }
            Err(why) => {
                self.bad_value(line, value, &why);
                None
            }
        }
    }

    /// A structural problem: the file cannot be read as its format (an error).
    pub fn fail(&mut self, message: String, help: &str, at: At) {
        self.diags.push(
            Diagnostic::error(Code::InvalidFeed, message)
                .in_file(self.file)
                .at(at)
                .help(help.to_owned()),
        );
    }

    /// Ends the file: its entries, and its diagnostics with the count of those not shown.
    pub fn finish(mut self) -> (Feed, Vec<Diagnostic>) {
        if self.more > 0 {
            self.diags.push(
                skipped(
                    Code::ImportSkipped,
                    format!("{} more entries are left out", self.more),
                )
                .in_file(self.file)
                .help("fix the entries above and import again to see the rest"),
            );
        }
        (self.feed, self.diags)
    }
}

/// A diagnostic about something left out of the import: a warning whatever the code's own
/// severity (a known-benign value or a cut text fails a check, not an import).
pub fn skipped(code: Code, message: String) -> Diagnostic {
    Diagnostic::new(code, message).as_warning()
}

/// Line numbers of a source text: the start of every line, found once, so that locating each
/// of a million objects is a binary search rather than a scan from the top.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The line (1-based) of byte `offset`.
    pub fn at(&self, offset: usize) -> u32 {
        self.starts.partition_point(|&s| s <= offset) as u32
    }

    /// The line where `part`, a slice of the text, starts.
    pub fn of(&self, part: &str) -> u32 {
        self.at(offset_in(self.text, part))
    }

    /// The line of `"key"` inside `object` (a slice of the text holding one JSON object), or
    /// the object's first line: diagnostics point at the value, not at the opening brace.
    pub fn key(&self, object: &str, key: &str) -> u32 {
        let inner = object.find(&format!("\"{key}\"")).unwrap_or(0);
        self.at(offset_in(self.text, object) + inner)
    }
}

/// The byte offset of `part`, a slice of `whole`, in `whole`.
pub fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .saturating_sub(whole.as_ptr() as usize)
        .min(whole.len())
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    /// The catalogue written (or that would be, with `--dry-run`).
    pub catalogue: String,
    /// `written`, `unchanged`, or `dry run`.
    pub status: String,
    pub sources: Vec<SourceReport>,
    /// Indicators and bulk entries added.
    pub indicators_added: usize,
    pub bulk_entries_added: usize,
    /// Values already in the catalogue (`--into`): left as they are.
    pub already_present: usize,
    /// Values given more than once, merged into one indicator.
    pub merged: Vec<Merged>,
    /// Entries left out (each has a diagnostic).
    pub skipped: usize,
    /// The unified diff of the catalogue, and the side files written.
    pub diff: String,
    pub side_files: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SourceReport {
    pub file: String,
    pub format: String,
    pub entries: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Merged {
    pub value: String,
    pub sources: Vec<String>,
}

/// Runs an import. `None` when nothing could be done (the diagnostics say why).
pub fn run(
    opts: &ImportOptions,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<ImportReport> {
    let mut report = ImportReport::default();
    let mut feeds = Vec::new();
    for file in &opts.files {
        let (format, feed, found) = detect::read(file, opts);
        let bad = found.iter().any(Diagnostic::is_error);
        report.skipped += found.iter().filter(|d| !d.is_error()).count();
        diags.extend(found);
        if bad {
            continue;
        }
        if let (Some(format), Some(feed)) = (format, feed) {
            report.sources.push(SourceReport {
                file: crate::diag::display(file),
                format: format.name().to_owned(),
                entries: feed.entries.len(),
            });
            feeds.push(feed);
        }
    }
    if diags.has_errors() {
        return None;
    }
    write::run(opts, feeds, report, cache, diags)
}
