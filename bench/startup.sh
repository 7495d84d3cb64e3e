#!/usr/bin/env bash
# Cold start to the "ready" line (median of N runs, each on a fresh data directory, so keys are
# generated and the admin password hashed as on a first start) and the idle node's resident
# memory, for each JDK given (default: the JDK bin/warren picks, and OpenJDK 17).
#   bench/startup.sh [runs] [JAVA_HOME ...]
# Needs the built distribution: mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
warren=distribution/target/warren/bin/warren
[ -x "$warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
runs=${1:-5}; shift || true
jdks=("$@")
[ ${#jdks[@]} -gt 0 ] || jdks=("" /usr/lib/jvm/java-17-openjdk-amd64)
work=$(mktemp -d); pid=""
# stop the node this script started, if one still runs (never a broad pkill; never fail the exit under set -e)
trap '{ [ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$work"; } || true' EXIT

for jdk in "${jdks[@]}"; do
  times=(); restarts=(); rss=()
  for i in $(seq 1 "$runs"); do
    data="$work/data-$i"
    for phase in first restart; do
      JAVA_HOME="$jdk" "$warren" --no-console --set io.warren.libp2p:listen.addresses=/ip4/127.0.0.1/tcp/0 --data-dir "$data" > "$work/out" 2> "$work/err" &
      pid=$!
      for _ in $(seq 1 1800); do grep -q " ready in " "$work/out" 2>/dev/null && break; sleep 0.05; done
      ms=$(grep -oE 'ready in [0-9]+' "$work/out" | grep -oE '[0-9]+' || true)
      if [ -z "$ms" ]; then echo "no ready line within 90 s:" >&2; cat "$work/out" "$work/err" >&2; exit 1; fi
      java=$(grep -oE '\(.*\)' "$work/out" | head -1)
      if [ "$phase" = first ]; then times+=("$ms"); else
        restarts+=("$ms")
        sleep 5
        java_pid=$(pgrep -f "warren.home=.*--data-dir $data" | head -1 || true)
        [ -n "$java_pid" ] || java_pid=$pid
        rss+=("$(awk '/VmRSS/{print int($2/1024)}' /proc/"$java_pid"/status)")
      fi
      kill "$pid"; wait "$pid" 2>/dev/null || true
    done
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
  echo "JDK ${java:-?}: first start ready in $(median "${times[@]}") ms (median of $runs: ${times[*]})," \
       "restart $(median "${restarts[@]}") ms (${restarts[*]}), idle RSS $(median "${rss[@]}") MB (${rss[*]})"
done
