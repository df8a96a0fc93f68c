//! The `firewall` and `csv` targets and `iocc diff`, end to end.
//!
//! The nftables and ipset + iptables-restore + ip6tables-restore files are applied for real in
//! a throwaway network namespace (`unshare -n`) and read back from the kernel; IOS, ASA,
//! JunOS, pf and EDL (no validator installs here) pass a per-line nom grammar that also
//! extracts their addresses. A property test over generated catalogues (IPv4, IPv6, bulk
//! lists, allowlist with override, monitor-only entries) checks that every platform blocks
//! exactly the catalogue's `block` entries minus the allowlist.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::common::*;

// ---------------------------------------------------------------------------------------
// Address sets, computed independently of iocc.

/// A set of addresses as sorted, merged inclusive intervals, per family (4 or 6).
type Set = Vec<(u8, u128, u128)>;

fn span(n: &IpNet) -> (u8, u128, u128) {
    match n {
        IpNet::V4(n) => (
            4,
            u32::from(n.network()) as u128,
            u32::from(n.broadcast()) as u128,
        ),
        IpNet::V6(n) => (6, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

fn normalize(nets: &[IpNet]) -> Set {
    let mut v: Vec<_> = nets.iter().map(span).collect();
    v.sort();
    let mut out: Set = Vec::new();
    for (f, a, b) in v {
        match out.last_mut() {
            Some((lf, _, lb)) if *lf == f && (*lb == u128::MAX || *lb + 1 >= a) => {
                *lb = (*lb).max(b)
            }
            _ => out.push((f, a, b)),
        }
    }
    out
}

fn minus(keep: &Set, drop: &Set) -> Set {
    let mut out = Set::new();
    for &(f, a, b) in keep {
        let mut pieces = vec![(a, b)];
        for &(df, da, db) in drop.iter().filter(|d| d.0 == f) {
            pieces = pieces
                .into_iter()
                .flat_map(|(x, y)| {
                    let mut r = Vec::new();
                    if db < x || da > y {
                        r.push((x, y));
                    } else {
                        if da > x {
                            r.push((x, da - 1));
                        }
                        if db < y {
                            r.push((db + 1, y));
                        }
                    }
                    r
                })
                .collect();
            let _ = df;
        }
        out.extend(pieces.into_iter().map(|(x, y)| (f, x, y)));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Per-line grammars (nom) for the platforms without a validator. Each returns the networks
// the line adds to the block list, or an error naming the line.

mod grammar {
    use super::*;
    use nom::branch::alt;
    use nom::bytes::complete::{tag, take_while1, take_while_m_n};
    use nom::character::complete::{char, digit1, space1};
    use nom::combinator::{all_consuming, map_res, opt, rest, verify};
    use nom::sequence::preceded;
    use nom::{IResult, Parser};

    type R<'a, T> = IResult<&'a str, T>;

    fn name(i: &str) -> R<'_, &str> {
        take_while_m_n(1, 64, |c: char| {
            c.is_ascii_alphanumeric() || c == '-' || c == '_'
        })
        .parse(i)
    }

    /// Escaped catalogue text: printable ASCII only.
    fn text(i: &str) -> R<'_, &str> {
        verify(rest, |s: &str| s.bytes().all(|b| (0x20..0x7f).contains(&b))).parse(i)
    }

    fn v4(i: &str) -> R<'_, Ipv4Addr> {
        map_res(
            take_while1(|c: char| c.is_ascii_digit() || c == '.'),
            str::parse,
        )
        .parse(i)
    }

    fn v6(i: &str) -> R<'_, Ipv6Addr> {
        map_res(
            take_while1(|c: char| c.is_ascii_hexdigit() || c == ':' || c == '.'),
            str::parse,
        )
        .parse(i)
    }

    fn len(max: u8) -> impl Fn(&str) -> R<'_, u8> {
        move |i| verify(map_res(digit1, str::parse::<u8>), |l| *l <= max).parse(i)
    }

    /// A canonical IPv4 prefix `a.b.c.d/len`.
    fn p4(i: &str) -> R<'_, IpNet> {
        map_res((v4, char('/'), len(32)), |(a, _, l)| {
            let n = Ipv4Net::new(a, l).map_err(|_| "len")?;
            (n.trunc() == n).then_some(IpNet::V4(n)).ok_or("host bits")
        })
        .parse(i)
    }

    fn p6(i: &str) -> R<'_, IpNet> {
        map_res((v6, char('/'), len(128)), |(a, _, l)| {
            let n = Ipv6Net::new(a, l).map_err(|_| "len")?;
            (n.trunc() == n).then_some(IpNet::V6(n)).ok_or("host bits")
        })
        .parse(i)
    }

    fn host4(i: &str) -> R<'_, IpNet> {
        v4.map(|a| IpNet::V4(Ipv4Net::from(a))).parse(i)
    }

    fn host6(i: &str) -> R<'_, IpNet> {
        v6.map(|a| IpNet::V6(Ipv6Net::from(a))).parse(i)
    }

    /// `A NETMASK` with a contiguous mask and no host bits.
    fn masked4(i: &str) -> R<'_, IpNet> {
        map_res((v4, space1, v4), |(a, _, m)| {
            let bits = u32::from(m);
            if bits.leading_ones() + bits.trailing_zeros() != 32 {
                return Err("mask");
            }
            let n = Ipv4Net::new(a, bits.leading_ones() as u8).map_err(|_| "len")?;
            (n.trunc() == n).then_some(IpNet::V4(n)).ok_or("host bits")
        })
        .parse(i)
    }

    fn any_addr(i: &str) -> R<'_, IpNet> {
        alt((p4, p6, host4, host6)).parse(i)
    }

    fn comment<'a>(
        lead: &'static str,
    ) -> impl Parser<&'a str, Output = Option<IpNet>, Error = nom::error::Error<&'a str>> {
        tag(lead).and(text).map(|_| None)
    }

    fn none<'a, O>(
        p: impl Parser<&'a str, Output = O, Error = nom::error::Error<&'a str>>,
    ) -> impl Parser<&'a str, Output = Option<IpNet>, Error = nom::error::Error<&'a str>> {
        p.map(|_| None)
    }

    fn check<'a>(
        line: &'a str,
        p: impl Parser<&'a str, Output = Option<IpNet>, Error = nom::error::Error<&'a str>>,
    ) -> Result<Option<IpNet>, String> {
        all_consuming(p)
            .parse(line)
            .map(|(_, v)| v)
            .map_err(|e| format!("line `{line}` does not parse: {e}"))
    }

    pub fn ios(line: &str) -> Result<Option<IpNet>, String> {
        check(
            line,
            alt((
                comment("!"),
                none((
                    tag("object-group "),
                    alt((tag("network "), tag("v6-network "))),
                    name,
                )),
                none((tag(" description "), verify(text, |t: &str| t.len() <= 200))),
                preceded(tag(" host "), alt((host4, host6))).map(Some),
                preceded(char(' '), alt((masked4, p6))).map(Some),
                none((tag("ip access-list extended "), name)),
                none((tag("ipv6 access-list "), name)),
                none((tag(" remark "), verify(text, |t: &str| t.len() <= 100))),
                none((
                    tag(" deny "),
                    alt((tag("ipv6"), tag("ip"))),
                    alt((
                        (tag(" object-group "), name, tag(" any")).map(|_| ()),
                        (tag(" any object-group "), name).map(|_| ()),
                    )),
                )),
                none(alt((
                    tag(" permit ip any any"),
                    tag(" permit ipv6 any any"),
                ))),
            )),
        )
    }

    pub fn asa(line: &str) -> Result<Option<IpNet>, String> {
        check(
            line,
            alt((
                comment("!"),
                none((tag("object-group network "), name)),
                none((tag(" description "), verify(text, |t: &str| t.len() <= 200))),
                preceded(
                    tag(" network-object "),
                    alt((preceded(tag("host "), alt((host4, host6))), masked4, p6)),
                )
                .map(Some),
                none((
                    tag("access-list "),
                    name,
                    alt((
                        (tag(" remark "), verify(text, |t: &str| t.len() <= 100)).map(|_| ()),
                        (tag(" extended deny ip object-group "), name, tag(" any")).map(|_| ()),
                        (tag(" extended deny ip any object-group "), name).map(|_| ()),
                        tag(" extended permit ip any any").map(|_| ()),
                    )),
                )),
            )),
        )
    }

    pub fn junos(line: &str) -> Result<Option<IpNet>, String> {
        let family = || alt((tag("inet6"), tag("inet")));
        check(
            line,
            alt((
                comment("#"),
                none((tag("delete policy-options prefix-list "), name)),
                none((
                    tag("delete firewall family "),
                    family(),
                    tag(" filter "),
                    name,
                )),
                preceded(
                    (tag("set policy-options prefix-list "), name, char(' ')),
                    alt((p4, p6)),
                )
                .map(Some),
                none((
                    tag("set firewall family "),
                    family(),
                    tag(" filter "),
                    name,
                    tag(" term "),
                    name,
                    alt((
                        (
                            alt((
                                tag(" from source-prefix-list "),
                                tag(" from destination-prefix-list "),
                            )),
                            name,
                        )
                            .map(|_| ()),
                        (tag(" then count "), name).map(|_| ()),
                        tag(" then discard").map(|_| ()),
                        tag(" then accept").map(|_| ()),
                    )),
                )),
            )),
        )
    }

    pub fn pf_rules(line: &str) -> Result<Option<IpNet>, String> {
        let table = || (char('<'), name, char('>'));
        check(
            line,
            alt((
                comment("#"),
                none((
                    tag("table "),
                    table(),
                    tag(" persist file \"/etc/pf/"),
                    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
                    char('"'),
                )),
                none((tag("block drop quick from "), table(), tag(" to any"))),
                none((tag("block drop quick from any to "), table())),
            )),
        )
    }

    pub fn pf_table(line: &str) -> Result<Option<IpNet>, String> {
        check(line, alt((comment("#"), any_addr.map(Some))))
    }

    pub fn edl(line: &str) -> Result<Option<IpNet>, String> {
        check(
            line,
            alt((
                comment("# "),
                (any_addr, opt(preceded(char(' '), text))).map(|(n, _)| Some(n)),
            )),
        )
    }
}

