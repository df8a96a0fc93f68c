//! Indicators, bulk lists and detections, and the checks that span several of them
//! (duplicate values, overlapping networks, `part-of`, references between items).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use ipnet::IpNet;

use super::bulk;
use super::values::{short, MAX_SHORT, MAX_TEXT};
use super::{dangling, Ctx, CLASSTYPES};
use crate::diag::{Code, Diagnostic};
use crate::grammar::{content::parse_content, ports::parse_ports};
use crate::model::raw::{RawCatalogue, RawContent, RawDetection, RawMeta};
use crate::model::*;

impl Ctx<'_> {
    /// Validates the shared attributes; `None` if any of them is invalid.
    fn meta(
        &mut self,
        path: &str,
        role: &Option<String>,
        m: RawMeta<'_>,
        cves: &[&str],
    ) -> Option<Meta> {
        let mut ok = true;
        if let Some(r) = role {
            self.text(format_args!("{path}.role"), r, MAX_SHORT);
        }
        if let Some(d) = m.description {
            self.text(format_args!("{path}.description"), d, MAX_TEXT);
        }
        let confidence = match m.confidence {
            Some(c) => self.confidence(format_args!("{path}.confidence"), c),
            None => {
                self.push(
                    Diagnostic::new(Code::MissingField, "`confidence` is missing")
                        .at_path(path)
                        .help("say `confidence: sourced` if a source states it, `confidence: inferred` otherwise"),
                );
                None
            }
        };
        let severity = m.severity.as_ref().map_or(Some(Severity::Medium), |s| {
            self.severity(format_args!("{path}.severity"), s)
        });
        let action = m.action.as_ref().map_or(Some(Action::Block), |s| {
            self.action(format_args!("{path}.action"), s)
        });
        let direction = m.direction.as_ref().map_or(Some(Direction::Both), |s| {
            self.direction(format_args!("{path}.direction"), s)
        });
        let valid_from = match m.valid_from {
            Some(s) => {
                let d = self.date(format_args!("{path}.valid-from"), s);
                ok &= d.is_some();
                d
            }
            None => None,
        };
        let valid_until = match m.valid_until {
            Some(s) => {
                let d = self.date(format_args!("{path}.valid-until"), s);
                ok &= d.is_some();
                d
            }
            None => None,
        };
        if let (Some(f), Some(u)) = (valid_from, valid_until) {
            if u < f {
                self.push(
                    Diagnostic::new(
                        Code::DateOrder,
                        format!("valid-until {u} is before valid-from {f}"),
                    )
                    .at_path(format!("{path}.valid-until"))
                    .help("the validity window must end on or after its first day"),
                );
                ok = false;
            }
        }
        if let Some(u) = valid_until {
            if u < self.today {
                self.push(
                    Diagnostic::new(
                        Code::ExpiredValidity,
                        format!("the indicator expired on {u}"),
                    )
                    .at_path(format!("{path}.valid-until"))
                    .help("remove the indicator or extend `valid-until`; targets still carry it"),
                );
            }
        }
        self.cve_refs(path, m.cves, cves);
        self.references(format_args!("{path}.references"), m.references);
        Some(Meta {
            role: role.clone(),
            description: m.description.clone(),
            confidence: confidence?,
            severity: severity?,
            action: action?,
            direction: direction?,
            valid_from,
            valid_until,
            cves: m.cves.to_vec(),
            references: m.references.to_vec(),
        })
        .filter(|_| ok)
    }

    fn cve_refs(&mut self, path: &str, refs: &[String], known: &[&str]) {
        for (i, c) in refs.iter().enumerate() {
            if self.cve_id(format_args!("{path}.cves[{i}]"), c) && !known.contains(&c.as_str()) {
                let p = format!("{path}.cves[{i}]");
                dangling(self, &p, "CVE (declared under `advisory.cves`)", c, known);
            }
        }
    }
}

