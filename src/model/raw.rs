//! The catalogue exactly as written in YAML: serde structs with no interpretation.
//!
//! Guarantees: every struct rejects unknown fields, every key is kebab-case, and nothing here
//! can fail on a *value* (addresses, dates, versions stay strings). Values are parsed in
//! `validate`, which collects every problem with its YAML path instead of stopping at the
//! first one. These doc comments are also the field descriptions of `iocc schema`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One IoC catalogue: an advisory, its indicators and detections, and the build policy.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCatalogue {
    /// Catalogue id: lowercase letters, digits and `-`; names the output folder and the pack.
    pub id: String,
    /// Semantic version of this catalogue (not of the advisory), e.g. `1.2.0`.
    pub version: String,
    /// One-line title of the catalogue.
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// Who publishes this catalogue (used for the STIX identity and file headers).
    pub publisher: String,
    /// Traffic Light Protocol marking: `clear`, `green`, `amber`, `amber+strict` or `red`.
    pub tlp: String,
    /// The advisory the catalogue is compiled from.
    pub advisory: RawAdvisory,
    /// Atomic observables: addresses, networks, domains, URLs, ports, file hashes.
    #[serde(default)]
    pub indicators: Vec<RawIndicator>,
    /// Large address or domain lists kept in side files (plain text or CSV).
    #[serde(default)]
    pub bulk: Vec<RawBulkList>,
    /// Behaviours that need more than an address: protocol, ports, payload, Sun RPC.
    #[serde(default)]
    pub detections: Vec<RawDetection>,
    /// SID range, allowlist, blockable prefix lengths and targets.
    #[serde(default)]
    pub policy: RawPolicy,
}

/// Advisory metadata.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAdvisory {
    /// Advisory identifier, e.g. `ICSMA-25-030-01`.
    pub id: String,
    /// Advisory title.
    pub title: String,
    /// Issuing organisation, e.g. `CISA`.
    pub issuer: String,
    /// First publication date (`YYYY-MM-DD`).
    pub published: String,
    /// Date of the latest revision (`YYYY-MM-DD`).
    pub modified: String,
    /// Revision history, oldest first.
    #[serde(default)]
    pub revisions: Vec<RawRevision>,
    /// Source URLs of the advisory itself.
    #[serde(default)]
    pub references: Vec<String>,
    /// Vulnerabilities the advisory covers.
    #[serde(default)]
    pub cves: Vec<RawCve>,
    /// Affected products and firmware versions.
    #[serde(default)]
    pub products: Vec<RawProduct>,
}

/// One revision of the advisory.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRevision {
    /// Revision date (`YYYY-MM-DD`).
    pub date: String,
    /// Revision label, e.g. `Initial Publication` or `Update A`.
    pub label: String,
    /// What changed.
    #[serde(default)]
    pub summary: Option<String>,
}

/// A CVE with its weakness and scores.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCve {
    /// CVE id, `CVE-YYYY-NNNN` (four or more digits).
    pub id: String,
    /// CWE id, `CWE-N`.
    pub cwe: String,
    /// CWE name, e.g. `Out-of-bounds Write`.
    #[serde(default)]
    pub cwe_name: Option<String>,
    /// Short summary of the vulnerability.
    pub summary: String,
    /// CVSS v3.1 score and vector.
    #[serde(default)]
    pub cvss_v3: Option<RawCvss>,
    /// CVSS v4.0 score and vector.
    #[serde(default)]
    pub cvss_v4: Option<RawCvss>,
    /// Product ids (from `advisory.products`) the CVE applies to; empty means all.
    #[serde(default)]
    pub products: Vec<String>,
    /// Source URLs.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A CVSS score and vector string.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCvss {
    /// Base score, 0.0 to 10.0.
    pub score: f64,
    /// Vector string, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    pub vector: String,
}

/// An affected product.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProduct {
    /// Product id, referenced from CVEs.
    pub id: String,
    /// Vendor name.
    pub vendor: String,
    /// Product name.
    pub name: String,
    /// Affected firmware or software versions; `all` for every version.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Id of the product this one is a relabelled copy of.
    #[serde(default)]
    pub relabel_of: Option<String>,
    /// Source URLs.
    #[serde(default)]
    pub references: Vec<String>,
}

