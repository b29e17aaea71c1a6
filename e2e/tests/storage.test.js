'use strict';
// Stored state that does not parse is discarded with a visible system line,
// and the app goes on: issue 4, "hostile input".

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

test('unreadable saved settings and outbox are discarded with a system line', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Ann' });
  await chat.waitForStatus('open');

  await page.evaluate(() => {
    localStorage.setItem('wschat.settings', '{"server": ');
    sessionStorage.setItem('wschat.outbox', '[{"name":1}]');
  });
  await page.reload();
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
  await bob.waitForEntry({ kind: 'received', sender: 'Ann', text: 'queued two' });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const got = (await bob.entries()).filter((e) => e.kind === 'received').map((e) => e.text);
  assert.deepEqual(got, ['queued one', 'queued two'], 'each once, in order');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wschat.outbox')), null, 'the outbox is empty');
  assert.deepEqual(errors, []);
});

test('an uncertain message survives a reload, still marked, and can be resent', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  const { page: other } = await browser.newPage();
  const bob = new ChatPage(other);
  await bob.goto(relay.url, { name: 'Bob' });
  await bob.waitForStatus('open');

  await chat.goto(relay.url, { name: 'Ann' });
  await chat.waitForStatus('open');
  await page.evaluate(() =>
    sessionStorage.setItem('wschat.outbox', '[{"name":"Ann","text":"did it arrive?","uncertain":true}]'),
  );
  await page.reload();
  await chat.waitForApp();
  await chat.waitForStatus('open');
  const entry = page.locator('#chat-text .entry[data-state="uncertain"]', { hasText: 'did it arrive?' });
  await entry.waitFor();
  assert.match(await entry.textContent(), /may not have arrived/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(
    (await bob.entries()).filter((e) => e.kind === 'received').map((e) => e.text),
    [],
    'an uncertain message is never resent by itself',
  );
  await entry.locator('button.resend').click();
  await bob.waitForEntry({ kind: 'received', sender: 'Ann', text: 'did it arrive?' });
  await chat.waitForEntry({ kind: 'sent', text: 'did it arrive?', state: 'sent' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wschat.outbox')), null);
  assert.deepEqual(errors, []);
});
