//! The template environment: one minijinja `Environment` for every target.
//!
//! Guarantees: undefined variables are errors (never an empty string); every value a template
//! prints goes through the escaper registered for the template's file extension (the name
//! without `.j2`), unless it is a typed, already-safe value built by Rust code; a template
//! whose extension has no escaper cannot print anything. Templates are embedded in the binary;
//! `--templates DIR` replaces any of them by the file of the same name under DIR.

use std::path::Path;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::targets::Target;

/// Appends a value to the output in a form safe for the output language, or refuses it.
pub type EscapeFn = fn(value: &str, out: &mut String) -> Result<(), String>;

/// An escaper for one output language.
pub struct Escaper {
    /// Name used for `AutoEscape::Custom`.
    pub name: &'static str,
    /// Template extensions (after stripping `.j2`) rendered with this escaper, e.g. `rules`.
    pub extensions: &'static [&'static str],
    /// Appends `value` to `out` in a form that cannot break out of its context, or refuses.
    pub escape: EscapeFn,
}

/// The template environment shared by all targets of a build.
pub struct Templates {
    env: Environment<'static>,
}

fn extension(name: &str) -> &str {
    let base = name.strip_suffix(".j2").unwrap_or(name);
    let file = base.rsplit('/').next().unwrap_or(base);
    file.rsplit_once('.').map_or("", |(_, ext)| ext)
}

impl Templates {
    /// Builds the environment from the targets' embedded templates and escapers.
    pub fn new(
        targets: &[&'static dyn Target],
        override_dir: Option<&Path>,
    ) -> Result<Templates, Diagnostic> {
        // A mistyped --templates folder would otherwise silently build the embedded templates.
        if let Some(dir) = override_dir.filter(|d| !d.is_dir()) {
            return Err(Diagnostic::error(
                Code::FileNotFound,
                format!(
                    "the template folder `{}` does not exist",
                    crate::diag::display(dir)
                ),
            )
            .help("--templates names a folder laid out like `templates/`, e.g. `my-templates/summary/summary.md.j2`"));
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| template_error(&e, None))?;
        env.set_syntax(syntax);
        let escapers: Vec<&'static Escaper> = targets.iter().flat_map(|t| t.escapers()).collect();
        let by_ext: Vec<(&'static str, &'static str)> = escapers
            .iter()
            .flat_map(|e| e.extensions.iter().map(move |x| (*x, e.name)))
            .collect();
        env.set_auto_escape_callback(move |name| {
            let ext = extension(name);
            let esc = by_ext
                .iter()
                .find(|(x, _)| *x == ext)
                .map_or("unregistered", |(_, n)| n);
            AutoEscape::Custom(esc.into())
        });
        let table: Vec<(&'static str, EscapeFn)> =
            escapers.iter().map(|e| (e.name, e.escape)).collect();
        env.set_formatter(move |out, state, value| {
            if value.is_undefined() || value.is_none() {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    "a template printed an undefined or none value",
                ));
            }
            if value.is_safe() {
                return write!(out, "{value}").map_err(minijinja::Error::from);
            }
            let AutoEscape::Custom(name) = state.auto_escape() else {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "no escaper for this template",
                ));
            };
            let Some((_, escape)) = table.iter().find(|(n, _)| n == name) else {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!(
                        "template `{}` has no escaper for its extension",
                        state.name()
                    ),
                ));
            };
            let text = value.to_string();
            let mut buf = String::with_capacity(text.len());
            escape(&text, &mut buf).map_err(|why| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, why)
            })?;
            out.write_str(&buf).map_err(minijinja::Error::from)
        });
        for target in targets {
            for (name, source) in target.templates() {
                let custom =
                    match override_dir {
                        Some(dir) => match std::fs::read_to_string(dir.join(name)) {
                            Ok(s) => Some(s),
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                            Err(e) => return Err(Diagnostic::error(
                                Code::TemplateError,
                                format!("cannot read template override `{name}`: {e}"),
                            )
                            .in_file(&dir.join(name))
                            .help(
                                "make the file readable, or remove it to use the embedded template",
                            )),
                        },
                        None => None,
                    };
                let added = match custom {
                    Some(s) => env.add_template_owned(*name, s),
                    None => env.add_template(name, source),
                };
                added.map_err(|e| template_error(&e, override_dir))?;
            }
        }
        Ok(Templates { env })
    }

    /// Renders a template with a serializable view model.
    pub fn render<S: Serialize>(&self, name: &str, ctx: &S) -> Result<String, Diagnostic> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| template_error(&e, None))?;
        tmpl.render(Value::from(Serde(ctx)))
            .map_err(|e| template_error(&e, None))
    }
}

fn template_error(e: &minijinja::Error, dir: Option<&Path>) -> Diagnostic {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    let d = Diagnostic::error(Code::TemplateError, msg).help(
        "a template failed: if you passed --templates, check your override; otherwise this is a bug in iocc, please report it",
    );
    match (dir, e.name()) {
        // Only an override file exists on disk to point into (embedded ones are not).
        (Some(dir), Some(name)) if dir.join(name).is_file() => {
            let d = d.in_file(&dir.join(name));
            match e.line() {
                Some(line) => d.at(crate::diag::At::Line(line as u32)),
                None => d,
            }
        }
        _ => d,
    }
}

/// Marks text produced by a target's own typed encoder (already safe for its context) so the
/// auto-escaper leaves it alone. Only Rust code can make such values; templates cannot.
pub fn safe(text: String) -> Value {
    Value::from_safe_string(text)
}
