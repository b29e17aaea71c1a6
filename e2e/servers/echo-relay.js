'use strict';
// A JSON relay that sends each frame to EVERY client, the sender included,
// as many published relays do (relay.js, the reference, skips the sender).
// wschat's `json` protocol folds its own echo into the sent entry
// (`echo=fold`, the default) or shows it (`echo=show`).
//
//   node servers/echo-relay.js [--port 3000] [--host 127.0.0.1] [--test-hooks]
//
// It accepts WebSocket upgrades on any path and serves no files (relay.js
// serves the app). Every frame received is written, unchanged and with its
// type (text stays text, binary stays binary), to every open client,
// including the one that sent it. It parses nothing. Plain HTTP requests
// get 426.
//
// --test-hooks adds `GET /__log`, which answers JSON: one object per
// connection accepted since start, in order, `{"conn": N, "open": bool,
// "frames": [...]}`, the frames it received as text, in order.

const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const options = parseOptions({ 'test-hooks': { type: 'boolean', default: false } });

/** Every connection since start: `{conn, open, frames}`. */
const log = [];

const server = http.createServer((request, response) => {
  if (options['test-hooks'] && request.method === 'GET' && request.url === '/__log') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(log));
    return;
  }
  response.writeHead(426, { 'content-type': 'text/plain' });
  response.end('this is a WebSocket server\n');
});
const wss = new WebSocketServer({ server });

wss.on('connection', (socket, request) => {
  const record = { conn: log.length + 1, open: true, frames: [] };
  log.push(record);
  console.log(`conn ${record.conn} opened on ${request.url}`);

  socket.on('error', (err) => console.error(`conn ${record.conn} error: ${err.message}`));
  socket.on('message', (data, isBinary) => {
    record.frames.push(data.toString());
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
  socket.on('close', (code) => {
    record.open = false;
    console.log(`conn ${record.conn} closed with ${code}`);
  });
});

listenWithWebSockets(server, options, wss);
