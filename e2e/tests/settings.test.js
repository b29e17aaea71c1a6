'use strict';
// The settings panel: valid settings are saved in localStorage and applied
// at once, survive a reload, and lose to the page URL's query; refused ones
// say why next to the field and change nothing.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { SettingsPanel, recordSockets, waitUntil } = require('../lib/settings-page');
const { startRelay, startServer } = require('../lib/servers');

const browser = useBrowser();
let relay;
let echo;

before(async () => {
  echo = await startServer('echo.js');
});
after(async () => {
  await echo?.stop();
});
// Each test has a relay of its own, so that the relay's counts are that
// test's alone.
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay?.stop();
});

const isSystem = (text) => (e) => e.kind === 'system' && e.sender === 'websocket' && e.text === text;
const isDisconnected = (e) => e.kind === 'system' && (e.text ?? '').startsWith('disconnected');

/** Opens the app on the relay with `params` and waits until it is connected. */
async function openOnRelay(params = {}) {
  const { page, errors } = await browser.newPage();
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  const settings = new SettingsPanel(page);
  await chat.goto(relay.url, params);
  await chat.waitForStatus('open');
  await chat.waitForEntry(isSystem('connected'));
  return { page, errors, sockets, chat, settings };
}

test('saved settings reconnect at once and survive a reload', { timeout: 60_000 }, async () => {
  const { page, errors, sockets, chat, settings } = await openOnRelay();
  assert.equal(sockets[0]?.url, `${relay.wsUrl}/ws`, 'with no parameters the app uses /ws');
  assert.equal(await settings.stored(), null, 'a fresh browser has no saved settings');
  assert.equal((await settings.urlNote.textContent()).trim(), '', 'no URL note without query parameters');
  assert.deepEqual(
    await settings.protocol.locator('option').evaluateAll((options) => options.map((o) => o.value)),
    ['', 'json', 'text', 'socketio', 'stomp', 'mqtt', 'nats'],
  );

  const echoServer = `${echo.wsUrl}/`;
  await settings.fillAndSave({ server: echoServer, protocol: 'text' });
  await waitUntil(
    async () => (await settings.saved.textContent()).trim() === 'Saved.',
    async () => `#settings-saved says ${JSON.stringify(await settings.saved.textContent())}`,
  );
  assert.deepEqual(await settings.errorTexts(), { server: '', protocol: '', event: '' });
  assert.deepEqual(JSON.parse(await settings.stored()), { server: echoServer, protocol: 'text' });

  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'Hello webSocket' });
  await chat.waitForStatus('open');
  await waitUntil(
    async () => (await chat.entries()).filter(isSystem('connected')).length === 2,
    async () => `expected a second "connected" line:\n${summarize(await chat.entries())}`,
  );
  assert.equal(sockets.length, 2, `a new socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.equal(sockets[1].url, echoServer);
  await waitUntil(() => sockets[0].closed, 'the relay socket was left open');
  const afterSave = await chat.entries();
  assert.deepEqual(
    afterSave.filter(isDisconnected).map((e) => e.text),
    ['disconnected (settings changed)'].slice(0, afterSave.filter(isDisconnected).length),
    `a settings change is the only reason given for the disconnect:\n${summarize(afterSave)}`,
  );

  // text mode now: the echo server answers the raw text.
  await chat.setName('Ann');
  await chat.send('still me');
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'I heard you say "still me"' });
  assert.deepEqual(sockets[1].sent, ['still me']);

  await page.reload();
  await chat.waitForApp();
  await chat.waitForStatus('open');
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'Hello webSocket' });
  assert.equal(sockets.length, 3, `one socket after the reload: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.equal(sockets[2].url, echoServer, 'after the reload the app goes straight to the saved server');

  await settings.open();
  assert.deepEqual(await settings.values(), { server: echoServer, protocol: 'text', event: '' });
  assert.equal((await settings.urlNote.textContent()).trim(), '', 'no URL note without query parameters');
  assert.deepEqual(errors, []);
});

