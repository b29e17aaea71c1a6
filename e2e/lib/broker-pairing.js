'use strict';
// The specs of issue 17, item 5, written once and run against each broker
// by tests/brokers-stomp.test.js, brokers-mqtt.test.js and
// brokers-nats.test.js (NATS's cluster failover is in its own file).
//
// A profile says how to reach one broker from the page, with the query of
// shared CONTRACT.md ("Configuration at run time": `protocol`, `server`,
// `topic`, `publish`, `user`, and the token in the fragment as the
// password):
// - `protocol`: the page's `protocol` value, and the Node client's kind
//   (lib/broker-clients.js);
// - `start()`, `startGuarded(password)`: the broker, open to anyone who
//   knows its default login, and one that takes `password` only;
// - `server(broker, port)`: the page's `server` value for the broker, or
//   for the same path on another port (a gate in front of it);
// - `login`, `guardedLogin(password)`: `{user, token}` for the page
//   (either may be absent) and the Node client's options for the same;
// - `topics`: what `topic` means for this broker (its default, and two
//   topics of its own for a pair that never hears its own messages).
//
// The page is served by the reference relay (lib/servers.js startRelay);
// its default `/ws` is not used.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ChatPage, summarize } = require('./chat-page');
const { brokerClient } = require('./broker-clients');
const { probeSockets } = require('./socket-probe');
const { recordConsole, tokenLeaks } = require('./secrets');
const { startGate, waitFor, receivedTexts } = require('./reconnect-helpers');
const { SOCKET_FAILURES } = require('./pairing');
const { startRelay } = require('./servers');
const { before, after, afterEach } = require('node:test');

/**
 * How long a wait that spans a broker's restart or a reconnect may take
 * before the test fails: RabbitMQ alone takes 7-12 s to start on 2 idle
 * cores, the backoff waits up to 5 s, and a loaded machine adds to each.
 * A bound for giving up, never a measurement.
 */
const BROKER_WAIT_MS = 120_000;
/** A system line that says the broker refused the login; the wording is not in the contract. */
const REFUSED = /refus|reject|unauthori[sz]ed|not authori[sz]ed|authori[sz]ation|denied|forbidden|invalid|password|passcode|credential|token|login/i;
/** Longer than the longest backoff (5 s + 25% jitter): a client that retried would show in it. */
const NO_RETRY_WINDOW_MS = 8_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A password of letters, digits and `-`, unique per run. */
const makeToken = (word) => `${word}-${crypto.randomBytes(8).toString('hex')}`;

/**
 * A fresh page (its own context) on the app at `appUrl` with query
 * `params` and, when `token` is given, `#token=<token>`; its sockets probed
 * inside the page and its console recorded. Waits until the app runs.
 */
