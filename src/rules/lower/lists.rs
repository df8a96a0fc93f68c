//! Address and domain lists as rules: IP-only rules for small address lists; for large ones,
//! datasets of exact addresses (per family, split when large) and grouped IP-only rules for
//! networks (iprep when the policy asks); DNS and TLS rule pairs for domains and domain lists.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::datasets::{parts, size, DataEntries, DataFile, Size, LOAD_FACTOR};
use super::groups::{group, Group, MAX_V4, MAX_V6};
use super::words::{bounded, described, dir_word, once_per_flow, toward};
use super::{addr_list, header, Builder, Category, LoweredRule, HEADER_BUDGET};
use crate::model::{Meta, NetworkShape};
use crate::rules::dialect::{Dialect, Suricata7};
use crate::rules::escape::{metadata_value, short_name};
use crate::rules::members::{Members, Packed, Side};
use crate::rules::model::{
    Address, Buffer, Content, Dataset, DatasetCommand, DatasetType, Header, Iprep, IprepOp,
    IprepSide, Port, Protocol, RuleOption, Transform,
};

/// The entries of an address list.
#[derive(Clone, Copy)]
pub(super) enum Entries<'a> {
    /// Networks given one by one (the catalogue's own indicators).
    Nets(&'a [IpNet]),
    /// The bulk list of this index (sorted, packed).
    List(usize),
}

/// An address list to express as rules: its lock key, wording and entries.
pub(super) struct AddressList<'a> {
    pub(super) key: &'a str,
    /// The list's description for the iprep category.
    pub(super) label: &'a str,
    /// The description in the msg, in parentheses after the sentence (the indicator's or
    /// list's role).
    pub(super) role: Option<&'a str>,
    /// What an IP-only rule's msg says it matches: the address itself, or `an address on the
    /// partner-feed list`.
    pub(super) what: &'a str,
    /// The list's name in msgs (`the partner-feed list`); larger shapes say which address of
    /// it matched (`an IPv4 address on the partner-feed list`).
    pub(super) name: &'a str,
    pub(super) entries: Entries<'a>,
    pub(super) meta: &'a Meta,
    pub(super) dirs: &'a [bool],
    /// Base of the data file and dataset names.
    pub(super) file_stem: &'a str,
}

/// The exact addresses of one family of a large list, cut into dataset parts.
struct Hosts {
    family: &'static str,
    kind: DatasetType,
    /// Per part: its file's entries, distinct entries and bytes.
    parts: Vec<(DataEntries, usize, u64)>,
}

/// A large list split by shape: exact addresses per family, networks per family (sorted,
/// distinct).
struct Shapes {
    hosts: [Hosts; 2],
    v4_nets: Packed,
    v6_nets: Packed,
}

