'use strict';
// Messages, events and typing read as words, and links (the contract's
// "Events" and "Links"). Against the Socket.IO chat demo's design
// (servers/socketio-chat.js), with Bob as the demo's own client would be
// (add user, typing, stop typing, new message), spoken over a raw Engine.IO
// WebSocket: Alice's log reads `login`, `user joined` and `user left` as
// words, never JSON; typing adds no entry and shows `#typing` until
// `stop typing`, a message from Bob, or five quiet seconds. On the relay, a
// link in a message is an `a` that opens with `noopener`, and
// `javascript:` is never a link.

const assert = require('node:assert/strict');
const { test, before, after, afterEach } = require('node:test');
const WebSocket = require('ws');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { waitUntil } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, openChat } = require('../lib/pairing');

const browser = useBrowser();
let relay;
let chatServer;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});
afterEach(async () => {
  await chatServer?.stop();
  chatServer = null;
});

const PARAMS = { protocol: 'socketio', event: 'new message', join: 'add user' };

/**
 * The Socket.IO chat demo's client for `username`: Engine.IO 4 over a raw
 * WebSocket (open, namespace connect, pongs), joined with `add user`.
 */
async function demoClient(server, username) {
  const ws = new WebSocket(`${server.wsUrl}/socket.io/?EIO=4&transport=websocket`);
  const send = (items) => ws.send(`42${JSON.stringify(items)}`);
  await new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const packet = data.toString();
      if (packet.startsWith('0')) ws.send('40');
      else if (packet === '2') ws.send('3');
      else if (packet.startsWith('40')) {
        send(['add user', username]);
        resolve();
      }
    });
  });
  return {
    emit: (event, ...args) => send([event, ...args]),
    close: () => new Promise((resolve) => {
      ws.once('close', resolve);
      ws.close();
    }),
  };
}

/** `#typing`'s text on `page`. */
const typingText = (page) => page.locator('#typing').textContent();

/** Waits until `#typing` reads `expected`. */
async function waitForTyping(page, expected, { timeout } = {}) {
  let last = null;
  await waitUntil(
    async () => (last = await typingText(page)) === expected,
    () => `#typing read ${JSON.stringify(last)}, never ${JSON.stringify(expected)}`,
    timeout ? { timeout } : undefined,
  );
}

test('socket.io chat demo: login, user joined and user left read as words; typing shows #typing, then clears', { timeout: 90_000 }, async () => {
  chatServer = await startLogged('socketio-chat.js');
  const alice = await openChat(browser, relay.url, { ...PARAMS, server: chatServer.url, name: 'alice' });
  await alice.chat.waitForStatus('open');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'login · numUsers: 1' });

  const bob = await demoClient(chatServer, 'bob');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'user joined · numUsers: 2' });
  assert.equal(await typingText(alice.page), '', 'nobody types yet');
  assert.equal(await alice.page.locator('#typing').getAttribute('aria-live'), 'polite');

  // typing … stop typing.
  bob.emit('typing');
  await waitForTyping(alice.page, 'bob is typing…');
  bob.emit('stop typing');
  await waitForTyping(alice.page, '');

  // typing … a message from bob ends it.
  bob.emit('typing');
  await waitForTyping(alice.page, 'bob is typing…');
  bob.emit('new message', 'hello alice');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'hello alice' });
  await waitForTyping(alice.page, '');

  // typing, then nothing: the notice ends by itself after a few seconds.
  bob.emit('typing');
  await waitForTyping(alice.page, 'bob is typing…');
  await waitForTyping(alice.page, '', { timeout: 15_000 });

  await bob.close();
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'user left · numUsers: 1' });

  const entries = await alice.chat.entries();
  const received = entries.filter((e) => e.kind === 'received').map((e) => `${e.sender}: ${e.text}`);
  assert.deepEqual(
    received,
    ['server: login · numUsers: 1', 'bob: user joined · numUsers: 2', 'bob: hello alice', 'bob: user left · numUsers: 1'],
    `events read as words, and typing added no entry:\n${summarize(entries)}`,
  );
  assert.ok(!entries.some((e) => (e.text ?? '').includes('{')), `no raw JSON:\n${summarize(entries)}`);
  // The entry element holds only its label and its text.
  const joined = alice.page.locator('#chat-text .entry', { hasText: 'user joined' });
  assert.equal(await joined.textContent(), 'bobuser joined · numUsers: 2');

  const log = await waitForLog(chatServer, (log) => log.connections.length === 2 && log, 'two connections');
  assert.deepEqual(log.protocolErrors, []);
  assert.deepEqual(alice.errors, []);
});

test('a link in a message is an a element that opens with noopener; javascript: is never a link', { timeout: 60_000 }, async () => {
  const alice = await openChat(browser, relay.url, { name: 'alice' });
  const bob = await openChat(browser, relay.url, { name: 'bob' });
  await alice.chat.waitForStatus('open');
  await bob.chat.waitForStatus('open');

  const url = `${relay.url}/nowhere?q=(1)`;
  const text = `read ${url}. not javascript:alert(document.domain) nor data:text/html,<b>x</b> nor JAVASCRIPT://x`;
  await bob.chat.send(text);
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text });

  const entry = alice.page.locator('#chat-text .entry', { hasText: 'read ' });
  assert.equal(await entry.textContent(), `bob${text}`, 'the entry is its label and the text, links and all');
  const links = entry.locator('.text > a');
  assert.equal(await links.count(), 1, 'one link: the http URL, without the full stop after it');
  const link = links.first();
  assert.equal(await link.getAttribute('href'), url);
  assert.equal(await link.textContent(), url);
  assert.match(await link.getAttribute('rel'), /\bnoopener\b/);
  assert.match(await link.getAttribute('rel'), /\bnoreferrer\b/);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await alice.page.locator('#chat-text a[href^="javascript" i], #chat-text a[href^="data" i]').count(), 0);

  // Opened, it is a new page that cannot reach back to the chat.
  const [popup] = await Promise.all([alice.page.context().waitForEvent('page'), link.click()]);
  await popup.waitForLoadState('domcontentloaded');
  assert.equal(await popup.evaluate(() => window.opener), null, 'the link opened with noopener');
  assert.equal(popup.url(), url);
  await popup.close();
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});
