'use strict';
// The connection comes back by itself (shared CONTRACT.md, "The
// connection"): after the relay dies the pages say so, retry with backoff,
// and reconnect to the restarted relay; what was written meanwhile waits in
// the outbox (which survives a reload) and goes out once each, in order.
// Junk from a server leaves the app alive.
//
// The relay keeps nothing for a client that is not connected, so in the
// outbox specs Alice reaches the relay through a TCP gate (lib/reconnect-
// helpers.js) that is opened only once the relay counts Bob back: otherwise
// Alice could flush her outbox before Bob has reconnected, and the relay
// would drop it.
//
// Nothing here sleeps or times the machine. "Exactly once" rests on counts:
// the relay's (what it received from Alice, what it forwarded) and the
// pages' own (lib/socket-probe.js: what Alice handed to her sockets, what
// Bob shows). The backoff is checked on the delays #status announces, and
// "at once" on a socket opened within the event that asked for it.

const assert = require('node:assert/strict');
const { test, before } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { probeSockets } = require('../lib/socket-probe');
const { startRelay, startServer } = require('../lib/servers');
const {
  RECONNECT_FAILURES,
  RECONNECT_TIMEOUT_MS,
  waitForDist,
  startGate,
  isConnected,
  isDisconnected,
  countEntries,
  waitFor,
  receivedTexts,
  waitForRelayed,
} = require('../lib/reconnect-helpers');

const browser = useBrowser();
const OUTBOX_KEY = 'wschat.outbox';

before(async () => {
  await waitForDist();
});

/** Opens the app at `base` as `name` and waits until it is connected. */
async function join(base, name, params = {}) {
  const { page, errors } = await browser.newPage({ allow: RECONNECT_FAILURES });
  const probe = await probeSockets(page);
  const chat = new ChatPage(page);
  await chat.goto(base, { name, ...params });
  await chat.waitForStatus('open');
  await chat.waitForEntry(isConnected);
  return { page, errors, probe, chat };
}

/** The sent entries with these texts on `chat`, in the order shown. */
async function sentEntries(chat, texts) {
  return (await chat.entries()).filter((e) => e.kind === 'sent' && texts.includes(e.text));
}

/** Waits until `relay` counts `n` open clients: the server's word that they are (back) on it. */
async function waitForClients(relay, n) {
  let stats = null;
  await waitFor(
    async () => (stats = await relay.stats())?.open === n,
    () => `the relay never counted ${n} open clients: ${JSON.stringify(stats)}`,
    { timeout: RECONNECT_TIMEOUT_MS },
  );
}

/**
 * Waits until everything `sender` handed to its sockets since it had sent
 * `sentBefore` frames has reached `relay`, and `receiver` shows every copy the
 * relay forwarded (beyond the `shownBefore` entries from `sender` it showed
 * already); then checks, on the relay's count, that it received each of
 * `texts` exactly once, in order, and nothing else, and that `receiver`
 * shows them so.
 */
async function assertReceivedOnceInOrder(relay, { sender, name, receiver, texts, sentBefore = 0, shownBefore = 0 }) {
  const stats = await waitForRelayed(relay, name, {
    sent: async () => (await sender.probe.sentCount()) - sentBefore,
    shown: async () => (await receivedTexts(receiver, name)).length - shownBefore,
    atLeast: texts.length,
  });
  assert.deepEqual(stats.received[name], texts, `the relay received from ${name} each message exactly once, in order`);
  const shown = (await receivedTexts(receiver, name)).slice(shownBefore);
  assert.deepEqual(shown, texts, `each message shown exactly once, in order; entries were:\n${summarize(await receiver.entries())}`);
}

/** The delay `disconnected; reconnecting in X s` announces, as the range of milliseconds it may stand for. */
function announcedRange(text) {
  const match = /^disconnected; reconnecting in (\d+)(?:\.(\d))? s$/.exec(text);
  if (!match) return null;
  // Below a second the link shows tenths, cut ("0.6 s" is 600..699 ms);
  // from a second on, whole seconds, rounded ("2 s" is 1500..2499 ms).
  if (match[2] !== undefined) return [Number(match[2]) * 100, Number(match[2]) * 100 + 99];
  const seconds = Number(match[1]);
  return [seconds * 1000 - 500, seconds * 1000 + 499];
}

/**
 * From a probe log, the status text announced before each connect attempt
 * that followed the first socket: `[text or null]`, one per retry.
 */
