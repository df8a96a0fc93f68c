//! The `summary` target: a Markdown overview of the validated catalogue
//! (`out/<catalogue>/summary/<catalogue>.md`).
//!
//! It proves the target path end to end (view model, embedded template, auto-escaping) and
//! gives reviewers one page listing every advisory fact, indicator and detection. Every
//! catalogue string passes the Markdown escaper, so no value can open a link, an HTML tag or
//! a new table row.

use serde::Serialize;

use super::{Files, Item, Support, Target, TargetContext, TargetOutput};
use crate::diag::Diagnostic;
use crate::model::{Catalogue, Confidence, Protocol};
use crate::render::{Escaper, Template};

pub struct Summary;

const TEMPLATE: Template = crate::template!("summary/summary.md.j2");

static ESCAPERS: [Escaper; 1] = [crate::escape::MARKDOWN];

#[derive(Serialize)]
struct View<'a> {
    id: &'a str,
    title: &'a str,
    version: String,
    tlp: &'static str,
    publisher: &'a str,
    advisory: AdvisoryView<'a>,
    cves: Vec<CveView<'a>>,
    products: Vec<ProductView<'a>>,
    indicators: Vec<IndicatorView>,
    bulk: Vec<BulkView<'a>>,
    detections: Vec<DetectionView<'a>>,
}

#[derive(Serialize)]
struct AdvisoryView<'a> {
    id: &'a str,
    title: &'a str,
    issuer: &'a str,
    published: String,
    modified: String,
    revisions: Vec<RevisionView<'a>>,
}

#[derive(Serialize)]
struct RevisionView<'a> {
    date: String,
    label: &'a str,
    summary: &'a str,
}

#[derive(Serialize)]
struct CveView<'a> {
    id: &'a str,
    cwe: &'a str,
    v3: String,
    v4: String,
    summary: &'a str,
}

#[derive(Serialize)]
struct ProductView<'a> {
    vendor: &'a str,
    name: &'a str,
    versions: String,
}

#[derive(Serialize)]
struct IndicatorView {
    id: String,
    kind: &'static str,
    value: String,
    role: String,
    confidence: &'static str,
    action: String,
    direction: String,
}

#[derive(Serialize)]
struct BulkView<'a> {
    id: &'a str,
    kind: &'static str,
    /// `1 entry`, `2 entries`.
    count: String,
    role: &'a str,
    confidence: &'static str,
    action: String,
    direction: String,
}

#[derive(Serialize)]
struct DetectionView<'a> {
    id: &'a str,
    title: &'a str,
    protocols: String,
    ports: String,
    indicators: String,
    confidence: &'static str,
    cves: String,
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Sourced => "sourced",
        Confidence::Inferred => "inferred",
    }
}

fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn view(c: &Catalogue) -> View<'_> {
    View {
        id: &c.id,
        title: &c.title,
        version: c.version.to_string(),
        tlp: c.tlp.label(),
        publisher: &c.publisher,
        advisory: advisory(c),
        cves: c.advisory.cves.iter().map(cve).collect(),
        products: c
            .advisory
            .products
            .iter()
            .map(|p| ProductView {
                vendor: &p.vendor,
                name: &p.name,
                versions: p.versions.join(", "),
            })
            .collect(),
        indicators: c.indicators.iter().map(indicator).collect(),
        bulk: c.bulk.iter().map(bulk).collect(),
        detections: c.detections.iter().map(detection).collect(),
    }
}

fn advisory(c: &Catalogue) -> AdvisoryView<'_> {
    AdvisoryView {
        id: &c.advisory.id,
        title: &c.advisory.title,
        issuer: &c.advisory.issuer,
        published: c.advisory.published.to_string(),
        modified: c.advisory.modified.to_string(),
        revisions: c
            .advisory
            .revisions
            .iter()
            .map(|r| RevisionView {
                date: r.date.to_string(),
                label: &r.label,
                summary: r.summary.as_deref().unwrap_or("-"),
            })
            .collect(),
    }
}

fn cve(v: &crate::model::Cve) -> CveView<'_> {
    let cvss = |s: &Option<crate::model::Cvss>| {
        s.as_ref()
            .map_or("-".to_owned(), |s| format!("{:.1} {}", s.score, s.vector))
    };
    CveView {
        id: &v.id,
        cwe: &v.cwe,
        v3: cvss(&v.cvss_v3),
        v4: cvss(&v.cvss_v4),
        summary: &v.summary,
    }
}

fn indicator(i: &crate::model::Indicator) -> IndicatorView {
    IndicatorView {
        id: i.id.clone(),
        kind: i.observable.kind(),
        value: i.observable.value(),
        role: i.meta.role.clone().unwrap_or_else(|| "-".into()),
        confidence: confidence(i.meta.confidence),
        action: word(&i.meta.action),
        direction: word(&i.meta.direction),
    }
}

fn bulk(b: &crate::model::BulkList) -> BulkView<'_> {
    BulkView {
        id: &b.id,
        kind: match b.kind {
            crate::model::BulkKind::Address => "address",
            crate::model::BulkKind::Domain => "domain",
        },
        count: crate::diag::count(b.len(), "entry", "entries"),
        role: b.meta.role.as_deref().unwrap_or("-"),
        confidence: confidence(b.meta.confidence),
        action: word(&b.meta.action),
        direction: word(&b.meta.direction),
    }
}

fn detection(d: &crate::model::Detection) -> DetectionView<'_> {
    DetectionView {
        id: &d.id,
        title: &d.title,
        protocols: d
            .protocols
            .iter()
            .map(|p| match p {
                Protocol::Ip => "ip",
                Protocol::Tcp => "tcp",
                Protocol::Udp => "udp",
            })
            .collect::<Vec<_>>()
            .join(", "),
        ports: if d.ports.is_empty() {
            "any".into()
        } else {
            d.ports
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        },
        indicators: d.indicators.join(", "),
        confidence: confidence(d.confidence),
        cves: if d.cves.is_empty() {
            "-".into()
        } else {
            d.cves.join(", ")
        },
    }
}

impl Target for Summary {
    fn name(&self) -> &'static str {
        "summary"
    }

    fn description(&self) -> &'static str {
        "Markdown overview of the catalogue: advisory, CVEs, indicators, detections"
    }

    fn templates(&self) -> Vec<Template> {
        vec![TEMPLATE]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "Markdown overview for reviewers"
    }

    /// The overview lists every item.
    fn support(&self, _: &Item) -> Support {
        Support::Yes
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        out.file(&format!("{}.md", c.id), |w| {
            cx.templates.render_to(w, TEMPLATE.name, &view(c), &mut [])
        })?;
        Ok(TargetOutput::done())
    }
}
