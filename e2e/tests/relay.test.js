'use strict';
// Two people chat through the reference relay, which also serves the app, so
// the page uses its default endpoint `/ws` on its own origin.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** Opens the app as `name` and waits until it is connected. */
async function join(name) {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name });
  await chat.waitForStatus('open');
  await chat.waitForEntry({ kind: 'system', sender: 'websocket', text: 'connected' });
  return { page, errors, chat };
}

test('two people on the relay chat in both directions', { timeout: 60_000 }, async () => {
  const alice = await join('Alice');
  const bob = await join('Bob');
  assert.equal((await alice.chat.status()).state, 'open');
  assert.equal(await alice.chat.name.inputValue(), 'Alice', '?name= fills the name');
  assert.equal(await alice.chat.log.getAttribute('role'), 'log', '#chat-text is a log for assistive technology');
  assert.equal(await alice.chat.log.getAttribute('aria-live'), 'polite');

  await alice.chat.send('Hi Bob, can you read me?');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: 'Hi Bob, can you read me?' });
  await alice.chat.waitForEntry({ kind: 'sent', sender: 'me', text: 'Hi Bob, can you read me?', state: 'sent' });
  assert.equal(await alice.chat.message.inputValue(), '', 'sending clears the message input');

  await bob.chat.send('Loud and clear, Alice.');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'Bob', text: 'Loud and clear, Alice.' });
  await bob.chat.waitForEntry({ kind: 'sent', text: 'Loud and clear, Alice.', state: 'sent' });

  // The relay does not echo: nobody receives their own message back.
  const aliceEntries = await alice.chat.entries();
  const ids = aliceEntries.map((e) => e.id);
  assert.ok(ids.every((id) => id), `every entry has a data-id:\n${JSON.stringify(ids)}`);
  assert.equal(new Set(ids).size, ids.length, `entry ids are unique: ${JSON.stringify(ids)}`);
  assert.ok(
    !aliceEntries.some((e) => e.kind === 'received' && e.text === 'Hi Bob, can you read me?'),
    `Alice received her own message back:\n${summarize(aliceEntries)}`,
  );

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('markup in a message is shown as text and never runs', { timeout: 60_000 }, async () => {
  const alice = await join('Alice');
  const bob = await join('Bob');
  const markup = '<img src=x onerror=window.__xss=1>';

  await alice.chat.send(markup);
  await bob.chat.waitForEntry({ kind: 'received', sender: 'Alice', text: markup });
  await alice.chat.waitForEntry({ kind: 'sent', text: markup, state: 'sent' });

  for (const { page } of [alice, bob]) {
    assert.equal(await page.locator('#chat-text img').count(), 0, 'no img element inside #chat-text');
    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'the onerror handler never ran');
  }
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});
