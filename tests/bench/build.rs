//! Benchmark: `iocc build` and `iocc check` of a catalogue with a million-entry feed, against
//! baselines measured in the same run, and `suricata -T` of its pack against a hand-built pack
//! of the same lists.
//!
//! Run with `cargo bench --bench build` (`-- N` for another list size, `-- --generate` to only
//! write the catalogue, `-- --no-10m` to skip the ten-million run, `-- --no-engines` to skip
//! Suricata). The catalogue is generated deterministically under `target/bench/scale-N/` by
//! [`generate`] (never committed): the Contec catalogue renamed `scale-N`, plus two bulk lists:
//! N mixed addresses (90% IPv4 addresses, 5% IPv4 /24s, 5% IPv6: /64s and addresses, half
//! each; public unicast, none on a shipped known-benign list, in random order) and N/10
//! domains.
//!
//! Every step runs the release `iocc` binary as a child under `/usr/bin/time`, which reports
//! the wall time and the child's peak resident set size. Printed beside each figure is its
//! ratio to a baseline of the same run:
//! - `build` (all targets, empty `out/`) against `cp -r` of its output (the I/O floor);
//! - `check` against nothing (absolute: the goal is at most 1 s and 200 MiB at 1M);
//! - the 10 000 000-address build's peak RSS (the goal is at most 1 GiB), built once (no
//!   `cp -r` floor or rebuild: the output is about 13 GiB);
//! - `suricata -T` of the pack (Suricata 7 and 8, each with its packaged suricata.yaml, only
//!   the rule path pointing at the pack's folder) against a hand-built pack of the same lists
//!   (IPv4 addresses in one `type ipv4` dataset, IPv6 addresses in one `type ip` dataset,
//!   `hashsize 65536` each, networks as IP-only rules of 400 IPv4 / 180 IPv6 prefixes,
//!   domains in one string dataset) and an empty rule file.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// A public unicast IPv4 address (1.0.0.0 - 99.255.255.255 outside 10.0.0.0/8): accepted by
/// the firewall safety rails.
fn public_v4(seed: &mut u64) -> u32 {
    loop {
        let a = 0x0100_0000 + (xorshift(seed) % (99 << 24)) as u32;
        if a >> 24 != 10 {
            return a;
        }
    }
}

/// On a shipped known-benign list (a CDN or resolver range): a block list holding it is
/// refused (`benign-indicator`), so the feed leaves it out.
fn benign(net: ipnet::IpNet) -> bool {
    iocc::benign::Screen::shipped().network(net).is_some()
}

/// The lists of the generated catalogue, as the benchmark's own pack needs them.
#[derive(Default)]
struct Lists {
    v4: Vec<u32>,
    v6: Vec<u128>,
    v4_nets: Vec<u32>,
    v6_nets: Vec<u128>,
    domains: Vec<String>,
}

