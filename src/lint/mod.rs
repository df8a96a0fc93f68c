//! `iocc lint`: predicts whether Suricata 7.0.10 or 8.0.6, with its packaged configuration,
//! loads each rule of a rules file, and says why not.
//!
//! Guarantees:
//! - files are read the way the engine's loader reads them (comments, indented lines,
//!   continuation lines; see [`crate::grammar::rule::rule_file`]);
//! - an error means the chosen version refuses or skips the rule; what the engine loads but a
//!   careful writer avoids (no `msg`, `rev`, `classtype`) is a warning, an error with
//!   `strict`;
//! - every finding names the version, the reason, where (line and column) and how to fix
//!   it; when the other version would load a refused rule, the finding says so;
//! - a rule that parses with errors never reaches the duplicate-sid check (the engine never
//!   loaded it), as in the engine.

mod buffers;
mod content;
mod finding;
mod header;
mod options;
mod pcre;
mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{At, Code, Diagnostic, Severity};
use crate::grammar::rule::{rule_file, scan_rule, ParsedRule};

pub use finding::Finding;
use finding::Findings;

/// The Suricata version a rule is linted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Version {
    #[default]
    V7,
    V8,
}

impl Version {
    pub fn full(self) -> &'static str {
        match self {
            Version::V7 => "7.0.10",
            Version::V8 => "8.0.6",
        }
    }
    fn number(self) -> [u32; 3] {
        match self {
            Version::V7 => [7, 0, 10],
            Version::V8 => [8, 0, 6],
        }
    }
    fn other(self) -> Version {
        match self {
            Version::V7 => Version::V8,
            Version::V8 => Version::V7,
        }
    }
    /// `7` or `8` (or the full version).
    pub fn parse(s: &str) -> Option<Version> {
        match s.trim() {
            "7" | "7.0" | "7.0.10" => Some(Version::V7),
            "8" | "8.0" | "8.0.6" => Some(Version::V8),
            _ => None,
        }
    }
}

/// How to lint.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub version: Version,
    /// Style findings are errors.
    pub strict: bool,
    /// Every file is a firewall rule file (Suricata 8's `--firewall-rules-exclusive`); files
    /// named `firewall.rules` are read as such anyway.
    pub firewall: bool,
}

/// What the checks of one rule see.
struct Ctx<'a> {
    v: Version,
    t: &'a tables::Tables,
    firewall: bool,
}

/// The errors one version finds in a rule read by the grammar.
fn check(v: Version, firewall: bool, r: &ParsedRule) -> Findings {
    let c = Ctx {
        v,
        t: tables::tables(v),
        firewall: firewall && v == Version::V8,
    };
    let mut f = Findings::default();
    header::check(&c, r, &mut f);
    options::check(&c, r, &mut f);
    if !f.has_errors() {
        content::check(&c, r, &mut f);
    }
    if !f.has_errors() {
        buffers::check(&c, r, &mut f);
    }
    if r.option("sid").is_none() {
        f.error(
            0,
            Code::MissingRuleOption,
            "the rule has no `sid` (Signature missing required value \"sid\")",
            "add `sid:N;` with a number unique in your rule set",
        );
    }
    f
}

/// Style: what the engine does not require but every maintained rule set has.
fn style(r: &ParsedRule, f: &mut Findings) {
    for kw in ["msg", "rev", "classtype"] {
        if r.option(kw).is_none() {
            f.warning(
                0,
                Code::RuleStyle,
                format!("the rule has no `{kw}`"),
                match kw {
                    "msg" => "add `msg:\"...\";` saying what the rule detects",
                    "rev" => "add `rev:1;` and raise it on every change",
                    _ => "add `classtype:...;` from classification.config",
                },
            );
        }
    }
}

/// Lints one rule text: the findings, with the version named in each message.
pub fn lint_rule(text: &str, line: usize, opts: &Options) -> (Option<ParsedRule>, Vec<Finding>) {
    let v = opts.version;
    let rule = match scan_rule(text, line) {
        Ok(r) => r,
        Err(e) => {
            let offset = text
                .char_indices()
                .nth(e.offset)
                .map_or(text.len(), |(b, _)| b);
            let f = Finding::error(
                offset,
                Code::RuleSyntax,
                format!("{} (Suricata {} refuses the rule)", e.message, v.full()),
                "fix the rule at the marked column: action protocol source port -> destination port (keyword:value; ...)",
            );
            return (None, vec![f]);
        }
    };
    let mut f = check(v, opts.firewall, &rule);
    if f.has_errors() {
        let other = v.other();
        let loads = if check(other, opts.firewall, &rule).has_errors() {
            String::new()
        } else {
            format!("; Suricata {} loads it", other.full())
        };
        for x in f.0.iter_mut().filter(|x| x.is_error()) {
            x.message = format!(
                "{} (Suricata {} refuses the rule{loads})",
                x.message,
                v.full()
            );
        }
    }
    let mut s = Findings::default();
    style(&rule, &mut s);
    for mut x in s.0 {
        x.message = format!(
            "{} (Suricata {} loads it all the same)",
            x.message,
            v.full()
        );
        if opts.strict {
            x.severity = Severity::Error;
        }
        f.0.push(x);
    }
    (Some(rule), f.0)
}

