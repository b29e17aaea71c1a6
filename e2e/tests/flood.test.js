'use strict';
// A flood of frames is applied in batches, never one render per frame
// (issue 2, "the conversation model"). The page counts how many times
// #chat-text changed, with a MutationObserver: one callback per render.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const WebSocket = require('ws');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');

const FRAMES = 2000;
const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

test(`${FRAMES} frames arrive in far fewer renders than frames, all in order`, { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Ann' });
  await chat.waitForStatus('open');
  await page.evaluate(() => {
    window.__renders = 0;
    new MutationObserver(() => {
      window.__renders += 1;
    }).observe(document.querySelector('#chat-text'), { childList: true, subtree: true, characterData: true });
  });

  const flooder = new WebSocket(relay.wsUrl);
  await new Promise((resolve, reject) => {
    flooder.once('open', resolve);
    flooder.once('error', reject);
  });
  for (let i = 0; i < FRAMES; i += 1) {
    flooder.send(JSON.stringify({ name: 'flood', msg: `f${i}` }));
  }
  await page.waitForFunction(
    (n) => document.querySelectorAll('#chat-text .entry .received').length >= n,
    FRAMES,
    { timeout: 30_000 },
  );
  flooder.close();

  const renders = await page.evaluate(() => window.__renders);
  const texts = (await chat.entries()).filter((e) => e.kind === 'received').map((e) => e.text);
  assert.equal(texts.length, FRAMES);
  assert.deepEqual(texts.slice(0, 3), ['f0', 'f1', 'f2']);
  assert.equal(texts[FRAMES - 1], `f${FRAMES - 1}`);
  assert.ok(texts.every((t, i) => t === `f${i}`), 'in order');
  // One render per frame would be 2000 callbacks; batching per animation
  // frame gives a few dozen.
  assert.ok(renders < FRAMES / 10, `${renders} renders for ${FRAMES} frames`);
  console.log(`flood: ${FRAMES} frames in ${renders} renders`);
  assert.deepEqual(errors, []);
});
