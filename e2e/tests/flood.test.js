'use strict';
// A flood of frames is applied in batches, at most one render per animation
// frame, and the whole conversation stays reachable while only a window of
// it is in the DOM (shared CONTRACT.md, "The page").
//
// What is counted is the client, never the machine: every render that shows
// new entries is filed under the animation frame it happened in (the
// document timeline's time, which is the same for everything run in one
// frame). A loaded machine gives fewer frames and bigger batches; it cannot
// give two renders in one frame.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const WebSocket = require('ws');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');

const browser = useBrowser();
const WAIT_MS = 60_000;
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** Sends `count` frames `f0`, `f1`, ... from a plain ws client, minding its buffer. */
async function flood(count, prefix = 'f') {
  const flooder = new WebSocket(relay.wsUrl);
  await new Promise((resolve, reject) => {
    flooder.once('open', resolve);
    flooder.once('error', reject);
  });
  for (let i = 0; i < count; i += 1) {
    flooder.send(JSON.stringify({ name: 'flood', msg: `${prefix}${i}` }));
    if (flooder.bufferedAmount > 1 << 20) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  await new Promise((resolve) => flooder.close() || flooder.once('close', resolve));
}

/** Opens the app as `name` and waits until it is connected. */
async function open(name) {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name });
  await chat.waitForStatus('open');
  return { page, errors, chat };
}

/** The texts of the received entries rendered now, in order. */
function renderedTexts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#chat-text .entry')]
      .filter((entry) => entry.querySelector('.received'))
      .map((entry) => entry.querySelector('.text').textContent),
  );
}

/**
 * Waits until the log's scroll position has stopped moving (keyboard
 * scrolling is animated) and the rows for it are rendered: the same position
 * over three animation frames.
 */
function scrollSettled(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const log = document.querySelector('#chat-text');
        let last = NaN;
        let still = 0;
        const check = () => {
          still = log.scrollTop === last ? still + 1 : 0;
          last = log.scrollTop;
          if (still >= 3) resolve();
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
  );
}

/** Scrolls the log to `top` (a number, or 'bottom') as dragging the scrollbar does. */
async function scrollLog(page, top) {
  await page.evaluate((to) => {
    const log = document.querySelector('#chat-text');
    log.scrollTop = to === 'bottom' ? log.scrollHeight : to;
  }, top);
}

