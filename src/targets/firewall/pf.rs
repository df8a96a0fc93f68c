//! OpenBSD pf: a rules snippet referring to a persistent table, the table file, and the
//! `pfctl -T` delta.
//!
//! Guarantees: one table holds both families (pf tables are mixed), the rules block from and
//! to it with `quick`, and the table file holds one prefix per line under `#` comments, so
//! `pfctl -T replace -f` swaps the whole list atomically.

use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{block, ser, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::{show_v4, show_v6};
use crate::render::{safe, Escaper, Template};
use crate::targets::OutputFile;

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

    fn render(&self, cx: &PlatformContext<'_>) -> Result<Vec<OutputFile>, Diagnostic> {
        let id = &cx.catalogue.id;
        let n = cx.names(self.object_names());
        let rules_file = format!("{id}.pf");
        let table_file = format!("{id}.pf.table");
        let table_path = format!("/etc/pf/{id}.table");
        let rules = cx.render(
            RULES,
            &minijinja::context! { h => ser(cx.header), n => n.clone(), table_file => &table_file, table_path => &table_path },
        )?;
        let entries = block(prefixes(&cx.list.v4, &cx.list.v6));
        let table = cx.render(
            TABLE_FILE,
            &minijinja::context! {
                h => ser(cx.header), n => n, table_path => &table_path, rules_file => &rules_file, entries => safe(entries),
            },
        )?;
        Ok(vec![
            OutputFile {
                path: rules_file,
                contents: rules.into_bytes(),
            },
            OutputFile {
                path: table_file,
                contents: table.into_bytes(),
            },
        ])
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
                    block(list)
                ));
            }
        }
        out
    }
}
