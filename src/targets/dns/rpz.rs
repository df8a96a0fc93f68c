//! The RPZ policy zone (draft-vixie-dnsop-dns-rpz): BIND, Unbound, PowerDNS Recursor, Knot.
//!
//! Guarantees: after the header (comments, `$TTL`, SOA, NS) the zone holds only
//! `<owner> CNAME <target>` records. Owners are relative to the zone's origin, which the
//! operator chooses when loading the file: per blocked name `name` and `*.name` (its
//! subdomains), per exception `name` and `*.name` with `rpz-passthru.`, per blocked prefix one
//! response-IP trigger `<length>.<address labels>.rpz-ip` ([`ip_owner`]). Targets are absolute:
//! `.` (NXDOMAIN), `*.` (NODATA), `rpz-drop.` or a walled-garden host (`policy.rpz-action`).
//! Names reach the zone only as validated LDH names ([`crate::validate::check_domain`]), and
//! the writer re-checks each one, so no name can add a record or a directive.
//!
//! **Serial.** RFC 1912's `YYYYMMDDnn` reads well but cannot follow a catalogue: two releases
//! on one day need more than a counter the catalogue does not keep, and a corrected (earlier)
//! advisory date would make it go down. The serial is the catalogue version written in decimal,
//! `major * 10^8 + minor * 10^4 + patch` (1.0.1 is 100000001, 1.1.0 is 100010000): semver
//! order is numeric order, so a later version always has a larger serial, whatever its dates,
//! and the serial reads as the version it ships. The catalogue's date only enters through the
//! version: any change of a date changes the files, and `build --check` then demands a new
//! version (`version-not-bumped`). Minor and patch must stay at most 9999 and major at most 41
//! (the serial is a 32-bit number); [`serial`] refuses other versions.

use std::io::{self, Write};

use ipnet::{Ipv4Net, Ipv6Net};
use semver::Version;

use crate::model::RpzAction;

/// Highest major version the serial encodes (`41 * 10^8 + 9999 * 10^4 + 9999 < 2^32`).
pub const MAX_MAJOR: u64 = 41;
/// Highest minor or patch version the serial encodes.
pub const MAX_PART: u64 = 9999;
/// The zone's default TTL and negative-answer TTL, in seconds.
pub const TTL: u32 = 300;

/// The SOA serial of a catalogue version, or why it has none (see the module doc).
pub fn serial(v: &Version) -> Result<u32, String> {
    if v.major > MAX_MAJOR || v.minor > MAX_PART || v.patch > MAX_PART {
        return Err(format!(
            "version {v} cannot be written as an RPZ serial: major at most {MAX_MAJOR}, minor and patch at most {MAX_PART}"
        ));
    }
    let s = v.major * 100_000_000 + v.minor * 10_000 + v.patch;
    u32::try_from(s).map_err(|_| format!("version {v} overflows the RPZ serial"))
}

/// The CNAME target of an action, absolute.
pub fn target(a: &RpzAction) -> String {
    match a {
        RpzAction::Nxdomain => ".".into(),
        RpzAction::Nodata => "*.".into(),
        RpzAction::Drop => "rpz-drop.".into(),
        RpzAction::Redirect(host) => format!("{host}."),
    }
}

/// The target of an exception: answered as if no policy applied.
pub const PASSTHRU: &str = "rpz-passthru.";

/// The response-IP trigger of an IPv4 prefix: `24.0.4.114.202.rpz-ip` for 202.114.4.0/24.
pub fn ip4_owner(n: &Ipv4Net) -> String {
    let [a, b, c, d] = n.network().octets();
    format!("{}.{d}.{c}.{b}.{a}.rpz-ip", n.prefix_len())
}

/// The response-IP trigger of an IPv6 prefix: the 16-bit groups in reverse order, lowercase
/// hex without leading zeros, the longest run of two or more zero groups (the first of equal
/// runs, as RFC 5952 picks for `::`) written once as `zz`: `128.7.zz.db8.2001.rpz-ip` for
/// 2001:db8::7/128.
pub fn ip6_owner(n: &Ipv6Net) -> String {
    let groups = n.network().segments();
    let (start, len) = longest_zero_run(&groups);
    let mut labels: Vec<String> = Vec::with_capacity(9);
    labels.push(n.prefix_len().to_string());
    let mut i = 8;
    while i > 0 {
        i -= 1;
        if len >= 2 && i == start + len - 1 {
            labels.push("zz".into());
            i = start;
            continue;
        }
        labels.push(format!("{:x}", groups[i]));
    }
    labels.push("rpz-ip".into());
    labels.join(".")
}

/// Start and length of the longest run of zero groups (the first of equal ones); length 0
/// when there is none.
pub fn longest_zero_run(groups: &[u16; 8]) -> (usize, usize) {
    let (mut best, mut at, mut run) = ((0, 0), 0, 0);
    for (i, g) in groups.iter().enumerate() {
        if *g == 0 {
            if run == 0 {
                at = i;
            }
            run += 1;
            if run > best.1 {
                best = (at, run);
            }
        } else {
            run = 0;
        }
    }
    best
}

