"""Checks a MISP feed folder written by iocc against MISP's own tools (PyMISP).

Usage: check.py FEED_DIR
For every `<uuid>.json` event:
- `MISPEvent().load_file()` loads it, and PyMISP writes the same event back
  (`to_feed(with_distribution=True)`, compared as JSON; `Org` aside, which feeds do not carry);
- every (category, type) pair is one `pymisp/data/describeTypes.json` allows (PyMISP itself
  accepts wrong pairs), every value passes PyMISP's `AttributeValidationTool` and is already in
  the form it would normalise it to;
- every object attribute is a relation of its misp-objects template, with that template's type.
Then `pymisp.tools.feed_meta_generator` rebuilds `manifest.json` and `hashes.csv` in a copy:
the manifest must equal iocc's, and hashes.csv must hold the same lines, event by event in the
same order (the generator visits events in directory order, iocc in uuid order).
Prints one JSON line (counts by type, events, problems) and exits 0 only when nothing is wrong.
"""
import json
import pathlib
import shutil
import sys
import tempfile

import pymisp
from pymisp import MISPEvent
from pymisp.tools import feed_meta_generator
from pymisp.tools.attributevalidationtool import AttributeValidationTool

DATA = pathlib.Path(pymisp.__file__).parent / "data"


def check_attribute(a, where, mapping, problems, counts):
    kind, category, value = a["type"], a["category"], a["value"]
    counts[kind] = counts.get(kind, 0) + 1
    if kind not in mapping.get(category, []):
        problems.append(f"{where}: type {kind} is not allowed in category {category!r}")
    valid = AttributeValidationTool.validate(kind, value)
    if valid is not True:
        problems.append(f"{where}: {kind} {value!r}: {valid}")
    normal = AttributeValidationTool.modifyBeforeValidation(kind, value)
    if normal != value:
        problems.append(f"{where}: {kind} {value!r} is not canonical (MISP stores {normal!r})")


def check_object(o, where, mapping, problems, counts):
    path = DATA / "misp-objects" / "objects" / o["name"] / "definition.json"
    template = json.loads(path.read_text())
    if o["template_uuid"] != template["uuid"] or int(o["template_version"]) != template["version"]:
        problems.append(f"{where}: template {o['template_uuid']} v{o['template_version']} is not "
                        f"{o['name']} {template['uuid']} v{template['version']}")
    if o["meta-category"] != template["meta-category"]:
        problems.append(f"{where}: meta-category {o['meta-category']}")
    relations = {}
    for a in o["Attribute"]:
        rel = a["object_relation"]
        spec = template["attributes"].get(rel)
        if spec is None:
            problems.append(f"{where}: {rel} is not a relation of {o['name']}")
            continue
        if a["type"] != spec["misp-attribute"]:
            problems.append(f"{where}: {rel} has type {a['type']}, the template {spec['misp-attribute']}")
        if "categories" in spec and a["category"] not in spec["categories"]:
            problems.append(f"{where}: {rel} in category {a['category']}, not one of {spec['categories']}")
        relations[rel] = relations.get(rel, 0) + 1
        if relations[rel] > 1 and not spec.get("multiple"):
            problems.append(f"{where}: {rel} appears twice but is not `multiple`")
        check_attribute(a, f"{where}/{rel}", mapping, problems, counts)
    required = template.get("requiredOneOf", [])
    if required and not any(r in relations for r in required):
        problems.append(f"{where}: none of {required}")


def blocks(lines):
    """Consecutive lines grouped by their event uuid, as (uuid, [lines])."""
    out = []
    for line in lines:
        uuid = line.rsplit(",", 1)[1]
        if out and out[-1][0] == uuid:
            out[-1][1].append(line)
        else:
            out.append((uuid, [line]))
    return out


def main():
    feed = pathlib.Path(sys.argv[1])
    mapping = json.loads((DATA / "describeTypes.json").read_text())["result"]["category_type_mappings"]
    problems, counts, events, valued = [], {}, [], []
    for path in sorted(feed.glob("*.json")):
        if path.name == "manifest.json":
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        event = MISPEvent()
        event.load_file(str(path))
        events.append(event.uuid)
        if event.attributes or event.objects:
            valued.append(event.uuid)
        if event.uuid != path.stem:
            problems.append(f"{path.name}: holds event {event.uuid}")
        written = event.to_feed(with_distribution=True)
        mine = json.loads(path.read_text(encoding="utf-8"))
        mine["Event"].pop("Org", None)
        if written != mine:
            problems.append(f"{path.name}: PyMISP writes the event back differently:\n"
                            f"{json.dumps(written, sort_keys=True)}\n{json.dumps(mine, sort_keys=True)}")
        for a in raw["Event"].get("Attribute", []):
            check_attribute(a, f"{path.name}:{a['uuid']}", mapping, problems, counts)
        for o in raw["Event"].get("Object", []):
            check_object(o, f"{path.name}:{o['uuid']}", mapping, problems, counts)

    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp)
        for path in feed.glob("*.json"):
            if path.name != "manifest.json":
                shutil.copy(path, copy / path.name)
        feed_meta_generator(copy)
        theirs = json.loads((copy / "manifest.json").read_text())
        ours = json.loads((feed / "manifest.json").read_text())
        if theirs != ours:
            problems.append(f"manifest.json differs:\n{json.dumps(theirs, sort_keys=True)}\n"
                            f"{json.dumps(ours, sort_keys=True)}")
        their_hashes = blocks((copy / "hashes.csv").read_text().splitlines())
        our_hashes = blocks((feed / "hashes.csv").read_text().splitlines())
        if sorted(their_hashes) != sorted(our_hashes):
            problems.append("hashes.csv differs from what feed_meta_generator writes")
        if [u for u, _ in our_hashes] != sorted(valued):
            problems.append("hashes.csv is not in event uuid order")

    print(json.dumps({"events": len(events), "types": counts, "problems": problems}))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
