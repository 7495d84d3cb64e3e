#!/usr/bin/env bash
# Nostr relay throughput and OK latency against a real node (the relay in Felix, H2 store):
# accepted events/s with id and BIP-340 signature verification, several publishing connections,
# subscribing connections counting live deliveries; OK latency p50/p99 unloaded and under load.
#   bench/relay.sh [publishers] [events] [window] [subscribers]   (defaults 4 20000 64 16)
# Then the same against a JavaScript relay, issue 20's anchor (see the end).
# Needs the built distribution: mvn -B -q package -DskipTests, and for the anchor Node.js and
# (cd bench/relay-js && npm ci). Client and relay share this machine.
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
hz=$(getconf CLK_TCK)
# bench RELAY_PID URL ARGS...: RelayBench against one relay, then that process's CPU time over the
# whole bench (user + system, from /proc: a figure that the machine's other load disturbs much less
# than events/s does)
bench() {
  local pid=$1 url=$2 cpu0 events ticks
  shift 2
  cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  java -cp "$cp" -Dnode.pid="$pid" -Dclk.tck="$hz" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn bench/RelayBench.java "$url" "$@" | tee "$work/bench"
  events=$(grep -oE 'signed [0-9]+ events' "$work/bench" | grep -oE '[0-9]+')
  ticks=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - cpu0 ))
  awk -v t="$ticks" -v hz="$hz" -v n="$events" 'BEGIN { printf "relay CPU during the bench: %.1f s for %d events (%.0f us per event, every phase)\n", t / hz, n, t / hz * 1e6 / n }'
}
bench "$node_pid" "$url" "$@"
kill "$node_pid"; wait "$node_pid" 2>/dev/null || true; node_pid=""

# The anchor, in the same run: a JavaScript relay (bench/relay-js: @nostr-relay/core, its SQLite
# store, signature checks by @noble/curves), same publishers, window and subscribers. It takes
# about 3 ms of CPU per event here, so it gets RELAY_JS_EVENTS events (default: as many as Warren,
# at most 10,000; its store then stays small, which flatters it; 0 skips it).
js_events=${RELAY_JS_EVENTS:-$(( ${2:-20000} < 10000 ? ${2:-20000} : 10000 ))}
if [ "$js_events" -eq 0 ]; then
  echo "JS relay anchor: skipped (RELAY_JS_EVENTS=0)"
elif [ -d bench/relay-js/node_modules ]; then
  mkdir "$work/js"
  node bench/relay-js/relay.mjs "$work/js" > "$work/js/out" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 100); do grep -qs '^relay: ' "$work/js/out" && break; sleep 0.1; done
  url=$(grep -oE 'ws://[0-9.]+:[0-9]+' "$work/js/out") || { echo "the JS relay did not start:" >&2; cat "$work/js/out" >&2; exit 1; }
  echo
  echo "anchor: JS relay (bench/relay-js, Node $(node --version)) at $url, $js_events events"
  bench "$node_pid" "$url" "${1:-4}" "$js_events" "${@:3}"
else
  echo "JS relay anchor: skipped (run npm ci in bench/relay-js)"
fi
echo "machine load after the run: $(uptime | sed 's/.*load average: //')"
