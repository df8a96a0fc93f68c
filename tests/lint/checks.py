#!/usr/bin/env python3
"""Writes tests/lint/SURICATA-CHECKS.md: Suricata's load-time checks, verified by the engines.

Usage:
    SURICATA_SRC7=DIR7 SURICATA_SRC8=DIR8 tests/lint/checks.py [--jsonl ORACLE.jsonl] > tests/lint/SURICATA-CHECKS.md

Every check is a probe rule in tests/lint/checks.rules (`# @check ID: condition` above it).
The probes go through tests/lint/oracle.py (or an earlier run of it, --jsonl), so each
verdict and message in the table is what Suricata 7.0.10 and 8.0.6 printed. DIR7 and DIR8 are
the engine sources at the tags suricata-7.0.10 and suricata-8.0.6 (a `git archive` of each
is enough): the message is looked up among their SCLogError/SCLogWarning calls to cite the
file and line that prints it. Without them the source columns stay empty.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROBES = os.path.join(HERE, "checks.rules")
CALL_RE = re.compile(r"\b(SCLogError|SCLogWarning)\s*!?\s*\(")
CONV_RE = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp]|%|\{[^}]*\}")


def probes():
    """[(check id, condition, [line numbers of its rules])] in file order."""
    out, cur = [], None
    with open(PROBES, "rb") as f:
        for n, raw in enumerate(f.read().decode("latin-1").split("\n"), 1):
            m = re.match(r"# @check ([\w-]+): (.*)", raw)
            if m:
                cur = (m.group(1), m.group(2), [])
                out.append(cur)
            elif raw and not raw.startswith("#") and cur:
                cur[2].append(n)
    return out


def source_calls(root):
    """[(relative file, line, literal length, compiled regex of the format)] of one tree."""
    calls = []
    for sub in ("src", "rust/src"):
        for dp, _, files in os.walk(os.path.join(root, sub)):
            for name in sorted(files):
                if not (name.endswith(".c") or name.endswith(".rs")):
                    continue
                path = os.path.join(dp, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    src = f.read()
                for m in CALL_RE.finditer(src):
                    body = balanced(src, m.end())
                    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
                    fmt = "".join(lits).replace('\\"', '"').replace("\\'", "'")
                    if not fmt:
                        continue
                    parts = CONV_RE.split(fmt)
                    if len("".join(parts).strip()) < 10:  # "%s" alone would match anything
                        continue
                    rx = re.compile("^" + ".*?".join(re.escape(p) for p in parts) + "$", re.S)
                    line = src.count("\n", 0, m.start()) + 1
                    calls.append((os.path.relpath(path, root), line, len("".join(parts)), rx))
    return calls


def balanced(src, i):
    depth, j, instr = 1, i, False
    while j < len(src) and depth:
        c = src[j]
        if instr:
            if c == "\\":
                j += 1
            elif c == '"':
                instr = False
        elif c == '"':
            instr = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        j += 1
    return src[i : j - 1]


APPENDIX_FILES = [
    "src/detect-parse.c", "src/detect-content.c", "src/detect-dsize.c", "src/detect-bsize.c",
    "src/detect-depth.c", "src/detect-offset.c", "src/detect-distance.c", "src/detect-within.c",
    "src/detect-nocase.c", "src/detect-rawbytes.c", "src/detect-fast-pattern.c",
    "src/detect-isdataat.c", "src/detect-urilen.c", "src/detect-pcre.c", "src/detect-bytetest.c",
    "src/detect-bytejump.c", "src/detect-byte-extract.c", "src/detect-bytemath.c",
    "src/detect-engine-address.c", "src/detect-engine-port.c", "src/detect-flow.c",
    "src/detect-flowbits.c", "src/detect-sid.c", "src/detect-rev.c", "src/detect-gid.c",
]


def appendix(roots):
    """Every SCLogError/SCLogWarning text of APPENDIX_FILES and rust/src/detect, per version."""
    rows: dict[tuple[str, str], dict] = {}
    for v, root in roots.items():
        for f, line, level, fmt in raw_calls(root):
            if f in APPENDIX_FILES or f.startswith("rust/src/detect/"):
                key = (level, re.sub(r"\s+", " ", CONV_RE.sub("%", fmt)).strip())
                rows.setdefault(key, {}).setdefault(v, []).append(f"{f}:{line}")
    out = ["", "## Appendix: every error and warning text of the content, header and option "
           "parsers", "",
           "Read off the sources (not probed): `%` stands for a value. A text present in one "
           "version only is a version difference (or a reworded message).", "",
           "| level | text | 7.0.10 | 8.0.6 |", "|---|---|---|---|"]
    def place(kv):
        f, _, n = min(x for xs in kv[1].values() for x in xs).rpartition(":")
        return (f, int(n), kv[0])

    for (level, text), where in sorted(rows.items(), key=place):
        out.append(f"| {level} | `{cell(text)}` | {', '.join(where.get('7', ['—']))} | "
                   f"{', '.join(where.get('8', ['—']))} |")
    return "\n".join(out)


def raw_calls(root):
    for sub in ("src", "rust/src"):
        for dp, _, files in os.walk(os.path.join(root, sub)):
            for name in sorted(files):
                if not (name.endswith(".c") or name.endswith(".rs")):
                    continue
                path = os.path.join(dp, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    src = f.read()
                for m in CALL_RE.finditer(src):
                    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', balanced(src, m.end()))
                    fmt = "".join(lits).replace('\\"', '"').replace("\\'", "'")
                    if fmt:
                        yield (os.path.relpath(path, root), src.count("\n", 0, m.start()) + 1,
                               m.group(1)[5:], fmt)


def cite(calls, message):
    text = message.split(": ", 2)[-1].removesuffix(" (post-load)")
    found = sorted((-k, f, n) for f, n, k, rx in calls if rx.match(text))
    best = [x for x in found if x[0] == found[0][0]] if found else []  # the most specific format
    hits = [f"{f}:{n}" for _, f, n in best]
    return ", ".join(hits[:2]) + (" …" if len(hits) > 2 else "")


def first(v):
    msgs = [m for m in v["messages"] if not m.startswith("Info:")]
    return msgs[0] if msgs else ""


def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jsonl", help="an oracle run over tests/lint/checks.rules")
    args = ap.parse_args()
    if args.jsonl:
        with open(args.jsonl) as f:
            lines = f.read().splitlines()
    else:
        oracle = os.path.join(HERE, "oracle.py")
        lines = subprocess.run([sys.executable, oracle, PROBES], capture_output=True, text=True,
                               check=True).stdout.splitlines()
    recs = {json.loads(x)["line"]: json.loads(x) for x in lines}
    srcs = {v: source_calls(os.environ[f"SURICATA_SRC{v}"]) if os.environ.get(f"SURICATA_SRC{v}")
            else [] for v in ("7", "8")}
    print(HEADER)
    print("| check | condition | 7.0.10 | 8.0.6 | message (7.0.10; 8.0.6 when it differs) | source 7.0.10 | source 8.0.6 |")
    print("|---|---|---|---|---|---|---|")
    for cid, cond, nums in probes():
        rec = recs[nums[-1]]  # a check with two rules is decided by its last one
        v7, v8 = rec["verdicts"]["7"], rec["verdicts"]["8"]
        m7, m8 = first(v7), first(v8)
        msg = f"`{m7}`" if m7 else "(no message)"
        if m8 != m7:
            msg += f"; 8: `{m8}`" if m8 else "; 8: (no message)"
        print(f"| `{cid}` | {cell(cond)} | {v7['verdict']} | {v8['verdict']} | {cell(msg)} | "
              f"{cite(srcs['7'], m7) if m7 else ''} | {cite(srcs['8'], m8) if m8 else ''} |")
    print(FOOTER)
    roots = {v: os.environ[f"SURICATA_SRC{v}"] for v in ("7", "8")
             if os.environ.get(f"SURICATA_SRC{v}")}
    if roots:
        print(appendix(roots))


HEADER = """# Suricata's load-time checks (7.0.10 and 8.0.6)

