//! Zeek itself (8.0 LTS) on the packages iocc writes: `zeek -a` (parse and type check) on every
//! package (`out/`, every fixture, the hostile ones), `zkg install` then `@load` by name as users
//! type it, and the project's pcaps replayed through `zeek -C -r PCAP PACKAGE` with `notice.log`
//! and `intel.log` checked connection by connection: each Contec behaviour raises its own notice
//! on its own connection, portmapper answers make MOUNT and NFS on announced ports visible,
//! Intel rows fire for addresses, domains, URLs and file hashes, and no look-alike raises
//! anything.
//!
//! Replays run with a test-only scoring script: notice suppression off (the package raises a
//! behaviour once per host pair and hour), JSON logs, and packets held back until every Intel
//! file is read (the Intel framework reads its files asynchronously, so a short replay could
//! otherwise run ahead of its data).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;
use crate::pcap::{Pcap, Tcp};
use crate::suricata::{
    cms_flow, getport_tcp, getport_udp, hl7_flow, hl7_unframed_flow, ip, look_alikes, mnt_udp,
    monitor, nfs_tcp, nfs_udp, plain_udp,
};

const CONTEC: &str = "out/contec-cms8000/zeek";

/// A package's module name (`module X;` in `main.zeek`).
pub(crate) fn module_name(pkg: &Path) -> String {
    let main = std::fs::read_to_string(pkg.join("scripts/main.zeek")).unwrap();
    main.lines()
        .find_map(|l| l.strip_prefix("module ")?.strip_suffix(';'))
        .expect("module line")
        .to_owned()
}

/// Detection id -> notice (`Module::Name`), read from the `## <id>: ...` comment above each
/// Notice type of `main.zeek`.
pub(crate) fn notice_names(pkg: &Path) -> BTreeMap<String, String> {
    let module = module_name(pkg);
    let main = std::fs::read_to_string(pkg.join("scripts/main.zeek")).unwrap();
    let lines: Vec<&str> = main.lines().collect();
    let mut out = BTreeMap::new();
    for pair in lines.windows(2) {
        if let Some(rest) = pair[0].strip_prefix("\t\t## ") {
            let (id, _) = rest.split_once(": ").expect("## id: title");
            if let Some(name) = pair[1].trim().strip_suffix(',') {
                out.insert(id.to_owned(), format!("{module}::{name}"));
            }
        }
    }
    out
}

/// The test-only scoring script for a package's module (see the module doc).
pub(crate) fn scoring_script(dir: &Path, module: &str) -> PathBuf {
    let path = dir.join("score.zeek");
    std::fs::write(
        &path,
        format!(
            "# Test-only: score every connection.\n\
redef {module}::suppress_for = 0 secs;\n\
redef Notice::default_suppression_interval = 0 secs;\n\
redef LogAscii::use_json = T;\n\n\
# The Intel framework reads its files asynchronously: hold the packets until each is read.\n\
global intel_files_left = 0;\n\n\
event zeek_init() &priority=-10\n\t{{\n\tintel_files_left = |Intel::read_files|;\n\
\tif ( intel_files_left > 0 )\n\t\tsuspend_processing();\n\t}}\n\n\
event Input::end_of_data(name: string, source: string)\n\t{{\n\
\tif ( /^intel-/ in name && --intel_files_left == 0 )\n\t\tcontinue_processing();\n\t}}\n"
        ),
    )
    .unwrap();
    path
}

/// The logs of one Zeek run.
pub(crate) struct ZeekLogs {
    pub dir: PathBuf,
}

