'use strict';
// Chromium driven over a bare Chrome DevTools Protocol connection, for the
// benchmark (bench.js). Playwright enables the Network domain on every page,
// and Chromium then reports each WebSocket frame to the client, which makes a
// flood several times slower. This driver enables one domain, Page (without
// it Chromium ignores Page.addScriptToEvaluateOnNewDocument); everything else
// it uses works without enabling (Target, Runtime.evaluate, HeapProfiler). It
// counts every method it sent and every event it received, so a run can show
// that Network stayed off.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const { CHROMIUM_ARGS } = require('./browser');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_TIMEOUT_MS = 30_000;

/** Browsers still running (child -> profile), killed if this process exits without closing them. */
const running = new Map();
process.on('exit', () => {
  for (const [child, profile] of running) {
    child.kill('SIGKILL');
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

/** One DevTools connection (the browser endpoint) with flat sessions. */
class Cdp {
  constructor(socket) {
    this.socket = socket;
    this.nextId = 1;
    this.pending = new Map();
    /** method -> times sent */
    this.sent = new Map();
    /** event method -> times received */
    this.events = new Map();
    this.closed = false;
    socket.on('message', (data) => this.onMessage(data));
    socket.on('close', () => {
      this.closed = true;
      for (const { reject, method } of this.pending.values()) reject(new Error(`CDP closed during ${method}`));
      this.pending.clear();
    });
  }

  static async connect(url) {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new Cdp(socket);
  }

  onMessage(data) {
    const message = JSON.parse(data);
    if (message.id === undefined) {
      this.events.set(message.method, (this.events.get(message.method) || 0) + 1);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
    else waiter.resolve(message.result);
  }

  /** Sends `method` (to `sessionId`'s target when given) and resolves with its result. */
  send(method, params = {}, sessionId) {
    if (this.closed) return Promise.reject(new Error(`CDP closed before ${method}`));
    const id = this.nextId++;
    this.sent.set(method, (this.sent.get(method) || 0) + 1);
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.socket.send(JSON.stringify(message));
    });
  }

  /** Every domain a command was sent to or an event came from. */
  domains() {
    const domains = new Set();
    for (const method of [...this.sent.keys(), ...this.events.keys()]) domains.add(method.split('.')[0]);
    return [...domains].sort();
  }

  /** How many events of `domain` arrived. */
  eventCount(domain) {
    let count = 0;
    for (const [method, n] of this.events) if (method.startsWith(`${domain}.`)) count += n;
    return count;
  }

  close() {
    this.socket.close();
  }
}

/** A page (a target attached with a flat session). */
class CdpPage {
  constructor(cdp, targetId, sessionId) {
    this.cdp = cdp;
    this.targetId = targetId;
    this.sessionId = sessionId;
  }

  send(method, params = {}) {
    return this.cdp.send(method, params, this.sessionId);
  }

  /** Runs `source` before any script of every document this page loads. */
  addInitScript(source) {
    return this.send('Page.addScriptToEvaluateOnNewDocument', { source });
  }

  /** Navigates and resolves once `ready` (an expression) is true in the new document. */
  async goto(url, ready = 'true', timeoutMs = 30_000) {
    const { errorText } = await this.send('Page.navigate', { url });
    if (errorText) throw new Error(`cannot open ${url}: ${errorText}`);
    await this.waitFor(`location.href === ${JSON.stringify(url)} && document.readyState === 'complete' && (${ready})`, timeoutMs);
  }

  /** Evaluates `expression` in the page, awaiting a promise, and returns its value. */
  async eval(expression) {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) {
      const why = exceptionDetails.exception?.description || exceptionDetails.text;
      throw new Error(`in the page: ${why}`);
    }
    return result.value;
  }

  /** Polls `expression` every 100 ms until it is truthy; returns its value. */
  async waitFor(expression, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    while (Date.now() < deadline) {
      try {
        const value = await this.eval(expression);
        if (value) return value;
      } catch (error) {
        // A navigation can destroy the context the expression ran in.
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}${lastError ? ` (${lastError.message})` : ''}`);
  }

  /** Forces a full garbage collection, then returns the JS heap use in bytes. */
  async heapAfterGc() {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const { usedSize, totalSize } = await this.send('Runtime.getHeapUsage');
    return { usedSize, totalSize };
  }

  close() {
    return this.cdp.send('Target.closeTarget', { targetId: this.targetId });
  }
}

/**
 * Launches Chromium with the tests' arguments plus a DevTools port and a
 * temporary profile, and connects to it. Returns `{cdp, version, newPage(),
 * close()}`.
 */
async function launchCdpBrowser({ width = 1000, height = 700, extraArgs = [] } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wschat-bench-'));
  const child = spawn(
    CHROMIUM,
    [
      ...CHROMIUM_ARGS,
      // As Playwright does, so that the two launches compare fairly.
      '--disable-background-timer-throttling',
      '--disable-backgrounding-occluded-windows',
      '--disable-renderer-backgrounding',
      `--window-size=${width},${height}`,
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      ...extraArgs,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.set(child, profile);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  exited.then(() => running.delete(child));
  const endpoint = await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Chromium gave no DevTools endpoint in ${LAUNCH_TIMEOUT_MS} ms:\n${output}`)), LAUNCH_TIMEOUT_MS);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}) before giving a DevTools endpoint:\n${output}`));
    });
  });
  child.stderr.resume();
  const cdp = await Cdp.connect(endpoint);
  const { product } = await cdp.send('Browser.getVersion');

  async function newPage() {
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    await cdp.send('Page.enable', {}, sessionId);
    return new CdpPage(cdp, targetId, sessionId);
  }

  async function close() {
    try {
      await Promise.race([cdp.send('Browser.close'), new Promise((resolve) => setTimeout(resolve, 3000))]);
    } catch {
      // Already gone.
    }
    cdp.close();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(profile, { recursive: true, force: true });
  }

  return { cdp, version: product, newPage, close };
}

module.exports = { launchCdpBrowser, Cdp, CdpPage };
