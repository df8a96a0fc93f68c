//! Tables (CSV exports) read by column name, because feeds add and reorder columns over time
//! (ThreatFox added `is_compromised`).
//!
//! Guarantees: the header is the last `#` comment line with a comma before the data (abuse.ch
//! style) or else the first line; names are matched after trimming spaces and quotes; a
//! missing required column is an `invalid-feed` error naming the columns found. Records are
//! parsed by the `csv` crate (RFC 4180: quoted commas, quotes and newlines); spaces after a
//! separator and before a quote (ThreatFox writes `", "`) are dropped first, outside quotes
//! only. Each row knows the line it starts on.

use std::collections::HashMap;

use super::Reader;
use crate::diag::At;

/// One data row.
pub struct Row<'a> {
    pub line: u32,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The trimmed cell of a column; `None` when absent, empty or `None` (ThreatFox's null).
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = *self.columns.get(column)?;
        let v = self.record.get(i)?.trim();
        (!v.is_empty() && v != "None" && v != "null").then_some(v)
    }

    /// The raw cell, for values: only surrounding spaces removed.
    pub fn value(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|i| self.record.get(*i))
            .unwrap_or("")
            .trim()
    }
}

/// Drops spaces between a separator and the next field, outside quoted fields.
pub fn skip_initial_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut quoted, mut field_start) = (false, true);
    for c in text.chars() {
        if field_start && !quoted && c == ' ' {
            continue;
        }
        field_start = false;
        match c {
            '"' => quoted = !quoted,
            ',' | '\n' if !quoted => field_start = true,
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Where a record really starts: the reader reports the end of the previous one, before the
/// line ends and comment lines it skipped.
fn record_start(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    loop {
        while at < b.len() && (b[at] == b'\r' || b[at] == b'\n') {
            at += 1;
        }
        if at < b.len() && b[at] == b'#' {
            at = text[at..].find('\n').map_or(b.len(), |n| at + n + 1);
        } else {
            return at;
        }
    }
}

/// The header: (0-based line index, column names).
fn header(text: &str) -> Option<(usize, Vec<String>)> {
    let mut found = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        match l.strip_prefix('#') {
            Some(c) if c.contains(',') => found = Some((i, c.to_owned())),
            Some(_) => {}
            None => {
                if found.is_none() {
                    found = Some((i, l.to_owned()));
                }
                break;
            }
        }
    }
    let (i, line) = found?;
    let normalised = skip_initial_space(&line);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(normalised.as_bytes());
    let mut rec = csv::StringRecord::new();
    rdr.read_record(&mut rec).ok()?;
    let names = rec
        .iter()
        .map(|c| c.trim().trim_matches('"').trim().to_owned())
        .collect();
    Some((i, names))
}

/// Reads a table: checks that `required` columns exist (any one of each `|`-separated set),
/// then calls `row` for each data row.
pub fn read(
    r: &mut Reader<'_>,
    text: &str,
    required: &[&str],
    mut row: impl FnMut(&mut Reader<'_>, &Row<'_>),
) {
    let Some((header_line, names)) = header(text) else {
        r.fail(
            "the table has no header row".into(),
            "the first line (or the last `#` comment line before the data) names the columns",
            At::File,
        );
        return;
    };
    let columns: HashMap<String, usize> = names
        .iter()
        .enumerate()
        .rev()
        .map(|(i, n)| (n.clone(), i))
        .collect();
    for need in required {
        if !need.split('|').any(|n| columns.contains_key(n)) {
            r.fail(
                format!(
                    "the table has no column `{need}` (columns: {})",
                    names
                        .iter()
                        .map(|n| super::values::shown(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "check the --format, or name the value column with --column",
                At::Line(header_line as u32 + 1),
            );
            return;
        }
    }
    let normalised = skip_initial_space(text);
    // The reader does not count comment lines: lines come from byte offsets.
    let lines = super::Lines::new(&normalised);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(normalised.as_bytes());
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| {
                    lines.at(record_start(&normalised, p.byte() as usize))
                });
                if line as usize == header_line + 1 {
                    continue;
                }
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let row_view = Row {
                    line,
                    record: &record,
                    columns: &columns,
                };
                row(r, &row_view);
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte() as usize));
                r.fail(
                    format!("CSV error: {e}"),
                    "fix the quoting on this line (RFC 4180)",
                    At::Line(line.max(1)),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_after_separators_outside_quotes() {
        assert_eq!(
            skip_initial_space("\"a\", \"b, c\", d\n \"e\""),
            "\"a\",\"b, c\",d\n\"e\""
        );
    }

    #[test]
    fn headers_in_comments() {
        let t = "# title\n# \"first_seen_utc\", \"ioc_value\"\n\"2025\", \"x\"\n";
        assert_eq!(
            header(t),
            Some((1, vec!["first_seen_utc".into(), "ioc_value".into()]))
        );
        assert_eq!(
            header("value,kind\n1,2\n"),
            Some((0, vec!["value".into(), "kind".into()]))
        );
    }
}
