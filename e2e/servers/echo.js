'use strict';
// An echo server, the backend for wschat's `text` protocol.
//
//   node servers/echo.js [--port 3000] [--host 127.0.0.1]
//
// On connect it sends `Hello webSocket`; it answers each text frame with
// `I heard you say "<msg>"`.

const http = require('node:http');
const { WebSocketServer } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const options = parseOptions();
const server = http.createServer((request, response) => {
  response.writeHead(426, { 'content-type': 'text/plain' });
  response.end('this is a WebSocket server\n');
});
const wss = new WebSocketServer({ server });

wss.on('connection', (socket) => {
  socket.on('error', (err) => console.error(`client error: ${err.message}`));
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    socket.send(`I heard you say "${data.toString()}"`);
  });
  socket.send('Hello webSocket');
});

listenWithWebSockets(server, options, wss);
