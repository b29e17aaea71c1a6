'use strict';
// Helpers for the reconnect, Socket.IO link and soak specs: a TCP gate that
// holds one page off a server, waiting for the built app while it is being
// rebuilt, small queries on the conversation, and waits on what the servers
// count (the relay's stats, the Socket.IO server's log).

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { freePort, distDir } = require('./servers');

/** Once the server is gone, Chromium logs each failed (re)connect attempt. */
const RECONNECT_FAILURES = [/WebSocket connection to .* failed/];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the built app (dist/index.html) exists: it vanishes for a
 * moment while it is being rebuilt. Returns its directory.
 */
async function waitForDist({ timeout = 120_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const dir = distDir();
      // index.html names the .js and .wasm it loads: wait for them too.
      const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
      const assets = [...html.matchAll(/(?:href|src)="\/?([^"?#]+\.(?:js|wasm|css))"/g)].map((m) => m[1]);
      if (assets.every((asset) => fs.existsSync(path.join(dir, asset)))) return dir;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error('dist/ is incomplete: build the app first (trunk build --release)');
    await sleep(500);
  }
}

/**
 * A TCP gate on 127.0.0.1 in front of `targetPort`. While open, each
 * connection is piped to the target; while shut, each new connection is
 * dropped at once, so a browser's WebSocket to it fails as it would against
 * a dead server. When either side of a piped connection ends, the other is
 * destroyed too (so a killed target looks killed through the gate).
 *
 * It lets a test decide which page reaches a restarted relay first: the
 * relay keeps nothing for a client that is not connected yet.
 *
 * Returns `{port, wsUrl, open(), shut(), close()}`; `shut()` also cuts the
 * connections in flight.
 */
async function startGate(targetPort, { port, open: initiallyOpen = true } = {}) {
  port ??= await freePort();
  let isOpen = initiallyOpen;
  const pairs = new Set();
  const server = net.createServer((down) => {
    if (!isOpen) {
      down.destroy();
      return;
    }
    const up = net.connect(targetPort, '127.0.0.1');
    const pair = { up, down };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      up.destroy();
      down.destroy();
    };
    for (const side of [up, down]) {
      side.on('error', end);
      side.on('close', end);
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}`,
    get isOpen() {
      return isOpen;
    },
    open() {
      isOpen = true;
    },
    shut() {
      isOpen = false;
      for (const { up, down } of pairs) {
        up.destroy();
        down.destroy();
      }
      pairs.clear();
    },
    close() {
      this.shut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A system line whose text starts with `prefix` (or equals it, with `exact`). */
function isSystem(prefix, { exact = false } = {}) {
  return (e) =>
    e.kind === 'system' && e.sender === 'websocket' && typeof e.text === 'string' &&
    (exact ? e.text === prefix : e.text.startsWith(prefix));
}

const isConnected = isSystem('connected', { exact: true });
const isDisconnected = isSystem('disconnected');

/** How many entries of `chat` match `predicate`. */
async function countEntries(chat, predicate) {
  return (await chat.entries()).filter(predicate).length;
}

/**
 * How long a wait that includes a reconnect may take before the test fails:
 * the backoff's longest delay is 5 s, and a loaded machine adds to every
 * step. It is a bound for giving up, not a measurement: the backoff itself
 * is checked on what #status announces.
 */
const RECONNECT_TIMEOUT_MS = 30_000;

/**
 * Polls `check` until it is truthy; throws `describe()` (or the string) after
 * `timeout` ms. The default is generous, since a loaded machine slows every
 * step; a wait that succeeds returns as soon as the check holds.
 */
async function waitFor(check, describe, { timeout = 30_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(typeof describe === 'function' ? await describe() : describe);
    await sleep(interval);
  }
}

/** The texts received from `sender` on `chat`, in the order shown. */
async function receivedTexts(chat, sender) {
  return (await chat.entries()).filter((e) => e.kind === 'received' && e.sender === sender).map((e) => e.text);
}

/**
 * Waits until everything `sender` sent through `relay` has arrived, and
 * returns the relay's stats; the test then asserts on what they say
 * (`stats.received[sender]`: each message the relay got, in order) and on
 * what the receivers show. No sleep is needed for "no late duplicate": once
 * the relay has received as many frames as the sending pages handed to their
 * sockets, nothing of theirs is still on its way, and once the receivers show
 * as many entries as the relay forwarded, nothing is still on its way to them.
 *
 * - `sent()`: how many frames the sending pages handed to sockets that reach
 *   this relay (from their socket probes, minus what went to an earlier
 *   relay);
 * - `shown()`: how many entries from `sender` the receiving pages show
 *   (minus those that came through an earlier relay);
 * - `receivers`: how many other clients each of the sender's frames goes to,
 *   all connected before the sender sends;
 * - `atLeast`: how many frames the relay must have received at the least (the
 *   number of distinct messages expected): before the sender has sent
 *   anything, every count is zero and equal.
 */
async function waitForRelayed(relay, sender, { sent, shown, receivers = 1, atLeast = 1, timeout }) {
  let seen = null;
  const done = await waitFor(
    async () => {
      const stats = await relay.stats();
      if (!stats) return false;
      const received = stats.received[sender] ?? [];
      const forwarded = stats.forwarded[sender] ?? 0;
      seen = { sent: await sent(), received, forwarded, shown: await shown(), receivers };
      return (
        received.length >= atLeast &&
        received.length === seen.sent &&
        forwarded === received.length * receivers &&
        seen.shown === forwarded &&
        stats
      );
    },
    () =>
      `${sender}'s frames never all arrived: the pages sent ${seen?.sent}, the relay received ` +
      `${JSON.stringify(seen?.received)} (at least ${atLeast} expected) and forwarded ${seen?.forwarded} ` +
      `(${receivers} per frame), the receivers show ${seen?.shown}`,
    { timeout },
  );
  return done;
}

/** Lines of the form `<id> connected` that servers/socketio.js printed. */
function socketioConnections(output) {
  return (output.match(/^\S+ connected$/gm) ?? []).length;
}

/** How many pongs servers/socketio.js logged for the connection `id` (all connections without one). */
function socketioPongs(output, id) {
  const who = id === undefined ? '\\S+' : id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return (output.match(new RegExp(`^${who} pong$`, 'gm')) ?? []).length;
}

/** The ids of the connections servers/socketio.js logged, in order. */
function socketioIds(output) {
  return [...output.matchAll(/^(\S+) connected$/gm)].map((m) => m[1]);
}

/** A seeded pseudo-random generator (mulberry32), values in [0, 1). */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = {
  RECONNECT_FAILURES,
  RECONNECT_TIMEOUT_MS,
  sleep,
  waitForDist,
  startGate,
  isSystem,
  isConnected,
  isDisconnected,
  countEntries,
  waitFor,
  receivedTexts,
  waitForRelayed,
  socketioConnections,
  socketioPongs,
  socketioIds,
  seededRandom,
};
