'use strict';
// Pairing with a JSON relay that echoes each frame to its sender too
// (servers/echo-relay.js): with `echo=fold` (the default) the sender's own
// echo turns its sent entry `delivered` and adds no entry; with `echo=show`
// it shows as a received entry and the sent entry stays `sent`. Text mode
// without a `pattern` never folds. A `template` that is not JSON once filled
// is refused and the default is used.
//
// "No second entry" rests on order: the relay writes frames to a socket in
// the order it received them, so once a message Bob sent after Alice's has
// reached Alice, Alice's own echo has reached her too.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { waitUntil } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, openChat, isSystem } = require('../lib/pairing');

const browser = useBrowser();
let relay;
let echoRelay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});
// A relay of its own per test, so that its log is that test's alone.
beforeEach(async () => {
  echoRelay = await startLogged('echo-relay.js');
});
afterEach(async () => {
  await echoRelay?.stop();
});

/** Alice and Bob on the echo relay, both connected, with extra query `params` for each. */
async function pair({ alice: aliceParams = {}, bob: bobParams = {} } = {}) {
  const server = `${echoRelay.wsUrl}/`;
  const alice = await openChat(browser, relay.url, { server, name: 'alice', ...aliceParams });
  const bob = await openChat(browser, relay.url, { server, name: 'bob', ...bobParams });
  for (const { chat } of [alice, bob]) await chat.waitForStatus('open');
  // Open in the browser means the relay accepted the socket, so it is among
  // the clients each frame is written to.
  await waitForLog(echoRelay, (log) => log.filter((c) => c.open).length === 2, 'two open connections');
  return { alice, bob };
}

/** Bob sends `text` and Alice receives it: everything the relay wrote to Alice before it has arrived. */
async function flushWith(alice, bob, text) {
  await bob.chat.send(text);
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text });
}

/** The frames the relay received from the connection that sent `name` frames, parsed. */
function framesFrom(log, name) {
  return log.flatMap((c) => c.frames.map((f) => JSON.parse(f))).filter((f) => f.name === name);
}

test('echo=fold (default): the own echo makes the sent entry delivered, and nothing else', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair();

  await alice.chat.send('hi');
  await alice.chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'hi', state: 'delivered' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });

  // Text that JSON must escape, and text outside ASCII, folds too.
  const tricky = 'she said "hi" \\ back\tté ünïcödé 🎉 <b>x</b>';
  await alice.chat.send(tricky);
  await alice.chat.waitForEntry({ kind: 'sent', text: tricky, state: 'delivered' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: tricky });

  await flushWith(alice, bob, 'after');
  const entries = await alice.chat.entries();
  for (const text of ['hi', tricky]) {
    const same = entries.filter((e) => e.text === text);
    assert.deepEqual(
      same.map((e) => [e.kind, e.state]),
      [['sent', 'delivered']],
      `exactly one ${JSON.stringify(text)} entry on Alice's page, sent and delivered:\n${summarize(entries)}`,
    );
  }
  const bobs = await bob.chat.entries();
  assert.equal(
    bobs.filter((e) => e.kind === 'received' && e.text === 'hi').length,
    1,
    `Bob shows Alice's hi once:\n${summarize(bobs)}`,
  );
  assert.deepEqual(
    bobs.filter((e) => e.text === 'after').map((e) => [e.kind, e.state]),
    [['sent', 'delivered']],
    `Bob's own message folds on his page too:\n${summarize(bobs)}`,
  );

  const log = await echoRelay.log();
  assert.deepEqual(
    framesFrom(log, 'alice'),
    [
      { name: 'alice', msg: 'hi' },
      { name: 'alice', msg: tricky },
    ],
    'the relay received each of Alice\'s messages once, as the default json frame',
  );
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('echo=show: the own echo shows as a received entry and the sent entry is never delivered', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair({ alice: { echo: 'show' } });

  await alice.chat.send('hi');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
  await flushWith(alice, bob, 'after');

  const entries = await alice.chat.entries();
  assert.deepEqual(
    entries.filter((e) => e.text === 'hi').map((e) => [e.kind, e.sender, e.state]),
    [
      ['sent', 'me', 'sent'],
      ['received', 'alice', null],
    ],
    `Alice shows her sent hi (still sent) and its echo:\n${summarize(entries)}`,
  );
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('text mode without a pattern never folds: the echoed text shows from server', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair({ alice: { protocol: 'text' }, bob: { protocol: 'text' } });

  await alice.chat.send('hi');
  // The relay sends the raw text back: it equals the sent text, has no
  // sender, and comes at once, yet text mode without a pattern keeps it.
  await alice.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'hi' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'hi' });
  await bob.chat.send('after');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'after' });

  const entries = await alice.chat.entries();
  assert.deepEqual(
    entries.filter((e) => e.text === 'hi').map((e) => [e.kind, e.state]),
    [
      ['sent', 'sent'],
      ['received', null],
    ],
    `Alice shows her hi, not delivered, and the server's hi:\n${summarize(entries)}`,
  );
  const log = await echoRelay.log();
  assert.deepEqual(
    log.map((c) => c.frames).sort(),
    [['after'], ['hi']],
    'text mode sends the raw text, and nothing else',
  );
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('json: a template that is not JSON once filled is refused, and the default template is used', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair({ alice: { template: '{"msg":{text}}' } });

  const problem = await alice.chat.waitForEntry(isSystem(/\btemplate\b/));
  assert.equal(problem.sender, 'websocket');

  await alice.chat.send('plain');
  await alice.chat.waitForEntry({ kind: 'sent', text: 'plain', state: 'delivered' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'plain' });
  await waitUntil(
    async () => framesFrom((await echoRelay.log()) ?? [], 'alice').length > 0,
    'the relay never received Alice\'s frame',
  );
  assert.deepEqual(
    framesFrom(await echoRelay.log(), 'alice'),
    [{ name: 'alice', msg: 'plain' }],
    'the default json template was used',
  );
  const entries = await alice.chat.entries();
  assert.equal(
    entries.filter(isSystem(/\btemplate\b/)).length,
    1,
    `the template is reported once:\n${summarize(entries)}`,
  );
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});
