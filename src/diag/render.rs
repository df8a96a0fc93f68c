//! Printing diagnostics for people (source snippet with a caret) and for machines (JSON).
//!
//! Guarantees: both forms come from the same resolved data, so line and column agree; the
//! human form shows only the offending line, however large the file.

use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use serde::Serialize;

use super::{At, Diagnostic, Diagnostics, Position, Severity, SourceCache};

/// Output format of diagnostics and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Readable text with source snippets.
    #[default]
    Human,
    /// One JSON document.
    Json,
}

/// One diagnostic for people: the title with its code, the source line with a caret under
/// the position, the help (no trailing newline).
pub fn render_one(d: &Diagnostic, cache: &mut SourceCache) -> String {
    render_one_with(d, cache, &Renderer::plain())
}

/// [`render_one`] with the given renderer (plain, or styled with ANSI colours).
fn render_one_with(d: &Diagnostic, cache: &mut SourceCache, renderer: &Renderer) -> String {
    let pos = position(d, cache);
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code.as_str());
    let display = d.file.as_deref().map(display_path);
    let line_text;
    let mut group = match (&display, &pos) {
        (Some(path), Some(pos)) => {
            let text = cache
                .text(d.file.as_deref().unwrap_or(Path::new("")))
                .unwrap_or("");
            let (src, span) = line_of(text, pos);
            line_text = src.to_owned();
            Group::with_title(title).element(
                Snippet::source(line_text.as_str())
                    .line_start(pos.line)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(span)),
            )
        }
        (Some(path), None) => Group::with_title(title).element(Origin::path(path.as_str())),
        (None, _) => Group::with_title(title),
    };
    if let At::Yaml { path, .. } | At::YamlKey { path } = &d.at {
        if pos.is_none() && !path.is_empty() {
            group = group.element(Level::NOTE.message(format!("at `{path}`")));
        }
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

/// Renders every diagnostic as readable text, followed by a count line.
pub fn render_human(diags: &Diagnostics, cache: &mut SourceCache) -> String {
    render_human_with(diags, cache, &Renderer::plain())
}

/// [`render_human`] with ANSI colours, for a stream that strips them where colour is off
/// (`anstream`: not a terminal, `NO_COLOR`).
pub fn render_human_styled(diags: &Diagnostics, cache: &mut SourceCache) -> String {
    render_human_with(diags, cache, &Renderer::styled())
}

fn render_human_with(diags: &Diagnostics, cache: &mut SourceCache, renderer: &Renderer) -> String {
    let mut out = String::new();
    for d in &diags.0 {
        out.push_str(&render_one_with(d, cache, renderer));
        out.push_str("\n\n");
    }
    let (e, w) = (diags.error_count(), diags.warning_count());
    if e + w > 0 {
        out.push_str(&format!(
            "{}, {}\n",
            super::count(e, "error", "errors"),
            super::count(w, "warning", "warnings")
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    path: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// Renders every diagnostic into one JSON document.
pub fn render_json(diags: &Diagnostics, cache: &mut SourceCache) -> String {
    serde_json::to_string_pretty(&report(diags, cache)).unwrap_or_default() + "\n"
}

/// The diagnostics as a JSON value, for commands that nest them in a larger document.
pub fn json_report(diags: &Diagnostics, cache: &mut SourceCache) -> serde_json::Value {
    serde_json::to_value(report(diags, cache)).unwrap_or_default()
}

fn report<'a>(diags: &'a Diagnostics, cache: &mut SourceCache) -> JsonReport<'a> {
    let diagnostics = diags
        .0
        .iter()
        .map(|d| {
            let pos = position(d, cache);
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity,
                message: &d.message,
                help: d.help.as_deref(),
                file: d.file.as_deref().map(display_path),
                line: pos.as_ref().map(|p| p.line),
                column: pos.as_ref().map(|p| p.column),
                path: match &d.at {
                    At::Yaml { path, .. } | At::YamlKey { path } => Some(path.as_str()),
                    _ => None,
                },
            }
        })
        .collect();
    JsonReport {
        errors: diags.error_count(),
        warnings: diags.warning_count(),
        diagnostics,
    }
}

fn position(d: &Diagnostic, cache: &mut SourceCache) -> Option<Position> {
    cache.resolve(d.file.as_deref()?, &d.at)
}

/// The line holding `pos`, and the span to underline within it (at least one character).
fn line_of<'t>(text: &'t str, pos: &Position) -> (&'t str, std::ops::Range<usize>) {
    let start = pos.bytes.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let s = start - line_start;
    let e = (pos.bytes.end.min(line_end) - line_start).min(line.len());
    let e = if e > s {
        e
    } else {
        line[s.min(line.len())..]
            .chars()
            .next()
            .map_or(s, |c| s + c.len_utf8())
    };
    (line, s.min(line.len())..e)
}

/// Paths are shown as given, with `/` separators, so output is the same on every machine.
pub fn display_path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
