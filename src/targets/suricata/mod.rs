//! The `suricata` target: `out/<catalogue>/suricata/<catalogue>.rules` plus the dataset and
//! iprep files its rules load (relative paths, beside the rules).
//!
//! Guarantees:
//! - rule bodies come from typed shapes ([`shapes`]); catalogue text reaches the file only
//!   through the `rules` auto-escaper ([`escape::escape_rules`]);
//! - SIDs come from the SID lock beside the catalogue ([`lock`]), returned as a state file so
//!   `--locked`/`--check` refuse any change; adding an item never changes another rule's
//!   sid or rev;
//! - before returning, the rendered file is re-parsed with the project's own rule parser
//!   ([`lint`]): exactly one well-formed line per rule, sid/rev as locked, every line under
//!   Suricata's line limit; anything else is an error, never a written file.

pub mod escape;
pub mod lint;
pub mod lock;
pub mod shapes;

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{OutputFile, StateFile, Target, TargetContext, TargetOutput};
use crate::diag::{display, Code, Diagnostic};
use crate::render::{safe, Escaper};
use lock::{AssignError, Lock};
use shapes::RuleSpec;

pub struct Suricata;

const TEMPLATE: crate::render::Template = crate::template!("suricata/pack.rules.j2");
/// Suricata reads a rule line into a buffer of about 8 kB; stay well below it.
pub const MAX_LINE: usize = 7900;

static ESCAPERS: [Escaper; 1] = [Escaper {
    name: "suricata",
    extensions: &["rules"],
    escape: escape::escape_rules,
}];

#[derive(Serialize)]
struct View {
    title: String,
    id: String,
    version: String,
    tlp: &'static str,
    advisory: String,
    lock: String,
    iprep: bool,
    iprep_categories: String,
    iprep_file: String,
    rules: Vec<RuleView>,
}

#[derive(Serialize)]
struct RefView {
    kind: minijinja::Value,
    value: String,
}

#[derive(Serialize)]
struct RuleView {
    header: minijinja::Value,
    msg: String,
    detect: Vec<minijinja::Value>,
    references: Vec<RefView>,
    classtype: String,
    sid: u32,
    rev: u32,
    metadata: Vec<String>,
    target: minijinja::Value,
}

/// The SID lock path: `<catalogue file stem>.sids.lock` beside the catalogue.
pub fn lock_path(cx: &TargetContext<'_>) -> PathBuf {
    let stem = cx.catalogue.source.path.file_stem().map_or_else(
        || cx.catalogue.id.clone(),
        |s| s.to_string_lossy().into_owned(),
    );
    cx.catalogue_dir().join(format!("{stem}.sids.lock"))
}

fn body_hash(r: &RuleSpec) -> String {
    let json = serde_json::to_vec(r).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

fn read_lock(path: &PathBuf) -> Result<Lock, Diagnostic> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
        Err(e) => {
            return Err(Diagnostic::error(
                Code::InvalidSidLock,
                format!("cannot read the SID lock `{}`: {e}", display(path)),
            )
            .in_file(path)
            .help("make the lock file readable (it is plain text), or restore it from git"))
        }
    };
    Lock::parse(&text).map_err(|e| {
        Diagnostic::error(
            Code::InvalidSidLock,
            format!("SID lock line {}: {}", e.line, e.message),
        )
        .in_file(path)
        .at(crate::diag::At::Line(e.line as u32))
        .help("restore the lock from git; it is written by `iocc build` and must not be edited by hand")
    })
}

fn bug(msg: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(Code::RuleSyntax, msg)
        .help("the rendered pack failed iocc's own rule check; this is a bug in iocc (or in a --templates override), please report it")]
}

