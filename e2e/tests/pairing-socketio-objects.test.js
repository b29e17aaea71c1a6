'use strict';
// Pairing with a Socket.IO server that reads object payloads
// (servers/socketio-objects.js): `event=chat&template={"name":"{name}","data":"{text}"}`
// sends an object whose `data` is exactly what was typed (the template
// escapes it); the server's io.emit echoes it to the sender, which folds it
// into `delivered`; a template that is not JSON once filled is refused and
// the default is used; and a server that refuses the page's Origin is
// reported once, naming that origin.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, openChat, isSystem, isConnected } = require('../lib/pairing');

const browser = useBrowser();
let relay;
let objects;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});
beforeEach(async () => {
  objects = await startLogged('socketio-objects.js');
});
afterEach(async () => {
  await objects?.stop();
});

const TEMPLATE = '{"name":"{name}","data":"{text}"}';
const PARAMS = { protocol: 'socketio', event: 'chat', template: TEMPLATE };
const NOTICE = 'payload must be an object with data';

/** Alice and Bob on the objects server, both in its namespace (so io.emit reaches both). */
async function pair({ alice: aliceParams = {} } = {}) {
  const server = objects.url;
  const alice = await openChat(browser, relay.url, { ...PARAMS, server, name: 'alice', ...aliceParams });
  const bob = await openChat(browser, relay.url, { ...PARAMS, server, name: 'bob' });
  for (const { chat } of [alice, bob]) await chat.waitForStatus('open');
  await waitForLog(objects, (log) => log.connections.filter((c) => c.open).length === 2, 'two sockets in the namespace');
  return { alice, bob };
}

test('object payloads carry the exact text, fold on the sender, and read as sent by name', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair();

  // What the template must escape inside a JSON string: quotes, a
  // backslash, a tab, a control character; and text beyond ASCII.
  const texts = ['hi', 'say "hi" \\ back\\n\tnot a newline \u0007 ünï 🎉 </script>', '{"data":"x"}'];
  for (const text of texts) {
    await alice.chat.send(text);
    await alice.chat.waitForEntry({ kind: 'sent', sender: 'me', text, state: 'delivered' });
    await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text });
  }
  const log = await waitForLog(objects, (log) => log.chat.length === texts.length && log, 'the server has every chat payload');
  assert.deepEqual(
    log.chat.map((c) => c.payload),
    texts.map((data) => ({ name: 'alice', data })),
    'each payload is the object {name, data}, with data exactly as typed',
  );
  assert.ok(log.chat.every((c) => c.accepted));

  // Bob's later message reaches Alice after her own echoes (io.emit keeps
  // order per socket): none of them added an entry.
  await bob.chat.send('after');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'after' });
  await bob.chat.waitForEntry({ kind: 'sent', text: 'after', state: 'delivered' });
  const entries = await alice.chat.entries();
  for (const text of texts) {
    assert.deepEqual(
      entries.filter((e) => e.text === text).map((e) => [e.kind, e.state]),
      [['sent', 'delivered']],
      `Alice's ${JSON.stringify(text)} is one entry, delivered:\n${summarize(entries)}`,
    );
  }
  assert.ok(!entries.some((e) => e.text === NOTICE), `the server refused nothing:\n${summarize(entries)}`);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a template that is not JSON once filled is refused, named, and the default template is used', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair({ alice: { template: '{"data":{text}}' } });

  const problem = await alice.chat.waitForEntry(isSystem(/\btemplate\b/));
  assert.equal(problem.sender, 'websocket');

  // The default socketio template sends the text as the event's one
  // argument: this server answers a string with a notice.
  await alice.chat.send('plain');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'notice', text: NOTICE });
  const log = await waitForLog(objects, (log) => log.chat.length === 1 && log, 'the server has the chat event');
  assert.deepEqual(log.chat.map((c) => [c.payload, c.accepted]), [['plain', false]]);
  assert.ok(
    log.packets.some((p) => p.raw === '42["chat","plain"]'),
    `the frame is the default 42["chat","<text>"]: ${JSON.stringify(log.packets)}`,
  );

  // Bob, with the valid template, still chats.
  await bob.chat.send('fine');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'fine' });
  const entries = await alice.chat.entries();
  assert.equal(entries.filter(isSystem(/\btemplate\b/)).length, 1, `reported once:\n${summarize(entries)}`);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a server that refuses the page\'s Origin: one line naming the origin, however many retries', { timeout: 90_000 }, async () => {
  const picky = await startLogged('socketio-objects.js', ['--allow-origin', 'http://example.invalid']);
  try {
    const alice = await openChat(browser, relay.url, { ...PARAMS, server: picky.url, name: 'alice' });
    const origin = new URL(relay.url).origin;
    const line = await alice.chat.waitForEntry(isSystem(/refused the connection/));
    assert.ok(line.text.includes(origin), `the line names the page's origin ${origin}: ${JSON.stringify(line.text)}`);
    assert.equal(line.sender, 'websocket');

    // Once the server has refused a third upgrade, the page has handled the
    // first two failures (it retries only after a failure): still one line.
    await waitForLog(picky, (log) => log.refused.length >= 3, 'the page retried fewer than three times');
    const entries = await alice.chat.entries();
    assert.equal(
      entries.filter(isSystem(/refused the connection/)).length,
      1,
      `one line for the run of refusals:\n${summarize(entries)}`,
    );
    assert.ok(!entries.some(isConnected), `the socket never opened:\n${summarize(entries)}`);
    const log = await picky.log();
    assert.ok(log.refused.every((r) => r.origin === origin), `every upgrade came from ${origin}: ${JSON.stringify(log.refused)}`);
    assert.deepEqual(log.connections, []);
    assert.notEqual((await alice.chat.status()).state, 'open');
    assert.deepEqual(alice.errors, []);
  } finally {
    await picky.stop();
  }
});
