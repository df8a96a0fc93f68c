//! The command line: argument parsing (clap derive) and dispatch to the library.
//!
//! Guarantees: exit code 0 means success, 1 means the input or the output tree has a problem
//! (every problem is printed), 2 means the command line itself was wrong (clap's usage error).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::build::{self, BuildOptions};
use crate::build_lock::{self, LockArgs, Mode};
use crate::bundle::BundleOptions;
use crate::diag::{
    count, display, json_report, render_json, Code, Diagnostic, Diagnostics, Format, SourceCache,
};

const EXAMPLES: &str = "\
Examples:
  iocc init my-iocs                           a new catalogue repository, with CI files
  iocc check                                  check every catalogue in iocs/
  iocc check iocs/contec-cms8000.yaml         check one catalogue
  iocc build                                  compile every catalogue in iocs/ into out/
  iocc build --target summary --out /tmp/pack compile one target elsewhere
  iocc build --locked --check                 CI: fail if out/ is stale or a lock would change
  iocc bundle --out dist/                     reproducible release archives of every catalogue
  iocc verify dist/contec-cms8000-1.5.0.tar.gz check a bundle against its manifest
  iocc changelog old.yaml new.yaml            Markdown release notes between two versions
  iocc schema > catalogue.schema.json         JSON Schema of the catalogue format
  iocc explain date-order                     what a diagnostic code means, with an example
  iocc targets                                list the output targets
  iocc lint out/contec-cms8000/suricata/*.rules check Suricata rule files
  iocc diff old.yaml new.yaml                 firewall delta commands, old list to new
  iocc diff old.yaml new.yaml --target ios    only the Cisco IOS delta
  iocc keygen release                         release.key (secret) and release.pub
  iocc bundle --sign release.key              signed archives and SHA256SUMS
  iocc verify --pubkey release.pub dist/contec-cms8000-1.5.0.tar.gz
                                              signature first, then every checksum
  iocc publish dist/contec-cms8000-1.5.0.tar.gz --api-root URL --collection ID
                                              push what changed to a TAXII 2.1 collection
  iocc import feed.csv --out iocs/feed.yaml   a new catalogue from a feed (format detected)
  iocc import event.json --into iocs/x.yaml --dry-run  what an import would add
  iocc completions bash > /etc/bash_completion.d/iocc
                                              tab completion for bash (zsh, fish, ...)
  iocc man --out /usr/local/share/man/man1    one man page per command (`man iocc-build`)";

/// iocc compiles indicator-of-compromise catalogues (YAML) into Suricata rules, Zeek
/// packages, firewall ACLs, CSV blocklists and STIX bundles.
#[derive(Debug, Parser)]
#[command(name = "iocc", version, about, after_help = EXAMPLES, rename_all = "kebab-case")]
pub struct Cli {
    /// Diagnostics and report format.
    #[arg(long, value_enum, global = true, default_value_t = Format::Human)]
    pub format: Format,
    /// Print only errors: no warnings, no report, no progress.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print how long each target took and the size of what it wrote.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a catalogue repository: a commented starter catalogue with its JSON Schema,
    /// a README, .gitignore, and CI files for GitHub Actions and GitLab CI; then build it.
    Init(crate::init::InitOptions),
    /// Validate catalogues and compile them in memory (firewall safety rails included); report
    /// every problem; writes nothing.
    Check(CheckArgs),
    /// Compile catalogues into out/<catalogue>/<target>/, atomically.
    Build(BuildArgs),
    /// Pack each catalogue's compiled output into a reproducible <catalogue>-<version>.tar.gz
    /// with manifest.json, README.md, and .sha256/.md5 files beside it.
    Bundle(BundleArgs),
    /// Recompute every checksum of a bundle against its manifest (and its .sha256/.md5 files).
    Verify(VerifyArgs),
    /// Print the Markdown changelog between two versions of a catalogue (release notes).
    /// Each version is compiled with the lock files beside it: give the old release's
    /// catalogue from a checkout of that release (e.g. `git worktree add`) so its SIDs/revs are
    /// the released ones.
    Changelog(Versions),
    /// Print the JSON Schema of the catalogue format.
    Schema,
    /// Explain a diagnostic code (`error[date-order]` -> `iocc explain date-order`), with an
    /// example; without a code, list every code.
    Explain(ExplainArgs),
    /// List the output targets.
    Targets,
    /// Check Suricata rule files with iocc's own rule parser: syntax, quoting, required
    /// `msg`/`sid`/`rev`, and sids unique across all files given.
    Lint(LintArgs),
    /// Compare two versions of a catalogue: a summary, and per firewall platform the
    /// commands that take a device from the old block list to the new one.
    Diff(DiffArgs),
    /// Make a minisign key pair for signing releases: NAME.key (secret) and NAME.pub.
    Keygen(KeygenArgs),
    /// Push a release's STIX bundle to a TAXII 2.1 collection, sending only what changed
    /// since the previous release. Credentials: IOCC_TAXII_USER and IOCC_TAXII_PASSWORD, or
    /// IOCC_TAXII_TOKEN.
    Publish(crate::publish::PublishOptions),
    /// Import indicators from STIX 2.1, MISP, abuse.ch (ThreatFox, URLhaus, Feodo Tracker) or
    /// plain text/CSV into a new catalogue (--out) or an existing one (--into), screened
    /// against known-benign lists; shows what it adds as a diff.
    Import(crate::import::ImportOptions),
    /// Print the tab-completion script for a shell (e.g. `iocc completions bash >
    /// /etc/bash_completion.d/iocc`, or `source <(iocc completions bash)`).
    Completions(CompletionsArgs),
    /// Print the man page of iocc or of one command; with --out, write a page per command.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (default: iocc itself).
    #[arg(value_name = "COMMAND", conflicts_with = "out")]
    pub command: Option<String>,
    /// Write iocc.1 and one iocc-COMMAND.1 page per command into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `iocc build`: what to build, and how to share the output folder with other runs.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub build: BuildOptions,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `iocc bundle`: what to pack, and how to share the output folder with other runs.
#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub bundle: BundleOptions,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Path and name of the pair, without extension: writes NAME.key and NAME.pub.
    pub name: PathBuf,
    /// Leave the secret key without password (for a CI secret store, which protects it).
    /// Otherwise the password comes from IOCC_SIGN_PASSWORD, else from the terminal.
    #[arg(long)]
    pub no_password: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Catalogue files or folders of catalogues (default: iocs/).
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The .tar.gz made by `iocc bundle`.
    pub bundle: PathBuf,
    /// Check the minisign signature beside the bundle (BUNDLE.minisig) with this public key
    /// (a .pub file or its base64 line) before anything else.
    #[arg(long, value_name = "KEY")]
    pub pubkey: Option<String>,
}

/// Two versions of one catalogue.
#[derive(Debug, Args)]
pub struct Versions {
    /// The previous catalogue file.
    pub old: PathBuf,
    /// The new catalogue file.
    pub new: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code, as printed in brackets after `error` or `warning`.
    #[arg(value_parser = PossibleValuesParser::new(Code::ALL.iter().map(|c| c.as_str())), hide_possible_values = true)]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// `.rules` files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The Suricata version whose verdict to predict: 7 (7.0.10) or 8 (8.0.6), each with
    /// its packaged suricata.yaml.
    #[arg(long = "suricata", value_name = "VERSION", default_value = "7", value_parser = lint_version)]
    pub suricata: crate::lint::Version,
    /// Style findings (no msg, rev or classtype) are errors, not warnings.
    #[arg(long)]
    pub strict: bool,
    /// Read every file as a Suricata 8 firewall rule file (files named `firewall.rules`
    /// always are).
    #[arg(long)]
    pub firewall: bool,
}

fn lint_version(s: &str) -> Result<crate::lint::Version, String> {
    crate::lint::Version::parse(s)
        .ok_or_else(|| format!("`{s}` is not a Suricata version iocc knows: use 7 or 8"))
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier version of the catalogue.
    pub old: PathBuf,
    /// The new version of the catalogue.
    pub new: PathBuf,
    #[arg(long = "target", value_name = "NAME", help = diff_target_help())]
    pub targets: Vec<String>,
    /// Print only the delta commands of the one platform named with --target, ready to
    /// pipe into the device tool (e.g. `| nft -f -`).
    #[arg(long, requires = "targets")]
    pub commands: bool,
}

/// The help of `iocc diff --target`, listing the platforms of the registry.
fn diff_target_help() -> String {
    format!(
        "Platforms to print (repeatable): firewall (all, the default), {}",
        crate::targets::firewall::PLATFORMS
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", ")
    )
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
        Format::Human => crate::term::print_diagnostics(diags, cache),
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
    let f = cli.format;
    crate::term::configure(cli.quiet, cli.verbose, f);
    match cli.command {
        Command::Init(opts) => init(&opts, f),
        Command::Check(args) => check(args, f),
        Command::Build(args) => build(&args, f),
        Command::Bundle(args) => bundle(&args, f),
        Command::Verify(args) => verify(&args, f),
        Command::Changelog(v) => changelog(v, f),
        Command::Schema => schema(),
        Command::Explain(args) => explain(&args, f),
        Command::Targets => targets(),
        Command::Lint(args) => lint(&args, f),
        Command::Diff(args) => diff(args, f),
        Command::Keygen(args) => keygen(&args, f),
        Command::Publish(opts) => publish(&opts, f),
        Command::Import(opts) => import(&opts, f),
        Command::Completions(args) => completions(&args),
        Command::Man(args) => man(&args, f),
    }
}

/// `iocc check`: a catalogue is fine when it builds: everything that can refuse a build of
/// every target of its policy runs (the SID plan, the firewall safety rails), but nothing is
/// rendered or written.
fn check(args: CheckArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let opts = BuildOptions {
        paths: args.paths,
        ..BuildOptions::default()
    };
    let catalogues = build::check_all(&opts, &mut cache, &mut diags);
    print_diags(format, &diags, &mut cache);
    if format == Format::Human && !diags.has_errors() && !crate::term::quiet() {
        for c in &catalogues {
            outln!(
                "ok: {} ({} {}): {}, {}, {}",
                display(&c.source.path),
                c.id,
                c.version,
                count(c.indicator_count(), "indicator", "indicators"),
                count(c.bulk.len(), "bulk list", "bulk lists"),
                count(c.detections.len(), "detection", "detections")
            );
        }
    }
    code(&diags)
}

/// Locks the output folder `dir` for this run (see [`build_lock`]); `None` after pushing the
/// reason it could not. Temporaries a killed run left beside the catalogues are removed.
fn lock_output(
    dir: &std::path::Path,
    mode: Mode,
    args: LockArgs,
    paths: &[PathBuf],
    diags: &mut Diagnostics,
) -> Option<Option<build_lock::OutputLock>> {
    let waiting = |d: &std::path::Path| eprintln!("{}", build_lock::waiting_message(d));
    match build_lock::lock(dir, mode, args, waiting) {
        Ok(held) => {
            if mode == Mode::Exclusive {
                build_lock::sweep_beside(&build::discover(paths).0);
            }
            Some(held)
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

fn build(args: &BuildArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let opts = &args.build;
    let mode = if opts.check {
        Mode::Shared
    } else {
        Mode::Exclusive
    };
    let held = lock_output(&opts.out, mode, args.lock, &opts.paths, &mut diags);
    let (report, measured) = crate::term::with_progress(|| {
        held.and_then(|_held| build::run(opts, &mut cache, &mut diags))
    });
    match format {
        Format::Human => {
            print_diags(format, &diags, &mut cache);
            if let (Some(r), false) = (&report, crate::term::quiet()) {
                out!("{}", crate::report::render(r));
                out!(
                    "{}",
                    crate::term::timings_to_print(&measured).unwrap_or_default()
                );
            }
        }
        Format::Json => {
            print_json(&diags, &mut cache, &[("report", serde_json::json!(report))]);
        }
    }
    code(&diags)
}

fn bundle(args: &BundleArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let opts = &args.bundle;
    let held = lock_output(
        &opts.out,
        Mode::Exclusive,
        args.lock,
        &opts.paths,
        &mut diags,
    );
    let (reports, _) = crate::term::with_progress(|| {
        held.and_then(|_held| crate::bundle::run(opts, &mut cache, &mut diags))
    });
    if format == Format::Human {
        print_diags(format, &diags, &mut cache);
        for r in reports.iter().flatten().filter(|_| !crate::term::quiet()) {
            outln!(
                "{} {} -> {} ({} files, sha256 {})",
                r.catalogue,
                r.version,
                r.path,
                r.files,
                r.sha256
            );
            if let Some(sig) = &r.signature {
                outln!("  signed: {sig}");
            }
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

fn verify(args: &VerifyArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let report = match &args.pubkey {
        Some(key) => crate::bundle::verify_signed(&args.bundle, key, &mut diags),
        None => crate::bundle::verify(&args.bundle, &mut diags),
    };
    if format == Format::Json {
        print_json(&diags, &mut cache, &[("verify", serde_json::json!(report))]);
    } else {
        print_diags(format, &diags, &mut cache);
        if let (Some(r), false) = (&report, diags.has_errors() || crate::term::quiet()) {
            if let Some(t) = &r.signature {
                outln!(
                    "ok: {}: signature verified ({})",
                    r.bundle,
                    t.replace('\t', " ")
                );
            }
            outln!(
                "ok: {} ({} {}): {} manifest.json",
                r.bundle,
                r.catalogue.as_deref().unwrap_or("?"),
                r.version.as_deref().unwrap_or("?"),
                count(r.files, "file matches", "files match")
            );
        }
    }
    code(&diags)
}

fn changelog(v: Versions, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let old = compile_one(v.old, &mut cache, &mut diags);
    let new = compile_one(v.new, &mut cache, &mut diags);
    let md = match (old, new, diags.has_errors()) {
        (Some(o), Some(n), false) => Some(crate::changelog::changelog(&o, &n)),
        _ => None,
    };
    if format == Format::Json {
        print_json(&diags, &mut cache, &[("changelog", serde_json::json!(md))]);
    } else {
        print_diags(format, &diags, &mut cache);
        if let Some(md) = md {
            out!("{md}");
        }
    }
    code(&diags)
}

fn schema() -> ExitCode {
    outln!("{}", crate::shape::schema_json());
    ExitCode::SUCCESS
}

fn explain(args: &ExplainArgs, format: Format) -> ExitCode {
    let one = args.code.as_deref().and_then(Code::parse);
    match (format, one) {
        (Format::Json, _) => {
            let codes = one.map_or_else(|| Code::ALL.to_vec(), |c| vec![c]);
            let list: Vec<_> = codes.into_iter().map(crate::explain::json).collect();
            let (mut cache, diags) = (SourceCache::default(), Diagnostics::default());
            print_json(&diags, &mut cache, &[("codes", serde_json::json!(list))]);
        }
        (Format::Human, Some(code)) => out!("{}", crate::explain::explain(code)),
        (Format::Human, None) => out!("{}", crate::explain::list()),
    }
    ExitCode::SUCCESS
}

fn targets() -> ExitCode {
    for t in crate::targets::registry() {
        outln!("{:<10} {}", t.name(), t.description());
    }
    ExitCode::SUCCESS
}

fn lint(args: &LintArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let opts = crate::lint::Options {
        version: args.suricata,
        strict: args.strict,
        firewall: args.firewall,
    };
    let (found, counts) = crate::lint::lint_files(&args.files, &opts);
    diags.extend(found);
    print_diags(format, &diags, &mut cache);
    if format == Format::Human && !diags.has_errors() && !crate::term::quiet() {
        for (f, n) in counts {
            outln!("ok: {} ({})", display(&f), count(n, "rule", "rules"));
        }
    }
    code(&diags)
}

/// `iocc diff`: both versions are compiled in full (the changelog lists rules and ACL lines
/// too), then compared.
fn diff(args: DiffArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let Some(platforms) = diff_platforms(&args, &mut diags) else {
        print_diags(format, &diags, &mut cache);
        return code(&diags);
    };
    let old = compile_one(args.old, &mut cache, &mut diags);
    let new = compile_one(args.new, &mut cache, &mut diags);
    let (cmp, changelog) = match (old, new) {
        (Some(o), Some(n)) if !diags.has_errors() => {
            let changelog = crate::changelog::changelog(&o, &n);
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
    match format {
        Format::Human => {
            print_diags(format, &diags, &mut cache);
            match (&cmp, &changelog) {
                (Some(c), _) if args.commands => {
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

/// The platforms `iocc diff --target` selects; `--commands` needs exactly one.
fn diff_platforms(args: &DiffArgs, diags: &mut Diagnostics) -> Option<Vec<&'static str>> {
    match crate::diff::platforms(&args.targets) {
        Ok(p) if args.commands && p.len() != 1 => {
            diags.push(
                Diagnostic::new(
                    Code::DiffFailed,
                    "`--commands` prints one platform's commands",
                )
                .help(format!(
                    "name exactly one platform with --target: {}",
                    crate::diff::platform_list("or")
                )),
            );
            None
        }
        Ok(p) => Some(p),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// `iocc keygen NAME`: NAME.key (mode 0600) and NAME.pub; never overwrites a key.
fn keygen(args: &KeygenArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let name = args.name.display().to_string();
    let (sk_path, pk_path) = (
        PathBuf::from(format!("{name}.key")),
        PathBuf::from(format!("{name}.pub")),
    );
    let result = keygen_files(args, &sk_path, &pk_path);
    if let Err(d) = &result {
        diags.push(d.clone());
    }
    if format == Format::Json {
        let files = result.as_ref().ok().map(|pk| {
            serde_json::json!({"secret_key": display(&sk_path), "public_key": display(&pk_path), "public": pk})
        });
        print_json(&diags, &mut cache, &[("keygen", files.unwrap_or_default())]);
    } else {
        print_diags(format, &diags, &mut cache);
        if let Ok(pk) = &result {
            outln!(
                "secret key: {} (keep it secret; never commit it)",
                display(&sk_path)
            );
            outln!("public key: {} (publish it)", display(&pk_path));
            outln!("{}", pk.trim_end());
        }
    }
    code(&diags)
}

/// Writes a new key pair; returns the public key file's text.
fn keygen_files(
    args: &KeygenArgs,
    sk_path: &PathBuf,
    pk_path: &PathBuf,
) -> Result<String, Diagnostic> {
    for p in [sk_path, pk_path] {
        if p.exists() {
            return Err(Diagnostic::new(
                Code::WriteFailed,
                format!("`{}` already exists", display(p)),
            )
            .help(
                "iocc never overwrites a key: choose another name, or remove the old pair yourself",
            ));
        }
    }
    let password = if args.no_password {
        None
    } else {
        Some(crate::sign::new_password()?)
    };
    let (sk, pk) = crate::sign::keygen(password)?;
    crate::sign::write_secret_key(sk_path, &sk)?;
    crate::output::write_file_atomic(pk_path, pk.as_bytes())?;
    Ok(pk)
}

/// `iocc init [DIR]`: the starter repository, built, and what to do next.
fn init(opts: &crate::init::InitOptions, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let (report, _) = crate::term::with_progress(|| crate::init::run(opts, &mut cache, &mut diags));
    if format == Format::Json {
        print_json(&diags, &mut cache, &[("init", serde_json::json!(report))]);
        return code(&diags);
    }
    print_diags(format, &diags, &mut cache);
    if let (Some(r), false) = (&report, crate::term::quiet()) {
        for f in &r.files {
            outln!("created {f}");
        }
        out!("{}", crate::report::render(&r.build));
        let cd = if r.dir == "." {
            String::new()
        } else {
            format!("  cd {}\n", r.dir)
        };
        out!(
            "\nNext steps:\n{cd}  git init && git add -A && git commit -m \"Start the catalogue repository\"\n  \
             then edit {}, run `iocc check` and `iocc build`, commit and push:\n  \
             the CI files check, build, bundle and verify the catalogues.\n",
            crate::init::CATALOGUE
        );
    }
    code(&diags)
}

/// `iocc completions SHELL`: the completion script, generated from the command definition.
fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "iocc", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

/// `iocc man [COMMAND]` prints one page (roff); `iocc man --out DIR` writes every page.
fn man(args: &ManArgs, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let result = match &args.out {
        Some(dir) => crate::manpages::write_all(Cli::command(), dir).map(|pages| {
            if !crate::term::quiet() && format == Format::Human {
                for p in &pages {
                    outln!("wrote {}", display(p));
                }
            }
        }),
        None => match crate::manpages::page(Cli::command(), args.command.as_deref()) {
            Some(roff) => {
                out!("{roff}");
                Ok(())
            }
            None => Cli::command()
                .error(
                    clap::error::ErrorKind::InvalidValue,
                    format!(
                        "`{}` is not an iocc command; pages: {}",
                        args.command.as_deref().unwrap_or_default(),
                        crate::manpages::command_names(Cli::command()).join(", ")
                    ),
                )
                .exit(),
        },
    };
    if let Err(d) = result {
        diags.push(d);
    }
    print_diags(format, &diags, &mut cache);
    code(&diags)
}

fn publish(opts: &crate::publish::PublishOptions, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let report = crate::publish::run(opts, &mut diags);
    if format == Format::Json {
        print_json(
            &diags,
            &mut cache,
            &[("publish", serde_json::json!(report))],
        );
    } else {
        print_diags(format, &diags, &mut cache);
        if let Some(r) = &report {
            outln!(
                "{}: {} new, {} changed, {} revoked, {} unchanged (compared with {})",
                r.bundle,
                r.new,
                r.changed,
                r.revoked,
                r.unchanged,
                r.previous
                    .as_deref()
                    .unwrap_or("nothing: first publication")
            );
            if r.dry_run {
                outln!("dry run: nothing sent");
            } else {
                outln!(
                    "sent {} in {}; the server accepted {} and already held {}",
                    count(r.new + r.changed + r.revoked, "object", "objects"),
                    count(r.requests, "request", "requests"),
                    r.accepted,
                    r.already_held
                );
            }
        }
    }
    code(&diags)
}

/// `iocc import`: the diff of what is added, then one line saying what was done.
fn import(opts: &crate::import::ImportOptions, format: Format) -> ExitCode {
    let (mut cache, mut diags) = (SourceCache::default(), Diagnostics::default());
    let (cache, diags) = (&mut cache, &mut diags);
    let report = crate::import::run(opts, cache, diags);
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

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
