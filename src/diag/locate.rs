//! Turning recorded positions (YAML paths, byte ranges, lines) into line, column and a byte
//! range to underline.
//!
//! Guarantees: lookups never panic on any input (a path that cannot be found resolves to no
//! position rather than a wrong one), and the YAML path index of a file is built at most once,
//! only when a diagnostic in that file needs it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::{At, Places, Position};

/// The text of every file diagnostics point into, with lazily built indexes.
#[derive(Debug, Default)]
pub struct SourceCache {
    files: HashMap<PathBuf, SourceText>,
}

#[derive(Debug)]
struct SourceText {
    text: String,
    line_starts: Vec<usize>,
    yaml: Option<HashMap<String, NodeSpan>>,
}

#[derive(Debug, Clone, Copy)]
struct NodeSpan {
    key: Option<(usize, usize, usize, usize)>,
    value: (usize, usize, usize, usize),
    style: Option<ScalarStyle>,
}

impl SourceCache {
    /// Registers text already read (so the file is not read twice).
    pub fn insert(&mut self, path: &Path, text: String) {
        let line_starts = line_starts(&text);
        self.files.insert(
            path.to_path_buf(),
            SourceText {
                text,
                line_starts,
                yaml: None,
            },
        );
    }

    /// The text of a file, reading it if it is not cached and is readable text.
    pub fn text(&mut self, path: &Path) -> Option<&str> {
        if !self.files.contains_key(path) {
            let bytes = std::fs::read(path).ok()?;
            let text = String::from_utf8(bytes).ok()?;
            self.insert(path, text);
        }
        self.files.get(path).map(|f| f.text.as_str())
    }

    /// Resolves a position in `path`.
    pub fn resolve(&mut self, path: &Path, at: &At) -> Option<Position> {
        self.text(path)?;
        let file = self.files.get_mut(path)?;
        match at {
            At::File => None,
            At::Bytes(range) => {
                let start = clamp_to_char(&file.text, range.start);
                let end = clamp_to_char(&file.text, range.end.max(start));
                let (line, column) = file.line_col(start);
                Some(Position {
                    line,
                    column,
                    bytes: start..end,
                })
            }
            At::Line(line) => {
                let idx = (*line as usize).checked_sub(1)?;
                let start = *file.line_starts.get(idx)?;
                let end = file.text[start..]
                    .find('\n')
                    .map_or(file.text.len(), |n| start + n);
                Some(Position {
                    line: *line as usize,
                    column: 1,
                    bytes: start..end.max(start),
                })
            }
            At::LineColumn { line, column } => {
                let start = file.byte_at(*line, column.saturating_sub(1));
                let end = next_char(&file.text, start);
                let (line, column) = file.line_col(start);
                Some(Position {
                    line,
                    column,
                    bytes: start..end,
                })
            }
            At::YamlKey { path } => {
                if file.yaml.is_none() {
                    file.yaml = Some(index_yaml(&file.text));
                }
                let node = *file.yaml.as_ref()?.get(path.as_str())?;
                let (l1, c1, l2, c2) = node.key.unwrap_or(node.value);
                let (start, end) = (file.byte_at(l1, c1), file.byte_at(l2, c2));
                let (line, column) = file.line_col(start);
                Some(Position {
                    line,
                    column,
                    bytes: start..end.max(start),
                })
            }
            At::Yaml { path, offset } => {
                if file.yaml.is_none() {
                    file.yaml = Some(index_yaml(&file.text));
                }
                let node = *file.yaml.as_ref()?.get(path.as_str())?;
                let (start, end) = match (node.style, offset) {
                    (Some(style), Some(off)) => {
                        let (line, col, _, _) = node.value;
                        let value_start = file.byte_at(line, col);
                        // The offset counts characters of the parsed value; quoted scalars
                        // spell some of them with escapes (`\"`, `\u00e9`, `''`).
                        let start = match style {
                            ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => {
                                quoted_offset(&file.text[value_start..], style, *off)
                                    .map_or(value_start, |b| value_start + b)
                            }
                            _ => file.byte_at(line, col + off),
                        };
                        let end = next_char(&file.text, start);
                        (start, end)
                    }
                    (Some(_), None) => {
                        let (l1, c1, l2, c2) = node.value;
                        (file.byte_at(l1, c1), file.byte_at(l2, c2))
                    }
                    // A mapping or sequence: underline the key that introduces it.
                    (None, _) => match node.key {
                        Some((l1, c1, l2, c2)) => (file.byte_at(l1, c1), file.byte_at(l2, c2)),
                        None => {
                            let (l1, c1, _, _) = node.value;
                            let s = file.byte_at(l1, c1);
                            (s, next_char(&file.text, s))
                        }
                    },
                };
                let (line, column) = file.line_col(start);
                Some(Position {
                    line,
                    column,
                    bytes: start..end.max(start),
                })
            }
        }
    }
}

