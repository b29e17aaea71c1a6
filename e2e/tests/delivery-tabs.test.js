'use strict';
// A duplicated tab never sends its original's queue, even while the
// original is busy or frozen (issue 9; contract, "The connection"). A
// duplicated tab starts with a copy of the original's sessionStorage, so
// each test opens a second tab in the same browser (same origin, same
// locks) whose sessionStorage starts as that copy, and with the same URL.
// The relay runs with a tally, so "exactly once" is counted at the relay.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startGate } = require('../lib/reconnect-helpers');
const {
  startTallyRelay,
  received,
  waitUntil,
  copySessionScript,
  launchPlainChromium,
} = require('../lib/delivery');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startTallyRelay();
});
after(async () => {
  await relay?.stop();
});

const REFUSED = [/WebSocket connection to .* failed/];
const BUSY_MS = 4_000;
const isCopiedLine = (e) => e.kind === 'system' && e.text.startsWith('this tab was copied');

test('a duplicated tab whose original is busy leaves the queue to it: the message goes out once', { timeout: 90_000 }, async () => {
  // Bug guarded: the copy asked over a BroadcastChannel and waited 300 ms;
  // an original whose main thread was blocked did not answer, so both tabs
  // sent the copied queue.
  const gate = await startGate(relay.port, { open: false });
  try {
    const { page, errors } = await browser.newPage({ allow: REFUSED });
    const ann = new ChatPage(page);
    await ann.goto(relay.url, { name: 'Ann', server: `${gate.wsUrl}/ws` });
    await ann.send('only once, busy original');
    await ann.waitForEntry({ kind: 'sent', text: 'only once, busy original', state: 'pending' });

    const storage = await page.evaluate(() => Object.fromEntries(Object.entries(sessionStorage)));
    const copyPage = await page.context().newPage();
    const copyErrors = [];
    copyPage.on('pageerror', (error) => copyErrors.push(error.message));
    await copyPage.addInitScript(copySessionScript(storage));
    const copy = new ChatPage(copyPage);

    // The original's main thread is blocked while the copy loads and claims.
    const busy = page.evaluate((ms) => {
      const from = Date.now();
      while (Date.now() - from < ms);
      return { from, to: Date.now() };
    }, BUSY_MS);
    await copy.goto(page.url());
    const line = await copy.waitForEntry(isCopiedLine, { timeout: 20_000 });
    const decidedAt = Date.parse(
      await copyPage.locator('#chat-text .line', { has: copyPage.locator('.entry', { hasText: line.text }) })
        .locator('time')
        .getAttribute('datetime'),
    );
    const { from, to } = await busy;
    assert.ok(
      decidedAt >= from && decidedAt <= to,
      `the copy must decide while the original is busy (${from}..${to}), it decided at ${decidedAt}`,
    );
    assert.ok(!(await copy.entries()).some((e) => e.kind === 'sent'), 'the copy drops the copied queue');

    // Both reach the relay: the original sends its queue, the copy nothing.
    gate.open();
    await ann.reconnectButton.click();
    await copy.reconnectButton.click();
    await waitUntil(() => received(relay, 'only once, busy original') >= 1, () => `never sent:\n${relay.output()}`);
    await copy.waitForStatus('open');
    await copy.send('marker from the busy test copy');
    await waitUntil(() => received(relay, 'marker from the busy test copy') === 1, 'the copy never sent its marker');
    await ann.send('marker from the busy test original');
    await waitUntil(() => received(relay, 'marker from the busy test original') === 1, 'no marker from the original');
    assert.equal(received(relay, 'only once, busy original'), 1, 'exactly once');
    assert.deepEqual(errors, []);
    assert.deepEqual(copyErrors, []);
  } finally {
    await gate.close();
  }
});

test('a duplicated tab whose original is frozen leaves the queue to it: the message goes out once', { timeout: 90_000 }, async () => {
  // Driven over a plain CDP connection: a Playwright page is never frozen,
  // since Playwright's focus emulation keeps it visible.
  const gate = await startGate(relay.port, { open: false });
  const chromium = await launchPlainChromium();
  try {
    const url = `${relay.url}/?name=Ann&server=${encodeURIComponent(`${gate.wsUrl}/ws`)}`;
    const original = await chromium.cdp.newTab();
    await original.goto(url);
    await original.sendMessage('only once, frozen original');
    await waitUntil(
      async () => (await original.entries()).some((e) => e.text === 'only once, frozen original' && e.state === 'pending'),
      'the original never queued its message',
    );
    await original.evaluate(`(() => {
      window.__lifecycle = [];
      document.addEventListener('freeze', () => window.__lifecycle.push(['frozen', Date.now()]));
      document.addEventListener('resume', () => window.__lifecycle.push(['resumed', Date.now()]));
    })()`);
    const storage = await original.evaluate('Object.fromEntries(Object.entries(sessionStorage))');
    await original.send('Page.setWebLifecycleState', { state: 'frozen' });

    const copy = await chromium.cdp.newTab();
    await copy.send('Page.addScriptToEvaluateOnNewDocument', { source: copySessionScript(storage) });
    await copy.goto(url);
    await waitUntil(
      async () => (await copy.entries()).some(isCopiedLine),
      async () => `the copy never saw the frozen original:\n${summarize(await copy.entries())}`,
      { timeout: 20_000 },
    );
    const decidedAt = Date.now();
    assert.ok(!(await copy.entries()).some((e) => e.kind === 'sent'), 'the copy drops the copied queue');

    await original.send('Page.setWebLifecycleState', { state: 'active' });
    const lifecycle = await original.evaluate('window.__lifecycle');
    const frozenAt = lifecycle.find(([what]) => what === 'frozen')?.[1];
    const resumedAt = lifecycle.find(([what]) => what === 'resumed')?.[1];
    assert.ok(frozenAt !== undefined && resumedAt !== undefined, `the original was never frozen: ${JSON.stringify(lifecycle)}`);
    assert.ok(frozenAt <= decidedAt && decidedAt <= resumedAt, 'the copy decided while the original was frozen');

    gate.open();
    await original.evaluate(`document.querySelector('#reconnect').click()`);
    await copy.evaluate(`document.querySelector('#reconnect').click()`);
    await waitUntil(() => received(relay, 'only once, frozen original') >= 1, () => `never sent:\n${relay.output()}`);
    await waitUntil(async () => (await copy.status()) === 'open', 'the copy never connected');
    await copy.sendMessage('marker from the frozen test copy');
    await waitUntil(() => received(relay, 'marker from the frozen test copy') === 1, 'the copy never sent its marker');
    await original.sendMessage('marker from the frozen test original');
    await waitUntil(() => received(relay, 'marker from the frozen test original') === 1, 'no marker from the original');
    assert.equal(received(relay, 'only once, frozen original'), 1, 'exactly once');
    assert.deepEqual(original.errors, []);
    assert.deepEqual(copy.errors, []);
  } finally {
    await chromium.close();
    await gate.close();
  }
});
