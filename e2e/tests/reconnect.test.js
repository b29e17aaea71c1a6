'use strict';
// The connection comes back by itself (shared CONTRACT.md, "The
// connection"): after the relay dies the pages say so, retry with backoff,
// and reconnect to the restarted relay; what was written meanwhile waits in
// the outbox (which survives a reload) and goes out once each, in order.
// Junk from a server leaves the app alive.
//
// The relay keeps nothing for a client that is not connected, so in the
// outbox specs Alice reaches the relay through a TCP gate (lib/reconnect-
// helpers.js) that is opened only once Bob is back: otherwise Alice could
// flush her outbox before Bob has reconnected, and the relay would drop it.

const assert = require('node:assert/strict');
const { test, before } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { recordSockets } = require('../lib/settings-page');
const { startRelay, startServer } = require('../lib/servers');
const {
  RECONNECT_FAILURES,
  sleep,
  waitForDist,
  startGate,
  isConnected,
  isDisconnected,
  countEntries,
  waitFor,
  receivedTexts,
} = require('../lib/reconnect-helpers');

const browser = useBrowser();
const OUTBOX_KEY = 'wschat.outbox';
const BACK_WITHIN_MS = 8_000;

before(async () => {
  await waitForDist();
});

/** Opens the app at `base` as `name` and waits until it is connected. */
async function join(base, name, params = {}) {
  const { page, errors } = await browser.newPage({ allow: RECONNECT_FAILURES });
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(base, { name, ...params });
  await chat.waitForStatus('open');
  await chat.waitForEntry(isConnected);
  return { page, errors, sockets, chat };
}

/** The sent entries with these texts on `chat`, in the order shown. */
async function sentEntries(chat, texts) {
  return (await chat.entries()).filter((e) => e.kind === 'sent' && texts.includes(e.text));
}

/**
 * Waits until `receiver` shows each of `texts` from `sender`, waits a second
 * more for a late duplicate, and checks each arrived exactly once, in order.
 */
async function assertReceivedOnceInOrder(receiver, sender, texts) {
  await waitFor(
    async () => {
      const got = await receivedTexts(receiver, sender);
      return texts.every((text) => got.includes(text));
    },
    async () => `${sender}'s ${JSON.stringify(texts)} never all arrived; entries were:\n${summarize(await receiver.entries())}`,
  );
  await sleep(1_000);
  const got = (await receivedTexts(receiver, sender)).filter((text) => texts.includes(text));
  assert.deepEqual(
    got,
    texts,
    `each message exactly once, in order; entries were:\n${summarize(await receiver.entries())}`,
  );
}

test('relay killed and restarted on the same port: both pages reconnect and chat again', { timeout: 60_000 }, async (t) => {
  let relay = await startRelay();
  try {
    const alice = await join(relay.url, 'Alice');
    const bob = await join(relay.url, 'Bob');

    await relay.kill();
    const killedAt = Date.now();
    for (const { chat } of [alice, bob]) {
      await chat.waitForEntry(isDisconnected);
      const status = await chat.waitForStatus(['closed', 'connecting']);
      assert.notEqual(status.state, 'open');
    }
    // While it waits to retry, #status says when.
    await waitFor(
      async () => /^disconnected; reconnecting in \d+(\.\d)? s$/.test((await alice.chat.status()).text),
      async () => `#status never said "disconnected; reconnecting in N s": ${JSON.stringify(await alice.chat.status())}`,
      { timeout: 5_000, interval: 50 },
    );

    // Down for 4 s: the retries back off (about 0.5, 1, 2 s after the close)
    // rather than hammering, yet keep coming.
    await sleep(4_000 - (Date.now() - killedAt));
    for (const [who, { sockets }] of [['Alice', alice], ['Bob', bob]]) {
      const retries = sockets.length - 1;
      t.diagnostic(`${who}: ${retries} connect attempts in 4 s down`);
      assert.ok(
        retries >= 2 && retries <= 5,
        `${who} made ${retries} connect attempts in 4 s down; expected 2..5 with a 0.5 s doubling backoff`,
      );
    }
    for (const { chat } of [alice, bob]) {
      assert.equal(await countEntries(chat, isConnected), 1, 'no connected line while the relay is down');
    }

    relay = await relay.restart();
    const restartedAt = Date.now();
    for (const [who, { chat }] of [['Alice', alice], ['Bob', bob]]) {
      await chat.waitForStatus('open', { timeout: Math.max(1, BACK_WITHIN_MS - (Date.now() - restartedAt)) });
      await waitFor(
        async () => (await countEntries(chat, isConnected)) === 2,
        async () => `${who} shows no second connected line:\n${summarize(await chat.entries())}`,
        { timeout: 2_000 },
      );
    }
    // The new connected line comes after the disconnected line.
    const entries = await alice.chat.entries();
    assert.ok(
      entries.findLastIndex(isConnected) > entries.findIndex(isDisconnected),
      `the new connected line follows the disconnected one:\n${summarize(entries)}`,
    );

    await alice.chat.send('back again, Bob?');
    await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: 'back again, Bob?' });
    await alice.chat.waitForEntry({ kind: 'sent', text: 'back again, Bob?', state: 'sent' });
    await bob.chat.send('yes, Alice');
    await alice.chat.waitForEntry({ kind: 'received', sender: 'Bob', text: 'yes, Alice' });

    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await relay.kill();
  }
});

