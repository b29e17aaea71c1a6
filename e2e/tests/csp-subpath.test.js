'use strict';
// dist/ served from a path of a host, not its root, under the strict
// Content-Security-Policy of shared CONTRACT.md ("Build and serve"; issue
// 15): servers/static-csp.js serves the built app at /some/path/chat/ (and
// 404 everywhere else, the root included), sends the contract's policy with
// a report-uri on every response, and relays JSON chat on /ws of the same
// origin, where the app's default server points.
//
// The whole chat works there: two pages chat through /ws, markup stays
// text, the settings open and save, an uncertain entry's resend and discard
// work, and a 5,000-frame flood renders and scrolls back to its first
// entry. Throughout: no CSP violation, neither reported to the host's
// /csp-report nor seen by a `securitypolicyviolation` listener that each
// page gets before any of its scripts run; no request of the page fails or
// leaves the path.
//
// "No report" rests on an event that comes after: at the end each page
// commits one deliberate violation of its own (a string given to innerHTML,
// which Trusted Types refuse), and once its report has reached the host,
// the page's earlier ones would have too.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const WebSocket = require('ws');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { SettingsPanel, waitUntil } = require('../lib/settings-page');
const { startCspHost, CSP_HOST_PREFIX } = require('../lib/servers');
const { reloadWith } = require('../lib/plant');
const { receivedTexts } = require('../lib/reconnect-helpers');
const { shareLink } = require('../lib/secrets');

const browser = useBrowser();
const WAIT_MS = 60_000;
const SENTINEL = 'csp-sentinel';
let host;

before(async () => {
  host = await startCspHost();
});
after(async () => {
  await host?.stop();
});

/** The browser's own requests, not the app's: its favicon, and the CSP reports it posts. */
const isBrowsers = (url) => ['/favicon.ico', '/csp-report'].includes(new URL(url).pathname);

/**
 * A fresh page on the app at the host's path, as `name`, with a
 * `securitypolicyviolation` listener installed before the page's own
 * scripts (it survives reloads), and a record of every request that failed
 * (an HTTP error or no answer) or went outside the app's path. The
 * browser's own requests (isBrowsers) are left out.
 */
async function openOnHost(name) {
  const { page, errors } = await browser.newPage();
  const violations = [];
  await page.exposeFunction('__wschatTestViolation', (violation) => violations.push(violation));
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (event) =>
        window.__wschatTestViolation({
          directive: event.effectiveDirective,
          blocked: event.blockedURI,
          sample: event.sample,
          source: `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
        }),
      true,
    );
  });
  const failures = [];
  const outside = [];
  page.on('response', (response) => {
    if (response.status() >= 400 && !isBrowsers(response.url())) failures.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    if (!isBrowsers(request.url())) failures.push(`failed ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && !isBrowsers(request.url()) && !url.pathname.startsWith(CSP_HOST_PREFIX)) {
      outside.push(request.url());
    }
  });
  const chat = new ChatPage(page);
  await chat.goto(host.appUrl, { name });
  return { name, page, errors, violations, failures, outside, chat };
}

/**
 * Asserts that `who` met no CSP violation and no failed request. First the
 * page's errors (a violation is also a console error), then a deliberate
 * violation whose report, once the host has it, shows that the page's
 * earlier reports had their chance to arrive.
 */
async function assertClean(who) {
  assert.deepEqual(who.errors, [], `${who.name}: no console error or page error`);
  assert.deepEqual(who.failures, [], `${who.name}: no request failed`);
  assert.deepEqual(who.outside, [], `${who.name}: every request stays under ${CSP_HOST_PREFIX}`);

  const mark = `${SENTINEL}-${who.name}`; // short: a report's sample may be cut at 40 characters
  const refused = await who.page.evaluate((mark) => {
    try {
      document.createElement('div').innerHTML = mark;
      return false;
    } catch {
      return true;
    }
  }, mark);
  assert.equal(refused, true, 'Trusted Types are enforced: the policy reached the page');
  await waitUntil(
    async () => JSON.stringify(await host.violations()).includes(mark),
    `the deliberate violation of ${who.name} was never reported to /csp-report`,
  );
  await waitUntil(
    () => who.violations.some((v) => (v.sample ?? '').includes(mark)),
    `the deliberate violation of ${who.name} never reached the listener`,
  );
  const reported = (await host.violations()).filter((v) => !JSON.stringify(v).includes(SENTINEL));
  assert.deepEqual(reported, [], 'no violation reported to /csp-report');
  const heard = who.violations.filter((v) => !(v.sample ?? '').includes(SENTINEL));
  assert.deepEqual(heard, [], `${who.name}: no securitypolicyviolation event`);
}

/** The host never answered 404, nor served anything outside the app's path. */
async function assertHostClean() {
  const log = await host.log();
  assert.deepEqual(log.notFound.filter((p) => p !== '/favicon.ico'), [], 'nothing was missing');
  const elsewhere = log.requests.filter(
    (r) => !r.path.startsWith(CSP_HOST_PREFIX) && !['/favicon.ico', '/csp-report'].includes(r.path),
  );
  assert.deepEqual(elsewhere, [], `only the app's path was asked for`);
}