function announcementsBeforeRetries(log) {
  const first = log.findIndex((line) => line.startsWith('socket '));
  const announced = [];
  let last = null;
  for (const line of log.slice(first + 1)) {
    if (line.startsWith('status ') && announcedRange(line.slice('status '.length))) last = line.slice('status '.length);
    if (line.startsWith('socket ')) {
      announced.push(last);
      last = null;
    }
  }
  return announced;
}

test('relay killed and restarted on the same port: both pages reconnect and chat again', { timeout: 120_000 }, async (t) => {
  let relay = await startRelay();
  try {
    const alice = await join(relay.url, 'Alice');
    const bob = await join(relay.url, 'Bob');
    await alice.probe.watchStatus();

    await relay.kill();
    for (const { chat } of [alice, bob]) {
      await chat.waitForEntry(isDisconnected);
      const status = await chat.waitForStatus(['closed', 'connecting']);
      assert.notEqual(status.state, 'open');
    }

    // While the relay is down the retries keep coming, and before each one
    // #status announces the delay: about 0.5 s, then 1 s, then 2 s (the
    // backoff doubles, with ±25% jitter). A page that retried without
    // waiting would show an attempt with no delay announced before it.
    const log = await waitFor(
      async () => {
        const log = await alice.probe.log();
        return announcementsBeforeRetries(log).length >= 3 && log;
      },
      async () => `Alice made fewer than 3 retries while the relay was down; her log:\n${(await alice.probe.log()).join('\n')}`,
    );
    const announced = announcementsBeforeRetries(log);
    t.diagnostic(`Alice's retries while down followed: ${JSON.stringify(announced)}`);
    assert.ok(
      announced.every((text) => text !== null),
      `each retry follows a "disconnected; reconnecting in N s" status:\n${log.join('\n')}`,
    );
    announced.slice(0, 3).forEach((text, i) => {
      const nominal = 500 * 2 ** i;
      const [low, high] = announcedRange(text);
      assert.ok(
        high >= nominal * 0.75 && low <= nominal * 1.25,
        `retry ${i + 1} announced "${text}"; the backoff's delay there is ${nominal} ms ±25%:\n${log.join('\n')}`,
      );
    });
    for (const { chat } of [alice, bob]) {
      assert.equal(await countEntries(chat, isConnected), 1, 'no connected line while the relay is down');
    }

    relay = await relay.restart();
    for (const [who, { chat }] of [['Alice', alice], ['Bob', bob]]) {
      await chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
      await waitFor(
        async () => (await countEntries(chat, isConnected)) === 2,
        async () => `${who} shows no second connected line:\n${summarize(await chat.entries())}`,
      );
    }
    // The new connected line comes after the disconnected line.
    const entries = await alice.chat.entries();
    assert.ok(
      entries.findLastIndex(isConnected) > entries.findIndex(isDisconnected),
      `the new connected line follows the disconnected one:\n${summarize(entries)}`,
    );
    // However long the wait, no announced delay passed the backoff's 5 s cap.
    for (const line of await alice.probe.log()) {
      const range = line.startsWith('status ') && announcedRange(line.slice('status '.length));
      if (range) assert.ok(range[0] <= 5_000, `a retry delay past 5 s: ${line}`);
    }
    await waitForClients(relay, 2);

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

test('messages written while the relay is down go out once each, in order, after it returns', { timeout: 120_000 }, async () => {
  let relay = await startRelay();
  const gate = await startGate(relay.port);
  try {
    // Alice loads the page from the relay, and talks to it through the gate.
    const alice = await join(relay.url, 'Alice', { server: `${gate.wsUrl}/ws` });
    const bob = await join(relay.url, 'Bob');

    await relay.kill();
    gate.shut();
    for (const { chat } of [alice, bob]) {
      await chat.waitForEntry(isDisconnected);
      await chat.waitForStatus(['closed', 'connecting']);
    }

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
    await waitForClients(relay, 1);
    await bob.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    const sentBefore = await alice.probe.sentCount();
    gate.open();
    await alice.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });

    await assertReceivedOnceInOrder(relay, { sender: alice, name: 'Alice', receiver: bob.chat, texts, sentBefore });
    const last = (await alice.probe.sockets()).at(-1);
    assert.deepEqual(
      last.frames.map((frame) => JSON.parse(frame).msg),
      texts,
      'the socket that opened last carried the outbox, each message once, in order',
    );
    await waitFor(
      async () => (await sentEntries(alice.chat, texts)).every((e) => e.state === 'sent'),
      async () => `Alice's entries never all became sent:\n${summarize(await alice.chat.entries())}`,
    );
    const after = await sentEntries(alice.chat, texts);
    assert.deepEqual(after.map((e) => e.text), texts, 'Alice shows each once, in the order written');
    // Messages handed over stay in the saved form (to come back uncertain
    // after a reload) until their bytes have left and the uncertain window
    // has passed; then the saved form is cleared.
    await waitFor(
      async () => (await alice.page.evaluate((key) => sessionStorage.getItem(key), OUTBOX_KEY)) === null,
      async () =>
        `the stored outbox was never cleared once it had drained: ${await alice.page.evaluate((key) => sessionStorage.getItem(key), OUTBOX_KEY)}`,
    );

    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await gate.close();
    await relay.kill();
  }
});

test('a reload while the relay is down keeps the outbox, which goes out once after it returns', { timeout: 120_000 }, async () => {
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
    for (const { chat } of [alice, bob]) {
      await chat.waitForEntry(isDisconnected);
      await chat.waitForStatus(['closed', 'connecting']);
    }

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
    );
    assert.deepEqual(
      restored.map((e) => [e.text, e.state]),
      texts.map((text) => [text, 'pending']),
      `after the reload they show again as pending, in order:\n${summarize(await alice.chat.entries())}`,
    );
    assert.notEqual((await alice.chat.status()).state, 'open', 'still down after the reload');

    relay = await relay.restart();
    await waitForClients(relay, 1);
    await bob.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    const sentBefore = await alice.probe.sentCount();
    gate.open();
    await alice.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });

    await assertReceivedOnceInOrder(relay, { sender: alice, name: 'Alice', receiver: bob.chat, texts, sentBefore });
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

