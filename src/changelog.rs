//! Release notes: the Markdown changelog between two versions of a catalogue.
//!
//! Guarantees: the text lists added, removed and changed indicators, bulk-list entries,
//! detections and CVEs (from the validated catalogues), Suricata rules with their sid/rev (from
//! the two rule plans, compared as typed rules) and firewall ACL entries (line
//! differences of the `firewall/` files), Sigma rules (by file, a new `modified` date alone
//! is no change), file hash signatures (the ClamAV lines of `files/`) and the AWS Network
//! Firewall profile (its own IP-only rules by sid/rev, its domain lists). It is deterministic (everything sorted or in
//! catalogue order) and every catalogue- or output-derived string passes the Markdown escaper
//! of the summary target, so a value cannot open a link, a code block or a table row.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::build::Compiled;
use crate::escape::escape_markdown;
use crate::model::catalogue::Advisory;
use crate::model::Catalogue;
use crate::output::Tree;
use crate::rules::dialect::{Dialect, Suricata7};
use crate::rules::{PlannedRule, RulePlan};

/// How many values a list shows before summarising the rest.
const SHOW: usize = 50;

fn e(s: &str) -> String {
    let mut out = String::new();
    let _ = escape_markdown(s, &mut out);
    out
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".into(),
        Value::Array(a) if a.is_empty() => "none".into(),
        // Lists of plain values (protocols, indicator ids, CVEs, content) read as a list.
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            a.iter().map(compact).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// Leaf-by-leaf differences of two JSON values (arrays compared whole): (field, old, new).
fn diff_fields(prefix: &str, old: &Value, new: &Value, out: &mut Vec<(String, String, String)>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                if k == "origin" {
                    continue;
                }
                let field = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                diff_fields(
                    &field,
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if old != new => out.push((prefix.to_owned(), compact(old), compact(new))),
        _ => {}
    }
}

fn list<T>(md: &mut String, items: &[T], line: impl Fn(&T) -> String) {
    for it in items.iter().take(SHOW) {
        md.push_str(&format!("- {}\n", line(it)));
    }
    if items.len() > SHOW {
        md.push_str(&format!("- ... and {} more\n", items.len() - SHOW));
    }
}

/// Sections for items keyed by id: added, removed, changed (with the changed fields).
fn section_by_id(
    md: &mut String,
    title: &str,
    old: BTreeMap<String, (Value, String)>,
    new: BTreeMap<String, (Value, String)>,
) {
    let added: Vec<_> = new.iter().filter(|(k, _)| !old.contains_key(*k)).collect();
    let removed: Vec<_> = old.iter().filter(|(k, _)| !new.contains_key(*k)).collect();
    let mut changed = Vec::new();
    for (k, (nv, label)) in &new {
        if let Some((ov, _)) = old.get(k) {
            let mut d = Vec::new();
            diff_fields("", ov, nv, &mut d);
            if !d.is_empty() {
                changed.push((k, label, d));
            }
        }
    }
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        return;
    }
    md.push_str(&format!("\n## {title}\n"));
    if !added.is_empty() {
        md.push_str("\n### Added\n\n");
        list(md, &added, |(k, (_, label))| {
            format!("{}: {}", e(k), e(label))
        });
    }
    if !removed.is_empty() {
        md.push_str("\n### Removed\n\n");
        list(md, &removed, |(k, (_, label))| {
            format!("{}: {}", e(k), e(label))
        });
    }
    if !changed.is_empty() {
        md.push_str("\n### Changed\n\n");
        list(md, &changed, |(k, label, d)| {
            let fields = d
                .iter()
                .map(|(f, a, b)| format!("{} {} → {}", e(f), e(a), e(b)))
                .collect::<Vec<_>>()
                .join("; ");
            format!("{}: {}: {fields}", e(k), e(label))
        });
    }
}

