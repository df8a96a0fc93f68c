//! Every engine scored on traffic from real client software: the capture rig
//! (`tests/rig/capture.sh`, root only) records every Contec behaviour and its look-alikes made by
//! real clients and servers (libnfs and nfs-ganesha, rpcinfo and rpcbind, nmap, rlpr and BSD lpd,
//! the `hl7` MLLP client and server, dig and dnsmasq); Suricata 7.0 and 8.0 (each with its
//! packaged `suricata.yaml`, the rule path pointed at the pack as suricata-update would, and
//! `--init-errors-fatal`) and Zeek (with the package) replay it.
//!
//! Each flow is classified from its own packets (server port, MLLP framing, the Sun RPC call
//! header per RFC 5531), independently of the rules; the expected detections follow from that
//! classification and the advisory's hosts. Every Contec flow must raise exactly its behaviour's
//! rule in both Suricatas and its notice in Zeek (besides the range rules), and every flow that
//! does not touch 202.114.4.0/24 must raise nothing anywhere. The fidelity table (flow by flow:
//! Suricata 7 sids, Suricata 8 sids, Zeek notices) is printed into the test output and written
//! to `target/test-scratch/traffic-*/fidelity.md`; the README keeps the latest one.
//!
//! A copy of a capture is committed (`tests/rig/capture.pcap`, `scenarios.tsv`) and scored on
//! every machine; a fresh capture is recorded where the rig can run (root), and must run under
//! `IOCC_REQUIRE_ENGINES=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::flows::{self, Endpoint, Flow, Proto};
use crate::zeek_run::{notice_names, run_zeek};

const PACK_DIR: &str = "out/contec-cms8000/suricata";
const PACK_FILE: &str = "contec-cms8000.rules";
const ZEEK_PKG: &str = "out/contec-cms8000/zeek";
const LOCK: &str = "iocs/contec-cms8000.sids.lock";

// ---------------------------------------------------------------- Suricata

/// A Suricata build and its packaged configuration.
pub(crate) struct Suricata {
    pub label: &'static str,
    pub bin: PathBuf,
    pub yaml: PathBuf,
}

/// Suricata 7 (Debian) and 8 (`/opt/suricata8`); a missing one skips loudly or fails.
pub(crate) fn suricatas() -> Vec<Suricata> {
    let mut out = Vec::new();
    if let Some(bin) = engine("suricata") {
        out.push(Suricata {
            label: "Suricata 7",
            bin,
            yaml: PathBuf::from("/etc/suricata/suricata.yaml"),
        });
    }
    if let Some(bin) = suricata8() {
        out.push(Suricata {
            label: "Suricata 8",
            bin,
            yaml: PathBuf::from(SURICATA8_YAML),
        });
    }
    out
}

/// One alert of eve.json.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    pub sid: u32,
    pub proto: Proto,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub ts: f64,
}

fn endpoint(v: &serde_json::Value, ip: &str, port: &str, icmp: &str) -> Endpoint {
    let addr: Ipv4Addr = v[ip].as_str().unwrap().parse().unwrap();
    let p = v[port].as_u64().or_else(|| v[icmp].as_u64()).unwrap_or(0);
    (addr, p as u16)
}