/// A finding of one rule, placed in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    pub finding: Finding,
}

/// A sid's first loaded rule: where, and its rev.
pub type Seen = BTreeMap<(u32, u32), (PathBuf, usize, u32)>;

/// Lints a rules file's text; `seen` carries the loaded sids across files.
pub fn lint_text(
    file: &Path,
    text: &str,
    opts: &Options,
    seen: &mut Seen,
) -> (usize, Vec<Located>) {
    let mut out = Vec::new();
    let parsed = rule_file(text);
    let opts = Options {
        firewall: opts.firewall || file.file_name().is_some_and(|n| n == "firewall.rules"),
        ..*opts
    };
    for l in &parsed.rules {
        let (rule, findings) = if l.text.contains('\u{FFFD}') {
            let f = Finding::error(
                0,
                Code::NotUtf8,
                format!(
                    "the rule is not valid UTF-8 (Suricata {} refuses it)",
                    opts.version.full()
                ),
                "re-save the file as UTF-8 (Suricata rules are ASCII text)",
            );
            (None, vec![f])
        } else {
            lint_rule(&l.text, l.line, &opts)
        };
        let loaded = !findings
            .iter()
            .any(|f| f.is_error() && f.code != Code::RuleStyle);
        for f in findings {
            out.push(place(&l.text, l.line, f));
        }
        if let (Some(r), true) = (rule, loaded) {
            out.extend(duplicate(file, &l.text, &r, opts.version, seen));
        }
    }
    if let Some(start) = parsed.unfinished {
        let f = Finding::warning(
            0,
            Code::RuleStyle,
            "the file ends inside a continued (`\\`) rule, which Suricata never reads",
            "finish the rule, or remove the `\\` at the end of its last line",
        );
        out.push(place("", start, f));
    }
    (parsed.rules.len(), out)
}

/// The engine keeps one rule per (sid, gid): a later one with a higher rev replaces the
/// earlier one (a warning), any other is refused.
fn duplicate(
    file: &Path,
    text: &str,
    r: &ParsedRule,
    v: Version,
    seen: &mut Seen,
) -> Option<Located> {
    let sid = r.sid()?;
    let key = (sid, r.gid().unwrap_or(1));
    let rev = r.rev().unwrap_or(0);
    let at = r
        .options
        .iter()
        .find(|o| o.name() == "sid")
        .map_or(0, |o| o.span.start);
    let Some((f0, line0, rev0)) = seen.get(&key).cloned() else {
        seen.insert(key, (file.to_path_buf(), r.line, rev));
        return None;
    };
    let first = format!("{}:{line0}", crate::diag::display(&f0));
    let finding = if rev > rev0 {
        seen.insert(key, (file.to_path_buf(), r.line, rev));
        Finding::warning(
            at,
            Code::ReplacedRule,
            format!("sid {sid} (rev {rev}) replaces the rule at {first} (rev {rev0}) (Suricata {} loads only this one)", v.full()),
            "remove the older rule, or give this one its own sid",
        )
    } else {
        Finding::error(
            at,
            Code::DuplicateSid,
            format!("sid {sid} is already used at {first} with rev {rev0} (Suricata {} refuses this duplicate signature)", v.full()),
            "give every rule its own sid, or raise `rev` to replace the earlier rule",
        )
    };
    Some(place(text, r.line, finding))
}

/// Line and column of a finding's byte offset in its rule's text (continuations joined).
fn place(text: &str, line: usize, finding: Finding) -> Located {
    let offset = finding.offset.min(text.len());
    let column = text.get(..offset).map_or(1, |s| s.chars().count() + 1);
    Located {
        line,
        column,
        finding,
    }
}

/// Lints rule files: each rule, and sids across all of them. Returns the diagnostics and
/// the number of rules per file.
pub fn lint_files(files: &[PathBuf], opts: &Options) -> (Vec<Diagnostic>, Vec<(PathBuf, usize)>) {
    let mut diags = Vec::new();
    let mut counts = Vec::new();
    let mut seen = Seen::new();
    for f in files {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                diags.push(unreadable(f, &e));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let (n, found) = lint_text(f, &text, opts, &mut seen);
        diags.extend(found.into_iter().map(|l| diagnostic(f, l)));
        counts.push((f.clone(), n));
    }
    (diags, counts)
}

fn unreadable(f: &Path, e: &std::io::Error) -> Diagnostic {
    let code = if e.kind() == std::io::ErrorKind::NotFound {
        Code::FileNotFound
    } else {
        Code::FileUnreadable
    };
    Diagnostic::error(code, format!("cannot read the rules file: {e}"))
        .in_file(f)
        .help("name an existing, readable `.rules` file")
}

fn diagnostic(file: &Path, l: Located) -> Diagnostic {
    let mut d = Diagnostic::new(l.finding.code, l.finding.message)
        .in_file(file)
        .at(At::LineColumn {
            line: l.line,
            column: l.column,
        })
        .help(l.finding.help);
    d.severity = l.finding.severity;
    d
}

#[cfg(test)]
mod tests;
