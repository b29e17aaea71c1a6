'use strict';
// A static host as a careful deployer runs one: the built app under a path
// (not the host's root) with the strict Content-Security-Policy of shared
// CONTRACT.md ("Build and serve"), and a JSON relay on /ws of the same
// origin, where the app's default server points.
//
//   node servers/static-csp.js [--port 3000] [--host 127.0.0.1] [--static DIR]
//                              [--prefix /some/path/chat/]
//
// - `GET <prefix>...` serves the files of DIR (default: the repository's
//   dist/), `<prefix>` itself being DIR/index.html; `<prefix>` without its
//   last slash redirects to it. Every other path answers 404, the host's
//   root `/` and `/wschat-*.js` included: an app that loads its files from
//   the root breaks here.
// - Every response (files, redirects, 404s, the routes below) carries the
//   header
//     Content-Security-Policy: <the contract's policy>; report-uri /csp-report
//   so a violation is POSTed to /csp-report by the browser.
// - `POST /csp-report` records the report (application/csp-report or
//   application/reports+json) and answers 204. `GET /__violations` answers
//   them, as JSON, in order.
// - `GET /__log` answers JSON: `{requests: [{method, path, status}], notFound:
//   [path, ...]}`, every HTTP request but its own, so a test can assert that
//   no asset of the app was missing.
// - WebSocket upgrades on `/ws` (the page origin's /ws, not the prefix's)
//   join a relay: each frame is forwarded, as the raw buffer received, to
//   every OTHER client (so browsers receive binary frames), as relay.js
//   does. Upgrades on any other path are refused with 404.
//
// Nothing is cached (`cache-control: no-store`), so every test loads what is
// in DIR now.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { WebSocketServer, WebSocket } = require('ws');
const { parseOptions, listenWithWebSockets } = require('./common');

/** The policy of shared CONTRACT.md, "Build and serve", word for word. */
const CONTRACT_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "connect-src 'self' ws: wss: http: https:; img-src 'self' data:; base-uri 'none'; " +
  "form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'";
const CSP = `${CONTRACT_CSP}; report-uri /csp-report`;

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const options = parseOptions({
  static: { type: 'string', default: path.resolve(__dirname, '../../dist') },
  prefix: { type: 'string', default: '/some/path/chat/' },
});
const root = path.resolve(options.static);
const prefix = options.prefix.endsWith('/') ? options.prefix : `${options.prefix}/`;
if (!prefix.startsWith('/')) {
  console.error('--prefix must start with /');
  process.exit(2);
}

const violations = [];
const requests = [];

function send(response, status, headers = {}, body = '') {
  response.writeHead(status, {
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(body);
}

function sendJson(response, value) {
  send(response, 200, { 'content-type': 'application/json' }, JSON.stringify(value));
}

/** The file under `root` for a path below the prefix, or null if it leaves root. */
function fileFor(rest) {
  let decoded;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded || 'index.html'}`)}`);
  return file === root || file.startsWith(`${root}${path.sep}`) ? file : null;
}

/** Serves GET/HEAD below the prefix; answers the status it sent. */
function serveFile(request, response, pathname) {
  const file = fileFor(pathname.slice(prefix.length));
  let stat = null;
  try {
    stat = file && fs.statSync(file);
  } catch {
    stat = null;
  }
  const target = stat?.isDirectory() ? path.join(file, 'index.html') : file;
  let body;
  try {
    body = target && fs.readFileSync(target);
  } catch {
    body = null;
  }
  if (!body) {
    send(response, 404, { 'content-type': 'text/plain' }, 'not found\n');
    return 404;
  }
  const type = TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream';
  send(response, 200, { 'content-type': type, 'content-length': body.length }, request.method === 'HEAD' ? '' : body);
  return 200;
}

/** Reads a request body (at most 1 MiB). */
function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > 1 << 20) {
        reject(new Error('report too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const server = http.createServer(async (request, response) => {
  const { pathname } = new URL(request.url, 'http://host');
  const record = (status) => {
    requests.push({ method: request.method, path: pathname, status });
    if (status === 404) console.log(`404 ${request.method} ${pathname}`);
  };

  if (request.method === 'GET' && pathname === '/__violations') return sendJson(response, violations);
  if (request.method === 'GET' && pathname === '/__log') {
    return sendJson(response, { requests, notFound: requests.filter((r) => r.status === 404).map((r) => r.path) });
  }
  if (request.method === 'POST' && pathname === '/csp-report') {
    try {
      const text = await readBody(request);
      let report;
      try {
        report = JSON.parse(text);
      } catch {
        report = { unparsed: text };
      }
      // application/reports+json is an array of reports; csp-report one.
      for (const one of Array.isArray(report) ? report : [report]) {
        violations.push({ contentType: request.headers['content-type'] ?? null, report: one });
        console.log(`CSP violation: ${JSON.stringify(one)}`);
      }
      record(204);
      return send(response, 204);
    } catch (error) {
      record(400);
      return send(response, 400, { 'content-type': 'text/plain' }, `${error.message}\n`);
    }
  }
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (`${pathname}/` === prefix) {
      record(301);
      return send(response, 301, { location: prefix });
    }
    if (pathname.startsWith(prefix)) return record(serveFile(request, response, pathname));
  }
  record(404);
  return send(response, 404, { 'content-type': 'text/plain' }, 'not found\n');
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (request, socket, head) => {
  const { pathname } = new URL(request.url, 'http://host');
  if (pathname !== '/ws') {
    console.log(`upgrade refused on ${pathname}`);
    requests.push({ method: 'UPGRADE', path: pathname, status: 404 });
    socket.on('error', () => {});
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
});

wss.on('connection', (socket) => {
  console.log(`client connected on /ws (${wss.clients.size} open)`);
  socket.on('error', (err) => console.error(`client error: ${err.message}`));
  socket.on('message', (data) => {
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === WebSocket.OPEN) client.send(data);
    }
  });
  socket.on('close', (code) => console.log(`client closed with ${code} (${wss.clients.size} open)`));
});

console.log(`serving ${root} under ${prefix}`);
listenWithWebSockets(server, options, wss);
