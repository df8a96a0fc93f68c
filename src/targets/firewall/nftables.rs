//! nftables: one table with two named interval sets, and its delta.
//!
//! Guarantees: the file replaces its own table atomically (`table`, `delete table`, full
//! definition, in one `nft -f` transaction) and never touches other tables; its interval sets
//! hold the aggregated, non-overlapping prefixes, so no `auto-merge` is needed and a delta's
//! `delete element` names exactly what the set holds.

use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{block, ser, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::{show_v4, show_v6};
use crate::render::{safe, Escaper, Template};
use crate::targets::OutputFile;

pub struct Nftables;

const TEMPLATE: Template = crate::template!("firewall/firewall.nft.j2");
const TABLE: Naming = Naming {
    key: "nft_table",
    case: Case::Snake,
    suffix: "",
    max: 64,
};

fn elements<T>(list: &[T], show: fn(&T) -> String) -> minijinja::Value {
    safe(block(list.iter().map(|n| format!("\t\t\t{},", show(n)))))
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

    fn render(&self, cx: &PlatformContext<'_>) -> Result<Vec<OutputFile>, Diagnostic> {
        let file = format!("{}.nft", cx.catalogue.id);
        let text = cx.render(
            TEMPLATE,
            &minijinja::context! {
                h => ser(cx.header), n => cx.names(self.object_names()), file => &file,
                elements_v4 => elements(&cx.list.v4, show_v4),
                elements_v6 => elements(&cx.list.v6, show_v6),
            },
        )?;
        Ok(vec![OutputFile {
            path: file,
            contents: text.into_bytes(),
        }])
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
