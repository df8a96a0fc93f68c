//! The `policy` block: SID range, allowlist (networks and domains), blockable prefix lengths,
//! targets, rail overrides (for networks and domains), the RPZ action.

use super::values::short;
use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::model::raw::{RawOverride, RawPolicy, RawPrefixLimits, RawSuricataPolicy};
use crate::model::{
    NameOverride, NetworkShape, Override, Policy, PrefixLimits, RpzAction, SuricataPolicy,
};

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
/// Name rails an override may lift (`policy.overrides` with `domain`), and the known-benign
/// check.
pub const NAME_RAILS: &[&str] = &["public-suffix", "allowlist", "reference-host", "benign"];
/// The words of `policy.rpz-action`.
pub const RPZ_ACTIONS: &[&str] = &["nxdomain", "nodata", "drop", "redirect"];

/// A parsed `overrides` entry: for a network or for a domain.
enum AnyOverride {
    Network(Override),
    Name(NameOverride),
}

pub(super) fn policy(cx: &mut Ctx<'_>, p: &RawPolicy, known_targets: &[&str]) -> Option<Policy> {
    let mut ok = true;
    let (sid_first, sid_last) = sid_range(cx, p.sid_range.as_deref(), &mut ok);
    let (mut allowlist, mut allowlist_names) = (Vec::new(), Vec::new());
    for (i, a) in p.allowlist.iter().enumerate() {
        let path = format!("policy.allowlist[{i}]");
        if looks_like_domain(a) {
            match super::check_domain(a) {
                Ok(d) => allowlist_names.push(d),
                Err((offset, why)) => {
                    cx.push(
                        Diagnostic::new(Code::InvalidDomain, format!("`{}` is neither an address nor a domain name: {why}", short(a)))
                            .at_path_offset(path, offset)
                            .help("an allowlist entry is an address (203.0.113.7), a canonical network (203.0.113.0/24) or a domain (partner.example.com, with every name under it)"),
                    );
                    ok = false;
                }
            }
        } else {
            match cx.address_or_network(&path, a) {
                Some(n) => allowlist.push(n),
                None => ok = false,
            }
        }
    }
    let (widest, narrowest) = prefix_limits(cx, p, &mut ok);
    let targets = targets(cx, p.targets.as_deref(), known_targets, &mut ok);
    let (mut overrides, mut name_overrides) = (Vec::new(), Vec::new());
    for (i, o) in p.overrides.iter().enumerate() {
        match rail_override(cx, &format!("policy.overrides[{i}]"), o) {
            Some(AnyOverride::Network(o)) => overrides.push(o),
            Some(AnyOverride::Name(o)) => name_overrides.push(o),
            None => ok = false,
        }
    }
    let suricata = suricata(cx, p.suricata.as_ref(), &mut ok);
    let rpz_action = rpz_action(cx, p, &mut ok);
    ok.then_some(Policy {
        sid_first,
        sid_last,
        allowlist,
        allowlist_names,
        widest_prefix: widest,
        narrowest_prefix: narrowest,
        targets,
        large_list_threshold: p.large_list_threshold.unwrap_or(DEFAULT_LARGE_LIST),
        overrides,
        suricata,
        name_overrides,
        rpz_action,
    })
}

/// Largest dataset hashsize Suricata 8's packaged `suricata.yaml` accepts
/// (`datasets.limits.single-hashsize`).
pub const DEFAULT_MAX_HASHSIZE: u32 = 65_536;
/// Suricata 7's packaged limit: above the default, packs load in Suricata 7 only.
pub const SURICATA7_MAX_HASHSIZE: u32 = 262_144;

/// `policy.suricata`: the shapes of large lists in the Suricata pack.
fn suricata(cx: &mut Ctx<'_>, raw: Option<&RawSuricataPolicy>, ok: &mut bool) -> SuricataPolicy {
    let mut out = SuricataPolicy {
        networks: NetworkShape::Rules,
        max_hashsize: DEFAULT_MAX_HASHSIZE,
    };
    let Some(raw) = raw else { return out };
    match raw.networks.as_deref() {
        None | Some("rules") => {}
        Some("iprep") => out.networks = NetworkShape::Iprep,
        Some(other) => {
            let _: Option<()> = cx.bad_word(
                format_args!("policy.suricata.networks"),
                other,
                "network shape",
                &["rules", "iprep"],
            );
            *ok = false;
        }
    }
    if let Some(n) = raw.max_hashsize {
        if n.is_power_of_two() && (1024..=SURICATA7_MAX_HASHSIZE).contains(&n) {
            out.max_hashsize = n;
        } else {
            cx.push(
                Diagnostic::new(
                    Code::InvalidPolicy,
                    format!("`{n}` is not a dataset hashsize iocc writes"),
                )
                .at_path("policy.suricata.max-hashsize")
                .help("use a power of two from 1024 to 262144; 65536 (the default) loads in Suricata 7 and 8, more in Suricata 7 only"),
            );
            *ok = false;
        }
    }
    out
}