Generated by `tests/lint/checks.py` from the probe rules in `tests/lint/checks.rules`: every
row is one probe rule loaded by both engines with their packaged configs (`suricata -T`,
through `tests/lint/oracle.py`), so the verdicts and messages below are the engines' own.
`error` means the rule is refused; `warning` loaded with a warning; `skipped` not loaded
because of `requires` (not counted as a failure); `ok` loaded silently. A check whose probe
has two rules (duplicate sids) reports the second.

The source columns cite the `SCLogError`/`SCLogWarning` call that prints the message at the
tags `suricata-7.0.10` and `suricata-8.0.6` (file:line; `…` when the same text is printed from
more places). "(no message)" means the engine refuses the rule and logs only
`error parsing signature`: the linter has to give the reason itself.
"""

FOOTER = """
## The semantic checks in detail (read off the sources; the same in both versions unless said)

- **Numbers of the content modifiers.** `depth` and `offset` parse as an unsigned 16-bit
  number (0-65535, no sign: `depth:-5` and `depth:70000` are "invalid value for depth");
  `distance` and `within` as a signed 32-bit number within ±1 MiB
  (`DETECT_CONTENT_VALUE_MAX`). Each also takes a `byte_extract`/`byte_math` variable name,
  which must have been defined earlier in the rule ("unknown byte_ keyword var"). Sources:
  `src/detect-depth.c:118`, `src/detect-offset.c:104`, `src/detect-distance.c:120`,
  `src/detect-within.c:116` (both tags).