pub(super) fn indicators(cx: &mut Ctx<'_>, raw: &RawCatalogue, cves: &[&str]) -> Vec<Indicator> {
    let mut out = Vec::with_capacity(raw.indicators.len());
    for (i, r) in raw.indicators.iter().enumerate() {
        let path = format!("indicators[{i}]");
        cx.id(format_args!("{path}.id"), &r.id);
        let vpath = format!("{path}.value");
        let observable = match r.kind.as_str() {
            "ipv4" => cx
                .address(&vpath, &r.value, Some(false))
                .map(Observable::Address),
            "ipv6" => cx
                .address(&vpath, &r.value, Some(true))
                .map(Observable::Address),
            "cidr" => cx.network(&vpath, &r.value).map(Observable::Network),
            "domain" => cx.domain(&vpath, &r.value).map(Observable::Domain),
            "url" => cx.url(&vpath, &r.value).map(Observable::Url),
            "port" => port_value(cx, &vpath, &r.value),
            "sha256" => {
                cx.hash(&vpath, &r.value, HashAlgo::Sha256)
                    .map(|hex| Observable::FileHash {
                        algo: HashAlgo::Sha256,
                        hex,
                    })
            }
            "sha1" => cx
                .hash(&vpath, &r.value, HashAlgo::Sha1)
                .map(|hex| Observable::FileHash {
                    algo: HashAlgo::Sha1,
                    hex,
                }),
            "md5" => cx
                .hash(&vpath, &r.value, HashAlgo::Md5)
                .map(|hex| Observable::FileHash {
                    algo: HashAlgo::Md5,
                    hex,
                }),
            other => cx.bad_word(
                format_args!("{path}.kind"),
                other,
                "indicator kind",
                &[
                    "ipv4", "ipv6", "cidr", "domain", "url", "port", "sha256", "sha1", "md5",
                ],
            ),
        };
        let meta = cx.meta(&path, &r.role, r.meta(), cves);
        let size = file_size(cx, &path, r, observable.as_ref());
        cx.missing_references(
            &path,
            format_args!("indicator `{}`", short(&r.id)),
            &r.references,
        );
        if let (Some(observable), Some(meta)) = (observable, meta) {
            out.push(Indicator {
                id: r.id.clone(),
                observable,
                meta,
                part_of: r.part_of.clone(),
                size,
                origin: Origin::Yaml {
                    file: cx.file.to_path_buf(),
                    path: vpath,
                },
            });
        }
    }
    duplicate_values(cx, &out);
    part_of_and_overlaps(cx, raw, &out);
    out
}

/// `size`: only on a file hash, and positive (an empty file's digest names every empty file).
fn file_size(
    cx: &mut Ctx<'_>,
    path: &str,
    r: &crate::model::raw::RawIndicator,
    observable: Option<&Observable>,
) -> Option<u64> {
    let size = r.size?;
    let on_hash = matches!(observable, Some(Observable::FileHash { .. }))
        || matches!(r.kind.as_str(), "sha256" | "sha1" | "md5");
    if !on_hash {
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`size` is given for a `{}` indicator", short(&r.kind)),
            )
            .at_path(format!("{path}.size"))
            .help("`size` is the byte size of the file a sha256, sha1 or md5 indicator names; remove it here"),
        );
        return None;
    }
    if size == 0 {
        cx.push(
            Diagnostic::new(Code::InvalidValue, "`size` is 0")
                .at_path(format!("{path}.size"))
                .help("give the file's size in bytes (at least 1), or leave `size` out when it is unknown"),
        );
        return None;
    }
    Some(size)
}

fn port_value(cx: &mut Ctx<'_>, path: &str, s: &str) -> Option<Observable> {
    match parse_ports(s) {
        Ok(list) => match list.as_slice() {
            [PortRange {
                first,
                last,
                transport: Some(t),
            }] => Some(Observable::Port {
                transport: *t,
                first: *first,
                last: *last,
            }),
            _ => {
                cx.push(
                    Diagnostic::new(Code::InvalidPort, format!("`{}` is not a single port or range with its protocol", short(s)))
                        .at_path(path)
                        .help("a port indicator is one port or range with a protocol, e.g. `515/tcp` or `515-520/tcp`"),
                );
                None
            }
        },
        Err(e) => {
            cx.push(
                Diagnostic::new(Code::InvalidPort, format!("invalid port: {}", e.message))
                    .at_path_offset(path, e.offset)
                    .help(
                        "write a port or range with its protocol, e.g. `515/tcp` or `515-520/tcp`",
                    ),
            );
            None
        }
    }
}

/// The YAML path of a validated indicator's item, e.g. `indicators[7]`, read from its origin
/// in O(1). (Searching `raw.indicators` by id made validation quadratic: 100 000 indicators
/// with `part-of` spent seconds in string compares, and named the wrong item for duplicate
/// ids.)
fn item_path(ind: &Indicator) -> &str {
    match &ind.origin {
        Origin::Yaml { path, .. } => path.strip_suffix(".value").unwrap_or(path),
        Origin::Bulk { .. } => "",
    }
}