impl SourceText {
    /// Byte offset of a 1-based line and 0-based character column.
    fn byte_at(&self, line: usize, col: usize) -> usize {
        let Some(&start) = line.checked_sub(1).and_then(|l| self.line_starts.get(l)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end]
            .char_indices()
            .nth(col)
            .map_or(start + line_end, |(i, _)| start + i)
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&self, byte: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= byte).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text[start..byte].chars().count() + 1;
        (line, column)
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn clamp_to_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset, inside `src` (which starts at the opening quote), of the source text that
/// spells character `off` of the quoted scalar's value. `None` if the scalar ends first or
/// spans lines (folding makes the mapping ambiguous; the caller falls back to its start).
fn quoted_offset(src: &str, style: ScalarStyle, off: usize) -> Option<usize> {
    let quote = if style == ScalarStyle::DoubleQuoted {
        '"'
    } else {
        '\''
    };
    let mut chars = src.char_indices().skip(1).peekable();
    let mut n = 0;
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            return None;
        }
        let escape_len = match (style, c) {
            (ScalarStyle::DoubleQuoted, '\\') => match chars.peek().map(|&(_, e)| e) {
                Some('x') => 3,
                Some('u') => 5,
                Some('U') => 9,
                _ => 1,
            },
            (ScalarStyle::SingleQuoted, '\'') if chars.peek().map(|&(_, e)| e) == Some('\'') => 1,
            (_, c) if c == quote => return None,
            _ => 0,
        };
        if n == off {
            return Some(i);
        }
        for _ in 0..escape_len {
            chars.next();
        }
        n += 1;
    }
    None
}

fn next_char(text: &str, i: usize) -> usize {
    text[i..].chars().next().map_or(i, |c| i + c.len_utf8())
}

enum Seg {
    Key(String),
    Index(usize),
}

enum Frame {
    Seq {
        next: usize,
    },
    Map {
        key: Option<(String, Span)>,
    },
    /// A collection used as a mapping key: its inside has no path.
    Opaque {
        depth: usize,
    },
}

