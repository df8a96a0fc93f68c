//! Suricata 8: the rule syntax of [`super::syntax`], every option of the model, including the
//! ones only Suricata 8 reads (the `dns.query.name` and `dns.answer.name` buffers).
//!
//! Guarantees: a rule holding an option newer than Suricata 7 is written with
//! `requires:version >= 8;` first (unless it already requires at least that version), so the
//! same line loads in Suricata 8 and is skipped cleanly by Suricata 7.0.3 and later; every
//! other rule is written exactly as [`super::Suricata7`] writes it, so one pack serves both.

use super::{syntax, Dialect};
use crate::rules::model::{Requires, Rule, RuleOption, Version};

/// The Suricata 8 dialect.
pub struct Suricata8;

/// The newest Suricata version an option needs, when it is newer than 7.0.
pub fn needs(o: &RuleOption) -> Option<Version> {
    match o {
        RuleOption::Buffer(b) => b.since(),
        _ => None,
    }
}

/// The version a rule needs (the newest of its options'), when it is newer than 7.0.
pub fn rule_needs(rule: &Rule) -> Option<Version> {
    rule.options.iter().filter_map(needs).max()
}

impl Dialect for Suricata8 {
    fn name(&self) -> &'static str {
        "suricata-8"
    }

    fn options(&self, rule: &Rule) -> Vec<String> {
        let mut out = Vec::with_capacity(rule.options.len() + 5);
        let stated = rule
            .options
            .iter()
            .filter_map(|o| match o {
                RuleOption::Requires(r) => r.version,
                _ => None,
            })
            .max();
        if let Some(v) = rule_needs(rule).filter(|v| stated < Some(*v)) {
            syntax::option(&RuleOption::Requires(Requires::version(v)), &mut out);
        }
        for o in &rule.options {
            self.option(o, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::dialect::suricata7::tests::every_option;
    use crate::rules::dialect::Suricata7;
    use crate::rules::model::Buffer;

    /// The sample plan as Suricata 7 writes it, and the `dns.answer.name` rule with
    /// `requires:version >= 8` first.
    #[test]
    fn options_written_for_the_sample_plan() {
        insta::assert_snapshot!(crate::rules::dialect::sample::written(&Suricata8));
    }

    #[test]
    fn writes_what_suricata_7_writes_for_every_option_of_7() {
        let r = every_option();
        assert_eq!(Suricata8.write(&r), Suricata7.write(&r));
    }

    #[test]
    fn a_suricata_8_buffer_requires_version_8_once() {
        let mut r = every_option();
        r.options.retain(|o| !matches!(o, RuleOption::Requires(_)));
        r.options
            .insert(1, RuleOption::Buffer(Buffer::DnsQueryName));
        let line = Suricata8.write(&r).unwrap();
        assert!(line.contains("(requires:version >= 8; msg:\"X"), "{line}");
        assert!(line.contains("; dns.query.name; "), "{line}");
        // A rule that already requires 8 (or more) gets no second `requires`.
        r.options
            .push(RuleOption::Requires(Requires::version(Version::major(8))));
        let line = Suricata8.write(&r).unwrap();
        assert_eq!(line.matches("requires:").count(), 1, "{line}");
        // An older stated minimum is not enough: 8 is added.
        r.options.pop();
        r.options
            .push(RuleOption::Requires(Requires::version(Version::major(7))));
        let line = Suricata8.write(&r).unwrap();
        assert_eq!(line.matches("requires:").count(), 2, "{line}");
        assert!(line.starts_with("alert tcp") && line.contains("(requires:version >= 8; "));
    }

    #[test]
    fn requires_reads_back_into_the_model() {
        let r = Requires {
            features: vec!["output::file-store".into(), "geoip".into()],
            version: Version::parse("7.0.3"),
        };
        let mut out = Vec::new();
        syntax::option(&RuleOption::Requires(r.clone()), &mut out);
        assert_eq!(
            out,
            ["requires:feature output::file-store, feature geoip, version >= 7.0.3;"]
        );
        let line = format!(
            "alert ip any any -> any any (msg:\"x\"; {} sid:1; rev:1;)",
            out[0]
        );
        let read = crate::rules::read::read_line(&line).unwrap().unwrap();
        assert_eq!(read.options[1], RuleOption::Requires(r));
        assert_eq!(Version::parse("8").map(|v| v.to_string()), Some("8".into()));
        assert_eq!(
            Version::parse("7.1").map(|v| v.to_string()),
            Some("7.1".into())
        );
        assert_eq!(Version::parse("8.x"), None);
        // A range is not a minimum: kept as written.
        let line =
            "alert ip any any -> any any (msg:\"x\"; requires:version >= 7 < 8; sid:1; rev:1;)";
        let read = crate::rules::read::read_line(line).unwrap().unwrap();
        assert!(
            matches!(read.options[1], RuleOption::Other { .. }),
            "{:?}",
            read.options[1]
        );
    }
}
