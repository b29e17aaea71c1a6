'use strict';
// The settings panel's pairing controls: `select#settings-preset` fills the
// fields for a known server design (without saving), the join, template,
// pattern and echo fields, and `#settings-share`, the URL that reproduces
// the fields as typed. A preset plus a server, saved, pairs the page with
// that design; the share URL, opened in a fresh context, pairs the same way.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { SettingsPanel, waitUntil } = require('../lib/settings-page');
const { startRelay } = require('../lib/servers');
const { startLogged, waitForLog, openChat, isConnected } = require('../lib/pairing');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

const NONE = { event: '', join: '', template: '', pattern: '', topic: '', publish: '' };
const PRESETS = {
  'json-relay': { ...NONE, label: 'JSON relay (Node ws)', protocol: 'json' },
  echo: { ...NONE, label: 'Echo server', protocol: 'text' },
  socketio: { ...NONE, label: 'Socket.IO', protocol: 'socketio' },
  'socketio-join': {
    ...NONE,
    label: 'Socket.IO chat with a join event',
    protocol: 'socketio',
    event: 'new message',
    join: 'add user',
  },
  'first-frame': {
    ...NONE,
    label: 'First frame is the username',
    protocol: 'text',
    join: '{name}',
    pattern: '{name}: {text}',
  },
  'rabbitmq-stomp': { ...NONE, label: 'RabbitMQ (STOMP)', protocol: 'stomp' },
  'spring-stomp': {
    ...NONE,
    label: 'Spring STOMP endpoint',
    protocol: 'stomp',
    topic: '/topic/messages',
    publish: '/app/chat',
  },
  mqtt: { ...NONE, label: 'MQTT broker', protocol: 'mqtt' },
  nats: { ...NONE, label: 'NATS', protocol: 'nats' },
};
const PRESET_FIELDS = ['protocol', 'event', 'join', 'template', 'pattern', 'topic', 'publish'];

/** The app, on the relay, connected to it; with its settings panel open. */
async function openOnRelay(name) {
  const opened = await openChat(browser, relay.url, { name });
  await opened.chat.waitForStatus('open');
  await opened.chat.waitForEntry(isConnected);
  const settings = new SettingsPanel(opened.page);
  await settings.open();
  return { ...opened, settings };
}

/** Waits until `#settings-share` satisfies `check(url)` (a parsed URL) and returns it. */
async function waitForShare(settings, check, what) {
  let last = '';
  return waitUntil(
    async () => {
      last = await settings.shareUrl();
      let url;
      try {
        url = new URL(last);
      } catch {
        return false;
      }
      return check(url) && url;
    },
    () => `#settings-share never ${what}; it reads ${JSON.stringify(last)}`,
  );
}

