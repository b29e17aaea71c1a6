'use strict';
// Tokens, subprotocols and Socket.IO `auth` (shared CONTRACT.md,
// "Configuration at run time": `protocols`, `auth`, Tokens; issue 15).
//
// - servers/bearer-relay.js accepts a socket only if it offers `chat` and
//   `bearer.<token>`: `protocols=chat,bearer.{token}` with `#token=...` pairs
//   two pages; `#status` names the chosen subprotocol; the token leaves the
//   address bar and shows nowhere it must not (lib/secrets.js); a reload
//   connects again with the token kept in sessionStorage. A token changed
//   (in the settings panel) to a wrong one is refused: one system line, and
//   the server counts no reconnect storm; the right token again connects.
// - servers/socketio-auth.js checks `socket.handshake.auth.token` in an
//   `io.use` middleware: `auth={"token":"{token}"}` sends `40{"token":...}`
//   and pairs; a wrong token gets `44{"message":"invalid token"}`: one system
//   line, and the server counts no reconnect storm.
//
// "No storm" is what the server counted over a window once the refusal
// line shows: the window is longer than the longest backoff (5 s, +25%
// jitter), so a client that retried by itself would have been counted. A
// loaded machine can only make a retrying client retry less, never make a
// correct one retry.
//
// The wording of the refusal line is not in the contract: REFUSED matches
// any reasonable one.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { test, before, after, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { SettingsPanel, recordSockets, waitUntil } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, SOCKET_FAILURES } = require('../lib/pairing');
const { recordConsole, tokenLeaks } = require('../lib/secrets');

const browser = useBrowser();
let relay;
let server;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});
afterEach(async () => {
  await server?.stop();
  server = null;
});

/** Tokens of letters, digits and `-` (URL-encoding leaves them as they are), unique per run. */
const makeToken = (word) => `${word}-${crypto.randomBytes(8).toString('hex')}`;
/** A system line that says the server refused the token. */
const REFUSED = /token|refus|reject|unauthori[sz]ed|denied|forbidden|invalid|401/i;
/** Longer than the longest backoff (5 s + 25% jitter): a client that retries shows up in it. */
const NO_RETRY_WINDOW_MS = 8_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh page on the app with query `params` and `#token=<token>`, its
 * console and sockets recorded.
 */
async function openWithToken(params, token) {
  const { page, errors } = await browser.newPage({ allow: SOCKET_FAILURES });
  const consoleLines = recordConsole(page);
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  const url = new URL(relay.url);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  url.hash = `token=${encodeURIComponent(token)}`;
  await page.goto(url.href);
  await chat.waitForApp();
  return { page, errors, consoleLines, sockets, chat };
}

/** The system lines that say the token was refused. */
async function refusalLines(chat) {
  return (await chat.entries()).filter((e) => e.kind === 'system' && REFUSED.test(e.text ?? ''));
}

/**
 * Exactly one line says the token was refused; a `disconnected (...)` line
 * giving the same reason beside it is not counted.
 */
function assertOneRefusalLine(lines, entries) {
  const own = lines.filter((e) => !/^disconnected/.test(e.text));
  const counted = own.length > 0 ? own : lines;
  assert.equal(counted.length, 1, `one refusal line, no retry loop:\n${summarize(entries)}`);
}

/** Waits for the refusal line and returns the lines matching then. */
async function waitForRefusal(chat) {
  return waitUntil(
    async () => {
      const lines = await refusalLines(chat);
      return lines.length > 0 && lines;
    },
    async () => `no system line says the token was refused:\n${summarize(await chat.entries())}`,
  );
}

/** The settings panel's token field: a password field (issue 15). */
function tokenField(page) {
  return page.locator('#settings input[type="password"]');
}

/** Types `token` into the settings panel's token field and saves. */
async function saveToken(page, token) {
  const settings = new SettingsPanel(page);
  await settings.open();
  await tokenField(page).fill(token);
  await settings.save.click();
}

/** The page took `#token=...` out of the address bar (an empty `#` may stay). */
function assertFragmentGone(page) {
  assert.ok(!/token/.test(new URL(page.url()).hash), `the token left the address bar: ${page.url()}`);
}

