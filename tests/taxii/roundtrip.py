"""Publishes a STIX 2.1 bundle to a TAXII 2.1 server and reads its indicators back.

Usage: roundtrip.py SERVER_URL USER PASSWORD BUNDLE.json
Prints one JSON line: {"added": n, "failed": n, "indicators": [ids...]} and exits 0 when the
server accepted every object and returned every indicator of the bundle; otherwise 1.
Used by tests/it/bundle.rs against medallion (memory backend) on 127.0.0.1.
"""
import json
import sys

from taxii2client.v21 import Server, as_pages


def main():
    url, user, password, path = sys.argv[1:5]
    with open(path, encoding="utf-8") as f:
        bundle = json.load(f)
    server = Server(url, user=user, password=password)
    root = server.api_roots[0]
    collection = root.collections[0]
    status = collection.add_objects(json.dumps(bundle))
    status.wait_until_final(poll_interval=0.2, timeout=30)
    ids = set()
    for page in as_pages(collection.get_objects, per_request=100, type="indicator"):
        for obj in page.get("objects", []):
            ids.add(obj["id"])
    wanted = {o["id"] for o in bundle["objects"] if o["type"] == "indicator"}
    print(json.dumps({
        "status": status.status,
        "added": status.success_count,
        "failed": status.failure_count,
        "total": len(bundle["objects"]),
        "indicators": sorted(ids),
    }))
    ok = (status.status == "complete" and status.failure_count == 0
          and status.success_count == len(bundle["objects"]) and ids == wanted)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
