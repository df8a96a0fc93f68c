//! The `zeek` target end to end: the zkg package of the bundled Contec catalogue (committed in
//! `out/`) and of the fixtures `tests/fixtures/zeek-*.yaml`.
//!
//! What is checked where: every generated `.zeek` file is parsed by `zeek-script parse`
//! (zeekscript, syntax only); the package is installed offline by `zkg` into a scratch state
//! folder; every Intel file passes the strict checker below (written here, independent of the
//! target: header, exact field count, type names, values parsed as their type); Zeek itself
//! parses and type checks the package (`zeek -a`). Hostile fixture strings must never break a
//! script, a signature, `zkg.meta` or an Intel column. `zeek_run.rs` runs the packages in
//! Zeek on traffic.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use ipnet::IpNet;

use crate::common::*;

const CONTEC: &str = "out/contec-cms8000/zeek";
const FIELDS: &str =
    "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\tmeta.do_notice\tmeta.if_in";

/// Builds the zeek target of a catalogue into a scratch folder; returns the package folder.
fn build(catalogue: &str, id: &str) -> PathBuf {
    let out = scratch(&format!("zeek-build-{id}"));
    let o = iocc(&[
        "build",
        catalogue,
        "--out",
        out.to_str().unwrap(),
        "--target",
        "zeek",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    out.join(id).join("zeek")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn files(pkg: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(pkg.join("scripts"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- strict Intel checker

#[derive(Debug, PartialEq)]
struct IntelRow {
    indicator: String,
    kind: String,
    do_notice: String,
}

const INTEL_TYPES: [&str; 11] = [
    "ADDR",
    "SUBNET",
    "URL",
    "SOFTWARE",
    "EMAIL",
    "DOMAIN",
    "USER_NAME",
    "CERT_HASH",
    "PUBKEY_HASH",
    "FILE_HASH",
    "FILE_NAME",
];
const WHERE: [&str; 2] = ["-", "Intel::IN_ANYWHERE"];

/// Checks a Zeek Intel file strictly; returns its rows or the first problem, with its line.
fn check_intel(text: &str) -> Result<Vec<IntelRow>, String> {
    let body = text
        .strip_suffix('\n')
        .ok_or("the file does not end with a newline")?;
    let mut lines = body.split('\n').enumerate();
    let (_, header) = lines.next().ok_or("empty file")?;
    if header != FIELDS {
        return Err(format!("line 1: bad header {header:?}"));
    }
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.starts_with('#') {
            return Err(format!("line {n}: a second header or comment"));
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 7 {
            return Err(format!("line {n}: {} fields, not 7", f.len()));
        }
        if let Some(bad) = f
            .iter()
            .find(|x| x.is_empty() || x.chars().any(|c| c.is_control()) || x.trim() != **x)
        {
            return Err(format!("line {n}: empty, padded or control field {bad:?}"));
        }
        let kind = f[1]
            .strip_prefix("Intel::")
            .filter(|k| INTEL_TYPES.contains(k))
            .ok_or(format!("line {n}: unknown type {:?}", f[1]))?;
        let v = f[0];
        let ok = match kind {
            "ADDR" => v.parse::<IpAddr>().is_ok_and(|a| a.to_string() == v),
            "SUBNET" => v
                .parse::<IpNet>()
                .is_ok_and(|s| s.trunc() == s && s.to_string() == v),
            "DOMAIN" => {
                !v.contains("://")
                    && v.split('.').count() >= 2
                    && v.split('.').all(|l| {
                        !l.is_empty()
                            && l.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    })
            }
            "URL" => !v.contains("://") && !v.contains(char::is_whitespace) && v != "-",
            "FILE_HASH" => {
                [32, 40, 64].contains(&v.len())
                    && v.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            }
            _ => v != "-",
        };
        if !ok {
            return Err(format!("line {n}: {v:?} is not a valid Intel::{kind}"));
        }
        if f[2] == "-" {
            return Err(format!("line {n}: meta.source is required"));
        }
        if !["T", "F"].contains(&f[5]) {
            return Err(format!("line {n}: meta.do_notice {:?} is not T or F", f[5]));
        }
        if !WHERE.contains(&f[6]) && !f[6].starts_with("Intel::") {
            return Err(format!("line {n}: meta.if_in {:?}", f[6]));
        }
        if !seen.insert((v.to_owned(), kind.to_owned())) {
            return Err(format!("line {n}: duplicate indicator {v}"));
        }
        rows.push(IntelRow {
            indicator: v.to_owned(),
            kind: format!("Intel::{kind}"),
            do_notice: f[5].to_owned(),
        });
    }
    Ok(rows)
}

#[test]
fn intel_checker_rejects_malformed_files() {
    let good = format!("{FIELDS}\n202.114.4.0/24\tIntel::SUBNET\ts\td\t-\tT\t-\n");
    assert_eq!(check_intel(&good).unwrap().len(), 1);
    let bad = [
        format!("{FIELDS}\n202.114.4.0/24 Intel::SUBNET\ts\td\t-\tT\t-\n"),
        format!("{FIELDS}\n202.114.4.0/24\tIntel::SUBNET\ts\td\t-\tT\n"),
        format!("{FIELDS}\n202.114.4.0/24\tIntel:SUBNET\ts\td\t-\tT\t-\n"),
        format!("{FIELDS}\n202.114.4.0/33\tIntel::SUBNET\ts\td\t-\tT\t-\n"),
        format!("{FIELDS}\n202.114.4.1/24\tIntel::SUBNET\ts\td\t-\tT\t-\n"),
        format!("{FIELDS}\n202.114.4.999\tIntel::ADDR\ts\td\t-\tT\t-\n"),
        format!("{FIELDS}\nhttps://x.example/a\tIntel::URL\ts\td\t-\tT\t-\n"),
        format!("{FIELDS}\nx.example\tIntel::DOMAIN\ts\t\t-\tT\t-\n"),
        format!("{FIELDS}\nx.example\tIntel::DOMAIN\ts\td\t-\tyes\t-\n"),
        format!("{FIELDS}\n{FIELDS}\n"),
        format!("{FIELDS}\nabc\tIntel::FILE_HASH\ts\td\t-\tT\t-\n"),
        format!(
            "{FIELDS}\n1.2.3.4\tIntel::ADDR\ts\td\t-\tT\t-\n1.2.3.4\tIntel::ADDR\ts\td\t-\tT\t-\n"
        ),
        FIELDS.replace("meta.url\t", "").to_string() + "\n",
        format!("{FIELDS}\n1.2.3.4\tIntel::ADDR\ts\td\r\t-\tT\t-\n"),
    ];
    for b in &bad {
        assert!(check_intel(b).is_err(), "accepted: {b:?}");
    }
}

// ---------------------------------------------------------------- signature file checker

fn is_sig_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The comma-separated values after `== `.
fn sig_list(v: &str) -> Option<Vec<&str>> {
    v.strip_prefix("== ").map(|l| l.split(',').collect())
}

/// Checks a signature file against the token rules of Zeek's signature scanner for the
/// conditions the target writes: identifiers `[a-zA-Z_][0-9a-zA-Z_-]*`, regular expressions
/// without a raw `/`, strings without `"`, addresses and ports that parse. Outside blocks only
/// blank lines and `#` comments. Returns the number of signatures.
fn check_sig(text: &str) -> Result<usize, String> {
    let mut open = false;
    let mut count = 0;
    let mut ids = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let bad = || format!("line {n}: {line:?}");
        if !open {
            if let Some(rest) = line.strip_prefix("signature ") {
                let id = rest.strip_suffix(" {").ok_or_else(bad)?;
                if !is_sig_ident(id) || !ids.insert(id.to_owned()) {
                    return Err(bad());
                }
                open = true;
                count += 1;
            } else if !(line.is_empty() || line.starts_with('#')) {
                return Err(bad());
            }
            continue;
        }
        if line == "}" {
            open = false;
            continue;
        }
        let body = line.strip_prefix("  ").ok_or_else(bad)?;
        let (key, value) = body.split_once(' ').ok_or_else(bad)?;
        let ok = match key {
            "ip-proto" => matches!(value, "== tcp" | "== udp"),
            "dst-ip" | "src-ip" => sig_list(value).is_some_and(|l| {
                l.iter().all(|a| {
                    let a = a.replace(['[', ']'], "");
                    a.parse::<IpAddr>().is_ok() || a.parse::<IpNet>().is_ok_and(|n| n.trunc() == n)
                })
            }),
            "dst-port" => sig_list(value).is_some_and(|l| {
                l.iter().all(|p| {
                    p.split('-').count() <= 2 && p.split('-').all(|x| x.parse::<u16>().is_ok())
                })
            }),
            "payload" => {
                value.len() > 2
                    && value.starts_with('/')
                    && value.ends_with('/')
                    && !value[1..value.len() - 1].contains('/')
            }
            "tcp-state" => value == "originator",
            "event" => {
                value.len() > 2
                    && value.starts_with('"')
                    && value.ends_with('"')
                    && is_sig_ident(&value[1..value.len() - 1])
            }
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
    }
    if open {
        return Err("unclosed signature".into());
    }
    Ok(count)
}

#[test]
fn sig_checker_rejects_malformed_files() {
    let good = "# c\nsignature a-b {\n  ip-proto == tcp\n  dst-ip == 1.2.3.4,[2001:db8::]/32\n  dst-port == 1,2-3\n  payload /\\x0bA/\n  event \"a-b\"\n}\n";
    assert_eq!(check_sig(good), Ok(1));
    for bad in [
        good.replace("signature a-b", "signature 9a"),
        good.replace("/\\x0bA/", "/a/b/"),
        good.replace("1.2.3.4", "1.2.3.999"),
        good.replace("2-3", "2-70000"),
        good.replace("# c", "c"),
        good.replace("}\n", ""),
        good.replace("\"a-b\"", "\"a\"b\""),
    ] {
        assert!(check_sig(&bad).is_err(), "accepted {bad:?}");
    }
}

// ---------------------------------------------------------------- module lint

/// The event prototypes the module may handle, as Zeek declares them (`event.bif`,
/// `rpc/events.bif`, the signature framework).
const EVENTS: [&str; 10] = [
    "event zeek_init()",
    "event new_connection(c: connection)",
    "event pm_request_getport(r: connection, pr: pm_port_request, p: port)",
    "event pm_request_dump(r: connection, m: pm_mappings)",
    "event udp_contents(u: connection, is_orig: bool, contents: string)",
    "event tcp_contents(c: connection, is_orig: bool, seq: count, contents: string)",
    "event pm_attempt_getport(r: connection, status: rpc_status, pr: pm_port_request)",
    "event mount_proc_mnt(c: connection, info: MOUNT3::info_t, req: MOUNT3::dirmntargs_t, rep: MOUNT3::mnt_reply_t)",
    "event rpc_call(c: connection, xid: count, prog: count, ver: count, proc: count, call_len: count)",
    "event signature_match(state: signature_state, msg: string, data: string)",
];

/// What zeek-script cannot see (an undefined identifier parses fine): every handler has a
/// prototype Zeek declares, every module constant used is declared and every declared one is
/// used, and every `$note=` names a declared Notice type.
fn lint_module(main: &str) {
    for l in main.lines().filter(|l| l.starts_with("event ")) {
        assert!(EVENTS.contains(&l), "unknown event prototype {l}");
    }
    let ident = |w: &str| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut declared = BTreeSet::new();
    let mut notices = BTreeSet::new();
    let mut in_enum = false;
    for l in main.lines() {
        let t = l.trim();
        if t.starts_with("redef enum Notice::Type += {") {
            in_enum = true;
        } else if in_enum && t == "};" {
            in_enum = false;
        } else if in_enum && !t.starts_with('#') {
            let n = t.strip_suffix(',').expect("enum value");
            assert!(ident(n), "{n}");
            notices.insert(n.to_owned());
        } else if let Some(rest) = t.strip_prefix("const ") {
            let name = rest.split([':', ' ']).next().unwrap();
            assert!(ident(name), "{name}");
            assert!(declared.insert(name.to_owned()), "{name} declared twice");
        }
    }
    let code: String = main
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim_start().starts_with("const "))
        .collect::<Vec<_>>()
        .join("\n");
    let words: BTreeSet<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    for d in &declared {
        assert!(words.contains(d.as_str()), "constant {d} is never used");
    }
    let suffixes = ["_nets", "_ports", "_paths", "_sigs", "_port_set"];
    for w in &words {
        let zeek_own = [
            "likely_server_ports",
            "register_for_ports",
            "udp_content_ports",
        ];
        if suffixes.iter().any(|s| w.ends_with(s)) && !zeek_own.contains(w) {
            assert!(declared.contains(*w), "{w} is used but not declared");
        }
    }
    for n in code.split("$note=").skip(1) {
        let name = n.split(',').next().unwrap();
        assert!(
            notices.contains(name),
            "$note={name} is not a declared notice"
        );
    }
    assert_eq!(
        code.matches("$note=").count(),
        code.matches("$identifier=cat(").count()
    );
}

#[test]
fn module_lint_catches_undeclared_names() {
    let main = read(&root().join(CONTEC).join("scripts/main.zeek"));
    lint_module(&main);
    for broken in [
        main.replacen("$note=Mount_Pm", "$note=Mount_PM", 1),
        main.replacen("in nfs_access_nets", "in nfs_acess_nets", 1),
        main.replacen(
            "event rpc_call(c: connection,",
            "event rpc_call(conn: connection,",
            1,
        ),
    ] {
        let r = std::panic::catch_unwind(|| lint_module(&broken));
        assert!(r.is_err(), "lint accepted a broken module");
    }
}

// ---------------------------------------------------------------- engines

/// `zeek-script parse` on every `.zeek` file of the package: rc 0 and no problem reported.
fn zeek_script_parses(pkg: &Path) {
    let Some(zs) = engine("zeek-script") else {
        return;
    };
    let scripts = files(pkg, "zeek");
    assert!(scripts.len() >= 2, "no scripts in {}", pkg.display());
    for f in scripts {
        let o = Command::new(&zs).arg("parse").arg(&f).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "zeek-script parse {}: {}",
            f.display(),
            stderr(&o)
        );
        assert!(
            !stderr(&o).contains("problems"),
            "{}: {}",
            f.display(),
            stderr(&o)
        );
    }
}

#[test]
#[cfg_attr(
    iocc_missing = "zeek-script",
    ignore = "engine `zeek-script` is not installed"
)]
fn zeek_script_rejects_a_broken_script() {
    // Proves the syntax check can fail: the generated module with one `;` removed.
    let Some(zs) = engine("zeek-script") else {
        return;
    };
    let dir = scratch("zeek-broken");
    let main = read(&root().join(CONTEC).join("scripts/main.zeek"));
    let broken = main.replacen("&redef;", "&redef", 1);
    std::fs::write(dir.join("main.zeek"), broken).unwrap();
    let o = Command::new(&zs)
        .arg("parse")
        .arg(dir.join("main.zeek"))
        .output()
        .unwrap();
    assert_ne!(
        o.status.code(),
        Some(0),
        "zeek-script accepted a broken script"
    );
}

/// Installs the package offline with zkg (from a committed git copy in a folder named `name`)
/// into a private state folder; checks the installed scripts and the `id` alias; returns
/// `zkg info` output.
fn zkg_installs(pkg: &Path, name: &str, id: &str) -> Option<String> {
    let zkg = engine("zkg")?;
    let dir = scratch(&format!("zkg-{id}"));
    let (repo, config, state) = zkg_setup(pkg, &dir, name);
    let run = |args: &[&str]| {
        Command::new(&zkg)
            .arg("--configfile")
            .arg(&config)
            .args(args)
            .arg(&repo)
            .env("HOME", &dir)
            .output()
            .expect("run zkg")
    };
    let o = run(&["install", "--force", "--skiptests"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "zkg install: {}{}",
        stdout(&o),
        stderr(&o)
    );
    let installed = state.join("script_dir/packages").join(name);
    assert!(
        state
            .join("script_dir")
            .join(id)
            .join("__load__.zeek")
            .is_file(),
        "no `@load {id}` alias"
    );
    for f in files(pkg, "zeek")
        .into_iter()
        .chain(files(pkg, "intel"))
        .chain(files(pkg, "sig"))
    {
        let name = f.file_name().unwrap();
        assert_eq!(
            read(&installed.join(name)),
            read(&f),
            "installed {name:?} differs"
        );
    }
    let o = run(&["info"]);
    assert_eq!(o.status.code(), Some(0), "zkg info: {}", stderr(&o));
    Some(stdout(&o))
}

/// A committed git copy of the package in `dir/name` (zkg installs only from a clean git tree)
/// and a private zkg configuration with no package source (state under `dir/state`), for an
/// offline `zkg install`. Returns the repository, the configuration and the state folder.
pub(crate) fn zkg_setup(pkg: &Path, dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let repo = dir.join(name);
    copy_dir(pkg, &repo);
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=iocc", "-c", "user.email=iocc@localhost"])
            .args(args)
            .current_dir(&repo)
            .output()
            .expect("run git");
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "package"]);
    let state = dir.join("state");
    let config = dir.join("zkg.config");
    std::fs::write(
        &config,
        format!(
            "[sources]\n[paths]\nstate_dir = {s}\nscript_dir = {s}/script_dir\nplugin_dir = {s}/plugin_dir\nbin_dir = {s}/bin\nzeek_dist =\n",
            s = state.display()
        ),
    )
    .unwrap();
    (repo, config, state)
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The metadata keys `zkg info` prints, in order.
fn zkg_keys(info: &str) -> Vec<String> {
    info.lines()
        .skip_while(|l| !l.contains("metadata (from version"))
        .skip(1)
        .filter(|l| l.starts_with("\t\t") && !l.starts_with("\t\t\t"))
        .filter_map(|l| l.trim().split_once(" =").map(|(k, _)| k.to_owned()))
        .collect()
}

/// `zeek -a` (parse and type check only): rc 0 and nothing on stderr.
fn zeek_parse_only(pkg: &Path) {
    let Some(zeek) = zeek() else {
        return;
    };
    let o = Command::new(zeek)
        .arg("-a")
        .arg(pkg.join("scripts"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "zeek -a: {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "zeek -a: {}", stderr(&o));
}

// ---------------------------------------------------------------- the Contec package

fn yaml(path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(&read(&root().join(path))).unwrap()
}

#[test]
fn contec_package_parses_installs_and_carries_every_indicator() {
    let pkg = root().join(CONTEC);
    zeek_script_parses(&pkg);
    zeek_parse_only(&pkg);
    if let Some(info) = zkg_installs(&pkg, "zeek", "contec-cms8000") {
        assert!(info.contains("\t\tversion = 1.5.0\n"), "{info}");
        assert!(info.contains("\t\taliases = contec-cms8000\n"), "{info}");
        assert!(info.contains("\t\tscript_dir = scripts\n"), "{info}");
        assert!(info.contains("\t\t\tzeek >=6.0.0\n"), "{info}");
    }

    let rows = check_intel(&read(&pkg.join("scripts/contec-cms8000.intel"))).unwrap();
    let have: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.indicator.clone(), r.kind.clone()))
        .collect();
    // Expected from the catalogue YAML itself, not from the target's code.
    let cat = yaml("iocs/contec-cms8000.yaml");
    let mut expected = BTreeSet::new();
    for i in cat["indicators"].as_sequence().unwrap() {
        let v = i["value"].as_str().unwrap().to_owned();
        let kind = match i["kind"].as_str().unwrap() {
            "ipv4" | "ipv6" => "Intel::ADDR",
            "cidr" => "Intel::SUBNET",
            "domain" => "Intel::DOMAIN",
            "md5" | "sha1" | "sha256" => "Intel::FILE_HASH",
            "port" => continue,
            other => panic!("unexpected kind {other}"),
        };
        expected.insert((v, kind.to_owned()));
    }
    assert_eq!(have, expected);
    assert!(expected.contains(&("202.114.4.0/24".into(), "Intel::SUBNET".into())));
    assert!(expected.contains(&("202.114.4.119".into(), "Intel::ADDR".into())));
    assert!(expected.contains(&("202.114.4.120".into(), "Intel::ADDR".into())));

    let load = read(&pkg.join("scripts/__load__.zeek"));
    for l in [
        "@load ./main\n",
        "@load frameworks/intel/seen\n",
        "@load frameworks/intel/do_notice\n",
        "redef Intel::read_files += { @DIR + \"/contec-cms8000.intel\" };\n",
    ] {
        assert!(load.contains(l), "__load__.zeek lacks {l:?}");
    }
}

#[test]
fn contec_module_covers_every_behaviour() {
    let main = read(&root().join(CONTEC).join("scripts/main.zeek"));
    assert!(main.contains("\nmodule ContecCMS8000;\n"));
    lint_module(&main);
    let cat = yaml("iocs/contec-cms8000.yaml");
    let dets = cat["detections"].as_sequence().unwrap();
    // One Notice type and one raise per detection, each with its CVE ids and an identifier.
    for d in dets {
        let id = d["id"].as_str().unwrap();
        assert!(
            main.contains(&format!("\t\t## {id}: ")),
            "no notice type for {id}"
        );
        for cve in d["cves"].as_sequence().unwrap() {
            assert!(main.contains(cve.as_str().unwrap()));
        }
    }
    assert_eq!(
        main.matches("NOTICE([").count(),
        dets.len() + 1,
        "GETPORT raises on answered and unanswered calls"
    );
    assert_eq!(
        main.matches("$identifier=cat(").count(),
        main.matches("NOTICE([").count()
    );
    for needle in [
        "const range_outbound_nets: set[subnet] = { 202.114.4.0/24 } &redef;",
        "if ( c$id$resp_h in range_outbound_nets )",
        "if ( c$id$orig_h in range_inbound_nets )",
        "const cms_patient_data_ports: set[port] = { 515/tcp, 516/tcp, 517/tcp, 518/tcp, 519/tcp, 520/tcp } &redef;",
        "const hl7_mllp_nets: set[subnet] = { 202.114.4.120/32 } &redef;",
        "event pm_request_getport(r: connection, pr: pm_port_request, p: port)",
        "event pm_attempt_getport(r: connection, status: rpc_status, pr: pm_port_request)",
        "event mount_proc_mnt(c: connection, info: MOUNT3::info_t, req: MOUNT3::dirmntargs_t, rep: MOUNT3::mnt_reply_t)",
        "req$dirname in mount_pm_paths",
        "\t\t\"/pm\",\n",
        "if ( prog == 100003 && c$id$resp_h in nfs_access_nets )",
        "Analyzer::register_for_ports(Analyzer::ANALYZER_PORTMAPPER, rpc_portmapper_port_set);",
        "Analyzer::register_for_ports(Analyzer::ANALYZER_MOUNT, rpc_mount_port_set);",
        "Analyzer::register_for_ports(Analyzer::ANALYZER_NFS, rpc_nfs_port_set);",
        "Analyzer::schedule_analyzer(r$id$orig_h, r$id$resp_h, p, Analyzer::ANALYZER_MOUNT, getport_follow_timeout);",
        "@load-sigs ./contec-cms8000.sig",
        "event signature_match(state: signature_state, msg: string, data: string)",
    ] {
        assert!(main.contains(needle), "main.zeek lacks {needle:?}");
    }
    let sig = read(&root().join(CONTEC).join("scripts/contec-cms8000.sig"));
    assert_eq!(check_sig(&sig), Ok(1));
    assert!(sig.contains(
        "signature contec-cms8000-hl7-mllp-tcp-out {\n  ip-proto == tcp\n  dst-ip == 202.114.4.120\n  dst-port == 511\n  payload /\\x0bMSH\\x7c/\n  tcp-state originator\n  event \"contec-cms8000-hl7-mllp-tcp-out\"\n}\n"
    ), "{sig}");
}

// ---------------------------------------------------------------- fixtures

#[test]
fn basic_fixture_package() {
    let pkg = build("tests/fixtures/zeek-basic.yaml", "zeek-basic");
    zeek_script_parses(&pkg);
    zeek_parse_only(&pkg);
    if let Some(info) = zkg_installs(&pkg, "zeek-basic", "zeek-basic") {
        assert!(info.contains("\t\tversion = 2.3.4\n"), "{info}");
    }
    let rows = check_intel(&read(&pkg.join("scripts/zeek-basic.intel"))).unwrap();
    let kinds: BTreeSet<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "Intel::ADDR",
            "Intel::SUBNET",
            "Intel::DOMAIN",
            "Intel::URL",
            "Intel::FILE_HASH"
        ])
    );
    // 7 indicators that are not ports, 4 bulk addresses (one repeats an indicator), 2 domains.
    assert_eq!(rows.len(), 7 + 3 + 2);
    assert_eq!(check_sig(&read(&pkg.join("scripts/zeek-basic.sig"))), Ok(1));
    lint_module(&read(&pkg.join("scripts/main.zeek")));
    assert!(rows.contains(&IntelRow {
        indicator: "drop.example.net/a/b.bin?x=1".into(),
        kind: "Intel::URL".into(),
        do_notice: "T".into(),
    }));
    assert!(rows.contains(&IntelRow {
        indicator: "198.51.100.7".into(),
        kind: "Intel::ADDR".into(),
        do_notice: "F".into(),
    }));
    for f in ["zkg.meta", "README.md"]
        .iter()
        .map(|f| pkg.join(f))
        .chain(files(&pkg, "zeek"))
        .chain(files(&pkg, "intel"))
        .chain(files(&pkg, "sig"))
    {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("zeek-basic__{name}"), read(&f));
    }
}

