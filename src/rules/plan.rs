//! The rule plan: the catalogue's lowered rules with their SIDs and revs from the SID lock,
//! made once per catalogue before any target runs.
//!
//! Guarantees: each planned rule holds its `sid` and `rev` (written before `metadata`) and its
//! `updated_at` metadata, all from the lock ([`super::lock`]); the lock after the plan is a
//! state file the build writes only when every target succeeded (and refuses to change under
//! `--locked`/`--check`); a missing lock is an empty one, an unreadable one an error at its
//! line, and a SID range without room for the rules an error at `policy.sid-range`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

use super::lock::{self, AssignError, Entry, Lock};
use super::lower::{lower, lower_ip_only, DataFile, Lowered, NotExpressed};
use super::members::Members;
use super::model::{Rule, RuleOption};
use crate::diag::{display, At, Code, Diagnostic};
use crate::model::Catalogue;

/// The target that publishes the plan's rules. The build makes the plan (reading and writing
/// the SID lock) only when this target is selected, so a build of other targets never touches
/// the lock, and targets that refer to the published rules (STIX) name its rules file.
pub const PUBLISHER: &str = "suricata";

/// The targets that write the plan's rules (the publisher and the profiles that write its
/// rules in another dialect): the build makes the plan when any of them is selected.
pub const RULE_TARGETS: &[&str] = &[PUBLISHER, "aws-network-firewall"];

/// The rules file of a catalogue inside the publisher's folder.
pub fn rules_file(catalogue_id: &str) -> String {
    format!("{catalogue_id}.rules")
}

/// A rule with its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRule {
    /// The stable key the lock knows the rule by.
    pub key: String,
    pub sid: u32,
    pub rev: u32,
    /// The rule, `sid`, `rev` and `updated_at` included; a grouped rule holds `any` where
    /// its `members` go.
    frame: Rule,
    members: Option<Members>,
}

impl PlannedRule {
    /// A planned rule whose header is complete.
    pub fn new(key: String, (sid, rev): (u32, u32), rule: Rule) -> PlannedRule {
        PlannedRule {
            key,
            sid,
            rev,
            frame: rule,
            members: None,
        }
    }

    /// The rule as it is written: identity, options and the whole header (a grouped rule's
    /// networks are put in place here, one rule at a time).
    pub fn rule(&self) -> Cow<'_, Rule> {
        match &self.members {
            Some(m) => Cow::Owned(m.fill(self.frame.clone())),
            None => Cow::Borrowed(&self.frame),
        }
    }

    /// The rule's options (msg, references, identity, metadata), without building a grouped
    /// rule's header.
    pub fn options(&self) -> &[RuleOption] {
        &self.frame.options
    }

    /// The rule's msg, as in the model (before the dialect escapes it).
    pub fn msg(&self) -> Option<&str> {
        self.frame.msg()
    }

    /// The rule's gid.
    pub fn gid(&self) -> u32 {
        self.frame.gid()
    }

    /// The CVE numbers the rule references.
    pub fn cve_references(&self) -> impl Iterator<Item = &str> {
        self.frame.cve_references()
    }
}

/// An iprep category with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCategory {
    pub id: u32,
    pub name: String,
    pub description: String,
    pub nets: Vec<IpNet>,
}

/// The SID lock file as the plan leaves it, to be written beside the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

impl LockFile {
    /// The lock's file name, as the packs' headers name it.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }
}

/// The catalogue's rules, ready for any dialect.
#[derive(Debug)]
pub struct RulePlan {
    /// In pack order.
    pub rules: Vec<PlannedRule>,
    /// The rules of the IP-only profile ([`lower_ip_only`]: no datasets, iprep or domains),
    /// in pack order; a rule both lowerings make is the same rule with the same sid.
    pub ip_only: Vec<PlannedRule>,
    /// Data files the rules load (datasets), beside the rules file.
    pub files: Vec<DataFile>,
    pub categories: Vec<PlannedCategory>,
    /// The items the rules cannot express, with the reason.
    pub not_expressed: Vec<NotExpressed>,
    /// The SID lock after this plan.
    pub lock: LockFile,
}

/// The SID lock path: `<catalogue file stem>.sids.lock` beside the catalogue.
pub fn lock_path(c: &Catalogue) -> PathBuf {
    let stem = c
        .source
        .path
        .file_stem()
        .map_or_else(|| c.id.clone(), |s| s.to_string_lossy().into_owned());
    let dir = c.source.path.parent().unwrap_or(Path::new("."));
    dir.join(format!("{stem}.sids.lock"))
}

