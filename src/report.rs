//! The build report for people, and the grouping of coverage reasons it shares with the
//! bundle README.
//!
//! A target usually leaves many items out for one reason (the files target leaves out every
//! item that is not a file hash). Listing the reason once with the items it concerns keeps
//! the report short enough to read; the JSON report keeps one entry per item. Guarantees:
//! every skipped item appears in exactly one group, groups keep the catalogue order of their
//! first item, and items carried in part are never mixed with items not carried.

use crate::build::BuildReport;
use crate::diag::count;
use crate::targets::coverage::Status;
use crate::targets::Coverage;

/// The items of one target that share a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonGroup<'a> {
    /// Carried with a limit (`true`), or not carried (`false`).
    pub partly: bool,
    pub reason: &'a str,
    pub ids: Vec<&'a str>,
}

/// The skipped items of a coverage grouped by reason: groups of items carried in part first,
/// then groups of items not carried, each in the catalogue order of its first item.
pub fn by_reason(coverage: &Coverage) -> Vec<ReasonGroup<'_>> {
    let statuses = coverage.statuses();
    let mut groups: Vec<ReasonGroup<'_>> = Vec::new();
    for s in &coverage.skipped {
        let partly = statuses.get(s.id.as_str()) == Some(&Status::Partly);
        match groups
            .iter_mut()
            .find(|g| g.partly == partly && g.reason == s.reason)
        {
            Some(g) => g.ids.push(&s.id),
            None => groups.push(ReasonGroup {
                partly,
                reason: &s.reason,
                ids: vec![&s.id],
            }),
        }
    }
    // Stable: within each half the first-seen order stays.
    groups.sort_by_key(|g| !g.partly);
    groups
}

/// How many of a catalogue's items a target carries, as a phrase: "carries all 14 items",
/// "carries 3 of 14 items", "carries none of the 2 items".
pub fn carried_phrase(carried: usize, items: usize) -> String {
    match (carried, items) {
        (_, 0) => "has no items to carry".to_owned(),
        (1, 1) => "carries its only item".to_owned(),
        (0, 1) => "does not carry its only item".to_owned(),
        (c, n) if c == n => format!("carries all {n} items"),
        (0, n) => format!("carries none of the {n} items"),
        (c, n) => format!("carries {c} of {}", count(n, "item", "items")),
    }
}

/// Ids beyond this many in one group of the terminal report are counted, not named: a
/// catalogue of a thousand indicators would otherwise print them all for each target. The
/// JSON report and the bundle README name every item.
const IDS_SHOWN: usize = 10;

/// The ids of a group for the terminal: all of them, or the first few and how many more.
fn ids_for_terminal(ids: &[&str]) -> String {
    if ids.len() <= IDS_SHOWN {
        return ids.join(", ");
    }
    let shown = IDS_SHOWN - 2;
    format!("{} and {} more", ids[..shown].join(", "), ids.len() - shown)
}

/// Prints the build report for people.
pub fn render(report: &BuildReport) -> String {
    let mut out = String::new();
    for c in &report.catalogues {
        out.push_str(&format!(
            "{} {} ({}) -> {}: {}\n",
            c.id, c.version, c.file, c.out, c.status
        ));
        // One column for the target names, as wide as the longest (at least as wide as the
        // usual short names, so a one-target report looks like the others).
        let width = c.targets.iter().map(|t| t.target.len()).fold(9, usize::max);
        for t in &c.targets {
            out.push_str(&format!(
                "  {:<width$} {}; {}\n",
                t.target,
                count(t.files.len(), "file", "files"),
                carried_phrase(t.coverage.carried.len(), c.items),
            ));
            render_groups(&mut out, &by_reason(&t.coverage));
        }
    }
    out
}

/// The "carried in part" and "not carried" sections of one target.
fn render_groups(out: &mut String, groups: &[ReasonGroup<'_>]) {
    for (partly, heading) in [(true, "carried in part"), (false, "not carried")] {
        let mut section = groups.iter().filter(|g| g.partly == partly).peekable();
        if section.peek().is_none() {
            continue;
        }
        out.push_str(&format!("    {heading}:\n"));
        for g in section {
            out.push_str(&format!(
                "      - {}: {}\n",
                ids_for_terminal(&g.ids),
                g.reason
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::coverage::Skipped;

    fn coverage() -> Coverage {
        Coverage {
            carried: vec!["a".into(), "b".into()],
            skipped: vec![
                Skipped::new("c", "no ports"),
                Skipped::new("b", "by name only"),
                Skipped::new("d", "no hashes"),
                Skipped::new("e", "no ports"),
            ],
        }
    }

    #[test]
    fn groups_items_by_reason_with_partial_ones_first() {
        let cov = coverage();
        let groups = by_reason(&cov);
        let seen: Vec<(bool, &str, Vec<&str>)> = groups
            .iter()
            .map(|g| (g.partly, g.reason, g.ids.clone()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (true, "by name only", vec!["b"]),
                (false, "no ports", vec!["c", "e"]),
                (false, "no hashes", vec!["d"]),
            ]
        );
    }

    #[test]
    fn every_skipped_item_is_in_exactly_one_group() {
        let cov = coverage();
        let mut ids: Vec<&str> = by_reason(&cov).into_iter().flat_map(|g| g.ids).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["b", "c", "d", "e"]);
    }

    #[test]
    fn carried_phrases_read_as_english() {
        assert_eq!(carried_phrase(14, 14), "carries all 14 items");
        assert_eq!(carried_phrase(3, 14), "carries 3 of 14 items");
        assert_eq!(carried_phrase(0, 2), "carries none of the 2 items");
        assert_eq!(carried_phrase(1, 1), "carries its only item");
        assert_eq!(carried_phrase(0, 1), "does not carry its only item");
        assert_eq!(carried_phrase(0, 0), "has no items to carry");
    }

    #[test]
    fn long_groups_name_the_first_items_and_count_the_rest() {
        let ids: Vec<String> = (0..13).map(|i| format!("i{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(
            ids_for_terminal(&refs),
            "i0, i1, i2, i3, i4, i5, i6, i7 and 5 more"
        );
        assert_eq!(ids_for_terminal(&refs[..10]), refs[..10].join(", "));
    }
}
