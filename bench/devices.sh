#!/usr/bin/env bash
# Memory of idle authenticated device connections on a relay node: N connections (default 2000),
# each with its own key, NIP-42 AUTH and hello (so each holds a Yamux session), then the relay's
# heap after a full GC and its resident size, before and after.   bench/devices.sh [N]
# Needs the built distribution (mvn -B -q install -DskipTests) and jcmd.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
dist=distribution/target/warren
[ -x "$dist/bin/warren" ] || { echo "build first: mvn -B -q install -DskipTests" >&2; exit 1; }
work=$(mktemp -d)
node_pid=""
cleanup() { exec 3>&- 2>/dev/null || true; if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
. bench/node.sh
home=$(node_install "$work")
printf 'enabled = true\nport = 0\nmax.devices = %s\n' "$((n + 10))" > "$home/etc/io.warren.nostr.relay.cfg"
WARREN_LOG_LEVEL=warn "$home/bin/warren" --no-console --data-dir "$work/data" > "$work/out" 2> "$work/err" &
node_pid=$!
node_ready "$work/out" "$work/err"
url=$(grep -oE 'ws://[0-9.]+:[0-9]+' "$work/out" | head -1)
jpid=$(pgrep -f "warren.home=$home" | head -1)
measure() {
  jcmd "$jpid" GC.run > /dev/null; sleep 1; jcmd "$jpid" GC.run > /dev/null
  heap=$(jcmd "$jpid" GC.heap_info | grep -oE 'total [0-9]+K, used [0-9]+K' | grep -oE 'used [0-9]+' \
    | grep -oE '[0-9]+' | awk '{s += $1} END {print s}')
  rss=$(grep VmRSS "/proc/$jpid/status" | grep -oE '[0-9]+')
  echo "$heap $rss"
}
read -r heap0 rss0 < <(measure)
cp=$(find "$dist/system" -name '*.jar' | tr '\n' ':')
mkfifo "$work/in"
java -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn bench/DeviceIdleBench.java "$url" "$n" < "$work/in" > "$work/bench" &
exec 3> "$work/in"
for _ in $(seq 1 6000); do grep -q "registered" "$work/bench" 2>/dev/null && break; sleep 0.1; done
cat "$work/bench"
read -r heap1 rss1 < <(measure)
echo "node: $(head -1 "$work/out")"
echo "relay heap after GC: ${heap0} KiB -> ${heap1} KiB: $(( (heap1 - heap0) * 1024 / n )) bytes per idle device connection"
echo "relay resident size: ${rss0} KiB -> ${rss1} KiB: $(( (rss1 - rss0) * 1024 / n )) bytes per idle device connection"
