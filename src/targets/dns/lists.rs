//! The list formats: Unbound local zones, dnsmasq, hosts, adblock/AdGuard.
//!
//! Guarantees: after its header, each file holds one line per name, in DNS order, of one
//! fixed shape (the [`Format`] rows below), so a name can only ever be one token of its own
//! line; names are validated LDH names, re-checked here ([`super::ldh`]). Names carry no
//! trailing dot except in Unbound, whose zone names are absolute. What each format blocks:
//! - Unbound `local-zone: "name." always_nxdomain`: the name and every name under it;
//!   exceptions `always_transparent` (the closest local zone wins, so they resolve normally);
//! - dnsmasq `address=/name/`: NXDOMAIN for the name and every name under it; exceptions
//!   `server=/name/#` (the longest domain match wins; `#` forwards to the usual servers);
//! - hosts `0.0.0.0 name`: the exact names only (every listed name, also those under another);
//! - adblock `||name^`: the name and every name under it; exceptions `@@||name^`.

use std::io::{self, Write};

/// Writes one line for one name.
pub type WriteLine = fn(&mut dyn Write, &str) -> io::Result<()>;

/// One list format: its file suffix and how it writes a blocked name and an exception.
pub struct Format {
    /// Short name, for tests and the header.
    pub name: &'static str,
    /// Appended to the catalogue id to name the file.
    pub suffix: &'static str,
    /// The line before the names and after the header, if any.
    pub opening: Option<&'static str>,
    pub block: WriteLine,
    /// `None`: the format lists exact names, so an exception needs no line.
    pub except: Option<WriteLine>,
    /// Whether it lists every name as written (`exact`) rather than the outermost ones.
    pub exact: bool,
}

pub const UNBOUND: Format = Format {
    name: "unbound",
    suffix: ".unbound.conf",
    // The file opens its own clause, so it is valid alone (`unbound-checkconf FILE`) and
    // wherever an `include:` puts it.
    opening: Some("server:"),
    block: |w, n| writeln!(w, "local-zone: \"{n}.\" always_nxdomain"),
    except: Some(|w, n| writeln!(w, "local-zone: \"{n}.\" always_transparent")),
    exact: false,
};

pub const DNSMASQ: Format = Format {
    name: "dnsmasq",
    suffix: ".dnsmasq.conf",
    opening: None,
    block: |w, n| writeln!(w, "address=/{n}/"),
    except: Some(|w, n| writeln!(w, "server=/{n}/#")),
    exact: false,
};

pub const HOSTS: Format = Format {
    name: "hosts",
    suffix: ".hosts",
    opening: None,
    block: |w, n| writeln!(w, "0.0.0.0 {n}"),
    except: None,
    exact: true,
};

pub const ADBLOCK: Format = Format {
    name: "adblock",
    suffix: ".adblock.txt",
    opening: None,
    block: |w, n| writeln!(w, "||{n}^"),
    except: Some(|w, n| writeln!(w, "@@||{n}^")),
    exact: false,
};

/// Every list format, in output order.
pub const FORMATS: [&Format; 4] = [&UNBOUND, &DNSMASQ, &HOSTS, &ADBLOCK];

/// What a list carries, already checked by the rails.
pub struct ListBody<'a> {
    /// Outermost names (each with its subdomains).
    pub names: &'a [&'a str],
    /// Every name as listed.
    pub exact: &'a [&'a str],
    pub exceptions: &'a [&'a str],
}

/// Writes the lines after the header.
pub fn write_lines(w: &mut dyn Write, f: &Format, body: &ListBody<'_>) -> io::Result<()> {
    if let Some(line) = f.opening {
        writeln!(w, "{line}")?;
    }
    let names = if f.exact { body.exact } else { body.names };
    for n in names {
        (f.block)(w, super::ldh(n)?)?;
    }
    if let Some(except) = f.except {
        for n in body.exceptions {
            except(w, super::ldh(n)?)?;
        }
    }
    Ok(())
}