/// Writes the catalogue and its bulk lists into `dir`; returns the catalogue file and the
/// lists (distinct, in file order).
fn generate(dir: &Path, n: usize) -> (PathBuf, Lists) {
    std::fs::create_dir_all(dir).unwrap();
    let mut seed = 0x5eed_1234_u64;
    let mut l = Lists::default();
    let mut seen: HashSet<u128> = HashSet::with_capacity(n);
    let mut text = String::with_capacity(n * 16);
    while seen.len() < n {
        let r = xorshift(&mut seed) % 100;
        let line = if r < 90 {
            let a = public_v4(&mut seed);
            if benign(ipnet::Ipv4Net::new_assert(Ipv4Addr::from(a), 32).into())
                || !seen.insert(u128::from(a))
            {
                continue;
            }
            l.v4.push(a);
            Ipv4Addr::from(a).to_string()
        } else if r < 95 {
            let a = public_v4(&mut seed) & !0xff;
            if benign(ipnet::Ipv4Net::new_assert(Ipv4Addr::from(a), 24).into())
                || !seen.insert((1 << 100) | u128::from(a))
            {
                continue;
            }
            l.v4_nets.push(a);
            format!("{}/24", Ipv4Addr::from(a))
        } else {
            let hi = (0x2a00_u128 << 112) | (u128::from(xorshift(&mut seed) & 0xf_ffff_ffff) << 64);
            if benign(ipnet::Ipv6Net::new_assert(Ipv6Addr::from(hi), 64).into()) {
                continue;
            }
            if r % 2 == 0 {
                if !seen.insert(hi) {
                    continue;
                }
                l.v6_nets.push(hi);
                format!("{}/64", Ipv6Addr::from(hi))
            } else {
                let a = hi | u128::from(xorshift(&mut seed) | 1);
                if !seen.insert(a) {
                    continue;
                }
                l.v6.push(a);
                Ipv6Addr::from(a).to_string()
            }
        };
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(dir.join("feed-addresses.txt"), text).unwrap();
    drop(seen);
    let mut seen_d = HashSet::new();
    let mut domains = String::new();
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    while seen_d.len() < n / 10 {
        let r = xorshift(&mut seed);
        let label: String = (0..10)
            .map(|i| ALPHABET[((r >> (i * 6)) % 36) as usize] as char)
            .collect();
        let tld = ["com", "net", "org", "info"][(r >> 62) as usize];
        let d = format!("{label}.{tld}");
        if seen_d.insert(d.clone()) {
            domains.push_str(&d);
            domains.push('\n');
            l.domains.push(d);
        }
    }
    std::fs::write(dir.join("feed-domains.txt"), domains).unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let contec = std::fs::read_to_string(root.join("iocs/contec-cms8000.yaml")).unwrap();
    let mut yaml = contec.replacen("\nid: contec-cms8000\n", &format!("\nid: scale-{n}\n"), 1);
    yaml.push_str(concat!(
        "\nbulk:\n",
        "- id: feed-addresses\n  path: feed-addresses.txt\n  kind: address\n  role: Merged feed of hosts and networks\n  confidence: inferred\n  severity: high\n  action: block\n  references: [https://example.com/feed]\n",
        "- id: feed-domains\n  path: feed-domains.txt\n  kind: domain\n  role: Merged feed of domains\n  confidence: inferred\n  severity: medium\n  action: alert\n  direction: outbound\n  references: [https://example.com/feed]\n",
    ));
    let file = dir.join(format!("scale-{n}.yaml"));
    std::fs::write(&file, yaml).unwrap();
    // A fresh catalogue takes fresh SIDs.
    let _ = std::fs::remove_file(dir.join(format!("scale-{n}.sids.lock")));
    (file, l)
}

/// Wall time (s) and peak RSS (MiB) of a command, from `/usr/bin/time`; panics when it fails.
fn timed(cmd: &mut Command) -> (f64, f64, String) {
    let mut t = Command::new("/usr/bin/time");
    t.args(["-f", "@@time %e %M"]).arg(cmd.get_program());
    t.args(cmd.get_args());
    if let Some(d) = cmd.get_current_dir() {
        t.current_dir(d);
    }
    let start = Instant::now();
    let o = t.output().expect("/usr/bin/time runs");
    let wall = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let all = format!("{}{err}", String::from_utf8_lossy(&o.stdout));
    assert!(o.status.success(), "{:?} failed:\n{all}", cmd);
    let rss = err
        .lines()
        .find_map(|l| l.strip_prefix("@@time "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0);
    (wall, rss, all)
}

fn iocc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_iocc"))
}

/// Bytes under `dir`.
fn du(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        total += if p.is_dir() {
            du(&p)
        } else {
            e.metadata().map_or(0, |m| m.len())
        };
    }
    total
}

