//! Suricata 7: the rule syntax of [`super::syntax`] as it is, every option of the model
//! except the ones only Suricata 8 reads ([`super::suricata8::needs`]), which it refuses
//! (Suricata 7.0.10 fails to load a rule naming an unknown buffer).

use super::Dialect;
use crate::rules::model::RuleOption;

/// The Suricata 7 dialect.
pub struct Suricata7;

impl Dialect for Suricata7 {
    fn name(&self) -> &'static str {
        "suricata-7"
    }

    fn supports(&self, option: &RuleOption) -> bool {
        super::suricata8::needs(option).is_none()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rules::model::*;

    /// A rule holding every option of the model once.
    pub(crate) fn every_option() -> Rule {
        Rule {
            header: Header {
                action: Action::Alert,
                protocol: Protocol::Tcp,
                source: Address::Var("HOME_NET".into()),
                source_port: Port::Any,
                direction: Direction::Forward,
                destination: Address::List(vec![
                    Address::Net("192.0.2.1/32".parse().unwrap()),
                    Address::Net("2001:db8::/32".parse().unwrap()),
                ]),
                destination_port: Port::List(vec![
                    Port::Single(111),
                    Port::Range(Some(515), Some(520)),
                ]),
            },
            options: vec![
                RuleOption::Msg("X \"q\"; sid:9; \u{e9}\n".into()),
                RuleOption::Flow(vec![FlowFlag::Established, FlowFlag::ToServer]),
                RuleOption::Flowbits(Flowbits {
                    command: FlowbitsCommand::IsNotSet,
                    name: Some("IOCC.x".into()),
                }),
                RuleOption::Buffer(Buffer::DnsQuery),
                RuleOption::Transform(Transform::Dotprefix),
                RuleOption::Content(Content {
                    bytes: b".a;b|".to_vec(),
                    negated: true,
                    offset: Some(4),
                    depth: Some(12),
                    distance: Some(-1),
                    within: Some(9),
                    nocase: true,
                    startswith: true,
                    endswith: true,
                    fast_pattern: true,
                }),
                RuleOption::Rpc(Rpc {
                    program: 100_005,
                    version: None,
                    procedure: Some(1),
                }),
                RuleOption::Dataset(Dataset {
                    command: DatasetCommand::IsSet,
                    name: "c-list".into(),
                    kind: DatasetType::Ip,
                    load: Some("c-list.ip.lst".into()),
                    hashsize: Some(65536),
                    memcap: Some(64 << 20),
                }),
                RuleOption::Iprep(Iprep {
                    side: IprepSide::Dst,
                    category: "c-nets".into(),
                    op: IprepOp::Gt,
                    value: 0,
                }),
                RuleOption::FileHash(FileHash {
                    algo: FileHashAlgo::Sha256,
                    list: "c.sha256".into(),
                }),
                RuleOption::Requires(Requires {
                    features: vec!["output::file-store".into()],
                    version: Version::parse("7.0.3"),
                }),
                RuleOption::Reference(Reference::Cve("2025-0626".into())),
                RuleOption::Reference(Reference::Url("a.example/x".into())),
                RuleOption::Reference(Reference::Other {
                    system: "md5".into(),
                    id: "ab".into(),
                }),
                RuleOption::Classtype("policy-violation".into()),
                RuleOption::Gid(1),
                RuleOption::Sid(1_000_000),
                RuleOption::Rev(2),
                RuleOption::Metadata(vec![
                    ("created_at".into(), "2025_01_30".into()),
                    ("cve".into(), "CVE_2025_0626".into()),
                ]),
                RuleOption::Target(Side::Source),
                RuleOption::Other {
                    keyword: "threshold".into(),
                    value: Some("type limit, track by_src, count 1, seconds 60".into()),
                    quoted: false,
                },
            ],
        }
    }

    /// Every rule of the sample plan but the Suricata 8 one (`dns.answer.name`), as written.
    #[test]
    fn options_written_for_the_sample_plan() {
        insta::assert_snapshot!(crate::rules::dialect::sample::written(&Suricata7));
    }

    #[test]
    fn refuses_the_buffers_only_suricata_8_reads() {
        for b in [Buffer::DnsQueryName, Buffer::DnsAnswerName] {
            let mut r = every_option();
            r.options.push(RuleOption::Buffer(b));
            assert_eq!(Suricata7.write(&r).unwrap_err().keyword, b.as_str());
        }
    }

    #[test]
    fn writes_every_option_of_the_model() {
        let line = Suricata7.write(&every_option()).unwrap();
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
             dataset:isset,c-list,type ip,load c-list.ip.lst,hashsize 65536,memcap 64mb; \
             iprep:dst,c-nets,>,0; \
             filesha256:c.sha256; \
             requires:feature output::file-store, version >= 7.0.3; \
             reference:cve,2025-0626; reference:url,a.example/x; reference:md5,ab; \
             classtype:policy-violation; gid:1; sid:1000000; rev:2; \
             metadata:created_at 2025_01_30, cve CVE_2025_0626; \
             target:src_ip; \
             threshold:type limit, track by_src, count 1, seconds 60;)"
        );
    }

    #[test]
    fn kept_options_that_are_not_well_formed_are_escaped() {
        let mut rule = every_option();
        rule.options = vec![RuleOption::Other {
            keyword: "x\"y".into(),
            value: Some("a;b\"c".into()),
            quoted: true,
        }];
        let line = Suricata7.write(&rule).unwrap();
        assert!(line.ends_with("(xy:\"a\\;b\\\"c\";)"), "{line}");
    }

    #[test]
    fn a_quote_inside_an_unquoted_value_is_written_as_read() {
        // Suricata 7 and 8 load `metadata:key va"lue;` and hand the value over as written;
        // `\"` would be another value. A leading `"` would make it read as quoted: escaped.
        let mut rule = every_option();
        let other = |value: &str| RuleOption::Other {
            keyword: "xbits".into(),
            value: Some(value.into()),
            quoted: false,
        };
        rule.options = vec![other("key va\"lue"), other("\"key")];
        let line = Suricata7.write(&rule).unwrap();
        assert!(
            line.ends_with("(xbits:key va\"lue; xbits:\\\"key;)"),
            "{line}"
        );
        let back = crate::rules::read::read_line(&line).unwrap().unwrap();
        assert_eq!(back.options[0], rule.options[0]);
    }
}
