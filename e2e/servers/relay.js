'use strict';
// The reference relay: the backend that wschat's default `json` protocol is
// designed for.
//
//   node servers/relay.js [--port 3000] [--host 127.0.0.1] [--static DIR] [--test-hooks]
//
// One HTTP server serves the static folder (default: the repository's dist/)
// and accepts WebSocket upgrades on any path; the client uses /ws. Every frame
// a client sends is forwarded, as the raw buffer received, to every OTHER open
// client, so browsers receive binary frames holding UTF-8 text. Clients are
// pinged every 10 s, and one that has not answered the previous ping is
// terminated.
//
// --test-hooks adds two HTTP routes for the e2e tests, so that they can rest
// their proofs on what the server saw rather than on waiting a while:
// - `GET /__stats` answers JSON: `open` (clients connected now),
//   `connections` (accepted since start), `received` (per sender, the `msg`
//   of each frame received, in order) and `forwarded` (per sender, how many
//   copies of its frames were written to other clients). The sender is the
//   frame's `name` field; a frame that is not such JSON counts under `?`,
//   with its whole text.
// - `POST /__exit-after-next-frame`: once the next frame received has been
//   written to every other client, the relay kills itself with SIGKILL, as
//   if killed from outside at that instant. A test uses it to kill the relay
//   right after a message went through, however slow the machine is.

const http = require('node:http');
const path = require('node:path');
const express = require('express');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const HEARTBEAT_MS = 10_000;

const options = parseOptions({
  static: { type: 'string', default: path.resolve(__dirname, '../../dist') },
  'test-hooks': { type: 'boolean', default: false },
});

/** What the relay saw, for `GET /__stats`. */
const stats = { connections: 0, received: {}, forwarded: {} };
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
    // Not JSON: counted whole, under `?`.
  }
  return { sender: '?', msg: raw };
}

/** Counts a received frame; returns a callback that counts one copy written. */
function countReceived(data) {
  const { sender, msg } = describeFrame(data);
  (stats.received[sender] ??= []).push(msg);
  stats.forwarded[sender] ??= 0;
  return () => {
    stats.forwarded[sender] += 1;
  };
}

const app = express();
if (options['test-hooks']) {
  app.get('/__stats', (request, response) => {
    response.json({ open: wss.clients.size, ...stats });
  });
  app.post('/__exit-after-next-frame', (request, response) => {
    exitAfterNextFrame = true;
    response.status(204).end();
  });
}
app.use(express.static(options.static));

const server = http.createServer(app);
const wss = new WebSocketServer({ server });

wss.on('connection', (socket, request) => {
  stats.connections += 1;
  socket.isAlive = true;
  socket.on('pong', () => {
    socket.isAlive = true;
  });
  socket.on('error', (err) => console.error(`client error: ${err.message}`));
  socket.on('message', (data) => {
    const counted = options['test-hooks'] ? countReceived(data) : () => {};
    const exitAfter = exitAfterNextFrame;
    exitAfterNextFrame = false;
    const writes = [];
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) {
        writes.push(
          new Promise((resolve) => {
            client.send(data, (err) => {
              if (!err) counted();
              resolve();
            });
          }),
        );
      }
    }
    if (exitAfter) {
      Promise.all(writes).then(() => {
        console.log('exiting after the frame, as asked');
        process.kill(process.pid, 'SIGKILL');
      });
    }
  });
  console.log(`client connected on ${request.url} (${wss.clients.size} open)`);
  socket.on('close', (code) => {
    console.log(`client closed with ${code} (${wss.clients.size} open)`);
  });
});

const heartbeat = setInterval(() => {
  for (const client of wss.clients) {
    if (!client.isAlive) {
      client.terminate();
      continue;
    }
    client.isAlive = false;
    client.ping();
  }
}, HEARTBEAT_MS);
wss.on('close', () => clearInterval(heartbeat));

console.log(`serving ${options.static}`);
listenWithWebSockets(server, options, wss);
