//! The stable diagnostic codes. A code, once released, keeps its meaning; tests snapshot the
//! full list so that a rename shows up in review.
//!
//! Each code owns its facts: its name, its severity (call sites do not choose it), a one-line
//! description, a longer explanation, and the command that shows an example of it on a
//! fixture of the iocc repository (`iocc explain CODE` prints them all).

use serde::Serialize;

use super::Severity;

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident, $desc:literal, $explain:literal, [$($example:literal),*];)*) => {
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

            /// Whether a problem of this kind fails the run.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $desc,)* }
            }

            /// A paragraph saying when the code is raised and what to do about it.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $explain,)* }
            }

            /// The `iocc` arguments that raise the code on a fixture of the iocc repository
            /// (`tests/fixtures/bad/`); empty for codes only a build state or a tampered
            /// bundle can raise.
            pub fn example(self) -> &'static [&'static str] {
                match self { $(Code::$variant => &[$($example),*],)* }
            }

            /// Finds a code by its name.
            pub fn parse(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }
    };
}

codes! {
    FileNotFound => "file-not-found", Error, "an input file does not exist",
        "A catalogue, a bulk side file, a template folder or another input named on the command line or in a catalogue is not there. Paths in a catalogue (`bulk[].path`) are relative to the catalogue's folder; paths on the command line are relative to the current folder.",
        ["check", "tests/fixtures/bad/does-not-exist.yaml"];
    FileUnreadable => "file-unreadable", Error, "an input file exists but cannot be read",
        "The file is there but reading it failed: a permission problem, a folder where a file was expected, or an I/O error. The message carries the operating system's reason.",
        ["check", "tests/fixtures/bad/bulk-paths.yaml"];
    FileTooLarge => "file-too-large", Error, "an input file is larger than the size cap",
        "Inputs are read whole, so their size is capped before reading: 64 MiB for a catalogue, 512 MiB for a bulk side file. Split a larger feed into several bulk lists.",
        [];
    NotUtf8 => "not-utf8", Error, "an input file is not valid UTF-8 text",
        "Catalogues and bulk side files are UTF-8 text (a leading byte-order mark is accepted). A file in another encoding (UTF-16, Latin-1) or a binary file is refused with the position of the first bad byte; convert it, e.g. with `iconv -t UTF-8`.",
        ["check", "tests/fixtures/bad/non-utf8.yaml"];
    EmptyFile => "empty-file", Error, "a catalogue file holds no document",
        "The file is empty, or holds only comments or whitespace, so there is no catalogue to read.",
        ["check", "tests/fixtures/bad/empty.yaml"];
    YamlSyntax => "yaml-syntax", Error, "the YAML cannot be parsed",
        "The file is not well-formed YAML: an unclosed quote or bracket, a tab used for indentation, a bad indentation level. Parsing stops at the first syntax error, whose line and column are shown.",
        ["check", "tests/fixtures/bad/syntax.yaml"];
    UnknownField => "unknown-field", Error, "a key the catalogue schema does not define",
        "Every mapping of a catalogue accepts only the keys its schema documents (`iocc schema`), so a misspelt key is an error instead of a silently ignored value. The help lists the keys allowed there.",
        ["check", "tests/fixtures/bad/unknown-field.yaml"];
    MissingField => "missing-field", Error, "a required key is absent",
        "A mapping lacks a key the schema requires, e.g. an indicator without `value` or a catalogue without `version`.",
        ["check", "tests/fixtures/bad/missing-field.yaml"];
    InvalidType => "invalid-type", Error, "a value has the wrong YAML type",
        "A value has the wrong shape: a list where a single value is expected, a mapping where a string is expected, a number where a date is expected. Quote strings that YAML would read as another type (`\"1.0\"`, `\"no\"`).",
        ["check", "tests/fixtures/bad/invalid-type.yaml"];
    DuplicateKey => "duplicate-key", Error, "a mapping repeats a key",
        "YAML allows only one value per key in a mapping; a second one would silently replace the first, so it is refused.",
        ["check", "tests/fixtures/bad/duplicate-key.yaml"];
    NestingTooDeep => "nesting-too-deep", Error, "the YAML nests deeper than the parser allows",
        "Mappings and lists nested more than 128 levels deep are refused before parsing, so a hostile file cannot exhaust the stack. No catalogue needs more than a few levels.",
        ["check", "tests/fixtures/bad/deep-nesting.yaml"];
    AliasLimit => "alias-limit", Error, "YAML aliases expand beyond the repetition limit",
        "YAML anchors and aliases (`&a`, `*a`) can make a small file expand to an enormous document (the \"billion laughs\"); expansion beyond the parser's repetition limit is refused. Write the values out instead of aliasing them.",
        ["check", "tests/fixtures/bad/billion-laughs.yaml"];
    MultipleDocuments => "multiple-documents", Error, "a catalogue file holds more than one YAML document",
        "A catalogue is one YAML document; a `---` line starts a second one. Put each catalogue in its own file.",
        ["check", "tests/fixtures/bad/multiple-documents.yaml"];
    InvalidId => "invalid-id", Error, "an id is not lowercase letters, digits and dashes",
        "Catalogue, indicator, bulk-list and detection ids name output files, rule keys and device objects, so they are restricted to `[a-z0-9-]`, starting with a letter or digit.",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidVersion => "invalid-version", Error, "the catalogue version is not semantic versioning",
        "`version` is a semantic version (`MAJOR.MINOR.PATCH`, e.g. `1.2.0`): bundles are named after it and `iocc build --check` asks for a bump when the output changes.",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidDate => "invalid-date", Error, "a date is not a real YYYY-MM-DD date",
        "Dates are written `YYYY-MM-DD` and must exist in the calendar (no `2025-02-30`).",
        ["check", "tests/fixtures/bad/values.yaml"];
    DateOrder => "date-order", Error, "an end date lies before its start date",
        "A window ends before it starts: `valid-until` before `valid-from`, or `advisory.modified` before `advisory.published`.",
        ["check", "tests/fixtures/bad/dates.yaml"];
    InvalidValue => "invalid-value", Error, "a value is not one of the allowed words",
        "A field that takes one of a fixed set of words (`kind`, `action`, `direction`, `confidence`, `severity`, `tlp`, ...) holds another; the help lists the allowed words.",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidAddress => "invalid-address", Error, "an address or network cannot be parsed or has the wrong family",
        "The value is not an IPv4 or IPv6 address or CIDR network, or its family does not match the declared kind (`kind: ipv4` with an IPv6 address).",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    NonCanonicalNetwork => "non-canonical-network", Error, "a network has host bits set",
        "A network is written with its first address: `192.0.2.0/24`, not `192.0.2.7/24`. A value with host bits set is usually a typo for a host or for another network, so it is refused instead of silently truncated; the help gives the canonical form.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    InvalidDomain => "invalid-domain", Error, "a domain name is malformed",
        "A domain is a dotted name of at least two labels of letters, digits and dashes (no label starting or ending with `-`, a last label that is not numeric), without scheme, path, port or trailing dot.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    InvalidUrl => "invalid-url", Error, "a URL is malformed or has no scheme and host",
        "A URL indicator is an absolute URL with a scheme and a host, e.g. `http://update.example.com/fw.bin`.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    InvalidPort => "invalid-port", Error, "a port list does not follow the port grammar",
        "Ports are numbers from 1 to 65535, ranges `FIRST-LAST` with FIRST <= LAST, optionally with a transport (`515-520/tcp`), separated by commas (see the README's port grammar).",
        ["check", "tests/fixtures/bad/detections.yaml"];
    InvalidHash => "invalid-hash", Error, "a file hash has the wrong length or non-hex digits",
        "A hash indicator holds hex digits only, of its algorithm's length: 32 for md5, 40 for sha1, 64 for sha256.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    InvalidContent => "invalid-content", Error, "a payload pattern does not follow Suricata content notation",
        "Payload patterns use Suricata's content notation: text with bytes in hex between pipes (`|0b|MSH|7c|`). An unclosed pipe, an odd number of hex digits or a non-hex character is refused at its exact position.",
        ["check", "tests/fixtures/bad/detections.yaml"];
    InvalidRpc => "invalid-rpc", Error, "a Sun RPC call is inconsistent",
        "A detection's `rpc` names a program, an optional version and procedure, and for MOUNT an optional path; it needs a transport the program runs on. The message names the inconsistent part.",
        ["check", "tests/fixtures/bad/detections.yaml"];
    InvalidProtocol => "invalid-protocol", Error, "a detection's protocols or ports are inconsistent",
        "`protocols` is `[ip]` alone or `tcp` and/or `udp`; ports, payload patterns and RPC calls need tcp or udp, and a port's transport must be one of the detection's protocols.",
        ["check", "tests/fixtures/bad/detections.yaml"];
    InvalidCveId => "invalid-cve-id", Error, "a CVE id is not CVE-YYYY-NNNN",
        "CVE ids are written `CVE-YYYY-NNNN`: upper case, a four-digit year, four or more digits after it.",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidCwe => "invalid-cwe", Error, "a CWE id is not CWE-N",
        "CWE ids are written `CWE-` followed by digits, e.g. `CWE-912`.",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidCvss => "invalid-cvss", Error, "a CVSS vector or score is malformed",
        "A CVSS entry holds a score from 0.0 to 10.0 and a vector of its version (`CVSS:3.1/...` for `cvss-v3`, `CVSS:4.0/...` for `cvss-v4`).",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidClasstype => "invalid-classtype", Error, "a classtype is not in Suricata's classification.config",
        "A detection's `classtype` must be one Suricata's default `classification.config` defines, so the rules load without a custom classification file; the help names common ones.",
        ["check", "tests/fixtures/bad/detections.yaml"];
    InvalidReference => "invalid-reference", Error, "a reference is not an http(s) URL",
        "References are the sources an item cites: absolute `http://` or `https://` URLs.",
        ["check", "tests/fixtures/bad/values.yaml"];
    InvalidPolicy => "invalid-policy", Error, "a policy setting is out of range or inconsistent",
        "A `policy` value cannot work: a SID range that is not FIRST-LAST, prefix limits out of range or in the wrong order, an override without a reason or naming an unknown rail.",
        ["check", "tests/fixtures/bad/policy.yaml"];
    UnknownTarget => "unknown-target", Error, "a target name iocc does not know",
        "`policy.targets` and `--target` take the names `iocc targets` lists.",
        ["check", "tests/fixtures/bad/policy.yaml"];
    ValueTooLong => "value-too-long", Error, "a text field is longer than outputs can carry",
        "Text fields are bounded (200 characters for titles, names and roles, 4000 for descriptions) because rule messages, ACL remarks and device comments have hard limits. Shorten the text or move details to a description or a reference.",
        ["check", "tests/fixtures/bad/values.yaml"];
    DuplicateId => "duplicate-id", Error, "two items share an id",
        "Indicator, bulk-list and detection ids must be unique within a catalogue: they key the SID lock, the STIX ids and the coverage report.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    DuplicateIndicator => "duplicate-indicator", Error, "two indicators have the same value",
        "Two indicators hold the same value; keep one and merge their references.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    DanglingReference => "dangling-reference", Error, "a reference names an id that does not exist",
        "An id used as a reference (`part-of`, a detection's `indicators`, an item's `cves`, a CVE's `products`) names nothing of that kind in the catalogue, or names an item of the wrong kind (a detection's indicators are addresses or networks).",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    OverlappingIndicators => "overlapping-indicators", Warning, "one network indicator lies inside another without `part-of`",
        "An address or network lies inside another network indicator. That is often intended (a host inside its range); declare it with `part-of: <network id>` so the overlap is documented and the warning goes away.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    PartOfMismatch => "part-of-mismatch", Error, "an indicator's `part-of` network does not contain it",
        "`part-of` names a network indicator that must contain this indicator's address or network.",
        ["check", "tests/fixtures/bad/indicators.yaml"];
    ExpiredValidity => "expired-validity", Warning, "an indicator's validity window has ended",
        "`valid-until` lies before today (or `SOURCE_DATE_EPOCH`). The indicator is still compiled; remove it, or extend the window if it is still valid.",
        ["check", "tests/fixtures/bad/dates.yaml"];
    MissingReferences => "missing-references", Warning, "an item cites no source",
        "An indicator, bulk list or detection has no `references`. Every item should name where it comes from, so a reviewer can check it.",
        ["check", "tests/fixtures/bad/values.yaml"];
    EmptyCatalogue => "empty-catalogue", Warning, "a catalogue has no indicators and no detections",
        "The catalogue validates but has nothing to compile: no indicators, bulk lists or detections.",
        ["check", "tests/fixtures/bad/empty-catalogue.yaml"];
    InvalidBulkFile => "invalid-bulk-file", Error, "a bulk side file cannot be used as declared",
        "A bulk list's side file is unusable as declared: its path leaves the catalogue's folder, its CSV column does not exist, or lines hold values of the wrong kind (each bad line is named, up to 50, then counted).",
        ["check", "tests/fixtures/bad/bulk-lines.yaml"];
    NoCatalogues => "no-catalogues", Error, "no catalogue was found to work on",
        "A folder given (or the default `iocs/`) holds no `*.yaml` catalogue.",
        ["check", "tests/fixtures/bad/no-catalogues"];
    DuplicateCatalogue => "duplicate-catalogue", Error, "two catalogues share an id",
        "Each catalogue's `id` names its output folder, so two catalogues of one run cannot share it.",
        ["check", "tests/fixtures/bad/duplicate-catalogue"];
    StaleOutput => "stale-output", Error, "the committed output differs from a fresh build",
        "`iocc build --check` compiled the catalogues and found files under the output folder that differ from the fresh build, are missing, are extra, or belong to a catalogue that no longer exists. Run `iocc build` and commit the result.",
        ["build", "tests/fixtures/good/every-kind.yaml", "--check", "--out", "tests/fixtures/bad/no-catalogues"];
    LockChanged => "lock-changed", Error, "`--locked` forbids a change to a lock file",
        "A build with `--locked` or `--check`, or a bundle, would create or change a SID lock beside a catalogue. Run `iocc build` without `--locked`, review the lock change and commit it with the catalogue.",
        [];
    TemplateError => "template-error", Error, "a template failed to render",
        "A template could not be read, parsed or rendered. With `--templates DIR`, check the override named in the message; with the embedded templates it is a bug in iocc.",
        ["build", "tests/fixtures/good/every-kind.yaml", "--templates", "tests/fixtures/bad/templates", "--out", "target/explain"];
    WriteFailed => "write-failed", Error, "an output could not be written",
        "Writing the output folder, a lock file or a bundle failed (a missing permission, a full disk, a file where a folder is needed). Nothing was half-written: the previous output is intact.",
        ["build", "tests/fixtures/good/every-kind.yaml", "--out", "tests/fixtures/bad/feeds/bad-lines.txt/out"];
    RuleSyntax => "rule-syntax", Error, "a Suricata rule does not follow the rule syntax",
        "iocc's own Suricata rule parser (`iocc lint`, and the check every generated pack passes) found a line that is not a well-formed rule: a bad header, an unterminated option, an unescaped `;` or `\"`.",
        ["lint", "tests/fixtures/bad/rules/broken.rules"];
    MissingRuleOption => "missing-rule-option", Error, "a Suricata rule has no `sid`",
        "`sid` is the one option Suricata requires: a rule without it is refused (\"Signature missing required value sid\"). Add `sid:N;`.",
        ["lint", "tests/fixtures/bad/rules/broken.rules"];
    RuleStyle => "rule-style", Warning, "a Suricata rule lacks `msg`, `rev` or `classtype`",
        "Suricata loads a rule without `msg`, `rev` or `classtype`, but alerts without them are hard to read, track and triage. `iocc lint --strict` (used on iocc's own packs) makes these errors.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    RuleHeader => "rule-header", Error, "the chosen Suricata version refuses the rule's action, protocol, hook, direction, address or port",
        "The header names an action, protocol, hook (`dns:request_complete`) or direction (`=>`) that this Suricata version does not take (action scopes, hooks and `=>` are Suricata 8 only; `accept` only in Suricata 8 firewall rule files), or an address or port the engine cannot use (`!any`, an IPv6 range with `-`, a reversed port range). The message quotes the engine; `--suricata 8` lints for Suricata 8.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    DisabledProtocol => "disabled-protocol", Error, "the rule needs an app-layer protocol or feature the packaged suricata.yaml disables",
        "Suricata's packaged configuration disables some app-layer protocols (`modbus`, `dnp3`, `enip`, `pgsql`...), and 7.0.10's disables Lua rules; the engine refuses rules that need them. Enable the protocol under `app-layer.protocols` (or `security.lua.allow-rules`) in your suricata.yaml, or match on `tcp`/`udp`.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    UndefinedVariable => "undefined-variable", Error, "the rule uses an address or port variable the packaged suricata.yaml does not define",
        "`$NAME` in a rule header must be defined under `vars.address-groups` or `vars.port-groups` of suricata.yaml; the packaged configuration defines HOME_NET, EXTERNAL_NET, HTTP_PORTS and the like. Define the variable, or write the addresses or ports.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    UnknownRuleKeyword => "unknown-rule-keyword", Error, "the chosen Suricata version has no such rule keyword",
        "The keyword is not in `suricata --list-keywords` of this version (nor an alias of one). Keywords of the other version are named in the message; a misspelt keyword is refused by both.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    OptionValue => "bad-option-value", Error, "a rule option's value is written in a way the engine refuses",
        "The option takes no value, needs one, needs or forbids double quotes, or its value does not parse (sid 0, an unknown flow option, both flow directions, a content hex block with an odd number of digits, `bsize` outside a sticky buffer...). The message quotes the engine's reason.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    ContentExceedsSize => "content-exceeds-size", Error, "a content is longer than the rule's dsize, bsize, urilen, depth or within allows",
        "The engine refuses a rule that can never match: its contents need more bytes than `dsize` (payload), `bsize` (the sticky buffer) or `urilen` allow, or a `depth`/`within` is smaller than its content. Raise the bound or shorten the content.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    ModifierConflict => "modifier-conflict", Error, "one content has both relative and absolute modifiers",
        "`distance`/`within` (relative to the previous match) and `depth`/`offset`/`startswith` (from the start of the buffer) cannot be on one content. Keep one kind per content.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    ModifierWithoutContent => "modifier-without-content", Error, "a content modifier has no content before it",
        "`depth`, `offset`, `distance`, `within`, `nocase`, `fast_pattern`, `http_uri` and the other content modifiers apply to the `content` before them; with none, the engine refuses the rule. Move the modifier after its content.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    EmptyBuffer => "empty-buffer", Error, "a sticky buffer is selected but given no match",
        "A sticky buffer (`http.uri`, `dns.query`, `file.data`...) applies to the content, pcre or other match keywords after it; selecting one and then another, or ending the rule, with no match in between makes the engine refuse the rule (\"previous sticky buffer has no matches\"). Put the content after the buffer keyword (`http.uri; content:\"/a\";`), or use the content-first modifier form (`content:\"/a\"; http_uri;`).",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    DuplicateModifier => "duplicate-modifier", Error, "a modifier appears twice on one content",
        "Each of `depth`, `offset`, `distance`, `within`, `nocase`, `fast_pattern` may appear once per content. Remove the repeated one.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    NumberOutOfRange => "number-out-of-range", Error, "a position modifier's number is out of range or not a defined variable",
        "`depth` and `offset` take 0 to 65535, `distance` and `within` -1048576 to 1048576, or a variable defined earlier by `byte_extract`/`byte_math`.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    FastPatternConflict => "fast-pattern-conflict", Error, "`fast_pattern` is used where the engine refuses it",
        "`fast_pattern:only` cannot be on a negated content or one with positional modifiers, and the content after it cannot be relative to it; `fast_pattern` on a negated content cannot have positional modifiers; `fast_pattern:O,L` must lie inside its content; Suricata 8 refuses it inside `base64_data`.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    RequiresUnmet => "requires-unmet", Error, "the rule's `requires` excludes the chosen Suricata version",
        "A rule with `requires: version ...` that the version does not meet is skipped by the engine (not loaded). Lint with the version the rule is meant for (`--suricata 7|8`).",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    ReplacedRule => "replaced-rule", Warning, "a later rule with the same sid and a higher rev replaces an earlier one",
        "Suricata keeps one rule per sid (and gid): a later rule with a higher `rev` replaces the earlier one, with a warning. Remove the older rule, or give the new one its own sid.",
        ["lint", "tests/fixtures/bad/rules/checks.rules"];
    DuplicateSid => "duplicate-sid", Error, "two Suricata rules share a sid",
        "Suricata loads only one rule per sid; across all the files `iocc lint` checks, each sid must appear once.",
        ["lint", "tests/fixtures/bad/rules/broken.rules"];
    InvalidSidLock => "invalid-sid-lock", Error, "a SID lock file cannot be read",
        "The `<catalogue>.sids.lock` beside a catalogue is written by `iocc build` and must not be edited by hand; restore it from git.",
        ["check", "tests/fixtures/bad/bad-lock.yaml"];
    SidRangeExhausted => "sid-range-exhausted", Error, "the policy's SID range (or the iprep category ids) has no free number left",
        "New rules take the next unused SID of `policy.sid-range`, and retired SIDs are never reused; when none is left, widen the range. The same applies to the 60 iprep category ids.",
        ["check", "tests/fixtures/bad/sid-exhausted.yaml"];
    RefusedBlock => "refused-block", Error, "a safety rail refuses to put an address or network in a block list",
        "A `block` entry would block a default route, a prefix wider or narrower than the policy allows, a private, loopback, link-local, multicast, documentation or reserved range, or an allowlisted network. Nothing is written. Remove or narrow the entry, or lift the named rail explicitly with a `policy.overrides` entry and a reason (every output header then prints it).",
        ["check", "tests/fixtures/bad/refused.yaml"];
    RefusedName => "refused-name", Error, "a safety rail refuses to put a domain name in a DNS block list",
        "A `block` domain (indicator or domain list entry) would block a public suffix (`co.uk`, `github.io`: every name registered under it, per the Public Suffix List), a name that is, covers or lies under a name of `policy.allowlist`, or a name that is or covers a host the catalogue itself cites in its references. Nothing is written. Remove the entry, or lift the named rail explicitly with a `policy.overrides` entry `{domain, rail, reason}` (every DNS file header then prints it). An allowlisted name stays unblocked even then: the DNS files answer it normally.",
        ["check", "tests/fixtures/bad/refused-names.yaml"];
    DiffFailed => "diff-failed", Error, "`iocc diff` cannot compare the two catalogues",
        "`iocc diff` compares two versions of the same catalogue (the same `id`), and `--target` takes `firewall` or platform names.",
        ["diff", "tests/fixtures/good/every-kind.yaml", "tests/fixtures/good/readme-example.yaml"];
    UnreadableRule => "unreadable-rule", Error, "a generated rule line cannot be read back (sid, rev)",
        "Before writing its pack, the Suricata target reads the rendered rules back into the rule model and found a rule whose sid or rev is not a number (or the STIX target met a planned rule it cannot write). The rule writer never writes such a rule, so this points at a template override or a bug.",
        [];
    VersionNotBumped => "version-not-bumped", Error, "the compiled output changed but the catalogue version did not",
        "The output of a catalogue changed while its `version` stayed the one recorded in `out/<catalogue>/VERSION`, so two different packs would carry one version. Bump `version` (patch for fixes, minor for new indicators or rules, major for removals). A writing build only warns; `--check` fails.",
        [];
    BundleMismatch => "bundle-mismatch", Error, "a bundle file does not match the checksum its manifest records",
        "`iocc verify` recomputed a checksum that differs from `manifest.json` or the `.sha256`/`.md5` beside the bundle: the file was changed or damaged after the bundle was made.",
        [];
    InvalidBundle => "invalid-bundle", Error, "a bundle cannot be read or lacks its manifest",
        "The file given to `iocc verify` is not a gzip-compressed tar made by `iocc bundle`, or it has no valid `manifest.json`.",
        ["verify", "tests/fixtures/bad/syntax.yaml"];
    InvalidKey => "invalid-key", Error, "a signing key cannot be read or opened",
        "`iocc bundle --sign`, `iocc keygen` and `iocc verify --pubkey` take minisign keys: a secret key file made by `iocc keygen` (or `env:NAME`, an environment variable holding its text), a public key file or its base64 line. The key is missing, malformed, or its password (IOCC_SIGN_PASSWORD, or typed on the terminal) is wrong.",
        ["verify", "--pubkey", "tests/fixtures/bad/syntax.yaml", "tests/fixtures/bad/syntax.yaml"];
    BadSignature => "bad-signature", Error, "a bundle's signature is missing or does not verify",
        "`iocc verify --pubkey` found no `.minisig` beside the bundle, or a signature that this public key did not make or that does not match the bundle's bytes: the bundle was changed, or was not signed by the holder of the key. Its contents are not checked further.",
        ["verify", "--pubkey", "tests/fixtures/keys/other.pub", "tests/fixtures/bad/syntax.yaml"];
    PublishFailed => "publish-failed", Error, "a TAXII server refused or did not answer a publication",
        "`iocc publish` could not push the STIX bundle: the server was unreachable or too slow (`--timeout`), refused the credentials (401: set IOCC_TAXII_USER and IOCC_TAXII_PASSWORD, or IOCC_TAXII_TOKEN), refused access to the collection (403: the account needs write access), does not know the API root or collection (404), found the request too large (413), or reported objects it did not accept.",
        ["publish", "tests/fixtures/taxii/bundle.json", "--api-root", "http://127.0.0.1:9/taxii/", "--collection", "x", "--timeout", "5"];
    BenignIndicator => "benign-indicator", Error, "an indicator or bulk entry is on a known-benign list (MISP warninglist)",
        "The value is on one of the MISP warninglists iocc ships (public DNS resolvers, CDN and well-known service ranges, popular domains, special-use names): blocking it would cut off ordinary traffic, alerting on it would be noise. An error for a `block` item (nothing is written), a warning for `alert` and `monitor`. Remove the entry, or, if it is really meant, lift the check with a `policy.overrides` entry (`rail: benign` and the `network` or `domain`, with a reason). `iocc import` leaves such block entries out with this warning.",
        ["check", "tests/fixtures/bad/benign.yaml"];
    InvalidFeed => "invalid-feed", Error, "an import source cannot be read as its format",
        "`iocc import` could not read a source as the format given with `--from` or detected from its content: JSON that does not parse, a table without the columns the format needs, a MISP feed folder without `manifest.json`. Nothing is written; name the format with `--from`, or fix the file.",
        ["import", "tests/fixtures/bad/import/broken.json", "--from", "stix", "--out", "target/explain/broken.yaml"];
    ImportSkipped => "import-skipped", Warning, "an entry of an import source holds nothing iocc can import, and is left out",
        "The value of an entry is not a valid address, network, domain, URL or file digest (quotes, control characters, formula cells, an over-long or malformed value), its type has no catalogue kind, it is deleted or revoked, or the firewall safety rails would refuse to block it. The entry is left out and the rest is imported; fix the source, or import it with another `--action`.",
        ["import", "tests/fixtures/bad/import/entries.json", "--dry-run", "--out", "target/explain/entries.yaml"];
    InvalidPattern => "invalid-pattern", Warning, "a STIX pattern does not follow the STIX patterning grammar",
        "`iocc import` reads STIX patterns with the full STIX 2.1 patterning grammar; this one cannot be read (an unclosed quote or bracket, an unknown operator, a bad escape), at the character named. The indicator is left out.",
        ["import", "tests/fixtures/bad/import/entries.json", "--dry-run", "--out", "target/explain/entries.yaml"];
    UnsupportedPattern => "unsupported-pattern", Warning, "a STIX pattern uses what iocc indicators cannot express (AND across objects, FOLLOWEDBY, MATCHES, qualifiers)",
        "Catalogue indicators are single values: `iocc import` takes a comparison, or an `OR` of comparisons, on addresses, domains, URLs and file hashes. A pattern with `AND` across objects or observations, `FOLLOWEDBY`, `MATCHES`, `LIKE`, `NOT`, a qualifier (`WITHIN`, `REPEATS`, `START ... STOP`), another object path or another pattern language is named and left out, never guessed at; write the behaviour as a detection if it matters.",
        ["import", "tests/fixtures/bad/import/entries.json", "--dry-run", "--out", "target/explain/entries.yaml"];
    ImportFailed => "import-failed", Error, "`iocc import` cannot write or merge the catalogue",
        "`--out` names a file that already holds something else (use `--into` to add to it), `--into` names a catalogue that does not check clean or lists items in flow style, or the result would not check clean. Nothing is written.",
        ["import", "tests/fixtures/bad/import/entries.json", "--out", "tests/fixtures/good/readme-example.yaml"];
    OutputBusy => "output-busy", Error, "another iocc run is writing the output folder",
        "`iocc build` and `iocc bundle` lock the folder they write, so two runs never mix their files; a second run waits for the first. With `--no-wait` it fails at once instead: run it again when the other has finished.",
        [];
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
