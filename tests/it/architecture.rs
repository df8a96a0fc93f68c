//! The architecture, checked against the sources.
//!
//! - `ARCHITECTURE.md` names every target of the registry and every firewall platform, in
//!   registry order, and nothing else.
//! - The import graph of `src/` (every `crate::` and `super::` path, resolved to the module
//!   that defines it) has no circle, and no target reaches another target, directly or
//!   through a neutral module. Nodes are the top-level modules, with `targets` split into its
//!   interface (`targets/mod.rs` and helpers such as `targets/coverage.rs`) and one node per
//!   registered target.
//! - No function is longer than 100 lines unless a comment right above it says why
//!   ("longer than 100 lines because ...").

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::root;

/// The longest function that needs no reason.
const MAX_LINES: usize = 100;

// ---------------------------------------------------------------------------------------
// ARCHITECTURE.md

/// The backticked first cells of the table rows under a `## ` heading.
fn table_names(doc: &str, heading: &str) -> Vec<String> {
    let start = doc
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no `## {heading}` section"));
    let section = &doc[start + heading.len() + 5..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_owned()))
        .collect()
}

#[test]
fn architecture_names_every_target_and_platform() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let targets: Vec<String> = iocc::targets::names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        table_names(&doc, "The target registry"),
        targets,
        "the target table of ARCHITECTURE.md and `targets::registry()` disagree"
    );
    let platforms: Vec<String> = iocc::targets::firewall::PLATFORMS
        .iter()
        .map(|p| p.name().to_owned())
        .collect();
    assert_eq!(
        table_names(&doc, "Firewall platforms"),
        platforms,
        "the platform table of ARCHITECTURE.md and `firewall::PLATFORMS` disagree"
    );
    for heading in [
        "The pipeline",
        "How to add a target",
        "How to add a firewall platform",
        "Rules and dialects",
    ] {
        assert!(
            doc.contains(&format!("\n## {heading}\n")),
            "ARCHITECTURE.md has no `## {heading}` section"
        );
    }
}

// ---------------------------------------------------------------------------------------
// A small Rust lexer: enough to find paths and functions outside comments and literals.

