'use strict';
// The page as an accessibility checker sees it: axe-core, over WCAG 2.1 A
// and AA and its best practices, in the light and the dark scheme, with the
// settings open, a sent, a delivered, a received, a pending and an uncertain
// entry, and the jump button shown.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const WebSocket = require('ws');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { reloadWith } = require('../lib/plant');

const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** Sends each of `texts` through the relay from a plain client named `name`. */
async function sendAs(name, texts) {
  const peer = new WebSocket(relay.wsUrl);
  await new Promise((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  });
  for (const msg of texts) peer.send(JSON.stringify({ name, msg }));
  await new Promise((resolve) => {
    peer.once('close', resolve);
    peer.close();
  });
}

/** axe's violations on the page, one line per rule with the elements it names. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }).then((r) => r.violations),
    TAGS,
  );
  return found.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`,
  );
}

for (const scheme of ['light', 'dark']) {
  test(`axe-core finds no violation in the ${scheme} scheme`, { timeout: 90_000 }, async () => {
    const { page, errors } = await browser.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    const chat = new ChatPage(page);
    // An uncertain message, as a reload right after a send leaves it.
    await chat.goto(relay.url, { name: 'Ann' });
    await chat.waitForStatus('open');
    await reloadWith(page, {
      session: { 'wschat.outbox': '[{"name":"Ann","text":"did it arrive?","uncertain":true}]' },
    });
    await chat.waitForStatus('open');
    await chat.waitForEntry({ kind: 'sent', state: 'uncertain' });

    await chat.send('hello');
    await chat.waitForEntry({ kind: 'sent', text: 'hello', state: 'sent' });
    // Another client under the same name says the same: the echo confirms it.
    await sendAs('Ann', ['hello']);
    await chat.waitForEntry({ kind: 'sent', text: 'hello', state: 'delivered' });
    await chat.send('hello again');
    await chat.waitForEntry({ kind: 'sent', text: 'hello again', state: 'sent' });
    await sendAs('Bob', Array.from({ length: 12 }, (_, i) => `line ${i}`));
    await chat.waitForEntry({ kind: 'received', text: 'line 11' });

    await page.locator('#disconnect').click();
    await chat.waitForStatus('closed');
    await chat.send('later');
    await chat.waitForEntry({ kind: 'sent', text: 'later', state: 'pending' });

    // The log renders a window of its entries: axe looks at the top of the
    // conversation, then a little above the bottom, where the jump button
    // shows. Between them every kind of entry is on the page.
    await page.locator('#settings summary').click();
    await page.locator('#settings-form').waitFor({ state: 'visible' });
    const states = new Set();
    const found = [];
    for (const position of ['top', 'near the bottom']) {
      await page.evaluate((position) => {
        const log = document.querySelector('#chat-text');
        log.scrollTop = position === 'top' ? 0 : log.scrollHeight - log.clientHeight - 100;
      }, position);
      // The window follows the scroll on the next frame.
      const expected = position === 'top' ? 'uncertain' : 'pending';
      await page.locator(`#chat-text .entry[data-state="${expected}"]`).waitFor();
      if (position !== 'top') await page.locator('#jump-latest').waitFor({ state: 'visible' });
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('#chat-text .entry[data-state]')].map((e) => e.dataset.state),
      );
      shown.forEach((state) => states.add(state));
      found.push(...(await violations(page)).map((v) => `${position}: ${v}`));
    }
    for (const state of ['uncertain', 'sent', 'delivered', 'pending']) {
      assert.ok(states.has(state), `a ${state} entry is on the page: ${[...states]}`);
    }
    assert.deepEqual(found, [], `axe-core violations in the ${scheme} scheme:\n${found.join('\n')}`);
    assert.deepEqual(errors, []);
  });
}
