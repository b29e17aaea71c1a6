'use strict';
// A relay that knows its users by a query parameter, as in
// `server=ws://127.0.0.1:3000/?username={name}`.
//
//   node servers/query.js [--port 3000] [--host 127.0.0.1]
//
// On connect it sends `{"name":"server","msg":"welcome <username>"}` as a text
// frame, then forwards every frame to every other open client, keeping its
// type (text stays text).

const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const options = parseOptions();
const server = http.createServer((request, response) => {
  response.writeHead(426, { 'content-type': 'text/plain' });
  response.end('this is a WebSocket server\n');
});
const wss = new WebSocketServer({ server });

wss.on('connection', (socket, request) => {
  const url = new URL(request.url, 'http://localhost');
  const username = url.searchParams.get('username') ?? '';
  console.log(`${JSON.stringify(username)} connected`);

  socket.on('error', (err) => console.error(`client error: ${err.message}`));
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
  socket.send(JSON.stringify({ name: 'server', msg: `welcome ${username}` }));
});

listenWithWebSockets(server, options, wss);
