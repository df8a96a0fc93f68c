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

use super::{Files, Item, ItemKind, Support, Target, TargetContext, TargetOutput, WriteError};
use crate::diag::{Code, Diagnostic};
use crate::model::packed::merge;
use crate::model::{
    Action, BulkList, Catalogue, Confidence, Direction, Meta, Observable, Severity,
};

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

/// The cells every row of one item (an indicator, or a whole bulk list) shares: built once.
struct Shared {
    cells: [String; 9],
}

impl Shared {
    fn of(m: &Meta) -> Shared {
        let date = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string()).unwrap_or_default();
        Shared {
            cells: [
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
            ],
        }
    }
}

/// The indicator cell: formatted when the row is written, so a million-entry list holds
/// no million strings.
#[derive(Clone, Copy)]
enum Value<'a> {
    V4(u32, u8),
    V6(u128, u8),
    Text(&'a str),
}

/// One row to print; `net` is its sort key among addresses.
struct Row<'a> {
    net: (u128, u8),
    value: Value<'a>,
    kind: &'static str,
    protocol: &'static str,
    ports: &'a str,
    shared: &'a Shared,
}

/// The classes of rows, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    V4,
    V6,
    Domain,
    Url,
    Port,
    Hash,
}

/// A catalogue indicator's row: its class, sort keys and cells.
struct IndicatorRow {
    class: Class,
    net: (u128, u8),
    sort: String,
    shown: String,
    kind: &'static str,
    protocol: &'static str,
    ports: String,
    shared: Shared,
}

impl IndicatorRow {
    fn row(&self) -> Row<'_> {
        Row {
            net: self.net,
            value: Value::Text(&self.shown),
            kind: self.kind,
            protocol: self.protocol,
            ports: &self.ports,
            shared: &self.shared,
        }
    }
}

/// The catalogue's own indicators as rows, sorted by class and key (ties in catalogue order).
fn indicator_rows(c: &Catalogue) -> Vec<IndicatorRow> {
    let mut rows: Vec<IndicatorRow> = c
        .indicators
        .iter()
        .map(|i| {
            let (class, net, sort, protocol, ports) = match &i.observable {
                Observable::Address(_) | Observable::Network(_) => {
                    let (class, net) = match i.observable.as_net().unwrap_or_default() {
                        IpNet::V4(n) => (
                            Class::V4,
                            (u128::from(u32::from(n.network())), n.prefix_len()),
                        ),
                        IpNet::V6(n) => (Class::V6, (u128::from(n.network()), n.prefix_len())),
                    };
                    (class, net, String::new(), "ip", String::new())
                }
                Observable::Domain(d) => (Class::Domain, (0, 0), d.clone(), "", String::new()),
                Observable::Url(u) => (Class::Url, (0, 0), u.clone(), "", String::new()),
                Observable::Port {
                    transport,
                    first,
                    last,
                } => (
                    Class::Port,
                    (0, 0),
                    format!("{}/{:05}-{:05}", transport.as_str(), first, last),
                    transport.as_str(),
                    if first == last {
                        first.to_string()
                    } else {
                        format!("{first}-{last}")
                    },
                ),
                Observable::FileHash { hex, .. } => {
                    (Class::Hash, (0, 0), hex.clone(), "", String::new())
                }
            };
            IndicatorRow {
                class,
                net,
                sort,
                shown: i.observable.value(),
                kind: i.observable.kind(),
                protocol,
                ports,
                shared: Shared::of(&i.meta),
            }
        })
        .collect();
    rows.sort_by(|a, b| (a.class, a.net, &a.sort).cmp(&(b.class, b.net, &b.sort)));
    rows
}

