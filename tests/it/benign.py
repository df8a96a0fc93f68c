"""Verdicts of pymispwarninglists (slow_search=True) on the lists iocc ships, for the agreement
test in tests/it/benign.rs. Reads {"lists": [{"file", "values"}]} on stdin, writes
{"verdicts": [[bool, ...], ...]} on stdout."""
import json
import sys

from pymispwarninglists import WarningList

request = json.load(sys.stdin)
verdicts = []
for item in request["lists"]:
    with open(item["file"], encoding="utf-8") as f:
        wl = WarningList(json.load(f), slow_search=True)
    verdicts.append([value in wl for value in item["values"]])
json.dump({"verdicts": verdicts}, sys.stdout)