impl Target for Suricata {
    fn name(&self) -> &'static str {
        "suricata"
    }

    fn description(&self) -> &'static str {
        "Suricata 7 rule pack: IP-only, protocol, dataset and iprep rules with locked SIDs"
    }

    fn templates(&self) -> Vec<crate::render::Template> {
        vec![TEMPLATE]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &ESCAPERS
    }

    /// suricata-update and Scirius expect rules under `rules/`.
    fn bundle_dir(&self) -> &'static str {
        "rules"
    }

    fn bundle_note(&self) -> &'static str {
        "Suricata rules and the data files they load (suricata-update source)"
    }

    /// Addresses, networks, domains, their lists and every detection become rules.
    fn support(&self, item: &super::Item) -> super::Support {
        use super::{ItemKind, Support};
        match item.kind {
            ItemKind::Url => Support::No("URLs are not matched: most traffic is HTTPS, where Suricata sees no URL; block the host or domain instead".into()),
            ItemKind::Port => Support::No("a port alone matches ordinary services (e.g. 515/tcp is also LPD printing); detections pair ports with hosts".into()),
            k if k.is_hash() => Support::No("file hashes need file extraction and filehash lists, which this pack does not ship".into()),
            _ => Support::Yes,
        }
    }

    fn compile(&self, cx: &TargetContext<'_>) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let sh = shapes::shapes(c);
        let lock_file = lock_path(cx);
        let prev = read_lock(&lock_file).map_err(|d| vec![d])?;
        let wanted: Vec<(String, String)> = sh
            .rules
            .iter()
            .map(|r| (r.key.clone(), body_hash(r)))
            .collect();
        let cat_keys: Vec<String> = sh.categories.iter().map(|k| k.key.clone()).collect();
        let range = (c.policy.sid_first, c.policy.sid_last);
        let next =
            lock::assign(&prev, &wanted, &cat_keys, range, c.advisory.modified).map_err(|e| {
                let msg = match e {
                    AssignError::RangeExhausted => format!(
                        "the SID range {}-{} has no unused SID left for {} rules",
                        range.0,
                        range.1,
                        sh.rules.len()
                    ),
                    AssignError::CategoriesExhausted => {
                        "more than 60 iprep categories are needed".to_owned()
                    }
                };
                vec![Diagnostic::error(Code::SidRangeExhausted, msg)
                    .in_file(&c.source.path)
                    .at_path("policy.sid-range")
                    .help("widen `policy.sid-range`; retired SIDs are never reused")]
            })?;
        let rules: Vec<RuleView> = sh
            .rules
            .iter()
            .map(|r| {
                let e = &next.rules[&r.key];
                let mut metadata = r.metadata.clone();
                metadata.push(format!("updated_at {}", e.updated.strftime("%Y_%m_%d")));
                RuleView {
                    header: safe(r.header.clone()),
                    msg: r.msg.clone(),
                    detect: r.detect.iter().map(|d| safe(d.clone())).collect(),
                    references: r
                        .references
                        .iter()
                        .map(|(k, v)| RefView {
                            kind: safe(k.clone()),
                            value: v.clone(),
                        })
                        .collect(),
                    classtype: r.classtype.clone(),
                    sid: e.sid,
                    rev: e.rev,
                    metadata,
                    target: safe(r.target.to_owned()),
                }
            })
            .collect();
        let iprep_categories = format!("{}.iprep-categories", c.id);
        let iprep_file = format!("{}.iprep", c.id);
        let view = View {
            title: c.title.clone(),
            id: c.id.clone(),
            version: c.version.to_string(),
            tlp: c.tlp.label(),
            advisory: c.advisory.id.clone(),
            lock: lock_file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            iprep: !sh.categories.is_empty(),
            iprep_categories: iprep_categories.clone(),
            iprep_file: iprep_file.clone(),
            rules,
        };
        let text = cx
            .templates
            .render(TEMPLATE.name, &view)
            .map_err(|d| vec![d])?;
        verify(&text, &sh.rules, &next)?;
        let mut files = vec![OutputFile {
            path: format!("{}.rules", c.id),
            contents: text.into_bytes(),
        }];
        for f in sh.files {
            files.push(OutputFile {
                path: f.path,
                contents: f.contents,
            });
        }
        if !sh.categories.is_empty() {
            let mut cats = String::new();
            let mut rep = String::new();
            for k in &sh.categories {
                let id = next.categories[&k.key];
                cats.push_str(&format!("{id},{},{}\n", k.name, k.description));
                for n in &k.nets {
                    rep.push_str(&format!("{n},{id},127\n"));
                }
            }
            files.push(OutputFile {
                path: iprep_categories,
                contents: cats.into_bytes(),
            });
            files.push(OutputFile {
                path: iprep_file,
                contents: rep.into_bytes(),
            });
        }
        Ok(TargetOutput {
            files,
            state: vec![StateFile {
                path: lock_file,
                contents: next.render(&c.id).into_bytes(),
            }],
            refused: sh.coverage.skipped,
        })
    }
}

