//! Agreement of iocc's warninglist matching with `pymispwarninglists` (the reference
//! implementation, `slow_search=True`) on the lists iocc ships and the same sample of values:
//! entries, their first and last addresses and the addresses just outside, subdomains and
//! look-alikes, URLs, upper case hosts, and the classic false positives.

use std::io::Write;
use std::process::{Command, Stdio};

use iocc::benign::{lists, Kind, List, Screen};
use ipnet::IpNet;

use crate::common::*;

/// Samples per list: every n-th entry, so a 60 000-entry list gives a few hundred.
const PER_LIST: usize = 300;

fn samples(list: &List) -> Vec<String> {
    let step = (list.list.len() / PER_LIST).max(1);
    let mut out: Vec<String> = [
        "8.8.8.8",
        "1.1.1.1",
        "10.1.2.3",
        "fe80::1",
        "2001:4860:4860::8888",
        "google.com",
        "www.google.com",
        "example.com",
        "c2.example.com",
        "not-listed.example",
        "http://www.google.com/x",
        "193.142.146.40",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for entry in list.list.iter().step_by(step) {
        out.push(entry.clone());
        match list.kind {
            Kind::Cidr => {
                let net = if entry.contains('/') {
                    entry.parse::<IpNet>().ok()
                } else {
                    entry.parse::<std::net::IpAddr>().ok().map(IpNet::from)
                };
                if let Some(n) = net {
                    for a in [n.network(), n.broadcast()] {
                        out.push(a.to_string());
                    }
                    let (first, last) = match n {
                        IpNet::V4(v) => (
                            u32::from(v.network()) as u128,
                            u32::from(v.broadcast()) as u128,
                        ),
                        IpNet::V6(v) => (u128::from(v.network()), u128::from(v.broadcast())),
                    };
                    for x in [first.checked_sub(1), last.checked_add(1)]
                        .into_iter()
                        .flatten()
                    {
                        out.push(match n {
                            IpNet::V4(_) if x <= u32::MAX as u128 => {
                                std::net::Ipv4Addr::from(x as u32).to_string()
                            }
                            IpNet::V4(_) => continue,
                            IpNet::V6(_) => std::net::Ipv6Addr::from(x).to_string(),
                        });
                    }
                }
            }
            Kind::Hostname | Kind::String => {
                let bare = entry.trim_start_matches('.');
                out.push(format!("sub.{bare}"));
                out.push(format!("x{bare}"));
                out.push(format!("{bare}.evil.example"));
                out.push(format!("http://{bare}/path?q=1"));
                out.push(format!(
                    "https://user@WWW.{}:8080/x",
                    bare.to_ascii_uppercase()
                ));
            }
            Kind::Substring => {
                out.push(format!("a{entry}b"));
                out.push(entry.chars().skip(1).collect());
            }
            Kind::Regex => {}
        }
    }
    out
}

#[test]
fn verdicts_agree_with_pymispwarninglists() {
    let python = venv().join("bin").join("python3");
    let ready = python.is_file()
        && Command::new(&python)
            .args(["-c", "import pymispwarninglists"])
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        if std::env::var("IOCC_REQUIRE_ENGINES").as_deref() == Ok("1") {
            panic!("pymispwarninglists is required (IOCC_REQUIRE_ENGINES=1) but missing: run .ci/install-engines");
        }
        eprintln!("\n!!!!!!!! SKIPPED: pymispwarninglists is not installed in the venv; run .ci/install-engines !!!!!!!!\n");
        return;
    }
    let shipped = lists::shipped();
    let mut request = Vec::new();
    let mut ours = Vec::new();
    for list in &shipped {
        let values = samples(list);
        let screen = Screen::new(vec![list.clone()]);
        ours.push(
            values
                .iter()
                .map(|v| screen.python_verdict(v))
                .collect::<Vec<bool>>(),
        );
        request.push(serde_json::json!({
            "file": root().join("src/benign/data").join(format!("{}.json", list.id)),
            "values": values,
        }));
    }
    let mut child = Command::new(&python)
        .arg(root().join("tests/it/benign.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::json!({"lists": request}).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut compared = 0;
    let mut matched = 0;
    for (i, list) in shipped.iter().enumerate() {
        let values = request[i]["values"].as_array().unwrap();
        for (j, v) in values.iter().enumerate() {
            let want = theirs["verdicts"][i][j].as_bool().unwrap();
            assert_eq!(
                ours[i][j], want,
                "list {}: `{}`: iocc {} pymispwarninglists {want}",
                list.id, v, ours[i][j]
            );
            compared += 1;
            matched += usize::from(want);
        }
    }
    // The sample is not trivially all-negative or all-positive.
    assert!(
        compared > 10_000 && matched > 2_000 && matched + 2_000 < compared,
        "{compared} compared, {matched} matched"
    );
}