test('messages written while the relay is down go out once each, in order, after it returns', { timeout: 60_000 }, async () => {
  let relay = await startRelay();
  const gate = await startGate(relay.port);
  try {
    // Alice loads the page from the relay, and talks to it through the gate.
    const alice = await join(relay.url, 'Alice', { server: `${gate.wsUrl}/ws` });
    const bob = await join(relay.url, 'Bob');

    await relay.kill();
    gate.shut();
    await alice.chat.waitForEntry(isDisconnected);
    await alice.chat.waitForStatus(['closed', 'connecting']);

    const texts = ['m1', 'm2', 'm3'];
    for (const text of texts) await alice.chat.send(text);
    const pending = await sentEntries(alice.chat, texts);
    assert.deepEqual(
      pending.map((e) => [e.text, e.state]),
      texts.map((text) => [text, 'pending']),
      `written while down, each shows at once as pending:\n${summarize(await alice.chat.entries())}`,
    );
    const stored = await alice.page.evaluate((key) => sessionStorage.getItem(key), OUTBOX_KEY);
    assert.ok(stored && texts.every((text) => stored.includes(text)), `sessionStorage ${OUTBOX_KEY} holds them: ${stored}`);

    relay = await relay.restart();
    await bob.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    gate.open();
    const openedAt = Date.now();
    await alice.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    assert.ok(Date.now() - openedAt <= BACK_WITHIN_MS);

    await assertReceivedOnceInOrder(bob.chat, 'Alice', texts);
    const last = alice.sockets.at(-1);
    assert.deepEqual(
      last.sent.map((frame) => JSON.parse(frame).msg),
      texts,
      'the socket that opened last carried the outbox, each message once, in order',
    );
    await waitFor(
      async () => (await sentEntries(alice.chat, texts)).every((e) => e.state === 'sent'),
      async () => `Alice's entries never all became sent:\n${summarize(await alice.chat.entries())}`,
    );
    const after = await sentEntries(alice.chat, texts);
    assert.deepEqual(after.map((e) => e.text), texts, 'Alice shows each once, in the order written');
    assert.equal(
      await alice.page.evaluate((key) => sessionStorage.getItem(key), OUTBOX_KEY),
      null,
      'the stored outbox is cleared once it has drained',
    );

    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await gate.close();
    await relay.kill();
  }
});

