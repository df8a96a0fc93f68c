//! Benchmark: iocc's address aggregation against `iprange` (Debian) on the same input, and
//! a full `iocc build --target firewall` of a one-million-address bulk list.
//!
//! Run with `cargo bench --bench aggregate`. Inputs are generated deterministically under
//! `target/bench/`: 1 000 000 random IPv4 addresses, uniform over the whole space and dense in
//! 10.0.0.0/12 (the two cases of `shared/reference/engines.md` §5). Each side reads the file,
//! aggregates and writes its result; times are the median of 3 runs. The two outputs are
//! compared as prefix sets, so the benchmark also proves both tools agree. iprange missing:
//! its column says so and iocc is still measured.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use iocc::targets::firewall::aggregate::aggregate;
use ipnet::{IpNet, Ipv4Net};

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn generate(path: &Path, n: usize, dense: bool) {
    let mut seed = 42u64;
    let mut s = String::with_capacity(n * 16);
    for _ in 0..n {
        let r = xorshift(&mut seed) as u32;
        let a = if dense {
            (10 << 24) | (r & 0x000f_ffff)
        } else {
            r
        };
        writeln!(s, "{}", Ipv4Addr::from(a)).unwrap();
    }
    std::fs::write(path, s).unwrap();
}

/// iocc's side: read, parse, aggregate, format, write.
fn iocc_aggregate(input: &Path, output: &Path) -> usize {
    let text = std::fs::read_to_string(input).unwrap();
    let nets: Vec<IpNet> = text
        .lines()
        .map(|l| IpNet::V4(Ipv4Net::from(l.parse::<Ipv4Addr>().unwrap())))
        .collect();
    let agg = aggregate(nets, &[]);
    let mut out = String::with_capacity(agg.v4.len() * 20);
    for n in &agg.v4 {
        writeln!(out, "{n}").unwrap();
    }
    std::fs::write(output, out).unwrap();
    agg.v4.len()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(mut f: F) -> Duration {
    median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

/// Reads a prefix list, `/32` optional (iprange omits it).
fn prefixes(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            if l.contains('/') {
                l.to_owned()
            } else {
                format!("{l}/32")
            }
        })
        .collect()
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

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let n = 1_000_000;
    println!("aggregation of {n} random IPv4 addresses (median of 3)");
    println!(
        "{:<22} {:>12} {:>12} {:>12}",
        "input", "iocc", "iprange", "prefixes"
    );
    for (name, dense) in [("uniform over 0/0", false), ("dense in 10.0.0.0/12", true)] {
        let input = dir.join(format!(
            "ips-{}.txt",
            if dense { "dense" } else { "uniform" }
        ));
        generate(&input, n, dense);
        let ours = dir.join("iocc.out");
        let mut count = 0;
        let t_iocc = time(|| count = iocc_aggregate(&input, &ours));
        let t_iprange = iprange().map(|bin| {
            let theirs = dir.join("iprange.out");
            let t = time(|| {
                let out = std::fs::File::create(&theirs).unwrap();
                let st = Command::new(&bin).arg(&input).stdout(out).status().unwrap();
                assert!(st.success());
            });
            assert_eq!(
                prefixes(&ours),
                prefixes(&theirs),
                "iocc and iprange disagree on {name}"
            );
            t
        });
        println!(
            "{name:<22} {:>10.3} s {:>12} {count:>12}",
            t_iocc.as_secs_f64(),
            t_iprange.map_or("missing".to_owned(), |t| format!(
                "{:.3} s",
                t.as_secs_f64()
            )),
        );
    }

    // The whole pipeline: a catalogue with a 1 000 000-address bulk list, firewall target.
    let cat_dir = dir.join("million");
    let _ = std::fs::remove_dir_all(&cat_dir);
    std::fs::create_dir_all(&cat_dir).unwrap();
    let mut s = String::with_capacity(16 * n);
    for i in 0..n as u32 {
        // Every other address from 45.0.0.0 on: nothing aggregates, a worst case for output.
        writeln!(s, "{}", Ipv4Addr::from((45u32 << 24) + 2 * i)).unwrap();
    }
    std::fs::write(cat_dir.join("big.txt"), s).unwrap();
    std::fs::write(
        cat_dir.join("million.yaml"),
        "id: million\nversion: 1.0.0\ntitle: bench\npublisher: bench\ntlp: clear\nadvisory: {id: BENCH-1, title: bench, issuer: bench, published: 2025-01-01, modified: 2025-01-01, references: [https://example.com/a]}\nindicators: []\nbulk:\n  - {id: big, path: big.txt, kind: address, confidence: inferred, severity: high, action: block, direction: both, references: [https://example.com/a]}\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_iocc");
    for target in ["firewall", "csv"] {
        let t = time(|| {
            let _ = std::fs::remove_dir_all(cat_dir.join("out"));
            let st = Command::new(bin)
                .args(["build", "million.yaml", "--out", "out", "--target", target])
                .current_dir(&cat_dir)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(st.success());
        });
        println!(
            "iocc build --target {target:<8} of a 1 000 000-address bulk list: {:.3} s",
            t.as_secs_f64()
        );
    }
}
