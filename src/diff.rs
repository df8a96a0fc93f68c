//! `iocc diff OLD NEW`: what changed between two versions of a catalogue, for change tickets.
//!
//! Guarantees: both catalogues are loaded and validated independently and their block lists
//! go through the same safety rails and aggregation as the `firewall` target, so the delta
//! takes a device loaded from OLD's files to exactly the list in NEW's files. Per platform the
//! commands are ready to apply (deletes and adds ordered so nothing is unblocked in between
//! where the platform allows it); the summary names added, removed and changed indicators.
//! The DNS delta lists the names each version blocks (through the same name rails and limits
//! as the `dns` target), added and removed; the response-IP triggers of the RPZ file follow
//! the block list above.
//! [`compare`] returns data ([`Comparison`]) so other reports (e.g. a Markdown changelog) can
//! be built from it without re-reading the catalogues; [`render_text`] is one such report.

use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::model::{BulkList, Catalogue, Indicator};
use crate::targets::dns;
use crate::targets::firewall::{self, Delta, Header, Plan, PLATFORMS};

/// Ids of items that appear, disappear or change between two catalogue versions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl ItemChanges {
    fn between<T>(old: &[T], new: &[T], id: fn(&T) -> &str, same: fn(&T, &T) -> bool) -> Self {
        let mut out = ItemChanges::default();
        for n in new {
            match old.iter().find(|o| id(o) == id(n)) {
                None => out.added.push(id(n).to_owned()),
                Some(o) if !same(o, n) => out.changed.push(id(n).to_owned()),
                Some(_) => {}
            }
        }
        for o in old {
            if !new.iter().any(|n| id(n) == id(o)) {
                out.removed.push(id(o).to_owned());
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Everything `iocc diff` knows about two versions of one catalogue.
pub struct Comparison {
    pub old: Catalogue,
    pub new: Catalogue,
    pub indicators: ItemChanges,
    pub bulk: ItemChanges,
    pub detections: ItemChanges,
    /// The firewall block lists of both versions and the change between them.
    pub old_plan: Plan,
    pub new_plan: Plan,
    pub delta: Delta,
    /// The names the DNS files block, added and removed.
    pub names: NameDelta,
}

/// The change between the names two versions block (every name as listed, DNS order).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NameDelta {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub old: usize,
    pub new: usize,
}

impl NameDelta {
    fn between(old: &[&str], new: &[&str]) -> NameDelta {
        let (o, n): (
            std::collections::HashSet<&str>,
            std::collections::HashSet<&str>,
        ) = (old.iter().copied().collect(), new.iter().copied().collect());
        NameDelta {
            added: new
                .iter()
                .filter(|x| !o.contains(*x))
                .map(|x| (*x).to_owned())
                .collect(),
            removed: old
                .iter()
                .filter(|x| !n.contains(*x))
                .map(|x| (*x).to_owned())
                .collect(),
            old: old.len(),
            new: new.len(),
        }
    }
}

/// The names both versions block, or every refusal of either.
fn name_delta(old: &Catalogue, new: &Catalogue) -> Result<NameDelta, Vec<Diagnostic>> {
    match (dns::name_plan(old), dns::name_plan(new)) {
        (Ok(a), Ok(b)) => Ok(NameDelta::between(&a.exact, &b.exact)),
        (a, b) => {
            let mut errs = a.err().unwrap_or_default();
            errs.extend(b.err().unwrap_or_default());
            Err(errs)
        }
    }
}

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

fn same_indicator(a: &Indicator, b: &Indicator) -> bool {
    a.observable == b.observable && json(&a.meta) == json(&b.meta) && a.part_of == b.part_of
}

/// Equal but for where they were written (the two files differ by path).
fn same_detection(a: &crate::model::Detection, b: &crate::model::Detection) -> bool {
    let strip = |d: &crate::model::Detection| {
        let mut v = json(d);
        if let Some(o) = v.as_object_mut() {
            o.remove("origin");
        }
        v
    };
    strip(a) == strip(b)
}

fn same_bulk(a: &BulkList, b: &BulkList) -> bool {
    a.networks.len() == b.networks.len()
        && a.networks
            .iter()
            .zip(b.networks.iter())
            .all(|(x, y)| x.0 == y.0)
        && a.domains.len() == b.domains.len()
        && a.domains
            .iter()
            .zip(b.domains.iter())
            .all(|(x, y)| x.0 == y.0)
        && json(&a.meta) == json(&b.meta)
}

/// Compares two validated catalogues with the same id.
pub fn compare(old: Catalogue, new: Catalogue) -> Result<Comparison, Vec<Diagnostic>> {
    if old.id != new.id {
        return Err(vec![Diagnostic::new(
            Code::DiffFailed,
            format!(
                "`{}` and `{}` are different catalogues",
                old.id, new.id
            ),
        )
        .in_file(&new.source.path)
        .at_path("id")
        .help("compare two versions of the same catalogue (the same `id`), e.g. `git show HEAD~1:iocs/x.yaml > /tmp/old.yaml`")]);
    }
    let (old_plan, new_plan) = match (firewall::plan(&old), firewall::plan(&new)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut errs = Vec::new();
            errs.extend(a.err().unwrap_or_default());
            errs.extend(b.err().unwrap_or_default());
            return Err(errs);
        }
    };
    let delta = Delta::between(&old_plan.list, &new_plan.list);
    let names = name_delta(&old, &new)?;
    Ok(Comparison {
        indicators: ItemChanges::between(
            &old.indicators,
            &new.indicators,
            |i| &i.id,
            same_indicator,
        ),
        bulk: ItemChanges::between(&old.bulk, &new.bulk, |b| &b.id, same_bulk),
        detections: ItemChanges::between(
            &old.detections,
            &new.detections,
            |d| &d.id,
            same_detection,
        ),
        old,
        new,
        old_plan,
        new_plan,
        delta,
        names,
    })
}

/// The platform names `--target` accepts: `firewall` (all) or one platform.
pub fn platforms(selected: &[String]) -> Result<Vec<&'static str>, Diagnostic> {
    let all: Vec<&'static str> = PLATFORMS.iter().map(|p| p.name()).collect();
    if selected.is_empty() || selected.iter().any(|s| s == "firewall") {
        return Ok(all);
    }
    let mut out = Vec::new();
    for s in selected {
        match all.iter().find(|n| **n == s.as_str()) {
            Some(n) => out.push(*n),
            None => {
                return Err(Diagnostic::new(
                    Code::DiffFailed,
                    format!("`{s}` is not a platform `iocc diff` knows"),
                )
                .help(format!(
                    "use `firewall` (every platform) or one of: {}",
                    all.join(", ")
                )))
            }
        }
    }
    Ok(all.into_iter().filter(|n| out.contains(n)).collect())
}