test('each preset fills the fields it names, and saves nothing', { timeout: 90_000 }, async () => {
  const { page, errors, sockets, settings } = await openOnRelay('alice');

  const options = await settings.preset
    .locator('option')
    .evaluateAll((options) => options.map((o) => ({ value: o.value, label: o.textContent.trim() })));
  for (const [value, { label }] of Object.entries(PRESETS)) {
    assert.ok(
      options.some((o) => o.value === value && o.label === label),
      `a preset ${value} labelled ${JSON.stringify(label)}: ${JSON.stringify(options)}`,
    );
  }
  assert.deepEqual(
    await settings.echo.locator('option').evaluateAll((options) => options.map((o) => o.value)),
    ['', 'fold', 'show'],
  );
  for (const field of ['join', 'template', 'pattern', 'echo']) {
    assert.equal(await settings.errors[field].count(), 1, `#settings-${field}-error exists`);
  }

  // From each preset to each other one, so that every field is both set and
  // cleared by some choice.
  const order = [
    'first-frame', 'json-relay', 'socketio-join', 'echo', 'first-frame', 'socketio', 'spring-stomp',
    'rabbitmq-stomp', 'spring-stomp', 'mqtt', 'nats', 'socketio-join', 'json-relay',
  ];
  for (const value of order) {
    await settings.choosePreset(value);
    const expected = Object.fromEntries(PRESET_FIELDS.map((f) => [f, PRESETS[value][f]]));
    await waitUntil(
      async () => {
        const fields = await settings.fields();
        return PRESET_FIELDS.every((f) => fields[f] === expected[f]);
      },
      async () => `preset ${value} should fill ${JSON.stringify(expected)}; the fields show ${JSON.stringify(await settings.fields())}`,
    );
  }
  // A preset leaves the server and echo fields alone.
  assert.equal((await settings.fields()).server, '');
  assert.equal((await settings.fields()).echo, '');

  // Choosing presets saved nothing and changed no connection.
  assert.equal(await settings.stored(), null, 'no saved settings after choosing presets');
  assert.equal(sockets.length, 1, `no new socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.equal(sockets[0].closed, false, 'the relay socket is still open');
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'open');
  assert.deepEqual(errors, []);
});

test('first-frame preset + server: the share URL reproduces the fields and pairs a fresh page', { timeout: 120_000 }, async () => {
  const firstFrame = await startLogged('first-frame.js');
  try {
    const alice = await openOnRelay('alice');
    const server = `${firstFrame.wsUrl}/`;
    await alice.settings.choosePreset('first-frame');
    await alice.settings.fill({ server });

    const share = await waitForShare(
      alice.settings,
      (url) => url.searchParams.get('server') === server,
      'named the server typed',
    );
    assert.equal(`${share.origin}${share.pathname}`, `${relay.url}/`, 'the app page on its origin');
    assert.equal(share.searchParams.get('protocol'), 'text');
    assert.equal(share.searchParams.get('join'), '{name}');
    assert.equal(share.searchParams.get('pattern'), '{name}: {text}');
    for (const empty of ['event', 'template', 'echo']) {
      assert.ok(!share.searchParams.get(empty), `${empty} is empty in ${share.href}`);
    }

    // The share URL follows each field as it is typed.
    await alice.settings.fill({ pattern: '{name} said {text}' });
    await waitForShare(alice.settings, (url) => url.searchParams.get('pattern') === '{name} said {text}', 'followed the pattern');
    await alice.settings.fill({ echo: 'show' });
    await waitForShare(alice.settings, (url) => url.searchParams.get('echo') === 'show', 'followed the echo select');
    await alice.settings.fill({ pattern: '{name}: {text}', echo: '' });
    const final = await waitForShare(
      alice.settings,
      (url) => url.searchParams.get('pattern') === '{name}: {text}' && !url.searchParams.get('echo'),
      'went back to the preset\'s pattern and no echo',
    );
    assert.equal(await alice.settings.stored(), null, 'typing saved nothing');

    // Alice saves: the page reconnects to the first-frame server and joins.
    await alice.settings.save.click();
    await waitUntil(
      () => alice.sockets.some((s) => s.url === server),
      () => `Alice never connected to ${server}: ${JSON.stringify(alice.sockets.map((s) => s.url))}`,
    );
    await alice.chat.waitForStatus('open');
    await alice.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'alice joined.' });

    // Bob opens the share URL in a fresh context, with his name.
    const bobUrl = new URL(final.href);
    bobUrl.searchParams.set('name', 'bob');
    const { page: bobPage, errors: bobErrors } = await browser.newPage();
    const bob = new ChatPage(bobPage);
    await bobPage.goto(bobUrl.href);
    await bob.waitForApp();
    await bob.waitForStatus('open');
    await bob.waitForEntry({ kind: 'received', sender: 'server', text: 'bob joined.' });
    await alice.chat.waitForEntry({ kind: 'received', sender: 'server', text: 'bob joined.' });

    await alice.chat.send('hi');
    await bob.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
    await alice.chat.waitForEntry({ kind: 'sent', text: 'hi', state: 'delivered' });
    await bob.send('yo');
    await bob.waitForEntry({ kind: 'sent', text: 'yo', state: 'delivered' });
    await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'yo' });

    const log = await firstFrame.log();
    assert.deepEqual(
      log.map((c) => c.frames),
      [
        ['alice', 'hi'],
        ['bob', 'yo'],
      ],
      'each page sent its name first, then its message',
    );
    const entries = await alice.chat.entries();
    assert.deepEqual(
      entries.filter((e) => e.text === 'hi' || e.text === 'alice: hi').map((e) => [e.kind, e.state]),
      [['sent', 'delivered']],
      `Alice's echo folded:\n${summarize(entries)}`,
    );
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bobErrors, []);
  } finally {
    await firstFrame.stop();
  }
});

