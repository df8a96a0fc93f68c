//! The `dns` target end to end: golden files, every format read back, the name rails, hostile
//! names and text, `iocc diff`, and real resolvers.
//!
//! Every zone is read back with iocc's RPZ grammar (`iocc::grammar::rpz`); the list formats
//! with the strict line readers below. A generated catalogue (nested names, a bulk list,
//! allowlisted names with and without an override) checks that every format blocks exactly
//! what the catalogue lists and nothing else, by evaluating each format's own matching rule on
//! every name of the catalogue, their subdomains and their parents. Real tools:
//! `named-checkzone -k fail` on every zone, `unbound-checkconf` and `dnsmasq --test` on every
//! list, and a real Unbound, started and stopped by the test on 127.0.0.1 at a free high
//! port, serving the RPZ (and, in a second run, the local-zone file) over authoritative test
//! data, queried with `dig`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use iocc::grammar::rpz::{parse_zone, RpzAction, Trigger, Zone};
use ipnet::IpNet;

use crate::common::*;

const BASIC: &str = "tests/fixtures/dns-basic.yaml";

/// The side files of the example catalogue, beside a copy of it.
fn copy_feeds(dir: &Path) {
    for f in ["dns-basic-feed.txt", "dns-basic-addresses.txt"] {
        std::fs::copy(root().join("tests/fixtures").join(f), dir.join(f)).unwrap();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The five files of a catalogue's `dns/` folder, by format.
fn files(out: &Path, id: &str) -> BTreeMap<&'static str, PathBuf> {
    let dir = out.join(id).join("dns");
    [
        ("rpz", format!("{id}.rpz")),
        ("unbound", format!("{id}.unbound.conf")),
        ("dnsmasq", format!("{id}.dnsmasq.conf")),
        ("hosts", format!("{id}.hosts")),
        ("adblock", format!("{id}.adblock.txt")),
    ]
    .into_iter()
    .map(|(k, f)| (k, dir.join(f)))
    .collect()
}

// ---------------------------------------------------------------------------------------
// Strict readers of the list formats: a header of comment lines, then one fixed shape per
// line. Anything else fails the test with the line.

/// A name as the files may carry it: lowercase LDH labels.
fn ldh(n: &str) -> bool {
    !n.is_empty()
        && n.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Blocked names and exceptions of a list file.
#[derive(Debug, Default, PartialEq, Eq)]
struct List {
    block: Vec<String>,
    except: Vec<String>,
}

/// The comment lines of a header: only printable ASCII, and only what the escaper lets through
/// besides the template's own text.
fn header_line(line: &str, comment: char) -> bool {
    line.starts_with(comment) && line.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn read_list(text: &str, format: &str) -> List {
    let comment = if format == "adblock" { '!' } else { '#' };
    let mut out = List::default();
    let mut in_header = true;
    for (k, line) in text.lines().enumerate() {
        if in_header && header_line(line, comment) {
            continue;
        }
        in_header = false;
        let (block, except) = match format {
            "unbound" => {
                if line == "server:" && out.block.is_empty() && out.except.is_empty() {
                    continue;
                }
                (
                    line.strip_prefix("local-zone: \"")
                        .and_then(|r| r.strip_suffix(".\" always_nxdomain")),
                    line.strip_prefix("local-zone: \"")
                        .and_then(|r| r.strip_suffix(".\" always_transparent")),
                )
            }
            "dnsmasq" => (
                line.strip_prefix("address=/")
                    .and_then(|r| r.strip_suffix('/')),
                line.strip_prefix("server=/")
                    .and_then(|r| r.strip_suffix("/#")),
            ),
            "hosts" => (line.strip_prefix("0.0.0.0 "), None),
            "adblock" => (
                line.strip_prefix("||").and_then(|r| r.strip_suffix('^')),
                line.strip_prefix("@@||").and_then(|r| r.strip_suffix('^')),
            ),
            f => panic!("no reader for {f}"),
        };
        match (block, except) {
            (Some(n), None) if ldh(n) => out.block.push(n.to_owned()),
            (None, Some(n)) if ldh(n) => out.except.push(n.to_owned()),
            _ => panic!(
                "{format} line {}: unexpected `{}`",
                k + 1,
                line.escape_debug()
            ),
        }
    }
    out
}

/// The zone's header is comments until `$TTL`; every comment line is printable ASCII.
fn read_zone(text: &str) -> Zone {
    for line in text.lines().take_while(|l| !l.starts_with("$TTL")) {
        assert!(
            header_line(line, ';'),
            "zone header line `{}`",
            line.escape_debug()
        );
    }
    parse_zone(text).unwrap_or_else(|e| panic!("zone line {}: {}\n{text}", e.line, e.message))
}

// ---------------------------------------------------------------------------------------
// What each format blocks, by its own matching rule.

fn under(q: &str, n: &str) -> bool {
    q == n || q.ends_with(&format!(".{n}"))
}

/// RPZ (one policy zone): an exact owner beats a wildcard; among wildcards the closest
/// encloser wins. `Some(action)` when a QNAME trigger applies.
fn rpz_match(zone: &Zone, q: &str) -> Option<RpzAction> {
    let names: BTreeMap<(String, bool), RpzAction> = zone
        .records
        .iter()
        .filter_map(|r| match &r.trigger {
            Trigger::Name { name, wildcard } => Some(((name.clone(), *wildcard), r.action.clone())),
            Trigger::Ip(_) => None,
        })
        .collect();
    if let Some(a) = names.get(&(q.to_owned(), false)) {
        return Some(a.clone());
    }
    let mut parent = q;
    while let Some((_, rest)) = parent.split_once('.') {
        if let Some(a) = names.get(&(rest.to_owned(), true)) {
            return Some(a.clone());
        }
        parent = rest;
    }
    None
}

fn rpz_blocks(zone: &Zone, q: &str) -> bool {
    matches!(rpz_match(zone, q), Some(a) if a != RpzAction::Passthru)
}

/// Unbound, dnsmasq: the closest listed domain decides.
fn closest_blocks(list: &List, q: &str) -> bool {
    let best = |v: &[String]| v.iter().filter(|n| under(q, n)).map(String::len).max();
    match (best(&list.block), best(&list.except)) {
        (Some(b), Some(e)) => b > e,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Adblock: an `@@` exception beats any blocking rule it matches.
fn adblock_blocks(list: &List, q: &str) -> bool {
    list.block.iter().any(|n| under(q, n)) && !list.except.iter().any(|n| under(q, n))
}

/// Hosts: exact names.
fn hosts_blocks(list: &List, q: &str) -> bool {
    list.block.iter().any(|n| n == q)
}

/// Every format of an output folder, read back.
struct Read {
    zone: Zone,
    lists: BTreeMap<&'static str, List>,
}

fn read_all(out: &Path, id: &str) -> Read {
    let f = files(out, id);
    let zone = read_zone(&read(&f["rpz"]));
    let lists = ["unbound", "dnsmasq", "hosts", "adblock"]
        .into_iter()
        .map(|k| (k, read_list(&read(&f[k]), k)))
        .collect();
    Read { zone, lists }
}

/// Checks every format against the expected rule: `blocked(q)` for names under a listed one,
/// `exact(q)` for the hosts file.
fn check_semantics(
    r: &Read,
    queries: &BTreeSet<String>,
    blocked: impl Fn(&str) -> bool,
    exact: impl Fn(&str) -> bool,
) {
    for q in queries {
        let want = blocked(q);
        assert_eq!(rpz_blocks(&r.zone, q), want, "rpz: {q}");
        assert_eq!(closest_blocks(&r.lists["unbound"], q), want, "unbound: {q}");
        assert_eq!(closest_blocks(&r.lists["dnsmasq"], q), want, "dnsmasq: {q}");
        assert_eq!(adblock_blocks(&r.lists["adblock"], q), want, "adblock: {q}");
        assert_eq!(hosts_blocks(&r.lists["hosts"], q), exact(q), "hosts: {q}");
    }
}

fn ip_triggers(zone: &Zone) -> Vec<IpNet> {
    zone.records
        .iter()
        .filter_map(|r| match r.trigger {
            Trigger::Ip(n) => Some(n),
            Trigger::Name { .. } => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The example catalogue.

#[test]
fn dns_basic_blocks_what_it_lists_and_nothing_else() {
    let dir = scratch("dns-basic");
    let out = build(&dir, &root().join(BASIC), &["dns"]);
    let r = read_all(&out, "dns-basic");
    for (k, path) in files(&out, "dns-basic") {
        insta::assert_snapshot!(format!("dns-basic-{k}"), read(&path));
    }
    assert_eq!(r.zone.serial, 100_000_000);
    // Indicators and the address list, aggregated like the firewall lists, IPv4 first.
    let triggers: Vec<IpNet> = [
        "45.9.8.0/24",
        "45.9.9.9/32",
        "202.114.4.0/24",
        "2001:db8::7/128",
        "2a0c:b641:a40::/48",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert_eq!(ip_triggers(&r.zone), triggers);
    let listed = [
        "bad.example",
        "www.bad.example",
        "xn--bcher-kva.example",
        "malware.example",
        "cdn.malware.example",
        "phish.example",
        "tracker.test-lab.example",
    ];
    let outer = [
        "bad.example",
        "xn--bcher-kva.example",
        "malware.example",
        "phish.example",
        "tracker.test-lab.example",
    ];
    let mut queries: BTreeSet<String> = BTreeSet::new();
    for n in listed.iter().chain(&[
        "watch.example",
        "ok.bad.example",
        "example",
        "notbad.example",
        "bad.example.lab",
        "test-lab.example",
    ]) {
        queries.insert((*n).to_owned());
        queries.insert(format!("x.{n}"));
        queries.insert(format!("deep.x.{n}"));
    }
    check_semantics(
        &r,
        &queries,
        |q| outer.iter().any(|n| under(q, n)) && !under(q, "ok.bad.example"),
        |q| listed.contains(&q),
    );
    // The override that lifts the allowlist rail is printed in every header, as is the
    // address override.
    for path in files(&out, "dns-basic").values() {
        let text = read(path);
        assert!(text.contains("OVERRIDE: safety rail allowlist lifted for bad.example: the vendor_s update host under it stays reachable"), "{}", path.display());
        assert!(
            text.contains("OVERRIDE: safety rail documentation lifted for 2001:db8::/32"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_contec_zone_carries_its_address_triggers() {
    let out = root().join("out");
    let r = read_all(&out, "contec-cms8000");
    assert_eq!(
        ip_triggers(&r.zone),
        ["202.114.4.0/24".parse::<IpNet>().unwrap()]
    );
    assert!(r
        .zone
        .records
        .iter()
        .all(|x| matches!(x.trigger, Trigger::Ip(_)) && x.action == RpzAction::Nxdomain));
    assert!(r.lists.values().all(|l| *l == List::default()));
    // 1.5.0, the catalogue's version (1.2.0 brought the DNS files, 1.3.0 Sigma and YARA, 1.5.0
    // the AWS Network Firewall profile and the Suricata file hash rules).
    assert_eq!(r.zone.serial, 100_050_000);
}

#[test]
fn rpz_actions_come_from_the_policy() {
    let dir = scratch("dns-actions");
    let base = std::fs::read_to_string(root().join(BASIC)).unwrap();
    copy_feeds(&dir);
    for (policy, want) in [
        ("  rpz-action: nodata\n", RpzAction::Nodata),
        ("  rpz-action: drop\n", RpzAction::Drop),
        (
            "  rpz-action: redirect\n  rpz-redirect: Garden.Example.NET\n",
            RpzAction::Redirect("garden.example.net".into()),
        ),
    ] {
        let cat = dir.join("dns-basic.yaml");
        std::fs::write(
            &cat,
            base.replace("policy:\n", &format!("policy:\n{policy}")),
        )
        .unwrap();
        let out = build(&dir, &cat, &["dns"]);
        let zone = read_zone(&read(&files(&out, "dns-basic")["rpz"]));
        for rec in &zone.records {
            let passthru =
                matches!(&rec.trigger, Trigger::Name { name, .. } if name == "ok.bad.example");
            let expect = if passthru {
                RpzAction::Passthru
            } else {
                want.clone()
            };
            assert_eq!(rec.action, expect, "{policy}: line {}", rec.line);
        }
    }
    let cat = dir.join("dns-basic.yaml");
    std::fs::write(
        &cat,
        base.replace("policy:\n", "policy:\n  rpz-action: redirect\n"),
    )
    .unwrap();
    let o = iocc(&["check", cat.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`rpz-action: redirect` needs `rpz-redirect`"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------------------------------
// A generated catalogue: nested names, duplicates, a bulk list, allowlisted names.

const LABELS: [&str; 6] = ["a", "b1", "c-d", "xn--bcher-kva", "mail", "cdn"];

/// A deterministic pseudo-random name under one of a few registrable domains.
fn gen_name(seed: &mut u64) -> String {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let base = [
        "evil.example",
        "bad-actor.test",
        "c2.example.org",
        "xn--80ak6aa92e.example",
    ][(next() % 4) as usize];
    let depth = next() % 3;
    let mut name = base.to_owned();
    for _ in 0..depth {
        name = format!("{}.{name}", LABELS[(next() % LABELS.len() as u64) as usize]);
    }
    name
}

#[test]
fn generated_catalogues_block_exactly_their_names_in_every_format() {
    let dir = scratch("dns-generated");
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let names: Vec<String> = (0..400).map(|_| gen_name(&mut seed)).collect();
    let (single, bulk) = names.split_at(40);
    let mut yaml = String::from("id: dns-gen\nversion: 2.3.4\ntitle: generated\npublisher: iocc tests\ntlp: clear\nadvisory: {id: GEN, title: generated, issuer: iocc tests, published: 2025-01-01, modified: 2025-01-01, references: [https://intel.example.net/gen]}\nindicators:\n");
    let mut seen = BTreeSet::new();
    for (k, n) in single.iter().enumerate() {
        if seen.insert(n.clone()) {
            yaml.push_str(&format!("  - {{id: d{k}, kind: domain, value: {}, confidence: inferred, references: [https://intel.example.net/gen]}}\n", n.to_uppercase()));
        }
    }
    yaml.push_str("bulk:\n  - {id: feed, path: gen.txt, kind: domain, confidence: inferred, references: [https://intel.example.net/gen]}\n");
    yaml.push_str("policy:\n  allowlist: [mail.evil.example, cdn.c2.example.org]\n  overrides:\n    - {domain: evil.example, rail: allowlist, reason: generated}\n    - {domain: c2.example.org, rail: allowlist, reason: generated}\n");
    let cat = dir.join("dns-gen.yaml");
    std::fs::write(&cat, yaml).unwrap();
    std::fs::write(dir.join("gen.txt"), bulk.join("\n") + "\n").unwrap();
    let out = build(&dir, &cat, &["dns"]);
    let r = read_all(&out, "dns-gen");
    assert_eq!(r.zone.serial, 200_030_004);
    let allowed = ["mail.evil.example", "cdn.c2.example.org"];
    let is_allowed = |q: &str| allowed.iter().any(|a| under(q, a));
    let mut queries = BTreeSet::new();
    for n in names.iter().map(String::as_str).chain(allowed) {
        let mut p = n;
        queries.insert(format!("zz.{n}"));
        loop {
            queries.insert(p.to_owned());
            match p.split_once('.') {
                Some((_, rest)) => p = rest,
                None => break,
            }
        }
    }
    check_semantics(
        &r,
        &queries,
        |q| names.iter().any(|n| under(q, n)) && !is_allowed(q),
        |q| names.iter().any(|n| n == q) && !is_allowed(q),
    );
    // No name is written twice, and none under another in the formats that cover subdomains.
    let u = &r.lists["unbound"].block;
    assert_eq!(u.iter().collect::<BTreeSet<_>>().len(), u.len());
    for a in u {
        assert!(
            !u.iter().any(|b| b != a && under(a, b)),
            "{a} is under another listed name"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Rails, hostile names, hostile text.

const JUDGED: &str = r#"id: judged
version: 1.0.0
title: a DNS list that must be refused
publisher: test
tlp: clear
advisory: {id: TEST-1, title: test, issuer: test, published: 2025-01-01, modified: 2025-01-01, references: [https://intel.example.net/a]}
indicators:
  - {id: tld, kind: domain, value: com, confidence: sourced, references: [https://intel.example.net/a]}
  - {id: suffix, kind: domain, value: co.uk, confidence: sourced, references: [https://intel.example.net/a]}
  - {id: friend, kind: domain, value: login.partner.example, confidence: sourced, references: [https://intel.example.net/a]}
  - {id: long, kind: domain, value: LONGLABEL.example, confidence: sourced, references: [https://intel.example.net/a]}
  - {id: fine, kind: domain, value: evil.example, confidence: sourced, references: [https://intel.example.net/a]}
policy:
  allowlist: [partner.example]
"#;

fn judged(skip: &[&str]) -> String {
    JUDGED
        .replace("LONGLABEL", &"x".repeat(70))
        .lines()
        .filter(|l| !skip.iter().any(|s| l.contains(&format!("id: {s},"))))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_list_of_com_co_uk_an_allowlisted_name_and_a_long_label_is_refused_and_nothing_written() {
    let dir = scratch("dns-judged");
    let cat = dir.join("judged.yaml");
    std::fs::write(&cat, judged(&["tld", "suffix", "friend", "long"])).unwrap();
    let out = build(&dir, &cat, &[]);
    let before = snapshot_tree(&out);
    assert!(before.keys().any(|k| k.ends_with("judged.rpz")));
    let run = |text: String| {
        std::fs::write(&cat, text).unwrap();
        let o = iocc(&[
            "build",
            cat.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        assert_eq!(
            snapshot_tree(&out),
            before,
            "a refused build changed the output"
        );
        stderr(&o).replace(&dir.display().to_string(), "[dir]")
    };
    // Validation first: the single label and the 70-byte label, each with its place.
    let err = run(judged(&[]));
    for want in [
        "error[invalid-domain]: `com` is not a domain name: it is a single label, a top-level domain",
        "judged.yaml:8:",
        &format!("error[invalid-domain]: `{}.example` is not a domain name: label 1 is 70 bytes long, more than 63", "x".repeat(70)),
        "judged.yaml:11:",
        "2 errors",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    insta::assert_snapshot!("judged-validation-stderr", err);
    // Then the rails: the public suffix and the allowlisted name, each with its place.
    let err = run(judged(&["tld", "long"]));
    for want in [
        "error[refused-name]: refused to block the name `co.uk` of indicator `suffix`: rail `public-suffix`",
        "judged.yaml:8:",
        "error[refused-name]: refused to block the name `login.partner.example` of indicator `friend`: rail `allowlist`: it lies under the allowlisted name `partner.example`",
        "judged.yaml:9:",
        "2 errors",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    assert!(!err.contains("evil.example"), "{err}");
    insta::assert_snapshot!("judged-rails-stderr", err);
}

#[test]
fn hostile_names_are_refused_at_their_line() {
    let o = iocc(&[
        "check",
        "tests/fixtures/bad/dns-hostile-names.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut found: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for d in doc["diagnostics"].as_array().unwrap() {
        assert_eq!(d["code"], "invalid-domain", "{d}");
        let file = d["file"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        found
            .entry(file)
            .or_default()
            .insert(d["line"].as_u64().unwrap());
    }
    let yaml = read(&root().join("tests/fixtures/bad/dns-hostile-names.yaml"));
    let want_yaml: BTreeSet<u64> = yaml
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("id: hostile-"))
        .map(|(k, _)| k as u64 + 1)
        .collect();
    assert_eq!(want_yaml.len(), 11);
    assert_eq!(found["dns-hostile-names.yaml"], want_yaml);
    let feed =
        std::fs::read(root().join("tests/fixtures/bad/feeds/dns-hostile-names.txt")).unwrap();
    let want_feed: BTreeSet<u64> = feed
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with(b"#") && !l.starts_with(b"good"))
        .map(|(k, _)| k as u64 + 1)
        .collect();
    assert_eq!(found["dns-hostile-names.txt"], want_feed);
}

#[test]
fn hostile_text_stays_in_comments_and_every_file_reads_back() {
    let dir = scratch("dns-hostile");
    let out = build(
        &dir,
        &root().join("tests/fixtures/dns-hostile.yaml"),
        &["dns"],
    );
    let r = read_all(&out, "dns-hostile");
    let names = [
        "evil.example",
        "xn--bcher-kva.example",
        "xn--e1afmkfd.example",
        "a-b.c-d.example",
    ];
    assert_eq!(r.lists["hosts"].block, names_in_dns_order(&names));
    for k in ["unbound", "dnsmasq", "adblock"] {
        assert_eq!(r.lists[k].block, names_in_dns_order(&names), "{k}");
        assert!(r.lists[k].except.is_empty(), "{k}");
    }
    let zone_names: Vec<&str> = r
        .zone
        .records
        .iter()
        .filter_map(|x| match &x.trigger {
            Trigger::Name {
                name,
                wildcard: false,
            } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(zone_names, names_in_dns_order(&names));
    assert_eq!(r.zone.records.len(), 2 * names.len());
    for path in files(&out, "dns-hostile").values() {
        let text = read(path);
        for bad in [
            "$ORIGIN",
            "$INCLUDE",
            "evil.example.\"",
            "local-zone: \"pwn",
            "address=/pwn",
            "0.0.0.0 pwn",
            "||pwn",
        ] {
            let hostile: Vec<&str> = text.lines().filter(|l| l.starts_with(bad)).collect();
            assert!(
                hostile.is_empty(),
                "{}: hostile lines {hostile:?}",
                path.display()
            );
        }
        assert!(
            text.contains("OVERRIDE: safety rail public-suffix lifted for blogspot.com:"),
            "{}",
            path.display()
        );
    }
}

fn names_in_dns_order(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    v.sort_by(|a, b| a.rsplit('.').cmp(b.rsplit('.')));
    v
}

// ---------------------------------------------------------------------------------------
// iocc diff and the serial across versions.

#[test]
fn diff_shows_the_names_added_and_removed() {
    let dir = scratch("dns-diff");
    copy_feeds(&dir);
    let old = read(&root().join(BASIC));
    std::fs::write(dir.join("old.yaml"), &old).unwrap();
    let new = old
        .replace("version: 1.0.0", "version: 1.1.0")
        .replace("value: www.bad.example", "value: fresh.example");
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let o = iocc_in(
        &dir,
        &["diff", "old.yaml", "new.yaml", "--target", "nftables"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for want in [
        "DNS block list: names 7 -> 7 (+1 -1)",
        "names now blocked: fresh.example",
        "names no longer blocked: www.bad.example",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    let o = iocc_in(&dir, &["diff", "old.yaml", "new.yaml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let dns = &doc["diff"]["dns"];
    assert_eq!(dns["added"], serde_json::json!(["fresh.example"]), "{doc}");
    assert_eq!(dns["removed"], serde_json::json!(["www.bad.example"]));
    // The new version's zone has a larger serial.
    let a = build(&dir.join("a"), &dir.join("old.yaml"), &["dns"]);
    let b = build(&dir.join("b"), &dir.join("new.yaml"), &["dns"]);
    let serial = |out: &Path| read_zone(&read(&files(out, "dns-basic")["rpz"])).serial;
    assert!(serial(&a) < serial(&b), "{} !< {}", serial(&a), serial(&b));
}

// ---------------------------------------------------------------------------------------
// Real tools.

/// Every DNS folder the tests produce: the committed Contec one and fresh builds.
fn every_output() -> Vec<(PathBuf, String)> {
    let dir = scratch("dns-engines");
    let mut v = vec![(root().join("out"), "contec-cms8000".to_owned())];
    for (cat, id) in [
        (BASIC, "dns-basic"),
        ("tests/fixtures/dns-hostile.yaml", "dns-hostile"),
    ] {
        let sub = dir.join(id);
        std::fs::create_dir_all(&sub).unwrap();
        v.push((build(&sub, &root().join(cat), &["dns"]), id.to_owned()));
    }
    v
}

fn run(cmd: &mut Command) -> (i32, String) {
    let o = cmd.output().expect("run");
    (
        o.status.code().unwrap_or(-1),
        format!("{}{}", stdout(&o), stderr(&o)),
    )
}

#[test]
#[cfg_attr(
    iocc_missing = "named-checkzone",
    ignore = "engine `named-checkzone` is not installed"
)]
fn named_checkzone_accepts_every_zone() {
    let Some(bin) = engine("named-checkzone") else {
        return;
    };
    for (out, id) in every_output() {
        let f = &files(&out, &id)["rpz"];
        let (rc, text) = run(Command::new(&bin).args(["-k", "fail", "rpz.local"]).arg(f));
        assert_eq!(rc, 0, "{}: {text}", f.display());
        assert!(text.contains("OK"), "{text}");
    }
    // And it does fail on a broken zone, so the check means something.
    let dir = scratch("dns-checkzone-bad");
    let bad = dir.join("bad.rpz");
    std::fs::write(&bad, "$TTL 300\n@ SOA localhost. h.localhost. 1 2 3 4 5\n@ NS localhost.\nx.example CNAME .\nx.example A 192.0.2.1\n").unwrap();
    assert_ne!(
        run(Command::new(&bin)
            .args(["-k", "fail", "rpz.local"])
            .arg(&bad))
        .0,
        0
    );
}

#[test]
#[cfg_attr(
    any(iocc_missing = "unbound-checkconf", iocc_missing = "dnsmasq"),
    ignore = "engine `unbound-checkconf` or `dnsmasq` is not installed"
)]
fn unbound_checkconf_and_dnsmasq_test_accept_every_list() {
    let (Some(unbound), Some(dnsmasq)) = (engine("unbound-checkconf"), engine("dnsmasq")) else {
        return;
    };
    for (out, id) in every_output() {
        let f = files(&out, &id);
        let (rc, text) = run(Command::new(&unbound).arg(&f["unbound"]));
        assert_eq!(rc, 0, "{}: {text}", f["unbound"].display());
        let (rc, text) = run(Command::new(&dnsmasq)
            .arg("--test")
            .arg("-C")
            .arg(&f["dnsmasq"]));
        assert_eq!(rc, 0, "{}: {text}", f["dnsmasq"].display());
        assert!(text.contains("syntax check OK"), "{text}");
    }
}

/// A resolver process, killed when dropped.
struct Resolver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Resolver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free for both UDP and TCP on 127.0.0.1, above 1024.
fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// `dig` at the resolver: the status and the answer records' data.
fn dig(dig: &Path, port: u16, name: &str, kind: &str) -> (String, Vec<String>) {
    let o = Command::new(dig)
        .args([
            "+time=2",
            "+tries=1",
            "+norecurse",
            "-p",
            &port.to_string(),
            "@127.0.0.1",
            name,
            kind,
        ])
        .arg("+rec")
        .output()
        .expect("dig");
    let text = stdout(&o);
    let status = text
        .split("status: ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or("NO ANSWER")
        .to_owned();
    let answers = text
        .split(";; ANSWER SECTION:\n")
        .nth(1)
        .map(|s| {
            s.lines()
                .take_while(|l| !l.is_empty())
                .filter_map(|l| l.split_whitespace().last().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (status, answers)
}

/// Test data the resolver serves authoritatively (so the iterator, and with it the RPZ, sees
/// the answers): `lab.` with an ordinary name and names pointing into the listed networks, and
/// `bad.example.` with names under the listed name, one of them allowlisted.
const LAB_ZONE: &str = "$TTL 300\n@ SOA localhost. h.localhost. 1 3600 600 86400 300\n@ NS localhost.\nok A 198.51.100.1\nevil A 202.114.4.7\nevil6 AAAA 2001:db8::7\nnear A 202.114.5.7\nbad.example A 198.51.100.3\nfeed A 45.9.9.9\nfeed6 AAAA 2a0c:b641:a40::1\n";
const BAD_ZONE: &str = "$TTL 300\n@ SOA localhost. h.localhost. 1 3600 600 86400 300\n@ NS localhost.\n@ A 198.51.100.10\nwww A 198.51.100.11\nok A 198.51.100.20\n";

fn start_unbound(dir: &Path, extra: &str) -> Option<Resolver> {
    let unbound = engine("unbound")?;
    let dig_bin = engine("dig")?;
    std::fs::write(dir.join("lab.zone"), LAB_ZONE).unwrap();
    std::fs::write(dir.join("bad.zone"), BAD_ZONE).unwrap();
    let port = free_port();
    let d = dir.display();
    let conf = format!(
        "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  directory: \"{d}\"\n  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  do-ip6: no\n  access-control: 127.0.0.0/8 allow\n  module-config: \"respip iterator\"\n{extra}\nauth-zone:\n  name: \"lab.\"\n  zonefile: \"{d}/lab.zone\"\n  for-downstream: no\n  for-upstream: yes\nauth-zone:\n  name: \"bad.example.\"\n  zonefile: \"{d}/bad.zone\"\n  for-downstream: no\n  for-upstream: yes\n"
    );
    let conf_path = dir.join("unbound.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let log = dir.join("unbound.log");
    let child = Command::new(unbound)
        .arg("-d")
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.join("unbound.err")).unwrap())
        .spawn()
        .expect("start unbound");
    let mut r = Resolver { child, port, log };
    // Ready when it answers the ordinary name; no timing is asserted, only a bound on waiting.
    for _ in 0..100 {
        if let Some(status) = r.child.try_wait().unwrap() {
            panic!(
                "unbound exited with {status}: {}{}",
                read(&r.log),
                read(&dir.join("unbound.err"))
            );
        }
        if dig(&dig_bin, port, "ok.lab", "A").0 == "NOERROR" {
            return Some(r);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = r.child.kill();
    panic!(
        "unbound did not answer on port {}: {}",
        r.port,
        read(&r.log)
    );
}

#[test]
#[cfg_attr(
    any(iocc_missing = "dig", iocc_missing = "unbound"),
    ignore = "engine `dig` or `unbound` is not installed"
)]
fn a_real_unbound_serving_the_rpz_blocks_what_the_catalogue_lists_and_nothing_else() {
    let Some(dig_bin) = engine("dig") else { return };
    let dir = scratch("dns-unbound-rpz");
    let out = build(&dir, &root().join(BASIC), &["dns"]);
    let zone = files(&out, "dns-basic")["rpz"].clone();
    let extra = format!(
        "rpz:\n  name: rpz.local\n  zonefile: \"{}\"\n",
        zone.display()
    );
    let Some(r) = start_unbound(&dir, &extra) else {
        return;
    };
    let q = |name: &str, kind: &str| dig(&dig_bin, r.port, name, kind);
    let nx = ("NXDOMAIN".to_owned(), Vec::<String>::new());
    let ok = |a: &str| ("NOERROR".to_owned(), vec![a.to_owned()]);
    // Listed names and their subdomains.
    assert_eq!(q("bad.example", "A"), nx, "listed name");
    assert_eq!(q("www.bad.example", "A"), nx, "subdomain with data");
    assert_eq!(q("deep.www.bad.example", "A"), nx, "deeper subdomain");
    assert_eq!(
        q("x.malware.example", "A"),
        nx,
        "bulk list name's subdomain"
    );
    assert_eq!(q("xn--bcher-kva.example", "A"), nx, "international name");
    // The allowlisted name under a listed one, and unlisted names: answered from the data.
    assert_eq!(q("ok.bad.example", "A"), ok("198.51.100.20"), "exception");
    assert_eq!(q("ok.lab", "A"), ok("198.51.100.1"), "unlisted name");
    assert_eq!(
        q("bad.example.lab", "A"),
        ok("198.51.100.3"),
        "a name that only contains a listed one"
    );
    assert_eq!(
        q("near.lab", "A"),
        ok("202.114.5.7"),
        "an address next to the listed network"
    );
    // Answers pointing into a listed network, for names nobody listed (rpz-ip).
    assert_eq!(q("evil.lab", "A"), nx, "IPv4 answer in 202.114.4.0/24");
    assert_eq!(q("evil6.lab", "AAAA"), nx, "IPv6 answer 2001:db8::7");
    assert_eq!(q("feed.lab", "A"), nx, "IPv4 answer from the address list");
    assert_eq!(
        q("feed6.lab", "AAAA"),
        nx,
        "IPv6 answer in 2a0c:b641:a40::/48, from the address list"
    );
    let log = format!("{}{}", read(&r.log), read(&r.log.with_extension("err")));
    assert!(
        log.contains("202.114.4.0/24 inform"),
        "unbound logs the response-IP match: {log}"
    );
}

#[test]
#[cfg_attr(
    any(iocc_missing = "dig", iocc_missing = "unbound"),
    ignore = "engine `dig` or `unbound` is not installed"
)]
fn a_real_unbound_with_the_local_zone_file_blocks_names_and_keeps_the_exception() {
    let Some(dig_bin) = engine("dig") else { return };
    let dir = scratch("dns-unbound-local");
    let out = build(&dir, &root().join(BASIC), &["dns"]);
    let conf = files(&out, "dns-basic")["unbound"].clone();
    let extra = format!("  include: \"{}\"\n", conf.display());
    let Some(r) = start_unbound(&dir, &extra) else {
        return;
    };
    let q = |name: &str| dig(&dig_bin, r.port, name, "A").0;
    assert_eq!(q("bad.example"), "NXDOMAIN");
    assert_eq!(q("www.bad.example"), "NXDOMAIN");
    assert_eq!(q("x.phish.example"), "NXDOMAIN");
    assert_eq!(q("ok.bad.example"), "NOERROR");
    assert_eq!(q("ok.lab"), "NOERROR");
}