impl ZeekLogs {
    /// The rows of a JSON log; none when Zeek did not write it.
    pub fn rows(&self, log: &str) -> Vec<Value> {
        std::fs::read_to_string(self.dir.join(format!("{log}.log")))
            .map(|t| {
                t.lines()
                    .map(|l| serde_json::from_str(l).expect("JSON log line"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// uid -> notices raised on that connection.
    pub fn notices_by_uid(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for n in self.rows("notice") {
            let uid = n["uid"].as_str().unwrap_or("-").to_owned();
            out.entry(uid)
                .or_default()
                .insert(n["note"].as_str().unwrap().to_owned());
        }
        out
    }

    /// uids with an intel.log row.
    pub fn intel_uids(&self) -> BTreeSet<String> {
        self.rows("intel")
            .iter()
            .filter_map(|r| r["uid"].as_str().map(str::to_owned))
            .collect()
    }
}

/// `zeek -C -r PCAP PACKAGE/scripts score.zeek` in a fresh folder; rc 0 and no error.
pub(crate) fn run_zeek(zeek: &Path, name: &str, pcap: &Path, pkg: &Path) -> ZeekLogs {
    let dir = scratch(&format!("zeek-run-{name}"));
    let score = scoring_script(&dir, &module_name(pkg));
    // Bounded: if an Intel file were never read, the held-back packets would wait forever.
    let o = Command::new("timeout")
        .arg("300")
        .arg(zeek)
        .arg("-C")
        .arg("-r")
        .arg(pcap)
        .arg(pkg.join("scripts"))
        .arg(&score)
        .current_dir(&dir)
        .output()
        .expect("run zeek");
    assert_eq!(o.status.code(), Some(0), "zeek on {name}: {}", stderr(&o));
    assert!(
        !stderr(&o).contains("error"),
        "zeek on {name}: {}",
        stderr(&o)
    );
    ZeekLogs { dir }
}

/// Builds the zeek target of a catalogue into a scratch folder; returns the package.
fn build_package(catalogue: &Path, scratch_name: &str) -> PathBuf {
    let out = scratch(scratch_name);
    let o = iocc(&[
        "build",
        catalogue.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--target",
        "zeek",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let id = std::fs::read_dir(&out).unwrap().flatten().next().unwrap();
    id.path().join("zeek")
}

fn zeek_a(zeek: &Path, target: &str, zeekpath: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(zeek);
    cmd.arg("-a").arg(target);
    if let Some(p) = zeekpath {
        cmd.env("ZEEKPATH", p);
    }
    cmd.output().unwrap()
}

#[test]
#[cfg_attr(iocc_missing = "zeek", ignore = "engine `zeek` is not installed")]
fn zeek_parses_and_type_checks_every_package() {
    let Some(zeek) = zeek() else {
        return;
    };
    let mut packages: Vec<(String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(root().join("out")).unwrap().flatten() {
        if e.path().join("zeek").is_dir() {
            packages.push((
                format!("out/{}", e.file_name().to_string_lossy()),
                e.path().join("zeek"),
            ));
        }
    }
    let mut fixtures: Vec<PathBuf> = ["tests/fixtures", "tests/fixtures/good"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    fixtures.sort();
    for f in &fixtures {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        packages.push((name.clone(), build_package(f, &format!("zeek-a-{name}"))));
    }
    for needed in [
        "out/contec-cms8000",
        "zeek-hostile",
        "hostile-suricata",
        "zeek-basic",
    ] {
        assert!(
            packages.iter().any(|(n, _)| n == needed),
            "{needed} not checked"
        );
    }
    for (name, pkg) in &packages {
        let o = zeek_a(&zeek, pkg.join("scripts").to_str().unwrap(), None);
        assert_eq!(o.status.code(), Some(0), "zeek -a {name}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "zeek -a {name}: {}", stderr(&o));
    }
    // The check can fail: an undefined notice type is a type error.
    let broken = scratch("zeek-a-broken");
    crate::zeek::copy_dir(&root().join(CONTEC), &broken);
    let main = broken.join("scripts/main.zeek");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, text.replacen("$note=Mount_Pm", "$note=Mount_PM", 1)).unwrap();
    let o = zeek_a(&zeek, broken.join("scripts").to_str().unwrap(), None);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Mount_PM"), "{}", stderr(&o));
}

#[test]
#[cfg_attr(
    any(iocc_missing = "zeek", iocc_missing = "zkg"),
    ignore = "engine `zeek` or `zkg` is not installed"
)]
fn zkg_installs_the_package_and_zeek_loads_it_by_name() {
    let (Some(zeek), Some(zkg)) = (zeek(), engine("zkg")) else {
        return;
    };
    let dir = scratch("zeek-zkg-load");
    // The folder name is not the alias: both must load.
    let (repo, config, state) = crate::zeek::zkg_setup(&root().join(CONTEC), &dir, "contec-pack");
    let zeek_config = zeek.parent().unwrap().join("zeek-config");
    let o = Command::new(&zkg)
        .arg("--configfile")
        .arg(&config)
        .args(["install", "--force", "--skiptests"])
        .arg(&repo)
        .env("HOME", &dir)
        .env("PATH", path_with(zeek_config.parent().unwrap()))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "zkg install: {}{}",
        stdout(&o),
        stderr(&o)
    );
    let o = Command::new(&zeek_config)
        .arg("--zeekpath")
        .output()
        .unwrap();
    let zeekpath = format!(
        "{}:{}",
        state.join("script_dir").display(),
        stdout(&o).trim()
    );
    // What users type: `@load contec-cms8000` (the alias) or the package's own name.
    for name in ["contec-cms8000", "contec-pack"] {
        let o = zeek_a(&zeek, name, Some(&zeekpath));
        assert_eq!(o.status.code(), Some(0), "zeek -a {name}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "zeek -a {name}: {}", stderr(&o));
    }
    let o = zeek_a(&zeek, "contec-cms8000-missing", Some(&zeekpath));
    assert_ne!(o.status.code(), Some(0), "a missing package loaded");
}

/// PATH with `dir` first (zkg looks for `zeek-config` there).
fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

// ---------------------------------------------------------------- replays of the Contec package

/// One connection of a scenario: transport and server port, and the detections expected on it.
type Expect = (&'static str, &'static [&'static str]);
type Scenario = (&'static str, fn(&mut Pcap), &'static [Expect]);

/// A GETPORT (v2, UDP or TCP) for `prog` answered with `port`.
fn getport_answered(p: &mut Pcap, prog: u32, proto: u32, port: u32, client_port: u16) {
    use crate::pcap::{getport_args, record, rpc_call, rpc_reply};
    let server = (ip(202, 114, 4, 119), 111);
    let call = rpc_call(
        0x4000 + u32::from(client_port),
        100_000,
        2,
        3,
        &getport_args(prog, 3, proto),
    );
    let reply = rpc_reply(0x4000 + u32::from(client_port), &port.to_be_bytes());
    if proto == 17 {
        p.udp(monitor(client_port), server, &call);
        p.udp(server, monitor(client_port), &reply);
    } else {
        Tcp::open(p, monitor(client_port), server)
            .send(&record(&call))
            .reply(&record(&reply))
            .close();
    }
}

/// MNT `/pm` (UDP or TCP) to `port` of the CMS host.
pub(crate) fn mnt_to(p: &mut Pcap, tcp: bool, port: u16, client_port: u16) {
    use crate::pcap::{record, rpc_call, rpc_reply, xdr_string};
    let server = (ip(202, 114, 4, 119), port);
    let call = rpc_call(
        0x5000 + u32::from(client_port),
        100_005,
        3,
        1,
        &xdr_string(b"/pm"),
    );
    let mut body = 0u32.to_be_bytes().to_vec();
    body.extend(xdr_string(&[0x11; 32]));
    body.extend(1u32.to_be_bytes());
    body.extend(1u32.to_be_bytes());
    let reply = rpc_reply(0x5000 + u32::from(client_port), &body);
    if tcp {
        Tcp::open(p, monitor(client_port), server)
            .send(&record(&call))
            .reply(&record(&reply))
            .close();
    } else {
        p.udp(monitor(client_port), server, &call);
        p.udp(server, monitor(client_port), &reply);
    }
}

/// An NFS v3 GETATTR over TCP to `port` of the CMS host.
fn nfs_tcp_to(p: &mut Pcap, port: u16, client_port: u16) {
    use crate::pcap::{record, rpc_call, rpc_reply, xdr_string};
    let server = (ip(202, 114, 4, 119), port);
    let call = rpc_call(0x6000, 100_003, 3, 1, &xdr_string(&[0x11; 32]));
    Tcp::open(p, monitor(client_port), server)
        .send(&record(&call))
        .reply(&record(&rpc_reply(0x6000, &0u32.to_be_bytes())))
        .close();
}

const RANGE_OUT: &str = "range-outbound";

// longer than 100 lines because it is a table: one row per Contec behaviour and its expected notices.
fn contec_scenarios() -> Vec<Scenario> {
    vec![
        (
            "cms-515",
            |p| cms_flow(p, ip(202, 114, 4, 119), 515),
            &[("tcp/515", &["cms-patient-data"])],
        ),
        (
            "cms-520",
            |p| cms_flow(p, ip(202, 114, 4, 119), 520),
            &[("tcp/520", &["cms-patient-data"])],
        ),
        (
            "hl7-511",
            |p| hl7_flow(p, ip(202, 114, 4, 120), 511),
            &[("tcp/511", &["hl7-mllp", "hl7-export"])],
        ),
        (
            "hl7-511-unframed",
            |p| hl7_unframed_flow(p, ip(202, 114, 4, 120), 511),
            &[("tcp/511", &["hl7-export"])],
        ),
        (
            "getport-udp",
            |p| getport_udp(p, ip(202, 114, 4, 119)),
            &[("udp/111", &["portmap-getport"])],
        ),
        (
            "getport-tcp",
            |p| getport_tcp(p, ip(202, 114, 4, 119)),
            &[("tcp/111", &["portmap-getport"])],
        ),
        (
            "mnt-udp",
            |p| mnt_udp(p, ip(202, 114, 4, 119)),
            &[("udp/20048", &["mount-pm"])],
        ),
        // (mnt_to: Zeek decodes MNT on its answer, which must carry the file handle.)
        (
            "mnt-tcp",
            |p| mnt_to(p, true, 20048, 803),
            &[("tcp/20048", &["mount-pm"])],
        ),
        // Unanswered (the host blocked or gone): Zeek raises the call when it times out.
        (
            "mnt-unanswered",
            |p| {
                use crate::pcap::{rpc_call, xdr_string};
                let call = rpc_call(0x2003, 100_005, 3, 1, &xdr_string(b"/pm"));
                p.udp(monitor(804), (ip(202, 114, 4, 119), 20048), &call);
            },
            &[("udp/20048", &["mount-pm"])],
        ),
        (
            "nfs-udp",
            |p| nfs_udp(p, ip(202, 114, 4, 119)),
            &[("udp/2049", &["nfs-access"])],
        ),
        (
            "nfs-tcp",
            |p| nfs_tcp(p, ip(202, 114, 4, 119)),
            &[("tcp/2049", &["nfs-access"])],
        ),
        (
            "plain-range",
            |p| plain_udp(p, ip(202, 114, 4, 7)),
            &[("udp/9999", &[])],
        ),
        // MOUNT and NFS on ports only the portmapper's answers announce.
        (
            "getport-follow-udp",
            |p| {
                getport_answered(p, 100_005, 17, 4002, 810);
                mnt_to(p, false, 4002, 811);
            },
            &[
                ("udp/111", &["portmap-getport"]),
                ("udp/4002", &["mount-pm"]),
            ],
        ),
        (
            "getport-follow-tcp",
            |p| {
                getport_answered(p, 100_005, 6, 4003, 812);
                mnt_to(p, true, 4003, 813);
                getport_answered(p, 100_003, 6, 2050, 814);
                nfs_tcp_to(p, 2050, 815);
            },
            &[
                ("tcp/111", &["portmap-getport"]),
                ("tcp/4003", &["mount-pm"]),
                ("tcp/111", &["portmap-getport"]),
                ("tcp/2050", &["nfs-access"]),
            ],
        ),
        // Without an answer to follow, Zeek has no analyzer on the port: only the range.
        (
            "mnt-unannounced-port",
            |p| mnt_to(p, false, 4004, 816),
            &[("udp/4004", &[])],
        ),
    ]
}

/// uid -> "proto/resp_port" of every connection in conn.log.
fn conn_ports(logs: &ZeekLogs) -> BTreeMap<String, String> {
    logs.rows("conn")
        .iter()
        .map(|c| {
            (
                c["uid"].as_str().unwrap().to_owned(),
                format!("{}/{}", c["proto"].as_str().unwrap(), c["id.resp_p"]),
            )
        })
        .collect()
}

#[test]
#[cfg_attr(iocc_missing = "zeek", ignore = "engine `zeek` is not installed")]
fn contec_behaviours_raise_their_own_notices() {
    let Some(zeek) = zeek() else {
        return;
    };
    let pkg = root().join(CONTEC);
    let names = notice_names(&pkg);
    for (name, make, expect) in contec_scenarios() {
        let mut p = Pcap::new();
        make(&mut p);
        let dir = scratch(&format!("zeek-pcap-{name}"));
        let file = dir.join(format!("{name}.pcap"));
        std::fs::write(&file, p.bytes()).unwrap();
        let logs = run_zeek(&zeek, name, &file, &pkg);
        let ports = conn_ports(&logs);
        let notices = logs.notices_by_uid();
        let intel = logs.intel_uids();
        let mut want_ports: Vec<&str> = expect.iter().map(|(p, _)| *p).collect();
        let mut got_ports: Vec<&str> = ports.values().map(String::as_str).collect();
        want_ports.sort();
        got_ports.sort();
        assert_eq!(got_ports, want_ports, "{name}: connections");
        for (uid, port) in &ports {
            let dets = expect.iter().find(|(p, _)| p == port).unwrap().1;
            let got: BTreeSet<&str> = notices
                .get(uid)
                .map(|s| {
                    s.iter()
                        .map(String::as_str)
                        .filter(|n| !n.starts_with("Intel::"))
                        .collect()
                })
                .unwrap_or_default();
            let want: BTreeSet<&str> = dets
                .iter()
                .chain([&RANGE_OUT])
                .map(|d| names[*d].as_str())
                .collect();
            assert_eq!(got, want, "{name}: {port}");
            // Intel: every TCP connection to a listed host is seen (established connections
            // only: Zeek's Intel framework does not look at UDP addresses).
            if port.starts_with("tcp/") {
                assert!(intel.contains(uid), "{name}: {port}: no intel.log row");
                assert!(
                    notices[uid].contains("Intel::Notice"),
                    "{name}: {port}: no Intel::Notice"
                );
            }
        }
    }
}

#[test]
#[cfg_attr(iocc_missing = "zeek", ignore = "engine `zeek` is not installed")]
fn look_alikes_raise_nothing_in_zeek() {
    let Some(zeek) = zeek() else {
        return;
    };
    let pkg = root().join(CONTEC);
    for (name, make) in look_alikes() {
        let mut p = Pcap::new();
        make(&mut p);
        let dir = scratch(&format!("zeek-pcap-{name}"));
        let file = dir.join(format!("{name}.pcap"));
        std::fs::write(&file, p.bytes()).unwrap();
        let logs = run_zeek(&zeek, name, &file, &pkg);
        assert!(
            !logs.rows("conn").is_empty(),
            "{name}: Zeek saw no connection"
        );
        assert!(
            logs.rows("notice").is_empty(),
            "{name}: {:?}",
            logs.rows("notice")
        );
        assert!(
            logs.rows("intel").is_empty(),
            "{name}: {:?}",
            logs.rows("intel")
        );
    }
}

// ---------------------------------------------------------------- Intel types

/// The body the fixture `zeek-intel.yaml` lists the hashes of.
const IMAGE: &[u8] = b"iocc intel test payload: a firmware image\n";

#[test]
#[cfg_attr(iocc_missing = "zeek", ignore = "engine `zeek` is not installed")]
fn intel_matches_addresses_domains_urls_and_file_hashes() {
    let Some(zeek) = zeek() else {
        return;
    };
    let pkg = build_package(
        &root().join("tests/fixtures/zeek-intel.yaml"),
        "zeek-intel-build",
    );
    let server = Ipv4Addr::new(81, 2, 69, 142);
    let mut p = Pcap::new();
    // The update domain asked in DNS, then the image downloaded over HTTP.
    let resolver = (ip(192, 168, 1, 1), 53);
    p.udp(
        monitor(53001),
        resolver,
        &crate::suricata::dns_query(0x1234, "update.example.net"),
    );
    let request = b"GET /fw/cms8000.bin?v=2 HTTP/1.1\r\nHost: update.example.net\r\nUser-Agent: cms8000\r\n\r\n";
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        IMAGE.len()
    )
    .into_bytes();
    response.extend_from_slice(IMAGE);
    Tcp::open(&mut p, monitor(49200), (server, 80))
        .send(request)
        .reply(&response)
        .close();
    let dir = scratch("zeek-intel-pcap");
    let file = dir.join("intel.pcap");
    std::fs::write(&file, p.bytes()).unwrap();
    let logs = run_zeek(&zeek, "intel", &file, &pkg);
    let seen: BTreeSet<(String, String, String)> = logs
        .rows("intel")
        .iter()
        .map(|r| {
            (
                r["seen.indicator"].as_str().unwrap_or("").to_owned(),
                r["seen.indicator_type"].as_str().unwrap_or("").to_owned(),
                r["seen.where"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want = [
        ("81.2.69.142", "Intel::ADDR", "Conn::IN_RESP"),
        ("update.example.net", "Intel::DOMAIN", "DNS::IN_REQUEST"),
        (
            "update.example.net",
            "Intel::DOMAIN",
            "HTTP::IN_HOST_HEADER",
        ),
        (
            "update.example.net/fw/cms8000.bin?v=2",
            "Intel::URL",
            "HTTP::IN_URL",
        ),
        (
            "edca6a94c48a73b7a8e531af0043d671",
            "Intel::FILE_HASH",
            "Files::IN_HASH",
        ),
        (
            "8c138210bd0193e72bb53ee6da1f5384ad929daf",
            "Intel::FILE_HASH",
            "Files::IN_HASH",
        ),
        (
            "4fbfc50051b446f164126b001a782d1d7bb26e24a3a1b6fd569bca761fd69a17",
            "Intel::FILE_HASH",
            "Files::IN_HASH",
        ),
    ];
    for (i, t, w) in want {
        assert!(
            seen.contains(&(i.to_owned(), t.to_owned(), w.to_owned())),
            "no intel.log row {i} {t} {w}: {seen:#?}"
        );
    }
    // Every row listed with do_notice T raised Intel::Notice.
    let notices = logs.rows("notice");
    assert!(
        notices
            .iter()
            .filter(|n| n["note"] == "Intel::Notice")
            .count()
            >= want.len(),
        "{notices:#?}"
    );
}
