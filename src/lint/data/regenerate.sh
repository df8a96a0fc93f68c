#!/usr/bin/env bash
# Regenerates the Suricata tables in this folder from the engines themselves.
#
#   src/lint/data/regenerate.sh            # both engines
#   SURICATA7=... SURICATA8=... src/lint/data/regenerate.sh
#
# Needs Suricata 7.0.10 and 8.0.6 with their packaged configs (see tests/lint/oracle.py for
# the variables SURICATA7_CONFIG and SURICATA8_CONFIG) and Python 3. The output is
# deterministic: running it twice, or on another machine with the same engines, gives the same
# bytes (`git diff --exit-code src/lint/data` after a run is the check).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
s7=${SURICATA7:-suricata}
s8=${SURICATA8:-/opt/suricata8/bin/suricata}
c7=${SURICATA7_CONFIG:-/etc/suricata/suricata.yaml}
c8=${SURICATA8_CONFIG:-/opt/suricata8/etc/suricata/suricata.yaml}

want() { # want BINARY VERSION: refuse to record another engine's tables under this name
    local got
    got=$("$1" -V | sed -n 's/^This is Suricata version \([^ ]*\) .*/\1/p')
    if [ "$got" != "$2" ]; then
        echo "regenerate.sh: $1 is Suricata '$got', expected $2" >&2
        exit 1
    fi
}
want "$s7" 7.0.10
want "$s8" 8.0.6

for v in 7 8; do
    bin=$s7 conf=$c7
    [ "$v" = 8 ] && bin=$s8 conf=$c8
    d="$here/suricata$v"
    mkdir -p "$d"
    "$bin" -V > "$d/version.txt"
    "$bin" --list-keywords=csv > "$d/keywords.csv"
    "$bin" --list-app-layer-protos > "$d/app-layer-protos.txt"
    # The packaged config's settings that decide whether a rule loads: address and port
    # variables, enabled app-layer protocols, Lua rules, reputation and datasets.
    "$bin" -c "$conf" --dump-config 2>/dev/null | LC_ALL=C grep -E \
        '^(vars\.|app-layer\.protocols\.[^.]+\.(enabled|detection-enabled|[^.]+\.(enabled|detection-enabled)) |security\.lua\.|reputation-|datasets\.)' \
        | LC_ALL=C sort > "$d/config.txt"
    if [ "$v" = 8 ]; then # options that 7.0.10 does not have
        "$bin" --list-app-layer-hooks > "$d/app-layer-hooks.txt"
        "$bin" --list-app-layer-frames > "$d/app-layer-frames.txt"
    fi
done
python3 "$here/probe.py" 7 8
