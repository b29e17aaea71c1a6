#!/usr/bin/env node
'use strict';
// The flood benchmark (issue 8). A benchmark, not a test: it prints figures
// and PASS/FAIL per target, and exits 0 whenever it could measure.
//
//   node e2e/bench.js [--sizes 10000,100000,1000000] [--scroll-frames 600]
//                     [--dom-limit 1000] [--stall-s 60] [--repeat 3]
//                     [--network-check] [--network-check-size 10000]
//
// It serves the release build (dist/, or $WSCHAT_DIST) on the reference relay
// (servers/relay.js), and for each size floods N frames
// `{"name":"flood","msg":"f<i>"}` from a Node `ws` client through the relay,
// which forwards them as binary frames. The same flood goes, on a fresh page
// each, first to the floor (bench/floor.html: decode each frame, keep it,
// touch the DOM once per task), then to the app at /?name=bench.
//
// Everything is timed inside the page (bench/page.js): render time runs from
// the first flood text to the last (`f<N-1>`) being in #chat-text, seen by a
// MutationObserver installed before the flood; long tasks come from a
// `longtask` PerformanceObserver. After the flood: DOM elements, the JS heap
// and the wasm memory after a forced GC. On the app it then jumps to the top
// (the first entry, f0, must show: all kept), and for 100,000 frames scrolls
// from the bottom to the top first, counting frames over 50 ms.
//
// Chromium is driven over a bare DevTools connection (lib/cdp.js) that never
// enables the Network domain: Playwright enables it, and Chromium then
// reports every WebSocket frame, which slows floods several times.
// --network-check measures the floor that way too, once with Network enabled
// over the same connection and once under Playwright, and prints all three.
//
// The flooder keeps at most about two seconds of frames (by the rate the page
// shows them) ahead of what the page has shown. Without that, a million
// frames queue up in the relay, its pings wait behind them, and the relay
// drops the page as dead after 10 to 20 s.

