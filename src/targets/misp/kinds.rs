//! The MISP attribute kinds iocc writes: each a (type, category) pair that MISP's
//! `describeTypes.json` (`category_type_mappings`) allows, and the object template it uses.
//!
//! Guarantees: every attribute of the target takes its type and category from one constant
//! here, so the pairs a test checks against `describeTypes.json` are all there are.

use crate::model::HashAlgo;

/// A MISP attribute type with the category iocc files it under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub kind: &'static str,
    pub category: &'static str,
}

const fn k(kind: &'static str, category: &'static str) -> Kind {
    Kind { kind, category }
}

const NETWORK: &str = "Network activity";

pub const IP_DST: Kind = k("ip-dst", NETWORK);
pub const IP_SRC: Kind = k("ip-src", NETWORK);
pub const IP_DST_PORT: Kind = k("ip-dst|port", NETWORK);
pub const DOMAIN: Kind = k("domain", NETWORK);
pub const URL: Kind = k("url", NETWORK);
pub const PORT: Kind = k("port", NETWORK);
pub const SNORT: Kind = k("snort", NETWORK);
pub const MD5: Kind = k("md5", "Payload delivery");
pub const SHA1: Kind = k("sha1", "Payload delivery");
pub const SHA256: Kind = k("sha256", "Payload delivery");
pub const VULNERABILITY: Kind = k("vulnerability", "External analysis");
pub const LINK: Kind = k("link", "External analysis");
/// Free text inside an object.
pub const TEXT: Kind = k("text", "Other");
/// A protocol name inside an `ip-port` object (a `text` attribute).
pub const PROTOCOL: Kind = k("text", NETWORK);

/// Every kind, for the test against `describeTypes.json`.
pub const ALL: &[Kind] = &[
    IP_DST,
    IP_SRC,
    IP_DST_PORT,
    DOMAIN,
    URL,
    PORT,
    SNORT,
    MD5,
    SHA1,
    SHA256,
    VULNERABILITY,
    LINK,
    TEXT,
    PROTOCOL,
];

/// The kind of a file digest.
pub fn hash(algo: HashAlgo) -> Kind {
    match algo {
        HashAlgo::Md5 => MD5,
        HashAlgo::Sha1 => SHA1,
        HashAlgo::Sha256 => SHA256,
    }
}

/// The `ip-port` object template of MISP's misp-objects (`objects/ip-port/definition.json`):
/// an address and ports seen together, which takes several addresses and ports.
pub mod ip_port {
    pub const NAME: &str = "ip-port";
    pub const UUID: &str = "9f8cea74-16fe-4968-a2b4-026676949ac6";
    pub const VERSION: &str = "10";
    pub const META_CATEGORY: &str = "network";
    pub const DESCRIPTION: &str = "An IP address (or domain or hostname) and a port seen as a tuple (or as a triple) in a specific time frame.";
}
