//! The words of a lowered rule: pack name, msg category, metadata values, names of datasets,
//! iprep categories and flowbits. All are plain text; the dialect writer escapes them.

use crate::model::{Confidence, Severity};
use crate::rules::escape::short_name;
use crate::rules::model::{Flowbits, FlowbitsCommand, RuleOption};

/// The pack name at the start of every msg: the catalogue id in capitals, `-` as spaces
/// (suricata-check's `RULESET CATEGORY Description` form allows only `[A-Z0-9 ]`).
pub fn pack_name(id: &str) -> String {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                ' '
            }
        })
        .take(40)
        .collect();
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The msg category for a classtype.
pub fn category(classtype: &str) -> &'static str {
    match classtype {
        "policy-violation" | "inappropriate-content" => "POLICY",
        "trojan-activity" | "pup-activity" => "TROJAN",
        "command-and-control" | "domain-c2" => "C2",
        "rpc-portmap-decode" => "RPC",
        "attempted-recon"
        | "successful-recon-limited"
        | "successful-recon-largescale"
        | "network-scan" => "SCAN",
        "web-application-activity" | "web-application-attack" => "WEB",
        "exploit-kit" | "attempted-admin" | "attempted-user" | "shellcode-detect"
        | "successful-admin" | "successful-user" => "EXPLOIT",
        "coin-mining" => "COINMINING",
        "credential-theft" | "default-login-attempt" | "suspicious-login" => "CREDENTIALS",
        _ => "INFO",
    }
}

pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "Major",
        Severity::Medium => "Minor",
        Severity::Low => "Informational",
    }
}

pub fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Sourced => "High",
        Confidence::Inferred => "Medium",
    }
}

/// A date as metadata writes it: `2025_01_30`.
pub fn date(d: jiff::civil::Date) -> String {
    d.strftime("%Y_%m_%d").to_string()
}

pub fn dir_word(outbound: bool) -> &'static str {
    if outbound {
        "outbound"
    } else {
        "inbound"
    }
}

/// The msg word for a direction: connections go `to` a listed address, or come `from` it.
pub fn toward(outbound: bool) -> &'static str {
    if outbound {
        "to"
    } else {
        "from"
    }
}

/// A list's name in msgs: `the partner-feed list`, or `the block-list` when the id already
/// says list (no doubled word).
pub fn list_name(id: &str) -> String {
    let last = id.rsplit(['-', '_', '.', ' ']).next().unwrap_or(id);
    if last.eq_ignore_ascii_case("list") || last.eq_ignore_ascii_case("lists") {
        format!("the {id}")
    } else {
        format!("the {id} list")
    }
}

/// A role after the msg sentence: ` (Feed of scanning hosts)` shortened to 100 characters,
/// or nothing.
pub fn described(role: Option<&str>) -> String {
    match role.map(str::trim) {
        Some(r) if !r.is_empty() => format!("({})", bounded(r, 100)),
        _ => String::new(),
    }
}

/// Shortens text to `max` characters with a marker.
pub fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max - 3).collect::<String>() + "..."
    }
}

/// Options that let a packet rule alert once per flow: the first match sets a flowbit that
/// later packets of the same flow test. (A threshold would hide a second flow from the same
/// host; Suricata 7 has no `track by_flow`.)
pub fn once_per_flow(key: &str) -> [RuleOption; 2] {
    // `PREFIX.word` is the style guide's flowbit form (letters, digits, `_` after the dot).
    let bit = format!("IOCC.{}", short_name(key, 60).replace('-', "_"));
    [FlowbitsCommand::IsNotSet, FlowbitsCommand::Set].map(|command| {
        RuleOption::Flowbits(Flowbits {
            command,
            name: Some(bit.clone()),
        })
    })
}

/// Tiny standard base64 (datasets of `type string` want base64 lines).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The XDR encoding of a string argument: length, bytes, zero padding to 4 bytes.
pub fn xdr_string(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = (b.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(b);
    out.resize(out.len() + (4 - b.len() % 4) % 4, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"evil.example"), "ZXZpbC5leGFtcGxl");
    }

    #[test]
    fn msg_words_read_as_sentences() {
        let words = [
            list_name("partner-feed"),
            list_name("block-list"),
            list_name("evil_lists"),
            list_name("listed"),
            described(Some("Feed of scanning hosts")),
            format!("Connection {} x", toward(true)),
            format!("Connection {} x", toward(false)),
        ];
        assert_eq!(described(Some("  ")), "");
        assert_eq!(described(None), "");
        insta::assert_snapshot!(words.join("\n"), @r"
        the partner-feed list
        the block-list
        the evil_lists
        the listed list
        (Feed of scanning hosts)
        Connection to x
        Connection from x
        ");
    }

    #[test]
    fn xdr_strings_are_padded() {
        assert_eq!(xdr_string("/pm"), b"\0\0\0\x03/pm\0");
        assert_eq!(xdr_string("/abc"), b"\0\0\0\x04/abc");
    }

    #[test]
    fn pack_names_fit_the_msg_convention() {
        assert_eq!(pack_name("contec-cms8000"), "CONTEC CMS8000");
        assert_eq!(pack_name("a--b"), "A B");
    }
}
