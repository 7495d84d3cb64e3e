#!/usr/bin/env bash
# SFTP figures on loopback, printed, never asserted (issue 14): an N MB file put and got with
# OpenSSH's sftp through the node's SFTP (MINA SSHD, sftp.directory) and through a throwaway
# OpenSSH sshd on a loopback port, in one run, per cipher; the JDK the node runs on is printed
# (MINA's ciphers run on it: JDK 17 has no ChaCha20-Poly1305 intrinsics).
#   bench/sftp.sh [megabytes]       (default 256)
# Needs a build (mvn -B -q package -DskipTests), ssh, sftp, sshd, python3
# (itests/bin/ensure-packages.sh installs the Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-256}
. bench/node.sh
W=$WARREN_DIST/bin/warren
[ -x "$W" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
itests/bin/ensure-packages.sh ssh=openssh-client sftp=openssh-client sshd=openssh-server
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$tmp/files/node" "$tmp/files/sshd" "$tmp/local" "$tmp/ssh" /run/sshd
head -c "$((mb * 1024 * 1024))" /dev/urandom >"$tmp/local/big"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/client"

# the node: SFTP in its own folder, the client key authorised for the admin
home=$(node_install "$tmp")
echo "sftp.directory = $tmp/files/node" >"$home/etc/io.warren.ssh.cfg"
np=$(port)
"$home/bin/warren" --no-console --data-dir "$tmp/n" -rc admin:BenchAdmin --ssh-port "$np" >"$tmp/n.log" 2>&1 &
pids+=($!)
node_ready "$tmp/n.log"
"$home/bin/warren" client --data-dir "$tmp/n" ssh:keys add "$(cat "$tmp/ssh/client.pub")" >/dev/null

# OpenSSH's sshd on loopback with a throwaway host key, the same client key
sp=$(port)
sshd_start "$tmp/ssh" "$sp"
pids+=($(cat "$tmp/ssh/sshd.pid"))

# seconds for one sftp batch; $1 port, $2 user, $3 cipher, $4 batch
timed() {
  printf '%s\n' "$4" >"$tmp/batch"
  local t0 t1
  t0=$(date +%s.%N)
  sftp -q -F /dev/null -P "$1" -c "$3" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o IdentitiesOnly=yes -i "$tmp/ssh/client" -b "$tmp/batch" "$2@127.0.0.1" >/dev/null
  t1=$(date +%s.%N)
  python3 -c "print('%6.0f MB/s (%.2f s)' % ($mb / ($t1 - $t0), $t1 - $t0))"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); node on $(grep -o 'ready in [0-9]* ms (.*)' "$tmp/n.log" | sed 's/.*(\(.*\))/\1/'); $(ssh -V 2>&1)"
echo "sftp of a $mb MB file over loopback (put, then get; each a fresh connection, login included):"
timed "$np" admin aes128-gcm@openssh.com "put $tmp/local/big warm" >/dev/null # JIT warm-up, uncounted
for cipher in aes128-gcm@openssh.com chacha20-poly1305@openssh.com; do
  for side in node sshd; do
    if [ $side = node ]; then p=$np; u=admin; d=""; else p=$sp; u=$(whoami); d="$tmp/files/sshd/"; fi
    printf '  %-8s %-31s put %s' "$side" "$cipher" "$(timed "$p" "$u" "$cipher" "put $tmp/local/big ${d}big")"
    printf '   get %s\n' "$(timed "$p" "$u" "$cipher" "get ${d}big $tmp/local/back")"
    cmp -s "$tmp/local/big" "$tmp/local/back" || { echo "  $side: the file came back different" >&2; exit 1; }
    rm -f "$tmp/local/back"
  done
done
