//! File hash indicators as rules: one hash list file per algorithm (`<catalogue>.md5`,
//! `.sha1`, `.sha256`, one lowercase digest a line) and one rule per algorithm and
//! file-carrying protocol, `filemd5`/`filesha1`/`filesha256` naming the list.
//!
//! Guarantees: a list holds each digest once, sorted, lowercase (the catalogue's hex is
//! validated as hex; Suricata reads either case); the rules name no digest and no count, so a
//! list that grows or shrinks changes its file, never its rules' sid or rev; Suricata hashes
//! a file when a loaded rule asks for its digest, over every protocol whose files it tracks
//! ([`PROTOCOLS`]), in both directions (downloads and uploads).

use super::words::described;
use super::{Builder, LoweredRule};
use crate::model::{HashAlgo, Indicator, Meta};
use crate::rules::lower::datasets::{DataEntries, DataFile};
use crate::rules::model::{
    Action, Address, Direction, FileHash, FileHashAlgo, Header, Port, Protocol, Rule, RuleOption,
};

/// The protocols whose files Suricata tracks and hashes, by their rule protocol word.
pub const PROTOCOLS: [(&str, &str); 5] = [
    ("http", "HTTP"),
    ("smtp", "SMTP"),
    ("ftp-data", "FTP"),
    ("smb", "SMB"),
    ("nfs", "NFS"),
];

fn algo(a: HashAlgo) -> (FileHashAlgo, &'static str, &'static str) {
    match a {
        HashAlgo::Md5 => (FileHashAlgo::Md5, "md5", "MD5"),
        HashAlgo::Sha1 => (FileHashAlgo::Sha1, "sha1", "SHA-1"),
        HashAlgo::Sha256 => (FileHashAlgo::Sha256, "sha256", "SHA-256"),
    }
}

impl Builder<'_> {
    /// The rules and lists of the file hash indicators (`hashes`: indicator and algorithm,
    /// in catalogue order).
    pub(super) fn hash_rules(&mut self, hashes: &[(&Indicator, HashAlgo, &str)]) {
        for a in [HashAlgo::Sha256, HashAlgo::Sha1, HashAlgo::Md5] {
            let of: Vec<&(&Indicator, HashAlgo, &str)> =
                hashes.iter().filter(|(_, h, _)| *h == a).collect();
            if of.is_empty() {
                continue;
            }
            let mut digests: Vec<String> =
                of.iter().map(|(_, _, x)| x.to_ascii_lowercase()).collect();
            digests.sort_unstable();
            digests.dedup();
            let (keyword, ext, label) = algo(a);
            let list = format!("{}.{ext}", self.c.id);
            self.out.files.push(DataFile {
                path: list.clone(),
                entries: DataEntries::Hashes(digests),
            });
            let meta = merged(&of[0].0.meta, of[1..].iter().map(|(i, _, _)| &i.meta));
            for (proto, name) in PROTOCOLS {
                let classtype = "policy-violation";
                let msg = self.msg(
                    classtype,
                    &format!("{name} file with a listed {label}"),
                    &described(meta.role.as_deref()),
                );
                let mut common = self.common(classtype, msg, &meta);
                let mut options = vec![RuleOption::Msg(std::mem::take(&mut common.msg))];
                options.push(RuleOption::FileHash(FileHash {
                    algo: keyword,
                    list: list.clone(),
                }));
                options.append(&mut common.references);
                options.push(RuleOption::Classtype(common.classtype));
                options.push(RuleOption::Metadata(common.metadata));
                let header = Header {
                    action: Action::Alert,
                    protocol: Protocol::from_word(proto),
                    source: Address::Any,
                    source_port: Port::Any,
                    direction: Direction::Forward,
                    destination: Address::Any,
                    destination_port: Port::Any,
                };
                self.out.rules.push(LoweredRule {
                    key: format!("hashes/{ext}/{proto}"),
                    rule: Rule { header, options },
                    members: None,
                });
            }
        }
    }
}

/// What the rules of several hash indicators share (as the indicator lists do): the
/// strongest severity and confidence, their CVEs, their role when they all have the same one,
/// no references and no date.
fn merged<'a>(first: &Meta, rest: impl Iterator<Item = &'a Meta>) -> Meta {
    let mut m = first.clone();
    for other in rest {
        m.severity = m.severity.max(other.severity);
        m.confidence = m.confidence.max(other.confidence);
        if m.role != other.role {
            m.role = None;
        }
        for c in &other.cves {
            if !m.cves.contains(c) {
                m.cves.push(c.clone());
            }
        }
    }
    m.references = Vec::new();
    m.valid_from = None;
    m
}
