'use strict';
// Two tabs never send each other's queue (contract, "The connection"). A
// window opened from a tab starts with a copy of its sessionStorage, outbox
// included: only the original tab may send that queue.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay, freePort } = require('../lib/servers');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

test('a copied tab does not send the queue it copied; the original does, once', { timeout: 60_000 }, async () => {
  const deadPort = await freePort();
  const refused = new RegExp(`WebSocket connection to 'ws://127\\.0\\.0\\.1:${deadPort}/' failed`);
  const { page, errors } = await browser.newPage({ allow: [refused] });
  const ann = new ChatPage(page);
  const { page: bobPage } = await browser.newPage();
  const bob = new ChatPage(bobPage);
  await bob.goto(relay.url, { name: 'Bob' });
  await bob.waitForStatus('open');

  // Ann queues a message against a dead endpoint.
  await ann.goto(relay.url, { name: 'Ann', server: `ws://127.0.0.1:${deadPort}/` });
  await ann.send('only once');
  await ann.waitForEntry({ kind: 'sent', text: 'only once', state: 'pending' });

  // A window opened from Ann's tab, on the live relay, gets a copy of her
  // sessionStorage.
  const [copy] = await Promise.all([
    page.context().waitForEvent('page'),
    page.evaluate((url) => window.open(url), `${relay.url}/?name=Ann`),
  ]);
  const copyErrors = [];
  copy.on('pageerror', (error) => copyErrors.push(error.message));
  const copied = new ChatPage(copy);
  await copied.waitForApp();
  await copied.waitForStatus('open');
  await copied.waitForEntry((e) => e.kind === 'system' && e.text.startsWith('this tab was copied'));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const copyEntries = await copied.entries();
  assert.ok(!copyEntries.some((e) => e.kind === 'sent'), `the copy shows the queue:\n${summarize(copyEntries)}`);
  assert.deepEqual(
    (await bob.entries()).filter((e) => e.kind === 'received').map((e) => e.text),
    [],
    'the copy must not send the original tab\'s queue',
  );

  // The original tab moves to the live relay and sends its queue, once.
  await ann.goto(relay.url, { name: 'Ann' });
  await ann.waitForEntry({ kind: 'sent', text: 'only once', state: 'sent' });
  await bob.waitForEntry({ kind: 'received', sender: 'Ann', text: 'only once' });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(
    (await bob.entries()).filter((e) => e.kind === 'received').map((e) => e.text),
    ['only once'],
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(copyErrors, []);
});
