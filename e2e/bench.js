#!/usr/bin/env node
'use strict';
// The benchmark of issues 8 and 16. A benchmark, not a test: it prints each
// figure beside its target and a ratio to a baseline measured in the same
// run, PASS/FAIL per target, and exits 0 whenever it could measure.
//
//   node e2e/bench.js [--only floods,reload,search,hostile,brokers] [--sizes 10000,100000,1000000]
//                     [--reload-size 100000] [--search-size 1000000]
//                     [--hostile-frames 262144] [--hostile-frame-bytes 16384] ...
//                     (--help lists every option)
//
// It serves the release build (dist/, or $WSCHAT_DIST) on the reference relay
// (servers/relay.js). The app runs with its history on (the default); each
// app page starts from an empty history (its origin's storage is cleared).
//
// floods: for each size, N frames `{"name":"flood","msg":"f<i>"}` from a
// Node `ws` client through the relay, which forwards them as binary frames.
// The same flood goes, on a fresh page each, first to the floor
// (bench/floor.html: decode each frame, keep it, touch the DOM once per
// task; the baseline), then to the app at /?name=bench. Render time runs
// from the first flood text to the last (`f<N-1>`) being in #chat-text, seen
// by a MutationObserver installed before the flood (bench/page.js); long
// tasks come from a `longtask` PerformanceObserver. After the flood: DOM
// elements, the JS heap and the wasm memory after a forced GC. On the app it
// then jumps to the top (the first entry, f0, must show: all kept), and for
// 100,000 frames scrolls from the bottom to the top first.
//
// reload: a history of --reload-size entries; the time from navigation start
// to the newest entry rendered on a reload, minus the time to the app's first
// render (#status in the DOM) on a reload with an empty history (the
// baseline, same tab); then a jump to the top must reach the first entry.
//
// search: in --search-size entries (the flood's page when that size is
// flooded too), the time from typing `f0` (found only in the first entry)
// into #search to its row being rendered, median of --search-repeat; the
// baseline is the same search for the newest entry, already rendered (until
// #search-count reads `1 of 1`).
//
// hostile: --hostile-frames frames of --hostile-frame-bytes (by default 4 GiB
// of 16 KiB frames), each `f<i> xxx...`, paced, through the relay: the page
// alive at the end, wasm memory at most 256 MiB, the newest entry shown, the
// input takes text, and the first entry comes back at the top or a system
// line says how many were dropped. The baseline is the floor keeping nothing
// (?keep=0) on the same flood.
//
// brokers (bench/brokers.js): --broker-messages (100,000) messages published
// by a Node script through each broker (RabbitMQ Web-STOMP, mosquitto,
// nats-server, from lib/brokers.js) to one app page subscribed as bob, as
// fast as the broker takes them; render time and long tasks timed in the
// page as for the floods. The baselines, in the same run: the same number of
// frames through the relay, to the floor and to the app (the floods part's
// figures when it ran that size).
//
// Chromium is driven over a bare DevTools connection (lib/cdp.js) that never
// enables the Network domain: Playwright enables it, and Chromium then
// reports every WebSocket frame, which slows floods several times.
// --network-check measures the floor that way too, once with Network enabled
// over the same connection and once under Playwright, and prints all three.
//
// The flooder (lib/flood.js) keeps at most about two seconds of frames (by
// the rate the page shows them) ahead of what the page has shown. Without
// that, a million frames queue up in the relay, its pings wait behind them,
// and the relay drops the page as dead after 10 to 20 s.

