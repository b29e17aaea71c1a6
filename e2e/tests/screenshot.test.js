'use strict';
// Alice and Bob chat side by side, and the picture is saved: to
// e2e/test-results/screenshot.png by default, so that a test run leaves the
// tree clean; `npm run screenshot` (WSCHAT_SCREENSHOT=../docs/screenshot.png)
// refreshes the README's picture.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');

const SCREENSHOT = process.env.WSCHAT_SCREENSHOT
  ? path.resolve(process.env.WSCHAT_SCREENSHOT)
  : path.resolve(__dirname, '../test-results/screenshot.png');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

const CONVERSATION = [
  ['Alice', 'Hi Bob! Are you on the new client?'],
  ['Bob', 'Yes, it is Rust compiled to WebAssembly. Feels instant.'],
  ['Alice', 'Same relay as before, nothing changed on the server.'],
  ['Bob', 'Then let us ship it.'],
];

/** Two iframes side by side, each showing the app for one person. */
function sideBySide(url) {
  const frame = (name) =>
    `<iframe name="${name}" title="${name}" src="${url}/?name=${name}"></iframe>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>
  html, body { margin: 0; height: 100%; background: #d8dde3; }
  body { display: flex; gap: 12px; padding: 12px; box-sizing: border-box; }
  iframe { flex: 1; border: 0; border-radius: 6px; background: white; }
</style></head>
<body>${frame('Alice')}${frame('Bob')}</body></html>`;
}

test('Alice and Bob side by side make the README screenshot', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  // The side-by-side page comes from the relay's own origin, so that the
  // frames are first-party and may store their outbox: from about:blank
  // they would be third-party, and storage is refused there. Chromium
  // counts a document fulfilled by a route as public, so the page may reach
  // 127.0.0.1 only with the local-network permission.
  const sideBySideUrl = `${relay.url}/__side-by-side`;
  await page.context().grantPermissions(['local-network-access']);
  await page.route(sideBySideUrl, (route) =>
    route.fulfill({ contentType: 'text/html', body: sideBySide(relay.url) }),
  );
  await page.goto(sideBySideUrl);
  const chats = {
    Alice: new ChatPage(page.frame({ name: 'Alice' })),
    Bob: new ChatPage(page.frame({ name: 'Bob' })),
  };
  for (const chat of Object.values(chats)) {
    await chat.waitForApp();
    await chat.waitForStatus('open');
  }

  for (const [from, text] of CONVERSATION) {
    const to = from === 'Alice' ? 'Bob' : 'Alice';
    await chats[from].send(text);
    await chats[to].waitForEntry({ kind: 'received', sender: from, text });
    await chats[from].waitForEntry({ kind: 'sent', text, state: 'sent' });
  }

  for (const [who, chat] of Object.entries(chats)) {
    const lines = await chat.target.locator('#chat-text .entry').allTextContents();
    assert.equal(
      lines.filter((line) => line.startsWith('websocket')).length,
      1,
      `${who}'s only system line is "connected": ${JSON.stringify(lines)}`,
    );
    for (const [, text] of CONVERSATION) {
      const line = chat.target.locator('#chat-text .entry .text', { hasText: text });
      await line.scrollIntoViewIfNeeded();
      assert.ok(await line.isVisible(), `${who} sees "${text}"`);
    }
  }

  const startedAt = Date.now();
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  const written = fs.statSync(SCREENSHOT);
  assert.ok(written.mtimeMs >= startedAt - 1000, 'the screenshot was written by this run');
  assert.ok(written.size > 10_000, `the screenshot is a real picture (${written.size} bytes)`);
  const signature = fs.readFileSync(SCREENSHOT).subarray(0, 8);
  assert.deepEqual([...signature], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'it is a PNG');

  assert.deepEqual(errors, []);
});
