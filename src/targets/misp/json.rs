//! Streaming writers of MISP feed files: an event (`<uuid>.json`) written attribute by
//! attribute into any `std::io::Write`, its lines of `hashes.csv`, and `manifest.json`.
//!
//! Guarantees: every value is serialised by serde_json (so every string, whatever it holds,
//! stays one JSON string); keys come in the order PyMISP's `MISPEvent.to_feed()` writes them
//! (sorted, `Orgc`/`Tag`/`Attribute`/`Object` last), with `", "` and `": "` separators as
//! Python's `json` module writes them; one attribute or object per line, so a diff of two
//! versions reads line by line. Nothing holds more than one attribute at a time: a list of a
//! million entries streams through in constant memory besides the output itself. Each
//! attribute's value is hashed into `hashes.csv` as it is written (MD5 of each part of the
//! value of a composite type such as `ip-dst|port`, as `pymisp.tools.feed_meta_generator`
//! computes them).

use std::borrow::Cow;
use std::io::{self, Write};

use md5::{Digest, Md5};
use serde::Serialize;

/// serde_json's compact output with Python's separators: `{"a": 1, "b": [2, 3]}`.
#[derive(Clone, Copy, Default)]
pub struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// Writes `value` as one line of spaced JSON.
pub fn write_value<W: Write + ?Sized, T: Serialize + ?Sized>(
    w: &mut W,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Spaced);
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// A MISP tag as a feed carries it (`MISPTag._to_feed`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tag {
    pub colour: &'static str,
    pub local: bool,
    pub name: String,
    pub relationship_type: &'static str,
}

impl Tag {
    pub fn new(name: impl Into<String>, colour: &'static str) -> Tag {
        Tag {
            colour,
            local: false,
            name: name.into(),
            relationship_type: "",
        }
    }
}

/// An organisation (`Orgc`, `Org`).
#[derive(Debug, Clone, Serialize)]
pub struct Org {
    pub name: String,
    pub uuid: String,
}

/// An attribute, fields in feed order. Borrowed where it can be: a bulk list writes one per
/// entry.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute<'a> {
    pub category: &'static str,
    pub comment: &'a str,
    pub disable_correlation: bool,
    /// `"5"`: inherit the event's distribution.
    pub distribution: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_relation: Option<&'static str>,
    pub timestamp: &'a str,
    pub to_ids: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uuid: String,
    pub value: Cow<'a, str>,
    #[serde(rename = "Tag", skip_serializing_if = "<[Tag]>::is_empty")]
    pub tags: &'a [Tag],
}

/// A MISP object, fields in feed order, with its attributes.
#[derive(Debug, Clone, Serialize)]
pub struct Object<'a> {
    pub comment: &'a str,
    pub description: &'static str,
    pub distribution: &'static str,
    #[serde(rename = "meta-category")]
    pub meta_category: &'static str,
    pub name: &'static str,
    pub template_uuid: &'static str,
    pub template_version: &'static str,
    pub timestamp: &'a str,
    pub uuid: String,
    #[serde(rename = "Attribute")]
    pub attributes: Vec<Attribute<'a>>,
}

/// The fields of an event before its attributes, in feed order.
#[derive(Debug, Clone)]
pub struct Head {
    pub analysis: u8,
    pub date: String,
    pub distribution: u8,
    /// The uuid of the event this one extends, or empty.
    pub extends_uuid: String,
    pub info: String,
    pub timestamp: String,
    pub threat_level_id: u8,
    pub uuid: String,
    pub orgc: Org,
    pub tags: Vec<Tag>,
}

/// The entry of an event in `manifest.json` (`MISPEvent.manifest`), fields in its order.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    #[serde(rename = "Orgc")]
    pub orgc: Org,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    pub info: String,
    pub date: String,
    pub analysis: u8,
    pub threat_level_id: u8,
    pub timestamp: u64,
}

impl Head {
    /// Its entry in `manifest.json`.
    pub fn manifest(&self) -> ManifestEntry {
        ManifestEntry {
            orgc: self.orgc.clone(),
            tags: self.tags.clone(),
            info: self.info.clone(),
            date: self.date.clone(),
            analysis: self.analysis,
            threat_level_id: self.threat_level_id,
            timestamp: self.timestamp.parse().unwrap_or(0),
        }
    }
}

/// Where the event writer is: which array is open.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Attributes,
    Objects,
}

/// Writes one event, streaming, into `out`, and its `hashes.csv` lines into `hashes`.
pub struct EventWriter<'w, W: Write, H: Write> {
    out: &'w mut W,
    hashes: HashLines<'w, H>,
    open: Open,
    attributes: usize,
}

