//! The `sigma` target: Sigma rules (specification 2.x) for SIEM searches, at
//! `out/<catalogue>/sigma/`.
//!
//! Files: one `<stem>.yml` rule per detection (`network_connection`: `DestinationIp|cidr` or
//! `SourceIp|cidr`, `Protocol`, `DestinationPort`) and per indicator group (`firewall`:
//! `dst_ip|cidr`/`src_ip|cidr`; `dns_query`: `QueryName`; `proxy`: `cs-host`, `c-uri`), see
//! [`rules`]; and `lookups/<list>.csv` (one `value` column) for each bulk list longer than
//! the policy's `large-list-threshold`: Sigma is not meant for long lists, so those go to a
//! SIEM lookup table, and the coverage says so.
//!
//! Guarantees: each rule has a deterministic UUID v5 `id`, a unique `title` of at most 256
//! characters, `status` (`test`, or `experimental` when a member is inferred), `level` from
//! the severity, `references`, `cve.*` tags, `date`/`modified` from the advisory; file names
//! are 10-70 characters of `[a-z0-9_]`; every value is printed through the target's YAML
//! escaper, and rule values are Sigma literals first (`escape`), so `*`, `?` and `\` in a
//! URL match themselves. Output depends only on the catalogue, and not on its version: a
//! release changes a rule only when its content changes.

pub mod escape;
pub mod rules;

use super::{Item, ItemKind, OutputFile, Skipped, Support, Target, TargetContext, TargetOutput};
use crate::diag::{Code, Diagnostic};
use crate::model::{BulkList, Catalogue};
use crate::render::{Escaper, Template};

pub struct Sigma;

const T_RULE: Template = crate::template!("sigma/rule.yml.j2");

/// True when a bulk list is short enough for Sigma rules.
fn small(c: &Catalogue, b: &BulkList) -> bool {
    b.networks.len() + b.domains.len() <= c.policy.large_list_threshold as usize
}

/// The lookup table of a long bulk list: a `value` header, one entry per row.
fn lookup(b: &BulkList) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(["value"])?;
    for (n, _) in &b.networks {
        w.write_record([n.to_string()])?;
    }
    for (d, _) in &b.domains {
        w.write_record([d])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn lookup_files(c: &Catalogue) -> Result<(Vec<OutputFile>, Vec<Skipped>), Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for b in c
        .bulk
        .iter()
        .filter(|b| b.networks.is_empty() && b.domains.is_empty())
    {
        refused.push(Skipped::new(
            &b.id,
            "the list is empty: a Sigma rule needs a value",
        ));
    }
    for b in c.bulk.iter().filter(|b| !small(c, b)) {
        let path = format!("lookups/{}.csv", b.id);
        let contents = lookup(b).map_err(|e| {
            vec![Diagnostic::new(
                Code::WriteFailed,
                format!("cannot write the Sigma lookup `{path}`: {e}"),
            )
            .help("this is a bug in iocc, please report it")]
        })?;
        refused.push(Skipped::new(
            &b.id,
            format!(
                "{} entries, more than the policy's large-list-threshold ({}): Sigma rules are not meant for long lists; the entries are in sigma/{path} (and the csv target) for a SIEM lookup table",
                b.networks.len() + b.domains.len(),
                c.policy.large_list_threshold
            ),
        ));
        files.push(OutputFile { path, contents });
    }
    Ok((files, refused))
}

impl Target for Sigma {
    fn name(&self) -> &'static str {
        "sigma"
    }

    fn description(&self) -> &'static str {
        "Sigma rules for SIEM searches: connections, firewall, DNS and proxy logs"
    }

    fn templates(&self) -> Vec<Template> {
        vec![T_RULE]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &escape::ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "Sigma rules (`sigma convert` to your SIEM) and lookup tables for long lists"
    }

    fn support(&self, item: &Item) -> Support {
        match item.kind {
            ItemKind::Port => Support::No("a port alone matches ordinary services (e.g. 515/tcp is also LPD printing); detections pair ports with hosts".into()),
            k if k.is_hash() => Support::No("a file digest is for file scanners: see the files target (YARA, ClamAV)".into()),
            ItemKind::Detection => Support::Partly("matched in connection logs on its addresses, transport and destination ports; a payload or RPC condition, and a port bound to one transport, are not visible there".into()),
            _ => Support::Yes,
        }
    }

    fn compile(&self, cx: &TargetContext<'_>) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let (mut files, refused) = lookup_files(c)?;
        let usable = |b: &BulkList| small(c, b) && !(b.networks.is_empty() && b.domains.is_empty());
        for r in rules::rules(c, usable) {
            let text = cx.templates.render(T_RULE.name, &r).map_err(|d| vec![d])?;
            files.push(OutputFile {
                path: format!("{}.yml", r.stem),
                contents: text.into_bytes(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(TargetOutput {
            files,
            state: Vec::new(),
            refused,
        })
    }
}
