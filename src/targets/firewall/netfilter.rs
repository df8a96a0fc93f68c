//! Linux netfilter outputs: the nftables table, and the ipset + iptables-restore +
//! ip6tables-restore trio, with their deltas.
//!
//! Guarantees: the nftables file replaces its own table atomically (`table`, `delete table`,
//! full definition, in one `nft -f` transaction) and never touches other tables; its
//! interval sets hold the aggregated, non-overlapping prefixes, so no `auto-merge` is needed
//! and a delta's `delete element` names exactly what the set holds. The ipset file swaps
//! freshly filled temporary sets in, with `maxelem` sized to the list (a power of two, at
//! least ipset's default 65536), so a million-entry list loads.

use serde::Serialize;

use super::{block, show_v4, show_v6, Delta, Header, Names, Plan};
use crate::diag::Diagnostic;
use crate::model::Catalogue;
use crate::render::{safe, Template, Templates};
use crate::targets::OutputFile;

pub const NFT: Template = crate::template!("firewall/firewall.nft.j2");
pub const IPSET: Template = crate::template!("firewall/firewall.ipset.j2");
pub const IPTABLES: Template = crate::template!("firewall/firewall.iptables.j2");

/// `hashsize` and `maxelem` of an ipset for `n` entries.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SetSize {
    pub hashsize: usize,
    pub maxelem: usize,
}

pub fn set_size(n: usize) -> SetSize {
    let maxelem = n.next_power_of_two().max(65_536);
    SetSize {
        hashsize: (n / 4).next_power_of_two().max(1024),
        maxelem,
    }
}

fn elements<T>(list: &[T], show: fn(&T) -> String) -> minijinja::Value {
    safe(block(list.iter().map(|n| format!("\t\t\t{},", show(n)))))
}

pub fn render(
    c: &Catalogue,
    plan: &Plan,
    h: &Header,
    t: &Templates,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let n = &plan.names;
    let l = &plan.list;
    let nft_file = format!("{}.nft", c.id);
    let nft = t.render(
        NFT.name,
        &minijinja::context! {
            h => super::ser(h), n => super::ser(n), file => &nft_file,
            elements_v4 => elements(&l.v4, show_v4),
            elements_v6 => elements(&l.v6, show_v6),
        },
    )?;
    let ipset_file = format!("{}.ipset", c.id);
    let adds = block(
        l.v4.iter()
            .map(|p| format!("add {} {}", n.ipset_v4_tmp, show_v4(p)))
            .chain(
                l.v6.iter()
                    .map(|p| format!("add {} {}", n.ipset_v6_tmp, show_v6(p))),
            ),
    );
    let ipset = t.render(
        IPSET.name,
        &minijinja::context! {
            h => super::ser(h), n => super::ser(n), file => &ipset_file,
            size_v4 => super::ser(set_size(l.v4.len())),
            size_v6 => super::ser(set_size(l.v6.len())),
            adds => safe(adds),
        },
    )?;
    let mut files = vec![
        OutputFile {
            path: nft_file,
            contents: nft.into_bytes(),
        },
        OutputFile {
            path: ipset_file.clone(),
            contents: ipset.into_bytes(),
        },
    ];
    for (ext, tool, set, count, family) in [
        (
            "iptables",
            "iptables-restore",
            &n.ipset_v4,
            l.v4.len(),
            "IPv4",
        ),
        (
            "ip6tables",
            "ip6tables-restore",
            &n.ipset_v6,
            l.v6.len(),
            "IPv6",
        ),
    ] {
        let file = format!("{}.{ext}", c.id);
        let text = t.render(
            IPTABLES.name,
            &minijinja::context! {
                h => super::ser(h), n => super::ser(n), file => &file, tool, set, count, family, ipset_file => &ipset_file,
            },
        )?;
        files.push(OutputFile {
            path: file,
            contents: text.into_bytes(),
        });
    }
    Ok(files)
}

/// `nft -f` script: deletes first (so no added prefix overlaps one still present), then adds.
pub fn nft_delta(d: &Delta, n: &Names) -> String {
    let mut out = String::from("# apply with: nft -f FILE (one atomic transaction)\n");
    let mut emit = |verb: &str, set: &str, items: Vec<String>| {
        if !items.is_empty() {
            out.push_str(&format!(
                "{verb} element inet {} {set} {{ {} }}\n",
                n.nft_table,
                items.join(", ")
            ));
        }
    };
    emit("delete", "block_v4", d.del_v4.iter().map(show_v4).collect());
    emit("delete", "block_v6", d.del_v6.iter().map(show_v6).collect());
    emit("add", "block_v4", d.add_v4.iter().map(show_v4).collect());
    emit("add", "block_v6", d.add_v6.iter().map(show_v6).collect());
    out
}

/// `ipset restore` script: adds first, then deletes, so nothing is unblocked in between.
pub fn ipset_delta(d: &Delta, n: &Names) -> String {
    let mut out = String::from("# apply with: ipset -exist restore < FILE\n");
    for (old, new, set) in [
        (d.old_v4, d.new_v4, &n.ipset_v4),
        (d.old_v6, d.new_v6, &n.ipset_v6),
    ] {
        if set_size(new).maxelem > set_size(old).maxelem {
            out.push_str(&format!(
                "# {set} grows past maxelem {}: load the full ipset file instead of this delta\n",
                set_size(old).maxelem
            ));
        }
    }
    for p in &d.add_v4 {
        out.push_str(&format!("add {} {}\n", n.ipset_v4, show_v4(p)));
    }
    for p in &d.add_v6 {
        out.push_str(&format!("add {} {}\n", n.ipset_v6, show_v6(p)));
    }
    for p in &d.del_v4 {
        out.push_str(&format!("del {} {}\n", n.ipset_v4, show_v4(p)));
    }
    for p in &d.del_v6 {
        out.push_str(&format!("del {} {}\n", n.ipset_v6, show_v6(p)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxelem_is_sized_to_the_list() {
        assert_eq!(set_size(1).maxelem, 65_536);
        assert_eq!(set_size(65_536).maxelem, 65_536);
        assert_eq!(set_size(65_537).maxelem, 131_072);
        assert_eq!(set_size(1_000_000).maxelem, 1_048_576);
        assert_eq!(set_size(1_000_000).hashsize, 262_144);
    }
}
