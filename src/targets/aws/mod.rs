//! The `aws-network-firewall` target: the catalogue's rules as AWS Network Firewall stateful
//! rule groups (`out/<catalogue>/aws-network-firewall/`), a profile of the Suricata pack.
//!
//! Guarantees:
//! - the rules are the rule plan's IP-only profile ([`crate::rules::lower::lower_ip_only`]):
//!   the Suricata pack's rules with the same SIDs, except that address lists the pack puts in
//!   datasets or iprep become grouped IP-only rules, and domains become a domain list rule
//!   group; each is written by the [`AwsNetworkFirewall`] dialect, which refuses every keyword,
//!   protocol and action Network Firewall refuses: such a rule is left out and reported, by
//!   rule, as not carried;
//! - a rule's action follows its item's `action`: `block` becomes `drop`, `alert` and `monitor`
//!   stay `alert` (detections alert);
//! - rule groups are cut, in plan order, so that each `RulesString` holds at most
//!   [`GROUP_CHARS`] characters (under Network Firewall's 2 000 000) and at most
//!   [`MAX_CAPACITY`] rules, and its CloudFormation template stays under CloudFormation's
//!   1 MB: each group is a `<group>.rules` file (for `aws network-firewall create-rule-group
//!   --rules file://...`) and a `cloudformation/<group>.json` template holding the same text;
//! - domains are `RulesSourceList` groups (`TLS_SNI` and `HTTP_HOST`, `DENYLIST`), at most
//!   [`MAX_DOMAINS`] names each, as `<group>.json` (`--rule-group file://...`) and a
//!   template;
//! - every file is JSON written by serde_json or rule text written by the dialect and read
//!   back against the plan ([`crate::rules::verify`]); catalogue text reaches the
//!   templates' `Description` only, cleaned of control characters and bounded.

mod cfn;

use serde::Serialize;

use super::{Files, Item, ItemKind, Skipped, Support, Target, TargetContext, TargetOutput};
use crate::diag::{Code, Diagnostic};
use crate::model::{Action as ItemAction, BulkKind, Catalogue, Observable};
use crate::render::{slot, Escaper};
use crate::rules::dialect::{AwsNetworkFirewall, Dialect};
use crate::rules::model::Action;
use crate::rules::plan::PlannedRule;

pub struct Aws;

const TEMPLATE: crate::render::Template = crate::template!("aws-network-firewall/group.rules.j2");

static ESCAPERS: [Escaper; 1] = [Escaper {
    name: "aws-network-firewall",
    extensions: &["rules"],
    escape: crate::rules::escape::escape_rules,
}];

const DIALECT: AwsNetworkFirewall = AwsNetworkFirewall;

/// Most characters of a group's rules text. Network Firewall takes 2 000 000; the group's
/// CloudFormation template (the text JSON-escaped, quotes doubled) must stay under
/// CloudFormation's 1 000 000 bytes, so the JSON form is held to [`GROUP_JSON`].
pub const GROUP_CHARS: usize = 1_990_000;
/// Most bytes of a group's rules text once JSON-escaped (inside its template).
pub const GROUP_JSON: usize = 900_000;
/// Network Firewall's largest stateful rule group capacity.
pub const MAX_CAPACITY: usize = 30_000;
/// Target types of a domain list group; each domain costs one capacity unit per type.
pub const TARGET_TYPES: [&str; 2] = ["TLS_SNI", "HTTP_HOST"];
/// Most domains in one domain list group.
pub const MAX_DOMAINS: usize = MAX_CAPACITY / TARGET_TYPES.len();

#[derive(Serialize)]
struct View {
    title: String,
    id: String,
    version: String,
    tlp: &'static str,
    advisory: String,
    lock: String,
    group: String,
    rules_count: usize,
    rules: minijinja::Value,
}

fn bug(msg: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(Code::RuleSyntax, msg).help("this is a bug in iocc, please report it")]
}

/// The catalogue item a rule key names (`detection/<id>/...`, `indicator/<id>/...`,
/// `list/<id>/...`).
fn item_of(key: &str) -> &str {
    key.split('/').nth(1).unwrap_or(key)
}

