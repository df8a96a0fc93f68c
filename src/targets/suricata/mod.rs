//! The `suricata` target: `out/<catalogue>/suricata/<catalogue>.rules` plus the dataset and
//! iprep files its rules load (relative paths, beside the rules).
//!
//! Guarantees:
//! - the rules are the catalogue's rule plan ([`crate::rules::plan`]: typed rules with the
//!   SIDs of the lock beside the catalogue, made by the build before the targets, which also
//!   writes the lock), each written as one line by the Suricata 7
//!   dialect ([`crate::rules::dialect::Suricata7`]), which escapes every value; the template
//!   adds only the comment header, whose catalogue text the `rules` auto-escaper
//!   ([`crate::rules::escape::escape_rules`]) escapes;
//! - before returning, the rendered file is read back with the project's rule grammar into
//!   the model ([`crate::rules::verify`]): exactly one rule per planned rule, in order, with the planned
//!   header, sid/rev and options, every line under Suricata's line limit; anything else is an
//!   error, never a written file.

use serde::Serialize;

use super::{Files, Skipped, Target, TargetContext, TargetOutput, WriteError};
use crate::diag::{Code, Diagnostic};
use crate::render::{slot, Escaper};
use crate::rules::dialect::{Dialect, Suricata7};
use crate::rules::plan::rules_file;
use crate::rules::RulePlan;

pub struct Suricata;

const TEMPLATE: crate::render::Template = crate::template!("suricata/pack.rules.j2");

static ESCAPERS: [Escaper; 1] = [Escaper {
    name: "suricata",
    extensions: &["rules"],
    escape: crate::rules::escape::escape_rules,
}];

/// The dialect this target writes.
const DIALECT: Suricata7 = Suricata7;

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
    /// The hash list files the file hash rules name.
    hash_lists: Vec<String>,
    /// Where the rule lines stream, each written by the dialect (already safe) and checked.
    rules: minijinja::Value,
}

/// A rule plan this target cannot write: a bug in iocc, never a catalogue problem.
fn bug(msg: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(Code::RuleSyntax, msg).help("this is a bug in iocc, please report it")]
}

/// Writes every rule of the plan, one line each, checking each line against its plan as it
/// goes (`first_line`: the line number of the first rule in the file).
fn write_rules(
    plan: &RulePlan,
    first_line: usize,
    w: &mut dyn std::io::Write,
) -> Result<(), WriteError> {
    let mut buf = Vec::with_capacity(1 << 16);
    for (k, r) in plan.rules.iter().enumerate() {
        let rule = r.rule();
        let line = DIALECT.write(&rule).map_err(|u| {
            bug(format!(
                "rule `{}` holds `{}`, which {} cannot write",
                r.key, u.keyword, u.dialect
            ))
        })?;
        crate::rules::verify::verify_rule(first_line + k, &line, (&r.key, &rule), &DIALECT)?;
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)?;
    Ok(())
}

/// Writes the iprep category file: `id,name,description` a line.
fn write_categories(plan: &RulePlan, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    for k in &plan.categories {
        writeln!(w, "{},{},{}", k.id, k.name, k.description)?;
    }
    Ok(())
}