fn render_path(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// A span's lines and columns as the source display counts them (see [`Places`]).
fn lc(places: &mut Places<'_>, span: &Span) -> (usize, usize, usize, usize) {
    let (l1, c1) = places.line_col(span.start.index());
    let (l2, c2) = places.line_col(span.end.index());
    (l1, c1, l2, c2)
}

/// Maps every node path of the first document (`a.b[2].c`) to its key and value spans.
/// Stops quietly at a syntax error: whatever was indexed before it stays usable.
fn index_yaml(text: &str) -> HashMap<String, NodeSpan> {
    let mut index = HashMap::new();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut segs: Vec<Seg> = Vec::new();
    let mut documents = 0;
    let mut places = Places::new(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        if let Some(Frame::Opaque { depth }) = stack.last_mut() {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => *depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    *depth -= 1;
                    if *depth == 0 {
                        stack.pop();
                        // The collection was a key: the value that follows has no usable key.
                        if let Some(Frame::Map { key }) = stack.last_mut() {
                            *key = Some(("?".to_owned(), span));
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    break;
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                if !stack.is_empty() {
                    segs.pop();
                }
                finish_node(&mut stack);
            }
            Event::Scalar(value, style, _, _) => {
                if let Some(Frame::Map { key }) = stack.last_mut() {
                    if key.is_none() {
                        *key = Some((value.into_owned(), span));
                        continue;
                    }
                }
                record(
                    (&mut index, &mut places),
                    &stack,
                    &mut segs,
                    span,
                    Some(style),
                );
                finish_node(&mut stack);
            }
            Event::Alias(_) => {
                if let Some(Frame::Map { key }) = stack.last_mut() {
                    if key.is_none() {
                        *key = Some(("*alias".to_owned(), span));
                        continue;
                    }
                }
                record((&mut index, &mut places), &stack, &mut segs, span, None);
                finish_node(&mut stack);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if let Some(Frame::Map { key: None }) = stack.last() {
                    stack.push(Frame::Opaque { depth: 1 });
                    continue;
                }
                record((&mut index, &mut places), &stack, &mut segs, span, None);
                push_seg(&stack, &mut segs);
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq { next: 0 }
                } else {
                    Frame::Map { key: None }
                });
            }
            _ => {}
        }
    }
    index
}

/// The segment a value node adds under the current frame.
fn push_seg(stack: &[Frame], segs: &mut Vec<Seg>) {
    match stack.last() {
        Some(Frame::Seq { next }) => segs.push(Seg::Index(*next)),
        Some(Frame::Map { key: Some((k, _)) }) => segs.push(Seg::Key(k.clone())),
        _ => {}
    }
}

