//! A tiny pcap writer for engine tests: Ethernet + IPv4 + TCP/UDP with correct checksums,
//! TCP sessions (handshake, data, acks, FIN) and Sun RPC messages (UDP and TCP record marking).
//! The bytes follow RFC 791/793/768 and RFC 5531 directly, independent of the rules under test.

#![allow(dead_code)]

use std::net::Ipv4Addr;

pub struct Pcap {
    buf: Vec<u8>,
    usec: u64,
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for chunk in data.chunks(2) {
        let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
        acc += u32::from(word);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;

impl Default for Pcap {
    fn default() -> Self {
        Self::new()
    }
}

impl Pcap {
    pub fn new() -> Pcap {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&0i32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&65535u32.to_le_bytes());
        buf.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
        Pcap {
            buf,
            usec: 1_738_195_200_000_000, // 2025-01-30
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    fn frame(&mut self, ip: &[u8]) {
        let mut f = Vec::with_capacity(ip.len() + 14);
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
        f.extend_from_slice(ip);
        self.usec += 1000;
        self.buf
            .extend_from_slice(&((self.usec / 1_000_000) as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&((self.usec % 1_000_000) as u32).to_le_bytes());
        self.buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&f);
    }

    fn ipv4(&mut self, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, l4: &[u8]) {
        let total = 20 + l4.len();
        let mut h = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0x12,
            0x34,
            0x40,
            0,
            64,
            proto,
            0,
            0,
        ];
        h.extend_from_slice(&src.octets());
        h.extend_from_slice(&dst.octets());
        let c = fold(sum16(&h, 0));
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h.extend_from_slice(l4);
        self.frame(&h);
    }

    fn pseudo(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> u32 {
        let mut p = Vec::new();
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&dst.octets());
        p.extend_from_slice(&[0, proto, (len >> 8) as u8, len as u8]);
        sum16(&p, 0)
    }

    pub fn udp(&mut self, src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) {
        let len = 8 + payload.len();
        let mut u = Vec::with_capacity(len);
        u.extend_from_slice(&src.1.to_be_bytes());
        u.extend_from_slice(&dst.1.to_be_bytes());
        u.extend_from_slice(&(len as u16).to_be_bytes());
        u.extend_from_slice(&[0, 0]);
        u.extend_from_slice(payload);
        let mut c = fold(sum16(&u, Self::pseudo(src.0, dst.0, 17, len)));
        if c == 0 {
            c = 0xffff;
        }
        u[6..8].copy_from_slice(&c.to_be_bytes());
        self.ipv4(src.0, dst.0, 17, &u);
    }

    pub fn tcp(
        &mut self,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
        seq: u32,
        ack: u32,
        flags: u8,
        payload: &[u8],
    ) {
        let mut t = Vec::with_capacity(20 + payload.len());
        t.extend_from_slice(&src.1.to_be_bytes());
        t.extend_from_slice(&dst.1.to_be_bytes());
        t.extend_from_slice(&seq.to_be_bytes());
        t.extend_from_slice(&ack.to_be_bytes());
        t.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        t.extend_from_slice(payload);
        let c = fold(sum16(&t, Self::pseudo(src.0, dst.0, 6, t.len())));
        t[16..18].copy_from_slice(&c.to_be_bytes());
        self.ipv4(src.0, dst.0, 6, &t);
    }
}

/// One TCP connection: handshake on creation, then data both ways, then FIN.
pub struct Tcp<'a> {
    pcap: &'a mut Pcap,
    client: (Ipv4Addr, u16),
    server: (Ipv4Addr, u16),
    cseq: u32,
    sseq: u32,
}

impl<'a> Tcp<'a> {
    pub fn open(pcap: &'a mut Pcap, client: (Ipv4Addr, u16), server: (Ipv4Addr, u16)) -> Self {
        let (c, s) = (1000u32, 5000u32);
        pcap.tcp(client, server, c, 0, TCP_SYN, &[]);
        pcap.tcp(server, client, s, c + 1, TCP_SYN | TCP_ACK, &[]);
        pcap.tcp(client, server, c + 1, s + 1, TCP_ACK, &[]);
        Tcp {
            pcap,
            client,
            server,
            cseq: c + 1,
            sseq: s + 1,
        }
    }