- **Modifier vs its content.** `depth` below the content's length (after hex decoding) is
  refused, so is `within` below it (a negative `within` is therefore always refused; a
  negative `distance` is fine). Each modifier applies to the last content (of the current
  buffer); with none: "needs preceding content". Each may appear once per content
  ("can't use multiple ..."). `depth`/`offset` and `distance`/`within` on one content are
  refused in either order. `startswith` counts as `depth` and excludes `offset`.
- **content vs dsize** (`DetectContentPMATCHValidateCallback`, `src/detect-content.c:457`
  (7.0.10) / `:460` (8.0.6), with `SigParseRequiredContentSize`, `:411` / `:412`, and
  `SigParseGetMaxDsize`, `src/detect-dsize.c:223` / `:212`): the dsize bound is its value for
  `dsize:N`, `<N`, `!N` (N itself, not N-1), the upper end for `A<>B`, and none for `>N`.
  The required length walks the payload contents in order: the first counts
  `len + distance`; later ones count only when relative (`distance`/`within`), adding
  `len + distance`; a later negated relative content is checked alone as
  `total + distance + within`. The rule is refused when the required length, or the length
  plus the largest `offset`, exceeds the bound.
- **content vs bsize** (`DetectBsizeValidateContentCallback`, `src/detect-bsize.c:48` /
  `:49`): the same walk over the sticky buffer's contents, against `bsize`'s value (or the
  upper end of a range); `bsize` needs a sticky buffer (refused silently otherwise).
- **urilen** (`src/detect-urilen.c`): a `urilen` bound below an `http.uri` content's length is
  refused ("depth or urilen ... smaller than content len").
- **fast_pattern** (`DetectFastPatternSetup`, `src/detect-fast-pattern.c:214` / `:211`): needs
  a content before it; once per content and on one content per rule; not on a negated
  content that has `distance`/`within`/`offset`/`depth`; `fast_pattern:only` not with a
  negated content nor any of those four, before or after it; no relative modifier on the
  content that follows an `only` one; `fast_pattern:O,L` needs `O + L` ≤ the content's
  length; 8.0.6 refuses it on a content inside `base64_data`.
- **Duplicates** (`DetectEngineSignatureIsDuplicate`, `src/detect-parse.c`): the key is
  `(sid, gid)`. A later rule with a higher `rev` replaces the earlier one (a warning); the
  same or a lower `rev` is refused ("Duplicate signature"). Across all files of one load.
- **Header.** The option list must exist ("no rule options"); `sid` is required and is the
  only required option (`msg`, `rev`, `classtype` are not). Addresses: IPv6 ranges with `-`,
  `!any` and out-of-range octets are refused; lists need no brackets. Ports: above 65535,
  reversed ranges and a list negating every port are refused.

## Notes for the linter

- Refused with no reason given by the engine: `bsize` outside a sticky buffer, `threshold`
  without `track`, out-of-range `ttl`/`itype` (Rust parsers of 8.0.6 and 7.0.10 return an
  error without logging). The linter's message has to explain these itself.
- Version differences worth a diagnostic of their own: action scopes (`drop:flow`), hooks
  (`dns:request_complete`, `tcp:flow_start`) and `=>` are 8.0.6 only (7.0.10 says "invalid
  action" / "protocol ... cannot be used" / "not a valid direction modifier"); `accept` is 8.0.6
  firewall-rule-file only (refused in ordinary rule files by both); `fast_pattern` on
  `base64_data` and `absent` are refused / known by 8.0.6 only; `flowbits:toggle` is
  deprecated (a warning) in 8.0.6.
- Warnings, not errors: unknown `classtype` (falls back to the default priority), unknown
  `reference` type, `replace` in IDS mode, a flowbit checked but set by no rule (after
  loading), a rule replaced by a later one with a higher `rev` (the earlier one is dropped).
- Config-dependent: protocols disabled in the packaged `suricata.yaml` files (`modbus`,
  `dnp3`, `enip`, `pgsql`, ...: see `src/lint/data/suricata*/protocols.csv`), undefined address/port
  variables, `filestore` without the file-store output (refused with only a warning as its
  reason), datasets that the config does not define.
"""

if __name__ == "__main__":
    main()