fn duplicate_values(cx: &mut Ctx<'_>, inds: &[Indicator]) {
    let mut seen: HashMap<&Observable, &str> = HashMap::with_capacity(inds.len());
    for ind in inds {
        if let Some(first) = seen.insert(&ind.observable, &ind.id) {
            cx.push(
                Diagnostic::new(
                    Code::DuplicateIndicator,
                    format!(
                        "`{}` is listed twice (as `{first}` and `{}`)",
                        short(&ind.observable.value()),
                        ind.id
                    ),
                )
                .at_path(format!("{}.value", item_path(ind)))
                .help("keep one indicator per value; merge roles and references into it"),
            );
            seen.insert(&ind.observable, first);
        }
    }
}

fn part_of_and_overlaps(cx: &mut Ctx<'_>, raw: &RawCatalogue, inds: &[Indicator]) {
    let by_id: HashMap<&str, &Indicator> = inds.iter().map(|i| (i.id.as_str(), i)).collect();
    let ids: Vec<&str> = raw.indicators.iter().map(|r| r.id.as_str()).collect();
    let all_ids: HashSet<&str> = ids.iter().copied().collect();
    for ind in inds {
        let Some(parent) = &ind.part_of else { continue };
        let path = format!("{}.part-of", item_path(ind));
        match by_id.get(parent.as_str()) {
            None if !all_ids.contains(parent.as_str()) => {
                dangling(cx, &path, "indicator", parent, &ids)
            }
            None => {}
            Some(p) => {
                let contained = match (p.observable.as_net(), ind.observable.as_net()) {
                    (Some(outer), Some(inner)) => {
                        matches!(p.observable, Observable::Network(_))
                            && outer != inner
                            && outer.contains(&inner)
                    }
                    _ => false,
                };
                if !contained {
                    cx.push(
                        Diagnostic::new(
                            Code::PartOfMismatch,
                            format!("`{}` does not lie inside `{}` ({})", ind.observable.value(), p.id, p.observable.value()),
                        )
                        .at_path(path)
                        .help("`part-of` names a wider `cidr` indicator that contains this address or network"),
                    );
                }
            }
        }
    }
    // Sort networks so that each is preceded by the ones containing it, then sweep.
    let mut nets: Vec<(IpNet, &Indicator)> = inds
        .iter()
        .filter_map(|i| Some((i.observable.as_net()?, i)))
        .collect();
    nets.sort_by_key(|(n, _)| (n.network(), n.prefix_len()));
    let mut open: Vec<(IpNet, &Indicator)> = Vec::new();
    for (net, ind) in nets {
        while open.last().is_some_and(|(o, _)| !o.contains(&net)) {
            open.pop();
        }
        if let Some((outer, container)) = open.last() {
            let declared = ancestors(ind, &by_id).any(|a| a == container.id);
            if *outer != net && !declared {
                cx.push(
                    Diagnostic::new(
                        Code::OverlappingIndicators,
                        format!(
                            "`{}` (`{}`) lies inside `{}` (`{}`)",
                            net, ind.id, outer, container.id
                        ),
                    )
                    .at_path(format!("{}.value", item_path(ind)))
                    .help(format!(
                        "if both are intended, add `part-of: {}` to `{}`",
                        container.id, ind.id
                    )),
                );
            }
        }
        open.push((net, ind));
    }
}

fn ancestors<'a>(
    ind: &'a Indicator,
    by_id: &'a HashMap<&str, &'a Indicator>,
) -> impl Iterator<Item = &'a str> + 'a {
    let mut next = ind.part_of.as_deref();
    let mut steps = 0;
    std::iter::from_fn(move || {
        let id = next?;
        steps += 1;
        next = if steps < 32 {
            by_id.get(id).and_then(|i| i.part_of.as_deref())
        } else {
            None
        };
        Some(id)
    })
}