    /// Client sends, server acknowledges.
    pub fn send(&mut self, data: &[u8]) -> &mut Self {
        self.pcap.tcp(
            self.client,
            self.server,
            self.cseq,
            self.sseq,
            TCP_PSH | TCP_ACK,
            data,
        );
        self.cseq += data.len() as u32;
        self.pcap
            .tcp(self.server, self.client, self.sseq, self.cseq, TCP_ACK, &[]);
        self
    }

    /// Server sends, client acknowledges.
    pub fn reply(&mut self, data: &[u8]) -> &mut Self {
        self.pcap.tcp(
            self.server,
            self.client,
            self.sseq,
            self.cseq,
            TCP_PSH | TCP_ACK,
            data,
        );
        self.sseq += data.len() as u32;
        self.pcap
            .tcp(self.client, self.server, self.cseq, self.sseq, TCP_ACK, &[]);
        self
    }

    pub fn close(&mut self) {
        let (c, s) = (self.client, self.server);
        self.pcap
            .tcp(c, s, self.cseq, self.sseq, TCP_FIN | TCP_ACK, &[]);
        self.pcap
            .tcp(s, c, self.sseq, self.cseq + 1, TCP_FIN | TCP_ACK, &[]);
        self.pcap
            .tcp(c, s, self.cseq + 1, self.sseq + 1, TCP_ACK, &[]);
    }
}

fn be(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

/// XDR string: length, bytes, zero padding.
pub fn xdr_string(s: &[u8]) -> Vec<u8> {
    let mut out = be(s.len() as u32).to_vec();
    out.extend_from_slice(s);
    out.resize(out.len() + (4 - s.len() % 4) % 4, 0);
    out
}

/// An ONC RPC CALL (RFC 5531) with AUTH_UNIX credentials and an AUTH_NULL verifier.
pub fn rpc_call(xid: u32, prog: u32, vers: u32, proc_: u32, args: &[u8]) -> Vec<u8> {
    let mut cred = be(0x6790_0000).to_vec(); // stamp
    cred.extend(xdr_string(b"cms8000"));
    cred.extend(be(0)); // uid
    cred.extend(be(0)); // gid
    cred.extend(be(0)); // no extra gids
    let mut m = Vec::new();
    for v in [xid, 0, 2, prog, vers, proc_, 1, cred.len() as u32] {
        m.extend(be(v));
    }
    m.extend(cred);
    m.extend(be(0));
    m.extend(be(0));
    m.extend_from_slice(args);
    m
}

/// An accepted, successful RPC REPLY.
pub fn rpc_reply(xid: u32, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    for v in [xid, 1, 0, 0, 0, 0] {
        m.extend(be(v));
    }
    m.extend_from_slice(body);
    m
}

/// TCP record marking: last-fragment bit and length before the message.
pub fn record(msg: &[u8]) -> Vec<u8> {
    let mut out = be(0x8000_0000 | msg.len() as u32).to_vec();
    out.extend_from_slice(msg);
    out
}

/// PMAPPROC_GETPORT(prog, vers, prot) arguments.
pub fn getport_args(prog: u32, vers: u32, prot: u32) -> Vec<u8> {
    [prog, vers, prot, 0].iter().flat_map(|v| be(*v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_checksum_of_a_known_header() {
        // RFC 1071 style check: a header whose checksum field holds the sum verifies to 0.
        let mut p = Pcap::new();
        p.udp(
            (Ipv4Addr::new(192, 168, 1, 50), 1),
            (Ipv4Addr::new(202, 114, 4, 119), 2),
            b"x",
        );
        let ip = &p.bytes()[24 + 16 + 14..24 + 16 + 14 + 20];
        assert_eq!(fold(sum16(ip, 0)), 0);
    }

    #[test]
    fn xdr_pads_to_four_bytes() {
        assert_eq!(xdr_string(b"/pm"), b"\0\0\0\x03/pm\0");
    }
}
