//! The view of `scripts/main.zeek`: each detection lowered to one Notice type, its `&redef`
//! constants and the event handlers that raise it, chosen from what the detection says.
//!
//! Guarantees: every Zeek identifier, number, address, port and condition here is built from
//! typed values (ids reduced by [`ident`], canonical networks, `u16` ports, `u32` RPC numbers)
//! and handed to the template as a safe value; catalogue text (titles, CVE lists, paths) stays
//! plain and is printed through the Zeek escaper. Shapes, in order: a Sun RPC call (portmapper
//! GETPORT, MOUNT MNT of a path, or any call of a program Zeek has an analyzer for), a payload
//! pattern (a `.sig` signature turned into a notice), otherwise a connection. A detection Zeek
//! cannot express is reported as skipped with the reason.

use std::collections::BTreeSet;

use ipnet::IpNet;
use minijinja::Value;
use serde::Serialize;

use super::escape::{ident, notice_name};
use super::sig::{self, Signature};
use crate::model::{Catalogue, Detection, Direction, Protocol, Transport};
use crate::render::safe;
use crate::targets::Skipped;

/// Port sets larger than this are not expanded into a `set[port]`.
pub const MAX_PORTS: usize = 1024;

/// A Sun RPC program with a Zeek analyzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RpcAnalyzer {
    Portmapper,
    Mount,
    Nfs,
}

