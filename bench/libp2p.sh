#!/usr/bin/env bash
# libp2p figures over loopback, printed, never asserted:
#   Java <-> Java (Warren's host, bench/libp2p/Libp2pBench.java) on each JDK given
#   (default: OpenJDK 17 and Temurin 25), and js <-> js with the npm packages pinned in
#   itests/libp2p-js (the same ones the interop tests use), in the same run.
# Figures: connection setup (TCP + multistream + Noise XX + Yamux), ping RTT p50/p99, single-stream
# /echo/1.0.0 throughput (bytes go both ways at once; MB/s is per direction), and one-way
# single-stream throughput over the bench's own /warren/bench/sink/1.0.0 (the dialer sends, the
# listener counts and answers the count; both benches speak it). Echo and sink run in rounds
# on one connection: warm-up rounds first (both JITs need them), then the median of the rest.
# Java runs twice per JDK: Noise on OpenSSL's ChaCha20-Poly1305 (the default where the JNI library
# was built), and on the Java implementation (-Dwarren.noise.native=false).
#   bench/libp2p.sh [dials] [pings] [echo-bytes per round] [JAVA_HOME ...]
# Environment: ECHO_WARM (default 6) and ECHO_ROUNDS (8) for Java; js uses 64 MiB rounds, 2 + 6.
# Needs a build: mvn -B -q install -DskipTests && (cd itests/libp2p-js && npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."
dials=${1:-200}; pings=${2:-2000}; bytes=${3:-268435456}
shift 3 2>/dev/null || shift $#
jdks=("$@")
[ ${#jdks[@]} -gt 0 ] || jdks=(/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64)
[ -d bundles/libp2p/target/classes ] || { echo "build first: mvn -B -q install -DskipTests" >&2; exit 1; }
cp_file=$(mktemp); trap 'rm -f "$cp_file"' EXIT
mvn -B -q -pl bundles/libp2p dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >/dev/null
classpath="bundles/libp2p/target/classes:$(cat "$cp_file")"
echo "machine: $(nproc) cores, $(uname -sr); loopback TCP; two hosts in one process"
for jdk in "${jdks[@]}"; do
  opts=()
  major=$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${major:-17}" -ge 22 ] && opts+=(--enable-native-access=ALL-UNNAMED)
  for native in true false; do
    "$jdk/bin/java" "${opts[@]}" -Xmx1g -Dwarren.noise.native=$native -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        -cp "$classpath" bench/libp2p/Libp2pBench.java "$dials" "$pings" "$bytes" "${ECHO_WARM:-6}" "${ECHO_ROUNDS:-8}"
  done
done
if [ -d itests/libp2p-js/node_modules/libp2p ]; then
  js_bytes=$(( bytes > 67108864 ? 67108864 : bytes )) # js echo holds the whole payload in memory
  (cd itests/libp2p-js && node peer.mjs bench --dials "$dials" --pings "$(( pings > 1000 ? 1000 : pings ))" \
      --echo-bytes "$js_bytes" --echo-warm 2 --echo-rounds 6) | sed 's/^/js <-> js: /'
else
  echo "js <-> js: skipped (run npm ci in itests/libp2p-js)"
fi
