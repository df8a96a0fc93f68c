#!/usr/bin/env python3
"""How far `iocc lint` agrees with Suricata 7 and 8, per rule, from oracle runs.

Usage:
    tests/lint/agreement.py [--iocc target/release/iocc] [--json OUT.json] [--examples]
                            [--min-agreement PCT] [--max-false-alarms PCT]
                            NAME=ORACLE.jsonl [NAME=ORACLE.jsonl ...]

Each ORACLE.jsonl is the output of tests/lint/oracle.py on one corpus. Every rule file named in
it is linted on its own (`iocc --format json lint --suricata V FILE`, per version and a file at a time, so sids repeated in
different files are not reported as duplicates), and each diagnostic goes to the rule that
starts at or before its line. Prints a Markdown report on stdout.

Per rule and per Suricata version:
  * the engine refuses the rule when its verdict is `error` or `skipped` (`requires`: the
    issue's definition of an error is "Suricata will refuse or skip this rule"), and accepts
    it when the verdict is `ok` or `warning`. Lines Suricata never reads (`ignored`: they start
    with a space or tab) are counted apart.
  * iocc refuses the rule when `iocc lint --suricata VERSION` reports at least one error on
    it (warnings, such as a missing `msg`, do not count).
  * a false alarm: the engine accepts, iocc refuses. A miss: the engine refuses, iocc accepts.
    Both are grouped into rule classes, from iocc's message (false alarms) or the engine's
    (misses).
"""

import argparse
import bisect
import collections
import csv
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ inside src/
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "lint", "data"))
from probe import APP_PROTOCOLS  # noqa: E402  (app-layer names from the engine sources)

VERSIONS = ("7", "8")

# Misses: the engine's first error message -> a class. First match wins.
ENGINE_CLASSES = [
    (r"unknown rule keyword", "unknown keyword"),
    (r"protocol \"[^\"]*:[^\"]*\" cannot be used|does not support hook|unknown pkt hook", "hook (8 only) / bad hook"),
    (r"protocol \"(%s)\" cannot be used in a signature" % "|".join(map(re.escape, APP_PROTOCOLS)),
     "app-layer protocol disabled in the packaged config"),
    (r"protocol \"[^\"]*\" cannot be used in a signature", "unknown protocol"),
    (r"invalid action|action scope|'accept' action|actions? allowed|actions not allowed|explicit action scope", "action / action scope"),
    (r"not a valid direction|should use both directions|transactional", "direction (=>)"),
    (r"exceeds dsize", "content vs dsize"),
    (r"exceeds bsize|urilen .* smaller than content", "content vs bsize/urilen"),
    (r"smaller than content|less than the content length", "depth/within smaller than content"),
    (r"relative keyword like within/distance with a absolute", "relative/absolute modifier mix"),
    (r"fast_pattern|fast pattern", "fast_pattern conflict"),
    (r"needs (a )?preceding content|without a content context|needs a preceding content", "modifier without content"),
    (r"can't use multiple|more than once|multiple .* modifiers", "duplicate modifier"),
    (r"invalid value for (depth|offset|distance|within): -|isdataat out of range|sid value too high|invalid input as arg", "negative / out-of-range number"),
    (r"Duplicate signature", "duplicate sid"),
    (r"missing required value \"sid\"", "missing sid"),
    (r"Variable \".*\" is not defined", "undefined variable (config)"),
    (r"dataset|datarep|datajson", "dataset (config/files)"),
    (r"lua|Lua", "lua (config/scripts)"),
    (r"iprep|Ipv6 value", "iprep (config)"),
    (r"address|Complete IP space|IP addresses", "address"),
    (r"port", "port"),
    (r"pcre", "pcre"),
    (r"byte_test|byte_jump|byte_extract|bytemath|byte_math", "byte_* keyword value"),
    (r"conflicting (alprotos|directions)|can't set rule app proto|mixes keywords|both directions", "protocol/direction conflict"),
    (r"combines packet specific matches|can't mix", "packet vs stream/app-layer mix"),
    (r"sticky buffer|setup buffer|no matches", "sticky buffer use"),
    (r"transform", "transform"),
    (r"not valid UTF-8|control\) characters", "encoding"),
    (r"firewall", "firewall rule"),
    (r"Suricata exited", "engine stopped"),
    (r"invalid formatting|bad input|malformed|quotes on|must be double quoted|no terminating|unexpected option", "bad option syntax"),
    (r".", "bad option value"),
]


