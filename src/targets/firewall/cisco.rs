//! Cisco outputs: IOS/IOS-XE (object groups + extended ACL, IPv6 object group + `ipv6
//! access-list`) and ASA (object groups with netmasks + one extended access-list), with their
//! deltas.
//!
//! Guarantees: addresses are written in each platform's own notation (IOS object groups and
//! ASA network-objects: `host A` or `A NETMASK` for IPv4, `host A` or `P/L` for IPv6), the
//! ACLs deny both directions and end with an explicit permit, and a family with nothing to
//! block gets no empty object group (IOS deletes empty groups). Deltas edit only the object
//! groups, adding before removing so nothing is unblocked in between.

use ipnet::{Ipv4Net, Ipv6Net};

use super::{block, Delta, Header, Names, Plan};
use crate::diag::Diagnostic;
use crate::model::Catalogue;
use crate::net::V4;
use crate::render::{safe, Template, Templates};
use crate::targets::OutputFile;

pub const IOS: Template = crate::template!("firewall/firewall.ios.j2");
pub const ASA: Template = crate::template!("firewall/firewall.asa.j2");

/// An IPv4 object-group entry: `host A` or `A NETMASK` (IOS and ASA both use netmasks here).
pub fn v4_object(n: &Ipv4Net) -> String {
    if n.prefix_len() == 32 {
        format!("host {}", V4(n.addr()))
    } else {
        format!("{} {}", V4(n.network()), V4(n.netmask()))
    }
}

/// An IPv6 object-group entry: `host A` or `P/L`.
pub fn v6_object(n: &Ipv6Net) -> String {
    if n.prefix_len() == 128 {
        format!("host {}", n.addr())
    } else {
        n.to_string()
    }
}

/// Longest remark text: IOS and ASA remarks hold 100 characters.
pub const MAX_REMARK: usize = 90;

/// The remark text, bounded here (the template's escaper makes it safe).
pub fn remark(c: &Catalogue) -> String {
    format!("iocc {} {} {}", c.id, c.version, c.advisory.id)
        .chars()
        .take(MAX_REMARK)
        .collect()
}

pub fn render(
    c: &Catalogue,
    plan: &Plan,
    h: &Header,
    t: &Templates,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let n = &plan.names;
    let l = &plan.list;
    let remark = remark(c);
    let ios = t.render(
        IOS.name,
        &minijinja::context! {
            h => super::ser(h), n => super::ser(n), remark => &remark,
            has_v4 => !l.v4.is_empty(),
            has_v6 => !l.v6.is_empty(),
            entries_v4 => safe(block(l.v4.iter().map(|p| format!(" {}", v4_object(p))))),
            entries_v6 => safe(block(l.v6.iter().map(|p| format!(" {}", v6_object(p))))),
        },
    )?;
    let asa = t.render(
        ASA.name,
        &minijinja::context! {
            h => super::ser(h), n => super::ser(n), remark => &remark,
            has_v4 => !l.v4.is_empty(),
            has_v6 => !l.v6.is_empty(),
            entries_v4 => safe(block(l.v4.iter().map(|p| format!(" network-object {}", v4_object(p))))),
            entries_v6 => safe(block(l.v6.iter().map(|p| format!(" network-object {}", v6_object(p))))),
        },
    )?;
    Ok(vec![
        OutputFile {
            path: format!("{}.ios", c.id),
            contents: ios.into_bytes(),
        },
        OutputFile {
            path: format!("{}.asa", c.id),
            contents: asa.into_bytes(),
        },
    ])
}

/// A family that appears or disappears needs its objects and ACL lines, not a group edit.
fn family_note(out: &mut String, family: &str, old: usize, new: usize) -> bool {
    if old == 0 && new > 0 {
        out.push_str(&format!(
            "! the {family} list is new: paste the {family} part of the full file\n"
        ));
        false
    } else if old > 0 && new == 0 {
        out.push_str(&format!(
            "! the {family} list is now empty: remove its ACL lines and object group (see the old file)\n"
        ));
        false
    } else {
        true
    }
}

fn group_edit(
    out: &mut String,
    header: &str,
    prefix: &str,
    add: impl Iterator<Item = String>,
    del: impl Iterator<Item = String>,
) {
    let add: Vec<String> = add.collect();
    let del: Vec<String> = del.collect();
    if add.is_empty() && del.is_empty() {
        return;
    }
    out.push_str(header);
    out.push('\n');
    for a in add {
        out.push_str(&format!(" {prefix}{a}\n"));
    }
    for d in del {
        out.push_str(&format!(" no {prefix}{d}\n"));
    }
    out.push_str(" exit\n");
}

/// IOS configuration-mode lines editing the object groups.
pub fn ios_delta(d: &Delta, n: &Names) -> String {
    let mut out = String::from("! paste into configuration mode (configure terminal)\n");
    if family_note(&mut out, "IPv4", d.old_v4, d.new_v4) {
        group_edit(
            &mut out,
            &format!("object-group network {}", n.ios_group_v4),
            "",
            d.add_v4.iter().map(v4_object),
            d.del_v4.iter().map(v4_object),
        );
    }
    if family_note(&mut out, "IPv6", d.old_v6, d.new_v6) {
        group_edit(
            &mut out,
            &format!("object-group v6-network {}", n.ios_group_v6),
            "",
            d.add_v6.iter().map(v6_object),
            d.del_v6.iter().map(v6_object),
        );
    }
    out
}

/// ASA configuration-mode lines editing the object groups.
pub fn asa_delta(d: &Delta, n: &Names) -> String {
    let mut out = String::from("! paste into configuration mode (configure terminal)\n");
    if family_note(&mut out, "IPv4", d.old_v4, d.new_v4) {
        group_edit(
            &mut out,
            &format!("object-group network {}", n.asa_group_v4),
            "network-object ",
            d.add_v4.iter().map(v4_object),
            d.del_v4.iter().map(v4_object),
        );
    }
    if family_note(&mut out, "IPv6", d.old_v6, d.new_v6) {
        group_edit(
            &mut out,
            &format!("object-group network {}", n.asa_group_v6),
            "network-object ",
            d.add_v6.iter().map(v6_object),
            d.del_v6.iter().map(v6_object),
        );
    }
    out
}
