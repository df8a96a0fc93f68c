//! Benchmark: iocc's address aggregation against `iprange` (FireHOL's, Debian) on the same
//! input files in the same run, then a full `iocc build` of a one-million-address bulk list.
//!
//! Run with `cargo bench --bench aggregate`. Inputs are generated deterministically under
//! `target/bench/`, 1 000 000 lines each: random IPv4 addresses uniform over the whole space,
//! the same dense in 10.0.0.0/12 (the two cases of `shared/reference/engines.md` §5), and the
//! IPv4 part of the scale mix of `cargo bench --bench build` (addresses with 5% /24s). iprange
//! reads IPv4 only, so the whole mix (with 5% IPv6 /64s and addresses) is timed for iocc alone.
//!
//! Both sides do the same work, text to text: read the file, parse every line, aggregate,
//! write the prefixes (a host bare, a network as `A/L`, as iprange prints them). iocc's side
//! uses its own bulk-list parser (`parse_v4`, else `parse_net`), `Aggregator` and address
//! writers; iprange's time includes its process start. The two outputs must be byte-identical,
//! so the benchmark also proves both tools agree. Times are medians of 5 rounds, the two sides
//! taking turns so that a busy machine slows both alike; the ratio is iprange's time over
//! iocc's.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use iocc::blocklist::aggregate::{Aggregated, Aggregator};
use iocc::net::{push_show_v4, push_show_v6};
use iocc::validate::bulk::{parse_net, parse_v4};
use ipnet::{IpNet, Ipv4Net};

const ROUNDS: usize = 5;

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// The inputs: name, file stem, and the line generator.
#[derive(Clone, Copy)]
enum Mix {
    Uniform,
    Dense,
    /// 95% IPv4 addresses, 5% IPv4 /24s.
    WithPrefixes,
    /// 90% IPv4 addresses, 5% IPv4 /24s, 5% IPv6 (half /64s, half addresses).
    WithIpv6,
}

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Uniform => "uniform over 0/0",
            Mix::Dense => "dense in 10.0.0.0/12",
            Mix::WithPrefixes => "+5% /24s",
            Mix::WithIpv6 => "+5% /24s +5% IPv6",
        }
    }
    fn stem(self) -> &'static str {
        match self {
            Mix::Uniform => "uniform",
            Mix::Dense => "dense",
            Mix::WithPrefixes => "prefixes",
            Mix::WithIpv6 => "mixed",
        }
    }
    fn line(self, seed: &mut u64, out: &mut Vec<u8>) {
        let r = xorshift(seed);
        let addr = match self {
            Mix::Dense => Ipv4Addr::from((10 << 24) | (r as u32 & 0x000f_ffff)),
            _ => Ipv4Addr::from(r as u32),
        };
        let pick = (r >> 32) % 100;
        if matches!(self, Mix::WithIpv6) && pick < 5 {
            let a = Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(xorshift(seed)) << 40));
            let len = if pick < 3 { 64 } else { 128 };
            let net = IpNet::V6(ipnet::Ipv6Net::new_assert(a, len).trunc());
            push_line(out, &net);
        } else if matches!(self, Mix::WithIpv6 | Mix::WithPrefixes) && pick >= 95 {
            push_line(out, &IpNet::V4(Ipv4Net::new_assert(addr, 24).trunc()));
        } else {
            push_line(out, &IpNet::V4(Ipv4Net::new_assert(addr, 32)));
        }
    }
}

fn push_line(out: &mut Vec<u8>, n: &IpNet) {
    match n {
        IpNet::V4(n) => push_show_v4(out, n),
        IpNet::V6(n) => push_show_v6(out, n),
    }
    out.push(b'\n');
}

fn generate(path: &Path, n: usize, mix: Mix) {
    let mut seed = 42u64;
    let mut s = Vec::with_capacity(n * 16);
    for _ in 0..n {
        mix.line(&mut seed, &mut s);
    }
    std::fs::write(path, s).unwrap();
}

/// The time of each step of iocc's side.
#[derive(Default, Clone, Copy)]
struct Steps {
    parse: Duration,
    aggregate: Duration,
    write: Duration,
}

impl Steps {
    fn total(self) -> Duration {
        self.parse + self.aggregate + self.write
    }
}

/// iocc's side: read and parse (the bulk reader's parsers), aggregate, format and write.
fn iocc_side(input: &Path, output: &Path) -> (Steps, usize) {
    let t = Instant::now();
    let text = std::fs::read(input).unwrap();
    let mut nets = Aggregator::with_capacity(text.len() / 8);
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        parse_line(line, &mut nets);
    }
    let parse = t.elapsed();
    let t = Instant::now();
    let agg = nets.finish(&[]);
    let aggregate = t.elapsed();
    let t = Instant::now();
    let out = render(&agg);
    std::fs::write(output, out).unwrap();
    let write = t.elapsed();
    let steps = Steps {
        parse,
        aggregate,
        write,
    };
    (steps, agg.len())
}

/// One line as the bulk reader reads it: the IPv4 fast path, else the general parser.
fn parse_line(line: &[u8], nets: &mut Aggregator) {
    match parse_v4(line) {
        Some((a, len)) => nets.push_v4(a, len),
        None => nets.push(parse_net(std::str::from_utf8(line).unwrap()).unwrap()),
    }
}