test('2000 frames render at most once per animation frame, in order, all reachable', { timeout: 120_000 }, async () => {
  const FRAMES = 2000;
  const { page, errors } = await open('Ann');
  await page.evaluate(() => {
    window.__frames = new Set();
    const tick = (time) => {
      window.__frames.add(time);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    // Renders that show new entries, by the frame they happened in.
    window.__rendersByFrame = new Map();
    const newestShown = (since) => {
      let shown = since;
      for (const entry of document.querySelectorAll('#chat-text .entry')) {
        shown = Math.max(shown, Number(entry.dataset.id));
      }
      return shown;
    };
    let newest = newestShown(-1);
    new MutationObserver(() => {
      const shown = newestShown(newest);
      if (shown > newest) {
        newest = shown;
        const frame = document.timeline.currentTime;
        window.__rendersByFrame.set(frame, (window.__rendersByFrame.get(frame) ?? 0) + 1);
      }
    }).observe(document.querySelector('#chat-text'), { childList: true, subtree: true });
  });

  await flood(FRAMES);
  await page.waitForFunction(
    (last) => [...document.querySelectorAll('#chat-text .entry .text')].some((t) => t.textContent === last),
    `f${FRAMES - 1}`,
    { timeout: WAIT_MS },
  );

  const { renders, frames, worst, doubled } = await page.evaluate(() => {
    const counts = [...window.__rendersByFrame.values()];
    return {
      renders: counts.reduce((a, b) => a + b, 0),
      frames: window.__frames.size,
      worst: Math.max(...counts),
      doubled: [...window.__rendersByFrame].filter(([, n]) => n > 1).map(([frame]) => frame),
    };
  });
  console.log(`flood: ${FRAMES} frames in ${renders} renders over ${frames} animation frames`);
  assert.equal(worst, 1, `at most one render per animation frame, saw ${worst} in the frames at ${doubled}`);
  assert.ok(renders <= frames + 1, `${renders} renders in ${frames} animation frames`);

  // Only a window is in the DOM, the newest entry at the bottom.
  const bottom = await renderedTexts(page);
  assert.ok(bottom.length < 300, `${bottom.length} entries rendered`);
  assert.equal(bottom.at(-1), `f${FRAMES - 1}`);

  // Page up through the whole conversation: every frame is there, once, in order.
  await page.focus('#chat-text');
  const seen = [];
  for (let step = 0; step < 1000; step += 1) {
    const texts = await renderedTexts(page);
    for (const text of texts.slice().reverse()) {
      if (!seen.includes(text)) seen.unshift(text);
    }
    if (texts[0] === 'f0') break;
    await page.keyboard.press('PageUp');
    await scrollSettled(page);
  }
  const expected = Array.from({ length: FRAMES }, (_, i) => `f${i}`);
  assert.equal(seen.length, FRAMES, 'every frame was reachable by scrolling up');
  assert.deepEqual(seen, expected, 'once each, in order');
  assert.deepEqual(errors, []);
});

test('a 20,000-message conversation scrolls back to its very first message', { timeout: 180_000 }, async () => {
  const MESSAGES = 20_000;
  const { page, errors } = await open('Bea');
  await flood(MESSAGES, 'm');
  await page.waitForFunction(
    (last) => [...document.querySelectorAll('#chat-text .entry .text')].some((t) => t.textContent === last),
    `m${MESSAGES - 1}`,
    { timeout: WAIT_MS },
  );
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  assert.ok(elements < 2000, `the DOM stays bounded: ${elements} elements`);

  // Dragging the scrollbar to the top shows the first message.
  await scrollLog(page, 0);
  await page.waitForFunction(
    () => document.querySelector('#chat-text .entry:has(.received) .text')?.textContent === 'm0',
    null,
    { timeout: WAIT_MS },
  );
  const top = await renderedTexts(page);
  assert.deepEqual(top.slice(0, 5), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.ok(top.every((text, i) => text === `m${i}`), 'the first window is in order');

  // The newest is back at the bottom, and the jump button was offered.
  assert.equal(await page.locator('#jump-latest').isVisible(), true);
  await page.locator('#jump-latest').click();
  await page.waitForFunction(
    (last) => [...document.querySelectorAll('#chat-text .entry .text')].at(-1)?.textContent === last,
    `m${MESSAGES - 1}`,
    { timeout: WAIT_MS },
  );
  assert.deepEqual(errors, []);
});

test('the jump button counts what arrives while the reader is scrolled up, and the title says it', { timeout: 120_000 }, async () => {
  const ann = await open('Ann');
  const bob = await open('Bob');
  for (let i = 0; i < 30; i += 1) await bob.chat.send(`early ${i}`);
  await ann.chat.waitForEntry({ kind: 'received', text: 'early 29' });

  // Ann reads back; Bob writes three more.
  await scrollLog(ann.page, 0);
  await ann.page.locator('#jump-latest').waitFor({ state: 'visible' });
  for (const text of ['one', 'two', 'three']) await bob.chat.send(text);
  await ann.page.waitForFunction(
    () => document.querySelector('#jump-latest')?.textContent === '3 new messages',
    null,
    { timeout: WAIT_MS },
  );
  assert.equal(await ann.page.title(), '(3) wschat');
  const first = await renderedTexts(ann.page);
  assert.equal(first[0], 'early 0', 'what Ann reads did not move');

  // Bob's own page counts nothing: his messages are his.
  assert.equal(await bob.page.title(), 'wschat');

  await ann.page.locator('#jump-latest').click();
  await ann.page.waitForFunction(() => document.title === 'wschat', null, { timeout: WAIT_MS });
  const divider = await ann.page.evaluate(
    () => document.querySelector('#chat-text .row.divider .entry .text')?.textContent ?? null,
  );
  assert.equal(divider, 'one', 'the divider marks where the unread part starts');
  assert.equal(await ann.page.locator('#jump-latest').isVisible(), false);
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(bob.errors, []);
});
