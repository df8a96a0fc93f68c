//! Cisco ASA: network object groups (netmasks for IPv4) and one extended access-list for
//! both families, and the object-group delta.
//!
//! Guarantees: the access-list denies both directions and ends with an explicit permit; a
//! family with nothing to block gets no empty object group; addresses are in Cisco notation
//! ([`cisco`](super::cisco)).

use super::cisco::{self, Groups};
use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{Delta, Header};
use crate::diag::Diagnostic;
use crate::render::{Escaper, Template};
use crate::targets::Files;

pub struct Asa;

const TEMPLATE: Template = crate::template!("firewall/firewall.asa.j2");
// ASA object names hold 64 characters.
const GROUP_V4: Naming = Naming {
    key: "asa_group_v4",
    case: Case::Upper,
    suffix: "-V4",
    max: 64,
};
const GROUP_V6: Naming = Naming {
    key: "asa_group_v6",
    case: Case::Upper,
    suffix: "-V6",
    max: 64,
};
const ACL: Naming = Naming {
    key: "asa_acl",
    case: Case::Upper,
    suffix: "",
    max: 64,
};

impl Platform for Asa {
    fn name(&self) -> &'static str {
        "asa"
    }

    fn description(&self) -> &'static str {
        "Cisco ASA"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["asa"]
    }

    fn templates(&self) -> &'static [Template] {
        &[TEMPLATE]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_COMMENT>("asa", &["asa"])
    }

    fn object_names(&self) -> &'static [Naming] {
        &[GROUP_V4, GROUP_V6, ACL]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        cisco::write_file(
            cx,
            out,
            TEMPLATE,
            self.object_names(),
            "network-object ",
            "asa",
        )
    }

    fn delta(&self, d: &Delta, h: &Header) -> String {
        let (v4, v6) = (GROUP_V4.name(&h.catalogue), GROUP_V6.name(&h.catalogue));
        cisco::groups_delta(
            d,
            &Groups {
                v4: &v4,
                v6: &v6,
                v6_kind: "network",
                entry: "network-object ",
            },
        )
    }
}
