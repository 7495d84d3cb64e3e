// A Nostr device of the node's voip service, with nostr-tools: prints the node's voip events to it
// and publishes what the test writes on stdin, each event signed with the device's key.
// Usage: node --experimental-websocket nostr-voip-device.mjs ws://127.0.0.1:PORT <secret key hex> <node npub>
// Prints "node <the node's key in hex>", "subscribed" after EOSE, then for every event of kinds 25920-25924 from the node p-tagging this
// device (verified): "event <kind> <tag>=<value> ... | <content>".
// Stdin, one command a line: "publish <serial> <kind> <seconds added to now> <tags as JSON> <content...>"
// prints "published <serial> <id>" once the relay said OK, or "refused <serial> <id> <reason>"; "quit" ends.
// Prints "FAIL <why>" and exits non-zero on a connection failure or an event that does not verify.
import { Relay } from 'nostr-tools/relay'
import { finalizeEvent, getPublicKey, verifyEvent } from 'nostr-tools/pure'
import * as nip19 from 'nostr-tools/nip19'
import * as readline from 'node:readline'

const KINDS = [25920, 25921, 25922, 25923, 25924]
const [url, skHex, nodeNpub] = process.argv.slice(2)

function hexToBytes(h) {
  return Uint8Array.from(h.match(/../g).map(b => parseInt(b, 16)))
}

function fail(why) {
  console.log(`FAIL ${why}`)
  process.exit(1)
}

try {
  const sk = hexToBytes(skHex)
  const me = getPublicKey(sk)
  const node = nip19.decode(nodeNpub).data
  console.log(`node ${node}`)
  const relay = await Relay.connect(url)
  relay.onclose = () => fail('the relay closed the connection')
  relay.subscribe([{ kinds: KINDS, '#p': [me], authors: [node] }], {
    oneose: () => console.log('subscribed'),
    onevent: e => {
      if (!verifyEvent(e)) fail(`event ${e.id} does not verify`)
      const tags = e.tags.map(t => `${t[0]}=${t[1]}`).join(' ')
      console.log(`event ${e.kind} ${tags} | ${e.content.replace(/\n/g, ' ')}`)
    },
    onclose: reason => fail(`subscription closed: ${reason}`),
  })
  const lines = readline.createInterface({ input: process.stdin })
  for await (const line of lines) {
    if (line === 'quit') break
    const m = line.match(/^publish (\S+) (\d+) (-?\d+) (\[.*\]) ?(.*)$/)
    if (!m) fail(`bad command: ${line}`)
    const [, serial, kind, skew, tags, content] = m
    const event = finalizeEvent({ kind: Number(kind), created_at: Math.floor(Date.now() / 1000) + Number(skew),
      tags: JSON.parse(tags), content }, sk)
    relay.publish(event).then(() => console.log(`published ${serial} ${event.id}`),
      reason => console.log(`refused ${serial} ${event.id} ${reason}`))
  }
  relay.onclose = null
  relay.close()
  process.exit(0)
} catch (e) {
  fail(e && e.message ? e.message : e)
}
