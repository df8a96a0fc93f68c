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
pub mod syntax;

pub use aws::AwsNetworkFirewall;
pub use suricata7::Suricata7;

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
