'use strict';
// The conversation is kept in IndexedDB, one history per server endpoint
// (shared CONTRACT.md, "The page", History): a reload, or a closed and
// reopened tab, shows it again, oldest to newest, with its times and
// delivery states; #clear-history forgets it after a confirmation; another
// `server` has its own; the token is never stored.
//
// Before a reload the test waits until IndexedDB holds the newest entry:
// writes are batched per animation frame, and a reload may end a
// transaction still open. System lines need not be kept, so they are left
// out of every comparison.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { connect } = require('../lib/flood');
const { SettingsPanel, waitUntil } = require('../lib/settings-page');
const { localStorageText } = require('../lib/secrets');
const { idbText, waitForStored, waitForRendered, quickFlood } = require('../lib/history');

const browser = useBrowser();
const WAIT_MS = 60_000;
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** `{"name": from, "msg": "<prefix><offset + i>"}`. */
const botFrame = (prefix, offset = 0, from = 'bot') => (i) => JSON.stringify({ name: from, msg: `${prefix}${offset + i}` });

/** What a reload must keep of an entry: system lines left out, ids (the page's own) too. */
const kept = (entries) =>
  entries.filter((e) => e.kind !== 'system').map(({ kind, sender, text, state, time }) => ({ kind, sender, text, state, time }));

/** Opens the app in `page` with `params` and waits until it is connected. */
async function openChat(page, params) {
  const chat = new ChatPage(page);
  await chat.goto(relay.url, params);
  await chat.waitForStatus('open');
  return chat;
}

/** Waits until the rendered entry with text `text` has data-state `state`. */
function waitForState(page, text, state) {
  return page.waitForFunction(
    ([wanted, wantedState]) =>
      [...document.querySelectorAll('#chat-text .entry')].some(
        (e) => e.querySelector('.text')?.textContent === wanted && e.dataset.state === wantedState,
      ),
    [text, state],
    { timeout: WAIT_MS },
  );
}

test('a reload, and a new tab, keep 2,000 received entries and own messages in order with their states', { timeout: 300_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = await openChat(page, { name: 'alice' });

  // A peer that sends alice's first three messages back: their echo marks
  // them delivered (echo=fold); the others stay sent (the relay sends
  // nobody's frame back to its sender). Only the first ones: an echo folds
  // into the oldest unconfirmed message only.
  const ECHOED = new Set(['mine 0', 'mine 1', 'mine 2']);
  const peer = await connect(`${relay.wsUrl}/ws`);
  peer.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.name === 'alice' && ECHOED.has(frame.msg)) peer.send(JSON.stringify({ name: 'alice', msg: frame.msg }));
  });

  try {
    await quickFlood(`${relay.wsUrl}/ws`, 1000, botFrame('r'));
    await waitForRendered(page, 'r999', { timeout: WAIT_MS });
    for (let i = 0; i < 6; i += 1) {
      const text = `mine ${i}`;
      await chat.send(text);
      await waitForState(page, text, ECHOED.has(text) ? 'delivered' : 'sent');
    }
    await quickFlood(`${relay.wsUrl}/ws`, 1000, botFrame('r', 1000));
    await waitForRendered(page, 'r1999', { timeout: WAIT_MS });
  } finally {
    peer.close();
  }

  const expected = [
    ...Array.from({ length: 1000 }, (_, i) => ({ kind: 'received', sender: 'bot', text: `r${i}`, state: null })),
    ...Array.from({ length: 6 }, (_, i) => ({ kind: 'sent', text: `mine ${i}`, state: i < 3 ? 'delivered' : 'sent' })),
    ...Array.from({ length: 1000 }, (_, i) => ({ kind: 'received', sender: 'bot', text: `r${1000 + i}`, state: null })),
  ];
  const matches = (entries) =>
    entries.length === expected.length &&
    entries.every((e, i) => Object.entries(expected[i]).every(([key, value]) => e[key] === value));

  const before = kept(await chat.entries());
  assert.ok(matches(before), `before the reload the log is not as sent:\n${summarize(before.slice(-20))}`);
  assert.ok(before.every((e) => e.time), 'every entry has its time');

  await waitForStored(page, ['r1999', 'mine 5']);
  await page.reload();
  await chat.waitForApp();
  await waitForRendered(page, 'r1999', { timeout: WAIT_MS });
  const reloaded = kept(await chat.entries());
  assert.ok(
    matches(reloaded),
    `after the reload: ${reloaded.length} of ${expected.length} entries; the first and last:\n` +
      `${summarize(reloaded.slice(0, 5))}\n  ...\n${summarize(reloaded.slice(-10))}`,
  );
  assert.deepEqual(reloaded, before, 'the same entries, times and states after the reload');

  // The tab closed, and another one opened: the same origin's storage.
  const context = page.context();
  await page.close();
  const again = await browser.pageIn(context);
  const chatAgain = new ChatPage(again.page);
  await chatAgain.goto(relay.url, { name: 'alice' });
  await waitForRendered(again.page, 'r1999', { timeout: WAIT_MS });
  const reopened = kept(await chatAgain.entries());
  assert.deepEqual(reopened, before, 'the same entries, times and states in a new tab');

  assert.deepEqual(errors, []);
  assert.deepEqual(again.errors, []);
});

