//! The typed rule model: a rule's header and options as values, not text.
//!
//! Guarantees: every value is held in its plain form (a message as text, content as bytes,
//! numbers as numbers); nothing here is escaped or in any rule syntax, except
//! [`RuleOption::Other`], which only the reader makes (an option iocc does not know, kept as
//! written so a third-party rule reads and writes back unchanged). Writing is a dialect's job
//! ([`super::dialect`]), reading a rule line is [`super::read`]'s.

use std::fmt;

pub use crate::grammar::rule::{Address, Direction, Port};

/// A rule: header and options, in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    pub header: Header,
    pub options: Vec<RuleOption>,
}

impl Rule {
    /// The `msg` text.
    pub fn msg(&self) -> Option<&str> {
        self.options.iter().find_map(|o| match o {
            RuleOption::Msg(m) => Some(m.as_str()),
            _ => None,
        })
    }
    pub fn sid(&self) -> Option<u32> {
        self.options.iter().find_map(|o| match o {
            RuleOption::Sid(n) => Some(*n),
            _ => None,
        })
    }
    pub fn rev(&self) -> Option<u32> {
        self.options.iter().find_map(|o| match o {
            RuleOption::Rev(n) => Some(*n),
            _ => None,
        })
    }
    /// The `gid`, 1 when absent (Suricata's default).
    pub fn gid(&self) -> u32 {
        self.options
            .iter()
            .find_map(|o| match o {
                RuleOption::Gid(n) => Some(*n),
                _ => None,
            })
            .unwrap_or(1)
    }
    /// The CVE numbers of `reference:cve,` options (e.g. `2025-0626`).
    pub fn cve_references(&self) -> impl Iterator<Item = &str> {
        self.options.iter().filter_map(|o| match o {
            RuleOption::Reference(Reference::Cve(n)) => Some(n.as_str()),
            _ => None,
        })
    }
}

/// `action protocol source source_port direction destination destination_port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    pub action: Action,
    pub protocol: Protocol,
    pub source: Address,
    pub source_port: Port,
    pub direction: Direction,
    pub destination: Address,
    pub destination_port: Port,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Alert,
    Pass,
    Drop,
    Reject,
    RejectSrc,
    RejectDst,
    RejectBoth,
    Config,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Alert,
        Action::Pass,
        Action::Drop,
        Action::Reject,
        Action::RejectSrc,
        Action::RejectDst,
        Action::RejectBoth,
        Action::Config,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Alert => "alert",
            Action::Pass => "pass",
            Action::Drop => "drop",
            Action::Reject => "reject",
            Action::RejectSrc => "rejectsrc",
            Action::RejectDst => "rejectdst",
            Action::RejectBoth => "rejectboth",
            Action::Config => "config",
        }
    }
}

/// The rule protocol: a network layer or an application-layer protocol.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Protocol {
    Ip,
    Tcp,
    Udp,
    Icmp,
    Dns,
    Tls,
    Http,
    /// Any other protocol word, as written.
    Other(String),
}

impl Protocol {
    pub fn as_str(&self) -> &str {
        match self {
            Protocol::Ip => "ip",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::Dns => "dns",
            Protocol::Tls => "tls",
            Protocol::Http => "http",
            Protocol::Other(p) => p,
        }
    }

    /// The protocol of a word (case as Suricata reads it: lowercase names are the known ones).
    pub fn from_word(word: &str) -> Protocol {
        match word {
            "ip" => Protocol::Ip,
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            "dns" => Protocol::Dns,
            "tls" => Protocol::Tls,
            "http" => Protocol::Http,
            other => Protocol::Other(other.to_owned()),
        }
    }
}

/// One rule option.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RuleOption {
    /// The message, plain text.
    Msg(String),
    Flow(Vec<FlowFlag>),
    Flowbits(Flowbits),
    /// A sticky buffer: the contents that follow match inside it.
    Buffer(Buffer),
    /// A transform of the current sticky buffer.
    Transform(Transform),
    Content(Content),
    Rpc(Rpc),
    Dataset(Dataset),
    Iprep(Iprep),
    /// A file hash list: `filemd5`, `filesha1` or `filesha256` with its file.
    FileHash(FileHash),
    /// `requires:`: what the rule needs of the engine; an engine without it skips the rule
    /// cleanly instead of failing to load it (Suricata 7.0.3 and later read it).
    Requires(Requires),
    Reference(Reference),
    Classtype(String),
    Gid(u32),
    Sid(u32),
    Rev(u32),
    /// `key value` pairs, in order.
    Metadata(Vec<(String, String)>),
    /// Which side of the rule is the target of the activity.
    Target(Side),
    /// An option iocc does not model, as written: keyword, value (escapes kept) and whether
    /// it was quoted. Only the reader makes these.
    Other {
        keyword: String,
        value: Option<String>,
        quoted: bool,
    },
}