async function openOnBroker(browser, appUrl, params, { token } = {}) {
  const { page, errors } = await browser.newPage({ allow: SOCKET_FAILURES });
  const probe = await probeSockets(page);
  const consoleLines = recordConsole(page);
  const chat = new ChatPage(page);
  const url = new URL(appUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (token !== undefined) url.hash = `token=${encodeURIComponent(token)}`;
  await page.goto(url.href);
  await chat.waitForApp();
  return { page, errors, probe, consoleLines, chat, url: url.href };
}

/** The page's query for `profile` on `server`, as `name`, plus `extra`. */
function queryFor(profile, server, name, login, extra = {}) {
  const params = { protocol: profile.protocol, server, name, ...extra };
  if (login.user !== undefined) params.user = login.user;
  return params;
}

/**
 * Opens `name`'s page on the broker and waits until it is open and has
 * subscribed: `#status` open says the socket is, not that the broker has
 * taken the subscription, and a message published before that is lost for
 * this page (seen with RabbitMQ just started). So a Node client on
 * `hearVia` (the broker's URL by default) publishes on the page's topic
 * until the page shows one of its messages (from `watcher`). `hearVia:
 * null` skips that (a broker the Node client has no login for).
 */
async function join(ctx, name, { server, login = ctx.profile.login, extra = {}, hearVia } = {}) {
  const who = await openOnBroker(
    ctx.browser,
    ctx.appUrl(),
    queryFor(ctx.profile, server ?? ctx.profile.server(ctx.broker), name, login, extra),
    { token: login.token },
  );
  await who.chat.waitForStatus('open', { timeout: BROKER_WAIT_MS });
  if (hearVia !== null) {
    const watcher = await waitUntilHeard(ctx.profile, hearVia ?? ctx.profile.server(ctx.broker), who, extra.topic);
    await watcher.close();
  }
  return who;
}

/** Waits for `chat`'s sent entry with `text` in `state`. */
function waitForSent(chat, text, state, timeout = BROKER_WAIT_MS) {
  return chat.waitForEntry({ kind: 'sent', text, state }, { timeout });
}

/** `text` from `from` reaches `to`, and `from`'s entry becomes delivered. */
async function sendAcross(from, fromName, to, text) {
  await from.chat.send(text);
  await to.chat.waitForEntry({ kind: 'received', sender: fromName, text }, { timeout: BROKER_WAIT_MS });
  await waitForSent(from.chat, text, 'delivered');
}

/** Entries of `chat` received with `text` (its own echo shown as received, say). */
async function receivedWith(chat, text) {
  return (await chat.entries()).filter((e) => e.kind === 'received' && e.text === text);
}

function assertNoErrors(...pages) {
  for (const who of pages) assert.deepEqual(who.errors, [], 'the page reported no error');
}

/**
 * A Node client of the broker, connected with the profile's login: it
 * subscribes to `topic` and can publish there.
 */
async function nodeClient(profile, url, { topic = profile.topics.default, login = profile.clientLogin } = {}) {
  const client = brokerClient(profile.protocol, url, login);
  const { ok, reply } = await client.connect();
  assert.ok(ok, `a Node client connects to ${url}: ${JSON.stringify(reply)}`);
  await client.subscribe(topic);
  return client;
}

/**
 * Registers the hooks of a broker spec file: the relay that serves the
 * app and the profile's broker start before its tests and stop after them;
 * brokers a test starts besides (`ctx.extraBrokers`) stop after it.
 * Returns `ctx`: `{profile, browser, broker, appUrl(), extraBrokers}`;
 * `ctx.broker` is the current handle (a restart replaces it).
 */
function useBroker(profile, browser) {
  let relay;
  const ctx = { profile, browser, broker: null, extraBrokers: [], appUrl: () => relay.url };
  before(async () => {
    relay = await startRelay();
    ctx.broker = await profile.start();
  });
  afterEach(async () => {
    await Promise.all(ctx.extraBrokers.splice(0).map((broker) => broker.stop()));
  });
  after(async () => {
    await ctx.broker?.stop();
    await relay?.stop();
  });
  return ctx;
}

/**
 * Waits until `who`'s page is open and subscribed to `topic`: a Node client
 * on `url` (returned, subscribed to `topic` too) publishes there until one
 * more of its messages shows on the page, as sent by `watcher`.
 */
async function waitUntilHeard(profile, url, who, topic = profile.topics.default) {
  await who.chat.waitForStatus('open', { timeout: BROKER_WAIT_MS });
  const watcher = await nodeClient(profile, url, { topic });
  const heard = async () => (await who.chat.entries()).filter((e) => e.kind === 'received' && e.sender === 'watcher').length;
  const before = await heard();
  let n = 0;
  await waitFor(
    async () => {
      await watcher.publish(topic, JSON.stringify({ name: 'watcher', msg: `are you there? ${n++}` }));
      return (await heard()) > before;
    },
    async () => `the page never heard the topic again:\n${summarize(await who.chat.entries())}`,
    { timeout: BROKER_WAIT_MS, interval: 250 },
  );
  return watcher;
}

/** The row holding the entry whose text is exactly `text` (its note and buttons are beside the entry). */
function rowOf(page, text) {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.locator('#chat-text .row', { has: page.locator('.entry .text', { hasText: exact }) });
}

// ---- the scenarios ----------------------------------------------------

/**
 * Two pages pair on the broker's default topic: messages both ways, each
 * sender's entry delivered, and no page shows its own message twice (the
 * broker sends it back to its sender, who is subscribed too: it folds).
 */
async function pairsBothWays(ctx) {
  const alice = await join(ctx, 'alice');
  const bob = await join(ctx, 'bob');

  await sendAcross(alice, 'alice', bob, 'hi bob, through the broker');
  await sendAcross(bob, 'bob', alice, 'hi alice, loud and clear');
  await sendAcross(alice, 'alice', bob, '<b>markup</b> & "quotes" stay text');

  for (const [who, own] of [[alice, ['hi bob, through the broker', '<b>markup</b> & "quotes" stay text']], [bob, ['hi alice, loud and clear']]]) {
    for (const text of own) {
      assert.deepEqual(await receivedWith(who.chat, text), [], `its own echo folded:\n${summarize(await who.chat.entries())}`);
    }
  }
  assert.deepEqual(await receivedTexts(bob.chat, 'alice'), ['hi bob, through the broker', '<b>markup</b> & "quotes" stay text']);
  assert.deepEqual(await receivedTexts(alice.chat, 'bob'), ['hi alice, loud and clear']);
  assertNoErrors(alice, bob);
}

/**
 * The ✓ comes from the broker's acknowledgement, not from an echo:
 * - with `echo=show`, the broker's copy of Alice's message shows as a
 *   received entry, and her sent entry is delivered all the same;
 * - with `topic` and `publish` crossed (Alice listens on one topic and
 *   writes to the other, Bob the reverse), no copy of a message ever comes
 *   back to its sender, and each sent entry is delivered.
 */
async function deliveredFromTheAcknowledgement(ctx) {
  const alice = await join(ctx, 'alice', { extra: { echo: 'show' } });
  const bob = await join(ctx, 'bob');
  await sendAcross(alice, 'alice', bob, 'my own copy shows');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'my own copy shows' }, { timeout: BROKER_WAIT_MS });
  await waitForSent(alice.chat, 'my own copy shows', 'delivered');

  const [toCarol, toDave] = ctx.profile.topics.pair;
  const carol = await join(ctx, 'carol', { extra: { topic: toCarol, publish: toDave } });
  const dave = await join(ctx, 'dave', { extra: { topic: toDave, publish: toCarol } });
  await sendAcross(carol, 'carol', dave, 'only dave hears this');
  await sendAcross(dave, 'dave', carol, 'only carol hears this');
  await sendAcross(carol, 'carol', dave, 'and this');
  for (const [who, name] of [[carol, 'carol'], [dave, 'dave']]) {
    const entries = await who.chat.entries();
    assert.ok(
      entries.filter((e) => e.kind === 'received').every((e) => e.sender !== name),
      `no copy of its own message came back, yet each is delivered:\n${summarize(entries)}`,
    );
  }
  assert.deepEqual(await receivedTexts(dave.chat, 'carol'), ['only dave hears this', 'and this']);
  assert.deepEqual(await receivedTexts(carol.chat, 'dave'), ['only carol hears this']);
  // The default topic heard nothing of the crossed pair.
  for (const who of [alice, bob]) {
    const entries = await who.chat.entries();
    assert.ok(
      entries.every((e) => !['carol', 'dave'].includes(e.sender)),
      `the default topic heard nothing of carol and dave:\n${summarize(entries)}`,
    );
  }
  assertNoErrors(alice, bob, carol, dave);
}

