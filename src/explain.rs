//! `iocc explain CODE`: what a diagnostic code means, and an example of it.
//!
//! Guarantees: the text comes from the code itself ([`Code::explanation`], [`Code::example`]),
//! so it cannot drift from the list `iocc` raises. When the example is `iocc check` on a
//! fixture that exists under the current folder (a checkout of iocc), the check runs in
//! memory, nothing is written, and the diagnostics of that code are printed as `iocc check`
//! prints them; otherwise the example's command is printed alone.

use std::path::{Path, PathBuf};

use crate::build::{self, BuildOptions};
use crate::diag::{render_one, Code, Diagnostics, SourceCache};

/// The bad fixtures of a checkout of iocc, relative to its root.
const FIXTURES: &str = "tests/fixtures/bad";

/// The explanation of one code, with its example.
pub fn explain(code: Code) -> String {
    let mut out = format!(
        "{} ({}): {}\n\n{}\n",
        code.as_str(),
        severity(code),
        code.description(),
        wrap(code.explanation(), 92)
    );
    let example = code.example();
    if example.is_empty() {
        out.push_str("\nNo fixture raises it: a build state or a changed file does (see above).\n");
        return out;
    }
    out.push_str(&format!("\nExample: iocc {}\n", example.join(" ")));
    match example_diagnostics(code) {
        Some(shown) if !shown.is_empty() => {
            out.push('\n');
            out.push_str(&shown.join("\n\n"));
            out.push('\n');
        }
        _ if Path::new(FIXTURES).is_dir() => out.push_str("(run it to see the diagnostic)\n"),
        _ => out.push_str("(run it from a checkout of iocc to see the diagnostic)\n"),
    }
    out
}

/// One code as JSON, for `--format json`.
pub fn json(code: Code) -> serde_json::Value {
    serde_json::json!({
        "code": code.as_str(),
        "severity": severity(code),
        "description": code.description(),
        "explanation": code.explanation(),
        "example": (!code.example().is_empty()).then(|| format!("iocc {}", code.example().join(" "))),
    })
}

/// Every code, one line each: name, severity, description.
pub fn list() -> String {
    Code::ALL
        .iter()
        .map(|c| {
            format!(
                "{:<24} {:<8} {}\n",
                c.as_str(),
                severity(*c),
                c.description()
            )
        })
        .collect()
}

fn severity(code: Code) -> &'static str {
    match code.severity() {
        crate::diag::Severity::Error => "error",
        crate::diag::Severity::Warning => "warning",
    }
}

/// The diagnostics of `code` that its example raises, rendered, when the example is a
/// `check` of paths that exist here; `None` when it cannot run.
pub fn example_diagnostics(code: Code) -> Option<Vec<String>> {
    let (command, paths) = code.example().split_first()?;
    if *command != "check" || !Path::new(FIXTURES).is_dir() {
        return None;
    }
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let opts = BuildOptions {
        paths,
        ..BuildOptions::default()
    };
    let mut cache = SourceCache::default();
    let mut diags = Diagnostics::default();
    build::check_all(&opts, &mut cache, &mut diags);
    Some(
        diags
            .0
            .iter()
            .filter(|d| d.code == code)
            .map(|d| render_one(d, &mut cache))
            .collect(),
    )
}

/// Breaks a paragraph into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_example_raises_its_code() {
        for code in Code::ALL {
            let example = code.example();
            let Some((command, args)) = example.split_first() else {
                continue;
            };
            if *command == "check" {
                let shown = example_diagnostics(*code).expect("a check example runs");
                assert!(
                    !shown.is_empty(),
                    "`iocc {}` does not raise {code}",
                    example.join(" ")
                );
                assert!(shown[0].contains(&format!("[{code}]")), "{}", shown[0]);
            } else {
                // Other examples name fixtures that exist (build outputs aside).
                for a in args.iter().filter(|a| a.starts_with("tests/fixtures/")) {
                    let exists = std::path::Path::new(a).exists()
                        || a.ends_with("/out")
                        || a.ends_with("does-not-exist.yaml");
                    assert!(exists, "{code}: {a}");
                }
            }
        }
    }

    #[test]
    fn every_code_explains_itself() {
        for code in Code::ALL {
            let text = explain(*code);
            assert!(text.starts_with(code.as_str()), "{text}");
            assert!(
                code.explanation().len() > code.description().len(),
                "{code}"
            );
            assert!(wrap(code.explanation(), 92)
                .lines()
                .all(|l| l.chars().count() <= 92 || !l.contains(' ')));
        }
    }

    #[test]
    fn long_text_wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc");
        assert_eq!(wrap("a", 5), "a");
    }
}
