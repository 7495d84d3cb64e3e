#!/usr/bin/env bash
# Proxy-rule figures on loopback, printed, never asserted (issue: networks and proxy rules):
#   iperf3 throughput through an egress/ingress rule pair between two node processes, versus
#   direct loopback and versus OpenSSH `ssh -L` with chacha20-poly1305 and aes128-gcm;
#   added round-trip latency for 1-byte messages (p50/p99); C concurrent connections through one
#   rule for S seconds (errors, connections lost, node memory before and after).
#   bench/proxy.sh [seconds-per-iperf-run] [concurrent] [concurrent-seconds]
# Needs a build (mvn -B -q package -DskipTests), iperf3, ssh, sshd, python3
# (itests/bin/ensure-packages.sh installs the Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; conns=${2:-1000}; csecs=${3:-60}
W=${WARREN_DIST:-$PWD/distribution/target/warren}/bin/warren  # WARREN_DIST: another build; WARREN_JAVA_OPTS / JAVA_HOME pick the nodes' JVM
[ -x "$W" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
itests/bin/ensure-packages.sh iperf3=iperf3 ssh=openssh-client sshd=openssh-server
ulimit -n 65536 2>/dev/null || true
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
. bench/node.sh
wait_ready() { node_ready "$1" || exit 1; }

"$W" --no-console --set io.warren.libp2p:listen.addresses=/ip4/127.0.0.1/tcp/0 --data-dir "$tmp/p" -dnc bench:BenchPass -rc admin:BenchAdmin >"$tmp/p.log" 2>&1 & pids+=($!)
wait_ready "$tmp/p.log"
"$W" --no-console --set io.warren.libp2p:listen.addresses=/ip4/127.0.0.1/tcp/0 --data-dir "$tmp/q" -dnc bench:BenchPass -rc admin:BenchAdmin \
  -bs "$("$W" client --data-dir "$tmp/p" node:identity -b64)" >"$tmp/q.log" 2>&1 & pids+=($!)
wait_ready "$tmp/q.log"
P=$(awk '/peer ID/{print $3; exit}' "$tmp/p.log"); Q=$(awk '/peer ID/{print $3; exit}' "$tmp/q.log")
for _ in $(seq 100); do "$W" client --data-dir "$tmp/p" net:nodes | grep -q "$Q" && break; sleep 0.2; done

ip=$(port); ep=$(port); echo_port=$(port); eecho=$(port)
iperf3 -s -B 127.0.0.1 -p "$ip" >/dev/null 2>&1 & pids+=($!)
python3 bench/proxy/load.py echo-server "$echo_port" & pids+=($!)
"$W" client --data-dir "$tmp/q" proxy:add --direction ingress --origin "$P" --port "$ip" >/dev/null 2>&1
"$W" client --data-dir "$tmp/p" proxy:add --direction egress --port "$ep" --target "$Q:$ip" >/dev/null 2>&1
"$W" client --data-dir "$tmp/q" proxy:add --direction ingress --origin "$P" --port "$echo_port" >/dev/null 2>&1
"$W" client --data-dir "$tmp/p" proxy:add --direction egress --port "$eecho" --target "$Q:$echo_port" >/dev/null 2>&1

# sshd on loopback with a throwaway host key and client key
sp=$(port)
sshd_start "$tmp/ssh" "$sp"
pids+=($(cat "$tmp/ssh/sshd.pid"))

mbits() { iperf3 -c 127.0.0.1 -p "$1" -t "$secs" -J | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d["end"]; print("%.0f" % (e["sum_received"]["bits_per_second"]/1e6) if "sum_received" in e else "failed: " + d.get("error","?"))'; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); nodes on $(grep -o 'ready in [0-9]* ms (.*)' "$tmp/p.log" | sed 's/.*(\(.*\))/\1/')"
echo "iperf3 ($secs s, one stream):"
echo "  direct loopback:               $(mbits "$ip") Mbit/s"
mbits "$ep" >/dev/null # JIT warm-up: a running node has compiled its data path long ago
echo "  Warren egress/ingress rules:   $(mbits "$ep") Mbit/s (after one uncounted run to warm the JIT)"
for cipher in chacha20-poly1305@openssh.com aes128-gcm@openssh.com; do
  lp=$(port)
  ssh -N -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i "$tmp/ssh/client" \
      -c "$cipher" -p "$sp" -L "$lp:127.0.0.1:$ip" "$(whoami)@127.0.0.1" & spid=$!
  # wait until ssh listens (a probe connection would reach iperf3 as a bogus test)
  for _ in $(seq 100); do ss -ltn "sport = :$lp" | grep -q LISTEN && break; sleep 0.1; done
  printf '  ssh -L %-31s %s Mbit/s\n' "$cipher:" "$(mbits "$lp")"
  kill $spid
done
echo "latency (direct and through the rules in turn, so both see the same load; after one uncounted run for the JIT):"
python3 bench/proxy/load.py latency-pair "$echo_port" "$eecho" 20000 >/dev/null
python3 bench/proxy/load.py latency-pair "$echo_port" "$eecho" 20000
rss() { ps -o rss= -p "$(pgrep -f "data-dir $tmp/$1" | head -1)" | awk '{printf "%.0f MB", $1/1024}'; }
echo "concurrency through one rule pair (P then Q resident memory before/after):"
echo "  before: P $(rss p), Q $(rss q)"
printf '  '; python3 bench/proxy/load.py concurrent "$eecho" "$conns" "$csecs"
echo "  after:  P $(rss p), Q $(rss q)"
