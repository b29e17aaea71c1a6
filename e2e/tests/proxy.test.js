'use strict';
// Through `trunk serve`: the page on http://127.0.0.1:8080 reaches the relay
// on port 3000 through Trunk's WebSocket proxy for /ws (Trunk.toml). Runs only
// when WSCHAT_TRUNK_SERVE is set, since it builds and serves the app.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { test } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startServer } = require('../lib/servers');

const REPO = path.resolve(__dirname, '../..');
const TRUNK_URL = 'http://127.0.0.1:8080/';
const RELAY_PORT = 3000; // Fixed: Trunk.toml proxies /ws to ws://127.0.0.1:3000/ws.
// Generous: trunk serve builds the app first, which takes minutes on a
// loaded machine even with a warm cache.
const TRUNK_READY_MS = 600_000;

const browser = useBrowser();

/** Whether something already accepts connections on 127.0.0.1:port. */
function portTaken(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `trunk serve --release` in its own process group. */
function startTrunk() {
  const child = spawn('trunk', ['serve', '--release', '--dist', 'target/trunk-serve'], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => resolve({ error: `cannot run trunk: ${error.message}` }));
  });
  const killGroup = (signal) => {
    if (!child.pid) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  process.on('exit', () => killGroup('SIGKILL'));
  return {
    output: () => output,
    exited,
    async stop() {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      killGroup('SIGKILL'); // Whatever trunk started and left behind.
    },
  };
}

/** Resolves once TRUNK_URL answers 200; rejects if trunk exits or time runs out. */
async function waitForTrunk(trunk) {
  let exited = null;
  trunk.exited.then((status) => (exited = status));
  const deadline = Date.now() + TRUNK_READY_MS;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`trunk serve exited (${JSON.stringify(exited)}):\n${trunk.output().slice(-4000)}`);
    }
    try {
      const response = await fetch(TRUNK_URL, { signal: AbortSignal.timeout(5000) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${TRUNK_URL} did not answer 200 within ${TRUNK_READY_MS / 1000} s:\n${trunk.output().slice(-4000)}`);
}

test('two people chat through trunk serve and its /ws proxy', { timeout: TRUNK_READY_MS + 60_000 }, async (t) => {
  if (!process.env.WSCHAT_TRUNK_SERVE) {
    t.skip('set WSCHAT_TRUNK_SERVE=1 to test through trunk serve (it builds the app)');
    return;
  }
  for (const port of [RELAY_PORT, 8080]) {
    assert.equal(await portTaken(port), false, `port ${port} is already in use: stop what runs there first`);
  }

  const relay = await startServer('relay.js', { port: RELAY_PORT });
  const trunk = startTrunk();
  try {
    await waitForTrunk(trunk);

    const people = {};
    for (const name of ['A', 'B']) {
      const { page, errors } = await browser.newPage();
      const chat = new ChatPage(page);
      await chat.goto(TRUNK_URL, { name });
      await chat.waitForStatus('open');
      people[name] = { chat, errors };
    }

    await people.A.chat.send('through the proxy, A to B');
    await people.B.chat.waitForEntry({ kind: 'received', sender: 'A', text: 'through the proxy, A to B' });
    await people.A.chat.waitForEntry({ kind: 'sent', text: 'through the proxy, A to B', state: 'sent' });

    await people.B.chat.send('and back, B to A');
    await people.A.chat.waitForEntry({ kind: 'received', sender: 'B', text: 'and back, B to A' });

    assert.deepEqual(people.A.errors, []);
    assert.deepEqual(people.B.errors, []);
  } finally {
    await trunk.stop();
    await relay.stop();
  }
});
