'use strict';
// A malformed query parameter is named in a system line, its default is used,
// and nothing stops the app.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { recordSockets, waitUntil } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

test('?protocol=xml is reported, and the app connects with json on /ws', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { protocol: 'xml', name: 'Ann' });

  const problem = await chat.waitForEntry(
    (e) => e.kind === 'system' && /\bprotocol\b/.test(e.text ?? '') && /\bxml\b/.test(e.text ?? ''),
  );
  assert.equal(problem.sender, 'websocket');
  await chat.waitForStatus('open');
  await chat.waitForEntry({ kind: 'system', sender: 'websocket', text: 'connected' });
  assert.equal(sockets.length, 1, `one socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.equal(sockets[0].url, `${relay.wsUrl}/ws`, 'the default endpoint /ws on the page origin');

  // The chat works, in json: a second person on the relay reads Ann's message.
  const other = await browser.newPage();
  const bob = new ChatPage(other.page);
  await bob.goto(relay.url, { name: 'Bob' });
  await bob.waitForStatus('open');

  await chat.send('json after all');
  await chat.waitForEntry({ kind: 'sent', text: 'json after all', state: 'sent' });
  await bob.waitForEntry({ kind: 'received', sender: 'Ann', text: 'json after all' });
  // Playwright hears of a sent frame over DevTools, which can lag behind
  // the page and the relay on a loaded machine.
  await waitUntil(
    () => sockets[0].sent.length > 0,
    () => `Playwright never reported the frame sent: ${JSON.stringify(sockets[0].sent)}`,
  );
  assert.deepEqual(
    sockets[0].sent.map((frame) => JSON.parse(frame)),
    [{ name: 'Ann', msg: 'json after all' }],
    'the frame sent is the json chat frame',
  );

  const entries = await chat.entries();
  assert.ok(
    !entries.some((e) => e.kind === 'system' && e.text.startsWith('disconnected')),
    `the connection dropped:\n${summarize(entries)}`,
  );
  assert.equal((await chat.status()).state, 'open');
  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
});