impl<'w, W: Write, H: Write> EventWriter<'w, W, H> {
    /// Writes the event's fields up to its tags.
    pub fn start(out: &'w mut W, hashes: &'w mut H, head: &Head) -> io::Result<Self> {
        out.write_all(b"{\n  \"Event\": {\n")?;
        let text = |v: &str| serde_json::Value::from(v);
        let fields: [(&str, serde_json::Value); 11] = [
            ("analysis", text(&head.analysis.to_string())),
            ("date", text(&head.date)),
            ("distribution", text(&head.distribution.to_string())),
            ("extends_uuid", text(&head.extends_uuid)),
            ("info", text(&head.info)),
            ("protected", false.into()),
            ("publish_timestamp", text(&head.timestamp)),
            ("published", true.into()),
            ("threat_level_id", text(&head.threat_level_id.to_string())),
            ("timestamp", text(&head.timestamp)),
            ("uuid", text(&head.uuid)),
        ];
        for (key, value) in &fields {
            field(out, key, value)?;
        }
        field(out, "Orgc", &head.orgc)?;
        field(out, "Org", &head.orgc)?;
        out.write_all(b"    \"Tag\": ")?;
        write_value(out, &head.tags)?;
        Ok(EventWriter {
            out,
            hashes: HashLines::new(hashes, &head.uuid),
            open: Open::Nothing,
            attributes: 0,
        })
    }

    /// Appends an attribute of the event.
    pub fn attribute(&mut self, a: &Attribute<'_>) -> io::Result<()> {
        debug_assert!(self.open != Open::Objects, "attributes come before objects");
        self.item(Open::Attributes, "Attribute")?;
        write_value(self.out, a)?;
        self.hashes.hash(a.kind, &a.value)
    }

    /// Appends an object (after every attribute).
    pub fn object(&mut self, o: &Object<'_>) -> io::Result<()> {
        self.item(Open::Objects, "Object")?;
        write_value(self.out, o)?;
        for a in &o.attributes {
            self.hashes.hash(a.kind, &a.value)?;
        }
        Ok(())
    }

    /// Number of attributes written so far (objects' attributes not counted).
    pub fn attributes(&self) -> usize {
        self.attributes
    }

    /// Closes the event.
    pub fn finish(mut self) -> io::Result<()> {
        self.close()?;
        self.out.write_all(b"\n  }\n}\n")
    }

    /// Opens the array `key` if it is not open yet, or separates the next item.
    fn item(&mut self, want: Open, key: &str) -> io::Result<()> {
        if self.open == want {
            self.out.write_all(b",\n      ")?;
        } else {
            self.close()?;
            write!(self.out, ",\n    \"{key}\": [\n      ")?;
            self.open = want;
        }
        if want == Open::Attributes {
            self.attributes += 1;
        }
        Ok(())
    }

    fn close(&mut self) -> io::Result<()> {
        if self.open != Open::Nothing {
            self.out.write_all(b"\n    ]")?;
        }
        self.open = Open::Nothing;
        Ok(())
    }
}

/// Writes the `hashes.csv` lines of one event's attributes.
pub struct HashLines<'w, H: Write> {
    hashes: &'w mut H,
    uuid: String,
}

impl<'w, H: Write> HashLines<'w, H> {
    /// Lines of the event `uuid`, into `hashes`.
    pub fn new(hashes: &'w mut H, uuid: &str) -> Self {
        HashLines {
            hashes,
            uuid: uuid.to_owned(),
        }
    }

    /// One `hashes.csv` line per part of the value of a composite type (`ip-dst|port`), one
    /// for the value of any other type, as PyMISP hashes them.
    pub fn hash(&mut self, kind: &str, value: &str) -> io::Result<()> {
        if kind.contains('|') {
            for part in value.split('|') {
                self.line(part)?;
            }
            Ok(())
        } else {
            self.line(value)
        }
    }

    fn line(&mut self, value: &str) -> io::Result<()> {
        let digest = Md5::digest(value.as_bytes());
        let mut buf = [0u8; 32];
        // 16 bytes always fit 32 hex digits.
        let hex = hex::encode_to_slice(digest, &mut buf).map(|()| &buf[..]);
        self.hashes.write_all(hex.unwrap_or_default())?;
        self.hashes.write_all(b",")?;
        self.hashes.write_all(self.uuid.as_bytes())?;
        self.hashes.write_all(b"\n")
    }
}

