#!/usr/bin/env bash
# Start-up of a node: time to the ready banner and resident memory after start, for each JDK given
# (default: the JDK bin/warren picks, the newest, and OpenJDK 17).
#   bench/startup.sh [runs] [JAVA_HOME ...]      (WARREN_DIST: another installation to measure)
# Each run starts a node on a fresh data directory ("fresh": keys generated, the admin password
# hashed, every schema created, as on a first start), stops it, and starts it again on the same
# directory ("existing state"). Printed per JDK and kind of start, as medians of the runs:
#   ready  - the banner's "ready in" figure: from the start of bin/warren (before it picks a JDK)
#            to the banner, i.e. the console answers and every configured listener is up
#   cpu    - CPU time (user+system) the node process had used when the banner appeared, from
#            /proc/<pid>/stat: the part of "ready" that does not depend on the machine's load
#   rss    - VmRSS from /proc/<pid>/status 5 s after the banner, the node idle
# The machine's load average is printed with each JDK, since wall times on a shared machine are
# only comparable within one run. Needs the built distribution: mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
warren=${WARREN_DIST:-distribution/target/warren}/bin/warren
[ -x "$warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
runs=${1:-5}; shift || true
jdks=("$@")
[ ${#jdks[@]} -gt 0 ] || jdks=("" /usr/lib/jvm/java-17-openjdk-amd64)
work=$(mktemp -d); pid=""
# stop the node this script started, if one still runs (never a broad pkill; never fail the exit under set -e)
trap '{ [ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$work"; } || true' EXIT
tick=$(getconf CLK_TCK)

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# start_once DATA: starts a node on DATA, waits for its banner, records ready/cpu/rss, stops it
start_once() {
  local data=$1 ms cpu
  JAVA_HOME="$jdk" "$warren" --no-console --set io.warren.libp2p:listen.addresses=/ip4/127.0.0.1/tcp/0 --data-dir "$data" > "$work/out" 2> "$work/err" &
  pid=$!
  for _ in $(seq 1 4500); do grep -q " ready in " "$work/out" 2>/dev/null && break; sleep 0.02; done
  cpu=$(awk -v t="$tick" '{print int(($14 + $15) * 1000 / t)}' /proc/"$pid"/stat 2>/dev/null || echo "")
  ms=$(grep -oE 'ready in [0-9]+' "$work/out" | grep -oE '[0-9]+' || true)
  if [ -z "$ms" ]; then echo "no ready line within 90 s:" >&2; cat "$work/out" "$work/err" >&2; exit 1; fi
  java=$(grep -oE '\(.*\)' "$work/out" | head -1)
  sleep 5
  r_ready+=("$ms"); r_cpu+=("$cpu")
  r_rss+=("$(awk '/VmRSS/{print int($2/1024)}' /proc/"$pid"/status)")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=""
}

for jdk in "${jdks[@]}"; do
  f_ready=(); f_cpu=(); f_rss=(); e_ready=(); e_cpu=(); e_rss=()
  for i in $(seq 1 "$runs"); do
    data="$work/data-$i"
    r_ready=(); r_cpu=(); r_rss=()
    start_once "$data"
    f_ready+=("${r_ready[0]}"); f_cpu+=("${r_cpu[0]}"); f_rss+=("${r_rss[0]}")
    r_ready=(); r_cpu=(); r_rss=()
    start_once "$data"
    e_ready+=("${r_ready[0]}"); e_cpu+=("${r_cpu[0]}"); e_rss+=("${r_rss[0]}")
    rm -rf "$data"
  done
  echo "JDK ${java:-?}, $runs runs, load average $(cut -d' ' -f1-3 /proc/loadavg):"
  echo "  fresh          ready $(median "${f_ready[@]}") ms (${f_ready[*]})  cpu $(median "${f_cpu[@]}") ms (${f_cpu[*]})  rss $(median "${f_rss[@]}") MB (${f_rss[*]})"
  echo "  existing state ready $(median "${e_ready[@]}") ms (${e_ready[*]})  cpu $(median "${e_cpu[@]}") ms (${e_cpu[*]})  rss $(median "${e_rss[@]}") MB (${e_rss[*]})"
done