const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { launchCdpBrowser } = require('./lib/cdp');
const { pacedFlood, paddedFrame } = require('./lib/flood');
const { startRelay, distDir } = require('./lib/servers');
const { INIT_SCRIPT } = require('./bench/page');
const { runBrokers } = require('./bench/brokers');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'scroll-frames': { type: 'string', default: '600' },
    'dom-limit': { type: 'string', default: '1000' },
    'stall-s': { type: 'string', default: '60' },
    'network-check': { type: 'boolean', default: false },
    'network-check-size': { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string' },
    'reload-size': { type: 'string', default: '100000' },
    'reload-repeat': { type: 'string', default: '3' },
    'search-size': { type: 'string', default: '1000000' },
    'search-repeat': { type: 'string', default: '5' },
    'hostile-frames': { type: 'string', default: '262144' },
    'hostile-frame-bytes': { type: 'string', default: '16384' },
    'hostile-floor': { type: 'string', default: 'yes' },
    'broker-messages': { type: 'string', default: '100000' },
    brokers: { type: 'string', default: 'stomp,mqtt,nats' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`node e2e/bench.js [options]
  --sizes LIST             frames per flood, comma-separated (default 10000,100000,1000000)
  --scroll-frames N        animation frames for the scroll from bottom to top at 100,000 (default 600)
  --dom-limit N            the most DOM elements the 1,000,000 target allows (default 1000)
  --stall-s N              give up on a flood when the page shows nothing new for N s (default 60)
  --repeat N               rounds of floor and app per size below 1,000,000, the median shown (default 3);
                           a million-frame flood runs once
  --network-check          also time the floor with Network enabled, and under Playwright
  --network-check-size N   frames for that check (default 10000)
  --only LIST              parts to run, comma-separated: floods, reload, search, hostile, brokers (default all;
                           floods alone when --sizes is given without --only)
  --reload-size N          entries in the history that a reload shows (default 100000)
  --reload-repeat N        timed reloads each, empty and with the history, the median shown (default 3)
  --search-size N          entries searched (default 1000000; the floods' page when --sizes has it)
  --search-repeat N        searches timed, the median shown (default 5)
  --hostile-frames N       frames of the hostile flood (default 262144: 4 GiB of 16 KiB)
  --hostile-frame-bytes N  bytes per hostile frame (default 16384)
  --hostile-floor yes|no   flood the floor (keeping nothing) first, as the baseline (default yes)
  --broker-messages N      messages published through each broker (default 100000)
  --brokers LIST           which brokers: stomp, mqtt, nats (default all three)
Quick: --only floods --sizes 10000,100000, or --only reload,search,hostile --reload-size 10000
--search-size 20000 --hostile-frames 16384.`);
  process.exit(0);
}
const PARTS = ['floods', 'reload', 'search', 'hostile', 'brokers'];
// --sizes alone (`--sizes 10000,100000`) stays the quick flood run it always was.
const onlyList = values.only ?? (process.argv.some((a) => a === '--sizes' || a.startsWith('--sizes=')) ? 'floods' : PARTS.join(','));
const ONLY = new Set(onlyList.split(',').map((p) => p.trim()).filter(Boolean));
for (const part of ONLY) {
  if (!PARTS.includes(part)) {
    console.error(`--only takes ${PARTS.join(', ')}; got ${part}`);
    process.exit(2);
  }
}
const SIZES = values.sizes.split(',').map((s) => Number(s.replace(/_/g, '')));
const SCROLL_FRAMES = Number(values['scroll-frames']);
const DOM_LIMIT = Number(values['dom-limit']);
const STALL_MS = Number(values['stall-s']) * 1000;
const CHECK_SIZE = Number(values['network-check-size']);
const REPEAT = Number(values.repeat);
const int = (name) => Number(values[name].replace(/_/g, ''));
const RELOAD_SIZE = int('reload-size');
const RELOAD_REPEAT = int('reload-repeat');
const SEARCH_SIZE = int('search-size');
const SEARCH_REPEAT = int('search-repeat');
const HOSTILE_FRAMES = int('hostile-frames');
const HOSTILE_BYTES = int('hostile-frame-bytes');
const HOSTILE_FLOOR = values['hostile-floor'] !== 'no';
const BROKER_MESSAGES = int('broker-messages');
const BROKER_NAMES = values.brokers.split(',').map((b) => b.trim()).filter(Boolean);
for (const name of BROKER_NAMES) {
  if (!['stomp', 'mqtt', 'nats'].includes(name)) {
    console.error(`--brokers takes stomp, mqtt, nats; got ${name}`);
    process.exit(2);
  }
}
for (const [name, list] of [['--sizes', SIZES], ['--scroll-frames', [SCROLL_FRAMES]], ['--dom-limit', [DOM_LIMIT]], ['--stall-s', [STALL_MS]], ['--network-check-size', [CHECK_SIZE]], ['--repeat', [REPEAT]],
  ['--reload-size', [RELOAD_SIZE]], ['--reload-repeat', [RELOAD_REPEAT]], ['--search-size', [SEARCH_SIZE]], ['--search-repeat', [SEARCH_REPEAT]],
  ['--hostile-frames', [HOSTILE_FRAMES]], ['--hostile-frame-bytes', [HOSTILE_BYTES]], ['--broker-messages', [BROKER_MESSAGES]]]) {
  if (!list.every((n) => Number.isInteger(n) && n > 0)) {
    console.error(`${name} takes positive integers`);
    process.exit(2);
  }
}