test('a reload while the relay is down keeps the outbox, which goes out once after it returns', { timeout: 60_000 }, async () => {
  // The page must reload while the chat relay is down, so another relay.js
  // serves it (its own WebSocket endpoint is not used).
  const web = await startRelay();
  let relay = await startRelay();
  const gate = await startGate(relay.port);
  try {
    const alice = await join(web.url, 'Alice', { server: `${gate.wsUrl}/ws` });
    const bob = await join(web.url, 'Bob', { server: `${relay.wsUrl}/ws` });

    await relay.kill();
    gate.shut();
    await alice.chat.waitForEntry(isDisconnected);
    await alice.chat.waitForStatus(['closed', 'connecting']);

    const texts = ['m1', 'm2', 'm3'];
    for (const text of texts) await alice.chat.send(text);
    await waitFor(
      async () => (await sentEntries(alice.chat, texts)).length === 3,
      async () => `the three entries never showed:\n${summarize(await alice.chat.entries())}`,
    );

    await alice.page.reload();
    await alice.chat.waitForApp();
    const restored = await waitFor(
      async () => {
        const entries = await sentEntries(alice.chat, texts);
        return entries.length === 3 && entries;
      },
      async () => `after the reload the queued messages did not show again:\n${summarize(await alice.chat.entries())}`,
      { timeout: 5_000 },
    );
    assert.deepEqual(
      restored.map((e) => [e.text, e.state]),
      texts.map((text) => [text, 'pending']),
      `after the reload they show again as pending, in order:\n${summarize(await alice.chat.entries())}`,
    );
    assert.notEqual((await alice.chat.status()).state, 'open', 'still down after the reload');

    relay = await relay.restart();
    await bob.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    gate.open();
    await alice.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });

    await assertReceivedOnceInOrder(bob.chat, 'Alice', texts);
    await waitFor(
      async () => (await sentEntries(alice.chat, texts)).every((e) => e.state === 'sent'),
      async () => `Alice's entries never all became sent:\n${summarize(await alice.chat.entries())}`,
    );
    assert.deepEqual((await sentEntries(alice.chat, texts)).map((e) => e.text), texts);

    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await gate.close();
    await Promise.all([relay.kill(), web.kill()]);
  }
});

test('junk frames leave the app alive, across a reconnect too', { timeout: 60_000 }, async () => {
  const web = await startRelay();
  let hostile = await startServer('hostile.js');
  try {
    const { page, errors } = await browser.newPage({ allow: RECONNECT_FAILURES });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const chat = new ChatPage(page);
    await chat.goto(web.url, { server: `${hostile.wsUrl}/`, name: 'Tester' });
    await chat.waitForStatus('open');
    await chat.waitForEntry({ kind: 'received', sender: 'hostile', text: 'still here' });

    await chat.send('alive?');
    await chat.waitForEntry({ kind: 'sent', text: 'alive?', state: 'sent' });
    await chat.waitForEntry({ kind: 'received', sender: 'hostile', text: 'alive?' });

    // The server dies and comes back: the page reconnects and takes the junk
    // a second time.
    await hostile.kill();
    await chat.waitForEntry(isDisconnected);
    hostile = await hostile.restart();
    await chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    await waitFor(
      async () => (await countEntries(chat, (e) => e.kind === 'received' && e.text === 'still here')) === 2,
      async () => `the junk did not come a second time:\n${summarize(await chat.entries())}`,
    );
    await chat.send('still alive?');
    await chat.waitForEntry({ kind: 'sent', text: 'still alive?', state: 'sent' });
    await chat.waitForEntry({ kind: 'received', sender: 'hostile', text: 'still alive?' });
    assert.equal((await chat.status()).state, 'open');

    assert.deepEqual(pageErrors, [], 'no pageerror (a WebAssembly panic shows as one)');
    assert.deepEqual(errors, []);
  } finally {
    await Promise.all([hostile.kill(), web.kill()]);
  }
});

test('it retries at once on online, on the tab becoming visible and from Reconnect; Disconnect stays closed', { timeout: 60_000 }, async () => {
  let relay = await startRelay();
  try {
    const { page, errors, sockets, chat } = await join(relay.url, 'Alice');
    await relay.kill();
    await chat.waitForEntry(isDisconnected);

    /** Waits until #status says the next retry is at least `seconds` away. */
    const waitingAtLeast = (seconds) =>
      waitFor(
        async () => {
          const match = /^disconnected; reconnecting in (\d+) s$/.exec((await chat.status()).text);
          return match && Number(match[1]) >= seconds;
        },
        async () => `#status never said "reconnecting in N s" with N >= ${seconds}: ${JSON.stringify(await chat.status())}`,
        { timeout: 15_000, interval: 20 },
      );
    /** A new socket within 300 ms: sooner than the retry timer would make one. */
    const expectAttemptNow = async (what) => {
      const before = sockets.length;
      const started = Date.now();
      await what();
      await waitFor(
        () => sockets.length > before,
        () => `no connect attempt within 300 ms of ${what}`,
        { timeout: 300, interval: 10 },
      );
      return Date.now() - started;
    };

    await waitingAtLeast(2);
    await expectAttemptNow(() => page.evaluate(() => window.dispatchEvent(new Event('online'))));
    await waitingAtLeast(2);
    await expectAttemptNow(() =>
      page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true }))),
    );

    await waitingAtLeast(4);
    relay = await relay.restart();
    await expectAttemptNow(() => chat.reconnectButton.click());
    await chat.waitForStatus('open', { timeout: 1_000 });

    // Disconnect closes, says so, and stays closed.
    await chat.target.locator('#disconnect').click();
    await chat.waitForStatus('closed');
    await waitFor(
      async () => (await countEntries(chat, isDisconnected)) === 2,
      async () => `no disconnected line after Disconnect:\n${summarize(await chat.entries())}`,
      { timeout: 2_000 },
    );
    const after = sockets.length;
    await sleep(3_000);
    assert.equal(sockets.length, after, 'no connect attempt after Disconnect');
    assert.equal((await chat.status()).state, 'closed');

    await chat.reconnectButton.click();
    await chat.waitForStatus('open', { timeout: 2_000 });
    assert.deepEqual(errors, []);
  } finally {
    await relay.kill();
  }
});

