//! The command line: argument parsing (clap derive) and dispatch to the library.
//!
//! Guarantees: exit code 0 means success, 1 means the input or the output tree has a problem
//! (every problem is printed), 2 means the command line itself was wrong (clap's usage error).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::build::{self, BuildOptions};
use crate::diag::{
    display, json_report, render_human, render_json, Code, Diagnostic, Diagnostics, Format,
    SourceCache,
};

const EXAMPLES: &str = "\
Examples:
  iocc check                                  check every catalogue in iocs/
  iocc check iocs/contec-cms8000.yaml         check one catalogue
  iocc build                                  compile every catalogue in iocs/ into out/
  iocc build --target summary --out /tmp/pack compile one target elsewhere
  iocc build --locked --check                 CI: fail if out/ is stale or a lock would change
  iocc bundle --out dist/                     reproducible release archives of every catalogue
  iocc verify dist/contec-cms8000-1.0.0.tar.gz check a bundle against its manifest
  iocc changelog old.yaml new.yaml            Markdown release notes between two versions
  iocc schema > catalogue.schema.json         JSON Schema of the catalogue format
  iocc targets                                list the output targets
  iocc lint out/contec-cms8000/suricata/*.rules check Suricata rule files
  iocc diff old.yaml new.yaml                 firewall delta commands, old list to new
  iocc diff old.yaml new.yaml --target ios    only the Cisco IOS delta
  iocc import feed.csv --out iocs/feed.yaml   a new catalogue from a feed (format detected)
  iocc import event.json --into iocs/x.yaml --dry-run  what an import would add";

/// iocc compiles indicator-of-compromise catalogues (YAML) into Suricata rules, Zeek
/// packages, firewall ACLs, CSV blocklists and STIX bundles.
#[derive(Debug, Parser)]
#[command(name = "iocc", version, about, after_help = EXAMPLES, rename_all = "kebab-case")]
pub struct Cli {
    /// Diagnostics and report format.
    #[arg(long, value_enum, global = true, default_value_t = Format::Human)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate catalogues and compile them in memory (firewall safety rails included); report
    /// every problem; writes nothing.
    Check {
        /// Catalogue files or folders of catalogues (default: iocs/).
        paths: Vec<PathBuf>,
    },
    /// Compile catalogues into out/<catalogue>/<target>/, atomically.
    Build {
        /// Catalogue files or folders of catalogues (default: iocs/).
        paths: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Build only these targets (repeatable; default: the catalogue's policy.targets).
        #[arg(long = "target", value_name = "NAME")]
        targets: Vec<String>,
        /// Fail instead of changing a lock file (SID locks).
        #[arg(long)]
        locked: bool,
        /// Compare a fresh build with the output folder and fail if they differ; write nothing.
        #[arg(long)]
        check: bool,
        /// Folder whose templates replace the embedded ones of the same name.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Pack each catalogue's compiled output into a reproducible <catalogue>-<version>.tar.gz
    /// with manifest.json, README.md, and .sha256/.md5 files beside it.
    Bundle {
        /// Catalogue files or folders of catalogues (default: iocs/).
        paths: Vec<PathBuf>,
        /// Folder for the archives.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// Folder whose templates replace the embedded ones of the same name.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Recompute every checksum of a bundle against its manifest (and its .sha256/.md5 files).
    Verify {
        /// The .tar.gz made by `iocc bundle`.
        bundle: PathBuf,
    },
    /// Print the Markdown changelog between two versions of a catalogue (release notes).
    /// Each version is compiled with the lock files beside it: give the old release's
    /// catalogue from a checkout of that release (e.g. `git worktree add`) so its SIDs/revs are
    /// the released ones.
    Changelog {
        /// The previous catalogue file.
        old: PathBuf,
        /// The new catalogue file.
        new: PathBuf,
    },
    /// Print the JSON Schema of the catalogue format.
    Schema,
    /// List the output targets.
    Targets,
    /// Check Suricata rule files with iocc's own rule parser: syntax, quoting, required
    /// `msg`/`sid`/`rev`, and sids unique across all files given.
    Lint {
        /// `.rules` files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compare two versions of a catalogue: a summary, and per firewall platform the
    /// commands that take a device from the old block list to the new one.
    Diff {
        /// The earlier version of the catalogue.
        old: PathBuf,
        /// The new version of the catalogue.
        new: PathBuf,
        /// Platforms to print (repeatable): firewall (all, the default), nftables, iptables,
        /// ios, asa, junos, pf, edl.
        #[arg(long = "target", value_name = "NAME")]
        targets: Vec<String>,
        /// Print only the delta commands of the one platform named with --target, ready to
        /// pipe into the device tool (e.g. `| nft -f -`).
        #[arg(long, requires = "targets")]
        commands: bool,
    },
    /// Import indicators from STIX 2.1, MISP, abuse.ch (ThreatFox, URLhaus, Feodo Tracker) or
    /// plain text/CSV into a new catalogue (--out) or an existing one (--into), screened
    /// against known-benign lists; shows what it adds as a diff.
    Import(ImportArgs),
}

/// `iocc import`: the sources and where they go.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "into"])))]
pub struct ImportArgs {
    /// Source files (a MISP feed is a folder with manifest.json).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Source format (default: detected from each file's content).
    #[arg(long = "from", value_enum, value_name = "FORMAT")]
    pub from: Option<crate::import::Format>,
    /// Write a new catalogue (its bulk side files go to a folder named after it).
    #[arg(long, value_name = "NEW.yaml")]
    pub out: Option<PathBuf>,
    /// Add to an existing catalogue: its indicators, detections and SID lock stay as they are.
    #[arg(long, value_name = "EXISTING.yaml")]
    pub into: Option<PathBuf>,
    /// Show the diff and the problems; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// CSV lists: the header of the value column (default: the first column).
    #[arg(long)]
    pub column: Option<String>,
    /// Action of entries whose source does not set one: block, alert or monitor.
    #[arg(long, default_value = "block", value_parser = parse_action)]
    pub action: crate::model::Action,
    /// New catalogue: id (default: from the --out file name).
    #[arg(long)]
    pub id: Option<String>,
    /// New catalogue: title (default: from the source).
    #[arg(long)]
    pub title: Option<String>,
    /// New catalogue: publisher (default: from the source).
    #[arg(long)]
    pub publisher: Option<String>,
    /// New catalogue: TLP (default: from the source, else amber).
    #[arg(long, value_parser = parse_tlp)]
    pub tlp: Option<crate::model::Tlp>,
    /// New catalogue: advisory date YYYY-MM-DD (default: the sources' dates, else today).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<jiff::civil::Date>,
    /// A source URL cited by every imported entry (repeatable).
    #[arg(long = "reference", value_name = "URL")]
    pub references: Vec<String>,
    /// Groups of more addresses or domains than this go to bulk side files.
    #[arg(long, default_value_t = crate::import::DEFAULT_BULK_ABOVE)]
    pub bulk_above: usize,
}

fn parse_action(s: &str) -> Result<crate::model::Action, String> {
    use crate::model::Action;
    match s {
        "block" => Ok(Action::Block),
        "alert" => Ok(Action::Alert),
        "monitor" => Ok(Action::Monitor),
        _ => Err("use block, alert or monitor".into()),
    }
}

fn parse_tlp(s: &str) -> Result<crate::model::Tlp, String> {
    use crate::model::Tlp;
    match s.to_ascii_lowercase().trim_start_matches("tlp:") {
        "clear" | "white" => Ok(Tlp::Clear),
        "green" => Ok(Tlp::Green),
        "amber" => Ok(Tlp::Amber),
        "amber+strict" => Ok(Tlp::AmberStrict),
        "red" => Ok(Tlp::Red),
        _ => Err("use clear, green, amber, amber+strict or red".into()),
    }
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    crate::import::values::date(s)
        .filter(|_| s.len() == 10)
        .ok_or_else(|| "write the date as YYYY-MM-DD".into())
}

/// Writes to stdout. A closed stdout (`iocc diff A B | head`) ends the process quietly with
/// the shell's broken-pipe status (141), as `cat` or `grep` do: Rust ignores SIGPIPE, so a
/// plain `print!` would panic with a backtrace there.
fn emit(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// `print!` through [`emit`].
macro_rules! out {
    ($($t:tt)*) => { emit(format_args!($($t)*)) };
}

/// `println!` through [`emit`].
macro_rules! outln {
    ($($t:tt)*) => { emit(format_args!("{}\n", format_args!($($t)*))) };
}

fn print_diags(format: Format, diags: &Diagnostics, cache: &mut SourceCache) {
    match format {
        Format::Human => {
            if !diags.is_empty() {
                let _ = std::io::stderr().write_all(render_human(diags, cache).as_bytes());
            }
        }
        Format::Json => {
            let _ = std::io::stdout().write_all(render_json(diags, cache).as_bytes());
        }
    }
}

/// `--format json`: ONE document on stdout (`ok`, the command's results under their keys,
/// and the diagnostics), so that `jq` or `json.loads` can read it whole.
fn print_json(diags: &Diagnostics, cache: &mut SourceCache, fields: &[(&str, serde_json::Value)]) {
    let mut doc = serde_json::Map::new();
    doc.insert("ok".into(), serde_json::Value::Bool(!diags.has_errors()));
    for (key, value) in fields {
        doc.insert((*key).into(), value.clone());
    }
    doc.insert("diagnostics".into(), json_report(diags, cache));
    outln!(
        "{}",
        serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default()
    );
}

fn code(diags: &Diagnostics) -> ExitCode {
    if diags.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Compiles one catalogue in memory (every target of its policy; nothing is written).
fn compile_one(
    path: PathBuf,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> Option<build::Compiled> {
    let opts = BuildOptions {
        paths: vec![path],
        ..BuildOptions::default()
    };
    build::compile_all(&opts, cache, diags).and_then(|mut v| v.pop())
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let mut cache = SourceCache::default();
    let mut diags = Diagnostics::default();
    match cli.command {
        Command::Check { paths } => {
            // A catalogue is fine when it builds: every target of its policy is compiled in
            // memory too (the firewall safety rails refuse entries there), nothing is written.
            let opts = BuildOptions {
                paths,
                ..BuildOptions::default()
            };
            let compiled = build::compile_all(&opts, &mut cache, &mut diags).unwrap_or_default();
            print_diags(cli.format, &diags, &mut cache);
            if cli.format == Format::Human && !diags.has_errors() {
                for c in compiled.iter().map(|c| &c.catalogue) {
                    outln!(
                        "ok: {} ({} {}: {} indicators, {} bulk lists, {} detections)",
                        display(&c.source.path),
                        c.id,
                        c.version,
                        c.indicator_count(),
                        c.bulk.len(),
                        c.detections.len()
                    );
                }
            }
            code(&diags)
        }
        Command::Build {
            paths,
            out,
            targets,
            locked,
            check,
            templates,
        } => {
            let opts = BuildOptions {
                paths,
                out,
                targets,
                locked,
                check,
                templates,
            };
            let report = build::run(&opts, &mut cache, &mut diags);
            match cli.format {
                Format::Human => {
                    print_diags(cli.format, &diags, &mut cache);
                    if let Some(r) = &report {
                        out!("{}", build::render_report(r));
                    }
                }
                Format::Json => {
                    print_json(&diags, &mut cache, &[("report", serde_json::json!(report))]);
                }
            }
            code(&diags)
        }
        Command::Bundle {
            paths,
            out,
            templates,
        } => {
            let opts = crate::bundle::BundleOptions {
                paths,
                out,
                templates,
            };
            let reports = crate::bundle::run(&opts, &mut cache, &mut diags);
            if cli.format == Format::Human {
                print_diags(cli.format, &diags, &mut cache);
                for r in reports.iter().flatten() {
                    outln!(
                        "{} {} -> {} ({} files, sha256 {})",
                        r.catalogue,
                        r.version,
                        r.path,
                        r.files,
                        r.sha256
                    );
                }
            } else {
                print_json(
                    &diags,
                    &mut cache,
                    &[("bundles", serde_json::json!(reports))],
                );
            }
            code(&diags)
        }
        Command::Verify { bundle } => {
            let report = crate::bundle::verify(&bundle, &mut diags);
            if cli.format == Format::Json {
                print_json(&diags, &mut cache, &[("verify", serde_json::json!(report))]);
            } else {
                print_diags(cli.format, &diags, &mut cache);
                if let (Some(r), false) = (&report, diags.has_errors()) {
                    outln!(
                        "ok: {} ({} {}): {} files match manifest.json",
                        r.bundle,
                        r.catalogue.as_deref().unwrap_or("?"),
                        r.version.as_deref().unwrap_or("?"),
                        r.files
                    );
                }
            }
            code(&diags)
        }
        Command::Changelog { old, new } => {
            let old = compile_one(old, &mut cache, &mut diags);
            let new = compile_one(new, &mut cache, &mut diags);
            let md = match (old, new, diags.has_errors()) {
                (Some(o), Some(n), false) => Some(crate::changelog::changelog(
                    &o.catalogue,
                    &n.catalogue,
                    &o.tree,
                    &n.tree,
                )),
                _ => None,
            };
            if cli.format == Format::Json {
                print_json(&diags, &mut cache, &[("changelog", serde_json::json!(md))]);
            } else {
                print_diags(cli.format, &diags, &mut cache);
                if let Some(md) = md {
                    out!("{md}");
                }
            }
            code(&diags)
        }
        Command::Schema => {
            let schema = schemars::schema_for!(crate::model::raw::RawCatalogue);
            outln!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Command::Lint { files } => {
            let (found, counts) = crate::targets::suricata::lint::lint_files(&files);
            diags.extend(found);
            print_diags(cli.format, &diags, &mut cache);
            if cli.format == Format::Human && !diags.has_errors() {
                for (f, n) in counts {
                    outln!("ok: {} ({n} rules)", display(&f));
                }
            }
            code(&diags)
        }
        Command::Diff {
            old,
            new,
            targets,
            commands,
        } => {
            let platforms = match crate::diff::platforms(&targets) {
                Ok(p) if commands && p.len() != 1 => {
                    diags.push(
                        Diagnostic::error(Code::DiffFailed, "`--commands` prints one platform's commands")
                            .help("name exactly one platform with --target: nftables, iptables, ios, asa, junos, pf or edl"),
                    );
                    print_diags(cli.format, &diags, &mut cache);
                    return code(&diags);
                }
                Ok(p) => p,
                Err(d) => {
                    diags.push(d);
                    print_diags(cli.format, &diags, &mut cache);
                    return code(&diags);
                }
            };
            // Both versions are compiled in full: the changelog lists rules and ACL lines too.
            let old = compile_one(old, &mut cache, &mut diags);
            let new = compile_one(new, &mut cache, &mut diags);
            let (cmp, changelog) = match (old, new) {
                (Some(o), Some(n)) if !diags.has_errors() => {
                    let changelog =
                        crate::changelog::changelog(&o.catalogue, &n.catalogue, &o.tree, &n.tree);
                    match crate::diff::compare(o.catalogue, n.catalogue) {
                        Ok(c) => (Some(c), Some(changelog)),
                        Err(e) => {
                            diags.extend(e);
                            (None, None)
                        }
                    }
                }
                _ => (None, None),
            };
            match cli.format {
                Format::Human => {
                    print_diags(cli.format, &diags, &mut cache);
                    match (&cmp, &changelog) {
                        (Some(c), _) if commands => {
                            for (_, text) in crate::diff::commands(c, &platforms) {
                                out!("{text}");
                            }
                        }
                        (Some(c), Some(log)) => {
                            out!("{}", crate::diff::render_text(c, &platforms));
                            out!("\n{log}");
                        }
                        _ => {}
                    }
                }
                Format::Json => {
                    let diff = cmp
                        .as_ref()
                        .map(|c| crate::diff::render_json(c, &platforms));
                    let fields = [
                        ("diff", serde_json::json!(diff)),
                        ("changelog", serde_json::json!(changelog)),
                    ];
                    print_json(&diags, &mut cache, &fields);
                }
            }
            code(&diags)
        }
        Command::Import(args) => import(cli.format, args, &mut cache, &mut diags),
        Command::Targets => {
            for t in crate::targets::registry() {
                outln!("{:<10} {}", t.name(), t.description());
            }
            ExitCode::SUCCESS
        }
    }
}

/// Runs `iocc import`.
fn import(
    format: Format,
    args: ImportArgs,
    cache: &mut SourceCache,
    diags: &mut Diagnostics,
) -> ExitCode {
    let opts = crate::import::ImportOptions {
        files: args.files,
        format: args.from,
        out: args.out,
        into: args.into,
        dry_run: args.dry_run,
        column: args.column,
        action: args.action,
        id: args.id,
        title: args.title,
        publisher: args.publisher,
        tlp: args.tlp,
        date: args.date,
        references: args.references,
        bulk_above: args.bulk_above,
    };
    let report = crate::import::run(&opts, cache, diags);
    match format {
        Format::Human => {
            print_diags(format, diags, cache);
            if let Some(r) = &report {
                out!("{}", r.diff);
                for s in &r.side_files {
                    outln!("+ side file {s}");
                }
                let merged = if r.merged.is_empty() {
                    String::new()
                } else {
                    format!(", {} duplicates merged", r.merged.len())
                };
                outln!(
                    "{}: {} ({} indicators and {} bulk entries added, {} already there{merged}, {} entries left out)",
                    r.catalogue,
                    r.status,
                    r.indicators_added,
                    r.bulk_entries_added,
                    r.already_present,
                    r.skipped
                );
                for m in r.merged.iter().take(10) {
                    outln!("  merged `{}` from {}", m.value, m.sources.join(", "));
                }
                if r.merged.len() > 10 {
                    outln!("  ... and {} more merged values", r.merged.len() - 10);
                }
            }
        }
        Format::Json => print_json(diags, cache, &[("import", serde_json::json!(report))]),
    }
    code(diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
