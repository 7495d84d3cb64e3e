#!/usr/bin/env bash
# NAT-lab trials, printed, never asserted: N trials each of cone/cone, cone/symmetric and
# symmetric/symmetric in network namespaces behind nftables masquerade with a Warren relay between
# them, over TCP, QUIC and (opt-in) QUIC with birthday punching, and of two IPv6 hosts behind
# stateful firewalls (no NAT, ULA addresses: fw6/fw6, TCP) (itests fixtures' NatLab and NatTrial,
# the same code Libp2pNatTest, Libp2pSymmetricNatTest and Libp2pIpv6FirewallTest run once per
# pairing). Prints a line per trial and a table per transport: direct-connection success rate and
# which path won, time to direct, time to reachable (a circuit address) after the node's start and
# after its connect to the relay, time to AutoNAT's verdict.
#   sudo bench/nat.sh [trials] [seconds allowed for direct] [tcp,quic,birthday (default tcp,quic)]
#     [pairings: cone/cone,cone/symmetric,symmetric/symmetric,fw6/fw6 (default all)]
# WARREN_DIST: another build's distribution (for a before/after). Needs root, ip and nft, and a build:
#   mvn -B -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${WARREN_DIST:-$PWD/distribution/target/warren}
[ -x "$dist/bin/warren" ] && [ -d itests/fixtures/target/classes ] \
  || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "nat trials need root (network namespaces, nftables)" >&2; exit 2; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr); distribution $dist"
java -cp itests/fixtures/target/classes -Dwarren.dist="$dist" bench/nat/NatTrials.java "${1:-5}" "${2:-30}" "${3:-tcp,quic}" ${4:+"$4"}
