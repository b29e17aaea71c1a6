'use strict';
// The `socketio` protocol against a real Socket.IO v4 server
// (servers/socketio.js): Engine.IO 4 over a WebSocket only, events shown with
// the event name as sender (`message` as `server`), and a custom send event.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { recordSockets, waitUntil } = require('../lib/settings-page');
const { startRelay, startServer } = require('../lib/servers');

const browser = useBrowser();
let relay;
let sio;

before(async () => {
  relay = await startRelay();
  sio = await startServer('socketio.js');
});
after(async () => {
  await Promise.all([relay?.stop(), sio?.stop()]);
});

/** Opens the app on the Socket.IO server and waits for its welcome. */
async function join(params = {}) {
  const { page, errors } = await browser.newPage();
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { protocol: 'socketio', server: `${sio.url}/`, name: 'Ann', ...params });
  await chat.waitForStatus('open');
  await chat.waitForEntry({ kind: 'received', sender: 'server-message', text: 'Welcome to WebSocket' });
  return { page, errors, sockets, chat };
}

test('socketio: welcome event, then a message round trip', { timeout: 60_000 }, async () => {
  const { errors, sockets, chat } = await join();
  assert.equal((await chat.status()).state, 'open');

  assert.equal(sockets.length, 1, `one socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  const url = new URL(sockets[0].url);
  assert.equal(url.protocol, 'ws:', 'http:// is mapped to ws://');
  assert.equal(url.host, `127.0.0.1:${sio.port}`);
  assert.equal(url.pathname, '/socket.io/');
  assert.equal(url.searchParams.get('EIO'), '4');
  assert.equal(url.searchParams.get('transport'), 'websocket');
  assert.equal(sockets[0].sent[0], '40', `the first frame is the namespace connect: ${JSON.stringify(sockets[0].sent)}`);

  await chat.send('hello');
  await chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'hello', state: 'sent' });
  const reply = await chat.waitForEntry((e) => e.kind === 'received' && /^.{3} said hello$/.test(e.text ?? ''));
  assert.equal(reply.sender, 'server', 'event `message` shows as `server`');
  assert.match(reply.text, /^.{3} said hello$/);
  assert.ok(sockets[0].sent.includes('42["message","hello"]'), `sent ${JSON.stringify(sockets[0].sent)}`);
  await waitUntil(
    () => / connected\n/.test(sio.output()),
    () => `the server never logged the Socket.IO connection; it printed:\n${sio.output()}`,
  );

  const entries = await chat.entries();
  assert.ok(
    !entries.some((e) => e.kind === 'system' && e.text.startsWith('disconnected')),
    `the connection dropped:\n${summarize(entries)}`,
  );
  assert.deepEqual(errors, []);
});

test('socketio: &event= sends with a custom event name', { timeout: 60_000 }, async () => {
  const { errors, sockets, chat } = await join({ event: 'client-message' });

  await chat.send('yo');
  await chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'yo', state: 'sent' });
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'client-message: yo' });
  assert.ok(sockets[0].sent.includes('42["client-message","yo"]'), `sent ${JSON.stringify(sockets[0].sent)}`);
  await waitUntil(
    () => sio.output().includes('client-message yo'),
    () => `the server never logged the client-message event; it printed:\n${sio.output()}`,
  );
  assert.deepEqual(errors, []);
});