/** The size whose scroll is timed, and the targets. */
const SCROLL_SIZE = 100_000;
/** Floods this large run once, whatever --repeat says. */
const ONCE_FROM = 1_000_000;
const MIB = 1024 * 1024;
const WASM_LIMIT = 128 * MIB;
const TARGETS = {
  10_000: { ratio: 1.3 },
  100_000: { ratio: 1.2 },
};
const RELOAD_LIMIT_MS = 300;
const SEARCH_LIMIT_MS = 150;
const HOSTILE_WASM_LIMIT = 256 * MIB;
/** A system line that says entries were dropped, and how many. */
const DROPPED = /\d.*\b(dropped|discarded|removed|lost)\b|\b(dropped|discarded|removed|lost)\b.*\d/i;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n) => n.toLocaleString('en-US');
const mb = (bytes) => (bytes === null || bytes === undefined ? '-' : (bytes / 1048576).toFixed(1));
const ms = (x) => (x === null || x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** The run with the median render time (the lower middle one of an even count). */
function median(runs) {
  const sorted = [...runs].sort((a, b) => a.render - b.render);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Serves bench/floor.html, and nothing else, on a free port. */
function startFloorServer() {
  const page = fs.readFileSync(path.join(__dirname, 'bench', 'floor.html'));
  const server = http.createServer((request, response) => {
    if (new URL(request.url, 'http://x').pathname !== '/floor.html') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

/**
 * Floods `n` frames through the relay into `page` (already armed), paced by
 * what it shows (lib/flood.js), and waits until the page shows the last one.
 * Gives up when the page shows nothing new for STALL_MS. Resolves with
 * {completed, sendMs, why}.
 */
function flood(wsUrl, n, page, options = {}) {
  return pacedFlood(wsUrl, n, { progress: () => page.eval('__bench.progress()'), stallMs: STALL_MS, ...options });
}

/** Options for a flood of big frames: about 2 s ahead, between 4 and 64 MiB. */
function bigFrames(bytes) {
  const frames = (mib) => Math.max(1, Math.round((mib * MIB) / bytes));
  return { frame: paddedFrame(bytes), minAhead: frames(4), maxAhead: frames(64), initialAhead: frames(8), chunk: Math.max(1, Math.min(500, frames(1))), highWater: 4 * MIB };
}

/** Forgets everything the app's origin stored (its history), so that a page starts empty. */
function clearOrigin(page, origin) {
  return page.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
}

/**
 * One fresh page: opens `url`, waits for `ready`, arms the observers, floods
 * `n` frames and returns the page (still open) with the flood's figures.
 */
async function measure(openPage, { url, ready, n, wsUrl, memory = true, clear = null, floodOptions = {} }) {
  const page = await openPage();
  if (clear) await clearOrigin(page, clear);
  await page.addInitScript(INIT_SCRIPT);
  await page.goto(url, ready);
  await sleep(500); // let the first render and the `connected` line settle
  const target = `f${n - 1}`;
  await page.eval(`__bench.arm(${JSON.stringify(target)})`);
  const { completed, sendMs, why } = await flood(wsUrl, n, page, floodOptions);
  await sleep(300); // long task entries arrive a moment late
  const result = await page.eval('__bench.result()');
  result.completed = completed;
  result.why = why;
  result.sendMs = sendMs;
  if (memory && page.heapAfterGc) {
    const heap = await page.heapAfterGc();
    result.heapUsed = heap.usedSize;
    result.wasmBytes = await page.eval('__bench.wasm && __bench.wasm.memory ? __bench.wasm.memory.buffer.byteLength : null');
    result.dom = await page.eval("document.getElementsByTagName('*').length");
  }
  return { page, result };
}

function floorUrl(floor, relay) {
  return `http://127.0.0.1:${floor.port}/floor.html?ws=${encodeURIComponent(`${relay.wsUrl}/ws`)}`;
}

const FLOOR_READY = 'window.__floor && window.__floor.open';
const APP_READY = "document.querySelector('#status')?.dataset.state === 'open' && !!(window.__bench && window.__bench.wasm)";

async function runFloor(browser, floor, relay, n) {
  const { page, result } = await measure(browser.newPage, { url: floorUrl(floor, relay), ready: FLOOR_READY, n, wsUrl: `${relay.wsUrl}/ws` });
  await page.close();
  if (!result.completed) throw new Error(`the floor did not complete ${fmt(n)} frames: ${result.why}`);
  return result;
}

/**
 * The app on a fresh page with an empty history: the flood, then (at
 * SCROLL_SIZE) the scroll to the top, the jump to the top, and `after(page)`
 * (the search, on the flood's page) before the page closes.
 */
async function runApp(browser, relay, n, after = null) {
  const { page, result } = await measure(browser.newPage, { url: `${relay.url}/?name=bench`, ready: APP_READY, n, wsUrl: `${relay.wsUrl}/ws`, clear: relay.url });
  if (result.completed) {
    if (n === SCROLL_SIZE) {
      await page.eval(`__bench.toBottom("f${n - 1}", 10000)`);
      await sleep(300);
      result.scroll = await page.eval(`__bench.scroll(${SCROLL_FRAMES}, "f0", 3000)`);
    }
    const back = await page.eval(`__bench.toBottom("f${n - 1}", 10000)`);
    await sleep(300);
    result.jump = await page.eval('__bench.jump("f0", 15000)');
    result.jump.fromBottom = back;
    if (after) await after(page);
  }
  await page.close();
  return result;
}

/** A key pressed as a user does (CDP Input, which needs no domain enabled); modifiers 2 = Ctrl. */
async function press(page, key, { code, keyCode, modifiers = 0 } = {}) {
  const common = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode, modifiers };
  await page.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...common });
  await page.send('Input.dispatchKeyEvent', { type: 'keyUp', ...common });
}
const ctrlF = (page) => press(page, 'f', { code: 'KeyF', keyCode: 70, modifiers: 2 });
const escape = (page) => press(page, 'Escape', { code: 'Escape', keyCode: 27 });

/**
 * On a page that holds `n` flood entries, at the bottom: opens the search
 * with Ctrl+F, and times `f0` (only in the first entry) from being typed to
 * its row rendered, SEARCH_REPEAT times, each from the bottom with the
 * search closed and emptied; the baseline is `f<n-1>`, the newest, until
 * #search-count reads `1 of 1`.
 */
async function searchOn(page, n) {
  const newest = `f${n - 1}`;
  const once = async (query, rowText) => {
    await escape(page);
    await page.eval(`__bench.toBottom(${JSON.stringify(newest)}, 10000)`);
    await page.waitFor(`!__bench.has("f0")`, 30_000);
    await page.eval("document.getElementById('chat-text').focus()");
    await ctrlF(page);
    // Opened (the specs check that it takes the focus; here it is only timed).
    await page.waitFor("(() => { const s = document.getElementById('search'); return !!s && s.getClientRects().length > 0; })()", 10_000);
    await page.eval("document.getElementById('search').focus()");
    await page.eval(
      "(() => { const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'deleteContentBackward'})); })()",
    );
    await sleep(300);
    return page.eval(`__bench.search(${JSON.stringify(query)}, ${JSON.stringify(rowText)}, '1 of 1', 10000)`);
  };
  const firsts = [];
  const newests = [];
  try {
    await page.waitFor("!!document.getElementById('chat-text')", 10_000);
    for (let i = 0; i < SEARCH_REPEAT; i += 1) {
      firsts.push(await once('f0', 'f0'));
      newests.push(await once(newest, newest));
      process.stderr.write(`[bench]   f0 row ${ms(firsts.at(-1).rowMs)} ms, count ${ms(firsts.at(-1).countMs)} ms; newest count ${ms(newests.at(-1).countMs)} ms\n`);
    }
  } catch (error) {
    return { n, error: error.message, firsts, newests };
  }
  await escape(page);
  return { n, firsts, newests };
}

/** The median of numbers (the lower middle one of an even count); null if any is null. */
function medianOf(list) {
  if (list.length === 0 || list.some((x) => x === null || x === undefined)) return null;
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The search on a fresh page of its own: an empty history, a flood of `n`, then searchOn. */
async function runSearch(browser, relay, n) {
  const { page, result } = await measure(browser.newPage, { url: `${relay.url}/?name=bench`, ready: APP_READY, n, wsUrl: `${relay.wsUrl}/ws`, clear: relay.url });
  try {
    if (!result.completed) return { n, error: `the flood of ${fmt(n)} did not complete: ${result.why}`, firsts: [], newests: [], flood: result };
    // The flood's own figures (without the floor: the floods part has it), and all kept.
    await page.eval(`__bench.toBottom("f${n - 1}", 10000)`);
    await sleep(300);
    result.jump = await page.eval('__bench.jump("f0", 15000)');
    return { ...(await searchOn(page, n)), flood: result };
  } finally {
    await page.close();
  }
}

/**
 * One tab: reloads with an empty history (the baseline: navigation start to
 * #status in the DOM), then a flood of `n` entries, then reloads until the
 * newest entry (f<n-1>) is rendered (the first one untimed: it shows the
 * history was stored), then a jump to the top for f0.
 */
async function runReload(browser, relay, n) {
  const page = await browser.newPage();
  const url = `${relay.url}/?name=bench`;
  let nonce = 0;
  const reload = async (target) => {
    nonce += 1;
    await page.eval(`window.name = ${JSON.stringify(`bench-watch:${nonce}:${target}`)}`);
    await page.send('Page.reload', { ignoreCache: false });
    const done = target ? '__bench.load.targetAt !== null' : '__bench.load.appAt !== null';
    await page.waitFor(`window.__bench && __bench.load && __bench.load.nonce === '${nonce}' && ${done}`, 120_000);
    const load = await page.eval('__bench.load');
    await page.waitFor(APP_READY, 30_000);
    await sleep(500);
    return load;
  };
  try {
    await clearOrigin(page, relay.url);
    await page.addInitScript(INIT_SCRIPT);
    await page.goto(url, APP_READY);
    await reload(''); // warm: the wasm compiled and cached as for the timed ones
    const empty = [];
    for (let i = 0; i < RELOAD_REPEAT; i += 1) empty.push((await reload('')).appAt);
    process.stderr.write(`[bench] reload: empty history ${empty.map(ms).join(', ')} ms; flooding ${fmt(n)}...\n`);

    await sleep(500);
    await page.eval(`__bench.arm("f${n - 1}")`);
    const flooded = await flood(`${relay.wsUrl}/ws`, n, page);
    if (!flooded.completed) return { n, empty, error: `the flood did not complete: ${flooded.why}` };
    await sleep(1000);
    const newest = `f${n - 1}`;
    await reload(newest); // untimed: the history is stored
    const full = [];
    for (let i = 0; i < RELOAD_REPEAT; i += 1) full.push(await reload(newest));
    process.stderr.write(`[bench] reload: ${fmt(n)} entries ${full.map((l) => ms(l.targetAt)).join(', ')} ms\n`);
    const jump = await page.eval('__bench.jump("f0", 30000)');
    return { n, empty, full, jump };
  } catch (error) {
    return { n, error: error.message };
  } finally {
    await page.close();
  }
}

/** What the page says about entries it dropped: system lines rendered now that say so. */
const DROP_LINES = `[...document.querySelectorAll('#chat-text .entry')].filter((e) => e.firstElementChild && e.firstElementChild.classList.contains('system')).map((e) => e.querySelector('.text') ? e.querySelector('.text').textContent : e.textContent).filter((t) => ${DROPPED}.test(t))`;

/**
 * The hostile flood: HOSTILE_FRAMES frames of HOSTILE_BYTES, first to the
 * floor keeping nothing (the baseline), then to the app with an empty
 * history; then what the page still does.
 */
async function runHostile(browser, floor, relay) {
  const n = HOSTILE_FRAMES;
  const floodOptions = bigFrames(HOSTILE_BYTES);
  const wsUrl = `${relay.wsUrl}/ws`;
  const out = { n, bytes: n * HOSTILE_BYTES };
  if (HOSTILE_FLOOR) {
    process.stderr.write(`[bench] hostile: floor (keeping nothing)... `);
    const { page, result } = await measure(browser.newPage, { url: `${floorUrl(floor, relay)}&keep=0`, ready: FLOOR_READY, n, wsUrl, floodOptions, memory: false });
    await page.close();
    out.floor = result;
    process.stderr.write(`${result.completed ? `${ms(result.render)} ms` : `incomplete: ${result.why}`}\n`);
  }
  process.stderr.write(`[bench] hostile: app... `);
  const { page, result } = await measure(browser.newPage, { url: `${relay.url}/?name=bench`, ready: APP_READY, n, wsUrl, floodOptions, clear: relay.url });
  out.app = result;
  process.stderr.write(`${result.completed ? `${ms(result.render)} ms` : `incomplete: ${result.why}`}\n`);
  try {
    out.alive = (await page.eval('6 * 7')) === 42;
    out.newest = await page.eval(`__bench.has("f${n - 1}")`);
    out.wasmBytes = await page.eval('__bench.wasm && __bench.wasm.memory ? __bench.wasm.memory.buffer.byteLength : null');
    await page.eval("document.getElementById('message').focus()");
    await page.send('Input.insertText', { text: 'still here' });
    out.input = await page.eval("document.getElementById('message').value");
    out.dropLines = await page.eval(DROP_LINES);
    out.jump = await page.eval('__bench.jump("f0", 60000)');
    out.dropLines.push(...(await page.eval(DROP_LINES)));
  } catch (error) {
    out.alive = false;
    out.error = error.message;
  }
  await page.close();
  return out;
}

/**
 * The brokers part: the baselines first (the floor and the app through the
 * relay at BROKER_MESSAGES, reused from the floods part when it ran that
 * size), then each broker's flood (bench/brokers.js).
 */
async function runBrokerPart(browser, floor, relay, results) {
  const n = BROKER_MESSAGES;
  let floorRun;
  let relayApp;
  if (results.has(n)) {
    ({ floor: floorRun, app: relayApp } = results.get(n));
  } else {
    process.stderr.write(`[bench] brokers: baselines, ${fmt(n)} frames through the relay: floor... `);
    floorRun = await runFloor(browser, floor, relay, n);
    process.stderr.write(`${ms(floorRun.render)} ms; app... `);
    const { page, result } = await measure(browser.newPage, { url: `${relay.url}/?name=bench`, ready: APP_READY, n, wsUrl: `${relay.wsUrl}/ws`, clear: relay.url, memory: false });
    await page.close();
    relayApp = result;
    process.stderr.write(`${relayApp.completed ? `${ms(relayApp.render)} ms` : `incomplete: ${relayApp.why}`}\n`);
  }
  const runs = await runBrokers(n, {
    browser,
    host: relay,
    INIT_SCRIPT,
    clearOrigin,
    appReady: APP_READY,
    stallMs: STALL_MS,
    only: BROKER_NAMES,
    log: (text) => process.stderr.write(text),
  });
  return { n, floor: floorRun, relayApp, runs };
}

/** The brokers part's table: each broker's flood beside the relay's. */
function printBrokers(brokers) {
  if (!brokers || brokers.failed) return;
  const header = ['messages', 'through', 'page', 'render ms', 'x relay app', 'x floor', 'long tasks', 'longest', 'total', 'DOM updates', 'send ms', 'sockets'];
  const { relayApp, floor: floorRun } = brokers;
  const row = (through, kind, r) => {
    if (!r || r.failed) return [fmt(brokers.n), through, kind, r ? 'failed' : '-', '', '', '', '', '', '', '', ''];
    const done = r.completed;
    return [
      fmt(brokers.n),
      through,
      kind,
      done ? ms(r.render) : 'incomplete',
      done && relayApp?.completed ? (r.render / relayApp.render).toFixed(2) : '-',
      done && floorRun?.completed ? (r.render / floorRun.render).toFixed(2) : '-',
      r.longtasks.count,
      r.longtasks.count ? ms(r.longtasks.longest) : '-',
      ms(r.longtasks.total),
      fmt(r.renders),
      r.sendMs === null || r.sendMs === undefined ? '-' : fmt(r.sendMs),
      r.sockets ?? '-',
    ];
  };
  const lines = [row('relay', 'floor', floorRun), row('relay', 'app', relayApp), ...brokers.runs.map((r) => row(r.what, 'app', r))];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const line = (cells) => cells.map((cell, i) => (i < 3 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(line(l));
  for (const r of brokers.runs) if (r.failed) console.log(`${r.what}: could not measure: ${r.error}`);
  for (const r of brokers.runs) if (!r.failed && !r.completed) console.log(`${r.what}: ${r.why}`);
  console.log('send ms for a broker: until the publisher had handed every message to its socket (not paced by the page);');
  console.log('sockets: WebSockets the page opened (1: it kept its broker through the flood).');
  console.log('');
}

function pad(cells, widths) {
  return cells.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ');
}

function printTable(rows) {
  const header = ['frames', 'page', 'render ms', 'x floor', 'long tasks', 'longest', 'total', 'DOM els', 'JS heap MB', 'wasm MB', 'DOM updates', 'send ms'];
  const lines = rows.map(({ n, kind, r, ratio }) => [
    fmt(n),
    kind,
    r.completed ? ms(r.render) : 'incomplete',
    ratio === null ? '-' : ratio.toFixed(2),
    r.longtasks.count,
    r.longtasks.count ? ms(r.longtasks.longest) : '-',
    ms(r.longtasks.total),
    fmt(r.dom),
    mb(r.heapUsed),
    mb(r.wasmBytes),
    fmt(r.renders),
    r.sendMs === null ? '-' : fmt(r.sendMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  console.log(pad(header, widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(pad(line, widths));
}

function verdict(pass) {
  return pass === null ? 'n/a ' : pass ? 'PASS' : 'FAIL';
}

/** Each target of issues 8 and 16 measured in this run: PASS/FAIL, the target, the figure beside it. */
function printTargets(results, { reload, search, hostile, brokers }) {
  const lines = [];
  const add = (name, pass, figure) => lines.push([verdict(pass), name, figure]);
  if (ONLY.has('floods')) {
    for (const n of [10_000, 100_000]) {
      const got = results.get(n);
      const limit = TARGETS[n].ratio;
      if (!got) {
        add(`${fmt(n)}: render at most ${limit}x the floor`, null, 'not measured (--sizes)');
        add(`${fmt(n)}: no task over 50 ms during the flood`, null, 'not measured (--sizes)');
        continue;
      }
      const { app, floor, ratio } = got;
      add(
        `${fmt(n)}: render at most ${limit}x the floor`,
        app.completed && ratio <= limit,
        app.completed ? `${ms(app.render)} ms, floor ${ms(floor.render)} ms: ${ratio.toFixed(2)}x` : `incomplete: ${app.why}`,
      );
      add(
        `${fmt(n)}: no task over 50 ms during the flood`,
        app.completed && app.longtasks.count === 0,
        app.longtasks.count ? `${app.longtasks.count} long tasks, longest ${ms(app.longtasks.longest)} ms` : 'none',
      );
    }
    const million = results.get(1_000_000);
    if (!million) {
      add(`1,000,000: completes, all kept, DOM bounded, wasm <= ${mb(WASM_LIMIT)} MiB`, null, 'not measured (--sizes)');
    } else {
      const { app, floor, ratio } = million;
      add('1,000,000: completes (f999999 shown)', app.completed, app.completed ? `${ms(app.render)} ms, floor ${ms(floor.render)} ms: ${ratio.toFixed(2)}x` : `no: ${app.why}`);
      const kept = app.completed && app.jump?.reached;
      add(
        '1,000,000: all kept (f0 shows after a jump to the top)',
        kept,
        !app.completed ? 'not measured' : kept ? `f0 after ${ms(app.jump.ms)} ms` : `no: the first flood entry shown is ${app.jump?.firstShown ?? 'none'}`,
      );
      add(`1,000,000: DOM bounded (at most ${fmt(DOM_LIMIT)} elements)`, app.dom <= DOM_LIMIT, `${fmt(app.dom)} elements`);
      add(`1,000,000: wasm memory at most ${mb(WASM_LIMIT)} MiB`, app.wasmBytes !== null && app.wasmBytes <= WASM_LIMIT, `${mb(app.wasmBytes)} MiB`);
    }
    const scrolled = results.get(SCROLL_SIZE)?.app.scroll;
    if (!scrolled) {
      add(`scroll ${fmt(SCROLL_SIZE)} to the first entry: no frame over 50 ms`, null, 'not measured');
    } else {
      add(
        `scroll ${fmt(SCROLL_SIZE)} to the first entry: no frame over 50 ms`,
        scrolled.reached && scrolled.over50 === 0,
        `${scrolled.over50} of ${scrolled.frames} frames over 50 ms, longest ${ms(scrolled.longest)} ms; f0 ${scrolled.reached ? 'reached' : `not reached (first flood entry shown: ${scrolled.firstShown ?? 'none'})`}`,
      );
    }
  }
  for (const [name, got] of [['reload', reload], ['search', search], ['hostile', hostile], ['brokers', brokers]]) {
    if (got?.failed) add(`${name}: measured`, false, `could not measure: ${got.error}`);
  }
  if (brokers && !brokers.failed) {
    const { relayApp, floor: floorRun } = brokers;
    const times = (r) => {
      const parts = [];
      if (relayApp?.completed) parts.push(`${(r.render / relayApp.render).toFixed(2)}x the app through the relay (${ms(relayApp.render)} ms)`);
      if (floorRun?.completed) parts.push(`${(r.render / floorRun.render).toFixed(2)}x the floor (${ms(floorRun.render)} ms)`);
      return parts.join(', ');
    };
    for (const r of brokers.runs) {
      const name = `${r.what} ${fmt(r.n)}`;
      if (r.failed) {
        add(`${name}: measured`, false, `could not measure: ${r.error}`);
        continue;
      }
      add(`${name}: completes (f${r.n - 1} shown)`, r.completed, r.completed ? `${ms(r.render)} ms: ${times(r)}` : `no: ${r.why}`);
      add(
        `${name}: no task over 50 ms during the flood`,
        r.completed && r.longtasks.count === 0,
        r.longtasks.count ? `${r.longtasks.count} long tasks, longest ${ms(r.longtasks.longest)} ms, total ${ms(r.longtasks.total)} ms` : 'none',
      );
    }
  }
  if (reload && !reload.failed) {
    const name = `reload with ${fmt(reload.n)} entries: newest rendered at most ${RELOAD_LIMIT_MS} ms later than an empty history`;
    if (reload.error) {
      add(name, false, `not measured: ${reload.error}`);
    } else {
      const base = medianOf(reload.empty);
      const full = medianOf(reload.full.map((l) => l.targetAt));
      const extra = full - base;
      add(name, extra <= RELOAD_LIMIT_MS, `${extra >= 0 ? "+" : ""}${ms(extra)} ms: ${ms(full)} ms against ${ms(base)} ms empty (${(full / base).toFixed(2)}x)`);
      add(
        `reload with ${fmt(reload.n)} entries: a jump to the top reaches the first`,
        reload.jump.reached,
        reload.jump.reached ? `f0 after ${ms(reload.jump.ms)} ms` : `no: the first flood entry shown is ${reload.jump.firstShown ?? 'none'}`,
      );
    }
  }
  const searched = search && !search.failed ? search.flood : null;
  if (searched && !results.has(search.n)) {
    // The search's own flood, when the floods part did not run its size.
    const n = search.n;
    add(`${fmt(n)} (the search's flood): completes`, searched.completed, searched.completed ? `${ms(searched.render)} ms (no floor in this part)` : `no: ${searched.why}`);
    if (searched.completed) {
      add(`${fmt(n)} (the search's flood): all kept (f0 after a jump to the top)`, !!searched.jump?.reached, searched.jump?.reached ? `f0 after ${ms(searched.jump.ms)} ms` : `no: ${searched.jump?.firstShown ?? 'none'}`);
      add(`${fmt(n)} (the search's flood): wasm memory at most ${mb(WASM_LIMIT)} MiB`, searched.wasmBytes !== null && searched.wasmBytes <= WASM_LIMIT, `${mb(searched.wasmBytes)} MiB; DOM ${fmt(searched.dom)} elements`);
    }
  }
  if (search && !search.failed) {
    const name = `search ${fmt(search.n)} for the first entry: row rendered within ${SEARCH_LIMIT_MS} ms (median of ${SEARCH_REPEAT})`;
    const row = medianOf(search.firsts.map((r) => r.rowMs));
    const base = medianOf(search.newests.map((r) => r.countMs));
    if (search.error || row === null) {
      const why = search.error || `not found in ${search.firsts.map((r) => (r.rowMs === null ? `10 s (count ${JSON.stringify(r.count ?? r.error)})` : `${ms(r.rowMs)} ms`)).join(', ')}`;
      add(name, false, why);
    } else {
      add(name, row <= SEARCH_LIMIT_MS, `${ms(row)} ms; the newest entry's ${base === null ? 'count never showed' : `${ms(base)} ms (${(row / Math.max(base, 0.1)).toFixed(1)}x)`}`);
    }
  }
  if (hostile && !hostile.failed) {
    const { app } = hostile;
    const size = `${fmt(hostile.n)} x ${fmt(HOSTILE_BYTES)} B (${(hostile.bytes / MIB / 1024).toFixed(2)} GiB)`;
    const floorMs = hostile.floor?.completed ? hostile.floor.render : null;
    add(
      `hostile ${size}: completes, the page alive`,
      app.completed && hostile.alive,
      `${app.completed ? `${ms(app.render)} ms` : `incomplete: ${app.why}`}${floorMs ? `, floor ${ms(floorMs)} ms${app.completed ? `: ${(app.render / floorMs).toFixed(2)}x` : ''}` : ''}; ${hostile.alive ? 'alive' : `dead${hostile.error ? `: ${hostile.error}` : ''}`}`,
    );
    add(`hostile: wasm memory at most ${mb(HOSTILE_WASM_LIMIT)} MiB`, hostile.wasmBytes != null && hostile.wasmBytes <= HOSTILE_WASM_LIMIT, `${mb(hostile.wasmBytes)} MiB`);
    add('hostile: the newest entry shows', !!hostile.newest, hostile.newest ? 'yes' : 'no');
    add('hostile: the message input takes text', hostile.input === 'still here', JSON.stringify(hostile.input ?? null));
    const kept = !!hostile.jump?.reached;
    const told = (hostile.dropLines ?? []).length > 0;
    add(
      'hostile: every entry kept, or the page says how many it dropped',
      kept || told,
      kept ? 'f0 shows after a jump to the top' : told ? `"${hostile.dropLines[0]}"` : `neither: the top shows ${hostile.jump?.firstShown ?? 'nothing'}`,
    );
  }
  const width = Math.max(...lines.map((l) => l[1].length));
  for (const [v, name, figure] of lines) console.log(`${v}  ${name.padEnd(width)}  ${figure}`);
}

function printScrolls(results) {
  for (const [n, { app }] of results) {
    if (app.scroll) {
      const s = app.scroll;
      console.log(
        `scroll ${fmt(n)}: from scrollTop ${fmt(s.startTop)} to the top in ${s.frames} frames, ${fmt(Math.round(s.ms))} ms; ` +
          `${s.over50} frames over 50 ms, longest ${ms(s.longest)} ms; long tasks ${s.longtasks.count} (longest ${ms(s.longtasks.longest)}, total ${ms(s.longtasks.total)} ms); ` +
          `f0 ${s.reached ? 'in the DOM' : `not in the DOM, first flood entry shown ${s.firstShown ?? 'none'}`}`,
      );
    }
    if (app.jump) {
      const j = app.jump;
      console.log(
        `jump ${fmt(n)}: scrollTop = 0 from the bottom; ${j.reached ? `f0 in the DOM after ${ms(j.ms)} ms` : `f0 not in the DOM after ${ms(j.ms)} ms, first flood entry shown ${j.firstShown ?? 'none'}`}; ` +
          `longest frame ${ms(j.longest)} ms, ${j.over50} over 50 ms`,
      );
    }
  }
}

/** The figures of the reload, search and hostile parts, each run listed. */
function printParts({ reload, search, hostile }) {
  for (const [name, got] of [['reload', reload], ['search', search], ['hostile', hostile]]) {
    if (got?.failed) console.log(`${name}: could not measure: ${got.error}`);
  }
  if (reload && !reload.failed) {
    if (reload.error) console.log(`reload ${fmt(reload.n)}: ${reload.error}`);
    else {
      console.log(
        `reload: empty history, navigation to #status ${reload.empty.map(ms).join(', ')} ms; ` +
          `${fmt(reload.n)} entries, navigation to f${reload.n - 1} rendered ${reload.full.map((l) => ms(l.targetAt)).join(', ')} ms ` +
          `(#status at ${reload.full.map((l) => ms(l.appAt)).join(', ')} ms); jump to the top: ${reload.jump.reached ? `f0 after ${ms(reload.jump.ms)} ms` : `f0 not reached, first shown ${reload.jump.firstShown ?? 'none'}`}`,
      );
    }
  }
  if (search && !search.failed) {
    const list = (runs, key) => runs.map((r) => (r[key] === null || r[key] === undefined ? 'never' : ms(r[key]))).join(', ');
    const f = search.flood;
    if (f && f.completed) {
      console.log(
        `search's flood of ${fmt(search.n)}: ${ms(f.render)} ms, long tasks ${f.longtasks.count} (longest ${ms(f.longtasks.longest)}, total ${ms(f.longtasks.total)} ms), ` +
          `DOM ${fmt(f.dom)} elements, JS heap ${mb(f.heapUsed)} MiB, wasm ${mb(f.wasmBytes)} MiB`,
      );
    }
    console.log(
      `search ${fmt(search.n)}: f0 (the first) row rendered ${list(search.firsts, 'rowMs')} ms, count ${list(search.firsts, 'countMs')} ms; ` +
        `f${search.n - 1} (the newest) count ${list(search.newests, 'countMs')} ms${search.error ? `; stopped: ${search.error}` : ''}`,
    );
  }
  if (hostile && !hostile.failed) {
    const { app } = hostile;
    console.log(
      `hostile: ${fmt(hostile.n)} frames of ${fmt(HOSTILE_BYTES)} B; app ${app.completed ? `${ms(app.render)} ms` : `incomplete (${app.why})`}, ` +
        `long tasks ${app.longtasks.count} (longest ${ms(app.longtasks.longest)} ms), JS heap ${mb(app.heapUsed)} MiB, wasm ${mb(hostile.wasmBytes)} MiB, DOM ${fmt(app.dom ?? 0)} elements; ` +
        `floor ${hostile.floor ? (hostile.floor.completed ? `${ms(hostile.floor.render)} ms` : `incomplete (${hostile.floor.why})`) : 'not run'}; ` +
        `drop lines: ${(hostile.dropLines ?? []).join(' | ') || 'none'}`,
    );
  }
  if (reload || search || hostile) console.log('');
}

/** The floor measured three ways: CDP without Network, CDP with it, Playwright. */
async function networkCheck(browser, floor, relay) {
  const n = CHECK_SIZE;
  const url = floorUrl(floor, relay);
  const wsUrl = `${relay.wsUrl}/ws`;
  const rows = [];

  const off = await runFloor(browser, floor, relay, n);
  rows.push(['bare CDP, Network never enabled', off]);

  const eventsBefore = browser.cdp.eventCount('Network');
  const withNetwork = await measure(
    async () => {
      const page = await browser.newPage();
      await page.send('Network.enable');
      return page;
    },
    { url, ready: FLOOR_READY, n, wsUrl, memory: false },
  );
  await withNetwork.page.close();
  rows.push([`bare CDP, Network.enable (${fmt(browser.cdp.eventCount('Network') - eventsBefore)} Network events)`, withNetwork.result]);

  const { launchBrowser } = require('./lib/browser');
  const playwright = await launchBrowser();
  try {
    const context = await playwright.newContext({ viewport: { width: 1000, height: 700 } });
    const adapter = async () => {
      const page = await context.newPage();
      return {
        addInitScript: (source) => page.addInitScript(source),
        goto: async (to, ready) => {
          await page.goto(to);
          await page.waitForFunction(ready, null, { timeout: 30_000 });
        },
        eval: (expression) => page.evaluate(expression),
        close: () => page.close(),
      };
    };
    const viaPlaywright = await measure(adapter, { url, ready: FLOOR_READY, n, wsUrl, memory: false });
    await viaPlaywright.page.close();
    rows.push(['Playwright page (playwright-core)', viaPlaywright.result]);
  } finally {
    await playwright.close();
  }

  console.log(`\nNetwork reporting check: the floor, ${fmt(n)} frames`);
  const base = off.render;
  for (const [how, r] of rows) {
    console.log(`  ${how.padEnd(58)} ${r.completed ? `${ms(r.render).padStart(7)} ms  ${(r.render / base).toFixed(2)}x` : `incomplete: ${r.why}`}`);
  }
}

async function main() {
  const dist = distDir();
  // Without the test hooks, which keep the text of every frame received:
  // the hostile flood's 4 GiB would not fit in the relay.
  const relay = await startRelay({ hooks: false });
  const floor = await startFloorServer();
  const browser = await launchCdpBrowser();
  try {
    console.log(`wschat benchmark: ${PARTS.filter((p) => ONLY.has(p)).join(', ')}`);
    console.log(
      `  ${browser.version}, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log(`  app: ${dist} on servers/relay.js ${relay.url}; floor: bench/floor.html on the same relay`);
    if (ONLY.has('floods')) {
      console.log(
        `  floods: ${SIZES.map(fmt).join(', ')}; each size floods the floor, then the app (history on, starting empty), each on a fresh page` +
          (REPEAT > 1 && SIZES.some((n) => n < ONCE_FROM) ? `; ${REPEAT} rounds below ${fmt(ONCE_FROM)} frames, the median run shown` : ''),
      );
    }
    if (ONLY.has('reload')) console.log(`  reload: ${fmt(RELOAD_SIZE)} entries, ${RELOAD_REPEAT} timed reloads each way`);
    if (ONLY.has('search')) console.log(`  search: ${fmt(SEARCH_SIZE)} entries, median of ${SEARCH_REPEAT}`);
    if (ONLY.has('hostile')) console.log(`  hostile: ${fmt(HOSTILE_FRAMES)} frames of ${fmt(HOSTILE_BYTES)} B${HOSTILE_FLOOR ? ', the floor (keeping nothing) first' : ''}`);
    if (ONLY.has('brokers')) {
      console.log(
        `  brokers: ${fmt(BROKER_MESSAGES)} messages published through each of ${BROKER_NAMES.join(', ')} to one app page; ` +
          'baselines: the same number of frames through the relay, to the floor and to the app',
      );
    }
    console.log('');

    const results = new Map();
    let search = null;
    const searchHere = ONLY.has('search') && ONLY.has('floods') && SIZES.includes(SEARCH_SIZE);
    for (const n of ONLY.has('floods') ? SIZES : []) {
      const floors = [];
      const apps = [];
      const rounds = n < ONCE_FROM ? REPEAT : 1;
      for (let round = 1; round <= rounds; round += 1) {
        const started = Date.now();
        const which = rounds > 1 ? ` (${round}/${rounds})` : '';
        process.stderr.write(`[bench] ${fmt(n)} frames${which}: floor... `);
        const floorResult = await runFloor(browser, floor, relay, n);
        process.stderr.write(`${ms(floorResult.render)} ms; app... `);
        // The search runs on the flood's page at its size, once.
        const after = searchHere && n === SEARCH_SIZE && !search ? async (page) => (search = await searchOn(page, n)) : null;
        const app = await runApp(browser, relay, n, after);
        process.stderr.write(`${app.completed ? `${ms(app.render)} ms` : 'incomplete'} (${Math.round((Date.now() - started) / 1000)} s)\n`);
        for (const r of [floorResult, app]) {
          if (r.visibility !== 'visible') console.log(`warning: a page was ${r.visibility} during its flood`);
          if (r.longtaskError) console.log(`warning: no longtask observer: ${r.longtaskError}`);
        }
        floors.push(floorResult);
        apps.push(app);
      }
      const floorResult = median(floors);
      const app = apps.every((a) => a.completed) ? median(apps) : apps.find((a) => !a.completed);
      const ratio = app.completed ? app.render / floorResult.render : null;
      results.set(n, { floor: floorResult, app, ratio, floors, apps });
    }
    // A part that fails to measure is reported as such; the others still print.
    const part = async (name, run) => {
      try {
        return await run();
      } catch (error) {
        process.stderr.write(`[bench] ${name}: could not measure: ${error.stack || error.message}\n`);
        return { failed: true, error: error.message };
      }
    };
    const reload = ONLY.has('reload') ? await part('reload', () => runReload(browser, relay, RELOAD_SIZE)) : null;
    if (ONLY.has('search') && !search) search = await part('search', () => runSearch(browser, relay, SEARCH_SIZE));
    const hostile = ONLY.has('hostile') ? await part('hostile', () => runHostile(browser, floor, relay)) : null;
    const brokers = ONLY.has('brokers') ? await part('brokers', () => runBrokerPart(browser, floor, relay, results)) : null;

    if (results.size > 0) {
      const rows = [];
      for (const [n, { floor: f, app, ratio }] of results) {
        rows.push({ n, kind: 'floor', r: f, ratio: null });
        rows.push({ n, kind: 'app', r: app, ratio });
      }
      printTable(rows);
      for (const [n, { floors, apps }] of results) {
        if (floors.length < 2) continue;
        const list = (runs) => runs.map((r) => (r.completed ? ms(r.render) : 'incomplete')).join(', ');
        console.log(`  ${fmt(n)} rounds, render ms: floor ${list(floors)}; app ${list(apps)}`);
      }
      console.log('');
      for (const [n, { app }] of results) if (!app.completed) console.log(`app ${fmt(n)}: ${app.why}`);
      printScrolls(results);
      console.log('');
    }
    printParts({ reload, search, hostile });
    printBrokers(brokers);
    printTargets(results, { reload, search, hostile, brokers });

    if (values['network-check']) await networkCheck(browser, floor, relay);

    const cdp = browser.cdp;
    console.log('');
    console.log(
      `DevTools: domains used ${cdp.domains().join(', ')}; Network.enable sent ${cdp.sent.get('Network.enable') || 0} times` +
        `${values['network-check'] ? ' (the check only)' : ''}; Network events received ${fmt(cdp.eventCount('Network'))}` +
        `${values['network-check'] ? ' (the check only)' : ''}.`,
    );
    console.log('render: first flood entry to the last one in #chat-text; long tasks: during the flood; memory after a forced GC;');
    console.log('send ms: until the flooder had handed over every frame (it stays about 2 s ahead of the page).');
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await browser.close();
    floor.server.close();
    await relay.stop();
  }
}

// Ctrl-C: exit through process.exit, so that the browser and the relay die too.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

main().catch((error) => {
  console.error(`bench: could not measure: ${error.stack || error.message}`);
  process.exit(1);
});