/// The source with comments, string and character literals blanked (newlines kept), so
/// that what remains is code.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let blank = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend(bytes.iter().map(|&c| if c == b'\n' { b'\n' } else { b' ' }));
    };
    let ident = |i: usize| i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let end = if rest.starts_with(b"//") {
            i + rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            i + find(rest, b"*/").map_or(rest.len(), |p| p + 2)
        } else if let Some(len) = raw_string(rest).filter(|_| !ident(i)) {
            i + len
        } else if rest[0] == b'"' || (rest.starts_with(b"b\"") && !ident(i)) {
            let mut j = i + if rest[0] == b'b' { 2 } else { 1 };
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            j + 1
        } else if let Some(len) = char_literal(rest) {
            i + len
        } else {
            out.push(b[i]);
            i += 1;
            continue;
        };
        let end = end.min(b.len());
        blank(&mut out, &b[i..end]);
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br"..."`) at the start.
fn raw_string(s: &[u8]) -> Option<usize> {
    let start = if s.starts_with(b"br") {
        2
    } else if s.starts_with(b"r") {
        1
    } else {
        return None;
    };
    let hashes = s[start..].iter().take_while(|&&c| c == b'#').count();
    if s.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let body = start + hashes + 1;
    find(&s[body..], &close).map(|p| body + p + close.len())
}

/// The length of a character literal at the start (`'a'`, `'\n'`, `'\u{1F600}'`), `None`
/// for a lifetime.
fn char_literal(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'\'') {
        return None;
    }
    if s.get(1) == Some(&b'\\') {
        // The escaped character may itself be a quote: look for the close after it.
        return s.get(3..)?.iter().position(|&c| c == b'\'').map(|p| p + 4);
    }
    let head = &s[1..s.len().min(5)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    let ch = text.chars().next()?;
    (s.get(1 + ch.len_utf8()) == Some(&b'\'')).then_some(ch.len_utf8() + 2)
}

// ---------------------------------------------------------------------------------------
// The import graph.

/// Every module of the library: its path (`targets::firewall::nftables`) and file.
fn modules() -> BTreeMap<String, PathBuf> {
    let src = root().join("src");
    let mut out = BTreeMap::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(&src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts == ["main"] {
            continue;
        }
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        out.insert(parts.join("::"), file);
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The paths of a use tree starting at `code[i..]` (after `crate::` or `super::`), each
/// prefixed with `prefix`; returns where the tree ends.
fn use_tree(code: &[u8], mut i: usize, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let skip_space = |i: &mut usize| {
        while *i < code.len() && code[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let mut segs = prefix.to_vec();
    loop {
        skip_space(&mut i);
        if code.get(i) == Some(&b'{') {
            i += 1;
            loop {
                i = use_tree(code, i, &segs, out);
                skip_space(&mut i);
                match code.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => return i + 1,
                    _ => return i,
                }
                skip_space(&mut i);
                if code.get(i) == Some(&b'}') {
                    return i + 1;
                }
            }
        }
        let start = i;
        while i < code.len() && (code[i].is_ascii_alphanumeric() || code[i] == b'_') {
            i += 1;
        }
        if i == start {
            out.push(segs);
            return i;
        }
        segs.push(String::from_utf8_lossy(&code[start..i]).into_owned());
        if code[i..].starts_with(b"::") {
            i += 2;
        } else {
            out.push(segs);
            return i;
        }
    }
}

/// The longest prefix of `segs` that names a module.
fn resolve(segs: &[String], mods: &BTreeMap<String, PathBuf>) -> String {
    (0..=segs.len())
        .rev()
        .map(|k| segs[..k].join("::"))
        .find(|m| mods.contains_key(m))
        .unwrap_or_default()
}

/// The graph node of a module: its top-level module, `targets` split into the interface and
/// one node per registered target; `None` for the crate root.
fn node(module: &str) -> Option<String> {
    let mut parts = module.split("::");
    let top = parts.next().filter(|t| !t.is_empty())?;
    if top != "targets" {
        return Some(top.to_owned());
    }
    match parts.next() {
        Some(t) if iocc::targets::names().contains(&t) => Some(format!("targets::{t}")),
        _ => Some("targets".to_owned()),
    }
}

/// Every edge between two nodes, with one file that makes it.
fn edges() -> BTreeMap<(String, String), PathBuf> {
    let mods = modules();
    let mut out = BTreeMap::new();
    for (module, file) in &mods {
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        let bytes = code.as_bytes();
        let here: Vec<String> = module
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut i = 0;
        while let Some(p) = code[i..].find("::") {
            let at = i + p;
            i = at + 2;
            let word_start = code[..at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |s| s + 1);
            let prefix = match &code[word_start..at] {
                "crate" => Vec::new(),
                // `super::` from `a/b.rs` (module `a::b`) is `a`; a run of them climbs.
                "super" if code[..word_start].ends_with("::") => continue,
                "super" => {
                    let mut up = here.clone();
                    up.pop();
                    let mut j = i;
                    while code[j..].starts_with("super::") {
                        up.pop();
                        j += "super::".len();
                    }
                    i = j;
                    up
                }
                _ => continue,
            };
            let mut paths = Vec::new();
            i = use_tree(bytes, i, &prefix, &mut paths);
            for segs in paths {
                let (Some(from), Some(to)) = (node(module), node(&resolve(&segs, &mods))) else {
                    continue;
                };
                if from != to {
                    out.entry((from, to)).or_insert_with(|| file.clone());
                }
            }
        }
    }
    out
}

/// Nodes reachable from `start` (excluding it unless on a circle).
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = graph
        .get(start)
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    while let Some(n) = todo.pop() {
        if seen.insert(n.to_owned()) {
            todo.extend(graph.get(n).into_iter().flatten().map(String::as_str));
        }
    }
    seen
}

#[test]
fn no_target_imports_another_and_no_circle() {
    let all = edges();
    let kept: BTreeMap<&(String, String), &PathBuf> = all.iter().collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in kept.keys() {
        graph.entry(a.clone()).or_default().insert(b.clone());
    }
    let is_target = |n: &str| n.starts_with("targets::");
    let mut problems = Vec::new();
    for n in graph.keys() {
        let reach = reachable(&graph, n);
        if reach.contains(n) {
            problems.push(format!("`{n}` is on an import circle"));
        }
        if is_target(n) {
            for other in reach.iter().filter(|m| is_target(m) && *m != n) {
                problems.push(format!("target `{n}` reaches target `{other}`"));
            }
        }
    }
    let listing: Vec<String> = kept
        .iter()
        .map(|((a, b), f)| {
            format!(
                "{a} -> {b} ({})",
                f.strip_prefix(root()).unwrap_or(f).display()
            )
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{}\nedges:\n{}",
        problems.join("\n"),
        listing.join("\n")
    );
    // The graph is really derived: the interface and a target are in it.
    assert!(kept.contains_key(&("targets::firewall".to_owned(), "targets".to_owned())));
    assert!(kept.contains_key(&("build".to_owned(), "targets".to_owned())));
}

#[test]
fn the_graph_sees_through_groups_super_and_literals() {
    let code = code_only(
        "use crate::{a::b, c};\nlet s = \"crate::x\"; // crate::y\nlet c = '\"'; use super::super::d::{e, f::g};\nfn f<'a>(x: &'a str) {}",
    );
    let mut found = Vec::new();
    let b = code.as_bytes();
    let i = code.find("crate::").unwrap() + "crate::".len();
    use_tree(b, i, &[], &mut found);
    assert_eq!(found, [vec!["a", "b"], vec!["c"]]);
    assert!(!code.contains("crate::x") && !code.contains("crate::y"));
    let j = code.rfind("super::").unwrap() + "super::".len();
    let mut sup = Vec::new();
    use_tree(b, j, &["p".to_owned()], &mut sup);
    assert_eq!(sup, [vec!["p", "d", "e"], vec!["p", "d", "f", "g"]]);
    assert!(code.contains("fn f<'a>(x: &'a str) {}"));
}

// ---------------------------------------------------------------------------------------
// Function length.

/// Functions of a file longer than `MAX_LINES`: (name, first line, lines).
fn long_functions(src: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(src);
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = code[i..].find("fn ") {
        let at = i + p;
        i = at + 3;
        if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_') {
            continue;
        }
        let name: String = code[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // The body's `{`, or the `;` of a declaration, outside the signature's brackets
        // (`[u8; 4]`).
        let mut nesting = 0i32;
        let Some(open) = b[i..]
            .iter()
            .position(|&c| {
                match c {
                    b'(' | b'[' => nesting += 1,
                    b')' | b']' => nesting -= 1,
                    _ => {}
                }
                nesting == 0 && (c == b'{' || c == b';')
            })
            .map(|o| i + o)
        else {
            break;
        };
        if b[open] == b';' || name.is_empty() {
            continue;
        }
        let mut depth = 0usize;
        let mut close = open;
        for (k, &c) in b[open..].iter().enumerate() {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let first = code[..at].matches('\n').count() + 1;
        let last = code[..close].matches('\n').count() + 1;
        if last - first + 1 > MAX_LINES {
            out.push((name, first, last - first + 1));
        }
    }
    out
}

/// Whether the comments and attributes right above line `line` (1-based) give a reason.
fn has_reason(src: &str, line: usize) -> bool {
    src.lines()
        .take(line - 1)
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| l.starts_with("//") || l.starts_with("#["))
        .any(|l| {
            l.to_ascii_lowercase()
                .contains("longer than 100 lines because")
        })
}

#[test]
fn no_function_over_100_lines_without_a_reason() {
    let mut found = Vec::new();
    for dir in ["src", "tests"] {
        for file in rust_files(&root().join(dir)) {
            let src = std::fs::read_to_string(&file).unwrap();
            let rel = file.strip_prefix(root()).unwrap().display().to_string();
            for (name, line, n) in long_functions(&src) {
                if !has_reason(&src, line) {
                    found.push(format!("{rel}:{line}: `{name}` is {n} lines long"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "split these functions, or say above each why it is longer than 100 lines:\n{}",
        found.join("\n")
    );
}

#[test]
fn long_functions_are_found_and_reasons_read() {
    let body = "    x();\n".repeat(MAX_LINES);
    let src = format!("// longer than 100 lines because a table\nfn long() {{\n{body}}}\nfn short() {{ let s = \"{{\"; }}\n");
    assert_eq!(
        long_functions(&src),
        [("long".to_owned(), 2, MAX_LINES + 2)]
    );
    assert!(has_reason(&src, 2));
    assert!(!has_reason(&src, 1 + MAX_LINES + 3));
}
