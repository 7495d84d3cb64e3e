#!/usr/bin/env bash
# Nostr relay throughput and OK latency against a real node (the relay in Felix, H2 store):
# accepted events/s with id and BIP-340 signature verification, several publishing connections,
# subscribing connections counting live deliveries; OK latency p50/p99 unloaded and under load.
#   bench/relay.sh [publishers] [events] [window] [subscribers]   (defaults 4 20000 64 16)
# Needs the built distribution: mvn -B -q package -DskipTests. Client and node share this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${WARREN_DIST:-distribution/target/warren}  # WARREN_DIST: another build, for a before/after
[ -x "$dist/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
work=$(mktemp -d)
node_pid=""
cleanup() { if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

. bench/node.sh
home=$(node_install "$work")
cat > "$home/etc/io.warren.nostr.relay.cfg" <<CFG
enabled = true
port = 0
events.per.second = 10000000
reqs.per.second = 10000
CFG

WARREN_LOG_LEVEL=warn WARREN_JAVA_OPTS="${WARREN_JAVA_OPTS:-}" "$home/bin/warren" --no-console --data-dir "$work/data" > "$work/out" 2> "$work/err" &
node_pid=$!
node_ready "$work/out" "$work/err"
url=$(grep -oE 'ws://[0-9.]+:[0-9]+' "$work/out" | head -1)
echo "node: $(head -1 "$work/out")"
echo "relay: $url; $(nproc) cores shared by node and client"

cp=$(find "$dist/system" -name '*.jar' | tr '\n' ':')
# the node's CPU time (user + system, in clock ticks) while the bench runs: a figure that the
# machine's other load disturbs much less than events/s does
cpu() { awk '{print $14 + $15}' "/proc/$node_pid/stat"; }
cpu0=$(cpu)
java -cp "$cp" -Dnode.pid="$node_pid" -Dclk.tck="$(getconf CLK_TCK)" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn bench/RelayBench.java "$url" "$@" | tee "$work/bench"
events=$(grep -oE 'signed [0-9]+ events' "$work/bench" | grep -oE '[0-9]+')
ticks=$(( $(cpu) - cpu0 )); hz=$(getconf CLK_TCK)
awk -v t="$ticks" -v hz="$hz" -v n="$events" 'BEGIN { printf "node CPU during the bench: %.1f s for %d events (%.0f us per event, every phase)\n", t / hz, n, t / hz * 1e6 / n }'
echo "machine load after the run: $(uptime | sed 's/.*load average: //')"
