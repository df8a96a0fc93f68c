//! The `suricata` target end to end: golden packs of the fixture catalogues, hostile strings,
//! SID stability, `iocc lint`, and the real engine (`suricata -T` on every pack, pcap replay of
//! every Contec behaviour and of benign look-alikes, suricata-check).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::pcap::{getport_args, record, rpc_call, rpc_reply, xdr_string, Pcap, Tcp};
use crate::traffic::{suricatas, Suricata};

const CONTEC_RULES: &str = "out/contec-cms8000/suricata/contec-cms8000.rules";

/// Builds the fixtures whose names start with `prefix` with the suricata target, in a
/// scratch folder of the calling test's own. Returns the scratch folder.
pub(crate) fn build_fixture(prefix: &str, test: &str) -> PathBuf {
    build_fixtures(&format!("suricata-{test}-{prefix}"), prefix, &["suricata"])
}

fn pack(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("out/{id}/suricata/{id}.rules"))
}

/// Rule lines (not comments) of a pack.
pub(crate) fn rule_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect()
}

/// Reads a SID lock into key -> (sid, rev).
pub(crate) fn lock(path: &Path) -> BTreeMap<String, (u32, u32)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.first() == Some(&"rule")).then(|| {
                (
                    f[1].to_owned(),
                    (f[2].parse().unwrap(), f[3].parse().unwrap()),
                )
            })
        })
        .collect()
}

/// A minimal Suricata config for tests (no root paths, no network); with iprep files when
/// the pack ships them.
pub(crate) fn min_config(dir: &Path, iprep: Option<(&Path, &str)>) -> PathBuf {
    let mut y = String::from(
        "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]\"\n    EXTERNAL_NET: \"!$HOME_NET\"\n  port-groups:\n    HTTP_PORTS: \"80\"\n\
classification-file: /etc/suricata/classification.config\nreference-config-file: /etc/suricata/reference.config\n\
default-log-dir: .\noutputs:\n  - eve-log:\n      enabled: yes\n      filetype: regular\n      filename: eve.json\n      types:\n        - alert\n\
logging:\n  default-log-level: notice\n  outputs:\n    - console:\n        enabled: yes\n\
app-layer:\n  protocols:\n    nfs:\n      enabled: yes\n    dns:\n      udp:\n        enabled: yes\n      tcp:\n        enabled: yes\n\
runmode: single\nstats:\n  enabled: no\n",
    );
    if let Some((folder, id)) = iprep {
        y.push_str(&format!(
            "reputation-categories-file: {}/{id}.iprep-categories\ndefault-reputation-path: {}\nreputation-files:\n  - {id}.iprep\n",
            folder.display(),
            folder.display()
        ));
    }
    let path = dir.join("suricata.yaml");
    std::fs::write(&path, y).unwrap();
    path
}

/// `suricata -T`: rc 0 and no `W:`/`E:` line.
pub(crate) fn assert_loads(suricata: &Path, rules: &Path, config: &Path, extra: &[String]) {
    let logs = scratch(&format!(
        "suricata-T-{}-{}",
        rules.file_stem().unwrap().to_string_lossy(),
        config.file_stem().unwrap().to_string_lossy()
    ));
    let o = Command::new(suricata)
        .args(["-T", "-c"])
        .arg(config)
        .arg("-S")
        .arg(rules)
        .arg("-l")
        .arg(&logs)
        .args(extra)
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{} fails -T:\n{all}",
        rules.display()
    );
    let bad: Vec<&str> = all
        .lines()
        .filter(|l| l.starts_with("W:") || l.starts_with("E:"))
        .collect();
    assert!(bad.is_empty(), "{}: {bad:#?}", rules.display());
}

/// Replays a pcap and returns the set of alerting SIDs.
pub(crate) fn replay(suricata: &Path, name: &str, pcap: &Pcap, rules: &Path) -> BTreeSet<u32> {
    replay_with(suricata, name, pcap, rules, None)
}

/// Replays a pcap with the minimal config (plus the pack's iprep files, if given).
pub(crate) fn replay_with(
    suricata: &Path,
    name: &str,
    pcap: &Pcap,
    rules: &Path,
    iprep: Option<(&Path, &str)>,
) -> BTreeSet<u32> {
    let dir = scratch(&format!("suricata-replay-{name}"));
    let config = min_config(&dir, iprep);
    let file = dir.join(format!("{name}.pcap"));
    std::fs::write(&file, pcap.bytes()).unwrap();
    let o = Command::new(suricata)
        .args(["--init-errors-fatal", "-r"])
        .arg(&file)
        .arg("-c")
        .arg(&config)
        .arg("-S")
        .arg(rules)
        .arg("-l")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
    let sids: BTreeSet<u32> = alerts(&dir).into_iter().map(|(sid, _)| sid).collect();
    // The same pcap through Suricata 8 (when `suricata` is the 7 of the machine) gives the
    // same sids: one pack serves both versions.
    if let Some(s8) = suricata8().filter(|s8| s8.as_path() != suricata) {
        let again = replay_with(&s8, &format!("{name}-8"), pcap, rules, iprep);
        assert_eq!(again, sids, "{name}: Suricata 8 and {}", suricata.display());
    }
    sids
}

