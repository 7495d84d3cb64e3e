#!/usr/bin/env bash
# voip media relay figures on loopback, printed, never asserted (issue 17): node r relays, node b is
# called (voip:call b on r, r's own relay); bench/VoipBench.java plays both phones: one-way delay
# p50/p99 of 172-byte RTP (G.711, 20 ms) at 50 packets/s through the relay and phone to phone,
# then packets/s forwarded with a bounded number in flight.
#   bench/voip.sh [paced packets] [flood packets] [window]      (defaults 500 200000 64)
# Needs a build (mvn -B -q package -DskipTests) and python3. Phones and node share this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # name voip-config bootstrap...
  local home
  home=$(node_install "$tmp/$1")
  echo "name = $1" >"$home/etc/io.warren.identity.cfg"
  printf '%b' "$2" >"$home/etc/io.warren.voip.cfg"
  WARREN_LOG_LEVEL=warn "$home/bin/warren" --no-console --data-dir "$tmp/$1/data" -dnc benchnet:BenchNet \
    -rc admin:Bench"$1" "${@:3}" >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  node_ready "$tmp/$1.log"
}
client() { "$tmp/$1/warren/bin/warren" client --data-dir "$tmp/$1/data" "${@:2}"; }
start r 'relay.enabled = true\nrelay.bind = 127.0.0.1\nrelay.address = 127.0.0.1\nrelay.ports = 44000-44099\nrelay.max.packets.per.second = 10000000\nrelay.idle.timeout.seconds = 600\n'
start b '' -bs "$(client r node:identity -b64)"
out=""
for _ in $(seq 100); do out=$(client r voip:call b 2>/dev/null) && break; sleep 0.3; done
id=$(echo "$out" | awk '{print $2}')
leg_a=$(echo "$out" | awk '{print $NF}')
leg_b=$(client b voip:calls | awk -v id="$id" '$1 == id {print $5}')
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); node on $(grep -o 'ready in [0-9]* ms (.*)' "$tmp/r.log" | sed 's/.*(\(.*\))/\1/')"
echo "call $id: leg a $leg_a, leg b $leg_b"
java bench/VoipBench.java "$leg_a" "$leg_b" "$@"
echo "relay's counters (voip:calls on r):"
client r voip:calls
