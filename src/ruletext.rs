//! A minimal reader of Suricata rule lines, for consumers of generated packs (STIX, changelog).
//!
//! Guarantees: options are split only at a `;` that is neither backslash-escaped nor inside a
//! double-quoted string, so a `msg` holding `\"\; sid:1\;` cannot be mistaken for a `sid`
//! option. It is not a validator (the Suricata target and engine tests own that): a line it
//! cannot read yields `None`, and callers report it instead of guessing.

use std::collections::BTreeMap;

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

/// Splits the option part of a rule into `(key, value)` pairs (value trimmed, may be empty).
fn options(line: &str) -> Option<Vec<(String, String)>> {
    let open = line.find('(')?;
    let body = line[open + 1..].trim_end();
    let body = body.strip_suffix(')')?;
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    for c in body.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                cur.push(c);
                in_quotes = !in_quotes;
            }
            ';' if !in_quotes => {
                push_option(&mut out, &cur);
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if in_quotes || escaped {
        return None;
    }
    if !cur.trim().is_empty() {
        push_option(&mut out, &cur);
    }
    Some(out)
}

fn push_option(out: &mut Vec<(String, String)>, raw: &str) {
    let raw = raw.trim();
    if raw.is_empty() {
        return;
    }
    match raw.split_once(':') {
        Some((k, v)) => out.push((k.trim().to_owned(), v.trim().to_owned())),
        None => out.push((raw.to_owned(), String::new())),
    }
}

/// Removes the quotes and backslash escapes of a `msg` value.
fn unquote(v: &str) -> String {
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::new();
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

/// Reads one line: `Ok(None)` for a blank or comment line, `Err(())` for a line that is not
/// a readable rule (no options or no numeric `sid`).
#[allow(clippy::result_unit_err)]
pub fn parse_line(line: &str) -> Result<Option<RuleLine>, ()> {
    let text = line.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let opts = options(text).ok_or(())?;
    let num = |key: &str| {
        opts.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.parse::<u32>().map_err(|_| ()))
    };
    let sid = num("sid").ok_or(())??;
    let rev = num("rev").transpose()?.unwrap_or(1);
    let gid = num("gid").transpose()?.unwrap_or(1);
    let msg = opts
        .iter()
        .find(|(k, _)| k == "msg")
        .map(|(_, v)| unquote(v));
    let cves = opts
        .iter()
        .filter(|(k, _)| k == "reference")
        .filter_map(|(_, v)| v.split_once(',').filter(|(t, _)| t.trim() == "cve"))
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