pub(super) fn bulk_lists(
    cx: &mut Ctx<'_>,
    raw: &RawCatalogue,
    base: &Path,
    cves: &[&str],
) -> Vec<BulkList> {
    let mut out = Vec::new();
    for (i, b) in raw.bulk.iter().enumerate() {
        let path = format!("bulk[{i}]");
        cx.id(format_args!("{path}.id"), &b.id);
        let kind = match b.kind.as_str() {
            "address" => Some(BulkKind::Address),
            "domain" => Some(BulkKind::Domain),
            other => cx.bad_word(
                format_args!("{path}.kind"),
                other,
                "bulk list kind",
                &["address", "domain"],
            ),
        };
        let meta = cx.meta(&path, &b.role, b.meta(), cves);
        cx.missing_references(
            &path,
            format_args!("bulk list `{}`", short(&b.id)),
            &b.references,
        );
        let Some(kind) = kind else { continue };
        let loaded = bulk::load(base, b, kind, &path);
        match loaded {
            Ok(list) => {
                if let Some(meta) = meta {
                    out.push(BulkList {
                        id: b.id.clone(),
                        file: list.file,
                        kind,
                        meta,
                        networks: list.networks,
                        domains: list.domains,
                    });
                }
            }
            Err(diags) => {
                for d in diags {
                    cx.push(d);
                }
            }
        }
    }
    out
}

/// The indicators a detection may name, looked up by id. Hashed: detections may name
/// indicators of a 100 000-item catalogue.
struct IndicatorIds<'a> {
    /// Every indicator id as written, valid or not, in catalogue order (for suggestions).
    written: Vec<&'a str>,
    all: HashSet<&'a str>,
    /// The indicators that validated.
    valid: HashMap<&'a str, &'a Indicator>,
}

impl<'a> IndicatorIds<'a> {
    fn new(raw: &'a RawCatalogue, inds: &'a [Indicator]) -> Self {
        let written: Vec<&str> = raw.indicators.iter().map(|r| r.id.as_str()).collect();
        let mut valid: HashMap<&str, &Indicator> = HashMap::with_capacity(inds.len());
        for x in inds {
            valid.entry(x.id.as_str()).or_insert(x);
        }
        IndicatorIds {
            all: written.iter().copied().collect(),
            written,
            valid,
        }
    }
}

pub(super) fn detections(
    cx: &mut Ctx<'_>,
    raw: &RawCatalogue,
    inds: &[Indicator],
    cves: &[&str],
) -> Vec<Detection> {
    let ids = IndicatorIds::new(raw, inds);
    raw.detections
        .iter()
        .enumerate()
        .filter_map(|(i, d)| detection(cx, format!("detections[{i}]"), d, &ids, cves))
        .collect()
}

/// One detection, checked group of fields by group of fields in the order the diagnostics are
/// reported; `None` if any field is invalid.
fn detection(
    cx: &mut Ctx<'_>,
    path: String,
    d: &RawDetection,
    ids: &IndicatorIds<'_>,
    cves: &[&str],
) -> Option<Detection> {
    let mut ok = cx.id(format_args!("{path}.id"), &d.id);
    cx.text(format_args!("{path}.title"), &d.title, MAX_SHORT);
    if let Some(desc) = &d.description {
        cx.text(format_args!("{path}.description"), desc, MAX_TEXT);
    }
    let protocols = protocols(cx, &path, &d.protocols, &mut ok);
    let ports = ports(cx, &path, d.ports.as_deref(), &protocols, &mut ok);
    let direction = cx.direction(format_args!("{path}.direction"), &d.direction);
    ok &= indicator_refs(cx, &path, &d.indicators, ids);
    let content = content(cx, &path, &d.content, &protocols, &mut ok);
    let rpc = d.rpc.as_ref().map(|r| Rpc {
        program: r.program,
        version: r.version,
        procedure: r.procedure,
        path: r.path.clone(),
    });
    if let Some(r) = &rpc {
        ok &= rpc_call(cx, &path, r, &protocols);
    }
    ok &= classtype(cx, &path, &d.classtype);
    cx.cve_refs(&path, &d.cves, cves);
    cx.references(format_args!("{path}.references"), &d.references);
    cx.missing_references(
        &path,
        format_args!("detection `{}`", short(&d.id)),
        &d.references,
    );
    let confidence = cx.confidence(format_args!("{path}.confidence"), &d.confidence);
    let severity = d.severity.as_ref().map_or(Some(Severity::Medium), |s| {
        cx.severity(format_args!("{path}.severity"), s)
    });
    let (true, Some(direction), Some(confidence), Some(severity)) =
        (ok, direction, confidence, severity)
    else {
        return None;
    };
    Some(Detection {
        id: d.id.clone(),
        title: d.title.clone(),
        description: d.description.clone(),
        protocols,
        ports,
        direction,
        indicators: d.indicators.clone(),
        content,
        rpc,
        cves: d.cves.clone(),
        classtype: d.classtype.clone(),
        confidence,
        severity,
        references: d.references.clone(),
        origin: Origin::Yaml {
            file: cx.file.to_path_buf(),
            path,
        },
    })
}

