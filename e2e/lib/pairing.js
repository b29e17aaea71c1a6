'use strict';
// Helpers for the pairing specs (tests/pairing-*.test.js): the reference
// servers of each chat design with their `--test-hooks` log, two pages on
// one server, and page defaults planted as <meta> tags in the app's
// index.html.

const { ChatPage, summarize } = require('./chat-page');
const { recordSockets, waitUntil } = require('./settings-page');
const { startServer } = require('./servers');

/** What a browser prints when a WebSocket fails (a server down, or refusing). */
const SOCKET_FAILURES = [/WebSocket connection to .* failed/];

/**
 * Starts `servers/<script> --test-hooks ...args` and adds `log()`: its
 * `GET /__log` as JSON, or null while it is unreachable (so a wait can poll
 * it across a restart). `restart()` gives a server with the same hooks, on
 * the same port; its log starts empty.
 */
async function startLogged(script, args = []) {
  return withLog(await startServer(script, { args: ['--test-hooks', ...args] }));
}

function withLog(server) {
  const restart = server.restart;
  return Object.assign(server, {
    async log() {
      try {
        const response = await fetch(`${server.url}/__log`, { signal: AbortSignal.timeout(10_000) });
        return response.ok ? await response.json() : null;
      } catch {
        return null;
      }
    },
    restart: async () => withLog(await restart()),
  });
}

/**
 * Waits until `check(log)` is truthy for the server's log and returns what it
 * returned; on timeout the error shows the log.
 */
async function waitForLog(server, check, what, { timeout = 30_000 } = {}) {
  let last = null;
  return waitUntil(
    async () => {
      last = await server.log();
      return last !== null && check(last);
    },
    () => `${what}; the server's log is:\n${JSON.stringify(last, null, 1)}\nit printed:\n${server.output()}`,
    { timeout },
  );
}

/**
 * A fresh page (its own context) on `url` with query `params`, its sockets
 * recorded and a ChatPage. `allow`: console errors the test expects.
 */
async function openChat(browser, url, params = {}, { allow = SOCKET_FAILURES } = {}) {
  const { page, errors } = await browser.newPage({ allow });
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(url, params);
  return { page, errors, sockets, chat };
}

/** How many entries match `predicate`. */
async function countEntries(chat, predicate) {
  return (await chat.entries()).filter(predicate).length;
}

/** Waits until exactly `n` entries match `predicate`. */
async function waitForCount(chat, predicate, n, what) {
  await waitUntil(
    async () => (await countEntries(chat, predicate)) === n,
    async () => `expected ${n} × ${what}:\n${summarize(await chat.entries())}`,
  );
}

const isSystem = (pattern) => (e) => e.kind === 'system' && pattern.test(e.text ?? '');
const isConnected = (e) => e.kind === 'system' && e.text === 'connected';
const isDisconnected = (e) => e.kind === 'system' && (e.text ?? '').startsWith('disconnected');

/** `text` for an HTML attribute value in double quotes. */
function escapeAttribute(text) {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Where meta tags go in `html` so that the parser puts them in <head>: after
 * its start tag, or, in a minified page that leaves the tag out (as Trunk's
 * release build does), after `<meta charset>`, else after `<html>` or the
 * doctype. Null when there is no such place.
 */
function headInsertionPoint(html) {
  for (const pattern of [/<head\b[^>]*>/i, /<meta\s[^>]*charset[^>]*>/i, /<html\b[^>]*>/i, /<!doctype[^>]*>/i]) {
    const match = pattern.exec(html);
    if (match) return match.index + match[0].length;
  }
  return null;
}

/**
 * Makes every load of the app's page in `page` (the HTML document) come with
 * `<meta name="wschat-KEY" content="VALUE">` for each entry of `defaults`,
 * in its <head>, as a deployer would edit index.html. The rest of the page
 * is what the server sent. A page that cannot take them is answered with a
 * 500 that says why, so the test fails on it rather than hanging.
 *
 * Chromium does not know which address a fulfilled document came from, so
 * it treats it as public and blocks its sockets to 127.0.0.1 (Local Network
 * Access, net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS); the page's
 * context is granted that permission, as a user would on the real page.
 */
async function plantPageDefaults(page, defaults) {
  await page.context().grantPermissions(['local-network-access']);
  const metas = Object.entries(defaults)
    .map(([key, value]) => `<meta name="wschat-${key}" content="${escapeAttribute(value)}">`)
    .join('');
  await page.route(
    (url) => url.pathname === '/' || url.pathname.endsWith('/index.html'),
    async (route) => {
      if (route.request().resourceType() !== 'document') return route.continue();
      const response = await route.fetch();
      const html = await response.text();
      const at = headInsertionPoint(html);
      if (at === null) {
        await route.fulfill({ status: 500, contentType: 'text/plain', body: `no place for meta tags in:\n${html}` });
        return;
      }
      const headers = { ...response.headers() };
      for (const name of ['content-length', 'content-encoding', 'etag', 'last-modified']) delete headers[name];
      headers['cache-control'] = 'no-store';
      await route.fulfill({
        status: response.status(),
        headers,
        body: `${html.slice(0, at)}${metas}${html.slice(at)}`,
      });
    },
  );
}

module.exports = {
  SOCKET_FAILURES,
  startLogged,
  waitForLog,
  openChat,
  countEntries,
  waitForCount,
  isSystem,
  isConnected,
  isDisconnected,
  plantPageDefaults,
  escapeAttribute,
};
