//! Life in a shell: completions (bash, zsh, fish), man pages, `--quiet`, `--verbose`, colour
//! and progress only where a person reads a terminal.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// The completion script of `shell`, written to a scratch file.
fn completion_script(shell: &str, dir: &Path) -> std::path::PathBuf {
    let o = iocc(&["completions", shell]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("bundle"), "{shell}: {}", stdout(&o));
    let path = dir.join(format!("iocc.{shell}"));
    std::fs::write(&path, &o.stdout).unwrap();
    path
}

/// What bash completes for the words of `line` (the last one being typed), in an interactive
/// bash that sourced the completion script.
fn bash_complete(script: &Path, line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let harness = format!(
        "source {script}\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         COMP_LINE='{line}'\n\
         COMP_POINT={point}\n\
         $(complete -p iocc | sed -e 's/.*-F \\([^ ]*\\).*/\\1/') iocc '{last}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = script.display(),
        words = words.join(" "),
        cword = words.len() - 1,
        point = line.len(),
        last = words[words.len() - 1],
        prev = words[words.len() - 2],
    );
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-i", "-c", &harness])
        .output()
        .expect("run bash");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut found: Vec<String> = stdout(&o)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    found.sort();
    found
}

#[test]
fn bash_completes_commands_and_options() {
    let dir = scratch("completions-bash");
    let script = completion_script("bash", &dir);
    assert_eq!(bash_complete(&script, "iocc bu"), ["build", "bundle"]);
    assert_eq!(bash_complete(&script, "iocc ini"), ["init"]);
    assert_eq!(bash_complete(&script, "iocc build --lo"), ["--locked"]);
    assert_eq!(
        bash_complete(&script, "iocc completions f"),
        ["fish"],
        "values of an argument are completed too"
    );
}

#[test]
fn zsh_and_fish_load_their_completions() {
    let dir = scratch("completions-other");
    for shell in ["elvish", "powershell"] {
        completion_script(shell, &dir);
    }
    if let Some(zsh) = engine("zsh") {
        let script = completion_script("zsh", &dir);
        let o = Command::new(zsh)
            .args([
                "-f",
                "-c",
                &format!(
                    "autoload -U compinit && compinit -u -D && source {} && whence -w _iocc",
                    script.display()
                ),
            ])
            .output()
            .unwrap();
        assert_eq!(stdout(&o).trim(), "_iocc: function", "{}", stderr(&o));
    }
    if let Some(fish) = engine("fish") {
        let script = completion_script("fish", &dir);
        let o = Command::new(fish)
            .args([
                "--no-config",
                "-c",
                &format!("source {}; complete -C 'iocc bu'", script.display()),
            ])
            .output()
            .unwrap();
        let listed = stdout(&o);
        let words: Vec<&str> = listed
            .lines()
            .map(|l| l.split('\t').next().unwrap_or(""))
            .collect();
        assert_eq!(words, ["build", "bundle"], "{}", stderr(&o));
    }
}

#[test]
fn man_pages_render_without_warnings() {
    let dir = scratch("man-pages");
    let o = iocc(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for page in ["iocc.1", "iocc-build.1", "iocc-init.1", "iocc-man.1"] {
        assert!(dir.join(page).is_file(), "{page} is missing");
    }
    let page = dir.join("iocc-build.1");
    let man = engine("man").unwrap_or_else(|| panic!("man is part of the base system"));
    let o = Command::new(man)
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(text.contains("iocc-build"), "{text}");
    assert!(text.contains("--locked"), "{text}");
    assert_eq!(stderr(&o), "", "man -l warns");
    if let Some(groff) = engine("groff") {
        let o = Command::new(groff)
            .args(["-ww", "-z", "-man"])
            .arg(&page)
            .output()
            .unwrap();
        assert_eq!(stderr(&o), "", "groff -ww warns");
    }
    if let Some(mandoc) = engine("mandoc") {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let o = Command::new(&mandoc)
                .args(["-T", "lint", "-W", "warning"])
                .arg(entry.path())
                .output()
                .unwrap();
            // clap_mangen separates a value list with `.br`, a blank line, `.br`: mandoc
            // notes the redundant breaks, which change nothing in the rendering. Anything
            // else is a finding.
            let findings: Vec<String> = format!("{}{}", stdout(&o), stderr(&o))
                .lines()
                .filter(|l| !l.contains("WARNING: skipping paragraph macro: br"))
                .map(str::to_owned)
                .collect();
            assert!(findings.is_empty(), "mandoc -T lint: {findings:#?}");
        }
    }
}

