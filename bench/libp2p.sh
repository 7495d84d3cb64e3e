#!/usr/bin/env bash
# libp2p figures over loopback, printed, never asserted:
#   Java <-> Java: two Warren node processes (bench/libp2p/Libp2pBench.java starts them with the test
#   fixtures' NodeProcess and drives them through their console) on each JDK given (default:
#   OpenJDK 17 and Temurin 25), and js <-> js with the npm packages pinned in itests/libp2p-js (the
#   same ones the interop tests use), in the same run.
# Java figures: ping RTT p50/p99 (p2p:ping, one stream) and single-stream /echo/1.0.0 throughput
# (p2p:echo: bytes go both ways at once; MB/s is per direction, timed inside the node) with the
# CPU time of both nodes per echoed byte. Echo runs in rounds on one connection: warm-up rounds
# first (the JIT needs them), then the median of the rest. Java runs four times per JDK: Noise on
# OpenSSL's ChaCha20-Poly1305 (the default where the JNI library was built) and on the Java
# implementation (-Dwarren.noise.native=false in the nodes' WARREN_JAVA_OPTS), then TLS 1.3
# (/tls/1.0.0, AES-GCM) on OpenSSL through netty-tcnative (the default where it loads) and on the
# JDK's TLS (-Dwarren.tls.native=false). SECURITY=noise or SECURITY=tls runs only that protocol.
# js figures add connection setup (TCP + multistream + Noise XX + Yamux) and one-way throughput over
# the bench's own /warren/bench/sink/1.0.0, which a node's console cannot measure.
#   bench/libp2p.sh [dials] [pings] [echo-bytes per round] [JAVA_HOME ...]   (dials: js only)
# Environment: ECHO_WARM (default 6) and ECHO_ROUNDS (8) for Java; js uses 64 MiB rounds,
# JS_ECHO_WARM (2) and JS_ECHO_ROUNDS (6). Six 64 MiB rounds are under a second of echo, before C2
# has compiled the data path: for steady-state figures warm both up longer, e.g. ECHO_WARM=30
# ECHO_ROUNDS=20 JS_ECHO_WARM=10 JS_ECHO_ROUNDS=10 (2026-12-06: TLS on BoringSSL, JDK 25, median
# 625 MB/s over rounds 7-14, 1,456 over rounds 7-46).
# Needs a build: mvn -B -q package -DskipTests && (cd itests/libp2p-js && npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."
dials=${1:-200}; pings=${2:-2000}; bytes=${3:-268435456}
shift 3 2>/dev/null || shift $#
jdks=("$@")
[ ${#jdks[@]} -gt 0 ] || jdks=(/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64)
dist=${WARREN_DIST:-$PWD/distribution/target/warren}  # WARREN_DIST: another build, for a before/after
[ -x "$dist/bin/warren" ] && [ -d itests/fixtures/target/classes ] \
  || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -sr); loopback TCP; two node processes"
runs=()
[ "${SECURITY:-}" = tls ] || runs+=("/noise -Dwarren.noise.native=true" "/noise -Dwarren.noise.native=false")
[ "${SECURITY:-}" = noise ] || runs+=("/tls/1.0.0 -Dwarren.tls.native=true" "/tls/1.0.0 -Dwarren.tls.native=false")
for jdk in "${jdks[@]}"; do
  for run in "${runs[@]}"; do
    JAVA_HOME="$jdk" WARREN_JAVA_OPTS="${run#* }" \
      java -cp itests/fixtures/target/classes -Dwarren.dist="$dist" \
        bench/libp2p/Libp2pBench.java "$pings" "$bytes" "${ECHO_WARM:-6}" "${ECHO_ROUNDS:-8}" "${run%% *}"
  done
done
if [ -d itests/libp2p-js/node_modules/libp2p ]; then
  js_bytes=$(( bytes > 67108864 ? 67108864 : bytes )) # js echo holds the whole payload in memory
  (cd itests/libp2p-js && node peer.mjs bench --dials "$dials" --pings "$(( pings > 1000 ? 1000 : pings ))" \
      --echo-bytes "$js_bytes" --echo-warm "${JS_ECHO_WARM:-2}" --echo-rounds "${JS_ECHO_ROUNDS:-6}") \
    | sed 's/^/js <-> js: /'
else
  echo "js <-> js: skipped (run npm ci in itests/libp2p-js)"
fi
