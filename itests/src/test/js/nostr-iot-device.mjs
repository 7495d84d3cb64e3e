// A Nostr device of the IoT bridge, with nostr-tools: publishes one MQTT message as a signed
// event of kind 25912, or waits for one from the node.
// Usage: node --experimental-websocket nostr-iot-device.mjs publish ws://127.0.0.1:PORT <secret key hex> <topic> <text>
//        node --experimental-websocket nostr-iot-device.mjs subscribe ws://127.0.0.1:PORT <topic> <node npub> <text>
// publish prints "ok published <id>" once the relay answered OK; subscribe prints "subscribed" after EOSE, then
// "ok received <content>" for an event that verifies, is the node's and carries the topic, then exits.
// Prints "FAIL <why>" and exits non-zero otherwise. Waits use deadlines, never sleeps.
import { Relay } from 'nostr-tools/relay'
import { finalizeEvent, verifyEvent } from 'nostr-tools/pure'
import * as nip19 from 'nostr-tools/nip19'

const KIND = 25912
const DEADLINE_MS = 40000
const [mode, url, ...rest] = process.argv.slice(2)

function within(promise, what) {
  let t
  const timeout = new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t))
}

function hexToBytes(h) {
  return Uint8Array.from(h.match(/../g).map(b => parseInt(b, 16)))
}

try {
  const relay = await within(Relay.connect(url), 'connect')
  if (mode === 'publish') {
    const [sk, topic, text] = rest
    const event = finalizeEvent({ kind: KIND, created_at: Math.floor(Date.now() / 1000),
      tags: [['t', topic], ['qos', '0']], content: text }, hexToBytes(sk))
    const reason = await within(relay.publish(event), `OK for ${event.id}`)
    console.log(`ok published ${event.id} ${JSON.stringify(reason)}`)
  } else if (mode === 'subscribe') {
    const [topic, npub, text] = rest
    const node = nip19.decode(npub).data
    const got = await within(new Promise((resolve, reject) => {
      relay.subscribe([{ kinds: [KIND], '#t': [topic] }], {
        oneose: () => console.log('subscribed'),
        onevent: e => {
          if (!verifyEvent(e)) reject(new Error(`event ${e.id} does not verify`))
          else if (e.pubkey !== node) reject(new Error(`author ${e.pubkey}, expected the node's ${node}`))
          else if (!e.tags.some(t => t[0] === 't' && t[1] === topic)) reject(new Error(`no t tag ${topic}: ${JSON.stringify(e.tags)}`))
          else if (e.content === text) resolve(e)
        },
        onclose: reason => reject(new Error(`subscription closed: ${reason}`)),
      })
    }), `an event with ${text}`)
    console.log(`ok received ${got.content} ${JSON.stringify(got.tags)}`)
  } else {
    throw new Error('usage: nostr-iot-device.mjs publish|subscribe ws://host:port ...')
  }
  relay.close()
  process.exit(0)
} catch (e) {
  console.log(`FAIL ${e && e.message ? e.message : e}`)
  process.exit(1)
}
