//! Benchmark: a whole `iocc build` of a catalogue that references a merged feed of a million
//! addresses, per target and all together, in process (the library's `build::compile`).
//!
//! Run with `cargo bench --bench build` (`-- N` for another list size, `-- N --generate` to only
//! write the catalogue, e.g. to time the `iocc` binary on it). The catalogue is generated
//! deterministically under `target/bench/build-N/` (never committed): the Contec catalogue
//! (its indicators and detections) renamed `bench-N`, plus three bulk lists: N random public
//! IPv4 addresses (1.0.0.0-99.255.255.255 outside 10.0.0.0/8, distinct, in random order),
//! N/100 random IPv6 addresses in 2a00::/12 and N/10 random domain names.
//!
//! Printed per step: the median wall time of 3 runs, the peak resident set size of that step
//! (`VmHWM` of `/proc/self/status`, reset before each step through `/proc/self/clear_refs`
//! where the kernel allows it; otherwise the process-wide peak so far, marked `*`) and how far
//! it rose above the memory resident when the step began. The rule plan (lowering and SIDs,
//! which the Suricata and STIX targets read) is made once, as in a full build, and stays
//! resident, so a target's own memory is its "above start" figure. Loading (YAML, validation,
//! bulk parsing) and the plan are steps of their own. Writing to disk is not measured here
//! (time `iocc build` on the generated catalogue for that).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use iocc::build::{compile, load_all};
use iocc::diag::{Diagnostics, SourceCache};
use iocc::model::Catalogue;
use iocc::targets::{self, TargetContext};

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Writes the catalogue and its bulk lists into `dir`; returns the catalogue file.
fn generate(dir: &Path, n: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut seed = 0x5eed_1234_u64;
    let mut seen = HashSet::with_capacity(n);
    let mut v4 = String::with_capacity(n * 15);
    while seen.len() < n {
        // 1.0.0.0 - 99.255.255.255, outside 10.0.0.0/8: public unicast, accepted by the rails.
        let a = 0x0100_0000 + (xorshift(&mut seed) % (99 << 24)) as u32;
        if a >> 24 == 10 || !seen.insert(a) {
            continue;
        }
        writeln!(v4, "{}", Ipv4Addr::from(a)).unwrap();
    }
    std::fs::write(dir.join("feed-v4.txt"), v4).unwrap();
    let mut v6 = String::new();
    let mut seen6 = HashSet::new();
    while seen6.len() < n / 100 {
        let hi = (0x2a00_u128 << 112) | (u128::from(xorshift(&mut seed) & 0x000f_ffff_ffff) << 64);
        let a = hi | u128::from(xorshift(&mut seed));
        if seen6.insert(a) {
            writeln!(v6, "{}", Ipv6Addr::from(a)).unwrap();
        }
    }
    std::fs::write(dir.join("feed-v6.txt"), v6).unwrap();
    let mut domains = String::new();
    let mut seen_d = HashSet::new();
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
        }
    }
    std::fs::write(dir.join("feed-domains.txt"), domains).unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let contec = std::fs::read_to_string(root.join("iocs/contec-cms8000.yaml")).unwrap();
    let mut yaml = contec.replacen("\nid: contec-cms8000\n", &format!("\nid: bench-{n}\n"), 1);
    let lists = [
        "- id: feed-v4\n  path: feed-v4.txt\n  kind: address\n  role: Merged feed of hosts\n  description: A merged third-party feed (benchmark).\n  confidence: inferred\n  severity: high\n  action: block\n  references: [https://example.com/feed]\n",
        "- id: feed-v6\n  path: feed-v6.txt\n  kind: address\n  role: Merged feed of IPv6 hosts\n  confidence: inferred\n  severity: high\n  action: block\n  references: [https://example.com/feed]\n",
        "- id: feed-domains\n  path: feed-domains.txt\n  kind: domain\n  role: Merged feed of domains\n  confidence: inferred\n  severity: medium\n  action: alert\n  direction: outbound\n  references: [https://example.com/feed]\n",
    ];
    yaml.push_str("\nbulk:\n");
    for l in lists {
        yaml.push_str(l);
    }
    let file = dir.join(format!("bench-{n}.yaml"));
    std::fs::write(&file, yaml).unwrap();
    file
}

/// Resets the peak RSS (Linux >= 4.0); false when the kernel refuses.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A field of `/proc/self/status` in MiB (`VmHWM`: peak resident set size, `VmRSS`: now).
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs `f` three times: median wall time, and the peak RSS seen during the runs with how
/// far it rose above the resident memory at the start (the step's own working memory; the
/// start holds the catalogue and, for targets, the files of the targets before).
fn measure<T>(mut f: impl FnMut() -> T) -> (Duration, String) {
    let start = status_mib("VmRSS:");
    let reset = reset_peak();
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let out = f();
            let d = t.elapsed();
            drop(out);
            d
        })
        .collect();
    times.sort();
    let peak = status_mib("VmHWM:");
    let peak = format!(
        "{peak:.0} MiB{} {:>+8.0} MiB",
        if reset { "" } else { "*" },
        peak - start
    );
    (times[1], peak)
}

fn load(file: &Path) -> Catalogue {
    let mut cache = SourceCache::default();
    let mut diags = Diagnostics::default();
    let mut c = load_all(&[file.to_path_buf()], &mut cache, &mut diags);
    assert!(!diags.has_errors(), "{:?}", diags.0);
    c.pop().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench/build-{n}"));
    let t = Instant::now();
    let file = generate(&dir, n);
    println!(
        "catalogue with {n} IPv4, {} IPv6 and {} domain bulk entries: {} (generated in {:.1} s)",
        n / 100,
        n / 10,
        file.display(),
        t.elapsed().as_secs_f64()
    );
    if args.iter().any(|a| a == "--generate") {
        return;
    }
    println!(
        "{:<10} {:>10} {:>12} {:>12}",
        "step", "median", "peak RSS", "above start"
    );
    let (t, peak) = measure(|| load(&file));
    println!("{:<10} {:>8.2} s {:>25}", "load", t.as_secs_f64(), peak);
    let catalogue = load(&file);
    let templates = targets::templates(None).unwrap();

    // The rule plan (lowering and SIDs) is its own step, made once as in a build; every
    // target then compiles from the catalogue and the plan alone.
    let (t, peak) = measure(|| iocc::rules::plan::plan(&catalogue).unwrap());
    println!("{:<10} {:>8.2} s {:>25}", "rules", t.as_secs_f64(), peak);
    let plan = iocc::rules::plan::plan(&catalogue).unwrap();
    let cx = TargetContext {
        catalogue: &catalogue,
        templates: &templates,
        rules: Some(&plan),
    };
    let mut bytes = 0;
    for target in targets::registry() {
        let (t, peak) = measure(|| target.compile(&cx).map_err(|e| format!("{e:?}")).unwrap());
        println!(
            "{:<10} {:>8.2} s {:>25}",
            target.name(),
            t.as_secs_f64(),
            peak
        );
        let out = target.compile(&cx).unwrap();
        bytes += out.files.iter().map(|f| f.contents.len()).sum::<usize>();
    }
    drop(plan);
    let (t, peak) = measure(|| {
        compile(catalogue.clone(), targets::registry(), &templates)
            .map_err(|e| format!("{e:?}"))
            .unwrap()
    });
    println!(
        "{:<10} {:>8.2} s {:>25}  ({} MiB of output)",
        "all",
        t.as_secs_f64(),
        peak,
        bytes / (1 << 20)
    );
}
