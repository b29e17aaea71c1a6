'use strict';
// Two tabs never send each other's queue (contract, "The connection"). A
// window opened from a tab starts with a copy of its sessionStorage, outbox
// included: only the original tab may send that queue.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay, freePort } = require('../lib/servers');
const { probeSockets, probeOf } = require('../lib/socket-probe');
const { waitForRelayed, receivedTexts } = require('../lib/reconnect-helpers');

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
  // The probe counts what each of Ann's tabs hands to its sockets; the
  // copied window gets it too, since it opens in the same context.
  const annProbe = await probeSockets(page);
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
  // The copy decided, with that line, that the queue is not its own, and
  // took an empty one over; its socket is open, so it would have sent the
  // queue by now.
  const copyProbe = probeOf(copy);
  const copyEntries = await copied.entries();
  assert.ok(!copyEntries.some((e) => e.kind === 'sent'), `the copy shows the queue:\n${summarize(copyEntries)}`);
  assert.equal(await copyProbe.sentCount(), 0, 'the copy must not send the original tab\'s queue');

  // The original tab moves to the live relay and sends its queue, once.
  await ann.goto(relay.url, { name: 'Ann' });
  await ann.waitForEntry({ kind: 'sent', text: 'only once', state: 'sent' });
  // Both of Ann's tabs send as Ann. Once the relay has received as many
  // frames as they handed to their sockets, and Bob and the copy show every
  // copy it forwarded, nothing is on its way: the relay's count says whether
  // the queue went out once.
  const stats = await waitForRelayed(relay, 'Ann', {
    sent: async () => (await annProbe.sentCount()) + (await copyProbe.sentCount()),
    shown: async () => (await receivedTexts(bob, 'Ann')).length + (await receivedTexts(copied, 'Ann')).length,
    receivers: 2,
  });
  assert.deepEqual(stats.received.Ann, ['only once'], 'the relay received the queue once, from one tab');
  assert.equal(await copyProbe.sentCount(), 0, 'the copy sent nothing');
  assert.deepEqual(
    (await bob.entries()).filter((e) => e.kind === 'received').map((e) => e.text),
    ['only once'],
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(copyErrors, []);
});