/// `iocc build` of every target into an empty `out/`, then `cp -r` of that output.
fn build_step(file: &Path, dir: &Path, label: &str) -> PathBuf {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let (t, rss, _) = timed(iocc().arg("build").arg(file).arg("--out").arg(&out));
    let size = du(&out) as f64 / f64::from(1 << 20);
    let copy = dir.join("out-copy");
    let _ = std::fs::remove_dir_all(&copy);
    let (tc, _, _) = timed(Command::new("cp").arg("-r").arg(&out).arg(&copy));
    let _ = std::fs::remove_dir_all(&copy);
    println!(
        "{label:<22} {t:>7.2} s {rss:>7.0} MiB   cp -r {tc:.2} s: {:.2}x the I/O floor ({size:.0} MiB written)",
        t / tc
    );
    let (t2, rss2, _) = timed(iocc().arg("build").arg(file).arg("--out").arg(&out));
    println!(
        "{:<22} {t2:>7.2} s {rss2:>7.0} MiB   {:.2}x cp -r",
        "  again (unchanged)",
        t2 / tc
    );
    out
}

/// `iocc build` of every target into an empty `out/`, once: time, peak RSS and size. The
/// ten-million run has no `cp -r` floor nor unchanged rebuild beside it: each would need another
/// copy of a 13 GiB output on disk, or the build's time again, for a figure the 1M run gives.
fn build_once(file: &Path, dir: &Path, label: &str) {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let (t, rss, _) = timed(iocc().arg("build").arg(file).arg("--out").arg(&out));
    let size = du(&out) as f64 / f64::from(1 << 20);
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "{label:<22} {t:>7.2} s {rss:>7.0} MiB   {:.2}x the 1 GiB goal ({size:.0} MiB written)",
        rss / 1024.0
    );
}

/// Writes `lines` to `path`, one a line.
fn write_lines(path: &Path, lines: impl Iterator<Item = String>) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The hand-built pack of the same lists (see the module doc); returns its rules file.
fn hand_pack(dir: &Path, l: &Lists) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    write_lines(
        &dir.join("v4.lst"),
        l.v4.iter().map(|&a| Ipv4Addr::from(a).to_string()),
    );
    write_lines(
        &dir.join("v6.lst"),
        l.v6.iter().map(|&a| Ipv6Addr::from(a).to_string()),
    );
    write_lines(
        &dir.join("domains.lst"),
        l.domains.iter().map(|d| base64(d.as_bytes())),
    );
    let mut rules = String::new();
    let mut sid = 9_000_000;
    let mut rule = |rules: &mut String, body: &str| {
        sid += 1;
        let _ = writeln!(rules, "{body} sid:{sid}; rev:1;)");
    };
    for (name, kind) in [("v4", "ipv4"), ("v6", "ip")] {
        for buf in ["ip.src", "ip.dst"] {
            rule(&mut rules, &format!("alert ip any any -> any any (msg:\"hand {name} {buf}\"; {buf}; dataset:isset,hand-{name},type {kind},load {name}.lst,hashsize 65536,memcap 256mb;"));
        }
    }
    rule(&mut rules, "alert dns $HOME_NET any -> any any (msg:\"hand dns\"; dns.query; dataset:isset,hand-dom,type string,load domains.lst,hashsize 65536,memcap 64mb;");
    let v4: Vec<String> = l
        .v4_nets
        .iter()
        .map(|&a| format!("{}/24", Ipv4Addr::from(a)))
        .collect();
    let v6: Vec<String> = l
        .v6_nets
        .iter()
        .map(|&a| format!("{}/64", Ipv6Addr::from(a)))
        .collect();
    for (list, per) in [(v4, 400), (v6, 180)] {
        for group in list.chunks(per) {
            let g = group.join(",");
            rule(
                &mut rules,
                &format!("alert ip $HOME_NET any -> [{g}] any (msg:\"hand nets out\";"),
            );
            rule(
                &mut rules,
                &format!("alert ip [{g}] any -> $HOME_NET any (msg:\"hand nets in\";"),
            );
        }
    }
    let file = dir.join("hand.rules");
    std::fs::write(&file, rules).unwrap();
    file
}

