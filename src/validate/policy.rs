//! The `policy` block: SID range, allowlist, blockable prefix lengths, targets, overrides.

use super::values::short;
use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::raw::{RawOverride, RawPolicy, RawPrefixLimits};
use crate::model::{DomainOverride, Override, Policy, PrefixLimits};

pub const DEFAULT_SID_RANGE: (u32, u32) = (1_000_000, 1_999_999);
pub const DEFAULT_WIDEST: PrefixLimits = PrefixLimits { ipv4: 16, ipv6: 32 };
pub const DEFAULT_NARROWEST: PrefixLimits = PrefixLimits {
    ipv4: 32,
    ipv6: 128,
};
pub const DEFAULT_LARGE_LIST: u32 = 100;
/// Rails an override may lift.
pub const RAILS: &[&str] = &[
    "too-wide",
    "too-narrow",
    "private",
    "loopback",
    "link-local",
    "multicast",
    "cgnat",
    "documentation",
    "reserved",
    "allowlist",
    "benign",
];

pub(super) fn policy(cx: &mut Ctx<'_>, p: &RawPolicy, known_targets: &[&str]) -> Option<Policy> {
    let mut ok = true;
    let (sid_first, sid_last) = sid_range(cx, p.sid_range.as_deref(), &mut ok);
    let mut allowlist = Vec::new();
    for (i, a) in p.allowlist.iter().enumerate() {
        match cx.address_or_network(format_args!("policy.allowlist[{i}]"), a) {
            Some(n) => allowlist.push(n),
            None => ok = false,
        }
    }
    let (widest, narrowest) = prefix_limits(cx, p, &mut ok);
    let targets = targets(cx, p.targets.as_deref(), known_targets, &mut ok);
    let mut overrides = Vec::new();
    let mut domain_overrides = Vec::new();
    for (i, o) in p.overrides.iter().enumerate() {
        match rail_override(cx, &format!("policy.overrides[{i}]"), o) {
            Some(Lifted::Network(o)) => overrides.push(o),
            Some(Lifted::Domain(o)) => domain_overrides.push(o),
            None => ok = false,
        }
    }
    ok.then_some(Policy {
        sid_first,
        sid_last,
        allowlist,
        widest_prefix: widest,
        narrowest_prefix: narrowest,
        targets,
        large_list_threshold: p.large_list_threshold.unwrap_or(DEFAULT_LARGE_LIST),
        overrides,
        domain_overrides,
    })
}

/// `sid-range: FIRST-LAST`, or the local range.
fn sid_range(cx: &mut Ctx<'_>, raw: Option<&str>, ok: &mut bool) -> (u32, u32) {
    let Some(s) = raw else {
        return DEFAULT_SID_RANGE;
    };
    let parsed = s
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((a, b)) if a >= 1 && a <= b => (a, b),
        _ => {
            cx.push(
                Diagnostic::new(Code::InvalidPolicy, format!("`{}` is not a SID range", short(s)))
                    .at_path("policy.sid-range")
                    .help("write FIRST-LAST with 1 <= FIRST <= LAST, e.g. 1000000-1999999 (the local range)"),
            );
            *ok = false;
            DEFAULT_SID_RANGE
        }
    }
}

/// `widest-prefix` and `narrowest-prefix`, each per family, the widest no narrower.
fn prefix_limits(cx: &mut Ctx<'_>, p: &RawPolicy, ok: &mut bool) -> (PrefixLimits, PrefixLimits) {
    let widest = limits(
        cx,
        "policy.widest-prefix",
        p.widest_prefix.as_ref(),
        DEFAULT_WIDEST,
        ok,
    );
    let narrowest = limits(
        cx,
        "policy.narrowest-prefix",
        p.narrowest_prefix.as_ref(),
        DEFAULT_NARROWEST,
        ok,
    );
    if widest.ipv4 > narrowest.ipv4 || widest.ipv6 > narrowest.ipv6 {
        cx.push(
            Diagnostic::new(
                Code::InvalidPolicy,
                "the widest blockable prefix is narrower than the narrowest",
            )
            // Point at whichever of the two the catalogue sets (one may be a default).
            .at_path(if p.widest_prefix.is_some() {
                "policy.widest-prefix"
            } else {
                "policy.narrowest-prefix"
            })
            .help("widest-prefix must be a shorter (or equal) prefix length than narrowest-prefix"),
        );
        *ok = false;
    }
    (widest, narrowest)
}

