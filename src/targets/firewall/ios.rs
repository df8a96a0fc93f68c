//! Cisco IOS / IOS-XE: object groups and an extended ACL for IPv4, an IPv6 object group and
//! an `ipv6 access-list`, and the object-group delta.
//!
//! Guarantees: the ACLs deny both directions and end with an explicit permit; a family with
//! nothing to block gets no empty object group (IOS deletes empty groups); addresses are in
//! Cisco notation ([`cisco`](super::cisco)).

use super::cisco::{self, Groups};
use super::escape::{self, MAX_COMMENT};
use super::platform::{Case, Naming, Platform, PlatformContext};
use super::{Delta, Header};
use crate::diag::Diagnostic;
use crate::render::{Escaper, Template};
use crate::targets::Files;

pub struct Ios;

const TEMPLATE: Template = crate::template!("firewall/firewall.ios.j2");
const GROUP_V4: Naming = Naming {
    key: "ios_group_v4",
    case: Case::Upper,
    suffix: "-V4-NETS",
    max: 64,
};
const GROUP_V6: Naming = Naming {
    key: "ios_group_v6",
    case: Case::Upper,
    suffix: "-V6-NETS",
    max: 64,
};
const ACL_V4: Naming = Naming {
    key: "ios_acl_v4",
    case: Case::Upper,
    suffix: "-V4",
    max: 64,
};
const ACL_V6: Naming = Naming {
    key: "ios_acl_v6",
    case: Case::Upper,
    suffix: "-V6",
    max: 64,
};

impl Platform for Ios {
    fn name(&self) -> &'static str {
        "ios"
    }

    fn description(&self) -> &'static str {
        "Cisco IOS / IOS-XE"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["ios"]
    }

    fn templates(&self) -> &'static [Template] {
        &[TEMPLATE]
    }

    fn escaper(&self) -> Escaper {
        escape::comments::<MAX_COMMENT>("ios", &["ios"])
    }

    fn object_names(&self) -> &'static [Naming] {
        &[GROUP_V4, GROUP_V6, ACL_V4, ACL_V6]
    }

    fn write(&self, cx: &PlatformContext<'_>, out: &mut Files) -> Result<(), Vec<Diagnostic>> {
        cisco::write_file(cx, out, TEMPLATE, self.object_names(), "", "ios")
    }

    fn delta(&self, d: &Delta, h: &Header) -> String {
        let (v4, v6) = (GROUP_V4.name(&h.catalogue), GROUP_V6.name(&h.catalogue));
        cisco::groups_delta(
            d,
            &Groups {
                v4: &v4,
                v6: &v6,
                v6_kind: "v6-network",
                entry: "",
            },
        )
    }
}
