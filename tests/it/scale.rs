//! Properties of large builds, without timing: a pack of large lists loads in Suricata 7 and 8
//! with each version's packaged suricata.yaml; a streamed build writes the same bytes as the
//! in-memory pipeline, and the same bytes on one core as on several. (Speed and peak memory
//! are measured by `cargo bench --bench build`, never here.)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{engine, iocc_in, root, scratch, stderr, stdout, suricata8, SURICATA8_YAML};

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// A catalogue (the Contec one renamed `scale`) with a mixed address list large enough for
/// several dataset parts and network groups (`max-hashsize: 1024`), and a domain list.
fn catalogue(dir: &Path) -> PathBuf {
    let iocs = dir.join("iocs");
    std::fs::create_dir_all(&iocs).unwrap();
    let mut seed = 7u64;
    let mut text = String::new();
    let screen = iocc::benign::Screen::shipped();
    for k in 0..9000u32 {
        let r = xorshift(&mut seed);
        let a = 0x0100_0000 + (r % (99 << 24)) as u32;
        if a >> 24 == 10 {
            continue;
        }
        let v4 = std::net::Ipv4Addr::from(a);
        let line = match k % 20 {
            0 => format!("{}/24", std::net::Ipv4Addr::from(a & !0xff)),
            1 => format!("2a00:{:x}:{:x}::/64", r >> 48, (r >> 32) & 0xffff),
            2 => format!(
                "2a00:{:x}:{:x}::{:x}",
                r >> 48,
                (r >> 32) & 0xffff,
                r & 0xfff
            ),
            _ => v4.to_string(),
        };
        // Block lists refuse known-benign ranges (CDNs, resolvers): the feed leaves them out.
        let net: ipnet::IpNet = match line.parse() {
            Ok(n) => n,
            Err(_) => ipnet::IpNet::from(line.parse::<std::net::IpAddr>().unwrap()),
        };
        if screen.network(net).is_none() {
            writeln!(text, "{line}").unwrap();
        }
    }
    std::fs::write(iocs.join("feed.txt"), text).unwrap();
    let domains: String = (0..600)
        .map(|i| format!("host-{i}.bad{}.example\n", i % 7))
        .collect();
    std::fs::write(iocs.join("domains.txt"), domains).unwrap();
    let contec = std::fs::read_to_string(root().join("iocs/contec-cms8000.yaml")).unwrap();
    let mut yaml = contec.replacen("\nid: contec-cms8000\n", "\nid: scale\n", 1);
    yaml = yaml.replacen(
        "\npolicy:\n",
        "\npolicy:\n  suricata:\n    max-hashsize: 1024\n",
        1,
    );
    assert!(
        yaml.contains("max-hashsize"),
        "the Contec catalogue has a policy block"
    );
    yaml.push_str(concat!(
        "\nbulk:\n",
        "- id: feed\n  path: feed.txt\n  kind: address\n  role: Merged feed\n  confidence: inferred\n  severity: high\n  action: block\n  references: [https://example.com/feed]\n",
        "- id: names\n  path: domains.txt\n  kind: domain\n  role: Bad names\n  confidence: inferred\n  severity: medium\n  action: alert\n  direction: outbound\n  references: [https://example.com/feed]\n",
    ));
    let file = iocs.join("scale.yaml");
    std::fs::write(&file, yaml).unwrap();
    file
}

fn build(dir: &Path, extra: &[&str]) {
    let mut args = vec!["build", "iocs/scale.yaml"];
    args.extend_from_slice(extra);
    let o = iocc_in(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
}

/// Every file under `dir`, relative path to bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    iocc::output::read_tree(dir)
}

/// `suricata -T` with a packaged config, the rule path set to the pack's folder (as
/// suricata-update installs it): rc 0 and no `W:`/`E:` line.
fn loads_clean(bin: &Path, config: &Path, rules: &Path, logs: &Path) {
    std::fs::create_dir_all(logs).unwrap();
    let o = Command::new(bin)
        .arg("-T")
        .arg("-c")
        .arg(config)
        .arg("-S")
        .arg(rules)
        .arg("-l")
        .arg(logs)
        .arg("--set")
        .arg(format!(
            "default-rule-path={}",
            rules.parent().unwrap().display()
        ))
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}:\n{all}", bin.display());
    let bad: Vec<&str> = all
        .lines()
        .filter(|l| l.starts_with("W:") || l.starts_with("E:"))
        .collect();
    assert!(bad.is_empty(), "{}: {bad:#?}", bin.display());
}

#[test]
fn a_pack_of_large_lists_loads_with_the_packaged_configs() {
    let dir = scratch("scale-pack");
    catalogue(&dir);
    build(&dir, &["--target", "suricata"]);
    let folder = dir.join("out/scale/suricata");
    let rules = folder.join("scale.rules");
    let text = std::fs::read_to_string(&rules).unwrap();
    // The shapes that load fast: split, sized datasets per family, grouped network rules.
    assert!(
        text.contains("type ipv4,load scale-feed-v4-2.lst,hashsize 1024"),
        "{text}"
    );
    assert!(
        text.contains("type ip,load scale-feed-v6.lst,hashsize 1024"),
        "{text}"
    );
    assert!(text.matches(" an address in ").count() >= 4, "{text}");
    assert!(!text.contains("iprep:"));
    for e in std::fs::read_dir(&folder).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let body = std::fs::read_to_string(e.path()).unwrap();
        if name.contains("-v4") {
            assert!(
                body.lines()
                    .all(|l| l.parse::<std::net::Ipv4Addr>().is_ok()),
                "{name}"
            );
        } else if name.contains("-v6") {
            assert!(
                body.lines()
                    .all(|l| l.parse::<std::net::Ipv6Addr>().is_ok()),
                "{name}"
            );
        }
    }
    if let Some(bin) = engine("suricata") {
        let config = Path::new("/etc/suricata/suricata.yaml");
        loads_clean(&bin, config, &rules, &dir.join("logs7"));
    }
    if let Some(bin) = suricata8() {
        loads_clean(&bin, Path::new(SURICATA8_YAML), &rules, &dir.join("logs8"));
    }
}

#[test]
fn streamed_builds_match_memory_and_do_not_depend_on_cores() {
    let dir = scratch("scale-streamed");
    let file = catalogue(&dir);
    build(&dir, &["--jobs", "1", "--out", "serial"]);
    build(&dir, &["--jobs", "4", "--out", "parallel"]);
    let serial = tree(&dir.join("serial/scale"));
    assert!(serial.len() > 20, "{:?}", serial.keys().collect::<Vec<_>>());
    assert_eq!(tree(&dir.join("parallel/scale")), serial);
    // The in-memory pipeline (bundles, changelogs) compiles the same bytes.
    let opts = iocc::build::BuildOptions {
        paths: vec![file],
        ..Default::default()
    };
    let mut cache = iocc::diag::SourceCache::default();
    let mut diags = iocc::diag::Diagnostics::default();
    let compiled = iocc::build::compile_all(&opts, &mut cache, &mut diags).expect("compiles");
    assert_eq!(compiled[0].tree, serial);
    // A second build finds nothing changed; --check agrees.
    let o = iocc_in(&dir, &["build", "iocs/scale.yaml", "--out", "serial"]);
    assert!(
        stdout(&o).contains("-> serial/scale: unchanged"),
        "{}",
        stdout(&o)
    );
    let o = iocc_in(
        &dir,
        &["build", "--check", "iocs/scale.yaml", "--out", "serial"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
