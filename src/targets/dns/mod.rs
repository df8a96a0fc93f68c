//! The `dns` target: DNS block lists in `out/<catalogue>/dns/`, one file per format.
//!
//! Guarantees: every file blocks the same names: the `block` domains of the catalogue
//! (indicators and domain lists) that pass the name safety rails
//! ([`crate::blocklist::names`]), each with every name under it (the hosts file, which
//! matches exact names only, lists every name as written), minus the allowlist. The RPZ zone
//! ([`rpz`]) also carries the `block` addresses and networks that pass the address rails, as
//! response-IP triggers: the same aggregated set the firewall lists block
//! ([`crate::blocklist::plan`]). A single refused entry fails the target, so the build writes
//! nothing. Each file opens with a comment (rendered from its template, catalogue text through
//! the comment escaper) naming the catalogue, version, advisory, what it blocks, how to load
//! it and every rail override; no timestamps: the RPZ serial is the catalogue version
//! ([`rpz::serial`]). The lines after the header are written by Rust in one linear pass
//! ([`rpz::write_records`], [`lists::write_lines`]) into any `std::io::Write`.

pub mod lists;
pub mod rpz;

use std::io::{self, Write};

use serde::Serialize;

use super::{Files, Item, ItemKind, Support, Target, TargetContext, TargetOutput};
use crate::blocklist::names::{self, NamePlan, Trip};
use crate::blocklist::{self, Plan};
use crate::diag::{Code, Diagnostic};
use crate::model::{Action, Catalogue, Direction, RpzAction};
use crate::render::{Escaper, Template, Templates};

pub struct Dns;

/// Longest escaped value in a header comment.
const MAX_COMMENT: usize = 400;

/// The escaper of every DNS template: one safe comment line ([`crate::escape::one_line`]),
/// which holds none of the comment, quote or directive characters of the five formats.
const ESCAPERS: &[Escaper] = &[Escaper {
    name: "comment",
    extensions: &["rpz", "unbound", "dnsmasq", "hosts", "adblock"],
    escape: |v, out| crate::escape::one_line(v, MAX_COMMENT, out),
}];

const ZONE: Template = crate::template!("dns/zone.rpz.j2");
const UNBOUND: Template = crate::template!("dns/local-zones.unbound.j2");
const DNSMASQ: Template = crate::template!("dns/addresses.dnsmasq.j2");
const HOSTS: Template = crate::template!("dns/list.hosts.j2");
const ADBLOCK: Template = crate::template!("dns/filter.adblock.j2");

/// The header template of each list format, by [`lists::Format::name`].
fn list_template(format: &str) -> Template {
    match format {
        "unbound" => UNBOUND,
        "dnsmasq" => DNSMASQ,
        "hosts" => HOSTS,
        _ => ADBLOCK,
    }
}

/// The RPZ owner of `*.name` must fit 255 bytes on the wire with the zone's own name after
/// it: names are at most this long, leaving 30 bytes for the policy zone's name.
pub const MAX_RPZ_NAME: usize = 220;

/// The last labels RPZ reads as triggers other than a name: a listed name ending in one
/// would be an address or name-server trigger. No such top-level domain exists.
pub const RPZ_TRIGGER_LABELS: [&str; 4] = ["rpz-ip", "rpz-nsip", "rpz-nsdname", "rpz-client-ip"];

/// What only the RPZ form of a name cannot carry (never liftable by an override).
pub fn rpz_limits(name: &str) -> Option<Trip> {
    let last = name.rsplit('.').next().unwrap_or(name);
    if RPZ_TRIGGER_LABELS.contains(&last) {
        return Some(Trip {
            rail: "rpz-trigger",
            why: format!("its last label `{last}` marks an RPZ trigger, so a policy zone would read it as an address or name-server trigger (no such top-level domain exists)"),
            liftable: false,
        });
    }
    (name.len() > MAX_RPZ_NAME).then(|| Trip {
        rail: "rpz-length",
        why: format!(
            "it is {} bytes long: `*.` before it and the policy zone's name after it would pass the 255 bytes of a DNS name; the RPZ file carries names of at most {MAX_RPZ_NAME} bytes",
            name.len()
        ),
        liftable: false,
    })
}

/// The name block list of a catalogue as the DNS files carry it: the rails, and the RPZ
/// limits.
pub fn name_plan(c: &Catalogue) -> Result<NamePlan<'_>, Vec<Diagnostic>> {
    names::plan_checked(c, &rpz_limits)
}

