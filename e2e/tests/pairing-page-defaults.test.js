'use strict';
// Page defaults: `<meta name="wschat-PARAMETER" content="...">` in the app's
// index.html configure a page loaded with no query, below saved settings
// (localStorage `wschat.settings`) and the query. The app's page is served
// by the relay as built; each test plants the meta tags into its <head> on
// the way to the browser (page.route), as a deployer would edit index.html.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { recordSockets, waitUntil, SETTINGS_KEY } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');
const { SOCKET_FAILURES, startLogged, waitForLog, openChat, plantPageDefaults } = require('../lib/pairing');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/**
 * A page whose index.html carries `defaults` as meta tags, loaded from the
 * relay with no query; the name is typed into the page and survives reloads.
 */
async function openWithDefaults(defaults, name) {
  const { page, errors } = await browser.newPage({ allow: SOCKET_FAILURES });
  await plantPageDefaults(page, defaults);
  const sockets = recordSockets(page);
  const chat = new ChatPage(page);
  await page.goto(`${relay.url}/`);
  await chat.waitForApp();
  const planted = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('meta[name^="wschat-"]')].map((m) => [m.name.slice('wschat-'.length), m.content]),
    ),
  );
  assert.deepEqual(planted, defaults, 'the page carries the meta tags as planted');
  await chat.setName(name);
  return { page, errors, sockets, chat };
}

/** The last socket a page opened, once there is one whose URL satisfies `check`. */
async function socketTo(sockets, check, what) {
  return waitUntil(
    () => sockets.length > 0 && check(sockets.at(-1).url) && sockets.at(-1),
    () => `the page's last socket is not ${what}: ${JSON.stringify(sockets.map((s) => s.url))}`,
  );
}

test('meta defaults alone pair the page with a Socket.IO server: server, protocol, event, template, echo', { timeout: 120_000 }, async () => {
  const objects = await startLogged('socketio-objects.js');
  try {
    const defaults = {
      server: objects.url,
      protocol: 'socketio',
      event: 'chat',
      template: '{"name":"{name}","data":"{text}"}',
      echo: 'show',
    };
    const alice = await openWithDefaults(defaults, 'alice');
    const bob = await openWithDefaults(defaults, 'bob');
    for (const { chat, sockets } of [alice, bob]) {
      await chat.waitForStatus('open');
      const socket = await socketTo(sockets, (url) => url.startsWith(`${objects.wsUrl}/socket.io/`), 'to the Socket.IO server');
      const url = new URL(socket.url);
      assert.equal(url.searchParams.get('EIO'), '4');
      assert.equal(url.searchParams.get('transport'), 'websocket');
    }
    await waitForLog(objects, (log) => log.connections.filter((c) => c.open).length === 2, 'both pages in the namespace');

    await alice.chat.send('hi "there"');
    await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi "there"' });
    // echo=show: Alice's own echo is a received entry, and her entry stays sent.
    await alice.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi "there"' });
    const log = await waitForLog(objects, (log) => log.chat.length === 1 && log, 'the server has the chat event');
    assert.deepEqual(log.chat[0].payload, { name: 'alice', data: 'hi "there"' }, 'the event and template came from the meta tags');
    await bob.chat.send('after');
    await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'after' });
    const entries = await alice.chat.entries();
    assert.deepEqual(
      entries.filter((e) => e.text === 'hi "there"').map((e) => [e.kind, e.state]),
      [
        ['sent', 'sent'],
        ['received', null],
      ],
      `echo=show from the meta tag:\n${summarize(entries)}`,
    );
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await objects.stop();
  }
});

test('meta defaults join and pattern pair the page with a first-frame server', { timeout: 120_000 }, async () => {
  const firstFrame = await startLogged('first-frame.js');
  try {
    const defaults = { server: `${firstFrame.wsUrl}/`, protocol: 'text', join: '{name}', pattern: '{name}: {text}' };
    const alice = await openWithDefaults(defaults, 'alice');
    const bob = await openWithDefaults(defaults, 'bob');
    // Reload now that the name is saved, so that the socket opens with it.
    for (const { page, chat } of [alice, bob]) {
      await page.reload();
      await chat.waitForApp();
      assert.equal(await chat.name.inputValue(), page === alice.page ? 'alice' : 'bob', 'the typed name survived the reload');
    }
    for (const who of ['alice', 'bob']) {
      await waitForLog(
        firstFrame,
        (log) => log.some((c) => c.open && c.frames[0] === who),
        `${who}'s page never opened a socket that sent the name first`,
      );
    }
    await alice.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'bob joined.' });

    await alice.chat.send('hi');
    await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
    await alice.chat.waitForEntry({ kind: 'sent', text: 'hi', state: 'delivered' });
    await bob.chat.send('after');
    await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'after' });
    const entries = await alice.chat.entries();
    assert.deepEqual(
      entries.filter((e) => e.text === 'hi' || e.text === 'alice: hi').map((e) => [e.kind, e.state]),
      [['sent', 'delivered']],
      `the pattern from the meta tag read Alice's echo, which folded:\n${summarize(entries)}`,
    );
    const log = await firstFrame.log();
    const carrying = log.filter((c) => c.frames.includes('hi'));
    assert.equal(carrying.length, 1);
    assert.deepEqual(carrying[0].frames, ['alice', 'hi'], 'the join from the meta tag went first');
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  } finally {
    await firstFrame.stop();
  }
});

