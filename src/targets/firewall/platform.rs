//! The firewall platform interface: what one row of [`PLATFORMS`](super::PLATFORMS) provides.
//!
//! A platform is one file (`firewall/<platform>.rs`) and its templates
//! (`templates/firewall/`). It receives the block list already checked by the safety rails
//! and aggregated ([`PlatformContext`]) and only writes it in its own syntax, so every platform
//! blocks exactly the same set. Guarantees kept by each platform: catalogue text reaches its
//! files only through its escaper ([`Platform::escaper`]); addresses are formatted by Rust
//! from typed networks and passed to templates as safe values; device object names come from
//! [`Naming`] rows bounded to the platform's limits.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::aggregate::Aggregated;
use super::{Delta, Header};
use crate::diag::Diagnostic;
use crate::model::Catalogue;
use crate::render::{Block, Escaper, Template, Templates};
use crate::targets::Files;

/// One firewall platform.
pub trait Platform: Sync {
    /// Its name for `iocc diff --target`, e.g. `nftables`.
    fn name(&self) -> &'static str;
    /// What it is, e.g. `nftables (nft -f)`; titles its section of `iocc diff`.
    fn description(&self) -> &'static str;
    /// The extensions of the files it writes (`<catalogue>.<extension>`), e.g. `nft`.
    fn extensions(&self) -> &'static [&'static str];
    /// Its embedded templates, named `firewall/<file>.j2`.
    fn templates(&self) -> &'static [Template];
    /// The escaper of its templates' extensions.
    fn escaper(&self) -> Escaper;
    /// The device objects it names after the catalogue (templates read them as `n.<key>`).
    fn object_names(&self) -> &'static [Naming];
    /// Writes its files for one block list into `out`, streaming the prefixes
    /// ([`PlatformContext::render_to`] with [`super::lines`] blocks).
    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>>;
    /// The ready-to-apply commands that take a device from the old list to the new one.
    fn delta(&self, d: &Delta, h: &Header) -> String;
}

/// What a platform renders from.
pub struct PlatformContext<'a> {
    pub catalogue: &'a Catalogue,
    /// The block list: checked by the safety rails, aggregated, minus the allowlist.
    pub list: &'a Aggregated,
    /// What every file's opening comment says.
    pub header: &'a Header,
    pub templates: &'a Templates,
}

impl PlatformContext<'_> {
    /// The names of a platform's objects for this catalogue, as the template value `n`.
    pub fn names(&self, namings: &[Naming]) -> minijinja::Value {
        super::ser(names(namings, &self.catalogue.id))
    }

    /// Writes the file `path` from one template with a view built by `minijinja::context!`,
    /// streaming `blocks[n]` where the view holds [`slot(n)`](crate::render::slot).
    pub fn render_to(
        &self,
        out: &mut Files,
        path: &str,
        t: Template,
        view: &minijinja::Value,
        blocks: &mut [Block<'_>],
    ) -> Result<(), Vec<Diagnostic>> {
        out.file(path, |w| self.templates.render_to(w, t.name, view, blocks))
    }
}

/// How the catalogue id is written in a device object name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `iocc-contec-cms8000`
    Lower,
    /// `IOCC-CONTEC-CMS8000`
    Upper,
    /// `iocc_contec_cms8000`
    Snake,
}

/// How a platform names one device object after the (validated, `[a-z0-9-]`) catalogue id:
/// `iocc-<id>` in a case, then a suffix, bounded to the platform's limit with a hash so two
/// long ids stay distinct.
#[derive(Debug, Clone, Copy)]
pub struct Naming {
    /// The template's name for it: `n.<key>`.
    pub key: &'static str,
    pub case: Case,
    pub suffix: &'static str,
    /// The longest name the platform accepts (or a shorter bound leaving room, see ipset).
    pub max: usize,
}

impl Naming {
    /// The object's name for a catalogue id.
    pub fn name(&self, catalogue: &str) -> String {
        let lower = format!("iocc-{catalogue}");
        let base = match self.case {
            Case::Lower => lower,
            Case::Upper => lower.to_ascii_uppercase(),
            Case::Snake => lower.replace('-', "_"),
        };
        bounded(&base, self.suffix, self.max)
    }
}

/// The names of a platform's objects for a catalogue id, by key.
pub fn names(namings: &[Naming], catalogue: &str) -> BTreeMap<&'static str, String> {
    namings.iter().map(|n| (n.key, n.name(catalogue))).collect()
}

/// `base` + `suffix`, with `base` shortened (and a hash of it appended) to fit in `max`.
fn bounded(base: &str, suffix: &str, max: usize) -> String {
    if base.len() + suffix.len() <= max {
        return format!("{base}{suffix}");
    }
    let hash = hex::encode(&Sha256::digest(base.as_bytes())[..3]);
    let keep = max - suffix.len() - hash.len() - 1;
    format!("{}-{hash}{suffix}", &base[..keep])
}
