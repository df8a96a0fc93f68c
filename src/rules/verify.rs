//! The check of a rendered pack against its plan, before anything is written: a target that
//! writes the plan with a dialect calls [`verify`] on its text.
//!
//! Guarantees: the pack passes only if every line is under the dialect's line limit
//! ([`super::dialect::Dialect::max_line`]), every rule
//! line is read by the rule grammar and then into the typed model, and the rules are exactly
//! the planned ones in order: the same header, the planned sid and rev, and the same options
//! (each option of the line is, as written, the dialect's writing of the planned option, so a
//! value that broke out of its option would show as a different option list).

use super::dialect::Dialect;
use super::model::Rule;
use super::read::read_rule;
use super::RulePlan;
use crate::diag::{Code, Diagnostic};
use crate::grammar::rule::{logical_lines, parse_rule, ParsedRule};

/// A failed check: the pack is not written.
fn bug(code: Code, msg: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(code, msg)
        .help("the rendered pack failed iocc's own rule check; this is a bug in iocc (or in a --templates override), please report it")]
}

/// The options of a parsed line, each as written.
fn written_options<'t>(line: &'t str, p: &ParsedRule) -> Vec<&'t str> {
    p.options
        .iter()
        .map(|o| &line[o.span.start..o.span.end])
        .collect()
}

/// Compares one rule line with the rule `key` of the plan, as written (its whole header).
fn check_rule(
    line_no: usize,
    line: &str,
    (key, planned): (&str, &Rule),
    dialect: &dyn Dialect,
) -> Result<(), Vec<Diagnostic>> {
    let parsed = parse_rule(line, line_no).map_err(|e| {
        bug(
            Code::RuleSyntax,
            format!(
                "rendered rule at line {line_no}, column {}: {}",
                e.offset + 1,
                e.message
            ),
        )
    })?;
    let rule = read_rule(&parsed).map_err(|e| {
        bug(
            Code::UnreadableRule,
            format!(
                "rendered rule at line {line_no}, column {}: {}",
                e.column, e.message
            ),
        )
    })?;
    if (rule.sid(), rule.rev()) != (planned.sid(), planned.rev()) {
        return Err(bug(
            Code::RuleSyntax,
            format!(
                "rule at line {line_no} has sid {:?} rev {:?}, expected {:?} rev {:?}",
                rule.sid(),
                rule.rev(),
                planned.sid(),
                planned.rev()
            ),
        ));
    }
    if rule.header != planned.header {
        return Err(bug(
            Code::RuleSyntax,
            format!("rule at line {line_no} does not have the header of `{key}`"),
        ));
    }
    if written_options(line, &parsed) != dialect.options(planned) {
        return Err(bug(
            Code::RuleSyntax,
            format!("rule at line {line_no} does not have the options of `{key}`"),
        ));
    }
    Ok(())
}

/// Checks one rule line written for the planned rule `key`, `planned` as written (at
/// `line_no` of its file): under the line limit, read back into the model, the planned
/// header, sid, rev and options. A target that streams its pack checks each line as it
/// writes it, and the text around the lines with [`verify_frame`].
pub fn verify_rule(
    line_no: usize,
    line: &str,
    (key, planned): (&str, &Rule),
    dialect: &dyn Dialect,
) -> Result<(), Vec<Diagnostic>> {
    let max = dialect.max_line();
    if line.len() > max || line.contains('\n') {
        return Err(bug(
            Code::RuleSyntax,
            format!("line {line_no} of the pack is longer than {max} bytes or not one line"),
        ));
    }
    check_rule(line_no, line, (key, planned), dialect)
}

/// Checks the text a streamed pack holds around its rule lines (the template's own text,
/// `before` and `after` the lines): no rule and no continued line in it, every line under
/// the limit, and the rule lines starting and ending on line boundaries. With each line
/// checked by [`verify_rule`], the file holds exactly the planned rules, in order.
pub fn verify_frame(
    before: &str,
    after: &str,
    dialect: &dyn Dialect,
) -> Result<(), Vec<Diagnostic>> {
    if !(before.is_empty() || before.ends_with('\n')) {
        return Err(bug(
            Code::RuleSyntax,
            "the pack's rules do not start on a line of their own".to_owned(),
        ));
    }
    let text = format!("{before}{after}");
    let max = dialect.max_line();
    if let Some((n, _)) = text.lines().enumerate().find(|(_, l)| l.len() > max) {
        return Err(bug(
            Code::RuleSyntax,
            format!(
                "line {} of the pack's header is longer than {max} bytes",
                n + 1
            ),
        ));
    }
    let (lines, unfinished) = logical_lines(&text);
    if !lines.is_empty() || unfinished.is_some() {
        return Err(bug(
            Code::RuleSyntax,
            "the pack's template holds rule text of its own".to_owned(),
        ));
    }
    Ok(())
}

