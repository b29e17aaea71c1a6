'use strict';
// A Socket.IO v4 server (the real `socket.io` package) that reads object
// payloads, the design wschat pairs with through
// `protocol=socketio&event=chat&template={"name":"{name}","data":"{text}"}`.
//
//   node servers/socketio-objects.js [--port 3000] [--host 127.0.0.1]
//                                    [--allow-origin ORIGIN] [--test-hooks]
//
// It serves the default path /socket.io/ and allows CORS from anywhere.
//
// Behaviour:
// - Event `chat` with an object `{"name": <string>, "data": <string>}`: the
//   server emits `chat` `{name, data}` to EVERY socket, the sender included
//   (io.emit). Fields other than name and data are dropped.
// - Event `chat` with anything else (a string, a number, an array, an object
//   without a string `data`, or a non-string `name`): the server emits
//   `notice` `payload must be an object with data` back to that socket only,
//   and forwards nothing.
// - Other events are logged and ignored.
//
// --allow-origin ORIGIN refuses every Engine.IO request (so every WebSocket
// upgrade) whose Origin header is not exactly ORIGIN, through socket.io's
// `allowRequest`, as python-socketio refuses other origins by default: the
// upgrade gets an HTTP error, so the browser's socket fails before it ever
// opens. Each refusal is printed (`refused origin ...`) and counted.
//
// --test-hooks adds `GET /__log`, which answers JSON:
//   {"connections": [{"conn": N, "id": "...", "open": bool}, ...],
//    "chat": [{"conn": N, "payload": <the argument>, "accepted": bool}, ...],
//    "packets": [{"conn": N, "raw": "<frame text, e.g. 42[...]>"}, ...],
//    "refused": [{"origin": "<Origin header or null>"}, ...]}
// `connections` lists the sockets that joined the namespace (io.emit
// reaches them from then on); `chat` lists every `chat` event's argument, in
// the order received, as the server decoded it, so a test can compare
// `payload.data` with exactly what was typed (quotes, backslashes, control
// characters, emoji); `packets` is every
// Engine.IO message frame the server received, as the client wrote it
// (`40`, `42[...]`; not pings' answers).

const http = require('node:http');
const { Server } = require('socket.io');
const { parseOptions, listen } = require('./common');

const options = parseOptions({
  'allow-origin': { type: 'string' },
  'test-hooks': { type: 'boolean', default: false },
});
const NOTICE = 'payload must be an object with data';

const connections = [];
const chatLog = [];
const packets = [];
const refused = [];
let engineConnections = 0;

const server = http.createServer((request, response) => {
  if (options['test-hooks'] && request.method === 'GET' && request.url === '/__log') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ connections, chat: chatLog, packets, refused }));
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('Socket.IO is served at /socket.io/\n');
});

const allowOrigin = options['allow-origin'];
const io = new Server(server, {
  cors: { origin: '*' },
  ...(allowOrigin === undefined
    ? {}
    : {
        allowRequest: (request, callback) => {
          const origin = request.headers.origin ?? null;
          if (origin === allowOrigin) {
            callback(null, true);
            return;
          }
          refused.push({ origin });
          console.log(`refused origin ${JSON.stringify(origin)}`);
          callback('origin not allowed', false);
        },
      }),
});

// Every Engine.IO connection is numbered when it opens; its message packets
// are logged as the frame text the client sent (`4` + the Socket.IO packet),
// before Socket.IO decodes them.
io.engine.on('connection', (engineSocket) => {
  engineConnections += 1;
  const conn = engineConnections;
  engineSocket.wschatConn = conn;
  engineSocket.on('packet', (packet) => {
    if (packet.type === 'message') packets.push({ conn, raw: `4${packet.data}` });
  });
});

/** The reply, or null when `payload` is not `{name: string, data: string}`. */
function chatMessage(payload) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  if (typeof payload.data !== 'string') return null;
  if (payload.name !== undefined && typeof payload.name !== 'string') return null;
  return { name: payload.name ?? '', data: payload.data };
}

io.on('connection', (socket) => {
  const conn = socket.conn.wschatConn;
  const record = { conn, id: socket.id, open: true };
  connections.push(record);
  console.log(`conn ${conn} (${socket.id}) connected`);

  socket.on('chat', (payload) => {
    const message = chatMessage(payload);
    chatLog.push({ conn, payload: payload ?? null, accepted: message !== null });
    if (message === null) {
      console.log(`conn ${conn} sent a bad chat payload: ${JSON.stringify(payload)}`);
      socket.emit('notice', NOTICE);
      return;
    }
    io.emit('chat', message);
  });
  socket.onAny((event) => {
    if (event !== 'chat') console.log(`conn ${conn} sent unknown event ${JSON.stringify(event)}`);
  });
  socket.on('disconnect', (reason) => {
    record.open = false;
    console.log(`conn ${conn} disconnected: ${reason}`);
  });
});

listen(server, options, async () => {
  // Closes every client's WebSocket without a disconnect packet (41).
  await new Promise((resolve) => io.close(resolve));
});
