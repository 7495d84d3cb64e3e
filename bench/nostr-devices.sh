# Sourced by the voip benches with Nostr devices, after bench/node.sh and once $tmp and the pids
# array exist: nostr-tools devices (itests/src/test/js/nostr-voip-device.mjs) driven through fifos.
#   nostr_pub SECRET-HEX                          prints the key's public key in hex
#   nostr_device NAME URL SECRET-HEX NODE-NPUB    a device reading commands from the fifo $tmp/NAME.in
#                                                 (open it for writing: exec 3>"$tmp/NAME.in") and
#                                                 printing what it hears to $tmp/NAME.out
#   await FILE PATTERN                            prints the first line of FILE matching PATTERN, within 30 s
[ -d itests/node_modules/nostr-tools ] || { echo "run npm ci in itests first" >&2; exit 1; }

nostr_pub() { (cd itests && node --input-type=module -e "import { getPublicKey } from 'nostr-tools/pure'
console.log(getPublicKey(Uint8Array.from('$1'.match(/../g).map(b => parseInt(b, 16)))))"); }

nostr_device() {
  mkfifo "$tmp/$1.in"
  node --experimental-websocket --no-warnings itests/src/test/js/nostr-voip-device.mjs "$2" "$3" "$4" \
    <"$tmp/$1.in" >"$tmp/$1.out" 2>&1 &
  pids+=($!)
}

await() {
  local _
  for _ in $(seq 300); do grep -m1 -E "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "no '$2' in $1:" >&2; cat "$1" >&2; return 1
}
