#!/usr/bin/env bash
# QUIC (/quic-v1) versus TCP + Noise + Yamux between two Warren node processes on loopback, printed,
# never asserted: bench/libp2p/Libp2pBench.java once over TCP with Noise (the default security on
# OpenSSL's ChaCha20-Poly1305) and Yamux, once over QUIC (dialling and pinging the /quic-v1 address,
# so every stream is a QUIC stream): ping RTT p50/p99, single-stream echo throughput (median of the
# measured rounds after warm-up, MB/s each way, timed inside the node), CPU-ns per echoed byte.
#   bench/quic.sh [pings] [echo-bytes per round]      ECHO_WARM (default 4), ECHO_ROUNDS (6)
# Needs a build: mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
pings=${1:-1000}; bytes=${2:-67108864}
dist=${WARREN_DIST:-$PWD/distribution/target/warren}
[ -x "$dist/bin/warren" ] && [ -d itests/fixtures/target/classes ] \
  || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); loopback; two node processes"
for transport in tcp quic; do
  java -cp itests/fixtures/target/classes -Dwarren.dist="$dist" \
    bench/libp2p/Libp2pBench.java "$pings" "$bytes" "${ECHO_WARM:-4}" "${ECHO_ROUNDS:-6}" /noise "$transport"
done
