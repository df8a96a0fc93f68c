//! Each option on its own, against one version: does the keyword exist, is its value
//! written the way the engine's option parser wants it (`SigParseOptions`: a value or none,
//! quotes, `!`), and do the values the engine checks at load time parse (sid, rev, numbers,
//! flow, requires...).
//!
//! Guarantees: a keyword is unknown only when the version's `--list-keywords` (and alias
//! table) lacks it; value checks refuse only what the engine's parser refuses, as recorded
//! in `tests/lint/SURICATA-CHECKS.md`.

use crate::diag::Code;
use crate::grammar::rule::{ParsedRule, RawOption};

use super::finding::Findings;
use super::header::IP_PROTOCOLS;
use super::tables::{Quotes, Value};
use super::{Ctx, Version};

/// The `flow` options of both versions (`src/detect-flow.c`).
const FLOW_OPTIONS: &[&str] = &[
    "to_client",
    "to_server",
    "from_client",
    "from_server",
    "established",
    "not_established",
    "stateless",
    "only_stream",
    "no_stream",
    "only_frag",
    "no_frag",
];

pub fn check(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    for o in &r.options {
        let name = o.name();
        let Some(k) = c.t.keyword(&name) else {
            f.error(
                o.span.start,
                Code::UnknownRuleKeyword,
                format!("unknown rule keyword `{}`", o.keyword),
                "check the spelling against `suricata --list-keywords`; a keyword of another Suricata version, or of a plugin, is refused",
            );
            continue;
        };
        if !syntax(o, k.value, k.quotes, f) {
            continue;
        }
        value(c, o, &name, f);
        if name == "app-layer-protocol" {
            app_layer_protocol(c, r, o, f);
        }
    }
}

/// The option parser's checks; `false` when the value is unusable.
fn syntax(o: &RawOption, value: Value, quotes: Quotes, f: &mut Findings) -> bool {
    let at = o.span.start;
    let k = &o.keyword;
    match (&o.value, value) {
        (None, Value::Required) => {
            f.error(
                at,
                Code::OptionValue,
                format!("`{k}` needs a value (invalid formatting or malformed option)"),
                &format!("write `{k}:VALUE;`"),
            );
            return false;
        }
        (Some(_), Value::None) => {
            f.error(
                at,
                Code::OptionValue,
                format!("`{k}` takes no value (unexpected option to {k} keyword)"),
                &format!("write `{k};`"),
            );
            return false;
        }
        (None, _) => return true,
        _ => {}
    }
    let v = o.value.as_deref().unwrap_or("");
    let starts_quoted = v.trim_start_matches('!').trim_start().starts_with('"');
    match quotes {
        Quotes::Mandatory if starts_quoted && !o.quoted => {
            f.error(
                o.span.end - 1,
                Code::OptionValue,
                format!("the quoted value of `{k}` is not closed before this `;`, which ends the option (Suricata splits options at every unescaped `;`)"),
                "write `\\;` (or `|3b|` in a content) for a `;` inside quotes",
            );
            false
        }
        Quotes::Mandatory if !o.quoted => {
            f.error(
                at,
                Code::OptionValue,
                format!("the value of `{k}` must be double quoted"),
                &format!("write `{k}:\"...\";`"),
            );
            false
        }
        Quotes::None if o.quoted || starts_quoted => {
            f.error(
                at,
                Code::OptionValue,
                format!("`{k}` takes its value without quotes (quotes on {k} keyword that doesn't support them)"),
                "remove the double quotes",
            );
            false
        }
        _ => true,
    }
}

