'use strict';
// Pairing with a "first frame is the username" server
// (servers/first-frame.js) in text mode: `join={name}` sends the name as the
// first frame of every socket, also after the server restarts and with a
// message queued meanwhile; `pattern={name}: {text}` reads `alice: hi` as
// `hi` from `alice` (folding Alice's own echo into `delivered`) and shows
// `alice joined.` verbatim from `server`.
//
// "No second entry" rests on order: the server writes lines to a socket in
// the order it received the frames, so once a line that Bob sent after
// Alice's message has reached Alice, Alice's own echo has reached her too.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, openChat, isDisconnected } = require('../lib/pairing');
const { waitUntil } = require('../lib/settings-page');

const browser = useBrowser();
let relay;
let firstFrame;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});
beforeEach(async () => {
  firstFrame = await startLogged('first-frame.js');
});
afterEach(async () => {
  await firstFrame?.stop();
});

const PARAMS = { protocol: 'text', join: '{name}', pattern: '{name}: {text}' };
const fromServer = (text) => ({ kind: 'received', sender: 'server', text });

/** Open connections in the log, by the name each sent first. */
const openNames = (log) => log.filter((c) => c.open && c.frames.length > 0).map((c) => c.frames[0]);

/** Alice, then Bob, on the first-frame server, both joined. */
async function pair() {
  const server = `${firstFrame.wsUrl}/`;
  const alice = await openChat(browser, relay.url, { ...PARAMS, server, name: 'alice' });
  await alice.chat.waitForStatus('open');
  await alice.chat.waitForEntry(fromServer('alice joined.'));
  const bob = await openChat(browser, relay.url, { ...PARAMS, server, name: 'bob' });
  await bob.chat.waitForStatus('open');
  await bob.chat.waitForEntry(fromServer('bob joined.'));
  await alice.chat.waitForEntry(fromServer('bob joined.'));
  return { alice, bob };
}

/** Asserts that every connection in the log sent one of `names` first, and no name after. */
function assertNameFirst(log, names) {
  for (const { conn, frames } of log) {
    if (frames.length === 0) continue;
    assert.ok(names.includes(frames[0]), `connection ${conn} sent ${JSON.stringify(frames)}: its first frame is not a name`);
    assert.ok(
      frames.slice(1).every((f) => !names.includes(f)),
      `connection ${conn} sent ${JSON.stringify(frames)}: a name again after the first frame`,
    );
  }
}