test('junk frames leave the app alive, across a reconnect too', { timeout: 120_000 }, async () => {
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
    await chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
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

test('it retries at once on online, on the tab becoming visible and from Reconnect; Disconnect stays closed', { timeout: 120_000 }, async () => {
  let relay = await startRelay();
  try {
    const { errors, probe, chat } = await join(relay.url, 'Alice');
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
        { interval: 20 },
      );
    // Each event is dispatched, and the sockets counted, in one synchronous
    // script of the page: the retry timer, seconds away, cannot have fired
    // in between, so a socket counted there was opened by the event itself.
    await waitingAtLeast(2);
    assert.equal(
      await probe.socketsOpenedBy(() => window.dispatchEvent(new Event('online'))),
      1,
      'coming online opens a socket at once, while the retry timer is still seconds away',
    );
    await waitingAtLeast(2);
    assert.equal(
      await probe.socketsOpenedBy(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true }))),
      1,
      'the tab becoming visible opens a socket at once',
    );

    await waitingAtLeast(2);
    assert.equal(
      await probe.socketsOpenedBy(() => document.querySelector('#reconnect').click()),
      1,
      'Reconnect opens a socket at once',
    );
    relay = await relay.restart();
    await chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    await waitForClients(relay, 1);
    const { connections } = await relay.stats();

    // Disconnect closes, says so, and stays closed.
    await chat.target.locator('#disconnect').click();
    await chat.waitForStatus('closed');
    await waitFor(
      async () => (await countEntries(chat, isDisconnected)) === 2,
      async () => `no disconnected line after Disconnect:\n${summarize(await chat.entries())}`,
    );
    // The relay saw the socket go: Disconnect really closed it.
    await waitForClients(relay, 0);
    // A link waiting to retry always says "reconnecting in N s"; this one
    // says how to connect again instead, so no retry timer runs.
    const stopped = await chat.status();
    assert.doesNotMatch(stopped.text, /reconnecting in/, `#status announces no retry after Disconnect: ${JSON.stringify(stopped)}`);
    assert.match(stopped.text, /reconnect/i, `#status tells the user how to connect again: ${JSON.stringify(stopped)}`);
    // And what retries at once while waiting does nothing now.
    assert.equal(
      await probe.socketsOpenedBy(() => {
        window.dispatchEvent(new Event('online'));
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      }),
      0,
      'neither coming online nor becoming visible reconnects after Disconnect',
    );
    assert.equal((await chat.status()).state, 'closed');
    assert.equal((await relay.stats()).connections, connections, 'the relay saw no new connection after Disconnect');

    await chat.reconnectButton.click();
    await chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    assert.deepEqual(errors, []);
  } finally {
    await relay.kill();
  }
});

