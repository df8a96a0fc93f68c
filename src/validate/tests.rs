//! One test per validation rule: each asserts WHICH code is reported and WHERE (1-based line
//! and column in the YAML, or the side file's line), not just that validation failed.

use std::path::{Path, PathBuf};

use jiff::civil::Date;

use super::{validate, Inputs};
use crate::diag::{At, Code, Severity, SourceCache};
use crate::model::raw::RawCatalogue;
use crate::model::Catalogue;

/// A valid catalogue head; lines 1-14. Tests append blocks starting at line 15.
const BASE: &str = "id: t
version: 1.0.0
title: T
publisher: p
tlp: clear
advisory:
  id: A
  title: A
  issuer: i
  published: 2025-01-30
  modified: 2025-01-30
  references: [https://example.com/a]
  cves:
    - {id: CVE-2025-0001, cwe: CWE-1, summary: s, references: [https://example.com/c]}
";

const REF: &str = "references: [https://example.com/r]";

/// One diagnostic: code, severity, file name, line, and the text from the caret on (up to
/// 12 characters of its line), which pins the column readably.
type Found = (Code, Severity, String, usize, String);

fn run_in(dir: &Path, yaml: &str) -> (Option<Catalogue>, Vec<Found>) {
    let file = dir.join("t.yaml");
    let raw: RawCatalogue = serde_yaml::from_str(yaml).expect("test YAML parses");
    let (cat, diags) = validate(
        &raw,
        &Inputs {
            file: &file,
            sha256: String::new(),
            today: Date::constant(2026, 1, 1),
            known_targets: &["summary", "suricata"],
        },
    );
    let mut cache = SourceCache::default();
    cache.insert(&file, yaml.to_owned());
    let found = diags
        .iter()
        .map(|d| {
            let f = d.file.as_deref().expect("every diagnostic names a file");
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let Some(pos) = cache.resolve(f, &d.at) else {
                assert_eq!(d.at, At::File, "unresolved position for {d:?}");
                return (d.code, d.severity, name, 0, String::new());
            };
            let text = cache.text(f).unwrap();
            let line = text[pos.bytes.start..].lines().next().unwrap_or("");
            let caret: String = line.chars().take(12).collect();
            (d.code, d.severity, name, pos.line, caret)
        })
        .collect();
    (cat, found)
}

fn run(extra: &str) -> (Option<Catalogue>, Vec<Found>) {
    run_in(Path::new("."), &format!("{BASE}{extra}"))
}

/// Errors and warnings as (code, line, text at the caret), in report order.
fn at(extra: &str) -> Vec<(Code, usize, String)> {
    run(extra)
        .1
        .into_iter()
        .map(|(c, _, _, l, col)| (c, l, col))
        .collect()
}

fn ind(fields: &str) -> String {
    format!("indicators:\n  - {{{fields}, confidence: sourced, {REF}}}\n")
}

#[test]
fn base_is_valid() {
    let (cat, found) = run("indicators:\n  - {id: h, kind: ipv4, value: 192.0.2.1, confidence: sourced, references: [https://example.com/r]}\n");
    assert_eq!(found, vec![]);
    assert_eq!(cat.unwrap().indicators.len(), 1);
}

#[test]
fn empty_catalogue_is_a_warning() {
    let (cat, found) = run("");
    assert!(cat.is_some(), "warnings do not block a catalogue");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Code::EmptyCatalogue);
    assert_eq!(found[0].1, Severity::Warning);
}

#[test]
fn ids() {
    // Offset points at the first bad character.
    assert_eq!(
        at(&ind("id: ab_c, kind: ipv4, value: 192.0.2.1")),
        vec![(Code::InvalidId, 16, "_c, kind: ip".to_owned())]
    );
    let long = "a".repeat(65);
    assert_eq!(
        at(&ind(&format!("id: {long}, kind: ipv4, value: 192.0.2.1"))),
        vec![(Code::InvalidId, 16, "aaaaaaaaaaaa".to_owned())]
    );
    assert_eq!(
        at(&ind("id: -a, kind: ipv4, value: 192.0.2.1")),
        vec![(Code::InvalidId, 16, "-a, kind: ip".to_owned())]
    );
}

#[test]
fn version_dates_and_tlp() {
    let y = BASE
        .replace("version: 1.0.0", "version: v1")
        .replace("tlp: clear", "tlp: TLP:AMBER+STRICT")
        .replace("published: 2025-01-30", "published: 2025-13-01")
        .replace("modified: 2025-01-30", "modified: 2025-01-29");
    let (cat, found) = run_in(Path::new("."), &y);
    assert!(cat.is_none());
    let got: Vec<_> = found.iter().map(|f| (f.0, f.3, f.4.clone())).collect();
    assert_eq!(
        got,
        vec![
            (Code::InvalidVersion, 2, "v1".to_owned()),
            (Code::InvalidDate, 10, "2025-13-01".to_owned()),
            (Code::EmptyCatalogue, 0, "".to_owned()),
        ]
    );
    let y = BASE
        .replace("tlp: clear", "tlp: white!")
        .replace("published: 2025-01-30", "published: 2025-02-01");
    let got: Vec<_> = run_in(Path::new("."), &y)
        .1
        .iter()
        .map(|f| (f.0, f.3, f.4.clone()))
        .collect();
    assert_eq!(
        got[..2],
        [
            (Code::InvalidValue, 5, "white!".to_owned()),
            (Code::DateOrder, 11, "2025-01-30".to_owned())
        ]
    );
}

#[test]
fn text_length_caps() {
    let y = BASE.replace("title: T", &format!("title: {}", "x".repeat(201)));
    let got = run_in(Path::new("."), &y).1;
    assert_eq!(
        (got[0].0, got[0].3, got[0].4.clone()),
        (Code::ValueTooLong, 3, "xxxxxxxxxxxx".to_owned())
    );
    // 200 characters (not bytes) are fine.
    let y = BASE.replace("title: T", &format!("title: {}", "é".repeat(200)));
    assert_eq!(run_in(Path::new("."), &y).1[0].0, Code::EmptyCatalogue);
}

#[test]
fn addresses_and_families() {
    assert_eq!(
        at(&ind("id: a, kind: ipv4, value: '2001:db8::1'")),
        vec![(Code::InvalidAddress, 16, "'2001:db8::1".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: ipv6, value: 192.0.2.1")),
        vec![(Code::InvalidAddress, 16, "192.0.2.1, c".to_owned())]
    );
    // The caret sits on the first character that cannot be part of an address.
    assert_eq!(
        at(&ind("id: a, kind: ipv4, value: 192.0.2.x")),
        vec![(Code::InvalidAddress, 16, "x, confidenc".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: cidr, value: 192.0.2.0/33")),
        vec![(Code::InvalidAddress, 16, "192.0.2.0/33".to_owned())]
    );
}

#[test]
fn networks_must_be_canonical() {
    assert_eq!(
        at(&ind("id: a, kind: cidr, value: 192.0.2.1/24")),
        vec![(Code::NonCanonicalNetwork, 16, "192.0.2.1/24".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: cidr, value: '2001:db8::1/32'")),
        vec![(Code::NonCanonicalNetwork, 16, "'2001:db8::1".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: cidr, value: '2001:db8::/32'")),
        vec![]
    );
}

#[test]
fn domains_urls_hashes_ports() {
    assert_eq!(
        at(&ind("id: a, kind: domain, value: a..example.com")),
        vec![(Code::InvalidDomain, 16, ".example.com".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: url, value: example.com/x")),
        vec![(Code::InvalidUrl, 16, "example.com/".to_owned())]
    );
    assert_eq!(
        at(&ind(
            "id: a, kind: sha1, value: da39a3ee5e6b4b0d3255bfef95601890afd8070g"
        )),
        vec![(Code::InvalidHash, 16, "g, confidenc".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: md5, value: abc")),
        vec![(Code::InvalidHash, 16, "abc, confide".to_owned())]
    );
    // The port grammar's offset lands on the offending character inside the scalar.
    assert_eq!(
        at(&ind("id: a, kind: port, value: 515-520/icmp")),
        vec![(Code::InvalidPort, 16, "icmp, confid".to_owned())]
    );
    assert_eq!(
        at(&ind("id: a, kind: port, value: '111,112/udp'")),
        vec![(Code::InvalidPort, 16, "'111,112/udp".to_owned())]
    );
}

#[test]
fn words() {
    assert_eq!(
        at(&ind("id: a, kind: ip, value: 192.0.2.1")),
        vec![(Code::InvalidValue, 16, "ip, value: 1".to_owned())]
    );
    let got = at("indicators:\n  - {id: a, kind: ipv4, value: 192.0.2.1, confidence: maybe, severity: max, action: drop, direction: up, references: [https://example.com/r]}\n");
    let codes: Vec<_> = got.iter().map(|g| (g.0, g.2.clone())).collect();
    assert_eq!(
        codes,
        vec![
            (Code::InvalidValue, "maybe, sever".to_owned()),
            (Code::InvalidValue, "max, action:".to_owned()),
            (Code::InvalidValue, "drop, direct".to_owned()),
            (Code::InvalidValue, "up, referenc".to_owned())
        ]
    );
}

#[test]
fn missing_confidence_and_references() {
    let got = at("indicators:\n  - id: a\n    kind: ipv4\n    value: 192.0.2.1\n");
    assert_eq!(
        got,
        vec![
            (Code::MissingField, 16, "id: a".to_owned()),
            (Code::MissingReferences, 16, "id: a".to_owned())
        ]
    );
    let (cat, found) =
        run("indicators:\n  - {id: a, kind: ipv4, value: 192.0.2.1, confidence: sourced}\n");
    assert!(cat.is_some(), "missing references is only a warning");
    assert_eq!(found[0].1, Severity::Warning);
}

#[test]
fn cve_cwe_cvss_references() {
    let y = BASE.replace(
        "    - {id: CVE-2025-0001, cwe: CWE-1, summary: s, references: [https://example.com/c]}",
        "    - {id: CVE-2025-001, cwe: CWE-x, summary: s, cvss-v3: {score: -1, vector: 'CVSS:3.1/AV:N'}, references: ['http://a b']}",
    );
    let got: Vec<_> = run_in(Path::new("."), &y)
        .1
        .iter()
        .map(|f| (f.0, f.3, f.4.clone()))
        .collect();
    assert_eq!(
        got[..5],
        [
            (Code::InvalidCveId, 14, "CVE-2025-001".to_owned()),
            (Code::InvalidCwe, 14, "CWE-x, summa".to_owned()),
            (Code::InvalidCvss, 14, "-1, vector: ".to_owned()),
            (Code::InvalidCvss, 14, "'CVSS:3.1/AV".to_owned()),
            (Code::InvalidReference, 14, "'http://a b'".to_owned()),
        ]
    );
}

#[test]
fn duplicate_ids_and_values() {
    let got = at("indicators:
  - {id: a, kind: ipv4, value: 192.0.2.1, confidence: sourced, references: [https://example.com/r]}
  - {id: a, kind: ipv4, value: 192.0.2.2, confidence: sourced, references: [https://example.com/r]}
  - {id: b, kind: domain, value: Evil.Example.net, confidence: sourced, references: [https://example.com/r]}
  - {id: c, kind: domain, value: evil.example.NET., confidence: sourced, references: [https://example.com/r]}
");
    // Domains are compared after lowercasing and dropping the root dot.
    assert_eq!(
        got,
        vec![
            (Code::DuplicateIndicator, 19, "evil.example".to_owned()),
            (Code::DuplicateId, 17, "a, kind: ipv".to_owned())
        ]
    );
}

#[test]
fn overlaps_and_part_of() {
    let nets = "indicators:
  - {id: wide, kind: cidr, value: 192.0.2.0/24, confidence: sourced, references: [https://example.com/r]}
  - {id: mid, kind: cidr, value: 192.0.2.0/28, part-of: wide, confidence: sourced, references: [https://example.com/r]}
  - {id: host, kind: ipv4, value: 192.0.2.1, part-of: mid, confidence: sourced, references: [https://example.com/r]}
  - {id: loose, kind: ipv4, value: 192.0.2.200, confidence: sourced, references: [https://example.com/r]}
  - {id: wrong, kind: ipv4, value: 198.51.100.1, part-of: mid, confidence: sourced, references: [https://example.com/r]}
  - {id: to-host, kind: ipv4, value: 198.51.100.2, part-of: host, confidence: sourced, references: [https://example.com/r]}
  - {id: dangling, kind: ipv4, value: 198.51.100.3, part-of: nope, confidence: sourced, references: [https://example.com/r]}
";
    let got = at(nets);
    // `host` lies in `wide` through `mid`: declared transitively, no warning.
    assert_eq!(
        got,
        vec![
            (Code::PartOfMismatch, 20, "mid, confide".to_owned()),
            (Code::PartOfMismatch, 21, "host, confid".to_owned()),
            (Code::DanglingReference, 22, "nope, confid".to_owned()),
            (Code::OverlappingIndicators, 19, "192.0.2.200,".to_owned()),
        ]
    );
}

#[test]
fn validity_window() {
    let got = at(&ind(
        "id: a, kind: ipv4, value: 192.0.2.1, valid-from: 2025-05-01, valid-until: 2025-04-01",
    ));
    assert_eq!(
        got,
        vec![
            (Code::DateOrder, 16, "2025-04-01, ".to_owned()),
            (Code::ExpiredValidity, 16, "2025-04-01, ".to_owned())
        ]
    );
    let (cat, found) = run(&ind(
        "id: a, kind: ipv4, value: 192.0.2.1, valid-until: 2025-12-31",
    ));
    assert!(cat.is_some());
    assert_eq!(
        (found[0].0, found[0].1),
        (Code::ExpiredValidity, Severity::Warning)
    );
    // Today (2026-01-01) itself is still valid.
    assert_eq!(
        at(&ind(
            "id: a, kind: ipv4, value: 192.0.2.1, valid-until: 2026-01-01"
        )),
        vec![]
    );
}

#[test]
fn cve_references_must_resolve() {
    assert_eq!(
        at(&ind(
            "id: a, kind: ipv4, value: 192.0.2.1, cves: [CVE-2025-0001, CVE-2025-0002]"
        )),
        vec![(Code::DanglingReference, 16, "CVE-2025-000".to_owned())]
    );
}

fn det(fields: &str) -> String {
    format!(
        "indicators:
  - {{id: h, kind: ipv4, value: 192.0.2.1, confidence: sourced, {REF}}}
  - {{id: f, kind: md5, value: d41d8cd98f00b204e9800998ecf8427e, confidence: sourced, {REF}}}
detections:
  - {{id: d, title: D, direction: outbound, classtype: trojan-activity, confidence: sourced, {REF}, {fields}}}
"
    )
}

#[test]
fn detection_protocols_and_ports() {
    assert_eq!(
        at(&det("protocols: [tcp], ports: '515-520', indicators: [h]")),
        vec![]
    );
    assert_eq!(
        at(&det("protocols: [ip, udp], indicators: [h]")),
        vec![(Code::InvalidProtocol, 19, "protocols: [".to_owned())]
    );
    assert_eq!(
        at(&det("protocols: [], indicators: [h]")),
        vec![(Code::InvalidProtocol, 19, "protocols: [".to_owned())]
    );
    assert_eq!(
        at(&det("protocols: [ip], ports: '80', indicators: [h]")),
        vec![(Code::InvalidProtocol, 19, "'80', indica".to_owned())]
    );
    assert_eq!(
        at(&det("protocols: [udp], ports: '111/tcp', indicators: [h]")),
        vec![(Code::InvalidProtocol, 19, "'111/tcp', i".to_owned())]
    );
    assert_eq!(
        at(&det("protocols: [tcp], ports: '1-2-3', indicators: [h]")),
        vec![(Code::InvalidPort, 19, "-3', indicat".to_owned())]
    );
}

#[test]
fn detection_indicators() {
    assert_eq!(
        at(&det("protocols: [tcp], indicators: [f, x]")),
        vec![
            (Code::DanglingReference, 19, "f, x]}".to_owned()),
            (Code::DanglingReference, 19, "x]}".to_owned())
        ]
    );
    assert_eq!(
        at(&det("protocols: [tcp], indicators: []")),
        vec![(Code::MissingField, 19, "indicators: ".to_owned())]
    );
}

#[test]
fn detection_content_and_rpc() {
    assert_eq!(
        at(&det(
            "protocols: [tcp], indicators: [h], content: [{match: 'a|0g|'}]"
        )),
        vec![(Code::InvalidContent, 19, "0g|'}]}".to_owned())]
    );
    assert_eq!(
        at(&det(
            "protocols: [tcp], indicators: [h], content: [{match: 'abcd', depth: 2}]"
        )),
        vec![(Code::InvalidContent, 19, "2}]}".to_owned())]
    );
    assert_eq!(
        at(&det(
            "protocols: [ip], indicators: [h], content: [{match: 'a'}]"
        )),
        vec![(Code::InvalidProtocol, 19, "content: [{m".to_owned())]
    );
    assert_eq!(
        at(&det(
            "protocols: [ip], indicators: [h], rpc: {program: 100000}"
        )),
        vec![(Code::InvalidRpc, 19, "rpc: {progra".to_owned())]
    );
    assert_eq!(
        at(&det(
            "protocols: [udp], indicators: [h], rpc: {program: 100003, path: /pm}"
        )),
        vec![(Code::InvalidRpc, 19, "/pm}}".to_owned())]
    );
    assert_eq!(
        at(&det(
            "protocols: [udp], indicators: [h], rpc: {program: 100005, path: pm}"
        )),
        vec![(Code::InvalidRpc, 19, "pm}}".to_owned())]
    );
    // A control character is named as such, not as a wrong program.
    let d = det(r#"protocols: [udp], indicators: [h], rpc: {program: 100005, path: "/pm\n"}"#);
    assert_eq!(
        at(&d),
        vec![(Code::InvalidRpc, 19, "\"/pm\\n\"}}".to_owned())]
    );
}

#[test]
fn detection_classtype() {
    let y = det("protocols: [tcp], indicators: [h]").replace("trojan-activity", "trojan");
    assert_eq!(
        at(&y),
        vec![(Code::InvalidClasstype, 19, "trojan, conf".to_owned())]
    );
}

#[test]
fn policy_rules() {
    let pol = |p: &str| {
        at(&format!(
            "{}policy:\n{p}",
            ind("id: h, kind: ipv4, value: 192.0.2.1")
        ))
    };
    assert_eq!(
        pol("  sid-range: 0-5\n"),
        vec![(Code::InvalidPolicy, 18, "0-5".to_owned())]
    );
    assert_eq!(
        pol("  sid-range: '5'\n"),
        vec![(Code::InvalidPolicy, 18, "'5'".to_owned())]
    );
    assert_eq!(
        pol("  allowlist: [10.0.0.1/8]\n"),
        vec![(Code::NonCanonicalNetwork, 18, "10.0.0.1/8]".to_owned())]
    );
    assert_eq!(
        pol("  widest-prefix: {ipv4: 8, ipv6: 129}\n"),
        vec![(Code::InvalidPolicy, 18, "widest-prefi".to_owned())]
    );
    assert_eq!(
        pol("  narrowest-prefix: {ipv4: 8, ipv6: 128}\n"),
        vec![(Code::InvalidPolicy, 18, "narrowest-pr".to_owned())]
    );
    assert_eq!(
        pol("  targets: [zeek]\n"),
        vec![(Code::UnknownTarget, 18, "zeek]".to_owned())]
    );
    assert_eq!(
        pol("  overrides: [{network: 10.0.0.0/8, rail: private, reason: ''}]\n"),
        vec![(Code::InvalidPolicy, 18, "''}]".to_owned())]
    );
    assert_eq!(
        pol("  overrides: [{network: 10.0.0.0/8, rail: fun, reason: ok}]\n"),
        vec![(Code::InvalidValue, 18, "fun, reason:".to_owned())]
    );
}

#[test]
fn product_references() {
    let y = BASE.replace(
        "  cves:\n",
        "  products:\n    - {id: p, vendor: v, name: n, relabel-of: p}\n  cves:\n",
    );
    let got: Vec<_> = run_in(Path::new("."), &y)
        .1
        .iter()
        .map(|f| (f.0, f.3, f.4.clone()))
        .collect();
    // A product cannot be a relabel of itself.
    assert_eq!(got[0], (Code::DanglingReference, 14, "p}".to_owned()));
}

/// A scratch folder for bulk side files.
fn bulk_dir(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iocc-validate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, bytes) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bulk(dir: &Path, list: &str) -> (Option<Catalogue>, Vec<Found>) {
    run_in(
        dir,
        &format!("{BASE}bulk:\n  - {{id: b, confidence: sourced, {REF}, {list}}}\n"),
    )
}

#[test]
fn bulk_text_lists() {
    let dir = bulk_dir(
        "text",
        &[(
            "feeds/a.txt",
            b"\xef\xbb\xbf192.0.2.1\n# comment\n\n198.51.100.0/24 # net\r\n2001:db8::/32\n2001:db8::1\n",
        )],
    );
    let (cat, found) = bulk(&dir, "path: feeds/a.txt, kind: address");
    assert_eq!(found, vec![]);
    let cat = cat.unwrap();
    let lines: Vec<u32> = cat.bulk[0].networks.iter().map(|(_, l)| l).collect();
    // Sorted (IPv4 by address, then IPv6), each entry with its file line.
    assert_eq!(lines, vec![1, 4, 5, 6], "entries keep their file line");
    assert_eq!(cat.indicator_count(), 4);
}

#[test]
fn bulk_bad_lines_name_file_and_line() {
    let dir = bulk_dir(
        "bad",
        &[("a.txt", b"192.0.2.1\n192.0.2.256\n\n10.0.0.1/8\n")],
    );
    let (cat, found) = bulk(&dir, "path: a.txt, kind: address");
    assert!(cat.is_none());
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.0, f.2.as_str(), f.3, f.4.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Code::InvalidAddress, "a.txt", 2, "192.0.2.256"),
            (Code::NonCanonicalNetwork, "a.txt", 4, "10.0.0.1/8")
        ]
    );
}

#[test]
fn bulk_domains() {
    let dir = bulk_dir("dom", &[("d.txt", b"Example.COM\nbad_name.example\n")]);
    let (_, found) = bulk(&dir, "path: d.txt, kind: domain");
    assert_eq!((found[0].0, found[0].3), (Code::InvalidDomain, 2));
}

#[test]
fn bulk_csv() {
    let dir = bulk_dir(
        "csv",
        &[(
            "f.csv",
            b"\xef\xbb\xbfnote,ip\n\"a, b\",192.0.2.1\n\"multi\nline\",192.0.2.2\nx,bad\n",
        )],
    );
    let (_, found) = bulk(&dir, "path: f.csv, column: ip, kind: address");
    // The bad record starts on line 5 (the quoted note spans lines 3-4).
    let got: Vec<_> = found.iter().map(|f| (f.0, f.2.as_str(), f.3)).collect();
    assert_eq!(got, vec![(Code::InvalidAddress, "f.csv", 5)]);
    let (_, found) = bulk(&dir, "path: f.csv, column: addr, kind: address");
    assert_eq!((found[0].0, found[0].3), (Code::InvalidBulkFile, 1));
    // The first column (`note`) is the default: every value there is bad.
    let (_, found) = bulk(&dir, "path: f.csv, kind: address");
    assert_eq!(found.len(), 3);
}

#[test]
fn bulk_paths_stay_inside_the_catalogue_folder() {
    let dir = bulk_dir("paths", &[("sub/a.txt", b"192.0.2.1\n")]);
    for bad in ["../a.txt", "/etc/passwd", "sub/../../a.txt", "''"] {
        let (_, found) = bulk(&dir, &format!("path: {bad}, kind: address"));
        assert_eq!(
            (found[0].0, found[0].2.as_str(), found[0].3),
            (Code::InvalidBulkFile, "t.yaml", 16),
            "{bad}"
        );
    }
    let (_, found) = bulk(&dir, "path: ./sub/a.txt, kind: address");
    assert_eq!(found, vec![]);
    // Missing files and folders point at the `path:` in the catalogue.
    let (_, found) = bulk(&dir, "path: sub/none.txt, kind: address");
    assert_eq!(
        (
            found[0].0,
            found[0].2.as_str(),
            found[0].3,
            found[0].4.as_str()
        ),
        (Code::FileNotFound, "t.yaml", 16, "sub/none.txt")
    );
    let (_, found) = bulk(&dir, "path: sub, kind: address");
    assert_eq!(
        (found[0].0, found[0].2.as_str()),
        (Code::FileUnreadable, "t.yaml")
    );
}

#[test]
fn bulk_not_utf8_names_the_line() {
    let dir = bulk_dir("latin1", &[("a.txt", b"a.example\nb\xe9.example\n")]);
    let file = dir.join("t.yaml");
    let raw: RawCatalogue = serde_yaml::from_str(&format!(
        "{BASE}bulk:\n  - {{id: b, confidence: sourced, {REF}, path: a.txt, kind: domain}}\n"
    ))
    .unwrap();
    let (_, diags) = validate(
        &raw,
        &Inputs {
            file: &file,
            sha256: String::new(),
            today: Date::constant(2026, 1, 1),
            known_targets: &[],
        },
    );
    assert_eq!(diags[0].code, Code::NotUtf8);
    assert!(diags[0].message.contains("line 2"), "{}", diags[0].message);
}

#[test]
fn bulk_caps_reported_lines() {
    let many: String = (0..super::bulk::MAX_LINE_ERRORS + 7)
        .map(|i| format!("bad{i}\n"))
        .collect();
    let dir = bulk_dir("many", &[("a.txt", many.as_bytes())]);
    let file = dir.join("t.yaml");
    let raw: RawCatalogue = serde_yaml::from_str(&format!(
        "{BASE}bulk:\n  - {{id: b, confidence: sourced, {REF}, path: a.txt, kind: address}}\n"
    ))
    .unwrap();
    let (_, diags) = validate(
        &raw,
        &Inputs {
            file: &file,
            sha256: String::new(),
            today: Date::constant(2026, 1, 1),
            known_targets: &[],
        },
    );
    assert_eq!(diags.len(), super::bulk::MAX_LINE_ERRORS + 1);
    assert_eq!(diags.last().unwrap().message, "7 more bad lines not shown");
}

#[test]
fn file_size_belongs_to_hashes_and_is_positive() {
    let sha = "value: 4e42d3b131bd10d8f192d2d15c23bd68164c1bf3daf3c33803b8e81cb4d896ad";
    let (cat, found) = run(&ind(&format!("id: h, kind: sha256, {sha}, size: 1234")));
    assert_eq!(found, vec![]);
    assert_eq!(cat.unwrap().indicators[0].size, Some(1234));
    let (cat, _) = run(&ind(&format!("id: h, kind: sha256, {sha}")));
    assert_eq!(cat.unwrap().indicators[0].size, None);
    assert_eq!(
        at(&ind("id: h, kind: ipv4, value: 192.0.2.1, size: 10")),
        vec![(Code::InvalidValue, 16, "10, confiden".into())]
    );
    assert_eq!(
        at(&ind(&format!("id: h, kind: sha256, {sha}, size: 0"))),
        vec![(Code::InvalidValue, 16, "0, confidenc".into())]
    );
}
