//! Dialects: writers that turn the typed rule model into the text of one engine.
//!
//! Guarantees: a dialect writes every value through the escapers of [`super::escape`] (text
//! values through [`super::escape::escape_rules`], content bytes through
//! [`super::escape::content_hex`]), so a written rule is one line whose options are exactly
//! the model's options, whatever text the model holds. A dialect that cannot express an option
//! says so ([`Dialect::supports`]) instead of writing something else.
//!
//! Adding a dialect is one writer: a type implementing [`Dialect`] that overrides only what
//! differs from the Suricata syntax of [`syntax`] (Suricata 8 adds `requires:` in
//! [`Dialect::write`]; a profile without datasets or iprep refuses them in
//! [`Dialect::supports`]; Snort 3 rewrites the few options it spells differently in
//! [`Dialect::option`]).

pub mod aws;
pub mod suricata7;
pub mod suricata8;
pub mod syntax;

pub use aws::AwsNetworkFirewall;
pub use suricata7::Suricata7;
pub use suricata8::Suricata8;

use super::model::{Header, Rule, RuleOption};

/// An option a dialect cannot write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub dialect: &'static str,
    /// The option's keyword, e.g. `dataset`.
    pub keyword: String,
}

/// A rule language: how the model is written as text.
pub trait Dialect: Sync {
    /// The dialect's name, e.g. `suricata-7`.
    fn name(&self) -> &'static str;

    /// The longest line the engine reads. Suricata reads a rule line into a buffer of about
    /// 8 kB; the default stays well below it.
    fn max_line(&self) -> usize {
        7900
    }

    /// Whether this dialect can write the option.
    fn supports(&self, option: &RuleOption) -> bool {
        let _ = option;
        true
    }

    /// Appends the header (`action proto src sport -> dst dport`).
    fn header(&self, header: &Header, out: &mut String) {
        syntax::header(header, out);
    }

    /// Appends the option's written form: one `keyword[:value];` item per element (a content
    /// is followed by its modifiers).
    fn option(&self, option: &RuleOption, out: &mut Vec<String>) {
        syntax::option(option, out);
    }

    /// A text value as the engine reads it back from the written rule (what an alert shows
    /// as the `msg`: escaping may have replaced characters or shortened it).
    fn as_read(&self, text: &str) -> String {
        syntax::as_read(text)
    }

    /// The written options of a rule, in order.
    fn options(&self, rule: &Rule) -> Vec<String> {
        let mut out = Vec::with_capacity(rule.options.len() + 4);
        for o in &rule.options {
            self.option(o, &mut out);
        }
        out
    }

    /// The rule as one line (without the line end), or the first option it cannot write.
    fn write(&self, rule: &Rule) -> Result<String, Unsupported> {
        if let Some(o) = rule.options.iter().find(|o| !self.supports(o)) {
            return Err(Unsupported {
                dialect: self.name(),
                keyword: syntax::keyword(o).to_owned(),
            });
        }
        let mut line = String::with_capacity(256);
        self.header(&rule.header, &mut line);
        line.push_str(" (");
        line.push_str(&self.options(rule).join(" "));
        line.push(')');
        Ok(line)
    }
}

/// The same rule plan written by each dialect: the unit test of every dialect snapshots
/// which options it writes for it.
#[cfg(test)]
pub(crate) mod sample {
    use super::Dialect;
    use crate::model::Catalogue;
    use crate::rules::model::{Buffer, Rule, RuleOption};

    fn load(relative: &str) -> Catalogue {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        let mut cache = crate::diag::SourceCache::default();
        crate::load::load_catalogue(
            &path,
            jiff::civil::date(2026, 11, 26),
            // The only target these catalogues name (the registry stays out of `rules`).
            &["suricata"],
            &mut cache,
        )
        .catalogue
        .expect("the catalogue validates")
    }

    /// The planned rules of the Contec catalogue (detections with flow, content, rpc and
    /// flowbits; single addresses; a file hash) and of the suricata-large fixture (datasets,
    /// network groups, domains, a file hash) with a fresh lock, then one rule no lowering
    /// makes yet: a domain in the answers of a DNS response (`dns.answer.name`, Suricata 8).
    pub(crate) fn plan() -> Vec<(String, Rule)> {
        let mut out = Vec::new();
        for (file, fresh) in [
            ("iocs/contec-cms8000.yaml", false),
            ("tests/fixtures/suricata-large.yaml", true),
        ] {
            let c = load(file);
            let path = crate::rules::plan::lock_path(&c);
            let plan = if fresh {
                let lowered = crate::rules::lower::lower(&c);
                let none = crate::rules::lock::Lock::default();
                crate::rules::plan::plan_with(&c, lowered, &none, path)
            } else {
                crate::rules::plan::plan(&c)
            }
            .expect("the plan is made");
            out.extend(
                plan.rules
                    .iter()
                    .map(|p| (p.key.clone(), p.rule().into_owned())),
            );
        }
        let (key, mut answer) = out
            .iter()
            .find(|(k, _)| k.starts_with("indicator/") && k.contains("/dns/"))
            .cloned()
            .expect("a domain rule");
        for o in &mut answer.options {
            if let RuleOption::Buffer(b) = o {
                *b = Buffer::DnsAnswerName;
            }
        }
        out.push((key.replace("/dns/", "/dns-answer/"), answer));
        out
    }

    /// One line per rule: its key and the keywords the dialect writes, in order, or what it
    /// refuses.
    pub(crate) fn written(d: &dyn Dialect) -> String {
        let mut text = String::new();
        for (key, rule) in plan() {
            let line = match d.write(&rule) {
                Ok(_) => d
                    .options(&rule)
                    .iter()
                    .map(|o| {
                        let kw = o.split([':', ';']).next().unwrap_or_default();
                        if kw == "requires" {
                            o.trim_end_matches(';').to_owned()
                        } else {
                            kw.to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Err(u) => format!("refused: {}", u.keyword),
            };
            text.push_str(&format!("{key}: {line}\n"));
        }
        text
    }
}
