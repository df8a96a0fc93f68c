//! The target interface and the registry of every output target.
//!
//! A target turns a validated [`Catalogue`] into files under `out/<catalogue>/<target>/`,
//! plus (optionally) state files kept beside the catalogue, such as a SID lock. It streams
//! each file, as it renders it, into the [`Files`] the build hands it (the staging folder of
//! the catalogue, a comparison with `out/`, or memory), so no file is held whole; the build
//! swaps the staging folder in only when every target of every catalogue succeeded, so a
//! failing target leaves the previous output untouched. Targets run in parallel: a target
//! reads only the catalogue and the rule plan, and writes only its own folder. A target's
//! [`Target::check`] runs its refusals alone (for `iocc check`). A target declares
//! what it carries and what it cannot express, per kind of item ([`Target::support`]); the
//! build derives each catalogue's [`Coverage`] from that ([`coverage::derive`]), so nothing is
//! dropped silently.

pub mod coverage;
pub mod csv;
pub mod dns;
pub mod files;
pub mod firewall;
pub mod misp;
pub mod sigma;
pub mod stix;
pub mod summary;
pub mod suricata;
pub mod zeek;

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::model::Catalogue;
pub use crate::output::{Files, Tree, WriteError};
use crate::render::{Escaper, Template, TemplateSet, Templates};
pub use coverage::{Coverage, Item, ItemKind, Skipped, Support};

/// One output target.
pub trait Target: Sync {
    /// Name on the command line and in `policy.targets`; also its output folder.
    fn name(&self) -> &'static str;
    /// One line for `iocc targets`.
    fn description(&self) -> &'static str;
    /// The embedded templates this target renders, each named `<target>/<file>.j2` (see
    /// [`template!`](crate::template)). None for targets that serialise with a library (CSV,
    /// JSON).
    fn templates(&self) -> Vec<Template> {
        Vec::new()
    }
    /// The escapers of this target's templates, by extension; only this target's templates
    /// use them.
    fn escapers(&self) -> &'static [Escaper] {
        &[]
    }
    /// Its folder in a release bundle (`iocc bundle`), where its consumers' tools look.
    fn bundle_dir(&self) -> &'static str {
        self.name()
    }
    /// What its bundle folder holds and is for, in the bundle's README.
    fn bundle_note(&self) -> &'static str {
        "target output"
    }
    /// What it does with an item of this kind, action and direction: carried, carried with a
    /// limit, or not, with the reason. Declared before any output exists; the build report,
    /// the bundle README and the targets' own reports derive from it.
    fn support(&self, item: &Item) -> Support;
    /// What would make [`Target::write`] refuse this catalogue's data (e.g. a safety rail
    /// refusing a prefix), found without rendering anything: `iocc check` runs this instead
    /// of `write`. A target that can refuse overrides it; `write` must refuse the same.
    fn check(&self, _cx: &TargetContext<'_>) -> Result<(), Vec<Diagnostic>> {
        Ok(())
    }
    /// Renders the catalogue into `out`, file by file, streaming each file as it is made
    /// ([`Files::file`], [`Files::put`], [`Templates::render_to`]). Errors are diagnostics;
    /// what this catalogue's data keeps out goes into [`TargetOutput::refused`].
    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>>;
}

/// What a target gets to work with.
pub struct TargetContext<'a> {
    pub catalogue: &'a Catalogue,
    pub templates: &'a Templates,
    /// The catalogue's rule plan (typed rules with their SIDs), made once before the targets
    /// when the build publishes rules ([`crate::rules::plan::PUBLISHER`] selected), else None.
    pub rules: Option<&'a crate::rules::RulePlan>,
}

impl TargetContext<'_> {
    /// The folder holding the catalogue file; state files such as SID locks live there.
    pub fn catalogue_dir(&self) -> &Path {
        self.catalogue
            .source
            .path
            .parent()
            .unwrap_or(Path::new("."))
    }
}

/// A file kept beside the catalogue (committed with it), e.g. the SID lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// What a target reports besides its files.
#[derive(Debug, Clone, Default)]
pub struct TargetOutput {
    pub state: Vec<StateFile>,
    /// Items this catalogue's data kept out although the target's
    /// [`support`](Target::support) carries their kind, or a more precise reason for an item it
    /// cannot carry, or a note about the build; see [`coverage::derive`].
    pub refused: Vec<Skipped>,
}

impl TargetOutput {
    /// The output of a target that found nothing to refuse and keeps no state.
    pub fn done() -> Self {
        TargetOutput::default()
    }

    /// The output with refusals found while writing.
    pub fn refusing(refused: Vec<Skipped>) -> Self {
        TargetOutput {
            state: Vec::new(),
            refused,
        }
    }
}

/// Writes one target into memory: its files (relative to its folder) and its output. For
/// tests and small uses; builds stream into a staging folder.
pub fn write_in_memory(
    target: &dyn Target,
    cx: &TargetContext<'_>,
) -> Result<(Tree, TargetOutput), Vec<Diagnostic>> {
    let mut files = Files::memory(target.name());
    let out = target.write(cx, &mut files)?;
    Ok((files.into_tree(), out))
}

/// Every target, in build and report order.
pub fn registry() -> &'static [&'static dyn Target] {
    &[
        &summary::Summary,
        &suricata::Suricata,
        &zeek::Zeek,
        &firewall::Firewall,
        &dns::Dns,
        &csv::Csv,
        &stix::Stix,
        &misp::Misp,
        &sigma::Sigma,
        &files::Files,
    ]
}

/// The templates and escapers of every target, for [`Templates::new`].
pub fn template_sets() -> Vec<TemplateSet> {
    registry()
        .iter()
        .map(|t| TemplateSet {
            target: t.name(),
            templates: t.templates(),
            escapers: t.escapers(),
        })
        .collect()
}

/// The template environment of every target, with the overrides of `--templates DIR`.
pub fn templates(override_dir: Option<&Path>) -> Result<Templates, Diagnostic> {
    Templates::new(&template_sets(), override_dir)
}

/// The coverage of one target for a catalogue, from its declaration and its refusals.
pub fn coverage(target: &dyn Target, c: &Catalogue, refused: &[Skipped]) -> Coverage {
    coverage::derive(|item| target.support(item), c, refused)
}

/// The names of every target.
pub fn names() -> Vec<&'static str> {
    registry().iter().map(|t| t.name()).collect()
}

/// Finds a target by name.
pub fn by_name(name: &str) -> Option<&'static dyn Target> {
    registry().iter().copied().find(|t| t.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_template_builds() {
        assert!(templates(None).is_ok());
    }

    #[test]
    fn targets_have_distinct_names_and_bundle_folders() {
        let mut names = std::collections::BTreeSet::new();
        let mut dirs = std::collections::BTreeSet::new();
        for t in registry() {
            assert!(names.insert(t.name()), "two targets named {}", t.name());
            assert!(
                dirs.insert(t.bundle_dir()),
                "two targets bundle into {}",
                t.bundle_dir()
            );
        }
    }
}
