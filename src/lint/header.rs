//! The rule header against one version: action (and its scope), protocol (and its hook),
//! direction, address and port variables of the packaged config.
//!
//! Guarantees: an action, protocol, hook or direction is refused only when the engine's own
//! probe of it (`src/lint/data/`) was refused, and the finding quotes the engine's reason.

use crate::diag::Code;
use crate::grammar::rule::{Address, Direction, ParsedRule, Port};

use super::finding::Findings;
use super::Ctx;

/// Packet hooks (Suricata 8, `HookPktFromString`) and the generic app-layer hooks.
const PACKET_HOOKS: &[&str] = &["flow_start", "pre_flow", "pre_stream", "all"];
const APP_HOOKS: &[&str] = &[
    "request_started",
    "request_complete",
    "response_started",
    "response_complete",
];
/// IP-level protocols (`DetectProtoParse`): packet hooks apply to these.
pub(super) const IP_PROTOCOLS: &[&str] = &[
    "ip",
    "pkthdr",
    "ipv4",
    "ip4",
    "ipv6",
    "ip6",
    "tcp",
    "tcp-pkt",
    "tcp-stream",
    "udp",
    "icmp",
    "icmpv4",
    "icmpv6",
    "sctp",
];

pub fn check(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    action(c, r, f);
    protocol(c, r, f);
    direction(c, r, f);
    address(c, &r.source, r.spans.source.start, f);
    address(c, &r.destination, r.spans.destination.start, f);
    port(c, &r.source_port, r.spans.source_port.start, f);
    port(c, &r.destination_port, r.spans.destination_port.start, f);
}

fn action(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    let at = r.spans.action.start;
    let help = "use alert, pass, drop, reject, rejectsrc, rejectdst, rejectboth or config (Suricata 8 also takes drop:flow, pass:flow... and, in firewall rule files, accept)";
    let mut actions = r.action.split(',');
    let first = actions.next().unwrap_or("");
    if c.v == super::Version::V8 {
        // Suricata 8 takes more actions after the first (`accept:hook,alert`).
        for more in actions {
            let name = more.split(':').next().unwrap_or("");
            if !c.t.actions.contains_key(name) {
                f.error(
                    at,
                    Code::RuleHeader,
                    format!("`{more}` is not an action"),
                    help,
                );
            }
        }
    } else if r.action.contains(',') {
        return f.error(
            at,
            Code::RuleHeader,
            format!("`{}`: more than one action is Suricata 8 only", r.action),
            help,
        );
    }
    match c.t.actions.get(first) {
        None => f.error(
            at,
            Code::RuleHeader,
            format!("`{}` is not an action", r.action),
            help,
        ),
        Some((ids, firewall)) => {
            let refused = if c.firewall { firewall } else { ids };
            if let Some(m) = refused {
                f.error(at, Code::RuleHeader, format!("action: {}", strip(m)), help);
            }
        }
    }
}

fn protocol(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    let at = r.spans.protocol.start;
    let written = r.protocol.to_ascii_lowercase();
    let (proto, hook) = match written.split_once(':') {
        Some((p, h)) => (p, Some(h)),
        None => (written.as_str(), None),
    };
    match c.t.protocols.get(proto) {
        None => {
            return f.error(
                at,
                Code::RuleHeader,
                format!("`{proto}` is not a protocol Suricata detects"),
                "use an IP-level protocol (ip, tcp, udp, icmp...) or an app-layer protocol (http, dns, tls...)",
            )
        }
        Some(Some(m)) if c.t.disabled.contains(proto) => {
            return f.error(
                at,
                Code::DisabledProtocol,
                format!(
                    "the app-layer protocol `{proto}` is disabled in the packaged suricata.yaml ({})",
                    first_sentence(m)
                ),
                &format!("enable it (`app-layer.protocols.{proto}.enabled: yes`) in suricata.yaml, or match it on `tcp`/`udp`"),
            )
        }
        Some(Some(m)) => {
            return f.error(
                at,
                Code::RuleHeader,
                format!("protocol: {}", first_sentence(m)),
                "use an IP-level protocol (ip, tcp, udp, icmp...) or an app-layer protocol (http, dns, tls...)",
            )
        }
        Some(None) => {}
    }
    if let Some(hook) = hook {
        hook_check(c, proto, hook, at, f);
    }
}

