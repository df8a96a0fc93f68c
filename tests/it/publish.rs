//! Signed releases and TAXII publication, run for real: Debian's `minisign` verifies what
//! `iocc bundle --sign` signs and rejects it after one changed byte, `iocc verify --pubkey`
//! refuses another key's signature, and `iocc publish` pushes two versions to medallion on
//! 127.0.0.1, read back with taxii2-client (`added_after` returns only what the second one
//! changed), with clear errors for 401, 403, 404, 413 and a silent server.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common::*;

const CATALOGUE: &str = "iocs/contec-cms8000.yaml";
const LOCK: &str = "iocs/contec-cms8000.sids.lock";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `iocc` in `cwd` with extra environment variables and no terminal on stdin.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iocc"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("IOCC_SIGN_PASSWORD")
        .env_remove("IOCC_TAXII_USER")
        .env_remove("IOCC_TAXII_PASSWORD")
        .env_remove("IOCC_TAXII_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run iocc")
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}{}", stderr(o), stdout(o));
}

/// A scratch project holding the committed catalogue and its lock.
fn project(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("iocs")).unwrap();
    for f in [CATALOGUE, LOCK] {
        std::fs::copy(root().join(f), dir.join(f)).unwrap();
    }
    dir
}

/// Makes a key pair without password in `dir`; returns (secret, public) paths.
fn keypair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    ok(&run(dir, &["keygen", name, "--no-password"], &[]));
    (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    )
}

/// A copy of a signed file with one byte changed, its signature beside it.
fn tampered_copy(file: &Path) -> PathBuf {
    let tampered = file.with_file_name("tampered.tar.gz");
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&tampered, bytes).unwrap();
    std::fs::copy(
        iocc::bundle::signature_path(file),
        iocc::bundle::signature_path(&tampered),
    )
    .unwrap();
    tampered
}

fn minisign_verify(minisign: &Path, file: &Path, public: &Path) -> Output {
    Command::new(minisign)
        .args(["-V", "-m", s(file), "-p", s(public)])
        .output()
        .unwrap()
}

#[test]
#[cfg_attr(
    iocc_missing = "minisign",
    ignore = "engine `minisign` is not installed"
)]
fn a_signed_release_verifies_with_minisign_and_iocc_and_a_changed_byte_does_not() {
    let dir = project("sign-release");
    let (key, public) = keypair(&dir, "release");
    let o = run(&dir, &["bundle", "--out", "dist", "--sign", s(&key)], &[]);
    ok(&o);
    assert!(
        stdout(&o).contains("signed: dist/contec-cms8000-1.5.0.tar.gz.minisig"),
        "{}",
        stdout(&o)
    );
    let dist = dir.join("dist");
    let archive = dist.join("contec-cms8000-1.5.0.tar.gz");
    // SHA256SUMS lists every file of the folder, and sha256sum agrees.
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let listed: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        listed,
        [
            "contec-cms8000-1.5.0.tar.gz",
            "contec-cms8000-1.5.0.tar.gz.md5",
            "contec-cms8000-1.5.0.tar.gz.minisig",
            "contec-cms8000-1.5.0.tar.gz.sha256"
        ]
    );
    if let Some(sha256sum) = engine("sha256sum") {
        let o = Command::new(sha256sum)
            .args(["-c", "SHA256SUMS"])
            .current_dir(&dist)
            .output()
            .unwrap();
        ok(&o);
    }
    // iocc checks the signature, then every checksum.
    let o = run(&dir, &["verify", "--pubkey", s(&public), s(&archive)], &[]);
    ok(&o);
    assert!(
        stdout(&o).contains(
            "signature verified (timestamp:1740441600 file:contec-cms8000-1.5.0.tar.gz hashed)"
        ),
        "{}",
        stdout(&o)
    );
    // The public key's base64 line works as well as its file.
    let line = std::fs::read_to_string(&public)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    ok(&run(&dir, &["verify", "--pubkey", &line, s(&archive)], &[]));

    let Some(minisign) = engine("minisign") else {
        return;
    };
    ok(&minisign_verify(&minisign, &archive, &public));
    ok(&minisign_verify(
        &minisign,
        &dist.join("SHA256SUMS"),
        &public,
    ));
    // One changed byte: minisign and iocc refuse, iocc before reading the manifest.
    let tampered = tampered_copy(&archive);
    let o = minisign_verify(&minisign, &tampered, &public);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let o = run(&dir, &["verify", "--pubkey", s(&public), s(&tampered)], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[bad-signature]"),
        "{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("manifest"),
        "the manifest is not read: {}",
        stderr(&o)
    );
    // Debian's minisign signs with iocc's key, and iocc verifies that signature.
    let other = dir.join("by-minisign.txt");
    std::fs::write(&other, "signed by minisign\n").unwrap();
    let o = Command::new(&minisign)
        .args(["-S", "-W", "-s", s(&key), "-m", s(&other)])
        .output()
        .unwrap();
    ok(&o);
    let sig = std::fs::read_to_string(dir.join("by-minisign.txt.minisig")).unwrap();
    let pk = iocc::sign::public_key(s(&public)).unwrap();
    assert!(iocc::sign::verify(&pk, b"signed by minisign\n", &sig).is_ok());
}