impl Builder<'_> {
    fn address_classtype(meta: &Meta) -> &'static str {
        match meta.action {
            crate::model::Action::Monitor => "misc-activity",
            _ => "policy-violation",
        }
    }

    /// One rule of an address list: `shape` names it in the key, `what` in the msg
    /// (`Connection to <what> (<role>)`).
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
            &format!("Connection {} {what}", toward(outbound)),
            &described(list.role),
        );
        LoweredRule {
            key: format!("{}/{shape}/{}", list.key, dir_word(outbound)),
            rule: self
                .common(classtype, msg, list.meta)
                .rule(header, detect, outbound),
            members: None,
        }
    }

    pub(super) fn address_rules(&mut self, list: &AddressList<'_>) {
        let len = match list.entries {
            Entries::Nets(n) => n.len(),
            Entries::List(i) => self.c.bulk[i].networks.len(),
        };
        if len <= self.c.policy.large_list_threshold as usize {
            let nets: Vec<IpNet> = match list.entries {
                Entries::Nets(n) => n.to_vec(),
                Entries::List(i) => self.c.bulk[i].networks.iter().map(|(n, _)| n).collect(),
            };
            let in_header = addr_list(&nets);
            if in_header.to_string().len() <= HEADER_BUDGET {
                for &outbound in list.dirs {
                    let h = header(Protocol::Ip, in_header.clone(), Port::Any, outbound);
                    let r =
                        self.address_rule(list, ("ip-only", list.what), outbound, h, Vec::new());
                    self.out.rules.push(r);
                }
                return;
            }
        }
        if self.ip_only {
            self.ip_only_groups(list);
            return;
        }
        let shapes = self.shapes(list.entries);
        for hosts in &shapes.hosts {
            self.dataset_rules(list, hosts);
        }
        match self.c.policy.suricata.networks {
            NetworkShape::Rules => {
                self.grouped(list, shapes.v4_nets, "networks");
                self.grouped(list, shapes.v6_nets, "networks");
            }
            NetworkShape::Iprep => {
                let prefixes: Vec<IpNet> = [&shapes.v4_nets, &shapes.v6_nets]
                    .into_iter()
                    .flat_map(|p| (0..p.len()).map(|i| p.net(i)))
                    .collect();
                if !prefixes.is_empty() {
                    self.iprep_rules(list, prefixes);
                }
            }
        }
    }

    /// Most distinct entries in one dataset file.
    fn per_part(&self) -> usize {
        LOAD_FACTOR * self.c.policy.suricata.max_hashsize as usize
    }

    /// A large list's entries by shape: exact addresses cut into dataset parts, networks.
    fn shapes(&self, entries: Entries<'_>) -> Shapes {
        let per = self.per_part();
        match entries {
            Entries::Nets(nets) => {
                let (mut h4, mut h6, mut n4, mut n6) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for n in nets {
                    match n {
                        IpNet::V4(v) if v.prefix_len() == 32 => h4.push(u32::from(v.addr())),
                        IpNet::V6(v) if v.prefix_len() == 128 => h6.push(u128::from(v.addr())),
                        IpNet::V4(v) => n4.push((u32::from(v.network()), v.prefix_len())),
                        IpNet::V6(v) => n6.push((u128::from(v.network()), v.prefix_len())),
                    }
                }
                h4.sort_unstable();
                h4.dedup();
                h6.sort_unstable();
                h6.dedup();
                let cut4 = parts(h4.iter().map(|&a| Some((a, 4))), per);
                let cut6 = parts(h6.iter().map(|&a| Some((a, 16))), per);
                Shapes {
                    hosts: [
                        Hosts {
                            family: "v4",
                            kind: DatasetType::Ipv4,
                            parts: cut4
                                .into_iter()
                                .map(|(r, n, b)| (DataEntries::V4(h4[r].to_vec()), n, b))
                                .collect(),
                        },
                        Hosts {
                            family: "v6",
                            kind: DatasetType::Ip,
                            parts: cut6
                                .into_iter()
                                .map(|(r, n, b)| (DataEntries::V6(h6[r].to_vec()), n, b))
                                .collect(),
                        },
                    ],
                    v4_nets: Packed::V4(n4).sorted(),
                    v6_nets: Packed::V6(n6).sorted(),
                }
            }
            Entries::List(list) => {
                let nets = &self.c.bulk[list].networks;
                let v4 = nets.v4();
                let v6 = nets.v6();
                let cut4 = parts(v4.iter().map(|e| e.is_host().then_some((e.addr, 4))), per);
                let cut6 = parts(
                    v6.iter().map(|e| e.is_host().then_some((e.addr(), 16))),
                    per,
                );
                // Sorted already: `sorted` only drops repeats.
                let n4 = v4
                    .iter()
                    .filter(|e| !e.is_host())
                    .map(|e| (e.addr, e.len))
                    .collect();
                let n6 = v6
                    .iter()
                    .filter(|e| !e.is_host())
                    .map(|e| e.key())
                    .collect();
                Shapes {
                    hosts: [
                        Hosts {
                            family: "v4",
                            kind: DatasetType::Ipv4,
                            parts: cut4
                                .into_iter()
                                .map(|(range, n, b)| (DataEntries::ListV4 { list, range }, n, b))
                                .collect(),
                        },
                        Hosts {
                            family: "v6",
                            kind: DatasetType::Ip,
                            parts: cut6
                                .into_iter()
                                .map(|(range, n, b)| (DataEntries::ListV6 { list, range }, n, b))
                                .collect(),
                        },
                    ],
                    v4_nets: Packed::V4(n4).sorted(),
                    v6_nets: Packed::V6(n6).sorted(),
                }
            }
        }
    }

    /// The dataset of part `k` (1-based) of `count` of the list `list_name`: its name, the
    /// suffix of its key (`-2`; nothing when there is one part) and where the msg places a
    /// match (`on part 2 of the partner-feed list`, `on the partner-feed list`).
    fn part_name(
        stem: &str,
        family: &str,
        (k, count): (usize, usize),
        list_name: &str,
    ) -> (String, String, String) {
        let (key, place) = if count > 1 {
            (format!("-{k}"), format!("on part {k} of {list_name}"))
        } else {
            (String::new(), format!("on {list_name}"))
        };
        (short_name(&format!("{stem}-{family}{key}"), 60), key, place)
    }

    /// Exact addresses of a large list: per dataset part, a data file and one rule per
    /// direction.
    fn dataset_rules(&mut self, list: &AddressList<'_>, hosts: &Hosts) {
        let count = hosts.parts.len();
        for (k, (entries, n, bytes)) in hosts.parts.iter().enumerate() {
            let (name, key, place) =
                Self::part_name(list.file_stem, hosts.family, (k + 1, count), list.name);
            let file = format!("{name}.lst");
            self.out.files.push(DataFile {
                path: file.clone(),
                entries: entries.clone(),
            });
            let Size { hashsize, memcap } = size(*n, *bytes, self.c.policy.suricata.max_hashsize);
            let shape = format!("dataset-{}{key}", hosts.family);
            let what = format!("an IP{} address {place}", hosts.family);
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
                        name: name.clone(),
                        kind: hosts.kind,
                        load: Some(file.clone()),
                        hashsize: Some(hashsize),
                        memcap: Some(memcap),
                    }),
                ];
                detect.extend(once_per_flow(&format!(
                    "{}/{}/{shape}/{}",
                    self.c.id,
                    list.key,
                    dir_word(outbound)
                )));
                // No count in the msg: the entries live in the data file, so a list that grows
                // or shrinks keeps its rule (sid and rev) unchanged.
                let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
                let r = self.address_rule(list, (&shape, &what), outbound, h, detect);
                self.out.rules.push(r);
            }
        }
    }

    /// A large list for an engine without datasets: every entry (exact addresses and
    /// networks alike) in grouped IP-only rules, keyed apart from the dataset profile's
    /// network groups (`ip-only/v4-...`), whose rules hold networks only.
    fn ip_only_groups(&mut self, list: &AddressList<'_>) {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        match list.entries {
            Entries::Nets(nets) => {
                for n in nets {
                    match n {
                        IpNet::V4(v) => v4.push((u32::from(v.network()), v.prefix_len())),
                        IpNet::V6(v) => v6.push((u128::from(v.network()), v.prefix_len())),
                    }
                }
            }
            Entries::List(i) => {
                let nets = &self.c.bulk[i].networks;
                v4 = nets.v4().iter().map(|e| (e.addr, e.len)).collect();
                v6 = nets.v6().iter().map(|e| e.key()).collect();
            }
        }
        self.grouped(list, Packed::V4(v4).sorted(), "ip-only");
        self.grouped(list, Packed::V6(v6).sorted(), "ip-only");
    }

    /// Networks of a large list (one family, sorted and distinct) as grouped IP-only rules,
    /// one per group and direction, whose key shape starts with `prefix`. The rules share the
    /// packed networks ([`Members`]).
    fn grouped(&mut self, list: &AddressList<'_>, nets: Packed, prefix: &str) {
        if nets.is_empty() {
            return;
        }
        let width = nets.width();
        let cap = if width == 32 { MAX_V4 } else { MAX_V6 };
        let limits = (width, cap, self.group_budget(list, width));
        let text_len = |n: IpNet| Address::Net(n).to_string().len();
        let groups = match &nets {
            Packed::V4(v) => group(
                v,
                |(a, l)| (u128::from(a), l),
                limits,
                |(a, l)| text_len(IpNet::new_assert(IpAddr::from(a.to_be_bytes()), l)),
            ),
            Packed::V6(v) => group(
                v,
                |n| n,
                limits,
                |(a, l)| text_len(IpNet::new_assert(IpAddr::from(a.to_be_bytes()), l)),
            ),
        };
        let nets = Arc::new(nets);
        for g in groups {
            let (shape, what) = group_words(&g, width, list.name);
            let shape = shape.replacen("networks", prefix, 1);
            for &outbound in list.dirs {
                let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
                let mut r = self.address_rule(list, (&shape, &what), outbound, h, Vec::new());
                let side = if outbound {
                    Side::Destination
                } else {
                    Side::Source
                };
                r.members = Some(Members::new(nets.clone(), g.range.clone(), side));
                self.out.rules.push(r);
            }
        }
    }

    /// Characters left for a group's header list: the dialect's line limit minus the rest of
    /// the rule (its longest group name, and room for sid, rev and `updated_at`).
    fn group_budget(&self, list: &AddressList<'_>, width: u8) -> usize {
        let longest = Group {
            node: u128::MAX,
            depth: width,
            range: 0..0,
        };
        let (shape, what) = group_words(&longest, width, list.name);
        let h = header(Protocol::Ip, Address::Any, Port::Any, false);
        let r = self.address_rule(list, (&shape, &what), false, h, Vec::new());
        let rest = Suricata7.write(&r.rule).map_or(0, |l| l.len());
        Suricata7.max_line().saturating_sub(rest + 80).max(200)
    }

    /// Prefixes of a large list: an iprep category and one rule per direction.
    fn iprep_rules(&mut self, list: &AddressList<'_>, prefixes: Vec<IpNet>) {
        let name = short_name(list.file_stem, 60);
        self.out.categories.push(Category {
            key: format!("{}/iprep", list.key),
            name: name.clone(),
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
                category: name.clone(),
                op: IprepOp::Gt,
                value: 0,
            })];
            let h = header(Protocol::Ip, Address::Any, Port::Any, outbound);
            let what = format!("an address in a network on {}", list.name);
            let r = self.address_rule(list, ("iprep", &what), outbound, h, detect);
            self.out.rules.push(r);
        }
    }

    pub(super) fn domain_rules(
        &mut self,
        key: &str,
        role: Option<&str>,
        domain: &str,
        meta: &Meta,
    ) {
        let dotted = format!(".{domain}").into_bytes();
        self.domain_rule_pair(key, role, meta, |buffer, shape, what| {
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

    /// A domain list: per dataset part, one string dataset that a DNS and a TLS rule share.
    pub(super) fn domain_list_rules(
        &mut self,
        (key, list_name): (&str, &str),
        role: Option<&str>,
        list: usize,
        meta: &Meta,
        stem: &str,
    ) {
        let c = self.c;
        let domains = &c.bulk[list].domains;
        let keys = (0..domains.len()).map(|i| {
            domains
                .get(i)
                .map(|(d, _)| (d, d.len().div_ceil(3) as u64 * 4))
        });
        let cut = parts(keys, self.per_part());
        let count = cut.len();
        for (k, (range, n, bytes)) in cut.into_iter().enumerate() {
            let (name, part, place) = Self::part_name(stem, "domains", (k + 1, count), list_name);
            let name = if count > 1 {
                name
            } else {
                short_name(stem, 60)
            };
            let file = format!("{name}.b64.lst");
            self.out.files.push(DataFile {
                path: file.clone(),
                entries: DataEntries::ListDomains { list, range },
            });
            let Size { hashsize, memcap } = size(n, bytes, self.c.policy.suricata.max_hashsize);
            self.domain_rule_pair(key, role, meta, |buffer, shape, what| {
                let detect = vec![
                    RuleOption::Buffer(buffer),
                    RuleOption::Dataset(Dataset {
                        command: DatasetCommand::IsSet,
                        name: name.clone(),
                        kind: DatasetType::String,
                        load: Some(file.clone()),
                        hashsize: Some(hashsize),
                        memcap: Some(memcap),
                    }),
                ];
                // No count: the entries live in the data file (see `dataset_rules`).
                (
                    format!("{shape}-dataset{part}"),
                    format!("{what} a domain {place}"),
                    detect,
                )
            });
        }
    }

    /// One DNS-query and one TLS-SNI rule for a domain or a domain list. `rule` gets the
    /// sticky buffer, the shape name and the start of the msg sentence (`DNS lookup of`), and
    /// returns the key's shape, the msg sentence and the detection options; `role` follows
    /// the sentence in parentheses.
    fn domain_rule_pair(
        &mut self,
        key: &str,
        role: Option<&str>,
        meta: &Meta,
        rule: impl Fn(Buffer, &str, &str) -> (String, String, Vec<RuleOption>),
    ) {
        let classtype = "policy-violation";
        for (protocol, buffer, what) in [
            (Protocol::Dns, Buffer::DnsQuery, "DNS lookup of"),
            (Protocol::Tls, Buffer::TlsSni, "TLS connection to"),
        ] {
            let (shape, text, detect) = rule(buffer, protocol.as_str(), what);
            let msg = self.msg(classtype, &text, &described(role));
            let h = header(protocol, Address::Any, Port::Any, true);
            self.out.rules.push(LoweredRule {
                key: format!("{key}/{shape}/outbound"),
                rule: self.common(classtype, msg, meta).rule(h, detect, true),
                members: None,
            });
        }
    }
}

/// A group's key shape and msg words: `networks/v4-45.0.0.0-8` and `an address in
/// 45.0.0.0/8 on <list_name>` (IPv6 nodes by their hex digits: `networks/v6-2a0-12`).
fn group_words(g: &Group, width: u8, list_name: &str) -> (String, String) {
    if width == 32 {
        let a = std::net::Ipv4Addr::from(g.node as u32);
        (
            format!("networks/v4-{a}-{}", g.depth),
            format!("an address in {a}/{} on {list_name}", g.depth),
        )
    } else {
        let a = std::net::Ipv6Addr::from(g.node);
        let digits = usize::from(g.depth).div_ceil(4).max(1);
        let hex = format!("{:032x}", g.node);
        (
            format!("networks/v6-{}-{}", &hex[..digits], g.depth),
            format!("an address in {a}/{} on {list_name}", g.depth),
        )
    }
}
