'use strict';
// The page as an accessibility checker sees it: axe-core, over WCAG 2.1 A
// and AA and its best practices, in the light and the dark scheme, with the
// settings open, a sent, a received, a pending and an uncertain entry, and
// the jump button shown.

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
    await sendAs('Bob', Array.from({ length: 12 }, (_, i) => `line ${i}`));
    await chat.waitForEntry({ kind: 'received', text: 'line 11' });

    await page.locator('#disconnect').click();
    await chat.waitForStatus('closed');
    await chat.send('later');
    await chat.waitForEntry({ kind: 'sent', text: 'later', state: 'pending' });

    // Scrolled up a little: the jump button shows.
    await page.locator('#settings summary').click();
    await page.locator('#settings-form').waitFor({ state: 'visible' });
    await page.evaluate(() => {
      const log = document.querySelector('#chat-text');
      log.scrollTop = log.scrollHeight - log.clientHeight - 100;
    });
    await page.locator('#jump-latest').waitFor({ state: 'visible' });
    const states = await page.evaluate(() =>
      [...document.querySelectorAll('#chat-text .entry[data-state]')].map((e) => e.dataset.state),
    );
    for (const state of ['uncertain', 'sent', 'pending']) {
      assert.ok(states.includes(state), `a ${state} entry is on the page: ${states}`);
    }

    const found = await violations(page);
    assert.deepEqual(found, [], `axe-core violations in the ${scheme} scheme:\n${found.join('\n')}`);
    assert.deepEqual(errors, []);
  });
}
