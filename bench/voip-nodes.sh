# Sourced by the voip benches after bench/node.sh: members of the network $VOIP_NET (name:password)
# laid out under a temporary folder, all stopped and the folder removed on exit.
#   start NAME VOIP-CONFIG LIBP2P-CONFIG [launcher args, e.g. -bs <identity>]   (configs in printf %b form;
#     an empty LIBP2P-CONFIG keeps the loopback listener; RELAY_CFG set: also io.warren.nostr.relay.cfg)
#   client NAME COMMAND...
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

start() {
  local home
  home=$(node_install "$tmp/$1")
  echo "name = $1" >"$home/etc/io.warren.identity.cfg"
  printf '%b' "$2" >"$home/etc/io.warren.voip.cfg"
  [ -z "$3" ] || printf '%b' "$3" >"$home/etc/io.warren.libp2p.cfg"
  [ -z "${RELAY_CFG:-}" ] || printf '%b' "$RELAY_CFG" >"$home/etc/io.warren.nostr.relay.cfg"
  WARREN_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} "$home/bin/warren" --no-console --data-dir "$tmp/$1/data" -dnc "$VOIP_NET" \
    -rc admin:A"$1" "${@:4}" >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  node_ready "$tmp/$1.log"
}
client() { "$tmp/$1/warren/bin/warren" client --data-dir "$tmp/$1/data" "${@:2}"; }
