'use strict';
// What every reference server shares: its command-line options, the
// `listening on N` line that the test harness waits for, and a clean exit on
// SIGTERM or SIGINT.

const { parseArgs } = require('node:util');

/**
 * Parses `--port N` (default 3000) and `--host H` (default 127.0.0.1), plus
 * any extra options in node:util parseArgs form.
 */
function parseOptions(extra = {}) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      ...extra,
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number, got ${values.port}`);
    process.exit(2);
  }
  return { ...values, port };
}

/**
 * Starts `httpServer` on the given port and host, prints `listening on N`,
 * and on SIGTERM/SIGINT runs `onShutdown` (which closes the WebSocket
 * clients), closes the server and exits with status 0.
 */
function listen(httpServer, { port, host }, onShutdown = async () => {}) {
  httpServer.on('error', (err) => {
    console.error(`cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
  });
  httpServer.listen(port, host, () => {
    console.log(`listening on ${httpServer.address().port}`);
  });

  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    // Never hang: a client that ignores the close handshake must not keep
    // the process alive.
    setTimeout(() => process.exit(0), 2000).unref();
    try {
      await onShutdown();
    } finally {
      httpServer.close(() => process.exit(0));
      httpServer.closeAllConnections?.();
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Closes every client of a `ws` WebSocketServer with 1001 (going away) and
 * resolves once they are gone, or after one second, whichever comes first.
 */
function closeClients(wss) {
  const closing = [...wss.clients].map(
    (client) =>
      new Promise((resolve) => {
        client.once('close', resolve);
        client.close(1001, 'server shutting down');
      }),
  );
  const deadline = new Promise((resolve) => setTimeout(resolve, 1000).unref());
  return Promise.race([Promise.all(closing), deadline]).then(() => {
    for (const client of wss.clients) client.terminate();
  });
}

/**
 * listen() for a server whose WebSockets are a `ws` WebSocketServer: a
 * shutdown closes its clients first.
 */
function listenWithWebSockets(httpServer, options, wss) {
  // The WebSocketServer re-emits the HTTP server's errors, which listen()
  // already reports; without a handler they would be thrown.
  wss.on('error', () => {});
  listen(httpServer, options, () => closeClients(wss));
}

module.exports = { parseOptions, listen, listenWithWebSockets, closeClients };