#[test]
fn man_prints_one_page_and_refuses_unknown_commands() {
    let o = iocc(&["man", "build"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains(".TH iocc-build 1"), "{}", stdout(&o));
    let o = iocc(&["man"]);
    assert!(stdout(&o).contains(".TH iocc 1"), "{}", stdout(&o));
    let o = iocc(&["man", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`nope` is not an iocc command"),
        "{}",
        stderr(&o)
    );
}

/// A catalogue with one warning (an indicator without references) and none else.
fn warning_only(dir: &Path) -> String {
    let text = std::fs::read_to_string(root().join("tests/fixtures/good/readme-example.yaml"))
        .unwrap()
        .replacen(
            "  - {id: home-v6, kind: ipv6, value: \"2001:db8::7\", confidence: inferred, references: [https://example.com/analysis]}",
            "  - {id: home-v6, kind: ipv6, value: \"2001:db8::7\", confidence: inferred}",
            1,
        );
    let path = dir.join("warned.yaml");
    std::fs::write(&path, text).unwrap();
    std::fs::create_dir_all(dir.join("feeds")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/good/feeds/partner.txt"),
        dir.join("feeds/partner.txt"),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn quiet_prints_only_errors() {
    let dir = scratch("quiet");
    let cat = warning_only(&dir);
    let o = iocc(&["check", &cat]);
    assert!(
        stderr(&o).contains("warning[missing-references]"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).starts_with("ok: "), "{}", stdout(&o));
    let out = dir.join("out");
    let o = iocc(&["build", "-q", &cat, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "no report");
    assert_eq!(stderr(&o), "", "no warning");
    assert!(out.join("example-advisory/VERSION").is_file(), "but built");
    let o = iocc(&["check", "--quiet", "tests/fixtures/bad/no-such-file.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error["), "{}", stderr(&o));
    let o = iocc(&["check", "-q", "-v"]);
    assert_eq!(o.status.code(), Some(2), "--quiet and --verbose conflict");
}

#[test]
fn verbose_prints_times_and_sizes_per_target() {
    let dir = scratch("verbose");
    let out = dir.join("out");
    let o = iocc(&[
        "build",
        "-v",
        "tests/fixtures/good/readme-example.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let times = text.split("Time per target:\n").nth(1).expect(&text);
    let suricata = times
        .lines()
        .find(|l| l.contains(" suricata "))
        .expect(times);
    assert!(suricata.contains("example-advisory"), "{suricata}");
    assert!(suricata.contains(" s  "), "{suricata}");
    assert!(
        suricata.ends_with(" B") || suricata.ends_with("KiB"),
        "{suricata}"
    );
    let o = iocc(&[
        "build",
        "tests/fixtures/good/readme-example.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!stdout(&o).contains("Time per target"), "{}", stdout(&o));
}

/// `iocc check` of a broken catalogue, with extra environment.
fn failing_check(env: &[(&str, &str)]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_iocc"))
        .args(["check", "tests/fixtures/bad/no-such-file.yaml"])
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    stderr(&o)
}

#[test]
fn colour_follows_the_terminal_no_color_and_clicolor_force() {
    assert!(!failing_check(&[]).contains('\x1b'), "piped: no colour");
    assert!(failing_check(&[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!failing_check(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
}

/// Runs a shell command line on a pseudo-terminal (util-linux `script`), returns what the
/// terminal showed.
fn on_terminal(cmd: &str, env: &[(&str, &str)]) -> Option<String> {
    let script = engine("script")?;
    let o = Command::new(script)
        .args(["-qec", cmd, "/dev/null"])
        .current_dir(root())
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CI")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Some(stdout(&o))
}

#[test]
fn a_terminal_gets_colour_unless_no_color() {
    let bin = env!("CARGO_BIN_EXE_iocc");
    let cmd = format!("{bin} check tests/fixtures/bad/no-such-file.yaml");
    let Some(coloured) = on_terminal(&cmd, &[]) else {
        return;
    };
    assert!(coloured.contains("error"), "{coloured}");
    assert!(
        coloured.contains('\x1b'),
        "a terminal gets colour: {coloured:?}"
    );
    let plain = on_terminal(&cmd, &[("NO_COLOR", "1")]).unwrap();
    assert!(plain.contains("error"), "{plain}");
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
}

#[test]
fn piped_and_json_builds_show_no_progress() {
    let dir = scratch("no-progress");
    let out = dir.join("out");
    for args in [&[][..], &["--format", "json"]] {
        let mut all = vec![
            "build",
            "tests/fixtures/good/readme-example.yaml",
            "--out",
            out.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let o = iocc(&all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stderr(&o), "", "no progress on a pipe");
    }
}
