'use strict';
// A Socket.IO v4 chat server (the real `socket.io` package) in the design of
// the classic Socket.IO chat demo: the client joins with an `add user` event
// before it chats. wschat pairs with it through
// `protocol=socketio&event=new message&join=add user`.
//
//   node servers/socketio-chat.js [--port 3000] [--host 127.0.0.1] [--test-hooks]
//
// It serves the default path /socket.io/ and allows CORS from anywhere.
//
// Behaviour, per socket:
// - `add user` (username, a string): the socket takes that name; the server
//   emits `login` `{numUsers}` to that socket and `user joined`
//   `{username, numUsers}` to every other socket. A second `add user` on the
//   same socket is ignored, as in the demo. A non-string username is a
//   protocol error (recorded, nothing emitted).
// - `new message` (a string): emitted as `new message` `{username, message}`
//   to every OTHER socket (socket.broadcast.emit); the sender gets nothing
//   back. A `new message` before `add user` is a protocol error: it is
//   recorded and sent to nobody.
// - `typing` and `stop typing` (no argument) from a socket that had joined:
//   emitted as `typing` / `stop typing` `{username}` to every OTHER socket,
//   as the demo's client announces its user typing. Before `add user` they
//   are ignored.
// - On disconnect of a socket that had joined: `user left`
//   `{username, numUsers}` to the others.
// numUsers counts the sockets that have joined and are still connected.
//
// --test-hooks adds `GET /__log`, which answers JSON:
//   {"connections": [{"conn": N, "id": "...", "open": bool,
//                     "events": [[event, arg], ...]}, ...],
//    "newMessageBeforeAddUser": N,
//    "protocolErrors": [{"conn": N, "event": "...", "arg": ..., "why": "..."}]}
// where `events` is every event that socket emitted to the server, in order,
// with its first argument. With a correct client, `newMessageBeforeAddUser`
// stays 0 and each socket's first event is `add user`.

const http = require('node:http');
const { Server } = require('socket.io');
const { parseOptions, listen } = require('./common');

const options = parseOptions({ 'test-hooks': { type: 'boolean', default: false } });

const connections = [];
const protocolErrors = [];
let newMessageBeforeAddUser = 0;
let numUsers = 0;

const server = http.createServer((request, response) => {
  if (options['test-hooks'] && request.method === 'GET' && request.url === '/__log') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ connections, newMessageBeforeAddUser, protocolErrors }));
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('Socket.IO is served at /socket.io/\n');
});
const io = new Server(server, { cors: { origin: '*' } });

io.on('connection', (socket) => {
  const record = { conn: connections.length + 1, id: socket.id, open: true, events: [] };
  connections.push(record);
  console.log(`conn ${record.conn} (${socket.id}) connected`);
  let username = null;

  const protocolError = (event, arg, why) => {
    protocolErrors.push({ conn: record.conn, event, arg: arg ?? null, why });
    console.log(`conn ${record.conn} protocol error: ${why}`);
  };

  socket.onAny((event, arg) => {
    record.events.push([event, arg ?? null]);
  });

  socket.on('add user', (name) => {
    if (username !== null) return;
    if (typeof name !== 'string') {
      protocolError('add user', name, 'add user needs a string username');
      return;
    }
    username = name;
    numUsers += 1;
    console.log(`conn ${record.conn} is ${JSON.stringify(username)}`);
    socket.emit('login', { numUsers });
    socket.broadcast.emit('user joined', { username, numUsers });
  });

  socket.on('new message', (message) => {
    if (username === null) {
      newMessageBeforeAddUser += 1;
      protocolError('new message', message, 'new message before add user');
      return;
    }
    socket.broadcast.emit('new message', { username, message });
  });

  for (const event of ['typing', 'stop typing']) {
    socket.on(event, () => {
      if (username !== null) socket.broadcast.emit(event, { username });
    });
  }

  socket.on('disconnect', (reason) => {
    record.open = false;
    console.log(`conn ${record.conn} disconnected: ${reason}`);
    if (username !== null) {
      numUsers -= 1;
      socket.broadcast.emit('user left', { username, numUsers });
    }
  });
});

listen(server, options, async () => {
  // Closes every client's WebSocket without a disconnect packet (41), as a
  // server restart looks to a client.
  await new Promise((resolve) => io.close(resolve));
});
