// nostr-tools as a real client against a Warren relay. Usage: node --experimental-websocket
// nostr-tools-client.mjs ws://127.0.0.1:PORT. Prints "ok <check>" or "FAIL <check>: <why>" per
// check, then "N passed, N failed"; exits non-zero on any failure. Waits use deadlines, never sleeps.
import { Relay } from 'nostr-tools/relay'
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure'
import { fetchRelayInformation } from 'nostr-tools/nip11'

const url = process.argv[2]
if (!url) {
  console.error('usage: nostr-tools-client.mjs ws://host:port')
  process.exit(2)
}
const DEADLINE_MS = 15000
let passed = 0
let failed = 0

async function check(name, fn) {
  try {
    await fn()
    passed++
    console.log(`ok ${name}`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`)
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg)
}

function within(promise, what) {
  let t
  const timeout = new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), DEADLINE_MS) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t))
}

/** Events of a REQ up to EOSE, in the order the relay sent them. */
function query(relay, filters) {
  return within(new Promise((resolve, reject) => {
    const got = []
    const sub = relay.subscribe(filters, {
      onevent: e => got.push(e),
      oneose: () => { resolve(got); sub.close() },
      onclose: reason => reject(new Error(`subscription closed: ${reason}`)),
    })
  }), `EOSE for ${JSON.stringify(filters)}`)
}

async function rejected(promise) {
  try {
    await promise
  } catch (e) {
    return e.message
  }
  throw new Error('the relay accepted it')
}

const alice = generateSecretKey()
const bob = generateSecretKey()
const alicePub = getPublicKey(alice)
const now = Math.floor(Date.now() / 1000)
const topic = 'warren-interop-' + alicePub
const relay = await within(Relay.connect(url), 'connect')
const other = await within(Relay.connect(url), 'second connection')

const a = finalizeEvent({ kind: 1, created_at: now - 30, tags: [['t', topic], ['e', 'e'.repeat(64)]], content: 'first "quoted"\nline' }, alice)
const b = finalizeEvent({ kind: 7, created_at: now - 20, tags: [['p', alicePub]], content: '+' }, bob)
const c = finalizeEvent({ kind: 1, created_at: now - 10, tags: [['t', topic]], content: 'third \u00e9\u{1F600}' }, alice)

await check('publish', async () => {
  for (const e of [a, b, c]) {
    const reason = await within(relay.publish(e), `OK for ${e.id}`)
    assert(reason === '', `unexpected OK message ${JSON.stringify(reason)}`)
  }
})

const ids = events => events.map(e => e.id).join(',')
const cases = [
  ['filter ids', [{ ids: [b.id] }], [b]],
  ['filter authors', [{ authors: [alicePub] }], [c, a]],
  ['filter kinds', [{ kinds: [7], authors: [b.pubkey] }], [b]],
  ['filter #e', [{ '#e': ['e'.repeat(64)], authors: [alicePub] }], [a]],
  ['filter #p', [{ '#p': [alicePub] }], [b]],
  ['filter #t', [{ '#t': [topic] }], [c, a]],
  ['filter since', [{ authors: [alicePub, b.pubkey], since: now - 20 }], [c, b]],
  ['filter until', [{ authors: [alicePub, b.pubkey], until: now - 20 }], [b, a]],
  ['filter limit', [{ authors: [alicePub, b.pubkey], limit: 1 }], [c]],
  ['several filters are OR-ed', [{ ids: [a.id] }, { kinds: [7], authors: [b.pubkey] }], [b, a]],
]
for (const [name, filters, expected] of cases) {
  await check(name, async () => {
    const got = await query(relay, filters)
    assert(ids(got) === ids(expected), `expected ${ids(expected)} got ${ids(got)}`)
  })
}

await check('live subscription', async () => {
  const fresh = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [['t', 'live-' + alicePub]], content: 'live' }, bob)
  let eose
  const eosed = new Promise(r => { eose = r })
  let delivered
  const arrived = new Promise(r => { delivered = r })
  const sub = relay.subscribe([{ '#t': ['live-' + alicePub] }], {
    onevent: e => { if (e.id === fresh.id) delivered(e) },
    oneose: () => eose(),
  })
  await within(eosed, 'EOSE of the live subscription')
  await within(other.publish(fresh), 'OK from the other connection')
  const e = await within(arrived, 'the live event')
  assert(e.content === 'live', 'content survived')
  sub.close()
})

await check('invalid signature is rejected with invalid:', async () => {
  const e = finalizeEvent({ kind: 1, created_at: now, tags: [], content: 'forged' }, alice)
  const forged = { ...e, sig: (e.sig[0] === 'a' ? 'b' : 'a') + e.sig.slice(1) }
  const reason = await within(rejected(relay.publish(forged)), 'OK false')
  assert(reason.startsWith('invalid:'), `reason was ${JSON.stringify(reason)}`)
})

await check('wrong id is rejected with invalid:', async () => {
  const e = finalizeEvent({ kind: 1, created_at: now, tags: [], content: 'original' }, alice)
  const tampered = { ...e, content: 'changed after signing' }
  const reason = await within(rejected(relay.publish(tampered)), 'OK false')
  assert(reason.startsWith('invalid:'), `reason was ${JSON.stringify(reason)}`)
  const stored = await query(relay, [{ ids: [e.id] }])
  assert(stored.length === 0, 'nothing was stored under that id')
})

await check('NIP-42 auth', async () => {
  const deadline = Date.now() + DEADLINE_MS
  while (!relay.challenge) {
    if (Date.now() > deadline) throw new Error('no AUTH challenge')
    await new Promise(r => setImmediate(r))
  }
  const reason = await within(relay.auth(t => finalizeEvent(t, alice)), 'OK for AUTH')
  assert(reason === '', `AUTH answered ${JSON.stringify(reason)}`)
})

await check('NIP-11 information document', async () => {
  const info = await within(fetchRelayInformation(url), 'NIP-11')
  assert(info.supported_nips.includes(1) && info.supported_nips.includes(11) && info.supported_nips.includes(42), 'supported_nips')
  assert(info.limitation && info.limitation.max_message_length > 0 && info.limitation.max_subscriptions > 0, 'limitation')
})

/** A raw WebSocket (Node's built-in client) for input no well-behaved client library would send. */
function raw() {
  return within(new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const messages = []
    let closed
    ws.closed = new Promise(r => { closed = r })
    ws.onmessage = m => { messages.push(JSON.parse(m.data)); ws.onmessage2?.() }
    ws.onclose = ev => closed(ev.code)
    ws.onopen = () => resolve(ws)
    ws.onerror = e => reject(new Error('raw websocket failed'))
    ws.messages = messages
  }), 'raw connection')
}

function until(ws, pred, what) {
  return within(new Promise(resolve => {
    const look = () => { const m = ws.messages.find(pred); if (m) resolve(m) }
    ws.onmessage2 = look
    look()
  }), what)
}

await check('malformed JSON gets a NOTICE and the connection stays', async () => {
  const ws = await raw()
  ws.send('{"not": "an array"')
  const notice = await until(ws, m => m[0] === 'NOTICE', 'NOTICE')
  assert(notice[1].startsWith('invalid:'), `notice was ${notice[1]}`)
  ws.send('["REQ","after-garbage",{"limit":0}]')
  await until(ws, m => m[0] === 'EOSE' && m[1] === 'after-garbage', 'EOSE after garbage')
  ws.close()
})

await check('a 10 MB message closes that connection only, with a NOTICE', async () => {
  const ws = await raw()
  ws.send('x'.repeat(10 * 1024 * 1024))
  const code = await within(ws.closed, 'close')
  assert(code === 1009, `close code ${code}`)
  assert(ws.messages.some(m => m[0] === 'NOTICE'), 'a NOTICE came first')
  const e = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'still here' }, bob)
  assert(await within(relay.publish(e), 'OK after the big message') === '', 'others are still served')
})

await check('a flood of REQs is answered with CLOSED rate-limited:', async () => {
  const ws = await raw()
  for (let i = 0; i < 200; i++) ws.send(`["REQ","flood",{"limit":0}]`)
  const closed = await until(ws, m => m[0] === 'CLOSED' && m[2].startsWith('rate-limited:'), 'CLOSED rate-limited')
  assert(closed[1] === 'flood', 'for that subscription')
  ws.close()
  const got = await query(other, [{ ids: [a.id] }])
  assert(got.length === 1, 'others are still served')
})

relay.close()
other.close()
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