/// Replays `pcap` through the pack at `rules_dir/rules_file` with the packaged configuration,
/// as suricata-update installs a pack (`default-rule-path`, `rule-files`), and
/// `--init-errors-fatal`; returns every alert.
pub(crate) fn suricata_alerts(
    s: &Suricata,
    name: &str,
    pcap: &Path,
    rules_dir: &Path,
    rules_file: &str,
) -> Vec<Alert> {
    let dir = scratch(&format!("suricata-run-{name}-{}", s.label.replace(' ', "")));
    let o = Command::new(&s.bin)
        .arg("-c")
        .arg(&s.yaml)
        .arg("--init-errors-fatal")
        .arg("--set")
        .arg(format!("default-rule-path={}", rules_dir.display()))
        .arg("--set")
        .arg(format!("rule-files.0={rules_file}"))
        .arg("-r")
        .arg(pcap)
        .arg("-l")
        .arg(&dir)
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{} on {name}: {all}", s.label);
    assert!(
        !all.lines()
            .any(|l| l.starts_with("E:") || l.starts_with("W:")),
        "{} on {name}: {all}",
        s.label
    );
    let eve = std::fs::read_to_string(dir.join("eve.json")).unwrap();
    eve.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event_type"] == "alert")
        .map(|v| {
            let ts = jiff::Timestamp::strptime(
                "%Y-%m-%dT%H:%M:%S%.f%z",
                v["timestamp"].as_str().unwrap(),
            )
            .expect("eve timestamp");
            Alert {
                sid: v["alert"]["signature_id"].as_u64().unwrap() as u32,
                proto: Proto::parse(v["proto"].as_str().unwrap()).expect("proto"),
                src: endpoint(&v, "src_ip", "src_port", "icmp_type"),
                dst: endpoint(&v, "dest_ip", "dest_port", "icmp_code"),
                ts: ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9,
            }
        })
        .collect()
}

/// The flow a log line belongs to: the newest flow joining its endpoints that had started
/// by `ts`.
fn flow_of(flows: &[Flow], proto: Proto, a: Endpoint, b: Endpoint, ts: f64) -> Option<usize> {
    let candidates: Vec<usize> = (0..flows.len())
        .filter(|i| flows[*i].joins(proto, a, b))
        .collect();
    candidates
        .iter()
        .rev()
        .find(|i| flows[**i].first <= ts + 1e-3)
        .or(candidates.first())
        .copied()
}

// ---------------------------------------------------------------- what each flow is

/// One Sun RPC call (RFC 5531): program, version, procedure, and the MOUNT path for MNT.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    prog: u32,
    vers: u32,
    proc_: u32,
    path: Option<String>,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|w| u32::from_be_bytes(w.try_into().unwrap()))
}

/// Decodes one RPC CALL message; `None` when it is not one.
fn rpc_call(m: &[u8]) -> Option<Call> {
    if be32(m, 4)? != 0 || be32(m, 8)? != 2 {
        return None;
    }
    let (prog, vers, proc_) = (be32(m, 12)?, be32(m, 16)?, be32(m, 20)?);
    let skip =
        |at: usize| -> Option<usize> { Some(at + 4 + (be32(m, at)? as usize).div_ceil(4) * 4) };
    // Credentials and verifier: flavor, then opaque body.
    let args = skip(skip(28)? + 4)?;
    let path = (prog == 100_005 && proc_ == 1)
        .then(|| {
            let n = be32(m, args)? as usize;
            m.get(args + 4..args + 4 + n)
                .map(|p| String::from_utf8_lossy(p).into_owned())
        })
        .flatten();
    Some(Call {
        prog,
        vers,
        proc_,
        path,
    })
}

/// Every RPC call the client sent: one per UDP datagram, one per record over TCP.
fn rpc_calls(f: &Flow) -> Vec<Call> {
    match f.proto {
        Proto::Udp => f
            .client_payloads
            .iter()
            .filter_map(|m| rpc_call(m))
            .collect(),
        Proto::Tcp => {
            let mut out = Vec::new();
            let b = &f.client_bytes;
            let mut at = 0;
            while let Some(mark) = be32(b, at) {
                let len = (mark & 0x7fff_ffff) as usize;
                let Some(m) = b.get(at + 4..at + 4 + len) else {
                    break;
                };
                out.extend(rpc_call(m));
                at += 4 + len;
            }
            out
        }
        Proto::Icmp => Vec::new(),
    }
}

fn is_mllp_hl7(f: &Flow) -> bool {
    f.proto == Proto::Tcp && f.client_bytes.starts_with(b"\x0bMSH|")
}

