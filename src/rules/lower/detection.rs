//! Detections as rules: one protocol rule per detection, protocol and direction.

use ipnet::IpNet;

use super::words::{described, dir_word, once_per_flow, xdr_string};
use super::{addr_list, directions, header, port_list, Builder, Common, LoweredRule};
use crate::model::{Detection, Direction, Protocol as ItemProtocol, Transport};
use crate::rules::model::{Content, FlowFlag, Port, Protocol, Rpc, RuleOption};

/// The detection options of a Sun RPC call: a fixed prefix of every call (RFC 5531: message
/// type CALL (0), RPC version 2, then the program) gives the engine a fast pattern; `rpc:`
/// then checks program, version and procedure exactly. Over TCP the record mark comes first.
fn rpc_options(r: &crate::model::Rpc, tcp: bool) -> Vec<RuleOption> {
    let mut call = vec![0, 0, 0, 0, 0, 0, 0, 2];
    call.extend_from_slice(&r.program.to_be_bytes());
    let mut out = vec![
        RuleOption::Content(Content {
            offset: Some(if tcp { 8 } else { 4 }),
            depth: Some(12),
            ..Content::of(call)
        }),
        RuleOption::Rpc(Rpc {
            program: r.program,
            version: r.version,
            procedure: r.procedure,
        }),
    ];
    if let Some(path) = &r.path {
        // The export path is the distinctive part: make it the fast pattern.
        out.push(RuleOption::Content(Content {
            fast_pattern: true,
            ..Content::of(xdr_string(path))
        }));
    }
    out
}

impl Builder<'_> {
    pub(super) fn detections(&mut self) {
        for d in &self.c.detections {
            for &outbound in &directions(d.direction) {
                for &proto in &d.protocols {
                    let r = self.detection_rule(d, proto, outbound);
                    self.out.rules.push(r);
                }
            }
        }
    }

    /// The rule of one detection for one protocol and direction.
    fn detection_rule(&self, d: &Detection, proto: ItemProtocol, outbound: bool) -> LoweredRule {
        let c = self.c;
        let nets: Vec<IpNet> = d
            .indicators
            .iter()
            .filter_map(|id| c.indicator(id).and_then(|i| i.observable.as_net()))
            .collect();
        let (protocol, transport) = match proto {
            ItemProtocol::Ip => (Protocol::Ip, None),
            ItemProtocol::Tcp => (Protocol::Tcp, Some(Transport::Tcp)),
            ItemProtocol::Udp => (Protocol::Udp, Some(Transport::Udp)),
        };
        let proto_word = protocol.as_str().to_owned();
        let ports = transport.map_or(Port::Any, |t| port_list(&d.ports, t));
        // The protected side is the client for outbound behaviours, the server for inbound
        // ones; ports are the server's.
        let header = header(protocol, addr_list(&nets), ports, outbound);
        let mut detect = Vec::new();
        match transport {
            Some(Transport::Tcp) => {
                detect.push(RuleOption::Flow(vec![
                    FlowFlag::Established,
                    FlowFlag::ToServer,
                ]));
            }
            Some(Transport::Udp) => detect.push(RuleOption::Flow(vec![FlowFlag::ToServer])),
            None => {}
        }
        if let Some(r) = &d.rpc {
            detect.extend(rpc_options(r, transport == Some(Transport::Tcp)));
        }
        for m in &d.content {
            detect.push(RuleOption::Content(Content {
                offset: m.offset,
                depth: m.depth,
                nocase: m.nocase,
                ..Content::of(m.bytes.clone())
            }));
        }
        let key = format!("detection/{}/{proto_word}/{}", d.id, dir_word(outbound));
        if transport.is_some() {
            // A port-only rule matches every packet of the flow, a payload or RPC rule every
            // message: an HL7 feed sends one per reading, an NFS copy one call per block.
            // Alert once per flow.
            detect.extend(once_per_flow(&format!("{}/{key}", c.id)));
        }
        // One parenthesis for what tells the rules of a detection apart: `(TCP, outbound)`.
        let mut suffix = Vec::new();
        if d.protocols.len() > 1 {
            suffix.push(proto_word.to_ascii_uppercase());
        }
        if d.direction == Direction::Both {
            suffix.push(dir_word(outbound).to_owned());
        }
        let common = Common {
            classtype: d.classtype.clone(),
            msg: self.msg(&d.classtype, &d.title, &described(Some(&suffix.join(", ")))),
            references: self.references(&d.cves, &d.references),
            metadata: self.metadata(&d.cves, d.confidence, d.severity, None),
        };
        LoweredRule {
            key,
            rule: common.rule(header, detect, outbound),
            members: None,
        }
    }

    /// The networks IP-only detections cover, per direction (outbound, inbound). Computed once:
    /// catalogues may hold a million indicators.
    pub(super) fn ip_only_cover(&self) -> (Vec<IpNet>, Vec<IpNet>) {
        let (mut out, mut inb) = (Vec::new(), Vec::new());
        for d in &self.c.detections {
            if d.protocols != [ItemProtocol::Ip] {
                continue;
            }
            for id in &d.indicators {
                if let Some(n) = self.c.indicator(id).and_then(|i| i.observable.as_net()) {
                    if d.direction.includes_outbound() {
                        out.push(n);
                    }
                    if d.direction.includes_inbound() {
                        inb.push(n);
                    }
                }
            }
        }
        (out, inb)
    }
}