test('socketio-join preset + server: saved, and its share URL, pair with the Socket.IO chat demo', { timeout: 120_000 }, async () => {
  const chatServer = await startLogged('socketio-chat.js');
  try {
    const alice = await openOnRelay('alice');
    await alice.settings.choosePreset('socketio-join');
    await alice.settings.fill({ server: chatServer.url });
    const share = await waitForShare(
      alice.settings,
      (url) => url.searchParams.get('server') === chatServer.url,
      'named the server typed',
    );
    assert.equal(share.searchParams.get('protocol'), 'socketio');
    assert.equal(share.searchParams.get('event'), 'new message');
    assert.equal(share.searchParams.get('join'), 'add user');

    await alice.settings.save.click();
    await waitForLog(
      chatServer,
      (log) => log.connections.some((c) => c.open && c.events[0]?.[1] === 'alice'),
      'Alice never joined',
    );
    const bobUrl = new URL(share.href);
    bobUrl.searchParams.set('name', 'bob');
    const { page: bobPage, errors: bobErrors } = await browser.newPage();
    const bob = new ChatPage(bobPage);
    await bobPage.goto(bobUrl.href);
    await bob.waitForApp();
    await waitForLog(
      chatServer,
      (log) => log.connections.some((c) => c.open && c.events[0]?.[1] === 'bob'),
      'Bob never joined',
    );

    await alice.chat.send('hi');
    await bob.waitForEntry({ kind: 'received', sender: 'alice', text: 'hi' });
    await bob.send('yo');
    await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'yo' });
    const log = await chatServer.log();
    assert.equal(log.newMessageBeforeAddUser, 0);
    assert.deepEqual(
      log.connections.map((c) => c.events),
      [
        [
          ['add user', 'alice'],
          ['new message', 'hi'],
        ],
        [
          ['add user', 'bob'],
          ['new message', 'yo'],
        ],
      ],
    );
    // Saved as typed (a field left empty may be left out or kept empty).
    const stored = JSON.parse(await alice.settings.stored());
    assert.deepEqual(
      { server: stored.server, protocol: stored.protocol, event: stored.event, join: stored.join },
      { server: chatServer.url, protocol: 'socketio', event: 'new message', join: 'add user' },
    );
    for (const empty of ['template', 'pattern', 'echo']) assert.ok(!stored[empty], `${empty} saved empty: ${JSON.stringify(stored)}`);
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bobErrors, []);
  } finally {
    await chatServer.stop();
  }
});

test('a template that is not JSON once filled is refused next to the field, and nothing is saved', { timeout: 90_000 }, async () => {
  const { errors, sockets, settings } = await openOnRelay('alice');
  await settings.choosePreset('socketio');
  await settings.fill({ server: 'http://127.0.0.1:9/', template: '{"data":{text}}' });
  await settings.save.click();
  await waitUntil(
    async () => (await settings.fieldErrors()).template !== '',
    async () => `no error next to the template: ${JSON.stringify(await settings.fieldErrors())}`,
  );
  assert.equal(await settings.stored(), null, 'the refused settings were not saved');
  assert.equal(sockets.length, 1, `no new socket: ${JSON.stringify(sockets.map((s) => s.url))}`);
  assert.deepEqual(errors, []);
});