test('saved settings win over meta defaults, and the query wins over both', { timeout: 150_000 }, async () => {
  const [metaRelay, savedRelay, queryRelay] = await Promise.all([
    startLogged('echo-relay.js'),
    startLogged('echo-relay.js'),
    startLogged('echo-relay.js'),
  ]);
  try {
    const alice = await openWithDefaults({ server: `${metaRelay.wsUrl}/`, echo: 'show' }, 'alice');

    /**
     * Bob joins `relay` by query; Alice, connected to it, sends `text`: Bob
     * reads it from alice, and Alice shows her echo as `echo` says. Returns
     * Bob's page.
     */
    const pairOn = async (echoRelay, text, echo) => {
      await socketTo(alice.sockets, (url) => url === `${echoRelay.wsUrl}/`, `to ${echoRelay.wsUrl}/`);
      await alice.chat.waitForStatus('open');
      const bob = await openChat(browser, relay.url, { server: `${echoRelay.wsUrl}/`, name: 'bob' });
      await bob.chat.waitForStatus('open');
      await waitForLog(echoRelay, (log) => log.filter((c) => c.open).length === 2, 'Alice and Bob on the relay');
      await alice.chat.send(text);
      await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text });
      if (echo === 'show') {
        await alice.chat.waitForEntry({ kind: 'received', sender: 'alice', text });
      } else {
        await alice.chat.waitForEntry({ kind: 'sent', text, state: 'delivered' });
      }
      await bob.chat.send(`${text}, seen`);
      await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: `${text}, seen` });
      const entries = await alice.chat.entries();
      assert.deepEqual(
        entries.filter((e) => e.text === text).map((e) => [e.kind, e.state]),
        echo === 'show'
          ? [
              ['sent', 'sent'],
              ['received', null],
            ]
          : [['sent', 'delivered']],
        `echo=${echo}:\n${summarize(entries)}`,
      );
      await bob.page.close();
      return bob;
    };

    // 1. The meta tags alone.
    const bob1 = await pairOn(metaRelay, 'via meta', 'show');

    // 2. Saved settings beat them, field by field.
    await alice.page.evaluate(
      ([key, value]) => window.localStorage.setItem(key, value),
      [SETTINGS_KEY, JSON.stringify({ server: `${savedRelay.wsUrl}/`, echo: 'fold' })],
    );
    await alice.page.reload();
    await alice.chat.waitForApp();
    const bob2 = await pairOn(savedRelay, 'via saved', 'fold');

    // 3. The query beats both.
    await alice.chat.goto(relay.url, { server: `${queryRelay.wsUrl}/`, echo: 'show' });
    const bob3 = await pairOn(queryRelay, 'via query', 'show');
    assert.deepEqual(
      await alice.page.evaluate(() => document.querySelector('meta[name="wschat-server"]')?.content),
      `${metaRelay.wsUrl}/`,
      'the meta tags were still there',
    );

    // Each relay heard from Alice only while it was the one chosen.
    for (const [echoRelay, text] of [
      [metaRelay, 'via meta'],
      [savedRelay, 'via saved'],
      [queryRelay, 'via query'],
    ]) {
      const frames = ((await echoRelay.log()) ?? []).flatMap((c) => c.frames.map((f) => JSON.parse(f)));
      assert.deepEqual(
        frames.filter((f) => f.name === 'alice').map((f) => f.msg),
        [text],
        `${echoRelay.wsUrl} received ${JSON.stringify(frames)}`,
      );
    }
    assert.deepEqual(alice.errors, []);
    for (const bob of [bob1, bob2, bob3]) assert.deepEqual(bob.errors, []);
  } finally {
    await Promise.all([metaRelay.stop(), savedRelay.stop(), queryRelay.stop()]);
  }
});
