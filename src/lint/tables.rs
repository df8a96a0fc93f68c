//! What Suricata 7.0.10 and 8.0.6 accept, read from the tables in `src/lint/data/` (made by
//! the engines themselves, see its README) and compiled into the binary.
//!
//! Guarantees: every lookup answers for one version only; names are compared the way the
//! engine compares them (keywords and protocols without regard to case); a table that does
//! not parse is a build-time bug caught by the unit tests, never a runtime panic (a bad row
//! is skipped).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::Version;

/// How a keyword takes its value (`keyword-syntax.csv`, from probe rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// `keyword;` only.
    None,
    /// `keyword;` or `keyword:value;`.
    Optional,
    /// `keyword:value;` only.
    Required,
}

/// Whether the value is written in double quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quotes {
    None,
    Optional,
    Mandatory,
}

/// One keyword of one version.
#[derive(Debug, Clone)]
pub struct Keyword {
    pub name: String,
    pub value: Value,
    pub quotes: Quotes,
    pub sticky_buffer: bool,
    pub content_modifier: bool,
    /// A transform (`to_lowercase`, `dotprefix`...): it changes the buffer, adds no match.
    pub transform: bool,
}

/// Everything the linter knows about one version.
#[derive(Debug, Default)]
pub struct Tables {
    /// Keywords and their aliases, in lower case, to the keyword.
    pub keywords: BTreeMap<String, Keyword>,
    /// Action (or `action:scope`) to the engine's message when refused, in an ordinary rule
    /// file and in a firewall rule file.
    pub actions: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Header protocol to the engine's message when refused.
    pub protocols: BTreeMap<String, Option<String>>,
    /// `protocol:hook` to the engine's message when refused (ordinary, firewall).
    pub hooks: BTreeMap<String, (Option<String>, Option<String>)>,
    /// Hooks the engine lists (`--list-app-layer-hooks`, 8.0.6).
    pub listed_hooks: BTreeSet<String>,
    /// Direction to the engine's message when refused.
    pub directions: BTreeMap<String, Option<String>>,
    /// Address and port variables the packaged config defines.
    pub address_vars: BTreeSet<String>,
    pub port_vars: BTreeSet<String>,
    /// App-layer protocols the engine knows (enabled or not).
    pub app_protocols: BTreeSet<String>,
    /// App-layer protocols the packaged config disables (`enabled: no` or
    /// `detection-enabled: no`).
    pub disabled: BTreeSet<String>,
}

macro_rules! data {
    ($v:literal, $file:literal) => {
        include_str!(concat!("data/suricata", $v, "/", $file))
    };
}

impl Tables {
    /// A keyword by name as written: the engine ignores case, and registers the legacy
    /// `proto_name` spelling of most `proto.name` keywords as an alias that
    /// `--list-keywords` does not print (`http_content_type`, `http_referer`...).
    pub fn keyword(&self, written: &str) -> Option<&Keyword> {
        let name = written.to_ascii_lowercase();
        self.keywords.get(&name).or_else(|| {
            let dotted = name.replacen('_', ".", 1);
            self.keywords.get(&dotted)
        })
    }
}

/// The embedded data files of one version's folder; `$listed_hooks` is the hook listing (8.x
/// only: 7.0.10 has none).
macro_rules! version_files {
    ($v:literal, $listed_hooks:expr) => {
        Files {
            keywords: data!($v, "keywords.csv"),
            syntax: data!($v, "keyword-syntax.csv"),
            aliases: data!($v, "aliases.csv"),
            actions: data!($v, "actions.csv"),
            protocols: data!($v, "protocols.csv"),
            hooks: data!($v, "hooks.csv"),
            listed_hooks: $listed_hooks,
            directions: data!($v, "directions.csv"),
            config: data!($v, "config.txt"),
            app_protocols: data!($v, "app-layer-protos.txt"),
        }
    };
}

/// The tables of one version, read once.
pub fn tables(v: Version) -> &'static Tables {
    static T7: OnceLock<Tables> = OnceLock::new();
    static T8: OnceLock<Tables> = OnceLock::new();
    match v {
        Version::V7 => T7.get_or_init(|| read(version_files!("7", ""))),
        Version::V8 => {
            T8.get_or_init(|| read(version_files!("8", data!("8", "app-layer-hooks.txt"))))
        }
    }
}

struct Files {
    keywords: &'static str,
    syntax: &'static str,
    aliases: &'static str,
    actions: &'static str,
    protocols: &'static str,
    hooks: &'static str,
    listed_hooks: &'static str,
    directions: &'static str,
    config: &'static str,
    app_protocols: &'static str,
}

fn rows(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .flatten()
        .map(|r| r.iter().map(str::to_owned).collect())
        .collect()
}

