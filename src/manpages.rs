//! Man pages (roff, section 1) generated from the command-line definition with clap_mangen:
//! `iocc.1`, and `iocc-COMMAND.1` for every command, so that `man iocc-build` works.
//!
//! Guarantees: the pages say what `--help` says (one source); a page is written atomically.
//! The page date is today's (`SOURCE_DATE_EPOCH` when set, for reproducible pages).

use std::path::{Path, PathBuf};

use crate::diag::{display, Code, Diagnostic};

/// The command tree as the pages show it: subcommands named `iocc-COMMAND`, with the global
/// options (`--format`, `--quiet`, `--verbose`) listed on every page. `root` is the command
/// line's definition (`Cli::command()`).
fn commands(mut root: clap::Command) -> Vec<clap::Command> {
    root.build();
    let mut all = vec![root.clone()];
    for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("iocc-{}", sub.get_name());
        all.push(sub.clone().name(name.clone()).bin_name(name));
    }
    all
}

fn render(cmd: clap::Command) -> String {
    let mut out = Vec::new();
    // Rendering into memory cannot fail.
    let _ = clap_mangen::Man::new(cmd)
        .section("1")
        .date(crate::build::today().to_string())
        .manual("iocc manual")
        .source(concat!("iocc ", env!("CARGO_PKG_VERSION")))
        .render(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The page of `command` (`None`: iocc itself); `None` when there is no such command.
pub fn page(root: clap::Command, command: Option<&str>) -> Option<String> {
    let wanted = command.map_or("iocc".to_owned(), |c| format!("iocc-{c}"));
    commands(root)
        .into_iter()
        .find(|c| c.get_name() == wanted)
        .map(render)
}

/// The commands that have a page of their own.
pub fn command_names(root: clap::Command) -> Vec<String> {
    commands(root)
        .iter()
        .skip(1)
        .map(|c| c.get_name().trim_start_matches("iocc-").to_owned())
        .collect()
}

/// Writes every page into `dir` (created if needed); returns the paths written.
pub fn write_all(root: clap::Command, dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Diagnostic::new(
            Code::WriteFailed,
            format!("cannot create the folder `{}`: {e}", display(dir)),
        )
        .help("check the permissions of the parent folder")
    })?;
    let mut written = Vec::new();
    for cmd in commands(root) {
        let path = dir.join(format!("{}.1", cmd.get_name()));
        crate::output::write_file_atomic(&path, render(cmd).as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
