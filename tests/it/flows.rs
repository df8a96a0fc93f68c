//! Reads a classic pcap (Ethernet, IPv4, TCP/UDP/ICMP) into flows, independently of the engines
//! under test: each flow is keyed by its transport and its two endpoints, oriented from the
//! host that sent its first packet (the client), and keeps what the scoring needs: when it
//! started and ended, whether the server answered, and the first bytes the client sent. ICMP
//! flows use the type and code as ports, as Zeek does.

use std::net::Ipv4Addr;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
        }
    }

    /// From a log's protocol field (`tcp`, `TCP`, ...).
    pub fn parse(s: &str) -> Option<Proto> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            "icmp" => Some(Proto::Icmp),
            _ => None,
        }
    }
}

pub type Endpoint = (Ipv4Addr, u16);

#[derive(Debug, Clone)]
pub struct Flow {
    pub proto: Proto,
    pub client: Endpoint,
    pub server: Endpoint,
    /// Seconds since the epoch of the first and the last packet.
    pub first: f64,
    pub last: f64,
    pub client_packets: usize,
    pub server_packets: usize,
    /// TCP: the server answered the SYN.
    pub syn_ack: bool,
    /// The client's payload in arrival order, at most [`KEEP`] bytes.
    pub client_bytes: Vec<u8>,
    /// The payload of each client packet that had one, at most [`KEEP`] bytes each.
    pub client_payloads: Vec<Vec<u8>>,
}

/// Payload bytes kept per flow and per packet.
pub const KEEP: usize = 4096;

impl Flow {
    /// True when the flow joins these two endpoints (either way round).
    pub fn joins(&self, proto: Proto, a: Endpoint, b: Endpoint) -> bool {
        self.proto == proto
            && ((self.client == a && self.server == b) || (self.client == b && self.server == a))
    }
}

struct Packet<'a> {
    ts: f64,
    proto: Proto,
    src: Endpoint,
    dst: Endpoint,
    syn: bool,
    ack: bool,
    payload: &'a [u8],
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Decodes one Ethernet frame carrying IPv4; `None` for anything else.
fn decode(ts: f64, frame: &[u8]) -> Option<Packet<'_>> {
    if frame.len() < 34 || u16_at(frame, 12) != 0x0800 {
        return None;
    }
    let ip = &frame[14..];
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16_at(ip, 2)).min(ip.len());
    if ip[0] >> 4 != 4 || ihl < 20 || total < ihl {
        return None;
    }
    let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    let l4 = &ip[ihl..total];
    let (proto, sport, dport, flags, payload) = match ip[9] {
        6 if l4.len() >= 20 => {
            let off = usize::from(l4[12] >> 4) * 4;
            (
                Proto::Tcp,
                u16_at(l4, 0),
                u16_at(l4, 2),
                l4[13],
                l4.get(off..).unwrap_or(&[]),
            )
        }
        17 if l4.len() >= 8 => (Proto::Udp, u16_at(l4, 0), u16_at(l4, 2), 0, &l4[8..]),
        1 if l4.len() >= 4 => (Proto::Icmp, u16::from(l4[0]), u16::from(l4[1]), 0, &l4[4..]),
        _ => return None,
    };
    Some(Packet {
        ts,
        proto,
        src: (src, sport),
        dst: (dst, dport),
        syn: flags & 0x02 != 0,
        ack: flags & 0x10 != 0,
        payload,
    })
}

/// Every flow of a pcap file, in the order of their first packet.
pub fn read(path: &Path) -> Vec<Flow> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(data.len() >= 24, "{}: not a pcap", path.display());
    let magic = u32::from_le_bytes(data[0..4].try_into().unwrap());
    let (le, nanos) = match magic {
        0xa1b2_c3d4 => (true, false),
        0xa1b2_3c4d => (true, true),
        0xd4c3_b2a1 => (false, false),
        0x4d3c_b2a1 => (false, true),
        _ => panic!("{}: not a classic pcap (magic {magic:#x})", path.display()),
    };
    let word = |at: usize| {
        let b: [u8; 4] = data[at..at + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    assert_eq!(word(20), 1, "{}: link type is not Ethernet", path.display());
    let mut flows: Vec<Flow> = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let frac = f64::from(word(at + 4)) / if nanos { 1e9 } else { 1e6 };
        let ts = f64::from(word(at)) + frac;
        let caplen = word(at + 8) as usize;
        let Some(frame) = data.get(at + 16..at + 16 + caplen) else {
            break;
        };
        at += 16 + caplen;
        if let Some(p) = decode(ts, frame) {
            add(&mut flows, &p);
        }
    }
    flows
}

/// Adds a packet to the newest flow joining its endpoints, or starts a flow (a TCP SYN
/// without ACK always starts one).
fn add(flows: &mut Vec<Flow>, p: &Packet<'_>) {
    let fresh_syn = p.proto == Proto::Tcp && p.syn && !p.ack;
    let existing = flows
        .iter_mut()
        .rev()
        .find(|f| f.joins(p.proto, p.src, p.dst))
        .filter(|f| !(fresh_syn && f.client == p.src && f.client_packets > 1));
    let flow = match existing {
        Some(f) => f,
        None => {
            flows.push(Flow {
                proto: p.proto,
                client: p.src,
                server: p.dst,
                first: p.ts,
                last: p.ts,
                client_packets: 0,
                server_packets: 0,
                syn_ack: false,
                client_bytes: Vec::new(),
                client_payloads: Vec::new(),
            });
            flows.last_mut().unwrap()
        }
    };
    flow.last = p.ts;
    if flow.client == p.src {
        flow.client_packets += 1;
        if !p.payload.is_empty() {
            let room = KEEP.saturating_sub(flow.client_bytes.len());
            flow.client_bytes
                .extend_from_slice(&p.payload[..p.payload.len().min(room)]);
            flow.client_payloads
                .push(p.payload[..p.payload.len().min(KEEP)].to_vec());
        }
    } else {
        flow.server_packets += 1;
        if p.syn && p.ack {
            flow.syn_ack = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::{Pcap, Tcp};

    #[test]
    fn reads_back_what_the_pcap_writer_wrote() {
        let client = (Ipv4Addr::new(192, 168, 1, 50), 40000);
        let server = (Ipv4Addr::new(202, 114, 4, 119), 515);
        let mut p = Pcap::new();
        Tcp::open(&mut p, client, server)
            .send(b"abc")
            .send(b"def")
            .reply(b"x")
            .close();
        p.udp(client, (server.0, 111), b"call");
        p.udp((server.0, 111), client, b"reply");
        let dir = crate::common::scratch("flows-read");
        let file = dir.join("t.pcap");
        std::fs::write(&file, p.bytes()).unwrap();
        let flows = read(&file);
        assert_eq!(flows.len(), 2, "{flows:?}");
        let tcp = &flows[0];
        assert_eq!(
            (tcp.proto, tcp.client, tcp.server),
            (Proto::Tcp, client, server)
        );
        assert!(tcp.syn_ack);
        assert_eq!(tcp.client_bytes, b"abcdef");
        assert_eq!(tcp.client_payloads, vec![b"abc".to_vec(), b"def".to_vec()]);
        let udp = &flows[1];
        assert_eq!((udp.client_packets, udp.server_packets), (1, 1));
        assert_eq!(udp.client_bytes, b"call");
        assert!(udp.first >= tcp.last);
    }
}