/// The platform names as a sentence: `nftables, iptables, ... <last_word> edl`.
pub fn platform_list(last_word: &str) -> String {
    let names: Vec<&str> = PLATFORMS.iter().map(|p| p.name()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} {last_word} {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "-".into()
    } else {
        ids.join(", ")
    }
}

/// Longest list of prefixes printed in the summary (the commands always carry all of them).
const SHOWN: usize = 20;

fn prefixes<T: ToString>(v: &[T]) -> String {
    let mut s: Vec<String> = v.iter().take(SHOWN).map(ToString::to_string).collect();
    if v.len() > SHOWN {
        s.push(format!("... and {} more", v.len() - SHOWN));
    }
    if s.is_empty() {
        "-".into()
    } else {
        s.join(", ")
    }
}

/// The human summary of a comparison.
pub fn summary(c: &Comparison) -> String {
    let d = &c.delta;
    let mut s = format!(
        "catalogue {}: {} -> {}\n",
        c.new.id, c.old.version, c.new.version
    );
    for (what, ch) in [
        ("indicators", &c.indicators),
        ("bulk lists", &c.bulk),
        ("detections", &c.detections),
    ] {
        s.push_str(&format!(
            "  {what}: added {}; removed {}; changed {}\n",
            list(&ch.added),
            list(&ch.removed),
            list(&ch.changed)
        ));
    }
    s.push_str(&format!(
        "  block list: IPv4 prefixes {} -> {} (+{} -{}), IPv6 prefixes {} -> {} (+{} -{})\n",
        d.old_v4,
        d.new_v4,
        d.add_v4.len(),
        d.del_v4.len(),
        d.old_v6,
        d.new_v6,
        d.add_v6.len(),
        d.del_v6.len()
    ));
    let added: Vec<String> = d
        .add_v4
        .iter()
        .map(ToString::to_string)
        .chain(d.add_v6.iter().map(ToString::to_string))
        .collect();
    let removed: Vec<String> = d
        .del_v4
        .iter()
        .map(ToString::to_string)
        .chain(d.del_v6.iter().map(ToString::to_string))
        .collect();
    s.push_str(&format!("  now blocked: {}\n", prefixes(&added)));
    s.push_str(&format!("  no longer blocked: {}\n", prefixes(&removed)));
    let n = &c.names;
    s.push_str(&format!(
        "  DNS block list: names {} -> {} (+{} -{})\n",
        n.old,
        n.new,
        n.added.len(),
        n.removed.len()
    ));
    s.push_str(&format!("  names now blocked: {}\n", prefixes(&n.added)));
    s.push_str(&format!(
        "  names no longer blocked: {}\n",
        prefixes(&n.removed)
    ));
    s
}

/// The ready-to-apply commands of each selected platform.
pub fn commands(c: &Comparison, platforms: &[&str]) -> Vec<(&'static str, String)> {
    let header = Header::new(&c.new, &c.new_plan);
    PLATFORMS
        .iter()
        .filter(|p| platforms.contains(&p.name()))
        .map(|p| {
            let text = if c.delta.is_empty() {
                "# no change to the block list\n".to_owned()
            } else {
                p.delta(&c.delta, &header)
            };
            (p.description(), text)
        })
        .collect()
}

/// The full text report: summary, then one section per platform.
pub fn render_text(c: &Comparison, platforms: &[&str]) -> String {
    let mut out = summary(c);
    for (title, text) in commands(c, platforms) {
        out.push_str(&format!("\n== {title} ==\n{text}"));
    }
    out
}

/// The report as JSON (for `--format json`).
pub fn render_json(c: &Comparison, platforms: &[&str]) -> serde_json::Value {
    let d = &c.delta;
    let strings = |v: Vec<String>| serde_json::Value::from(v);
    serde_json::json!({
        "catalogue": c.new.id,
        "old_version": c.old.version.to_string(),
        "new_version": c.new.version.to_string(),
        "indicators": c.indicators,
        "bulk": c.bulk,
        "detections": c.detections,
        "block_list": {
            "added": strings(d.add_v4.iter().map(ToString::to_string).chain(d.add_v6.iter().map(ToString::to_string)).collect()),
            "removed": strings(d.del_v4.iter().map(ToString::to_string).chain(d.del_v6.iter().map(ToString::to_string)).collect()),
        },
        "dns": {"added": c.names.added, "removed": c.names.removed},
        "commands": commands(c, platforms).into_iter().map(|(t, x)| serde_json::json!({"platform": t, "commands": x})).collect::<Vec<_>>(),
    })
}
