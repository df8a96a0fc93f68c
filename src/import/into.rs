//! Adding items to an existing catalogue's text without touching what is there.
//!
//! Guarantees: the existing text is kept byte for byte; new list items are inserted after the
//! last item of the top-level `indicators:` or `bulk:` block sequence (or a new top-level key is
//! appended), indented like the items already there. A list written in flow style
//! (`indicators: [...]`) with items is refused with a message rather than rewritten; an empty
//! `indicators: []` becomes a block list.

/// Where and how to add to one top-level list.
struct Block {
    /// Byte offset to insert at.
    at: usize,
    /// Indentation of the existing items (`- ` at this column).
    indent: usize,
    /// The key line must be replaced (`key: []` -> `key:`): its byte range.
    replace: Option<(usize, usize)>,
}

/// Finds the top-level `key:` of `text`. `Err` names why items cannot be added there.
fn find(text: &str, key: &str) -> Result<Option<Block>, String> {
    let mut offset = 0;
    let mut lines = Vec::new();
    for line in text.split_inclusive('\n') {
        lines.push((offset, line));
        offset += line.len();
    }
    let mut block = None;
    for (i, (start, line)) in lines.iter().enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = body.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let rest = rest.split(" #").next().unwrap_or("").trim();
            if rest == "[]" {
                block = Some(Block {
                    at: start + line.len(),
                    indent: 2,
                    replace: Some((*start, start + body.len())),
                });
                break;
            }
            if !rest.is_empty() {
                return Err(format!(
                    "`{key}:` is written in flow style (`{key}: [...]`); write it as a block list (one `- ` item per entry) so that items can be added"
                ));
            }
            // The block runs until the next line starting at column 0 with a key.
            let mut last_content = start + line.len();
            let mut indent = None;
            for (s, l) in &lines[i + 1..] {
                let b = l.trim_end_matches(['\n', '\r']);
                let trimmed = b.trim_start();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                if !b.starts_with([' ', '-']) {
                    break;
                }
                if indent.is_none() && trimmed.starts_with('-') {
                    indent = Some(b.len() - trimmed.len());
                }
                last_content = s + l.len();
            }
            block = Some(Block {
                at: last_content,
                indent: indent.unwrap_or(2),
                replace: None,
            });
            break;
        }
    }
    Ok(block)
}

/// Indents a YAML sequence (as serialised, items at column 0) by `n` spaces.
fn indent(seq: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    seq.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("{pad}{l}\n")
            }
        })
        .collect()
}

/// Adds serialised YAML sequence items to the top-level list `key` of `text`.
pub fn add(text: &str, key: &str, items_yaml: &str) -> Result<String, String> {
    if items_yaml.trim().is_empty() {
        return Ok(text.to_owned());
    }
    match find(text, key)? {
        Some(b) => {
            let mut out = String::with_capacity(text.len() + items_yaml.len() + 64);
            match b.replace {
                Some((s, e)) => {
                    out.push_str(&text[..s]);
                    out.push_str(key);
                    out.push_str(":\n");
                    out.push_str(text[e..b.at].trim_start_matches(['\r', '\n']));
                }
                None => out.push_str(&text[..b.at]),
            }
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&indent(items_yaml, b.indent));
            out.push_str(&text[b.at..]);
            Ok(out)
        }
        None => {
            let mut out = text.to_owned();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(key);
            out.push_str(":\n");
            out.push_str(&indent(items_yaml, 2));
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str = "- id: new\n  kind: domain\n  description: |-\n    a\n    b\n";

    #[test]
    fn appends_after_the_last_item_keeping_everything_else() {
        let text = "id: x\nindicators:\n  # first\n  - id: a\n    kind: ipv4\n\n  # trailing comment\ndetections: []\n";
        let out = add(text, "indicators", ITEM).unwrap();
        assert_eq!(
            out,
            "id: x\nindicators:\n  # first\n  - id: a\n    kind: ipv4\n  - id: new\n    kind: domain\n    description: |-\n      a\n      b\n\n  # trailing comment\ndetections: []\n"
        );
        let v: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(v["indicators"][1]["description"], "a\nb");
    }

    #[test]
    fn unindented_lists_missing_keys_and_flow_style() {
        let text = "indicators:\n- id: a\npolicy: {}\n";
        let out = add(text, "indicators", ITEM).unwrap();
        assert!(
            out.starts_with("indicators:\n- id: a\n- id: new\n"),
            "{out}"
        );
        let out = add("id: x\n", "bulk", ITEM).unwrap();
        assert_eq!(out, format!("id: x\nbulk:\n{}", indent(ITEM, 2)));
        let out = add(
            "id: x\nindicators: []  # none yet\npolicy: {}\n",
            "indicators",
            ITEM,
        )
        .unwrap();
        let v: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(v["indicators"][0]["id"], "new");
        assert_eq!(v["policy"], serde_yaml::Value::Mapping(Default::default()));
        assert!(add("indicators: [{id: a}]\n", "indicators", ITEM).is_err());
    }
}
