//! Validation: the raw YAML model in, a typed [`Catalogue`] out, with every problem collected.
//!
//! Guarantees: validation never stops at the first problem; each diagnostic names its YAML
//! path (or side-file line) and carries a stable code and a help line. A catalogue is returned
//! only when no error was found, so targets only ever see values that hold the invariants
//! documented on [`crate::model::catalogue`]. Warnings do not block a catalogue.

mod benign;
pub mod bulk;
mod domain;
mod items;
mod policy;
mod values;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt::Display;
use std::path::Path;

use jiff::civil::Date;

use crate::diag::{Code, Diagnostic};
use crate::model::raw::{RawAdvisory, RawCatalogue, RawCve, RawCvss, RawProduct, RawRevision};
use crate::model::{Advisory, Catalogue, CatalogueSource, Cve, Cvss, Product, Revision};
use values::{MAX_SHORT, MAX_TEXT};

pub use benign::value_hit;
pub use domain::{check_domain, MAX_LABEL, MAX_NAME};
pub use policy::{NAME_RAILS, RAILS};
pub use values::{check_url, short};

/// Suricata's classification.config (7.x): the only classtypes a rule may use.
pub const CLASSTYPES: &[&str] = &[
    "not-suspicious",
    "unknown",
    "bad-unknown",
    "attempted-recon",
    "successful-recon-limited",
    "successful-recon-largescale",
    "attempted-dos",
    "successful-dos",
    "attempted-user",
    "unsuccessful-user",
    "successful-user",
    "attempted-admin",
    "successful-admin",
    "rpc-portmap-decode",
    "shellcode-detect",
    "string-detect",
    "suspicious-filename-detect",
    "suspicious-login",
    "system-call-detect",
    "tcp-connection",
    "trojan-activity",
    "unusual-client-port-connection",
    "network-scan",
    "denial-of-service",
    "non-standard-protocol",
    "protocol-command-decode",
    "web-application-activity",
    "web-application-attack",
    "misc-activity",
    "misc-attack",
    "icmp-event",
    "inappropriate-content",
    "policy-violation",
    "default-login-attempt",
    "targeted-activity",
    "exploit-kit",
    "external-ip-check",
    "domain-c2",
    "pup-activity",
    "credential-theft",
    "social-engineering",
    "coin-mining",
    "command-and-control",
];

/// What validation needs besides the YAML.
pub struct Inputs<'a> {
    /// The catalogue file (diagnostics point into it).
    pub file: &'a Path,
    /// SHA-256 of the catalogue bytes.
    pub sha256: String,
    /// Today's date, for expired-validity warnings.
    pub today: Date,
    /// Names of the targets iocc knows.
    pub known_targets: &'a [&'a str],
}

/// Collects diagnostics for one catalogue file.
pub(crate) struct Ctx<'a> {
    file: &'a Path,
    diags: Vec<Diagnostic>,
    today: Date,
}

impl Ctx<'_> {
    pub fn push(&mut self, d: Diagnostic) {
        let d = if d.file.is_none() {
            d.in_file(self.file)
        } else {
            d
        };
        self.diags.push(d);
    }

    fn errors(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    /// Registers ids in one namespace; a repeated id is an error at its second use. Items
    /// come as (list path, index, id); paths are only formatted for a repeat.
    fn unique_ids<'s>(
        &mut self,
        what: &str,
        ids: impl Iterator<Item = (&'static str, usize, &'s str)>,
    ) {
        let ids = ids.into_iter();
        let mut seen: HashMap<&str, (&str, usize)> = HashMap::with_capacity(ids.size_hint().0);
        for (list, i, id) in ids {
            if let Some((first_list, first)) = seen.get(id) {
                self.push(
                    Diagnostic::new(
                        Code::DuplicateId,
                        format!("{what} id `{}` is used twice", short(id)),
                    )
                    .at_path(format!("{list}[{i}].id"))
                    .help(format!(
                        "ids must be unique; the first use is at `{first_list}[{first}].id`"
                    )),
                );
            } else {
                seen.insert(id, (list, i));
            }
        }
    }

    /// Warns when an item (at YAML path `item`) cites no source. Paths and names are only
    /// formatted when the warning is raised: this runs once per indicator.
    fn missing_references(&mut self, item: impl Display, what: impl Display, refs: &[String]) {
        if refs.is_empty() {
            // Point at the item: an absent `references:` key has no position.
            self.push(
                Diagnostic::new(Code::MissingReferences, format!("{what} cites no source"))
                    .at_path(item.to_string())
                    .help("add `references:` with the URL of each source that states it"),
            );
        }
    }
}

