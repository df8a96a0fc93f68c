//! Zeek signatures for the payload patterns of detections.
//!
//! Guarantees: the payload regular expression is built here from the pattern bytes, never
//! from catalogue text: ASCII letters and digits stay literal, every other byte is written as
//! `\xNN` (Zeek reads exactly two hex digits), so no byte can close the `/.../` or change the
//! expression. Zeek anchors payload expressions at the start of the stream (TCP) or packet
//! (UDP); `offset` and `depth` become a bounded `(.|\n){min,max}` prefix, matching Suricata's
//! meaning (the pattern lies within `depth` bytes from `offset`). Header conditions hold only
//! canonical addresses, port numbers and protocol keywords.

use ipnet::IpNet;
use minijinja::Value;
use serde::Serialize;

use crate::model::{ContentMatch, Detection, PortRange, Transport};
use crate::render::safe;

/// One signature of the `.sig` file. `id` and `conditions` are typed text made here.
#[derive(Debug, Serialize)]
pub struct Signature {
    pub id: String,
    /// The detection's title, for a comment (printed through the signature escaper).
    pub title: String,
    pub conditions: Vec<Value>,
}

/// Any byte: Zeek's `.` does not match a newline.
const ANY: &str = "(.|\\n)";

/// The regular expression (without slashes) for one content match.
pub fn payload_regex(m: &ContentMatch) -> String {
    let len = m.bytes.len() as u64;
    let offset = u64::from(m.offset.unwrap_or(0));
    let mut re = String::new();
    match m.depth {
        Some(depth) => {
            let last_start = offset + u64::from(depth).saturating_sub(len);
            match (offset, last_start) {
                (0, 0) => {}
                (o, l) if o == l => re.push_str(&format!("{ANY}{{{o}}}")),
                (o, l) => re.push_str(&format!("{ANY}{{{o},{l}}}")),
            }
        }
        None => {
            if offset > 0 {
                re.push_str(&format!("{ANY}{{{offset}}}"));
            }
            re.push_str(ANY);
            re.push('*');
        }
    }
    let mut after_escape = false;
    for &b in &m.bytes {
        let c = b as char;
        if m.nocase && c.is_ascii_alphabetic() {
            re.push_str(&format!(
                "[{}{}]",
                c.to_ascii_uppercase(),
                c.to_ascii_lowercase()
            ));
            after_escape = false;
        } else if c.is_ascii_alphanumeric() && !(after_escape && c.is_ascii_hexdigit()) {
            re.push(c);
            after_escape = false;
        } else {
            re.push_str(&format!("\\x{b:02x}"));
            after_escape = true;
        }
    }
    re
}