fn value(c: &Ctx<'_>, o: &RawOption, name: &str, f: &mut Findings) {
    let v = o.value.as_deref().unwrap_or("").trim();
    let at = o.span.start;
    match name {
        "sid" | "rev" => positive(o, v, f),
        "gid" if v.parse::<u32>().is_err() => f.error(
            at,
            Code::OptionValue,
            format!("`gid` must be a number, not `{v}`"),
            "write `gid:N;` with N from 0 to 4294967295",
        ),
        "flow" => flow(o, v, f),
        "requires" => requires(c, o, v, f),
        "lua" | "luajit" if c.v == Version::V7 => f.error(
            at,
            Code::DisabledProtocol,
            "Lua rules are disabled by the packaged suricata.yaml (security.lua.allow-rules)",
            "set `security.lua.allow-rules: yes` in suricata.yaml, or match without Lua",
        ),
        "app-layer-protocol" if c.v == Version::V7 && v.contains(',') => f.error(
            at,
            Code::OptionValue,
            format!("`app-layer-protocol` takes one protocol in Suricata 7 (unknown protocol \"{v}\")"),
            "write `app-layer-protocol:NAME;` (the mode after a comma is Suricata 8 only)",
        ),
        "iprep" => f.error(
            at,
            Code::DisabledProtocol,
            "`iprep` needs IP reputation categories, and the packaged suricata.yaml sets no `reputation-categories-file` (every category is unknown: not a valid setting for iprep)",
            "set `reputation-categories-file` (and `reputation-files`) in suricata.yaml, or match on addresses",
        ),
        "entropy" => entropy(o, v, f),
        "pcre" => super::pcre::check(o, v, f),
        "threshold" if !(v.contains("track") && v.contains("type")) => f.error(
            at,
            Code::OptionValue,
            "`threshold` needs `type`, `track`, `count` and `seconds` (the engine refuses it without saying why)",
            "write e.g. `threshold:type limit, track by_src, count 1, seconds 60;`",
        ),
        _ => {}
    }
}

/// `app-layer-protocol`: the engine refuses it when the header already names an app-layer
/// protocol (`DetectAppLayerProtocolSetup`: the rule's alproto is set), and for a protocol
/// it does not know, which includes the ones the packaged config disables.
fn app_layer_protocol(c: &Ctx<'_>, r: &ParsedRule, o: &RawOption, f: &mut Findings) {
    let at = o.span.start;
    let header = r.protocol.to_ascii_lowercase();
    let header = header.split(':').next().unwrap_or_default();
    if !IP_PROTOCOLS.contains(&header) && c.t.protocols.get(header) == Some(&None) {
        return f.error(
            at,
            Code::OptionValue,
            format!("the header already names the app-layer protocol `{header}`, so `app-layer-protocol` cannot be added (Either we already have the rule match on an app layer protocol set through other keywords...)"),
            "write the protocol in the header only, or use `tcp`/`udp` in the header with `app-layer-protocol`",
        );
    }
    let v = o.value.as_deref().unwrap_or("").trim();
    let v = v.strip_prefix('!').unwrap_or(v).trim();
    let name = v.split(',').next().unwrap_or(v).trim().to_ascii_lowercase();
    let known = name == "failed"
        || (name == "unknown" && c.v == Version::V8)
        || c.t.app_protocols.contains(&name)
        || (!IP_PROTOCOLS.contains(&name.as_str()) && c.t.protocols.get(&name) == Some(&None));
    if known {
        return;
    }
    if c.t.disabled.contains(&name) {
        f.error(
            at,
            Code::DisabledProtocol,
            format!("the app-layer protocol `{name}` is disabled in the packaged suricata.yaml (app-layer-protocol keyword supplied with unknown protocol \"{name}\")"),
            &format!("enable it (`app-layer.protocols.{name}.enabled: yes`) in suricata.yaml"),
        );
    } else {
        f.error(
            at,
            Code::OptionValue,
            format!("`{name}` is not an app-layer protocol (app-layer-protocol keyword supplied with unknown protocol \"{name}\")"),
            "name an app-layer protocol from `suricata --list-app-layer-protos`, or `failed`",
        );
    }
}

