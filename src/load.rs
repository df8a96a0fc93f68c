//! Loading one catalogue file: read (size-capped), decode, parse YAML, validate.
//!
//! Guarantees: any byte sequence yields diagnostics, never a panic. YAML structure problems
//! (syntax, unknown or missing fields, wrong types, duplicate keys, nesting or alias bombs) stop
//! the file with one precise diagnostic; value problems are all collected by `validate`.

use std::path::Path;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::bulk::read_file;
use crate::diag::{At, Code, Diagnostic, SourceCache};
use crate::model::raw::RawCatalogue;
use crate::model::Catalogue;
use crate::validate::{validate, Inputs};

/// Largest catalogue file read; bigger feeds belong in bulk side files.
pub const MAX_CATALOGUE_BYTES: u64 = 64 * 1024 * 1024;

/// The outcome of loading one file.
pub struct Loaded {
    pub catalogue: Option<Catalogue>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads, parses and validates a catalogue. The file's text is kept in `cache` for snippets.
pub fn load_catalogue(
    file: &Path,
    today: Date,
    known_targets: &[&str],
    cache: &mut SourceCache,
) -> Loaded {
    let fail = |d: Diagnostic| Loaded {
        catalogue: None,
        diagnostics: vec![d],
    };
    let bytes = match read_file(file, MAX_CATALOGUE_BYTES) {
        Ok(b) => b,
        Err(d) => return fail(d),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = String::from_utf8_lossy(
                &valid[valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)..],
            )
            .chars()
            .count()
                + 1;
            return fail(
                Diagnostic::error(Code::NotUtf8, format!("the file is not UTF-8 text (bad byte at line {line}, column {column})"))
                    .in_file(file)
                    .help("catalogues are UTF-8 YAML; is this a binary file, or saved in another encoding?"),
            );
        }
    };
    cache.insert(file, text.clone());
    if text.contains('\0') {
        let offset = text.find('\0').unwrap_or(0);
        return fail(
            Diagnostic::error(Code::NotUtf8, "the file contains a NUL byte")
                .in_file(file)
                .at(At::Bytes(offset..offset + 1))
                .help("catalogues are UTF-8 YAML text; this looks like a binary file"),
        );
    }
    if is_blank(&text) {
        return fail(
            Diagnostic::error(Code::EmptyFile, "the file holds no YAML document")
                .in_file(file)
                .help(
                    "start from the example catalogue in the README, or `iocs/contec-cms8000.yaml`",
                ),
        );
    }
    let raw: RawCatalogue = match serde_yaml::from_str(&text) {
        Ok(r) => r,
        Err(e) => return fail(yaml_error(file, &e)),
    };
    let (catalogue, diagnostics) = validate(
        &raw,
        &Inputs {
            file,
            sha256,
            today,
            known_targets,
        },
    );
    Loaded {
        catalogue,
        diagnostics,
    }
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

/// Maps a serde_yaml error to a coded diagnostic at its position.
fn yaml_error(file: &Path, e: &serde_yaml::Error) -> Diagnostic {
    let full = e.to_string();
    // The position is shown by the snippet; drop serde_yaml's own " at line L column C".
    let message = match full.rfind(" at line ") {
        Some(i) if full[i..].contains(" column ") => full[..i].to_owned(),
        _ => full.clone(),
    };
    let (code, help) = if message.contains("unknown field") {
        (
            Code::UnknownField,
            "remove the field or fix its spelling; `iocc schema` lists every field",
        )
    } else if message.contains("missing field") {
        (
            Code::MissingField,
            "add the field; the README's catalogue format and `iocc schema` list the required ones",
        )
    } else if message.contains("duplicate entry") {
        (
            Code::DuplicateKey,
            "a key may appear once per mapping: keep one of the entries",
        )
    } else if message.contains("recursion limit exceeded") {
        (
            Code::NestingTooDeep,
            "a catalogue nests only a few levels deep; this file is not a catalogue",
        )
    } else if message.contains("repetition limit exceeded") {
        (
            Code::AliasLimit,
            "aliases here expand into far too many nodes; write the values out instead",
        )
    } else if message.contains("more than one document") {
        (
            Code::MultipleDocuments,
            "keep one catalogue per file: remove the `---` separator and split the file",
        )
    } else if message.contains("invalid type")
        || message.contains("invalid value")
        || message.contains("invalid length")
    {
        (Code::InvalidType, "see `iocc schema` for the expected type; quote values that YAML would read as numbers, booleans or null")
    } else if message.contains("tab") {
        (
            Code::YamlSyntax,
            "YAML indentation must use spaces, not tabs",
        )
    } else {
        (Code::YamlSyntax, "fix the YAML syntax at the caret")
    };
    let d = Diagnostic::error(code, message).in_file(file).help(help);
    match e.location() {
        Some(loc) => d.at(At::LineColumn {
            line: loc.line(),
            column: loc.column(),
        }),
        None => d,
    }
}
