#!/usr/bin/env bash
# voip figures for a call between two Nostr devices through one node, on loopback, printed, never
# asserted (issue 17): node n runs its Nostr relay with devices A and B in device.allow; two
# nostr-tools devices (itests/src/test/js/nostr-voip-device.mjs) place and accept the call with
# signed events (kinds 25920-25922), and bench/VoipBench.java plays both phones on the two legs n
# tells them: one-way delay p50/p99 and jitter of 172-byte RTP at 50 packets/s through n's legs
# against phone to phone straight (the difference is what the node adds).
#   bench/voip-devices.sh [paced packets]      (default 500)
# Needs a build (mvn -B -q package -DskipTests), node and the itests' npm packages (npm ci in itests).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
paced=${1:-500}
KA=00000000000000000000000000000000000000000000000000000000000000a1
KB=00000000000000000000000000000000000000000000000000000000000000b2
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
. bench/nostr-devices.sh
a=$(nostr_pub $KA); b=$(nostr_pub $KB)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

home=$(node_install "$tmp/n")
echo "name = n" >"$home/etc/io.warren.identity.cfg"
printf 'enabled = true\nport = %s\ndevice.allow = %s, %s\n' "$port" "$a" "$b" >"$home/etc/io.warren.nostr.relay.cfg"
printf 'media.ports = 44600-44699\nmedia.max.kbps = 100000\nrelay.max.packets.per.second = 100000\n' \
  >"$home/etc/io.warren.voip.cfg"
WARREN_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} "$home/bin/warren" --no-console --data-dir "$tmp/n/data" >"$tmp/n.log" 2>&1 &
pids+=($!)
node_ready "$tmp/n.log"
npub=$("$home/bin/warren" client --data-dir "$tmp/n/data" node:info | grep -o 'npub1[0-9a-z]*' | head -1)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

nostr_device a "ws://127.0.0.1:$port" $KA "$npub"; exec 3>"$tmp/a.in"
nostr_device b "ws://127.0.0.1:$port" $KB "$npub"; exec 4>"$tmp/b.in"
await "$tmp/a.out" '^subscribed' >/dev/null; await "$tmp/b.out" '^subscribed' >/dev/null
node=$(await "$tmp/a.out" '^node ' | cut -d' ' -f2)
echo "publish 1 25920 0 [[\"p\",\"$b\"],[\"codecs\",\"pcmu\"]]" >&3
call=$(await "$tmp/a.out" '^published 1 ' | cut -d' ' -f3 | cut -c1-16)
await "$tmp/b.out" "^event 25920 .*call=$call" >/dev/null
echo "publish 1 25922 0 [[\"p\",\"$node\"],[\"call\",\"$call\"],[\"codec\",\"pcmu\"]]" >&4
leg_a=$(await "$tmp/a.out" "^event 25922 .*call=$call" | grep -o 'rtp=[^ ]*' | cut -d= -f2)
leg_b=$(await "$tmp/b.out" "^event 25922 .*call=$call" | grep -o 'rtp=[^ ]*' | cut -d= -f2)
echo "== device A to device B through n: call $call, A sends to $leg_a, B to $leg_b"
java bench/VoipBench.java "$leg_a" "$leg_b" "$paced" 0
echo "voip:calls on n (leg a: pkts bytes lost; leg b: forwarded bytes lost; dropped):"
"$home/bin/warren" client --data-dir "$tmp/n/data" voip:calls | awk -v id="$call" '$1 == id'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo quit >&3; echo quit >&4
