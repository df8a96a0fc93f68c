//! Juniper JunOS in set format: one prefix list and one firewall filter per family, with its
//! delta.
//!
//! Guarantees: every prefix is written with its length (`a.b.c.d/32` for a host), each
//! filter discards traffic from and to its prefix list with a counter per direction and ends
//! with an accept term; `delete` lines first make a reload replace an earlier version within
//! the same commit. A family with nothing to block gets no prefix list or filter.

use serde::Serialize;

use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{lines, ser, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::push_v4_net;
use crate::render::{slot, Escaper, Template};
use crate::targets::Files;

pub struct Junos;

const TEMPLATE: Template = crate::template!("firewall/firewall.junos.j2");
const LIST_V4: Naming = Naming {
    key: "junos_list_v4",
    case: Case::Upper,
    suffix: "-V4",
    max: 64,
};
const LIST_V6: Naming = Naming {
    key: "junos_list_v6",
    case: Case::Upper,
    suffix: "-V6",
    max: 64,
};
const FILTER_V4: Naming = Naming {
    key: "junos_filter_v4",
    case: Case::Upper,
    suffix: "-V4",
    max: 64,
};
const FILTER_V6: Naming = Naming {
    key: "junos_filter_v6",
    case: Case::Upper,
    suffix: "-V6",
    max: 64,
};

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

impl Platform for Junos {
    fn name(&self) -> &'static str {
        "junos"
    }

    fn description(&self) -> &'static str {
        "Juniper JunOS (set format)"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["junos"]
    }

    fn templates(&self) -> &'static [Template] {
        &[TEMPLATE]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_COMMENT>("junos", &["junos"])
    }

    fn object_names(&self) -> &'static [Naming] {
        &[LIST_V4, LIST_V6, FILTER_V4, FILTER_V6]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        let id = &cx.catalogue.id;
        let l = cx.list;
        let (list_v4, list_v6) = (LIST_V4.name(id), LIST_V6.name(id));
        let (filter_v4, filter_v6) = (FILTER_V4.name(id), FILTER_V6.name(id));
        let mut families = Vec::new();
        if !l.v4.is_empty() {
            families.push(family("inet", &list_v4, &filter_v4, 0));
        }
        if !l.v6.is_empty() {
            families.push(family("inet6", &list_v6, &filter_v6, 1));
        }
        let head = |list: &str| format!("set policy-options prefix-list {list} ").into_bytes();
        let (head4, head6) = (head(&list_v4), head(&list_v6));
        let mut v4 = lines(&l.v4, |b, p| {
            b.extend_from_slice(&head4);
            push_v4_net(b, p);
            b.push(b'\n');
        });
        let mut v6 = lines(&l.v6, |b, p| {
            b.extend_from_slice(&head6);
            b.extend_from_slice(p.to_string().as_bytes());
            b.push(b'\n');
        });
        cx.render_to(
            out,
            &format!("{id}.junos"),
            TEMPLATE,
            &minijinja::context! { h => ser(cx.header), n => cx.names(self.object_names()), families => ser(&families) },
            &mut [&mut v4, &mut v6],
        )
    }

    /// `load set` lines editing the prefix lists (adds first, then deletes; one commit).
    fn delta(&self, d: &Delta, h: &Header) -> String {
        let id = &h.catalogue;
        let (list_v4, list_v6) = (LIST_V4.name(id), LIST_V6.name(id));
        let (filter_v4, filter_v6) = (FILTER_V4.name(id), FILTER_V6.name(id));
        let mut out = String::from("# configure; load set terminal; paste; commit check; commit\n");
        let mut adds = Vec::new();
        let mut dels = Vec::new();
        let v4 =
            |v: &[ipnet::Ipv4Net]| -> Vec<String> { v.iter().map(ToString::to_string).collect() };
        let v6 =
            |v: &[ipnet::Ipv6Net]| -> Vec<String> { v.iter().map(ToString::to_string).collect() };
        for (old, new, family, filter, list, add, del) in [
            (
                d.old_v4,
                d.new_v4,
                "inet",
                &filter_v4,
                &list_v4,
                v4(&d.add_v4),
                v4(&d.del_v4),
            ),
            (
                d.old_v6,
                d.new_v6,
                "inet6",
                &filter_v6,
                &list_v6,
                v6(&d.add_v6),
                v6(&d.del_v6),
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
                adds.extend(add.iter().map(|p| entry(list, p)));
                dels.extend(
                    del.iter()
                        .map(|p| format!("delete policy-options prefix-list {list} {p}")),
                );
            }
        }
        for line in adds.into_iter().chain(dels) {
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// A family's part of the file; its prefix-list entries stream from block `slot`.
fn family<'a>(family: &'static str, list: &'a str, filter: &'a str, entries: usize) -> Family<'a> {
    Family {
        family,
        list,
        filter,
        counter_from: format!("{filter}-FROM"),
        counter_to: format!("{filter}-TO"),
        entries: slot(entries),
    }
}
