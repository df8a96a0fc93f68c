//! The stable diagnostic codes. A code, once released, keeps its meaning; tests snapshot the
//! full list so that a rename shows up in review.

use serde::Serialize;

macro_rules! codes {
    ($($variant:ident => $name:literal : $desc:literal,)*) => {
        /// A stable, kebab-case identifier of one kind of problem.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name, e.g. `non-canonical-network`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $desc,)* }
            }
        }
    };
}

codes! {
    FileNotFound => "file-not-found": "an input file does not exist",
    FileUnreadable => "file-unreadable": "an input file exists but cannot be read",
    FileTooLarge => "file-too-large": "an input file is larger than the size cap",
    NotUtf8 => "not-utf8": "an input file is not valid UTF-8 text",
    EmptyFile => "empty-file": "a catalogue file holds no document",
    YamlSyntax => "yaml-syntax": "the YAML cannot be parsed",
    UnknownField => "unknown-field": "a key the catalogue schema does not define",
    MissingField => "missing-field": "a required key is absent",
    InvalidType => "invalid-type": "a value has the wrong YAML type",
    DuplicateKey => "duplicate-key": "a mapping repeats a key",
    NestingTooDeep => "nesting-too-deep": "the YAML nests deeper than the parser allows",
    AliasLimit => "alias-limit": "YAML aliases expand beyond the repetition limit",
    MultipleDocuments => "multiple-documents": "a catalogue file holds more than one YAML document",
    InvalidId => "invalid-id": "an id is not lowercase letters, digits and dashes",
    InvalidVersion => "invalid-version": "the catalogue version is not semantic versioning",
    InvalidDate => "invalid-date": "a date is not a real YYYY-MM-DD date",
    DateOrder => "date-order": "an end date lies before its start date",
    InvalidValue => "invalid-value": "a value is not one of the allowed words",
    InvalidAddress => "invalid-address": "an address or network cannot be parsed or has the wrong family",
    NonCanonicalNetwork => "non-canonical-network": "a network has host bits set",
    InvalidDomain => "invalid-domain": "a domain name is malformed",
    InvalidUrl => "invalid-url": "a URL is malformed or has no scheme and host",
    InvalidPort => "invalid-port": "a port list does not follow the port grammar",
    InvalidHash => "invalid-hash": "a file hash has the wrong length or non-hex digits",
    InvalidContent => "invalid-content": "a payload pattern does not follow Suricata content notation",
    InvalidRpc => "invalid-rpc": "a Sun RPC call is inconsistent",
    InvalidProtocol => "invalid-protocol": "a detection's protocols or ports are inconsistent",
    InvalidCveId => "invalid-cve-id": "a CVE id is not CVE-YYYY-NNNN",
    InvalidCwe => "invalid-cwe": "a CWE id is not CWE-N",
    InvalidCvss => "invalid-cvss": "a CVSS vector or score is malformed",
    InvalidClasstype => "invalid-classtype": "a classtype is not in Suricata's classification.config",
    InvalidReference => "invalid-reference": "a reference is not an http(s) URL",
    InvalidPolicy => "invalid-policy": "a policy setting is out of range or inconsistent",
    UnknownTarget => "unknown-target": "a target name iocc does not know",
    ValueTooLong => "value-too-long": "a text field is longer than outputs can carry",
    DuplicateId => "duplicate-id": "two items share an id",
    DuplicateIndicator => "duplicate-indicator": "two indicators have the same value",
    DanglingReference => "dangling-reference": "a reference names an id that does not exist",
    OverlappingIndicators => "overlapping-indicators": "one network indicator lies inside another without `part-of`",
    PartOfMismatch => "part-of-mismatch": "an indicator's `part-of` network does not contain it",
    ExpiredValidity => "expired-validity": "an indicator's validity window has ended",
    MissingReferences => "missing-references": "an item cites no source",
    EmptyCatalogue => "empty-catalogue": "a catalogue has no indicators and no detections",
    InvalidBulkFile => "invalid-bulk-file": "a bulk side file cannot be used as declared",
    NoCatalogues => "no-catalogues": "no catalogue was found to work on",
    DuplicateCatalogue => "duplicate-catalogue": "two catalogues share an id",
    StaleOutput => "stale-output": "the committed output differs from a fresh build",
    LockChanged => "lock-changed": "`--locked` forbids a change to a lock file",
    TemplateError => "template-error": "a template failed to render",
    WriteFailed => "write-failed": "an output could not be written",
    RuleSyntax => "rule-syntax": "a Suricata rule does not follow the rule syntax",
    MissingRuleOption => "missing-rule-option": "a Suricata rule lacks `msg`, `sid` or `rev`",
    DuplicateSid => "duplicate-sid": "two Suricata rules share a sid",
    InvalidSidLock => "invalid-sid-lock": "a SID lock file cannot be read",
    SidRangeExhausted => "sid-range-exhausted": "the policy's SID range (or the iprep category ids) has no free number left",
    RefusedBlock => "refused-block": "a safety rail refuses to put an address or network in a block list",
    DiffFailed => "diff-failed": "`iocc diff` cannot compare the two catalogues",
    UnreadableRule => "unreadable-rule": "a generated rule line cannot be read back (sid, rev)",
    VersionNotBumped => "version-not-bumped": "the compiled output changed but the catalogue version did not",
    BundleMismatch => "bundle-mismatch": "a bundle file does not match the checksum its manifest records",
    InvalidBundle => "invalid-bundle": "a bundle cannot be read or lacks its manifest",
    BenignIndicator => "benign-indicator": "an indicator or bulk entry is on a known-benign list (MISP warninglist)",
    InvalidFeed => "invalid-feed": "an import source cannot be read as its format",
    ImportSkipped => "import-skipped": "an entry of an import source holds nothing iocc can import, and is left out",
    InvalidPattern => "invalid-pattern": "a STIX pattern does not follow the STIX patterning grammar",
    UnsupportedPattern => "unsupported-pattern": "a STIX pattern uses what iocc indicators cannot express (AND across objects, FOLLOWEDBY, MATCHES, qualifiers)",
    ImportFailed => "import-failed": "`iocc import` cannot write or merge the catalogue",
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "duplicate code {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{name} is not kebab-case"
            );
            assert!(!code.description().is_empty());
        }
    }
}
