'use strict';
// Starts the reference servers of servers/ as child processes on free ports.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const SERVERS = path.resolve(__dirname, '../servers');
// Generous: a loaded machine can take seconds to start Node and its modules.
const READY_TIMEOUT_MS = 30_000;

/** Children still running, killed if the test process exits without stopping them. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A TCP port that was free a moment ago, picked by the kernel. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `command argv...`, tracked so that it is killed if the test process
 * exits without stopping it, and resolves once its output matches `ready`.
 * `label` names it in errors. Returns `{child, output(), stop(), kill(),
 * exited()}`: `output()` is everything it printed; `stop()` sends SIGTERM and
 * `kill()` SIGKILL, both resolving once the process has exited; `exited()`
 * resolves then too, without signalling it.
 */
async function spawnTracked(command, argv, { label, ready }) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);

  let output = '';
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));

  await new Promise((resolve, reject) => {
    let isReady = false;
    const fail = (why) => {
      if (isReady) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${label} ${why}; it printed:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const onData = () => {
      if (ready.test(output)) {
        isReady = true;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.on('error', (err) => fail(`could not start: ${err.message}`));
    exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal})`));
  });

  const signalAndWait = async (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    child,
    output: () => output,
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    exited: () => exited,
  };
}

/**
 * Spawns `node servers/<script> --port N ...args` and resolves once it has
 * printed `listening on N`.
 *
 * Returns `{port, url, wsUrl, output(), stop(), kill(), exited(), restart()}`:
 * `url` is `http://127.0.0.1:N`, `wsUrl` is `ws://127.0.0.1:N`; `output()` is
 * everything the server printed; `stop()` sends SIGTERM and `kill()` SIGKILL,
 * both resolving once the process has exited; `exited()` resolves then too,
 * without signalling it (for a server that ends by itself); `restart()`
 * starts the same script with the same arguments on the same port.
 */
async function startServer(script, { port, args = [] } = {}) {
  port ??= await freePort();
  const { output, stop, kill, exited } = await spawnTracked(
    process.execPath,
    [path.join(SERVERS, script), '--port', String(port), ...args],
    { label: `${script} on port ${port}`, ready: new RegExp(`listening on ${port}\\b`) },
  );
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    output,
    stop,
    kill,
    exited,
    restart: () => startServer(script, { port, args }),
  };
}

/** Debian's redis-server, which scripts/install-tools.sh installs. */
const REDIS_SERVER = process.env.REDIS_SERVER || '/usr/bin/redis-server';

/**
 * Starts a throwaway redis-server on a free 127.0.0.1 port: nothing saved
 * (`--save ''`, no append-only file), its working directory a fresh temp
 * dir, removed when it stops. Resolves once it accepts connections.
 *
 * Returns `{port, output(), stop(), kill(), exited()}` as startServer does.
 */
async function startRedis() {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: run scripts/install-tools.sh (make tools) to install redis-server`);
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wschat-redis-'));
  let started;
  try {
    started = await spawnTracked(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--daemonize', 'no', '--logfile', ''],
      { label: `redis-server on port ${port}`, ready: /Ready to accept connections/ },
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  started.exited().then(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { output, stop, kill, exited } = started;
  return { port, output, stop, kill, exited };
}

/**
 * The built app: $WSCHAT_DIST, else the repository's dist/. Throws, saying
 * how to build it, when it has no index.html.
 */
function distDir() {
  const dir = process.env.WSCHAT_DIST
    ? path.resolve(process.env.WSCHAT_DIST)
    : path.resolve(__dirname, '../../dist');
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html not found: build the app first (trunk build --release)`);
  }
  return dir;
}

/**
 * Starts relay.js serving the built app, with its test hooks; the page's
 * default `/ws` reaches it. Besides what startServer returns, the relay has:
 * - `stats()`: what the relay saw (`GET /__stats`: `open`, `connections`,
 *   `received` per sender, `forwarded` per sender), or null while it is
 *   unreachable, so that a wait can poll it across a restart;
 * - `exitAfterNextFrame()`: the relay SIGKILLs itself once it has forwarded
 *   the next frame it receives; `exited()` resolves once it is gone.
 * `restart()` gives a relay with the same hooks; its counts start from zero.
 * With `hooks: false` it runs without them: the hooks keep the text of every
 * frame received, which a flood of gigabytes would not fit in.
 */
async function startRelay({ port, hooks = true } = {}) {
  if (!hooks) return startServer('relay.js', { port, args: ['--static', distDir()] });
  return withRelayHooks(await startServer('relay.js', { port, args: ['--static', distDir(), '--test-hooks'] }));
}

function withRelayHooks(relay) {
  const restart = relay.restart;
  return Object.assign(relay, {
    async stats() {
      try {
        const response = await fetch(`${relay.url}/__stats`, { signal: AbortSignal.timeout(10_000) });
        return response.ok ? await response.json() : null;
      } catch {
        return null;
      }
    },
    async exitAfterNextFrame() {
      const response = await fetch(`${relay.url}/__exit-after-next-frame`, { method: 'POST' });
      if (response.status !== 204) throw new Error(`the relay refused exit-after-next-frame: ${response.status}`);
    },
    restart: async () => withRelayHooks(await restart()),
  });
}

/** Where servers/static-csp.js serves the app: a path, not the host's root. */
const CSP_HOST_PREFIX = '/some/path/chat/';

/**
 * Starts servers/static-csp.js serving the built app under
 * CSP_HOST_PREFIX with the contract's Content-Security-Policy (plus a
 * report-uri), and a JSON relay on `/ws` of the same origin. Besides what
 * startServer returns: `appUrl` (the app's address there), `violations()`
 * (the CSP reports the browser POSTed, `GET /__violations`) and `log()`
 * (`GET /__log`: every request, and the paths answered 404).
 */
async function startCspHost() {
  const host = await startServer('static-csp.js', { args: ['--static', distDir(), '--prefix', CSP_HOST_PREFIX] });
  const get = async (route) => {
    const response = await fetch(`${host.url}${route}`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${route}: ${response.status}`);
    return response.json();
  };
  return Object.assign(host, {
    appUrl: `${host.url}${CSP_HOST_PREFIX}`,
    violations: () => get('/__violations'),
    log: () => get('/__log'),
  });
}

module.exports = { startServer, startRelay, startRedis, startCspHost, CSP_HOST_PREFIX, distDir, freePort };
