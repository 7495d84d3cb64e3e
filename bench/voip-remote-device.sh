#!/usr/bin/env bash
# voip figures for a node calling a Nostr device of another node, on loopback, printed, never
# asserted (issue 17): n runs its Nostr relay with device B in device.allow, q is a member of n's
# network; q's console calls B with --via n, the nostr-tools device B (itests/src/test/js/
# nostr-voip-device.mjs) accepts, and bench/VoipBench.java plays q's phone (at q's port of the call)
# and B's (at n's port of the same call): one-way delay p50/p99 and jitter of 172-byte RTP at 50
# packets/s through q, the overlay and n's bridge, against phone to phone straight.
#   bench/voip-remote-device.sh [paced packets]      (default 500)
# Needs a build (mvn -B -q package -DskipTests), node and the itests' npm packages (npm ci in itests).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
VOIP_NET=benchdev:BenchDev
. bench/voip-nodes.sh
. bench/nostr-devices.sh
paced=${1:-500}
KB=00000000000000000000000000000000000000000000000000000000000000b2
b=$(nostr_pub $KB)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
media='media.max.kbps = 100000\nmedia.queue.packets = 64\n'
RELAY_CFG="enabled = true\nport = $port\ndevice.allow = $b\n" start n "media.ports = 44700-44799\n$media" ""
bs=$(client n node:identity -b64)
start q "media.ports = 44800-44899\n$media" "" -bs "$bs"
npub=$(client n node:info | grep -o 'npub1[0-9a-z]*' | head -1)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

nostr_device b "ws://127.0.0.1:$port" $KB "$npub"; exec 4>"$tmp/b.in"
await "$tmp/b.out" '^subscribed' >/dev/null
node=$(await "$tmp/b.out" '^node ' | cut -d' ' -f2)
row() { client "$1" voip:calls | awk -v id="$2" '$1 == id'; }
out=""
for _ in $(seq 100); do out=$(client q voip:call --via n "$b" 2>/dev/null) && break; sleep 0.3; done
call=$(echo "$out" | awk '{print $2}')
leg_q=$(echo "$out" | awk '{print $NF}')
await "$tmp/b.out" "^event 25920 .*call=$call" >/dev/null
echo "publish 1 25922 0 [[\"p\",\"$node\"],[\"call\",\"$call\"],[\"codec\",\"pcmu\"]]" >&4
leg_b=$(await "$tmp/b.out" "^event 25922 .*call=$call" | grep -o 'rtp=[^ ]*' | cut -d= -f2)
for _ in $(seq 200); do [ "$(row q "$call" | awk '{print $3 "/" $6}')" = "active/direct" ] && break; sleep 0.3; done
echo "== q's phone to device B at n (voip:call --via n): call $call, q's phone sends to $leg_q, B's to $leg_b"
java bench/VoipBench.java "$leg_q" "$leg_b" "$paced" 0
echo "voip:calls on q (sent, received: pkts bytes lost jitter-ms; dropped; ...; DEVICE):"
row q "$call"
echo "voip:calls on n:"
row n "$call"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo quit >&4
