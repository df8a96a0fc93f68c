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

/// A lock line that cannot be read: 1-based line, what is wrong, and how to repair it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockError {
    pub line: usize,
    pub message: String,
    pub help: &'static str,
}

/// The usual repair of a damaged lock.
const RESTORE: &str =
    "restore the lock from git; it is written by `iocc build` and must not be edited by hand";

/// The repair of a lock merged with a conflict.
const RESOLVE: &str = "keep the entries of both sides: every rule keeps its own sid and every     retired sid stays retired (never give a sid to a second key, never reuse one); delete the     `<<<<<<<`, `=======` and `>>>>>>>` lines, then run `iocc build` and commit the lock";

fn key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'_' | b'.')
        })
}

/// A body hash as [`body_hash`] writes it: 16 lowercase hex digits.
fn hash_ok(h: &str) -> bool {
    h.len() == 16
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A git conflict marker line.
fn conflict_marker(line: &str) -> bool {
    ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
        .iter()
        .any(|m| line.starts_with(m))
}

/// The fields each entry kind has, to say what a short line lacks.
fn expected_fields(kind: &str) -> Option<&'static str> {
    match kind {
        "rule" => Some("rule KEY SID REV HASH DATE"),
        "retired" => Some("retired SID KEY"),
        "category" => Some("category KEY ID"),
        _ => None,
    }
}

/// The lock being read, with the line each SID was first seen on.
#[derive(Default)]
struct Reader {
    lock: Lock,
    sids: BTreeMap<u32, usize>,
}

impl Reader {
    fn sid(&mut self, text: &str, line: usize) -> Result<u32, String> {
        let sid: u32 = text
            .parse()
            .map_err(|_| format!("the sid `{text}` is not a number"))?;
        if sid == 0 {
            return Err("a sid is a positive number".into());
        }
        if let Some(first) = self.sids.insert(sid, line) {
            return Err(format!(
                "sid {sid} appears twice (first on line {first}); a sid belongs to one key for ever"
            ));
        }
        Ok(sid)
    }

    fn line(&mut self, fields: &[&str], line: usize) -> Result<(), String> {
        match fields {
            ["rule", key, sid, rev, hash, updated] => {
                if !key_ok(key) {
                    return Err(format!("`{key}` is not a rule key"));
                }
                let sid = self.sid(sid, line)?;
                let rev: u32 = rev.parse().ok().filter(|r| *r > 0).ok_or_else(|| {
                    format!("the rev `{rev}` is not a positive number")
                })?;
                if !hash_ok(hash) {
                    return Err(format!("the body hash `{hash}` is not 16 hex digits"));
                }
                let updated: Date = updated
                    .parse()
                    .map_err(|_| format!("the date `{updated}` is not YYYY-MM-DD"))?;
                let entry = Entry {
                    sid,
                    rev,
                    hash: (*hash).to_owned(),
                    updated,
                };
                match self.lock.rules.insert((*key).to_owned(), entry) {
                    Some(_) => Err(format!("the key `{key}` appears twice")),
                    None => Ok(()),
                }
            }
            ["retired", sid, key] => {
                let sid = self.sid(sid, line)?;
                self.lock.retired.insert(sid, (*key).to_owned());
                Ok(())
            }
            ["category", key, id] => {
                let id: u32 = id.parse().ok().filter(|i| (1..=MAX_CATEGORY).contains(i)).ok_or_else(|| {
                    format!("the category id `{id}` is not a number from 1 to {MAX_CATEGORY}")
                })?;
                if !key_ok(key) {
                    return Err(format!("`{key}` is not a category key"));
                }
                self.lock.categories.insert((*key).to_owned(), id);
                Ok(())
            }
            [kind, ..] => Err(match expected_fields(kind) {
                Some(want) => format!(
                    "this `{kind}` line has {} fields where `{want}` has {}: is it cut short or joined with another?",
                    fields.len(),
                    want.split(' ').count()
                ),
                None => format!("`{kind}` is not `rule`, `retired` or `category`"),
            }),
            [] => Ok(()),
        }
    }
}

impl Lock {
    /// Parses a lock file. Errors name the line, what is wrong and how to repair it.
    pub fn parse(text: &str) -> Result<Lock, LockError> {
        let mut reader = Reader::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if conflict_marker(line) {
                return Err(LockError {
                    line: i + 1,
                    message: "the lock holds a git conflict marker: two branches changed it".into(),
                    help: RESOLVE,
                });
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            reader.line(&fields, i + 1).map_err(|message| LockError {
                line: i + 1,
                message,
                help: RESTORE,
            })?;
        }
        Ok(reader.lock)
    }