const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const WebSocket = require('ws');
const { launchCdpBrowser } = require('./lib/cdp');
const { startRelay, distDir } = require('./lib/servers');
const { INIT_SCRIPT } = require('./bench/page');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'scroll-frames': { type: 'string', default: '600' },
    'dom-limit': { type: 'string', default: '1000' },
    'stall-s': { type: 'string', default: '60' },
    'network-check': { type: 'boolean', default: false },
    'network-check-size': { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '3' },
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
  --network-check-size N   frames for that check (default 10000)`);
  process.exit(0);
}
const SIZES = values.sizes.split(',').map((s) => Number(s.replace(/_/g, '')));
const SCROLL_FRAMES = Number(values['scroll-frames']);
const DOM_LIMIT = Number(values['dom-limit']);
const STALL_MS = Number(values['stall-s']) * 1000;
const CHECK_SIZE = Number(values['network-check-size']);
const REPEAT = Number(values.repeat);
for (const [name, list] of [['--sizes', SIZES], ['--scroll-frames', [SCROLL_FRAMES]], ['--dom-limit', [DOM_LIMIT]], ['--stall-s', [STALL_MS]], ['--network-check-size', [CHECK_SIZE]], ['--repeat', [REPEAT]]]) {
  if (!list.every((n) => Number.isInteger(n) && n > 0)) {
    console.error(`${name} takes positive integers`);
    process.exit(2);
  }
}

/** The size whose scroll is timed, and the targets. */
const SCROLL_SIZE = 100_000;
/** Floods this large run once, whatever --repeat says. */
const ONCE_FROM = 1_000_000;
const WASM_LIMIT = 150 * 1024 * 1024;
const TARGETS = {
  10_000: { ratio: 1.5 },
  100_000: { ratio: 1.2 },
};
const CHUNK = 500;
const HIGH_WATER = 1 << 20;
const POLL_MS = 100;
const AHEAD_S = 2;
const MIN_AHEAD = 5_000;
const MAX_AHEAD = 200_000;

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
 * Floods `n` frames through the relay into `page` (already armed) and waits
 * until the page shows the last one. Gives up when the page shows nothing
 * new for STALL_MS. Resolves with {completed, sendMs, why}.
 */
async function flood(wsUrl, n, page) {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});

  const start = Date.now();
  let seen = -1;
  let firstSeenAt = null;
  let done = false;
  let failure = null;
  let lastProgress = Date.now();
  let sendMs = null;

  const ahead = () => {
    if (firstSeenAt === null || seen < 1000) return 10_000;
    const rate = (seen + 1) / Math.max(1, Date.now() - firstSeenAt); // frames per ms
    return Math.min(MAX_AHEAD, Math.max(MIN_AHEAD, Math.round(rate * AHEAD_S * 1000)));
  };

  const poll = (async () => {
    while (!done && !failure) {
      try {
        const [index, last] = await page.eval('__bench.progress()');
        if (index > seen) {
          if (firstSeenAt === null) firstSeenAt = Date.now();
          seen = index;
          lastProgress = Date.now();
        }
        if (last) done = true;
      } catch (error) {
        failure = `cannot read the page: ${error.message}`;
      }
      if (!done && Date.now() - lastProgress > STALL_MS) {
        failure = `stalled: nothing new shown for ${STALL_MS / 1000} s (last seen f${seen})`;
      }
      if (!done) await sleep(POLL_MS);
    }
  })();

  let sent = 0;
  while (sent < n && !failure) {
    const limit = Math.min(n, seen + 1 + ahead());
    if (sent >= limit) {
      await sleep(5);
      continue;
    }
    const end = Math.min(limit, sent + CHUNK);
    let written;
    for (; sent < end; sent += 1) {
      const frame = JSON.stringify({ name: 'flood', msg: `f${sent}` });
      if (sent === end - 1) written = new Promise((resolve) => socket.send(frame, resolve));
      else socket.send(frame);
    }
    if (sent === n) written.then(() => (sendMs = Date.now() - start));
    if (socket.bufferedAmount >= HIGH_WATER) await written;
    else await new Promise(setImmediate);
  }
  await poll;
  socket.close();
  return { completed: done, sendMs, why: failure };
}

/**
 * One fresh page: opens `url`, waits for `ready`, arms the observers, floods
 * `n` frames and returns the page (still open) with the flood's figures.
 */
async function measure(openPage, { url, ready, n, wsUrl, memory = true }) {
  const page = await openPage();
  await page.addInitScript(INIT_SCRIPT);
  await page.goto(url, ready);
  await sleep(500); // let the first render and the `connected` line settle
  const target = `f${n - 1}`;
  await page.eval(`__bench.arm(${JSON.stringify(target)})`);
  const { completed, sendMs, why } = await flood(wsUrl, n, page);
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

async function runApp(browser, relay, n) {
  const { page, result } = await measure(browser.newPage, { url: `${relay.url}/?name=bench`, ready: APP_READY, n, wsUrl: `${relay.wsUrl}/ws` });
  if (result.completed) {
    if (n === SCROLL_SIZE) {
      await page.eval(`__bench.toBottom("f${n - 1}", 10000)`);
      await sleep(300);
      result.scroll = await page.eval(`__bench.scroll(${SCROLL_FRAMES}, "f0", 3000)`);
    }
    const back = await page.eval(`__bench.toBottom("f${n - 1}", 10000)`);
    await sleep(300);
    result.jump = await page.eval('__bench.jump("f0", 5000)');
    result.jump.fromBottom = back;
  }
  await page.close();
  return result;
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

function printTargets(results) {
  const lines = [];
  const add = (name, pass, figure) => lines.push([verdict(pass), name, figure]);
  for (const n of [10_000, 100_000]) {
    const got = results.get(n);
    const limit = TARGETS[n].ratio;
    if (!got) {
      add(`${fmt(n)}: render at most ${limit}x the floor`, null, 'not measured (--sizes)');
      add(`${fmt(n)}: no task over 50 ms during the flood`, null, 'not measured (--sizes)');
      continue;
    }
    const { app, ratio } = got;
    add(`${fmt(n)}: render at most ${limit}x the floor`, app.completed && ratio <= limit, app.completed ? `${ratio.toFixed(2)}x` : `incomplete: ${app.why}`);
    add(
      `${fmt(n)}: no task over 50 ms during the flood`,
      app.completed && app.longtasks.count === 0,
      app.longtasks.count ? `${app.longtasks.count} long tasks, longest ${ms(app.longtasks.longest)} ms` : 'none',
    );
  }
  const million = results.get(1_000_000);
  if (!million) {
    add('1,000,000: completes, all kept, DOM bounded, wasm <= 150 MB', null, 'not measured (--sizes)');
  } else {
    const { app } = million;
    add('1,000,000: completes (f999999 shown)', app.completed, app.completed ? `${ms(app.render)} ms` : `no: ${app.why}`);
    const kept = app.completed && app.jump?.reached;
    add(
      '1,000,000: all kept (f0 shows after a jump to the top)',
      kept,
      !app.completed ? 'not measured' : kept ? `f0 after ${ms(app.jump.ms)} ms` : `no: the first flood entry shown is ${app.jump?.firstShown ?? 'none'}`,
    );
    add(`1,000,000: DOM bounded (at most ${fmt(DOM_LIMIT)} elements)`, app.dom <= DOM_LIMIT, `${fmt(app.dom)} elements`);
    add('1,000,000: wasm memory at most 150 MB', app.wasmBytes !== null && app.wasmBytes <= WASM_LIMIT, `${mb(app.wasmBytes)} MB`);
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
  const relay = await startRelay();
  const floor = await startFloorServer();
  const browser = await launchCdpBrowser();
  try {
    console.log('wschat flood benchmark');
    console.log(
      `  ${browser.version}, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log(`  app: ${dist} on servers/relay.js ${relay.url}; floor: bench/floor.html on the same relay`);
    console.log(
      `  sizes: ${SIZES.map(fmt).join(', ')}; each size floods the floor, then the app, each on a fresh page` +
        (REPEAT > 1 && SIZES.some((n) => n < ONCE_FROM) ? `; ${REPEAT} rounds below ${fmt(ONCE_FROM)} frames, the median run shown` : ''),
    );
    console.log('');

    const results = new Map();
    for (const n of SIZES) {
      const floors = [];
      const apps = [];
      const rounds = n < ONCE_FROM ? REPEAT : 1;
      for (let round = 1; round <= rounds; round += 1) {
        const started = Date.now();
        const which = rounds > 1 ? ` (${round}/${rounds})` : '';
        process.stderr.write(`[bench] ${fmt(n)} frames${which}: floor... `);
        const floorResult = await runFloor(browser, floor, relay, n);
        process.stderr.write(`${ms(floorResult.render)} ms; app... `);
        const app = await runApp(browser, relay, n);
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
    printTargets(results);

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