/// One atomic indicator.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawIndicator {
    /// Unique id within the catalogue (lowercase letters, digits, `-`).
    pub id: String,
    /// `ipv4`, `ipv6`, `cidr`, `domain`, `url`, `port`, `sha256`, `sha1` or `md5`.
    pub kind: String,
    /// The observable: an address, a network in canonical form, a domain, a URL, a port
    /// such as `515/tcp` or `515-520/tcp`, or a hex digest.
    pub value: String,
    /// Short role of the indicator, e.g. `CMS server`.
    #[serde(default)]
    pub role: Option<String>,
    /// What the indicator is and why it matters.
    #[serde(default)]
    pub description: Option<String>,
    /// `sourced` (a source states it) or `inferred` (reasoned, not stated).
    #[serde(default)]
    pub confidence: Option<String>,
    /// `low`, `medium`, `high` or `critical` (default `medium`).
    #[serde(default)]
    pub severity: Option<String>,
    /// `block`, `alert` or `monitor` (default `block`).
    #[serde(default)]
    pub action: Option<String>,
    /// `outbound` (to the indicator), `inbound` (from it) or `both` (default `both`).
    #[serde(default)]
    pub direction: Option<String>,
    /// First day the indicator is valid (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Last day the indicator is valid (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_until: Option<String>,
    /// CVE ids (declared under `advisory.cves`) this indicator relates to.
    #[serde(default)]
    pub cves: Vec<String>,
    /// Source URLs.
    #[serde(default)]
    pub references: Vec<String>,
    /// Id of a wider network indicator this one lies inside (declares the overlap intended).
    #[serde(default)]
    pub part_of: Option<String>,
    /// Size in bytes of the file a `sha256`, `sha1` or `md5` indicator names, when known
    /// (file scanners check it before hashing).
    #[serde(default)]
    pub size: Option<u64>,
}

/// A side file of addresses, networks or domains.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBulkList {
    /// Unique id of the list (entries are named `<id>:<line>`).
    pub id: String,
    /// Path of the side file, relative to the catalogue.
    pub path: String,
    /// `text` (one value per line, `#` comments) or `csv` (header row). Default: from the extension.
    #[serde(default)]
    pub format: Option<String>,
    /// CSV column holding the value (header name). Default: the first column.
    #[serde(default)]
    pub column: Option<String>,
    /// What the entries are: `address` (IPv4/IPv6 addresses and networks) or `domain`.
    pub kind: String,
    /// Role shared by every entry.
    #[serde(default)]
    pub role: Option<String>,
    /// What the indicator is and why it matters.
    #[serde(default)]
    pub description: Option<String>,
    /// `sourced` (a source states it) or `inferred` (reasoned, not stated).
    #[serde(default)]
    pub confidence: Option<String>,
    /// `low`, `medium`, `high` or `critical` (default `medium`).
    #[serde(default)]
    pub severity: Option<String>,
    /// `block`, `alert` or `monitor` (default `block`).
    #[serde(default)]
    pub action: Option<String>,
    /// `outbound` (to the indicator), `inbound` (from it) or `both` (default `both`).
    #[serde(default)]
    pub direction: Option<String>,
    /// First day the indicator is valid (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Last day the indicator is valid (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_until: Option<String>,
    /// CVE ids (declared under `advisory.cves`) this indicator relates to.
    #[serde(default)]
    pub cves: Vec<String>,
    /// Source URLs.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A network behaviour.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDetection {
    /// Unique id within the catalogue; also the stable key of the rules it yields.
    pub id: String,
    /// Short title, used in rule messages and notices.
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// Transport protocols: `ip`, `tcp`, `udp` (a list; `ip` stands alone).
    pub protocols: Vec<String>,
    /// Ports on the indicator's side, e.g. `515-520` or `111/udp,111/tcp`. Default: any.
    #[serde(default)]
    pub ports: Option<String>,
    /// `outbound` (to the indicators), `inbound` (from them) or `both`.
    pub direction: String,
    /// Ids of the address or network indicators at the far end of the behaviour.
    pub indicators: Vec<String>,
    /// Payload patterns, all of which must match.
    #[serde(default)]
    pub content: Vec<RawContent>,
    /// A Sun RPC call this behaviour makes.
    #[serde(default)]
    pub rpc: Option<RawRpc>,
    /// CVE ids (declared under `advisory.cves`).
    #[serde(default)]
    pub cves: Vec<String>,
    /// Suricata classtype (from Suricata's classification.config).
    pub classtype: String,
    /// `sourced` or `inferred`.
    pub confidence: String,
    /// `low`, `medium`, `high` or `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Source URLs.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A payload pattern in Suricata content notation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawContent {
    /// Bytes in Suricata notation: text with `|hex hex|` blocks, e.g. `|0b|MSH|7c|`.
    #[serde(rename = "match")]
    pub pattern: String,
    /// Start looking this many bytes into the payload.
    #[serde(default)]
    pub offset: Option<u32>,
    /// Look only this many bytes from the start (or from `offset`).
    #[serde(default)]
    pub depth: Option<u32>,
    /// Match letters case-insensitively.
    #[serde(default)]
    pub nocase: bool,
}