/// Every alert of a replay as (sid, flow id).
fn alerts(dir: &Path) -> Vec<(u32, u64)> {
    let eve = std::fs::read_to_string(dir.join("eve.json")).unwrap();
    eve.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event_type"] == "alert")
        .map(|v| {
            (
                v["alert"]["signature_id"].as_u64().unwrap() as u32,
                v["flow_id"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn iocc_lint_accepts_every_rendered_pack() {
    let hostile = build_fixture("hostile-suricata", "iocc_lint_accepts_ev");
    let large = build_fixture("suricata-large", "iocc_lint_accepts_ev");
    let packs = [
        root().join(CONTEC_RULES),
        pack(&hostile, "hostile-suricata"),
        pack(&large, "suricata-large"),
    ];
    for p in &packs {
        let o = iocc(&["lint", "--strict", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).starts_with("ok: "), "{}", stdout(&o));
    }
    // Together they are still unique: each pack uses its own catalogue's SIDs, but the
    // fixtures share the default range, so lint must see the clash.
    let o = iocc(&[
        "lint",
        packs[1].to_str().unwrap(),
        packs[2].to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[duplicate-sid]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn iocc_lint_reports_line_and_column() {
    let dir = scratch("suricata-lint-bad");
    let f = dir.join("bad.rules");
    std::fs::write(
        &f,
        "# ok\nalert ip any any -> any any (msg:\"fine\"; sid:1; rev:1;)\nalert tcp any any -> any any (msg:\"a;b\"; sid:2; rev:1;)\nalert ip any any -> any any (msg:\"x\"; rev:1;)\n",
    )
    .unwrap();
    let o = iocc_in(&dir, &["lint", "bad.rules"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[bad-option-value]"), "{err}");
    assert!(err.contains("bad.rules:3:37"), "{err}");
    assert!(err.contains("error[missing-rule-option]"), "{err}");
    assert!(err.contains("bad.rules:4:1"), "{err}");
}

#[test]
fn hostile_catalogue_keeps_its_exact_shape() {
    let dir = build_fixture("hostile-suricata", "hostile_catalogue_ke");
    let text = std::fs::read_to_string(pack(&dir, "hostile-suricata")).unwrap();
    let rules = rule_lines(&text);
    // 2 protocols x 2 directions for evil-payload, 1 for evil-mount, dns+tls for the domain,
    // 2 directions for the host, 1 for the IPv6 network, an IPv4 and an IPv6 dataset and an
    // IPv4 and an IPv6 network group (2 directions each) for the address list, dns+tls
    // datasets for the domain list, one MD5 rule per file protocol (5) for the file hash; the
    // URL is reported.
    assert_eq!(rules.len(), 25, "{text}");
    let strict = iocc::lint::Options {
        strict: true,
        ..Default::default()
    };
    let mut seen = iocc::lint::Seen::new();
    let (count, problems) = iocc::lint::lint_text(
        std::path::Path::new("pack.rules"),
        &text,
        &strict,
        &mut seen,
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(count, 25);
    let parsed: Vec<_> = iocc::grammar::rule::rule_file(&text)
        .rules
        .iter()
        .map(|l| iocc::grammar::rule::parse_rule(&l.text, l.line).unwrap())
        .collect();
    let allowed: BTreeSet<&str> = [
        "msg",
        "flow",
        "content",
        "offset",
        "depth",
        "nocase",
        "rpc",
        "dns.query",
        "tls.sni",
        "dotprefix",
        "endswith",
        "reference",
        "classtype",
        "sid",
        "rev",
        "metadata",
        "target",
        "ip.src",
        "ip.dst",
        "dataset",
        "iprep",
        "threshold",
        "fast_pattern",
        "flowbits",
        "filemd5",
    ]
    .into();
    let sids: BTreeSet<u32> = parsed.iter().map(|r| r.sid().unwrap()).collect();
    assert_eq!(sids, (1_000_000..1_000_025).collect());
    // The hash list holds the digest only: no catalogue text reaches it.
    let folder = dir.join("out/hostile-suricata/suricata");
    assert_eq!(
        std::fs::read_to_string(folder.join("hostile-suricata.md5")).unwrap(),
        "87edd2194500011bc4606c9e3d7e1e8e\n"
    );
    for r in &parsed {
        assert_eq!(r.rev(), Some(1));
        for o in &r.options {
            assert!(
                allowed.contains(o.keyword.as_str()),
                "injected option {o:?}"
            );
        }
        for kw in ["msg", "sid", "rev", "classtype", "metadata"] {
            assert_eq!(
                r.options.iter().filter(|o| o.keyword == kw).count(),
                1,
                "{kw} in {r:?}"
            );
        }
        assert!(r.option("msg").unwrap().starts_with("HOSTILE SURICATA "));
        assert!(r.option("msg").unwrap().is_ascii());
    }
    // No raw control character survives anywhere in the file but the line ends.
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    assert!(text.lines().all(|l| l.len() < 8000));
    insta::assert_snapshot!("hostile-suricata.rules", text);
}

#[test]
fn large_lists_use_datasets_and_network_rules() {
    let dir = build_fixture("suricata-large", "large_lists_use_data");
    let out = dir.join("out/suricata-large/suricata");
    let text = std::fs::read_to_string(out.join("suricata-large.rules")).unwrap();
    let rules = rule_lines(&text);
    assert!(
        rules.iter().all(|r| !r.contains("45.10.0.7")),
        "a large-list address leaked into a rule"
    );
    // IPv4 and IPv6 addresses in datasets of their own type (Suricata 8 refuses IPv4 lines
    // in a `type ip` set), each sized.
    let v4 = std::fs::read_to_string(out.join("suricata-large-big-list-v4.lst")).unwrap();
    let v6 = std::fs::read_to_string(out.join("suricata-large-big-list-v6.lst")).unwrap();
    assert!(v4.lines().all(|l| l.parse::<Ipv4Addr>().is_ok()), "{v4}");
    assert!(
        v6.lines().all(|l| l.parse::<std::net::Ipv6Addr>().is_ok()),
        "{v6}"
    );
    assert_eq!(v4.lines().count() + v6.lines().count(), 150);
    assert!(rules
        .iter()
        .any(|r| r.contains("type ipv4,load suricata-large-big-list-v4.lst,hashsize ")));
    assert!(rules
        .iter()
        .any(|r| r.contains("type ip,load suricata-large-big-list-v6.lst,hashsize ")));
    // Networks as grouped IP-only rules, both directions; no iprep by default.
    let groups: Vec<&&str> = rules
        .iter()
        .filter(|r| r.contains(" an address in "))
        .collect();
    assert_eq!(groups.len(), 4, "{text}");
    assert!(
        groups
            .iter()
            .all(|r| r.contains("185.220.101.0/24") || r.contains("2a0b:f4c0::/32")),
        "{text}"
    );
    assert!(!out.join("suricata-large.iprep").exists());
    insta::assert_snapshot!("suricata-large.rules", text);
    insta::assert_snapshot!(
        "suricata-large.sids.lock",
        std::fs::read_to_string(dir.join("iocs/suricata-large.sids.lock")).unwrap()
    );
}

/// Adds text after the `indicators:` line and after the `detections:` line of a catalogue.
fn grow(yaml: &str, indicator: &str, detection: &str) -> String {
    yaml.replacen("indicators:\n", &format!("indicators:\n{indicator}"), 1)
        .replacen("detections:\n", &format!("detections:\n{detection}"), 1)
}

#[test]
fn sids_stay_stable_when_the_catalogue_grows() {
    let dir = scratch("suricata-sid-stability");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    let cat = dir.join("iocs/contec-cms8000.yaml");
    let original = std::fs::read_to_string(root().join("iocs/contec-cms8000.yaml")).unwrap();
    std::fs::write(&cat, &original).unwrap();
    let lock_path = dir.join("iocs/contec-cms8000.sids.lock");
    let committed = root().join("iocs/contec-cms8000.sids.lock");
    std::fs::copy(&committed, &lock_path).unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = lock(&lock_path);
    // Rebuilding the unchanged catalogue leaves the committed lock as it is.
    assert_eq!(before, lock(&committed));

    // Add an indicator and a detection at the front of their lists.
    let grown = grow(
        &original,
        "  - id: extra-host\n    kind: ipv4\n    value: 81.2.69.142\n    confidence: inferred\n    action: alert\n    direction: both\n    references: [https://example.org/x]\n",
        "  - id: extra-udp\n    title: Extra UDP probe\n    protocols: [udp]\n    ports: \"9999\"\n    direction: outbound\n    indicators: [cms-server]\n    classtype: trojan-activity\n    confidence: inferred\n    references: [https://example.org/x]\n",
    );
    std::fs::write(&cat, &grown).unwrap();
    // --locked refuses to change the lock.
    let o = iocc_in(&dir, &["build", "--target", "suricata", "--locked"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("lock-changed"), "{}", stderr(&o));
    assert_eq!(lock(&lock_path), before);
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = lock(&lock_path);
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{k} changed");
    }
    let top = before.values().map(|v| v.0).max().unwrap();
    let new: BTreeSet<u32> = after
        .iter()
        .filter(|(k, _)| !before.contains_key(*k))
        .map(|(_, v)| v.0)
        .collect();
    assert_eq!(new, (top + 1..=top + 3).collect(), "{after:?}");

    // Removing the detection retires its SID; a new one never reuses it.
    let retired_sid = after["detection/extra-udp/udp/outbound"].0;
    let shrunk = grow(
        &original,
        "",
        "  - id: another\n    title: Another probe\n    protocols: [udp]\n    ports: \"9998\"\n    direction: outbound\n    indicators: [cms-server]\n    classtype: trojan-activity\n    confidence: inferred\n    references: [https://example.org/x]\n",
    );
    std::fs::write(&cat, shrunk).unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lock_text = std::fs::read_to_string(&lock_path).unwrap();
    assert!(
        lock_text.contains(&format!(
            "retired {retired_sid} detection/extra-udp/udp/outbound"
        )),
        "{lock_text}"
    );
    let last = lock(&lock_path);
    assert!(last["detection/another/udp/outbound"].0 > top + 3);
    for (k, v) in &before {
        assert_eq!(last.get(k), Some(v), "{k} changed");
    }

    // A changed rule body bumps rev (and only that rule's).
    let changed = original.replacen(
        "title: HL7 over MLLP to hard-coded HL7 server",
        "title: HL7 over MLLP to the hard-coded HL7 server",
        1,
    );
    std::fs::write(&cat, changed).unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bumped = lock(&lock_path);
    for (k, v) in &before {
        let want = if k == "detection/hl7-mllp/tcp/outbound" {
            (v.0, v.1 + 1)
        } else {
            *v
        };
        assert_eq!(bumped[k], want, "{k}");
    }
}

/// `suricata -T` on one pack with the minimal config and with the packaged default config;
/// a pack that ships iprep files gets them configured (by file, and by `--set`). `suricata` is
/// one of [`suricatas`], with its own packaged configuration.
fn assert_pack_loads(suricata: &Suricata, base: &Path, id: &str) {
    let folder = base.join(format!("out/{id}/suricata"));
    let rules = folder.join(format!("{id}.rules"));
    let has_iprep = folder.join(format!("{id}.iprep")).is_file();
    let dir = scratch(&format!(
        "suricata-config-{id}-{}",
        suricata.label.replace(' ', "")
    ));
    let minimal = min_config(&dir, has_iprep.then_some((folder.as_path(), id)));
    assert_loads(&suricata.bin, &rules, &minimal, &[]);
    let extra: Vec<String> = if has_iprep {
        [
            format!(
                "reputation-categories-file={}/{id}.iprep-categories",
                folder.display()
            ),
            format!("default-reputation-path={}", folder.display()),
            format!("reputation-files.0={id}.iprep"),
        ]
        .iter()
        .flat_map(|s| ["--set".to_owned(), s.clone()])
        .collect()
    } else {
        Vec::new()
    };
    assert_loads(&suricata.bin, &rules, &suricata.yaml, &extra);
}

#[test]
#[cfg_attr(
    iocc_missing = "suricata",
    ignore = "engine `suricata` is not installed"
)]
fn every_pack_loads_in_suricata() {
    // Suricata 7.0.10 and 8.0.6, each with its packaged configuration (and the minimal one):
    // every committed pack in out/ and the fixtures' packs (hostile strings, large lists,
    // file hashes). The AWS rule groups load in both in aws.rs, the generated bulk pack in
    // scale.rs.
    let engines = suricatas();
    if engines.is_empty() {
        return;
    }
    let hostile = build_fixture("hostile-suricata", "every_pack_loads_in_");
    let large = build_fixture("suricata-large", "every_pack_loads_in_");
    let hashes = build_fixture("files-hashes", "every_pack_loads_in_");
    for suricata in &engines {
        let mut n = 0;
        for e in std::fs::read_dir(root().join("out")).unwrap().flatten() {
            let id = e.file_name().to_string_lossy().into_owned();
            if e.path().join("suricata").is_dir() {
                assert_pack_loads(suricata, &root(), &id);
                n += 1;
            }
        }
        assert!(n >= 1);
        assert_pack_loads(suricata, &hostile, "hostile-suricata");
        assert_pack_loads(suricata, &large, "suricata-large");
        assert_pack_loads(suricata, &hashes, "files-hashes");
    }
}

pub(crate) fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

const MONITOR: (u8, u8, u8, u8) = (192, 168, 1, 50);

pub(crate) fn monitor(port: u16) -> (Ipv4Addr, u16) {
    (ip(MONITOR.0, MONITOR.1, MONITOR.2, MONITOR.3), port)
}

/// A Contec-like CMS block (binary, not HL7): header bytes then patient fields.
pub(crate) fn cms_payload() -> Vec<u8> {
    let mut p = vec![0xa5, 0x5a, 0x05, 0x3e, 0x00, 0x40];
    p.extend_from_slice(b"PATIENT\x00DOE^JANE\x00HR=72;SPO2=98");
    p
}

pub(crate) fn hl7_mllp() -> Vec<u8> {
    let mut m = vec![0x0b];
    m.extend_from_slice(b"MSH|^~\\&|CMS8000|CONTEC|HIS|HOSP|20250130120000||ADT^A01|1|P|2.3\rPID|1||12345||DOE^JANE\r");
    m.extend_from_slice(&[0x1c, 0x0d]);
    m
}

pub(crate) fn cms_flow(p: &mut Pcap, server: Ipv4Addr, port: u16) {
    let mut t = Tcp::open(p, monitor(49152), (server, port));
    t.send(&cms_payload()).reply(b"\x05\x3e\x00\x01").close();
}

pub(crate) fn hl7_flow(p: &mut Pcap, server: Ipv4Addr, port: u16) {
    let mut t = Tcp::open(p, monitor(49153), (server, port));
    t.send(&hl7_mllp())
        .reply(b"\x0bMSH|^~\\&|HIS|HOSP|CMS8000|CONTEC|20250130120001||ACK|2|P|2.3\rMSA|AA|1\r\x1c\x0d")
        .close();
}

/// HL7 without MLLP framing (some interface engines send bare messages).
pub(crate) fn hl7_unframed_flow(p: &mut Pcap, server: Ipv4Addr, port: u16) {
    let mut t = Tcp::open(p, monitor(49154), (server, port));
    t.send(b"MSH|^~\\&|CMS8000|CONTEC|HIS|HOSP|20250130120000||ORU^R01|7|P|2.3\rOBX|1|NM|HR||72\r")
        .close();
}

pub(crate) fn getport_udp(p: &mut Pcap, server: Ipv4Addr) {
    let call = rpc_call(0x1001, 100_000, 2, 3, &getport_args(100_005, 3, 17));
    p.udp(monitor(800), (server, 111), &call);
    p.udp(
        (server, 111),
        monitor(800),
        &rpc_reply(0x1001, &20048u32.to_be_bytes()),
    );
}

pub(crate) fn getport_tcp(p: &mut Pcap, server: Ipv4Addr) {
    let call = rpc_call(0x1002, 100_000, 2, 3, &getport_args(100_005, 3, 6));
    let mut t = Tcp::open(p, monitor(801), (server, 111));
    t.send(&record(&call))
        .reply(&record(&rpc_reply(0x1002, &20048u32.to_be_bytes())))
        .close();
}

pub(crate) fn mnt_udp(p: &mut Pcap, server: Ipv4Addr) {
    let call = rpc_call(0x2001, 100_005, 3, 1, &xdr_string(b"/pm"));
    p.udp(monitor(802), (server, 20048), &call);
    let mut body = 0u32.to_be_bytes().to_vec();
    body.extend(xdr_string(&[0x11; 32]));
    body.extend(1u32.to_be_bytes());
    body.extend(1u32.to_be_bytes());
    p.udp((server, 20048), monitor(802), &rpc_reply(0x2001, &body));
}

pub(crate) fn mnt_tcp(p: &mut Pcap, server: Ipv4Addr) {
    let call = rpc_call(0x2002, 100_005, 3, 1, &xdr_string(b"/pm"));
    let mut t = Tcp::open(p, monitor(803), (server, 20048));
    t.send(&record(&call))
        .reply(&record(&rpc_reply(0x2002, &0u32.to_be_bytes())))
        .close();
}

pub(crate) fn nfs_udp(p: &mut Pcap, server: Ipv4Addr) {
    let call = rpc_call(0x3001, 100_003, 3, 1, &xdr_string(&[0x11; 32]));
    p.udp(monitor(804), (server, 2049), &call);
    p.udp(
        (server, 2049),
        monitor(804),
        &rpc_reply(0x3001, &0u32.to_be_bytes()),
    );
}

pub(crate) fn nfs_tcp(p: &mut Pcap, server: Ipv4Addr) {
    let call = rpc_call(0x3002, 100_003, 3, 1, &xdr_string(&[0x11; 32]));
    let mut t = Tcp::open(p, monitor(805), (server, 2049));
    t.send(&record(&call))
        .reply(&record(&rpc_reply(0x3002, &0u32.to_be_bytes())))
        .close();
}

pub(crate) fn plain_udp(p: &mut Pcap, server: Ipv4Addr) {
    p.udp(monitor(40000), (server, 9999), b"hello");
    p.udp((server, 9999), monitor(40000), b"world");
}

pub(crate) type LookAlike = (&'static str, fn(&mut Pcap));
type Scenario = (&'static str, fn(&mut Pcap), &'static [&'static str]);

const RANGE: [&str; 2] = [
    "detection/range-outbound/ip/outbound",
    "detection/range-inbound/ip/inbound",
];

#[test]
#[cfg_attr(
    iocc_missing = "suricata",
    ignore = "engine `suricata` is not installed"
)]
fn contec_behaviours_raise_their_own_rules() {
    let Some(suricata) = engine("suricata") else {
        return;
    };
    let sids = lock(&root().join("iocs/contec-cms8000.sids.lock"));
    let rules = root().join(CONTEC_RULES);
    let scenarios: Vec<Scenario> = vec![
        (
            "cms-515",
            |p| cms_flow(p, ip(202, 114, 4, 119), 515),
            &["detection/cms-patient-data/tcp/outbound"],
        ),
        (
            "cms-520",
            |p| cms_flow(p, ip(202, 114, 4, 119), 520),
            &["detection/cms-patient-data/tcp/outbound"],
        ),
        (
            "hl7-511",
            |p| hl7_flow(p, ip(202, 114, 4, 120), 511),
            &[
                "detection/hl7-mllp/tcp/outbound",
                "detection/hl7-export/tcp/outbound",
            ],
        ),
        (
            "hl7-511-unframed",
            |p| hl7_unframed_flow(p, ip(202, 114, 4, 120), 511),
            &["detection/hl7-export/tcp/outbound"],
        ),
        (
            "getport-udp",
            |p| getport_udp(p, ip(202, 114, 4, 119)),
            &["detection/portmap-getport/udp/outbound"],
        ),
        (
            "getport-tcp",
            |p| getport_tcp(p, ip(202, 114, 4, 119)),
            &["detection/portmap-getport/tcp/outbound"],
        ),
        (
            "mnt-udp",
            |p| mnt_udp(p, ip(202, 114, 4, 119)),
            &["detection/mount-pm/udp/outbound"],
        ),
        (
            "mnt-tcp",
            |p| mnt_tcp(p, ip(202, 114, 4, 119)),
            &["detection/mount-pm/tcp/outbound"],
        ),
        (
            "nfs-udp",
            |p| nfs_udp(p, ip(202, 114, 4, 119)),
            &["detection/nfs-access/udp/outbound"],
        ),
        (
            "nfs-tcp",
            |p| nfs_tcp(p, ip(202, 114, 4, 119)),
            &["detection/nfs-access/tcp/outbound"],
        ),
        ("plain-range", |p| plain_udp(p, ip(202, 114, 4, 7)), &[]),
    ];
    for (name, make, own) in scenarios {
        let mut p = Pcap::new();
        make(&mut p);
        let got = replay(&suricata, name, &p, &rules);
        let want: BTreeSet<u32> = RANGE.iter().chain(own.iter()).map(|k| sids[*k].0).collect();
        assert_eq!(got, want, "{name}");
    }
    // Every flow alerts once, not every packet and not only the first flow of a host.
    let mut p = Pcap::new();
    cms_flow(&mut p, ip(202, 114, 4, 119), 515);
    let mut t = Tcp::open(&mut p, monitor(49999), (ip(202, 114, 4, 119), 516));
    t.send(&cms_payload()).send(&cms_payload()).close();
    replay(&suricata, "cms-two-flows", &p, &rules);
    let got = alerts(&root().join("target/test-scratch/suricata-replay-cms-two-flows"));
    let cms_sid = sids["detection/cms-patient-data/tcp/outbound"].0;
    let flows: Vec<u64> = got.iter().filter(|a| a.0 == cms_sid).map(|a| a.1).collect();
    assert_eq!(flows.len(), 2, "{got:?}");
    assert_ne!(flows[0], flows[1]);
    // Inbound only: a packet from the range with no answer raises only the inbound rule.
    let mut p = Pcap::new();
    p.udp((ip(202, 114, 4, 50), 5000), monitor(5000), b"probe");
    let got = replay(&suricata, "inbound-only", &p, &rules);
    assert_eq!(got, BTreeSet::from([sids[RANGE[1]].0]));
}

/// Benign traffic shaped like the Contec behaviours (also replayed in Zeek, `zeek_run.rs`).
pub(crate) fn look_alikes() -> Vec<LookAlike> {
    vec![
        ("lpd-print-job", |p| {
            // RFC 1179: receive job, control file, data file, to an internal printer.
            let mut t = Tcp::open(p, monitor(721), (ip(192, 168, 1, 20), 515));
            t.send(b"\x02lp\n").reply(b"\x00");
            t.send(b"\x0224 cfA001ws\n").reply(b"\x00");
            t.send(b"Hws\nPnurse\nldfA001ws\n\x00").reply(b"\x00");
            t.send(b"\x0312 dfA001ws\n").reply(b"\x00");
            t.send(b"Hello ward 3\n\x00").reply(b"\x00");
            t.close();
        }),
        ("hl7-interface-engine", |p| {
            hl7_flow(p, ip(10, 1, 2, 3), 511);
            hl7_flow(p, ip(10, 1, 2, 3), 2575);
        }),
        ("nfs-mount-internal-nas", |p| {
            let nas = ip(192, 168, 1, 30);
            getport_udp(p, nas);
            getport_tcp(p, nas);
            mnt_udp(p, nas);
            mnt_tcp(p, nas);
            nfs_udp(p, nas);
            nfs_tcp(p, nas);
        }),
        ("neighbour-202-114-5", |p| {
            cms_flow(p, ip(202, 114, 5, 119), 515);
            hl7_flow(p, ip(202, 114, 5, 120), 511);
            getport_udp(p, ip(202, 114, 5, 119));
            mnt_udp(p, ip(202, 114, 5, 119));
            mnt_tcp(p, ip(202, 114, 5, 119));
            nfs_udp(p, ip(202, 114, 5, 119));
            plain_udp(p, ip(202, 114, 5, 7));
        }),
    ]
}

#[test]
#[cfg_attr(
    iocc_missing = "suricata",
    ignore = "engine `suricata` is not installed"
)]
fn benign_look_alikes_stay_silent() {
    let Some(suricata) = engine("suricata") else {
        return;
    };
    let rules = root().join(CONTEC_RULES);
    for (name, make) in look_alikes() {
        let mut p = Pcap::new();
        make(&mut p);
        let got = replay(&suricata, name, &p, &rules);
        assert!(got.is_empty(), "{name} raised {got:?}");
    }
}

#[test]
#[cfg_attr(
    iocc_missing = "suricata-check",
    ignore = "engine `suricata-check` is not installed"
)]
fn suricata_check_finds_nothing_above_info() {
    let Some(check) = engine("suricata-check") else {
        return;
    };
    let hostile = build_fixture("hostile-suricata", "suricata_check_finds");
    let large = build_fixture("suricata-large", "suricata_check_finds");
    for rules in [
        root().join(CONTEC_RULES),
        pack(&hostile, "hostile-suricata"),
        pack(&large, "suricata-large"),
    ] {
        let out = scratch(&format!(
            "suricata-check-{}",
            rules.file_stem().unwrap().to_string_lossy()
        ));
        let o = Command::new(&check)
            .arg("-r")
            .arg(&rules)
            .arg("-o")
            .arg(&out)
            .args(["--issue-severity", "WARNING", "--log-level", "ERROR"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report = std::fs::read_to_string(out.join("suricata-check.jsonl")).unwrap();
        let issues: Vec<String> = report
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .flat_map(|v| {
                v["issues"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|i| i["code"].to_string())
            })
            .collect();
        assert!(issues.is_empty(), "{}: {issues:?}", rules.display());
        // The rules were really read: at INFO level every Contec-shaped rule reports
        // something (S020 at least for rules without content), so the file was parsed.
        let o = Command::new(&check)
            .arg("-r")
            .arg(&rules)
            .arg("-o")
            .arg(&out)
            .args(["--log-level", "ERROR"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let all = std::fs::read_to_string(out.join("suricata-check.jsonl")).unwrap();
        assert!(all.lines().count() > 0, "{}", rules.display());
    }
}

/// A DNS A query (RFC 1035) for `name`.
pub(crate) fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    m
}

#[test]
#[cfg_attr(
    iocc_missing = "suricata",
    ignore = "engine `suricata` is not installed"
)]
fn large_list_rules_fire_from_their_data_files() {
    let Some(suricata) = engine("suricata") else {
        return;
    };
    let dir = build_fixture("suricata-large", "large_list_rules_fir");
    let folder = dir.join("out/suricata-large/suricata");
    let rules = pack(&dir, "suricata-large");
    let sids = lock(&dir.join("iocs/suricata-large.sids.lock"));
    let cases: Vec<(&str, Ipv4Addr, &[&str])> = vec![
        // An exact address of the big list: the dataset rules (out and back).
        (
            "dataset-hit",
            ip(45, 10, 3, 7),
            &[
                "list/big-list/dataset-v4/outbound",
                "list/big-list/dataset-v4/inbound",
            ],
        ),
        // An address inside a listed prefix: the grouped network rules.
        (
            "network-hit",
            ip(185, 220, 101, 9),
            &[
                "list/big-list/networks/v4-0.0.0.0-0/outbound",
                "list/big-list/networks/v4-0.0.0.0-0/inbound",
            ],
        ),
        // The small list stays a header rule (outbound only).
        (
            "header-hit",
            ip(151, 101, 7, 7),
            &["list/small-list/ip-only/outbound"],
        ),
        // Not listed: nothing.
        ("miss", ip(45, 10, 3, 8), &[]),
    ];
    for (name, server, keys) in cases {
        let mut p = Pcap::new();
        plain_udp(&mut p, server);
        let got = replay_with(
            &suricata,
            name,
            &p,
            &rules,
            Some((&folder, "suricata-large")),
        );
        let want: BTreeSet<u32> = keys.iter().map(|k| sids[*k].0).collect();
        assert_eq!(got, want, "{name}");
    }
    // DNS: the string dataset (exact names) and the dotprefix rule (name and subdomains).
    let resolver = ip(8, 8, 8, 8);
    for (name, qname, keys) in [
        (
            "dns-dataset",
            "bad-two.example",
            &["list/domain-list/dns-dataset/outbound"][..],
        ),
        (
            "dns-indicator",
            "x.c2.bad-three.example",
            &["indicator/bad-domain/dns/outbound"][..],
        ),
        ("dns-miss", "notbad-two.example", &[][..]),
    ] {
        let mut p = Pcap::new();
        p.udp(monitor(53000), (resolver, 53), &dns_query(7, qname));
        let got = replay_with(
            &suricata,
            name,
            &p,
            &rules,
            Some((&folder, "suricata-large")),
        );
        let want: BTreeSet<u32> = keys.iter().map(|k| sids[*k].0).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
#[cfg_attr(
    iocc_missing = "suricata",
    ignore = "engine `suricata` is not installed"
)]
fn address_rules_stay_in_the_ip_only_engine() {
    let Some(suricata) = engine("suricata") else {
        return;
    };
    let large = build_fixture("suricata-large", "address_rules_stay_i");
    let folder = large.join("out/suricata-large/suricata");
    for (rules, lock_path, iprep) in [
        (
            root().join(CONTEC_RULES),
            root().join("iocs/contec-cms8000.sids.lock"),
            None,
        ),
        (
            pack(&large, "suricata-large"),
            large.join("iocs/suricata-large.sids.lock"),
            Some((folder.as_path(), "suricata-large")),
        ),
    ] {
        let dir = scratch(&format!(
            "suricata-analysis-{}",
            rules.file_stem().unwrap().to_string_lossy()
        ));
        let config = min_config(&dir, iprep);
        let mut y = std::fs::read_to_string(&config).unwrap();
        y.push_str("engine-analysis:\n  rules-fast-pattern: yes\n  rules: yes\n");
        std::fs::write(&config, y).unwrap();
        let o = Command::new(&suricata)
            .arg("--engine-analysis")
            .arg("-c")
            .arg(&config)
            .arg("-S")
            .arg(&rules)
            .arg("-l")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let types: BTreeMap<u64, String> = std::fs::read_to_string(dir.join("rules.json"))
            .unwrap()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                (
                    v["id"].as_u64().unwrap(),
                    v["type"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let keys = lock(&lock_path);
        let mut checked = 0;
        for (key, (sid, _)) in keys.iter().filter(|(k, _)| !k.contains("/ip-only/")) {
            // `/ip-only/` keys share the lock but are the AWS profile's rule groups, not in
            // this pack (tests/it/aws.rs loads them).
            let ip_only =
                key.contains("/ip/") || key.contains("/iprep/") || key.contains("/networks/");
            if ip_only {
                assert_eq!(types[&u64::from(*sid)], "ip_only", "{key}");
                checked += 1;
            } else {
                assert_ne!(types[&u64::from(*sid)], "ip_only", "{key}");
            }
        }
        assert!(checked >= 2, "{}", rules.display());
    }
}

#[test]
fn over_long_text_is_refused_before_any_rule_is_written() {
    let dir = scratch("suricata-too-long");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    let yaml =
        std::fs::read_to_string(root().join("tests/fixtures/hostile-suricata.yaml")).unwrap();
    // A 10 kB hostile detection title (JSON strings are YAML double-quoted scalars).
    let long = serde_json::to_string(&"\"; sid:1; rev:1;)\n".repeat(560)).unwrap();
    assert!(long.len() > 10_000);
    let mut out = String::new();
    let mut replaced = false;
    for line in yaml.lines() {
        if !replaced && line.starts_with("    title: ") {
            out.push_str(&format!("    title: {long}\n"));
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(replaced);
    std::fs::write(dir.join("iocs/hostile-suricata.yaml"), out).unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("value-too-long"), "{}", stderr(&o));
    assert!(!dir.join("out").exists());
    assert!(!dir.join("iocs/hostile-suricata.sids.lock").exists());
}

/// A TLS 1.2 ClientHello record (RFC 5246, RFC 6066) carrying `sni`.
pub(crate) fn client_hello(sni: &str) -> Vec<u8> {
    let name = sni.as_bytes();
    let mut sni_ext = Vec::new();
    sni_ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    sni_ext.push(0);
    sni_ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni_ext.extend_from_slice(name);
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
    ext.extend(sni_ext);
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x42; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 4, 0xc0, 0x2f, 0x00, 0x2f]);
    body.extend_from_slice(&[1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
    hs.extend(body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    rec
}

#[test]
#[cfg_attr(
    iocc_missing = "suricata",
    ignore = "engine `suricata` is not installed"
)]
fn domain_rules_fire_on_tls_sni() {
    let Some(suricata) = engine("suricata") else {
        return;
    };
    let dir = build_fixture("suricata-large", "domain_rules_fire_on");
    let folder = dir.join("out/suricata-large/suricata");
    let rules = pack(&dir, "suricata-large");
    let sids = lock(&dir.join("iocs/suricata-large.sids.lock"));
    for (name, sni, keys) in [
        (
            "tls-dataset",
            "bad-one.example",
            &["list/domain-list/tls-dataset/outbound"][..],
        ),
        (
            "tls-indicator",
            "api.c2.bad-three.example",
            &["indicator/bad-domain/tls/outbound"][..],
        ),
        ("tls-miss", "c2.bad-three.example.org", &[][..]),
    ] {
        let mut p = Pcap::new();
        let mut t = Tcp::open(&mut p, monitor(50443), (ip(93, 184, 216, 99), 443));
        t.send(&client_hello(sni)).close();
        let got = replay_with(
            &suricata,
            name,
            &p,
            &rules,
            Some((&folder, "suricata-large")),
        );
        let want: BTreeSet<u32> = keys.iter().map(|k| sids[*k].0).collect();
        assert_eq!(got, want, "{name}");
    }
}

/// Adding entries to large lists (addresses in the datasets, a domain in the string dataset)
/// changes the data files only: every rule of the pack keeps its sid and rev (regression: the
/// msg counted the entries, so each new entry bumped the rule's rev). A new prefix changes only
/// the grouped network rules of its group (one rev bump per direction). The lock also numbers
/// the AWS profile's IP-only groups (`/ip-only/` keys), which list every address in their
/// headers: a new address is a new body there, so their revs grow; they are checked apart.
#[test]
fn growing_large_lists_keeps_every_rule() {
    let dir = build_fixture("suricata-large", "growing_large_lists");
    let lock_path = dir.join("iocs/suricata-large.sids.lock");
    let before = lock(&lock_path);
    let rules_before = std::fs::read_to_string(pack(&dir, "suricata-large")).unwrap();
    let add = |file: &str, line: &str| {
        let path = dir.join("iocs").join(file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(line);
        std::fs::write(&path, text).unwrap();
    };
    add("suricata-large.txt", "45.99.1.9\n");
    add("suricata-large-domains.txt", "bad-new.example\n");
    let pack_keys = |l: BTreeMap<String, (u32, u32)>| -> BTreeMap<String, (u32, u32)> {
        l.into_iter()
            .filter(|(k, _)| !k.contains("/ip-only/"))
            .collect()
    };
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    let grown = lock(&lock_path);
    assert_eq!(pack_keys(grown.clone()), pack_keys(before.clone()));
    let moved: Vec<(&String, &(u32, u32))> = grown
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .collect();
    // The IPv4 IP-only group holding 45.99.1.9, one rule per direction, same sid, next rev.
    assert_eq!(moved.len(), 2, "{moved:?}");
    for (k, (sid, rev)) in moved {
        assert!(k.contains("/ip-only/v4-"), "{k}");
        assert_eq!((before[k].0, before[k].1 + 1), (*sid, *rev), "{k}");
    }
    assert_eq!(
        std::fs::read_to_string(pack(&dir, "suricata-large")).unwrap(),
        rules_before
    );
    let folder = dir.join("out/suricata-large/suricata");
    let ds = std::fs::read_to_string(folder.join("suricata-large-big-list-v4.lst")).unwrap();
    assert!(ds.lines().any(|l| l == "45.99.1.9"), "{ds}");
    add("suricata-large.txt", "81.2.128.0/24\n");
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(&o), stdout(&o));
    let after = pack_keys(lock(&lock_path));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(
        changed.iter().all(|k| k.contains("/networks/")),
        "{changed:?}"
    );
    assert!(std::fs::read_to_string(pack(&dir, "suricata-large"))
        .unwrap()
        .contains("81.2.128.0/24"));
}

/// Above `large-list-threshold`, single address indicators share one list per direction; its
/// msg reads "Indicator addresses" / "Indicator IPv4 addresses" (regression: "Listed address 1
/// indicators"), and adding an indicator to the dataset keeps that rule's sid and rev.
#[test]
fn indicator_lists_read_well_and_keep_their_rules() {
    let dir = scratch("suricata-indicator-lists");
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    let host = |id: &str, value: &str, direction: &str| {
        format!("  - id: {id}\n    kind: ipv4\n    value: {value}\n    confidence: sourced\n    direction: {direction}\n    references: [https://example.org/x]\n")
    };
    let catalogue = |hosts: &str| {
        format!("id: lists\nversion: 1.0.0\ntitle: Indicator lists\npublisher: iocc tests\ntlp: clear\nadvisory:\n  id: TEST-L\n  title: lists\n  issuer: iocc tests\n  published: 2026-01-01\n  modified: 2026-01-01\n  references: [https://example.org/x]\nindicators:\n{hosts}policy:\n  large-list-threshold: 1\n")
    };
    let two = format!(
        "{}{}",
        host("a", "81.2.69.142", "both"),
        host("b", "81.2.69.150", "inbound")
    );
    let path = dir.join("iocs/lists.yaml");
    std::fs::write(&path, catalogue(&two)).unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(pack(&dir, "lists")).unwrap();
    assert!(
        text.contains("msg:\"LISTS POLICY Connection to an address on the indicator list\""),
        "{text}"
    );
    assert!(
        text.contains("msg:\"LISTS POLICY Connection from an IPv4 address on the indicator list\""),
        "{text}"
    );
    let lock_path = dir.join("iocs/lists.sids.lock");
    let before = lock(&lock_path);
    let key = "list/indicators-inbound/dataset-v4/inbound";
    assert!(before.contains_key(key), "{before:?}");
    std::fs::write(
        &path,
        catalogue(&format!("{two}{}", host("c", "81.2.69.160", "inbound"))),
    )
    .unwrap();
    let o = iocc_in(&dir, &["build", "--target", "suricata"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(lock(&lock_path)[key], before[key]);
}