/// A `flow` keyword word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowFlag {
    Established,
    NotEstablished,
    Stateless,
    ToServer,
    ToClient,
    FromServer,
    FromClient,
    OnlyStream,
    NoStream,
    OnlyFrag,
    NoFrag,
}

impl FlowFlag {
    pub const ALL: [FlowFlag; 11] = [
        FlowFlag::Established,
        FlowFlag::NotEstablished,
        FlowFlag::Stateless,
        FlowFlag::ToServer,
        FlowFlag::ToClient,
        FlowFlag::FromServer,
        FlowFlag::FromClient,
        FlowFlag::OnlyStream,
        FlowFlag::NoStream,
        FlowFlag::OnlyFrag,
        FlowFlag::NoFrag,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlowFlag::Established => "established",
            FlowFlag::NotEstablished => "not_established",
            FlowFlag::Stateless => "stateless",
            FlowFlag::ToServer => "to_server",
            FlowFlag::ToClient => "to_client",
            FlowFlag::FromServer => "from_server",
            FlowFlag::FromClient => "from_client",
            FlowFlag::OnlyStream => "only_stream",
            FlowFlag::NoStream => "no_stream",
            FlowFlag::OnlyFrag => "only_frag",
            FlowFlag::NoFrag => "no_frag",
        }
    }
}

/// `flowbits:<command>[,<name>]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Flowbits {
    pub command: FlowbitsCommand,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowbitsCommand {
    Set,
    IsSet,
    IsNotSet,
    Unset,
    Toggle,
    NoAlert,
}

impl FlowbitsCommand {
    pub const ALL: [FlowbitsCommand; 6] = [
        FlowbitsCommand::Set,
        FlowbitsCommand::IsSet,
        FlowbitsCommand::IsNotSet,
        FlowbitsCommand::Unset,
        FlowbitsCommand::Toggle,
        FlowbitsCommand::NoAlert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlowbitsCommand::Set => "set",
            FlowbitsCommand::IsSet => "isset",
            FlowbitsCommand::IsNotSet => "isnotset",
            FlowbitsCommand::Unset => "unset",
            FlowbitsCommand::Toggle => "toggle",
            FlowbitsCommand::NoAlert => "noalert",
        }
    }
}

/// The sticky buffers iocc writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Buffer {
    DnsQuery,
    TlsSni,
    IpSrc,
    IpDst,
    /// `dns.query.name` (Suricata 8): the query names of requests and responses.
    DnsQueryName,
    /// `dns.answer.name` (Suricata 8): the names in a response's answers (CNAME chains).
    DnsAnswerName,
}

impl Buffer {
    pub const ALL: [Buffer; 6] = [
        Buffer::DnsQuery,
        Buffer::TlsSni,
        Buffer::IpSrc,
        Buffer::IpDst,
        Buffer::DnsQueryName,
        Buffer::DnsAnswerName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Buffer::DnsQuery => "dns.query",
            Buffer::TlsSni => "tls.sni",
            Buffer::IpSrc => "ip.src",
            Buffer::IpDst => "ip.dst",
            Buffer::DnsQueryName => "dns.query.name",
            Buffer::DnsAnswerName => "dns.answer.name",
        }
    }

    /// The first Suricata version that has the buffer, when it is newer than 7.0.
    pub fn since(self) -> Option<Version> {
        match self {
            Buffer::DnsQueryName | Buffer::DnsAnswerName => Some(Version::major(8)),
            Buffer::DnsQuery | Buffer::TlsSni | Buffer::IpSrc | Buffer::IpDst => None,
        }
    }
}

/// The buffer transforms iocc writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transform {
    /// Prefixes the buffer with `.`, so `.example.com` with `endswith` matches the domain and
    /// its subdomains, never `badexample.com`.
    Dotprefix,
}

impl Transform {
    pub const ALL: [Transform; 1] = [Transform::Dotprefix];

    pub fn as_str(self) -> &'static str {
        match self {
            Transform::Dotprefix => "dotprefix",
        }
    }
}

/// A `content` match with its modifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Content {
    pub bytes: Vec<u8>,
    /// `content:!"..."`: the bytes must not occur.
    pub negated: bool,
    pub offset: Option<u32>,
    pub depth: Option<u32>,
    pub distance: Option<i32>,
    pub within: Option<u32>,
    pub nocase: bool,
    pub startswith: bool,
    pub endswith: bool,
    pub fast_pattern: bool,
}

impl Content {
    /// A plain content match of `bytes`.
    pub fn of(bytes: impl Into<Vec<u8>>) -> Content {
        Content {
            bytes: bytes.into(),
            ..Content::default()
        }
    }
}

/// `rpc:<program>,<version|*>,<procedure|*>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rpc {
    pub program: u32,
    pub version: Option<u32>,
    pub procedure: Option<u32>,
}

