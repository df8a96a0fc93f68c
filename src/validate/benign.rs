//! The `benign-indicator` check of `iocc check` and `iocc build`: every indicator and bulk
//! entry is screened against the shipped warninglists (`crate::benign`).
//!
//! Guarantees: a match is an error for a `block` item (a known-benign value in a block list is
//! an outage) and a warning for `alert` and `monitor`; each names the list, its version and the
//! matching entry, and points at the indicator's YAML value or the bulk file's line. A match is
//! lifted only by a `policy.overrides` entry with rail `benign` whose `network` contains the
//! address or network, or whose `domain` is the domain (or URL host) or a parent of it.
//! Addresses in the special-purpose lists (RFC 1918, 5735, ...) are left to the firewall safety
//! rails, which refuse them in block lists with the precise rail (and allow them in alert and
//! monitor items); so is a `block` entry the rails refuse for another reason (too wide, a
//! default route, allowlisted). Diagnostics are capped at [`MAX_REPORTED`], then counted.

use ipnet::IpNet;

use super::short;
use crate::benign::{url_host, Category, Hit, Screen, RAIL};
use crate::diag::{At, Code, Diagnostic};
use crate::model::{Action, BulkList, Indicator, Meta, Observable, Origin, Policy};

/// Diagnostics reported per catalogue before the rest are only counted.
pub const MAX_REPORTED: usize = 50;

/// What was matched, for the message and the override.
enum Value<'a> {
    Net(IpNet),
    Domain(&'a str),
    Url(&'a str),
}

/// Screens a validated catalogue's indicators and bulk entries.
pub fn screen(indicators: &[Indicator], bulk: &[BulkList], policy: &Policy) -> Vec<Diagnostic> {
    if indicators.is_empty()
        && bulk
            .iter()
            .all(|b| b.networks.is_empty() && b.domains.is_empty())
    {
        return Vec::new();
    }
    let screen = Screen::shipped();
    let mut out = Report::default();
    for ind in indicators {
        let value = match &ind.observable {
            Observable::Address(a) => Value::Net(IpNet::from(*a)),
            Observable::Network(n) => Value::Net(*n),
            Observable::Domain(d) => Value::Domain(d),
            Observable::Url(u) => Value::Url(u),
            // The shipped lists hold no file hashes.
            Observable::FileHash { .. } | Observable::Port { .. } => continue,
        };
        if let Some(hit) = matched(screen, &value, ind.meta.action, policy) {
            let what = format!("indicator `{}`", ind.id);
            out.push(&ind.meta, || {
                diagnostic(&value, &hit, &ind.meta, &what).at_origin(&ind.origin)
            });
        }
    }
    for list in bulk {
        let what = format!("bulk list `{}`", list.id);
        // Entries are kept sorted by value; the findings are reported in line order.
        let mut hits: Vec<(u32, Value<'_>, Hit<'_>)> = Vec::new();
        for (net, line) in list.networks.iter() {
            let value = Value::Net(net);
            if let Some(hit) = matched(screen, &value, list.meta.action, policy) {
                hits.push((line, value, hit));
            }
        }
        for (domain, line) in list.domains.iter() {
            let value = Value::Domain(domain);
            if let Some(hit) = matched(screen, &value, list.meta.action, policy) {
                hits.push((line, value, hit));
            }
        }
        hits.sort_by_key(|h| h.0);
        for (line, value, hit) in hits {
            out.push(&list.meta, || {
                diagnostic(&value, &hit, &list.meta, &what)
                    .in_file(&list.file)
                    .at(At::Line(line))
            });
        }
    }
    out.finish()
}

#[derive(Default)]
struct Report {
    diags: Vec<Diagnostic>,
    more_errors: usize,
    more_warnings: usize,
}

impl Report {
    /// Keeps a diagnostic (made only when it will be shown) or counts it.
    fn push(&mut self, meta: &Meta, make: impl FnOnce() -> Diagnostic) {
        if self.diags.len() < MAX_REPORTED {
            self.diags.push(make());
        } else if meta.action == Action::Block {
            self.more_errors += 1;
        } else {
            self.more_warnings += 1;
        }
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        let help = "fix the entries above first; the next check reports the rest";
        if self.more_errors > 0 {
            self.diags.push(
                Diagnostic::error(
                    Code::BenignIndicator,
                    format!(
                        "{} more block entries are on known-benign lists",
                        self.more_errors
                    ),
                )
                .help(help),
            );
        }
        if self.more_warnings > 0 {
            self.diags.push(
                Diagnostic::new(
                    Code::BenignIndicator,
                    format!(
                        "{} more alert or monitor entries are on known-benign lists",
                        self.more_warnings
                    ),
                )
                .as_warning()
                .help(help),
            );
        }
        self.diags
    }
}

trait AtOrigin {
    fn at_origin(self, origin: &Origin) -> Self;
}

impl AtOrigin for Diagnostic {
    fn at_origin(self, origin: &Origin) -> Diagnostic {
        match origin {
            Origin::Yaml { file, path } => self.in_file(file).at_path(path.clone()),
            Origin::Bulk { file, line } => self.in_file(file).at(At::Line(*line)),
        }
    }
}

/// The warninglist hit of an indicator value with this action under this policy, as `iocc
/// check` reports it (unless an override lifts it or the safety rails own it).
pub fn value_hit(o: &Observable, action: Action, policy: &Policy) -> Option<Hit<'static>> {
    let value = match o {
        Observable::Address(a) => Value::Net(IpNet::from(*a)),
        Observable::Network(n) => Value::Net(*n),
        Observable::Domain(d) => Value::Domain(d),
        Observable::Url(u) => Value::Url(u),
        Observable::FileHash { .. } | Observable::Port { .. } => return None,
    };
    matched(Screen::shipped(), &value, action, policy)
}