test('another server has its own history, and #clear-history forgets the current one after a confirmation', { timeout: 240_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const context = page.context();
  let chat = await openChat(page, { name: 'alice' });
  await quickFlood(`${relay.wsUrl}/ws`, 50, botFrame('c'));
  await waitForRendered(page, 'c49', { timeout: WAIT_MS });
  await chat.send('mine on /ws');
  await waitForState(page, 'mine on /ws', 'sent');
  await waitForStored(page, ['c49', 'mine on /ws']);
  await page.close();

  // The same relay under another `server` value (it relays on any path):
  // another history, which starts empty.
  const otherServer = `${relay.wsUrl}/other`;
  const other = await browser.pageIn(context);
  const otherChat = await openChat(other.page, { name: 'alice', server: otherServer });
  await otherChat.send('mine on /other');
  await waitForState(other.page, 'mine on /other', 'sent');
  await waitForStored(other.page, ['mine on /other']);
  await other.page.reload();
  await otherChat.waitForApp();
  await otherChat.waitForEntry('mine on /other', { timeout: WAIT_MS });
  let texts = (await otherChat.entries()).map((e) => e.text);
  assert.ok(!texts.includes('c0') && !texts.includes('mine on /ws'), `/other shows /ws's history:\n${texts.join('\n')}`);
  await other.page.close();

  // Back on /ws: its own history, without /other's.
  const back = await browser.pageIn(context);
  chat = await openChat(back.page, { name: 'alice' });
  await waitForRendered(back.page, 'c49', { timeout: WAIT_MS });
  texts = (await chat.entries()).map((e) => e.text);
  assert.ok(texts.includes('c0') && texts.includes('mine on /ws'), `/ws lost its history:\n${texts.join('\n')}`);
  assert.ok(!texts.includes('mine on /other'), "/ws shows /other's history");

  // #clear-history asks first; accepted, the history goes.
  const dialogs = [];
  back.page.on('dialog', async (dialog) => {
    dialogs.push(dialog.type());
    await dialog.accept();
  });
  const settings = new SettingsPanel(back.page);
  await settings.open();
  await back.page.locator('#clear-history').click();
  await waitUntil(() => dialogs.length > 0, '#clear-history asked for no confirmation', { timeout: WAIT_MS });
  assert.deepEqual(dialogs, ['confirm'], '#clear-history asks with a confirm dialog');
  const deadline = Date.now() + WAIT_MS;
  while ((await idbText(back.page)).includes('mine on /ws')) {
    assert.ok(Date.now() < deadline, 'IndexedDB still holds the cleared history');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await back.page.reload();
  await chat.waitForApp();
  await chat.waitForStatus('open');
  texts = (await chat.entries()).filter((e) => e.kind !== 'system').map((e) => e.text);
  assert.deepEqual(texts, [], 'nothing of the cleared history comes back');

  // Only the current server's history went.
  const last = await browser.pageIn(context);
  const lastChat = await openChat(last.page, { name: 'alice', server: otherServer });
  await lastChat.waitForEntry('mine on /other', { timeout: WAIT_MS });
  await lastChat.waitForStatus('open');

  for (const list of [errors, other.errors, back.errors, last.errors]) assert.deepEqual(list, []);
});

test('the token never reaches IndexedDB or localStorage, and the history is not keyed by it', { timeout: 180_000 }, async () => {
  const TOKEN = 'tok-5e1f9c-history-secret';
  const server = `${relay.wsUrl}/ws?key={token}`;
  const appUrl = (token) => {
    const url = new URL(relay.url);
    url.searchParams.set('name', 'alice');
    url.searchParams.set('server', server);
    url.hash = `token=${token}`;
    return url.href;
  };

  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await page.goto(appUrl(TOKEN));
  await chat.waitForApp();
  await chat.waitForStatus('open');
  await quickFlood(`${relay.wsUrl}/ws`, 20, botFrame('t'));
  await waitForRendered(page, 't19', { timeout: WAIT_MS });
  await chat.send('said with a token');
  await waitForState(page, 'said with a token', 'sent');
  await waitForStored(page, ['t19', 'said with a token']);

  const forms = [TOKEN, encodeURIComponent(TOKEN)];
  const stored = await idbText(page);
  assert.ok(stored.includes('said with a token'), 'the history is in IndexedDB');
  for (const form of forms) {
    assert.ok(!stored.includes(form), 'the token is in IndexedDB');
    assert.ok(!(await localStorageText(page)).includes(form), 'the token is in localStorage');
  }

  // Another tab, another token: the same endpoint, so the same history.
  const context = page.context();
  await page.close();
  const other = await browser.pageIn(context);
  const otherChat = new ChatPage(other.page);
  await other.page.goto(appUrl('another-token-77'));
  await otherChat.waitForApp();
  await waitForRendered(other.page, 'said with a token', { timeout: WAIT_MS });
  for (const form of forms) assert.ok(!(await idbText(other.page)).includes(form), 'the token is in IndexedDB');

  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
});
