//! The `csv` target: one RFC 4180 blocklist per catalogue (`out/<catalogue>/csv/<catalogue>.csv`),
//! written with the `csv` crate.
//!
//! Guarantees: a header row with the fixed [`COLUMNS`], then one row per indicator: every
//! catalogue indicator of every kind (addresses, networks, domains, URLs, ports, file hashes)
//! and every entry of every bulk list, each with its own action, so a consumer filters on
//! `action`. Rows are sorted (addresses numerically per family, then domains, URLs, ports and
//! hashes; ties by catalogue order) and the file ends every record with CRLF. Every cell is
//! safe to open in a spreadsheet: a cell beginning with `=`, `+`, `-`, `@`, TAB or CR gets a
//! leading `'`, so no cell is ever read as a formula, and control characters other than TAB,
//! CR and LF (NUL, ESC, ...) become spaces. Quoting is the csv crate's (RFC 4180).
//! The CSV is the catalogue's inventory: the safety rails guard the firewall target, which
//! fails the whole build (nothing written) when it refuses an entry.

use ipnet::IpNet;

use super::{Item, ItemKind, Support, Target, TargetContext, TargetOutput};
use crate::diag::{Code, Diagnostic};
use crate::model::{Action, Catalogue, Confidence, Direction, Meta, Observable, Severity};

pub struct Csv;

/// The columns, in order.
pub const COLUMNS: [&str; 15] = [
    "indicator",
    "type",
    "action",
    "direction",
    "protocol",
    "ports",
    "severity",
    "confidence",
    "valid_from",
    "valid_until",
    "catalogue",
    "advisory",
    "cves",
    "references",
    "description",
];

/// Makes a cell safe for spreadsheets: a leading `= + - @ TAB CR` gets a `'` before it, and
/// control characters other than TAB, CR and LF (NUL, ESC, DEL, C1) become a space: NUL
/// truncates the cell or stops the import in many readers, ESC starts terminal escape
/// sequences when the file is printed. TAB, CR and LF stay (RFC 4180 quotes them).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let cleaned: std::borrow::Cow<'_, str> = if cell
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        cell.chars()
            .map(|c| {
                if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
                    ' '
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        cell.into()
    };
    match cleaned.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cleaned}").into(),
        _ => cleaned,
    }
}

/// Where a row sorts: kind rank, then a per-kind key (text borrowed where it can be).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Net(u8, u128, u8),
    Text(u8, std::borrow::Cow<'a, str>),
}

/// The indicator cell: formatted when the row is written, so a million-entry list holds
/// no million strings.
enum Value<'a> {
    Net(IpNet),
    Text(&'a str),
    Owned(String),
}

struct Row<'a> {
    key: Key<'a>,
    order: usize,
    indicator: Value<'a>,
    kind: &'static str,
    protocol: &'static str,
    ports: String,
    meta_index: usize,
}

fn net_key(n: IpNet) -> Key<'static> {
    match n {
        IpNet::V4(v) => Key::Net(4, u128::from(u32::from(v.network())), v.prefix_len()),
        IpNet::V6(v) => Key::Net(6, u128::from(v.network()), v.prefix_len()),
    }
}

fn net_kind(n: IpNet) -> &'static str {
    match n {
        IpNet::V4(v) if v.prefix_len() == 32 => "ipv4",
        IpNet::V6(v) if v.prefix_len() == 128 => "ipv6",
        _ => "cidr",
    }
}

/// An address bare, a network with its length (IPv4 through the fast formatter of `net`).
fn show(n: IpNet, out: &mut String) {
    use crate::net::{V4Net, V4};
    use std::fmt::Write as _;
    let _ = match n {
        IpNet::V4(v) if v.prefix_len() == 32 => write!(out, "{}", V4(v.addr())),
        IpNet::V4(v) => write!(out, "{}", V4Net(v)),
        IpNet::V6(v) if v.prefix_len() == 128 => write!(out, "{}", v.addr()),
        n => write!(out, "{n}"),
    };
}

fn action(a: Action) -> &'static str {
    match a {
        Action::Block => "block",
        Action::Alert => "alert",
        Action::Monitor => "monitor",
    }
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
        Direction::Both => "both",
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Sourced => "sourced",
        Confidence::Inferred => "inferred",
    }
}

