#!/usr/bin/env bash
# Throughput of a TCP tunnel through a Nostr relay, with real node processes on this machine:
# iperf3 client -> relay:connect on device A -> relay (WebSocket + Yamux) -> device B -> iperf3
# server, then the same through the relay's own relay:connect (one WebSocket hop), and an HTTP
# download through the gateway with curl.   bench/tunnel.sh [seconds]   (default 5)
# Needs the built distribution (mvn -B -q install -DskipTests), iperf3 and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
dist=distribution/target/warren
[ -x "$dist/bin/warren" ] || { echo "build first: mvn -B -q install -DskipTests" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

. bench/node.sh
node() { # name, then config lines for io.warren.nostr.<pid>.cfg as pid=text
  local home; home=$(node_install "$work/$1"); shift
  for kv in "$@"; do printf '%b\n' "${kv#*=}" > "$home/etc/io.warren.nostr.${kv%%=*}.cfg"; done
  WARREN_LOG_LEVEL=warn "$home/bin/warren" --no-console --data-dir "$home/data" > "$home/out" 2> "$home/err" &
  pids+=($!)
}
ready() { node_ready "$work/$1/warren/out" "$work/$1/warren/err" || exit 1; }
client() { local n=$1; shift; "$work/$n/warren/bin/warren" client --data-dir "$work/$n/warren/data" "$@"; }

rport=$(free_port); iport=$(free_port); hport=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$iport" > /dev/null 2>&1 & pids+=($!)
head -c 268435456 /dev/zero > "$work/blob"
python3 -m http.server "$hport" --bind 127.0.0.1 --directory "$work" > /dev/null 2>&1 & pids+=($!)
node relay "relay=enabled = true\nport = $rport"
ready relay
node b "client=relays = ws://127.0.0.1:$rport\nservices = perf=tcp://127.0.0.1:$iport;public=true, web=http://127.0.0.1:$hport;public=true"
node a "client=relays = ws://127.0.0.1:$rport"
ready a; ready b
cs=$(grep -oE 'npub1[a-z0-9]+' "$work/b/warren/out" | head -1 | cut -c6-17)
for _ in $(seq 1 100); do client a relay:services "$cs" 2>/dev/null | grep -q "$cs/perf" && break; sleep 0.2; done
echo "node: $(head -1 "$work/relay/warren/out"); $(nproc) cores shared by three nodes, iperf3 and curl"

pa=$(free_port); client a relay:connect --port "$pa" "$cs/perf" > /dev/null
pr=$(free_port); client relay relay:connect --port "$pr" "$cs/perf" > /dev/null
echo "device A -> relay -> device B (iperf3, $secs s): $(iperf3 -c 127.0.0.1 -p "$pa" -t "$secs" -f m | grep -E 'receiver' | awk '{print $7, $8}')"
echo "relay -> device B (iperf3, $secs s):             $(iperf3 -c 127.0.0.1 -p "$pr" -t "$secs" -f m | grep -E 'receiver' | awk '{print $7, $8}')"
echo "gateway download of 256 MiB (curl):            $(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$rport/tunnel/$cs/web/blob" | awk '{printf "%.0f Mbits/sec", $1*8/1e6}')"