    /// The first rule whose sid lies outside `range`, with the line it is on in `text` (the
    /// text this lock was parsed from).
    pub fn outside_range(&self, text: &str, (first, last): (u32, u32)) -> Option<LockError> {
        let (key, e) = self
            .rules
            .iter()
            .find(|(_, e)| e.sid < first || e.sid > last)?;
        let line = text
            .lines()
            .position(|l| l.split_whitespace().nth(2) == Some(e.sid.to_string().as_str()))
            .map_or(1, |i| i + 1);
        Some(LockError {
            line,
            message: format!(
                "sid {} of `{key}` is outside the policy's SID range {first}-{last}",
                e.sid
            ),
            help: "a rule keeps its sid for ever: widen `policy.sid-range` to hold it, or                    restore the lock from git if the sid was edited by hand",
        })
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
            &w(&[("a", "1111111111111111"), ("b", "2222222222222222")]),
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
            &w(&[
                ("0-new", "0000000000000000"),
                ("a", "1111111111111111"),
                ("b", "2222222222222222"),
            ]),
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
            &w(&[("a", "111111111111111f"), ("c", "3333333333333333")]),
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
        let prev = Lock::parse("rule a 5 1 aaaaaaaaaaaaaaaa 2025-01-01\nretired 6 b\n").unwrap();
        let next = assign(
            &prev,
            &w(&[("a", "aaaaaaaaaaaaaaaa"), ("c", "aaaaaaaaaaaaaaaa")]),
            &[],
            (5, 7),
            d("2025-01-01"),
        )
        .unwrap();
        assert_eq!(next.rules["c"].sid, 7);
        assert_eq!(
            assign(
                &next,
                &w(&[
                    ("a", "aaaaaaaaaaaaaaaa"),
                    ("c", "aaaaaaaaaaaaaaaa"),
                    ("d", "aaaaaaaaaaaaaaaa")
                ]),
                &[],
                (5, 7),
                d("2025-01-01")
            ),
            Err(AssignError::RangeExhausted)
        );
    }

    #[test]
    fn malformed_lines_are_located() {
        let e = Lock::parse("# c\nrule a x 1 aaaaaaaaaaaaaaaa 2025-01-01\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Lock::parse("rule a 1 1 aaaaaaaaaaaaaaaa 2025-01-01\nretired 1 b\n").is_err());
        assert!(Lock::parse("bogus\n").is_err());
    }

    /// Hand edits and bad merges: each is refused at its line, with the repair.
    #[test]
    fn damaged_locks_are_located() {
        let ok = "rule a 5 1 aaaaaaaaaaaaaaaa 2025-01-01\n";
        let cases: &[(&str, usize, &str)] = &[
            (
                "rule b 5 1 bbbbbbbbbbbbbbbb 2025-01-01\n",
                2,
                "sid 5 appears twice (first on line 1)",
            ),
            ("retired 5 b\n", 2, "sid 5 appears twice"),
            (
                "rule b 6 1 bbbb",
                2,
                "has 5 fields where `rule KEY SID REV HASH DATE` has 6",
            ),
            ("rule b 6 1 bbbbbbbb 2025-01-01\n", 2, "not 16 hex digits"),
            (
                "rule b 6 1 bbbbbbbbbbbbbbbb 2025-01-\n",
                2,
                "not YYYY-MM-DD",
            ),
            (
                "<<<<<<< HEAD\nrule b 6 1 bbbbbbbbbbbbbbbb 2025-01-01\n=======\n",
                2,
                "git conflict marker",
            ),
            ("category x 61\n", 2, "from 1 to 60"),
        ];
        for (tail, line, says) in cases {
            let e = Lock::parse(&format!("{ok}{tail}")).unwrap_err();
            assert_eq!(e.line, *line, "{tail}");
            assert!(e.message.contains(says), "{tail}: {}", e.message);
        }
        let conflict = Lock::parse("=======\n").unwrap_err();
        assert!(conflict.help.contains("never reuse"), "{}", conflict.help);
        let lock = Lock::parse(&format!("# c\n{ok}")).unwrap();
        assert_eq!(lock.outside_range(ok, (5, 9)), None);
        let out = lock.outside_range(&format!("# c\n{ok}"), (6, 9)).unwrap();
        assert_eq!(out.line, 2);
        assert!(out.message.contains("outside the policy's SID range 6-9"));
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
