//! OpenBSD pf: a rules snippet referring to a persistent table, the table file, and the
//! `pfctl -T` delta.
//!
//! Guarantees: one table holds both families (pf tables are mixed), the rules block from and
//! to it with `quick`, and the table file holds one prefix per line under `#` comments, so
//! `pfctl -T replace -f` swaps the whole list atomically.

use super::{block, show_v4, show_v6, Delta, Header, Names, Plan};
use crate::diag::Diagnostic;
use crate::model::Catalogue;
use crate::render::{safe, Template, Templates};
use crate::targets::OutputFile;

pub const RULES: Template = crate::template!("firewall/rules.pf.j2");
pub const TABLE: Template = crate::template!("firewall/table.pf.j2");

pub fn render(
    c: &Catalogue,
    plan: &Plan,
    h: &Header,
    t: &Templates,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let n = &plan.names;
    let l = &plan.list;
    let rules_file = format!("{}.pf", c.id);
    let table_file = format!("{}.pf.table", c.id);
    let table_path = format!("/etc/pf/{}.table", c.id);
    let rules = t.render(
        RULES.name,
        &minijinja::context! { h => super::ser(h), n => super::ser(n), table_file => &table_file, table_path => &table_path },
    )?;
    let entries = block(l.v4.iter().map(show_v4).chain(l.v6.iter().map(show_v6)));
    let table = t.render(
        TABLE.name,
        &minijinja::context! {
            h => super::ser(h), n => super::ser(n), table_path => &table_path, rules_file => &rules_file, entries => safe(entries),
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
pub fn delta(d: &Delta, n: &Names) -> String {
    let mut out = String::new();
    let add: Vec<String> = d
        .add_v4
        .iter()
        .map(show_v4)
        .chain(d.add_v6.iter().map(show_v6))
        .collect();
    let del: Vec<String> = d
        .del_v4
        .iter()
        .map(show_v4)
        .chain(d.del_v6.iter().map(show_v6))
        .collect();
    for (verb, list) in [("add", add), ("delete", del)] {
        if !list.is_empty() {
            out.push_str(&format!(
                "pfctl -t {} -T {verb} -f - <<'EOF'\n{}EOF\n",
                n.pf_table,
                block(list)
            ));
        }
    }
    out
}
