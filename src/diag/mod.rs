//! Diagnostics: every problem iocc reports, as data.
//!
//! Guarantees: each diagnostic carries a stable kebab-case [`Code`], a severity, a lowercase
//! message and (usually) a help line saying how to fix it. Positions are recorded cheaply while
//! validating (a YAML path, a byte range or a side-file line) and resolved to line and column
//! only when reported, so a clean catalogue never pays for locating.

mod code;
mod locate;
mod places;
mod render;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use code::Code;
pub use locate::SourceCache;
pub use places::Places;
pub use render::{
    display_path as display, json_report, render_human, render_human_styled, render_json,
    render_one, Format,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Where in a file a diagnostic points, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    /// The whole file.
    File,
    /// A node of a YAML catalogue; `offset` is a character offset inside its scalar.
    Yaml { path: String, offset: Option<usize> },
    /// The key of a YAML mapping entry, by the entry's path (e.g. an unknown field).
    YamlKey { path: String },
    /// A byte range of the file.
    Bytes(Range<usize>),
    /// A 1-based line of a text file (bulk lists).
    Line(u32),
    /// A 1-based line and 1-based character column (as YAML parse errors report them).
    LineColumn { line: usize, column: usize },
}

/// A resolved position: 1-based line and column, and the byte range to underline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub bytes: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: Option<PathBuf>,
    pub at: At,
}

impl Diagnostic {
    /// A diagnostic of `code`, with the code's own severity ([`Code::severity`]).
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            help: None,
            file: None,
            at: At::File,
        }
    }

    /// [`Diagnostic::new`] for a code whose severity is error, spelt out at the call site.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        debug_assert_eq!(code.severity(), Severity::Error, "{code} is not an error");
        Diagnostic::new(code, message)
    }

    /// [`Diagnostic::new`] for a code whose severity is warning, spelt out at the call site.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        debug_assert_eq!(
            code.severity(),
            Severity::Warning,
            "{code} is not a warning"
        );
        Diagnostic::new(code, message)
    }

    /// The same diagnostic as a warning, for a command that tolerates what its code forbids
    /// elsewhere (a writing build warns that a version was not bumped; `--check` fails).
    pub fn as_warning(self) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..self
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    /// Points at a YAML node by path, e.g. `indicators[2].value`.
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.at = At::Yaml {
            path: path.into(),
            offset: None,
        };
        self
    }

    /// Points at the key of the mapping entry at a YAML path.
    pub fn at_key(mut self, path: impl Into<String>) -> Self {
        self.at = At::YamlKey { path: path.into() };
        self
    }

    /// Points at a character inside the scalar at a YAML path.
    pub fn at_path_offset(mut self, path: impl Into<String>, offset: usize) -> Self {
        self.at = At::Yaml {
            path: path.into(),
            offset: Some(offset),
        };
        self
    }

    pub fn at(mut self, at: At) -> Self {
        self.at = at;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A count with its noun in the right number: `1 file`, `2 files`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Joins words as an English list: "a", "a and b", "a, b and c".
pub fn and_list<S: AsRef<str>>(words: &[S]) -> String {
    match words {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// Diagnostics of one run, kept in report order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod count_tests {
    use super::count;

    #[test]
    fn counts_take_the_right_number() {
        let lines: Vec<String> = [0, 1, 2]
            .iter()
            .flat_map(|&n| {
                [
                    count(n, "prefix", "prefixes"),
                    count(n, "rule", "rules"),
                    count(n, "address", "addresses"),
                    count(n, "entry", "entries"),
                ]
            })
            .collect();
        insta::assert_snapshot!(lines.join("\n"), @r"
        0 prefixes
        0 rules
        0 addresses
        0 entries
        1 prefix
        1 rule
        1 address
        1 entry
        2 prefixes
        2 rules
        2 addresses
        2 entries
        ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_lists_read_as_english() {
        assert_eq!(count(1, "prefix", "prefixes"), "1 prefix");
        assert_eq!(count(2, "prefix", "prefixes"), "2 prefixes");
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}
