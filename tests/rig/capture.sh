#!/usr/bin/env bash
# The capture rig: real client and server software in network namespaces joined by a bridge,
# with no route out, recorded with tcpdump on the monitored host's interface.
#
#   tests/rig/capture.sh OUTDIR
#
# Writes OUTDIR/capture.pcap (classic pcap, IPv4 only) and OUTDIR/scenarios.tsv (one line per
# scenario, in order: name, start and end time in epoch seconds; a flow belongs to the last
# scenario started before its first packet). Needs root and the Debian packages and PyPI `hl7`
# that .ci/install-engines installs (exit 77 when something is missing); set IOCC_VENV to the
# venv holding `hl7`. Runs in about 25 s.
#
# Hosts (each its own network, mount and PID namespace; killing the holder ends everything):
#   mon   192.168.1.50   the monitored host (HOME_NET): every client runs here
#   c119  202.114.4.119  Contec CMS/NFS host: rpcbind + nfs-ganesha (/pm), BSD lpd, dnsmasq
#   c120  202.114.4.120  Contec HL7 host: MLLP server (PyPI hl7) on 511
#   lan   192.168.1.30   internal NAS, printer and HL7 engine: the same servers (look-alikes)
#   nbr   202.114.5.119  a host of the neighbouring 202.114.5.0/24: the same servers
# MOUNT listens on 4002, a port no analyzer is registered on by default, so that only the
# portmapper's answers (or the payload) can tell what it is, as on real servers.
set -euo pipefail

