'use strict';
// A JSON relay that shares its frames with other instances through Redis
// pub/sub, as a chat backend scaled out behind two addresses is: a client
// on one instance talks with a client on another. wschat fails over between
// two of them with `server=ws://a/ ws://b/` (shared CONTRACT.md,
// "Configuration at run time", several endpoints in `server`).
//
//   node servers/redis-relay.js --redis-port P [--redis-host 127.0.0.1] [--id NAME]
//                               [--port 3000] [--host 127.0.0.1] [--test-hooks]
//
// It accepts WebSocket upgrades on any path and serves no files; plain HTTP
// requests get 426. Every frame a local client sends is written, unchanged
// and with its type (text or binary), to every OTHER local client, and
// published on the Redis channel `wschat`. Every message on that channel
// that another instance published is written to every local client. Each
// published message is tagged with the instance's id, so an instance skips
// its own. It prints `listening on N` only once it is subscribed, so a frame
// sent to it from then on reaches the other instances.
//
// Redis is spoken directly (RESP over node:net, no client library): one
// connection for PUBLISH, one for SUBSCRIBE. If either closes, the relay
// exits with status 1: it is a test server, and a lost Redis should be loud.
//
// A published message is `<id> <t|b> <frame bytes>` (t: text, b: binary).
//
// --test-hooks adds two HTTP routes:
// - `GET /__log` answers JSON: `id`, `open` (local clients connected now),
//   `connections` (accepted since start), `received` (the frames local
//   clients sent, as `{sender, msg}` in order: the frame's `name` and `msg`
//   fields, else `?` and its whole text), `published` (PUBLISHes Redis
//   acknowledged) and `fromRedis` (the other instances' messages received).
// - `POST /__exit-after-next-frame`: once the next frame from a local client
//   has been written to the other local clients and Redis has acknowledged
//   its PUBLISH (so every other instance has it), the relay kills itself with
//   SIGKILL, as if killed from outside at that instant.

const crypto = require('node:crypto');
const http = require('node:http');
const net = require('node:net');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const CHANNEL = 'wschat';

const options = parseOptions({
  'redis-port': { type: 'string' },
  'redis-host': { type: 'string', default: '127.0.0.1' },
  id: { type: 'string', default: `relay-${process.pid}-${crypto.randomBytes(3).toString('hex')}` },
  'test-hooks': { type: 'boolean', default: false },
});
const redisPort = Number(options['redis-port']);
if (!Number.isInteger(redisPort) || redisPort <= 0 || redisPort > 65535) {
  console.error(`--redis-port must be a port number, got ${options['redis-port']}`);
  process.exit(2);
}
if (/\s/.test(options.id) || options.id === '') {
  console.error('--id must be a word without spaces');
  process.exit(2);
}

/** What the relay saw, for `GET /__log`. */
const log = { connections: 0, received: [], published: 0, fromRedis: 0 };

// ---- RESP, the Redis protocol: just what PUBLISH and SUBSCRIBE need ----

/** A command as a RESP array of bulk strings; each argument a string or Buffer. */
function encodeCommand(...args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Reads one RESP value from `buf` at `at`: `{value, next}`, or null if the
 * buffer does not hold all of it yet. Bulk strings stay Buffers; errors
 * become Error objects.
 */
function decodeReply(buf, at = 0) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, next };
    case '-':
      return { value: new Error(line), next };
    case ':':
      return { value: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next };
      if (buf.length < next + length + 2) return null;
      return { value: buf.subarray(next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next };
      const items = [];
      let pos = next;
      for (let i = 0; i < count; i += 1) {
        const item = decodeReply(buf, pos);
        if (!item) return null;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default:
      throw new Error(`not RESP: ${JSON.stringify(buf.toString('utf8', at, Math.min(buf.length, at + 40)))}`);
  }
}

/** A connection to Redis that calls `onReply` with each reply, in order. */
function connectRedis(name, onReply) {
  const socket = net.connect(redisPort, options['redis-host']);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let reply;
    while ((reply = decodeReply(pending))) {
      pending = pending.subarray(reply.next);
      onReply(reply.value);
    }
  });
  socket.on('error', (err) => console.error(`redis ${name}: ${err.message}`));
  socket.on('close', () => {
    console.error(`redis ${name} connection closed: exiting`);
    process.exit(1);
  });
  return socket;
}

