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
const { probeSockets } = require('../lib/socket-probe');
const { startRelay, startServer } = require('../lib/servers');
const {
  RECONNECT_FAILURES,
  RECONNECT_TIMEOUT_MS,
  waitForDist,
  isSystem,
  isConnected,
  isDisconnected,
  countEntries,
  waitFor,
  socketioConnections,
  socketioPongs,
  socketioIds,
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
  const probe = await probeSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(web.url, { protocol: 'socketio', server: `${sio.url}/`, name: 'Ann' });
  await chat.waitForStatus('open');
  await chat.waitForEntry(WELCOME);
  await chat.waitForEntry(isConnected);
  return { page, errors, sockets, probe, chat };
}

/** Waits until servers/socketio.js has logged `n` connections. */
function waitForConnections(sio, n) {
  return waitFor(
    () => socketioConnections(sio.output()) === n,
    () => `the server never logged ${n} connections; it printed:\n${sio.output()}`,
  );
}

test('socketio: a server disconnect (41) is final until the user reconnects', { timeout: 120_000 }, async () => {
  const sio = await startServer('socketio.js');
  try {
    const { errors, probe, chat } = await join(sio);
    await waitForConnections(sio, 1);

    await chat.send('/disconnect');
    await chat.waitForEntry({ kind: 'system', sender: 'websocket', text: 'disconnected (the server disconnected this client)' });
    await chat.waitForStatus('closed');

    // No reconnect, by the page's account or the server's. Once the probe
    // has seen the socket's close event, the one a retry would start from,
    // the page has had it; after it the page still announces no retry.
    await waitFor(
      async () => (await probe.sockets())[0].closed,
      'the socket the server disconnected never closed',
    );
    const status = await chat.status();
    assert.equal(status.state, 'closed', `#status stays closed after 41: ${JSON.stringify(status)}`);
    assert.doesNotMatch(status.text, /reconnecting in/, `#status announces no retry after 41: ${JSON.stringify(status)}`);
    assert.match(status.text, /reconnect/i, '#status tells the user how to connect again');
    // Nor does what retries at once while waiting: coming online, or the tab
    // becoming visible.
    assert.equal(
      await probe.socketsOpenedBy(() => {
        window.dispatchEvent(new Event('online'));
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      }),
      0,
      'neither coming online nor becoming visible reconnects after 41',
    );
    const entries = await chat.entries();
    assert.equal(entries.filter(isConnected).length, 1, `no new connected line after 41:\n${summarize(entries)}`);
    assert.equal(
      entries.filter(isDisconnected).length,
      1,
      `one disconnected line, not a second one for the socket's close:\n${summarize(entries)}`,
    );
    assert.equal((await probe.sockets()).length, 1, 'no new socket after 41');
    assert.equal(socketioConnections(sio.output()), 1, `the server saw no new connection:\n${sio.output()}`);

    // The Reconnect control connects again.
    await chat.reconnectButton.click();
    await chat.waitForStatus('open');
    await waitFor(
      async () => (await countEntries(chat, isWelcome)) === 2,
      async () => `no second welcome after Reconnect:\n${summarize(await chat.entries())}`,
    );
    assert.equal(await countEntries(chat, isConnected), 2, 'a second connected line');
    await waitForConnections(sio, 2);

    await chat.send('hello again');
    await chat.waitForEntry((e) => e.kind === 'received' && /^.{3} said hello again$/.test(e.text ?? ''));

    assert.deepEqual(errors, []);
  } finally {
    await sio.kill();
  }
});

test('socketio: a server that stops pinging is given up on, and the client reconnects', { timeout: 120_000 }, async (t) => {
  const sio = await startServer('socketio.js', { args: ['--fast-ping'] });
  try {
    const { errors, sockets, chat } = await join(sio);
    await waitForConnections(sio, 1);
    const [first] = socketioIds(sio.output());
    // The fast-ping server pings every second and logs each pong. Three
    // answered pings span more than the 2 s of silence the client allows
    // (pingInterval + pingTimeout): the link stays up while pinged.
    await waitFor(
      () => socketioPongs(sio.output(), first) >= 3,
      () => `the server never logged three pongs from ${first}; it printed:\n${sio.output()}`,
    );
    assert.equal(await countEntries(chat, isDisconnected), 0, 'a pinging server is not given up on');
    assert.doesNotMatch(sio.output(), /disconnected/, 'the server did not drop the client either');

    const silencedAt = Date.now();
    await chat.send('/silence');
    const silent = await chat.waitForEntry(isSystem('disconnected (the server was silent'), { timeout: RECONNECT_TIMEOUT_MS });
    t.diagnostic(`gave up after ${Date.now() - silencedAt} ms: ${silent.text}`);
    assert.match(silent.text, /^disconnected \(the server was silent for \d+(\.\d)? s\)$/);

    // A new connection: a second connected line, status open, the welcome again.
    await chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    await waitFor(
      async () => (await countEntries(chat, isWelcome)) === 2,
      async () => `the welcome did not come again:\n${summarize(await chat.entries())}`,
      { timeout: RECONNECT_TIMEOUT_MS },
    );
    const entries = await chat.entries();
    assert.equal(entries.filter(isConnected).length, 2, `a second connected line:\n${summarize(entries)}`);
    assert.ok(
      entries.findLastIndex(isConnected) > entries.indexOf(entries.find(isSystem('disconnected (the server was silent'))),
      `the new connection follows the silence:\n${summarize(entries)}`,
    );
    await waitForConnections(sio, 2);
    // The client closed the silent socket rather than leaving it open.
    await waitFor(
      () => sockets[0].closed,
      'the silenced socket was never closed by the client',
    );
    assert.equal(sockets.length, 2, `two sockets: ${sockets.length}`);

    await chat.send('after the silence');
    await chat.waitForEntry((e) => e.kind === 'received' && /^.{3} said after the silence$/.test(e.text ?? ''));

    assert.deepEqual(errors, []);
  } finally {
    await sio.kill();
  }
});

test('socketio: an event with an acknowledgement is acknowledged', { timeout: 120_000 }, async () => {
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
    await waitFor(
      () => /^ack /m.test(sio.output()),
      () => `the server never logged the ack:\n${sio.output()}`,
    );

    // The event that asked for the ack is shown too.
    await chat.waitForEntry({ kind: 'received', sender: 'server', text: 'ack me' });
    assert.deepEqual(errors, []);
  } finally {
    await sio.kill();
  }
});
