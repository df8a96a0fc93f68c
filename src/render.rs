//! The template environment: one minijinja `Environment` for every target.
//!
//! Guarantees: undefined variables are errors (never an empty string); every value a template
//! prints goes through the escaper its own target registered for the template's file
//! extension (the name without `.j2`): templates are named `<target>/<file>.j2` and escapers are
//! looked up by that target and extension, so no target's template can pick up another
//! target's escaper, and two escapers claiming one extension of one target are refused when
//! the environment is built. A value skips its escaper only when it is a typed, already-safe
//! value built by Rust code; a template whose extension has no escaper cannot print anything.
//! Templates are embedded in the binary ([`template!`](crate::template)); `--templates DIR`
//! replaces any of them by the file of the same name under DIR.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::output::WriteError;

/// Appends a value to the output in a form safe for the output language, or refuses it.
pub type EscapeFn = fn(value: &str, out: &mut String) -> Result<(), String>;

/// An escaper for one output language.
#[derive(Clone, Copy)]
pub struct Escaper {
    /// Its name, unique within the target that registers it.
    pub name: &'static str,
    /// Template extensions (after stripping `.j2`) rendered with this escaper, e.g. `rules`.
    pub extensions: &'static [&'static str],
    /// Appends `value` to `out` in a form that cannot break out of its context, or refuses.
    pub escape: EscapeFn,
}

/// An embedded template: its name, which is also its path under `templates/`
/// (`<target>/<file>.j2`), and its source.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub name: &'static str,
    pub source: &'static str,
}

/// The embedded template at a path under `templates/`, e.g.
/// `template!("zeek/zkg.meta.j2")`: the path is written once and gives both the name and the
/// embedded source.
#[macro_export]
macro_rules! template {
    ($path:literal) => {
        $crate::render::Template {
            name: $path,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $path)),
        }
    };
}

/// What one target brings to the environment: its templates (each named `<target>/...`) and
/// the escapers of their extensions.
#[derive(Clone)]
pub struct TemplateSet {
    pub target: &'static str,
    pub templates: Vec<Template>,
    pub escapers: &'static [Escaper],
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

/// The escapers of every set, keyed by (target, extension), and by `<target>/<escaper>` for
/// the formatter. Refuses a template outside its target's folder and two escapers of one
/// target claiming the same extension: either would let a value be escaped for the wrong
/// language.
struct EscaperTable {
    by_extension: BTreeMap<(&'static str, &'static str), String>,
    by_key: BTreeMap<String, EscapeFn>,
}

impl EscaperTable {
    fn new(sets: &[TemplateSet]) -> Result<EscaperTable, Diagnostic> {
        let mut table = EscaperTable {
            by_extension: BTreeMap::new(),
            by_key: BTreeMap::new(),
        };
        for set in sets {
            if let Some(t) = set
                .templates
                .iter()
                .find(|t| t.name.split_once('/').map(|(dir, _)| dir) != Some(set.target))
            {
                return Err(bug(format!(
                    "template `{}` of target `{}` is not under `{}/`",
                    t.name, set.target, set.target
                )));
            }
            for e in set.escapers {
                let key = format!("{}/{}", set.target, e.name);
                for ext in e.extensions {
                    if let Some(other) = table.by_extension.insert((set.target, ext), key.clone()) {
                        return Err(bug(format!(
                            "target `{}` registers two escapers for `.{ext}` templates: `{other}` and `{key}`",
                            set.target
                        )));
                    }
                }
                table.by_key.insert(key, e.escape);
            }
        }
        Ok(table)
    }
}

fn bug(message: String) -> Diagnostic {
    Diagnostic::new(Code::TemplateError, message).help("this is a bug in iocc, please report it")
}

impl Templates {
    /// Builds the environment from each target's embedded templates and escapers.
    pub fn new(sets: &[TemplateSet], override_dir: Option<&Path>) -> Result<Templates, Diagnostic> {
        // A mistyped --templates folder would otherwise silently build the embedded templates.
        if let Some(dir) = override_dir.filter(|d| !d.is_dir()) {
            return Err(Diagnostic::new(
                Code::FileNotFound,
                format!(
                    "the template folder `{}` does not exist",
                    crate::diag::display(dir)
                ),
            )
            .help("--templates names a folder laid out like `templates/`, e.g. `my-templates/summary/summary.md.j2`"));
        }
        let escapers = EscaperTable::new(sets)?;
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| template_error(&e, None))?;
        env.set_syntax(syntax);
        let by_extension = escapers.by_extension;
        env.set_auto_escape_callback(move |name| {
            let target = name.split_once('/').map_or("", |(dir, _)| dir);
            let key = by_extension
                .iter()
                .find(|((t, x), _)| *t == target && *x == extension(name))
                .map_or_else(|| "unregistered".to_owned(), |(_, k)| k.clone());
            AutoEscape::Custom(key.into())
        });
        let by_key = escapers.by_key;
        env.set_formatter(move |out, state, value| {
            if value.is_undefined() || value.is_none() {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    "a template printed an undefined or none value",
                ));
            }
            // A streamed block's place: only Rust code makes slots.
            if let Some(slot) = value.downcast_object_ref::<Slot>() {
                return write!(out, "{SLOT_OPEN}{}{SLOT_CLOSE}", slot.0)
                    .map_err(minijinja::Error::from);
            }
            if value.is_safe() {
                let text = value.to_string();
                return out
                    .write_str(&unslotted(&text))
                    .map_err(minijinja::Error::from);
            }
            let AutoEscape::Custom(key) = state.auto_escape() else {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "no escaper for this template",
                ));
            };
            let Some(escape) = by_key.get(key.as_ref()) else {
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
            out.write_str(&unslotted(&buf))
                .map_err(minijinja::Error::from)
        });
        for t in sets.iter().flat_map(|s| &s.templates) {
            add_template(&mut env, t, override_dir)?;
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

    /// Renders a template straight into `w`, streaming `blocks[n]` where the view holds
    /// [`slot(n)`](slot): the template's own text is small; what a block writes (a million
    /// rows) never exists as one string. A slot may be printed any number of times.
    pub fn render_to<S: Serialize>(
        &self,
        w: &mut dyn std::io::Write,
        name: &str,
        ctx: &S,
        blocks: &mut [Block<'_>],
    ) -> Result<(), WriteError> {
        let rendered = self.render_split(name, ctx)?;
        rendered.write(w, name, blocks)
    }

    /// Renders a template into its own text, cut where the view's slots are: for a target
    /// that checks the text around its blocks before streaming them.
    pub fn render_split<S: Serialize>(&self, name: &str, ctx: &S) -> Result<Split, Diagnostic> {
        let text = self.render(name, ctx)?;
        let mut pieces = Vec::new();
        let mut slots = Vec::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(SLOT_OPEN) {
            pieces.push(rest[..at].to_owned());
            let after = &rest[at + SLOT_OPEN.len_utf8()..];
            let end = after.find(SLOT_CLOSE).unwrap_or(after.len());
            slots.push(after[..end].parse::<usize>().unwrap_or(usize::MAX));
            rest = after.get(end + SLOT_CLOSE.len_utf8()..).unwrap_or("");
        }
        pieces.push(rest.to_owned());
        Ok(Split { pieces, slots })
    }
}

/// A rendered template cut at its slots: `pieces[0]`, block `slots[0]`, `pieces[1]`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub pieces: Vec<String>,
    pub slots: Vec<usize>,
}

