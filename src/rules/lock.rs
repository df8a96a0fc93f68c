//! The SID lock: `iocs/<catalogue>.sids.lock`, a committed, human-readable map from a stable
//! rule key to its `sid`, `rev`, a hash of the rule body and the date of its last change.
//!
//! Guarantees:
//! - a key keeps its sid for ever; its rev grows by one exactly when its body hash changes;
//! - a new key takes the next SID above every SID the lock has ever held (live or retired),
//!   inside the policy range, so a SID is never reused; a removed key's SID is retired;
//! - iprep category ids (1-60) follow the same rules;
//! - the file is sorted and deterministic, so an unchanged catalogue gives identical bytes.
//!
//! Format (one entry per line, `#` comments):
//! ```text
//! rule <key> <sid> <rev> <body-hash> <updated YYYY-MM-DD>
//! retired <sid> <key>
//! category <key> <id>
//! ```
//!
//! The body hash ([`body_hash`]) is a function of the typed rule and its key, through one
//! fixed encoding: the JSON object `{key, header, msg, detect, references, classtype,
//! metadata, target}` that earlier versions of iocc hashed, with the header and the detection
//! options written in Suricata 7 syntax ([`crate::rules::dialect::Suricata7`]). It is kept so
//! that every existing lock keeps its hashes (a new encoding would bump the rev of every rule
//! in every catalogue). It does not depend on the dialect a pack is written in: every dialect
//! shares the lock. A change to how Suricata 7 writes an option changes the hash of the rules
//! holding it, and so their rev, which is what a changed rule text should do.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::dialect::{Dialect, Suricata7};
use super::model::{Reference, Rule, RuleOption};

/// The hashed encoding of a rule body (field order and types are part of the lock format).
#[derive(Serialize)]
struct Body<'a> {
    key: &'a str,
    header: String,
    msg: &'a str,
    detect: Vec<String>,
    references: Vec<(&'a str, &'a str)>,
    classtype: &'a str,
    metadata: Vec<String>,
    target: &'static str,
}

/// The body hash of the rule of `key`: the first 8 bytes of the SHA-256 of [`Body`]'s JSON,
/// in hex. The rule holds no `sid`, `rev` or `updated_at` (those come from the lock).
pub fn body_hash(key: &str, rule: &Rule) -> String {
    let mut header = String::new();
    Suricata7.header(&rule.header, &mut header);
    let mut body = Body {
        key,
        header,
        msg: "",
        detect: Vec::new(),
        references: Vec::new(),
        classtype: "",
        metadata: Vec::new(),
        target: "",
    };
    for o in &rule.options {
        match o {
            RuleOption::Msg(m) => body.msg = m,
            RuleOption::Reference(r) => body.references.push(match r {
                Reference::Cve(n) => ("cve", n.as_str()),
                Reference::Url(u) => ("url", u.as_str()),
                Reference::Other { system, id } => (system.as_str(), id.as_str()),
            }),
            RuleOption::Classtype(c) => body.classtype = c,
            RuleOption::Metadata(pairs) => {
                body.metadata = pairs.iter().map(|(k, v)| format!("{k} {v}")).collect();
            }
            RuleOption::Target(side) => body.target = side.as_str(),
            other => Suricata7.option(other, &mut body.detect),
        }
    }
    let json = serde_json::to_vec(&body).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

/// Largest iprep category id Suricata accepts.
pub const MAX_CATEGORY: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub sid: u32,
    pub rev: u32,
    pub hash: String,
    pub updated: Date,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    pub rules: BTreeMap<String, Entry>,
    /// Retired SIDs with the key they last had.
    pub retired: BTreeMap<u32, String>,
    pub categories: BTreeMap<String, u32>,
}

/// A lock line that cannot be read: (1-based line, message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockError {
    pub line: usize,
    pub message: String,
}

fn key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'_' | b'.')
        })
}

