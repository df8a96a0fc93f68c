//! Address and domain lists as rules: IP-only rules for small address lists, datasets and
//! iprep for large ones, DNS and TLS rule pairs for domains and domain lists.

use std::net::IpAddr;

use ipnet::IpNet;

use super::words::{bounded, dir_word, once_per_flow};
use super::{
    addr_list, header, Builder, Category, DataEntries, DataFile, LoweredRule, HEADER_BUDGET,
};
use crate::model::Meta;
use crate::rules::escape::{metadata_value, short_name};
use crate::rules::model::{
    Address, Buffer, Content, Dataset, DatasetCommand, DatasetType, Header, Iprep, IprepOp,
    IprepSide, Port, Protocol, RuleOption, Transform,
};

/// An address list to express as rules: its lock key, wording and entries.
pub(super) struct AddressList<'a> {
    pub(super) key: &'a str,
    pub(super) label: &'a str,
    /// What the msg says the rule matches (an address, `N entries`, `addresses`).
    pub(super) what: &'a str,
    pub(super) nets: &'a [IpNet],
    pub(super) meta: &'a Meta,
    pub(super) dirs: &'a [bool],
    /// Base of the data file and dataset names.
    pub(super) file_stem: &'a str,
}

impl Builder<'_> {
    fn address_classtype(meta: &Meta) -> &'static str {
        match meta.action {
            crate::model::Action::Monitor => "misc-activity",
            _ => "policy-violation",
        }
    }

    /// One rule of an address list: `shape` names it in the key, `what` in the msg.
    fn address_rule(
        &self,
        list: &AddressList<'_>,
        (shape, what): (&str, &str),
        outbound: bool,
        header: Header,
        detect: Vec<RuleOption>,
    ) -> LoweredRule {
        let classtype = Self::address_classtype(list.meta);
        let msg = self.msg(
            classtype,
            list.label,
            &format!("{what} ({})", dir_word(outbound)),
        );
        LoweredRule {
            key: format!("{}/{shape}/{}", list.key, dir_word(outbound)),
            rule: self
                .common(classtype, msg, list.meta)
                .rule(header, detect, outbound),
        }
    }

    pub(super) fn address_rules(&mut self, list: &AddressList<'_>) {
        let in_header = addr_list(list.nets);
        let large = list.nets.len() > self.c.policy.large_list_threshold as usize
            || in_header.to_string().len() > HEADER_BUDGET;
        if !large {
            for &outbound in list.dirs {
                let h = header(Protocol::Ip, in_header.clone(), Port::Any, outbound);
                let r = self.address_rule(list, ("ip-only", list.what), outbound, h, Vec::new());
                self.out.rules.push(r);
            }
            return;
        }
        let (exact, prefixes): (Vec<IpNet>, Vec<IpNet>) = list
            .nets
            .iter()
            .partition(|n| n.prefix_len() == n.max_prefix_len());
        let name = short_name(list.file_stem, 60);
        if !exact.is_empty() {
            self.dataset_rules(list, &name, &exact);
        }
        if !prefixes.is_empty() {
            self.iprep_rules(list, &name, prefixes);
        }
    }

    /// Exact addresses of a large list: a dataset file and one rule per direction.
    fn dataset_rules(&mut self, list: &AddressList<'_>, name: &str, exact: &[IpNet]) {
        let file = format!("{name}.ip.lst");
        let mut addrs: Vec<IpAddr> = exact.iter().map(IpNet::addr).collect();
        addrs.sort();
        addrs.dedup();
        self.out.files.push(DataFile {
            path: file.clone(),
            entries: DataEntries::Addresses(addrs),
        });
        for &outbound in list.dirs {
            let buffer = if outbound {
                Buffer::IpDst
            } else {
                Buffer::IpSrc
            };
            let mut detect = vec![
                RuleOption::Buffer(buffer),
                RuleOption::Dataset(Dataset {
                    command: DatasetCommand::IsSet,
                    name: name.to_owned(),
                    kind: DatasetType::Ip,
                    load: Some(file.clone()),
                }),
            ];
            detect.extend(once_per_flow(&format!(
                "{}/{}/dataset/{}",
                self.c.id,
                list.key,
                dir_word(outbound)
            )));
            // No count in the msg: the entries live in the data file, so a list that grows
            // or shrinks keeps its rule (sid and rev) unchanged.
            let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
            let r = self.address_rule(list, ("dataset", "address list"), outbound, h, detect);
            self.out.rules.push(r);
        }
    }

    /// Prefixes of a large list: an iprep category and one rule per direction.
    fn iprep_rules(&mut self, list: &AddressList<'_>, name: &str, prefixes: Vec<IpNet>) {
        self.out.categories.push(Category {
            key: format!("{}/iprep", list.key),
            name: name.to_owned(),
            description: bounded(&metadata_value(list.label), 60),
            nets: prefixes,
        });
        for &outbound in list.dirs {
            let side = if outbound {
                IprepSide::Dst
            } else {
                IprepSide::Src
            };
            let detect = vec![RuleOption::Iprep(Iprep {
                side,
                category: name.to_owned(),
                op: IprepOp::Gt,
                value: 0,
            })];
            let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
            let r = self.address_rule(list, ("iprep", "network list"), outbound, h, detect);
            self.out.rules.push(r);
        }
    }

    pub(super) fn domain_rules(&mut self, key: &str, label: &str, domain: &str, meta: &Meta) {
        let dotted = format!(".{domain}").into_bytes();
        self.domain_rule_pair(key, label, meta, |buffer, shape, what| {
            let detect = vec![
                RuleOption::Buffer(buffer),
                RuleOption::Transform(Transform::Dotprefix),
                RuleOption::Content(Content {
                    endswith: true,
                    ..Content::of(dotted.clone())
                }),
            ];
            (shape.to_owned(), format!("{what} {domain}"), detect)
        });
    }

    pub(super) fn domain_list_rules(
        &mut self,
        key: &str,
        label: &str,
        domains: Vec<String>,
        meta: &Meta,
        stem: &str,
    ) {
        let name = short_name(stem, 60);
        let file = format!("{name}.b64.lst");
        let mut sorted = domains;
        sorted.sort();
        sorted.dedup();
        self.out.files.push(DataFile {
            path: file.clone(),
            entries: DataEntries::Strings(sorted),
        });
        self.domain_rule_pair(key, label, meta, |buffer, shape, what| {
            let detect = vec![
                RuleOption::Buffer(buffer),
                RuleOption::Dataset(Dataset {
                    command: DatasetCommand::IsSet,
                    name: format!("{name}-{shape}"),
                    kind: DatasetType::String,
                    load: Some(file.clone()),
                }),
            ];
            // No count: the entries live in the data file (see `dataset_rules`).
            (
                format!("{shape}-dataset"),
                format!("{what}, domain list"),
                detect,
            )
        });
    }

    /// One DNS-query and one TLS-SNI rule for a domain or a domain list. `rule` gets the
    /// sticky buffer, the shape name and the protocol's wording, and returns the key's shape,
    /// the message text and the detection options.
    fn domain_rule_pair(
        &mut self,
        key: &str,
        label: &str,
        meta: &Meta,
        rule: impl Fn(Buffer, &str, &str) -> (String, String, Vec<RuleOption>),
    ) {
        let classtype = "policy-violation";
        for (protocol, buffer, what) in [
            (Protocol::Dns, Buffer::DnsQuery, "DNS lookup"),
            (Protocol::Tls, Buffer::TlsSni, "TLS SNI"),
        ] {
            let (shape, text, detect) = rule(buffer, protocol.as_str(), what);
            let msg = self.msg(classtype, label, &text);
            let h = header(protocol, Address::Any, Port::Any, true);
            self.out.rules.push(LoweredRule {
                key: format!("{key}/{shape}/outbound"),
                rule: self.common(classtype, msg, meta).rule(h, detect, true),
            });
        }
    }
}
