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

use super::{
    Files, Item, ItemKind, Skipped, Support, Target, TargetContext, TargetOutput, WriteError,
};
use crate::diag::{Code, Diagnostic};
use crate::model::{BulkList, Catalogue};
use crate::output::FileSink;
use crate::render::{Escaper, Template};

pub struct Sigma;

const T_RULE: Template = crate::template!("sigma/rule.yml.j2");

/// True when a bulk list is short enough for Sigma rules.
fn small(c: &Catalogue, b: &BulkList) -> bool {
    b.networks.len() + b.domains.len() <= c.policy.large_list_threshold as usize
}

/// Streams the lookup table of a long bulk list: a `value` header, one entry per row.
fn lookup(b: &BulkList, w: &mut FileSink) -> Result<(), WriteError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    let row = |w: &mut csv::Writer<&mut FileSink>, v: &str| w.write_record([v]);
    let result = row(&mut w, "value")
        .and_then(|()| {
            b.networks
                .iter()
                .try_for_each(|(n, _)| row(&mut w, &n.to_string()))
        })
        .and_then(|()| b.domains.iter().try_for_each(|(d, _)| row(&mut w, d)))
        .and_then(|()| w.flush().map_err(csv::Error::from));
    result.map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(e) => WriteError::Io(e),
        other => WriteError::Refused(vec![Diagnostic::new(
            Code::WriteFailed,
            format!("cannot write the Sigma lookup of `{}`: {other:?}", b.id),
        )
        .help("this is a bug in iocc, please report it")]),
    })
}

/// The long bulk lists (each gets a lookup table) and what the coverage says of them and of
/// the empty ones.
fn long_lists(c: &Catalogue) -> (Vec<&BulkList>, Vec<Skipped>) {
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
    let long: Vec<&BulkList> = c.bulk.iter().filter(|b| !small(c, b)).collect();
    for b in &long {
        refused.push(Skipped::new(
            &b.id,
            format!(
                "{} entries, more than the policy's large-list-threshold ({}): Sigma rules are not meant for long lists; the entries are in sigma/lookups/{}.csv (and the csv target) for a SIEM lookup table",
                b.networks.len() + b.domains.len(),
                c.policy.large_list_threshold,
                b.id
            ),
        ));
    }
    (long, refused)
}

/// One file of the target: a lookup table or a rule.
enum SigmaFile<'a> {
    Lookup(&'a BulkList),
    Rule(&'a rules::Rule),
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
            ItemKind::Port => Support::No(crate::rules::lower::PORT_ALONE.into()),
            k if k.is_hash() => Support::No("a file hash is matched by file scanners, not in logs: the files target carries it (YARA, ClamAV)".into()),
            ItemKind::Detection => Support::Partly("matched in connection logs on its addresses, transport and destination ports; a payload or RPC condition, and a port bound to one transport, are not visible there".into()),
            _ => Support::Yes,
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let (long, refused) = long_lists(c);
        let usable = |b: &BulkList| small(c, b) && !(b.networks.is_empty() && b.domains.is_empty());
        let rules = rules::rules(c, usable);
        // Files are written in path order, as the report lists them.
        let mut files: Vec<(String, SigmaFile<'_>)> = long
            .into_iter()
            .map(|b| (format!("lookups/{}.csv", b.id), SigmaFile::Lookup(b)))
            .chain(
                rules
                    .iter()
                    .map(|r| (format!("{}.yml", r.stem), SigmaFile::Rule(r))),
            )
            .collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, file) in files {
            match file {
                SigmaFile::Lookup(b) => out.file(&path, |w| lookup(b, w))?,
                SigmaFile::Rule(r) => {
                    let text = cx.templates.render(T_RULE.name, r).map_err(|d| vec![d])?;
                    out.put(&path, text.as_bytes())?;
                }
            }
        }
        Ok(TargetOutput::refusing(refused))
    }
}
