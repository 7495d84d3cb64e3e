#!/usr/bin/env bash
# MQTT figures on loopback, printed, never asserted (issue 18): messages/s and delivery latency
# (p50/p99) of QoS 1 messages published on one node and received on another, through
#   - two Warren nodes whose brokers bridge the topic over libp2p (iot:bridge), and
#   - two Debian mosquitto brokers bridging the same topic (a `connection` bridge),
# in the same run. Each pair runs a throughput pass (COUNT messages, a window of 100 unacked) and
# a latency pass (COUNT messages at RATE/s). The client is bench/mqtt/load.py (MQTT 3.1.1, stdlib).
#   bench/mqtt.sh [count] [rate]
# Needs a build (mvn -B -q package -DskipTests), mosquitto, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000}; rate=${2:-1000}
W=${WARREN_DIST:-$PWD/distribution/target/warren}/bin/warren
[ -x "$W" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
itests/bin/ensure-packages.sh mosquitto=mosquitto
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
tmp=$(mktemp -d); chmod 755 "$tmp"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
. bench/node.sh
LOAD=bench/mqtt/load.py

# two Warren nodes in one network, each with the broker on and the topic bridged
pp=$(port); qp=$(port)
for n in p q; do
  home=$(node_install "$tmp/$n")
  port_var=${n}p
  printf 'enabled = true\nport = %s\npublish.rate = 1000000\nmax.inflight.per.client = 1000\n' "${!port_var}" \
    > "$home/etc/io.warren.iot.cfg"
  printf '\nlocal.network = true\n' >> "$home/etc/io.warren.federation.cfg"
done
"$tmp/p/warren/bin/warren" --no-console --data-dir "$tmp/p/data" -dnc bench:BenchPass -rc admin:BenchAdmin \
  >"$tmp/p.log" 2>&1 & pids+=($!)
node_ready "$tmp/p.log"
"$tmp/q/warren/bin/warren" --no-console --data-dir "$tmp/q/data" -dnc bench:BenchPass -rc admin:BenchAdmin \
  -bs "$("$W" client --data-dir "$tmp/p/data" node:identity -b64)" >"$tmp/q.log" 2>&1 & pids+=($!)
node_ready "$tmp/q.log"
for n in p q; do
  c() { "$W" client --data-dir "$tmp/$n/data" "$@" >/dev/null; }
  c iot:users add bench --password BenchPass123
  c iot:acl add bench 'bench/#' both
  c iot:bridge --network bench 'bench/#'
done
for n in p q; do
  for _ in $(seq 300); do "$W" client --data-dir "$tmp/$n/data" iot:bridges | grep -q ': up,' && break; sleep 0.2; done
done

# two mosquitto brokers, the second bridging bench/# both ways with the first
m1=$(port); m2=$(port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$m1" > "$tmp/m1.conf"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nconnection to-m1\naddress 127.0.0.1:%s\ntopic bench/# both 1\n' \
  "$m2" "$m1" > "$tmp/m2.conf"
chmod 644 "$tmp"/m*.conf
"$MOSQUITTO" -c "$tmp/m1.conf" >"$tmp/m1.log" 2>&1 & pids+=($!)
"$MOSQUITTO" -c "$tmp/m2.conf" >"$tmp/m2.log" 2>&1 & pids+=($!)

python3 $LOAD probe "$pp" "$qp" bench/probe bench BenchPass123 || { echo "Warren bridge did not deliver"; tail -20 "$tmp/q.log"; exit 1; }
python3 $LOAD probe "$m1" "$m2" bench/probe || { echo "mosquitto bridge did not deliver"; cat "$tmp/m2.log"; exit 1; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); nodes on $(grep -o 'ready in [0-9]* ms (.*)' "$tmp/p.log" | sed 's/.*(\(.*\))/\1/'); $("$MOSQUITTO" -h 2>/dev/null | head -1)"
echo "QoS 1, 64-byte payloads, published on one broker, received on the other:"
python3 $LOAD run "$pp" "$qp" bench/warm 5000 0 bench BenchPass123 >/dev/null  # JIT warm-up, not counted
printf '  throughput  Warren (libp2p bridge):  '; python3 $LOAD run "$pp" "$qp" bench/t "$count" 0 bench BenchPass123
printf '  throughput  mosquitto bridge:        '; python3 $LOAD run "$m1" "$m2" bench/t "$count" 0
printf '  at %5d/s   Warren (libp2p bridge):  ' "$rate"; python3 $LOAD run "$pp" "$qp" bench/l "$count" "$rate" bench BenchPass123
printf '  at %5d/s   mosquitto bridge:        ' "$rate"; python3 $LOAD run "$m1" "$m2" bench/l "$count" "$rate"
