#!/usr/bin/env python3
"""How far `iocc lint` agrees with Suricata 7 and 8, per rule, from oracle runs.

Usage:
    tests/lint/agreement.py [--iocc target/release/iocc] [--json OUT.json] [--examples N]
                            NAME=ORACLE.jsonl [NAME=ORACLE.jsonl ...]

Each ORACLE.jsonl is the output of tests/lint/oracle.py on one corpus. Every rule file named in
it is linted on its own (`iocc --format json lint FILE`: a file at a time, so sids repeated in
different files are not reported as duplicates), and each diagnostic goes to the rule that
starts at or before its line. Prints a Markdown report on stdout.

Per rule and per Suricata version:
  * the engine refuses the rule when its verdict is `error` or `skipped` (`requires`: the
    issue's definition of an error is "Suricata will refuse or skip this rule"), and accepts
    it when the verdict is `ok` or `warning`. Lines Suricata never reads (`ignored`: they start
    with a space or tab) are counted apart.
  * iocc refuses the rule when it reports at least one error on it. Column "as today" takes
    iocc's errors as they are; column "style as warnings" does not count the
    `missing-rule-option` errors for `msg`/`rev` (Suricata requires neither; the issue makes
    them warnings).
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
STYLE_RE = re.compile(r"the rule has no `(msg|rev)`")

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
    """The class of an iocc error on a rule the engine accepts."""
    text = rule["rule"]
    head = text.split("(", 1)[0].split()
    errs = [d for d in diags if d["severity"] == "error"]
    substantive = [d for d in errs if not STYLE_RE.search(d["message"])]
    if not substantive:
        kinds = sorted({STYLE_RE.search(d["message"]).group(1) for d in errs})
        return "missing " + "/".join(kinds) + " (style)"
    d = substantive[0]
    msg = d["message"]
    if d["code"].startswith("file: "):
        return f"whole file refused: {msg}"
    if head and (":" in head[0] or head[0] == "accept"):
        return "Suricata 8 action/scope"
    if len(head) > 1 and ":" in head[1]:
        return "Suricata 8 hook"
    if "=>" in head:
        return "Suricata 8 `=>`"
    if re.search(r"content\s*:\s*!", text) and "quoted" in msg:
        return "negated content"
    if len(head) > 5 and any("," in h and not h.startswith(("[", "![", "$")) for h in (head[2], head[5])):
        return "unbracketed address list"
    if not text.rstrip().endswith(")"):
        return "rule not closed by `)`"
    if d["code"] == "duplicate-sid" or "sid" in msg and "twice" in msg:
        return "duplicate sid (replacement by rev)"
    return f"other: {d['code']}: {re.sub(r'`[^`]*`', '`…`', msg)}"


def lint(iocc, path):
    out = subprocess.run([iocc, "--format", "json", "lint", path], capture_output=True,
                         text=True, check=False)
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


def iocc_refuses(diags, style_as_warning):
    for d in diags:
        if d["severity"] != "error":
            continue
        if style_as_warning and STYLE_RE.search(d["message"]):
            continue
        return True
    return False


def measure(name, path, iocc):
    by_file = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            by_file.setdefault(r["file"], []).append(r)
    root = os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in by_file] or ["/"])
    stats = {"corpus": name, "files": len(by_file), "rules": 0, "ignored": 0, "unattributed": 0,
             "versions": {}}
    for v in VERSIONS:
        stats["versions"][v] = {mode: {"agree": 0, "accepted": 0, "refused": 0,
                                       "false_alarms": collections.Counter(),
                                       "misses": collections.Counter(), "examples": {}}
                                for mode in ("today", "style")}
    stats["both"] = {mode: {"rules": 0, "agree": 0} for mode in ("today", "style")}
    for file, rules in by_file.items():
        diags = lint(iocc, file)
        per, loose = attach(rules, diags)
        stats["unattributed"] += len(loose)
        # a finding with no line (a file that is not UTF-8) refuses every rule of the file
        for i in range(len(rules)):
            per[i] = per[i] + [dict(d, code="file: " + d["code"]) for d in loose
                               if d["severity"] == "error"]
        for i, r in enumerate(rules):
            if any(r["verdicts"][v]["verdict"] == "ignored" for v in VERSIONS):
                stats["ignored"] += 1
                continue
            stats["rules"] += 1
            refuse = {v: r["verdicts"][v]["verdict"] in ("error", "skipped") for v in VERSIONS}
            for mode in ("today", "style"):
                mine = iocc_refuses(per[i], mode == "style")
                if refuse["7"] == refuse["8"]:
                    stats["both"][mode]["rules"] += 1
                    stats["both"][mode]["agree"] += mine == refuse["7"]
                for v in VERSIONS:
                    s = stats["versions"][v][mode]
                    s["refused" if refuse[v] else "accepted"] += 1
                    if mine == refuse[v]:
                        s["agree"] += 1
                    elif mine:
                        c = false_alarm_class(r, per[i])
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


def report(all_stats, examples):
    out = ["# `iocc lint` against Suricata 7.0.10 and 8.0.6", ""]
    out.append("| corpus | files | rules | not read (indented) | version | agreement as today | "
               "false alarms | misses | agreement, style as warnings | false alarms | misses |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for st in all_stats:
        for v in VERSIONS:
            t, s = st["versions"][v]["today"], st["versions"][v]["style"]
            n = st["rules"]
            out.append(
                f"| {st['corpus']} | {st['files']} | {n} | {st['ignored']} | {v} | "
                f"{pct(t['agree'], n)} | {sum(t['false_alarms'].values())} of {t['accepted']} "
                f"({pct(sum(t['false_alarms'].values()), t['accepted'])}) | "
                f"{sum(t['misses'].values())} of {t['refused']} | {pct(s['agree'], n)} | "
                f"{sum(s['false_alarms'].values())} of {s['accepted']} ({pct(sum(s['false_alarms'].values()), s['accepted'])}) | "
                f"{sum(s['misses'].values())} of {s['refused']} |")
    if len(all_stats) > 1:
        for v in VERSIONS:
            n = sum(st["rules"] for st in all_stats)
            cells = []
            for mode in ("today", "style"):
                agree = sum(st["versions"][v][mode]["agree"] for st in all_stats)
                acc = sum(st["versions"][v][mode]["accepted"] for st in all_stats)
                ref = sum(st["versions"][v][mode]["refused"] for st in all_stats)
                fa = sum(sum(st["versions"][v][mode]["false_alarms"].values()) for st in all_stats)
                mi = sum(sum(st["versions"][v][mode]["misses"].values()) for st in all_stats)
                cells += [pct(agree, n), f"{fa} of {acc} ({pct(fa, acc)})", f"{mi} of {ref}"]
            out.append(f"| **all** | {sum(st['files'] for st in all_stats)} | {n} | "
                       f"{sum(st['ignored'] for st in all_stats)} | {v} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Rules on which both versions agree: " + "; ".join(
        f"{st['corpus']}: {st['both']['today']['rules']} rules, {pct(st['both']['today']['agree'], st['both']['today']['rules'])} "
        f"agreement as today, {pct(st['both']['style']['agree'], st['both']['style']['rules'])} with style as warnings"
        for st in all_stats) + ".")
    for st in all_stats:
        for v in VERSIONS:
            t, s = st["versions"][v]["today"], st["versions"][v]["style"]
            if not (t["false_alarms"] or t["misses"] or s["false_alarms"] or s["misses"]):
                continue
            out += ["", f"## {st['corpus']}, Suricata {v}", "",
                    "| kind | class | as today | style as warnings |" + (" example |" if examples else ""),
                    "|---|---|---|---|" + ("---|" if examples else "")]
            for kind, key in (("false alarm", "false_alarms"), ("miss", "misses")):
                classes = sorted(set(t[key]) | set(s[key]), key=lambda c: (-max(t[key][c], s[key][c]), c))
                for c in classes:
                    ex = t["examples"].get(c) or s["examples"].get(c)
                    out.append(f"| {kind} | {c} | {t[key][c]} | {s[key][c]} |" + (f" {ex} |" if examples else ""))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("corpora", nargs="+", metavar="NAME=ORACLE.jsonl")
    ap.add_argument("--iocc", default=os.path.join("target", "release", "iocc"))
    ap.add_argument("--json", help="also write the figures as JSON")
    ap.add_argument("--examples", action="store_true", help="name one rule per class")
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


if __name__ == "__main__":
    main()