/// An allowlist entry is a domain when it holds a letter and reads as no address: no `:`
/// (IPv6) and no `/` (a network). Anything else is parsed, and reported, as an address.
fn looks_like_domain(s: &str) -> bool {
    !s.contains([':', '/']) && s.chars().any(|c| c.is_alphabetic())
}

/// `rpz-action` and `rpz-redirect`: a known action, and a walled-garden host exactly when the
/// action is `redirect`.
fn rpz_action(cx: &mut Ctx<'_>, p: &RawPolicy, ok: &mut bool) -> RpzAction {
    let word = p.rpz_action.as_deref().unwrap_or("nxdomain");
    let action = match word {
        "nxdomain" => RpzAction::Nxdomain,
        "nodata" => RpzAction::Nodata,
        "drop" => RpzAction::Drop,
        "redirect" => RpzAction::Redirect(String::new()),
        _ => {
            cx.bad_word::<()>("policy.rpz-action", word, "RPZ action", RPZ_ACTIONS);
            *ok = false;
            return RpzAction::Nxdomain;
        }
    };
    let pair = |cx: &mut Ctx<'_>, path: &str, msg: &str| {
        cx.push(
            Diagnostic::new(Code::InvalidPolicy, msg)
                .at_path(path)
                .help("write `rpz-action: redirect` and `rpz-redirect: garden.example.net` together, or no `rpz-redirect`"),
        );
    };
    match (action, &p.rpz_redirect) {
        (RpzAction::Redirect(_), Some(host)) => {
            if let Some(d) = cx.domain("policy.rpz-redirect", host) {
                return RpzAction::Redirect(d);
            }
        }
        (RpzAction::Redirect(_), None) => pair(
            cx,
            "policy.rpz-action",
            "`rpz-action: redirect` needs `rpz-redirect`, the walled-garden host to answer with",
        ),
        (_, Some(_)) => pair(
            cx,
            "policy.rpz-redirect",
            "`rpz-redirect` is only used with `rpz-action: redirect`",
        ),
        (a, None) => return a,
    }
    *ok = false;
    RpzAction::Nxdomain
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

/// One `overrides` entry: a network or a domain, a rail known for it, and a reason.
fn rail_override(cx: &mut Ctx<'_>, path: &str, o: &RawOverride) -> Option<AnyOverride> {
    let mut ok = true;
    let (net, name, rails, what) = match (&o.network, &o.domain) {
        (Some(n), None) => (
            cx.network(format_args!("{path}.network"), n),
            None,
            RAILS,
            "safety rail",
        ),
        (None, Some(d)) => (
            None,
            cx.domain(format_args!("{path}.domain"), d),
            NAME_RAILS,
            "name safety rail",
        ),
        _ => {
            cx.push(
                Diagnostic::new(Code::InvalidPolicy, "an override names a `network` or a `domain`, exactly one")
                    .at_path(path)
                    .help("write `{network: 192.0.2.0/24, rail: documentation, reason: ...}` or `{domain: example.co.uk, rail: public-suffix, reason: ...}`"),
            );
            return None;
        }
    };
    if !rails.contains(&o.rail.as_str()) {
        cx.bad_word::<()>(format_args!("{path}.rail"), &o.rail, what, rails);
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
    let (rail, reason) = (o.rail.clone(), o.reason.clone());
    match (net, name) {
        (Some(network), _) if ok => Some(AnyOverride::Network(Override {
            network,
            rail,
            reason,
        })),
        (_, Some(domain)) if ok => Some(AnyOverride::Name(NameOverride {
            domain,
            rail,
            reason,
        })),
        _ => None,
    }
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
