//! What the two Cisco platforms ([`ios`](super::ios) and [`asa`](super::asa)) share: object-group
//! entries in Cisco notation, the remark, and the delta's object-group edits.
//!
//! Guarantees: addresses are written in Cisco's object-group notation (`host A` or
//! `A NETMASK` for IPv4, `host A` or `P/L` for IPv6); the remark is bounded to fit Cisco's 100
//! characters; group edits add before they remove, so nothing is unblocked in between, and a
//! family that appears or disappears is named instead of edited.

use ipnet::{Ipv4Net, Ipv6Net};

use super::{lines, Delta};
use crate::model::Catalogue;
use crate::net::{push_v4, V4};
use crate::output::WriteError;

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

/// The IPv4 entries of a block list, streamed: one ` <entry prefix><object>` line each.
pub fn v4_entries<'a>(
    prefix: &'a str,
    v4: &'a [Ipv4Net],
) -> impl FnMut(&mut dyn std::io::Write) -> Result<(), WriteError> + 'a {
    lines(v4, move |b, n| {
        b.push(b' ');
        b.extend_from_slice(prefix.as_bytes());
        if n.prefix_len() == 32 {
            b.extend_from_slice(b"host ");
            push_v4(b, n.addr());
        } else {
            push_v4(b, n.network());
            b.push(b' ');
            push_v4(b, n.netmask());
        }
        b.push(b'\n');
    })
}

/// The IPv6 entries of a block list, streamed: one ` <entry prefix><object>` line each.
pub fn v6_entries<'a>(
    prefix: &'a str,
    v6: &'a [Ipv6Net],
) -> impl FnMut(&mut dyn std::io::Write) -> Result<(), WriteError> + 'a {
    lines(v6, move |b, n| {
        b.push(b' ');
        b.extend_from_slice(prefix.as_bytes());
        b.extend_from_slice(v6_object(n).as_bytes());
        b.push(b'\n');
    })
}

/// The object groups a Cisco platform's delta edits.
pub struct Groups<'a> {
    /// `object-group network <v4>`.
    pub v4: &'a str,
    /// `object-group <v6_kind> <v6>`.
    pub v6: &'a str,
    pub v6_kind: &'static str,
    /// What starts an entry line inside a group (`network-object ` on the ASA).
    pub entry: &'static str,
}

/// Configuration-mode lines editing the object groups.
pub fn groups_delta(d: &Delta, g: &Groups<'_>) -> String {
    let mut out = String::from("! paste into configuration mode (configure terminal)\n");
    if family_note(&mut out, "IPv4", d.old_v4, d.new_v4) {
        group_edit(
            &mut out,
            &format!("object-group network {}", g.v4),
            g.entry,
            d.add_v4.iter().map(v4_object),
            d.del_v4.iter().map(v4_object),
        );
    }
    if family_note(&mut out, "IPv6", d.old_v6, d.new_v6) {
        group_edit(
            &mut out,
            &format!("object-group {} {}", g.v6_kind, g.v6),
            g.entry,
            d.add_v6.iter().map(v6_object),
            d.del_v6.iter().map(v6_object),
        );
    }
    out
}

/// Writes a Cisco platform's one file: the same view for IOS and ASA, which differ only in
/// their template, object names, entry prefix (`network-object ` on ASA) and file extension.
/// The object-group entries stream into the template's two slots.
pub fn write_file(
    cx: &super::platform::PlatformContext<'_>,
    out: &mut crate::targets::Files,
    template: crate::render::Template,
    names: &'static [super::platform::Naming],
    entry: &str,
    extension: &str,
) -> Result<(), Vec<crate::diag::Diagnostic>> {
    let l = cx.list;
    let view = minijinja::context! {
        h => super::ser(cx.header), n => cx.names(names),
        remark => remark(cx.catalogue),
        has_v4 => !l.v4.is_empty(),
        has_v6 => !l.v6.is_empty(),
        entries_v4 => crate::render::slot(0),
        entries_v6 => crate::render::slot(1),
    };
    let mut v4 = v4_entries(entry, &l.v4);
    let mut v6 = v6_entries(entry, &l.v6);
    let file = format!("{}.{extension}", cx.catalogue.id);
    cx.render_to(out, &file, template, &view, &mut [&mut v4, &mut v6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_entries_are_the_objects() {
        let v4: Vec<Ipv4Net> = ["192.0.2.7/32", "198.51.100.0/24"]
            .map(|s| s.parse().unwrap())
            .to_vec();
        let v6: Vec<Ipv6Net> = ["2001:db8::1/128", "2001:db8::/32"]
            .map(|s| s.parse().unwrap())
            .to_vec();
        let mut out = Vec::new();
        v4_entries("network-object ", &v4)(&mut out).unwrap();
        v6_entries("", &v6)(&mut out).unwrap();
        let want: String = v4
            .iter()
            .map(|n| format!(" network-object {}\n", v4_object(n)))
            .chain(v6.iter().map(|n| format!(" {}\n", v6_object(n))))
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
