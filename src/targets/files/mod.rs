//! The `files` target: the catalogue's file hashes for file scanners, at
//! `out/<catalogue>/files/`.
//!
//! Files: `<catalogue>.yar` (YARA: `import "hash"` and one rule per hash indicator,
//! `hash.sha256(0, filesize) == "<hex>"` or its sha1/md5 twin, preceded by
//! `filesize == N and` when the catalogue gives the size), and the ClamAV hash databases
//! `<catalogue>.hsb` (SHA-256 and SHA-1) and `<catalogue>.hdb` (MD5), each written only when
//! it has a line: `HASH:SIZE:NAME`, or `HASH:*:NAME:73` when the size is unknown (a wildcard
//! size needs ClamAV 0.104, functionality level 73).
//!
//! Guarantees: digests are lowercase hex (the model's; an uppercase digest compiles in YARA
//! and never matches); rule names are YARA identifiers and signature names ClamAV names
//! (`escape`); catalogue text reaches the YARA file only inside `meta:` strings, through the
//! YARA escaper, clipped to [`MAX_META`] characters; output follows catalogue order, with no
//! clock, and no catalogue version inside a rule (only in the file's header comment), so a
//! release changes a rule only when its indicator changes. Every other kind of item is
//! declared not carried, with the reason.

pub mod escape;

use minijinja::Value;
use serde::Serialize;

use super::{Item, Support, Target, TargetContext, TargetOutput};
use crate::diag::Diagnostic;
use crate::model::{Catalogue, HashAlgo, Indicator, Observable};
use crate::render::{safe, Escaper, Template};

pub struct Files;

const T_YARA: Template = crate::template!("files/rules.yar.j2");
const T_HSB: Template = crate::template!("files/hashes.hsb.j2");
const T_HDB: Template = crate::template!("files/hashes.hdb.j2");

/// Longest catalogue text in a `meta:` string, in characters: YARA refuses strings past its
/// lexer buffer (8 KiB), and a description escaped byte by byte can grow fourfold.
pub const MAX_META: usize = 1000;

#[derive(Serialize)]
struct MetaPair {
    key: Value,
    value: String,
}

#[derive(Serialize)]
struct YaraRule {
    name: Value,
    meta: Vec<MetaPair>,
    condition: Value,
}

#[derive(Serialize)]
struct ClamLine {
    hash: Value,
    size: Value,
    name: String,
    /// `:73` after a wildcard size, else empty.
    flevel: Value,
}

#[derive(Serialize)]
struct View {
    id: Value,
    version: Value,
    file: Value,
    rules: Vec<YaraRule>,
    lines: Vec<ClamLine>,
}

/// Cuts text to [`MAX_META`] characters, marking the cut.
fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_META) {
        Some((i, _)) => format!("{} [...]", &text[..i]),
        None => text.to_owned(),
    }
}

fn meta_pairs(c: &Catalogue, i: &Indicator, algo: HashAlgo, hex: &str) -> Vec<MetaPair> {
    let m = &i.meta;
    let mut pairs: Vec<(&str, String)> = vec![
        ("id", i.id.clone()),
        ("catalogue", c.id.clone()),
        ("advisory", clip(&c.advisory.id)),
        ("tlp", c.tlp.label().to_owned()),
        ("hash_type", algo.as_str().to_owned()),
        ("hash", hex.to_owned()),
    ];
    if let Some(role) = &m.role {
        pairs.push(("role", clip(role)));
    }
    if let Some(d) = &m.description {
        pairs.push(("description", clip(d)));
    }
    pairs.push(("severity", format!("{:?}", m.severity).to_lowercase()));
    pairs.push(("confidence", format!("{:?}", m.confidence).to_lowercase()));
    pairs.push(("date", c.advisory.published.to_string()));
    pairs.push(("modified", c.advisory.modified.to_string()));
    pairs.extend(m.cves.iter().map(|v| ("cve", v.clone())));
    pairs.extend(m.references.iter().map(|r| ("reference", clip(r))));
    pairs
        .into_iter()
        .map(|(k, v)| MetaPair {
            key: safe(k.to_owned()),
            value: v,
        })
        .collect()
}

/// The hash indicators of a catalogue, in catalogue order.
fn hashes(c: &Catalogue) -> impl Iterator<Item = (&Indicator, HashAlgo, &str)> {
    c.indicators.iter().filter_map(|i| match &i.observable {
        Observable::FileHash { algo, hex } => Some((i, *algo, hex.as_str())),
        _ => None,
    })
}

fn yara_rule(c: &Catalogue, i: &Indicator, algo: HashAlgo, hex: &str) -> YaraRule {
    let digest = format!("hash.{}(0, filesize) == \"{hex}\"", algo.as_str());
    let condition = match i.size {
        Some(n) => format!("filesize == {n} and {digest}"),
        None => digest,
    };
    YaraRule {
        name: safe(escape::rule_name(&c.id, &i.id)),
        meta: meta_pairs(c, i, algo, hex),
        condition: safe(condition),
    }
}

fn clam_line(c: &Catalogue, i: &Indicator, hex: &str) -> ClamLine {
    ClamLine {
        hash: safe(hex.to_owned()),
        size: safe(i.size.map_or_else(|| "*".to_owned(), |n| n.to_string())),
        name: format!("{}.{}", c.id, i.id),
        flevel: safe(if i.size.is_some() { "" } else { ":73" }.to_owned()),
    }
}

impl Target for Files {
    fn name(&self) -> &'static str {
        "files"
    }

    fn description(&self) -> &'static str {
        "file hashes for file scanners: YARA rules (hash module) and ClamAV .hsb/.hdb databases"
    }

    fn templates(&self) -> Vec<Template> {
        vec![T_YARA, T_HSB, T_HDB]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &escape::ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "YARA rules (`yara -r`) and ClamAV hash databases (`clamscan -d`) for the file hashes"
    }

    fn support(&self, item: &Item) -> Support {
        if item.kind.is_hash() {
            Support::Yes
        } else {
            Support::No("not a file hash: YARA and ClamAV match files by their hashes only".into())
        }
    }

    /// Hash indicators come only from the catalogue file (bulk lists hold addresses and
    /// domains), so the views are as large as the catalogue already in memory; each file is
    /// rendered into its sink.
    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut super::Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let yara_file = format!("{}.yar", c.id);
        let mut hsb = Vec::new();
        let mut hdb = Vec::new();
        let mut rules = Vec::new();
        for (i, algo, hex) in hashes(c) {
            rules.push(yara_rule(c, i, algo, hex));
            match algo {
                HashAlgo::Md5 => hdb.push(clam_line(c, i, hex)),
                HashAlgo::Sha1 | HashAlgo::Sha256 => hsb.push(clam_line(c, i, hex)),
            }
        }
        let mut write = |path: &str, t: Template, lines: Vec<ClamLine>, rules: Vec<YaraRule>| {
            let view = View {
                id: safe(c.id.clone()),
                version: safe(c.version.to_string()),
                file: safe(yara_file.clone()),
                rules,
                lines,
            };
            out.file(path, |w| cx.templates.render_to(w, t.name, &view, &mut []))
        };
        write(&yara_file, T_YARA, Vec::new(), rules)?;
        for (ext, t, lines) in [("hsb", T_HSB, hsb), ("hdb", T_HDB, hdb)] {
            if !lines.is_empty() {
                write(&format!("{}.{ext}", c.id), t, lines, Vec::new())?;
            }
        }
        Ok(TargetOutput::done())
    }
}