/// Re-parses the rendered pack: one rule line per spec, in order, with the locked sid/rev.
fn verify(text: &str, specs: &[RuleSpec], lock: &Lock) -> Result<(), Vec<Diagnostic>> {
    if let Some((n, _)) = text.lines().enumerate().find(|(_, l)| l.len() > MAX_LINE) {
        return Err(bug(format!(
            "line {} of the pack is longer than {MAX_LINE} bytes",
            n + 1
        )));
    }
    let (rules, problems) = lint::lint_text(text);
    if let Some(p) = problems.first() {
        return Err(bug(format!(
            "rendered rule at line {}, column {}: {}",
            p.line, p.column, p.message
        )));
    }
    if rules.len() != specs.len() {
        return Err(bug(format!(
            "the pack holds {} rules, expected {}",
            rules.len(),
            specs.len()
        )));
    }
    for (r, s) in rules.iter().zip(specs) {
        let e = &lock.rules[&s.key];
        if r.sid() != Some(e.sid) || r.rev() != Some(e.rev) {
            return Err(bug(format!(
                "rule at line {} has sid {:?} rev {:?}, expected {} rev {}",
                r.line,
                r.sid(),
                r.rev(),
                e.sid,
                e.rev
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str) -> RuleSpec {
        RuleSpec {
            key: key.into(),
            header: "alert ip $HOME_NET any -> 192.0.2.1 any".into(),
            msg: "X POLICY m".into(),
            detect: Vec::new(),
            references: Vec::new(),
            classtype: "policy-violation".into(),
            metadata: Vec::new(),
            target: "src_ip",
        }
    }

    fn locked(keys: &[&str]) -> Lock {
        let wanted: Vec<(String, String)> = keys
            .iter()
            .map(|k| ((*k).to_owned(), "h".to_owned()))
            .collect();
        lock::assign(
            &Lock::default(),
            &wanted,
            &[],
            (1_000_000, 1_999_999),
            "2025-01-01".parse().unwrap(),
        )
        .unwrap()
    }

    const ONE: &str = "# c\nalert ip any any -> any any (msg:\"a\"; sid:1000000; rev:1;)\n";

    #[test]
    fn verify_accepts_the_expected_pack() {
        assert!(verify(ONE, &[spec("a")], &locked(&["a"])).is_ok());
    }

    #[test]
    fn verify_rejects_extra_missing_or_wrong_rules() {
        let two = format!("{ONE}alert ip any any -> any any (msg:\"b\"; sid:1000001; rev:1;)\n");
        assert!(verify(&two, &[spec("a")], &locked(&["a"])).is_err());
        assert!(verify(ONE, &[spec("a"), spec("b")], &locked(&["a", "b"])).is_err());
        let wrong = ONE.replace("rev:1", "rev:2");
        assert!(verify(&wrong, &[spec("a")], &locked(&["a"])).is_err());
        let broken = ONE.replace("\"a\"", "\"a;\"");
        assert!(verify(&broken, &[spec("a")], &locked(&["a"])).is_err());
        let long = ONE.replace("\"a\"", &format!("\"{}\"", "a".repeat(MAX_LINE)));
        assert!(verify(&long, &[spec("a")], &locked(&["a"])).is_err());
    }
}
