// A js-libp2p peer (TCP, Noise and/or TLS, Yamux, identify, ping, echo) driven by Warren's interop
// tests and benchmarks. Prints one JSON object per line on stdout; errors go to stderr with exit code 1.
// --security noise|tls|tls,noise picks the connection encrypters in order of preference (default noise).
// --quic adds @chainsafe/libp2p-quic (/quic-v1) as a transport, and listen also listens on loopback UDP.
//
//   node peer.mjs listen [--key ed25519|secp256k1|rsa] [--relay <relay multiaddr>] [--connection-events]
//        listens on loopback (and, with --relay, reserves at that circuit relay) until stdin closes;
//        with --connection-events also prints each new connection's encryption and multiplexer
//   node peer.mjs relay-server                                  a circuit relay v2 (hop) until stdin closes
//   node peer.mjs dial <multiaddr> [--key T] [--echo-bytes N] [--pings N] [--raw-echo <protocol>]
//        identifies the peer, pings it, echoes N random bytes and checks them byte for byte
//        (over /echo/1.0.0, or over any echoing protocol with --raw-echo)
//   node peer.mjs bench [--echo-bytes N] [--pings N] [--dials N]  js <-> js figures for bench/
import './polyfill.mjs'
import { createHash, randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { echo } from '@libp2p/echo'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const args = process.argv.slice(2)
const mode = args[0]
function option (name, fallback) {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const withQuic = args.includes('--quic')
// loaded only when asked for: it is a native module, and the other modes do not need it
const { quic } = withQuic ? await import('@chainsafe/libp2p-quic') : {}
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

async function keyOf (type) {
  switch (type) {
    case 'ed25519': return generateKeyPair('Ed25519')
    case 'secp256k1': return generateKeyPair('secp256k1')
    case 'rsa': return generateKeyPair('RSA', 2048)
    default: throw new Error(`unknown key type ${type} (expected ed25519, secp256k1 or rsa)`)
  }
}

const ENCRYPTERS = { noise, tls }
function encrypters () {
  return option('--security', 'noise').split(',').map(name => {
    if (!ENCRYPTERS[name]) throw new Error(`unknown security ${name} (expected noise, tls or both, comma-separated)`)
    return ENCRYPTERS[name]()
  })
}

async function node (keyType, listen, extra = {}, relay = null, services = {}) {
  return createLibp2p({
    ...extra,
    privateKey: await keyOf(keyType),
    addresses: {
      listen: (listen ? ['/ip4/127.0.0.1/tcp/0'] : []).concat(listen && withQuic ? ['/ip4/127.0.0.1/udp/0/quic-v1'] : [])
        .concat(relay ? [`${relay}/p2p-circuit`] : [])
    },
    transports: [tcp(), circuitRelayTransport()].concat(withQuic ? [quic()] : []),
    connectionEncrypters: encrypters(),
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      echo: echo({ timeout: 120_000, runOnLimitedConnection: true }), // relayed connections with limits are 'limited'
      ...services
    }
  })
}

// waits until connection has no outbound stream of protocol left (the peer closed its side)
async function untilPeerClosed (connection, protocol) {
  const deadline = Date.now() + 20_000
  while (connection.streams.some(s => s.direction === 'outbound' && s.protocol === protocol)) {
    if (Date.now() > deadline) throw new Error(`the peer did not close its ${protocol} stream within 20 s`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

async function untilCircuitAddress (libp2p) {
  const deadline = Date.now() + 20_000
  while (!libp2p.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))) {
    if (Date.now() > deadline) throw new Error('no relay reservation within 20 s')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** Sends `bytes` random bytes over /echo/1.0.0 and checks what comes back; returns the elapsed ms. */
async function echoCheck (libp2p, target, bytes) {
  const data = randomBytes(bytes)
  const started = performance.now()
  const back = await libp2p.services.echo.echo(target, data, { signal: AbortSignal.timeout(120_000) })
  const elapsed = performance.now() - started
  const got = back.subarray()
  const same = got.length === data.length &&
    createHash('sha256').update(got).digest('hex') === createHash('sha256').update(data).digest('hex')
  return { bytes, received: got.length, identical: same, ms: elapsed }
}

/** Echo over any protocol that echoes and closes after the dialer closed: send, half-close, collect. */
async function rawEchoCheck (libp2p, target, protocol, bytes) {
  const data = randomBytes(bytes)
  const signal = AbortSignal.timeout(120_000)
  const started = performance.now()
  const stream = await libp2p.dialProtocol(target, protocol, { signal })
  const chunks = []
  const closed = new Promise((resolve, reject) => {
    stream.addEventListener('message', (evt) => { chunks.push(Buffer.from(evt.data.subarray())) })
    stream.addEventListener('close', (evt) => { evt.error != null ? reject(evt.error) : resolve() })
  })
  for (let off = 0; off < bytes; off += 65536) {
    if (!stream.send(data.subarray(off, Math.min(bytes, off + 65536)))) {
      await stream.onDrain({ signal })
    }
  }
  await stream.close({ signal })
  await closed
  const got = Buffer.concat(chunks)
  return { protocol, bytes, received: got.length, identical: got.equals(data), ms: performance.now() - started }
}

async function dial () {
  const target = multiaddr(args[1])
  // no connection monitor: its own ping every 10 s would race the pings below for js-libp2p's one
  // outbound ping stream per connection
  const libp2p = await node(option('--key', 'ed25519'), false, { connectionMonitor: { enabled: false } })
  const result = { jsPeerId: libp2p.peerId.toString(), keyType: option('--key', 'ed25519') }
  try {
    // js-libp2p identifies every new connection by itself (one identify stream at a time): wait for that
    const identified = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no identify of the peer within 20 s')), 20_000)
      libp2p.addEventListener('peer:identify', (evt) => { clearTimeout(timer); resolve(evt.detail) })
    })
    const connection = await libp2p.dial(target, { signal: AbortSignal.timeout(20_000) })
    result.encryption = connection.encryption
    result.multiplexer = connection.multiplexer
    const id = await identified
    result.identify = {
      peerId: id.peerId.toString(),
      agentVersion: id.agentVersion,
      protocolVersion: id.protocolVersion,
      protocols: id.protocols,
      listenAddrs: id.listenAddrs.map(a => a.toString()),
      observedAddr: id.observedAddr?.toString()
    }
    result.pings = []
    for (let i = 0; i < Number(option('--pings', '3')); i++) {
      // ping() returns on the echo, before the peer's FIN ends the stream; js-libp2p allows one
      // outbound ping stream per connection, so the next waits until the peer has closed the last
      await untilPeerClosed(connection, libp2p.services.ping.protocol)
      result.pings.push(await libp2p.services.ping.ping(target, { signal: AbortSignal.timeout(20_000) }))
    }
    const bytes = Number(option('--echo-bytes', '0'))
    const rawProtocol = option('--raw-echo', null)
    if (bytes > 0) {
      result.echo = rawProtocol != null
        ? await rawEchoCheck(libp2p, target, rawProtocol, bytes)
        : await echoCheck(libp2p, target, bytes)
    }
    out(result)
  } finally {
    await libp2p.stop()
  }
}

async function listen () {
  const relay = option('--relay', null)
  const libp2p = await node(option('--key', 'ed25519'), true, {}, relay)
  if (relay) await untilCircuitAddress(libp2p)
  if (args.includes('--connection-events')) libp2p.addEventListener('connection:open', (evt) => {
    out({ event: 'connection', peerId: evt.detail.remotePeer.toString(), encryption: evt.detail.encryption, multiplexer: evt.detail.multiplexer })
  })
  libp2p.addEventListener('peer:identify', (evt) => {
    out({ event: 'identify', peerId: evt.detail.peerId.toString(), agentVersion: evt.detail.agentVersion, protocols: evt.detail.protocols })
  })
  out({ peerId: libp2p.peerId.toString(), addrs: libp2p.getMultiaddrs().map(a => a.toString()) })
  process.stdin.resume()
  process.stdin.on('end', async () => { await libp2p.stop(); process.exit(0) })
}

async function relayServer () {
  const libp2p = await node('ed25519', true, {}, null, {
    relay: circuitRelayServer({ reservations: { applyDefaultLimit: false } })
  })
  out({ peerId: libp2p.peerId.toString(), addrs: libp2p.getMultiaddrs().map(a => a.toString()) })
  process.stdin.resume()
  process.stdin.on('end', async () => { await libp2p.stop(); process.exit(0) })
}

function percentile (sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]
}

const SINK = '/warren/bench/sink/1.0.0'

/** The listener of Warren's bench sink protocol: counts what arrives, answers the count (8 bytes). */
async function sinkListener (stream) {
  let count = 0n
  for await (const buf of stream) count += BigInt(buf.byteLength)
  const answer = new Uint8Array(8)
  new DataView(answer.buffer).setBigUint64(0, count)
  stream.send(answer)
  await stream.close()
}

/** Sends `bytes` (one 64 KiB random buffer, over and over), half-closes, waits for the count; returns ms. */
async function sinkSend (libp2p, target, bytes) {
  const chunk = randomBytes(65536)
  const signal = AbortSignal.timeout(300_000)
  const stream = await libp2p.dialProtocol(target, SINK, { signal })
  const started = performance.now()
  const answer = []
  const closed = new Promise((resolve, reject) => {
    stream.addEventListener('message', (evt) => { answer.push(Buffer.from(evt.data.subarray())) })
    stream.addEventListener('close', (evt) => { evt.error != null ? reject(evt.error) : resolve() })
  })
  for (let off = 0; off < bytes; off += chunk.length) {
    if (!stream.send(chunk.subarray(0, Math.min(chunk.length, bytes - off)))) {
      await stream.onDrain({ signal })
    }
  }
  await stream.close({ signal })
  await closed
  const ms = performance.now() - started
  const count = Buffer.concat(answer).readBigUInt64BE(0)
  if (count !== BigInt(bytes)) throw new Error(`sink counted ${count} of ${bytes} bytes`)
  return ms
}

async function bench () {
  // js-libp2p refuses more than 5 inbound connections per second from one host by default
  const a = await node('ed25519', true, { connectionManager: { inboundConnectionThreshold: 100_000 } })
  await a.handle(SINK, sinkListener)
  // no connection monitor: its own pings would take the one outbound ping stream js-libp2p allows
  const b = await node('ed25519', false, { connectionMonitor: { enabled: false } })
  const target = a.getMultiaddrs()[0]
  const dials = Number(option('--dials', '50'))
  const setup = []
  for (let i = 0; i < dials; i++) {
    const t0 = performance.now()
    const c = await b.dial(target)
    setup.push(performance.now() - t0)
    await c.close()
  }
  const rtts = []
  const pinged = await b.dial(target)
  for (let i = 0; i < Number(option('--pings', '1000')); i++) {
    await untilPeerClosed(pinged, b.services.ping.protocol) // as in dial mode: ping() returns before the FIN
    const t0 = performance.now() // ping() itself answers in whole milliseconds
    await b.services.ping.ping(target)
    rtts.push(performance.now() - t0)
  }
  const bytes = Number(option('--echo-bytes', String(64 * 1024 * 1024)))
  // rounds, as the Java bench does: warm-up rounds for V8's JIT, then the median of the measured ones
  const warm = Number(option('--echo-warm', '2'))
  const rounds = Number(option('--echo-rounds', '1'))
  const mbps = []
  let identical = true
  for (let i = 0; i < warm + rounds; i++) {
    const e = await echoCheck(b, target, bytes)
    identical &&= e.identical
    if (i >= warm) mbps.push(bytes / e.ms / 1000)
  }
  mbps.sort((x, y) => x - y)
  const oneWay = []
  for (let i = 0; i < warm + rounds; i++) {
    const ms = await sinkSend(b, target, bytes)
    if (i >= warm) oneWay.push(bytes / ms / 1000)
  }
  oneWay.sort((x, y) => x - y)
  setup.sort((x, y) => x - y)
  rtts.sort((x, y) => x - y)
  out({
    impl: 'js-libp2p',
    node: process.version,
    setupMsP50: percentile(setup, 50),
    setupMsP99: percentile(setup, 99),
    pingMsP50: percentile(rtts, 50),
    pingMsP99: percentile(rtts, 99),
    echoBytes: bytes,
    echoWarmupRounds: warm,
    echoRounds: rounds,
    echoIdentical: identical,
    echoMBps: percentile(mbps, 50),
    echoMBpsLowest: mbps[0],
    echoMBpsHighest: mbps[mbps.length - 1],
    oneWayMBps: percentile(oneWay, 50),
    oneWayMBpsLowest: oneWay[0],
    oneWayMBpsHighest: oneWay[oneWay.length - 1]
  })
  await b.stop()
  await a.stop()
}

const modes = { dial, listen, bench, 'relay-server': relayServer }
if (!modes[mode]) {
  process.stderr.write('usage: node peer.mjs listen|dial|bench|relay-server ...\n')
  process.exit(2)
}
modes[mode]().catch((err) => {
  process.stderr.write(`peer.mjs ${mode} failed: ${err.stack ?? err}\n`)
  process.exit(1)
})