test('a message handed over just before the relay died is marked uncertain, not resent by itself; resend and discard work', { timeout: 120_000 }, async () => {
  let relay = await startRelay();
  try {
    const alice = await join(relay.url, 'Alice');
    const bob = await join(relay.url, 'Bob');
    const entryOf = async (text) => (await sentEntries(alice.chat, [text]))[0];
    const bobFromAlice = () => receivedTexts(bob.chat, 'Alice');

    // u1 arrives, then the relay dies well within the 1 s uncertain window:
    // the relay kills itself as soon as it has forwarded u1, so the gap
    // does not depend on how fast the test reacts.
    await relay.exitAfterNextFrame();
    await alice.chat.send('u1');
    await relay.exited();
    await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: 'u1' });
    await alice.chat.waitForEntry(isDisconnected);
    await waitFor(
      async () => (await entryOf('u1'))?.state === 'uncertain',
      async () => `u1 was not marked uncertain:\n${summarize(await alice.chat.entries())}`,
    );
    // The note and the buttons sit in the entry's row, beside the entry.
    const u1 = alice.page.locator('#chat-text .row:has(.entry[data-state="uncertain"])', { hasText: 'u1' });
    assert.match(await u1.textContent(), /may not have arrived/);
    assert.equal(await u1.locator('button.resend').count(), 1, 'an uncertain entry offers resend');
    assert.equal(await u1.locator('button.discard').count(), 1, 'an uncertain entry offers discard');

    relay = await relay.restart();
    await alice.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    await bob.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    await waitForClients(relay, 2);
    // The link flushes its outbox in the same step that sets #status to
    // open: whatever it sends by itself on a new socket is on it by now.
    assert.deepEqual((await alice.probe.sockets()).at(-1).frames, [], 'nothing went out on the new socket');
    assert.equal((await entryOf('u1')).state, 'uncertain', 'u1 stays uncertain until the user acts');

    // Resend: the user's choice, so Bob gets it a second time. The relay
    // counts one u1: had the client also resent it by itself, it would
    // count two.
    let sentBefore = await alice.probe.sentCount();
    await u1.locator('button.resend').click();
    await waitFor(
      async () => (await entryOf('u1'))?.state === 'sent',
      async () => `u1 never became sent after resend:\n${summarize(await alice.chat.entries())}`,
    );
    await assertReceivedOnceInOrder(relay, { sender: alice, name: 'Alice', receiver: bob.chat, texts: ['u1'], sentBefore, shownBefore: 1 });
    assert.deepEqual(await bobFromAlice(), ['u1', 'u1']);

    // Discard: u2 is dropped from the log and never sent again.
    await relay.exitAfterNextFrame();
    await alice.chat.send('u2');
    await relay.exited();
    await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: 'u2' });
    await waitFor(
      async () => (await entryOf('u2'))?.state === 'uncertain',
      async () => `u2 was not marked uncertain:\n${summarize(await alice.chat.entries())}`,
    );
    await alice.page.locator('#chat-text .row:has(.entry[data-state="uncertain"])', { hasText: 'u2' }).locator('button.discard').click();
    await waitFor(
      async () => (await entryOf('u2')) === undefined,
      async () => `u2 was not removed by discard:\n${summarize(await alice.chat.entries())}`,
    );
    relay = await relay.restart();
    await alice.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    await bob.chat.waitForStatus('open', { timeout: RECONNECT_TIMEOUT_MS });
    await waitForClients(relay, 2);
    assert.deepEqual((await alice.probe.sockets()).at(-1).frames, [], 'nothing went out after discard');
    // Nor later: the next message Alice writes is the first the relay gets
    // from her, and what comes in order after it cannot precede it.
    sentBefore = await alice.probe.sentCount();
    await alice.chat.send('after the discard');
    await assertReceivedOnceInOrder(relay, {
      sender: alice,
      name: 'Alice',
      receiver: bob.chat,
      texts: ['after the discard'],
      sentBefore,
      shownBefore: 3,
    });
    assert.deepEqual(await bobFromAlice(), ['u1', 'u1', 'u2', 'after the discard']);

    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await relay.kill();
  }
});