/// `suricata -T` of `rules` with the packaged config (rule path set to the rules' folder):
/// wall time, and whether it loaded cleanly (rc 0, no `W:`/`E:`).
fn suricata_t(bin: &Path, config: &Path, rules: &Path, logs: &Path) -> (f64, bool) {
    let _ = std::fs::remove_dir_all(logs);
    std::fs::create_dir_all(logs).unwrap();
    let folder = rules.parent().unwrap();
    let start = Instant::now();
    let o = Command::new(bin)
        .arg("-T")
        .arg("-c")
        .arg(config)
        .arg("-S")
        .arg(rules)
        .arg("-l")
        .arg(logs)
        .arg("--set")
        .arg(format!("default-rule-path={}", folder.display()))
        .output()
        .unwrap();
    let t = start.elapsed().as_secs_f64();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let bad: Vec<&str> = all
        .lines()
        .filter(|l| l.starts_with("W:") || l.starts_with("E:"))
        .collect();
    let clean = o.status.success() && bad.is_empty();
    // An empty rule file always warns that no rules loaded: it is only a time baseline.
    if !clean && rules.metadata().is_ok_and(|m| m.len() > 0) {
        println!(
            "    {}: rc {:?}\n    {}",
            rules.display(),
            o.status.code(),
            bad.join("\n    ")
        );
    }
    (t, clean)
}

fn engines(dir: &Path, out: &Path, id: &str, lists: &Lists) {
    let pack = out.join(id).join("suricata").join(format!("{id}.rules"));
    let hand = hand_pack(&dir.join("hand"), lists);
    let empty = dir.join("empty/empty.rules");
    std::fs::create_dir_all(empty.parent().unwrap()).unwrap();
    std::fs::write(&empty, "").unwrap();
    let versions = [
        (
            "Suricata 7",
            PathBuf::from("/usr/bin/suricata"),
            PathBuf::from("/etc/suricata/suricata.yaml"),
        ),
        (
            "Suricata 8",
            PathBuf::from("/opt/suricata8/bin/suricata"),
            PathBuf::from("/opt/suricata8/etc/suricata/suricata.yaml"),
        ),
    ];
    for (name, bin, config) in versions {
        if !bin.is_file() {
            println!("{name}: not installed, skipped");
            continue;
        }
        let logs = dir.join("suricata-logs");
        let (te, _) = suricata_t(&bin, &config, &empty, &logs);
        let (th, hand_ok) = suricata_t(&bin, &config, &hand, &logs);
        let (tp, pack_ok) = suricata_t(&bin, &config, &pack, &logs);
        println!(
            "{name}: -T of the pack {tp:.2} s ({}), hand-built {th:.2} s ({}), empty {te:.2} s: pack {:.2}x hand-built",
            if pack_ok { "loads clean" } else { "FAILS" },
            if hand_ok { "loads clean" } else { "fails" },
            tp / th
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let n: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench/scale-{n}"));
    let t = Instant::now();
    let (file, lists) = generate(&dir, n);
    println!(
        "{n} addresses ({} IPv4, {} IPv4 /24, {} IPv6, {} IPv6 /64) and {} domains: {} ({:.1} s to generate)",
        lists.v4.len(),
        lists.v4_nets.len(),
        lists.v6.len(),
        lists.v6_nets.len(),
        lists.domains.len(),
        file.display(),
        t.elapsed().as_secs_f64()
    );
    if flag("--generate") {
        return;
    }
    let out = build_step(&file, &dir, "build, all targets");
    let (tc, rssc, _) = timed(iocc().arg("check").arg(&file));
    println!("{:<22} {tc:>7.2} s {rssc:>7.0} MiB", "check");
    let (tk, rssk, _) = timed(
        iocc()
            .args(["build", "--check"])
            .arg(&file)
            .arg("--out")
            .arg(&out),
    );
    println!("{:<22} {tk:>7.2} s {rssk:>7.0} MiB", "build --check");
    if !flag("--no-engines") {
        engines(&dir, &out, &format!("scale-{n}"), &lists);
    }
    drop(lists);
    // The 1M output is not needed any more: the ten-million run needs the disk.
    let _ = std::fs::remove_dir_all(&out);
    if !flag("--no-10m") && n < 10_000_000 {
        let big = 10_000_000;
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench/scale-{big}"));
        let (file, lists) = generate(&dir, big);
        drop(lists);
        build_once(&file, &dir, "build 10M, all targets");
    }
}