out=${1:?usage: capture.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
venv=${IOCC_VENV:-$here/../../target/venv}
state=/run/iocc-rig.pids
MNT_PORT=4002

[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root" >&2; exit 77; }
for tool in tcpdump ethtool ganesha.nfsd rpcbind rpcinfo nfs-ls nfs-cat nmap lpd rlpr dnsmasq dig unshare nsenter flock; do
  command -v "$tool" >/dev/null || { echo "capture.sh: $tool missing (run .ci/install-engines)" >&2; exit 77; }
done
[ -x "$venv/bin/mllp_send" ] || { echo "capture.sh: $venv/bin/mllp_send missing (pip install hl7)" >&2; exit 77; }

# One run at a time on a machine (test suites of several checkouts may run at once); holders
# recorded by an earlier run that was killed are then stale: end them (only those PIDs).
exec 9> /run/iocc-rig.lock
flock -w 600 9 || { echo "capture.sh: another capture is still running" >&2; exit 1; }
if [ -f "$state" ]; then
  while read -r pid; do
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "iocc-rig-holder"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done < "$state"
  rm -f "$state"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /var/tmp/iocc-rig.XXXXXX)

declare -A holder
cleanup() {
  set +e
  [ -n "${tcpdump_pid:-}" ] && kill -INT "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null
  for h in "${!holder[@]}"; do kill -KILL "${holder[$h]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -f "$state"
  [ -n "${IOCC_RIG_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# A host: a holder process in new network, mount and PID namespaces, with its own /run, /tmp,
# spool folders and an overlay on /etc (hosts, hosts.lpd, printcap), so that daemons of
# different hosts never share state and the machine's own files are never touched. Everything
# started later with `on HOST` joins its namespaces.
new_host() {
  local h=$1 dir=$work/$1
  mkdir -p "$dir/tmp" "$dir/spool/lp" "$dir/nfs" "$dir/export"
  cat > "$dir/hosts" <<EOF
127.0.0.1 localhost
192.168.1.50 monitor
192.168.1.30 nas
202.114.4.119 cms
202.114.4.120 hl7
202.114.5.119 neighbour
EOF
  printf 'monitor\n' > "$dir/hosts.lpd"
  printf 'lp:sd=/var/spool/lpd/lp:lp=/dev/null:lf=/var/spool/lpd/lp/log:sh:mx#0:\n' > "$dir/printcap"
  chown -R lp:lp "$dir/spool"
  cat > "$dir/setup" <<EOF
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /run/rpcbind /run/ganesha /run/iocc/etc /run/iocc/work
cp $dir/hosts $dir/hosts.lpd $dir/printcap /run/iocc/etc/
mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/iocc/etc,workdir=/run/iocc/work /etc
mount --bind $dir/tmp /tmp
mount --bind $dir/spool /var/spool/lpd
mount --bind $dir/nfs /var/lib/nfs
exec -a iocc-rig-holder sleep 600
EOF
  unshare --net --mount --pid --fork --mount-proc --propagation private bash "$dir/setup" 2> "$dir/holder.log" &
  local pid=$!
  # The holder is unshare's child (PID 1 of the new PID namespace): wait for it to exec.
  local child=""
  for _ in $(seq 100); do
    child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')
    if [ -n "$child" ] && tr '\0' ' ' < "/proc/$child/cmdline" 2>/dev/null | grep -q iocc-rig-holder; then break; fi
    sleep 0.05
  done
  [ -n "$child" ] || { echo "capture.sh: host $h did not start" >&2; exit 1; }
  holder[$h]=$child
  echo "$child" >> "$state"
  echo "$child" > "$dir/holder.pid"
}

on() { local h=$1; shift; nsenter -t "$(cat "$work/$h/holder.pid")" -n -m -p -- "$@"; }

# Bridge in its own namespace; one veth per host, offloads off on both ends (otherwise the
# capture holds bad checksums and frames larger than the MTU), IPv6 off (no autoconf noise).
link_host() {
  local h=$1 addr=$2; shift 2
  local sw; sw=$(cat "$work/sw/holder.pid")
  on "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  nsenter -t "$sw" -n -- ip link add "v-$h" type veth peer name eth0 netns "$(cat "$work/$h/holder.pid")"
  nsenter -t "$sw" -n -- ip link set "v-$h" master br0 up
  nsenter -t "$sw" -n -- ethtool -K "v-$h" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  on "$h" ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
  on "$h" ip link set lo up
  on "$h" ip addr add "$addr" dev eth0
  on "$h" ip link set eth0 up
  for net in "$@"; do on "$h" ip route add "$net" dev eth0; done
}

for h in sw mon c119 c120 lan nbr; do new_host "$h"; done
nsenter -t "$(cat "$work/sw/holder.pid")" -n -- sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; ip link add br0 type bridge; ip link set br0 up'
link_host mon 192.168.1.50/24 202.114.4.0/24 202.114.5.0/24
link_host c119 202.114.4.119/24 192.168.1.0/24
link_host c120 202.114.4.120/24 192.168.1.0/24
link_host lan 192.168.1.30/24
link_host nbr 202.114.5.119/24 192.168.1.0/24

# Servers.
ganesha_conf() {
  cat > "$work/$1/ganesha.conf" <<EOF
NFS_CORE_PARAM {
	Protocols = 3;
	NFS_Port = 2049;
	MNT_Port = $MNT_PORT;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Mount_Path_Pseudo = true;
}
NFSV4 { Graceless = true; }
EXPORT {
	Export_Id = 1;
	Path = $work/$1/export;
	Pseudo = /pm;
	Access_Type = RO;
	Squash = No_Root_Squash;
	Protocols = 3;
	Transports = UDP, TCP;
	SecType = sys;
	FSAL { Name = VFS; }
}
EOF
  printf '#!/bin/sh\necho firmware update\n' > "$work/$1/export/update.sh"
}
start_nfs() {
  ganesha_conf "$1"
  on "$1" rpcbind -f &
  sleep 0.3
  on "$1" ganesha.nfsd -F -f "$work/$1/ganesha.conf" -L "$work/$1/ganesha.log" -p /run/ganesha/ganesha.pid -N NIV_WARN &
}
start_lpd() { on "$1" lpd -b "$2"; }
start_dns() {
  on "$1" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address="$2" --user=root --group=root --pid-file= --address=/update.example/"$2" &
}
# Each host mounts its own /tmp: a checkout under /tmp is invisible there, so the server script
# runs from the rig's work folder.
cp "$here/mllp_server.py" "$work/mllp_server.py"
start_mllp() { on "$1" "$venv/bin/python" "$work/mllp_server.py" "$2" "${@:3}" > "$work/$1/mllp.log" 2>&1 & }

for h in c119 lan nbr; do start_nfs "$h"; done
start_lpd c119 202.114.4.119
start_lpd lan 192.168.1.30
start_lpd nbr 202.114.5.119
start_dns c119 202.114.4.119
start_dns lan 192.168.1.30
start_dns nbr 202.114.5.119
start_dns mon 192.168.1.50
start_mllp c120 202.114.4.120 511
start_mllp lan 192.168.1.30 511 2575
start_mllp nbr 202.114.5.119 511

# Wait until every server answers (ganesha registers MOUNT with rpcbind when it is ready).
# Up to two minutes: the test suite runs this rig beside CPU-heavy tests (kills, races), and a
# Python server's start can take tens of seconds on two busy cores. A server that never
# answers prints its log.
ready() {
  for _ in $(seq 1200); do
    if on mon "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "capture.sh: not ready: $*" >&2
  for log in "$work"/*/mllp.log; do
    [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
  done
  return 1
}
for ip in 202.114.4.119 192.168.1.30 202.114.5.119; do
  ready rpcinfo -T tcp "$ip" mountd 3
  ready rpcinfo -T tcp "$ip" nfs 3
  ready dig +short +tries=1 +time=1 @"$ip" update.example
done
for target in 202.114.4.120:511 192.168.1.30:511 192.168.1.30:2575 202.114.5.119:511 202.114.4.119:515 192.168.1.30:515 202.114.5.119:515; do
  ready bash -c "exec 3<>/dev/tcp/${target%:*}/${target#*:}"
done
sleep 0.3

# Client inputs.
printf 'PATIENT DOE^JANE DOB 19700101 HR 72 SPO2 98\n' > "$work/patient.txt"
{
  printf 'MSH|^~\\&|CMS8000|CONTEC|HIS|HOSP|20250130120000||ADT^A01|1|P|2.3\rPID|1||12345^^^CONTEC||DOE^JANE||19700101|F\rPV1|1|I|ICU^1^1\r'
  printf 'MSH|^~\\&|CMS8000|CONTEC|HIS|HOSP|20250130120005||ORU^R01|2|P|2.3\rPID|1||12345^^^CONTEC||DOE^JANE\r'
  # A long observation batch: this message spans several TCP segments.
  for i in $(seq 1 60); do printf 'OBX|%d|NM|8867-4^HEART RATE^LN||%d|/min|||||F|||20250130120005\r' "$i" $((60 + i)); done
} > "$work/messages.hl7"
# mllp_send reads messages separated by MLLP end blocks (or form feeds) from its input.
python3 - "$work/messages.hl7" <<'EOF'
import sys
p = sys.argv[1]
data = open(p, "rb").read()
parts = [b"MSH" + m for m in data.split(b"MSH")[1:]]
open(p, "wb").write(b"".join(b"\x0b" + m + b"\x1c\x0d" for m in parts))
EOF

# Record.
# tcpdump stays in the machine's PID namespace (nsenter execs it): $! is tcpdump itself.
(exec nsenter -t "$(cat "$work/mon/holder.pid")" -n -m -- tcpdump -i eth0 -s 0 -U -n -w "$work/capture.pcap" ip > "$work/tcpdump.log" 2>&1) &
tcpdump_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/tcpdump.log" && break; sleep 0.05; done
grep -q "listening on" "$work/tcpdump.log" || { cat "$work/tcpdump.log" >&2; exit 1; }
sleep 0.3

: > "$out/scenarios.tsv"
scenario() {
  local name=$1; shift
  local start; start=$(date +%s.%N)
  "$@" > "$work/scenario-$name.log" 2>&1 || { echo "capture.sh: scenario $name failed:" >&2; cat "$work/scenario-$name.log" >&2; return 1; }
  sleep 0.4
  printf '%s\t%s\t%s\n' "$name" "$start" "$(date +%s.%N)" >> "$out/scenarios.tsv"
  sleep 0.2
}
mllp() { on mon "$venv/bin/mllp_send" -q -p "$2" -f "$work/messages.hl7" "$1"; }
nfs_tcp() { on mon nfs-ls "nfs://$1/pm" && on mon nfs-cat "nfs://$1/pm/update.sh"; }
rpc_udp() { on mon rpcinfo -u "$1" mountd 3; }
nmap_udp() {
  on mon nmap -n -Pn -sU -p 111 --script nfs-ls --script-args 'rpc.protocol={udp}' "$1" > "$work/nmap-$1.txt"
  grep -q "update.sh" "$work/nmap-$1.txt" || { cat "$work/nmap-$1.txt"; return 1; }
}
print_job() { on mon rlpr -H "$1" -P lp "$work/patient.txt"; }
query() { on "$1" dig +short +tries=1 @"$2" update.example; }

# Contec behaviours, from the monitor to the hard-coded hosts.
scenario contec-cms-lpd print_job 202.114.4.119
scenario contec-hl7-mllp mllp 202.114.4.120 511
scenario contec-nfs-libnfs-tcp nfs_tcp 202.114.4.119
# nmap before rpcinfo: only its own portmapper answer (a DUMP) announces MOUNT's UDP port.
scenario contec-nfs-nmap-udp nmap_udp 202.114.4.119
scenario contec-rpcbind-getaddr-udp rpc_udp 202.114.4.119
scenario contec-range-dns query mon 202.114.4.119
scenario contec-range-inbound-dns query c119 192.168.1.50
# Look-alikes: the same software against an internal host and a neighbouring network.
scenario lookalike-lan-lpd print_job 192.168.1.30
scenario lookalike-lan-hl7-511 mllp 192.168.1.30 511
scenario lookalike-lan-hl7-2575 mllp 192.168.1.30 2575
scenario lookalike-lan-nfs-libnfs-tcp nfs_tcp 192.168.1.30
scenario lookalike-lan-nfs-nmap-udp nmap_udp 192.168.1.30
scenario lookalike-lan-rpcbind-getaddr-udp rpc_udp 192.168.1.30
scenario lookalike-lan-dns query mon 192.168.1.30
scenario lookalike-nbr-lpd print_job 202.114.5.119
scenario lookalike-nbr-hl7-511 mllp 202.114.5.119 511
scenario lookalike-nbr-nfs-libnfs-tcp nfs_tcp 202.114.5.119
scenario lookalike-nbr-nfs-nmap-udp nmap_udp 202.114.5.119
scenario lookalike-nbr-rpcbind-getaddr-udp rpc_udp 202.114.5.119
scenario lookalike-nbr-dns query mon 202.114.5.119

kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
tcpdump_pid=""
mv "$work/capture.pcap" "$out/capture.pcap"
echo "capture.sh: $(wc -l < "$out/scenarios.tsv") scenarios in $out/capture.pcap"
