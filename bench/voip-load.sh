#!/usr/bin/env bash
# How many simultaneous calls one relay node carries before loss (issue 17), printed, never
# asserted: r is a circuit relay; c and d listen nowhere, so every call from d to c has its media
# over the overlay through r's circuit (one libp2p connection, a stream per call); c answers on its
# own. bench/VoipLoad.java places the calls step by step and plays both phones of every call at
# 50 packets/s of 172-byte RTP each way for some seconds a step, printing loss and delay per step.
#   bench/voip-load.sh [seconds a step] [calls at each step ...]      (defaults 10; 1 4 8 16 32 64)
# Needs a build (mvn -B -q package -DskipTests). Phones, nodes and relay share this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
secs=${1:-10}
shift || true
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(1 4 8 16 32 64)
VOIP_NET=loadnet:LoadNet
. bench/voip-nodes.sh
calls='max.calls = 1000\nmax.calls.per.peer = 1000\nmedia.max.kbps = 100000\nmedia.queue.packets = 64\n'
start r "" "$NODE_LOOPBACK_LISTEN\nrelay.circuit.bytes = 17179869184\nrelay.circuit.seconds = 3600\n"
bs=$(client r node:identity -b64)
start c "answer.auto = true\nmedia.ports = 47000-47999\n$calls" 'listen.addresses =\n' -bs "$bs"
start d "media.ports = 48000-48999\n$calls" 'listen.addresses =\n' -bs "$bs"
for _ in $(seq 200); do client d net:nodes | grep -q " c .*relayed" && break; sleep 0.3; done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); d reaches c: $(client d net:nodes | grep ' c ' | awk '{print $3}')"
D_CLIENT="$tmp/d/warren/bin/warren client --data-dir $tmp/d/data" \
C_CLIENT="$tmp/c/warren/bin/warren client --data-dir $tmp/c/data" \
  java bench/VoipLoad.java c "$secs" "${steps[@]}"
echo "warnings of d and c, and their voip lines that are not about calls going fine:"
grep -h -E "WARN|ERROR|voip: .*(fail|not |lost|refused|busy|timeout|within)" "$tmp/d.log" "$tmp/c.log" | tail -20 || true
echo "load after: $(cut -d" " -f1-3 /proc/loadavg)"