/// Whether the firewall safety rails refuse a block entry for a reason of the policy's own
/// (wider or narrower than `widest-prefix`/`narrowest-prefix`, a default route, inside or
/// around the allowlist) that no override lifts: the rails (`blocklist::rails`,
/// which validation may not import) report it with the precise rail, so the known-benign
/// check stays quiet. Special-purpose ranges are excluded by their list's category instead.
fn rails_refuse(policy: &Policy, net: IpNet) -> bool {
    if !policy.targets.iter().any(|t| t == "firewall") {
        return false;
    }
    let (widest, narrowest) = match net {
        IpNet::V4(_) => (policy.widest_prefix.ipv4, policy.narrowest_prefix.ipv4),
        IpNet::V6(_) => (policy.widest_prefix.ipv6, policy.narrowest_prefix.ipv6),
    };
    let lifted = |rail: &str| {
        policy
            .overrides
            .iter()
            .any(|o| o.rail == rail && o.network.contains(&net))
    };
    net.prefix_len() == 0
        || (net.prefix_len() < widest && !lifted("too-wide"))
        || (net.prefix_len() > narrowest && !lifted("too-narrow"))
        || (policy
            .allowlist
            .iter()
            .any(|a| a.contains(&net) || net.contains(a))
            && !lifted("allowlist"))
}

/// The hit of `value`, unless an override lifts it or the safety rails own it.
fn matched<'s>(
    screen: &'s Screen,
    value: &Value<'_>,
    action: Action,
    policy: &Policy,
) -> Option<Hit<'s>> {
    let hit = match value {
        Value::Net(n) => screen.network(*n),
        Value::Domain(d) => screen.domain(d),
        Value::Url(u) => screen.url(u),
    }?;
    if let Value::Net(net) = value {
        // Special-purpose ranges are the safety rails' business: in a block list they are
        // refused with the precise rail, and in alert and monitor items they are legitimate
        // (an internal host to watch). A block entry the rails refuse for any other reason
        // (too wide, a default route, allowlisted) is also theirs to report.
        if hit.list.category == Some(Category::SpecialPurpose) {
            return None;
        }
        if action == Action::Block && rails_refuse(policy, *net) {
            return None;
        }
        let lifted = policy
            .overrides
            .iter()
            .any(|o| o.rail == RAIL && o.network.contains(net));
        return (!lifted).then_some(hit);
    }
    let name = match value {
        Value::Domain(d) => Some((*d).to_owned()),
        Value::Url(u) => url_host(u),
        Value::Net(_) => None,
    };
    let lifted = name.is_some_and(|n| {
        policy
            .name_overrides
            .iter()
            .filter(|o| o.rail == RAIL)
            .any(|o| n == o.domain || n.ends_with(&format!(".{}", o.domain)))
    });
    (!lifted).then_some(hit)
}

fn diagnostic(value: &Value<'_>, hit: &Hit<'_>, meta: &Meta, what: &str) -> Diagnostic {
    let (shown, lift) = match value {
        Value::Net(n) => {
            let shown = if n.prefix_len() == n.max_prefix_len() {
                n.addr().to_string()
            } else {
                n.to_string()
            };
            (
                shown,
                Some(format!("{{network: {n}, rail: benign, reason: \"...\"}}")),
            )
        }
        Value::Domain(d) => (
            (*d).to_owned(),
            Some(format!("{{domain: {d}, rail: benign, reason: \"...\"}}")),
        ),
        Value::Url(u) => (
            short(u),
            url_host(u).map(|h| format!("{{domain: {h}, rail: benign, reason: \"...\"}}")),
        ),
    };
    let entry = if hit.entry == shown {
        String::new()
    } else {
        format!(" (entry `{}`)", short(hit.entry))
    };
    let message = format!(
        "`{shown}` of {what} is on the known-benign list {}{entry}",
        hit.describe()
    );
    let lift = match lift {
        Some(l) => format!("; if it is really meant, lift the check explicitly: `policy.overrides: [{l}]` (output headers then print it)"),
        None => String::new(),
    };
    if meta.action == Action::Block {
        Diagnostic::error(Code::BenignIndicator, message).help(format!(
            "blocking a known-benign value causes outages and false positives: remove it or use `action: alert`{lift}"
        ))
    } else {
        Diagnostic::new(Code::BenignIndicator, message)
            .as_warning()
            .help(format!(
                "a known-benign value alerts on ordinary traffic: check the source{lift}"
            ))
    }
}