/// `targets`: known names, kept in registry order; every target when absent.
fn targets(
    cx: &mut Ctx<'_>,
    raw: Option<&[String]>,
    known_targets: &[&str],
    ok: &mut bool,
) -> Vec<String> {
    let Some(list) = raw else {
        return known_targets.iter().map(|t| (*t).to_owned()).collect();
    };
    for (i, t) in list.iter().enumerate() {
        if !known_targets.contains(&t.as_str()) {
            cx.push(
                Diagnostic::new(
                    Code::UnknownTarget,
                    format!("`{}` is not a target", short(t)),
                )
                .at_path(format!("policy.targets[{i}]"))
                .help(format!("known targets: {}", known_targets.join(", "))),
            );
            *ok = false;
        }
    }
    known_targets
        .iter()
        .filter(|k| list.iter().any(|t| t == *k))
        .map(|t| (*t).to_owned())
        .collect()
}

/// What an override lifts: a rail (or the known-benign check) in a network, or the
/// known-benign check for a domain.
enum Lifted {
    Network(Override),
    Domain(DomainOverride),
}

/// One `overrides` entry: a network (any rail) or a domain (rail `benign`), a known rail, and
/// a reason.
fn rail_override(cx: &mut Ctx<'_>, path: &str, o: &RawOverride) -> Option<Lifted> {
    let mut ok = true;
    if !RAILS.contains(&o.rail.as_str()) {
        cx.bad_word::<()>(format_args!("{path}.rail"), &o.rail, "safety rail", RAILS);
        ok = false;
    }
    if o.reason.trim().is_empty() {
        cx.push(
            Diagnostic::new(Code::InvalidPolicy, "an override needs a reason")
                .at_path(format!("{path}.reason"))
                .help("say why the rail is lifted; the reason is printed in every output header"),
        );
        ok = false;
    }
    cx.text(
        format_args!("{path}.reason"),
        &o.reason,
        super::values::MAX_SHORT,
    );
    let lifted = match (&o.network, &o.domain) {
        (Some(n), None) => Lifted::Network(Override {
            network: cx.network(format_args!("{path}.network"), n)?,
            rail: o.rail.clone(),
            reason: o.reason.clone(),
        }),
        (None, Some(d)) if o.rail == crate::benign::RAIL => Lifted::Domain(DomainOverride {
            domain: cx.domain(format_args!("{path}.domain"), d)?,
            reason: o.reason.clone(),
        }),
        (None, Some(_)) => {
            cx.push(
                Diagnostic::new(Code::InvalidPolicy, format!("rail `{}` is lifted per network, not per domain", short(&o.rail)))
                    .at_path(format!("{path}.domain"))
                    .help("only the known-benign check (`rail: benign`) is lifted per domain; give a `network` for a safety rail"),
            );
            return None;
        }
        (n, _) => {
            let message = if n.is_some() {
                "an override names both a network and a domain"
            } else {
                "an override names neither a network nor a domain"
            };
            cx.push(
                Diagnostic::new(Code::InvalidPolicy, message)
                    .at_path(path.to_owned())
                    .help("give one `network` (any rail) or one `domain` (rail `benign`) per override"),
            );
            return None;
        }
    };
    ok.then_some(lifted)
}

fn limits(
    cx: &mut Ctx<'_>,
    path: &str,
    raw: Option<&RawPrefixLimits>,
    default: PrefixLimits,
    ok: &mut bool,
) -> PrefixLimits {
    let Some(r) = raw else { return default };
    if r.ipv4 > 32 || r.ipv6 > 128 {
        cx.push(
            Diagnostic::new(
                Code::InvalidPolicy,
                format!(
                    "prefix lengths ipv4 {} / ipv6 {} are out of range",
                    r.ipv4, r.ipv6
                ),
            )
            .at_path(path)
            .help("IPv4 prefix lengths are 0-32, IPv6 0-128"),
        );
        *ok = false;
        return default;
    }
    PrefixLimits {
        ipv4: r.ipv4,
        ipv6: r.ipv6,
    }
}