/// `dataset:<command>,<name>,type <type>[,load <file>][,hashsize <n>][,memcap <size>]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dataset {
    pub command: DatasetCommand,
    pub name: String,
    pub kind: DatasetType,
    /// The data file, relative to the rules file.
    pub load: Option<String>,
    /// Buckets of the dataset's hash table (Suricata's default is 2048).
    pub hashsize: Option<u32>,
    /// Most memory the dataset may use, in bytes.
    pub memcap: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetCommand {
    IsSet,
    IsNotSet,
    Set,
    Unset,
}

impl DatasetCommand {
    pub const ALL: [DatasetCommand; 4] = [
        DatasetCommand::IsSet,
        DatasetCommand::IsNotSet,
        DatasetCommand::Set,
        DatasetCommand::Unset,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DatasetCommand::IsSet => "isset",
            DatasetCommand::IsNotSet => "isnotset",
            DatasetCommand::Set => "set",
            DatasetCommand::Unset => "unset",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetType {
    /// Base64 lines.
    String,
    Md5,
    Sha256,
    Ipv4,
    /// IPv4 and IPv6 addresses.
    Ip,
}

impl DatasetType {
    pub const ALL: [DatasetType; 5] = [
        DatasetType::String,
        DatasetType::Md5,
        DatasetType::Sha256,
        DatasetType::Ipv4,
        DatasetType::Ip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DatasetType::String => "string",
            DatasetType::Md5 => "md5",
            DatasetType::Sha256 => "sha256",
            DatasetType::Ipv4 => "ipv4",
            DatasetType::Ip => "ip",
        }
    }
}

/// `filemd5:<file>;`, `filesha1:<file>;`, `filesha256:<file>;`: the file's digest is in the
/// list (one lowercase hex digest a line, beside the rules).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileHash {
    pub algo: FileHashAlgo,
    pub list: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileHashAlgo {
    Md5,
    Sha1,
    Sha256,
}

impl FileHashAlgo {
    pub const ALL: [FileHashAlgo; 3] =
        [FileHashAlgo::Md5, FileHashAlgo::Sha1, FileHashAlgo::Sha256];

    /// The rule keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            FileHashAlgo::Md5 => "filemd5",
            FileHashAlgo::Sha1 => "filesha1",
            FileHashAlgo::Sha256 => "filesha256",
        }
    }
}

/// `requires:feature <name>, version >= <version>`: the engine features a rule needs and the
/// oldest engine version that reads it. Requirements iocc does not model (version ranges,
/// `<`) stay [`RuleOption::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Requires {
    pub features: Vec<String>,
    pub version: Option<Version>,
}

impl Requires {
    /// Only a minimum version: `requires:version >= 8;`.
    pub fn version(v: Version) -> Self {
        Requires {
            features: Vec::new(),
            version: Some(v),
        }
    }
}

/// An engine version, `major[.minor[.patch]]`; missing parts are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl Version {
    pub fn major(major: u16) -> Self {
        Version {
            major,
            minor: 0,
            patch: 0,
        }
    }

    /// Reads `8`, `7.0` or `7.0.3`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u16>().ok());
        let major = parts.next()??;
        let minor = parts.next().unwrap_or(Some(0))?;
        let patch = parts.next().unwrap_or(Some(0))?;
        parts.next().is_none().then_some(Version {
            major,
            minor,
            patch,
        })
    }
}

/// The shortest form: `8`, `7.1`, `7.0.3`.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.minor, self.patch) {
            (0, 0) => write!(f, "{}", self.major),
            (m, 0) => write!(f, "{}.{m}", self.major),
            (m, p) => write!(f, "{}.{m}.{p}", self.major),
        }
    }
}

/// `iprep:<side>,<category>,<op>,<value>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iprep {
    pub side: IprepSide,
    pub category: String,
    pub op: IprepOp,
    pub value: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IprepSide {
    Any,
    Both,
    Src,
    Dst,
}

impl IprepSide {
    pub const ALL: [IprepSide; 4] = [
        IprepSide::Any,
        IprepSide::Both,
        IprepSide::Src,
        IprepSide::Dst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IprepSide::Any => "any",
            IprepSide::Both => "both",
            IprepSide::Src => "src",
            IprepSide::Dst => "dst",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IprepOp {
    Lt,
    Gt,
    Eq,
}

impl IprepOp {
    pub const ALL: [IprepOp; 3] = [IprepOp::Lt, IprepOp::Gt, IprepOp::Eq];

    pub fn as_str(self) -> &'static str {
        match self {
            IprepOp::Lt => "<",
            IprepOp::Gt => ">",
            IprepOp::Eq => "=",
        }
    }
}

/// A `reference`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// A CVE number without the `CVE-` prefix, e.g. `2025-0626`.
    Cve(String),
    /// A URL in reference form: without its scheme, percent-encoded
    /// ([`super::escape::reference_url`]).
    Url(String),
    Other {
        system: String,
        id: String,
    },
}

/// The side a `target` option names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Source,
    Destination,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "src_ip",
            Side::Destination => "dest_ip",
        }
    }
}
