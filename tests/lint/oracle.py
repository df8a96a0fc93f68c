#!/usr/bin/env python3
"""Per-rule verdicts of Suricata 7 and 8 (`suricata -T`) for rule files: the lint oracle.

Usage:
    tests/lint/oracle.py [-o OUT.jsonl] [--engines 7,8] [--jobs N] [--no-post-load]
                         [--scratch DIR] [--keep-scratch] PATH...

PATH is a `.rules` file or a folder (searched recursively for `*.rules`). Every rule that
Suricata reads becomes one JSON line:

    {"file": "x.rules", "line": 3, "rule": "alert ...",
     "mode": {"7": "ids", "8": "ids"},
     "verdicts": {"7": {"verdict": "error", "messages": ["Error: detect-content: ..."]},
                  "8": {"verdict": "ok", "messages": []}}}

Verdicts: `ok` (loaded, no message), `warning` (loaded, with a warning), `error` (refused),
`skipped` (a `requires` keyword that this version does not meet), `ignored` (a line that
starts with a space or tab: Suricata's loader never reads it as a rule). Messages are the
engine's log lines for that rule, `Level: module: text`, with the original sids and paths.

Engines (defaults are the project's machine; override with environment variables):
    SURICATA7=suricata                      SURICATA7_CONFIG=/etc/suricata/suricata.yaml
    SURICATA8=/opt/suricata8/bin/suricata   SURICATA8_CONFIG=/opt/suricata8/etc/suricata/suricata.yaml

How it scales (the 9 709 rules of suricata-verify in 2.5 to 6 minutes on 2 shared cores):
  * One `-T` run loads many files at once. Every rule is followed by a marker line that
    Suricata refuses with a known message (`An invalid action "iocc_oracle_marker"`), so every
    log line between two markers belongs to the rule between them, errors and warnings alike
    (the log is read from `suricata.log` in the `-l` folder: one ordered stream).
  * Files of one run must not see each other's sids: each rule's numeric `sid` is renumbered
    to a value unique to its file (duplicates inside one file stay duplicates, so "Duplicate
    signature" and "newer revision" replacement keep working), and mapped back in messages.
    Files that name the same dataset or datarep go to different runs.
  * Each file is copied into a folder of its own that links the original's siblings, so
    `dataset`/`datarep` `load` files (found relative to the rule file) still resolve. Files
    with keywords that read from `default-rule-path` (`lua`, `luaxform`, `filemd5`, `filesha*`) run
    alone, with `default-rule-path` set to their own folder.
  * A file named `firewall.rules` is loaded by Suricata 8 with `--firewall-rules-exclusive`
    (as suricata-verify does; such files are concatenated, one run per batch); Suricata 7 has
    no firewall mode and loads it as ordinary rules.
  * If Suricata stops before the last marker, the rule it stopped on is an `error`
    ("Suricata exited while loading this rule") and the rules after it run again.
  * The marker errors stop Suricata before its post-load stage, so a second run loads only
    the rules that parsed, without markers, and collects the post-load warnings (a flowbit
    checked but set nowhere, SYN-only port warnings) that name a sid.
  * Errors that Suricata reports only once per keyword (`ja3`/`ja4`/`hassh` keywords when
    the feature is off) are attributed to the later rules that use the same keyword, checked
    against the engine's own count of failed rules.

What it cannot decide is listed in tests/lint/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

ENGINES = {
    "7": (
        os.environ.get("SURICATA7", "suricata"),
        os.environ.get("SURICATA7_CONFIG", "/etc/suricata/suricata.yaml"),
    ),
    "8": (
        os.environ.get("SURICATA8", "/opt/suricata8/bin/suricata"),
        os.environ.get("SURICATA8_CONFIG", "/opt/suricata8/etc/suricata/suricata.yaml"),
    ),
}

MARKER = "iocc_oracle_marker ip any any -> any any (sid:1;)"
MARKER_WORD = "iocc_oracle_marker"
# Keywords that load a file relative to default-rule-path: such files run alone, with
# default-rule-path set to their folder. (dataset/datarep `load` files are found relative
# to the rule file itself, which the scratch copy keeps by linking its siblings.)
DEFAULT_PATH_KEYWORDS = {"lua", "luajit", "luaxform", "filemd5", "filesha1", "filesha256"}
# Keywords whose setup errors Suricata logs only once per engine (SigMatchSilentErrorEnabled).
SILENT_KEYWORDS = {
    "ja3.hash", "ja3_hash", "ja3.string", "ja3_string", "ja3s.hash", "ja3s.string",
    "ja4.hash", "ja4_hash", "ssh.hassh", "ssh-hassh", "ssh.hassh.string", "ssh-hassh-string",
    "ssh.hassh.server", "ssh-hassh-server", "ssh.hassh.server.string",
    "ssh-hassh-server-string",
}
MAX_RULE = 8192  # DETECT_MAX_RULE_SIZE: the loader's line buffer
SID_BASE = 3_000_000_000  # renumbered sids: unique, and easy to spot in messages
BATCH_FILES = 400
BATCH_RULES = 6000

LOG_RE = re.compile(r"^\[\d+ - [^\]]*\] \S+ \S+ (\w+): ([\w.-]+): (.*)$")
PARSE_ERR_RE = re.compile(r'^error parsing signature ".*" from file (.*) at line (\d+)$')
SKIP_RE = re.compile(r"^Skipping signature due to missing requirements: .* from file (.*) at line (\d+)$")
SUMMARY_RE = re.compile(r"rule files processed\. (\d+) rules successfully loaded, (\d+) rules failed")


@dataclass
class Rule:
    """One logical rule as Suricata's loader reads it (continuation lines joined)."""

    file: str
    line: int
    raw: str  # latin-1 text, byte for byte what Suricata parses
    ignored: bool = False
    opts: list[str] | None = None  # options split on unescaped `;`, or None
    results: dict = field(default_factory=dict)  # engine -> {"verdict", "messages"}

    def keywords(self) -> set[str]:
        if self.opts is None:
            return set()
        return {o.split(":", 1)[0].strip().lower() for o in self.opts if o.strip()}


