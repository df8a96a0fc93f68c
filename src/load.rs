//! Loading one catalogue file: read (size-capped), decode, parse YAML, validate.
//!
//! Guarantees: any byte sequence yields diagnostics, never a panic. YAML structure problems
//! (syntax, unknown or missing fields, wrong types, duplicate keys, nesting or alias bombs) stop
//! the file with one precise diagnostic; value problems are all collected by `validate`.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::Path;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::diag::{At, Code, Diagnostic, Places, SourceCache};
use crate::model::raw::RawCatalogue;
use crate::model::Catalogue;
use crate::validate::bulk::read_file;
use crate::validate::{short, validate, Inputs};

/// Largest catalogue file read; bigger feeds belong in bulk side files.
pub const MAX_CATALOGUE_BYTES: u64 = 64 * 1024 * 1024;

/// The outcome of loading one file.
pub struct Loaded {
    pub catalogue: Option<Catalogue>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads, parses and validates a catalogue. The file's text is kept in `cache` for snippets.
pub fn load_catalogue(
    file: &Path,
    today: Date,
    known_targets: &[&str],
    cache: &mut SourceCache,
) -> Loaded {
    let fail = |d: Diagnostic| Loaded {
        catalogue: None,
        diagnostics: vec![d],
    };
    let bytes = match read_file(file, MAX_CATALOGUE_BYTES) {
        Ok(b) => b,
        Err(d) => return fail(d),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = String::from_utf8_lossy(
                &valid[valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)..],
            )
            .chars()
            .count()
                + 1;
            return fail(
                Diagnostic::new(Code::NotUtf8, format!("the file is not UTF-8 text (bad byte at line {line}, column {column})"))
                    .in_file(file)
                    .help("catalogues are UTF-8 YAML; is this a binary file, or saved in another encoding?"),
            );
        }
    };
    let loaded = check_text(file, &text, sha256, today, known_targets);
    // Kept for snippets; moved, not copied (catalogues may be tens of megabytes).
    cache.insert(file, text);
    loaded
}

/// Parses and validates the decoded text of a catalogue.
fn check_text(
    file: &Path,
    text: &str,
    sha256: String,
    today: Date,
    known_targets: &[&str],
) -> Loaded {
    let fail = |d: Diagnostic| Loaded {
        catalogue: None,
        diagnostics: vec![d],
    };
    if text.contains('\0') {
        let offset = text.find('\0').unwrap_or(0);
        return fail(
            Diagnostic::new(Code::NotUtf8, "the file contains a NUL byte")
                .in_file(file)
                .at(At::Bytes(offset..offset + 1))
                .help("catalogues are UTF-8 YAML text; this looks like a binary file"),
        );
    }
    if is_blank(text) {
        return fail(
            Diagnostic::new(Code::EmptyFile, "the file holds no YAML document")
                .in_file(file)
                .help(
                    "start from the example catalogue in the README, or `iocs/contec-cms8000.yaml`",
                ),
        );
    }
    let raw: RawCatalogue = match serde_yaml::from_str(text) {
        Ok(r) => r,
        // serde_yaml deserializes the events read before a syntax error and reports the
        // first *type* problem it meets, and it only counts aliases and depth along the
        // paths it deserializes. A second, independent pass names the real structural
        // problem; it runs only on failure, so valid catalogues never pay for it.
        Err(e) => {
            if let Some(d) = structure_problem(file, text) {
                return fail(d);
            }
            // Sound YAML of the wrong shape: name every unknown, missing and mistyped field.
            let shape = crate::shape::shape_problems(file, text);
            if shape.is_empty() {
                return fail(yaml_error(file, text, &e));
            }
            return Loaded {
                catalogue: None,
                diagnostics: shape,
            };
        }
    };
    let (catalogue, diagnostics) = validate(
        &raw,
        &Inputs {
            file,
            sha256,
            today,
            known_targets,
        },
    );
    Loaded {
        catalogue,
        diagnostics,
    }
}