/// `protocols`: `[ip]` alone, or `tcp` and/or `udp`. An empty list is reported only when
/// nothing was wrong before (`ok`): a list of unknown words is already reported word by word.
fn protocols(cx: &mut Ctx<'_>, path: &str, raw: &[String], ok: &mut bool) -> Vec<Protocol> {
    let mut protocols = Vec::new();
    for (j, p) in raw.iter().enumerate() {
        match p.as_str() {
            "ip" => protocols.push(Protocol::Ip),
            "tcp" => protocols.push(Protocol::Tcp),
            "udp" => protocols.push(Protocol::Udp),
            other => {
                cx.bad_word::<()>(
                    format_args!("{path}.protocols[{j}]"),
                    other,
                    "protocol",
                    &["ip", "tcp", "udp"],
                );
                *ok = false;
            }
        }
    }
    if protocols.is_empty() && *ok || protocols.contains(&Protocol::Ip) && protocols.len() > 1 {
        cx.push(
            Diagnostic::new(Code::InvalidProtocol, "`protocols` must be `[ip]` alone or a non-empty list of `tcp` and `udp`")
                .at_path(format!("{path}.protocols"))
                .help("use `[ip]` for any traffic, or `[tcp]`, `[udp]`, `[tcp, udp]` for port-based behaviours"),
        );
        *ok = false;
    }
    protocols
}

/// `ports`: the port grammar, on the detection's own transports.
fn ports(
    cx: &mut Ctx<'_>,
    path: &str,
    raw: Option<&str>,
    protocols: &[Protocol],
    ok: &mut bool,
) -> Vec<PortRange> {
    let Some(s) = raw else {
        return Vec::new();
    };
    let list = match parse_ports(s) {
        Ok(list) => list,
        Err(e) => {
            cx.push(
                Diagnostic::new(Code::InvalidPort, format!("invalid port list: {}", e.message))
                    .at_path_offset(format!("{path}.ports"), e.offset)
                    .help("write ports as `515`, ranges as `515-520`, and join them with `,`; add `/tcp` or `/udp` to bind one protocol"),
            );
            *ok = false;
            return Vec::new();
        }
    };
    if protocols == [Protocol::Ip] {
        cx.push(
            Diagnostic::new(Code::InvalidProtocol, "ports given for `protocols: [ip]`")
                .at_path(format!("{path}.ports"))
                .help("IP has no ports: remove `ports` or name `tcp`/`udp` in `protocols`"),
        );
        *ok = false;
    }
    for r in &list {
        let declared = r.transport.is_none_or(|t| {
            protocols.iter().any(|p| {
                matches!(
                    (p, t),
                    (Protocol::Tcp, Transport::Tcp) | (Protocol::Udp, Transport::Udp)
                )
            })
        });
        if !declared {
            cx.push(
                Diagnostic::new(
                    Code::InvalidProtocol,
                    format!("port `{r}` uses a protocol the detection does not list"),
                )
                .at_path(format!("{path}.ports"))
                .help("add the protocol to `protocols` or drop the `/tcp` or `/udp` suffix"),
            );
            *ok = false;
        }
    }
    list
}

/// `indicators`: at least one, each the id of an address or network indicator. An id whose
/// indicator is itself invalid fails quietly (its own diagnostic says why).
fn indicator_refs(cx: &mut Ctx<'_>, path: &str, named: &[String], ids: &IndicatorIds<'_>) -> bool {
    let mut ok = true;
    if named.is_empty() {
        cx.push(
            Diagnostic::new(Code::MissingField, "a detection names no indicator")
                .at_path(format!("{path}.indicators"))
                .help("list the ids of the address or network indicators at the far end"),
        );
        ok = false;
    }
    for (j, id) in named.iter().enumerate() {
        let p = format!("{path}.indicators[{j}]");
        match ids.valid.get(id.as_str()) {
            Some(x) if x.observable.as_net().is_none() => {
                cx.push(
                    Diagnostic::new(
                        Code::DanglingReference,
                        format!(
                            "indicator `{id}` is a {}, not an address or network",
                            x.observable.kind()
                        ),
                    )
                    .at_path(p)
                    .help("detections involve address (`ipv4`, `ipv6`) or `cidr` indicators"),
                );
                ok = false;
            }
            Some(_) => {}
            None if ids.all.contains(id.as_str()) => ok = false,
            None => {
                dangling(cx, &p, "indicator", id, &ids.written);
                ok = false;
            }
        }
    }
    ok
}

