// nostr-tools publishes one signed event to a Warren relay and reads it back on a second
// connection. Usage: node --experimental-websocket nostr-publish-read.mjs ws://127.0.0.1:PORT.
// Prints "ok <check>" or "FAIL <check>: <why>" per check; exits non-zero on any failure.
// Waits use deadlines, never sleeps.
import { Relay } from 'nostr-tools/relay'
import { finalizeEvent, generateSecretKey, verifyEvent } from 'nostr-tools/pure'

const url = process.argv[2]
if (!url) {
  console.error('usage: nostr-publish-read.mjs ws://host:port')
  process.exit(2)
}
const DEADLINE_MS = 15000

function within(promise, what) {
  let t
  const timeout = new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t))
}

let failed = 0
async function check(name, fn) {
  try {
    await fn()
    console.log(`ok ${name}`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`)
  }
}

const key = generateSecretKey()
const event = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [['t', 'relay-only']],
  content: 'from a node without libp2p' }, key)

await check('publish', async () => {
  const relay = await within(Relay.connect(url), 'connect')
  const reason = await within(relay.publish(event), `OK for ${event.id}`)
  if (reason !== '') throw new Error(`unexpected OK message ${JSON.stringify(reason)}`)
  relay.close()
})

await check('read back', async () => {
  const relay = await within(Relay.connect(url), 'second connection')
  const got = await within(new Promise((resolve, reject) => {
    const events = []
    const sub = relay.subscribe([{ ids: [event.id] }], {
      onevent: e => events.push(e),
      oneose: () => { resolve(events); sub.close() },
      onclose: reason => reject(new Error(`subscription closed: ${reason}`)),
    })
  }), 'EOSE')
  relay.close()
  if (got.length !== 1) throw new Error(`expected the event once, got ${got.length}`)
  const e = got[0]
  if (e.id !== event.id || e.sig !== event.sig || e.content !== event.content) throw new Error(`got ${JSON.stringify(e)}`)
  if (!verifyEvent(e)) throw new Error('the event read back does not verify')
})

process.exit(failed === 0 ? 0 : 1)