async function assertNoLeak(who, token) {
  const leaks = await tokenLeaks(who.page, who.chat, token, who.consoleLines);
  assert.deepEqual(leaks, [], `the token shows where it must not`);
}

// ---- subprotocols: servers/bearer-relay.js ----

const bearerParams = (name) => ({
  server: `${server.wsUrl}/`,
  protocols: 'chat,bearer.{token}',
  name,
});

test('bearer subprotocol: #token pairs two pages, #status names `chat`, the token shows nowhere, a reload keeps it', { timeout: 120_000 }, async () => {
  const token = makeToken('SECRET');
  server = await startLogged('bearer-relay.js', ['--token', token]);

  const alice = await openWithToken(bearerParams('alice'), token);
  await alice.chat.waitForStatus('open');
  const bob = await openWithToken(bearerParams('bob'), token);
  await bob.chat.waitForStatus('open');

  const log = await waitForLog(server, (log) => log.accepted === 2 && log, 'both pages were accepted');
  assert.equal(log.refused, 0, `no attempt was refused: ${JSON.stringify(log)}`);
  for (const attempt of log.attempts) {
    assert.ok(attempt.offered.includes('chat'), `offered ${attempt.offered}`);
    assert.ok(attempt.offered.includes('bearer.<redacted>'), `offered ${attempt.offered}`);
    assert.equal(attempt.tokenMatched, true);
    assert.equal(attempt.protocol, 'chat');
  }

  // The chosen subprotocol shows in the status.
  for (const { chat } of [alice, bob]) {
    const status = await chat.status();
    assert.match(status.text, /\bchat\b/, `#status names the subprotocol: ${JSON.stringify(status)}`);
  }

  await alice.chat.send('hi bob');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi bob' });
  await bob.chat.send('hi alice');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'hi alice' });

  for (const who of [alice, bob]) {
    assertFragmentGone(who.page);
    await assertNoLeak(who, token);
  }

  // The token is kept for the tab (sessionStorage): a reload, with no
  // fragment any more, connects again.
  await alice.page.reload();
  await alice.chat.waitForApp();
  await alice.chat.waitForStatus('open');
  await waitForLog(server, (log) => log.accepted === 3, 'the reloaded page was accepted');
  await alice.chat.send('after the reload');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'after the reload' });
  await assertNoLeak(alice, token);
  assert.equal((await server.log()).refused, 0);
  assert.ok(!server.output().includes(token), 'the server printed no token');

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('bearer subprotocol: a token changed to a wrong one gets one refusal line and no retry, until the token changes again', { timeout: 120_000 }, async () => {
  const token = makeToken('SECRET');
  const wrong = makeToken('WRONG');
  server = await startLogged('bearer-relay.js', ['--token', token]);

  const alice = await openWithToken(bearerParams('alice'), token);
  await alice.chat.waitForStatus('open');
  await waitForLog(server, (log) => log.accepted === 1, 'the page was accepted');

  // The contract's refusal for a plain WebSocket: a close before the socket
  // opened, after one that succeeded with another token.
  await saveToken(alice.page, wrong);
  await waitForRefusal(alice.chat);
  const atLine = await waitForLog(server, (log) => log.refused >= 1 && log, 'the wrong token reached the server');

  await sleep(NO_RETRY_WINDOW_MS);
  const afterWindow = await server.log();
  assert.ok(
    afterWindow.refused - atLine.refused <= 1 && afterWindow.refused <= 2,
    `no retry loop: ${atLine.refused} refused when the line showed, ${afterWindow.refused} after ` +
      `${NO_RETRY_WINDOW_MS} ms: ${JSON.stringify(afterWindow.attempts)}`,
  );
  assert.equal(afterWindow.accepted, 1);
  assertOneRefusalLine(await refusalLines(alice.chat), await alice.chat.entries());
  const status = await alice.chat.status();
  assert.equal(status.state, 'closed', `not connecting again by itself: ${JSON.stringify(status)}`);
  await assertNoLeak(alice, wrong);
  await assertNoLeak(alice, token);

  // A change of the token is what lets it try again.
  await saveToken(alice.page, token);
  await alice.chat.waitForStatus('open');
  await waitForLog(server, (log) => log.accepted === 2, 'the right token was accepted again');
  await assertNoLeak(alice, token);
  await assertNoLeak(alice, wrong);
  assert.deepEqual(alice.errors, []);
});

