//! Unit tests of the linter: one rule per check, against the verdicts recorded in
//! `tests/lint/SURICATA-CHECKS.md` (the engines' own, probed).

use super::*;

fn codes(rule: &str, v: Version) -> Vec<Code> {
    let opts = Options {
        version: v,
        ..Options::default()
    };
    lint_rule(rule, 1, &opts)
        .1
        .into_iter()
        .filter(Finding::is_error)
        .map(|f| f.code)
        .collect()
}

fn both(rule: &str) -> (Vec<Code>, Vec<Code>) {
    (codes(rule, Version::V7), codes(rule, Version::V8))
}

#[track_caller]
fn loads(rule: &str) {
    assert_eq!(both(rule), (vec![], vec![]), "{rule}");
}

#[track_caller]
fn refused(rule: &str, code: Code) {
    let (a, b) = both(rule);
    assert!(
        a.contains(&code) && b.contains(&code),
        "{rule}: {a:?} {b:?}"
    );
}

#[test]
fn what_both_versions_load() {
    loads(r#"alert tcp any any -> any any (sid:1;)"#);
    loads(r#"pass udp any any -> any 53,123 (sid:1;)"#);
    loads(r#"alert tcp any any -> any any (content:!"a"; content: !"b"; sid:1;)"#);
    loads(r#"alert ip 192.168.0.0/16,10.0.0.0/8 any -> any any (sid:1;)"#);
    loads(r#"alert tcp any any -> any any (msg:"x"; sid:1;"#);
    loads(
        r#"alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"x"; flow:established,to_server; http.uri; content:"/a"; fast_pattern; bsize:<10; sid:1; rev:1;)"#,
    );
    loads(
        r#"alert tcp any any -> any any (content:"a"; byte_extract:1,0,off; content:"b"; distance:off; sid:1;)"#,
    );
    loads(r#"alert tcp any any -> any any (dsize:>3; content:"abcdef"; sid:1;)"#);
    loads(r#"alert tcp any any -> any any (FLOW:to_server; SID:1;)"#);
}

#[test]
fn version_differences_name_the_other_version() {
    let rule = r#"drop:flow tcp:flow_start any any -> any any (sid:1;)"#;
    assert_eq!(
        both(rule),
        (vec![Code::RuleHeader, Code::RuleHeader], vec![])
    );
    let (_, f) = lint_rule(rule, 1, &Options::default());
    assert!(
        f[0].message
            .contains("7.0.10 refuses the rule; Suricata 8.0.6 loads it"),
        "{f:?}"
    );
    assert_eq!(
        both(
            r#"alert http any any => any any (http.uri; content:"a"; http.stat_code; content:"200"; sid:1;)"#
        ),
        (vec![Code::RuleHeader], vec![])
    );
    assert_eq!(
        both(r#"alert tcp any any => any any (sid:1;)"#).1,
        vec![Code::RuleHeader]
    );
    assert_eq!(
        both(r#"alert tcp any any -> any any (content:"a"; absent; sid:1;)"#).0,
        vec![Code::UnknownRuleKeyword]
    );
    let fw = Options {
        version: Version::V8,
        firewall: true,
        ..Options::default()
    };
    assert!(
        !lint_rule("accept:hook tcp:all any any -> any any (sid:1;)", 1, &fw)
            .1
            .iter()
            .any(Finding::is_error)
    );
    assert_eq!(
        codes("accept tcp any any -> any any (sid:1;)", Version::V8),
        vec![Code::RuleHeader]
    );
}

#[test]
fn refusals_of_both_versions() {
    refused(
        r#"alert tcp any any -> any any (flow.elephant; sid:1;)"#,
        Code::UnknownRuleKeyword,
    );
    refused(
        r#"alert igmp any any -> any any (sid:1;)"#,
        Code::RuleHeader,
    );
    refused(
        r#"alert modbus any any -> any any (sid:1;)"#,
        Code::DisabledProtocol,
    );
    refused(
        r#"alert tcp $NOPE any -> any any (sid:1;)"#,
        Code::UndefinedVariable,
    );
    refused(
        r#"alert tcp any any -> any any (msg:"x";)"#,
        Code::MissingRuleOption,
    );
    refused(
        r#"alert tcp any any -> any any (sid:0;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert tcp any any -> any any (sid:"1";)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert tcp any any -> any any (msg:x; sid:1;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert tcp any any -> any any (content:"|4|"; sid:1;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert tcp any any -> any any (flow:sideways; sid:1;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert tcp any any -> any any (dsize:3; content:"abcdef"; sid:1;)"#,
        Code::ContentExceedsSize,
    );
    refused(
        r#"alert tcp any any -> any any (content:"abcdef"; depth:3; sid:1;)"#,
        Code::ContentExceedsSize,
    );
    refused(
        r#"alert http any any -> any any (http.uri; content:"abcdef"; bsize:3; sid:1;)"#,
        Code::ContentExceedsSize,
    );
    refused(
        r#"alert tcp any any -> any any (content:"a"; content:"b"; depth:5; distance:1; sid:1;)"#,
        Code::ModifierConflict,
    );
    refused(
        r#"alert tcp any any -> any any (depth:5; sid:1;)"#,
        Code::ModifierWithoutContent,
    );
    refused(
        r#"alert tcp any any -> any any (content:"a"; depth:5; depth:6; sid:1;)"#,
        Code::DuplicateModifier,
    );
    refused(
        r#"alert tcp any any -> any any (content:"a"; depth:-5; sid:1;)"#,
        Code::NumberOutOfRange,
    );
    refused(
        r#"alert tcp any any -> any any (content:"abc"; fast_pattern:only; offset:1; sid:1;)"#,
        Code::FastPatternConflict,
    );
    refused(
        r#"alert tcp any any -> any any (requires: version >= 9; sid:1;)"#,
        Code::RequiresUnmet,
    );
}

#[test]
fn style_is_a_warning_unless_strict() {
    let rule = r#"alert tcp any any -> any any (sid:1;)"#;
    let (_, f) = lint_rule(rule, 1, &Options::default());
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|x| x.code == Code::RuleStyle && !x.is_error()));
    let strict = Options {
        strict: true,
        ..Options::default()
    };
    assert!(lint_rule(rule, 1, &strict).1.iter().all(Finding::is_error));
}

#[test]
fn duplicates_and_replacements() {
    let text = "alert ip any any -> any any (sid:1; rev:1;)\nalert ip any any -> any any (sid:1; rev:2;)\nalert ip any any -> any any (sid:1; rev:2;)\nalert ip any any -> any any (sid:1; gid:2; rev:1;)\n";
    let (n, found) = lint_text(
        Path::new("a.rules"),
        text,
        &Options::default(),
        &mut Seen::new(),
    );
    assert_eq!(n, 4);
    let dup: Vec<(usize, Code)> = found
        .iter()
        .filter(|l| l.finding.code != Code::RuleStyle)
        .map(|l| (l.line, l.finding.code))
        .collect();
    assert_eq!(dup, vec![(2, Code::ReplacedRule), (3, Code::DuplicateSid)]);
}

#[test]
fn located_messages() {
    let text = "# x\nalert tcp any any -> any any (msg:\"a;b\"; sid:2;)\n";
    let (_, found) = lint_text(
        Path::new("a.rules"),
        text,
        &Options::default(),
        &mut Seen::new(),
    );
    let e = found.iter().find(|l| l.finding.is_error()).unwrap();
    assert_eq!(
        (e.line, e.column, e.finding.code),
        (2, 37, Code::OptionValue)
    );
    assert!(e.finding.message.contains("Suricata 7.0.10"), "{e:?}");
}

/// Checks found missing by the blind run on fresh third-party rules (tests/lint/BASELINE.md),
/// each with the rules of the same shape that both engines load.
#[test]
fn sticky_buffers_need_a_match() {
    refused(
        r#"alert http any any -> any any (content:"200"; http_stat_code; content:"HTTP/1.1 200"; http_response_line; sid:1;)"#,
        Code::EmptyBuffer,
    );
    refused(
        r#"alert http any any -> any any (http.content_len; file_data; content:"a"; sid:1;)"#,
        Code::EmptyBuffer,
    );
    refused(
        r#"alert http any any -> any any (http.uri; to_lowercase; sid:1;)"#,
        Code::EmptyBuffer,
    );
    loads(r#"alert http any any -> any any (content:"200"; http_stat_code; sid:1;)"#);
    refused(
        r#"alert http any any -> any any (file_data; content:"a"; http_header; sid:1;)"#,
        Code::OptionValue,
    );
    loads(
        r#"alert http any any -> any any (file_data; content:"a"; pkt_data; content:"b"; http_header; sid:1;)"#,
    );
    loads(r#"alert http any any -> any any (http.uri; bsize:>2; sid:1;)"#);
    loads(
        r#"alert http any any -> any any (http.uri; pcre:"/a/"; http.host; content:"b"; sid:1;)"#,
    );
    loads(
        r#"alert http any any -> any any (http.uri; content:"a"; http.method; byte_test:1,=,71,0; sid:1;)"#,
    );
}

#[test]
fn http_host_is_lower_case() {
    refused(
        r#"alert http any any -> any any (http.host; content:"Example"; sid:1;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert http any any -> any any (http.host; content:"a|42|"; sid:1;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert http any any -> any any (content:"example"; http_host; nocase; sid:1;)"#,
        Code::OptionValue,
    );
    loads(r#"alert http any any -> any any (http.host; content:"example|2e|com"; sid:1;)"#);
    loads(r#"alert http any any -> any any (http.host.raw; content:"Example"; nocase; sid:1;)"#);
    loads(
        r#"alert http any any -> any any (http.uri; content:"A"; http.host; content:"a"; sid:1;)"#,
    );
}

#[test]
fn app_layer_protocol_values() {
    refused(
        r#"alert http any any -> any any (app-layer-protocol:http; sid:1;)"#,
        Code::OptionValue,
    );
    refused(
        r#"alert tcp any any -> any any (app-layer-protocol:modbus; sid:1;)"#,
        Code::DisabledProtocol,
    );
    refused(
        r#"alert tcp any any -> any any (app-layer-protocol:nosuch; sid:1;)"#,
        Code::OptionValue,
    );
    loads(r#"alert tcp any any -> any any (app-layer-protocol:!tls; sid:1;)"#);
    loads(r#"alert tcp any any -> any any (app-layer-protocol:failed; sid:1;)"#);
    loads(r#"alert tcp any any -> any any (app-layer-protocol:http1; sid:1;)"#);
    assert_eq!(
        both(r#"alert tcp any any -> any any (app-layer-protocol:unknown; sid:1;)"#).1,
        vec![]
    );
}

#[test]
fn isdataat_positions() {
    refused(
        r#"alert tcp any any -> any any (content:"a"; byte_extract:4,8,len; isdataat:31+len; sid:1;)"#,
        Code::NumberOutOfRange,
    );
    refused(
        r#"alert tcp any any -> any any (content:"a"; isdataat:70000; sid:1;)"#,
        Code::NumberOutOfRange,
    );
    refused(
        r#"alert tcp any any -> any any (content:"a"; isdataat:len,relative; sid:1;)"#,
        Code::NumberOutOfRange,
    );
    loads(
        r#"alert tcp any any -> any any (content:"a"; byte_extract:4,8,len; isdataat:len,relative; sid:1;)"#,
    );
    loads(r#"alert tcp any any -> any any (content:"a"; isdataat:!10, relative; sid:1;)"#);
}

#[test]
fn config_dependent_keywords() {
    // no reputation categories in either packaged config
    refused(
        r#"alert ip any any -> any any (iprep:src,CnC,>,30; sid:1;)"#,
        Code::DisabledProtocol,
    );
    // `luajit` is a 7.0.10 alias of `lua` that 8.0.6 no longer has
    assert_eq!(
        both(r#"alert ip any any -> any any (luajit:x.lua; sid:1;)"#),
        (vec![Code::DisabledProtocol], vec![Code::UnknownRuleKeyword])
    );
}

#[test]
fn entropy_values_of_suricata_8() {
    let v8 = |r: &str| codes(r, Version::V8);
    assert_eq!(
        v8(r#"alert tls any any -> any any (tls.sni; entropy:4.5,relative; sid:1;)"#),
        vec![Code::OptionValue]
    );
    assert_eq!(
        v8(r#"alert tls any any -> any any (tls.sni; entropy:bytes 4, bytes 5, value >1; sid:1;)"#),
        vec![Code::OptionValue]
    );
    assert_eq!(
        v8(
            r#"alert tls any any -> any any (tls.sni; entropy:bytes 64, offset 0, value >=4.5; sid:1;)"#
        ),
        vec![]
    );
}