/// `content`: each pattern in content notation, deep enough for its bytes, on tcp or udp.
fn content(
    cx: &mut Ctx<'_>,
    path: &str,
    raw: &[RawContent],
    protocols: &[Protocol],
    ok: &mut bool,
) -> Vec<ContentMatch> {
    let mut content = Vec::new();
    for (j, c) in raw.iter().enumerate() {
        let bytes = match parse_content(&c.pattern) {
            Ok(bytes) => bytes,
            Err(e) => {
                cx.push(
                    Diagnostic::new(Code::InvalidContent, format!("invalid content: {}", e.message))
                        .at_path_offset(format!("{path}.content[{j}].match"), e.offset)
                        .help("write text with hex bytes between pipes, e.g. `|0b|MSH|7c|`; escape `\\`, `|`, `\"` and `;` with `\\` or as hex"),
                );
                *ok = false;
                continue;
            }
        };
        if let Some(depth) = c.depth.filter(|d| (*d as usize) < bytes.len()) {
            cx.push(
                Diagnostic::new(
                    Code::InvalidContent,
                    format!(
                        "depth {depth} is shorter than the {}-byte pattern",
                        bytes.len()
                    ),
                )
                .at_path(format!("{path}.content[{j}].depth"))
                .help("depth counts from offset and must cover the whole pattern"),
            );
            *ok = false;
        }
        content.push(ContentMatch {
            bytes,
            offset: c.offset,
            depth: c.depth,
            nocase: c.nocase,
        });
    }
    if !content.is_empty() && protocols == [Protocol::Ip] {
        cx.push(
            Diagnostic::new(
                Code::InvalidProtocol,
                "payload content needs `tcp` or `udp`",
            )
            .at_path(format!("{path}.content"))
            .help("name the transport in `protocols`"),
        );
        *ok = false;
    }
    content
}

/// `rpc`: over tcp or udp; `path` only on a MOUNT call, absolute, bounded, printable.
fn rpc_call(cx: &mut Ctx<'_>, path: &str, r: &Rpc, protocols: &[Protocol]) -> bool {
    let mut ok = true;
    if protocols == [Protocol::Ip] {
        cx.push(
            Diagnostic::new(Code::InvalidRpc, "a Sun RPC call needs `tcp` or `udp`")
                .at_path(format!("{path}.rpc"))
                .help("Sun RPC runs over UDP or TCP: list them in `protocols`"),
        );
        ok = false;
    }
    let Some(p) = &r.path else {
        return ok;
    };
    let problem = if r.program != 100_005 {
        Some((
            "`rpc.path` is the path argument of a MOUNT (100005) call",
            "use `path` only with `program: 100005`",
        ))
    } else if !p.starts_with('/') || p.len() > 1024 {
        Some((
            "`rpc.path` must be an absolute path of at most 1024 bytes",
            "write the exported path as the client mounts it, e.g. `/pm`",
        ))
    } else if p.chars().any(char::is_control) {
        Some((
            "`rpc.path` holds a control character",
            "remove the control character (newline, tab, NUL...) from the path",
        ))
    } else {
        None
    };
    if let Some((message, help)) = problem {
        cx.push(
            Diagnostic::new(Code::InvalidRpc, message)
                .at_path(format!("{path}.rpc.path"))
                .help(help),
        );
        ok = false;
    }
    ok
}

/// `classtype`: one of Suricata's default classification.config.
fn classtype(cx: &mut Ctx<'_>, path: &str, classtype: &str) -> bool {
    if CLASSTYPES.contains(&classtype) {
        return true;
    }
    cx.push(
        Diagnostic::new(Code::InvalidClasstype, format!("`{}` is not a Suricata classtype", short(classtype)))
            .at_path(format!("{path}.classtype"))
            .help("use a classtype from Suricata's classification.config, e.g. `trojan-activity`, `policy-violation`, `rpc-portmap-decode`"),
    );
    false
}