fn render(agg: &Aggregated) -> Vec<u8> {
    let mut out = Vec::with_capacity(agg.len() * 16);
    for n in &agg.v4 {
        push_show_v4(&mut out, n);
        out.push(b'\n');
    }
    for n in &agg.v6 {
        push_show_v6(&mut out, n);
        out.push(b'\n');
    }
    out
}

fn iprange_side(bin: &Path, input: &Path, output: &Path) -> Duration {
    let t = Instant::now();
    let out = std::fs::File::create(output).unwrap();
    let st = Command::new(bin).arg(input).stdout(out).status().unwrap();
    assert!(st.success());
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn iprange() -> Option<PathBuf> {
    [
        "/usr/bin/iprange",
        "/usr/sbin/iprange",
        "/usr/local/bin/iprange",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Times one input on both sides, turn about, and prints its row.
fn compare(dir: &Path, n: usize, mix: Mix, iprange: Option<&Path>) {
    let input = dir.join(format!("ips-{}.txt", mix.stem()));
    generate(&input, n, mix);
    let (ours, theirs) = (dir.join("iocc.out"), dir.join("iprange.out"));
    // iprange reads IPv4 only: the IPv6 mix is iocc's alone.
    let iprange = iprange.filter(|_| !matches!(mix, Mix::WithIpv6));
    let (mut steps, mut t_iprange, mut count) = (Vec::new(), Vec::new(), 0);
    for _ in 0..ROUNDS {
        let (s, c) = iocc_side(&input, &ours);
        steps.push(s);
        count = c;
        if let Some(bin) = iprange {
            t_iprange.push(iprange_side(bin, &input, &theirs));
            assert!(
                std::fs::read(&ours).unwrap() == std::fs::read(&theirs).unwrap(),
                "iocc and iprange disagree on {}",
                mix.name()
            );
        }
    }
    let step = |f: fn(&Steps) -> Duration| median(steps.iter().map(f).collect());
    let iocc = step(|s| s.total());
    let (their_time, ratio) = match iprange {
        Some(_) => {
            let t = median(t_iprange);
            (
                ms(t),
                format!("{:.1}x", t.as_secs_f64() / iocc.as_secs_f64()),
            )
        }
        None if matches!(mix, Mix::WithIpv6) => ("IPv4 only".to_owned(), "-".to_owned()),
        None => ("missing".to_owned(), "-".to_owned()),
    };
    println!(
        "{:<22} {n:>9} {:>10} {their_time:>10} {ratio:>6} {count:>9}   {} + {} + {}",
        mix.name(),
        ms(iocc),
        ms(step(|s| s.parse)),
        ms(step(|s| s.aggregate)),
        ms(step(|s| s.write)),
    );
}

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let n = 1_000_000;
    let iprange = iprange();
    println!(
        "aggregation, text file to text file on both sides (read, parse, aggregate, write); \
         median of {ROUNDS} rounds taken in turn; ratio = iprange / iocc"
    );
    println!(
        "{:<22} {:>9} {:>10} {:>10} {:>6} {:>9}   iocc: parse + aggregate + write",
        "input", "lines", "iocc", "iprange", "ratio", "prefixes"
    );
    for mix in [Mix::Uniform, Mix::Dense, Mix::WithPrefixes, Mix::WithIpv6] {
        compare(&dir, n, mix, iprange.as_deref());
    }
    build(&dir, n);
}

/// The whole pipeline: a catalogue with a 1 000 000-address bulk list, per target.
fn build(dir: &Path, n: usize) {
    let cat_dir = dir.join("million");
    let _ = std::fs::remove_dir_all(&cat_dir);
    std::fs::create_dir_all(&cat_dir).unwrap();
    let mut s = Vec::with_capacity(16 * n);
    // Block lists refuse known-benign addresses (public resolvers, CDNs): the feed skips them.
    let screen = iocc::benign::Screen::shipped();
    let (mut i, mut written) = (0u32, 0);
    while written < n {
        // Every other address from 45.0.0.0 on: nothing aggregates, a worst case for output.
        let net = IpNet::V4(Ipv4Net::new_assert(
            Ipv4Addr::from((45u32 << 24) + 2 * i),
            32,
        ));
        i += 1;
        if screen.network(net).is_none() {
            push_line(&mut s, &net);
            written += 1;
        }
    }
    std::fs::write(cat_dir.join("big.txt"), s).unwrap();
    std::fs::write(
        cat_dir.join("million.yaml"),
        "id: million\nversion: 1.0.0\ntitle: bench\npublisher: bench\ntlp: clear\nadvisory: {id: BENCH-1, title: bench, issuer: bench, published: 2025-01-01, modified: 2025-01-01, references: [https://example.com/a]}\nindicators: []\nbulk:\n  - {id: big, path: big.txt, kind: address, confidence: inferred, severity: high, action: block, direction: both, references: [https://example.com/a]}\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_iocc");
    for target in ["firewall", "csv"] {
        let times = (0..3)
            .map(|_| {
                let _ = std::fs::remove_dir_all(cat_dir.join("out"));
                let t = Instant::now();
                let st = Command::new(bin)
                    .args(["build", "million.yaml", "--out", "out", "--target", target])
                    .current_dir(&cat_dir)
                    .stdout(std::process::Stdio::null())
                    .status()
                    .unwrap();
                assert!(st.success());
                t.elapsed()
            })
            .collect();
        println!(
            "iocc build --target {target:<8} of a {n}-address bulk list: {:.3} s (median of 3)",
            median(times).as_secs_f64()
        );
    }
}