/// A probe cell: `ok` (or anything not an error) is `None`, `error: ...` the message.
fn verdict(cell: Option<&String>) -> Option<String> {
    let c = cell.map_or("", String::as_str);
    c.strip_prefix("error: ").map(str::to_owned)
}

fn read(f: Files) -> Tables {
    let mut t = Tables::default();
    let syntax: BTreeMap<String, (Value, Quotes)> = rows(f.syntax, b',')
        .into_iter()
        .filter(|r| r.len() >= 3)
        .map(|r| {
            let value = match r[1].as_str() {
                "none" => Value::None,
                "required" => Value::Required,
                _ => Value::Optional,
            };
            let quotes = match r[2].as_str() {
                "mandatory" => Quotes::Mandatory,
                "optional" => Quotes::Optional,
                _ => Quotes::None,
            };
            (r[0].to_ascii_lowercase(), (value, quotes))
        })
        .collect();
    for r in rows(f.keywords, b';') {
        let (Some(name), Some(features)) = (r.first(), r.get(3)) else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let (value, quotes) = syntax
            .get(&name)
            .copied()
            .unwrap_or((Value::Optional, Quotes::Optional));
        let k = Keyword {
            name: name.clone(),
            value,
            quotes,
            sticky_buffer: features.contains("sticky buffer"),
            content_modifier: features.contains("content modifier"),
            transform: features.contains("transform"),
        };
        t.keywords.insert(name, k);
    }
    // `aliases.csv` columns: alias, keyword, source, this version knows the alias, this
    // version knows the keyword. Only the alias's own verdict counts: 8.0.6 knows `lua`
    // but refuses its 7.0.10 alias `luajit`.
    for r in rows(f.aliases, b',') {
        if r.get(3).map(String::as_str) != Some("known") {
            continue;
        }
        let target = r[1].to_ascii_lowercase();
        if let Some(k) = t.keywords.get(&target).cloned() {
            t.keywords.entry(r[0].to_ascii_lowercase()).or_insert(k);
        }
    }
    for r in rows(f.actions, b',') {
        t.actions
            .insert(r[0].clone(), (verdict(r.get(1)), verdict(r.get(2))));
    }
    for r in rows(f.protocols, b',') {
        t.protocols.insert(r[0].clone(), verdict(r.get(1)));
    }
    for r in rows(f.hooks, b',') {
        t.hooks
            .insert(r[0].clone(), (verdict(r.get(1)), verdict(r.get(2))));
    }
    for r in rows(f.directions, b',') {
        t.directions.insert(r[0].clone(), verdict(r.get(1)));
    }
    t.listed_hooks = listed(f.listed_hooks);
    t.app_protocols = listed(f.app_protocols);
    for line in f.config.lines() {
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        if let Some(rest) = key.strip_prefix("app-layer.protocols.") {
            let (proto, setting) = rest.split_once('.').unwrap_or((rest, ""));
            if value == "no" && matches!(setting, "enabled" | "detection-enabled") {
                t.disabled.insert(proto.to_owned());
            }
        }
        if let Some(v) = key.strip_prefix("vars.address-groups.") {
            t.address_vars.insert(v.to_owned());
        } else if let Some(v) = key.strip_prefix("vars.port-groups.") {
            t.port_vars.insert(v.to_owned());
        }
    }
    t
}

/// The names of an engine listing (`--list-app-layer-protos`...), without its title.
fn listed(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('='))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_read() {
        for v in [Version::V7, Version::V8] {
            let t = tables(v);
            assert!(t.keywords.len() > 250, "{v:?}");
            assert_eq!(t.keywords["sid"].value, Value::Required);
            assert_eq!(t.keywords["content"].quotes, Quotes::Mandatory);
            assert!(t.keywords["http.content_type"].sticky_buffer);
            assert!(t.keyword("http_content_type").is_some());
            assert!(t.keywords["http_uri"].content_modifier);
            assert_eq!(t.actions["alert"], (None, t.actions["alert"].1.clone()));
            assert!(t.protocols["tcp"].is_none());
            assert!(t.protocols["igmp"].is_some());
            assert!(t.address_vars.contains("HOME_NET"));
            assert!(t.port_vars.contains("HTTP_PORTS"));
            assert!(t.app_protocols.contains("http"));
            assert!(t.disabled.contains("modbus"));
        }
        assert!(tables(Version::V8).keywords.contains_key("absent"));
        // an alias only the older version registers
        assert!(tables(Version::V7).keyword("luajit").is_some());
        assert!(tables(Version::V8).keyword("luajit").is_none());
        assert!(tables(Version::V8).keyword("lua").is_some());
        assert!(!tables(Version::V7).keywords.contains_key("absent"));
        assert!(tables(Version::V8).actions["drop:flow"].0.is_none());
        assert!(tables(Version::V7).actions["drop:flow"].0.is_some());
        assert!(tables(Version::V8)
            .listed_hooks
            .contains("http1:request_line"));
    }
}
