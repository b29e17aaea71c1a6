'use strict';
// A Socket.IO v4 server (the real `socket.io` package) that wants a token in
// the namespace CONNECT payload, checked by an `io.use` middleware on
// `socket.handshake.auth.token`. wschat pairs with it through
// `protocol=socketio&auth={"token":"{token}"}` and `#token=...` (shared
// CONTRACT.md, "Configuration at run time", `auth` and Tokens).
//
//   node servers/socketio-auth.js --token T [--port 3000] [--host 127.0.0.1] [--test-hooks]
//
// It serves the default path /socket.io/ and allows CORS from anywhere.
//
// Behaviour:
// - The client's namespace CONNECT must carry `{"token": T}`
//   (`40{"token":"T"}`). A missing or wrong token is refused with
//   `next(new Error('invalid token'))`, which reaches the client as the
//   packet `44{"message":"invalid token"}`. As Socket.IO does, the Engine.IO
//   connection under it is left open (until Socket.IO's connectTimeout, 45 s,
//   closes it) and nothing else is sent on it.
// - Event `message` (any arguments) from a joined socket is emitted as
//   `message` with the same arguments to every OTHER joined socket
//   (socket.broadcast.emit); the sender gets nothing back.
//
// It prints one line per Engine.IO connection and per namespace attempt
// (accepted or refused, and whether a token was given), never the token.
//
// --test-hooks adds `GET /__log`, which answers JSON:
//   {"engineConnections": N, "accepted": N, "refused": N,
//    "attempts": [{"attempt": N, "accepted": bool, "tokenGiven": bool,
//                  "authKeys": [...], "open": bool, "messages": N}, ...]}
// `engineConnections` counts the WebSocket (Engine.IO) connections opened
// since start; `attempts` has one entry per namespace CONNECT, in order. A
// client that retries a refused token shows up as a growing
// `engineConnections` and `refused`: a test counts them to see that there
// is no reconnect storm.

const http = require('node:http');
const { Server } = require('socket.io');
const { parseOptions, listen } = require('./common');

const options = parseOptions({
  token: { type: 'string' },
  'test-hooks': { type: 'boolean', default: false },
});
if (!options.token) {
  console.error('--token T is required');
  process.exit(2);
}

let engineConnections = 0;
const attempts = [];

const server = http.createServer((request, response) => {
  if (options['test-hooks'] && request.method === 'GET' && request.url === '/__log') {
    const accepted = attempts.filter((a) => a.accepted).length;
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ engineConnections, accepted, refused: attempts.length - accepted, attempts }));
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('Socket.IO is served at /socket.io/\n');
});
const io = new Server(server, { cors: { origin: '*' } });

io.engine.on('connection', (engineSocket) => {
  engineConnections += 1;
  const n = engineConnections;
  console.log(`engine connection ${n} (${engineSocket.transport.name})`);
  engineSocket.on('close', (reason) => console.log(`engine connection ${n} closed: ${reason}`));
});

io.use((socket, next) => {
  const auth = socket.handshake.auth ?? {};
  const given = typeof auth === 'object' && auth !== null ? auth.token : undefined;
  const accepted = given === options.token;
  const record = {
    attempt: attempts.length + 1,
    accepted,
    tokenGiven: given !== undefined,
    authKeys: typeof auth === 'object' && auth !== null ? Object.keys(auth) : [],
    open: false,
    messages: 0,
  };
  attempts.push(record);
  socket.data.record = record;
  console.log(
    `attempt ${record.attempt} ${accepted ? 'accepted' : 'refused'} ` +
      `(${record.tokenGiven ? 'a token was given' : 'no token'})`,
  );
  next(accepted ? undefined : new Error('invalid token'));
});

io.on('connection', (socket) => {
  const { record } = socket.data;
  record.open = true;
  socket.on('message', (...args) => {
    record.messages += 1;
    // An acknowledgement callback cannot be broadcast: it is left out.
    socket.broadcast.emit('message', ...args.filter((arg) => typeof arg !== 'function'));
  });
  socket.on('disconnect', (reason) => {
    record.open = false;
    console.log(`attempt ${record.attempt} disconnected: ${reason}`);
  });
});

listen(server, options, async () => {
  await new Promise((resolve) => io.close(resolve));
});