def read_rules(path: str) -> list[Rule]:
    """Emulates DetectLoadSigFile (detect-engine-loader.c) of both versions."""
    with open(path, "rb") as f:
        data = f.read().decode("latin-1")
    rules: list[Rule] = []
    buf, start, lineno = "", 0, 0
    # fgets splits on "\n" only (a lone "\r" stays inside the line)
    for phys in re.findall(r"[^\n]*\n|[^\n]+$", data):
        phys_has_nl = phys.endswith("\n")
        lineno += 1
        line = buf + phys
        if not buf:
            start = lineno
            if line[0] in "\n\r#" or line[0] in " \t":
                if line[0] in " \t" and line.strip() and not line.strip().startswith("#"):
                    rules.append(Rule(path, lineno, line.rstrip("\r\n"), ignored=True))
                continue
        stripped = line.rstrip(" \t\r\n\f\v")
        if stripped.endswith("\\") and len(stripped) < MAX_RULE - 1:
            buf = stripped[:-1]
            continue
        buf = ""
        if phys_has_nl or line.endswith("\r"):  # the loader drops one trailing \n or \r
            line = line[:-1]
        rules.append(Rule(path, start, line))
    if buf:  # a file ending in a continuation line: fgets hits EOF, the buffer is dropped
        pass
    for r in rules:
        r.opts = split_options(r.raw)
    return rules


def split_options(raw: str) -> list[str] | None:
    """The option list between the first `(` and the last `)`, split on unescaped `;`."""
    a, b = raw.find("("), raw.rfind(")")
    if a < 0 or b < a:
        return None
    body, out, cur, esc = raw[a + 1 : b], [], [], False
    for c in body:
        if esc:
            cur.append(c)
            esc = False
        elif c == "\\":
            cur.append(c)
            esc = True
        elif c == ";":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur))
    return out


