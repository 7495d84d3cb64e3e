#!/usr/bin/env bash
# TLS-at-the-edge figures on loopback, printed, never asserted (issue 15):
#   the time to obtain a certificate from pebble (HTTP-01 answered by the node), and full TLS
#   handshakes per second on the node's TLS listener (openssl s_time -new, one and two clients at
#   once, SNI set), against openssl s_server with an EC P-256 certificate on the same machine.
#   bench/tls.sh [seconds-per-run]
# Needs a build (mvn -B -q package -DskipTests), pebble, openssl, python3
# (itests/bin/ensure-packages.sh installs the Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
itests/bin/ensure-packages.sh pebble=pebble pebble-challtestsrv=pebble openssl=openssl
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
host=bench.warren.test

# pebble's own HTTPS certificate, from a throwaway CA the node trusts (acme.ca.file)
o() { openssl "$@" >/dev/null 2>&1; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
  -days 2 -subj "/CN=bench ACME CA"
o req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/pebble.key" -out "$tmp/pebble.csr" \
  -subj /CN=127.0.0.1
echo "subjectAltName=IP:127.0.0.1" >"$tmp/san.ext"
o x509 -req -in "$tmp/pebble.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -out "$tmp/pebble.pem" \
  -days 2 -extfile "$tmp/san.ext"
dns=$(port); acme=$(port); challenge=$(port); listen=$(port)
pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$dns" -http01 "" -https01 "" \
  -tlsalpn01 "" -management "127.0.0.1:$(port)" >"$tmp/challtestsrv.log" 2>&1 & pids+=($!)
cat >"$tmp/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$(port)",
 "certificate": "$tmp/pebble.pem", "privateKey": "$tmp/pebble.key", "httpPort": $challenge,
 "tlsPort": $(port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 pebble -config "$tmp/pebble.json" -dnsserver "127.0.0.1:$dns" \
  >"$tmp/pebble.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -s --cacert "$tmp/ca.pem" "https://127.0.0.1:$acme/dir" >/dev/null && break; sleep 0.1; done

home=$(node_install "$tmp/p")
cat >"$home/etc/io.warren.tls.cfg" <<CFG
acme.url = https://127.0.0.1:$acme/dir
acme.ca.file = $tmp/ca.pem
challenge.host = 127.0.0.1
challenge.port = $challenge
listen = true
listen.host = 127.0.0.1
listen.port = $listen
CFG
"$home/bin/warren" --no-console --data-dir "$tmp/p/data" -dnc bench:BenchPass -rc admin:BenchAdmin \
  >"$tmp/p.log" 2>&1 & pids+=($!)
node_ready "$tmp/p.log"
W() { "$home/bin/warren" client --data-dir "$tmp/p/data" "$@"; }
P=$(awk '/peer ID/{print $3; exit}' "$tmp/p.log")

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); JDK TLS provider (SslProvider.JDK)"
echo "obtaining a certificate from pebble (run 1 also creates the ACME account and loads acme4j; order, HTTP-01, CSR, download):"
echo "  (pebble without its random validation sleeps and with no authorization reuse: every run validates HTTP-01)"
for i in 1 2 3 4 5; do
  t0=$(date +%s%N); said=$(W tls:cert request "$host" 2>&1); t1=$(date +%s%N)
  echo "  run $i: $(( (t1 - t0) / 1000000 )) ms with the client's start (node's own figure: $(echo "$said" | grep -o ' in [0-9]* ms' | tail -1 | grep -o '[0-9]* ms'))"
done
# the handshake needs a route for the name; the bench measures handshakes only (the route's target is this node)
W tls:route add "$host" --target "$P:9" >/dev/null

curl -s --cacert "$tmp/ca.pem" "https://127.0.0.1:$(grep -o '"managementListenAddress": "127.0.0.1:[0-9]*' "$tmp/pebble.json" | grep -o '[0-9]*$')/roots/0" >"$tmp/root.pem"
hs() { python3 bench/tls/handshakes.py "$1" "$host" "$2" "$secs" "$3"; } # hs PORT CAFILE CLIENTS
python3 bench/tls/handshakes.py "$listen" "$host" "$tmp/root.pem" 3 1 >/dev/null # warm the JIT
echo "full TLS handshakes per second ($secs s per run, SNI $host, fresh sessions, bench/tls/handshakes.py):"
echo "  Warren TLS listener, 1 client:  $(hs "$listen" "$tmp/root.pem" 1)"
echo "  Warren TLS listener, 2 clients: $(hs "$listen" "$tmp/root.pem" 2)"
sp=$(port)
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/s.key" -out "$tmp/s.pem" \
  -days 2 -subj "/CN=$host" -addext "subjectAltName=DNS:$host"
openssl s_server -quiet -accept "$sp" -cert "$tmp/s.pem" -key "$tmp/s.key" -naccept 100000000 >/dev/null 2>&1 \
  </dev/null & pids+=($!)
sleep 0.5
echo "  openssl s_server, 1 client:     $(hs "$sp" "$tmp/s.pem" 1)"
echo "  openssl s_server, 2 clients:    $(hs "$sp" "$tmp/s.pem" 2)"