/// The action of a rule in Network Firewall: `drop` for an item whose action is `block`
/// (every indicator of the aggregated indicator lists), `alert` otherwise.
fn action(c: &Catalogue, key: &str) -> Action {
    let id = item_of(key);
    let block = |a: ItemAction| a == ItemAction::Block;
    let blocks = if key.starts_with("indicator/") {
        c.indicators
            .iter()
            .any(|i| i.id == id && block(i.meta.action))
    } else if let Some(rest) = id.strip_prefix("indicators-") {
        let _ = rest;
        let addresses = c.indicators.iter().filter(|i| {
            matches!(
                i.observable,
                Observable::Address(_) | Observable::Network(_)
            )
        });
        addresses.clone().next().is_some() && addresses.clone().all(|i| block(i.meta.action))
    } else if key.starts_with("list/") {
        c.bulk.iter().any(|b| b.id == id && block(b.meta.action))
    } else {
        false
    };
    if blocks {
        Action::Drop
    } else {
        Action::Alert
    }
}

/// One rule group of rules, as it is filled.
#[derive(Clone)]
struct Group {
    lines: String,
    json: usize,
    count: usize,
}

impl Group {
    fn new() -> Group {
        Group {
            lines: String::new(),
            json: 0,
            count: 0,
        }
    }

    fn fits(&self, line: &str, frame: usize) -> bool {
        let json = cfn::json_len(line) + 2;
        self.count < MAX_CAPACITY
            && self.lines.len() + line.len() + 1 + frame <= GROUP_CHARS
            && self.json + json + 2 * frame <= GROUP_JSON
    }

    fn push(&mut self, line: &str) {
        self.json += cfn::json_len(line) + 2;
        self.lines.push_str(line);
        self.lines.push('\n');
        self.count += 1;
    }
}

/// The rules the profile carries, written and checked, cut into groups in plan order; each
/// group goes to `emit` as soon as it is full, so one group is in memory at a time. Returns
/// the rules it refused.
fn groups(
    rules: &[PlannedRule],
    action: impl Fn(&str) -> Action,
    mut emit: impl FnMut(&Group) -> Result<(), Vec<Diagnostic>>,
) -> Result<Vec<Skipped>, Vec<Diagnostic>> {
    // Room for the comment header of a group (the catalogue title is bounded by validation).
    const FRAME: usize = 2048;
    let mut group = Group::new();
    let mut refused = Vec::new();
    for r in rules {
        let mut rule = r.rule().into_owned();
        rule.header.action = action(&r.key);
        let line = match DIALECT.write(&rule) {
            Ok(l) => l,
            Err(u) => {
                refused.push(Skipped::new(
                    item_of(&r.key),
                    format!(
                        "rule sid {} (`{}`) uses `{}`, which AWS Network Firewall refuses",
                        r.sid, r.key, u.keyword
                    ),
                ));
                continue;
            }
        };
        if !group.fits(&line, FRAME) {
            emit(&group)?;
            group = Group::new();
        }
        crate::rules::verify::verify_rule(group.count + 4, &line, (&r.key, &rule), &DIALECT)?;
        group.push(&line);
    }
    if group.count > 0 {
        emit(&group)?;
    }
    Ok(refused)
}

/// The catalogue's domains (indicators, then domain lists), each once, in order.
fn domains<'a>(c: &'a Catalogue) -> Vec<&'a str> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut add = |d: &'a str| {
        if seen.insert(d) {
            out.push(d);
        }
    };
    for i in &c.indicators {
        if let Observable::Domain(d) = &i.observable {
            add(d);
        }
    }
    for b in c.bulk.iter().filter(|b| b.kind == BulkKind::Domain) {
        for (d, _) in b.domains.iter() {
            add(d);
        }
    }
    out
}

/// A group's name: `<catalogue>-<n>` or `<catalogue>-domains-<n>` (Network Firewall allows
/// letters, digits and `-`, at most 128).
fn group_name(c: &Catalogue, kind: &str, n: usize) -> String {
    let id: String =
        c.id.chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
            .take(100)
            .collect();
    format!("{id}{kind}-{n}")
}