/**
 * The broker stops while Alice has messages queued: they stay pending; the
 * broker starts again on the same port; she reconnects, subscribes again,
 * and every queued message reaches Bob once, in order.
 *
 * Alice reaches the broker through a gate (lib/reconnect-helpers.js
 * startGate), shut while the broker restarts, so that she comes back only
 * once Bob has: the broker keeps nothing for a subscriber that is away,
 * and the test is about Alice's queue, not about who is first. Bob is back
 * once a Node client's message on the topic reaches his page.
 */
async function restartWithMessagesQueued(ctx) {
  const { profile } = ctx;
  let broker = ctx.broker;
  const gate = await startGate(broker.ports[profile.wsPort]);
  let watcher;
  try {
    const alice = await join(ctx, 'alice', { server: profile.server(broker, gate.port) });
    const bob = await join(ctx, 'bob');
    await sendAcross(alice, 'alice', bob, 'before the restart');
    await sendAcross(bob, 'bob', alice, 'heard you');

    await broker.stop();
    for (const who of [alice, bob]) {
      await who.chat.waitForStatus(['closed', 'connecting'], { timeout: BROKER_WAIT_MS });
    }
    const queued = ['queued 1', 'queued 2', 'queued 3'];
    for (const text of queued) await alice.chat.send(text);
    for (const text of queued) {
      const entry = await alice.chat.waitForEntry({ kind: 'sent', text });
      assert.equal(entry.state, 'pending', `${text} waits in the outbox:\n${summarize(await alice.chat.entries())}`);
    }

    gate.shut();
    broker = await broker.restart();
    ctx.broker = broker;
    watcher = await waitUntilHeard(profile, profile.server(broker), bob);
    for (const text of queued) {
      assert.equal((await alice.chat.waitForEntry({ kind: 'sent', text })).state, 'pending', `${text} still waits`);
    }

    gate.open();
    await alice.chat.waitForStatus('open', { timeout: BROKER_WAIT_MS });
    for (const text of queued) {
      await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text }, { timeout: BROKER_WAIT_MS });
      await waitForSent(alice.chat, text, 'delivered');
    }
    // Alice subscribed again: she hears Bob.
    await sendAcross(bob, 'bob', alice, 'welcome back');
    // Order makes "once" provable: a copy of a queued message would have
    // come before this one, on the same socket.
    await sendAcross(alice, 'alice', bob, 'after the restart');
    const expected = ['before the restart', ...queued, 'after the restart'];
    assert.deepEqual(await receivedTexts(bob.chat, 'alice'), expected, 'Bob shows each of Alice\'s messages once, in order');
    await watcher.waitFor(
      (messages) => messages.some((m) => m.body.includes('after the restart')),
      'the Node subscriber never got Alice\'s last message',
    );
    const atBroker = watcher.messages.map((m) => m.body).filter((body) => queued.some((text) => body.includes(`"${text}"`)));
    assert.equal(atBroker.length, queued.length, `the broker carried each queued message once: ${JSON.stringify(watcher.messages)}`);
    assertNoErrors(alice, bob);
  } finally {
    await watcher?.close();
    await gate.close();
  }
}