#[test]
fn a_bundle_signed_by_another_key_is_refused() {
    let dir = project("sign-other-key");
    let (key, _) = keypair(&dir, "mine");
    let (_, theirs) = keypair(&dir, "theirs");
    ok(&run(
        &dir,
        &["bundle", "--out", "dist", "--sign", s(&key)],
        &[],
    ));
    let archive = dir.join("dist/contec-cms8000-1.5.0.tar.gz");
    let o = run(&dir, &["verify", "--pubkey", s(&theirs), s(&archive)], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[bad-signature]"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("is different from public key"),
        "{}",
        stderr(&o)
    );
    // Unsigned again: the stale signature is removed, not left to mismatch.
    ok(&run(&dir, &["bundle", "--out", "dist"], &[]));
    assert!(!dir
        .join("dist/contec-cms8000-1.5.0.tar.gz.minisig")
        .exists());
    assert!(!dir.join("dist/SHA256SUMS.minisig").exists());
    let o = run(&dir, &["verify", "--pubkey", s(&theirs), s(&archive)], &[]);
    assert!(stderr(&o).contains("no signature"), "{}", stderr(&o));
}

#[test]
fn a_password_protected_key_from_the_environment_signs_and_is_never_written() {
    let dir = project("sign-env");
    let password = [("IOCC_SIGN_PASSWORD", "correct horse")];
    ok(&run(&dir, &["keygen", "ci"], &password));
    let o = run(&dir, &["keygen", "ci", "--no-password"], &[]);
    assert_eq!(o.status.code(), Some(1), "keygen overwrote a key");
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("ci.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(dir.join("ci.key")).unwrap();
    std::fs::remove_file(dir.join("ci.key")).unwrap();
    let key = [("IOCC_RELEASE_KEY", secret.as_str())];
    // No password and no terminal: a clear error, not a prompt that never ends.
    let o = run(
        &dir,
        &["bundle", "--out", "dist", "--sign", "env:IOCC_RELEASE_KEY"],
        &key,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[invalid-key]") && stderr(&o).contains("IOCC_SIGN_PASSWORD"),
        "{}",
        stderr(&o)
    );
    assert!(
        !dir.join("dist").exists(),
        "nothing written before the key opened"
    );
    let wrong = [key[0], ("IOCC_SIGN_PASSWORD", "wrong")];
    let o = run(
        &dir,
        &["bundle", "--out", "dist", "--sign", "env:IOCC_RELEASE_KEY"],
        &wrong,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Wrong password"), "{}", stderr(&o));
    let right = [key[0], password[0]];
    ok(&run(
        &dir,
        &["bundle", "--out", "dist", "--sign", "env:IOCC_RELEASE_KEY"],
        &right,
    ));
    ok(&run(
        &dir,
        &[
            "verify",
            "--pubkey",
            "ci.pub",
            "dist/contec-cms8000-1.5.0.tar.gz",
        ],
        &[],
    ));
    // The secret key is in no file iocc wrote.
    let base64 = secret.lines().nth(1).unwrap();
    for e in walk(&dir) {
        let text = String::from_utf8_lossy(&std::fs::read(&e).unwrap()).into_owned();
        assert!(
            !text.contains(base64),
            "{} holds the secret key",
            e.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// medallion on a free port of 127.0.0.1, with two API roots: `iocs` (a writable and a
/// read-only collection) and `small` (max_content_length 300). Stopped when dropped.
struct Medallion {
    child: std::process::Child,
    base: String,
}

const WRITABLE: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
const READ_ONLY: &str = "52892447-4d7e-4f70-b94d-d7f22742ff63";

impl Medallion {
    fn start(dir: &Path) -> Option<Medallion> {
        let medallion = engine("medallion")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let collection = |id: &str, write: bool| {
            serde_json::json!({"id": id, "title": id, "can_read": true, "can_write": write,
                "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []})
        };
        let root = |max: u64, collections: Vec<Value>| {
            serde_json::json!({
                "information": {"title": "root", "versions": ["application/taxii+json;version=2.1"], "max_content_length": max},
                "status": [], "collections": collections})
        };
        let data = serde_json::json!({
            "/discovery": {"title": "iocc test", "default": format!("{base}/iocs/"),
                "api_roots": [format!("{base}/iocs/"), format!("{base}/small/")]},
            "iocs": root(104_857_600, vec![collection(WRITABLE, true), collection(READ_ONLY, false)]),
            "small": root(300, vec![collection(WRITABLE, true)]),
        });
        std::fs::write(dir.join("data.json"), data.to_string()).unwrap();
        let conf = serde_json::json!({
            "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                        "filename": s(&dir.join("data.json"))},
            "users": {"ci": "ci-password"},
            "taxii": {"max_page_size": 1000}
        });
        std::fs::write(dir.join("medallion.json"), conf.to_string()).unwrap();
        let log = std::fs::File::create(dir.join("medallion.log")).unwrap();
        let child = Command::new(&medallion)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(dir.join("medallion.json"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start medallion");
        let server = Medallion { child, base };
        // Wait until it listens (a bounded number of attempts, not a timing assertion).
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "medallion did not start; see {}/medallion.log",
            dir.display()
        );
    }

    fn root(&self, name: &str) -> String {
        format!("{}/{name}/", self.base)
    }
}

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("IOCC_TAXII_USER", "ci"),
    ("IOCC_TAXII_PASSWORD", "ci-password"),
];

/// What the collection holds (all, or added after `after`), read with taxii2-client.
fn read_back(m: &Medallion, after: Option<&str>) -> Value {
    let python = venv().join("bin").join("python");
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/taxii/readback.py")).args([
        &m.root("iocs"),
        WRITABLE,
        "ci",
        "ci-password",
    ]);
    if let Some(a) = after {
        cmd.arg(a);
    }
    let o = cmd.output().unwrap();
    ok(&o);
    serde_json::from_str(stdout(&o).trim()).unwrap()
}

/// The STIX objects of a release archive, by id.
fn stix_of(archive: &Path) -> BTreeMap<String, Value> {
    let tree = iocc::bundle::read_archive(&std::fs::read(archive).unwrap()).unwrap();
    let (_, bytes) = tree.iter().find(|(p, _)| p.starts_with("stix/")).unwrap();
    let v: Value = serde_json::from_slice(bytes).unwrap();
    v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_owned(), o.clone()))
        .collect()
}

fn publish(
    dir: &Path,
    archive: &str,
    root: &str,
    collection: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut args = vec![
        "--format",
        "json",
        "publish",
        archive,
        "--api-root",
        root,
        "--collection",
        collection,
    ];
    args.extend(extra);
    run(dir, &args, env)
}

fn report(o: &Output) -> Value {
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)));
    v
}