#[test]
fn basic_fixture_reports_what_zeek_cannot_express() {
    let out = scratch("zeek-basic-json");
    let o = iocc(&[
        "build",
        "tests/fixtures/zeek-basic.yaml",
        "--out",
        out.to_str().unwrap(),
        "--target",
        "zeek",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for s in [
        "svc-port",
        "a port is not an Intel indicator type",
        "nlm-lock",
        "no analyzer for Sun RPC program 100021",
    ] {
        assert!(text.contains(s), "report lacks {s:?}: {text}");
    }
}

/// True when every occurrence of `marker` in `line` lies inside a Zeek string literal or a
/// `#` comment, and every string literal opened on the line is closed on it.
fn only_in_strings_or_comments(line: &str, marker: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    let mut inert = vec![false; line.len() + 1];
    let mut comment_from = line.len();
    for (i, c) in line.char_indices() {
        if in_string {
            inert[i] = true;
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' {
            comment_from = i;
            break;
        }
    }
    if in_string {
        return false;
    }
    line.match_indices(marker)
        .all(|(i, _)| i >= comment_from || inert[i])
}

/// The hostile package's Zeek scripts: hostile text only inside string literals and comments,
/// never in a format string.
fn hostile_scripts_stay_inert(pkg: &Path) {
    // Zeek scripts: hostile text only inside string literals and comments.
    for f in files(pkg, "zeek") {
        let text = read(&f);
        for (n, line) in text.lines().enumerate() {
            for marker in [
                "sid:1",
                "zeek_init() { print",
                "@load-sigs /etc",
                "%(zeek_dist)s",
            ] {
                assert!(
                    only_in_strings_or_comments(line, marker),
                    "{}:{}: {marker:?} escapes: {line}",
                    f.display(),
                    n + 1
                );
            }
        }
    }
    let main = read(&pkg.join("scripts/main.zeek"));
    lint_module(&main);
    // Catalogue text (here `%s`) is never a format string.
    for line in main.lines().filter(|l| l.contains("fmt(")) {
        assert!(
            !line.contains("sid:1"),
            "catalogue text in a format: {line}"
        );
    }
    assert_eq!(main.matches("NOTICE([").count(), 3);
    // Three detection handlers, zeek_init, and the portmapper's (version tracking, GETPORT,
    // DUMP and rpcbind GETADDR following over UDP and TCP).
    assert_eq!(main.lines().filter(|l| l.starts_with("event ")).count(), 9);
    assert!(main.contains("\t\t\"/pm\\\"; } event zeek_init() { print \\\"x\\\"; } # \\\\ é\",\n"));
}

/// The hostile package's zkg.meta: the same eight lines, and zkg sees exactly the generated
/// keys.
fn hostile_meta_keeps_its_keys(pkg: &Path) {
    let meta = read(&pkg.join("zkg.meta"));
    let keys: Vec<&str> = meta
        .lines()
        .map(|l| l.split(" =").next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "[package]",
            "description",
            "tags",
            "version",
            "credits",
            "script_dir",
            "aliases",
            "depends",
            "\tzeek >=6.0.0"
        ]
    );
    if let Some(info) = zkg_installs(pkg, "zeek-hostile", "zeek-hostile") {
        assert_eq!(
            zkg_keys(&info),
            [
                "aliases",
                "credits",
                "depends",
                "description",
                "script_dir",
                "tags",
                "version"
            ],
            "{info}"
        );
    }
}

#[test]
fn hostile_fixture_keeps_every_file_intact() {
    let pkg = build("tests/fixtures/zeek-hostile.yaml", "zeek-hostile");
    zeek_script_parses(&pkg);
    zeek_parse_only(&pkg);

    // Intel: exact shape, every indicator on its own line.
    let intel = read(&pkg.join("scripts/zeek-hostile.intel"));
    let rows = check_intel(&intel).unwrap();
    assert_eq!(rows.len(), 5 + 3, "5 indicators and 3 bulk entries");
    assert!(rows
        .iter()
        .any(|r| r.kind == "Intel::URL"
            && r.indicator == "evil.example/a;b)c'd\\e%25f{g}|h<i>?j=k&l#m"));

    hostile_scripts_stay_inert(&pkg);

    // Signatures: comments and exactly the generated blocks.
    let sig = read(&pkg.join("scripts/zeek-hostile.sig"));
    assert_eq!(check_sig(&sig).unwrap(), 4);
    assert!(sig.contains(
        "  payload /(.|\\n){0,25}\\x0b\\x41\\x22\\x42\\x5c\\x43\\x3b\\x44\\x2f\\x0a\\x0d\\x00\\xff\\x7c\\x5d/\n"
    ));

    hostile_meta_keeps_its_keys(&pkg);

    // README: one notice row per detection.
    let readme = read(&pkg.join("README.md"));
    assert_eq!(
        readme
            .lines()
            .filter(|l| l.starts_with("| `ZeekHostile::"))
            .count(),
        3
    );

    for f in ["zkg.meta"]
        .iter()
        .map(|f| pkg.join(f))
        .chain(files(&pkg, "zeek"))
        .chain(files(&pkg, "intel"))
        .chain(files(&pkg, "sig"))
    {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("zeek-hostile__{name}"), read(&f));
    }
}

#[test]
fn string_checker_catches_escapes() {
    assert!(only_in_strings_or_comments("x = \"a sid:1\";", "sid:1"));
    assert!(only_in_strings_or_comments("x; # sid:1", "sid:1"));
    assert!(!only_in_strings_or_comments("x = \"a\" sid:1;", "sid:1"));
    assert!(!only_in_strings_or_comments("x = \"a\\\" sid:1", "sid:1"));
}
