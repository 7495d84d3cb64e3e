#!/usr/bin/env bash
# Two ways of starting a node, compared start by start, printed, never asserted:
#   bench/startup-ab.sh [pairs] [dist-A] [dist-B]
# Restarts a node on existing state (made by one uncounted start per side) alternately as A and as
# B, `pairs` times (default 8), and prints for each start the banner's "ready in", the process's CPU
# at that moment and the CPU of its C1 and C2 compiler threads (from /proc/<pid>/task/*/stat), then
# the means and, per side, the CPU of every thread group at ready (means).
# A and B differ by installation (dist-A, dist-B: default the built distribution for both) and/or
# by the nodes' JVM options: A_OPTS and B_OPTS (e.g. B_OPTS=-XX:TieredStopAtLevel=1). JAVA_HOME
# picks the JDK, as for bin/warren.
# Why alternate: on a shared 2-core machine the load drifts over minutes, and bench/startup.sh's
# medians (one side after the other) hide effects under about 0.2 s; pairs taken back to back see
# the same load. CPU figures depend less on the load than wall times do.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-8}
a_dist=${2:-${WARREN_DIST:-$PWD/distribution/target/warren}}
b_dist=${3:-$a_dist}
for d in "$a_dist" "$b_dist"; do
  [ -x "$d/bin/warren" ] || { echo "no installation at $d (build first: mvn -B -q package -DskipTests)" >&2; exit 1; }
done
tick=$(getconf CLK_TCK)
work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

# start SIDE: one restart of side A or B; prints "ready cpu c1 c2" (ms) and adds its per-thread
# CPU to $work/threads-SIDE
start() {
  local side=$1 dist opts out="$work/out" t name ms
  if [ "$side" = A ]; then dist=$a_dist; opts=${A_OPTS:-}; else dist=$b_dist; opts=${B_OPTS:-}; fi
  WARREN_JAVA_OPTS="$opts" "$dist/bin/warren" --no-console \
    --set io.warren.libp2p:listen.addresses=/ip4/127.0.0.1/tcp/0 --data-dir "$work/data-$side" > "$out" 2>&1 &
  pid=$!
  for _ in $(seq 1 4500); do grep -q " ready in " "$out" 2>/dev/null && break; sleep 0.02; done
  local c1=0 c2=0 all
  all=$(awk -v t="$tick" '{print int(($14 + $15) * 1000 / t)}' /proc/"$pid"/stat 2>/dev/null || echo "")
  for t in /proc/"$pid"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue # a thread that ended meanwhile
    ms=$(awk -v t="$tick" '{print int(($14 + $15) * 1000 / t)}' "$t/stat" 2>/dev/null) || continue
    case "$name" in
      "C1 CompilerThre") c1=$((c1 + ms)) ;;
      "C2 CompilerThre") c2=$((c2 + ms)) ;;
    esac
    printf '%s\t%s\n' "$(echo "$name" | sed -E 's/[0-9]+/#/g')" "$ms" >> "$work/threads-$side"
  done
  ms=$(grep -oE 'ready in [0-9]+' "$out" | grep -oE '[0-9]+' || true)
  if [ -z "$ms" ] || [ -z "$all" ]; then echo "side $side: no ready line within 90 s:" >&2; cat "$out" >&2; exit 1; fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=""
  echo "$ms $all $c1 $c2"
}

start A > /dev/null; start B > /dev/null # state for both sides, not counted
rm -f "$work"/threads-*
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); A: $a_dist ${A_OPTS:-}; B: $b_dist ${B_OPTS:-}"
echo "pair  A: ready cpu c1 c2 (ms)      B: ready cpu c1 c2 (ms)"
for i in $(seq 1 "$pairs"); do
  a=$(start A); b=$(start B)
  printf '%4d  A: %-24s  B: %s\n' "$i" "$a" "$b"
  echo "$a $b" >> "$work/pairs"
done
awk -v n="$pairs" '{for (i = 1; i <= 8; i++) s[i] += $i}
  END {printf "means A: ready %d cpu %d c1 %d c2 %d | B: ready %d cpu %d c1 %d c2 %d\n",
    s[1]/n, s[2]/n, s[3]/n, s[4]/n, s[5]/n, s[6]/n, s[7]/n, s[8]/n}' "$work/pairs"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
for side in A B; do
  echo "CPU at ready by thread, side $side (ms, means; # stands for digits):"
  awk -F'\t' -v n="$pairs" '{s[$1] += $2} END {for (k in s) if (s[k] / n >= 5) printf "  %6d %s\n", s[k] / n, k}' \
    "$work/threads-$side" | sort -nr
done