/// Reads the rendered pack back and compares it with the plan.
pub fn verify(text: &str, plan: &RulePlan, dialect: &dyn Dialect) -> Result<(), Vec<Diagnostic>> {
    let max = dialect.max_line();
    if let Some((n, _)) = text.lines().enumerate().find(|(_, l)| l.len() > max) {
        return Err(bug(
            Code::RuleSyntax,
            format!("line {} of the pack is longer than {max} bytes", n + 1),
        ));
    }
    let (lines, unfinished) = logical_lines(text);
    if let Some(n) = unfinished {
        return Err(bug(
            Code::RuleSyntax,
            format!("the pack ends inside the continued rule of line {n}"),
        ));
    }
    if lines.len() != plan.rules.len() {
        return Err(bug(
            Code::RuleSyntax,
            format!(
                "the pack holds {} rules, expected {}",
                lines.len(),
                plan.rules.len()
            ),
        ));
    }
    for (l, planned) in lines.iter().zip(&plan.rules) {
        check_rule(l.line, &l.text, (&planned.key, &planned.rule()), dialect)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::dialect::Suricata7;
    use crate::rules::model::*;
    use crate::rules::PlannedRule;

    fn planned(key: &str, sid: u32, msg: &str) -> PlannedRule {
        PlannedRule::new(
            key.into(),
            (sid, 1),
            Rule {
                header: Header {
                    action: Action::Alert,
                    protocol: Protocol::Ip,
                    source: Address::Any,
                    source_port: Port::Any,
                    direction: Direction::Forward,
                    destination: Address::Any,
                    destination_port: Port::Any,
                },
                options: vec![
                    RuleOption::Msg(msg.into()),
                    RuleOption::Sid(sid),
                    RuleOption::Rev(1),
                ],
            },
        )
    }

    fn plan(rules: Vec<PlannedRule>) -> RulePlan {
        RulePlan {
            rules,
            ip_only: Vec::new(),
            files: Vec::new(),
            categories: Vec::new(),
            not_expressed: Vec::new(),
            lock: crate::rules::plan::LockFile {
                path: "x.sids.lock".into(),
                contents: Vec::new(),
            },
        }
    }

    const ONE: &str = "# c\nalert ip any any -> any any (msg:\"a\"; sid:1000000; rev:1;)\n";

    fn check(text: &str, rules: Vec<PlannedRule>) -> Result<(), Vec<Diagnostic>> {
        verify(text, &plan(rules), &Suricata7)
    }

    #[test]
    fn verify_accepts_the_expected_pack() {
        assert!(check(ONE, vec![planned("a", 1_000_000, "a")]).is_ok());
        // A message the escaper changes (non-ASCII, `;`) still matches its plan.
        let hostile = planned("a", 1_000_000, "é\"; sid:1;");
        let line = Suricata7.write(&hostile.rule()).unwrap();
        assert!(check(&format!("{line}\n"), vec![hostile]).is_ok());
    }

    #[test]
    fn verify_rejects_extra_missing_or_wrong_rules() {
        let a = || vec![planned("a", 1_000_000, "a")];
        let two = format!("{ONE}alert ip any any -> any any (msg:\"b\"; sid:1000001; rev:1;)\n");
        assert!(check(&two, a()).is_err());
        let b = planned("b", 1_000_001, "b");
        assert!(check(ONE, vec![planned("a", 1_000_000, "a"), b]).is_err());
        let wrong = ONE.replace("rev:1", "rev:2");
        assert!(check(&wrong, a()).is_err());
        let broken = ONE.replace("\"a\"", "\"a;\"");
        assert!(check(&broken, a()).is_err());
        let long = ONE.replace(
            "\"a\"",
            &format!("\"{}\"", "a".repeat(Suricata7.max_line())),
        );
        assert!(check(&long, a()).is_err());
        let other_msg = ONE.replace("\"a\"", "\"b\"");
        assert!(check(&other_msg, a()).is_err());
        let other_header = ONE.replace("-> any any", "-> 192.0.2.1 any");
        assert!(check(&other_header, a()).is_err());
        let extra_option = ONE.replace("rev:1;", "rev:1; nocase;");
        assert!(check(&extra_option, a()).is_err());
    }

    #[test]
    fn streamed_lines_and_their_frame_are_checked() {
        let p = planned("a", 1_000_000, "a");
        let line = Suricata7.write(&p.rule()).unwrap();
        assert!(verify_rule(2, &line, (&p.key, &p.rule()), &Suricata7).is_ok());
        assert!(verify_rule(
            2,
            &line.replace("rev:1", "rev:2"),
            (&p.key, &p.rule()),
            &Suricata7
        )
        .is_err());
        assert!(verify_rule(
            2,
            &format!("{line}\n{line}"),
            (&p.key, &p.rule()),
            &Suricata7
        )
        .is_err());
        assert!(verify_frame("# head\n", "# tail\n", &Suricata7).is_ok());
        assert!(
            verify_frame("# head", "", &Suricata7).is_err(),
            "rules glued to a comment"
        );
        let injected = format!("# head\n{line}\n");
        assert!(verify_frame(&injected, "", &Suricata7).is_err());
        assert!(verify_frame("# head\n", &injected, &Suricata7).is_err());
        assert!(verify_frame(
            "alert ip any any -> any any (msg:\"x\"; \\\n",
            "",
            &Suricata7
        )
        .is_err());
    }

    #[test]
    fn an_unreadable_identity_is_its_own_error() {
        let errs = check(
            &ONE.replace("sid:1000000", "sid:x"),
            vec![planned("a", 1, "a")],
        )
        .unwrap_err();
        assert_eq!(errs[0].code, Code::UnreadableRule);
    }
}
