'use strict';
// `{name}` in `server` is replaced by the URL-encoded name at connect, for
// servers that know users by a query parameter (servers/query.js).

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { recordSockets, waitUntil } = require('../lib/settings-page');
const { startRelay, startServer } = require('../lib/servers');

const browser = useBrowser();
let relay;
let query;

before(async () => {
  relay = await startRelay();
  query = await startServer('query.js');
});
after(async () => {
  await Promise.all([relay?.stop(), query?.stop()]);
});

test('{name} in the server URL is filled in with the encoded name', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  const name = 'Zoë B';
  const server = `${query.wsUrl}/?username={name}`;
  await page.goto(`${relay.url}/?server=${encodeURIComponent(server)}&name=${encodeURIComponent(name)}`);
  await chat.waitForApp();
  assert.equal(await chat.name.inputValue(), name, '?name= fills the name');

  await chat.waitForStatus('open');
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: `welcome ${name}` });

  assert.equal(sockets.length, 1, `one socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  const url = new URL(sockets[0].url);
  assert.equal(url.searchParams.get('username'), name, `the socket URL carries the name: ${sockets[0].url}`);
  assert.equal(sockets[0].url, `${query.wsUrl}/?username=${encodeURIComponent(name)}`, 'encoded as encodeURIComponent does');
  await waitUntil(
    () => query.output().includes(`${JSON.stringify(name)} connected`),
    () => `the server never saw ${JSON.stringify(name)}; it printed:\n${query.output()}`,
  );
  assert.deepEqual(errors, []);
});
