'use strict';
// The Socket.IO link's life (shared CONTRACT.md, "Wire protocols",
// socketio): a server that sends disconnect `41` meant it, so the client
// stays closed until asked; a server that stops pinging is treated as dead
// after pingInterval + pingTimeout, and the client reconnects; an event that
// asks for an acknowledgement gets one.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { recordSockets } = require('../lib/settings-page');
const { startRelay, startServer } = require('../lib/servers');
const {
  RECONNECT_FAILURES,
  sleep,
  waitForDist,
  isSystem,
  isConnected,
  isDisconnected,
  countEntries,
  waitFor,
  socketioConnections,
} = require('../lib/reconnect-helpers');

const browser = useBrowser();
let web;

before(async () => {
  await waitForDist();
  web = await startRelay();
});
after(async () => {
  await web?.stop();
});

const WELCOME = { kind: 'received', sender: 'server-message', text: 'Welcome to WebSocket' };
const isWelcome = (e) => e.kind === WELCOME.kind && e.sender === WELCOME.sender && e.text === WELCOME.text;

/** Opens the app on the Socket.IO server `sio` and waits for its welcome. */
async function join(sio) {
  const { page, errors } = await browser.newPage({ allow: RECONNECT_FAILURES });
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(web.url, { protocol: 'socketio', server: `${sio.url}/`, name: 'Ann' });
  await chat.waitForStatus('open');
  await chat.waitForEntry(WELCOME);
  await chat.waitForEntry(isConnected);
  return { page, errors, sockets, chat };
}

test('socketio: a server disconnect (41) is final until the user reconnects', { timeout: 60_000 }, async () => {
  const sio = await startServer('socketio.js');
  try {
    const { errors, sockets, chat } = await join(sio);
    assert.equal(socketioConnections(sio.output()), 1);

    await chat.send('/disconnect');
    await chat.waitForEntry({ kind: 'system', sender: 'websocket', text: 'disconnected (the server disconnected this client)' });
    await chat.waitForStatus('closed');

    // For 4 s: no reconnect, by the page's account or the server's.
    const deadline = Date.now() + 4_000;
    while (Date.now() < deadline) {
      const status = await chat.status();
      assert.equal(status.state, 'closed', `#status stays closed after 41: ${JSON.stringify(status)}`);
      await sleep(200);
    }
    const entries = await chat.entries();
    assert.equal(entries.filter(isConnected).length, 1, `no new connected line after 41:\n${summarize(entries)}`);
    assert.equal(
      entries.filter(isDisconnected).length,
      1,
      `one disconnected line, not a second one for the socket's close:\n${summarize(entries)}`,
    );
    assert.equal(sockets.length, 1, `no new socket after 41: ${sockets.length} sockets`);
    assert.equal(socketioConnections(sio.output()), 1, `the server saw no new connection:\n${sio.output()}`);
    assert.match((await chat.status()).text, /reconnect/i, '#status tells the user how to connect again');

    // The Reconnect control connects again.
    await chat.reconnectButton.click();
    await chat.waitForStatus('open');
    await waitFor(
      async () => (await countEntries(chat, isWelcome)) === 2,
      async () => `no second welcome after Reconnect:\n${summarize(await chat.entries())}`,
    );
    assert.equal(await countEntries(chat, isConnected), 2, 'a second connected line');
    assert.equal(socketioConnections(sio.output()), 2, `the server saw the new connection:\n${sio.output()}`);

    await chat.send('hello again');
    await chat.waitForEntry((e) => e.kind === 'received' && /^.{3} said hello again$/.test(e.text ?? ''));

    assert.deepEqual(errors, []);
  } finally {
    await sio.kill();
  }
});

test('socketio: a server that stops pinging is given up on, and the client reconnects', { timeout: 60_000 }, async (t) => {
  const sio = await startServer('socketio.js', { args: ['--fast-ping'] });
  try {
    const { errors, sockets, chat } = await join(sio);
    // The fast-ping server pings every second; the link stays up meanwhile.
    await sleep(2_500);
    assert.equal(await countEntries(chat, isDisconnected), 0, 'a pinging server is not given up on');
    assert.ok(sockets[0].sent.includes('3'), `pings are answered with 3: ${JSON.stringify(sockets[0].sent)}`);

    const silencedAt = Date.now();
    await chat.send('/silence');
    const silent = await chat.waitForEntry(isSystem('disconnected (the server was silent'), { timeout: 5_000 });
    t.diagnostic(`gave up after ${Date.now() - silencedAt} ms: ${silent.text}`);
    assert.match(silent.text, /^disconnected \(the server was silent for \d+(\.\d)? s\)$/);

    // A new connection: a second connected line, status open, the welcome again.
    await chat.waitForStatus('open', { timeout: 8_000 });
    await waitFor(
      async () => (await countEntries(chat, isWelcome)) === 2,
      async () => `the welcome did not come again:\n${summarize(await chat.entries())}`,
      { timeout: 8_000 },
    );
    const entries = await chat.entries();
    assert.equal(entries.filter(isConnected).length, 2, `a second connected line:\n${summarize(entries)}`);
    assert.ok(
      entries.findLastIndex(isConnected) > entries.indexOf(entries.find(isSystem('disconnected (the server was silent'))),
      `the new connection follows the silence:\n${summarize(entries)}`,
    );
    assert.equal(socketioConnections(sio.output()), 2, `the server saw a new connection:\n${sio.output()}`);
    // The client closed the silent socket rather than leaving it open.
    assert.equal(sockets.length, 2, `two sockets: ${sockets.length}`);
    await waitFor(
      () => sockets[0].closed,
      'the silenced socket was never closed by the client',
      { timeout: 3_000 },
    );

    await chat.send('after the silence');
    await chat.waitForEntry((e) => e.kind === 'received' && /^.{3} said after the silence$/.test(e.text ?? ''));

    assert.deepEqual(errors, []);
  } finally {
    await sio.kill();
  }
});

test('socketio: an event with an acknowledgement is acknowledged', { timeout: 60_000 }, async () => {
  const sio = await startServer('socketio.js');
  try {
    const { errors, sockets, chat } = await join(sio);

    await chat.send('/ack');
    await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'acked' });
    const received = sockets[0].received.find((frame) => /^42\d+\[/.test(frame));
    assert.ok(received, `the server asked for an ack: ${JSON.stringify(sockets[0].received)}`);
    const id = received.match(/^42(\d+)\[/)[1];
    const ack = sockets[0].sent.find((frame) => frame.startsWith(`43${id}[`));
    assert.ok(ack, `the client acknowledged with 43${id}[...]: ${JSON.stringify(sockets[0].sent)}`);
    assert.doesNotThrow(() => JSON.parse(ack.slice(2 + id.length)), `the ack's payload is a JSON array: ${ack}`);
    assert.match(sio.output(), /^ack /m, `the server logged the ack:\n${sio.output()}`);

    // The event that asked for the ack is shown too.
    await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'ack me' });
    assert.deepEqual(errors, []);
  } finally {
    await sio.kill();
  }
});
