#!/usr/bin/env python3
"""Asks each Suricata which rule-header words and keyword aliases it accepts.

Called by regenerate.sh. For every candidate (an action, a protocol, a protocol:hook, a
direction, a keyword alias) it writes one probe rule, loads all of them with
tests/lint/oracle.py (IDS mode, and Suricata 8's firewall mode), and writes one CSV per
table into suricata7/ and suricata8/. A cell is `ok`, or the engine's first message.

The candidates come from the engine sources at the tags suricata-7.0.10 and suricata-8.0.6
(the file that defines each list is named beside it); the verdicts come from the engines.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "..", "..", "..", "tests", "lint", "oracle.py")

# src/detect-parse.c ActionStringToFlags (7.0.10 and 8.0.6; `accept` is 8 only) and, for 8,
# SigParseActionDo: the scopes after `:`.
ACTIONS = ["alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "config",
           "accept", "block", "sdrop", "log"]
SCOPES = ["packet", "flow", "hook", "tx"]
# src/detect-engine-proto.c DetectProtoParse (both versions).
BASE_PROTOCOLS = ["ip", "pkthdr", "ipv4", "ip4", "ipv6", "ip6", "tcp", "tcp-pkt", "tcp-stream",
                  "udp", "icmp", "icmpv4", "icmpv6", "sctp", "igmp", "esp", "gre"]
# src/app-layer-protos.c (7.0.10 table; 8.0.6 AppProtoRegisterProtoString calls) and the
# Rust parsers that register their own names (snmp, ldap, ...), plus the engines' own
# --list-app-layer-protos output (added at run time).
APP_PROTOCOLS = ["http", "http1", "http2", "ftp", "ftp-data", "smtp", "tls", "ssh", "imap",
                 "pop3", "jabber", "smb", "dcerpc", "irc", "dns", "doh2", "modbus", "enip",
                 "dnp3", "nfs", "ntp", "tftp", "ike", "ikev2", "krb5", "quic", "dhcp", "snmp",
                 "sip", "rfb", "mqtt", "pgsql", "telnet", "rdp", "bittorrent-dht", "websocket",
                 "ldap", "mdns", "template", "failed", "unknown"]
# src/detect-parse.c HookPktFromString (8.0.6): hooks of packet protocols.
PKT_HOOKS = ["flow_start", "pre_flow", "pre_stream", "all"]
# src/detect-parse.c SigParseProtoHookApp (8.0.6): generic app-layer hooks; the per-protocol
# states come from `suricata --list-app-layer-hooks` (app-layer-hooks.txt).
GENERIC_APP_HOOKS = ["request_started", "request_complete", "response_started",
                     "response_complete"]
# src/detect-parse.c SigParseBasics: `->` and `<>` (both), `=>` (8.0.6 only).
DIRECTIONS = ["->", "<>", "=>", "<-"]
# Keyword aliases: `sigmatch_table[...].alias = ...` in src/detect-*.c and
# SCDetectHelperKeywordAliasRegister in rust/src (file named per entry).
ALIASES = [
    ("ack", "tcp.ack", "src/detect-tcp-ack.c"),
    ("seq", "tcp.seq", "src/detect-tcp-seq.c"),
    ("flags", "tcp.flags", "src/detect-tcp-flags.c"),
    ("window", "tcp.window", "src/detect-tcp-window.c"),
    ("dce_iface", "dcerpc.iface", "src/detect-dce-iface.c"),
    ("dce_opnum", "dcerpc.opnum", "src/detect-dce-opnum.c"),
    ("dce_stub_data", "dcerpc.stub_data", "src/detect-dce-stub-data.c"),
    ("dns_query", "dns.query", "src/detect-dns-query.c (7); rust/src/dns/detect.rs (8, alias of dns.query.name)"),
    ("file_data", "file.data", "src/detect-file-data.c"),
    ("http.uri.normalized", "http.uri", "src/detect-http-uri.c"),
    ("http_header_names", "http.header_names", "src/detect-http-header-names.c"),
    ("http_protocol", "http.protocol", "src/detect-http-protocol.c"),
    ("http_request_line", "http.request_line", "src/detect-http-request-line.c"),
    ("http_response_line", "http.response_line", "src/detect-http-response-line.c"),
    ("http_start", "http.start", "src/detect-http-start.c"),
    ("ja3_hash", "ja3.hash", "src/detect-tls-ja3-hash.c"),
    ("ja3_string", "ja3.string", "src/detect-tls-ja3-string.c"),
    ("ja4_hash", "ja4.hash", "src/detect-ja4-hash.c"),
    ("krb5_cname", "krb5.cname", "src/detect-krb5-cname.c"),
    ("krb5_sname", "krb5.sname", "src/detect-krb5-sname.c"),
    ("luajit", "lua", "src/detect-lua.c (7 only)"),
    ("mqtt.connack.return_code", "mqtt.reason_code", "src/detect-mqtt-reason-code.c (7)"),
    ("nfs_version", "nfs.version", "src/detect-nfs-version.c"),
    ("ssh-hassh", "ssh.hassh", "src/detect-ssh-hassh.c"),
    ("ssh-hassh-server", "ssh.hassh.server", "src/detect-ssh-hassh-server.c"),
    ("ssh-hassh-server-string", "ssh.hassh.server.string", "src/detect-ssh-hassh-server-string.c"),
    ("ssh-hassh-string", "ssh.hassh.string", "src/detect-ssh-hassh-string.c"),
    ("ssh_proto", "ssh.proto", "src/detect-ssh-proto.c"),
    ("ssh_software", "ssh.software", "src/detect-ssh-software.c"),
    ("smb_named_pipe", "smb.named_pipe", "src/detect-smb-share.c"),
    ("smb_share", "smb.share", "src/detect-smb-share.c"),
    ("tls.store", "tls_store", "src/detect-tls.c"),
    ("tls_cert_fingerprint", "tls.cert_fingerprint", "src/detect-tls-cert-fingerprint.c"),
    ("tls_cert_issuer", "tls.cert_issuer", "src/detect-tls-cert-issuer.c"),
    ("tls_cert_serial", "tls.cert_serial", "src/detect-tls-cert-serial.c"),
    ("tls_cert_subject", "tls.cert_subject", "src/detect-tls-cert-subject.c"),
    ("tls_sni", "tls.sni", "src/detect-tls-sni.c"),
    ("dnp3.func", "dnp3_func", "src/detect-dnp3.c"),
    ("dnp3.ind", "dnp3_ind", "src/detect-dnp3.c"),
    ("dnp3.obj", "dnp3_obj", "src/detect-dnp3.c"),
    ("dnp3_data", "dnp3.data", "src/detect-dnp3.c"),
]


def lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("=")]


def probes(version):
    """(table, key, columns..., rule text, mode) for every probe of one version."""
    d = os.path.join(HERE, f"suricata{version}")
    app = sorted(set(APP_PROTOCOLS) | set(lines(os.path.join(d, "app-layer-protos.txt"))))
    out = []
    for a in ACTIONS:
        out.append(("actions", a, f"{a} tcp any any -> any any (sid:1;)",
                    f"{a} tcp:all any any -> any any (sid:1;)"))
        for s in SCOPES:
            out.append(("actions", f"{a}:{s}", f"{a}:{s} tcp any any -> any any (sid:1;)",
                        f"{a}:{s} tcp:all any any -> any any (sid:1;)"))
    for p in BASE_PROTOCOLS + app:
        out.append(("protocols", p, f"alert {p} any any -> any any (sid:1;)", None))
    hooks = [f"{p}:{h}" for p in ["ip", "tcp", "udp", "icmp", "sctp"] for h in PKT_HOOKS]
    hooks += [f"{p}:{h}" for p in ["http", "dns", "tls", "ssh"] for h in GENERIC_APP_HOOKS]
    hooks += [f"{p}:nonexistent_hook" for p in ["tcp", "dns"]]
    hook_file = os.path.join(d, "app-layer-hooks.txt")
    if os.path.exists(hook_file):
        hooks += lines(hook_file)
    for h in sorted(set(hooks)):
        out.append(("hooks", h, f"alert {h} any any -> any any (sid:1;)",
                    f"accept:hook {h} any any -> any any (sid:1;)"))
    for dr in DIRECTIONS:
        out.append(("directions", dr, f"alert tcp any any {dr} any any (sid:1;)", None))
    for alias, canonical, _ in ALIASES + [(c, c, "") for _, c, _ in ALIASES]:
        out.append(("names", alias, f"alert tcp any any -> any any ({alias}; sid:1;)", None))
    for kw in keyword_names(d):
        for probe, value in SYNTAX_PROBES:
            out.append(("syntax", (kw, probe), f"alert tcp any any -> any any ({kw}{value} sid:1;)",
                        None))
    return out


# How each keyword takes its value, asked with four probes per keyword (the option parser of
# src/detect-parse.c, SigParseOptions, checks these before the keyword's own parser runs).
SYNTAX_PROBES = [("bare", ";"), ("quoted", ':"iocc";'), ("plain", ":iocc;"),
                 ("negated", ':!"iocc";')]


def keyword_names(d):
    with open(os.path.join(d, "keywords.csv")) as f:
        return [line.split(";", 1)[0] for line in list(f)[1:] if line.strip()]


def syntax_row(kw, cells):
    """keyword, value (required/optional/none), quotes (mandatory/optional/none), negation."""
    def says(probe, text):
        return text in cells.get(probe, "")
    if says("quoted", "unexpected option to"):
        value = "none"
    elif says("bare", "invalid formatting or malformed option"):
        value = "required"
    else:
        value = "optional"
    if value == "none":
        quotes = "none"
    elif says("quoted", "quotes on"):
        quotes = "none"
    elif says("plain", "must be double quoted"):
        quotes = "mandatory"
    else:
        quotes = "optional"
    if quotes == "mandatory":
        negation = "no" if says("negated", "must be double quoted") else "yes"
    elif quotes == "none" and value != "none":
        negation = "yes" if says("negated", "quotes on") else "no"
    else:
        negation = "unknown"
    return [kw, value, quotes, negation]


def first_message(v, sid):
    """`ok`, or the verdict and the first message without its level and module."""
    if v["verdict"] in ("ok", "skipped", "ignored"):
        return v["verdict"]
    msgs = [m.split(": ", 2)[-1] for m in v["messages"] if not m.startswith("Info:")]
    msg = msgs[0] if msgs else "(no message)"
    return f"{v['verdict']}: {msg.replace(str(sid), '<sid>')}"


def run(version, items):
    with tempfile.TemporaryDirectory(prefix="iocc-probe-") as tmp:
        ids = os.path.join(tmp, "ids", "probe.rules")
        fw = os.path.join(tmp, "fw", "firewall.rules")
        os.makedirs(os.path.dirname(ids))
        os.makedirs(os.path.dirname(fw))
        ids_lines, fw_lines = [], []
        for n, (_, _, rule, fw_rule) in enumerate(items):
            ids_lines.append(rule.replace("sid:1;", f"sid:{n + 1};"))
            if fw_rule:
                fw_lines.append(fw_rule.replace("sid:1;", f"sid:{n + 1};"))
        with open(ids, "w") as f:
            f.write("\n".join(ids_lines) + "\n")
        paths = [ids]
        if version == "8":
            with open(fw, "w") as f:
                f.write("\n".join(fw_lines) + "\n")
            paths.append(fw)
        out = subprocess.run([sys.executable, ORACLE, "--engines", version, "--no-post-load",
                              "--jobs", "1", *paths], capture_output=True, text=True, check=True)
        recs = [json.loads(x) for x in out.stdout.splitlines()]
    by_sid = {}
    for r in recs:
        sid = int(r["rule"].rsplit("sid:", 1)[1].split(";")[0])
        mode = "firewall" if r["file"].endswith("firewall.rules") else "ids"
        by_sid.setdefault(sid, {})[mode] = first_message(r["verdicts"][version], sid)
    return by_sid


def write(version, items, by_sid):
    d = os.path.join(HERE, f"suricata{version}")
    tables = {}
    for n, (table, key, _, fw_rule) in enumerate(items):
        res = by_sid.get(n + 1, {})
        row = [key, res.get("ids", "not run")]
        if fw_rule:
            row.append(res.get("firewall", "no firewall mode") if version == "8" else "no firewall mode")
        tables.setdefault(table, []).append(row)
    heads = {"actions": ["action", "ids", "firewall"], "protocols": ["protocol", "ids"],
             "hooks": ["protocol:hook", "ids", "firewall"], "directions": ["direction", "ids"]}
    for table, rows in tables.items():
        if table in ("names", "syntax"):
            continue
        with open(os.path.join(d, f"{table}.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(heads[table])
            w.writerows(rows)
    cells = {}
    for (kw, probe), verdict in tables["syntax"]:
        cells.setdefault(kw, {})[probe] = verdict
    with open(os.path.join(d, "keyword-syntax.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["keyword", "value", "quotes", "negation"])
        w.writerows(syntax_row(kw, c) for kw, c in cells.items())
    known = dict(tables["names"])
    with open(os.path.join(d, "aliases.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["alias", "keyword", "source", "alias accepted", "keyword accepted"])
        for alias, canonical, src in ALIASES:
            w.writerow([alias, canonical, src, verdict_known(known[alias]),
                        verdict_known(known[canonical])])


def verdict_known(cell):
    """`unknown` when the engine does not know the name, else `known` (whatever the error)."""
    return "unknown" if "unknown rule keyword" in cell else "known"


def main():
    for version in sys.argv[1:] or ["7", "8"]:
        items = probes(version)
        write(version, items, run(version, items))


if __name__ == "__main__":
    main()