def renumber(rule: Rule, sidmap: dict[str, int], alloc) -> str:
    """The rule with every plain numeric sid replaced by its per-file unique number."""
    if rule.opts is None:
        return rule.raw
    a, b = rule.raw.find("("), rule.raw.rfind(")")
    new = []
    for o in rule.opts:
        name, sep, val = o.partition(":")
        v = val.strip()
        if sep and name.strip().lower() == "sid" and v.isdigit() and 0 < int(v) < 2**32:
            if v not in sidmap:
                sidmap[v] = alloc()
            o = f"{name}:{val.replace(v, str(sidmap[v]), 1)}"
        new.append(o)
    return rule.raw[: a + 1] + ";".join(new) + rule.raw[b:]


@dataclass
class Job:
    engine: str
    files: list[str]
    solo_dir: str | None  # default-rule-path for a file that reads files relative to it
    firewall: bool  # Suricata 8 --firewall-rules-exclusive: all files concatenated into one
    subset: dict[str, list[Rule]] | None = None  # only these rules (a rerun after a stop)


class Runner:
    def __init__(self, rules_by_file: dict[str, list[Rule]], scratch: str, post_load: bool):
        self.rules = rules_by_file
        self.scratch = scratch
        self.post_load = post_load
        self.notes: list[str] = []

    def run(self, job: Job, n: int, name: str = "") -> None:
        name = name or f"{job.engine}-{n:05d}"
        base = os.path.join(self.scratch, name)
        logdir = base + "/log"
        os.makedirs(logdir)
        sid_back: dict[int, tuple[str, str]] = {}  # renumbered sid -> (file, original sid)
        next_sid = [SID_BASE + n * 100_000]

        def alloc() -> int:
            next_sid[0] += 1
            return next_sid[0]

        texts: dict[str, list[tuple[Rule, str]]] = {}
        for f in job.files:
            sidmap: dict[str, int] = {}
            live = job.subset[f] if job.subset else [r for r in self.rules[f] if not r.ignored]
            texts[f] = [(r, renumber(r, sidmap, alloc)) for r in live]
            for orig, new in sidmap.items():
                sid_back[new] = (f, orig)
        for f in job.files:
            for r, _ in texts[f]:
                r.results[job.engine] = {"verdict": "ok", "messages": []}
        linemap, where = self.write(job, base + "/marked", texts, marked=True)
        log = self.engine_run(job, base + "/marked", logdir, "marked")
        summary, seen = self.attribute(job, log, linemap, where, sid_back)
        rest = self.unfinished(job, linemap, seen)
        if rest is not None:
            if rest:
                self.run(Job(job.engine, list(rest), job.solo_dir, job.firewall, rest), n,
                         name + "r")
            texts = {f: [(r, t) for r, t in ts if all(r is not x for x in rest.get(f, []))]
                     for f, ts in texts.items()}
        elif summary != "none loaded":
            self.check_silent(job, texts, summary, sum(len(m) for m in linemap.values()))
        if self.post_load:
            self.write(job, base + "/clean", texts, marked=False)
            log = self.engine_run(job, base + "/clean", logdir, "clean")
            self.attribute_post_load(job, log, texts, sid_back)

    def write(self, job, mdir, texts, marked):
        """Writes the job's rule files; returns {path: [Rule or None (marker) per line]}."""
        linemap: dict[str, list] = {}
        where: dict[str, str] = {}
        os.makedirs(mdir)
        for i, f in enumerate(job.files):
            if job.firewall:
                d = mdir
                path = os.path.join(mdir, "firewall.rules")
            else:
                d = os.path.join(mdir, f"{i:05d}")
                os.makedirs(d)
                path = os.path.join(d, os.path.basename(f))
            if job.solo_dir or not job.firewall:
                link_siblings(f, d)
            where[path] = f
            lines = linemap.setdefault(path, [])
            with open(path, "a", encoding="latin-1", newline="") as out:
                for r, t in texts[f]:
                    if not marked and r.results[job.engine]["verdict"] not in ("ok", "warning"):
                        continue
                    if marked:
                        out.write(MARKER + "\n")
                        lines.append(None)
                    out.write(t + "\n")
                    lines.append(r)
                if marked:
                    out.write(MARKER + "\n")
                    lines.append(None)
        return linemap, where

    def engine_run(self, job: Job, rdir: str, logdir: str, tag: str) -> list[tuple[str, str, str]]:
        binary, config = ENGINES[job.engine]
        logfile = os.path.join(logdir, "suricata.log")
        if os.path.exists(logfile):
            os.rename(logfile, logfile + ".marked")
        cmd = ["nice", binary, "-T", "-c", config, "-l", logdir,
               "--set", f"default-rule-path={job.solo_dir or rdir}"]
        if job.firewall:
            cmd += ["--firewall-rules-exclusive", os.path.join(rdir, "firewall.rules")]
        else:  # the loader expands the pattern itself, in sorted order
            cmd += ["-S", os.path.join(rdir, "*", "*.rules")]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        records = []
        try:
            with open(logfile, encoding="latin-1") as f:
                for line in f:
                    m = LOG_RE.match(line.rstrip("\n"))
                    if m:
                        records.append((m.group(1), m.group(2), m.group(3)))
                    elif records:  # a message that spans lines
                        lvl, mod, msg = records[-1]
                        records[-1] = (lvl, mod, msg + "\n" + line.rstrip("\n"))
        except FileNotFoundError:
            self.notes.append(f"{job.engine} {tag} {job.files[:3]}: no log written")
        return records

    def unfinished(self, job, linemap, seen):
        """After a run that stopped early: marks the rule it stopped on, returns the rest.

        None when every marker was seen (the run went through every rule)."""
        rest: dict[str, list[Rule]] = {}
        stopped = None
        for path, lines in linemap.items():
            for n, rule in enumerate(lines, 1):
                if rule is None or (path, n + 1) in seen:
                    continue
                if stopped is None:
                    stopped = rule
                    res = rule.results[job.engine]
                    res["verdict"] = "error"
                    res["messages"].append("Error: oracle: Suricata exited while loading this rule")
                else:
                    rest.setdefault(rule.file, []).append(rule)
        return None if stopped is None else rest

    def attribute(self, job, records, linemap, where, sid_back):
        """Gives every log line between two markers to the rule between them."""
        eng = job.engine
        cur: Rule | None = None
        summary = None
        seen: set[tuple[str, int]] = set()
        for level, module, msg in records:
            if level in ("Notice", "Config", "Perf"):
                continue
            if "rule files specified, but no rules were loaded" in msg:
                summary = "none loaded"
                continue
            m = PARSE_ERR_RE.match(msg) or SKIP_RE.match(msg)
            if m and m.group(1) in linemap:
                lines, n = linemap[m.group(1)], int(m.group(2))
                if lines[n - 1] is None:  # a marker: the next rule starts
                    seen.add((m.group(1), n))
                    cur = lines[n] if n < len(lines) else None
                else:
                    verdict = "skipped" if msg.startswith("Skipping") else "error"
                    lines[n - 1].results[eng]["verdict"] = verdict
                continue
            if MARKER_WORD in msg:
                continue
            sm = SUMMARY_RE.search(msg)
            if sm:
                summary = (int(sm.group(1)), int(sm.group(2)))
                cur = None
                continue
            if cur is None:
                continue
            res = cur.results[eng]
            res["messages"].append(clean(f"{level}: {module}: {msg}", sid_back, where))
            if level == "Warning" and res["verdict"] == "ok":
                res["verdict"] = "warning"
        return summary, seen

    def check_silent(self, job, texts, summary, lines):
        """Rules refused without a message: Suricata logs a silent keyword's error once."""
        eng = job.engine
        if summary is None:  # firewall mode stops at the first bad file, with no summary
            if not job.firewall:
                self.notes.append(f"{eng}: no load summary for {job.files[:3]}")
            return
        markers = lines - sum(len(t) for t in texts.values())
        failed = summary[1] - markers
        seen = [r for f in job.files for r, _ in texts[f]]
        refused = sum(1 for r in seen if r.results[eng]["verdict"] == "error")
        if failed == refused:
            return
        loud: dict[str, Rule] = {}
        for r in seen:
            res = r.results[eng]
            kws = r.keywords() & SILENT_KEYWORDS
            if res["verdict"] == "error":
                for k in kws:
                    loud.setdefault(k, r)
            elif res["verdict"] in ("ok", "warning"):
                hit = [k for k in kws if k in loud]
                if hit:
                    first = loud[hit[0]]
                    res["verdict"] = "error"
                    res["messages"].append(
                        f"Error: oracle: refused silently; Suricata logged this keyword's error once, "
                        f"at {first.file}:{first.line}: {' | '.join(first.results[eng]['messages'])}")
                    refused += 1
        if failed != refused:
            self.notes.append(
                f"{eng}: engine counts {failed} failed rules, oracle attributes {refused}, in "
                f"{', '.join(job.files[:3])}{' ...' if len(job.files) > 3 else ''}")

    def attribute_post_load(self, job, records, texts, sid_back):
        eng = job.engine
        after = False
        by_sid: dict[tuple[str, str], list[Rule]] = {}
        for f in job.files:
            for r, t in texts[f]:
                for o in r.opts or []:
                    name, _, val = o.partition(":")
                    if name.strip().lower() == "sid":
                        by_sid.setdefault((f, val.strip()), []).append(r)
        for level, module, msg in records:
            if SUMMARY_RE.search(msg):
                after = True
                continue
            if not after or level not in ("Warning", "Error"):
                continue
            if "Loading signatures failed" in msg or "firewall mode is EXPERIMENTAL" in msg:
                continue
            hits = {int(x) for x in re.findall(r"\b\d{10}\b", msg)} & set(sid_back)
            if not hits:
                self.notes.append(f"{eng} post-load, unattributed: {level}: {module}: {msg}")
                continue
            for h in hits:
                for r in by_sid.get(sid_back[h], []):
                    res = r.results[eng]
                    if res["verdict"] not in ("ok", "warning"):
                        continue
                    res["messages"].append(clean(f"{level}: {module}: {msg} (post-load)", sid_back, {}))
                    res["verdict"] = "error" if level == "Error" else "warning"