test('refused settings say why, save nothing and leave the connection alone', { timeout: 60_000 }, async () => {
  const { errors, sockets, chat, settings } = await openOnRelay({ name: 'Ann' });

  await settings.fillAndSave({ server: 'not-a-url' });
  const serverRefused = await waitUntil(
    async () => {
      const texts = await settings.errorTexts();
      return texts.server ? texts : null;
    },
    '#settings-server-error stayed empty for server "not-a-url"',
  );
  assert.match(serverRefused.server, /not-a-url/, '#settings-server-error names the value');
  assert.equal(serverRefused.event, '', 'the event field was fine');
  assert.equal(serverRefused.protocol, '', 'the protocol field was fine');

  await settings.fillAndSave({ server: '', event: 'disconnect' });
  const eventRefused = await waitUntil(
    async () => {
      const texts = await settings.errorTexts();
      return texts.event ? texts : null;
    },
    '#settings-event-error stayed empty for event "disconnect"',
  );
  assert.match(eventRefused.event, /reserved/i, '#settings-event-error says the name is reserved');
  assert.equal(eventRefused.server, '', 'an empty server (the default) is fine');

  await settings.fillAndSave({ server: 'not-a-url', event: 'disconnect' });
  await waitUntil(
    async () => {
      const texts = await settings.errorTexts();
      return texts.server && texts.event;
    },
    async () => `both fields should be refused: ${JSON.stringify(await settings.errorTexts())}`,
  );

  assert.equal((await settings.saved.textContent()).trim(), '', '#settings-saved says nothing after a refusal');
  assert.equal(await settings.stored(), null, 'nothing was saved');
  // A refused change applied anyway would reconnect. A message sent now
  // travels after any such reconnect, so once the relay has it, the relay
  // has seen every connection the page made: it must count one.
  await chat.send('still on the first socket');
  let stats = null;
  await waitUntil(
    async () => (stats = await relay.stats())?.received.Ann?.includes('still on the first socket'),
    () => `the relay never received Ann's message: ${JSON.stringify(stats)}`,
  );
  assert.equal(stats.connections, 1, 'the relay saw one connection from the page: refused settings did not reconnect');
  const entries = await chat.entries();
  assert.ok(!entries.some(isDisconnected), `the connection was interrupted:\n${summarize(entries)}`);
  assert.equal(entries.filter(isSystem('connected')).length, 1, `reconnected:\n${summarize(entries)}`);
  assert.equal((await chat.status()).state, 'open');
  assert.equal(sockets.length, 1, `no new socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.equal(sockets[0].closed, false, 'the socket is still open');
  assert.deepEqual(errors, []);
});

test('query parameters win over saved settings, and the panel says so', { timeout: 60_000 }, async () => {
  const { page, errors, sockets, chat, settings } = await openOnRelay();
  const echoServer = `${echo.wsUrl}/`;
  await settings.fillAndSave({ server: echoServer, protocol: 'text' });
  await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'Hello webSocket' });

  await chat.goto(relay.url, { server: '/ws', protocol: 'json', name: 'Ann' });
  await chat.waitForStatus('open');
  await chat.waitForEntry(isSystem('connected'));
  const last = sockets[sockets.length - 1];
  assert.equal(last.url, `${relay.wsUrl}/ws`, 'the URL’s server wins over the saved one');

  const note = (await settings.urlNote.textContent()).trim();
  assert.match(note, /\bserver\b/, `#settings-url-note names server: ${JSON.stringify(note)}`);
  assert.match(note, /\bprotocol\b/, `#settings-url-note names protocol: ${JSON.stringify(note)}`);
  await settings.open();
  assert.deepEqual(await settings.values(), { server: echoServer, protocol: 'text', event: '' }, 'the fields show what is saved');
  assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('wschat.settings'))), {
    server: echoServer,
    protocol: 'text',
  });
  const entries = await chat.entries();
  assert.ok(
    !entries.some((e) => e.kind === 'received' && e.text === 'Hello webSocket'),
    `the page went to the saved echo server:\n${summarize(entries)}`,
  );
  assert.deepEqual(errors, []);
});
