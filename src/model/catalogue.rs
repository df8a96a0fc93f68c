//! The validated catalogue: every value parsed into its real type.
//!
//! Guarantees (established by `validate`): ids are unique and well-formed; networks are
//! canonical (no host bits); every reference to an indicator, CVE or product resolves; dates,
//! versions, ports and payload patterns are parsed. Targets may rely on all of this and never
//! re-check it. Collections keep catalogue order; targets sort where output order matters.

use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;
use jiff::civil::Date;
use semver::Version;
use serde::Serialize;

/// A validated catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    pub id: String,
    pub version: Version,
    pub title: String,
    pub description: Option<String>,
    pub publisher: String,
    pub tlp: Tlp,
    pub advisory: Advisory,
    pub indicators: Vec<Indicator>,
    pub bulk: Vec<BulkList>,
    pub detections: Vec<Detection>,
    pub policy: Policy,
    /// Where the catalogue came from, and the SHA-256 of its bytes.
    pub source: CatalogueSource,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogueSource {
    /// The catalogue file as given on the command line.
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the catalogue file (bulk files not included).
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    Red,
}

impl Tlp {
    /// The marking as written in headers, e.g. `TLP:CLEAR`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Advisory {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub published: Date,
    pub modified: Date,
    pub revisions: Vec<Revision>,
    pub references: Vec<String>,
    pub cves: Vec<Cve>,
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub date: Date,
    pub label: String,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cve {
    /// `CVE-YYYY-NNNN`.
    pub id: String,
    /// `CWE-N`.
    pub cwe: String,
    pub cwe_name: Option<String>,
    pub summary: String,
    pub cvss_v3: Option<Cvss>,
    pub cvss_v4: Option<Cvss>,
    pub products: Vec<String>,
    pub references: Vec<String>,
}

impl Cve {
    /// The id without the `CVE-` prefix, e.g. `2025-0626` (Suricata's `reference:cve,`).
    pub fn number(&self) -> &str {
        self.id.strip_prefix("CVE-").unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Cvss {
    pub score: f64,
    pub vector: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: String,
    pub vendor: String,
    pub name: String,
    pub versions: Vec<String>,
    pub relabel_of: Option<String>,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// A source states it.
    Sourced,
    /// Reasoned from protocol mechanics or context; no source states it.
    Inferred,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Block,
    Alert,
    Monitor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// From the protected network to the indicator.
    Outbound,
    /// From the indicator to the protected network.
    Inbound,
    Both,
}

impl Direction {
    pub fn includes_outbound(self) -> bool {
        matches!(self, Direction::Outbound | Direction::Both)
    }
    pub fn includes_inbound(self) -> bool {
        matches!(self, Direction::Inbound | Direction::Both)
    }
}

/// Attributes shared by indicators and bulk lists.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub role: Option<String>,
    pub description: Option<String>,
    pub confidence: Confidence,
    pub severity: Severity,
    pub action: Action,
    pub direction: Direction,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// CVE ids, each declared in `advisory.cves`.
    pub cves: Vec<String>,
    pub references: Vec<String>,
}

/// Where an item was written, for diagnostics raised after validation (e.g. safety rails).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "in")]
pub enum Origin {
    /// A node of the catalogue YAML, by path (e.g. `indicators[2].value`).
    Yaml { file: PathBuf, path: String },
    /// A line of a bulk side file.
    Bulk { file: PathBuf, line: u32 },
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: String,
    pub observable: Observable,
    pub meta: Meta,
    /// Id of the wider network indicator this one lies inside.
    pub part_of: Option<String>,
    /// Size in bytes of the file a hash indicator names, when the catalogue gives it (never
    /// set on other kinds, never zero).
    pub size: Option<u64>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgo {
    Md5,
    Sha1,
    Sha256,
}

impl HashAlgo {
    /// Number of hex digits of a digest.
    pub fn hex_len(self) -> usize {
        match self {
            HashAlgo::Md5 => 32,
            HashAlgo::Sha1 => 40,
            HashAlgo::Sha256 => 64,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
        }
    }
}

/// The value of an indicator, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Observable {
    /// A single IPv4 or IPv6 address.
    Address(IpAddr),
    /// A canonical network (no host bits).
    Network(IpNet),
    /// A lowercase domain name without trailing dot.
    Domain(String),
    /// An absolute URL.
    Url(String),
    /// A port range on one transport.
    Port {
        transport: Transport,
        first: u16,
        last: u16,
    },
    /// A lowercase hex file digest.
    FileHash { algo: HashAlgo, hex: String },
}

impl Observable {
    /// A bulk entry as the catalogue would write it: a host route is an address.
    pub fn of_net(n: IpNet) -> Observable {
        if n.prefix_len() == n.max_prefix_len() {
            Observable::Address(n.addr())
        } else {
            Observable::Network(n)
        }
    }

