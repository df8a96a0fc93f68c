//! `iocc lint`: rule files checked with the project's rule grammar ([`crate::grammar::rule`]).
//!
//! Guarantees: every rule is read by the grammar (which accepts only complete, well-formed
//! rules); per rule, `msg` (quoted), `sid` and `rev` (positive numbers) are required and appear
//! once; across all files given, each `sid` is unique. Every problem is reported at its line
//! and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{At, Code, Diagnostic};
use crate::grammar::rule::{logical_lines, parse_rule, ParsedRule, RawOption};

/// A problem in a rule: 1-based line and column, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub code: Code,
    pub message: String,
}

/// Parses and checks a rules file's text: every rule, with per-rule required options.
/// Lines ending in `\` continue on the next line; blank lines and `#` comments are skipped.
pub fn lint_text(text: &str) -> (Vec<ParsedRule>, Vec<Problem>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    let (lines, unfinished) = logical_lines(text);
    for l in lines {
        match parse_rule(&l.text, l.line) {
            Ok(rule) => {
                check_required(&rule, &mut problems);
                rules.push(rule);
            }
            Err(e) => problems.push(Problem {
                line: l.line,
                column: e.offset + 1,
                code: Code::RuleSyntax,
                message: e.message,
            }),
        }
    }
    if let Some(start) = unfinished {
        problems.push(Problem {
            line: start,
            column: 1,
            code: Code::RuleSyntax,
            message: "the file ends inside a continued (`\\`) rule".into(),
        });
    }
    (rules, problems)
}

fn check_required(rule: &ParsedRule, problems: &mut Vec<Problem>) {
    if rule.action == "config" {
        return;
    }
    let mut push = |column: usize, code: Code, message: String| {
        problems.push(Problem {
            line: rule.line,
            column,
            code,
            message,
        })
    };
    for kw in ["msg", "sid", "rev"] {
        let found: Vec<&RawOption> = rule.options.iter().filter(|o| o.keyword == kw).collect();
        match found.as_slice() {
            [] => push(
                1,
                Code::MissingRuleOption,
                format!("the rule has no `{kw}`"),
            ),
            [o] => {
                let v = o.value.as_deref().unwrap_or("");
                let bad = match kw {
                    "msg" => (!o.quoted || v.is_empty())
                        .then(|| "`msg` needs a non-empty quoted value".to_owned()),
                    _ => (v.trim().parse::<u32>().map_or(true, |n| n == 0))
                        .then(|| format!("`{kw}` must be a positive number, not `{v}`")),
                };
                if let Some(m) = bad {
                    push(o.column, Code::RuleSyntax, m);
                }
            }
            [_, second, ..] => push(
                second.column,
                Code::RuleSyntax,
                format!("`{kw}` appears more than once"),
            ),
        }
    }
}

/// Lints rule files: parses each, checks required options, and SID uniqueness across all.
/// Returns the diagnostics and the number of rules per file.
pub fn lint_files(files: &[PathBuf]) -> (Vec<Diagnostic>, Vec<(PathBuf, usize)>) {
    let mut diags = Vec::new();
    let mut counts = Vec::new();
    let mut seen: BTreeMap<u32, (PathBuf, usize)> = BTreeMap::new();
    for f in files {
        let text = match std::fs::read(f) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    diags.push(
                        Diagnostic::error(Code::NotUtf8, "the rules file is not valid UTF-8")
                            .in_file(f)
                            .help("Suricata rules are ASCII text; re-save the file as UTF-8"),
                    );
                    continue;
                }
            },
            Err(e) => {
                let code = if e.kind() == std::io::ErrorKind::NotFound {
                    Code::FileNotFound
                } else {
                    Code::FileUnreadable
                };
                diags.push(
                    Diagnostic::error(code, format!("cannot read the rules file: {e}"))
                        .in_file(f)
                        .help("name an existing, readable `.rules` file"),
                );
                continue;
            }
        };
        let (rules, problems) = lint_text(&text);
        for p in problems {
            diags.push(problem_diag(f, &p));
        }
        for r in &rules {
            let Some(sid) = r.sid() else { continue };
            let column = r
                .options
                .iter()
                .find(|o| o.keyword == "sid")
                .map_or(1, |o| o.column);
            if let Some((file, line)) = seen.get(&sid) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateSid,
                        format!(
                            "sid {sid} is already used at {}:{line}",
                            crate::diag::display(file)
                        ),
                    )
                    .in_file(f)
                    .at(At::LineColumn {
                        line: r.line,
                        column,
                    })
                    .help("give every rule its own sid (Suricata keeps only one rule per sid)"),
                );
            } else {
                seen.insert(sid, (f.clone(), r.line));
            }
        }
        counts.push((f.clone(), rules.len()));
    }
    (diags, counts)
}

fn problem_diag(file: &Path, p: &Problem) -> Diagnostic {
    let help = match p.code {
        Code::MissingRuleOption => "every rule needs `msg:\"...\"`, `sid:N` and `rev:N`",
        _ => "fix the rule at the marked column; see the Suricata rule syntax (action proto src sport -> dst dport (keyword:value; ...))",
    };
    Diagnostic::error(p.code, p.message.clone())
        .in_file(file)
        .at(At::LineColumn {
            line: p.line,
            column: p.column,
        })
        .help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"alert tcp $HOME_NET any -> 202.114.4.119 515:520 (msg:"A \"b\" c\; d"; flow:established,to_server; content:"|0b|MSH|7c|"; depth:5; reference:url,example.com/a; classtype:policy-violation; sid:1000001; rev:2; metadata:created_at 2025_01_30, cve CVE_2025_0683;)"#;

    #[test]
    fn a_good_rule_has_no_problem() {
        let (rules, problems) = lint_text(&format!("# c\n\n{GOOD}\n"));
        assert_eq!((rules.len(), problems), (1, vec![]));
        assert_eq!(rules[0].line, 3);
    }

    #[test]
    fn syntax_errors_are_located() {
        let (_, p) = lint_text("# c\nalert tcp any any -> any any (msg:\"a;b\"; sid:1; rev:1;)\n");
        assert_eq!(
            (p[0].line, p[0].column, p[0].code),
            (2, 37, Code::RuleSyntax)
        );
    }

    #[test]
    fn required_options_and_duplicates() {
        let (_, p) = lint_text("alert ip any any -> any any (msg:\"a\"; rev:1;)\nalert ip any any -> any any (msg:x; sid:0; sid:2; rev:1;)\n");
        let codes: Vec<(usize, Code)> = p.iter().map(|p| (p.line, p.code)).collect();
        assert_eq!(
            codes,
            vec![
                (1, Code::MissingRuleOption),
                (2, Code::RuleSyntax),
                (2, Code::RuleSyntax)
            ]
        );
    }

    #[test]
    fn continuation_lines_join() {
        let (rules, p) = lint_text("alert ip any any -> any any (msg:\"a\"; \\\n sid:1; rev:1;)\n");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(rules[0].sid(), Some(1));
        let (_, p) = lint_text("alert ip any any -> any any (msg:\"a\"; \\\n");
        assert_eq!((p[0].line, p[0].column), (1, 1));
    }
}