/// Validates a parsed catalogue. Returns the catalogue (if no error) and every diagnostic.
pub fn validate(raw: &RawCatalogue, inputs: &Inputs<'_>) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let mut cx = Ctx {
        file: inputs.file,
        diags: Vec::new(),
        today: inputs.today,
    };
    cx.id("id", &raw.id);
    let version = match semver::Version::parse(&raw.version) {
        Ok(v) => Some(v),
        Err(e) => {
            cx.push(
                Diagnostic::new(
                    Code::InvalidVersion,
                    format!("`{}` is not a semantic version: {e}", short(&raw.version)),
                )
                .at_path("version")
                .help(
                    "write MAJOR.MINOR.PATCH, e.g. 1.0.0, and quote it if YAML would read a number",
                ),
            );
            None
        }
    };
    cx.text("title", &raw.title, MAX_SHORT);
    cx.text("publisher", &raw.publisher, MAX_SHORT);
    if let Some(d) = &raw.description {
        cx.text("description", d, MAX_TEXT);
    }
    let tlp = cx.tlp("tlp", &raw.tlp);
    let advisory = advisory(&mut cx, raw);
    let cve_ids: Vec<&str> = raw.advisory.cves.iter().map(|c| c.id.as_str()).collect();
    let indicators = items::indicators(&mut cx, raw, &cve_ids);
    let base = inputs.file.parent().unwrap_or(Path::new("."));
    let bulk = items::bulk_lists(&mut cx, raw, base, &cve_ids);
    let detections = items::detections(&mut cx, raw, &indicators, &cve_ids);
    let policy = policy::policy(&mut cx, &raw.policy, inputs.known_targets);
    if let Some(p) = &policy {
        for d in benign::screen(&indicators, &bulk, p) {
            cx.push(d);
        }
    }
    cx.unique_ids(
        "indicator",
        raw.indicators
            .iter()
            .enumerate()
            .map(|(i, x)| ("indicators", i, x.id.as_str()))
            .chain(
                raw.bulk
                    .iter()
                    .enumerate()
                    .map(|(i, b)| ("bulk", i, b.id.as_str())),
            ),
    );
    cx.unique_ids(
        "detection",
        raw.detections
            .iter()
            .enumerate()
            .map(|(i, d)| ("detections", i, d.id.as_str())),
    );
    if raw.indicators.is_empty() && raw.bulk.is_empty() && raw.detections.is_empty() {
        cx.push(
            Diagnostic::new(
                Code::EmptyCatalogue,
                "the catalogue has no indicators, bulk lists or detections",
            )
            .help(
                "add `indicators:` or `detections:`; an empty catalogue compiles to empty outputs",
            ),
        );
    }
    let catalogue = match (cx.errors(), version, tlp, advisory, policy) {
        (0, Some(version), Some(tlp), Some(advisory), Some(policy)) => Some(Catalogue {
            id: raw.id.clone(),
            version,
            title: raw.title.clone(),
            description: raw.description.clone(),
            publisher: raw.publisher.clone(),
            tlp,
            advisory,
            indicators,
            bulk,
            detections,
            policy,
            source: CatalogueSource {
                path: inputs.file.to_path_buf(),
                sha256: inputs.sha256.clone(),
            },
        }),
        _ => None,
    };
    (catalogue, cx.diags)
}

fn advisory(cx: &mut Ctx<'_>, raw: &RawCatalogue) -> Option<Advisory> {
    let a = &raw.advisory;
    cx.text("advisory.id", &a.id, MAX_SHORT);
    cx.text("advisory.title", &a.title, MAX_SHORT);
    cx.text("advisory.issuer", &a.issuer, MAX_SHORT);
    let (published, modified) = advisory_dates(cx, a);
    cx.references("advisory.references", &a.references);
    cx.missing_references("advisory", "the advisory", &a.references);
    let revisions: Vec<Option<Revision>> = a
        .revisions
        .iter()
        .enumerate()
        .map(|(i, r)| revision(cx, i, r))
        .collect();
    let product_ids: Vec<&str> = a.products.iter().map(|p| p.id.as_str()).collect();
    let products: Vec<Product> = a
        .products
        .iter()
        .enumerate()
        .map(|(i, p)| product(cx, i, p, &product_ids))
        .collect();
    cx.unique_ids(
        "product",
        a.products
            .iter()
            .enumerate()
            .map(|(i, p)| ("advisory.products", i, p.id.as_str())),
    );
    let cves: Vec<Cve> = a
        .cves
        .iter()
        .enumerate()
        .map(|(i, c)| cve(cx, i, c, &product_ids))
        .collect();
    cx.unique_ids(
        "CVE",
        a.cves
            .iter()
            .enumerate()
            .map(|(i, c)| ("advisory.cves", i, c.id.as_str())),
    );
    let revisions: Option<Vec<Revision>> = revisions.into_iter().collect();
    Some(Advisory {
        id: a.id.clone(),
        title: a.title.clone(),
        issuer: a.issuer.clone(),
        published: published?,
        modified: modified?,
        revisions: revisions?,
        references: a.references.clone(),
        cves,
        products,
    })
}

