'use strict';
// Memory is bounded whatever a server sends (shared CONTRACT.md, "The
// page", Memory; issue 16, item 2): a hostile flood of 256 MiB of text,
// 16,384 frames of 16 KiB, through the relay. The page stays alive, the
// newest entry shows, the message input still takes text, the wasm memory
// stays under 128 MiB (a client that holds all of it needs more than 256),
// and either the history holds every entry (the first comes back at the
// top) or a system line says how many were dropped.
//
// The flooder is paced by what the page shows (lib/flood.js), so the relay
// never queues so much that its pings wait behind the frames and it drops
// the page. Playwright reports every frame to the test (its Network
// domain), which slows the flood but changes nothing the test checks.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { paddedFrame } = require('../lib/flood');
const { watchPage, wasmBytes, floodInto, renderedEntries } = require('../lib/history');

const browser = useBrowser();
const FRAME_BYTES = 16 * 1024;
const FRAMES = 16_384; // 256 MiB
const WASM_LIMIT = 128 * 1024 * 1024;
const WAIT_MS = 120_000;
let relay;

before(async () => {
  // Without the test hooks, which would keep the text of every frame.
  relay = await startRelay({ hooks: false });
});
after(async () => {
  await relay?.stop();
});

const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
/** A system line that says entries were dropped, and how many. */
const DROPPED = /\d.*\b(dropped|discarded|removed|lost)\b|\b(dropped|discarded|removed|lost)\b.*\d/i;

test('a hostile flood of 256 MiB leaves the page alive, the newest entry shown and wasm memory under 128 MiB', { timeout: 900_000 }, async (t) => {
  const { page, errors } = await browser.newPage();
  await watchPage(page);
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Survivor' });
  await chat.waitForStatus('open');
  await page.waitForFunction(() => window.__bench?.wasm?.memory instanceof WebAssembly.Memory, null, { timeout: WAIT_MS });
  const startBytes = await wasmBytes(page);

  const started = Date.now();
  await floodInto(page, `${relay.wsUrl}/ws`, FRAMES, {
    frame: paddedFrame(FRAME_BYTES),
    // 16 KiB frames: at most about 2 s ahead, between 4 and 64 MiB.
    minAhead: 256,
    maxAhead: 4096,
    initialAhead: 512,
    chunk: 64,
    highWater: 4 << 20,
    stallMs: WAIT_MS,
  });
  t.diagnostic(`flood of ${FRAMES} frames (${mib(FRAMES * FRAME_BYTES)}) shown in ${Math.round((Date.now() - started) / 1000)} s`);

  // Alive, and the newest entry is shown.
  assert.equal(await page.evaluate(() => 6 * 7), 42, 'the page still runs scripts');
  assert.equal(await page.evaluate((last) => window.__bench.has(last), `f${FRAMES - 1}`), true, 'the newest entry is in #chat-text');

  const bytes = await wasmBytes(page);
  t.diagnostic(`wasm memory: ${mib(startBytes)} before, ${mib(bytes)} after`);
  assert.ok(bytes < WASM_LIMIT, `wasm memory is ${mib(bytes)}, over ${mib(WASM_LIMIT)}`);

  // The message input takes text, and the message goes out.
  await chat.message.fill('still here after the flood');
  assert.equal(await chat.message.inputValue(), 'still here after the flood');
  await chat.message.press('Enter');
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('#chat-text .entry')].some(
        (e) => e.querySelector('.text')?.textContent === 'still here after the flood' && e.dataset.state === 'sent',
      ),
    null,
    { timeout: WAIT_MS },
  );
  assert.equal((await chat.status()).state, 'open');

  // Every entry kept (the first comes back at the top), or a line says how many went.
  const dropLines = async () => (await renderedEntries(page)).filter((e) => e.kind === 'system' && DROPPED.test(e.text)).map((e) => e.text);
  const atBottom = await dropLines();
  const jump = await page.evaluate(() => window.__bench.jump('f0', 60_000));
  const atTop = await dropLines();
  t.diagnostic(
    jump.reached ? 'the first entry came back at the top' : `the first flood entry at the top is ${jump.firstShown}; drop lines: ${[...atBottom, ...atTop].join(' | ') || 'none'}`,
  );
  assert.ok(
    jump.reached || atBottom.length + atTop.length > 0,
    `the first entry is gone (the top shows ${jump.firstShown ?? 'no flood entry'}) and no system line says how many were dropped`,
  );

  assert.deepEqual(errors, []);
});

test('without IndexedDB, a flood past the memory bound drops the oldest entries and a system line says how many', { timeout: 900_000 }, async (t) => {
  const { page, errors } = await browser.newPage();
  // A private mode without IndexedDB.
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await watchPage(page);
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Private' });
  await chat.waitForStatus('open');
  await page.waitForFunction(() => window.__bench?.wasm?.memory instanceof WebAssembly.Memory, null, { timeout: WAIT_MS });

  // 96 MiB: more than the 64 MiB held.
  const frames = 6_144;
  await floodInto(page, `${relay.wsUrl}/ws`, frames, {
    frame: paddedFrame(FRAME_BYTES),
    minAhead: 256,
    maxAhead: 4096,
    initialAhead: 512,
    chunk: 64,
    highWater: 4 << 20,
    stallMs: WAIT_MS,
  });
  assert.equal(await page.evaluate((last) => window.__bench.has(last), `f${frames - 1}`), true, 'the newest entry is in #chat-text');
  const bytes = await wasmBytes(page);
  t.diagnostic(`wasm memory: ${mib(bytes)}`);
  assert.ok(bytes < WASM_LIMIT, `wasm memory is ${mib(bytes)}, over ${mib(WASM_LIMIT)}`);

  // The lines come as chunks go, so the newest may be above the rendered
  // window: the search finds it and brings it into view.
  await page.locator('#chat-text').focus();
  await page.keyboard.press('Control+f');
  await page.locator('#search').fill('dropped to save memory');
  await page.waitForFunction(() => /^1 of \d+$/.test(document.querySelector('#search-count')?.textContent ?? ''), null, { timeout: WAIT_MS });
  // The revealed row renders on the next frames: wait for it.
  await page
    .waitForFunction(
      () => [...document.querySelectorAll('#chat-text .entry')].some((e) => e.querySelector('.system') && /dropped/.test(e.textContent)),
      null,
      { timeout: WAIT_MS },
    )
    .catch(() => {});
  const line = (await renderedEntries(page)).filter((e) => e.kind === 'system' && DROPPED.test(e.text)).at(-1);
  assert.ok(
    line,
    `a system line says entries were dropped; search: ${await page.locator('#search-count').textContent()}, rendered: ${(await renderedEntries(page))
      .map((e) => `${e.kind}:${e.text.slice(0, 60)}`)
      .join(' | ')}`,
  );
  const total = Number(/\((\d+) in all\)/.exec(line.text)?.[1]);
  assert.ok(total > 0 && total < frames, `the line counts what went: ${line.text}`);
  t.diagnostic(line.text);
  assert.deepEqual(errors, []);
});