fn is_blank(text: &str) -> bool {
    // A byte-order mark alone (editors on Windows add one) is still an empty file.
    text.trim_start_matches('\u{feff}').lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

/// Deepest nesting accepted (serde_yaml's own recursion limit).
pub const MAX_DEPTH: usize = 128;
/// Expanded alias uses allowed per parsed event (serde_yaml's own repetition rule).
pub const ALIAS_FACTOR: u64 = 100;

struct Frame {
    anchor: usize,
    /// Alias uses inside this collection once every alias is expanded.
    jumps: u64,
    /// Mappings only: keys seen, and whether the next scalar is a key.
    keys: Option<std::collections::HashSet<String>>,
    expect_key: bool,
    /// Where the collection starts (1-based line, 0-based column), to name an unclosed
    /// `[` or `{` when a syntax error follows.
    start: (usize, usize),
}

/// Finds the first structural problem of a YAML text with an event scan (no tree is built,
/// no alias is expanded, depth costs heap not stack): a syntax error, a second document,
/// nesting deeper than [`MAX_DEPTH`], aliases expanding beyond [`ALIAS_FACTOR`] uses per
/// event, or a repeated mapping key. `None` when the text is structurally sound.
pub fn structure_problem(file: &Path, text: &str) -> Option<Diagnostic> {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut scan = Scan {
        file,
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: 0,
        events: 0,
        root_jumps: 0,
        places: Places::new(text),
    };
    loop {
        let (event, span) = match parser.next_event()? {
            Ok(ev) => ev,
            Err(e) => return Some(scan.syntax_error(&e)),
        };
        scan.events += 1;
        let (line, col) = scan.places.line_col(span.start.index());
        if let ControlFlow::Break(found) = scan.event(event, line, col) {
            return found;
        }
    }
}

/// The state of [`structure_problem`]'s scan.
struct Scan<'a> {
    file: &'a Path,
    text: &'a str,
    /// The collections open around the current event.
    stack: Vec<Frame>,
    /// Alias uses inside each anchored node, by anchor id.
    anchors: HashMap<usize, u64>,
    documents: usize,
    events: u64,
    /// Alias uses outside any collection.
    root_jumps: u64,
    /// Lines and columns as the source display counts them (the scanner's own drift after a
    /// lone `\r` and at the end of a text without a final newline).
    places: Places<'a>,
}

