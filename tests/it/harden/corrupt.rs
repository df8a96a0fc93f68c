//! Hand-damaged state: a SID lock with a duplicate sid, a sid outside the policy range, a
//! truncated line or git conflict markers, and a `VERSION` that does not parse. Each is a
//! located error (file and line), exit code 1, never a panic, and nothing is rewritten
//! behind the user's back: no re-numbering, no output written.

use super::{assert_ok, build, digest, write_catalogue, ID};
use crate::common::scratch;

/// A damaged lock: how to damage it, the line the error must point at, and what it must say.
struct Damage {
    name: &'static str,
    edit: fn(&[&str]) -> (String, usize),
    says: &'static str,
}

/// The lock's lines with the sid of rule line `at` replaced.
fn with_sid(lines: &[&str], at: usize, sid: &str) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let mut fields: Vec<&str> = lines[at].split(' ').collect();
    fields[2] = sid;
    out[at] = fields.join(" ");
    out.join("\n") + "\n"
}

const DAMAGES: &[Damage] = &[
    Damage {
        name: "duplicate sid",
        edit: |l| {
            let sid = l[2].split(' ').nth(2).unwrap();
            (with_sid(l, 3, sid), 4)
        },
        says: "appears twice (first on line 3)",
    },
    Damage {
        name: "sid outside the range",
        edit: |l| (with_sid(l, 2, "5"), 3),
        says: "outside the policy's SID range 1000000-1999999",
    },
    Damage {
        name: "truncated line",
        edit: |l| {
            // The file ends after the third field of its last line (a write cut short).
            let cut: Vec<&str> = l[l.len() - 1].split(' ').take(3).collect();
            let text = l[..l.len() - 1].join("\n") + "\n" + &cut.join(" ");
            (text, l.len())
        },
        says: "is it cut short",
    },
    Damage {
        name: "conflict markers",
        edit: |l| {
            let (head, tail) = l.split_at(2);
            let text = format!(
                "{}\n<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> other\n",
                head.join("\n"),
                tail.join("\n"),
                tail[0]
            );
            (text, 3)
        },
        says: "git conflict marker",
    },
];

#[test]
fn damaged_sid_locks_are_located_errors() {
    let dir = scratch("harden-corrupt-lock");
    let a = write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, 40);
    let out = dir.join("out");
    assert_ok(&build(&dir, &a, &out, &[]), "build a");
    let lock = dir.join("a").join(format!("{ID}.sids.lock"));
    let good = std::fs::read_to_string(&lock).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    assert!(
        lines.len() >= 4,
        "two comment lines and two rules at least:\n{good}"
    );
    // Another catalogue version, so a build that went on would change output and lock.
    write_catalogue(&dir.join("a"), "1.0.1", 0x0600_0000, 40);
    let before = digest(&out);
    for damage in DAMAGES {
        let (text, line) = (damage.edit)(&lines);
        std::fs::write(&lock, &text).unwrap();
        for args in [&[][..], &["--check"][..]] {
            let run = build(&dir, &a, &out, args);
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(1), "{}: {err}", damage.name);
            assert!(
                err.contains("error[invalid-sid-lock]"),
                "{}: {err}",
                damage.name
            );
            let at = format!("{ID}.sids.lock:{line}:");
            assert!(err.contains(&at), "{}: not at {at}: {err}", damage.name);
            assert!(err.contains(damage.says), "{}: {err}", damage.name);
            assert!(!err.contains("panicked"), "{}: {err}", damage.name);
            assert_eq!(
                std::fs::read_to_string(&lock).unwrap(),
                text,
                "{}",
                damage.name
            );
            assert_eq!(digest(&out), before, "{}: output written", damage.name);
        }
    }
    std::fs::write(&lock, "=======\n").unwrap();
    let err = String::from_utf8_lossy(&build(&dir, &a, &out, &[]).stderr).into_owned();
    assert!(
        err.contains("never reuse one"),
        "says how to resolve: {err}"
    );
}

#[test]
fn a_damaged_version_file_is_located() {
    let dir = scratch("harden-corrupt-version");
    let a = write_catalogue(&dir.join("a"), "1.0.0", 0x0500_0000, 40);
    let out = dir.join("out");
    assert_ok(&build(&dir, &a, &out, &[]), "build a");
    let version = out.join(ID).join("VERSION");
    for (text, line) in [
        ("1.0.0\n<<<<<<< HEAD\n", 2),
        ("one point oh\n", 1),
        ("", 1),
        ("\u{0}\u{1}", 1),
    ] {
        std::fs::write(&version, text).unwrap();
        let check = build(&dir, &a, &out, &["--check"]);
        let err = String::from_utf8_lossy(&check.stderr);
        assert_eq!(check.status.code(), Some(1), "{text:?}: {err}");
        assert!(err.contains("does not hold one version"), "{text:?}: {err}");
        assert!(
            err.contains(&format!("VERSION:{line}")) || text.is_empty(),
            "{text:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        // A writing build warns and writes it again.
        let fixed = build(&dir, &a, &out, &[]);
        assert_ok(&fixed, "rebuild");
        assert!(String::from_utf8_lossy(&fixed.stderr).contains("does not hold one version"));
        assert_eq!(std::fs::read_to_string(&version).unwrap(), "1.0.0\n");
    }
}