def clean(msg: str, sid_back: dict[int, tuple[str, str]], where: dict[str, str]) -> str:
    def back(m):
        v = int(m.group(0))
        return sid_back[v][1] if v in sid_back else m.group(0)

    msg = re.sub(r"\b\d{10}\b", back, msg)
    for scratch, orig in where.items():  # the copy, then its folder (linked siblings)
        msg = msg.replace(scratch, orig)
        msg = msg.replace(os.path.dirname(scratch) + "/", os.path.dirname(os.path.abspath(orig)) + "/")
    return msg


def link_siblings(path: str, into: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    for name in os.listdir(d):
        if name.endswith(".rules"):
            continue
        dst = os.path.join(into, name)
        if not os.path.exists(dst):
            os.symlink(os.path.join(d, name), dst)


def collect(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                out += [os.path.join(root, f) for f in sorted(files) if f.endswith(".rules")]
        else:
            out.append(p)
    return out


def needs_rule_path(rules: list[Rule]) -> bool:
    """Keywords that read a file relative to default-rule-path (not to the rule file)."""
    kws = set().union(*(r.keywords() for r in rules)) if rules else set()
    return bool(kws & DEFAULT_PATH_KEYWORDS)


def set_names(rules: list[Rule]) -> set[str]:
    """Dataset and datarep names: global to one engine, so files sharing one run apart."""
    names = set()
    for r in rules:
        for o in r.opts or []:
            k, _, v = o.partition(":")
            k, parts = k.strip().lower(), [p.strip() for p in v.split(",")]
            if k == "dataset" and len(parts) > 1:
                names.add(parts[1])
            elif k == "datarep" and parts:
                names.add(parts[0])
    return names


def plan(files: list[str], rules: dict[str, list[Rule]], engines: list[str]) -> list[Job]:
    """Groups files into engine runs: files of one run share no dataset name."""
    jobs = []
    for eng in engines:
        open_batches: dict[bool, list[list]] = {False: [], True: []}  # [files, names, rules]
        for f in files:
            firewall = eng == "8" and os.path.basename(f) == "firewall.rules"
            names = set_names(rules[f])
            # a firewall batch is one concatenated file: no folder of its own for `load` files
            if needs_rule_path(rules[f]) or (firewall and names):
                jobs.append(Job(eng, [f], os.path.dirname(os.path.abspath(f)), firewall))
                continue
            for batch in open_batches[firewall]:
                if not names & batch[1] and len(batch[0]) < BATCH_FILES and batch[2] < BATCH_RULES:
                    batch[0].append(f)
                    batch[1] |= names
                    batch[2] += len(rules[f])
                    break
            else:
                open_batches[firewall].append([[f], set(names), len(rules[f])])
        for firewall, batches in open_batches.items():
            jobs += [Job(eng, b[0], None, firewall) for b in batches]
    return jobs


def engine_version(eng: str) -> str:
    out = subprocess.run([ENGINES[eng][0], "-V"], capture_output=True, text=True, check=False)
    m = re.search(r"version (\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("-o", "--out", default="-", help="JSONL output (default stdout)")
    ap.add_argument("--engines", default="7,8")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-post-load", action="store_true", help="skip the second, clean run")
    ap.add_argument("--scratch", help="scratch folder (default: a new temporary one)")
    ap.add_argument("--keep-scratch", action="store_true")
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    t0 = time.time()
    files = collect(args.paths)
    rules = {f: read_rules(f) for f in files}
    versions = {e: engine_version(e) for e in engines}
    scratch = args.scratch or tempfile.mkdtemp(prefix="iocc-oracle-")
    os.makedirs(scratch, exist_ok=True)
    runner = Runner(rules, scratch, not args.no_post_load)
    for f in files:
        for r in rules[f]:
            if r.ignored:
                r.results = {e: {"verdict": "ignored", "messages": []} for e in engines}
    jobs = plan(files, rules, engines)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(lambda a: runner.run(*a), [(j, n) for n, j in enumerate(jobs)]))
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    counts = {e: {} for e in engines}
    modes = {}
    for f in files:
        for r in rules[f]:
            mode = {e: "firewall" if e == "8" and os.path.basename(f) == "firewall.rules" else "ids"
                    for e in engines}
            modes[f] = mode
            text = r.raw.encode("latin-1").decode("utf-8", "replace")
            rec = {"file": f, "line": r.line, "rule": text, "mode": mode, "verdicts": r.results}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            for e in engines:
                v = r.results[e]["verdict"]
                counts[e][v] = counts[e].get(v, 0) + 1
    if out is not sys.stdout:
        out.close()
    if not args.keep_scratch and not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    nrules = sum(len(v) for v in rules.values())
    print(f"oracle: {len(files)} files, {nrules} rules, {len(jobs)} engine runs, "
          f"{time.time() - t0:.1f}s", file=sys.stderr)
    for e in engines:
        print(f"  suricata {versions[e]}: {json.dumps(dict(sorted(counts[e].items())))}", file=sys.stderr)
    for n in runner.notes:
        print(f"  note: {n}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
