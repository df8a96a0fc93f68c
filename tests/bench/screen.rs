//! Benchmark: known-benign screening (MISP warninglists) of a one-million-entry feed.
//!
//! Run with `cargo bench --bench screen`. A feed of 1 000 000 random IPv4 addresses (with a
//! known-benign one every 1 000 lines) and one of 200 000 random domains (every 1 000th a
//! popular site's subdomain) are generated in memory. The baseline is merely reading the feed:
//! splitting lines and parsing each value (`Ipv4Addr`, `check_domain`); screening is the same
//! read plus one warninglist lookup per value. Each time is the median of 5 runs, printed with
//! its ratio to the baseline measured in the same run. Building the indexes of the shipped
//! lists (once per process) is timed apart. The hit counts prove the lookups ran.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use iocc::benign::Screen;
use iocc::validate::check_domain;
use ipnet::IpNet;

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(std::hint::black_box(f()));
        times.push(t.elapsed());
    }
    (median(times), last.expect("one run"))
}

fn addresses(n: usize) -> String {
    let mut seed = 7u64;
    let mut s = String::with_capacity(n * 16);
    for i in 0..n {
        if i % 1000 == 0 {
            s.push_str("8.8.8.8\n");
        } else {
            writeln!(s, "{}", Ipv4Addr::from(xorshift(&mut seed) as u32)).unwrap();
        }
    }
    s
}

fn domains(n: usize) -> String {
    let mut seed = 11u64;
    let mut s = String::with_capacity(n * 24);
    for i in 0..n {
        if i % 1000 == 0 {
            writeln!(s, "host{i}.google.com").unwrap();
        } else {
            writeln!(
                s,
                "h{:x}.d{:x}.example",
                xorshift(&mut seed),
                xorshift(&mut seed) & 0xffff
            )
            .unwrap();
        }
    }
    s
}

fn main() {
    let t = Instant::now();
    let screen = Screen::shipped();
    let build = t.elapsed();
    let entries: usize = screen.lists().iter().map(|l| l.list.len()).sum();
    println!(
        "screen: {} lists, {entries} entries, indexes built in {:.0} ms (once per process)",
        screen.lists().len(),
        build.as_secs_f64() * 1e3
    );

    let feed = addresses(1_000_000);
    let (read, n) = time(5, || {
        feed.lines()
            .filter_map(|l| l.parse::<Ipv4Addr>().ok())
            .count()
    });
    let (screened, hits) = time(5, || {
        feed.lines()
            .filter_map(|l| l.parse::<Ipv4Addr>().ok())
            .filter(|a| {
                screen
                    .network(IpNet::from(std::net::IpAddr::V4(*a)))
                    .is_some()
            })
            .count()
    });
    println!(
        "1 000 000 IPv4 addresses: read {:.0} ms, read + screen {:.0} ms = {:.2}x the read ({n} values, {hits} known-benign)",
        read.as_secs_f64() * 1e3,
        screened.as_secs_f64() * 1e3,
        screened.as_secs_f64() / read.as_secs_f64()
    );

    let feed = domains(200_000);
    let (read, n) = time(5, || {
        feed.lines().filter_map(|l| check_domain(l).ok()).count()
    });
    let (screened, hits) = time(5, || {
        feed.lines()
            .filter_map(|l| check_domain(l).ok())
            .filter(|d| screen.domain(d).is_some())
            .count()
    });
    println!(
        "200 000 domains: read {:.0} ms, read + screen {:.0} ms = {:.2}x the read ({n} values, {hits} known-benign)",
        read.as_secs_f64() * 1e3,
        screened.as_secs_f64() * 1e3,
        screened.as_secs_f64() / read.as_secs_f64()
    );
}
