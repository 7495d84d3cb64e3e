#!/usr/bin/env bash
# File transfer figures on loopback, printed, never asserted (issue 16): one N MB file sent from one
# node to another (files:send, direct libp2p), with scp (aes128-gcm) and with rsync over ssh
# (aes128-gcm) to a throwaway OpenSSH sshd, in one run, between directories on the same disk; the
# nodes' peak RSS while the file travels; then two files sent at once under a total rate limit,
# each one's rate while both run.
#   bench/files.sh [megabytes]       (default 1024)
# Needs a build (mvn -B -q package -DskipTests), ssh, scp, sshd, rsync, python3
# (itests/bin/ensure-packages.sh installs the Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1024}
. bench/node.sh
[ -x "$WARREN_DIST/bin/warren" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
itests/bin/ensure-packages.sh ssh=openssh-client scp=openssh-client sshd=openssh-server rsync=rsync
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
rate() { python3 -c "print('%6.0f MB/s (%.2f s)' % ($mb * 1.048576 / ($2 - $1), $2 - $1))"; }

mkdir -p "$tmp/local" "$tmp/scp" "$tmp/rsync"
head -c "$((mb * 1024 * 1024))" /dev/urandom >"$tmp/local/big"

# two members of one network; b takes files from a without asking
start() { # name bootstrap...
  local home
  home=$(node_install "$tmp/$1")
  echo "name = $1" >"$home/etc/io.warren.identity.cfg"
  "$home/bin/warren" --no-console --data-dir "$tmp/$1/data" -dnc benchnet:BenchNet -rc admin:Bench"$1" "${@:2}" \
    >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  echo $! >"$tmp/$1.pid"
  node_ready "$tmp/$1.log"
}
client() { "$tmp/$1/warren/bin/warren" client --data-dir "$tmp/$1/data" "${@:2}"; }
start a
start b -bs "$(client a node:identity -b64)"
for _ in $(seq 100); do client b files:allow add a >/dev/null 2>&1 && break; sleep 0.3; done

# peak RSS (MB) of a process while a marker file exists
peak() { # pid out
  local max=0 kb
  while [ -e "$tmp/running" ]; do
    kb=$(awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${kb:-0}" -gt "$max" ] && max=$kb
    sleep 0.1
  done
  echo $((max / 1024)) >"$2"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); node on $(grep -o 'ready in [0-9]* ms (.*)' "$tmp/a.log" | sed 's/.*(\(.*\))/\1/'); $(ssh -V 2>&1); $(rsync --version | head -1)"
echo "a $mb MB file over loopback, in one run:"
head -c 16777216 /dev/urandom >"$tmp/local/warm"
client a files:send b "$tmp/local/warm" >/dev/null # JIT warm-up, uncounted
rss_before_a=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$(cat "$tmp/a.pid")/status")
rss_before_b=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$(cat "$tmp/b.pid")/status")
touch "$tmp/running"
peak "$(cat "$tmp/a.pid")" "$tmp/rss.a" &
watchers=($!)
peak "$(cat "$tmp/b.pid")" "$tmp/rss.b" &
watchers+=($!)
t0=$(now)
out=$(client a files:send b "$tmp/local/big")
t1=$(now)
rm "$tmp/running"; wait "${watchers[@]}"
cmp -s "$tmp/local/big" "$tmp/b/data/inbox/big" || { echo "  the node's copy differs" >&2; exit 1; }
printf '  %-34s %s\n' "files:send (hash, send, verify)" "$(rate "$t0" "$t1")"
echo "    node says: $(echo "$out" | grep '^done:' | sed 's/, sha256.*//')"
echo "    RSS sender $rss_before_a -> peak $(cat "$tmp/rss.a") MB, receiver $rss_before_b -> peak $(cat "$tmp/rss.b") MB (heap max ${WARREN_HEAP:-512m})"

# OpenSSH's sshd on loopback with a throwaway host key
sp=$(port)
sshd_start "$tmp/ssh" "$sp"
pids+=($(cat "$tmp/ssh/sshd.pid"))
opts=(-F /dev/null -c aes128-gcm@openssh.com -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o LogLevel=ERROR -o IdentitiesOnly=yes -i "$tmp/ssh/client")
me=$(whoami)
t0=$(now)
scp -q "${opts[@]}" -P "$sp" "$tmp/local/big" "$me@127.0.0.1:$tmp/scp/big"
t1=$(now)
cmp -s "$tmp/local/big" "$tmp/scp/big" || { echo "  scp's copy differs" >&2; exit 1; }
printf '  %-34s %s\n' "scp -c aes128-gcm" "$(rate "$t0" "$t1")"
t0=$(now)
rsync -a -e "ssh ${opts[*]} -p $sp" "$tmp/local/big" "$me@127.0.0.1:$tmp/rsync/big"
t1=$(now)
cmp -s "$tmp/local/big" "$tmp/rsync/big" || { echo "  rsync's copy differs" >&2; exit 1; }
printf '  %-34s %s\n' "rsync -a over ssh (aes128-gcm)" "$(rate "$t0" "$t1")"

# bandwidth limit and fairness: a's total send rate set to 8 MiB/s, two 64 MiB files sent at once;
# what each moved over 5 s while both ran (the second starts a client's start-up later)
limit_kib=8192
client a config:set io.warren.files send.rate.kib "$limit_kib" >/dev/null
for _ in $(seq 100); do client a files:inbox >/dev/null 2>&1 && break; sleep 0.3; done
head -c 67108864 /dev/urandom >"$tmp/local/one"
head -c 67108864 /dev/urandom >"$tmp/local/two"
id1=$(client a files:send -b b "$tmp/local/one" | sed -n 's/^transfer \([0-9a-f]*\):.*/\1/p')
id2=$(client a files:send -b b "$tmp/local/two" | sed -n 's/^transfer \([0-9a-f]*\):.*/\1/p')
moved() { # prints the bytes each of the two moved so far
  local rows
  rows=$(client a files:transfers)
  echo "$(echo "$rows" | awk -v id="$id1" '$1 == id && $3 == "out" {print $6}')" \
    "$(echo "$rows" | awk -v id="$id2" '$1 == id && $3 == "out" {print $6}')"
}
for _ in $(seq 300); do
  read -r m1 m2 <<<"$(moved)"
  [ "${m2:-0}" -gt 0 ] && break
  sleep 0.2
done
t0=$(now)
sleep 5
read -r n1 n2 <<<"$(moved)"
t1=$(now)
python3 -c "
d1, d2, t = ($n1 - $m1) / 1048576, ($n2 - $m2) / 1048576, $t1 - $t0
print('two sends at once under send.rate.kib = $limit_kib, over %.1f s while both ran:' % t)
print('  %.1f and %.1f MiB/s (%.1f together, limit %.1f)' % (d1 / t, d2 / t, (d1 + d2) / t, $limit_kib / 1024))"
client a config:set io.warren.files send.rate.kib 0 >/dev/null
