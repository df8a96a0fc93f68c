//! ipset + iptables-restore + ip6tables-restore: the sets in an `ipset restore` file, the
//! rules that drop traffic to and from them in one file per family, and the set delta.
//!
//! Guarantees: the ipset file swaps freshly filled temporary sets in, with `maxelem` sized to
//! the list (a power of two, at least ipset's default 65536), so a million-entry list loads;
//! the rules only reference the sets, so a list update is a new ipset file, never new rules.

use serde::Serialize;

use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{lines, prefixes, ser, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::{push_show_v4, push_show_v6, show_v4, show_v6};
use crate::render::{slot, Escaper, Template};
use crate::targets::Files;

pub struct Iptables;

const IPSET: Template = crate::template!("firewall/firewall.ipset.j2");
const RULES: Template = crate::template!("firewall/firewall.iptables.j2");

// ipset names hold 31 characters; the sets keep room for `-tmp`.
const SET_V4: Naming = Naming {
    key: "ipset_v4",
    case: Case::Lower,
    suffix: "-v4",
    max: 27,
};
const SET_V6: Naming = Naming {
    key: "ipset_v6",
    case: Case::Lower,
    suffix: "-v6",
    max: 27,
};
const SET_V4_TMP: Naming = Naming {
    key: "ipset_v4_tmp",
    case: Case::Lower,
    suffix: "-v4-tmp",
    max: 31,
};
const SET_V6_TMP: Naming = Naming {
    key: "ipset_v6_tmp",
    case: Case::Lower,
    suffix: "-v6-tmp",
    max: 31,
};
// iptables chain names hold 28 characters.
const CHAIN: Naming = Naming {
    key: "chain",
    case: Case::Upper,
    suffix: "",
    max: 28,
};

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

impl Platform for Iptables {
    fn name(&self) -> &'static str {
        "iptables"
    }

    fn description(&self) -> &'static str {
        "ipset + iptables-restore + ip6tables-restore"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["ipset", "iptables", "ip6tables"]
    }

    fn templates(&self) -> &'static [Template] {
        &[IPSET, RULES]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_COMMENT>("iptables", &["ipset", "iptables"])
    }

    fn object_names(&self) -> &'static [Naming] {
        &[SET_V4, SET_V6, SET_V4_TMP, SET_V6_TMP, CHAIN]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        let id = &cx.catalogue.id;
        let l = cx.list;
        let n = cx.names(self.object_names());
        let ipset_file = format!("{id}.ipset");
        let (tmp_v4, tmp_v6) = (SET_V4_TMP.name(id), SET_V6_TMP.name(id));
        let add = |set: &str| {
            let mut head = b"add ".to_vec();
            head.extend_from_slice(set.as_bytes());
            head.push(b' ');
            head
        };
        let (head4, head6) = (add(&tmp_v4), add(&tmp_v6));
        let mut v4 = lines(&l.v4, |b, p| {
            b.extend_from_slice(&head4);
            push_show_v4(b, p);
            b.push(b'\n');
        });
        let mut v6 = lines(&l.v6, |b, p| {
            b.extend_from_slice(&head6);
            push_show_v6(b, p);
            b.push(b'\n');
        });
        let mut adds = |w: &mut dyn std::io::Write| {
            v4(w)?;
            v6(w)
        };
        cx.render_to(
            out,
            &ipset_file,
            IPSET,
            &minijinja::context! {
                h => ser(cx.header), n => n.clone(), file => &ipset_file,
                size_v4 => ser(set_size(l.v4.len())),
                size_v6 => ser(set_size(l.v6.len())),
                adds => slot(0),
            },
            &mut [&mut adds],
        )?;
        for (ext, tool, set, count, family) in [
            (
                "iptables",
                "iptables-restore",
                SET_V4.name(id),
                prefixes(l.v4.len(), "IPv4"),
                "IPv4",
            ),
            (
                "ip6tables",
                "ip6tables-restore",
                SET_V6.name(id),
                prefixes(l.v6.len(), "IPv6"),
                "IPv6",
            ),
        ] {
            let file = format!("{id}.{ext}");
            cx.render_to(
                out,
                &file,
                RULES,
                &minijinja::context! {
                    h => ser(cx.header), n => n.clone(), file => &file, tool, set, count, family, ipset_file => &ipset_file,
                },
                &mut [],
            )?;
        }
        Ok(())
    }

    /// An `ipset restore` script: adds first, then deletes, so nothing is unblocked in
    /// between.
    fn delta(&self, d: &Delta, h: &Header) -> String {
        let (set_v4, set_v6) = (SET_V4.name(&h.catalogue), SET_V6.name(&h.catalogue));
        let mut out = String::from("# apply with: ipset -exist restore < FILE\n");
        for (old, new, set) in [(d.old_v4, d.new_v4, &set_v4), (d.old_v6, d.new_v6, &set_v6)] {
            if set_size(new).maxelem > set_size(old).maxelem {
                out.push_str(&format!(
                    "# {set} grows past maxelem {}: load the full ipset file instead of this delta\n",
                    set_size(old).maxelem
                ));
            }
        }
        for p in &d.add_v4 {
            out.push_str(&format!("add {set_v4} {}\n", show_v4(p)));
        }
        for p in &d.add_v6 {
            out.push_str(&format!("add {set_v6} {}\n", show_v6(p)));
        }
        for p in &d.del_v4 {
            out.push_str(&format!("del {set_v4} {}\n", show_v4(p)));
        }
        for p in &d.del_v6 {
            out.push_str(&format!("del {set_v6} {}\n", show_v6(p)));
        }
        out
    }
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
