'use strict';
// Helpers for the delivery specs (issue 9): the tallying relay and its
// counts, a wait on a condition, a copy of a tab's sessionStorage for a
// "duplicated" tab, and a plain CDP connection for a tab that Playwright
// must not touch (Playwright's focus emulation keeps its pages visible, so
// they are never frozen).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const { CHROMIUM_ARGS } = require('./browser');
const { startServer, distDir } = require('./servers');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Starts servers/tally-relay.js (the relay, printing what it receives) serving the built app. */
function startTallyRelay({ port } = {}) {
  return startServer('tally-relay.js', { port, args: ['--static', distDir()] });
}

/**
 * What the tallying relay has printed so far: `messages` as `{conn, text}` in
 * the order received, and the sets of connections `opened` and `closed`.
 */
function tally(relay) {
  const messages = [];
  const opened = new Set();
  const closed = new Set();
  for (const line of relay.output().split('\n')) {
    const match = /^tally: (open|message|closed) (\d+)(?: (.*))?$/.exec(line);
    if (!match) continue;
    const conn = Number(match[2]);
    if (match[1] === 'open') opened.add(conn);
    if (match[1] === 'closed') closed.add(conn);
    if (match[1] === 'message') messages.push({ conn, text: JSON.parse(match[3]) });
  }
  return { messages, opened, closed };
}

/** How many times the relay received `text`. */
function received(relay, text) {
  return tally(relay).messages.filter((m) => m.text === text).length;
}

/**
 * Waits until `check()` is truthy and returns its value; after `timeout` ms
 * throws `describe()` (or the string).
 */
async function waitUntil(check, describe, { timeout = 15_000, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(typeof describe === 'function' ? await describe() : describe);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Waits until every connection the relay has seen opened is closed, except
 * those in `open` (connection numbers still in use). Once true, everything
 * the closed ones sent is in the tally.
 */
function waitForClosed(relay, conns, options) {
  return waitUntil(
    () => [...conns].every((n) => tally(relay).closed.has(n)),
    () => `connections ${[...conns].join(', ')} never closed at the relay:\n${relay.output()}`,
    options,
  );
}

/** The numbers of the connections the relay has seen open so far. */
function openedSoFar(relay) {
  return new Set(tally(relay).opened);
}

/**
 * A script for addInitScript / Page.addScriptToEvaluateOnNewDocument that
 * fills sessionStorage with `items` (a plain object) before the app starts,
 * once: what a duplicated tab starts with.
 */
function copySessionScript(items) {
  return `(() => {
    if (sessionStorage.getItem('e2e.copied')) return;
    const items = ${JSON.stringify(items)};
    for (const [key, value] of Object.entries(items)) sessionStorage.setItem(key, value);
    sessionStorage.setItem('e2e.copied', '1');
  })();`;
}

/**
 * Launches Chromium with a DevTools port of its own (no Playwright) and
 * returns `{cdp, close()}`; `cdp` is a flat-session CDP client:
 * `send(method, params, sessionId)`, `on(method, listener)`, and `newTab()`,
 * which opens about:blank and returns a Tab.
 */
async function launchPlainChromium() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wschat-cdp-'));
  const child = spawn(
    CHROMIUM,
    [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${said}`)), 20_000);
    child.stderr.on('data', (chunk) => {
      said += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(said);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`Chromium exited with ${code}:\n${said}`)));
  });
  const socket = new WebSocket(endpoint, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const cdp = new Cdp(socket);
  return {
    cdp,
    async close() {
      socket.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      // Chromium's helper processes may still be writing to the profile.
      try {
        fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      } catch {
        // A leftover temporary profile is not worth failing a test for.
      }
    },
  };
}

class Cdp {
  constructor(socket) {
    this.socket = socket;
    this.nextId = 1;
    this.waiting = new Map();
    this.listeners = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.id !== undefined) {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (!waiter) return;
        if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
        else waiter.resolve(message.result);
        return;
      }
      for (const listener of this.listeners) listener(message);
    });
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject, method }));
  }

  /** Calls `listener(message)` for every event. */
  onEvent(listener) {
    this.listeners.push(listener);
  }

  async newTab() {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const tab = new Tab(this, targetId, sessionId);
    await tab.send('Page.enable');
    await tab.send('Runtime.enable');
    return tab;
  }
}

/** One tab over plain CDP. */
class Tab {
  constructor(cdp, targetId, sessionId) {
    this.cdp = cdp;
    this.targetId = targetId;
    this.sessionId = sessionId;
    this.errors = [];
    cdp.onEvent((message) => {
      if (message.sessionId !== sessionId) return;
      if (message.method === 'Runtime.exceptionThrown') {
        this.errors.push(message.params.exceptionDetails.exception?.description ?? 'an exception');
      }
    });
  }

  send(method, params = {}) {
    return this.cdp.send(method, params, this.sessionId);
  }

  /** Runs `expression` in the page and returns its value (awaiting a promise). */
  async evaluate(expression) {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  /** Navigates and waits until the app has rendered `#status`. */
  async goto(url) {
    await this.send('Page.navigate', { url });
    await waitUntil(
      () => this.evaluate(`!!document.querySelector('#status')`).catch(() => false),
      `the app never started at ${url}`,
    );
  }

  /** Types `text` into #message and presses Enter, as the app reads them. */
  sendMessage(text) {
    return this.evaluate(`(() => {
      const input = document.querySelector('#message');
      input.value = ${JSON.stringify(text)};
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    })()`);
  }

  /** `{kind, text, state}` of each entry, as ChatPage.entries() reads them. */
  entries() {
    return this.evaluate(`[...document.querySelectorAll('#chat-text .entry')].map((entry) => {
      const label = entry.firstElementChild;
      const kind = ['sent', 'received', 'system'].find((k) => label && label.classList.contains(k)) ?? null;
      return { kind, text: entry.querySelector('.text')?.textContent ?? null, state: entry.dataset.state ?? null };
    })`);
  }

  status() {
    return this.evaluate(`document.querySelector('#status')?.dataset.state ?? null`);
  }
}

module.exports = {
  startTallyRelay,
  tally,
  received,
  waitUntil,
  waitForClosed,
  openedSoFar,
  copySessionScript,
  launchPlainChromium,
};
