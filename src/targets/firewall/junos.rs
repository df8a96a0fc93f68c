//! Juniper JunOS in set format: one prefix list and one firewall filter per family, with its
//! delta.
//!
//! Guarantees: every prefix is written with its length (`a.b.c.d/32` for a host), each
//! filter discards traffic from and to its prefix list with a counter per direction and ends
//! with an accept term; `delete` lines first make a reload replace an earlier version within
//! the same commit. A family with nothing to block gets no prefix list or filter.

use serde::Serialize;

use super::{block, Delta, Header, Names, Plan};
use crate::diag::Diagnostic;
use crate::model::Catalogue;
use crate::render::{safe, Template, Templates};
use crate::targets::OutputFile;

pub const TEMPLATE: Template = crate::template!("firewall/firewall.junos.j2");

#[derive(Serialize)]
struct Family<'a> {
    family: &'static str,
    list: &'a str,
    filter: &'a str,
    counter_from: String,
    counter_to: String,
    entries: minijinja::Value,
}

fn entry(list: &str, prefix: &str) -> String {
    format!("set policy-options prefix-list {list} {prefix}")
}

pub fn render(
    c: &Catalogue,
    plan: &Plan,
    h: &Header,
    t: &Templates,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let n = &plan.names;
    let l = &plan.list;
    let mut families = Vec::new();
    if !l.v4.is_empty() {
        families.push(Family {
            family: "inet",
            list: &n.junos_list_v4,
            filter: &n.junos_filter_v4,
            counter_from: format!("{}-FROM", n.junos_filter_v4),
            counter_to: format!("{}-TO", n.junos_filter_v4),
            entries: safe(block(
                l.v4.iter()
                    .map(|p| entry(&n.junos_list_v4, &crate::net::V4Net(*p).to_string())),
            )),
        });
    }
    if !l.v6.is_empty() {
        families.push(Family {
            family: "inet6",
            list: &n.junos_list_v6,
            filter: &n.junos_filter_v6,
            counter_from: format!("{}-FROM", n.junos_filter_v6),
            counter_to: format!("{}-TO", n.junos_filter_v6),
            entries: safe(block(
                l.v6.iter().map(|p| entry(&n.junos_list_v6, &p.to_string())),
            )),
        });
    }
    let text = t.render(TEMPLATE.name, &minijinja::context! { h => super::ser(h), n => super::ser(n), families => super::ser(&families) })?;
    Ok(vec![OutputFile {
        path: format!("{}.junos", c.id),
        contents: text.into_bytes(),
    }])
}

/// `load set` lines editing the prefix lists (adds first, then deletes; one commit).
pub fn delta(d: &Delta, n: &Names) -> String {
    let mut out = String::from("# configure; load set terminal; paste; commit check; commit\n");
    let v4: Vec<(String, String)> = d
        .add_v4
        .iter()
        .map(|p| (n.junos_list_v4.clone(), p.to_string()))
        .collect();
    let v6: Vec<(String, String)> = d
        .add_v6
        .iter()
        .map(|p| (n.junos_list_v6.clone(), p.to_string()))
        .collect();
    let r4: Vec<(String, String)> = d
        .del_v4
        .iter()
        .map(|p| (n.junos_list_v4.clone(), p.to_string()))
        .collect();
    let r6: Vec<(String, String)> = d
        .del_v6
        .iter()
        .map(|p| (n.junos_list_v6.clone(), p.to_string()))
        .collect();
    let mut adds = Vec::new();
    let mut dels = Vec::new();
    for (old, new, family, filter, list, add, del) in [
        (
            d.old_v4,
            d.new_v4,
            "inet",
            &n.junos_filter_v4,
            &n.junos_list_v4,
            v4,
            r4,
        ),
        (
            d.old_v6,
            d.new_v6,
            "inet6",
            &n.junos_filter_v6,
            &n.junos_list_v6,
            v6,
            r6,
        ),
    ] {
        if old == 0 && new > 0 {
            out.push_str(&format!(
                "# the family {family} list is new: load the family {family} part of the full file\n"
            ));
        } else if old > 0 && new == 0 {
            out.push_str(&format!(
                "# the family {family} list is now empty: unbind the filter from its interfaces, then\n"
            ));
            dels.push(format!("delete firewall family {family} filter {filter}"));
            dels.push(format!("delete policy-options prefix-list {list}"));
        } else {
            adds.extend(add.into_iter().map(|(l, p)| entry(&l, &p)));
            dels.extend(
                del.into_iter()
                    .map(|(l, p)| format!("delete policy-options prefix-list {l} {p}")),
            );
        }
    }
    for line in adds.into_iter().chain(dels) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}