/// `published` and `modified`, in that order.
fn advisory_dates(cx: &mut Ctx<'_>, a: &RawAdvisory) -> (Option<Date>, Option<Date>) {
    let published = cx.date("advisory.published", &a.published);
    let modified = cx.date("advisory.modified", &a.modified);
    if let (Some(p), Some(m)) = (published, modified) {
        if m < p {
            cx.push(
                Diagnostic::new(
                    Code::DateOrder,
                    format!("modified date {m} is before the published date {p}"),
                )
                .at_path("advisory.modified")
                .help(
                    "`modified` is the date of the latest revision; it cannot precede `published`",
                ),
            );
        }
    }
    (published, modified)
}

fn revision(cx: &mut Ctx<'_>, i: usize, r: &RawRevision) -> Option<Revision> {
    let p = format!("advisory.revisions[{i}]");
    cx.text(format_args!("{p}.label"), &r.label, MAX_SHORT);
    if let Some(s) = &r.summary {
        cx.text(format_args!("{p}.summary"), s, MAX_TEXT);
    }
    Some(Revision {
        date: cx.date(format_args!("{p}.date"), &r.date)?,
        label: r.label.clone(),
        summary: r.summary.clone(),
    })
}

/// A product; `relabel-of` names another product of the advisory.
fn product(cx: &mut Ctx<'_>, i: usize, p: &RawProduct, product_ids: &[&str]) -> Product {
    let path = format!("advisory.products[{i}]");
    cx.id(format_args!("{path}.id"), &p.id);
    cx.text(format_args!("{path}.vendor"), &p.vendor, MAX_SHORT);
    cx.text(format_args!("{path}.name"), &p.name, MAX_SHORT);
    for (j, v) in p.versions.iter().enumerate() {
        cx.text(format_args!("{path}.versions[{j}]"), v, MAX_SHORT);
    }
    if let Some(of) = &p.relabel_of {
        if !product_ids.contains(&of.as_str()) || of == &p.id {
            dangling(
                cx,
                &format!("{path}.relabel-of"),
                "product",
                of,
                product_ids,
            );
        }
    }
    cx.references(format_args!("{path}.references"), &p.references);
    Product {
        id: p.id.clone(),
        vendor: p.vendor.clone(),
        name: p.name.clone(),
        versions: p.versions.clone(),
        relabel_of: p.relabel_of.clone(),
        references: p.references.clone(),
    }
}

/// A CVE: id, CWE, CVSS vectors, and the advisory's products it affects.
fn cve(cx: &mut Ctx<'_>, i: usize, c: &RawCve, product_ids: &[&str]) -> Cve {
    let path = format!("advisory.cves[{i}]");
    cx.cve_id(format_args!("{path}.id"), &c.id);
    cx.cwe(format_args!("{path}.cwe"), &c.cwe);
    cx.text(format_args!("{path}.summary"), &c.summary, MAX_TEXT);
    if let Some(v3) = &c.cvss_v3 {
        cx.cvss(format_args!("{path}.cvss-v3"), v3.score, &v3.vector, "3.1");
    }
    if let Some(v4) = &c.cvss_v4 {
        cx.cvss(format_args!("{path}.cvss-v4"), v4.score, &v4.vector, "4.0");
    }
    for (j, p) in c.products.iter().enumerate() {
        if !product_ids.contains(&p.as_str()) {
            dangling(
                cx,
                &format!("{path}.products[{j}]"),
                "product",
                p,
                product_ids,
            );
        }
    }
    cx.references(format_args!("{path}.references"), &c.references);
    cx.missing_references(&path, short(&c.id), &c.references);
    let cvss = |r: &Option<RawCvss>| {
        r.as_ref().map(|r| Cvss {
            score: r.score,
            vector: r.vector.clone(),
        })
    };
    Cve {
        id: c.id.clone(),
        cwe: c.cwe.clone(),
        cwe_name: c.cwe_name.clone(),
        summary: c.summary.clone(),
        cvss_v3: cvss(&c.cvss_v3),
        cvss_v4: cvss(&c.cvss_v4),
        products: c.products.clone(),
        references: c.references.clone(),
    }
}

/// Reports a reference to an id that does not exist, suggesting the known ones.
pub(crate) fn dangling(cx: &mut Ctx<'_>, path: &str, what: &str, id: &str, known: &[&str]) {
    let known_list = if known.is_empty() {
        format!("no {what} is declared")
    } else {
        let mut k: Vec<&str> = known.iter().copied().take(8).collect();
        k.sort_unstable();
        format!(
            "known {what} ids: {}{}",
            k.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if known.len() > 8 { ", ..." } else { "" }
        )
    };
    cx.push(
        Diagnostic::new(
            Code::DanglingReference,
            format!("no {what} has the id `{}`", short(id)),
        )
        .at_path(path)
        .help(known_list),
    );
}
