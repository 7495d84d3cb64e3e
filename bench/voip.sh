#!/usr/bin/env bash
# voip figures on loopback, printed, never asserted (issues 17): four nodes of one network: r relays
# (media relay on, libp2p circuit relay), b listens, c and d listen nowhere (so d reaches b directly
# and c only through r's circuit). b and c answer on their own (answer.auto). bench/VoipBench.java
# plays both phones: one-way delay p50/p99 and jitter of 172-byte RTP (G.711, 20 ms) at 50
# packets/s, phone to phone through the call against phone to phone straight, for three calls:
# d to b over the overlay (direct), d to c over the overlay (relayed through r), d to b through
# r's media relay; then, for the last, packets/s forwarded with a bounded number in flight.
#   bench/voip.sh [paced packets] [flood packets] [window]      (defaults 500 200000 64)
# Needs a build (mvn -B -q package -DskipTests) and python3. Phones and nodes share this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
paced=${1:-500}
window=${3:-64}
VOIP_NET=benchnet:BenchNet
. bench/voip-nodes.sh
media='media.max.kbps = 100000\nmedia.queue.packets = 64\n'
start r "relay.enabled = true\nrelay.bind = 127.0.0.1\nrelay.address = 127.0.0.1\nrelay.ports = 44000-44099\nrelay.max.packets.per.second = 10000000\nrelay.idle.timeout.seconds = 600\nmedia.ports = 44100-44199\n"  ""
bs=$(client r node:identity -b64)
start b "answer.auto = true\nmedia.ports = 44200-44299\n$media" "" -bs "$bs"
start c "answer.auto = true\nmedia.ports = 44300-44399\n$media" 'listen.addresses =\n' -bs "$bs"
start d "media.ports = 44400-44499\n$media" 'listen.addresses =\n' -bs "$bs"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); node on $(grep -o 'ready in [0-9]* ms (.*)' "$tmp/r.log" | sed 's/.*(\(.*\))/\1/')"

# row NODE ID: the call's row in NODE's voip:calls
row() { client "$1" voip:calls | awk -v id="$2" '$1 == id'; }

# bench_call LABEL CALLEE WANT-PATH FLOOD [--relay r]: calls from d, waits for the media path, runs the phones
bench_call() {
  local label=$1 callee=$2 want=$3 flood=$4 out="" id leg_a leg_b
  for _ in $(seq 100); do out=$(client d voip:call "${@:5}" "$callee" 2>/dev/null) && break; sleep 0.3; done
  id=$(echo "$out" | awk '{print $2}')
  leg_a=$(echo "$out" | awk '{print $NF}')
  for _ in $(seq 200); do
    [ "$(row d "$id" | awk '{print $3 "/" $6}')" = "active/$want" ] && [ "$(row "$callee" "$id" | awk '{print $6}')" = "$want" ] && break
    sleep 0.3
  done
  leg_b=$(row "$callee" "$id" | awk '{print $7}')
  echo; echo "== $label: call $id, path $want, send to $leg_a (d) and $leg_b ($callee)"
  java bench/VoipBench.java "$leg_a" "$leg_b" "$paced" "$flood" "$window"
  echo "voip:calls on d (sent, received: pkts bytes lost jitter-ms; dropped):"
  row d "$id"
  client d voip:hangup "$id" >/dev/null
}
bench_call "overlay, direct" b direct 0
bench_call "overlay, relayed through r's circuit" c relayed 0
bench_call "r's media relay" b relay "${2:-200000}" --relay r