/// A name as it may appear in a file: a validated LDH name, checked again on the way out, so
/// a bug elsewhere cannot put another byte in a zone or configuration line.
pub fn ldh(name: &str) -> io::Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= crate::validate::MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(name)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("`{}` is not a checked domain name", name.escape_debug()),
        ))
    }
}

/// What the DNS files carry: `block` names fully, `block` addresses as response-IP triggers.
fn support(item: &Item) -> Support {
    let names = matches!(item.kind, ItemKind::Domain | ItemKind::DomainList);
    let addresses = item.kind.is_address() || item.kind == ItemKind::AddressList;
    match (item.kind, item.action) {
        (ItemKind::Detection, _) => Support::No(
            "a detection matches traffic (protocol, ports, payload), and a resolver sees only lookups; the Suricata and Zeek targets carry it".into(),
        ),
        (ItemKind::Url, _) => Support::No(
            "a URL: blocking its host name would block every path on that host; list the host as a `domain` indicator to block it".into(),
        ),
        (k, _) if !names && !addresses => Support::No(
            format!("{}: a resolver blocks only names and the addresses in its answers", k.noun()).into(),
        ),
        (_, Some(a)) if a != Action::Block => Support::No(
            format!(
                "action `{}`: the DNS files carry `block` entries only; the Suricata and Zeek targets alert on it",
                if a == Action::Alert { "alert" } else { "monitor" }
            )
            .into(),
        ),
        (_, _) if addresses => Support::Partly(
            "only as a response-IP trigger in the RPZ zone: an answer pointing into it is refused, but a connection made by address goes through (the firewall lists block those)".into(),
        ),
        (_, _) if item.direction == Direction::Inbound => Support::Partly(
            "direction `inbound`: a resolver blocks the lookups of the protected network, not connections from the name's hosts".into(),
        ),
        _ => Support::Yes,
    }
}

/// A rail override, as every header prints it.
#[derive(Debug, Clone, Serialize)]
pub struct OverrideView {
    /// The network or domain it covers.
    pub subject: String,
    pub rail: String,
    pub reason: String,
}

/// What every file's opening comment says.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub catalogue: String,
    pub title: String,
    pub version: String,
    pub advisory: String,
    pub advisory_title: String,
    pub tlp: &'static str,
    /// Outermost blocked names, each with its subdomains, in words: `2 names`.
    pub names_text: String,
    /// Every blocked name as listed, in words.
    pub exact_text: String,
    pub exceptions_text: String,
    /// Response-IP triggers, in words: `1 address trigger`.
    pub triggers_text: String,
    /// What the RPZ answers: `NXDOMAIN`, `NODATA`, ...
    pub action_text: String,
    pub serial: u32,
    pub ttl: u32,
    pub overrides: Vec<OverrideView>,
}

use crate::diag::count;

impl Header {
    pub fn new(c: &Catalogue, names: &NamePlan<'_>, ips: &Plan, serial: u32) -> Header {
        let action_text = match &c.policy.rpz_action {
            RpzAction::Nxdomain => "NXDOMAIN (CNAME .)".to_owned(),
            RpzAction::Nodata => "NODATA (CNAME *.)".to_owned(),
            RpzAction::Drop => "no answer at all (CNAME rpz-drop.)".to_owned(),
            RpzAction::Redirect(h) => format!("a CNAME to the walled garden {h}"),
        };
        let overrides = c
            .policy
            .overrides
            .iter()
            .map(|o| (o.network.to_string(), &o.rail, &o.reason))
            .chain(
                c.policy
                    .name_overrides
                    .iter()
                    .map(|o| (o.domain.clone(), &o.rail, &o.reason)),
            )
            .map(|(subject, rail, reason)| OverrideView {
                subject,
                rail: rail.clone(),
                reason: reason.clone(),
            })
            .collect();
        Header {
            catalogue: c.id.clone(),
            title: c.title.clone(),
            version: c.version.to_string(),
            advisory: c.advisory.id.clone(),
            advisory_title: c.advisory.title.clone(),
            tlp: c.tlp.label(),
            names_text: count(names.names.len(), "name", "names"),
            exact_text: count(names.exact.len(), "name", "names"),
            exceptions_text: count(names.exceptions.len(), "exception", "exceptions"),
            triggers_text: count(ips.list.len(), "address trigger", "address triggers"),
            action_text,
            serial,
            ttl: rpz::TTL,
            overrides,
        }
    }
}