fn record(
    (index, places): (&mut HashMap<String, NodeSpan>, &mut Places<'_>),
    stack: &[Frame],
    segs: &mut Vec<Seg>,
    span: Span,
    style: Option<ScalarStyle>,
) {
    let pushed = !stack.is_empty();
    push_seg(stack, segs);
    let key = match stack.last() {
        Some(Frame::Map { key: Some((_, k)) }) => Some(lc(places, k)),
        _ => None,
    };
    index.entry(render_path(segs)).or_insert(NodeSpan {
        key,
        value: lc(places, &span),
        style,
    });
    if pushed {
        segs.pop();
    }
}

/// After a value node ends: advance the sequence index or clear the mapping key.
fn finish_node(stack: &mut [Frame]) {
    match stack.last_mut() {
        Some(Frame::Seq { next }) => *next += 1,
        Some(Frame::Map { key }) => *key = None,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str, path: &str, offset: Option<usize>) -> Option<(usize, usize, String)> {
        let mut cache = SourceCache::default();
        let p = Path::new("t.yaml");
        cache.insert(p, text.to_owned());
        let pos = cache.resolve(
            p,
            &At::Yaml {
                path: path.into(),
                offset,
            },
        )?;
        Some((pos.line, pos.column, text[pos.bytes].to_owned()))
    }

    #[test]
    fn finds_nested_scalars_and_sequences() {
        let y =
            "id: x\nindicators:\n  - id: a\n    value: 1.2.3.4/8\n  - id: b\n    value: \"::1\"\n";
        assert_eq!(resolve(y, "id", None), Some((1, 5, "x".into())));
        assert_eq!(
            resolve(y, "indicators[0].value", None),
            Some((4, 12, "1.2.3.4/8".into()))
        );
        assert_eq!(
            resolve(y, "indicators[1].value", None),
            Some((6, 12, "\"::1\"".into()))
        );
        assert_eq!(
            resolve(y, "indicators[1].value", Some(1)),
            Some((6, 14, ":".into()))
        );
        assert_eq!(
            resolve(y, "indicators", None),
            Some((2, 1, "indicators".into()))
        );
        assert_eq!(resolve(y, "indicators[2]", None), None);
    }

    #[test]
    fn flow_style_and_unicode_columns() {
        let y = "a: {b: [x, \"é\", z]}\nc: é-ü\n";
        assert_eq!(resolve(y, "a.b[2]", None), Some((1, 17, "z".into())));
        assert_eq!(resolve(y, "c", Some(2)), Some((2, 6, "ü".into())));
    }

    #[test]
    fn offsets_inside_quoted_scalars_follow_escapes() {
        // Character 3 of the value `a"é-x` is `é`, spelled `\u00e9` in the source.
        let y = "v: \"a\\\"\\u00e9-x\"\n";
        assert_eq!(resolve(y, "v", Some(2)), Some((1, 8, "\\".into())));
        assert_eq!(resolve(y, "v", Some(3)), Some((1, 14, "-".into())));
        let y = "v: 'it''s x'\n";
        assert_eq!(resolve(y, "v", Some(3)), Some((1, 9, "s".into())));
        // Plain scalars map one to one; an offset past the end stays in the line.
        assert_eq!(resolve("v: abc\n", "v", Some(2)), Some((1, 6, "c".into())));
        assert_eq!(resolve("v: 'ab'\n", "v", Some(9)), Some((1, 4, "'".into())));
    }

    #[test]
    fn lines_bytes_and_columns() {
        let mut cache = SourceCache::default();
        let p = Path::new("l.txt");
        cache.insert(p, "ab\r\nçd\n\nlast".to_owned());
        let at = |cache: &mut SourceCache, at: At| {
            cache
                .resolve(p, &at)
                .map(|pos| (pos.line, pos.column, pos.bytes))
        };
        assert_eq!(at(&mut cache, At::Line(2)), Some((2, 1, 4..7)));
        assert_eq!(at(&mut cache, At::Line(4)), Some((4, 1, 9..13)));
        assert_eq!(at(&mut cache, At::Line(5)), None);
        assert_eq!(at(&mut cache, At::Line(0)), None);
        // Columns count characters, not bytes.
        assert_eq!(at(&mut cache, At::Bytes(6..7)), Some((2, 2, 6..7)));
        // A range starting inside a multi-byte character widens to the whole character.
        assert_eq!(at(&mut cache, At::Bytes(5..6)), Some((2, 1, 4..6)));
        assert_eq!(at(&mut cache, At::Bytes(100..200)).map(|p| p.0), Some(4));
        assert_eq!(
            at(&mut cache, At::LineColumn { line: 2, column: 2 }),
            Some((2, 2, 6..7))
        );
        assert_eq!(at(&mut cache, At::File), None);
        // Out-of-range lines and columns resolve somewhere sane, never panic.
        assert!(at(
            &mut cache,
            At::LineColumn {
                line: 99,
                column: 99
            }
        )
        .is_some());
        assert!(at(&mut cache, At::LineColumn { line: 1, column: 0 }).is_some());
        assert_eq!(
            cache.resolve(Path::new("/no/such/file"), &At::Line(1)),
            None
        );
    }

    #[test]
    fn collections_underline_their_key_and_documents_stop_the_index() {
        let y = "a:\n  - x\n? [k]\n: v\nb: {c: 1}\n---\nz: 1\n";
        assert_eq!(resolve(y, "a", None), Some((1, 1, "a".into())));
        assert_eq!(resolve(y, "a[0]", None), Some((2, 5, "x".into())));
        assert_eq!(resolve(y, "b.c", None), Some((5, 8, "1".into())));
        assert_eq!(
            resolve(y, "z", None),
            None,
            "second document is not indexed"
        );
    }

    #[test]
    fn broken_yaml_never_panics() {
        for y in ["a: [", "a: b: c", "- - - ", "? [a]\n: b\nc: d", "\u{0}", ""] {
            let _ = resolve(y, "a", None);
            let _ = resolve(y, "c", Some(3));
        }
    }
}