/// Writes one rule group: `<name>.rules` (the template around the group's lines) and its
/// CloudFormation template.
fn write_group(
    cx: &TargetContext<'_>,
    out: &mut Files,
    (name, lock): (&str, &str),
    g: &Group,
) -> Result<(), Vec<Diagnostic>> {
    let c = cx.catalogue;
    let view = View {
        title: c.title.clone(),
        id: c.id.clone(),
        version: c.version.to_string(),
        tlp: c.tlp.label(),
        advisory: c.advisory.id.clone(),
        lock: lock.to_owned(),
        group: name.to_owned(),
        rules_count: g.count,
        rules: slot(0),
    };
    let split = cx
        .templates
        .render_split(TEMPLATE.name, &view)
        .map_err(|d| vec![d])?;
    let text = match (split.pieces.as_slice(), split.slots.as_slice()) {
        ([before, after], [0]) => {
            crate::rules::verify::verify_frame(before, after, &DIALECT)?;
            format!("{before}{}{}", g.lines, after.trim_start_matches('\n'))
        }
        _ => return Err(bug("the group template must print its rules once".into())),
    };
    out.put(&format!("{name}.rules"), text.as_bytes())?;
    let template = cfn::rules_template(c, name, g.count, &text);
    out.put(&format!("cloudformation/{name}.json"), &template)?;
    Ok(())
}

impl Target for Aws {
    fn name(&self) -> &'static str {
        "aws-network-firewall"
    }

    fn description(&self) -> &'static str {
        "AWS Network Firewall stateful rule groups (rules and domain lists) with CloudFormation templates"
    }

    fn templates(&self) -> Vec<crate::render::Template> {
        vec![TEMPLATE]
    }

    fn escapers(&self) -> &'static [Escaper] {
        &ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "AWS Network Firewall rule groups: rules files, domain lists and CloudFormation templates"
    }

    fn support(&self, item: &Item) -> Support {
        match item.kind {
            ItemKind::Url => Support::No("URLs are not matched: most traffic is HTTPS, where the firewall sees no URL; block the host or domain instead".into()),
            ItemKind::Port => Support::No(crate::rules::lower::PORT_ALONE.into()),
            k if k.is_hash() => Support::No("AWS Network Firewall refuses Suricata's file keywords (filesha256, filemd5)".into()),
            ItemKind::Domain | ItemKind::DomainList => Support::Partly("a domain list rule group matches TLS SNI and HTTP Host, not DNS lookups".into()),
            _ => Support::Yes,
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        let c = cx.catalogue;
        let plan = cx.rules.ok_or_else(|| {
            bug("the build made no rule plan for the aws-network-firewall target".into())
        })?;
        let lock = plan.lock.file_name();
        let mut n = 0;
        let mut refused = groups(
            &plan.ip_only,
            |key| action(c, key),
            |g| {
                n += 1;
                write_group(cx, out, (&group_name(c, "", n), &lock), g)
            },
        )?;
        let names = domains(c);
        for (n, part) in names.chunks(MAX_DOMAINS).enumerate() {
            let name = group_name(c, "-domains", n + 1);
            out.put(&format!("{name}.json"), &cfn::domain_rule_group(part))?;
            let template = cfn::domains_template(c, &name, part);
            out.put(&format!("cloudformation/{name}.json"), &template)?;
        }
        // What the data keeps out (an empty list) of items this profile carries; for the
        // kinds it cannot carry its own reason stands.
        let carried: std::collections::HashSet<&str> = super::coverage::items(c)
            .filter(|(_, item)| !matches!(self.support(item), Support::No(_)))
            .map(|(id, _)| id)
            .collect();
        refused.extend(
            plan.not_expressed
                .iter()
                .filter(|n| carried.contains(n.id.as_str()))
                .map(|n| Skipped::new(&n.id, &n.reason)),
        );
        Ok(TargetOutput::refusing(refused))
    }
}

#[cfg(test)]
mod tests;
