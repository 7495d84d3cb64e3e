# Sourced by the bench scripts: the shell twin of the test fixtures' NodeProcess (one way to lay
# out, start and await a node). Run from the project root; needs the built distribution.
WARREN_DIST=${WARREN_DIST:-$PWD/distribution/target/warren}
NODE_LOOPBACK_LISTEN='listen.addresses = /ip4/127.0.0.1/tcp/0'

# node_install DIR: a private installation DIR/warren (bin/ and etc/ copied, deploy/ empty, the rest
# linked to the built distribution), so a bench may configure it; prints its path.
node_install() {
  local home="$1/warren" d
  mkdir -p "$home/bin" "$home/etc" "$home/deploy"
  for d in lib system features; do ln -s "$WARREN_DIST/$d" "$home/$d"; done
  cp "$WARREN_DIST/bin/warren" "$home/bin/"
  cp "$WARREN_DIST"/etc/* "$home/etc/"
  # benches run on loopback on free ports, not on the default port 4100 of every interface
  printf '\n%s\n' "$NODE_LOOPBACK_LISTEN" >> "$home/etc/io.warren.libp2p.cfg"
  echo "$home"
}

# node_ready OUT [ERR]: waits up to 60 s for the ready line in a node's stdout file; else prints
# what the node wrote and fails.
node_ready() {
  local _
  for _ in $(seq 1 600); do grep -qs " ready in " "$1" && return 0; sleep 0.1; done
  echo "node not ready within 60 s:" >&2; cat "$@" >&2
  return 1
}

# sshd_start DIR PORT: OpenSSH's sshd on 127.0.0.1:PORT with a throwaway host key and SFTP,
# letting in any user with the key DIR/client (made here unless it is there); its pid in DIR/sshd.pid.
sshd_start() {
  local d="$1" _
  mkdir -p "$d" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$d/host"
  [ -e "$d/client" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/client"
  cp "$d/client.pub" "$d/authorized_keys"
  cat >"$d/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $2
HostKey $d/host
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
PidFile $d/sshd.pid
Subsystem sftp internal-sftp
CONF
  /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"
  for _ in $(seq 50); do [ -s "$d/sshd.pid" ] && return 0; sleep 0.1; done
  echo "sshd did not start:" >&2; cat "$d/sshd.log" >&2; return 1
}