/**
 * A message the broker never read is not delivered: the broker is frozen
 * (SIGSTOP: its sockets stay open, it reads nothing), Alice sends, her
 * entry is handed to the open socket (`sent`) but gets no acknowledgement;
 * the broker is killed frozen, so the message dies unread with it. Her
 * entry becomes `uncertain`, never `delivered`, and is not sent again by
 * itself once she is back on the restarted broker; Resend sends it, and
 * then it is delivered and Bob gets it once.
 */
async function unacknowledgedIsUncertain(ctx) {
  const { profile } = ctx;
  let broker = ctx.broker;
  let watcher;
  try {
    const alice = await join(ctx, 'alice');
    const bob = await join(ctx, 'bob');
    await sendAcross(alice, 'alice', bob, 'before the freeze');

    broker.pause();
    await alice.chat.send('never read');
    // Handed to the socket; a link that found the broker silent may have
    // given up on it already, which makes it uncertain at once.
    const handed = await waitFor(
      async () => {
        const entry = (await alice.chat.entries()).find((e) => e.kind === 'sent' && e.text === 'never read');
        return ['sent', 'uncertain', 'delivered'].includes(entry?.state) && entry;
      },
      async () => `'never read' was never handed to the socket:\n${summarize(await alice.chat.entries())}`,
      { timeout: BROKER_WAIT_MS },
    );
    assert.notEqual(handed.state, 'delivered', 'a frozen broker acknowledged nothing');
    await broker.kill();
    await waitFor(
      async () => (await alice.chat.entries()).find((e) => e.kind === 'sent' && e.text === 'never read')?.state === 'uncertain',
      async () => `'never read' did not become uncertain:\n${summarize(await alice.chat.entries())}`,
      { timeout: BROKER_WAIT_MS },
    );
    const row = rowOf(alice.page, 'never read');
    assert.equal(await row.locator('button.resend').count(), 1, 'an uncertain entry offers resend');

    broker = await broker.restart();
    ctx.broker = broker;
    watcher = await waitUntilHeard(profile, profile.server(broker), bob);
    await alice.chat.waitForStatus('open', { timeout: BROKER_WAIT_MS });
    // Order makes "not sent again" provable: a copy sent by itself would
    // reach Bob before this one.
    await sendAcross(alice, 'alice', bob, 'after the restart');
    assert.deepEqual(await receivedTexts(bob.chat, 'alice'), ['before the freeze', 'after the restart'],
      'the message the broker never read did not arrive, and was not sent again by itself');
    assert.equal(
      (await alice.chat.entries()).find((e) => e.kind === 'sent' && e.text === 'never read')?.state,
      'uncertain',
      'it stays uncertain until the user acts',
    );

    await row.locator('button.resend').click();
    await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'never read' }, { timeout: BROKER_WAIT_MS });
    await waitForSent(alice.chat, 'never read', 'delivered');
    await sendAcross(alice, 'alice', bob, 'last');
    assert.deepEqual(await receivedTexts(bob.chat, 'alice'), ['before the freeze', 'after the restart', 'never read', 'last']);
    assertNoErrors(alice, bob);
  } finally {
    await watcher?.close();
  }
}

