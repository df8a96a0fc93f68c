//! What the command line prints around results: `--quiet` and `--verbose`, colour, the
//! progress bar of a long build and its per-target times.
//!
//! Guarantees: a progress bar is drawn only on a terminal stderr, after about a second of
//! work, and never with `--quiet`, `--format json` or in CI (`CI` set); it is cleared before
//! anything else is printed. Colour follows the anstream conventions: `NO_COLOR` turns it
//! off, `CLICOLOR_FORCE` on, otherwise only a terminal gets it. Timings and sizes are measured
//! here, from the build's progress events, never in the build itself.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::diag::{render_human_styled, Diagnostics, Format, SourceCache};
use crate::progress::{self, Event, Observer};

/// How long work runs before a progress bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, Default)]
struct Settings {
    quiet: bool,
    verbose: bool,
    format: Format,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Records the global flags of this run (the first call wins).
pub fn configure(quiet: bool, verbose: bool, format: Format) {
    let _ = SETTINGS.set(Settings {
        quiet,
        verbose,
        format,
    });
}

/// `--quiet`: print only errors.
pub fn quiet() -> bool {
    settings().quiet
}

/// `--verbose`: print per-target times and sizes.
pub fn verbose() -> bool {
    settings().verbose
}

/// Whether a progress bar may be drawn: stderr is a terminal, no `--quiet`, not JSON, not CI.
pub fn progress_allowed(
    stderr_is_terminal: bool,
    quiet: bool,
    format: Format,
    ci: Option<&str>,
) -> bool {
    let in_ci = ci.is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    stderr_is_terminal && !quiet && format == Format::Human && !in_ci
}

/// Prints diagnostics for people on stderr: without warnings under `--quiet`, in colour where
/// colour is on.
pub fn print_diagnostics(diags: &Diagnostics, cache: &mut SourceCache) {
    let shown = if quiet() {
        Diagnostics(diags.0.iter().filter(|d| d.is_error()).cloned().collect())
    } else {
        diags.clone()
    };
    if shown.is_empty() {
        return;
    }
    let text = render_human_styled(&shown, cache);
    let mut err = anstream::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// How long one target of one catalogue took, and what it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub catalogue: String,
    pub target: String,
    pub took: Duration,
    pub files: usize,
    pub bytes: u64,
}

/// What a run measured: per-target timings, and whether a progress bar was shown.
#[derive(Debug, Default)]
pub struct Measured {
    pub timings: Vec<Timing>,
    pub bar_shown: bool,
}

/// Hears the build's events: records timings and moves the bar.
struct Tracker {
    bar: ProgressBar,
    /// When each running target started (targets of a catalogue run in parallel).
    started: RefCell<HashMap<(String, String), Instant>>,
    timings: RefCell<Vec<Timing>>,
}

impl Observer for Tracker {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Catalogues(_) => {}
            Event::Catalogue { targets, .. } => self.bar.inc_length(targets as u64),
            Event::TargetStart { catalogue, target } => {
                self.bar.set_message(format!("{catalogue}: {target}"));
                let key = (catalogue.to_owned(), target.to_owned());
                self.started.borrow_mut().insert(key, Instant::now());
            }
            Event::TargetDone {
                catalogue,
                target,
                files,
                bytes,
            } => {
                let key = (catalogue.to_owned(), target.to_owned());
                let took = self.started.borrow_mut().remove(&key).map(|t| t.elapsed());
                self.timings.borrow_mut().push(Timing {
                    catalogue: catalogue.to_owned(),
                    target: target.to_owned(),
                    took: took.unwrap_or_default(),
                    files,
                    bytes,
                });
                self.bar.inc(1);
            }
            Event::Output => self.bar.set_message("comparing and writing the output"),
        }
    }
}

/// Runs `work` with the build's progress shown (where allowed, after about a second) and
/// timed.
pub fn with_progress<T>(work: impl FnOnce() -> T) -> (T, Measured) {
    let s = settings();
    let allowed = progress_allowed(
        std::io::stderr().is_terminal(),
        s.quiet,
        s.format,
        std::env::var("CI").ok().as_deref(),
    );
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed} [{bar:30}] {pos}/{len} targets  {wide_msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let tracker = Rc::new(Tracker {
        bar: bar.clone(),
        started: RefCell::new(HashMap::new()),
        timings: RefCell::new(Vec::new()),
    });
    let (done, wait) = mpsc::channel::<()>();
    let shower = allowed.then(|| {
        let bar = bar.clone();
        std::thread::spawn(move || {
            let timed_out = wait.recv_timeout(SHOW_AFTER).is_err();
            if timed_out {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            timed_out
        })
    });
    let result = progress::observe(tracker.clone(), work);
    let _ = done.send(());
    let bar_shown = shower.is_some_and(|h| h.join().unwrap_or(false));
    bar.finish_and_clear();
    let timings = tracker.timings.take();
    (result, Measured { timings, bar_shown })
}

/// The per-target times (and, verbose, sizes) for the end of a report: printed with
/// `--verbose`, or after a build long enough to have shown a progress bar.
pub fn render_timings(measured: &Measured, sizes: bool) -> String {
    if measured.timings.is_empty() {
        return String::new();
    }
    let mut out = String::from("Time per target:\n");
    for t in &measured.timings {
        let took = format!("{:.2} s", t.took.as_secs_f64());
        out.push_str(&format!("  {:<24} {:<9} {took:>9}", t.catalogue, t.target));
        if sizes {
            let files = crate::diag::count(t.files, "file", "files");
            out.push_str(&format!("  {files}, {}", HumanBytes(t.bytes)));
        }
        out.push('\n');
    }
    out
}

/// The timings to print after a report, if any: with `--verbose` (with sizes), or after a
/// long build that showed a bar; never with `--quiet`.
pub fn timings_to_print(measured: &Measured) -> Option<String> {
    if quiet() || settings().format == Format::Json {
        return None;
    }
    let v = verbose();
    (v || measured.bar_shown).then(|| render_timings(measured, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_for_people_outside_ci() {
        assert!(progress_allowed(true, false, Format::Human, None));
        assert!(progress_allowed(true, false, Format::Human, Some("false")));
        assert!(!progress_allowed(false, false, Format::Human, None));
        assert!(!progress_allowed(true, true, Format::Human, None));
        assert!(!progress_allowed(true, false, Format::Json, None));
        assert!(!progress_allowed(true, false, Format::Human, Some("true")));
    }

    #[test]
    fn timings_name_catalogue_target_and_sizes() {
        let measured = Measured {
            timings: vec![Timing {
                catalogue: "example".into(),
                target: "suricata".into(),
                took: Duration::from_millis(1250),
                files: 1,
                bytes: 2048,
            }],
            bar_shown: false,
        };
        let text = render_timings(&measured, true);
        assert!(text.starts_with("Time per target:\n"), "{text}");
        assert!(text.contains("example"), "{text}");
        assert!(text.contains("suricata"), "{text}");
        assert!(text.contains("1.25 s"), "{text}");
        assert!(text.contains("1 file, 2.00 KiB"), "{text}");
        assert!(!render_timings(&measured, false).contains("KiB"));
    }
}