/// Rewrites the catalogue as version 1.6.0: a changed role, a new indicator, a removed one
/// and a later `advisory.modified`.
fn write_next_version(cat: &Path) {
    let text = std::fs::read_to_string(cat).unwrap();
    let start = text.find("  - id: hl7-port\n").unwrap();
    let end = start + text[start..].find("  - id: monitor-binary\n").unwrap();
    let v2 = format!("{}{}", &text[..start], &text[end..])
        .replace("version: 1.5.0", "version: 1.6.0")
        .replace("modified: 2025-02-25", "modified: 2025-03-01")
        .replace("role: Hard-coded HL7 server", "role: Hard-coded HL7 (MLLP) server")
        .replace(
            "\ndetections:\n",
            "  - {id: update-url, kind: url, value: \"http://202.114.4.119/update.bin\", confidence: inferred, references: [https://example.com/x]}\n\ndetections:\n",
        );
    std::fs::write(cat, v2).unwrap();
}

/// The ids new in `s2`, changed (content besides `modified`), and gone (versioned ones).
fn changes<'a>(
    s1: &'a BTreeMap<String, Value>,
    s2: &'a BTreeMap<String, Value>,
) -> [BTreeSet<&'a str>; 3] {
    let strip = |o: &Value| {
        let mut o = o.clone();
        o.as_object_mut().unwrap().remove("modified");
        o
    };
    let added = s2
        .keys()
        .filter(|k| !s1.contains_key(*k))
        .map(String::as_str)
        .collect();
    let changed = s2
        .iter()
        .filter(|(k, o)| s1.get(*k).is_some_and(|old| strip(old) != strip(o)))
        .map(|(k, _)| k.as_str())
        .collect();
    let gone = s1
        .iter()
        .filter(|(k, o)| !s2.contains_key(*k) && o.get("modified").is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    [added, changed, gone]
}

#[test]
#[cfg_attr(
    iocc_missing = "medallion",
    ignore = "engine `medallion` is not installed"
)]
fn publish_pushes_two_versions_and_the_second_only_what_changed() {
    if engine("medallion").is_none() {
        return;
    }
    let dir = project("publish-taxii");
    ok(&run(&dir, &["bundle", "--out", "dist"], &[]));
    // Version 1.6.0: a changed role, a new indicator, a removed one, a later modified date.
    write_next_version(&dir.join(CATALOGUE));
    ok(&run(&dir, &["build"], &[]));
    ok(&run(&dir, &["bundle", "--out", "dist"], &[]));
    let (a1, a2) = (
        "dist/contec-cms8000-1.5.0.tar.gz",
        "dist/contec-cms8000-1.6.0.tar.gz",
    );
    let (s1, s2) = (stix_of(&dir.join(a1)), stix_of(&dir.join(a2)));

    let scratch_dir = scratch("publish-taxii-server");
    let Some(m) = Medallion::start(&scratch_dir) else {
        return;
    };
    let iocs = m.root("iocs");
    // Version 1: everything is new.
    let o = publish(&dir, a1, &iocs, WRITABLE, &[], &CREDENTIALS);
    ok(&o);
    let r = report(&o);
    assert_eq!(r["publish"]["previous"], Value::Null, "{r}");
    assert_eq!(r["publish"]["new"], s1.len());
    assert_eq!(r["publish"]["accepted"], s1.len());
    let first = read_back(&m, None);
    let held: BTreeSet<&str> = first["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(held, s1.keys().map(String::as_str).collect());
    let checkpoint = first["last_added"].as_str().unwrap().to_owned();

    // Version 2: the previous archive is found beside it; only the difference goes.
    let [added, changed, gone] = changes(&s1, &s2);
    assert!(!added.is_empty() && !changed.is_empty() && !gone.is_empty());
    let o = publish(&dir, a2, &iocs, WRITABLE, &[], &CREDENTIALS);
    ok(&o);
    let r = report(&o);
    assert_eq!(r["publish"]["previous"], a1, "{r}");
    assert_eq!(r["publish"]["new"], added.len());
    assert_eq!(r["publish"]["changed"], changed.len());
    assert_eq!(r["publish"]["revoked"], gone.len());
    assert!(r["publish"]["unchanged"].as_u64().unwrap() > 0);
    let second = read_back(&m, Some(&checkpoint));
    let got: BTreeMap<&str, &Value> = second["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o))
        .collect();
    let want: BTreeSet<&str> = added.iter().chain(&changed).chain(&gone).copied().collect();
    assert_eq!(got.keys().copied().collect::<BTreeSet<_>>(), want);
    for id in &gone {
        assert_eq!(got[id]["revoked"], true, "{id} is revoked");
    }
    for id in &changed {
        assert_eq!(got[id]["modified"], "2025-03-01T00:00:00.000Z");
    }
    // Sent again (an interrupted run): the server's copies are recognised, nothing fails.
    let o = publish(&dir, a2, &iocs, WRITABLE, &[], &CREDENTIALS);
    ok(&o);
    assert_eq!(report(&o)["publish"]["already_held"], want.len());
    // A dry run sends nothing.
    let o = publish(
        &dir,
        a2,
        &iocs,
        WRITABLE,
        &["--dry-run", "--full"],
        &CREDENTIALS,
    );
    ok(&o);
    assert_eq!(report(&o)["publish"]["requests"], 0);
}

#[test]
#[cfg_attr(
    iocc_missing = "medallion",
    ignore = "engine `medallion` is not installed"
)]
fn publish_errors_say_what_went_wrong() {
    if engine("medallion").is_none() {
        return;
    }
    let dir = project("publish-errors");
    ok(&run(&dir, &["bundle", "--out", "dist"], &[]));
    let archive = "dist/contec-cms8000-1.5.0.tar.gz";
    let scratch_dir = scratch("publish-errors-server");
    let Some(m) = Medallion::start(&scratch_dir) else {
        return;
    };
    let iocs = m.root("iocs");
    let error = |o: &Output| -> String {
        assert_eq!(o.status.code(), Some(1), "{}{}", stdout(o), stderr(o));
        let v = report(o);
        assert_eq!(
            v["diagnostics"]["diagnostics"][0]["code"], "publish-failed",
            "{v}"
        );
        v["diagnostics"]["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let wrong = [CREDENTIALS[0], ("IOCC_TAXII_PASSWORD", "nope")];
    let e = error(&publish(&dir, archive, &iocs, WRITABLE, &[], &wrong));
    assert!(e.contains("refused the credentials (401)"), "{e}");
    let e = error(&publish(&dir, archive, &iocs, WRITABLE, &[], &[]));
    assert!(
        e.contains("asks for credentials (401)") && e.contains("IOCC_TAXII_USER"),
        "{e}"
    );
    let e = error(&publish(&dir, archive, &iocs, READ_ONLY, &[], &CREDENTIALS));
    assert!(e.contains("(403)") && e.contains("write access"), "{e}");
    let e = error(&publish(
        &dir,
        archive,
        &iocs,
        "no-such-collection",
        &[],
        &CREDENTIALS,
    ));
    assert!(e.contains("(404)") && e.contains("--collection"), "{e}");
    let e = error(&publish(
        &dir,
        archive,
        &m.root("small"),
        WRITABLE,
        &[],
        &CREDENTIALS,
    ));
    assert!(e.contains("too large (413)"), "{e}");
    // A server that takes the connection and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/taxii/", silent.local_addr().unwrap());
    let keep = std::thread::spawn(move || {
        let conns: Vec<_> = silent.incoming().take(1).collect();
        std::thread::sleep(std::time::Duration::from_secs(5));
        drop(conns);
    });
    let e = error(&publish(
        &dir,
        archive,
        &url,
        WRITABLE,
        &["--timeout", "1"],
        &CREDENTIALS,
    ));
    assert!(e.contains("no answer within 1 s"), "{e}");
    let _ = keep.join();
}

/// The `sh` blocks of the README's "Publishing" section, in order.
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("\n## Publishing\n")
        .expect("a Publishing section");
    let section = &readme[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |i| i + 1)];
    section
        .split("```sh\n")
        .skip(1)
        .map(|b| b[..b.find("```").unwrap()].to_owned())
        .collect()
}

