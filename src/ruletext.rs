//! A reader of Suricata rule lines for consumers of generated packs (STIX, changelog): the
//! options publishing needs, read with the project's own rule parser.
//!
//! Guarantees: options are split only where Suricata splits them (the `iocc lint` parser), so
//! a `msg` holding `\"\; sid:1\;` cannot be mistaken for a `sid` option. A line it cannot
//! read is an error the callers report instead of guessing.

use std::collections::BTreeMap;

use crate::grammar::rule::{parse_rule, unescape};
use crate::output::Tree;

/// One rule line, with the options the publishing code needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLine {
    /// The rule exactly as written (trimmed).
    pub text: String,
    pub sid: u32,
    pub rev: u32,
    /// `gid` option, 1 when absent (Suricata's default).
    pub gid: u32,
    /// The `msg` text, unescaped.
    pub msg: Option<String>,
    /// `reference:cve,<number>` values, e.g. `2025-0626`.
    pub cves: Vec<String>,
}

/// Reads one line: `Ok(None)` for a blank or comment line, `Err(())` for a line that is not
/// a readable rule (no options or no numeric `sid`).
#[allow(clippy::result_unit_err)]
pub fn parse_line(line: &str) -> Result<Option<RuleLine>, ()> {
    let text = line.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    // The project's own rule parser (the one behind `iocc lint`) reads the options, so a
    // `msg` holding `\"\; sid:1\;` is never taken for a `sid`.
    let rule = parse_rule(text, 1).map_err(|_| ())?;
    let num = |key: &str| {
        rule.option(key)
            .map(|v| v.trim().parse::<u32>().map_err(|_| ()))
    };
    let sid = num("sid").ok_or(())??;
    let rev = num("rev").transpose()?.unwrap_or(1);
    let gid = num("gid").transpose()?.unwrap_or(1);
    let msg = rule.option("msg").map(unescape);
    let cves = rule
        .options
        .iter()
        .filter(|o| o.keyword == "reference")
        .filter_map(|o| o.value.as_deref()?.split_once(','))
        .filter(|(t, _)| t.trim() == "cve")
        .map(|(_, n)| n.trim().to_owned())
        .collect();
    Ok(Some(RuleLine {
        text: text.to_owned(),
        sid,
        rev,
        gid,
        msg,
        cves,
    }))
}

/// A rule file's readable rules, and the 1-based numbers of lines that are not readable rules.
#[derive(Debug, Default)]
pub struct RuleFile {
    pub rules: Vec<RuleLine>,
    pub unreadable: Vec<usize>,
}

/// Reads every `*.rules` file under `<folder>/` of a tree, keyed by path (sorted).
pub fn rule_files(tree: &Tree, folder: &str) -> BTreeMap<String, RuleFile> {
    let prefix = format!("{folder}/");
    let mut out = BTreeMap::new();
    for (path, bytes) in tree {
        if !path.starts_with(&prefix) || !path.ends_with(".rules") {
            continue;
        }
        let mut file = RuleFile::default();
        for (n, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
            match parse_line(line) {
                Ok(Some(r)) => file.rules.push(r),
                Ok(None) => {}
                Err(()) => file.unreadable.push(n + 1),
            }
        }
        out.insert(path.clone(), file);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sid_rev_msg_and_cves() {
        let r = parse_line(r#"alert ip $HOME_NET any -> [202.114.4.0/24] any (msg:"IOCC a \"q\"\; sid:9\; rev:9\;)"; reference:cve,2025-0626; reference:url,example.com/x; classtype:policy-violation; sid:1000001; rev:3; metadata:created_at 2025_01_30;)"#)
            .unwrap()
            .unwrap();
        assert_eq!(r.sid, 1_000_001);
        assert_eq!(r.rev, 3);
        assert_eq!(r.gid, 1);
        assert_eq!(r.msg.as_deref(), Some(r#"IOCC a "q"; sid:9; rev:9;)"#));
        assert_eq!(r.cves, vec!["2025-0626"]);
    }

    #[test]
    fn comments_blank_and_broken_lines() {
        assert_eq!(parse_line("# sid:1;"), Ok(None));
        assert_eq!(parse_line("   "), Ok(None));
        assert_eq!(
            parse_line("alert ip any any -> any any (msg:\"x\";)"),
            Err(())
        );
        assert_eq!(
            parse_line("alert ip any any -> any any (msg:\"x; sid:1;)"),
            Err(())
        );
        assert_eq!(
            parse_line("alert ip any any -> any any (sid:abc;)"),
            Err(())
        );
    }
}
