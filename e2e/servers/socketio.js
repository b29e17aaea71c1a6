'use strict';
// A Socket.IO v4 server (the real `socket.io` package), the backend for
// wschat's `socketio` protocol.
//
//   node servers/socketio.js [--port 3000] [--host 127.0.0.1] [--fast-ping]
//
// It serves the default path /socket.io/ and allows CORS from anywhere.
// --fast-ping sets pingInterval and pingTimeout to 1000 ms (defaults: 25000
// and 20000), so tests of dead-server detection run in seconds.
//
// Behaviour:
// - On connect it emits `server-message` with `Welcome to WebSocket`.
// - Event `message` (msg): emits `message` back to that socket with
//   `<first 3 chars of socket.id> said <msg>`.
// - Event `client-message` (msg): logs it, and emits `message` back with
//   `client-message: <msg>` so that a test can observe it.
//
// It prints `<id> connected`, `<id> pong` for each pong the client sends,
// and `<id> disconnected: <reason>`, for the tests to count.
//
// Test hooks, chosen by the text of a `message` event:
// - `/disconnect`: the server calls socket.disconnect(true); the client
//   receives the Socket.IO disconnect packet `41`, then the WebSocket closes.
// - `/silence`: the server stops answering and pinging that client, without
//   closing anything: the WebSocket stays open and nothing more is sent on
//   it (no `2` pings), and its incoming packets are ignored. A client that
//   follows Engine.IO 4 should give up after pingInterval + pingTimeout.
// - `/ack`: the server emits `message` `ack me` with an acknowledgement
//   callback: the client receives `42<id>["message","ack me"]` (the first id
//   is 0, so `420[...]`). When the client acknowledges with `43<id>[...]`, the
//   server logs the reply and emits `message` `acked`.

const http = require('node:http');
const { Server } = require('socket.io');
const { parseOptions, listen } = require('./common');

const options = parseOptions({ 'fast-ping': { type: 'boolean', default: false } });

const server = http.createServer((request, response) => {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('Socket.IO is served at /socket.io/\n');
});
const io = new Server(server, {
  cors: { origin: '*' },
  ...(options['fast-ping'] ? { pingInterval: 1000, pingTimeout: 1000 } : {}),
});

/** Ids of the sockets that the `/silence` hook has silenced. */
const silenced = new Set();

/**
 * Makes the Engine.IO connection under `socket` go quiet: no more pings, no
 * ping timeout (which would close it), and nothing else sent either.
 */
function silence(socket) {
  silenced.add(socket.id);
  const engine = socket.conn;
  clearTimeout(engine.pingIntervalTimer);
  clearTimeout(engine.pingTimeoutTimer);
  // onPacket refreshes these timers when they are set: leave nothing to refresh.
  engine.pingIntervalTimer = null;
  engine.pingTimeoutTimer = null;
  engine.schedulePing = () => {};
  engine.resetPingTimeout = () => {};
  engine.sendPacket = () => {};
  console.log(`${socket.id} silenced`);
}

io.on('connection', (socket) => {
  console.log(`${socket.id} connected`);
  // Each pong the client answers with is logged, so that a test can count
  // the pings a client has survived.
  socket.conn.on('packet', (packet) => {
    if (packet.type === 'pong') console.log(`${socket.id} pong`);
  });
  socket.on('disconnect', (reason) => {
    silenced.delete(socket.id);
    console.log(`${socket.id} disconnected: ${reason}`);
  });

  socket.on('message', (msg) => {
    if (silenced.has(socket.id)) return;
    switch (msg) {
      case '/disconnect':
        socket.disconnect(true);
        return;
      case '/silence':
        silence(socket);
        return;
      case '/ack':
        socket.emit('message', 'ack me', (reply) => {
          console.log('ack', reply);
          socket.emit('message', 'acked');
        });
        return;
      default:
        socket.emit('message', `${socket.id.slice(0, 3)} said ${msg}`);
    }
  });

  socket.on('client-message', (msg) => {
    if (silenced.has(socket.id)) return;
    console.log('client-message', msg);
    socket.emit('message', `client-message: ${msg}`);
  });

  socket.emit('server-message', 'Welcome to WebSocket');
});

listen(server, options, async () => {
  // Closing the Socket.IO server closes every client's WebSocket without a
  // disconnect packet (41), as a server restart looks to a client.
  await new Promise((resolve) => io.close(resolve));
});