def keyword_names(version):
    """Keyword names and aliases one version knows (src/lint/data)."""
    d = os.path.join(HERE, "..", "..", "src", "lint", "data", f"suricata{version}")
    with open(os.path.join(d, "keywords.csv")) as f:
        names = {line.split(";", 1)[0] for line in f}
    with open(os.path.join(d, "aliases.csv")) as f:
        names |= {row[0] for row in csv.reader(f) if row[3] == "known"}
    return names


KEYWORDS = {v: keyword_names(v) for v in VERSIONS}


def engine_class(v, version):
    if v["verdict"] == "skipped":
        return "requires (skipped)"
    msgs = [m for m in v["messages"] if m.startswith("Error") or m.startswith("Warning")]
    text = msgs[0] if msgs else ""
    if not text:
        return "refused with no message"
    m = re.search(r"unknown rule keyword '([^']*)'", text)
    other = "8" if version == "7" else "7"
    if m and m.group(1).lower() in KEYWORDS[other]:
        return f"keyword of Suricata {other} only"
    for rx, name in ENGINE_CLASSES:
        if re.search(rx, text):
            return name
    return "other"


def false_alarm_class(rule, diags):
    """The class of an iocc error on a rule the engine accepts: its code and message."""
    errs = [d for d in diags if d["severity"] == "error"]
    d = errs[0]
    if d["code"].startswith("file: "):
        return f"whole file refused: {d['message']}"
    msg = re.sub(r"\(Suricata [^)]*\)$", "", d["message"]).strip()
    return f"{d['code']}: {re.sub(r'`[^`]*`', '`…`', msg)}"


def lint(iocc, path, version):
    out = subprocess.run([iocc, "--format", "json", "lint", "--suricata", version, path],
                         capture_output=True, text=True, check=False)
    try:
        return json.loads(out.stdout)["diagnostics"]
    except (json.JSONDecodeError, KeyError):
        return [{"severity": "error", "code": "crash", "message": out.stderr.strip()[:200],
                 "line": 0, "file": path}]


def attach(rules, diags):
    """Each diagnostic to the rule starting at or before its line (None: before any rule)."""
    starts = [r["line"] for r in rules]
    per = collections.defaultdict(list)
    loose = []
    for d in diags:
        i = bisect.bisect_right(starts, d.get("line") or 0) - 1
        (per[i] if i >= 0 else loose).append(d)
    return per, loose


def measure(name, path, iocc):
    by_file = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            by_file.setdefault(r["file"], []).append(r)
    root = os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in by_file] or ["/"])
    stats = {"corpus": name, "files": len(by_file), "rules": 0, "ignored": 0, "unattributed": 0,
             "crashes": 0, "versions": {}}
    for v in VERSIONS:
        stats["versions"][v] = {"agree": 0, "accepted": 0, "refused": 0, "unnamed": 0,
                                "false_alarms": collections.Counter(),
                                "misses": collections.Counter(), "examples": {}}
    for file, rules in by_file.items():
        mine = {}
        for v in VERSIONS:
            diags = lint(iocc, file, v)
            stats["crashes"] += any(d["code"] == "crash" for d in diags)
            per, loose = attach(rules, diags)
            stats["unattributed"] += len(loose)
            # a finding with no line refuses every rule of the file
            for i in range(len(rules)):
                per[i] = per[i] + [dict(d, code="file: " + d["code"]) for d in loose
                                   if d["severity"] == "error"]
            mine[v] = per
        for i, r in enumerate(rules):
            if any(r["verdicts"][v]["verdict"] == "ignored" for v in VERSIONS):
                stats["ignored"] += 1
                continue
            stats["rules"] += 1
            for v in VERSIONS:
                s = stats["versions"][v]
                refused = r["verdicts"][v]["verdict"] in ("error", "skipped")
                errs = [d for d in mine[v][i] if d["severity"] == "error"]
                full = "7.0.10" if v == "7" else "8.0.6"
                s["unnamed"] += sum(f"Suricata {full}" not in d["message"] for d in mine[v][i]
                                    if not d["code"].startswith("file: "))
                s["refused" if refused else "accepted"] += 1
                if bool(errs) == refused:
                    s["agree"] += 1
                elif errs:
                    c = false_alarm_class(r, errs)
                    s["false_alarms"][c] += 1
                    s["examples"].setdefault(c, example(root, r))
                else:
                    c = engine_class(r["verdicts"][v], v)
                    s["misses"][c] += 1
                    s["examples"].setdefault(c, example(root, r))
    return stats