/// The response-IP trigger of an address or network of either family.
pub fn ip_owner(n: &ipnet::IpNet) -> String {
    match n {
        ipnet::IpNet::V4(n) => ip4_owner(n),
        ipnet::IpNet::V6(n) => ip6_owner(n),
    }
}

/// What the zone lists, already checked by the rails.
pub struct ZoneBody<'a> {
    pub names: &'a [&'a str],
    pub exceptions: &'a [&'a str],
    pub v4: &'a [Ipv4Net],
    pub v6: &'a [Ipv6Net],
    pub action: &'a RpzAction,
}

/// Writes the records after the header: names, exceptions, then response-IP triggers.
pub fn write_records(w: &mut impl Write, body: &ZoneBody<'_>) -> io::Result<()> {
    let t = target(body.action);
    for n in body.names {
        let n = super::ldh(n)?;
        writeln!(w, "{n} CNAME {t}\n*.{n} CNAME {t}")?;
    }
    for n in body.exceptions {
        let n = super::ldh(n)?;
        writeln!(w, "{n} CNAME {PASSTHRU}\n*.{n} CNAME {PASSTHRU}")?;
    }
    for n in body.v4 {
        writeln!(w, "{} CNAME {t}", ip4_owner(n))?;
    }
    for n in body.v6 {
        writeln!(w, "{} CNAME {t}", ip6_owner(n))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ver(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn known_encodings() {
        let n4 = |s: &str| ip4_owner(&s.parse().unwrap());
        let n6 = |s: &str| ip6_owner(&s.parse().unwrap());
        assert_eq!(n4("202.114.4.0/24"), "24.0.4.114.202.rpz-ip");
        assert_eq!(n4("202.114.4.119/32"), "32.119.4.114.202.rpz-ip");
        assert_eq!(n6("2001:db8::7/128"), "128.7.zz.db8.2001.rpz-ip");
        assert_eq!(n6("2001:db8::/32"), "32.zz.db8.2001.rpz-ip");
        assert_eq!(n6("::1/128"), "128.1.zz.rpz-ip");
        // The draft's own example, and a single zero group, which stays `0`.
        assert_eq!(n6("2001:2:3::1/128"), "128.1.zz.3.2.2001.rpz-ip");
        assert_eq!(
            n6("2001:db8:0:1:1:1:1:1/128"),
            "128.1.1.1.1.1.0.db8.2001.rpz-ip"
        );
        // Two runs of equal length: the first (leftmost) one is `zz`.
        assert_eq!(n6("2001:0:0:1:0:0:1:1/128"), "128.1.1.0.0.1.zz.2001.rpz-ip");
        assert_eq!(n6("2001:0:0:1:0:0:0:1/128"), "128.1.zz.1.0.0.2001.rpz-ip");
        assert_eq!(
            n6("2a00:1450:4001:800::200e/128"),
            "128.200e.zz.800.4001.1450.2a00.rpz-ip"
        );
    }

    #[test]
    fn serial_is_the_version_in_decimal() {
        assert_eq!(serial(&ver("1.0.1")), Ok(100_000_001));
        assert_eq!(serial(&ver("1.1.0")), Ok(100_010_000));
        assert_eq!(serial(&ver("0.0.0")), Ok(0));
        assert_eq!(serial(&ver("41.9999.9999")), Ok(4_199_999_999));
        assert!(serial(&ver("42.0.0")).is_err());
        assert!(serial(&ver("1.10000.0")).is_err());
        assert!(serial(&ver("1.0.10000")).is_err());
    }

    #[test]
    fn serial_never_decreases_across_version_bumps() {
        // Every kind of bump from a spread of versions, pre-releases included (semver orders
        // them below the release; the serial ignores them, so it never goes down either).
        let parts = [0u64, 1, 2, 9, 10, 99, 100, 999, 1000, 9998, 9999];
        let mut versions = Vec::new();
        for major in [0u64, 1, 2, 9, 40, 41] {
            for minor in parts {
                for patch in parts {
                    versions.push(Version::new(major, minor, patch));
                }
            }
        }
        versions.push(ver("1.2.3-rc.1"));
        versions.sort();
        let serials: Vec<u32> = versions.iter().map(|v| serial(v).unwrap()).collect();
        for (w, v) in serials.windows(2).zip(versions.windows(2)) {
            assert!(w[0] <= w[1], "{} -> {}: {} -> {}", v[0], v[1], w[0], w[1]);
            if v[0].pre.is_empty() && v[1].pre.is_empty() {
                assert!(w[0] < w[1], "{} -> {} keeps serial {}", v[0], v[1], w[0]);
            }
        }
        // The bumps a release makes: patch, minor (patch reset), major (both reset).
        for (a, b) in [
            ("1.0.9999", "1.1.0"),
            ("1.9999.9999", "2.0.0"),
            ("0.9.12", "0.10.0"),
        ] {
            assert!(
                serial(&ver(a)).unwrap() < serial(&ver(b)).unwrap(),
                "{a} -> {b}"
            );
        }
    }
}