impl RpcAnalyzer {
    fn of(program: u32) -> Option<RpcAnalyzer> {
        match program {
            100_000 => Some(RpcAnalyzer::Portmapper),
            100_005 => Some(RpcAnalyzer::Mount),
            100_003 => Some(RpcAnalyzer::Nfs),
            _ => None,
        }
    }
    fn tag(self) -> &'static str {
        match self {
            RpcAnalyzer::Portmapper => "Analyzer::ANALYZER_PORTMAPPER",
            RpcAnalyzer::Mount => "Analyzer::ANALYZER_MOUNT",
            RpcAnalyzer::Nfs => "Analyzer::ANALYZER_NFS",
        }
    }
    fn name(self) -> &'static str {
        match self {
            RpcAnalyzer::Portmapper => "portmapper",
            RpcAnalyzer::Mount => "mount",
            RpcAnalyzer::Nfs => "nfs",
        }
    }
    fn program(self) -> u32 {
        match self {
            RpcAnalyzer::Portmapper => 100_000,
            RpcAnalyzer::Mount => 100_005,
            RpcAnalyzer::Nfs => 100_003,
        }
    }
    /// Well-known ports, used when no detection of the program names its ports (MOUNT: the
    /// ports Zeek's own MOUNT test registers).
    fn default_ports(self) -> &'static [u16] {
        match self {
            RpcAnalyzer::Portmapper => &[111],
            RpcAnalyzer::Mount => &[635, 20048],
            RpcAnalyzer::Nfs => &[2049],
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DetectionView {
    pub id: String,
    pub title: String,
    /// The notice message: title and CVE ids.
    pub msg: String,
    pub indicators: String,
    /// `conn`, `getport`, `mnt`, `rpc` or `sig`.
    pub kind: &'static str,
    pub notice: Value,
    pub nets_const: Value,
    pub nets: Value,
    pub ports_const: Option<Value>,
    pub ports: Value,
    pub paths_const: Option<Value>,
    /// MOUNT paths, printed as escaped string literals.
    pub paths: Vec<String>,
    pub sigs_const: Option<Value>,
    pub sig_ids: Vec<String>,
    /// The Zeek condition of the handler (`c`, or `r` for portmapper events).
    pub test: Value,
    /// Notes for a comment, e.g. what Zeek cannot check.
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AnalyzerView {
    pub name: &'static str,
    pub tag: Value,
    pub ports_const: Value,
    pub ports: Value,
    /// The TCP ports one by one (`111/tcp`), for tables keyed by port.
    pub tcp_ports: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct FollowView {
    pub program: u32,
    pub name: &'static str,
    pub tag: Value,
}

pub struct ModuleParts {
    pub detections: Vec<DetectionView>,
    pub analyzers: Vec<AnalyzerView>,
    pub follow: Vec<FollowView>,
    pub signatures: Vec<Signature>,
}

/// A network as a Zeek subnet literal (IPv6 in brackets).
pub fn subnet_literal(n: &IpNet) -> String {
    match n {
        IpNet::V4(v) => v.to_string(),
        IpNet::V6(v) => format!("[{}]/{}", v.addr(), v.prefix_len()),
    }
}

fn port_literals(ports: &BTreeSet<(u16, Transport)>) -> String {
    ports
        .iter()
        .map(|(p, t)| format!("{p}/{}", t.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn transports(d: &Detection) -> Vec<Transport> {
    d.protocols
        .iter()
        .filter_map(|p| match p {
            Protocol::Tcp => Some(Transport::Tcp),
            Protocol::Udp => Some(Transport::Udp),
            Protocol::Ip => None,
        })
        .collect()
}

/// The detection's ports expanded per transport, or `None` when there are too many.
fn expand_ports(d: &Detection) -> Option<BTreeSet<(u16, Transport)>> {
    let ts = transports(d);
    let mut set = BTreeSet::new();
    for r in &d.ports {
        for t in &ts {
            if r.transport.is_none_or(|x| x == *t) {
                for p in r.first..=r.last {
                    set.insert((p, *t));
                    if set.len() > MAX_PORTS {
                        return None;
                    }
                }
            }
        }
    }
    Some(set)
}

/// `c$id$resp_h in X` / `c$id$orig_h in X` / either, for the detection's direction.
fn host_test(var: &str, direction: Direction, nets_const: &str) -> String {
    match direction {
        Direction::Outbound => format!("{var}$id$resp_h in {nets_const}"),
        Direction::Inbound => format!("{var}$id$orig_h in {nets_const}"),
        Direction::Both => {
            format!("( {var}$id$orig_h in {nets_const} || {var}$id$resp_h in {nets_const} )")
        }
    }
}

/// A transport test when the detection names exactly one of TCP and UDP.
fn transport_test(var: &str, ts: &[Transport]) -> String {
    match ts {
        [t] => format!(
            " && get_port_transport_proto({var}$id$resp_p) == {}",
            t.as_str()
        ),
        _ => String::new(),
    }
}

/// Lowers every detection into its notice check; a detection Zeek cannot express is
/// refused with the reason.
pub fn lower(c: &Catalogue, refused: &mut Vec<Skipped>) -> ModuleParts {
    let mut rpc = RpcUse::default();
    let mut detections = Vec::new();
    let mut signatures = Vec::new();
    for d in &c.detections {
        match detection(c, d, &mut rpc, &mut signatures) {
            Ok(view) => detections.push(view),
            Err(reason) => refused.push(Skipped::new(&d.id, reason)),
        }
    }
    let (analyzers, follow) = rpc.views();
    ModuleParts {
        detections,
        analyzers,
        follow,
        signatures,
    }
}

/// The RPC analyzers the detections need, and the ports each is registered on.
#[derive(Default)]
struct RpcUse {
    ports: std::collections::BTreeMap<RpcAnalyzer, BTreeSet<(u16, Transport)>>,
    used: BTreeSet<RpcAnalyzer>,
}

impl RpcUse {
    /// The analyzers to register (with the portmapper whenever another one is used: it
    /// follows GETPORT answers to MOUNT and NFS) and those the portmapper follows.
    fn views(mut self) -> (Vec<AnalyzerView>, Vec<FollowView>) {
        let follow: Vec<FollowView> = self
            .used
            .iter()
            .filter(|a| **a != RpcAnalyzer::Portmapper)
            .map(|a| FollowView {
                program: a.program(),
                name: a.name(),
                tag: safe(a.tag().to_owned()),
            })
            .collect();
        if !follow.is_empty() {
            self.used.insert(RpcAnalyzer::Portmapper);
        }
        let analyzers = self
            .used
            .iter()
            .map(|a| {
                let mut ports = self.ports.remove(a).unwrap_or_default();
                if ports.is_empty() {
                    for p in a.default_ports() {
                        ports.insert((*p, Transport::Tcp));
                        ports.insert((*p, Transport::Udp));
                    }
                }
                AnalyzerView {
                    name: a.name(),
                    tag: safe(a.tag().to_owned()),
                    ports_const: safe(format!("rpc_{}_port_set", a.name())),
                    ports: safe(port_literals(&ports)),
                    tcp_ports: ports
                        .iter()
                        .filter(|(_, t)| *t == Transport::Tcp)
                        .map(|(p, t)| safe(format!("{p}/{}", t.as_str())))
                        .collect(),
                }
            })
            .collect();
        (analyzers, follow)
    }
}

/// One detection's notice check: an RPC call, a payload signature, or a connection to the
/// hosts (on the ports); `Err` with the reason when Zeek cannot express it.
fn detection(
    c: &Catalogue,
    d: &Detection,
    rpc_use: &mut RpcUse,
    signatures: &mut Vec<Signature>,
) -> Result<DetectionView, String> {
    let base = ident(&d.id);
    let nets: Vec<IpNet> = d
        .indicators
        .iter()
        .filter_map(|id| c.indicator(id).and_then(|i| i.observable.as_net()))
        .collect();
    let nets_const = format!("{base}_nets");
    let ports = expand_ports(d)
        .ok_or_else(|| format!("its ports expand to more than {MAX_PORTS} Zeek port values"))?;
    let ts = transports(d);
    let mut view = DetectionView {
        id: d.id.clone(),
        title: d.title.clone(),
        msg: if d.cves.is_empty() {
            d.title.clone()
        } else {
            format!("{} ({})", d.title, d.cves.join(", "))
        },
        indicators: d.indicators.join(", "),
        kind: "conn",
        notice: safe(notice_name(&d.id)),
        nets_const: safe(nets_const.clone()),
        nets: safe(
            nets.iter()
                .map(subnet_literal)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ports_const: None,
        ports: safe(port_literals(&ports)),
        paths_const: None,
        paths: Vec::new(),
        sigs_const: None,
        sig_ids: Vec::new(),
        test: safe(String::new()),
        notes: Vec::new(),
    };
    if let Some(rpc) = &d.rpc {
        let an = RpcAnalyzer::of(rpc.program).ok_or_else(|| {
            format!(
                "Zeek has no analyzer for Sun RPC program {}; only portmapper (100000), NFS (100003) and MOUNT (100005) are decoded",
                rpc.program
            )
        })?;
        rpc_use.used.insert(an);
        rpc_use
            .ports
            .entry(an)
            .or_default()
            .extend(ports.iter().copied());
        rpc_check(&mut view, d, rpc, an, &nets_const, &ts);
    } else if !d.content.is_empty() {
        view.kind = "sig";
        let sigs = sig::signatures(&c.id, d, &nets, &ts);
        if sigs.is_empty() {
            return Err("none of its protocols has a port to match the payload on".into());
        }
        let sigs_const = format!("{base}_sigs");
        view.sig_ids = sigs.iter().map(|s| s.id.clone()).collect();
        view.test = safe(format!(
            "state$sig_id in {sigs_const} && {}",
            host_test("c", d.direction, &nets_const)
        ));
        view.sigs_const = Some(safe(sigs_const));
        signatures.extend(sigs);
    } else {
        let mut test = host_test("c", d.direction, &nets_const);
        if !d.ports.is_empty() {
            let ports_const = format!("{base}_ports");
            test.push_str(&format!(" && c$id$resp_p in {ports_const}"));
            view.ports_const = Some(safe(ports_const));
        } else if !ts.is_empty() {
            let protos: Vec<String> = ts
                .iter()
                .map(|t| format!("get_port_transport_proto(c$id$resp_p) == {}", t.as_str()))
                .collect();
            test.push_str(&format!(" && ( {} )", protos.join(" || ")));
        }
        view.test = safe(test);
    }
    Ok(view)
}

/// The check of an RPC detection: a portmapper GETPORT answer, a MOUNT of a path, or any
/// call of the program (version, procedure); notes say what Zeek cannot check.
fn rpc_check(
    view: &mut DetectionView,
    d: &Detection,
    rpc: &crate::model::Rpc,
    an: RpcAnalyzer,
    nets_const: &str,
    ts: &[Transport],
) {
    if !d.content.is_empty() {
        view.notes.push(
            "its payload pattern is not matched: the RPC analyzer decodes the call itself"
                .to_owned(),
        );
    }
    let getport =
        an == RpcAnalyzer::Portmapper && rpc.procedure == Some(3) && rpc.version.is_none();
    let mnt = an == RpcAnalyzer::Mount && rpc.procedure == Some(1) && rpc.path.is_some();
    if getport {
        view.kind = "getport";
        view.test = safe(host_test("r", d.direction, nets_const) + &transport_test("r", ts));
    } else if mnt {
        view.kind = "mnt";
        let paths_const = format!("{}_paths", ident(&d.id));
        view.test = safe(format!(
            "{}{} && req$dirname in {paths_const}",
            host_test("c", d.direction, nets_const),
            transport_test("c", ts)
        ));
        view.paths_const = Some(safe(paths_const));
        view.paths = rpc.path.iter().cloned().collect();
        if let Some(v) = rpc.version {
            view.notes.push(format!(
                "MOUNT events do not carry the program version: version {v} is not checked"
            ));
        }
    } else {
        view.kind = "rpc";
        let mut test = format!("prog == {}", rpc.program);
        if let Some(v) = rpc.version {
            test.push_str(&format!(" && ver == {v}"));
        }
        if let Some(p) = rpc.procedure {
            test.push_str(&format!(" && proc == {p}"));
        }
        test.push_str(&format!(" && {}", host_test("c", d.direction, nets_const)));
        test.push_str(&transport_test("c", ts));
        view.test = safe(test);
    }
}