/// Reads the SID lock at `path` (none yet: empty); every rule's sid must lie in `range`.
fn read_lock(path: &Path, range: (u32, u32)) -> Result<Lock, Diagnostic> {
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
    let located = |e: lock::LockError| {
        Diagnostic::error(
            Code::InvalidSidLock,
            format!("SID lock line {}: {}", e.line, e.message),
        )
        .in_file(path)
        .at(At::Line(e.line as u32))
        .help(e.help)
    };
    let parsed = Lock::parse(&text).map_err(located)?;
    match parsed.outside_range(&text, range) {
        Some(e) => Err(located(e)),
        None => Ok(parsed),
    }
}

/// The rule with its identity from the lock: `sid` and `rev` before `metadata` (at the end
/// when it has none), `updated_at` last in `metadata`.
fn identify(mut rule: Rule, e: &Entry) -> Rule {
    let updated = (
        "updated_at".to_owned(),
        e.updated.strftime("%Y_%m_%d").to_string(),
    );
    let at = rule
        .options
        .iter()
        .position(|o| matches!(o, RuleOption::Metadata(_)));
    match at {
        Some(n) => {
            if let RuleOption::Metadata(pairs) = &mut rule.options[n] {
                pairs.push(updated);
            }
            rule.options
                .splice(n..n, [RuleOption::Sid(e.sid), RuleOption::Rev(e.rev)]);
        }
        None => rule
            .options
            .extend([RuleOption::Sid(e.sid), RuleOption::Rev(e.rev)]),
    }
    rule
}

/// Plans the catalogue's rules with the lock beside it.
pub fn plan(c: &Catalogue) -> Result<RulePlan, Vec<Diagnostic>> {
    let path = lock_path(c);
    let range = (c.policy.sid_first, c.policy.sid_last);
    let prev = read_lock(&path, range).map_err(|d| vec![d])?;
    plan_with(c, lower(c), &prev, path)
}

/// Plans lowered rules with a given previous lock (written to `path`).
pub fn plan_with(
    c: &Catalogue,
    lowered: Lowered,
    prev: &Lock,
    path: PathBuf,
) -> Result<RulePlan, Vec<Diagnostic>> {
    let mut wanted: Vec<(String, String)> = lowered
        .rules
        .iter()
        .map(|r| (r.key.clone(), lock::body_hash(&r.key, &r.full())))
        .collect();
    // The IP-only profile's own rules take SIDs after the pack's, so adding the profile
    // changes no existing sid; a key both make must be the same rule.
    let alt = lower_ip_only(c);
    let known: std::collections::HashMap<String, String> = wanted.iter().cloned().collect();
    for r in &alt.rules {
        let hash = lock::body_hash(&r.key, &r.full());
        match known.get(&r.key) {
            Some(h) => debug_assert_eq!(h, &hash, "{} differs between profiles", r.key),
            None => wanted.push((r.key.clone(), hash)),
        }
    }
    let cat_keys: Vec<String> = lowered.categories.iter().map(|k| k.key.clone()).collect();
    let range = (c.policy.sid_first, c.policy.sid_last);
    let next = lock::assign(prev, &wanted, &cat_keys, range, c.advisory.modified).map_err(|e| {
        let msg = match e {
            AssignError::RangeExhausted => format!(
                "the SID range {}-{} has no unused SID left for {} rules",
                range.0,
                range.1,
                lowered.rules.len()
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
    let identified = |r: super::lower::LoweredRule| {
        let e = &next.rules[&r.key];
        PlannedRule {
            sid: e.sid,
            rev: e.rev,
            frame: identify(r.rule, e),
            members: r.members,
            key: r.key,
        }
    };
    let rules = lowered.rules.into_iter().map(identified).collect();
    let ip_only = alt.rules.into_iter().map(identified).collect();
    let categories = lowered
        .categories
        .into_iter()
        .map(|k| PlannedCategory {
            id: next.categories[&k.key],
            name: k.name,
            description: k.description,
            nets: k.nets,
        })
        .collect();
    Ok(RulePlan {
        rules,
        ip_only,
        files: lowered.files,
        categories,
        not_expressed: lowered.not_expressed,
        lock: LockFile {
            contents: next.render(&c.id).into_bytes(),
            path,
        },
    })
}