impl Lock {
    /// Parses a lock file.
    pub fn parse(text: &str) -> Result<Lock, LockError> {
        let mut lock = Lock::default();
        let mut sids = BTreeSet::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |m: &str| LockError {
                line: i + 1,
                message: m.to_owned(),
            };
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                ["rule", key, sid, rev, hash, updated] => {
                    let sid: u32 = sid.parse().map_err(|_| err("the sid is not a number"))?;
                    let rev: u32 = rev.parse().map_err(|_| err("the rev is not a number"))?;
                    let updated: Date = updated
                        .parse()
                        .map_err(|_| err("the date is not YYYY-MM-DD"))?;
                    if !key_ok(key) || sid == 0 || rev == 0 {
                        return Err(err("malformed rule entry"));
                    }
                    if !sids.insert(sid) {
                        return Err(err("the sid appears twice"));
                    }
                    let entry = Entry {
                        sid,
                        rev,
                        hash: (*hash).to_owned(),
                        updated,
                    };
                    if lock.rules.insert((*key).to_owned(), entry).is_some() {
                        return Err(err("the key appears twice"));
                    }
                }
                ["retired", sid, key] => {
                    let sid: u32 = sid.parse().map_err(|_| err("the sid is not a number"))?;
                    if !sids.insert(sid) {
                        return Err(err("the sid appears twice"));
                    }
                    lock.retired.insert(sid, (*key).to_owned());
                }
                ["category", key, id] => {
                    let id: u32 = id.parse().map_err(|_| err("the id is not a number"))?;
                    if !key_ok(key) || id == 0 || id > MAX_CATEGORY {
                        return Err(err("malformed category entry"));
                    }
                    lock.categories.insert((*key).to_owned(), id);
                }
                _ => {
                    return Err(err(
                        "expected `rule`, `retired` or `category` with its fields",
                    ))
                }
            }
        }
        Ok(lock)
    }

    /// Prints the lock (sorted by SID, then retired, then categories).
    pub fn render(&self, catalogue: &str) -> String {
        let mut out = format!(
            "# iocc SID lock of catalogue `{catalogue}`: stable rule key -> sid, rev, body hash, last change.\n\
             # Written by `iocc build`; review and commit it with the catalogue. Retired SIDs are never reused.\n"
        );
        let mut by_sid: Vec<(&String, &Entry)> = self.rules.iter().collect();
        by_sid.sort_by_key(|(_, e)| e.sid);
        for (k, e) in by_sid {
            out.push_str(&format!(
                "rule {k} {} {} {} {}\n",
                e.sid, e.rev, e.hash, e.updated
            ));
        }
        for (sid, k) in &self.retired {
            out.push_str(&format!("retired {sid} {k}\n"));
        }
        for (k, id) in &self.categories {
            out.push_str(&format!("category {k} {id}\n"));
        }
        out
    }
}

/// Why SIDs could not be assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignError {
    RangeExhausted,
    CategoriesExhausted,
}

/// Assigns sid/rev to `wanted` (key, body hash) in order, and category ids to `categories`.
/// `today` is the date recorded for new and changed rules (the catalogue's modification date).
pub fn assign(
    prev: &Lock,
    wanted: &[(String, String)],
    categories: &[String],
    range: (u32, u32),
    today: Date,
) -> Result<Lock, AssignError> {
    let mut next = Lock {
        retired: prev.retired.clone(),
        ..Lock::default()
    };
    let mut used: BTreeSet<u32> = prev.rules.values().map(|e| e.sid).collect();
    used.extend(prev.retired.keys());
    for (key, hash) in wanted {
        let entry = match prev.rules.get(key) {
            Some(e) if &e.hash == hash => e.clone(),
            Some(e) => Entry {
                sid: e.sid,
                rev: e.rev + 1,
                hash: hash.clone(),
                updated: today,
            },
            None => {
                let sid = free_sid(&used, range).ok_or(AssignError::RangeExhausted)?;
                used.insert(sid);
                Entry {
                    sid,
                    rev: 1,
                    hash: hash.clone(),
                    updated: today,
                }
            }
        };
        next.rules.insert(key.clone(), entry);
    }
    for (key, e) in &prev.rules {
        if !next.rules.contains_key(key) {
            next.retired.insert(e.sid, key.clone());
        }
    }
    // Categories are few and global to a Suricata instance: keep every id ever given.
    next.categories = prev.categories.clone();
    for key in categories {
        if !next.categories.contains_key(key) {
            let taken: BTreeSet<u32> = next.categories.values().copied().collect();
            let id = (1..=MAX_CATEGORY)
                .find(|i| !taken.contains(i) && *i > taken.last().copied().unwrap_or(0))
                .ok_or(AssignError::CategoriesExhausted)?;
            next.categories.insert(key.clone(), id);
        }
    }
    Ok(next)
}