/// A short description of the flow, from its packets.
fn describe(f: &Flow) -> String {
    if f.proto == Proto::Icmp {
        return format!("ICMP type {} code {}", f.client.1, f.server.1);
    }
    if is_mllp_hl7(f) {
        let n = f
            .client_payloads
            .iter()
            .filter(|p| p.starts_with(b"\x0bMSH|"))
            .count();
        return format!("HL7 over MLLP, {n} messages");
    }
    let calls = rpc_calls(f);
    if !calls.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for c in &calls {
            let name = match (c.prog, c.proc_) {
                (100_000, 3) if c.vers >= 3 => format!("rpcbind v{} GETADDR", c.vers),
                (100_000, 3) => "portmap GETPORT".into(),
                (100_000, 4) if c.vers >= 3 => format!("rpcbind v{} DUMP", c.vers),
                (100_000, 4) => "portmap DUMP".into(),
                (100_000, 0) => "portmap NULL".into(),
                (100_000, p) => format!("portmap proc {p}"),
                (100_005, 1) => format!("MOUNT MNT {}", c.path.as_deref().unwrap_or("?")),
                (100_005, 0) => "MOUNT NULL".into(),
                (100_005, 3) => "MOUNT UMNT".into(),
                (100_005, 5) => "MOUNT EXPORT".into(),
                (100_005, p) => format!("MOUNT proc {p}"),
                (100_003, _) => "NFS".into(),
                (prog, p) => format!("RPC {prog} proc {p}"),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        return names.join(", ");
    }
    match (f.proto, f.server.1) {
        (Proto::Tcp, 515) => "LPD print job".into(),
        (Proto::Udp, 53) => "DNS query".into(),
        (_, 111) => "to the portmapper (not RPC)".into(),
        _ => "other".into(),
    }
}

const CMS: Ipv4Addr = Ipv4Addr::new(202, 114, 4, 119);
const HL7: Ipv4Addr = Ipv4Addr::new(202, 114, 4, 120);

fn in_range(a: Ipv4Addr) -> bool {
    a.octets()[..3] == [202, 114, 4]
}

fn home(a: Ipv4Addr) -> bool {
    a.octets()[..2] == [192, 168]
}

/// The behaviours a flow from the monitored network shows, by catalogue detection id: the
/// advisory's hosts and ports (CMS protocol on 202.114.4.119:515-520, HL7 on .120:511, the
/// NFS mount of /pm from .119) applied to what the flow's packets are.
fn behaviours(f: &Flow) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    if !home(f.client.0) {
        return out;
    }
    let (server, port) = f.server;
    if server == CMS && f.proto == Proto::Tcp && (515..=520).contains(&port) {
        out.insert("cms-patient-data");
    }
    if server == HL7 && f.proto == Proto::Tcp && port == 511 {
        out.insert("hl7-export");
        if is_mllp_hl7(f) {
            out.insert("hl7-mllp");
        }
    }
    if server == CMS {
        for c in rpc_calls(f) {
            match (c.prog, c.proc_) {
                (100_000, 3) if port == 111 => {
                    out.insert("portmap-getport");
                }
                (100_005, 1) if c.path.as_deref() == Some("/pm") => {
                    out.insert("mount-pm");
                }
                (100_003, _) if port == 2049 => {
                    out.insert("nfs-access");
                }
                _ => {}
            }
        }
    }
    out
}

// ---------------------------------------------------------------- scoring

struct Window {
    name: String,
    start: f64,
}

fn read_scenarios(path: &Path) -> Vec<Window> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Window {
                name: f[0].to_owned(),
                start: f[1].parse().unwrap(),
            }
        })
        .collect()
}

/// A flow with what each engine raised on it.
struct Row {
    scenario: String,
    flow: Flow,
    /// One set of sids per Suricata, in `suricatas()` order.
    sids: Vec<BTreeSet<u32>>,
    /// Notices without the package's module prefix, and `Intel::...` ones.
    notices: BTreeSet<String>,
    intel: bool,
}