impl Split {
    /// Writes the pieces, streaming each slot's block between them.
    pub fn write(
        &self,
        w: &mut dyn std::io::Write,
        name: &str,
        blocks: &mut [Block<'_>],
    ) -> Result<(), WriteError> {
        for (k, piece) in self.pieces.iter().enumerate() {
            w.write_all(piece.as_bytes())?;
            if let Some(&n) = self.slots.get(k) {
                let block = blocks.get_mut(n).ok_or_else(|| {
                    bug(format!(
                        "template `{name}` printed a slot with no block to stream"
                    ))
                })?;
                block(w)?;
            }
        }
        Ok(())
    }
}

/// Streams one block of a template's output into the file (see [`Templates::render_to`]).
pub type Block<'a> = &'a mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), WriteError>;

/// Unicode noncharacters ("for internal use") marking a slot in rendered text. Templates
/// cannot contain them (refused when added) and any value that does has them replaced, so a
/// marker in the output always comes from a [`slot`].
const SLOT_OPEN: char = '\u{FDD0}';
const SLOT_CLOSE: char = '\u{FDD1}';

/// The place of streamed block `n` in a view.
#[derive(Debug)]
struct Slot(usize);

impl minijinja::value::Object for Slot {}

/// A view value the template prints where [`Templates::render_to`] streams `blocks[n]`.
pub fn slot(n: usize) -> Value {
    Value::from_object(Slot(n))
}

/// `text` with slot markers replaced by U+FFFD.
fn unslotted(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([SLOT_OPEN, SLOT_CLOSE]) {
        text.replace([SLOT_OPEN, SLOT_CLOSE], "\u{FFFD}").into()
    } else {
        text.into()
    }
}

