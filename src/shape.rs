//! The shape check: on the error path only, a catalogue that serde refused is walked against
//! the catalogue's JSON Schema so that every unknown field, missing field and wrongly typed
//! value is reported in one run (serde stops at the first).
//!
//! Guarantees: it reads the same schema `iocc schema` prints, so the two never disagree; it
//! never runs on a catalogue that parsed, so valid catalogues pay nothing; anything it cannot
//! judge it leaves to serde's own message (an empty result).

use std::path::Path;

use serde_json::{Map, Value as Json};
use serde_yaml::Value as Yaml;

use crate::diag::{Code, Diagnostic};
use crate::model::raw::RawCatalogue;

/// The JSON Schema of the catalogue format as `iocc schema` prints it (and `iocc init` writes
/// beside the starter catalogue).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(RawCatalogue);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// Every shape problem of a YAML document (empty if it cannot be read as a value).
pub fn shape_problems(file: &Path, text: &str) -> Vec<Diagnostic> {
    let Ok(doc) = serde_yaml::from_str::<Yaml>(text) else {
        return Vec::new();
    };
    let Ok(schema) = serde_json::to_value(schemars::schema_for!(RawCatalogue)) else {
        return Vec::new();
    };
    let defs = schema
        .get("$defs")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    walk(&doc, &schema, &defs, "", &mut out);
    for d in &mut out {
        d.file = Some(file.to_path_buf());
    }
    out
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(v: &Yaml) -> &'static str {
    match v {
        Yaml::Null => "null",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(n) if n.is_f64() => "a floating-point number",
        Yaml::Number(_) => "an integer",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}

fn fits(v: &Yaml, ty: &str) -> bool {
    match (ty, v) {
        ("null", Yaml::Null)
        | ("boolean", Yaml::Bool(_))
        | ("number", Yaml::Number(_))
        | ("string", Yaml::String(_))
        | ("array", Yaml::Sequence(_))
        | ("object", Yaml::Mapping(_)) => true,
        ("integer", Yaml::Number(n)) => !n.is_f64(),
        _ => false,
    }
}

fn words(ty: &str) -> &str {
    match ty {
        "array" => "a list",
        "object" => "a mapping",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean (true or false)",
        "string" => "a string",
        other => other,
    }
}

fn walk(v: &Yaml, s: &Json, defs: &Map<String, Json>, path: &str, out: &mut Vec<Diagnostic>) {
    if let Some(name) = s.get("$ref").and_then(Json::as_str) {
        if let Some(def) = name.strip_prefix("#/$defs/").and_then(|n| defs.get(n)) {
            walk(v, def, defs, path, out);
        }
        return;
    }
    if let Some(branches) = s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Json::as_array)
    {
        // Optional structs: `null` or the struct.
        let null_ok = branches
            .iter()
            .any(|b| b.get("type").and_then(Json::as_str) == Some("null"));
        if matches!(v, Yaml::Null) && null_ok {
            return;
        }
        if let Some(b) = branches
            .iter()
            .find(|b| b.get("type").and_then(Json::as_str) != Some("null"))
        {
            walk(v, b, defs, path, out);
        }
        return;
    }
    if let Some(d) = type_problem(v, s, path) {
        out.push(d);
        return;
    }
    match v {
        Yaml::Mapping(m) => walk_mapping(m, s, defs, path, out),
        Yaml::Sequence(items) => {
            if let Some(item) = s.get("items") {
                for (i, x) in items.iter().enumerate() {
                    walk(x, item, defs, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// `the catalogue` or `` `path` ``, for messages.
fn where_(path: &str) -> String {
    if path.is_empty() {
        "the catalogue".to_owned()
    } else {
        format!("`{path}`")
    }
}

/// A value whose YAML type the schema does not allow there.
fn type_problem(v: &Yaml, s: &Json, path: &str) -> Option<Diagnostic> {
    let types: Vec<&str> = match s.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() || types.iter().any(|t| fits(v, t)) {
        return None;
    }
    let want: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| words(t))
        .collect();
    Some(
        Diagnostic::new(Code::InvalidType, format!("{} must be {}, not {}", where_(path), want.join(" or "), kind(v)))
            .at_path(path)
            .help("see `iocc schema` for the expected type; quote values that YAML would read as numbers, booleans or null"),
    )
}

/// A mapping: each known key against its schema, unknown keys of a closed mapping, and the
/// required keys.
fn walk_mapping(
    m: &serde_yaml::Mapping,
    s: &Json,
    defs: &Map<String, Json>,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    let props = s.get("properties").and_then(Json::as_object);
    let closed = s.get("additionalProperties") == Some(&Json::Bool(false));
    for (k, val) in m {
        let key = match k {
            Yaml::String(k) => k.clone(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
        match props.and_then(|p| p.get(&key)) {
            Some(sub) => walk(val, sub, defs, &child(path, &key), out),
            None if closed => out.push(unknown_field(props, path, &key)),
            None => {}
        }
    }
    for r in s
        .get("required")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
    {
        if !m.contains_key(r) {
            out.push(
                Diagnostic::new(Code::MissingField, format!("{} lacks the required field `{r}`", where_(path)))
                    .at_path(path)
                    .help("add the field; the README's catalogue format and `iocc schema` list the required ones"),
            );
        }
    }
}

/// A key a closed mapping does not define; the help lists the keys it does.
fn unknown_field(props: Option<&Map<String, Json>>, path: &str, key: &str) -> Diagnostic {
    let mut known: Vec<&str> = props
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    known.sort_unstable();
    Diagnostic::new(
        Code::UnknownField,
        if path.is_empty() {
            format!("unknown field `{key}`")
        } else {
            format!("unknown field `{key}` in `{path}`")
        },
    )
    .at_key(child(path, key))
    .help(format!(
        "remove it or fix its spelling; the fields here are {}",
        known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(Code, String)> {
        shape_problems(Path::new("t.yaml"), text)
            .into_iter()
            .map(|d| {
                let path = match d.at {
                    crate::diag::At::Yaml { path, .. } | crate::diag::At::YamlKey { path } => path,
                    _ => String::new(),
                };
                (d.code, path)
            })
            .collect()
    }

    const BASE: &str = "id: x\nversion: 1.0.0\ntitle: t\npublisher: p\ntlp: clear\nadvisory: {id: A, title: a, issuer: i, published: 2025-01-30, modified: 2025-01-30}\n";

    #[test]
    fn a_valid_shape_has_no_problem() {
        assert!(codes(BASE).is_empty());
        assert!(codes(&format!("{BASE}indicators:\n  - {{id: a, kind: ipv4, value: 1.2.3.4, confidence: sourced, cves: []}}\n")).is_empty());
    }

    #[test]
    fn every_problem_is_reported() {
        let text = format!(
            "{BASE}colour: red\nindicators:\n  - {{id: a, kind: ipv4, valeu: 1.2.3.4}}\n  - {{id: b, kind: ipv4, value: 1.2.3.5, severity: [x]}}\ndetections:\n  - {{id: d, title: t, protocols: tcp, ports: 511, direction: outbound, indicators: [a], classtype: c, confidence: sourced, rpc: {{program: one}}}}\npolicy: {{widest-prefix: {{ipv4: 8}}}}\n"
        );
        let got = codes(&text);
        let want = [
            (Code::UnknownField, "colour"),
            (Code::UnknownField, "indicators[0].valeu"),
            (Code::MissingField, "indicators[0]"),
            (Code::InvalidType, "indicators[1].severity"),
            (Code::InvalidType, "detections[0].protocols"),
            (Code::InvalidType, "detections[0].ports"),
            (Code::InvalidType, "detections[0].rpc.program"),
            (Code::MissingField, "policy.widest-prefix"),
        ];
        for (code, path) in want {
            assert!(
                got.contains(&(code, path.to_owned())),
                "{code} at {path}: {got:?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
    }

    #[test]
    fn missing_top_level_fields_are_all_named() {
        let got = codes("id: x\n");
        let missing: Vec<&str> = got
            .iter()
            .filter(|(c, _)| *c == Code::MissingField)
            .map(|(_, p)| p.as_str())
            .collect();
        assert_eq!(missing.len(), 5, "{got:?}");
    }
}
