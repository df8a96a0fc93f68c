//! The `aws-network-firewall` target end to end: cfn-lint on every CloudFormation template
//! (the committed contec profile and the fixtures, hostile ones included), `suricata -T` on
//! every rule group in Suricata 7.0.10 and 8.0.6 with their packaged configs, no keyword
//! Network Firewall refuses, and pcap replays raising the same sids as the Suricata pack.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::pcap::Pcap;
use crate::suricata::{
    assert_loads, cms_flow, getport_tcp, getport_udp, hl7_flow, ip, mnt_tcp, mnt_udp, nfs_tcp,
    nfs_udp, plain_udp, replay, rule_lines,
};

const TARGET: &str = "aws-network-firewall";

/// Keywords and protocols AWS Network Firewall refuses (formats-2.md, "Cloud").
const REFUSED: &[&str] = &[
    "dataset",
    "datarep",
    "iprep",
    "filemd5",
    "filesha1",
    "filesha256",
    "filestore",
    "filesize",
    "filename",
    "lua",
    "luajit",
    "threshold",
    "detection_filter",
];

/// Builds the fixtures whose names start with `prefix` with the suricata and AWS targets, in
/// a scratch folder of the calling test's own.
fn build_fixture(test: &str, prefix: &str) -> PathBuf {
    build_fixtures(
        &format!("aws-{test}-{prefix}"),
        prefix,
        &["suricata", TARGET],
    )
}

/// The profile folders under `base/out`.
fn profiles(base: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(base.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join(TARGET))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

/// Every profile under test: the committed one and the fixtures' (hostile and large).
fn every_profile(test: &str) -> Vec<PathBuf> {
    let mut all = profiles(&root());
    for prefix in ["hostile-suricata", "suricata-large", "dns-hostile"] {
        all.extend(profiles(&build_fixture(test, prefix)));
    }
    all
}

#[test]
fn cfn_lint_accepts_every_template() {
    let Some(cfn_lint) = engine("cfn-lint") else {
        return;
    };
    let mut n = 0;
    for p in every_profile("cfn-lint") {
        let templates = files_with(&p.join("cloudformation"), "json");
        assert!(!templates.is_empty(), "{} has no template", p.display());
        let o = Command::new(&cfn_lint).args(&templates).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "cfn-lint on {}:\n{}{}",
            p.display(),
            stdout(&o),
            stderr(&o)
        );
        n += templates.len();
        // The template holds exactly the rules file (or the domain list) beside it.
        for t in &templates {
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(t).unwrap()).unwrap();
            let props = &doc["Resources"]["RuleGroup"]["Properties"];
            let name = props["RuleGroupName"].as_str().unwrap();
            let source = &props["RuleGroup"]["RulesSource"];
            if let Some(text) = source["RulesString"].as_str() {
                assert!(text.len() < 2_000_000);
                let file = std::fs::read_to_string(p.join(format!("{name}.rules"))).unwrap();
                assert_eq!(text, file);
                let rules = rule_lines(text).len() as u64;
                assert!(props["Capacity"].as_u64().unwrap() >= rules);
            } else {
                let list = &source["RulesSourceList"];
                assert_eq!(list["GeneratedRulesType"], "DENYLIST");
                assert_eq!(
                    list["TargetTypes"],
                    serde_json::json!(["TLS_SNI", "HTTP_HOST"])
                );
                let beside: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p.join(format!("{name}.json"))).unwrap())
                        .unwrap();
                assert_eq!(&beside["RulesSource"], source);
            }
        }
    }
    assert!(n >= 4, "{n} templates");
}

#[test]
fn rule_groups_load_in_suricata_7_and_8_and_refuse_nothing_aws_lacks() {
    let s7 = engine("suricata");
    let s8 = suricata8();
    for p in every_profile("load") {
        for rules in files_with(&p, "rules") {
            let text = std::fs::read_to_string(&rules).unwrap();
            for line in rule_lines(&text) {
                let action = line.split_whitespace().next().unwrap();
                assert!(
                    ["pass", "drop", "reject", "alert"].contains(&action),
                    "{line}"
                );
                let proto = line.split_whitespace().nth(1).unwrap();
                assert!(!["enip", "sctp", "ikev2"].contains(&proto), "{line}");
                for kw in REFUSED {
                    assert!(
                        !line.contains(&format!("; {kw}:")) && !line.contains(&format!("({kw}:")),
                        "{} holds {kw}: {line}",
                        rules.display()
                    );
                }
                assert!(line.len() <= 8192);
            }
            if let Some(s7) = &s7 {
                assert_loads(s7, &rules, Path::new("/etc/suricata/suricata.yaml"), &[]);
            }
            if let Some(s8) = &s8 {
                assert_loads(s8, &rules, Path::new(SURICATA8_YAML), &[]);
            }
        }
    }
}