impl Scan<'_> {
    /// A diagnostic at a 1-based line and 0-based column of the text.
    fn at(&self, code: Code, message: String, line: usize, col: usize) -> Diagnostic {
        Diagnostic::new(code, message)
            .in_file(self.file)
            .at(At::LineColumn {
                line,
                column: col + 1,
            })
    }

    /// One event; `Break` ends the scan, with the problem found or `None` at the end.
    fn event(
        &mut self,
        event: saphyr_parser::Event<'_>,
        line: usize,
        col: usize,
    ) -> ControlFlow<Option<Diagnostic>> {
        use saphyr_parser::Event;
        let found = match event {
            Event::DocumentStart(_) => self.document(line, col),
            Event::Scalar(value, _, anchor, _) => self.key(Some(&value), line, col).or_else(|| {
                self.finish(anchor, 0);
                None
            }),
            Event::Alias(id) => self.alias(id, line, col),
            Event::SequenceStart(anchor, _) => self.open(anchor, false, line, col),
            Event::MappingStart(anchor, _) => self.open(anchor, true, line, col),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(f) = self.stack.pop() {
                    self.finish(f.anchor, f.jumps);
                }
                None
            }
            Event::StreamEnd => return ControlFlow::Break(None),
            _ => None,
        };
        match found {
            Some(d) => ControlFlow::Break(Some(d)),
            None => ControlFlow::Continue(()),
        }
    }

    /// Adds a finished node's alias uses to its parent and records its anchor.
    fn finish(&mut self, anchor: usize, jumps: u64) {
        if anchor != 0 {
            self.anchors.insert(anchor, jumps);
        }
        match self.stack.last_mut() {
            Some(parent) => parent.jumps = parent.jumps.saturating_add(jumps),
            None => self.root_jumps = self.root_jumps.saturating_add(jumps),
        }
    }

    /// A scalar, alias or collection in the current mapping takes its turn as key or value;
    /// a scalar key is checked for a repeat (alias and collection keys are not compared).
    fn key(&mut self, key: Option<&str>, line: usize, col: usize) -> Option<Diagnostic> {
        let top = self.stack.last_mut()?;
        let keys = top.keys.as_mut()?;
        let is_key = top.expect_key;
        top.expect_key = !top.expect_key;
        let key = key.filter(|_| is_key)?;
        if keys.insert(key.to_owned()) {
            return None;
        }
        Some(
            self.at(
                Code::DuplicateKey,
                format!("the key `{}` appears twice in this mapping", short(key)),
                line,
                col,
            )
            .help("a key may appear once per mapping: keep one of the entries"),
        )
    }

    fn document(&mut self, line: usize, col: usize) -> Option<Diagnostic> {
        self.documents += 1;
        (self.documents > 1).then(|| {
            self.at(
                Code::MultipleDocuments,
                "a second YAML document starts here".into(),
                line,
                col,
            )
            .help("keep one catalogue per file: remove the `---` separator and split the file")
        })
    }

    fn alias(&mut self, id: usize, line: usize, col: usize) -> Option<Diagnostic> {
        let _ = self.key(None, line, col);
        let jumps = self
            .anchors
            .get(&id)
            .copied()
            .unwrap_or(0)
            .saturating_add(1);
        self.finish(0, jumps);
        let total = self
            .stack
            .iter()
            .map(|f| f.jumps)
            .fold(self.root_jumps, u64::saturating_add);
        let events = self.events;
        (total > events.max(100).saturating_mul(ALIAS_FACTOR)).then(|| {
            self.at(
                Code::AliasLimit,
                format!("aliases expand into {total} copies after only {events} YAML events (the limit is {ALIAS_FACTOR} per event)"),
                line,
                col,
            )
            .help("aliases here expand into far too many nodes; write the values out instead")
        })
    }

    fn open(&mut self, anchor: usize, map: bool, line: usize, col: usize) -> Option<Diagnostic> {
        let _ = self.key(None, line, col);
        if self.stack.len() >= MAX_DEPTH {
            return Some(
                self.at(
                    Code::NestingTooDeep,
                    format!("the YAML nests deeper than {MAX_DEPTH} levels"),
                    line,
                    col,
                )
                .help("a catalogue nests only a few levels deep; this file is not a catalogue"),
            );
        }
        self.stack.push(Frame {
            anchor,
            jumps: 0,
            keys: map.then(std::collections::HashSet::new),
            expect_key: map,
            start: (line, col),
        });
        None
    }

    /// The parser's own error: a syntax error, a tab, or its flow-nesting limit.
    fn syntax_error(&mut self, e: &saphyr_parser::ScanError) -> Diagnostic {
        let (line, col) = self.places.line_col(e.marker().index());
        let info = e.info();
        let tab = info.contains("tab")
            || self
                .text
                .lines()
                .nth(line.saturating_sub(1))
                .is_some_and(|l| l.chars().nth(col) == Some('\t'));
        // The scanner has its own flow-nesting limit; that is depth, not syntax.
        if info.contains("recursion limit") {
            return self
                .at(
                    Code::NestingTooDeep,
                    format!("the YAML nests too deeply ({info})"),
                    line,
                    col,
                )
                .help("a catalogue nests only a few levels deep; this file is not a catalogue");
        }
        let help = if tab {
            "YAML indentation must use spaces, not tabs"
        } else {
            "fix the YAML syntax at the caret"
        };
        // An unclosed flow collection is the usual cause of a puzzling error further down:
        // name where it opened.
        let open = self.stack.iter().rev().find_map(|f| {
            let (l, c) = f.start;
            let ch = self.text.lines().nth(l.saturating_sub(1))?.chars().nth(c)?;
            matches!(ch, '[' | '{').then_some((ch, l, c + 1))
        });
        let message = match open {
            Some((ch, l, c)) if (l, c) != (line, col + 1) => {
                format!("{info} (inside the `{ch}` opened at line {l}, column {c})")
            }
            _ => info.to_owned(),
        };
        self.at(Code::YamlSyntax, message, line, col).help(help)
    }
}

/// Maps a serde_yaml error to a coded diagnostic at its position.
fn yaml_error(file: &Path, text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let full = e.to_string();
    // The position is shown by the snippet; drop serde_yaml's own " at line L column C".
    let message = match full.rfind(" at line ") {
        Some(i) if full[i..].contains(" column ") => full[..i].to_owned(),
        _ => full.clone(),
    };
    let (code, help) = if message.contains("unknown field") {
        (
            Code::UnknownField,
            "remove the field or fix its spelling; `iocc schema` lists every field",
        )
    } else if message.contains("missing field") {
        (
            Code::MissingField,
            "add the field; the README's catalogue format and `iocc schema` list the required ones",
        )
    } else if message.contains("duplicate entry") || message.contains("duplicate field") {
        (
            Code::DuplicateKey,
            "a key may appear once per mapping: keep one of the entries",
        )
    } else if message.contains("recursion limit exceeded") {
        (
            Code::NestingTooDeep,
            "a catalogue nests only a few levels deep; this file is not a catalogue",
        )
    } else if message.contains("repetition limit exceeded") {
        (
            Code::AliasLimit,
            "aliases here expand into far too many nodes; write the values out instead",
        )
    } else if message.contains("more than one document") {
        (
            Code::MultipleDocuments,
            "keep one catalogue per file: remove the `---` separator and split the file",
        )
    } else if message.contains("invalid type")
        || message.contains("invalid value")
        || message.contains("invalid length")
    {
        (Code::InvalidType, "see `iocc schema` for the expected type; quote values that YAML would read as numbers, booleans or null")
    } else if message.contains("tab") || at_tab(text, e.location()) {
        (
            Code::YamlSyntax,
            "YAML indentation must use spaces, not tabs",
        )
    } else if message.contains("control characters are not allowed") {
        (
            Code::YamlSyntax,
            "YAML allows only printable characters: remove the control character, or write it as an escape (e.g. \\x7f) in a double-quoted string",
        )
    } else {
        (Code::YamlSyntax, "fix the YAML syntax at the caret")
    };
    let d = Diagnostic::new(code, message).in_file(file).help(help);
    // The YAML reader reports bad characters by byte offset only (its line and column stay 1:1).
    if let Some(offset) = reader_offset(&full) {
        return d.at(At::Bytes(offset..offset + 1));
    }
    match e.location() {
        Some(loc) => {
            // Placed by its byte offset: the reader's own line count also breaks at a lone
            // `\r`, the source display's only at `\n`.
            let (line, col) = Places::new(text).line_col(char_index(text, loc.index()));
            d.at(At::LineColumn {
                line,
                column: col + 1,
            })
        }
        None => d,
    }
}

