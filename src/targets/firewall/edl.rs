//! Palo Alto external dynamic list (type IP List): one prefix per line, each with a comment.
//!
//! Guarantees: PAN-OS reads `ENTRY [space] comment` lines and has no comment-only lines, so
//! the file's opening comment rides on its first entry (catalogue, version, advisory, how to
//! use it, overrides), and every other entry carries a short comment naming the catalogue and
//! advisory. Comments pass the EDL escaper; an empty list is one `#` line saying so.

use super::escape::{self, MAX_EDL};
use super::platform::{Naming, Platform, PlatformContext};
use super::{lines, Delta, Header};
use crate::diag::Diagnostic;
use crate::net::{push_show_v4, push_show_v6, show_v4, show_v6};
use crate::render::{safe, slot, Escaper, Template};
use crate::targets::Files;

pub struct Edl;

const TEMPLATE: Template = crate::template!("firewall/firewall.edl.j2");

fn short_comment(h: &Header) -> String {
    let mut s = String::new();
    // The escaper cannot fail; it only replaces and bounds.
    let _ = escape::comment::<MAX_EDL>(
        &format!("iocc {} {} {}", h.catalogue, h.version, h.advisory),
        &mut s,
    );
    s
}

fn first_comment(h: &Header) -> String {
    let mut s = format!(
        "iocc catalogue {} version {} ({}) advisory {}: {} and {}. Palo Alto EDL of type IP List: serve over HTTPS and use it in deny rules as source and as destination.",
        h.catalogue, h.version, h.tlp, h.advisory, h.v4_text, h.v6_text
    );
    for o in &h.overrides {
        s.push_str(&format!(
            " OVERRIDE: safety rail {} lifted for {}: {}.",
            o.rail, o.network, o.reason
        ));
    }
    s
}

impl Platform for Edl {
    fn name(&self) -> &'static str {
        "edl"
    }

    fn description(&self) -> &'static str {
        "Palo Alto EDL"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["edl"]
    }

    fn templates(&self) -> &'static [Template] {
        &[TEMPLATE]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_EDL>("edl", &["edl"])
    }

    /// The list is fetched by URL: it names no object on the device.
    fn object_names(&self) -> &'static [Naming] {
        &[]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        let l = cx.list;
        let comment = short_comment(cx.header);
        // The first entry carries the file's opening comment; the others the short one.
        let (first, skip4, skip6) = match (l.v4.first(), l.v6.first()) {
            (Some(p), _) => (show_v4(p), 1, 0),
            (None, Some(p)) => (show_v6(p), 0, 1),
            (None, None) => (String::new(), 0, 0),
        };
        let tail = format!(" {comment}\n").into_bytes();
        let mut v4 = lines(&l.v4[skip4..], |b, p| {
            push_show_v4(b, p);
            b.extend_from_slice(&tail);
        });
        let mut v6 = lines(&l.v6[skip6..], |b, p| {
            push_show_v6(b, p);
            b.extend_from_slice(&tail);
        });
        let mut rest = |w: &mut dyn std::io::Write| {
            v4(w)?;
            v6(w)
        };
        cx.render_to(
            out,
            &format!("{}.edl", cx.catalogue.id),
            TEMPLATE,
            &minijinja::context! {
                first => safe(first), first_comment => first_comment(cx.header), rest => slot(0),
            },
            &mut [&mut rest],
        )
    }

    /// The entries to add to and remove from the hosted list.
    fn delta(&self, d: &Delta, h: &Header) -> String {
        let comment = short_comment(h);
        let mut out = String::from("# the EDL is fetched from its web server: publish the new file; the entries that change are:\n");
        for p in d
            .add_v4
            .iter()
            .map(show_v4)
            .chain(d.add_v6.iter().map(show_v6))
        {
            out.push_str(&format!("add {p} {comment}\n"));
        }
        for p in d
            .del_v4
            .iter()
            .map(show_v4)
            .chain(d.del_v6.iter().map(show_v6))
        {
            out.push_str(&format!("remove {p}\n"));
        }
        out
    }
}