/// A Sun RPC call.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRpc {
    /// RPC program number, e.g. `100005` (MOUNT).
    pub program: u32,
    /// Program version; absent means any.
    #[serde(default)]
    pub version: Option<u32>,
    /// Procedure number; absent means any.
    #[serde(default)]
    pub procedure: Option<u32>,
    /// The path argument of a MOUNT MNT call, e.g. `/pm`.
    #[serde(default)]
    pub path: Option<String>,
}

/// Build policy.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPolicy {
    /// SID range for generated Suricata rules, `FIRST-LAST` (default `1000000-1999999`).
    #[serde(default)]
    pub sid_range: Option<String>,
    /// Networks (canonical CIDR or addresses) and domains (with every name under them) that
    /// must never be blocked.
    #[serde(default)]
    pub allowlist: Vec<String>,
    /// Widest prefix that may be blocked, per family (defaults: ipv4 16, ipv6 32).
    #[serde(default)]
    pub widest_prefix: Option<RawPrefixLimits>,
    /// Narrowest prefix that may be blocked, per family (defaults: ipv4 32, ipv6 128).
    #[serde(default)]
    pub narrowest_prefix: Option<RawPrefixLimits>,
    /// Targets to build (default: every target).
    #[serde(default)]
    pub targets: Option<Vec<String>>,
    /// Address lists longer than this become Suricata datasets/iprep instead of header lists.
    #[serde(default)]
    pub large_list_threshold: Option<u32>,
    /// Explicit, visible exceptions to the safety rails for addresses and names.
    #[serde(default)]
    pub overrides: Vec<RawOverride>,
    /// How the Suricata pack carries large address lists.
    #[serde(default)]
    pub suricata: Option<RawSuricataPolicy>,
    /// What the DNS target's RPZ zone answers for a listed name: `nxdomain` (default),
    /// `nodata`, `drop`, or `redirect` (to `rpz-redirect`).
    #[serde(default)]
    pub rpz_action: Option<String>,
    /// The walled-garden host of `rpz-action: redirect`.
    #[serde(default)]
    pub rpz_redirect: Option<String>,
}

/// The Suricata pack's shapes for large lists.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSuricataPolicy {
    /// Networks of large address lists: `rules` (grouped IP-only rules, the default: loads
    /// with the packaged suricata.yaml) or `iprep` (an IP reputation category: needs
    /// `reputation-categories-file`, `default-reputation-path` and `reputation-files` in
    /// suricata.yaml).
    #[serde(default)]
    pub networks: Option<String>,
    /// Largest dataset hashsize, a power of two from 1024 to 262144 (default 65536, the
    /// packaged limit of Suricata 8; above it the pack loads in Suricata 7 only).
    #[serde(default)]
    pub max_hashsize: Option<u32>,
}

/// Prefix lengths per address family.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPrefixLimits {
    /// IPv4 prefix length (0-32).
    pub ipv4: u8,
    /// IPv6 prefix length (0-128).
    pub ipv6: u8,
}

/// An explicit exception to a safety rail or to the known-benign check, shown in output headers.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOverride {
    /// The network the exception covers (canonical CIDR); give this or `domain`.
    #[serde(default)]
    pub network: Option<String>,
    /// The domain the exception covers, with every name under it; give this or `network`.
    #[serde(default)]
    pub domain: Option<String>,
    /// The rail lifted, e.g. `private`, `reserved`, `too-wide`, `public-suffix`, or `benign` (known-benign lists).
    pub rail: String,
    /// Why (required: it is printed in the outputs).
    pub reason: String,
}

/// The attributes indicators and bulk lists share, borrowed for validation.
#[derive(Debug, Clone, Copy)]
pub struct RawMeta<'a> {
    pub description: &'a Option<String>,
    pub confidence: &'a Option<String>,
    pub severity: &'a Option<String>,
    pub action: &'a Option<String>,
    pub direction: &'a Option<String>,
    pub valid_from: &'a Option<String>,
    pub valid_until: &'a Option<String>,
    pub cves: &'a [String],
    pub references: &'a [String],
}

macro_rules! impl_meta {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The shared attributes of this item.
            pub fn meta(&self) -> RawMeta<'_> {
                RawMeta {
                    description: &self.description,
                    confidence: &self.confidence,
                    severity: &self.severity,
                    action: &self.action,
                    direction: &self.direction,
                    valid_from: &self.valid_from,
                    valid_until: &self.valid_until,
                    cves: &self.cves,
                    references: &self.references,
                }
            }
        }
    )*};
}
impl_meta!(RawIndicator, RawBulkList);
