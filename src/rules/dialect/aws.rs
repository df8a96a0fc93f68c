//! AWS Network Firewall: the Suricata syntax of [`super::syntax`] for the engine behind
//! Network Firewall's stateful rule groups, which refuses part of Suricata.
//!
//! Guarantees: a rule holding a keyword Network Firewall refuses (datasets, IP reputation,
//! file keywords, Lua, thresholding; [`REFUSED_KEYWORDS`]), an option Suricata 7 refuses
//! (the buffers only Suricata 8 reads), an application protocol it does
//! not inspect (ENIP, SCTP, IKEv2; [`REFUSED_PROTOCOLS`]) or an action other than pass, drop,
//! reject and alert is not written: [`Dialect::write`] names what it refused, and the target
//! reports the rule as not carried. Every other rule is written exactly as Suricata 7 writes
//! it, so the lines stay under Network Firewall's 8 192 characters a rule.

use super::{syntax, Dialect, Unsupported};
use crate::rules::model::{Action, Rule, RuleOption};

/// The AWS Network Firewall dialect.
pub struct AwsNetworkFirewall;

/// Keywords Network Firewall refuses in a stateful rule group.
pub const REFUSED_KEYWORDS: &[&str] = &[
    "dataset",
    "datarep",
    "iprep",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesize",
    "filestore",
    "filename",
    "fileext",
    "filemagic",
    "file.data",
    "file.name",
    "file_data",
    "lua",
    "luajit",
    "threshold",
    "detection_filter",
    // No lowering makes it; refused rather than assuming which engine version Network
    // Firewall runs.
    "requires",
];

/// Header protocols Network Firewall does not inspect.
pub const REFUSED_PROTOCOLS: &[&str] = &["enip", "sctp", "ikev2", "ike"];

/// The actions Network Firewall takes.
pub const ACTIONS: [Action; 4] = [Action::Pass, Action::Drop, Action::Reject, Action::Alert];

impl Dialect for AwsNetworkFirewall {
    fn name(&self) -> &'static str {
        "aws-network-firewall"
    }

    /// Network Firewall's limit is 8 192 characters a rule; Suricata's own, lower, applies
    /// first.
    fn max_line(&self) -> usize {
        7900
    }

    fn supports(&self, option: &RuleOption) -> bool {
        !REFUSED_KEYWORDS.contains(&syntax::keyword(option)) && super::Suricata7.supports(option)
    }

    fn write(&self, rule: &Rule) -> Result<String, Unsupported> {
        let refuse = |keyword: &str| {
            Err(Unsupported {
                dialect: self.name(),
                keyword: keyword.to_owned(),
            })
        };
        if !ACTIONS.contains(&rule.header.action) {
            return refuse(rule.header.action.as_str());
        }
        let proto = rule.header.protocol.as_str();
        if REFUSED_PROTOCOLS.contains(&proto) {
            return refuse(proto);
        }
        if let Some(o) = rule.options.iter().find(|o| !self.supports(o)) {
            return refuse(syntax::keyword(o));
        }
        super::Suricata7.write(rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::dialect::suricata7::tests::every_option;
    use crate::rules::model::*;

    /// The model's options without the ones Network Firewall refuses.
    fn carried() -> Rule {
        let mut r = every_option();
        r.options.retain(|o| {
            !matches!(
                o,
                RuleOption::Dataset(_)
                    | RuleOption::Iprep(_)
                    | RuleOption::FileHash(_)
                    | RuleOption::Requires(_)
                    | RuleOption::Other { .. }
            )
        });
        r
    }

    /// The sample plan: the pack's dataset and file hash rules and the Suricata 8 rule are
    /// refused (the profile's own IP-only lowering replaces the dataset ones), every other
    /// rule is written as Suricata 7 writes it.
    #[test]
    fn options_written_for_the_sample_plan() {
        insta::assert_snapshot!(crate::rules::dialect::sample::written(&AwsNetworkFirewall));
    }

    #[test]
    fn writes_what_suricata_7_writes_for_every_option_it_carries() {
        let line = AwsNetworkFirewall.write(&carried()).unwrap();
        assert_eq!(
            line,
            crate::rules::dialect::Suricata7.write(&carried()).unwrap()
        );
        assert_eq!(
            line,
            "alert tcp $HOME_NET any -> [192.0.2.1,2001:db8::/32] [111,515:520] (\
             msg:\"X \\\"q\\\"\\; sid:9\\; ? \"; \
             flow:established,to_server; \
             flowbits:isnotset,IOCC.x; \
             dns.query; \
             dotprefix; \
             content:!\".a|3b|b|7c|\"; offset:4; depth:12; distance:-1; within:9; nocase; startswith; endswith; fast_pattern; \
             rpc:100005,*,1; \
             reference:cve,2025-0626; reference:url,a.example/x; reference:md5,ab; \
             classtype:policy-violation; gid:1; sid:1000000; rev:2; \
             metadata:created_at 2025_01_30, cve CVE_2025_0626; \
             target:src_ip;)"
        );
    }

    fn refused(r: &Rule) -> String {
        AwsNetworkFirewall.write(r).unwrap_err().keyword
    }

    #[test]
    fn refuses_datasets_iprep_file_lua_and_thresholds() {
        let all = every_option();
        let only = |keep: fn(&RuleOption) -> bool| {
            let mut r = carried();
            r.options
                .extend(all.options.iter().filter(|o| keep(o)).cloned());
            r
        };
        assert_eq!(
            refused(&only(|o| matches!(o, RuleOption::Dataset(_)))),
            "dataset"
        );
        assert_eq!(
            refused(&only(|o| matches!(o, RuleOption::Iprep(_)))),
            "iprep"
        );
        assert_eq!(
            refused(&only(|o| matches!(o, RuleOption::Other { .. }))),
            "threshold"
        );
        for kw in [
            "filesha256",
            "filemd5",
            "filestore",
            "lua",
            "datarep",
            "detection_filter",
        ] {
            let mut r = carried();
            r.options.push(RuleOption::Other {
                keyword: kw.into(),
                value: Some("x".into()),
                quoted: false,
            });
            assert_eq!(refused(&r), kw);
        }
    }

    #[test]
    fn refuses_protocols_and_actions_it_lacks() {
        for p in ["enip", "sctp", "ikev2"] {
            let mut r = carried();
            r.header.protocol = Protocol::Other(p.into());
            assert_eq!(refused(&r), p);
        }
        for (a, ok) in Action::ALL.iter().map(|a| (*a, ACTIONS.contains(a))) {
            let mut r = carried();
            r.header.action = a;
            assert_eq!(AwsNetworkFirewall.write(&r).is_ok(), ok, "{a:?}");
        }
    }
}