/// Writes the iprep reputation file: `prefix,category,127` a line.
fn write_reputation(plan: &RulePlan, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut buf = Vec::with_capacity(1 << 16);
    for k in &plan.categories {
        for n in &k.nets {
            let _ = writeln!(buf, "{n},{},127", k.id);
            if buf.len() >= 1 << 16 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    w.write_all(&buf)
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
            ItemKind::Url => Support::No(crate::rules::lower::URL_UNSEEN.into()),
            ItemKind::Port => Support::No(crate::rules::lower::PORT_ALONE.into()),
            k if k.is_hash() => Support::Partly("matched in files Suricata tracks (HTTP, SMTP, FTP, SMB, NFS), once it has seen the whole file (stream.reassembly.depth and the HTTP body limits must cover it)".into()),
            _ => Support::Yes,
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let plan = cx
            .rules
            .ok_or_else(|| bug("the build made no rule plan for the suricata target".into()))?;
        let iprep_categories = format!("{}.iprep-categories", c.id);
        let iprep_file = format!("{}.iprep", c.id);
        let view = View {
            title: c.title.clone(),
            id: c.id.clone(),
            version: c.version.to_string(),
            tlp: c.tlp.label(),
            advisory: c.advisory.id.clone(),
            lock: plan.lock.file_name(),
            iprep: !plan.categories.is_empty(),
            iprep_categories: iprep_categories.clone(),
            iprep_file: iprep_file.clone(),
            hash_lists: plan
                .files
                .iter()
                .filter(|f| matches!(f.entries, crate::rules::lower::DataEntries::Hashes(_)))
                .map(|f| f.path.clone())
                .collect(),
            rules: slot(0),
        };
        // The template's own text is checked first (no rule of its own, the rules on lines of
        // their own); each rule line is checked as it is written.
        let split = cx
            .templates
            .render_split(TEMPLATE.name, &view)
            .map_err(|d| vec![d])?;
        let (before, after) = match (split.pieces.as_slice(), split.slots.as_slice()) {
            ([before, after], [0]) => (before.as_str(), after.as_str()),
            _ => {
                return Err(bug(
                    "the pack template must print its rules exactly once".into()
                ))
            }
        };
        crate::rules::verify::verify_frame(before, after, &DIALECT)?;
        let first_line = before.lines().count() + 1;
        out.file(&rules_file(&c.id), |w| {
            let mut rules = |w: &mut dyn std::io::Write| write_rules(plan, first_line, w);
            split.write(w, TEMPLATE.name, &mut [&mut rules])
        })?;
        for f in &plan.files {
            out.file(&f.path, |w| Ok(f.write(c, w)?))?;
        }
        if !plan.categories.is_empty() {
            out.file(&iprep_categories, |w| Ok(write_categories(plan, w)?))?;
            out.file(&iprep_file, |w| Ok(write_reputation(plan, w)?))?;
        }
        // The SID lock is the plan's state file, which the build keeps.
        Ok(TargetOutput::refusing(
            plan.not_expressed
                .iter()
                .map(|n| Skipped::new(&n.id, &n.reason))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    //! The plan against the committed catalogue (here, where the target names that
    //! validate a catalogue's `policy.targets` are known).
    use std::path::PathBuf;

    use super::*;
    use crate::model::Catalogue;
    use crate::rules::lock::Lock;
    use crate::rules::lower::lower;
    use crate::rules::plan::{lock_path, plan, plan_with};

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

    #[test]
    fn the_committed_lock_is_reproduced() {
        // The body hash of every rule is the one the committed lock holds: the lock (and so
        // every sid and rev) is the same before and after the typed model.
        let c = contec();
        let committed = std::fs::read(lock_path(&c)).unwrap();
        let plan = plan(&c).unwrap();
        assert_eq!(
            String::from_utf8(plan.lock.contents).unwrap(),
            String::from_utf8(committed).unwrap()
        );
    }

    #[test]
    fn identity_goes_before_metadata() {
        let c = contec();
        let plan = plan_with(
            &c,
            lower(&c),
            &Lock::default(),
            PathBuf::from("x.sids.lock"),
        )
        .unwrap();
        let first = &plan.rules[0];
        assert_eq!((first.sid, first.rev), (c.policy.sid_first, 1));
        let line = Suricata7.write(&first.rule()).unwrap();
        let updated = c.advisory.modified.strftime("%Y_%m_%d").to_string();
        assert!(
            line.contains(&format!(
                "sid:{}; rev:1; metadata:affected_product",
                c.policy.sid_first
            )),
            "{line}"
        );
        assert!(
            line.ends_with(&format!(", updated_at {updated}; target:src_ip;)")),
            "{line}"
        );
    }
}