test('a message handed over just before the relay died is marked uncertain, not resent by itself; resend and discard work', { timeout: 60_000 }, async () => {
  let relay = await startRelay();
  try {
    const alice = await join(relay.url, 'Alice');
    const bob = await join(relay.url, 'Bob');
    const entryOf = async (text) => (await sentEntries(alice.chat, [text]))[0];

    // u1 arrives, then the relay dies well within the 1 s uncertain window.
    await alice.chat.send('u1');
    await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: 'u1' });
    await relay.kill();
    await alice.chat.waitForEntry(isDisconnected);
    await waitFor(
      async () => (await entryOf('u1'))?.state === 'uncertain',
      async () => `u1 was not marked uncertain:\n${summarize(await alice.chat.entries())}`,
      { timeout: 3_000 },
    );
    const u1 = alice.page.locator('#chat-text .entry[data-state="uncertain"]', { hasText: 'u1' });
    assert.match(await u1.textContent(), /may not have arrived/);
    assert.equal(await u1.locator('button.resend').count(), 1, 'an uncertain entry offers resend');
    assert.equal(await u1.locator('button.discard').count(), 1, 'an uncertain entry offers discard');

    relay = await relay.restart();
    await alice.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    await bob.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    await sleep(1_500);
    assert.deepEqual(await receivedTexts(bob.chat, 'Alice'), ['u1'], 'the client did not resend u1 by itself');
    assert.deepEqual(alice.sockets.at(-1).sent, [], 'nothing went out on the new socket');
    assert.equal((await entryOf('u1')).state, 'uncertain', 'u1 stays uncertain until the user acts');

    // Resend: the user's choice, so Bob gets it a second time.
    await u1.locator('button.resend').click();
    await waitFor(
      async () => (await entryOf('u1'))?.state === 'sent',
      async () => `u1 never became sent after resend:\n${summarize(await alice.chat.entries())}`,
    );
    await waitFor(
      async () => (await receivedTexts(bob.chat, 'Alice')).length === 2,
      async () => `Bob did not get the resent u1:\n${summarize(await bob.chat.entries())}`,
    );
    assert.deepEqual(await receivedTexts(bob.chat, 'Alice'), ['u1', 'u1']);

    // Discard: u2 is dropped from the log and never sent again.
    await alice.chat.send('u2');
    await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: 'u2' });
    await relay.kill();
    await waitFor(
      async () => (await entryOf('u2'))?.state === 'uncertain',
      async () => `u2 was not marked uncertain:\n${summarize(await alice.chat.entries())}`,
      { timeout: 3_000 },
    );
    await alice.page.locator('#chat-text .entry[data-state="uncertain"]', { hasText: 'u2' }).locator('button.discard').click();
    await waitFor(
      async () => (await entryOf('u2')) === undefined,
      async () => `u2 was not removed by discard:\n${summarize(await alice.chat.entries())}`,
      { timeout: 2_000 },
    );
    relay = await relay.restart();
    await alice.chat.waitForStatus('open', { timeout: BACK_WITHIN_MS });
    await sleep(1_000);
    assert.deepEqual(alice.sockets.at(-1).sent, [], 'nothing went out after discard');

    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await relay.kill();
  }
});