// Publisher: each PUBLISH is answered in order, by the number of receivers.
const publishAcks = [];
const publisher = connectRedis('publisher', (reply) => {
  const ack = publishAcks.shift();
  if (reply instanceof Error) console.error(`redis PUBLISH failed: ${reply.message}`);
  else log.published += 1;
  ack?.();
});

/** Publishes a local frame, tagged with this instance; `acked` runs once Redis answered. */
function publish(data, isBinary, acked = () => {}) {
  const tag = Buffer.from(`${options.id} ${isBinary ? 'b' : 't'} `);
  publishAcks.push(acked);
  publisher.write(encodeCommand('PUBLISH', CHANNEL, Buffer.concat([tag, data])));
}

// Subscriber: the subscribe confirmation, then `message` pushes.
let subscribed;
const ready = new Promise((resolve) => {
  subscribed = resolve;
});
const subscriber = connectRedis('subscriber', (reply) => {
  if (!Array.isArray(reply)) return;
  const kind = reply[0]?.toString();
  if (kind === 'subscribe') subscribed();
  if (kind !== 'message') return;
  const payload = reply[2];
  const firstSpace = payload.indexOf(0x20);
  const from = payload.toString('utf8', 0, firstSpace);
  if (from === options.id) return;
  const isBinary = payload[firstSpace + 1] === 0x62; // 'b'
  const frame = payload.subarray(firstSpace + 3);
  log.fromRedis += 1;
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(frame, { binary: isBinary });
  }
});
subscriber.write(encodeCommand('SUBSCRIBE', CHANNEL));

// ---- The relay ----

let exitAfterNextFrame = false;

/** `{sender, msg}` of a frame: its `name` and `msg` fields, else `?` and its text. */
function describeFrame(data) {
  const raw = data.toString();
  try {
    const value = JSON.parse(raw);
    if (value && typeof value.name === 'string') {
      return { sender: value.name, msg: typeof value.msg === 'string' ? value.msg : raw };
    }
  } catch {
    // Not JSON: logged whole, under `?`.
  }
  return { sender: '?', msg: raw };
}

const server = http.createServer((request, response) => {
  if (options['test-hooks'] && request.method === 'GET' && request.url === '/__log') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ id: options.id, open: wss.clients.size, ...log }));
    return;
  }
  if (options['test-hooks'] && request.method === 'POST' && request.url === '/__exit-after-next-frame') {
    exitAfterNextFrame = true;
    response.writeHead(204).end();
    return;
  }
  response.writeHead(426, { 'content-type': 'text/plain' });
  response.end('this is a WebSocket server\n');
});
const wss = new WebSocketServer({ server });

wss.on('connection', (socket, request) => {
  log.connections += 1;
  const conn = log.connections;
  console.log(`conn ${conn} opened on ${request.url} (${wss.clients.size} open)`);
  socket.on('error', (err) => console.error(`conn ${conn} error: ${err.message}`));
  socket.on('message', (data, isBinary) => {
    if (options['test-hooks']) log.received.push(describeFrame(data));
    const exitAfter = exitAfterNextFrame;
    exitAfterNextFrame = false;
    const writes = [];
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) {
        writes.push(new Promise((resolve) => client.send(data, { binary: isBinary }, resolve)));
      }
    }
    writes.push(new Promise((resolve) => publish(data, isBinary, resolve)));
    if (exitAfter) {
      Promise.all(writes).then(() => {
        console.log('exiting after the frame, as asked');
        process.kill(process.pid, 'SIGKILL');
      });
    }
  });
  socket.on('close', (code) => console.log(`conn ${conn} closed with ${code} (${wss.clients.size} open)`));
});

console.log(`instance ${options.id}, redis ${options['redis-host']}:${redisPort}, channel ${CHANNEL}`);
ready.then(() => listenWithWebSockets(server, options, wss));