fn indicators(c: &Catalogue) -> BTreeMap<String, (Value, String)> {
    c.indicators
        .iter()
        .map(|i| {
            let label = format!("{} {}", i.observable.kind(), i.observable.value());
            let v = serde_json::json!({
                "kind": i.observable.kind(),
                "value": i.observable.value(),
                "meta": i.meta,
                "part_of": i.part_of,
            });
            (i.id.clone(), (v, label))
        })
        .collect()
}

/// A port list in the catalogue's own grammar (`515-520,111/udp`), `any` when empty.
fn port_text(ports: &[crate::model::catalogue::PortRange]) -> String {
    if ports.is_empty() {
        return "any".into();
    }
    ports
        .iter()
        .map(|p| {
            let mut s = p.first.to_string();
            if p.last != p.first {
                s.push_str(&format!("-{}", p.last));
            }
            if let Some(t) = p.transport {
                s.push_str(&format!("/{}", t.as_str()));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn detections(c: &Catalogue) -> BTreeMap<String, (Value, String)> {
    c.detections
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or_default();
            // Release notes are read by people: ports in the catalogue's grammar and payloads
            // in Suricata content notation, not serialised structs and byte arrays.
            if let Value::Object(m) = &mut v {
                m.insert("ports".into(), Value::String(port_text(&d.ports)));
                let content: Vec<Value> = d
                    .content
                    .iter()
                    .map(|c| {
                        let mut s = format!("\"{}\"", crate::rules::escape::content_hex(&c.bytes));
                        if let Some(o) = c.offset {
                            s.push_str(&format!(" offset {o}"));
                        }
                        if let Some(n) = c.depth {
                            s.push_str(&format!(" depth {n}"));
                        }
                        if c.nocase {
                            s.push_str(" nocase");
                        }
                        Value::String(s)
                    })
                    .collect();
                m.insert("content".into(), Value::Array(content));
            }
            (d.id.clone(), (v, d.title.clone()))
        })
        .collect()
}

fn cves(c: &Catalogue) -> BTreeMap<String, (Value, String)> {
    c.advisory
        .cves
        .iter()
        .map(|v| {
            let val = serde_json::to_value(v).unwrap_or_default();
            (v.id.clone(), (val, v.summary.clone()))
        })
        .collect()
}

fn bulk_entries(c: &Catalogue) -> BTreeMap<String, BTreeSet<String>> {
    c.bulk
        .iter()
        .map(|b| {
            let mut set: BTreeSet<String> = b.networks.iter().map(|(n, _)| n.to_string()).collect();
            set.extend(b.domains.iter().map(|(d, _)| d.to_owned()));
            (b.id.clone(), set)
        })
        .collect()
}

fn bulk_section(md: &mut String, old: &Catalogue, new: &Catalogue) {
    let (o, n) = (bulk_entries(old), bulk_entries(new));
    let ids: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let empty = BTreeSet::new();
    let mut body = String::new();
    for id in ids {
        let (a, b) = (o.get(id).unwrap_or(&empty), n.get(id).unwrap_or(&empty));
        let added: Vec<&String> = b.difference(a).collect();
        let removed: Vec<&String> = a.difference(b).collect();
        if added.is_empty() && removed.is_empty() {
            continue;
        }
        let state = match (o.contains_key(id), n.contains_key(id)) {
            (false, _) => " (new list)",
            (_, false) => " (list removed)",
            _ => "",
        };
        body.push_str(&format!(
            "\n### {}{state}: +{} −{}\n\n",
            e(id),
            added.len(),
            removed.len()
        ));
        list(&mut body, &added, |v| format!("added {}", e(v)));
        list(&mut body, &removed, |v| format!("removed {}", e(v)));
    }
    if !body.is_empty() {
        md.push_str("\n## Bulk list entries\n");
        md.push_str(&body);
    }
}

/// The planned rules of a compiled catalogue by (gid, sid).
fn rules(plan: Option<&RulePlan>) -> BTreeMap<(u32, u32), &PlannedRule> {
    plan.map(|p| &p.rules)
        .into_iter()
        .flatten()
        .map(|r| ((r.gid(), r.sid), r))
        .collect()
}

/// A rule's msg as the published rule carries it.
fn rule_msg(r: &PlannedRule) -> String {
    e(&r.msg()
        .map_or_else(|| "(no msg)".to_owned(), |m| Suricata7.as_read(m)))
}

fn rule_label(r: &PlannedRule) -> String {
    format!("sid {} rev {}: {}", r.sid, r.rev, rule_msg(r))
}

fn rules_section(md: &mut String, old: Option<&RulePlan>, new: Option<&RulePlan>) {
    rule_changes(md, "Suricata rules", rules(old), rules(new));
}

/// The rules only the AWS Network Firewall profile writes (the IP-only groups of large
/// lists), by (gid, sid); the rest are the pack's, listed under the Suricata rules.
fn profile_rules(plan: Option<&RulePlan>) -> BTreeMap<(u32, u32), &PlannedRule> {
    let Some(p) = plan else {
        return BTreeMap::new();
    };
    let pack: BTreeSet<&str> = p.rules.iter().map(|r| r.key.as_str()).collect();
    p.ip_only
        .iter()
        .filter(|r| !pack.contains(r.key.as_str()))
        .map(|r| ((r.gid(), r.sid), r))
        .collect()
}

/// The domains of the AWS Network Firewall domain list groups (`RulesSourceList` targets).
fn aws_domains(tree: &Tree) -> BTreeSet<String> {
    tree.iter()
        .filter(|(p, _)| {
            p.starts_with("aws-network-firewall/")
                && !p.starts_with("aws-network-firewall/cloudformation/")
                && p.ends_with(".json")
        })
        .filter_map(|(_, b)| serde_json::from_slice::<Value>(b).ok())
        .flat_map(|v| {
            v["RulesSource"]["RulesSourceList"]["Targets"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect()
}

fn aws_section(md: &mut String, old: &Compiled, new: &Compiled) {
    rule_changes(
        md,
        "AWS Network Firewall rules (IP-only groups of large lists)",
        profile_rules(old.rules.as_ref()),
        profile_rules(new.rules.as_ref()),
    );
    let (o, n) = (aws_domains(&old.tree), aws_domains(&new.tree));
    let added: Vec<&String> = n.difference(&o).collect();
    let removed: Vec<&String> = o.difference(&n).collect();
    if added.is_empty() && removed.is_empty() {
        return;
    }
    md.push_str(&format!(
        "\n## AWS Network Firewall domain lists: +{} −{}\n\n",
        added.len(),
        removed.len()
    ));
    list(md, &added, |l| format!("added: {}", e(l)));
    list(md, &removed, |l| format!("removed: {}", e(l)));
}

/// Rules added, removed and changed between two sets, under `title`.
fn rule_changes(
    md: &mut String,
    title: &str,
    o: BTreeMap<(u32, u32), &PlannedRule>,
    n: BTreeMap<(u32, u32), &PlannedRule>,
) {
    let added: Vec<&PlannedRule> = n
        .iter()
        .filter(|(k, _)| !o.contains_key(*k))
        .map(|(_, r)| *r)
        .collect();
    let removed: Vec<&PlannedRule> = o
        .iter()
        .filter(|(k, _)| !n.contains_key(*k))
        .map(|(_, r)| *r)
        .collect();
    let changed: Vec<(&PlannedRule, &PlannedRule)> = n
        .iter()
        .filter_map(|(k, r)| {
            o.get(k)
                .filter(|old| old.rule() != r.rule())
                .map(|old| (*old, *r))
        })
        .collect();
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        return;
    }
    md.push_str(&format!("\n## {title}\n"));
    if !added.is_empty() {
        md.push_str("\n### Added\n\n");
        list(md, &added, |r| rule_label(r));
    }
    if !removed.is_empty() {
        md.push_str("\n### Removed\n\n");
        list(md, &removed, |r| rule_label(r));
    }
    if !changed.is_empty() {
        md.push_str("\n### Changed\n\n");
        list(md, &changed, |(a, b)| {
            let note = if a.rev == b.rev {
                " (text changed but rev did not)"
            } else {
                ""
            };
            format!(
                "sid {} rev {} → {}{note}: {}",
                b.sid,
                a.rev,
                b.rev,
                rule_msg(b)
            )
        });
    }
}

/// Replaces `from` by `to` where it stands alone (not inside a longer dotted number such as
/// the address `10.1.0.0`), so that remarks naming the catalogue version do not show every
/// ACL line as changed on each release.
fn replace_version(line: &str, from: &str, to: &str) -> String {
    if from.is_empty() || from == to {
        return line.to_owned();
    }
    let bytes = line.as_bytes();
    let glued = |b: Option<&u8>| b.is_some_and(|c| c.is_ascii_digit() || *c == b'.');
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while let Some(pos) = line[i..].find(from) {
        let start = i + pos;
        let end = start + from.len();
        out.push_str(&line[i..start]);
        let before = start.checked_sub(1).and_then(|j| bytes.get(j));
        if glued(before) || glued(bytes.get(end)) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        i = end;
    }
    out.push_str(&line[i..]);
    out
}

fn acl_lines(tree: &Tree, version: (&str, &str)) -> BTreeMap<String, BTreeSet<String>> {
    tree.iter()
        .filter(|(p, _)| p.starts_with("firewall/"))
        .map(|(p, b)| {
            // An EDL line is `ENTRY comment`, and the first one carries the file header
            // (counts included): the entry alone is what a device blocks.
            let edl = p.ends_with(".edl");
            let lines = String::from_utf8_lossy(b)
                .lines()
                .map(str::trim_end)
                .filter(|l| {
                    let t = l.trim_start();
                    !t.is_empty() && !t.starts_with('#') && !t.starts_with('!')
                })
                .map(|l| {
                    if edl {
                        l.split_whitespace().next().unwrap_or_default().to_owned()
                    } else {
                        replace_version(l, version.0, version.1)
                    }
                })
                .collect();
            (p.clone(), lines)
        })
        .collect()
}

fn acl_section(md: &mut String, old: &Tree, new: &Tree, versions: (&str, &str)) {
    // Old lines are read as if they named the new version: a bump alone changes no entry.
    let (o, n) = (acl_lines(old, versions), acl_lines(new, ("", "")));
    let files: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let empty = BTreeSet::new();
    let mut body = String::new();
    for f in files {
        let (a, b) = (o.get(f).unwrap_or(&empty), n.get(f).unwrap_or(&empty));
        let added: Vec<&String> = b.difference(a).collect();
        let removed: Vec<&String> = a.difference(b).collect();
        if added.is_empty() && removed.is_empty() {
            continue;
        }
        body.push_str(&format!(
            "\n### {}: +{} −{}\n\n",
            e(f),
            added.len(),
            removed.len()
        ));
        list(&mut body, &added, |l| format!("added: {}", e(l.trim())));
        list(&mut body, &removed, |l| format!("removed: {}", e(l.trim())));
    }
    if !body.is_empty() {
        md.push_str("\n## Firewall ACL entries\n");
        md.push_str(&body);
    }
}

/// The ClamAV lines (`HASH:SIZE:NAME`) of the `files/` databases: one per file hash, with no
/// version in them, so the set difference is the signatures a scanner gains and loses.
fn signature_lines(tree: &Tree) -> BTreeSet<String> {
    tree.iter()
        .filter(|(p, _)| p.starts_with("files/") && (p.ends_with(".hsb") || p.ends_with(".hdb")))
        .flat_map(|(_, b)| {
            String::from_utf8_lossy(b)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn signatures_section(md: &mut String, old: &Tree, new: &Tree) {
    let (o, n) = (signature_lines(old), signature_lines(new));
    let added: Vec<&String> = n.difference(&o).collect();
    let removed: Vec<&String> = o.difference(&n).collect();
    if added.is_empty() && removed.is_empty() {
        return;
    }
    md.push_str(&format!(
        "\n## File hash signatures (YARA, ClamAV): +{} −{}\n\n",
        added.len(),
        removed.len()
    ));
    list(md, &added, |l| format!("added: {}", e(l)));
    list(md, &removed, |l| format!("removed: {}", e(l)));
}

/// The Sigma rules by file, each as (title, text without its `modified:` line): a new
/// advisory date alone changes no rule's logic.
fn sigma_rules(tree: &Tree) -> BTreeMap<&str, (String, String)> {
    tree.iter()
        .filter(|(p, _)| p.starts_with("sigma/") && p.ends_with(".yml"))
        .map(|(p, b)| {
            let text = String::from_utf8_lossy(b);
            let title = text
                .lines()
                .find_map(|l| l.strip_prefix("title: "))
                .and_then(|t| serde_yaml::from_str::<String>(t).ok())
                .unwrap_or_default();
            let body: String = text
                .lines()
                .filter(|l| !l.starts_with("modified: "))
                .collect::<Vec<_>>()
                .join("\n");
            (p.as_str(), (title, body))
        })
        .collect()
}

fn sigma_section(md: &mut String, old: &Tree, new: &Tree) {
    let (o, n) = (sigma_rules(old), sigma_rules(new));
    let mut lines = Vec::new();
    for (path, (title, body)) in &n {
        match o.get(path) {
            None => lines.push(format!("added: {} ({})", e(title), e(path))),
            Some((_, was)) if was != body => {
                lines.push(format!("changed: {} ({})", e(title), e(path)))
            }
            Some(_) => {}
        }
    }
    for (path, (title, _)) in &o {
        if !n.contains_key(path) {
            lines.push(format!("removed: {} ({})", e(title), e(path)));
        }
    }
    if !lines.is_empty() {
        md.push_str("\n## Sigma rules\n\n");
        list(md, &lines, |l| l.clone());
    }
}

/// The advisory sentence: its revision date, and what it was when the advisory changed.
fn advisory_line(old: &Advisory, new: &Advisory) -> String {
    if old.id != new.id {
        format!(
            "The catalogue now follows advisory {} (last modified {}) instead of {} (last modified {}).\n",
            e(&new.id),
            new.modified,
            e(&old.id),
            old.modified
        )
    } else if old.modified != new.modified {
        format!(
            "Advisory {} was revised on {} (previous revision {}).\n",
            e(&new.id),
            new.modified,
            old.modified
        )
    } else {
        format!("Advisory {}, last modified {}.\n", e(&new.id), new.modified)
    }
}

/// The Markdown changelog from `old` to `new`, two compiled versions of a catalogue.
pub fn changelog(old_build: &Compiled, new_build: &Compiled) -> String {
    let (old, new) = (&old_build.catalogue, &new_build.catalogue);
    let (old_tree, new_tree) = (&old_build.tree, &new_build.tree);
    let mut md = format!("# {} {} → {}\n\n", e(&new.id), old.version, new.version);
    if old.id != new.id {
        md.push_str(&format!(
            "Catalogue id changed from {} to {}.\n\n",
            e(&old.id),
            e(&new.id)
        ));
    }
    md.push_str(&advisory_line(&old.advisory, &new.advisory));
    let start = md.len();
    section_by_id(&mut md, "Indicators", indicators(old), indicators(new));
    bulk_section(&mut md, old, new);
    section_by_id(&mut md, "Detections", detections(old), detections(new));
    section_by_id(&mut md, "Vulnerabilities", cves(old), cves(new));
    rules_section(&mut md, old_build.rules.as_ref(), new_build.rules.as_ref());
    let (ov, nv) = (old.version.to_string(), new.version.to_string());
    acl_section(&mut md, old_tree, new_tree, (&ov, &nv));
    sigma_section(&mut md, old_tree, new_tree);
    signatures_section(&mut md, old_tree, new_tree);
    aws_section(&mut md, old_build, new_build);
    if md.len() == start {
        md.push_str("\nNo indicator, detection, rule, ACL entry, Sigma rule or file hash signature changed.\n");
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contec() -> Catalogue {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("iocs/contec-cms8000.yaml");
        let mut cache = crate::diag::SourceCache::default();
        crate::load::load_catalogue(
            &path,
            jiff::civil::date(2026, 11, 26),
            &crate::targets::names(),
            &mut cache,
        )
        .catalogue
        .expect("contec catalogue validates")
    }

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
            .collect()
    }

    /// A compiled version of `c` with the files of `tree`, the rules of its
    /// `suricata/*.rules` files read into the rule plan the build would have made.
    fn compiled(c: &Catalogue, tree: Tree) -> Compiled {
        let mut rules = Vec::new();
        for (path, bytes) in &tree {
            if !(path.starts_with("suricata/") && path.ends_with(".rules")) {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            for (_, rule) in crate::rules::read::read_text(&text).unwrap() {
                rules.push(PlannedRule::new(
                    format!("k{}", rule.sid().unwrap()),
                    (rule.sid().unwrap(), rule.rev().unwrap()),
                    rule,
                ));
            }
        }
        let plan = (!rules.is_empty()).then(|| RulePlan {
            rules,
            ip_only: Vec::new(),
            files: Vec::new(),
            categories: Vec::new(),
            not_expressed: Vec::new(),
            lock: crate::rules::plan::LockFile {
                path: "c.sids.lock".into(),
                contents: Vec::new(),
            },
        });
        Compiled {
            catalogue: c.clone(),
            tree,
            written: Vec::new(),
            owned: Vec::new(),
            state: Vec::new(),
            reports: Vec::new(),
            rules: plan,
        }
    }

    #[test]
    fn rules_and_acl_entries_are_diffed() {
        let c = contec();
        let old = tree(&[
            ("suricata/c.rules", "# c\nalert ip any any -> any any (msg:\"IOCC kept\"; sid:1000001; rev:1;)\nalert ip any any -> any any (msg:\"IOCC gone\"; sid:1000002; rev:1;)\nalert ip any any -> 1.2.3.4 any (msg:\"IOCC bumped\"; sid:1000003; rev:1;)\n"),
            ("firewall/c.nft", "# header\nadd element inet ioc v4 { 202.114.4.0/24 }\nadd element inet ioc v4 { 202.114.4.119 }\n"),
        ]);
        let new = tree(&[
            ("suricata/c.rules", "# c\nalert ip any any -> any any (msg:\"IOCC kept\"; sid:1000001; rev:1;)\nalert ip any any -> 1.2.3.5 any (msg:\"IOCC bumped\"; sid:1000003; rev:2;)\nalert ip any any -> any any (msg:\"IOCC new [x](y)\"; sid:1000004; rev:1;)\n"),
            ("firewall/c.nft", "# header changed\nadd element inet ioc v4 { 202.114.4.0/24 }\nadd element inet ioc v6 { 2001:db8::/32 }\n"),
        ]);
        let md = changelog(&compiled(&c, old), &compiled(&c, new));
        assert!(
            md.contains(
                "## Suricata rules\n\n### Added\n\n- sid 1000004 rev 1: IOCC new \\[x\\](y)\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("### Removed\n\n- sid 1000002 rev 1: IOCC gone\n"),
            "{md}"
        );
        assert!(
            md.contains("### Changed\n\n- sid 1000003 rev 1 → 2: IOCC bumped\n"),
            "{md}"
        );
        assert!(!md.contains("1000001"), "unchanged rule listed: {md}");
        assert!(md.contains("## Firewall ACL entries\n\n### firewall/c.nft: +1 −1\n\n- added: add element inet ioc v6 { 2001:db8::/32 }\n- removed: add element inet ioc v4 { 202.114.4.119 }\n"), "{md}");
        assert!(!md.contains("## Indicators"), "{md}");
    }

    #[test]
    fn aws_domain_lists_are_diffed() {
        let c = contec();
        let group = |ds: &[&str]| {
            serde_json::json!({"RulesSource": {"RulesSourceList": {"Targets": ds}}}).to_string()
        };
        let old = tree(&[
            (
                "aws-network-firewall/c-domains-1.json",
                &group(&[".kept.example", ".gone.example"]),
            ),
            // A template repeats the list: it is not counted twice.
            ("aws-network-firewall/cloudformation/c-domains-1.json", "{}"),
        ]);
        let new = tree(&[(
            "aws-network-firewall/c-domains-1.json",
            &group(&[".kept.example", ".new_[x].example"]),
        )]);
        let md = changelog(&compiled(&c, old), &compiled(&c, new));
        assert!(
            md.contains("## AWS Network Firewall domain lists: +1 −1\n\n- added: .new\\_\\[x\\].example\n- removed: .gone.example\n"),
            "{md}"
        );
        assert!(!md.contains("kept"), "{md}");
    }

    #[test]
    fn sigma_rules_and_hash_signatures_are_diffed() {
        let c = contec();
        let rule = |title: &str, modified: &str, ip: &str| {
            format!("title: \"{title}\"\nmodified: {modified}\ndetection:\n    d:\n        - \"{ip}\"\n")
        };
        let old = tree(&[
            (
                "sigma/c_kept.yml",
                &rule("Kept", "2025-01-01", "1.1.1.1/32"),
            ),
            (
                "sigma/c_dated.yml",
                &rule("Dated", "2025-01-01", "2.2.2.2/32"),
            ),
            (
                "sigma/c_gone.yml",
                &rule("Gone", "2025-01-01", "3.3.3.3/32"),
            ),
            ("files/c.hsb", "aa:*:c.kept:73\nbb:*:c.gone:73\n"),
        ]);
        let new = tree(&[
            (
                "sigma/c_kept.yml",
                &rule("Kept", "2025-03-01", "1.1.1.1/32"),
            ),
            (
                "sigma/c_dated.yml",
                &rule("Dated", "2025-03-01", "2.2.2.3/32"),
            ),
            (
                "sigma/c_new.yml",
                &rule("New [x](y)", "2025-03-01", "4.4.4.4/32"),
            ),
            ("files/c.hsb", "aa:*:c.kept:73\n"),
            ("files/c.hdb", "cc:10:c.new\n"),
        ]);
        let md = changelog(&compiled(&c, old), &compiled(&c, new));
        assert!(
            md.contains("## Sigma rules\n\n- changed: Dated (sigma/c\\_dated.yml)\n- added: New \\[x\\](y) (sigma/c\\_new.yml)\n- removed: Gone (sigma/c\\_gone.yml)\n"),
            "{md}"
        );
        assert!(
            !md.contains("Kept"),
            "a new date alone is not a change: {md}"
        );
        assert!(
            md.contains("## File hash signatures (YARA, ClamAV): +1 −1\n\n- added: cc:10:c.new\n- removed: bb:\\*:c.gone:73\n"),
            "{md}"
        );
    }

    #[test]
    fn rule_text_change_without_rev_is_flagged() {
        let c = contec();
        let old = tree(&[(
            "suricata/c.rules",
            "alert ip any any -> 1.2.3.4 any (msg:\"m\"; sid:7; rev:3;)\n",
        )]);
        let new = tree(&[(
            "suricata/c.rules",
            "alert ip any any -> 1.2.3.5 any (msg:\"m\"; sid:7; rev:3;)\n",
        )]);
        let md = changelog(&compiled(&c, old), &compiled(&c, new));
        assert!(
            md.contains("- sid 7 rev 3 → 3 (text changed but rev did not): m\n"),
            "{md}"
        );
    }

    #[test]
    fn version_in_remarks_is_not_a_change() {
        assert_eq!(
            replace_version("remark iocc x 1.0.0 advisory", "1.0.0", "1.1.0"),
            "remark iocc x 1.1.0 advisory"
        );
        assert_eq!(
            replace_version("add 10.1.0.0/16 and 1.0.0.0/8", "1.0.0", "1.1.0"),
            "add 10.1.0.0/16 and 1.0.0.0/8"
        );
        let mut c = contec();
        c.version = semver::Version::new(1, 0, 0);
        let mut newer = c.clone();
        newer.version = semver::Version::new(1, 1, 0);
        let old = tree(&[(
            "firewall/c.ios",
            " remark iocc 1.0.0\n host 202.114.4.119\n",
        )]);
        let new = tree(&[(
            "firewall/c.ios",
            " remark iocc 1.1.0\n host 202.114.4.119\n host 202.114.4.120\n",
        )]);
        let md = changelog(&compiled(&c, old), &compiled(&newer, new));
        assert!(
            md.contains("### firewall/c.ios: +1 −0\n\n- added: host 202.114.4.120\n"),
            "{md}"
        );
        assert!(!md.contains("remark"), "{md}");
    }

    #[test]
    fn detection_changes_read_as_catalogue_text() {
        // Ports and payloads are shown in the catalogue's notation, never as serialised
        // structs or byte arrays (regression: `ports [{"first":1,...}]` in release notes).
        let c = contec();
        let mut newer = c.clone();
        let d = newer
            .detections
            .iter_mut()
            .find(|d| d.id == "hl7-mllp")
            .expect("hl7-mllp");
        d.ports.push(crate::model::catalogue::PortRange {
            first: 2575,
            last: 2580,
            transport: Some(crate::model::catalogue::Transport::Tcp),
        });
        d.content[0].bytes = b"\x0bMSH|^~".to_vec();
        d.content[0].nocase = true;
        let md = changelog(&compiled(&c, Tree::new()), &compiled(&newer, Tree::new()));
        assert!(md.contains("ports 511 → 511,2575-2580/tcp"), "{md}");
        assert!(
            md.contains("content \"\\|0b\\|MSH\\|7c\\|\" depth 5 → \"\\|0b\\|MSH\\|7c\\|^\\~\" depth 5 nocase"),
            "{md}"
        );
        assert!(!md.contains("first"), "{md}");
    }

    #[test]
    fn edl_header_counts_are_not_entry_changes() {
        // The EDL's first entry line carries the header with the prefix counts: a new entry
        // elsewhere must not list that first entry as removed and added again.
        let c = contec();
        let old = tree(&[(
            "firewall/c.edl",
            "1.1.1.1 iocc catalogue c version 1.0.0: 2 IPv4 prefixes\n2.2.2.2 iocc c 1.0.0\n",
        )]);
        let new = tree(&[(
            "firewall/c.edl",
            "1.1.1.1 iocc catalogue c version 1.0.0: 3 IPv4 prefixes\n2.2.2.2 iocc c 1.0.0\n3.3.3.3 iocc c 1.0.0\n",
        )]);
        let md = changelog(&compiled(&c, old), &compiled(&c, new));
        assert!(
            md.contains("### firewall/c.edl: +1 −0\n\n- added: 3.3.3.3\n"),
            "{md}"
        );
        assert!(!md.contains("1.1.1.1"), "{md}");
    }

    #[test]
    fn advisory_line_names_a_revision_only_when_there_is_one() {
        let old = contec().advisory;
        assert_eq!(
            advisory_line(&old, &old),
            format!("Advisory {}, last modified {}.\n", old.id, old.modified)
        );
        let mut revised = old.clone();
        revised.modified = "2025-03-01".parse().unwrap();
        assert_eq!(
            advisory_line(&old, &revised),
            format!(
                "Advisory {} was revised on 2025-03-01 (previous revision {}).\n",
                old.id, old.modified
            )
        );
        let mut other = revised.clone();
        other.id = "ICSMA-99-001-01".into();
        assert!(advisory_line(&old, &other).starts_with(
            "The catalogue now follows advisory ICSMA-99-001-01 (last modified 2025-03-01) instead of "
        ));
    }

    #[test]
    fn identical_inputs_report_no_change() {
        let c = contec();
        let md = changelog(&compiled(&c, Tree::new()), &compiled(&c, Tree::new()));
        assert!(
            md.ends_with(
                "No indicator, detection, rule, ACL entry, Sigma rule or file hash signature changed.\n"
            ),
            "{md}"
        );
    }
}