/// An address list for `src-ip`/`dst-ip`: IPv6 in brackets, host routes without a prefix.
pub fn address_list(nets: &[IpNet]) -> String {
    nets.iter()
        .map(|n| {
            let host = n.prefix_len() == n.max_prefix_len();
            match (n, host) {
                (IpNet::V4(v), true) => v.addr().to_string(),
                (IpNet::V4(v), false) => v.to_string(),
                (IpNet::V6(v), true) => format!("[{}]", v.addr()),
                (IpNet::V6(v), false) => format!("[{}]/{}", v.addr(), v.prefix_len()),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A port list for `dst-port`, e.g. `511,515-520`.
pub fn port_list(ranges: &[&PortRange]) -> String {
    ranges
        .iter()
        .map(|r| {
            if r.first == r.last {
                r.first.to_string()
            } else {
                format!("{}-{}", r.first, r.last)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A signature id: Zeek's signature scanner wants `[a-zA-Z_][0-9a-zA-Z_-]*`; ids are
/// `[a-z0-9-]`, so only a leading digit needs a `_` in front. The `-<transport>-<side>` suffix
/// keeps the ids of different detections apart.
pub fn signature_id(catalogue_id: &str, detection_id: &str, t: Transport, side: &str) -> String {
    let id = format!("{catalogue_id}-{detection_id}-{}-{side}", t.as_str());
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id
    } else {
        format!("_{id}")
    }
}

/// The signatures of one content detection: one per transport and direction.
/// `(outbound, inbound)` says which sides the detection watches.
pub fn signatures(
    catalogue_id: &str,
    d: &Detection,
    nets: &[IpNet],
    transports: &[Transport],
) -> Vec<Signature> {
    let mut out = Vec::new();
    let payloads: Vec<String> = d
        .content
        .iter()
        .map(|m| format!("payload /{}/", payload_regex(m)))
        .collect();
    let addrs = address_list(nets);
    for &t in transports {
        let ranges: Vec<&PortRange> = d
            .ports
            .iter()
            .filter(|r| r.transport.is_none_or(|x| x == t))
            .collect();
        if !d.ports.is_empty() && ranges.is_empty() {
            continue;
        }
        let sides: &[(&str, &str)] = match (
            d.direction.includes_outbound(),
            d.direction.includes_inbound(),
        ) {
            (true, true) => &[("out", "dst-ip"), ("in", "src-ip")],
            (true, false) => &[("out", "dst-ip")],
            _ => &[("in", "src-ip")],
        };
        for (side, key) in sides {
            let mut conditions = vec![format!("ip-proto == {}", t.as_str())];
            conditions.push(format!("{key} == {addrs}"));
            if !ranges.is_empty() {
                conditions.push(format!("dst-port == {}", port_list(&ranges)));
            }
            conditions.extend(payloads.iter().cloned());
            if t == Transport::Tcp {
                conditions.push("tcp-state originator".into());
            }
            out.push(Signature {
                id: signature_id(catalogue_id, &d.id, t, side),
                title: d.title.clone(),
                conditions: conditions.into_iter().map(safe).collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(bytes: &[u8], offset: Option<u32>, depth: Option<u32>, nocase: bool) -> ContentMatch {
        ContentMatch {
            bytes: bytes.to_vec(),
            offset,
            depth,
            nocase,
        }
    }

    #[test]
    fn mllp_header_is_anchored_within_depth() {
        assert_eq!(
            payload_regex(&m(b"\x0bMSH|", None, Some(5), false)),
            "\\x0bMSH\\x7c"
        );
        assert_eq!(
            payload_regex(&m(b"ab", Some(2), Some(6), false)),
            "(.|\\n){2,6}ab"
        );
        assert_eq!(
            payload_regex(&m(b"ab", Some(3), None, false)),
            "(.|\\n){3}(.|\\n)*ab"
        );
        assert_eq!(payload_regex(&m(b"ab", None, None, false)), "(.|\\n)*ab");
    }

    #[test]
    fn bytes_cannot_break_the_expression() {
        assert_eq!(
            payload_regex(&m(b"/x\\]\"\n", None, Some(6), false)),
            "\\x2fx\\x5c\\x5d\\x22\\x0a"
        );
        // A hex digit after an escape is escaped too, whatever Zeek's escape length.
        assert_eq!(
            payload_regex(&m(b"\x0bAg", None, Some(3), false)),
            "\\x0b\\x41g"
        );
        assert_eq!(payload_regex(&m(b"a1", None, Some(2), true)), "[Aa]1");
    }

    #[test]
    fn signature_ids_start_with_a_letter() {
        assert_eq!(
            signature_id("contec-cms8000", "hl7-mllp", Transport::Tcp, "out"),
            "contec-cms8000-hl7-mllp-tcp-out"
        );
        assert_eq!(
            signature_id("9x", "d", Transport::Udp, "in"),
            "_9x-d-udp-in"
        );
    }

    #[test]
    fn address_lists_bracket_ipv6() {
        let nets: Vec<IpNet> = [
            "202.114.4.0/24",
            "202.114.4.119/32",
            "2001:db8::/32",
            "2001:db8::1/128",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        assert_eq!(
            address_list(&nets),
            "202.114.4.0/24,202.114.4.119,[2001:db8::]/32,[2001:db8::1]"
        );
    }
}