/// Checks every line of a file with a grammar; returns the networks it blocks.
fn parse_lines(text: &str, line: fn(&str) -> Result<Option<IpNet>, String>) -> Vec<IpNet> {
    assert!(text.ends_with('\n'), "file must end with a newline");
    text.lines()
        .filter_map(|l| line(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The networks of the nftables file's `elements = { ... }` blocks (text, not the engine).
fn nft_file_nets(text: &str) -> Vec<IpNet> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        let t = l.trim();
        if t == "elements = {" {
            inside = true;
        } else if inside && t == "}" {
            inside = false;
        } else if inside {
            let v = t.strip_suffix(',').expect("element lines end with a comma");
            out.push(parse_net(v));
        }
    }
    out
}

fn parse_net(v: &str) -> IpNet {
    v.parse::<IpNet>()
        .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
        .unwrap_or_else(|_| panic!("`{v}` is not an address or network"))
}

/// The networks the ipset file adds to its (temporary) sets.
fn ipset_file_nets(text: &str) -> Vec<IpNet> {
    text.lines()
        .filter_map(|l| l.strip_prefix("add "))
        .map(|l| parse_net(l.split_whitespace().nth(1).expect("add SET NET")))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Generated catalogues.

struct Gen {
    seed: u64,
}

impl Gen {
    fn next(&mut self) -> u64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed
    }

    /// A public IPv4 network (outside every special-purpose range), /16 to /32.
    fn v4(&mut self) -> IpNet {
        const FIRST: &[(u8, u8)] = &[
            (1, 9),
            (11, 99),
            (101, 126),
            (128, 168),
            (170, 171),
            (173, 191),
            (193, 197),
            (199, 202),
            (204, 223),
        ];
        let (lo, hi) = FIRST[(self.next() % FIRST.len() as u64) as usize];
        let a = lo + (self.next() % u64::from(hi - lo + 1)) as u8;
        let addr = Ipv4Addr::from(u32::from(a) << 24 | (self.next() as u32 & 0x00ff_ffff));
        let len = if self.next() % 3 == 0 {
            16 + (self.next() % 17) as u8
        } else {
            32
        };
        IpNet::V4(Ipv4Net::new(addr, len).unwrap().trunc())
    }

    /// A public IPv6 network in 2400::/6, /32 to /128.
    fn v6(&mut self) -> IpNet {
        let hi = 0x2400_u128 + u128::from(self.next() % 0x800);
        let addr = Ipv6Addr::from(
            hi << 112
                | (u128::from(self.next()) << 48)
                | u128::from(self.next() & 0xffff_ffff_ffff),
        );
        let len = if self.next() % 3 == 0 {
            32 + (self.next() % 97) as u8
        } else {
            128
        };
        IpNet::V6(Ipv6Net::new(addr, len).unwrap().trunc())
    }
}

fn show(n: &IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// A catalogue under construction: its YAML and the expected blocked set.
struct Fixture {
    id: String,
    version: String,
    indicators: Vec<(String, String, &'static str, &'static str)>,
    bulk: Vec<(String, Vec<IpNet>, &'static str)>,
    allowlist: Vec<IpNet>,
    overrides: Vec<(IpNet, &'static str)>,
    /// Every short text field (titles, roles, reasons).
    text: String,
    /// Every description.
    long: String,
}

impl Fixture {
    fn new(id: &str) -> Fixture {
        Fixture {
            id: id.into(),
            version: "1.0.0".into(),
            indicators: Vec::new(),
            bulk: Vec::new(),
            allowlist: Vec::new(),
            overrides: Vec::new(),
            text: "plain text".into(),
            long: "a description".into(),
        }
    }

    fn indicator(&mut self, kind: &'static str, value: &str, action: &'static str) -> &mut Self {
        let id = format!("i{}", self.indicators.len());
        self.indicators.push((id, value.to_owned(), kind, action));
        self
    }

    fn net(&mut self, n: IpNet, action: &'static str) -> &mut Self {
        let kind = match n {
            IpNet::V4(v) if v.prefix_len() == 32 => "ipv4",
            IpNet::V6(v) if v.prefix_len() == 128 => "ipv6",
            _ => "cidr",
        };
        self.indicator(kind, &show(&n), action)
    }

    fn yaml(&self) -> String {
        let t = serde_json::to_string(&self.text).unwrap();
        let d = serde_json::to_string(&self.long).unwrap();
        let mut y = format!(
            "id: {}\nversion: {}\ntitle: {t}\ndescription: {d}\npublisher: {t}\ntlp: clear\nadvisory:\n  id: {t}\n  title: {t}\n  issuer: {t}\n  published: 2025-01-30\n  modified: 2025-02-25\n  references: [https://example.com/advisory]\n",
            self.id, self.version
        );
        y.push_str("indicators:\n");
        for (id, value, kind, action) in &self.indicators {
            writeln!(
                y,
                "  - {{id: {id}, kind: {kind}, value: {}, role: {t}, description: {d}, confidence: sourced, severity: high, action: {action}, direction: both, references: [https://example.com/{id}]}}",
                serde_json::to_string(value).unwrap()
            )
            .unwrap();
        }
        if self.indicators.is_empty() {
            y.push_str("  []\n");
        }
        if !self.bulk.is_empty() {
            y.push_str("bulk:\n");
            for (id, _, action) in &self.bulk {
                writeln!(
                    y,
                    "  - {{id: {id}, path: {id}.txt, kind: address, role: {t}, description: {d}, confidence: inferred, severity: medium, action: {action}, direction: both, references: [https://example.com/{id}]}}"
                )
                .unwrap();
            }
        }
        y.push_str("policy:\n  widest-prefix: {ipv4: 16, ipv6: 32}\n");
        if !self.allowlist.is_empty() {
            let list: Vec<String> = self.allowlist.iter().map(ToString::to_string).collect();
            writeln!(y, "  allowlist: [{}]", list.join(", ")).unwrap();
        }
        // Generated addresses are random public ones, some of them in real CDN ranges or
        // public resolvers (MISP warninglists): the known-benign check is lifted for them.
        y.push_str("  overrides:\n");
        for n in ["0.0.0.0/0", "\"::/0\""] {
            writeln!(
                y,
                "    - {{network: {n}, rail: benign, reason: synthetic test addresses}}"
            )
            .unwrap();
        }
        if !self.overrides.is_empty() {
            for (n, rail) in &self.overrides {
                writeln!(y, "    - {{network: {n}, rail: {rail}, reason: {t}}}").unwrap();
            }
        }
        y
    }

    /// Writes the catalogue and its bulk files into `dir`; returns the catalogue path.
    fn write(&self, dir: &Path) -> PathBuf {
        for (id, nets, _) in &self.bulk {
            let mut s = String::from("# generated\n");
            for n in nets {
                s.push_str(&show(n));
                s.push('\n');
            }
            std::fs::write(dir.join(format!("{id}.txt")), s).unwrap();
        }
        let path = dir.join(format!("{}.yaml", self.id));
        std::fs::write(&path, self.yaml()).unwrap();
        path
    }

    /// What every platform must block: `block` entries minus the allowlist.
    fn expected(&self) -> Set {
        let mut nets: Vec<IpNet> = self
            .indicators
            .iter()
            .filter(|i| i.3 == "block" && matches!(i.2, "ipv4" | "ipv6" | "cidr"))
            .map(|i| parse_net(&i.1))
            .collect();
        for (_, list, action) in &self.bulk {
            if *action == "block" {
                nets.extend(list);
            }
        }
        minus(&normalize(&nets), &normalize(&self.allowlist))
    }
}

/// Builds `catalogue` with the given targets into `out`; asserts success.
fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every platform file's blocked networks, by platform, from the files' text.
fn platform_sets(fw: &Path, id: &str) -> BTreeMap<&'static str, Vec<IpNet>> {
    let f = |ext: &str| read(fw, &format!("{id}.{ext}"));
    let mut m = BTreeMap::new();
    m.insert("nftables", nft_file_nets(&f("nft")));
    m.insert("ipset", ipset_file_nets(&f("ipset")));
    m.insert("ios", parse_lines(&f("ios"), grammar::ios));
    m.insert("asa", parse_lines(&f("asa"), grammar::asa));
    m.insert("junos", parse_lines(&f("junos"), grammar::junos));
    assert!(parse_lines(&f("pf"), grammar::pf_rules).is_empty());
    m.insert("pf", parse_lines(&f("pf.table"), grammar::pf_table));
    m.insert("edl", parse_lines(&f("edl"), grammar::edl));
    m
}

// ---------------------------------------------------------------------------------------
// Real engines in a throwaway network namespace.

/// Runs a shell script inside `unshare -n` in `dir`; returns (rc, stdout, stderr), or None
/// when an engine is missing (skipped loudly by `engine`).
fn in_netns(dir: &Path, script: &str, engines: &[&str]) -> Option<(i32, String, String)> {
    for e in engines.iter().chain(&["unshare"]) {
        engine(e)?;
    }
    let o = Command::new("unshare")
        .args(["-n", "sh", "-c", script])
        .current_dir(dir)
        .output()
        .expect("run unshare");
    Some((
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    ))
}

/// Elements of `nft list set` output.
fn nft_listed(text: &str) -> Vec<IpNet> {
    let Some(start) = text.find("elements = {") else {
        return Vec::new();
    };
    let body = &text[start + "elements = {".len()..];
    let body = &body[..body.find('}').expect("closing brace")];
    body.split([',', '\n', ' ', '\t'])
        .filter(|s| !s.is_empty())
        .map(parse_net)
        .collect()
}

/// Applies the nftables file twice (a reload must replace, not fail) and reads the sets back.
fn apply_nft(fw: &Path, id: &str) -> Option<(Vec<IpNet>, Vec<IpNet>)> {
    let table = format!("iocc_{}", id.replace('-', "_"));
    let script = format!(
        "nft -f {id}.nft && nft -f {id}.nft && nft list set inet {table} block_v4 && echo @@ && nft list set inet {table} block_v6 && echo @@ && nft list chain inet {table} forward"
    );
    let (rc, out, err) = in_netns(fw, &script, &["nft"])?;
    assert_eq!(rc, 0, "nft -f failed: {err}");
    let parts: Vec<&str> = out.split("@@").collect();
    assert!(parts[2].contains("counter"), "{}", parts[2]);
    Some((nft_listed(parts[0]), nft_listed(parts[1])))
}

/// Applies ipset then iptables-restore and ip6tables-restore for real, reloads the ipset
/// file (the swap path), and returns the kernel's set contents.
fn apply_netfilter(fw: &Path, id: &str) -> Option<Vec<IpNet>> {
    let script = format!(
        "ipset restore < {id}.ipset && iptables-restore --noflush < {id}.iptables && ip6tables-restore --noflush < {id}.ip6tables && ipset restore < {id}.ipset && iptables -S && ip6tables -S && ipset save"
    );
    let (rc, out, err) = in_netns(
        fw,
        &script,
        &["ipset", "iptables-restore", "ip6tables-restore"],
    )?;
    assert_eq!(rc, 0, "netfilter apply failed: {err}");
    let chain = format!("IOCC-{}", id.to_ascii_uppercase());
    for hook in ["INPUT", "FORWARD", "OUTPUT"] {
        assert!(out.contains(&format!("-A {hook} -j {chain}")), "{out}");
    }
    assert!(
        out.contains("--match-set") && out.contains("-j DROP"),
        "{out}"
    );
    assert!(
        !out.contains("-tmp"),
        "temporary sets must be destroyed: {out}"
    );
    Some(
        out.lines()
            .filter_map(|l| l.strip_prefix("add "))
            .map(|l| parse_net(l.split_whitespace().nth(1).unwrap()))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------
// Tests.

fn generated(seed: u64) -> Vec<Fixture> {
    let mut g = Gen { seed };
    let mut out = Vec::new();

    // IPv4 indicators and a bulk list with duplicates, adjacent and covered entries, an
    // allowlist hole lifted by an override, and a monitor-only list that must not be blocked.
    let mut f = Fixture::new("gen-v4");
    f.net("23.1.2.0/24".parse().unwrap(), "block");
    f.net("45.9.9.9/32".parse().unwrap(), "block");
    f.net("77.7.7.7/32".parse().unwrap(), "monitor");
    let mut list: Vec<IpNet> = (0..400).map(|_| g.v4()).collect();
    list.extend(
        [
            "23.1.3.0/24",
            "23.1.2.128/25",
            "45.9.9.8/32",
            "45.9.9.10/31",
        ]
        .map(|s| s.parse::<IpNet>().unwrap()),
    );
    list.push(list[0]);
    f.bulk.push(("feed".into(), list, "block"));
    f.bulk
        .push(("watch".into(), (0..20).map(|_| g.v4()).collect(), "monitor"));
    f.allowlist.push("23.1.2.64/26".parse().unwrap());
    f.overrides
        .push(("23.1.2.0/23".parse().unwrap(), "allowlist"));
    f.indicator("domain", "evil.example", "block");
    f.indicator("sha256", &"ab".repeat(32), "alert");
    out.push(f);

    // IPv6 only, with a bulk list.
    let mut f = Fixture::new("gen-v6");
    f.net("2a00:1450:4001::/48".parse().unwrap(), "block");
    f.net("2a02:26f0::1/128".parse().unwrap(), "block");
    f.bulk
        .push(("feed6".into(), (0..300).map(|_| g.v6()).collect(), "block"));
    out.push(f);

    // Mixed families, both bulk lists.
    let mut f = Fixture::new("gen-mixed");
    f.net("185.220.101.0/24".parse().unwrap(), "block");
    f.net("2a0b:4342::/32".parse().unwrap(), "block");
    f.bulk
        .push(("a".into(), (0..200).map(|_| g.v4()).collect(), "block"));
    f.bulk
        .push(("b".into(), (0..200).map(|_| g.v6()).collect(), "block"));
    f.allowlist.push("10.0.0.0/8".parse().unwrap());
    out.push(f);

    // Nothing to block: every file must still be valid.
    let mut f = Fixture::new("gen-empty");
    f.net("91.1.1.1/32".parse().unwrap(), "monitor");
    out.push(f);
    out
}

#[test]
fn every_platform_blocks_the_catalogue_minus_the_allowlist() {
    for seed in [0x1234_5678_9abc_def1, 0x0bad_cafe_f00d_0001] {
        for f in generated(seed) {
            let dir = scratch(&format!("fw-prop-{}-{seed:x}", f.id));
            let cat = f.write(&dir);
            let out = build(&dir, &cat, &["firewall"]);
            let fw = out.join(&f.id).join("firewall");
            let want = f.expected();
            for (platform, nets) in platform_sets(&fw, &f.id) {
                assert_eq!(
                    normalize(&nets),
                    want,
                    "{platform} of {} blocks a different set",
                    f.id
                );
                // Aggregated: no platform lists a prefix twice or two overlapping prefixes.
                let spans = normalize(&nets).len();
                assert!(nets.len() >= spans);
            }
            if let Some((v4, v6)) = apply_nft(&fw, &f.id) {
                let mut all = v4;
                all.extend(v6);
                assert_eq!(normalize(&all), want, "nft kernel set of {}", f.id);
            }
            if let Some(nets) = apply_netfilter(&fw, &f.id) {
                assert_eq!(normalize(&nets), want, "ipset kernel set of {}", f.id);
            }
        }
    }
}

#[test]
fn committed_outputs_apply_in_a_fresh_namespace() {
    let fw = root().join("out/contec-cms8000/firewall");
    if let Some((v4, v6)) = apply_nft(&fw, "contec-cms8000") {
        assert_eq!(
            v4,
            ["202.114.4.0/24".parse::<IpNet>().unwrap()],
            "the Contec range"
        );
        assert!(v6.is_empty());
    }
    if let Some(nets) = apply_netfilter(&fw, "contec-cms8000") {
        assert_eq!(nets, ["202.114.4.0/24".parse::<IpNet>().unwrap()]);
    }
    let sets = platform_sets(&fw, "contec-cms8000");
    for (platform, nets) in sets {
        assert_eq!(
            nets,
            ["202.114.4.0/24".parse::<IpNet>().unwrap()],
            "{platform}"
        );
    }
}

#[test]
fn firewall_golden_files() {
    let fw = root().join("out/contec-cms8000/firewall");
    // Every file of every platform of the registry: a new platform gets its golden file.
    let exts: Vec<&str> = iocc::targets::firewall::PLATFORMS
        .iter()
        .flat_map(|p| p.extensions().iter().copied())
        .collect();
    let mut written: Vec<String> = std::fs::read_dir(&fw)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_prefix("contec-cms8000.").map(str::to_owned))
        .collect();
    written.sort();
    let mut declared: Vec<String> = exts.iter().map(|x| (*x).to_owned()).collect();
    declared.sort();
    assert_eq!(written, declared, "files on disk and declared extensions");
    for ext in exts {
        insta::assert_snapshot!(
            format!("contec-{ext}"),
            read(&fw, &format!("contec-cms8000.{ext}"))
        );
    }
    // A generated catalogue with IPv6, a bulk list and an override in every header.
    let f = &generated(7)[0];
    let dir = scratch("fw-golden-gen");
    let cat = f.write(&dir);
    let out = build(&dir, &cat, &["firewall", "csv"]);
    let fw = out.join(&f.id).join("firewall");
    for ext in ["nft", "ios", "junos"] {
        let text = read(&fw, &format!("gen-v4.{ext}"));
        assert!(
            text.contains("OVERRIDE: safety rail allowlist lifted for 23.1.2.0/23: plain text"),
            "{text}"
        );
    }
    insta::assert_snapshot!("generated-asa", read(&fw, "gen-v4.asa"));
    insta::assert_snapshot!(
        "generated-edl-head",
        read(&fw, "gen-v4.edl")
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

const REFUSED: &str = r#"id: refused
version: 1.0.0
title: a catalogue that must be refused
publisher: test
tlp: clear
advisory: {id: TEST-1, title: test, issuer: test, published: 2025-01-01, modified: 2025-01-01, references: [https://example.com/a]}
indicators:
  - {id: everything, kind: cidr, value: 0.0.0.0/0, confidence: sourced, severity: high, action: block, direction: both, references: [https://example.com/a]}
  - {id: lan, kind: cidr, value: 10.0.0.0/8, confidence: sourced, severity: high, action: block, direction: both, references: [https://example.com/a]}
  - {id: self, kind: ipv4, value: 127.0.0.1, confidence: sourced, severity: high, action: block, direction: both, references: [https://example.com/a]}
  - {id: partner, kind: cidr, value: 93.184.216.0/24, confidence: sourced, severity: high, action: block, direction: both, references: [https://example.com/a]}
  - {id: fine, kind: ipv4, value: 45.9.9.9, confidence: sourced, severity: high, action: block, direction: both, references: [https://example.com/a]}
policy:
  allowlist: [93.184.216.34]
"#;

#[test]
fn unsafe_entries_are_refused_and_nothing_is_written() {
    let dir = scratch("fw-refused");
    let cat = dir.join("refused.yaml");
    // A good version first, so there is an out/ to keep byte-identical.
    std::fs::write(
        &cat,
        REFUSED
            .lines()
            .filter(|l| {
                !l.contains("id: everything")
                    && !l.contains("id: lan")
                    && !l.contains("id: self")
                    && !l.contains("id: partner")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let out = build(&dir, &cat, &[]);
    let before = snapshot_tree(&out);
    assert!(before.keys().any(|k| k.ends_with("refused.nft")));

    std::fs::write(&cat, REFUSED).unwrap();
    let o = iocc(&[
        "build",
        cat.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    for want in [
        "error[refused-block]: refused to block `0.0.0.0/0` of indicator `everything`: rail `default-route`",
        "refused.yaml:8:",
        "error[refused-block]: refused to block `10.0.0.0/8` of indicator `lan`: rail `too-wide`: /8 is wider than `policy.widest-prefix` (/16); rail `private`: it overlaps 10.0.0.0/8 private-use (RFC 1918)",
        "refused.yaml:9:",
        "error[refused-block]: refused to block `127.0.0.1` of indicator `self`: rail `loopback`",
        "refused.yaml:10:",
        "error[refused-block]: refused to block `93.184.216.0/24` of indicator `partner`: rail `allowlist`: it overlaps the allowlisted network 93.184.216.34/32",
        "refused.yaml:11:",
        "a default route can never be blocked",
        "{network: 10.0.0.0/8, rail: too-wide, reason: \"...\"}, {network: 10.0.0.0/8, rail: private, reason: \"...\"}",
        "4 errors",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert!(!err.contains("of indicator `fine`"), "{err}");
    insta::assert_snapshot!(
        "refused-stderr",
        err.replace(&dir.display().to_string(), "[dir]")
    );
    assert_eq!(
        snapshot_tree(&out),
        before,
        "a refused build must write nothing"
    );
}

#[test]
fn refusals_in_bulk_files_name_the_line_and_overrides_lift_rails() {
    let dir = scratch("fw-refused-bulk");
    let mut f = Fixture::new("bulkrefuse");
    f.net("45.9.9.9/32".parse().unwrap(), "block");
    f.bulk.push((
        "feed".into(),
        vec![
            "8.8.8.8/32".parse().unwrap(),
            "192.168.1.0/24".parse().unwrap(),
            "2001:db8::/48".parse().unwrap(),
            "45.0.0.0/8".parse().unwrap(),
        ],
        "block",
    ));
    let cat = f.write(&dir);
    let o = iocc(&[
        "build",
        cat.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
        "--target",
        "firewall",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for want in [
        "refused to block `192.168.1.0/24` of bulk list `feed`: rail `private`",
        "feed.txt:3",
        "refused to block `2001:db8::/48` of bulk list `feed`: rail `documentation`",
        "feed.txt:4",
        "refused to block `45.0.0.0/8` of bulk list `feed`: rail `too-wide`: /8 is wider than `policy.widest-prefix` (/16)",
        "feed.txt:5",
        "3 errors",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert!(!dir.join("out").exists());
    // Lifting the rails explicitly lets the build through, and every header says so.
    f.overrides = vec![
        ("192.168.1.0/24".parse().unwrap(), "private"),
        ("2001:db8::/32".parse().unwrap(), "documentation"),
        ("45.0.0.0/8".parse().unwrap(), "too-wide"),
    ];
    let cat = f.write(&dir);
    let out = build(&dir, &cat, &["firewall"]);
    let fw = out.join("bulkrefuse/firewall");
    for file in std::fs::read_dir(&fw).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        assert!(
            text.contains("OVERRIDE: safety rail private lifted for 192.168.1.0/24"),
            "{text}"
        );
        assert!(
            text.contains("OVERRIDE: safety rail too-wide lifted for 45.0.0.0/8"),
            "{text}"
        );
    }
}

/// Strings meant to break out of a comment, a quote or a line on some platform.
/// (NUL and CR are refused by validation, so they cannot reach a target; the escaper's own
/// unit test covers them.)
const HOSTILE: &str = "x\"; sid:1; rev:1;) } { # ! ' ` $(reboot) \\ \t tab\nset system root-authentication plain-text-password\n NUL é ü 中 =cmd|' /C calc'!A0 @SUM(1) +1 -1 \u{0}\u{1b}[31m ";

#[test]
fn hostile_text_keeps_every_file_in_shape() {
    let dir = scratch("fw-hostile");
    let mut f = Fixture::new("hostile");
    f.text = HOSTILE.to_owned();
    f.long = format!("{HOSTILE}{}", "y".repeat(3_500));
    f.net("45.9.9.9/32".parse().unwrap(), "block");
    f.net("2a02:26f0::/32".parse().unwrap(), "block");
    f.bulk
        .push(("feed".into(), vec!["23.1.2.0/24".parse().unwrap()], "block"));
    f.allowlist.push("23.1.2.7/32".parse().unwrap());
    f.overrides
        .push(("23.1.2.0/24".parse().unwrap(), "allowlist"));
    let cat = f.write(&dir);
    let out = build(&dir, &cat, &["firewall", "csv"]);
    let fw = out.join("hostile/firewall");
    // The grammars accept only known command shapes and printable ASCII text.
    let sets = platform_sets(&fw, "hostile");
    let want = f.expected();
    for (platform, nets) in sets {
        assert_eq!(normalize(&nets), want, "{platform}");
    }
    for file in std::fs::read_dir(&fw).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        // Tabs only indent the nftables file; catalogue tabs became spaces.
        assert!(text
            .bytes()
            .all(|b| b == b'\n' || b == b'\t' || (0x20..0x7f).contains(&b)));
        assert!(text
            .lines()
            .all(|l| !(l.starts_with(['#', '!']) && l.contains('\t'))));
        assert!(!text.contains("root-authentication plain-text-password\n"));
        assert!(!text.contains("\nset system"));
    }
    if let Some((v4, v6)) = apply_nft(&fw, "hostile") {
        let mut all = v4;
        all.extend(v6);
        assert_eq!(normalize(&all), want);
    }
    if let Some(nets) = apply_netfilter(&fw, "hostile") {
        assert_eq!(normalize(&nets), want);
    }
    // The CSV reads back field by field: text intact, formulas neutralised, 15 columns.
    let mut rdr = csv::Reader::from_path(out.join("hostile/csv/hostile.csv")).unwrap();
    assert_eq!(rdr.headers().unwrap().len(), 15);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.len(), 15);
        // Text survives byte for byte, except control characters other than TAB, CR and
        // LF (NUL, ESC, DEL), which become spaces.
        let want: String = f
            .long
            .chars()
            .map(|c| {
                if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        assert_eq!(&r[14], want, "descriptions survive the round trip");
        assert!(!r.iter().any(|c| c.contains(['\0', '\u{1b}'])));
    }
}

#[test]
fn csv_reads_back_field_by_field() {
    let path = root().join("out/contec-cms8000/csv/contec-cms8000.csv");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.ends_with(b"\r\n"), "RFC 4180 records end with CRLF");
    let mut rdr = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "indicator",
            "type",
            "action",
            "direction",
            "protocol",
            "ports",
            "severity",
            "confidence",
            "valid_from",
            "valid_until",
            "catalogue",
            "advisory",
            "cves",
            "references",
            "description"
        ]
    );
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let col =
        |r: &Vec<String>, name: &str| r[header.iter().position(|h| h == name).unwrap()].clone();
    let indicators: Vec<String> = rows.iter().map(|r| col(r, "indicator")).collect();
    assert_eq!(
        indicators,
        [
            "202.114.4.0/24",
            "202.114.4.119",
            "202.114.4.120",
            "511/tcp",
            "515-520/tcp",
            "4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad"
        ]
    );
    let cms = &rows[1];
    assert_eq!(
        cms[..12],
        [
            "202.114.4.119",
            "ipv4",
            "block",
            "both",
            "ip",
            "",
            "critical",
            "sourced",
            "2025-01-30",
            "",
            "contec-cms8000",
            "ICSMA-25-030-01"
        ]
    );
    assert_eq!(
        col(cms, "cves"),
        "CVE-2025-0626 CVE-2025-0683 CVE-2025-1204"
    );
    assert!(col(cms, "references").starts_with("https://raw.githubusercontent.com/cisagov/CSAF/"));
    assert!(col(cms, "description").starts_with("Receives the Contec CMS protocol"));
    let ports = &rows[4];
    assert_eq!(
        ports[..8],
        [
            "515-520/tcp",
            "port",
            "monitor",
            "outbound",
            "tcp",
            "515-520",
            "medium",
            "sourced"
        ]
    );
    assert_eq!(col(&rows[5], "type"), "sha256");
    assert_eq!(col(&rows[5], "action"), "alert");
}

#[test]
fn csv_neutralises_formulas_and_lists_bulk_entries() {
    let dir = scratch("csv-formula");
    let mut f = Fixture::new("formula");
    f.long = "=HYPERLINK(\"http://x\",\"y\")".into();
    f.net("45.9.9.9/32".parse().unwrap(), "block");
    f.indicator("domain", "evil.example", "monitor");
    f.bulk.push((
        "feed".into(),
        vec![
            "23.1.2.0/24".parse().unwrap(),
            "2a02:26f0::1/128".parse().unwrap(),
            "8.8.8.8/32".parse().unwrap(),
        ],
        "alert",
    ));
    let cat = f.write(&dir);
    let out = build(&dir, &cat, &["csv"]);
    let mut rdr = csv::Reader::from_path(out.join("formula/csv/formula.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let ind: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        ind,
        [
            "8.8.8.8",
            "23.1.2.0/24",
            "45.9.9.9",
            "2a02:26f0::1",
            "evil.example"
        ],
        "one row per indicator and bulk entry, addresses sorted numerically per family"
    );
    for r in &rows {
        for cell in r.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell}"
            );
        }
        assert_eq!(&r[14], "'=HYPERLINK(\"http://x\",\"y\")");
    }
    assert_eq!(&rows[0][2], "alert");
    assert_eq!(&rows[0][1], "ipv4");
    assert_eq!(&rows[1][1], "cidr");
}

/// Two versions of one catalogue, written under `<dir>/old` and `<dir>/new`.
struct Versions {
    old_dir: PathBuf,
    old_cat: PathBuf,
    new_cat: PathBuf,
    new: Fixture,
}

impl Versions {
    fn write(dir: &Path) -> Versions {
        let old_dir = dir.join("old");
        let new_dir = dir.join("new");
        std::fs::create_dir_all(&old_dir).unwrap();
        std::fs::create_dir_all(&new_dir).unwrap();
        let mut old = Fixture::new("delta");
        old.net("23.1.2.0/24".parse().unwrap(), "block");
        old.net("45.9.9.9/32".parse().unwrap(), "block");
        old.net("2a02:26f0::/32".parse().unwrap(), "block");
        let mut new = Fixture::new("delta");
        new.version = "1.1.0".into();
        new.net("23.1.2.0/23".parse().unwrap(), "block");
        new.net("2a02:26f0::/32".parse().unwrap(), "block");
        new.net("2a0b:4342::1/128".parse().unwrap(), "block");
        new.net("77.7.7.7/32".parse().unwrap(), "block");
        Versions {
            old_cat: old.write(&old_dir),
            new_cat: new.write(&new_dir),
            old_dir,
            new,
        }
    }

    /// `iocc [--format json] diff OLD NEW` followed by `more`.
    fn diff(&self, json: bool, more: &[&str]) -> std::process::Output {
        let mut args = if json {
            vec!["--format", "json"]
        } else {
            Vec::new()
        };
        args.extend([
            "diff",
            self.old_cat.to_str().unwrap(),
            self.new_cat.to_str().unwrap(),
        ]);
        args.extend(more);
        iocc(&args)
    }
}

/// `iocc diff` between two catalogue versions: every platform's section, one platform, JSON,
/// and an unknown platform.
#[test]
fn diff_reports_every_platform() {
    let dir = scratch("fw-diff");
    let v = Versions::write(&dir);
    let o = v.diff(false, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let redacted = text.replace(&dir.display().to_string(), "[dir]");
    insta::assert_snapshot!("diff-all-platforms", redacted);

    let one = v.diff(false, &["--target", "junos"]);
    assert!(stdout(&one).contains("== Juniper JunOS (set format) =="));
    assert!(!stdout(&one).contains("== nftables"));
    let json = v.diff(true, &[]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["ok"], true);
    assert_eq!(
        j["diff"]["commands"].as_array().unwrap().len(),
        iocc::targets::firewall::PLATFORMS.len()
    );
    assert_eq!(
        j["diff"]["block_list"]["removed"],
        serde_json::json!(["23.1.2.0/24", "45.9.9.9/32"])
    );
    let bad = v.diff(false, &["--target", "nope"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("error[diff-failed]"));
}

/// Applies OLD's files, then the nft and ipset deltas of `iocc diff`, for real in one
/// namespace; the kernel must hold NEW's list.
#[test]
fn diff_deltas_take_a_device_from_old_to_new() {
    let dir = scratch("fw-diff-apply");
    let v = Versions::write(&dir);
    let text = stdout(&v.diff(false, &[]));
    let out = build(&v.old_dir, &v.old_cat, &["firewall"]);
    let fw = out.join("delta/firewall");
    let section = |title: &str| -> String {
        let start = text.find(&format!("== {title}")).unwrap();
        let body = &text[start..];
        let body = &body[body.find('\n').unwrap() + 1..];
        body[..body.find("\n== ").unwrap_or(body.len())].to_owned()
    };
    // `--commands` prints exactly one platform's section, ready to pipe into its tool.
    let commands = |platform: &str| -> String {
        let o = v.diff(false, &["--target", platform, "--commands"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let (nft_delta, ipset_delta) = (commands("nftables"), commands("iptables"));
    assert_eq!(nft_delta, section("nftables"));
    assert_eq!(ipset_delta, section("ipset"));
    std::fs::write(fw.join("delta.nft-delta"), nft_delta).unwrap();
    std::fs::write(fw.join("delta.ipset-delta"), ipset_delta).unwrap();
    let want = v.new.expected();
    if let Some((rc, out, err)) = in_netns(
        &fw,
        "nft -f delta.nft && nft -f delta.nft-delta && nft list set inet iocc_delta block_v4 && echo @@ && nft list set inet iocc_delta block_v6",
        &["nft"],
    ) {
        assert_eq!(rc, 0, "{err}");
        let parts: Vec<&str> = out.split("@@").collect();
        let mut all = nft_listed(parts[0]);
        all.extend(nft_listed(parts[1]));
        assert_eq!(normalize(&all), want, "nft after delta");
    }
    if let Some((rc, out, err)) = in_netns(
        &fw,
        "ipset restore < delta.ipset && ipset -exist restore < delta.ipset-delta && ipset save",
        &["ipset"],
    ) {
        assert_eq!(rc, 0, "{err}");
        let nets: Vec<IpNet> = out
            .lines()
            .filter_map(|l| l.strip_prefix("add "))
            .map(|l| parse_net(l.split_whitespace().nth(1).unwrap()))
            .collect();
        assert_eq!(normalize(&nets), want, "ipset after delta");
    }
}

/// A million-address bulk list renders every firewall file with the right counts.
#[test]
fn a_million_addresses_render_on_every_platform() {
    let dir = scratch("fw-million");
    let mut s = String::with_capacity(16 * 1_000_000);
    // Every other address of 31 /16 networks: nothing aggregates, 1 000 000 host entries.
    let mut n = 0u32;
    'outer: for net in 0..32u32 {
        let base = (45u32 << 24) | (net << 16);
        for host in (0..65_536u32).step_by(2) {
            if n == 1_000_000 {
                break 'outer;
            }
            writeln!(s, "{}", Ipv4Addr::from(base | host)).unwrap();
            n += 1;
        }
    }
    std::fs::write(dir.join("big.txt"), s).unwrap();
    let mut f = Fixture::new("million");
    f.bulk.push(("big".into(), Vec::new(), "block"));
    std::fs::write(dir.join("million.yaml"), f.yaml()).unwrap();
    let out = build(&dir, &dir.join("million.yaml"), &["firewall"]);
    let fw = out.join("million/firewall");
    let count =
        |name: &str, pred: fn(&str) -> bool| read(&fw, name).lines().filter(|l| pred(l)).count();
    assert_eq!(
        count("million.nft", |l| l.starts_with("\t\t\t45.")),
        1_000_000
    );
    assert_eq!(count("million.ipset", |l| l.starts_with("add ")), 1_000_000);
    assert!(read(&fw, "million.ipset").contains("maxelem 1048576"));
    assert_eq!(
        count("million.ios", |l| l.starts_with(" host 45.")),
        1_000_000
    );
    assert_eq!(
        count("million.asa", |l| l.starts_with(" network-object host 45.")),
        1_000_000
    );
    assert_eq!(
        count("million.junos", |l| l
            .starts_with("set policy-options prefix-list")),
        1_000_000
    );
    assert_eq!(
        count("million.pf.table", |l| l.starts_with("45.")),
        1_000_000
    );
    assert_eq!(count("million.edl", |l| l.starts_with("45.")), 1_000_000);
}

/// Each special-purpose range trips its own rail, and monitor-only entries are never refused.
#[test]
fn every_rail_refuses_its_ranges() {
    let cases = [
        ("224.0.0.1", "multicast"),
        ("169.254.1.1", "link-local"),
        ("100.64.1.1", "cgnat"),
        ("240.0.0.1", "reserved"),
        ("0.1.2.3", "reserved"),
        ("198.18.0.1", "reserved"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.1", "documentation"),
        ("172.16.5.5", "private"),
        ("fc00::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::1", "loopback"),
        ("2002::/32", "reserved"),
        ("3fff::/32", "documentation"),
        ("4000::/32", "reserved"),
        ("::/0", "default-route"),
        ("2a02::/16", "too-wide"),
    ];
    let dir = scratch("fw-every-rail");
    let mut f = Fixture::new("rails");
    f.bulk.push((
        "feed".into(),
        cases.iter().map(|(v, _)| parse_net(v)).collect(),
        "block",
    ));
    // The same ranges as `monitor`: not blocked, so not refused.
    f.bulk.push((
        "watch".into(),
        cases.iter().map(|(v, _)| parse_net(v)).collect(),
        "monitor",
    ));
    let cat = f.write(&dir);
    let o = iocc(&[
        "build",
        cat.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for (i, (value, rail)) in cases.iter().enumerate() {
        let shown = value.to_string();
        let want = format!("refused to block `{shown}` of bulk list `feed`: rail `{rail}`");
        assert!(err.contains(&want), "missing `{want}` in:\n{err}");
        assert!(
            err.contains(&format!("feed.txt:{}:", i + 2)),
            "line of {value}"
        );
    }
    assert!(!err.contains("bulk list `watch`"), "{err}");
    assert!(err.contains(&format!("{} errors", cases.len())), "{err}");
}
