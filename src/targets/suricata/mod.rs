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
//!   the model ([`verify`]): exactly one rule per planned rule, in order, with the planned
//!   header, sid/rev and options, every line under Suricata's line limit; anything else is an
//!   error, never a written file.

mod verify;

use serde::Serialize;

use super::{OutputFile, Target, TargetContext, TargetOutput};
use crate::diag::{Code, Diagnostic};
use crate::render::{safe, Escaper};
use crate::rules::dialect::{Dialect, Suricata7};
use crate::rules::plan::rules_file;
use crate::rules::RulePlan;

pub use verify::MAX_LINE;

pub struct Suricata;

const TEMPLATE: &str = "suricata/pack.rules.j2";

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
    /// Each rule as one line written by the dialect (already safe).
    rules: Vec<minijinja::Value>,
}

fn bug(code: Code, msg: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(code, msg)
        .help("the rendered pack failed iocc's own rule check; this is a bug in iocc (or in a --templates override), please report it")]
}

/// The rule lines of the plan in the target's dialect.
fn rule_lines(plan: &RulePlan) -> Result<Vec<minijinja::Value>, Vec<Diagnostic>> {
    plan.rules
        .iter()
        .map(|r| {
            DIALECT.write(&r.rule).map(safe).map_err(|u| {
                bug(
                    Code::RuleSyntax,
                    format!(
                        "rule `{}` holds `{}`, which {} cannot write",
                        r.key, u.keyword, u.dialect
                    ),
                )
            })
        })
        .collect()
}

/// The iprep category and reputation files of the plan: `(categories, reputation)`.
fn iprep_files(plan: &RulePlan) -> (String, String) {
    let mut cats = String::new();
    let mut rep = String::new();
    for k in &plan.categories {
        cats.push_str(&format!("{},{},{}\n", k.id, k.name, k.description));
        for n in &k.nets {
            rep.push_str(&format!("{n},{},127\n", k.id));
        }
    }
    (cats, rep)
}

impl Target for Suricata {
    fn name(&self) -> &'static str {
        "suricata"
    }

    fn description(&self) -> &'static str {
        "Suricata 7 rule pack: IP-only, protocol, dataset and iprep rules with locked SIDs"
    }

    fn templates(&self) -> &'static [(&'static str, &'static str)] {
        &[(
            TEMPLATE,
            include_str!("../../../templates/suricata/pack.rules.j2"),
        )]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &ESCAPERS
    }

    fn compile(&self, cx: &TargetContext<'_>) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let plan = cx.rules.ok_or_else(|| {
            bug(
                Code::RuleSyntax,
                "the build made no rule plan for the suricata target".into(),
            )
        })?;
        let iprep_categories = format!("{}.iprep-categories", c.id);
        let iprep_file = format!("{}.iprep", c.id);
        let view = View {
            title: c.title.clone(),
            id: c.id.clone(),
            version: c.version.to_string(),
            tlp: c.tlp.label(),
            advisory: c.advisory.id.clone(),
            lock: plan
                .lock
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            iprep: !plan.categories.is_empty(),
            iprep_categories: iprep_categories.clone(),
            iprep_file: iprep_file.clone(),
            rules: rule_lines(plan)?,
        };
        let text = cx.templates.render(TEMPLATE, &view).map_err(|d| vec![d])?;
        verify::verify(&text, plan, &DIALECT)?;
        let mut files = vec![OutputFile {
            path: rules_file(&c.id),
            contents: text.into_bytes(),
        }];
        for f in &plan.files {
            files.push(OutputFile {
                path: f.path.clone(),
                contents: f.render(),
            });
        }
        if !plan.categories.is_empty() {
            let (cats, rep) = iprep_files(plan);
            files.push(OutputFile {
                path: iprep_categories,
                contents: cats.into_bytes(),
            });
            files.push(OutputFile {
                path: iprep_file,
                contents: rep.into_bytes(),
            });
        }
        // The SID lock is the plan's state file, which the build keeps.
        Ok(TargetOutput {
            files,
            state: Vec::new(),
            coverage: plan.coverage.clone(),
        })
    }
}
