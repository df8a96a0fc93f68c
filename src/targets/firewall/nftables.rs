//! nftables: one table with two named interval sets, and its delta.
//!
//! Guarantees: the file replaces its own table atomically (`table`, `delete table`, full
//! definition, in one `nft -f` transaction) and never touches other tables; its interval sets
//! hold the aggregated, non-overlapping prefixes, so no `auto-merge` is needed and a delta's
//! `delete element` names exactly what the set holds.

use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{lines, ser, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::{push_show_v4, push_show_v6, show_v4, show_v6};
use crate::render::{slot, Escaper, Template};
use crate::targets::Files;

pub struct Nftables;

const TEMPLATE: Template = crate::template!("firewall/firewall.nft.j2");
const TABLE: Naming = Naming {
    key: "nft_table",
    case: Case::Snake,
    suffix: "",
    max: 64,
};

/// One `\t\t\tPREFIX,` line per prefix.
fn element<T>(show: fn(&mut Vec<u8>, &T)) -> impl Fn(&mut Vec<u8>, &T) {
    move |b, n| {
        b.extend_from_slice(b"\t\t\t");
        show(b, n);
        b.extend_from_slice(b",\n");
    }
}

impl Platform for Nftables {
    fn name(&self) -> &'static str {
        "nftables"
    }

    fn description(&self) -> &'static str {
        "nftables (nft -f)"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["nft"]
    }

    fn templates(&self) -> &'static [Template] {
        &[TEMPLATE]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_COMMENT>("nftables", &["nft"])
    }

    fn object_names(&self) -> &'static [Naming] {
        &[TABLE]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        let file = format!("{}.nft", cx.catalogue.id);
        let l = cx.list;
        let view = minijinja::context! {
            h => ser(cx.header), n => cx.names(self.object_names()), file => &file,
            has_v4 => !l.v4.is_empty(), has_v6 => !l.v6.is_empty(),
            elements_v4 => slot(0), elements_v6 => slot(1),
        };
        let mut v4 = lines(&l.v4, element(push_show_v4));
        let mut v6 = lines(&l.v6, element(push_show_v6));
        cx.render_to(out, &file, TEMPLATE, &view, &mut [&mut v4, &mut v6])
    }

    /// An `nft -f` script: deletes first (so no added prefix overlaps one still present),
    /// then adds.
    fn delta(&self, d: &Delta, h: &Header) -> String {
        let table = TABLE.name(&h.catalogue);
        let mut out = String::from("# apply with: nft -f FILE (one atomic transaction)\n");
        let mut emit = |verb: &str, set: &str, items: Vec<String>| {
            if !items.is_empty() {
                out.push_str(&format!(
                    "{verb} element inet {table} {set} {{ {} }}\n",
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
}
