'use strict';
// A JSON relay that wants a token in the WebSocket subprotocols, as servers
// that take their bearer token that way do (Kubernetes-style
// `base64url.bearer.authorization...`). wschat pairs with it through
// `protocols=chat,bearer.{token}` and `#token=...` (shared CONTRACT.md,
// "Configuration at run time", Tokens).
//
//   node servers/bearer-relay.js --token T [--port 3000] [--host 127.0.0.1] [--test-hooks]
//
// An upgrade (on any path) is accepted only if the client offers both the
// subprotocols `chat` and `bearer.<T>`; the server then selects `chat`, so
// the token never comes back in the response. Any other upgrade is refused
// with HTTP 401 before the socket opens: a browser sees a WebSocket that
// closes (1006) without ever opening. Every frame an accepted client sends
// is forwarded, as the raw buffer received, to every OTHER open client, as
// relay.js does. It serves no files; plain HTTP requests get 426.
//
// The token is compared as offered (no decoding): pick one of letters,
// digits, `-`, `_`, `.` and `~`, which URL-encoding leaves alone.
//
// --test-hooks adds `GET /__log`, which answers JSON: one object per upgrade
// attempt since start, in order,
//   {"attempt": N, "accepted": bool, "path": "/...",
//    "offered": ["chat", "bearer.<redacted>"], "tokenMatched": bool,
//    "protocol": "chat" | null, "open": bool, "frames": N}
// `offered` lists the subprotocols as offered, except that every `bearer.`
// one reads `bearer.<redacted>`: the token itself is never logged or
// printed, only whether it matched. `path` leaves out the query string.
// `accepted` / `refused` totals come with it: {"accepted": N, "refused": N,
// "attempts": [...]}.

const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

const options = parseOptions({
  token: { type: 'string' },
  'test-hooks': { type: 'boolean', default: false },
});
if (!options.token) {
  console.error('--token T is required');
  process.exit(2);
}

const BEARER = 'bearer.';
const attempts = [];

/** The subprotocols a request offers, in order. */
function offeredProtocols(request) {
  const header = request.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Whether the offer holds `chat` and `bearer.<token>`, and the offer with the token hidden. */
function check(request) {
  const offered = offeredProtocols(request);
  const tokenMatched = offered.includes(BEARER + options.token);
  return {
    offered: offered.map((p) => (p.startsWith(BEARER) ? `${BEARER}<redacted>` : p)),
    tokenMatched,
    accepted: tokenMatched && offered.includes('chat'),
  };
}

const server = http.createServer((request, response) => {
  if (options['test-hooks'] && request.method === 'GET' && request.url === '/__log') {
    const accepted = attempts.filter((a) => a.accepted).length;
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify({ accepted, refused: attempts.length - accepted, attempts }));
    return;
  }
  response.writeHead(426, { 'content-type': 'text/plain' });
  response.end('this is a WebSocket server\n');
});

// Upgrades are checked here, before `ws` sees them: every attempt is logged,
// and a wrong offer is refused with 401 before the socket opens.
const wss = new WebSocketServer({
  noServer: true,
  // Runs only for an accepted offer, which holds `chat`.
  handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
});

server.on('upgrade', (request, socket, head) => {
  const { offered, tokenMatched, accepted } = check(request);
  const record = {
    attempt: attempts.length + 1,
    accepted,
    path: new URL(request.url, 'http://relay').pathname,
    offered,
    tokenMatched,
    protocol: null,
    open: false,
    frames: 0,
  };
  attempts.push(record);
  console.log(
    `attempt ${record.attempt} ${accepted ? 'accepted' : 'refused'}: offered ${JSON.stringify(offered)}, ` +
      `token ${tokenMatched ? 'matched' : 'did not match'}`,
  );
  if (!accepted) {
    socket.on('error', () => {});
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request, record));
});

wss.on('connection', (socket, request, record) => {
  record.open = true;
  record.protocol = socket.protocol || null;
  socket.on('error', (err) => console.error(`attempt ${record.attempt} error: ${err.message}`));
  socket.on('message', (data, isBinary) => {
    record.frames += 1;
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
  socket.on('close', (code) => {
    record.open = false;
    console.log(`attempt ${record.attempt} closed with ${code} (${wss.clients.size} open)`);
  });
});

listenWithWebSockets(server, options, wss);