/// Sids of the lock: rule key -> sid.
fn lock_sids() -> BTreeMap<String, u32> {
    std::fs::read_to_string(root().join(LOCK))
        .unwrap()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.first() == Some(&"rule")).then(|| (f[1].to_owned(), f[2].parse().unwrap()))
        })
        .collect()
}

fn score(name: &str, pcap: &Path, scenarios: &Path) -> Option<(Vec<Row>, Vec<&'static str>)> {
    let engines = suricatas();
    let zeek = zeek();
    if engines.len() < 2 || zeek.is_none() {
        return None;
    }
    let flows = flows::read(pcap);
    let windows = read_scenarios(scenarios);
    let mut rows: Vec<Row> = flows
        .iter()
        .map(|f| Row {
            scenario: windows
                .iter()
                .rev()
                .find(|w| w.start <= f.first)
                .map_or("(before the first scenario)".into(), |w| w.name.clone()),
            flow: f.clone(),
            sids: vec![BTreeSet::new(); engines.len()],
            notices: BTreeSet::new(),
            intel: false,
        })
        .collect();
    for (k, s) in engines.iter().enumerate() {
        for a in suricata_alerts(s, name, pcap, &root().join(PACK_DIR), PACK_FILE) {
            let i = flow_of(&flows, a.proto, a.src, a.dst, a.ts)
                .unwrap_or_else(|| panic!("{}: alert on no flow of the capture: {a:?}", s.label));
            rows[i].sids[k].insert(a.sid);
        }
    }
    let logs = run_zeek(zeek.as_ref().unwrap(), name, pcap, &root().join(ZEEK_PKG));
    let conn_of = |r: &serde_json::Value| -> Option<usize> {
        let proto = Proto::parse(r["proto"].as_str()?)?;
        let a = (
            r["id.orig_h"].as_str()?.parse().ok()?,
            r["id.orig_p"].as_u64()? as u16,
        );
        let b = (
            r["id.resp_h"].as_str()?.parse().ok()?,
            r["id.resp_p"].as_u64()? as u16,
        );
        flow_of(&flows, proto, a, b, r["ts"].as_f64()?)
    };
    let module = format!("{}::", crate::zeek_run::module_name(&root().join(ZEEK_PKG)));
    for n in logs.rows("notice") {
        let i = conn_of(&n).unwrap_or_else(|| panic!("Zeek: notice on no flow: {n}"));
        let note = n["note"].as_str().unwrap();
        rows[i]
            .notices
            .insert(note.strip_prefix(&module).unwrap_or(note).to_owned());
    }
    let uids: BTreeMap<String, usize> = logs
        .rows("conn")
        .iter()
        .filter_map(|c| Some((c["uid"].as_str()?.to_owned(), conn_of(c)?)))
        .collect();
    for uid in logs.intel_uids() {
        rows[uids[&uid]].intel = true;
    }
    Some((rows, engines.iter().map(|s| s.label).collect()))
}

fn sid_list(s: &BTreeSet<u32>) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
    }
}

