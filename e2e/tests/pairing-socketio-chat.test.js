'use strict';
// Pairing with the classic Socket.IO chat design (servers/socketio-chat.js):
// `event=new message&join=add user` emits `add user` with the name before
// any `new message` on every socket, also after the server restarts with a
// message queued; the others' `new message` `{username, message}` is read by
// the json reader as `message` from `username`; the server does not echo to
// the sender, so the sent entry stays `sent`.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { waitUntil } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, openChat, isDisconnected } = require('../lib/pairing');

const browser = useBrowser();
let relay;
let chatServer;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});
beforeEach(async () => {
  chatServer = await startLogged('socketio-chat.js');
});
afterEach(async () => {
  await chatServer?.stop();
});

const PARAMS = { protocol: 'socketio', event: 'new message', join: 'add user' };

/** Names that joined on connections still open, in order. */
const joinedOpen = (log) =>
  log.connections.filter((c) => c.open && c.events[0]?.[0] === 'add user').map((c) => c.events[0][1]);

/**
 * Asserts the join rule on every connection in the log: its first event is
 * `add user` with one of `names`, it joins once, and the server counted no
 * `new message` before `add user`.
 */
function assertJoinFirst(log, names) {
  assert.equal(log.newMessageBeforeAddUser, 0, `new message before add user: ${JSON.stringify(log.protocolErrors)}`);
  assert.deepEqual(log.protocolErrors, []);
  for (const { conn, events } of log.connections) {
    if (events.length === 0) continue;
    assert.equal(events[0][0], 'add user', `connection ${conn} first emitted ${JSON.stringify(events)}`);
    assert.ok(names.includes(events[0][1]), `connection ${conn} joined as ${JSON.stringify(events[0][1])}`);
    assert.equal(
      events.filter(([event]) => event === 'add user').length,
      1,
      `connection ${conn} joined more than once: ${JSON.stringify(events)}`,
    );
  }
}

/** Alice, then Bob, on the chat server, each joined (so each receives the other's broadcasts). */
async function pair() {
  const server = chatServer.url;
  const alice = await openChat(browser, relay.url, { ...PARAMS, server, name: 'alice' });
  await alice.chat.waitForStatus('open');
  await waitForLog(chatServer, (log) => joinedOpen(log).includes('alice'), 'Alice never joined');
  const bob = await openChat(browser, relay.url, { ...PARAMS, server, name: 'bob' });
  await bob.chat.waitForStatus('open');
  await waitForLog(chatServer, (log) => joinedOpen(log).includes('bob'), 'Bob never joined');
  return { alice, bob };
}

test('join=add user goes first; the others read {username, message}; no echo, so the entry stays sent', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair();

  await alice.chat.send('hi');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
  await alice.chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'hi', state: 'sent' });

  // Bob's message with the same text comes to Alice from bob: it is not her
  // echo, so her entry stays sent and his shows.
  await bob.chat.send('hi');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'hi' });
  await bob.chat.send('after');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'after' });

  const entries = await alice.chat.entries();
  assert.deepEqual(
    entries.filter((e) => e.text === 'hi').map((e) => [e.kind, e.sender, e.state]),
    [
      ['sent', 'me', 'sent'],
      ['received', 'bob', null],
    ],
    `Alice's hi stays sent, and Bob's hi is his:\n${summarize(entries)}`,
  );
  const bobs = await bob.chat.entries();
  assert.equal(
    bobs.filter((e) => e.kind === 'received' && e.text === 'hi').length,
    1,
    `Bob shows Alice's hi once:\n${summarize(bobs)}`,
  );

  const log = await waitForLog(
    chatServer,
    (log) => log.connections.flatMap((c) => c.events).filter(([e]) => e === 'new message').length === 3 && log,
    'the server never received the three messages',
  );
  assertJoinFirst(log, ['alice', 'bob']);
  assert.deepEqual(
    log.connections.map((c) => c.events),
    [
      [
        ['add user', 'alice'],
        ['new message', 'hi'],
      ],
      [
        ['add user', 'bob'],
        ['new message', 'hi'],
        ['new message', 'after'],
      ],
    ],
  );
  // On the wire: the namespace connect, then the join, then the message.
  await waitUntil(
    () => alice.sockets[0]?.sent.filter((f) => f !== '3').length >= 3,
    () => `Playwright never reported Alice's frames: ${JSON.stringify(alice.sockets[0]?.sent)}`,
  );
  assert.deepEqual(alice.sockets[0].sent.filter((f) => f !== '3'), ['40', '42["add user","alice"]', '42["new message","hi"]']);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('after a server restart add user again comes first, and a queued message follows it', { timeout: 120_000 }, async () => {
  const { alice, bob } = await pair();

  await chatServer.kill();
  for (const { chat } of [alice, bob]) {
    await chat.waitForEntry(isDisconnected);
    await chat.waitForStatus(['closed', 'connecting']);
  }
  await alice.chat.send('queued');
  await alice.chat.waitForEntry({ kind: 'sent', text: 'queued', state: 'pending' });

  chatServer = await chatServer.restart();
  for (const { chat } of [alice, bob]) await chat.waitForStatus('open');
  const log = await waitForLog(
    chatServer,
    (log) =>
      log.connections.some((c) => c.events.some(([e, arg]) => e === 'new message' && arg === 'queued')) &&
      joinedOpen(log).includes('bob') &&
      log,
    'the queued message and Bob\'s join never reached the restarted server',
  );
  assertJoinFirst(log, ['alice', 'bob']);
  const carrying = log.connections.filter((c) => c.events.some(([, arg]) => arg === 'queued'));
  assert.equal(carrying.length, 1, `the queued message went out once: ${JSON.stringify(log)}`);
  assert.deepEqual(carrying[0].events.slice(0, 2), [
    ['add user', 'alice'],
    ['new message', 'queued'],
  ]);
  await alice.chat.waitForEntry({ kind: 'sent', text: 'queued', state: 'sent' });

  // The restarted server pairs them as before.
  await waitForLog(chatServer, (log) => joinedOpen(log).sort().join() === 'alice,bob', 'both joined again');
  await alice.chat.send('again');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'again' });
  await alice.chat.waitForEntry({ kind: 'sent', text: 'again', state: 'sent' });

  const final = await chatServer.log();
  assertJoinFirst(final, ['alice', 'bob']);
  assert.equal(final.newMessageBeforeAddUser, 0);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});
