"""Reads back what a TAXII 2.1 collection holds, with the reference client (taxii2-client).

Usage: readback.py API_ROOT COLLECTION_ID USER PASSWORD [ADDED_AFTER]
Prints one JSON line: {"objects": [{"id", "modified", "revoked"}...] (every version added
after ADDED_AFTER, or all), "last_added": the newest date_added of the collection's manifest}.
Used by tests/it/publish.rs against medallion on 127.0.0.1.
"""
import json
import sys

from taxii2client.v21 import ApiRoot, as_pages


def main():
    url, collection_id, user, password = sys.argv[1:5]
    added_after = sys.argv[5] if len(sys.argv) > 5 else None
    root = ApiRoot(url, user=user, password=password)
    collection = next(c for c in root.collections if c.id == collection_id)
    filters = {"match[version]": "all"}
    if added_after:
        filters["added_after"] = added_after
    objects = []
    for page in as_pages(collection.get_objects, per_request=100, **filters):
        for o in page.get("objects", []):
            objects.append({"id": o["id"], "modified": o.get("modified"), "revoked": o.get("revoked", False)})
    added = [m["date_added"] for m in collection.get_manifest().get("objects", [])]
    print(json.dumps({"objects": objects, "last_added": max(added) if added else None}))


if __name__ == "__main__":
    main()
