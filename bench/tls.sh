#!/usr/bin/env bash
# TLS-at-the-edge figures on loopback, printed, never asserted (issue 15), all in one run:
#   - the time to obtain a certificate from pebble (HTTP-01 answered by the node);
#   - full TLS handshakes per second (bench/tls/handshakes.py: fresh sessions, SNI set, each one a
#     new connection) and HTTPS requests per second (h2load, HTTP/1.1, keep-alive) through public
#     node P: terminated on P (plaintext through the overlay to Q's HTTP backend) and passed through
#     P (TLS through the overlay, terminated by Q's own listener with the key P copied there);
#   - the same against nginx terminating TLS itself on the same machine.
#   The backend behind Q is nginx serving a 6-byte body over plain HTTP; nginx's own TLS server
#   serves the same body. wrk is not used: it takes the TLS server name from the URL's host, so it
#   cannot name a test hostname while connecting to 127.0.0.1 without editing /etc/hosts; h2load's
#   --connect-to can.
#   bench/tls.sh [seconds-per-run]   (TLS_NATIVE=false: the nodes end TLS with the JDK rather than OpenSSL)
# Needs a build (mvn -B -q package -DskipTests), pebble, openssl, nginx, h2load, python3
# (itests/bin/ensure-packages.sh installs the Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
itests/bin/ensure-packages.sh pebble=pebble pebble-challtestsrv=pebble openssl=openssl nginx=nginx \
  h2load=nghttp2-client
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
tmp=$(mktemp -d); pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  sleep 1; rm -rf "$tmp"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
term=term.bench.test; pass=pass.bench.test; plain=nginx.bench.test

