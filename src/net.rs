//! Address text shared by every target: IPv4 addresses and networks written fast and exactly
//! as the standard library writes them, and the host-or-network form the outputs print.
//!
//! Guarantees: [`V4`] and [`V4Net`] produce the same text as `Ipv4Addr` and `Ipv4Net`'s
//! `Display` (a test compares them), so a target may use either; [`show_v4`] and [`show_v6`]
//! print a host as a bare address and a network with its length. [`parse_v4`] reads the plain
//! IPv4 forms of a feed line in one pass over its bytes, accepting exactly what the general
//! parsers accept for those forms, with the same value (tests compare them).

use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};

/// A plain IPv4 address or canonical network (`a.b.c.d` or `a.b.c.d/n`, no leading zeros)
/// as (address, prefix length); `None` for anything else, which the general parser then reads
/// (and explains, when it is wrong). One pass over the bytes, no UTF-8 check and no
/// allocation: it is the common line of a million-entry feed.
pub fn parse_v4(s: &[u8]) -> Option<(u32, u8)> {
    let mut addr = 0u32;
    let mut at = 0;
    for octet in 0..4 {
        if octet > 0 {
            if s.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let (n, used) = decimal(&s[at..], 255)?;
        addr = (addr << 8) | n;
        at += used;
    }
    let len = match s.get(at) {
        None => 32,
        Some(b'/') => match decimal(&s[at + 1..], 32)? {
            (n, used) if at + 1 + used == s.len() => n as u8,
            _ => return None,
        },
        Some(_) => return None,
    };
    let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
    // Host bits set: not canonical, left to the general parser to explain.
    (addr & host == 0).then_some((addr, len))
}

/// The number (at most `max`) that `s` starts with, and its length: one to three digits, no
/// leading zero (`0` alone is zero). More digits, or a digit after a leading zero, is `None`.
fn decimal(s: &[u8], max: u32) -> Option<(u32, usize)> {
    let digit = |i: usize| s.get(i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d < 10);
    let first = digit(0)?;
    let mut n = u32::from(first);
    let mut used = 1;
    if first != 0 {
        while used < 3 {
            let Some(d) = digit(used) else { break };
            n = n * 10 + u32::from(d);
            used += 1;
        }
    }
    (digit(used).is_none() && n <= max).then_some((n, used))
}

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

/// Appends an IPv4 address in the standard text form (as [`V4`]), without `core::fmt`: the
/// digits go to a fixed buffer and are appended at once.
pub fn push_v4(out: &mut Vec<u8>, a: Ipv4Addr) {
    let mut buf = [0u8; 16];
    let mut len = 0;
    for o in a.octets() {
        if o >= 100 {
            buf[len] = b'0' + o / 100;
            len += 1;
        }
        if o >= 10 {
            buf[len] = b'0' + o / 10 % 10;
            len += 1;
        }
        buf[len] = b'0' + o % 10;
        buf[len + 1] = b'.';
        len += 2;
    }
    // The last octet's dot is not part of the address.
    out.extend_from_slice(&buf[..len - 1]);
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
pub(crate) mod tests {
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

    /// The plain reading of the same grammar, split on `/` and `.`: what the one-pass parser
    /// must agree with on every input.
    fn split_reader(s: &[u8]) -> Option<(u32, u8)> {
        fn number(s: &[u8], max: u32) -> Option<u32> {
            if s.is_empty() || s.len() > 3 || (s.len() > 1 && s[0] == b'0') {
                return None;
            }
            let text = std::str::from_utf8(s).ok()?;
            let n: u32 = text
                .bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| text.parse().ok())??;
            (n <= max).then_some(n)
        }
        let (addr, len) = match s.iter().position(|&c| c == b'/') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let octets: Vec<&[u8]> = addr.split(|&c| c == b'.').collect();
        if octets.len() != 4 {
            return None;
        }
        let mut a = 0u32;
        for o in octets {
            a = (a << 8) | number(o, 255)?;
        }
        let len = len.map_or(Some(32), |l| number(l, 32))? as u8;
        let net = Ipv4Net::new(Ipv4Addr::from(a), len).ok()?;
        (net.trunc() == net).then_some((a, len))
    }

    #[test]
    fn parse_v4_reads_plain_addresses_and_networks() {
        for (text, want) in [
            ("0.0.0.0", Some((0, 32))),
            ("1.2.3.4", Some((0x0102_0304, 32))),
            ("255.255.255.255", Some((u32::MAX, 32))),
            ("10.0.0.0/8", Some((0x0a00_0000, 8))),
            ("0.0.0.0/0", Some((0, 0))),
            ("1.2.3.4/32", Some((0x0102_0304, 32))),
            ("100.200.10.0/24", Some((0x64c8_0a00, 24))),
        ] {
            assert_eq!(parse_v4(text.as_bytes()), want, "{text}");
        }
    }

    /// Malformed lines are left to the general parser, which explains them as before.
    #[test]
    fn parse_v4_leaves_malformed_lines_to_the_general_parser() {
        for text in [
            "",
            ".",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3.4",
            "1.2.3.4.",
            "01.2.3.4",
            "1.2.3.04",
            "001.2.3.4",
            "1.2.3.00",
            "256.1.1.1",
            "1.2.3.256",
            "999.1.1.1",
            "1000.1.1.1",
            "1.2.3.4 ",
            " 1.2.3.4",
            "+1.2.3.4",
            "1.2.3.-4",
            "1.2.3.4x",
            "1.2.3.4/",
            "1.2.3.4/33",
            "1.2.3.4/08",
            "1.2.3.4/032",
            "1.2.3.4/-1",
            "1.2.3.4/+8",
            "1.2.3.4/8",
            "1.2.3.4/24",
            "1.2.3.0/24/",
            "1.2.3.0/24x",
            "1.2.3.0//24",
            "1.2.3.4/100",
            "::1",
            "2001:db8::/32",
            "1.2.3.4\0",
            "\u{661}.2.3.4",
        ] {
            assert_eq!(parse_v4(text.as_bytes()), None, "{text}");
            assert_eq!(split_reader(text.as_bytes()), None, "{text}");
        }
        // Bytes that are not UTF-8 are refused, not misread.
        assert_eq!(parse_v4(b"1.2.3.\xff"), None);
        assert_eq!(parse_v4(b"1.2.3.4/\xb8"), None);
    }

    /// Random short strings over the characters of an address, mostly shaped like an
    /// address or a network; `validate::bulk`'s tests run the general parser on them too.
    pub(crate) fn address_like_inputs() -> Vec<Vec<u8>> {
        const NUMBERS: &[&str] = &[
            "0", "1", "8", "9", "10", "16", "24", "99", "100", "199", "255", "32", "256", "01",
            "007", "1000", "33", "", "x", "1 ",
        ];
        const BETWEEN: &[&str] = &[
            ".", ".", ".", ".", ".", ".", ".", ".", ".", "/", "//", "x", "", "..",
        ];
        let mut seed = 0x51_7cc1_b727_220a_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        (0..100_000)
            .map(|_| {
                // Mostly the shapes of an address (7 pieces) and a network (9, often with a
                // `/` before the length), sometimes any length.
                let pieces = match next(4) {
                    0 => 5 + next(6),
                    _ => 7 + 2 * next(2),
                };
                (0..pieces)
                    .flat_map(|i| {
                        if i == 7 && next(2) == 0 {
                            return "/".bytes();
                        }
                        let from = if i % 2 == 0 { NUMBERS } else { BETWEEN };
                        from[next(from.len())].bytes()
                    })
                    .collect()
            })
            .collect()
    }

    /// The one-pass parser agrees with the split reading, and the inputs reach its accepting
    /// path often enough to mean something.
    #[test]
    fn parse_v4_agrees_with_the_split_reading() {
        let mut taken = 0;
        for text in address_like_inputs() {
            let fast = parse_v4(&text);
            assert_eq!(
                fast,
                split_reader(&text),
                "{}",
                String::from_utf8_lossy(&text)
            );
            taken += usize::from(fast.is_some());
        }
        assert!(
            taken > 1_000,
            "the inputs reach the accepting path ({taken})"
        );
    }
}
