// The anchor of bench/relay.sh: a JavaScript Nostr relay built from @nostr-relay/core (the library
// behind nostr-relay-tray), its zod validator and its SQLite store (better-sqlite3, WAL, the
// library's defaults), served over the `ws` package. It checks each event's id and BIP-340
// signature (@noble/curves) before its OK, as Warren's relay does.
//   node bench/relay-js/relay.mjs DATA_DIR    prints "relay: ws://127.0.0.1:PORT" once it listens
import { NostrRelay } from '@nostr-relay/core';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { Validator } from '@nostr-relay/validator';
import { WebSocketServer } from 'ws';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node relay.mjs DATA_DIR');
  process.exit(2);
}
const repository = new EventRepositorySqlite(path.join(dir, 'relay.sqlite'));
await repository.init();
const relay = new NostrRelay(repository, { logLevel: 3 });
const validator = new Validator();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
server.on('connection', (ws, req) => {
  relay.handleConnection(ws, req.socket.remoteAddress);
  ws.on('message', async (data) => {
    try {
      const message = await validator.validateIncomingMessage(data);
      await relay.handleMessage(ws, message);
    } catch (e) {
      ws.send(JSON.stringify(['NOTICE', String(e.message ?? e)]));
    }
  });
  ws.on('close', () => relay.handleDisconnect(ws));
  ws.on('error', () => relay.handleDisconnect(ws));
});
server.on('listening', () => console.log(`relay: ws://127.0.0.1:${server.address().port}`));
const stop = async () => {
  server.close();
  await relay.destroy();
  await repository.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
