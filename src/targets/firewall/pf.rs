//! OpenBSD pf: a rules snippet referring to a persistent table, the table file, and the
//! `pfctl -T` delta.
//!
//! Guarantees: one table holds both families (pf tables are mixed), the rules block from and
//! to it with `quick`, and the table file holds one prefix per line under `#` comments, so
//! `pfctl -T replace -f` swaps the whole list atomically.

use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{lines, ser, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::{push_show_v4, push_show_v6, show_v4, show_v6};
use crate::render::{slot, Escaper, Template};
use crate::targets::Files;

pub struct Pf;

const RULES: Template = crate::template!("firewall/rules.pf.j2");
const TABLE_FILE: Template = crate::template!("firewall/table.pf.j2");
// pf table names hold 31 characters.
const TABLE: Naming = Naming {
    key: "pf_table",
    case: Case::Snake,
    suffix: "",
    max: 31,
};

/// Every prefix of both families, one per item, hosts bare.
fn prefixes<'a>(
    v4: &'a [ipnet::Ipv4Net],
    v6: &'a [ipnet::Ipv6Net],
) -> impl Iterator<Item = String> + 'a {
    v4.iter().map(show_v4).chain(v6.iter().map(show_v6))
}

impl Platform for Pf {
    fn name(&self) -> &'static str {
        "pf"
    }

    fn description(&self) -> &'static str {
        "OpenBSD pf"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["pf", "pf.table"]
    }

    fn templates(&self) -> &'static [Template] {
        &[RULES, TABLE_FILE]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_COMMENT>("pf", &["pf"])
    }

    fn object_names(&self) -> &'static [Naming] {
        &[TABLE]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        let id = &cx.catalogue.id;
        let n = cx.names(self.object_names());
        let rules_file = format!("{id}.pf");
        let table_file = format!("{id}.pf.table");
        let table_path = format!("/etc/pf/{id}.table");
        cx.render_to(
            out,
            &rules_file,
            RULES,
            &minijinja::context! { h => ser(cx.header), n => n.clone(), table_file => &table_file, table_path => &table_path },
            &mut [],
        )?;
        let mut v4 = lines(&cx.list.v4, |b, p| {
            push_show_v4(b, p);
            b.push(b'\n');
        });
        let mut v6 = lines(&cx.list.v6, |b, p| {
            push_show_v6(b, p);
            b.push(b'\n');
        });
        let mut entries = |w: &mut dyn std::io::Write| {
            v4(w)?;
            v6(w)
        };
        cx.render_to(
            out,
            &table_file,
            TABLE_FILE,
            &minijinja::context! {
                h => ser(cx.header), n => n, table_path => &table_path, rules_file => &rules_file, entries => slot(0),
            },
            &mut [&mut entries],
        )
    }

    /// `pfctl -T add` then `-T delete`, reading prefixes from standard input.
    fn delta(&self, d: &Delta, h: &Header) -> String {
        let table = TABLE.name(&h.catalogue);
        let mut out = String::new();
        let add: Vec<String> = prefixes(&d.add_v4, &d.add_v6).collect();
        let del: Vec<String> = prefixes(&d.del_v4, &d.del_v6).collect();
        for (verb, list) in [("add", add), ("delete", del)] {
            if !list.is_empty() {
                out.push_str(&format!(
                    "pfctl -t {table} -T {verb} -f - <<'EOF'\n{}EOF\n",
                    super::block(list)
                ));
            }
        }
        out
    }
}