/// One `    "key": value,` line of the event head (the comma ends the previous line).
fn field<W: Write, T: Serialize + ?Sized>(out: &mut W, key: &str, value: &T) -> io::Result<()> {
    write!(out, "    \"{key}\": ")?;
    write_value(out, value)?;
    out.write_all(b",\n")
}

/// `manifest.json`: one line per event, in the order given (iocc gives uuid order).
pub fn manifest(entries: &[(String, ManifestEntry)]) -> Vec<u8> {
    let mut out = b"{".to_vec();
    for (k, (uuid, entry)) in entries.iter().enumerate() {
        out.extend_from_slice(if k == 0 { b"\n  " } else { b",\n  " });
        let _ = write_value(&mut out, uuid.as_str());
        out.extend_from_slice(b": ");
        let _ = write_value(&mut out, entry);
    }
    out.extend_from_slice(b"\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Head {
        Head {
            analysis: 2,
            date: "2025-01-30".into(),
            distribution: 3,
            extends_uuid: String::new(),
            info: "line\nbreak \"quoted\" </script> \u{1}".into(),
            timestamp: "1740441600".into(),
            threat_level_id: 1,
            uuid: "u-1".into(),
            orgc: Org {
                name: "org".into(),
                uuid: "o-1".into(),
            },
            tags: vec![Tag::new("tlp:clear", "#ffffff")],
        }
    }

    fn attribute<'a>(value: &'a str, tags: &'a [Tag]) -> Attribute<'a> {
        Attribute {
            category: "Network activity",
            comment: "a \"comment\"\n",
            disable_correlation: false,
            distribution: "5",
            first_seen: None,
            last_seen: None,
            object_relation: None,
            timestamp: "1740441600",
            to_ids: true,
            kind: "ip-dst|port",
            uuid: "a-1".into(),
            value: value.into(),
            tags,
        }
    }

    #[test]
    fn an_event_is_json_with_one_attribute_per_line_and_its_hashes() {
        let (mut out, mut hashes) = (Vec::new(), Vec::new());
        let mut w = EventWriter::start(&mut out, &mut hashes, &head()).unwrap();
        let tags = [Tag::new("CVE-2025-0626", "#ffffff")];
        w.attribute(&attribute("192.0.2.1|515", &tags)).unwrap();
        w.attribute(&attribute("x", &[])).unwrap();
        let mut o = Object {
            comment: "c",
            description: "d",
            distribution: "5",
            meta_category: "network",
            name: "ip-port",
            template_uuid: "t",
            template_version: "1",
            timestamp: "1740441600",
            uuid: "obj".into(),
            attributes: vec![attribute("y", &[])],
        };
        o.attributes[0].object_relation = Some("text");
        w.object(&o).unwrap();
        assert_eq!(w.attributes(), 2);
        w.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let e = &v["Event"];
        assert_eq!(e["info"], head().info);
        assert_eq!(e["Attribute"][0]["value"], "192.0.2.1|515");
        assert_eq!(e["Attribute"][0]["Tag"][0]["name"], "CVE-2025-0626");
        assert!(e["Attribute"][1].get("Tag").is_none());
        assert_eq!(e["Object"][0]["Attribute"][0]["object_relation"], "text");
        assert!(text.contains("\n      {\"category\": \"Network activity\", \"comment\": "));
        let md5 = |s: &str| hex::encode(Md5::digest(s.as_bytes()));
        assert_eq!(
            String::from_utf8(hashes).unwrap(),
            format!(
                "{},u-1\n{},u-1\n{},u-1\n{},u-1\n",
                md5("192.0.2.1"),
                md5("515"),
                md5("x"),
                md5("y")
            )
        );
    }

    #[test]
    fn an_event_without_attributes_has_no_empty_arrays() {
        let (mut out, mut hashes) = (Vec::new(), Vec::new());
        EventWriter::start(&mut out, &mut hashes, &head())
            .unwrap()
            .finish()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(v["Event"].get("Attribute").is_none());
        assert!(v["Event"].get("Object").is_none());
        assert!(hashes.is_empty());
    }

    #[test]
    fn the_manifest_lists_events_in_the_order_given() {
        let m = manifest(&[
            ("b".into(), head().manifest()),
            ("a".into(), head().manifest()),
        ]);
        let text = String::from_utf8(m).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["a"]["timestamp"], 1_740_441_600);
        assert_eq!(v["a"]["analysis"], 2);
        assert!(text.find("\"b\"").unwrap() < text.find("\"a\"").unwrap());
    }
}