// ---- Socket.IO auth: servers/socketio-auth.js ----

const socketioParams = (name) => ({
  protocol: 'socketio',
  server: server.url,
  auth: '{"token":"{token}"}',
  name,
});

/** The payloads of the namespace CONNECT packets (`40...`) a page sent, parsed. */
function connectPayloads(sockets) {
  return sockets
    .flatMap((socket) => socket.sent)
    .filter((frame) => typeof frame === 'string' && frame.startsWith('40'))
    .map((frame) => (frame.length > 2 ? JSON.parse(frame.slice(2)) : null));
}

test('Socket.IO auth: auth={"token":"{token}"} sends 40{"token":...} and pairs; the token shows nowhere', { timeout: 120_000 }, async () => {
  const token = makeToken('SECRET');
  server = await startLogged('socketio-auth.js', ['--token', token]);

  const alice = await openWithToken(socketioParams('alice'), token);
  await alice.chat.waitForStatus('open');
  const bob = await openWithToken(socketioParams('bob'), token);
  await bob.chat.waitForStatus('open');

  const log = await waitForLog(server, (log) => log.accepted === 2 && log, 'both pages were accepted');
  assert.equal(log.refused, 0, `no attempt was refused: ${JSON.stringify(log)}`);
  assert.deepEqual(log.attempts.map((a) => a.authKeys), [['token'], ['token']]);

  await waitUntil(
    () => connectPayloads(alice.sockets).length > 0,
    () => `Playwright never reported Alice's CONNECT: ${JSON.stringify(alice.sockets.map((s) => s.sent))}`,
  );
  assert.deepEqual(connectPayloads(alice.sockets), [{ token }], 'the CONNECT payload is the filled auth template');

  await alice.chat.send('hi bob');
  await bob.chat.waitForEntry({ kind: 'received', text: 'hi bob' });
  await bob.chat.send('hi alice');
  await alice.chat.waitForEntry({ kind: 'received', text: 'hi alice' });

  for (const who of [alice, bob]) {
    assertFragmentGone(who.page);
    await assertNoLeak(who, token);
  }
  assert.ok(!server.output().includes(token), 'the server printed no token');
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('Socket.IO auth: a wrong token gets 44, one refusal line and no reconnect storm', { timeout: 120_000 }, async () => {
  const token = makeToken('SECRET');
  const wrong = makeToken('WRONG');
  server = await startLogged('socketio-auth.js', ['--token', token]);

  const carol = await openWithToken(socketioParams('carol'), wrong);
  await waitForRefusal(carol.chat);
  const atLine = await waitForLog(server, (log) => log.refused >= 1 && log, 'the wrong token reached the server');
  assert.deepEqual(atLine.attempts[0].authKeys, ['token'], 'the token was sent in the auth payload');

  await sleep(NO_RETRY_WINDOW_MS);
  const afterWindow = await server.log();
  assert.ok(
    afterWindow.refused - atLine.refused <= 1 &&
      afterWindow.engineConnections - atLine.engineConnections <= 1 &&
      afterWindow.refused <= 2,
    `no reconnect storm: when the line showed ${atLine.engineConnections} connections and ` +
      `${atLine.refused} refusals, after ${NO_RETRY_WINDOW_MS} ms ${afterWindow.engineConnections} and ` +
      `${afterWindow.refused}: ${JSON.stringify(afterWindow.attempts)}`,
  );
  assert.equal(afterWindow.accepted, 0);
  assertOneRefusalLine(await refusalLines(carol.chat), await carol.chat.entries());
  assertFragmentGone(carol.page);
  await assertNoLeak(carol, wrong);
  assert.deepEqual(carol.errors, []);
});
