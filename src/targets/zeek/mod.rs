//! The `zeek` target: a zkg package at `out/<catalogue>/zeek/`.
//!
//! Files: `zkg.meta`, `README.md`, and under `scripts/`: `__load__.zeek` (loads the module and
//! the Intel framework with the package's Intel file), `main.zeek` (module named after the
//! catalogue, one Notice type per detection), `<catalogue>.intel` (Intel file) and, when a
//! detection has a payload pattern, `<catalogue>.sig` (signatures the module turns into
//! notices). Guarantees: catalogue text reaches each file only through the escaper of that
//! file's language (`escape`), every identifier, address, port and regular expression is built
//! from typed values; output is deterministic (catalogue order, no clock); what Zeek cannot
//! express is reported in the coverage with the reason.

pub mod escape;
pub mod intel;
pub mod module;
pub mod sig;

use minijinja::Value;
use serde::Serialize;

use super::{Files, Item, ItemKind, Support, Target, TargetContext, TargetOutput, WriteError};
use crate::diag::{count, Diagnostic};
use crate::model::Catalogue;
use crate::render::{safe, slot, Escaper, Template};

pub struct Zeek;

const T_META: Template = crate::template!("zeek/zkg.meta.j2");
const T_LOAD: Template = crate::template!("zeek/__load__.zeek.j2");
const T_MAIN: Template = crate::template!("zeek/main.zeek.j2");
const T_INTEL: Template = crate::template!("zeek/intel.intel.j2");
const T_SIG: Template = crate::template!("zeek/signatures.sig.j2");
const T_README: Template = crate::template!("zeek/README.md.j2");

/// What every template of the package sees.
#[derive(Serialize)]
struct View<'a> {
    id: &'a str,
    version: String,
    title: &'a str,
    description: &'a str,
    publisher: &'a str,
    tlp: &'static str,
    advisory_id: &'a str,
    advisory_title: &'a str,
    advisory_issuer: &'a str,
    module: Value,
    /// zkg tags, reduced to `[A-Za-z0-9._-]` and joined with `, `.
    tags: Value,
    intel_file: Value,
    sig_file: Option<Value>,
    intel_source: String,
    /// Where the Intel rows stream (only the Intel file prints them; `intel::write_rows`
    /// escapes them).
    intel_rows: Value,
    /// The Intel rows in words: `1 Intel indicator`, `2 Intel indicators`.
    intel_count: String,
    /// Entries that repeat an indicator already listed (the first one is kept), in words
    /// (`1 entry`, `2 entries`); empty when there are none.
    intel_duplicates: String,
    /// File analyzers the Intel file's hashes need (`Files::ANALYZER_SHA256`, ...).
    hash_analyzers: Vec<Value>,
    detections: Vec<module::DetectionView>,
    analyzers: Vec<module::AnalyzerView>,
    follow: Vec<module::FollowView>,
    signatures: Vec<sig::Signature>,
    skipped: Vec<super::Skipped>,
}

fn tag(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase()
}

fn tags(c: &Catalogue) -> String {
    let mut t = vec![
        "intel".to_owned(),
        "ioc".to_owned(),
        "iocc".to_owned(),
        tag(&c.id),
        tag(&c.advisory.id),
    ];
    t.extend(c.advisory.cves.iter().map(|v| tag(&v.id)));
    t.retain(|x| !x.is_empty());
    let mut seen = std::collections::BTreeSet::new();
    t.retain(|x| seen.insert(x.clone()));
    t.join(", ")
}

impl Target for Zeek {
    fn name(&self) -> &'static str {
        "zeek"
    }

    fn description(&self) -> &'static str {
        "zkg package: Intel file, notice module for the detections, payload signatures"
    }

    fn templates(&self) -> Vec<Template> {
        vec![T_META, T_LOAD, T_MAIN, T_INTEL, T_SIG, T_README]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &escape::ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "zkg package (`zkg install` from a git checkout of this folder)"
    }

    /// The Intel file carries every indicator but ports (the module matches those through the
    /// detections); the module carries every detection its analyzers can express.
    fn support(&self, item: &Item) -> Support {
        match item.kind {
            ItemKind::Port => Support::No("a port is not an Intel indicator type".into()),
            _ => Support::Yes,
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let mut refused = Vec::new();
        let parts = module::lower(c, &mut refused);
        let intel_file = format!("{}.intel", c.id);
        let sig_file = format!("{}.sig", c.id);
        let has_sigs = !parts.signatures.is_empty();
        let mut view = View {
            id: &c.id,
            version: c.version.to_string(),
            title: &c.title,
            description: c.description.as_deref().unwrap_or(""),
            publisher: &c.publisher,
            tlp: c.tlp.label(),
            advisory_id: &c.advisory.id,
            advisory_title: &c.advisory.title,
            advisory_issuer: &c.advisory.issuer,
            module: safe(escape::module_name(&c.id)),
            tags: safe(tags(c)),
            intel_file: safe(intel_file.clone()),
            sig_file: has_sigs.then(|| safe(sig_file.clone())),
            intel_source: intel::source(c),
            intel_count: String::new(),
            intel_duplicates: String::new(),
            intel_rows: slot(0),
            hash_analyzers: intel::hash_analyzers(c)
                .into_iter()
                .map(|t| safe(t.to_owned()))
                .collect(),
            detections: parts.detections,
            analyzers: parts.analyzers,
            follow: parts.follow,
            signatures: parts.signatures,
            skipped: Vec::new(),
        };
        // The Intel file first: its rows are counted as they are written, and the README
        // (written after it) states the counts and what the package leaves out.
        let counts = out.file(&format!("scripts/{intel_file}"), |w| {
            let mut counts = intel::IntelCounts::default();
            let mut rows = |w: &mut dyn std::io::Write| {
                counts = intel::write_rows(c, &mut refused, w)?;
                Ok::<(), WriteError>(())
            };
            cx.templates
                .render_to(w, T_INTEL.name, &view, &mut [&mut rows])?;
            Ok(counts)
        })?;
        view.intel_count = count(counts.count, "Intel indicator", "Intel indicators");
        if counts.duplicates > 0 {
            view.intel_duplicates = count(counts.duplicates, "entry", "entries");
        }
        view.skipped = super::coverage(self, c, &refused).skipped;
        let mut render = |path: &str, t: Template| {
            out.file(path, |w| cx.templates.render_to(w, t.name, &view, &mut []))
        };
        render("zkg.meta", T_META)?;
        render("README.md", T_README)?;
        render("scripts/__load__.zeek", T_LOAD)?;
        render("scripts/main.zeek", T_MAIN)?;
        if has_sigs {
            render(&format!("scripts/{sig_file}"), T_SIG)?;
        }
        Ok(TargetOutput::refusing(refused))
    }
}