    /// The address or network as a network (`/32` or `/128` for an address).
    pub fn as_net(&self) -> Option<IpNet> {
        match self {
            Observable::Address(a) => Some(IpNet::from(*a)),
            Observable::Network(n) => Some(*n),
            _ => None,
        }
    }

    /// The kind as written in the catalogue.
    pub fn kind(&self) -> &'static str {
        match self {
            Observable::Address(IpAddr::V4(_)) => "ipv4",
            Observable::Address(IpAddr::V6(_)) => "ipv6",
            Observable::Network(_) => "cidr",
            Observable::Domain(_) => "domain",
            Observable::Url(_) => "url",
            Observable::Port { .. } => "port",
            Observable::FileHash { algo, .. } => algo.as_str(),
        }
    }

    /// The value in canonical text form.
    pub fn value(&self) -> String {
        match self {
            Observable::Address(a) => a.to_string(),
            Observable::Network(n) => n.to_string(),
            Observable::Domain(d) | Observable::Url(d) => d.clone(),
            Observable::Port {
                transport,
                first,
                last,
            } if first == last => {
                format!("{first}/{}", transport.as_str())
            }
            Observable::Port {
                transport,
                first,
                last,
            } => {
                format!("{first}-{last}/{}", transport.as_str())
            }
            Observable::FileHash { hex, .. } => hex.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BulkKind {
    /// IPv4/IPv6 addresses and networks.
    Address,
    Domain,
}

/// A side file of addresses or domains, kept compact: the list's attributes once, its
/// entries packed and sorted ([`super::packed`]).
#[derive(Debug, Clone, Serialize)]
pub struct BulkList {
    pub id: String,
    pub file: PathBuf,
    pub kind: BulkKind,
    pub meta: Meta,
    /// Addresses and networks with their 1-based line in `file`, per family, sorted.
    #[serde(skip)]
    pub networks: super::packed::Nets,
    /// Lowercase domains with their 1-based line in `file`, sorted.
    #[serde(skip)]
    pub domains: super::packed::Domains,
}

impl BulkList {
    /// Entries of the list (a value listed twice counts twice).
    pub fn len(&self) -> usize {
        self.networks.len() + self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An inclusive port range, optionally bound to one transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
    /// `None`: applies to every protocol of the detection.
    pub transport: Option<Transport>,
}

impl std::fmt::Display for PortRange {
    /// As written in the catalogue: `515`, `515-520`, `111/udp`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)?;
        } else {
            write!(f, "{}-{}", self.first, self.last)?;
        }
        match self.transport {
            Some(t) => write!(f, "/{}", t.as_str()),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// Any IP traffic (no ports).
    Ip,
    Tcp,
    Udp,
}

/// A payload pattern, already decoded from Suricata notation into bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentMatch {
    pub bytes: Vec<u8>,
    pub offset: Option<u32>,
    pub depth: Option<u32>,
    pub nocase: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rpc {
    pub program: u32,
    pub version: Option<u32>,
    pub procedure: Option<u32>,
    /// Path argument of a MOUNT MNT call.
    pub path: Option<String>,
}

impl Rpc {
    /// Well-known name of the program, if any.
    pub fn program_name(&self) -> Option<&'static str> {
        match self.program {
            100_000 => Some("portmapper"),
            100_003 => Some("nfs"),
            100_005 => Some("mount"),
            100_021 => Some("nlockmgr"),
            100_024 => Some("status"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// Non-empty; `Ip` only on its own.
    pub protocols: Vec<Protocol>,
    /// Empty means any port.
    pub ports: Vec<PortRange>,
    pub direction: Direction,
    /// Ids of address or network indicators.
    pub indicators: Vec<String>,
    pub content: Vec<ContentMatch>,
    pub rpc: Option<Rpc>,
    pub cves: Vec<String>,
    pub classtype: String,
    pub confidence: Confidence,
    pub severity: Severity,
    pub references: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PrefixLimits {
    pub ipv4: u8,
    pub ipv6: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct Override {
    pub network: IpNet,
    pub rail: String,
    pub reason: String,
}

/// An explicit exception to a name safety rail or to the known-benign check (`policy.overrides`
/// with `domain`): lifts the rail for the name and every name under it.
#[derive(Debug, Clone, Serialize)]
pub struct NameOverride {
    /// Lowercase, IDNA-normalised, no trailing dot.
    pub domain: String,
    pub rail: String,
    pub reason: String,
}

/// What an RPZ answers for a listed name (`policy.rpz-action`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RpzAction {
    /// `CNAME .`: the name does not exist.
    Nxdomain,
    /// `CNAME *.`: the name exists but has no data.
    Nodata,
    /// `CNAME rpz-drop.`: no answer at all.
    Drop,
    /// `CNAME <host>.`: a walled-garden host answers instead (lowercase, IDNA-normalised).
    Redirect(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub sid_first: u32,
    pub sid_last: u32,
    pub allowlist: Vec<IpNet>,
    /// Domains never blocked, nor any name under them (lowercase, IDNA-normalised).
    pub allowlist_names: Vec<String>,
    pub widest_prefix: PrefixLimits,
    pub narrowest_prefix: PrefixLimits,
    /// Target names to build, in registry order.
    pub targets: Vec<String>,
    pub large_list_threshold: u32,
    /// Network overrides: safety rails and the `benign` check.
    pub overrides: Vec<Override>,
    pub suricata: SuricataPolicy,
    /// Domain overrides: name safety rails and the `benign` check.
    pub name_overrides: Vec<NameOverride>,
    pub rpz_action: RpzAction,
}

/// How the Suricata pack carries large lists (`policy.suricata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuricataPolicy {
    /// The networks of large address lists.
    pub networks: NetworkShape,
    /// Largest dataset `hashsize` (a power of two): 65536 loads with the packaged
    /// `suricata.yaml` of Suricata 7 and 8; up to 262144 loads in Suricata 7 only.
    pub max_hashsize: u32,
}

/// Where the networks of a large address list go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkShape {
    /// Grouped IP-only rules: load with the packaged `suricata.yaml`.
    Rules,
    /// An IP reputation category: needs three `suricata.yaml` settings.
    Iprep,
}

/// One address or network entry, from an indicator or a bulk list.
#[derive(Debug, Clone, Copy)]
pub struct NetworkEntry<'a> {
    pub net: IpNet,
    /// The indicator id, or the bulk list id.
    pub id: &'a str,
    /// Line in the bulk file, for bulk entries.
    pub bulk_line: Option<u32>,
    pub meta: &'a Meta,
}

impl Catalogue {
    /// Looks up an indicator by id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// Looks up a CVE by id.
    pub fn cve(&self, id: &str) -> Option<&Cve> {
        self.advisory.cves.iter().find(|c| c.id == id)
    }

    /// Every address and network: indicators first (catalogue order), then each bulk list's
    /// entries (IPv4 then IPv6, sorted).
    pub fn network_entries(&self) -> impl Iterator<Item = NetworkEntry<'_>> {
        let single = self.indicators.iter().filter_map(|i| {
            i.observable.as_net().map(|net| NetworkEntry {
                net,
                id: &i.id,
                bulk_line: None,
                meta: &i.meta,
            })
        });
        let bulk = self.bulk.iter().flat_map(|b| {
            b.networks.iter().map(move |(net, line)| NetworkEntry {
                net,
                id: &b.id,
                bulk_line: Some(line),
                meta: &b.meta,
            })
        });
        single.chain(bulk)
    }

    /// Number of indicators, counting each bulk entry.
    pub fn indicator_count(&self) -> usize {
        self.indicators.len() + self.bulk.iter().map(BulkList::len).sum::<usize>()
    }
}