#[test]
fn large_lists_become_ip_only_groups_and_domains_a_domain_list() {
    let dir = build_fixture("large", "suricata-large");
    let p = dir.join(format!("out/suricata-large/{TARGET}"));
    let pack =
        std::fs::read_to_string(dir.join("out/suricata-large/suricata/suricata-large.rules"))
            .unwrap();
    assert!(pack.contains("dataset:"), "the pack uses datasets");
    let mut rules = 0;
    for f in files_with(&p, "rules") {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains("dataset:"));
        rules += rule_lines(&text).len();
    }
    assert!(rules >= 4, "{rules} rules");
    // Every exact address of the pack's datasets is in a rule header of the profile.
    let mut text = String::new();
    for f in files_with(&p, "rules") {
        text.push_str(&std::fs::read_to_string(f).unwrap());
    }
    let listed: BTreeSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split(['[', ']', ',', ' ']))
        .collect();
    let pack_dir = dir.join("out/suricata-large/suricata");
    let mut hosts = 0;
    let mut domains = 0;
    for f in files_with(&pack_dir, "lst") {
        let data = std::fs::read_to_string(&f).unwrap();
        if f.to_string_lossy().ends_with(".b64.lst") {
            domains += data.lines().count();
            continue;
        }
        for a in data.lines() {
            assert!(listed.contains(a), "{a} of {} is not carried", f.display());
            hosts += 1;
        }
    }
    assert!(
        hosts > 100 && domains > 0,
        "{hosts} hosts, {domains} domains"
    );
    // The domains are in the domain list groups.
    let mut targets = 0;
    for f in files_with(&p, "json") {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        let list = doc["RulesSource"]["RulesSourceList"]["Targets"]
            .as_array()
            .unwrap();
        assert!(list.iter().all(|t| t.as_str().unwrap().starts_with('.')));
        targets += list.len();
    }
    assert!(
        targets >= domains,
        "{targets} targets for {domains} listed domains"
    );
}

/// A flow of a replay: its name and what writes it.
type NamedFlow = (&'static str, fn(&mut Pcap));

#[test]
fn contec_replays_raise_the_packs_sids() {
    let Some(suricata) = engine("suricata") else {
        return;
    };
    let pack = root().join("out/contec-cms8000/suricata/contec-cms8000.rules");
    let aws = root().join(format!(
        "out/contec-cms8000/{TARGET}/contec-cms8000-1.rules"
    ));
    let flows: [NamedFlow; 10] = [
        ("cms", |p| cms_flow(p, ip(202, 114, 4, 119), 515)),
        ("hl7", |p| hl7_flow(p, ip(202, 114, 4, 120), 511)),
        ("getport-udp", |p| getport_udp(p, ip(202, 114, 4, 119))),
        ("getport-tcp", |p| getport_tcp(p, ip(202, 114, 4, 119))),
        ("mnt-udp", |p| mnt_udp(p, ip(202, 114, 4, 119))),
        ("mnt-tcp", |p| mnt_tcp(p, ip(202, 114, 4, 119))),
        ("nfs-udp", |p| nfs_udp(p, ip(202, 114, 4, 119))),
        ("nfs-tcp", |p| nfs_tcp(p, ip(202, 114, 4, 119))),
        ("plain", |p| plain_udp(p, ip(202, 114, 4, 7))),
        ("elsewhere", |p| plain_udp(p, ip(198, 51, 100, 7))),
    ];
    for (name, make) in flows {
        let mut p = Pcap::new();
        make(&mut p);
        let want: BTreeSet<u32> = replay(&suricata, &format!("aws-pack-{name}"), &p, &pack);
        let got = replay(&suricata, &format!("aws-{name}"), &p, &aws);
        assert_eq!(got, want, "{name}");
        assert_eq!(want.is_empty(), name == "elsewhere", "{name}: {want:?}");
    }
}

/// Hostile catalogue strings (every text field of the hostile fixture: `"; sid:1; rev:1;)
/// alert ...`, control characters, a right-to-left override) keep every rule of the profile
/// in shape: each line parses, holds only the options the lowering writes, one msg, sid, rev,
/// classtype and metadata, an ASCII msg, and no raw control character; the CloudFormation
/// template carries the rules file byte for byte (checked in `cfn_lint_accepts_every_template`).
/// The hostile file hash is not carried (Network Firewall has no file keywords).
#[test]
fn hostile_strings_keep_every_rule_group_in_shape() {
    let dir = build_fixture("hostile", "hostile-suricata");
    let p = dir.join(format!("out/hostile-suricata/{TARGET}"));
    let allowed: BTreeSet<&str> = [
        "msg",
        "flow",
        "content",
        "offset",
        "depth",
        "nocase",
        "rpc",
        "reference",
        "classtype",
        "sid",
        "rev",
        "metadata",
        "target",
        "fast_pattern",
        "flowbits",
    ]
    .into();
    let mut n = 0;
    for f in files_with(&p, "rules") {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
        assert!(
            !text.contains("filemd5") && !text.contains("87edd219"),
            "{text}"
        );
        for l in iocc::grammar::rule::rule_file(&text).rules {
            let r = iocc::grammar::rule::parse_rule(&l.text, l.line).unwrap();
            for o in &r.options {
                assert!(allowed.contains(o.keyword.as_str()), "injected {o:?}");
            }
            for kw in ["msg", "sid", "rev", "classtype", "metadata"] {
                let count = r.options.iter().filter(|o| o.keyword == kw).count();
                assert_eq!(count, 1, "{kw} in {}", l.text);
            }
            let msg = r.option("msg").unwrap();
            assert!(
                msg.starts_with("HOSTILE SURICATA ") && msg.is_ascii(),
                "{msg}"
            );
            n += 1;
        }
    }
    assert!(n >= 10, "{n} rules");
    let o = iocc_in(&dir, &["build", "--target", TARGET, "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
