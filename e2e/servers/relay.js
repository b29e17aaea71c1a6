'use strict';
// The reference relay: the backend that wschat's default `json` protocol is
// designed for.
//
//   node servers/relay.js [--port 3000] [--host 127.0.0.1] [--static DIR]
//
// One HTTP server serves the static folder (default: the repository's dist/)
// and accepts WebSocket upgrades on any path; the client uses /ws. Every frame
// a client sends is forwarded, as the raw buffer received, to every OTHER open
// client, so browsers receive binary frames holding UTF-8 text. Clients are
// pinged every 10 s, and one that has not answered the previous ping is
// terminated.

const http = require('node:http');
const path = require('node:path');
const express = require('express');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const HEARTBEAT_MS = 10_000;

const options = parseOptions({
  static: { type: 'string', default: path.resolve(__dirname, '../../dist') },
});

const app = express();
app.use(express.static(options.static));

const server = http.createServer(app);
const wss = new WebSocketServer({ server });

wss.on('connection', (socket, request) => {
  socket.isAlive = true;
  socket.on('pong', () => {
    socket.isAlive = true;
  });
  socket.on('error', (err) => console.error(`client error: ${err.message}`));
  socket.on('message', (data) => {
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) {
        client.send(data);
      }
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