/// `entropy` (8.0.6, `rust/src/detect/entropy.rs`): comma-separated `bytes N`, `offset N`
/// and `value V`, each at most once; `value` is required.
fn entropy(o: &RawOption, v: &str, f: &mut Findings) {
    let mut seen: Vec<&str> = Vec::new();
    let mut bad = None;
    for item in v.split(',') {
        let (name, val) = item
            .trim()
            .split_once(char::is_whitespace)
            .unwrap_or((item.trim(), ""));
        let numeric_ok = match name {
            "bytes" | "offset" => val.trim().parse::<i32>().is_ok(),
            "value" => !val.trim().is_empty(),
            _ => false,
        };
        if !numeric_ok || seen.contains(&name) {
            bad = Some(item.trim().to_owned());
            break;
        }
        seen.push(name);
    }
    let reason = match bad {
        Some(item) => format!("`{item}` is not `bytes N`, `offset N` or `value V`, or repeats one"),
        None if !seen.contains(&"value") => "it has no `value`".to_owned(),
        None => return,
    };
    f.error(
        o.span.start,
        Code::OptionValue,
        format!("the value of `entropy` does not parse: {reason} (the engine refuses it without saying why)"),
        "write e.g. `entropy:value >4.5;` or `entropy:bytes 64, offset 0, value >=5;`",
    );
}

fn positive(o: &RawOption, v: &str, f: &mut Findings) {
    let k = o.name();
    match v.parse::<u64>() {
        Ok(0) => f.error(
            o.span.start,
            Code::OptionValue,
            format!("{k} value 0 is invalid"),
            &format!("write `{k}:N;` with N from 1 to 4294967295"),
        ),
        Ok(n) if n <= u64::from(u32::MAX) => {}
        _ => f.error(
            o.span.start,
            Code::OptionValue,
            format!("`{k}` must be a number from 1 to 4294967295, not `{v}`"),
            &format!("write `{k}:N;`"),
        ),
    }
}

fn flow(o: &RawOption, v: &str, f: &mut Findings) {
    let words: Vec<String> = v
        .split(',')
        .map(|w| w.trim().to_ascii_lowercase())
        .collect();
    if let Some(bad) = words.iter().find(|w| !FLOW_OPTIONS.contains(&w.as_str())) {
        return f.error(
            o.span.start,
            Code::OptionValue,
            format!("invalid flow option \"{bad}\""),
            "use to_server, to_client, established, not_established, stateless, only_stream, no_stream, only_frag, no_frag",
        );
    }
    let server = words.iter().any(|w| w == "to_server" || w == "from_client");
    let client = words.iter().any(|w| w == "to_client" || w == "from_server");
    if server && client {
        f.error(
            o.span.start,
            Code::OptionValue,
            "`flow` names both directions (cannot set to_client, to_server already set)",
            "keep one of to_server and to_client; use `<>` in the header for both",
        );
    }
}

/// `requires`: a rule whose version condition this engine does not meet is skipped.
fn requires(c: &Ctx<'_>, o: &RawOption, v: &str, f: &mut Findings) {
    let ours = c.v.number();
    for item in v.split(',') {
        let item = item.trim();
        let Some(cond) = item.strip_prefix("version") else {
            continue;
        };
        let met = cond.split('|').any(|alt| version_met(alt, ours));
        if !met {
            f.error(
                o.span.start,
                Code::RequiresUnmet,
                format!(
                    "`requires: {item}` is not met by Suricata {}: the rule is skipped",
                    c.v.full()
                ),
                "lint with the Suricata version the rule is written for (`--suricata 7|8`)",
            );
        }
    }
}

/// One alternative of a `requires` version condition: every `OP VERSION` pair holds.
fn version_met(alt: &str, ours: [u32; 3]) -> bool {
    let words: Vec<&str> = alt.split_whitespace().collect();
    words.chunks(2).all(|pair| {
        let [op, ver] = pair else { return true };
        let mut theirs = [0u32; 3];
        for (n, part) in ver.split('.').take(3).enumerate() {
            theirs[n] = part.parse().unwrap_or(0);
        }
        match *op {
            ">=" => ours >= theirs,
            ">" => ours > theirs,
            "<=" => ours <= theirs,
            "<" => ours < theirs,
            "=" | "==" => ours == theirs,
            _ => true,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_conditions() {
        let seven = [7, 0, 10];
        assert!(version_met(" >= 7", seven));
        assert!(!version_met(" >= 8", seven));
        assert!(version_met(" >= 7.0.3 < 8", seven));
        assert!(!version_met(" >= 7.0.11", seven));
        assert!(version_met(" < 8.0.0", seven));
    }
}