/// Adds an embedded template, or its override from `--templates DIR` when that file exists.
fn add_template(
    env: &mut Environment<'static>,
    t: &Template,
    override_dir: Option<&Path>,
) -> Result<(), Diagnostic> {
    let custom = match override_dir {
        Some(dir) => match std::fs::read_to_string(dir.join(t.name)) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Diagnostic::new(
                    Code::TemplateError,
                    format!("cannot read template override `{}`: {e}", t.name),
                )
                .in_file(&dir.join(t.name))
                .help("make the file readable, or remove it to use the embedded template"))
            }
        },
        None => None,
    };
    let source = custom.as_deref().unwrap_or(t.source);
    if source.contains([SLOT_OPEN, SLOT_CLOSE]) {
        return Err(Diagnostic::new(
            Code::TemplateError,
            format!(
                "template `{}` holds U+FDD0 or U+FDD1, which iocc reserves",
                t.name
            ),
        )
        .help("remove those characters from the template"));
    }
    let added = match custom {
        Some(s) => env.add_template_owned(t.name, s),
        None => env.add_template(t.name, t.source),
    };
    added.map_err(|e| template_error(&e, override_dir))
}

fn template_error(e: &minijinja::Error, dir: Option<&Path>) -> Diagnostic {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    let d = Diagnostic::new(Code::TemplateError, msg).help(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn upper(v: &str, out: &mut String) -> Result<(), String> {
        out.push_str(&v.to_uppercase());
        Ok(())
    }

    fn lower(v: &str, out: &mut String) -> Result<(), String> {
        out.push_str(&v.to_lowercase());
        Ok(())
    }

    static UPPER: [Escaper; 1] = [Escaper {
        name: "upper",
        extensions: &["txt"],
        escape: upper,
    }];
    static LOWER: [Escaper; 1] = [Escaper {
        name: "lower",
        extensions: &["txt"],
        escape: lower,
    }];
    static BOTH: [Escaper; 2] = [UPPER[0], LOWER[0]];

    const A: Template = Template {
        name: "a/x.txt.j2",
        source: "{{ v }}",
    };
    const B: Template = Template {
        name: "b/x.txt.j2",
        source: "{{ v }}",
    };

    fn set(
        target: &'static str,
        templates: &[Template],
        escapers: &'static [Escaper],
    ) -> TemplateSet {
        TemplateSet {
            target,
            templates: templates.to_vec(),
            escapers,
        }
    }

    #[test]
    fn each_template_uses_its_own_targets_escaper() {
        let t = Templates::new(&[set("a", &[A], &UPPER), set("b", &[B], &LOWER)], None).unwrap();
        let v = minijinja::context! { v => "MiXed" };
        assert_eq!(t.render(A.name, &v).unwrap(), "MIXED");
        assert_eq!(t.render(B.name, &v).unwrap(), "mixed");
    }

    #[test]
    fn a_template_never_borrows_another_targets_escaper() {
        // `b` registers no escaper: its `.txt` template must not fall back to `a`'s.
        let t = Templates::new(&[set("a", &[A], &UPPER), set("b", &[B], &[])], None).unwrap();
        let err = t
            .render(B.name, &minijinja::context! { v => "x" })
            .unwrap_err();
        assert!(err.message.contains("no escaper"), "{}", err.message);
    }

    #[test]
    fn two_escapers_for_one_extension_are_refused_at_start_up() {
        let Err(d) = Templates::new(&[set("a", &[A], &BOTH)], None) else {
            panic!("two `.txt` escapers of one target were accepted");
        };
        assert_eq!(d.code, Code::TemplateError);
        assert!(
            d.message.contains("two escapers for `.txt`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn blocks_stream_into_their_slots_and_values_cannot_forge_one() {
        const S: Template = Template {
            name: "a/s.txt.j2",
            source: "[{{ one }}|{{ v }}|{{ two }}|{{ one }}]",
        };
        let t = Templates::new(&[set("a", &[S], &UPPER)], None).unwrap();
        let forged = format!("x{SLOT_OPEN}1{SLOT_CLOSE}y");
        let view = minijinja::context! { one => slot(0), two => slot(1), v => forged };
        let mut out = Vec::new();
        let (mut a, mut b) = (
            |w: &mut dyn std::io::Write| Ok(w.write_all(b"AAA")?),
            |w: &mut dyn std::io::Write| Ok(w.write_all(b"BBB")?),
        );
        t.render_to(&mut out, S.name, &view, &mut [&mut a, &mut b])
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[AAA|X\u{FFFD}1\u{FFFD}Y|BBB|AAA]"
        );
        // A slot with no block is a bug, not silent output.
        let mut out = Vec::new();
        assert!(t.render_to(&mut out, S.name, &view, &mut [&mut a]).is_err());
    }

    #[test]
    fn a_template_outside_its_targets_folder_is_refused() {
        let Err(d) = Templates::new(&[set("b", &[A], &UPPER)], None) else {
            panic!("a template of `b` named `a/...` was accepted");
        };
        assert!(d.message.contains("is not under `b/`"), "{}", d.message);
    }
}