# pebble's own HTTPS certificate, from a throwaway CA the node trusts (acme.ca.file)
o() { openssl "$@" >/dev/null 2>&1; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
  -days 2 -subj "/CN=bench ACME CA"
o req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/pebble.key" -out "$tmp/pebble.csr" \
  -subj /CN=127.0.0.1
echo "subjectAltName=IP:127.0.0.1" >"$tmp/san.ext"
o x509 -req -in "$tmp/pebble.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -out "$tmp/pebble.pem" \
  -days 2 -extfile "$tmp/san.ext"
dns=$(port); acme=$(port); acme_admin=$(port); challenge=$(port); listen=$(port); qlisten=$(port)
backend=$(port); nginx_tls=$(port)
pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$dns" -http01 "" -https01 "" \
  -tlsalpn01 "" -management "127.0.0.1:$(port)" >"$tmp/challtestsrv.log" 2>&1 & pids+=($!)
cat >"$tmp/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$acme_admin",
 "certificate": "$tmp/pebble.pem", "privateKey": "$tmp/pebble.key", "httpPort": $challenge,
 "tlsPort": $(port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 pebble -config "$tmp/pebble.json" -dnsserver "127.0.0.1:$dns" \
  >"$tmp/pebble.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -s --cacert "$tmp/ca.pem" "https://127.0.0.1:$acme/dir" >/dev/null && break; sleep 0.1; done

# nginx: the plain HTTP backend behind Q, and a TLS server of its own (EC P-256, as ACME issues here)
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tmp/n.key" -out "$tmp/n.pem" \
  -days 2 -subj "/CN=$plain" -addext "subjectAltName=DNS:$plain"
cat >"$tmp/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 100000000; # h2load -D stalls when a server ends a keep-alive connection
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp; uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  server { listen 127.0.0.1:$backend; location / { return 200 "hello\n"; } }
  server { listen 127.0.0.1:$nginx_tls ssl; ssl_certificate $tmp/n.pem; ssl_certificate_key $tmp/n.key;
           ssl_session_cache off; ssl_session_tickets off; location / { return 200 "hello\n"; } }
}
NGINX
nginx -c "$tmp/nginx.conf"

phome=$(node_install "$tmp/p"); qhome=$(node_install "$tmp/q")
cat >"$phome/etc/io.warren.tls.cfg" <<CFG
acme.url = https://127.0.0.1:$acme/dir
acme.ca.file = $tmp/ca.pem
challenge.host = 127.0.0.1
challenge.port = $challenge
listen = true
listen.host = 127.0.0.1
listen.port = $listen
max.handshakes.per.source = 4096
native.tls = ${TLS_NATIVE:-true}
CFG
cat >"$qhome/etc/io.warren.tls.cfg" <<CFG
listen = true
listen.host = 127.0.0.1
listen.port = $qlisten
max.handshakes.per.source = 4096
native.tls = ${TLS_NATIVE:-true}
CFG
"$phome/bin/warren" --no-console --data-dir "$tmp/p/data" -dnc bench:BenchPass -rc admin:BenchAdmin \
  >"$tmp/p.log" 2>&1 & pids+=($!)
node_ready "$tmp/p.log"
WP() { "$phome/bin/warren" client --data-dir "$tmp/p/data" "$@" 2>/dev/null; }
WQ() { "$qhome/bin/warren" client --data-dir "$tmp/q/data" "$@" 2>/dev/null; }
"$qhome/bin/warren" --no-console --data-dir "$tmp/q/data" -dnc bench:BenchPass -rc admin:QAdmin \
  -bs "$(WP node:identity -b64)" >"$tmp/q.log" 2>&1 & pids+=($!)
node_ready "$tmp/q.log"
P=$(awk '/peer ID/{print $3; exit}' "$tmp/p.log"); Q=$(awk '/peer ID/{print $3; exit}' "$tmp/q.log")
for _ in $(seq 100); do WP net:nodes | grep -q "$Q" && break; sleep 0.2; done

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(WP tls:route list | head -1 | sed 's/.*, TLS by/TLS by/'); nodes on $(ps -o args= -p "$(pgrep -f -- "--data-dir $tmp/p/data" | head -1)" | awk '{print $1}'); $(nginx -v 2>&1)"
echo "obtaining a certificate from pebble (run 1 also creates the ACME account and loads acme4j; order, HTTP-01, CSR, download):"
echo "  (pebble without its random validation sleeps and with no authorization reuse: every run validates HTTP-01)"
for i in 1 2 3; do
  t0=$(date +%s%N); said=$(WP tls:request --hostname "$term"); t1=$(date +%s%N)
  echo "  run $i: $(( (t1 - t0) / 1000000 )) ms with the client's start (${said%%:*})"
done
WP tls:request --hostname "$pass" >/dev/null
WP tls:copy --prefix "$pass" --to "$Q" --credentials admin:QAdmin >/dev/null
WP tls:remove "$pass" >/dev/null   # P cannot terminate pass.bench.test: Q does
WQ proxy:add --direction ingress --origin "$P" --port "$backend" >/dev/null
WQ proxy:add --direction ingress --origin "$P" --port "$qlisten" >/dev/null
WQ tls:route add "$pass" --target "localhost:$backend" >/dev/null
WP tls:route add "$term" --target "$Q:$backend" >/dev/null
WP tls:route add "$pass" --target "$Q:$qlisten" --mode passthrough >/dev/null
curl -s --cacert "$tmp/ca.pem" "https://127.0.0.1:$acme_admin/roots/0" >"$tmp/root.pem"
for h in "$term" "$pass"; do
  got=$(curl -sS --max-time 10 --cacert "$tmp/root.pem" --resolve "$h:$listen:127.0.0.1" "https://$h:$listen/")
  [ "$got" = hello ] || { echo "$h through P answered '$got'" >&2; exit 1; }
done

hs() { python3 bench/tls/handshakes.py "$1" "$2" "$3" "$secs" "$4"; }   # hs PORT NAME CAFILE CLIENTS
rps() { # rps PORT NAME: h2load, HTTP/1.1 keep-alive, 2 threads x 32 connections
  timeout $((secs + 30)) h2load --h1 -t 2 -c 32 -D "$secs" --warm-up-time=1 --connect-to "127.0.0.1:$1" \
    "https://$2:$1/" 2>&1 | awk '/^finished in/{printf "%s req/s", $4} /^requests:/{printf " (%s succeeded, %s failed)", $8, $10}'
  [ "${PIPESTATUS[0]}" -ne 124 ] || echo "h2load did not end within $((secs + 30)) s"
}
python3 bench/tls/handshakes.py "$listen" "$term" "$tmp/root.pem" 3 1 >/dev/null # warm the JITs
python3 bench/tls/handshakes.py "$listen" "$pass" "$tmp/root.pem" 3 1 >/dev/null
echo "full TLS handshakes per second ($secs s per run, fresh sessions, each on a new connection; bench/tls/handshakes.py):"
for c in 1 2; do
  echo "  $c client(s): P terminating $(hs "$listen" "$term" "$tmp/root.pem" $c)"
  echo "               P passing through to Q $(hs "$listen" "$pass" "$tmp/root.pem" $c)"
  echo "               nginx terminating $(hs "$nginx_tls" "$plain" "$tmp/n.pem" $c)"
done
echo "HTTPS requests per second ($secs s per run, h2load --h1 -t 2 -c 32, keep-alive, a 6-byte body):"
echo "  P terminating, to nginx behind Q:      $(rps "$listen" "$term")"
echo "  P passing through, Q terminating:      $(rps "$listen" "$pass")"
echo "  nginx terminating, answering itself:   $(rps "$nginx_tls" "$plain")"
echo "P's TLS listener afterwards (node:metrics; target_failed: the overlay or Q refused a connection):"
WP node:metrics | grep -o 'warren_tls_connections_total{outcome="[a-z_]*"} *[0-9.]*' | sed 's/^/  /'
echo "why, as P logged it (first 3 distinct):"
grep -o 'tls: [a-z.]*: .*' "$tmp/p.log" | grep -v 'client left' | sed 's/[0-9]\{4,\}/N/g' | sort | uniq -c | sort -rn | head -3 | sed 's/^/  /' || true
