'use strict';
// A chat server that takes the first frame as the username, the design that
// wschat's `text` protocol pairs with through `join={name}` and
// `pattern={name}: {text}`.
//
//   node servers/first-frame.js [--port 3000] [--host 127.0.0.1] [--test-hooks]
//
// Every connection (on any path) is one user:
// - The first text frame it sends is its username. The server then sends
//   `<name> joined.` to every open client, the new one included.
// - Every later text frame is sent as `<name>: <text>` to every open client,
//   the sender included.
// - When a named connection closes, `<name> left.` goes to every client
//   still open.
// Binary frames are ignored (and not logged). Plain HTTP requests get 426.
//
// --test-hooks adds `GET /__log`, which answers JSON: one object per
// connection accepted since start, in order, `{"conn": N, "open": bool,
// "frames": [...]}`, where frames are the text frames it received, in order,
// so `frames[0]` is the name it gave. A test checks with it that the client
// sends its name first on every socket.

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

/** Sends `text` to every open client. */
function broadcast(text) {
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(text);
  }
}

wss.on('connection', (socket) => {
  const record = { conn: log.length + 1, open: true, frames: [] };
  log.push(record);
  let name = null;
  console.log(`conn ${record.conn} opened`);

  socket.on('error', (err) => console.error(`conn ${record.conn} error: ${err.message}`));
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = data.toString();
    record.frames.push(text);
    if (name === null) {
      name = text;
      console.log(`conn ${record.conn} is ${JSON.stringify(name)}`);
      broadcast(`${name} joined.`);
    } else {
      broadcast(`${name}: ${text}`);
    }
  });
  socket.on('close', (code) => {
    record.open = false;
    console.log(`conn ${record.conn} closed with ${code}`);
    if (name !== null) broadcast(`${name} left.`);
  });
});

listenWithWebSockets(server, options, wss);