def example(root, rule):
    """file:line relative to the corpus's folder (reports name no machine paths)."""
    return f"{os.path.relpath(os.path.abspath(rule['file']), root)}:{rule['line']}"


def pct(a, b):
    return f"{100 * a / b:.1f}%" if b else "n/a"


def totals(all_stats, v):
    """Rules, agreements, accepted, refused, false alarms and misses of one version."""
    n = sum(st["rules"] for st in all_stats)
    s = [st["versions"][v] for st in all_stats]
    return (n, sum(x["agree"] for x in s), sum(x["accepted"] for x in s),
            sum(x["refused"] for x in s), sum(sum(x["false_alarms"].values()) for x in s),
            sum(sum(x["misses"].values()) for x in s))


def report(all_stats, examples):
    out = ["# `iocc lint` against Suricata 7.0.10 and 8.0.6", ""]
    out.append("| corpus | files | rules | not read (indented) | version | agreement | "
               "false alarms | misses |")
    out.append("|---|---|---|---|---|---|---|---|")
    rows = [(st["corpus"], [st]) for st in all_stats]
    if len(all_stats) > 1:
        rows.append(("**all**", all_stats))
    for name, group in rows:
        for v in VERSIONS:
            n, agree, acc, ref, fa, mi = totals(group, v)
            out.append(
                f"| {name} | {sum(st['files'] for st in group)} | {n} | "
                f"{sum(st['ignored'] for st in group)} | {v} | {pct(agree, n)} | "
                f"{fa} of {acc} ({pct(fa, acc)}) | {mi} of {ref} |")
    out.append("")
    crashes = sum(st["crashes"] for st in all_stats)
    unnamed = sum(st["versions"][v]["unnamed"] for st in all_stats for v in VERSIONS)
    out.append(f"Runs that crashed: {crashes}. Findings that do not name the version: {unnamed}.")
    for st in all_stats:
        for v in VERSIONS:
            s = st["versions"][v]
            if not (s["false_alarms"] or s["misses"]):
                continue
            out += ["", f"## {st['corpus']}, Suricata {v}", "",
                    "| kind | class | rules |" + (" example |" if examples else ""),
                    "|---|---|---|" + ("---|" if examples else "")]
            for kind, key in (("false alarm", "false_alarms"), ("miss", "misses")):
                for c in sorted(s[key], key=lambda c: (-s[key][c], c)):
                    ex = s["examples"].get(c)
                    cell = c.replace("|", "\\|")
                    out.append(f"| {kind} | {cell} | {s[key][c]} |" + (f" {ex} |" if examples else ""))
    return "\n".join(out) + "\n"


def verdict(all_stats, min_agreement, max_false_alarms):
    """Failures against the thresholds (percentages), one line each."""
    failures = []
    for v in VERSIONS:
        n, agree, acc, _, fa, _ = totals(all_stats, v)
        if n and 100 * agree / n < min_agreement:
            failures.append(f"Suricata {v}: agreement {pct(agree, n)} < {min_agreement}%")
        if acc and 100 * fa / acc > max_false_alarms:
            failures.append(f"Suricata {v}: false alarms {pct(fa, acc)} > {max_false_alarms}%")
    if any(st["crashes"] for st in all_stats):
        failures.append("iocc lint crashed")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("corpora", nargs="+", metavar="NAME=ORACLE.jsonl")
    ap.add_argument("--iocc", default=os.path.join("target", "release", "iocc"))
    ap.add_argument("--json", help="also write the figures as JSON")
    ap.add_argument("--examples", action="store_true", help="name one rule per class")
    ap.add_argument("--min-agreement", type=float, default=0.0,
                    help="exit 1 when a version's agreement (%%) is below this")
    ap.add_argument("--max-false-alarms", type=float, default=100.0,
                    help="exit 1 when a version's false alarms (%% of accepted rules) exceed this")
    args = ap.parse_args()
    all_stats = []
    for spec in args.corpora:
        name, _, path = spec.partition("=")
        all_stats.append(measure(name, path, args.iocc))
    sys.stdout.write(report(all_stats, args.examples))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_stats, f, indent=1, sort_keys=True, default=dict)
            f.write("\n")
    failures = verdict(all_stats, args.min_agreement, args.max_false_alarms)
    for line in failures:
        print(f"agreement.py: {line}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
