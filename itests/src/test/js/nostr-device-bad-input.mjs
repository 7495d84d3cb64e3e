// Bad input against a Warren relay's device layer and HTTP gateway. Usage: node --experimental-websocket
// nostr-device-bad-input.mjs ws://127.0.0.1:PORT <device hex> <callsign> <allowed secret key hex>
// Prints "ok <check>" or "FAIL <check>: <why>" per check, then "N passed, N failed".
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure'
import net from 'node:net'

const [url, deviceHex, callsign, allowedSkHex] = process.argv.slice(2)
const http = url.replace('ws://', 'http://')
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

function hexToBytes(h) {
  return Uint8Array.from(h.match(/../g).map(b => parseInt(b, 16)))
}

/** A raw WebSocket with a queue of parsed messages and a deadline on each wait. */
async function open() {
  const ws = new WebSocket(url)
  const queue = []
  let waiter = null
  ws.onmessage = m => {
    queue.push(typeof m.data === 'string' ? JSON.parse(m.data) : ['BINARY'])
    if (waiter) { const w = waiter; waiter = null; w() }
  }
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('cannot connect')) })
  const next = async (type) => {
    const deadline = Date.now() + DEADLINE_MS
    while (true) {
      const i = queue.findIndex(m => m[0] === type)
      if (i >= 0) return queue.splice(i, 1)[0]
      if (Date.now() > deadline) throw new Error(`no ${type} within ${DEADLINE_MS} ms (got ${JSON.stringify(queue)})`)
      await new Promise(r => { waiter = r; setTimeout(r, 200) })
    }
  }
  return { ws, next, send: m => ws.send(JSON.stringify(m)) }
}

const sk = generateSecretKey()
const now = () => Math.floor(Date.now() / 1000)

await check('a forged AUTH for the device\'s key is refused with invalid:', async () => {
  const c = await open()
  const [, challenge] = await c.next('AUTH')
  const ev = finalizeEvent({ kind: 22242, created_at: now(), tags: [['relay', url], ['challenge', challenge]], content: '' }, sk)
  c.send(['AUTH', { ...ev, pubkey: deviceHex }])
  const ok = await c.next('OK')
  assert(ok[2] === false && ok[3].startsWith('invalid:'), JSON.stringify(ok))
  c.ws.close()
})

await check('a hello before AUTH is refused with auth-required:', async () => {
  const c = await open()
  await c.next('AUTH')
  c.send(['EVENT', finalizeEvent({ kind: 25910, created_at: now(), tags: [], content: '' }, sk)])
  const ok = await c.next('OK')
  assert(ok[2] === false && ok[3].startsWith('auth-required:'), JSON.stringify(ok))
  c.ws.close()
})

await check('a forged hello for another key is refused with restricted:', async () => {
  const c = await open()
  const [, challenge] = await c.next('AUTH')
  c.send(['AUTH', finalizeEvent({ kind: 22242, created_at: now(), tags: [['relay', url], ['challenge', challenge]], content: '' }, sk)])
  const auth = await c.next('OK')
  assert(auth[2] === true, 'AUTH with our own key works: ' + JSON.stringify(auth))
  const hello = finalizeEvent({ kind: 25910, created_at: now(), tags: [], content: '' }, sk)
  c.send(['EVENT', { ...hello, pubkey: deviceHex }])
  const ok = await c.next('OK')
  assert(ok[2] === false && (ok[3].startsWith('restricted:') || ok[3].startsWith('invalid:')), JSON.stringify(ok))
  c.send(['EVENT', finalizeEvent({ kind: 25911, created_at: now(), tags: [['p', deviceHex], ['protocol', '/warren/service/web']], content: '' }, sk)])
  const req = await c.next('OK')
  assert(req[2] === false && req[3].startsWith('invalid:'), 'a tunnel request as EVENT: ' + JSON.stringify(req))
  c.ws.send(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]))
  const notice = await c.next('NOTICE')
  assert(notice[1].startsWith('invalid:'), JSON.stringify(notice))
  c.ws.close()
})

/** One raw HTTP/1.1 request (no URL normalisation); resolves with the status line. */
function raw(path, headers = '') {
  const u = new URL(http)
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\n${headers}Connection: close\r\n\r\n`)
    })
    let data = ''
    s.on('data', d => { data += d })
    s.on('end', () => resolve(data))
    s.on('error', reject)
    setTimeout(() => { s.destroy(); reject(new Error('no answer to ' + path)) }, DEADLINE_MS)
  })
}

await check('a callsign with ../ gets 400', async () => {
  for (const p of ['/tunnel/../../etc/passwd', '/tunnel/..%2F..%2Fetc/web/', `/tunnel/${callsign}/..%2Fweb/`, '/api/devices/..%2F..']) {
    const r = await raw(p)
    assert(/^HTTP\/1\.1 (400|404)/.test(r), p + ': ' + r.split('\r\n')[0])
  }
})

function nip98(secret, u, method = 'GET') {
  const ev = finalizeEvent({ kind: 27235, created_at: now(), tags: [['u', u], ['method', method]], content: '' }, secret)
  return 'Nostr ' + Buffer.from(JSON.stringify(ev)).toString('base64')
}

await check('a private service without authorization gets 401', async () => {
  const r = await fetch(`${http}/tunnel/${callsign}/ssh/`)
  assert(r.status === 401, 'status ' + r.status)
})

await check('a malformed Authorization gets 403', async () => {
  const r = await fetch(`${http}/tunnel/${callsign}/ssh/`, { headers: { Authorization: 'Nostr bm90IGpzb24=' } })
  assert(r.status === 403, 'status ' + r.status)
})

await check('NIP-98 from a key the device does not allow gets 403', async () => {
  const u = `${http}/tunnel/${callsign}/priv/`
  const r = await fetch(u, { headers: { Authorization: nip98(sk, u) } })
  assert(r.status === 403, 'status ' + r.status + ' ' + await r.text())
})

await check('NIP-98 for another URL gets 403', async () => {
  const u = `${http}/tunnel/${callsign}/priv/`
  const r = await fetch(u, { headers: { Authorization: nip98(hexToBytes(allowedSkHex), `${http}/tunnel/${callsign}/web/`) } })
  assert(r.status === 403, 'status ' + r.status)
})

await check('NIP-98 from an allowed key passes', async () => {
  const u = `${http}/tunnel/${callsign}/priv/echo?who=allowed`
  const r = await fetch(u, { headers: { Authorization: nip98(hexToBytes(allowedSkHex), u) } })
  const body = await r.text()
  assert(r.status === 200 && body.includes('path=/echo?who=allowed'), 'status ' + r.status + ' ' + body)
})

await check('the relay still serves a public service', async () => {
  const r = await fetch(`${http}/tunnel/${callsign}/web/echo?still=1`)
  assert(r.status === 200 && (await r.text()).includes('path=/echo?still=1'), 'status ' + r.status)
})

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
