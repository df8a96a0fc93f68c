//! Benchmark (not a test): load + validate a synthetic 100 000-indicator YAML catalogue and a
//! 1 000 000-line bulk list, against bare `serde_yaml` deserialization of the same YAML.
//!
//! Run with `cargo bench --bench load` (release). Each scenario runs in its own child process
//! so that its peak RSS (VmHWM from /proc/self/status) is its own; times are the median of
//! several runs. Targets: the bulk list parsed and validated in under 1 s, and the YAML path
//! within 1.3x of bare deserialization. Plain std, no criterion, to keep dependencies lean.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use iocc::diag::SourceCache;
use iocc::load::load_catalogue;
use iocc::model::raw::RawCatalogue;

const INDICATORS: usize = 100_000;
const BULK_LINES: usize = 1_000_000;
const RUNS: usize = 7;

const HEAD: &str = "id: bench
version: 1.0.0
title: Synthetic benchmark catalogue
publisher: iocc bench
tlp: clear
advisory:
  id: BENCH-0001
  title: Benchmark
  issuer: iocc
  published: 2025-01-30
  modified: 2025-02-25
  references: [https://example.com/advisory]
  cves:
    - {id: CVE-2025-0626, cwe: CWE-912, summary: Hidden functionality., references: [https://example.com/cve]}
";

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

/// A catalogue of `INDICATORS` indicators of every address kind plus domains, URLs, hashes
/// and ports, in block style with the optional fields real catalogues use; networks contain
/// hosts declared with `part-of` so the overlap sweep has real work.
fn yaml_catalogue() -> String {
    let mut y = String::with_capacity(INDICATORS * 260);
    y.push_str(HEAD);
    y.push_str("indicators:\n");
    for i in 0..INDICATORS {
        let (a, b) = ((i >> 8) & 0xff, i & 0xff);
        let (kind, value, part_of) = match i % 10 {
            0 => ("cidr", format!("10.{a}.{b}.0/24"), None),
            1 => ("ipv4", format!("10.{a}.{}.7", (i - 1) & 0xff), Some(i - 1)),
            2 => ("ipv4", format!("172.{}.{a}.{b}", 16 + (i >> 16)), None),
            3 => ("ipv6", format!("2001:db8:{a:x}:{b:x}::1"), None),
            4 => (
                "cidr",
                format!("2001:db8:{:x}:{:x}::/64", 1 + (i >> 16), i & 0xffff),
                None,
            ),
            5 => ("domain", format!("host-{i}.example.com"), None),
            6 => (
                "url",
                format!("http://update-{i}.example.net/fw/{i}.bin"),
                None,
            ),
            7 => ("sha256", format!("{i:064x}"), None),
            8 => ("md5", format!("{i:032x}"), None),
            _ => ("port", format!("{}/tcp", 1 + i % 65535), None),
        };
        let _ = write!(
            y,
            "  - id: ind-{i}\n    kind: {kind}\n    value: \"{value}\"\n    role: Synthetic indicator {i}\n    confidence: sourced\n    severity: high\n    action: block\n    direction: both\n    cves: [CVE-2025-0626]\n    references: [https://example.com/ind/{i}]\n"
        );
        if let Some(p) = part_of {
            let _ = writeln!(y, "    part-of: ind-{p}");
        }
    }
    y.push_str("detections:\n");
    for i in (0..200).map(|k| k * 10) {
        let _ = write!(
            y,
            "  - id: det-{i}\n    title: Traffic to range {i}\n    protocols: [tcp]\n    ports: 515-520,111\n    direction: outbound\n    indicators: [ind-{i}, ind-{}]\n    content: [{{match: \"|0b|MSH|7c|\", depth: 5}}]\n    classtype: policy-violation\n    confidence: inferred\n    references: [https://example.com/det/{i}]\n",
            i + 1
        );
    }
    y
}

/// A 1M-line text list: IPv4 hosts, IPv4 networks, IPv6 hosts and networks, comments and
/// blank lines, some trailing comments.
fn bulk_list() -> String {
    let mut t = String::with_capacity(BULK_LINES * 20);
    for i in 0..BULK_LINES {
        let (a, b, c) = ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
        let _ = match i % 8 {
            0 => writeln!(t, "# block {i}"),
            1 => writeln!(t, "100.{a}.{b}.0/24"),
            2 => writeln!(t, "2001:db8:{a:x}:{b:x}::{c:x}"),
            3 => writeln!(t, "2001:db8:{a:x}:{b:x}::/64  # net {i}"),
            4 => writeln!(t),
            _ => writeln!(t, "198.{a}.{b}.{c}"),
        };
    }
    t
}

fn bulk_catalogue() -> String {
    format!(
        "{HEAD}bulk:\n  - {{id: feed, path: feed.txt, kind: address, confidence: sourced, references: [https://example.com/feed]}}\n"
    )
}

fn prepare() -> (PathBuf, PathBuf) {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("indicators.yaml");
    std::fs::write(&yaml, yaml_catalogue()).unwrap();
    std::fs::write(dir.join("feed.txt"), bulk_list()).unwrap();
    let bulk = dir.join("bulk.yaml");
    std::fs::write(&bulk, bulk_catalogue()).unwrap();
    (yaml, bulk)
}

fn peak_rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0.0)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn run_serde(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    let raw: RawCatalogue = serde_yaml::from_str(&text).unwrap();
    let n = raw.indicators.len() + raw.detections.len();
    std::hint::black_box(raw);
    n
}

fn run_load(file: &Path) -> usize {
    let today = jiff::civil::Date::constant(2026, 11, 26);
    let mut cache = SourceCache::default();
    let loaded = load_catalogue(file, today, &["summary"], &mut cache);
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.is_empty(),
        "{} errors, first {:?}",
        errors.len(),
        errors.first()
    );
    let c = loaded.catalogue.expect("valid");
    let n = c.indicator_count() + c.detections.len();
    std::hint::black_box(c);
    n
}

fn timed(f: impl Fn() -> usize) -> (Duration, usize) {
    let start = Instant::now();
    let n = f();
    (start.elapsed(), n)
}

/// Runs one scenario in this (child) process and prints `value value ...`.
/// `time-yaml` alternates bare serde and load runs so that both see the same machine load
/// (the machine is shared); `rss-*` runs once and reports the peak RSS of that one run.
fn scenario(name: &str, file: &Path) {
    match name {
        "time-yaml" => {
            let (mut serde, mut load) = (Vec::new(), Vec::new());
            let mut items = 0;
            for _ in 0..RUNS {
                serde.push(timed(|| run_serde(file)).0);
                let (t, n) = timed(|| run_load(file));
                load.push(t);
                items = n;
            }
            println!("{} {} {items}", ms(median(serde)), ms(median(load)));
        }
        "time-bulk" => {
            let mut times = Vec::new();
            let mut items = 0;
            for _ in 0..RUNS {
                let (t, n) = timed(|| run_load(file));
                times.push(t);
                items = n;
            }
            println!("{} 0 {items}", ms(median(times)));
        }
        // Read the peak only after the run.
        "rss-serde" => {
            let n = run_serde(file);
            println!("{} 0 {n}", peak_rss_kib());
        }
        _ => {
            let n = run_load(file);
            println!("{} 0 {n}", peak_rss_kib());
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn child(name: &str, file: &Path) -> (f64, f64, usize) {
    let o = Command::new(std::env::current_exe().unwrap())
        .env("IOCC_BENCH_SCENARIO", name)
        .env("IOCC_BENCH_FILE", file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut it = out.split_whitespace();
    (
        it.next().unwrap().parse().unwrap(),
        it.next().unwrap().parse().unwrap(),
        it.next().unwrap().parse().unwrap(),
    )
}

fn main() {
    if let (Ok(name), Ok(file)) = (
        std::env::var("IOCC_BENCH_SCENARIO"),
        std::env::var("IOCC_BENCH_FILE"),
    ) {
        scenario(&name, Path::new(&file));
        return;
    }
    // `cargo test --benches` runs bench targets with `--bench` absent: stay quick there.
    if !std::env::args().any(|a| a == "--bench") {
        println!("load benchmark: run `cargo bench --bench load`");
        return;
    }
    let (yaml, bulk) = prepare();
    let size = |p: &Path| std::fs::metadata(p).unwrap().len() as f64 / 1e6;
    println!(
        "data: {} ({:.1} MB), {} + feed.txt ({:.1} MB); median of {RUNS} runs, peak RSS per scenario",
        yaml.display(),
        size(&yaml),
        bulk.display(),
        size(&data_dir().join("feed.txt"))
    );
    let (serde_ms, load_ms, n) = child("time-yaml", &yaml);
    let (serde_kib, _, _) = child("rss-serde", &yaml);
    let (load_kib, _, _) = child("rss-load", &yaml);
    let (bulk_ms, _, entries) = child("time-bulk", &bulk);
    let (bulk_kib, _, _) = child("rss-load", &bulk);
    let mib = |kib: f64| kib / 1024.0;
    println!(
        "bare serde_yaml::from_str::<RawCatalogue>, 100k YAML {serde_ms:8.1} ms  peak RSS {:6.1} MiB  ({n} items)",
        mib(serde_kib)
    );
    println!(
        "load + validate, 100k-indicator YAML              {load_ms:8.1} ms  peak RSS {:6.1} MiB  ratio {:.2}x (target <= 1.30x)",
        mib(load_kib),
        load_ms / serde_ms
    );
    println!(
        "load + validate, 1M-line bulk list                {bulk_ms:8.1} ms  peak RSS {:6.1} MiB  ({entries} entries; target < 1000 ms)",
        mib(bulk_kib)
    );
}