fn write_failed(e: &io::Error) -> Diagnostic {
    Diagnostic::new(Code::WriteFailed, format!("cannot write a DNS file: {e}"))
        .help("this is a bug in iocc, please report it")
}

/// Renders a header template for one file.
fn header(
    templates: &Templates,
    t: Template,
    h: &Header,
    file: &str,
) -> Result<String, Diagnostic> {
    templates.render(t.name, &minijinja::context! { h => minijinja::Value::from(minijinja::value::Serde(h)), file => file })
}

/// The version cannot be an RPZ serial.
fn bad_serial(c: &Catalogue, why: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidVersion, why)
        .in_file(&c.source.path)
        .at_path("version")
        .help("the DNS target writes the version into the RPZ serial; bump to a version within those bounds, e.g. the next major")
}

/// Writes every DNS file of a catalogue, each into the writer `open` gives for its path.
pub fn write_all<W: Write>(
    c: &Catalogue,
    templates: &Templates,
    mut open: impl FnMut(&str) -> W,
) -> Result<Vec<(String, W)>, Vec<Diagnostic>> {
    let serial = rpz::serial(&c.version).map_err(|why| vec![bad_serial(c, why)])?;
    let (names, ips) = match (name_plan(c), blocklist::plan(c)) {
        (Ok(n), Ok(p)) => (n, p),
        (n, p) => {
            let mut errs = n.err().unwrap_or_default();
            errs.extend(p.err().unwrap_or_default());
            return Err(errs);
        }
    };
    let h = Header::new(c, &names, &ips, serial);
    let mut out = Vec::new();
    let zone_file = format!("{}.rpz", c.id);
    let mut w = open(&zone_file);
    let text = header(templates, ZONE, &h, &zone_file).map_err(|d| vec![d])?;
    let body = rpz::ZoneBody {
        names: &names.names,
        exceptions: &names.exceptions,
        v4: &ips.list.v4,
        v6: &ips.list.v6,
        action: &c.policy.rpz_action,
    };
    w.write_all(text.as_bytes())
        .and_then(|()| rpz::write_records(&mut w, &body))
        .map_err(|e| vec![write_failed(&e)])?;
    out.push((zone_file, w));
    let body = lists::ListBody {
        names: &names.names,
        exact: &names.exact,
        exceptions: &names.exceptions,
    };
    for f in lists::FORMATS {
        let file = format!("{}{}", c.id, f.suffix);
        let mut w = open(&file);
        let text = header(templates, list_template(f.name), &h, &file).map_err(|d| vec![d])?;
        w.write_all(text.as_bytes())
            .and_then(|()| lists::write_lines(&mut w, f, &body))
            .map_err(|e| vec![write_failed(&e)])?;
        out.push((file, w));
    }
    Ok(out)
}

impl Target for Dns {
    fn name(&self) -> &'static str {
        "dns"
    }

    fn description(&self) -> &'static str {
        "DNS block lists: RPZ zone (names and response-IP triggers), Unbound, dnsmasq, hosts, adblock"
    }

    fn templates(&self) -> Vec<Template> {
        vec![ZONE, UNBOUND, DNSMASQ, HOSTS, ADBLOCK]
    }

    fn escapers(&self) -> &'static [Escaper] {
        ESCAPERS
    }

    fn bundle_note(&self) -> &'static str {
        "DNS block lists: RPZ zone, Unbound, dnsmasq, hosts, adblock"
    }

    fn support(&self, item: &Item) -> Support {
        support(item)
    }

    fn check(&self, cx: &TargetContext<'_>) -> Result<(), Vec<Diagnostic>> {
        let c = cx.catalogue;
        rpz::serial(&c.version).map_err(|why| vec![bad_serial(c, why)])?;
        match (name_plan(c), blocklist::rails::check(c)) {
            (Ok(_), Ok(())) => Ok(()),
            (n, p) => {
                let mut errs = n.err().unwrap_or_default();
                errs.extend(p.err().unwrap_or_default());
                Err(errs)
            }
        }
    }

    fn write(
        &self,
        cx: &TargetContext<'_>,
        out: &mut Files,
    ) -> Result<TargetOutput, Vec<Diagnostic>> {
        // Each file is made whole, then written (the name lists are small; the response-IP
        // triggers are the aggregated block list).
        for (path, contents) in write_all(cx.catalogue, cx.templates, |_| Vec::<u8>::new())? {
            out.put(&path, &contents)?;
        }
        Ok(TargetOutput::done())
    }
}
