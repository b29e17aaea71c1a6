'use strict';
// A server that sends what a careless client would choke on.
//
//   node servers/hostile.js [--port 3000] [--host 127.0.0.1]
//
// On connect it sends, in this order:
//   1. text   `this is not json`
//   2. text   `{"unknown":"shape","n":1}`        JSON, but not a chat message
//   3. binary  0xff 0xfe 0xfd                     not UTF-8
//   4. text   `{"name":"big","msg":"xxx…"}`       exactly 1 MiB (1,048,576 bytes)
//   5. text   `<img src=x onerror="window.__xss=1">`
//   6. text   `{"name":"hostile","msg":"still here"}`
// Then it answers each frame `{"name":..,"msg":M}` with
// `{"name":"hostile","msg":M}` (a frame that is not such JSON is echoed whole
// as M).

const http = require('node:http');
const { WebSocketServer } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const MIB = 1024 * 1024;

/** A JSON chat message from `big` whose encoding is exactly `size` bytes. */
function bigMessage(size) {
  const empty = JSON.stringify({ name: 'big', msg: '' });
  const frame = JSON.stringify({ name: 'big', msg: 'x'.repeat(size - empty.length) });
  if (Buffer.byteLength(frame) !== size) throw new Error('big frame has the wrong size');
  return frame;
}

const JUNK = [
  { data: 'this is not json' },
  { data: '{"unknown":"shape","n":1}' },
  { data: Buffer.from([0xff, 0xfe, 0xfd]), binary: true },
  { data: bigMessage(MIB) },
  { data: '<img src=x onerror="window.__xss=1">' },
  { data: JSON.stringify({ name: 'hostile', msg: 'still here' }) },
];

/** The text of a client's frame: its `msg` field if it is chat JSON, else all of it. */
function messageText(raw) {
  try {
    const value = JSON.parse(raw);
    if (value && typeof value.msg === 'string') return value.msg;
  } catch {
    // Not JSON: echo it whole.
  }
  return raw;
}

const options = parseOptions();
const server = http.createServer((request, response) => {
  response.writeHead(426, { 'content-type': 'text/plain' });
  response.end('this is a WebSocket server\n');
});
const wss = new WebSocketServer({ server });

wss.on('connection', (socket) => {
  socket.on('error', (err) => console.error(`client error: ${err.message}`));
  socket.on('message', (data) => {
    const msg = messageText(data.toString());
    socket.send(JSON.stringify({ name: 'hostile', msg }));
  });
  for (const { data, binary = false } of JUNK) socket.send(data, { binary });
});

listenWithWebSockets(server, options, wss);