test('join={name} and pattern={name}: {text}: the name goes first, own lines fold, others read by sender', { timeout: 90_000 }, async () => {
  const { alice, bob } = await pair();

  const joined = await firstFrame.log();
  assert.deepEqual(
    joined.map((c) => c.frames),
    [['alice'], ['bob']],
    'each socket sent its name, and only that, on joining',
  );

  await alice.chat.send('hi');
  await alice.chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'hi', state: 'delivered' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
  // A line whose text holds the pattern's separator: the sender is what
  // comes before the first one.
  await alice.chat.send('a: b');
  await alice.chat.waitForEntry({ kind: 'sent', text: 'a: b', state: 'delivered' });
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'a: b' });

  await bob.chat.send('after');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'after' });
  await bob.chat.waitForEntry({ kind: 'sent', text: 'after', state: 'delivered' });

  const entries = await alice.chat.entries();
  for (const text of ['hi', 'a: b']) {
    assert.deepEqual(
      entries.filter((e) => e.text === text || e.text === `alice: ${text}`).map((e) => [e.kind, e.state]),
      [['sent', 'delivered']],
      `Alice's ${JSON.stringify(text)} is one entry, delivered; her echo added nothing:\n${summarize(entries)}`,
    );
  }
  assert.ok(
    entries.some((e) => e.kind === 'received' && e.sender === 'server' && e.text === 'alice joined.'),
    `a line the pattern does not read shows verbatim from server:\n${summarize(entries)}`,
  );
  assert.ok(
    !entries.some((e) => e.kind === 'received' && e.sender !== 'server' && /joined\.$/.test(e.text ?? '')),
    `no joined line was read as a chat line:\n${summarize(entries)}`,
  );

  const log = await firstFrame.log();
  assertNameFirst(log, ['alice', 'bob']);
  assert.deepEqual(log.map((c) => c.frames), [['alice', 'hi', 'a: b'], ['bob', 'after']]);

  // Bob leaves: the server's line shows verbatim on Alice's page.
  await bob.page.close();
  await alice.chat.waitForEntry(fromServer('bob left.'));
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('after a server restart the name is again the first frame, and a queued message follows it', { timeout: 120_000 }, async () => {
  const { alice, bob } = await pair();
  await waitForLog(firstFrame, (log) => openNames(log).sort().join() === 'alice,bob', 'both joined');

  await firstFrame.kill();
  for (const { chat } of [alice, bob]) {
    await chat.waitForEntry(isDisconnected);
    await chat.waitForStatus(['closed', 'connecting']);
  }
  await alice.chat.send('queued');
  await alice.chat.waitForEntry({ kind: 'sent', text: 'queued', state: 'pending' });

  firstFrame = await firstFrame.restart();
  // Reconnect at once rather than at the next retry, so that the echo of
  // the queued message comes well within the 10 s that folding allows.
  for (const { chat } of [alice, bob]) await chat.reconnectButton.click();
  for (const { chat } of [alice, bob]) await chat.waitForStatus('open');

  const log = await waitForLog(
    firstFrame,
    (log) => log.some((c) => c.frames.includes('queued')) && openNames(log).includes('bob') && log,
    'the queued message and Bob\'s name never reached the restarted server',
  );
  assertNameFirst(log, ['alice', 'bob']);
  const carrying = log.filter((c) => c.frames.includes('queued'));
  assert.equal(carrying.length, 1, `the queued message went out once: ${JSON.stringify(log)}`);
  assert.deepEqual(carrying[0].frames.slice(0, 2), ['alice', 'queued'], 'the name first, then the queued message');
  assert.equal(carrying[0].frames.filter((f) => f === 'queued').length, 1);

  await alice.chat.waitForEntry({ kind: 'sent', text: 'queued', state: 'delivered' });
  // Joined again on the restarted server: at least twice in all, since
  // the page may have reconnected by itself just before the click, and then
  // joined once more after it.
  const aliceJoined = (e) => e.kind === 'received' && e.sender === 'server' && e.text === 'alice joined.';
  await waitUntil(
    async () => (await alice.chat.entries()).filter(aliceJoined).length >= 2,
    async () => `alice joined the restarted server:\n${summarize(await alice.chat.entries())}`,
  );

  // The restarted server pairs them as before.
  await alice.chat.send('again');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'again' });
  await alice.chat.waitForEntry({ kind: 'sent', text: 'again', state: 'delivered' });
  await bob.chat.send('after');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'after' });
  const entries = await alice.chat.entries();
  for (const text of ['queued', 'again']) {
    assert.deepEqual(
      entries.filter((e) => e.text === text || e.text === `alice: ${text}`).map((e) => [e.kind, e.state]),
      [['sent', 'delivered']],
      `Alice's ${JSON.stringify(text)} is one entry, delivered:\n${summarize(entries)}`,
    );
  }
  // Every socket the page opened that sent anything sent the name first.
  for (const [who, { sockets }] of [['alice', alice], ['bob', bob]]) {
    for (const socket of sockets.filter((s) => s.sent.length > 0)) {
      assert.equal(socket.sent[0], who, `${who}'s socket sent ${JSON.stringify(socket.sent)}`);
    }
  }
  assertNameFirst(await firstFrame.log(), ['alice', 'bob']);
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('without a name the join waits for it; a new name goes out on a session joined under it', { timeout: 120_000 }, async () => {
  const server = `${firstFrame.wsUrl}/`;
  const carol = await openChat(browser, relay.url, { ...PARAMS, server });
  await carol.chat.waitForStatus('open');
  // Nothing to join as yet: the server heard nothing.
  await carol.chat.setName('carol');
  await carol.chat.send('hello');
  await carol.chat.waitForEntry({ kind: 'sent', text: 'hello', state: 'delivered' });
  let log = await firstFrame.log();
  assert.deepEqual(
    log.filter((c) => c.frames.length > 0).map((c) => c.frames),
    [['carol', 'hello']],
    'the name typed, then the message: never an empty name',
  );
  assert.ok(!log.some((c) => c.frames.includes('')), `no empty frame: ${JSON.stringify(log)}`);

  // Renamed, the next message goes out on a new session joined as the new name.
  await carol.chat.setName('caroline');
  await carol.chat.send('renamed');
  await carol.chat.waitForEntry({ kind: 'sent', text: 'renamed', state: 'delivered' });
  log = await waitForLog(firstFrame, (log) => log.some((c) => c.frames.includes('renamed')) && log, 'the renamed message');
  assert.deepEqual(
    log.filter((c) => c.frames.length > 0).map((c) => c.frames),
    [['carol', 'hello'], ['caroline', 'renamed']],
    'each session carried the messages of the name it joined under',
  );
  const entries = await carol.chat.entries();
  assert.equal(
    entries.filter((e) => e.text === 'renamed' || e.text === 'caroline: renamed').length,
    1,
    `the renamed message folded too:\n${summarize(entries)}`,
  );
  assert.deepEqual(carol.errors, []);
});