fn sh(cwd: &Path, script: &str, env: &[(&str, &str)], path: &str) -> Output {
    let mut cmd = Command::new("sh");
    cmd.args(["-ec", script])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env("PATH", path)
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
#[cfg_attr(
    any(iocc_missing = "minisign", iocc_missing = "medallion"),
    ignore = "engine `minisign` or `medallion` is not installed"
)]
fn the_readme_publishing_commands_run_as_written() {
    let blocks = readme_blocks();
    assert_eq!(
        blocks.len(),
        3,
        "keygen, the publisher's CI, the consumer's check"
    );
    let (Some(_), Some(_)) = (engine("minisign"), engine("medallion")) else {
        return;
    };
    let dir = project("readme-publishing");
    // `iocc` and a stand-in for `gh` (which would upload to GitHub) on PATH.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_iocc"), bin.join("iocc")).unwrap();
    std::fs::write(bin.join("gh"), "#!/bin/sh\necho \"$@\" >> \"$GH_LOG\"\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("gh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let password = ("IOCC_SIGN_PASSWORD", "readme password");
    ok(&sh(&dir, &blocks[0], &[password], &path));
    assert!(dir.join("release.key").is_file() && dir.join("release.pub").is_file());
    ok(&run(&dir, &["build"], &[]));

    let server_dir = scratch("readme-publishing-server");
    let Some(m) = Medallion::start(&server_dir) else {
        return;
    };
    let key = std::fs::read_to_string(dir.join("release.key")).unwrap();
    let log = dir.join("gh.log");
    let api_root = m.root("iocs");
    let release = |tag: &str| {
        let env = [
            ("IOCC_SIGN_KEY", key.as_str()),
            password,
            CREDENTIALS[0],
            CREDENTIALS[1],
            ("TAG", tag),
            ("TAXII_API_ROOT", api_root.as_str()),
            ("TAXII_COLLECTION", WRITABLE),
            ("GH_LOG", s(&log)),
        ];
        let o = sh(&dir, &blocks[1], &env, &path);
        ok(&o);
        o
    };
    let o = release("v1.5.0");
    assert!(
        stdout(&o).contains("nothing: first publication"),
        "{}",
        stdout(&o)
    );
    // The next release: the catalogue changed, out/ and the lock rebuilt and committed.
    let cat = dir.join(CATALOGUE);
    let text = std::fs::read_to_string(&cat).unwrap();
    std::fs::write(
        &cat,
        text.replace("version: 1.5.0", "version: 1.6.0")
            .replace("modified: 2025-02-25", "modified: 2025-03-01")
            .replace(
                "role: Hard-coded HL7 server",
                "role: Hard-coded HL7 (MLLP) server",
            ),
    )
    .unwrap();
    ok(&run(&dir, &["build"], &[]));
    let o = release("v1.6.0");
    assert!(
        stdout(&o).contains("(compared with dist/contec-cms8000-1.5.0.tar.gz)"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains(" 0 changed"), "{}", stdout(&o));
    let uploads = std::fs::read_to_string(&log).unwrap();
    assert!(
        uploads.starts_with("release create v1.5.0 dist/"),
        "{uploads}"
    );
    assert!(uploads.contains("release create v1.6.0 dist/"), "{uploads}");
    assert!(uploads.contains("dist/SHA256SUMS.minisig"), "{uploads}");

    // The consumer, in a folder of downloads holding the publisher's public key.
    let downloads = dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    for e in std::fs::read_dir(dir.join("dist")).unwrap().flatten() {
        std::fs::copy(e.path(), downloads.join(e.file_name())).unwrap();
    }
    std::fs::copy(dir.join("release.pub"), downloads.join("release.pub")).unwrap();
    ok(&sh(&downloads, &blocks[2], &[], &path));
}
