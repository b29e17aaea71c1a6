'use strict';
// Several tabs on one server share one history without writing an entry
// twice (shared CONTRACT.md, "The page", History; issue 16, item 1). Two
// tabs of one browser context (one origin's storage) are connected to the
// relay at once, and each receives what the other and a third peer send:
// each tab could write every message. After a reload, the history holds
// each message once, in the order they were sent.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { connect } = require('../lib/flood');
const { waitUntil } = require('../lib/settings-page');
const { waitForStored, waitForRendered } = require('../lib/history');

const browser = useBrowser();
const WAIT_MS = 60_000;
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** The texts of the entries that are not system lines, in order (the whole log). */
async function texts(chat) {
  return (await chat.entries()).filter((e) => e.kind !== 'system').map((e) => e.text);
}

test('two tabs on one server share a history: each message once, in order, after a reload', { timeout: 240_000 }, async () => {
  const ann = await browser.newPage();
  const context = ann.page.context();
  const bob = await browser.pageIn(context);
  const annChat = new ChatPage(ann.page);
  const bobChat = new ChatPage(bob.page);
  await annChat.goto(relay.url, { name: 'Ann' });
  await bobChat.goto(relay.url, { name: 'Bob' });
  await annChat.waitForStatus('open');
  await bobChat.waitForStatus('open');

  const carol = await connect(`${relay.wsUrl}/ws`);
  const carolGot = [];
  carol.on('message', (data) => carolGot.push(JSON.parse(String(data)).msg));

  const order = [];
  const everywhere = async (text, { exceptPage } = {}) => {
    for (const { page } of [ann, bob]) if (page !== exceptPage) await waitForRendered(page, text, { timeout: WAIT_MS });
  };
  try {
    for (let k = 0; k < 4; k += 1) {
      await annChat.send(`ann ${k}`);
      order.push(`ann ${k}`);
      await everywhere(`ann ${k}`);
      await waitUntil(() => carolGot.includes(`ann ${k}`), `carol never got ann ${k}`, { timeout: WAIT_MS });

      await bobChat.send(`bob ${k}`);
      order.push(`bob ${k}`);
      await everywhere(`bob ${k}`);
      await waitUntil(() => carolGot.includes(`bob ${k}`), `carol never got bob ${k}`, { timeout: WAIT_MS });

      carol.send(JSON.stringify({ name: 'Carol', msg: `carol ${k}` }));
      order.push(`carol ${k}`);
      await everywhere(`carol ${k}`);
    }

    // Both tabs saw every message live.
    assert.deepEqual(await texts(annChat), order, "Ann's tab, live");
    assert.deepEqual(await texts(bobChat), order, "Bob's tab, live");

    // Ann's tab reloads while Bob's stays; both are open when Carol writes again.
    await waitForStored(ann.page, order);
    await ann.page.reload();
    await annChat.waitForApp();
    await annChat.waitForStatus('open');
    await annChat.waitForEntry('carol 3', { timeout: WAIT_MS });
    const annReloaded = await texts(annChat);
    assert.deepEqual(annReloaded, order, `Ann's tab after its reload, once each and in order:\n${annReloaded.join('\n')}`);

    carol.send(JSON.stringify({ name: 'Carol', msg: 'carol late' }));
    order.push('carol late');
    await everywhere('carol late');
    await annChat.send('ann late');
    order.push('ann late');
    await waitForRendered(bob.page, 'ann late', { timeout: WAIT_MS });
  } finally {
    carol.close();
  }

  await waitForStored(bob.page, order);
  for (const [who, { page }, chat] of [['Bob', bob, bobChat], ['Ann', ann, annChat]]) {
    await page.reload();
    await chat.waitForApp();
    await chat.waitForEntry('ann late', { timeout: WAIT_MS });
    const entries = (await chat.entries()).filter((e) => e.kind !== 'system');
    const seen = entries.map((e) => e.text);
    const twice = seen.filter((text, i) => seen.indexOf(text) !== i);
    assert.deepEqual(twice, [], `${who}'s tab after a reload shows entries twice:\n${summarize(entries)}`);
    assert.deepEqual(seen, order, `${who}'s tab after a reload, in order:\n${summarize(entries)}`);
    const carols = entries.filter((e) => e.text.startsWith('carol'));
    assert.ok(carols.every((e) => e.kind === 'received' && e.sender === 'Carol'), `Carol's lines are hers:\n${summarize(carols)}`);
  }

  assert.deepEqual(ann.errors, []);
  assert.deepEqual(bob.errors, []);
});