/// The next SID above every SID ever used that lies in the range, else the lowest never-used
/// SID of the range.
fn free_sid(used: &BTreeSet<u32>, (first, last): (u32, u32)) -> Option<u32> {
    let top = used.range(first..=last).next_back().copied();
    match top {
        None => Some(first),
        Some(t) if t < last => Some(t + 1),
        Some(_) => (first..=last).find(|s| !used.contains(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn w(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, h)| ((*k).to_owned(), (*h).to_owned()))
            .collect()
    }

    #[test]
    fn new_changed_removed_keys() {
        let range = (1_000_000, 1_999_999);
        let a = assign(
            &Lock::default(),
            &w(&[("a", "h1"), ("b", "h2")]),
            &[],
            range,
            d("2025-01-30"),
        )
        .unwrap();
        assert_eq!(a.rules["a"].sid, 1_000_000);
        assert_eq!(a.rules["b"].sid, 1_000_001);
        // Adding a key (before the others) changes nothing for them.
        let b = assign(
            &a,
            &w(&[("0-new", "h0"), ("a", "h1"), ("b", "h2")]),
            &[],
            range,
            d("2025-02-25"),
        )
        .unwrap();
        assert_eq!(b.rules["a"], a.rules["a"]);
        assert_eq!(b.rules["b"], a.rules["b"]);
        assert_eq!(b.rules["0-new"].sid, 1_000_002);
        // Changing a body bumps rev and the date; removing retires the SID for good.
        let c = assign(
            &b,
            &w(&[("a", "h1x"), ("c", "h3")]),
            &[],
            range,
            d("2025-03-01"),
        )
        .unwrap();
        assert_eq!(c.rules["a"].rev, 2);
        assert_eq!(c.rules["a"].updated, d("2025-03-01"));
        assert_eq!(c.retired.get(&1_000_001).map(String::as_str), Some("b"));
        assert_eq!(c.rules["c"].sid, 1_000_003);
        // Round trip through the text form.
        assert_eq!(Lock::parse(&c.render("x")).unwrap(), c);
    }

    #[test]
    fn full_range_reuses_nothing_retired() {
        let prev = Lock::parse("rule a 5 1 h 2025-01-01\nretired 6 b\n").unwrap();
        let next = assign(
            &prev,
            &w(&[("a", "h"), ("c", "h")]),
            &[],
            (5, 7),
            d("2025-01-01"),
        )
        .unwrap();
        assert_eq!(next.rules["c"].sid, 7);
        assert_eq!(
            assign(
                &next,
                &w(&[("a", "h"), ("c", "h"), ("d", "h")]),
                &[],
                (5, 7),
                d("2025-01-01")
            ),
            Err(AssignError::RangeExhausted)
        );
    }

    #[test]
    fn malformed_lines_are_located() {
        let e = Lock::parse("# c\nrule a x 1 h 2025-01-01\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Lock::parse("rule a 1 1 h 2025-01-01\nretired 1 b\n").is_err());
        assert!(Lock::parse("bogus\n").is_err());
    }

    #[test]
    fn categories_are_stable() {
        let a = assign(
            &Lock::default(),
            &[],
            &["x".into()],
            (1, 9),
            d("2025-01-01"),
        )
        .unwrap();
        let b = assign(&a, &[], &["a".into(), "x".into()], (1, 9), d("2025-01-01")).unwrap();
        assert_eq!(b.categories["x"], 1);
        assert_eq!(b.categories["a"], 2);
    }
}
