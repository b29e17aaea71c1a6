'use strict';
// What the page itself does with its WebSockets, counted inside the page.
//
// Playwright's websocket events (recordSockets in settings-page.js) reach the
// test over DevTools, some time after the page acted: on a loaded machine a
// frame can reach the server before the test hears that it was sent. The
// probe counts inside the page instead, synchronously: one evaluate reads
// every socket the page has constructed and every frame it has handed to an
// open socket so far, with nothing in flight between the two. Together with
// a server's own counts (the relay's stats() in servers.js) it lets a test
// wait for "everything sent has arrived" instead of sleeping.

/**
 * Runs in the page before its scripts (an init script): replaces
 * window.WebSocket by a subclass that records, per socket in the order
 * constructed, `{url, frames, closed}`: `frames` holds each frame handed to
 * the socket while it was open (text as is, binary as `<binary N bytes>`),
 * `closed` turns true on its close event. `window.__wschatProbe.log` lists
 * `socket <url>` at each construction, `session set <key>` and
 * `session remove <key>` at each write to sessionStorage and, once
 * watchStatus() ran, `status <text>` at each change of #status, in the order
 * they happened.
 */
function installProbe() {
  if (window.__wschatProbe) return;
  const Native = window.WebSocket;
  const probe = { sockets: [], log: [] };
  const records = new WeakMap();
  class ProbedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      const record = { url: this.url, frames: [], closed: false };
      records.set(this, record);
      probe.sockets.push(record);
      probe.log.push(`socket ${this.url}`);
      this.addEventListener('close', () => {
        record.closed = true;
      });
    }

    send(data) {
      // A frame handed to a socket that is not open is dropped by the
      // browser, so it is not counted as sent.
      const open = this.readyState === Native.OPEN;
      super.send(data);
      if (open) {
        records.get(this)?.frames.push(typeof data === 'string' ? data : `<binary ${data.byteLength ?? data.size} bytes>`);
      }
    }
  }
  Object.defineProperty(window, 'WebSocket', { value: ProbedWebSocket, writable: true, configurable: true });

  const { setItem, removeItem } = Storage.prototype;
  Storage.prototype.setItem = function (key, value) {
    setItem.call(this, key, value);
    if (this === window.sessionStorage) probe.log.push(`session set ${key}`);
  };
  Storage.prototype.removeItem = function (key) {
    removeItem.call(this, key);
    if (this === window.sessionStorage) probe.log.push(`session remove ${key}`);
  };
  Object.defineProperty(window, '__wschatProbe', { value: probe });
}

/**
 * Installs the probe in every page of `page`'s browser context, windows it
 * opens included, from their next navigation on. Call it before `goto`.
 * Returns the probe's reader for `page`.
 */
async function probeSockets(page) {
  await page.context().addInitScript(installProbe);
  return probeOf(page);
}

/** The reader for a page whose context has the probe (a window opened from a probed page, say). */
function probeOf(page) {
  return {
    /** `[{url, frames, closed}]`, one per socket the page constructed, in order. */
    sockets: () => page.evaluate(() => window.__wschatProbe.sockets),
    /** How many frames the page has handed to open sockets since it loaded. */
    sentCount: () => page.evaluate(() => window.__wschatProbe.sockets.reduce((n, s) => n + s.frames.length, 0)),
    /** The log of socket constructions, sessionStorage writes and #status changes, in order. */
    log: () => page.evaluate(() => window.__wschatProbe.log),
    /**
     * From now on, logs `status <text>` whenever #status changes. Call it
     * once the app has rendered.
     */
    watchStatus: () =>
      page.evaluate(() => {
        const status = document.querySelector('#status');
        const probe = window.__wschatProbe;
        let last = null;
        const note = () => {
          const text = status.textContent.trim();
          if (text !== last) probe.log.push(`status ${text}`);
          last = text;
        };
        note();
        new MutationObserver(note).observe(status, { childList: true, subtree: true, characterData: true });
      }),
    /**
     * Runs `action` (a function, run inside the page) and returns how many
     * sockets the page constructed while it ran. The action and the count
     * are one synchronous script, so no timer of the page can fire in
     * between: a socket counted here was opened by the action itself, at
     * once.
     */
    socketsOpenedBy: (action) =>
      page.evaluate(`(() => {
        const before = window.__wschatProbe.sockets.length;
        (${action.toString()})();
        return window.__wschatProbe.sockets.length - before;
      })()`),
  };
}

module.exports = { probeSockets, probeOf };