/// The rows of one class, sorted: the catalogue's indicators and every bulk list's entries
/// merged (each list is already sorted), ties in catalogue order.
fn class_rows<'a>(
    class: Class,
    indicators: &'a [IndicatorRow],
    lists: &'a [(&'a BulkList, Shared)],
) -> Box<dyn Iterator<Item = Row<'a>> + 'a> {
    let own = indicators
        .iter()
        .filter(move |r| r.class == class)
        .map(IndicatorRow::row);
    let mut streams: Vec<Box<dyn Iterator<Item = Row<'a>> + 'a>> = vec![Box::new(own)];
    for (b, shared) in lists {
        let stream: Box<dyn Iterator<Item = Row<'a>> + 'a> = match class {
            Class::V4 => Box::new(b.networks.v4().iter().map(move |e| Row {
                net: (u128::from(e.addr), e.len),
                value: Value::V4(e.addr, e.len),
                kind: if e.is_host() { "ipv4" } else { "cidr" },
                protocol: "ip",
                ports: "",
                shared,
            })),
            Class::V6 => Box::new(b.networks.v6().iter().map(move |e| Row {
                net: e.key(),
                value: Value::V6(e.addr(), e.len),
                kind: if e.is_host() { "ipv6" } else { "cidr" },
                protocol: "ip",
                ports: "",
                shared,
            })),
            Class::Domain => Box::new(b.domains.iter().map(move |(d, _)| Row {
                net: (0, 0),
                value: Value::Text(d),
                kind: "domain",
                protocol: "",
                ports: "",
                shared,
            })),
            _ => continue,
        };
        streams.push(stream);
    }
    match class {
        Class::Domain => Box::new(merge(streams, |r: &Row<'a>| match r.value {
            Value::Text(t) => t,
            _ => "",
        })),
        _ => Box::new(merge(streams, |r: &Row<'a>| r.net)),
    }
}

/// An address bare, a network with its length (IPv4 through the fast formatter of `net`).
fn show(v: Value<'_>, out: &mut String) {
    use crate::net::V4;
    use std::fmt::Write as _;
    out.clear();
    let _ = match v {
        Value::V4(a, 32) => write!(out, "{}", V4(a.into())),
        Value::V4(a, len) => write!(out, "{}/{len}", V4(a.into())),
        Value::V6(a, 128) => write!(out, "{}", std::net::Ipv6Addr::from(a)),
        Value::V6(a, len) => write!(out, "{}/{len}", std::net::Ipv6Addr::from(a)),
        Value::Text(t) => write!(out, "{t}"),
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

/// Writes the CSV of a catalogue into `w`, row by row.
pub fn write(c: &Catalogue, w: impl std::io::Write) -> Result<(), csv::Error> {
    let indicators = indicator_rows(c);
    let lists: Vec<(&BulkList, Shared)> = c.bulk.iter().map(|b| (b, Shared::of(&b.meta))).collect();
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(1 << 16)
        .from_writer(w);
    out.write_record(COLUMNS)?;
    let mut shown = String::new();
    for class in [
        Class::V4,
        Class::V6,
        Class::Domain,
        Class::Url,
        Class::Port,
        Class::Hash,
    ] {
        for r in class_rows(class, &indicators, &lists) {
            let s = &r.shared.cells;
            let indicator: &str = match r.value {
                Value::Text(t) => t,
                v => {
                    show(v, &mut shown);
                    &shown
                }
            };
            let record: [&str; 15] = [
                indicator,
                r.kind,
                &s[0],
                &s[1],
                r.protocol,
                r.ports,
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
                out.write_field(neutralise(cell).as_bytes())?;
            }
            out.write_record(None::<&[u8]>)?;
        }
    }
    out.flush()?;
    Ok(())
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
                "a detection is a match on traffic, not a value to block: the CSV has one row per indicator, and the detection's own indicators have theirs".into(),
            ),
            _ => Support::Yes,
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        out.file(&format!("{}.csv", c.id), |w| {
            write(c, w).map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(e) => WriteError::Io(e),
                other => WriteError::Refused(vec![Diagnostic::new(
                    Code::WriteFailed,
                    format!("cannot write the CSV: {other:?}"),
                )
                .help("this is a bug in iocc, please report it")]),
            })
        })?;
        Ok(TargetOutput::done())
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