/// The fidelity table (Markdown), with a legend of the sids.
fn table(rows: &[Row], labels: &[&str]) -> String {
    let mut t = format!(
        "| # | scenario | flow | what the packets are | {} | Zeek |\n|---|---|---|---|{}---|\n",
        labels.join(" | "),
        "---|".repeat(labels.len())
    );
    for (n, r) in rows.iter().enumerate() {
        let f = &r.flow;
        let notices = if r.notices.is_empty() {
            "-".into()
        } else {
            r.notices.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        let flow = if f.proto == Proto::Icmp {
            format!("icmp {} → {}", f.client.0, f.server.0)
        } else {
            format!(
                "{} {} → {}:{}",
                f.proto.name(),
                f.client.0,
                f.server.0,
                f.server.1
            )
        };
        t.push_str(&format!(
            "| {} | {} | {flow} | {} | {} | {}{} |\n",
            n + 1,
            r.scenario,
            describe(f),
            r.sids.iter().map(sid_list).collect::<Vec<_>>().join(" | "),
            notices,
            if r.intel { " (intel.log)" } else { "" },
        ));
    }
    t.push_str("\nSids: ");
    let legend: Vec<String> = lock_sids()
        .iter()
        .map(|(k, s)| (s, k))
        .collect::<BTreeMap<_, _>>()
        .iter()
        .map(|(s, k)| format!("{s} `{}`", k.trim_start_matches("detection/")))
        .collect();
    t.push_str(&legend.join(", "));
    t.push('\n');
    t
}

/// The expected sids of a flow in Suricata: its behaviours' rules, and the range rules on
/// each direction of the flow that has a packet between the monitored network and the range.
fn expected_sids(f: &Flow, sids: &BTreeMap<String, u32>) -> BTreeSet<u32> {
    let mut out: BTreeSet<u32> = behaviours(f)
        .iter()
        .map(|d| sids[&format!("detection/{d}/{}/outbound", f.proto.name())])
        .collect();
    let (to_range, from_range) = if in_range(f.server.0) {
        (f.client_packets > 0, f.server_packets > 0)
    } else {
        (f.server_packets > 0, f.client_packets > 0)
    };
    if to_range {
        out.insert(sids["detection/range-outbound/ip/outbound"]);
    }
    if from_range {
        out.insert(sids["detection/range-inbound/ip/inbound"]);
    }
    out
}

/// The expected package notices of a flow in Zeek (without `Intel::` notices).
fn expected_notices(f: &Flow, names: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut ids = behaviours(f);
    if in_range(f.server.0) {
        ids.insert("range-outbound");
    } else {
        ids.insert("range-inbound");
    }
    ids.iter()
        .map(|d| names[*d].split_once("::").unwrap().1.to_owned())
        .collect()
}

/// The assertions of the module doc, flow by flow.
fn check(rows: &[Row], labels: &[&str]) {
    let sids = lock_sids();
    let names = notice_names(&root().join(ZEEK_PKG));
    let mut seen_behaviours = BTreeSet::new();
    let mut problems = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let f = &r.flow;
        let at = format!("flow {} ({}, {})", n + 1, r.scenario, describe(f));
        let touches_range = in_range(f.client.0) || in_range(f.server.0);
        let package: BTreeSet<String> = r
            .notices
            .iter()
            .filter(|x| !x.starts_with("Intel::"))
            .cloned()
            .collect();
        if !touches_range {
            for (label, got) in labels.iter().zip(&r.sids) {
                if !got.is_empty() {
                    problems.push(format!("{at}: look-alike raised {got:?} in {label}"));
                }
            }
            if !r.notices.is_empty() || r.intel {
                problems.push(format!("{at}: look-alike raised {:?} in Zeek", r.notices));
            }
            continue;
        }
        if f.proto == Proto::Icmp {
            continue;
        }
        for b in behaviours(f) {
            seen_behaviours.insert(format!("{b}/{}", f.proto.name()));
        }
        let want = expected_sids(f, &sids);
        for (label, got) in labels.iter().zip(&r.sids) {
            if *got != want {
                problems.push(format!("{at}: {label} raised {got:?}, expected {want:?}"));
            }
        }
        let want = expected_notices(f, &names);
        if package != want {
            problems.push(format!("{at}: Zeek raised {package:?}, expected {want:?}"));
        }
        // Zeek's Intel framework sees the addresses of established TCP connections.
        let listed = [CMS, HL7].contains(&f.server.0);
        if f.proto == Proto::Tcp
            && f.syn_ack
            && listed
            && !(r.intel && r.notices.contains("Intel::Notice"))
        {
            problems.push(format!("{at}: no Intel match in Zeek"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The rig really made every behaviour, over each transport its clients use.
    for b in [
        "cms-patient-data/tcp",
        "hl7-mllp/tcp",
        "hl7-export/tcp",
        "portmap-getport/tcp",
        "portmap-getport/udp",
        "mount-pm/tcp",
        "mount-pm/udp",
        "nfs-access/tcp",
        "nfs-access/udp",
    ] {
        assert!(
            seen_behaviours.contains(b),
            "no flow of the capture shows {b}"
        );
    }
    // And every look-alike scenario made traffic.
    let scenarios: BTreeSet<&str> = rows.iter().map(|r| r.scenario.as_str()).collect();
    assert!(
        scenarios
            .iter()
            .filter(|s| s.starts_with("lookalike-"))
            .count()
            >= 10,
        "{scenarios:?}"
    );
}

/// Scores a capture, prints and writes the fidelity table, then checks it.
fn score_and_check(name: &str, pcap: &Path, scenarios: &Path) {
    let Some((rows, labels)) = score(name, pcap, scenarios) else {
        return;
    };
    let t = table(&rows, &labels);
    let out = scratch(&format!("traffic-{name}")).join("fidelity.md");
    std::fs::write(&out, &t).unwrap();
    // Straight to stderr, past the test harness's capture: the table belongs in the test output.
    let _ = writeln!(
        std::io::stderr(),
        "\nFidelity of {} ({} flows):\n\n{t}",
        pcap.display(),
        rows.len()
    );
    check(&rows, &labels);
}

#[test]
fn committed_capture_is_detected_flow_by_flow() {
    let rig = root().join("tests/rig");
    score_and_check(
        "committed",
        &rig.join("capture.pcap"),
        &rig.join("scenarios.tsv"),
    );
}

#[test]
fn fresh_capture_of_real_clients_is_detected_flow_by_flow() {
    let dir = scratch("traffic-rig");
    let o = Command::new("bash")
        .arg(root().join("tests/rig/capture.sh"))
        .arg(&dir)
        .env("IOCC_VENV", venv())
        .output()
        .expect("run the capture rig");
    match o.status.code() {
        Some(0) => {}
        Some(77) => {
            skip_or_fail("the capture rig (tests/rig/capture.sh)", stderr(&o).trim());
            return;
        }
        _ => panic!("capture rig failed:\n{}{}", stdout(&o), stderr(&o)),
    }
    score_and_check(
        "fresh",
        &dir.join("capture.pcap"),
        &dir.join("scenarios.tsv"),
    );
}

#[test]
fn rpc_calls_are_read_from_tcp_records_and_udp_datagrams() {
    use crate::pcap::{getport_args, record, rpc_call as call, xdr_string, Pcap, Tcp};
    let client = (Ipv4Addr::new(192, 168, 1, 50), 700);
    let mut p = Pcap::new();
    let getport = call(1, 100_000, 2, 3, &getport_args(100_005, 3, 6));
    let mnt = call(2, 100_005, 3, 1, &xdr_string(b"/pm"));
    let mut both = record(&getport);
    both.extend(record(&mnt));
    Tcp::open(&mut p, client, (CMS, 111)).send(&both).close();
    p.udp(client, (CMS, 4002), &mnt);
    let file = scratch("traffic-rpc-calls").join("t.pcap");
    std::fs::write(&file, p.bytes()).unwrap();
    let flows = flows::read(&file);
    let tcp = rpc_calls(&flows[0]);
    assert_eq!(tcp.len(), 2);
    assert_eq!((tcp[0].prog, tcp[0].vers, tcp[0].proc_), (100_000, 2, 3));
    assert_eq!(tcp[1].path.as_deref(), Some("/pm"));
    assert_eq!(describe(&flows[0]), "portmap GETPORT, MOUNT MNT /pm");
    assert_eq!(describe(&flows[1]), "MOUNT MNT /pm");
    assert_eq!(
        behaviours(&flows[0]),
        BTreeSet::from(["portmap-getport", "mount-pm"])
    );
    assert_eq!(behaviours(&flows[1]), BTreeSet::from(["mount-pm"]));
    assert_eq!(rpc_call(b"not an rpc call at all, really"), None);
}
