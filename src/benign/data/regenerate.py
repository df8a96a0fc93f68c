#!/usr/bin/env python3
"""Regenerates the curated MISP warninglists in this folder from the PyPI package
`pymispwarninglists` (the lists are CC0, from MISP/misp-warninglists).

    python3 src/benign/data/regenerate.py            # the venv's package (IOCC_VENV or target/venv)
    python3 src/benign/data/regenerate.py PATH       # a misp-warninglists checkout (its lists/ folder)

Each list is written as `<name>.json` in the warninglist format itself (name, version,
description, type, matching_attributes, list), so `pymispwarninglists` loads these files
unchanged (the agreement test does). Curation, the only changes to the upstream lists:

- entries of `hostname` and `string` lists of domains are lowercased (DNS names are
  case-insensitive, and iocc compares lowercase domains);
- the RFC 6761 special-use names (`example.com`, `example.net`, `example.org`, the private
  `in-addr.arpa` zones) and the reserved top-level names `test`, `example`, `invalid` and
  `localhost` (RFC 2606) are kept only in `rfc6761`: entries equal to or under them are dropped
  from the other lists, because documentation and test names are nobody's resolver or popular
  site (`public-dns-hostname` lists `example.com` and `host3.example.com`, `tranco10k`
  `example.com`), and a `hostname` list would flag every example subdomain;
- `tranco10k` loses every entry that is itself a public suffix (in `second-level-tlds`, Mozilla's
  Public Suffix List): `github.io`, `duckdns.org`, `blogspot.com` and the like are popular, but
  their subdomains belong to whoever registers them, and a `hostname` list matches subdomains;
- entries are sorted and deduplicated, one per line, so a regeneration diffs cleanly.

The output is deterministic: running the script twice gives the same bytes
(`git diff --exit-code src/benign/data` after a run is the check).
"""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> why it is in the subset. Keep in step with LISTS in src/benign/lists.rs (a unit test
# compares them).
SUBSET = {
    # special-purpose ranges and names (the firewall safety rails know the ranges too)
    "rfc1918": "special-purpose",
    "rfc5735": "special-purpose",
    "rfc6598": "special-purpose",
    "rfc3849": "special-purpose",
    "multicast": "special-purpose",
    "ipv6-linklocal": "special-purpose",
    "rfc6761": "special-purpose",
    # public DNS resolvers
    "public-dns-v4": "public-dns",
    "public-dns-v6": "public-dns",
    "public-dns-hostname": "public-dns",
    # CDN and well-known service ranges (not rentable cloud compute: AWS, GCP and Azure host
    # attacker infrastructure every day, so screening them would flag real C2)
    "akamai": "service-ranges",
    "cloudflare": "service-ranges",
    "fastly": "service-ranges",
    "stackpath": "service-ranges",
    "google-gmail-sending-ips": "service-ranges",
    "googlebot": "service-ranges",
    "microsoft-office365-ip": "service-ranges",
    "apple": "service-ranges",
    "wikimedia": "service-ranges",
    "umbrella-blockpage-v4": "service-ranges",
    "umbrella-blockpage-v6": "service-ranges",
    # popular domains
    "tranco10k": "popular-domains",
    "automated-malware-analysis": "popular-domains",
}

DOMAIN_ATTRIBUTES = {"domain", "hostname"}


def source_dir(argv):
    if len(argv) > 1:
        return Path(argv[1])
    venv = Path(os.environ.get("IOCC_VENV", HERE.parents[2] / "target" / "venv"))
    found = sorted(venv.glob("lib/python3*/site-packages/pymispwarninglists/data/misp-warninglists/lists"))
    if not found:
        sys.exit(f"regenerate.py: pymispwarninglists is not installed in {venv}: pip install pymispwarninglists")
    return found[-1]


def load(lists, name):
    with open(lists / name / "list.json", encoding="utf-8") as f:
        return json.load(f)


RESERVED_TLDS = ["test", "example", "invalid", "localhost"]


def special_use(lists):
    return [e.lower() for e in load(lists, "rfc6761")["list"]] + RESERVED_TLDS


def under(name, parents):
    name = name.lstrip(".")
    return any(name == p or name.endswith("." + p) for p in parents)


def curate(lists, name, wl):
    entries = [str(e).strip() for e in wl["list"] if str(e).strip()]
    attrs = set(wl.get("matching_attributes") or [])
    if wl["type"] in ("hostname", "string") and attrs & DOMAIN_ATTRIBUTES:
        entries = [e.lower() for e in entries]
        if name != "rfc6761":
            reserved = special_use(lists)
            entries = [e for e in entries if not under(e, reserved)]
    if name == "tranco10k":
        suffixes = {e.lower() for e in load(lists, "second-level-tlds")["list"]}
        entries = [e for e in entries if e not in suffixes]
    return sorted(set(entries))


def main(argv):
    lists = source_dir(argv)
    for old in HERE.glob("*.json"):
        old.unlink()
    for name in SUBSET:
        wl = load(lists, name)
        out = {
            "name": wl["name"],
            "version": int(wl["version"]),
            "description": wl["description"],
            "type": wl["type"],
            "matching_attributes": wl.get("matching_attributes") or [],
            "list": curate(lists, name, wl),
        }
        head = {k: v for k, v in out.items() if k != "list"}
        text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
        body = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in out["list"])
        text += ',\n "list": [\n' + body + "\n ]\n}\n"
        json.loads(text)  # the hand-joined text is JSON
        (HERE / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{name:28} {out['type']:9} v{out['version']:<10} {len(out['list']):>6} entries")


if __name__ == "__main__":
    main(sys.argv)