/** The row of the entry whose text is exactly `text`. */
function rowOf(page, text) {
  return page.locator('#chat-text .row', { has: page.locator('.entry .text', { hasText: new RegExp(`^${text}$`) }) });
}

test('under /some/path/chat/ with the strict CSP: chat, markup as text, settings, resend and discard, no violation', { timeout: 180_000 }, async () => {
  const alice = await openOnHost('alice');
  const bob = await openOnHost('bob');
  await alice.chat.waitForStatus('open');
  await bob.chat.waitForStatus('open');

  await alice.chat.send('hello bob');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hello bob' });
  await bob.chat.send('hi alice');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'hi alice' });
  const markup = '<img src=x onerror="document.title=1"> <b>bold</b> https://example.com/';
  await alice.chat.send(markup);
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: markup });
  assert.equal(await bob.page.locator('#chat-text img, #chat-text b').count(), 0, 'markup stays text');

  // The settings open and save; the page reconnects to /ws and chats on.
  const settings = new SettingsPanel(alice.page);
  await settings.fillAndSave({ server: '/ws', protocol: 'json' });
  await waitUntil(
    async () => (await settings.saved.textContent()).trim() === 'Saved.',
    async () => `#settings-saved says ${JSON.stringify(await settings.saved.textContent())}`,
  );
  assert.deepEqual(JSON.parse(await settings.stored()), { server: '/ws', protocol: 'json' });
  await alice.chat.waitForStatus('open');
  await alice.chat.send('after saving');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'after saving' });
  // The share link points at this page, under the path.
  const share = await shareLink(alice.page);
  const shared = new URL(share.href, alice.page.url());
  assert.equal(shared.origin, host.url, `the share link stays on this host: ${share.href}`);
  assert.ok(shared.pathname.startsWith(CSP_HOST_PREFIX), `the share link keeps the path: ${share.href}`);

  // Two uncertain messages, as a reload right after sending leaves them:
  // one is resent, the other discarded.
  await reloadWith(alice.page, {
    session: {
      'wschat.outbox': JSON.stringify([
        { name: 'alice', text: 'resend me', uncertain: true },
        { name: 'alice', text: 'discard me', uncertain: true },
      ]),
    },
  });
  await alice.chat.waitForApp();
  await alice.chat.waitForStatus('open');
  for (const text of ['resend me', 'discard me']) {
    await alice.chat.waitForEntry({ kind: 'sent', text, state: 'uncertain' });
  }
  await rowOf(alice.page, 'discard me').locator('button.discard').click();
  await waitUntil(
    async () => !(await alice.chat.entries()).some((e) => e.text === 'discard me'),
    async () => `discard left the entry:\n${summarize(await alice.chat.entries())}`,
  );
  await rowOf(alice.page, 'resend me').locator('button.resend').click();
  await alice.chat.waitForEntry({ kind: 'sent', text: 'resend me', state: 'sent' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'resend me' });
  // Sent after both: once Bob has it, a discarded message sent anyway would
  // have come before it.
  await alice.chat.send('after discard');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'after discard' });
  assert.deepEqual(
    await receivedTexts(bob.chat, 'alice'),
    ['hello bob', markup, 'after saving', 'resend me', 'after discard'],
    'Bob has the resent message once and never the discarded one',
  );

  await assertClean(alice);
  await assertClean(bob);
  await assertHostClean();
});

/** Sends `count` frames `f0`, `f1`, ... to the host's /ws from a plain ws client, minding its buffer. */
async function flood(count) {
  const flooder = new WebSocket(`${host.wsUrl}/ws`);
  await new Promise((resolve, reject) => {
    flooder.once('open', resolve);
    flooder.once('error', reject);
  });
  for (let i = 0; i < count; i += 1) {
    flooder.send(JSON.stringify({ name: 'flood', msg: `f${i}` }));
    if (flooder.bufferedAmount > 1 << 20) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await new Promise((resolve) => flooder.close() || flooder.once('close', resolve));
}

test('under /some/path/chat/ with the strict CSP: a 5,000-frame flood renders and scrolls back to its first entry, no violation', { timeout: 180_000 }, async () => {
  const FRAMES = 5000;
  const carol = await openOnHost('carol');
  await carol.chat.waitForStatus('open');

  await flood(FRAMES);
  await carol.page.waitForFunction(
    (last) => [...document.querySelectorAll('#chat-text .entry .text')].some((t) => t.textContent === last),
    `f${FRAMES - 1}`,
    { timeout: WAIT_MS },
  );

  // Dragging the scrollbar to the top shows the first frame.
  await carol.page.evaluate(() => {
    document.querySelector('#chat-text').scrollTop = 0;
  });
  await carol.page.waitForFunction(
    () => document.querySelector('#chat-text .entry:has(.received) .text')?.textContent === 'f0',
    null,
    { timeout: WAIT_MS },
  );
  // And back at the bottom, the newest is there.
  await carol.page.evaluate(() => {
    const log = document.querySelector('#chat-text');
    log.scrollTop = log.scrollHeight;
  });
  await carol.page.waitForFunction(
    (last) => [...document.querySelectorAll('#chat-text .entry .text')].at(-1)?.textContent === last,
    `f${FRAMES - 1}`,
    { timeout: WAIT_MS },
  );

  await assertClean(carol);
  await assertHostClean();
});