/// Every row, sorted; `metas[row.meta_index]` holds its shared attributes.
fn rows(c: &Catalogue) -> (Vec<Row<'_>>, Vec<&Meta>) {
    let mut metas: Vec<&Meta> = Vec::new();
    let mut rows = Vec::with_capacity(c.indicator_count());
    for i in &c.indicators {
        metas.push(&i.meta);
        let meta_index = metas.len() - 1;
        let (key, protocol, ports) = match &i.observable {
            Observable::Address(a) => (net_key(IpNet::from(*a)), "ip", String::new()),
            Observable::Network(n) => (net_key(*n), "ip", String::new()),
            Observable::Domain(d) => (Key::Text(1, d.into()), "", String::new()),
            Observable::Url(u) => (Key::Text(2, u.into()), "", String::new()),
            Observable::Port {
                transport,
                first,
                last,
            } => (
                Key::Text(
                    3,
                    format!("{}/{:05}-{:05}", transport.as_str(), first, last).into(),
                ),
                transport.as_str(),
                if first == last {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                },
            ),
            Observable::FileHash { hex, .. } => (Key::Text(4, hex.into()), "", String::new()),
        };
        rows.push(Row {
            key,
            order: rows.len(),
            indicator: Value::Owned(i.observable.value()),
            kind: i.observable.kind(),
            protocol,
            ports,
            meta_index,
        });
    }
    for b in &c.bulk {
        metas.push(&b.meta);
        let meta_index = metas.len() - 1;
        for (n, _) in &b.networks {
            rows.push(Row {
                key: net_key(*n),
                order: rows.len(),
                indicator: Value::Net(*n),
                kind: net_kind(*n),
                protocol: "ip",
                ports: String::new(),
                meta_index,
            });
        }
        for (d, _) in &b.domains {
            rows.push(Row {
                key: Key::Text(1, d.into()),
                order: rows.len(),
                indicator: Value::Text(d),
                kind: "domain",
                protocol: "",
                ports: String::new(),
                meta_index,
            });
        }
    }
    rows.sort_unstable_by(|a, b| (&a.key, a.order).cmp(&(&b.key, b.order)));
    (rows, metas)
}

/// Writes the CSV of a catalogue.
pub fn write(c: &Catalogue) -> Result<Vec<u8>, csv::Error> {
    let (rows, metas) = rows(c);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 160));
    w.write_record(COLUMNS)?;
    let date = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    // The per-item cells are the same for every row of a bulk list: build them once.
    let shared: Vec<[String; 9]> = metas
        .iter()
        .map(|m| {
            [
                action(m.action).to_owned(),
                direction(m.direction).to_owned(),
                severity(m.severity).to_owned(),
                confidence(m.confidence).to_owned(),
                date(m.valid_from),
                date(m.valid_until),
                m.cves.join(" "),
                m.references.join(" "),
                m.description
                    .as_deref()
                    .or(m.role.as_deref())
                    .unwrap_or("")
                    .to_owned(),
            ]
        })
        .collect();
    let mut shown = String::new();
    for r in &rows {
        let s = &shared[r.meta_index];
        let indicator: &str = match &r.indicator {
            Value::Net(n) => {
                shown.clear();
                show(*n, &mut shown);
                &shown
            }
            Value::Text(t) => t,
            Value::Owned(t) => t,
        };
        let record: [&str; 15] = [
            indicator,
            r.kind,
            &s[0],
            &s[1],
            r.protocol,
            &r.ports,
            &s[2],
            &s[3],
            &s[4],
            &s[5],
            &c.id,
            &c.advisory.id,
            &s[6],
            &s[7],
            &s[8],
        ];
        // Field by field, then the terminator: no owned copy of each cell.
        for cell in record {
            w.write_field(neutralise(cell).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

impl Target for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn description(&self) -> &'static str {
        "RFC 4180 blocklist: one row per indicator, fixed columns, spreadsheet-safe"
    }

    fn bundle_note(&self) -> &'static str {
        "CSV blocklists"
    }

    /// Every indicator and every bulk entry is a row, whatever its action.
    fn support(&self, item: &Item) -> Support {
        match item.kind {
            ItemKind::Detection => Support::No(
                "a behaviour (protocol, ports, payload): the CSV lists indicators; its indicators have their own rows".into(),
            ),
            _ => Support::Yes,
        }
    }

    fn compile(&self, cx: &TargetContext<'_>) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let bytes = write(c).map_err(|e| {
            vec![
                Diagnostic::new(Code::WriteFailed, format!("cannot write the CSV: {e}"))
                    .help("this is a bug in iocc, please report it"),
            ]
        })?;
        Ok(TargetOutput::one_file(format!("{}.csv", c.id), bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for ok in ["202.114.4.0/24", "a=b", " =x", "", "'x", "a\tb\r\nc é"] {
            assert_eq!(neutralise(ok), ok);
        }
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(neutralise("a\0b\u{1b}[31mc\u{7f}d\u{85}e"), "a b [31mc d e");
        // A control character cannot hide a formula: the cleaned cell is checked.
        assert_eq!(neutralise("\u{1}=1+1"), " =1+1");
        assert_eq!(neutralise("=\0"), "'= ");
    }
}