/// The character index of a byte offset (the character it falls in; the end past the end).
fn char_index(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().count()
}

/// The byte offset of a reader error ("... at position N"), if the message has one.
fn reader_offset(message: &str) -> Option<usize> {
    let rest = &message[message.find(" at position ")? + " at position ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether a serde_yaml error position (a byte offset) is on a tab character.
fn at_tab(text: &str, loc: Option<serde_yaml::Location>) -> bool {
    loc.is_some_and(|l| text.as_bytes().get(l.index()) == Some(&b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code and 1-based line/column of the first structural problem.
    fn problem(text: &str) -> Option<(Code, usize, usize)> {
        let d = structure_problem(Path::new("t.yaml"), text)?;
        match d.at {
            At::LineColumn { line, column } => Some((d.code, line, column)),
            _ => panic!("no position: {d:?}"),
        }
    }

    fn load(text: &str) -> Vec<(Code, At)> {
        let dir = std::env::temp_dir().join(format!("iocc-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join(format!(
            "{}.yaml",
            hex::encode(Sha256::digest(text.as_bytes()))
        ));
        std::fs::write(&f, text).unwrap();
        let mut cache = SourceCache::default();
        let loaded = load_catalogue(&f, Date::constant(2026, 1, 1), &["summary"], &mut cache);
        let _ = std::fs::remove_file(&f);
        loaded
            .diagnostics
            .into_iter()
            .map(|d| (d.code, d.at))
            .collect()
    }

    #[test]
    fn sound_yaml_has_no_structural_problem() {
        assert_eq!(problem("a: 1\nb: [x, {c: d}]\n"), None);
        assert_eq!(problem("a: &x [1, 2]\nb: *x\nc: *x\n"), None);
        assert_eq!(problem("---\na: 1\n...\n"), None);
        // The same key in different mappings is fine.
        assert_eq!(problem("a: {id: 1}\nb: {id: 2}\n"), None);
    }

    #[test]
    fn syntax_errors_win_over_type_errors() {
        // serde_yaml would report an invalid type for `id` here.
        assert_eq!(problem("id: [a\n"), Some((Code::YamlSyntax, 2, 1)));
        let d = structure_problem(Path::new("t"), "id: [a, b\nversion: 1\n").unwrap();
        assert!(
            d.message
                .ends_with("(inside the `[` opened at line 1, column 5)"),
            "{}",
            d.message
        );
        assert_eq!(problem("a: b: c\n"), Some((Code::YamlSyntax, 1, 5)));
        let (code, at) = load("id: [a\n").remove(0);
        assert_eq!(code, Code::YamlSyntax);
        assert_eq!(at, At::LineColumn { line: 2, column: 1 });
    }

    /// The source display breaks lines at `\n` only and ends the last line at the end of the
    /// text: errors after a lone `\r` or at the end of a text without a final newline are
    /// placed there, never below the last line (found by fuzzing: `fuzz/regressions/catalogue`).
    #[test]
    fn errors_are_placed_on_the_lines_the_display_counts() {
        // A lone `\r` is not a line break for the display: the error at the end of this
        // text is on its third line (after the final `\n`), not a fourth.
        assert_eq!(problem("\rid: &ir\nnd\n"), Some((Code::YamlSyntax, 3, 1)));
        // An unclosed `[` at the end of a text without a final newline: its last line.
        assert_eq!(problem("a: 1\nb: [x"), Some((Code::YamlSyntax, 2, 6)));
        // A duplicate key after a lone `\r` and multibyte text is on the display's line.
        assert_eq!(
            problem("a: é\rb: 1\nb: 2\n"),
            Some((Code::DuplicateKey, 2, 1))
        );
        // Errors placed by their YAML path too: `version` after a lone `\r` and multibyte
        // text is on line 1 (the scanner says line 2).
        let text = "title: é\rversion: [1]\nid: x\n";
        assert!(structure_problem(Path::new("t"), text).is_none());
        let f = std::env::temp_dir().join(format!("iocc-cr-{}.yaml", std::process::id()));
        std::fs::write(&f, text).unwrap();
        let mut cache = SourceCache::default();
        let loaded = load_catalogue(&f, Date::constant(2026, 1, 1), &["summary"], &mut cache);
        let _ = std::fs::remove_file(&f);
        let d = &loaded.diagnostics[0];
        assert!(
            matches!(&d.at, At::Yaml { path, .. } if path == "version"),
            "{d:?}"
        );
        let p = cache.resolve(&f, &d.at).unwrap();
        assert_eq!((p.line, p.column), (1, 10));
        assert_eq!(&text[p.bytes], "version");
    }

    #[test]
    fn control_characters_are_located_where_they_are() {
        let text = "id: x\nversion: 1.0.0\ntitle: a \u{7f} b\n";
        let (code, at) = load(text).remove(0);
        assert_eq!(code, Code::YamlSyntax);
        let offset = text.find('\u{7f}').unwrap();
        assert_eq!(at, At::Bytes(offset..offset + 1));
    }

    #[test]
    fn tabs_get_their_own_help() {
        let d = structure_problem(Path::new("t"), "a:\n\tb: 1\n").unwrap();
        assert_eq!(d.code, Code::YamlSyntax);
        assert!(d.help.unwrap().contains("tabs"));
    }

    #[test]
    fn duplicate_keys_point_at_the_second_key() {
        assert_eq!(problem("id: a\nid: b\n"), Some((Code::DuplicateKey, 2, 1)));
        assert_eq!(
            problem("x:\n  - {k: 1, j: 2, k: 3}\n"),
            Some((Code::DuplicateKey, 2, 18))
        );
        // Values equal to keys are not keys.
        assert_eq!(problem("a: b\nb: a\n"), None);
    }

    #[test]
    fn second_document_is_reported_at_its_start() {
        assert_eq!(
            problem("a: 1\n---\nb: 2\n"),
            Some((Code::MultipleDocuments, 2, 1))
        );
    }

    #[test]
    fn deep_nesting_is_caught_without_recursion() {
        let flow = format!("a: {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
        assert_eq!(problem(&flow).map(|p| p.0), Some(Code::NestingTooDeep));
        let block: String = (0..200)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect();
        assert_eq!(problem(&block).map(|p| p.0), Some(Code::NestingTooDeep));
        assert_eq!(load(&flow)[0].0, Code::NestingTooDeep);
    }

    #[test]
    fn alias_bombs_are_caught_where_they_expand() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = if i == 1 {
                "a".to_owned()
            } else {
                format!("b{}", i - 1)
            };
            y += &format!("b{i}: &b{i} [{}]\n", vec![format!("*{prev}"); 9].join(", "));
        }
        let (code, line, _) = problem(&y).unwrap();
        assert_eq!(code, Code::AliasLimit);
        assert!(line < 10, "caught at line {line}, before the last level");
        // Under an unknown key, serde would stop at the key: the bomb is still named.
        assert_eq!(load(&y)[0].0, Code::AliasLimit);
    }

    #[test]
    fn blank_files() {
        for t in [
            "",
            "\n",
            "# c\n\n",
            "---\n...\n",
            "\u{feff}",
            "\u{feff}# c\n",
        ] {
            assert_eq!(load(t)[0].0, Code::EmptyFile, "{t:?}");
        }
        assert_ne!(load("\u{feff}id: x\n")[0].0, Code::EmptyFile);
    }

    #[test]
    fn shape_problems_are_all_reported() {
        let ds = load("id: x\nversion: [1]\n");
        assert_eq!(
            ds[0],
            (
                Code::InvalidType,
                At::Yaml {
                    path: "version".into(),
                    offset: None
                }
            )
        );
        // ... and every missing required field in the same run.
        let missing = ds.iter().filter(|(c, _)| *c == Code::MissingField).count();
        assert_eq!(missing, 4, "{ds:?}");
    }
}