/**
 * A wrong password: the broker refuses it in its own way (STOMP `ERROR`,
 * MQTT CONNACK 4 or 5, NATS `-ERR 'Authorization Violation'`); the page
 * shows one system line that says so, does not try again by itself, and
 * shows the password nowhere. The right password on the same broker
 * connects, so the refusal is about the password.
 *
 * "No retry" is what the page's socket probe counted over a window longer
 * than the longest backoff once the line shows: a loaded machine can only
 * make a retrying client retry less, never make a correct one retry.
 */
async function wrongPasswordIsRefused(ctx) {
  const { profile } = ctx;
  const password = makeToken('right');
  const wrong = makeToken('wrong');
  const guarded = await profile.startGuarded(password);
  ctx.extraBrokers.push(guarded);

  const right = await join(ctx, 'alice', { server: profile.server(guarded), login: profile.guardedLogin(password), hearVia: null });
  await right.chat.send('the right password works');
  await waitForSent(right.chat, 'the right password works', 'delivered');

  const carol = await openOnBroker(
    ctx.browser,
    ctx.appUrl(),
    queryFor(profile, profile.server(guarded), 'carol', profile.guardedLogin(wrong)),
    { token: wrong },
  );
  const lines = await waitFor(
    async () => {
      const found = (await carol.chat.entries()).filter((e) => e.kind === 'system' && REFUSED.test(e.text ?? '') && !/^connected/.test(e.text));
      return found.length > 0 && found;
    },
    async () => `no system line says the broker refused the password:\n${summarize(await carol.chat.entries())}`,
    { timeout: BROKER_WAIT_MS },
  );
  const socketsAtLine = (await carol.probe.sockets()).length;
  await sleep(NO_RETRY_WINDOW_MS);
  const sockets = await carol.probe.sockets();
  const entries = await carol.chat.entries();
  assert.ok(
    sockets.length - socketsAtLine <= 1 && sockets.length <= 2,
    `no retry loop: ${socketsAtLine} sockets when the line showed, ${sockets.length} after ${NO_RETRY_WINDOW_MS} ms:\n${summarize(entries)}`,
  );
  const refusals = entries.filter((e) => e.kind === 'system' && REFUSED.test(e.text ?? '') && !/^(?:connected|disconnected)/.test(e.text));
  assert.equal(
    (refusals.length > 0 ? refusals : lines).length,
    1,
    `one line says the password was refused:\n${summarize(entries)}`,
  );
  const status = await carol.chat.status();
  assert.equal(status.state, 'closed', `not connecting again by itself: ${JSON.stringify(status)}`);
  // RabbitMQ keeps the socket open after its ERROR: the page closes it.
  assert.ok(sockets.every((s) => s.closed), `the refused socket is closed: ${JSON.stringify(sockets)}`);
  assert.deepEqual(await tokenLeaks(carol.page, carol.chat, wrong, carol.consoleLines), [], 'the wrong password shows nowhere');
  assert.deepEqual(await tokenLeaks(right.page, right.chat, password, right.consoleLines), [], 'the password shows nowhere');
  assertNoErrors(right, carol);
}

module.exports = {
  useBroker,
  BROKER_WAIT_MS,
  NO_RETRY_WINDOW_MS,
  REFUSED,
  makeToken,
  openOnBroker,
  join,
  sendAcross,
  waitForSent,
  receivedWith,
  assertNoErrors,
  nodeClient,
  pairsBothWays,
  deliveredFromTheAcknowledgement,
  restartWithMessagesQueued,
  unacknowledgedIsUncertain,
  wrongPasswordIsRefused,
};
