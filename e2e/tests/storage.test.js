'use strict';
// Stored state that does not parse is discarded with a visible system line,
// and the app goes on: issue 4, "hostile input".

const assert = require('node:assert/strict');
const { test, beforeEach, afterEach } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay, freePort } = require('../lib/servers');
const { probeSockets } = require('../lib/socket-probe');
const { reloadWith } = require('../lib/plant');
const { waitFor, waitForRelayed, receivedTexts } = require('../lib/reconnect-helpers');

const browser = useBrowser();

/**
 * Waits until the saved outbox is gone: what was handed over stays saved,
 * to come back uncertain after a reload, until its bytes have left and the
 * uncertain window has passed.
 */
function waitForOutboxCleared(page) {
  const saved = () => page.evaluate(() => sessionStorage.getItem('wschat.outbox'));
  return waitFor(
    async () => (await saved()) === null,
    async () => `the saved outbox was never cleared: ${await saved()}`,
  );
}
let relay;

// Each test has a relay of its own, so that the relay's counts are that
// test's alone.
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await relay?.stop();
});

test('unreadable saved settings and outbox are discarded with a system line', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Ann' });
  await chat.waitForStatus('open');
  await reloadWith(page, {
    local: { 'wschat.settings': '{"server": ' },
    session: { 'wschat.outbox': '[{"name":1}]' },
  });
  await chat.waitForApp();
  await chat.waitForStatus('open');

  const entries = await chat.entries();
  const system = entries.filter((e) => e.kind === 'system').map((e) => e.text);
  assert.ok(
    system.some((t) => t.includes('settings') && t.includes('discarded')),
    `no system line about the discarded settings:\n${summarize(entries)}`,
  );
  assert.ok(
    system.some((t) => t.includes('outbox') && t.includes('discarded')),
    `no system line about the discarded outbox:\n${summarize(entries)}`,
  );
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wschat.outbox')), null, 'the bad outbox is removed');
  assert.ok(!entries.some((e) => e.kind === 'sent'), 'nothing from the bad outbox is shown as a message');

  // The app still works: it chats with a second page on the default /ws.
  const { page: other } = await browser.newPage();
  const bob = new ChatPage(other);
  await bob.goto(relay.url, { name: 'Bob' });
  await bob.waitForStatus('open');
  await chat.send('still working');
  await bob.waitForEntry({ kind: 'received', sender: 'Ann', text: 'still working' });
  assert.deepEqual(errors, []);
});

test('a saved outbox from an earlier load of the tab is shown pending and sent once', { timeout: 60_000 }, async () => {
  const deadPort = await freePort();
  // The browser logs each refused connection to the dead endpoint.
  const { page, errors } = await browser.newPage({
    allow: [new RegExp(`WebSocket connection to 'ws://127\\.0\\.0\\.1:${deadPort}/' failed`)],
  });
  const probe = await probeSockets(page);
  const chat = new ChatPage(page);
  const { page: other } = await browser.newPage();
  const bob = new ChatPage(other);
  await bob.goto(relay.url, { name: 'Bob' });
  await bob.waitForStatus('open');

  // A page on a dead endpoint queues two messages, then the tab moves to
  // the live relay: the queue follows the tab, not the endpoint.
  await chat.goto(relay.url, { name: 'Ann', server: `ws://127.0.0.1:${deadPort}/` });
  await chat.send('queued one');
  await chat.send('queued two');
  await chat.waitForEntry({ kind: 'sent', text: 'queued two', state: 'pending' });
  assert.equal(
    await page.evaluate(() => sessionStorage.getItem('wschat.outbox')),
    '[{"name":"Ann","text":"queued one"},{"name":"Ann","text":"queued two"}]',
  );
  await chat.goto(relay.url, { name: 'Ann' });
  await chat.waitForEntry({ kind: 'sent', text: 'queued two', state: 'sent' });
  // Once the relay has received as many frames as Ann's page handed to its
  // sockets since it moved, and Bob shows every copy it forwarded, nothing
  // is still on its way: the relay's count proves "once".
  const texts = ['queued one', 'queued two'];
  const stats = await waitForRelayed(relay, 'Ann', {
    sent: () => probe.sentCount(),
    shown: async () => (await receivedTexts(bob, 'Ann')).length,
    atLeast: texts.length,
  });
  assert.deepEqual(stats.received.Ann, texts, 'the relay received each once, in order');
  const got = (await bob.entries()).filter((e) => e.kind === 'received').map((e) => e.text);
  assert.deepEqual(got, texts, 'Bob shows each once, in order');
  await waitForOutboxCleared(page);
  assert.deepEqual(errors, []);
});

test('an uncertain message survives a reload, still marked, and can be resent', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const probe = await probeSockets(page);
  const chat = new ChatPage(page);
  const { page: other } = await browser.newPage();
  const bob = new ChatPage(other);
  await bob.goto(relay.url, { name: 'Bob' });
  await bob.waitForStatus('open');

  await chat.goto(relay.url, { name: 'Ann' });
  await chat.waitForStatus('open');
  await reloadWith(page, {
    session: { 'wschat.outbox': '[{"name":"Ann","text":"did it arrive?","uncertain":true}]' },
  });
  await chat.waitForApp();
  await chat.waitForStatus('open');
  // The note and the buttons sit in the entry's row, beside the entry.
  const entry = page.locator('#chat-text .row:has(.entry[data-state="uncertain"])', { hasText: 'did it arrive?' });
  await entry.waitFor();
  assert.match(await entry.textContent(), /may not have arrived/);
  // Resend works at once after the load; the relay's count below proves
  // that the page never resent the message by itself as well.
  await entry.locator('button.resend').click();
  await chat.waitForEntry({ kind: 'sent', text: 'did it arrive?', state: 'sent' });
  // One frame reached the relay, the user's resend: had the page resent the
  // message by itself as well, the relay would count two.
  const stats = await waitForRelayed(relay, 'Ann', {
    sent: () => probe.sentCount(),
    shown: async () => (await receivedTexts(bob, 'Ann')).length,
  });
  assert.deepEqual(stats.received.Ann, ['did it arrive?'], 'the relay received it once');
  assert.deepEqual(await receivedTexts(bob, 'Ann'), ['did it arrive?']);
  await waitForOutboxCleared(page);
  assert.deepEqual(errors, []);
});