fn hook_check(c: &Ctx<'_>, proto: &str, hook: &str, at: usize, f: &mut Findings) {
    let help = "hooks exist in Suricata 8 only: packet hooks flow_start, pre_flow, pre_stream, all; app-layer hooks request_started/complete, response_started/complete and the states of `suricata --list-app-layer-hooks`";
    if c.v == super::Version::V7 {
        return f.error(
            at,
            Code::RuleHeader,
            format!("`{proto}:{hook}` is a hook, which Suricata 7 does not have"),
            help,
        );
    }
    // `proto:<hook`: every state up to the hook (8.0.6).
    let hook = hook.strip_prefix('<').unwrap_or(hook);
    let key = format!("{proto}:{hook}");
    if let Some((ids, firewall)) = c.t.hooks.get(&key) {
        if let Some(m) = if c.firewall { firewall } else { ids } {
            f.error(at, Code::RuleHeader, format!("hook: {}", strip(m)), help);
        }
        return;
    }
    let known = if IP_PROTOCOLS.contains(&proto) {
        PACKET_HOOKS.contains(&hook)
    } else {
        APP_HOOKS.contains(&hook) || c.t.listed_hooks.contains(&key)
    };
    if !known {
        f.error(
            at,
            Code::RuleHeader,
            format!("protocol `{proto}` has no hook `{hook}`"),
            help,
        );
    }
}

fn direction(c: &Ctx<'_>, r: &ParsedRule, f: &mut Findings) {
    if r.direction != Direction::Transactional {
        return;
    }
    if c.v == super::Version::V8 {
        // A transactional rule matches a request and its response: it needs app-layer
        // keywords (buffers), at least one per direction; with none it cannot.
        let buffers = r.options.iter().any(|o| {
            c.t.keyword(&o.keyword)
                .is_some_and(|k| k.sticky_buffer || k.content_modifier)
        });
        if !buffers {
            f.error(
                r.spans.direction.start,
                Code::RuleHeader,
                "a transactional rule (`=>`) should use both directions, but has no app-layer keyword (the rule should use both directions, but does not)",
                "match a request buffer and a response buffer, or write `->`",
            );
        }
    } else {
        f.error(
            r.spans.direction.start,
            Code::RuleHeader,
            "`=>` (a transactional rule) is new in Suricata 8: \"=>\" is not a valid direction modifier",
            "write `->` (or `<>`) for Suricata 7",
        );
    }
}

fn address(c: &Ctx<'_>, a: &Address, at: usize, f: &mut Findings) {
    match a {
        Address::Var(v) if !c.t.address_vars.contains(v) => f.error(
            at,
            Code::UndefinedVariable,
            format!("the address variable `${v}` is not defined in the packaged suricata.yaml"),
            &format!("define `{v}` under vars.address-groups in suricata.yaml, or write the addresses"),
        ),
        Address::Not(inner) if matches!(**inner, Address::Any) => f.error(
            at,
            Code::RuleHeader,
            "`!any` negates the whole IP space: the rule could never match (Complete IP space negated)",
            "name the addresses to exclude, e.g. `!$HOME_NET`",
        ),
        Address::Range(a, b) if a.is_ipv4() != b.is_ipv4() => f.error(
            at,
            Code::RuleHeader,
            format!("`{a}-{b}` mixes IPv4 and IPv6"),
            "write a range of two addresses of the same family",
        ),
        Address::List(items) => items.iter().for_each(|i| address(c, i, at, f)),
        Address::Not(inner) => address(c, inner, at, f),
        _ => {}
    }
}

fn port(c: &Ctx<'_>, p: &Port, at: usize, f: &mut Findings) {
    match p {
        Port::Var(v) if !c.t.port_vars.contains(v) => f.error(
            at,
            Code::UndefinedVariable,
            format!("the port variable `${v}` is not defined in the packaged suricata.yaml"),
            &format!("define `{v}` under vars.port-groups in suricata.yaml, or write the ports"),
        ),
        Port::Range(Some(a), Some(b)) if a > b => f.error(
            at,
            Code::RuleHeader,
            format!("the port range `{a}:{b}` starts above its end (failed to parse port)"),
            "write the lower port first",
        ),
        Port::Not(inner) if matches!(**inner, Port::Any) => f.error(
            at,
            Code::RuleHeader,
            "`!any` negates every port (Complete port space is negated)",
            "name the ports to exclude",
        ),
        Port::List(items) => items.iter().for_each(|i| port(c, i, at, f)),
        Port::Not(inner) => port(c, inner, at, f),
        _ => {}
    }
}

/// An engine message without its sid placeholder.
fn strip(m: &str) -> String {
    m.replace("rule <sid> ", "the rule ")
}

/// The first sentence of an engine message (its long "Either ..." advice is replaced by
/// our help).
fn first_sentence(m: &str) -> &str {
    m.split(".  ").next().unwrap_or(m)
}
