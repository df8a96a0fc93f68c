//! Address text shared by every target: IPv4 addresses and networks written fast and exactly
//! as the standard library writes them, and the host-or-network form the outputs print.
//!
//! Guarantees: [`V4`] and [`V4Net`] produce the same text as `Ipv4Addr` and `Ipv4Net`'s
//! `Display` (a test compares them), so a target may use either; [`show_v4`] and [`show_v6`]
//! print a host as a bare address and a network with its length.

use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};

/// An IPv4 address with the same text as `Ipv4Addr`'s `Display`, written in one piece: a
/// million-entry list is formatted once per platform, and `core::fmt` per octet dominated
/// the firewall target's time.
#[derive(Debug, Clone, Copy)]
pub struct V4(pub Ipv4Addr);

impl std::fmt::Display for V4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; 15];
        let mut len = 0;
        for (i, o) in self.0.octets().into_iter().enumerate() {
            if i > 0 {
                buf[len] = b'.';
                len += 1;
            }
            if o >= 100 {
                buf[len] = b'0' + o / 100;
                len += 1;
            }
            if o >= 10 {
                buf[len] = b'0' + o / 10 % 10;
                len += 1;
            }
            buf[len] = b'0' + o % 10;
            len += 1;
        }
        // Only ASCII digits and dots were written.
        f.pad(std::str::from_utf8(&buf[..len]).unwrap_or_default())
    }
}

/// An IPv4 network as `Ipv4Net`'s `Display` writes it (`A/L`), through [`V4`].
#[derive(Debug, Clone, Copy)]
pub struct V4Net(pub Ipv4Net);

impl std::fmt::Display for V4Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", V4(self.0.addr()), self.0.prefix_len())
    }
}

/// Appends an IPv4 address in the standard text form (as [`V4`]), without `core::fmt`.
pub fn push_v4(out: &mut Vec<u8>, a: Ipv4Addr) {
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        if o >= 100 {
            out.push(b'0' + o / 100);
        }
        if o >= 10 {
            out.push(b'0' + o / 10 % 10);
        }
        out.push(b'0' + o % 10);
    }
}

/// Appends a small number (a prefix length, a port) in decimal.
pub fn push_u32(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[k..]);
}

/// Appends an IPv4 network as `A/L` (as [`V4Net`]).
pub fn push_v4_net(out: &mut Vec<u8>, n: &Ipv4Net) {
    push_v4(out, n.addr());
    out.push(b'/');
    push_u32(out, u32::from(n.prefix_len()));
}

/// Appends an IPv4 host bare, a network with its length (as [`show_v4`]).
pub fn push_show_v4(out: &mut Vec<u8>, n: &Ipv4Net) {
    if n.prefix_len() == 32 {
        push_v4(out, n.addr());
    } else {
        push_v4_net(out, n);
    }
}

/// Appends an IPv6 host bare, a network with its length (as [`show_v6`]).
pub fn push_show_v6(out: &mut Vec<u8>, n: &Ipv6Net) {
    use std::io::Write as _;
    let _ = if n.prefix_len() == 128 {
        write!(out, "{}", n.addr())
    } else {
        write!(out, "{n}")
    };
}

/// A host as a bare address, a network with its length.
pub fn show_v4(n: &Ipv4Net) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(18);
    if n.prefix_len() == 32 {
        let _ = write!(s, "{}", V4(n.addr()));
    } else {
        let _ = write!(s, "{}", V4Net(*n));
    }
    s
}

/// A host as a bare address, a network with its length.
pub fn show_v6(n: &Ipv6Net) -> String {
    if n.prefix_len() == 128 {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_text_is_the_standard_text() {
        for a in [
            0u32,
            1,
            9,
            10,
            99,
            100,
            255,
            0x0a00_0001,
            0xc0a8_6401,
            u32::MAX,
            0x6403_0a09,
        ] {
            let a = Ipv4Addr::from(a);
            assert_eq!(V4(a).to_string(), a.to_string());
            for len in [0, 8, 24, 32] {
                let n = Ipv4Net::new(a, len).unwrap();
                assert_eq!(V4Net(n).to_string(), n.to_string());
                let mut b = Vec::new();
                push_v4_net(&mut b, &n);
                assert_eq!(String::from_utf8(b).unwrap(), n.to_string());
                let mut b = Vec::new();
                push_show_v4(&mut b, &n);
                assert_eq!(String::from_utf8(b).unwrap(), show_v4(&n));
            }
        }
        assert_eq!(
            format!("[{:>9}]", V4(Ipv4Addr::new(1, 2, 3, 4))),
            "[  1.2.3.4]"
        );
    }

    #[test]
    fn hosts_are_bare_and_networks_keep_their_length() {
        assert_eq!(show_v4(&"192.0.2.1/32".parse().unwrap()), "192.0.2.1");
        assert_eq!(show_v4(&"192.0.2.0/24".parse().unwrap()), "192.0.2.0/24");
        assert_eq!(show_v6(&"2001:db8::1/128".parse().unwrap()), "2001:db8::1");
        assert_eq!(show_v6(&"2001:db8::/32".parse().unwrap()), "2001:db8::/32");
        for n in ["2001:db8::1/128", "2001:db8::/32"] {
            let n: Ipv6Net = n.parse().unwrap();
            let mut b = Vec::new();
            push_show_v6(&mut b, &n);
            assert_eq!(String::from_utf8(b).unwrap(), show_v6(&n));
        }
        let mut b = Vec::new();
        for n in [0, 7, 10, 32, 128, 65535, u32::MAX] {
            b.clear();
            push_u32(&mut b, n);
            assert_eq!(String::from_utf8(b.clone()).unwrap(), n.to_string());
        }
    }
}
