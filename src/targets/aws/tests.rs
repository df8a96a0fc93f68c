//! The profile's grouping and actions, on generated rules.

use super::*;
use crate::rules::model::{Address, Header, Port, Protocol, Rule, RuleOption};

/// A planned IP-only rule whose header lists `nets` /32 addresses (a long line).
fn planned(sid: u32, nets: usize) -> PlannedRule {
    planned_with(sid, nets, None)
}

/// The same with one more option.
fn planned_with(sid: u32, nets: usize, extra: Option<RuleOption>) -> PlannedRule {
    let list = (0..nets)
        .map(|i| {
            Address::Net(
                format!("10.{}.{}.{}/32", sid % 250, i / 250, i % 250)
                    .parse()
                    .unwrap(),
            )
        })
        .collect();
    let mut options = vec![
        RuleOption::Msg(format!("BIG \"list\" group {sid}")),
        RuleOption::Sid(sid),
        RuleOption::Rev(1),
    ];
    options.extend(extra);
    PlannedRule::new(
        format!("list/big/ip-only/v4-{sid}/outbound"),
        (sid, 1),
        Rule {
            header: Header {
                action: Action::Alert,
                protocol: Protocol::Ip,
                source: Address::Var("HOME_NET".into()),
                source_port: Port::Any,
                direction: crate::rules::model::Direction::Forward,
                destination: Address::List(list),
                destination_port: Port::Any,
            },
            options,
        },
    )
}

/// The groups the profile cuts `rules` into, and the rules it refused.
fn grouped(
    rules: &[PlannedRule],
    action: impl Fn(&str) -> Action,
) -> Result<(Vec<Group>, Vec<Skipped>), Vec<Diagnostic>> {
    let mut gs = Vec::new();
    let refused = groups(rules, action, |g| {
        gs.push(g.clone());
        Ok(())
    })?;
    Ok((gs, refused))
}

#[test]
fn large_profiles_split_under_the_limits_and_stably() {
    // About 7 000 characters a rule: 600 rules are over 4 MB of rules.
    let rules: Vec<PlannedRule> = (0..600).map(|k| planned(1_000_000 + k, 400)).collect();
    let total: usize = rules.len() * 7000;
    let (gs, refused) = grouped(&rules, |_| Action::Alert).unwrap();
    assert!(refused.is_empty());
    assert!(gs.len() >= total / GROUP_JSON, "{} groups", gs.len());
    assert_eq!(gs.iter().map(|g| g.count).sum::<usize>(), rules.len());
    for g in &gs {
        assert!(g.lines.len() < 2_000_000 && g.lines.len() <= GROUP_CHARS);
        let json = cfn::json_len(&g.lines);
        assert!(json <= GROUP_JSON, "{json}");
        assert!(g.count <= MAX_CAPACITY);
    }
    // One more rule at the end changes no group before the last.
    let mut more = rules.clone();
    more.push(planned(1_000_600, 400));
    let (gs2, _) = grouped(&more, |_| Action::Alert).unwrap();
    for (a, b) in gs.iter().zip(&gs2).take(gs.len() - 1) {
        assert_eq!(a.lines, b.lines);
    }
}

#[test]
fn capacity_caps_a_group() {
    // Rules are longer than the JSON budget's 30 characters a rule, so the size cuts first;
    // the count still holds a group to the capacity.
    let mut g = Group::new();
    assert!(g.fits("alert ip any any -> any any (sid:1;)", 0));
    g.count = MAX_CAPACITY;
    assert!(!g.fits("alert ip any any -> any any (sid:1;)", 0));
}

#[test]
fn actions_map_and_refusals_name_the_rule() {
    let r = planned(3_000_000, 2);
    let (gs, _) = grouped(std::slice::from_ref(&r), |_| Action::Drop).unwrap();
    assert!(
        gs[0]
            .lines
            .starts_with("drop ip $HOME_NET any -> [10.0.0.0,10.0.0.1]"),
        "{}",
        gs[0].lines
    );
    let r = planned_with(
        3_000_000,
        2,
        Some(RuleOption::Other {
            keyword: "filesha256".into(),
            value: Some("x.sha256".into()),
            quoted: false,
        }),
    );
    let (gs, refused) = grouped(&[r], |_| Action::Alert).unwrap();
    assert!(gs.is_empty());
    assert_eq!(refused[0].id, "big");
    assert!(
        refused[0].reason.contains("sid 3000000") && refused[0].reason.contains("`filesha256`"),
        "{:?}",
        refused
    );
}
