'use strict';
// The `text` protocol against an echo server (servers/echo.js): every frame
// is shown verbatim from `server`, and the user's text goes out raw.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { recordSockets } = require('../lib/settings-page');
const { startRelay, startServer } = require('../lib/servers');

const browser = useBrowser();
let relay;
let echo;

before(async () => {
  relay = await startRelay();
  echo = await startServer('echo.js');
});
after(async () => {
  await Promise.all([relay?.stop(), echo?.stop()]);
});

test('text protocol: the echo server greets and echoes what the user sends', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { protocol: 'text', server: `${echo.wsUrl}/`, name: 'Ann' });

  await chat.waitForStatus('open');
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'Hello webSocket' });
  assert.equal(sockets.length, 1, `one socket, to the echo server: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.equal(sockets[0].url, `${echo.wsUrl}/`);

  await chat.send('hi there');
  await chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'hi there', state: 'sent' });
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'I heard you say "hi there"' });

  // text mode sends the raw text, and nothing the user did not write.
  assert.deepEqual(sockets[0].sent, ['hi there'], 'the only frame sent is the raw text');
  const entries = await chat.entries();
  const received = entries.filter((e) => e.kind === 'received');
  assert.deepEqual(
    received.map((e) => e.text),
    ['Hello webSocket', 'I heard you say "hi there"'],
    `exactly the greeting and the echo were received:\n${summarize(entries)}`,
  );
  assert.equal((await chat.status()).state, 'open');
  assert.deepEqual(errors, []);
});
