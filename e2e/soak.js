#!/usr/bin/env node
'use strict';
// A soak run of the reconnect and outbox machinery. It reports; it does not
// judge (it exits 0 whenever it completes).
//
//   node e2e/soak.js [--messages 300] [--kills 5] [--interval-ms 100] [--seed 1]
//                    [--hold-alice]
//
// Two pages on servers/relay.js serving the built app: Alice writes N
// messages `soak-0001`… at a steady pace (typed into #message, Enter), Bob
// reads. Meanwhile the relay is SIGKILLed `--kills` times at seeded random
// moments and restarted on the same port after a random 0.3–2 s. Then it
// waits for Alice's outbox to drain and prints what became of each message,
// read from the two pages' DOM.
//
// The relay keeps nothing for a client that is not connected: a message
// that Alice hands over while Bob is still reconnecting is dropped by the
// relay, not by Alice. Losses without a mark are therefore split by whether
// Bob's page was open when Alice's entry turned `sent` (times taken in the
// pages, from MutationObservers). With --hold-alice, Alice reaches the relay
// through a TCP gate that lets her in only once Bob is back after a restart,
// which takes the relay's part out of the figures.

const { parseArgs } = require('node:util');
const { launchBrowser, watchErrors } = require('./lib/browser');
const { ChatPage } = require('./lib/chat-page');
const { startRelay } = require('./lib/servers');
const { RECONNECT_FAILURES, sleep, waitForDist, seededRandom, startGate } = require('./lib/reconnect-helpers');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '300' },
    kills: { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    'hold-alice': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const KILLS = Number(values.kills);
const INTERVAL_MS = Number(values['interval-ms']);
const SEED = Number(values.seed);
const HOLD_ALICE = values['hold-alice'];
for (const [name, value, min] of [['--messages', MESSAGES, 1], ['--kills', KILLS, 0], ['--interval-ms', INTERVAL_MS, 0], ['--seed', SEED, 0]]) {
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be an integer >= ${min}`);
    process.exit(2);
  }
}
if (MESSAGES > 9999) {
  console.error('--messages is at most 9999');
  process.exit(2);
}

const DRAIN_TIMEOUT_MS = 30_000;
const SETTLE_MS = 2_000;
const SETTLE_TIMEOUT_MS = 15_000;
const label = (i) => `soak-${String(i).padStart(4, '0')}`;
const IS_SOAK = /^soak-\d{4}$/;

/** In Alice's page: the last time each sent entry turned `sent`, and its state. */
function recordAlice() {
  const soak = { handed: {}, state: {} };
  window.__soak = soak;
  const note = (entry) => {
    if (!(entry instanceof Element) || !entry.classList.contains('entry')) return;
    if (!entry.firstElementChild?.classList.contains('sent')) return;
    const text = entry.querySelector('.text')?.textContent;
    const state = entry.dataset.state;
    if (!text || soak.state[text] === state) return;
    soak.state[text] = state;
    if (state === 'sent') soak.handed[text] = Date.now();
  };
  const log = document.querySelector('#chat-text');
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') note(record.target);
      for (const node of record.addedNodes) note(node);
    }
  }).observe(log, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
}

/** In Bob's page: each change of #status[data-state], with its time. */
function recordStatus() {
  const status = document.querySelector('#status');
  const log = [[Date.now(), status.dataset.state]];
  window.__soakStatus = log;
  new MutationObserver(() => {
    const state = status.dataset.state;
    if (log.at(-1)[1] !== state) log.push([Date.now(), state]);
  }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
}

async function openPage(browser, url, errors) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors.push(watchErrors(page, { allow: RECONNECT_FAILURES }));
  const chat = new ChatPage(page);
  await chat.goto(url.href);
  await chat.waitForStatus('open');
  return { page, chat };
}

async function main() {
  const startedAt = Date.now();
  const random = seededRandom(SEED);
  await waitForDist();
  let relay = await startRelay();
  const gate = HOLD_ALICE ? await startGate(relay.port) : null;
  const browser = await launchBrowser();
  const errorLists = [];
  const events = [];
  try {
    const aliceUrl = new URL(`${relay.url}/?name=Alice`);
    if (gate) aliceUrl.searchParams.set('server', `${gate.wsUrl}/ws`);
    const alice = await openPage(browser, aliceUrl, errorLists);
    const bob = await openPage(browser, new URL(`${relay.url}/?name=Bob`), errorLists);
    await alice.page.evaluate(recordAlice);
    await bob.page.evaluate(recordStatus);

    // The kill plan, drawn before anything runs so that a seed repeats it:
    // the sending time is cut into one slot per kill, and each kill comes at
    // a random moment of its slot, but not before both pages are connected
    // again (a kill of a relay nobody has reached yet would test nothing).
    const planned = MESSAGES * INTERVAL_MS;
    const slot = planned / Math.max(KILLS, 1);
    const plan = Array.from({ length: KILLS }, (_, k) => ({
      at: Math.round(slot * (k + 0.1 + 0.8 * random())),
      down: Math.round(300 + 1700 * random()),
    }));
    const bothOpen = async () => {
      const states = await Promise.all([alice, bob].map((p) => p.chat.status().then((s) => s.state)));
      return states.every((state) => state === 'open');
    };

    const sendStart = Date.now();
    let sending = true;
    const killer = (async () => {
      for (const [n, { at, down }] of plan.entries()) {
        const wait = sendStart + at - Date.now();
        if (wait > 0) await sleep(wait);
        const reconnectDeadline = Date.now() + 10_000;
        while (!(await bothOpen()) && Date.now() < reconnectDeadline) await sleep(50);
        if (!sending) {
          events.push({ n: n + 1, skipped: true });
          continue;
        }
        const killedAt = Date.now();
        await relay.kill();
        gate?.shut();
        await sleep(down);
        relay = await relay.restart();
        if (gate) {
          const bobDeadline = Date.now() + 10_000;
          while ((await bob.chat.status()).state !== 'open' && Date.now() < bobDeadline) await sleep(20);
          gate.open();
        }
        events.push({ n: n + 1, killedAt: killedAt - sendStart, down, backAt: Date.now() - sendStart });
      }
    })();

    const written = [];
    for (let i = 1; i <= MESSAGES; i++) {
      const text = label(i);
      await alice.chat.send(text);
      written.push(text);
      const wait = sendStart + i * INTERVAL_MS - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const sendTime = Date.now() - sendStart;
    sending = false;
    await killer;

    // Let Alice's outbox drain.
    const drainStart = Date.now();
    let pendingLeft;
    for (;;) {
      pendingLeft = (await alice.chat.entries()).filter((e) => e.kind === 'sent' && e.state === 'pending').length;
      if (pendingLeft === 0 || Date.now() - drainStart > DRAIN_TIMEOUT_MS) break;
      await sleep(200);
    }
    // Then let Bob's count settle.
    const soakReceived = async () =>
      (await bob.chat.entries()).filter((e) => e.kind === 'received' && IS_SOAK.test(e.text ?? ''));
    const settleStart = Date.now();
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const count = (await soakReceived()).length;
      if (count !== last) {
        last = count;
        stableSince = Date.now();
      }
      if (Date.now() - stableSince >= SETTLE_MS || Date.now() - settleStart > SETTLE_TIMEOUT_MS) break;
      await sleep(200);
    }

    // What became of each message.
    const aliceEntries = (await alice.chat.entries()).filter((e) => e.kind === 'sent' && IS_SOAK.test(e.text ?? ''));
    const aliceState = new Map();
    const aliceCopies = new Map();
    for (const e of aliceEntries) {
      aliceState.set(e.text, e.state);
      aliceCopies.set(e.text, (aliceCopies.get(e.text) ?? 0) + 1);
    }
    const bobEntries = await soakReceived();
    const bobCount = new Map();
    for (const e of bobEntries) bobCount.set(e.text, (bobCount.get(e.text) ?? 0) + 1);
    const wrongSender = bobEntries.filter((e) => e.sender !== 'Alice').length;
    // Out of order: a first arrival that comes after a later message's.
    const firsts = [...new Set(bobEntries.map((e) => e.text))].map((text) => Number(text.slice(5)));
    let outOfOrder = 0;
    let highest = 0;
    for (const n of firsts) {
      if (n < highest) outOfOrder += 1;
      highest = Math.max(highest, n);
    }
    const { handed } = await alice.page.evaluate(() => window.__soak);
    const bobStatus = await bob.page.evaluate(() => window.__soakStatus);
    const bobStateAt = (t) => {
      let state = bobStatus[0][1];
      for (const [when, s] of bobStatus) if (when <= t) state = s;
      return state;
    };

    const figures = {
      deliveredOnce: 0,
      duplicated: 0,
      lostMarked: 0,
      lostUnmarked: 0,
      lostUnmarkedBobOffline: 0,
      lostUnmarkedBobOnline: 0,
      uncertainDelivered: 0,
      uncertainTotal: 0,
      pending: 0,
      missingOnAlice: 0,
      shownTwiceOnAlice: 0,
    };
    const lostUnmarkedOnline = [];
    const duplicatedTexts = [];
    for (const text of written) {
      const count = bobCount.get(text) ?? 0;
      const state = aliceState.get(text);
      if (state === undefined) figures.missingOnAlice += 1;
      if ((aliceCopies.get(text) ?? 0) > 1) figures.shownTwiceOnAlice += 1;
      if (state === 'uncertain') figures.uncertainTotal += 1;
      if (count === 1) figures.deliveredOnce += 1;
      if (count > 1) {
        figures.duplicated += 1;
        duplicatedTexts.push(`${text}×${count}`);
      }
      if (count >= 1 && state === 'uncertain') figures.uncertainDelivered += 1;
      if (count === 0) {
        if (state === 'pending') figures.pending += 1;
        else if (state === 'uncertain') figures.lostMarked += 1;
        else {
          figures.lostUnmarked += 1;
          const at = handed[text];
          if (at !== undefined && bobStateAt(at) === 'open') {
            figures.lostUnmarkedBobOnline += 1;
            lostUnmarkedOnline.push(text);
          } else {
            figures.lostUnmarkedBobOffline += 1;
          }
        }
      }
    }
    const lost = figures.lostMarked + figures.lostUnmarked;
    const connected = async (chat) =>
      (await chat.entries()).filter((e) => e.kind === 'system' && e.text === 'connected').length;
    const pageErrors = errorLists.flat();
    const totalMs = Date.now() - startedAt;

    console.log(
      `soak: seed ${SEED}, ${MESSAGES} messages every ${INTERVAL_MS} ms, ${KILLS} relay kills` +
        (gate ? ', Alice held off until Bob is back' : ''),
    );
    for (const e of events) {
      if (e.skipped) {
        console.log(`  kill ${e.n}: skipped, sending had ended`);
        continue;
      }
      console.log(`  kill ${e.n}: at ${(e.killedAt / 1000).toFixed(1)} s, down ${(e.down / 1000).toFixed(1)} s, relay back at ${(e.backAt / 1000).toFixed(1)} s`);
    }
    const rows = [
      ['messages written', MESSAGES],
      ['delivered to Bob exactly once', figures.deliveredOnce],
      ['duplicated (received more than once)', figures.duplicated],
      ['lost (never received, not pending)', lost],
      ['  lost with a visible mark (uncertain)', figures.lostMarked],
      ['  lost without a visible mark', figures.lostUnmarked],
      ['    of which Bob was not connected at hand-over', figures.lostUnmarkedBobOffline],
      ['    of which Bob was connected at hand-over', figures.lostUnmarkedBobOnline],
      ['marked uncertain (all)', figures.uncertainTotal],
      ['marked uncertain but actually delivered', figures.uncertainDelivered],
      ['still pending on Alice', figures.pending],
      ['received out of order (first arrivals)', outOfOrder],
      ['received with a sender other than Alice', wrongSender],
      ['written but not shown on Alice', figures.missingOnAlice],
      ['shown more than once on Alice', figures.shownTwiceOnAlice],
      ['connected lines (Alice / Bob)', `${await connected(alice.chat)} / ${await connected(bob.chat)}`],
      ['page errors', pageErrors.length],
      ['sending time', `${(sendTime / 1000).toFixed(1)} s`],
      ['total run time', `${(totalMs / 1000).toFixed(1)} s`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`  ${'figure'.padEnd(width)}  value`);
    console.log(`  ${'-'.repeat(width)}  -----`);
    for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
    const ranges = (texts) => {
      const numbers = texts.map((text) => Number(text.slice(5))).sort((a, b) => a - b);
      const out = [];
      for (const n of numbers) {
        const lastRange = out.at(-1);
        if (lastRange && n === lastRange[1] + 1) lastRange[1] = n;
        else out.push([n, n]);
      }
      return out.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(' ') || '-';
    };
    console.log(`  uncertain: ${ranges(written.filter((t) => aliceState.get(t) === 'uncertain'))}`);
    console.log(`  never received: ${ranges(written.filter((t) => !bobCount.has(t)))}`);
    if (duplicatedTexts.length) console.log(`  duplicated: ${duplicatedTexts.slice(0, 20).join(', ')}`);
    if (lostUnmarkedOnline.length) {
      console.log(`  lost unmarked while Bob was connected: ${lostUnmarkedOnline.slice(0, 20).join(', ')}`);
    }
    if (pendingLeft > 0) console.log(`  the outbox had not drained after ${DRAIN_TIMEOUT_MS / 1000} s`);
    for (const error of pageErrors.slice(0, 5)) console.log(`  page error: ${error.split('\n')[0]}`);
    console.log(
      `soak: ${MESSAGES} written, ${figures.deliveredOnce} delivered once, ${figures.duplicated} duplicated, ` +
        `${figures.lostUnmarked} lost unmarked (${figures.lostUnmarkedBobOffline} while Bob was not connected), ` +
        `${figures.lostMarked} lost marked uncertain, ${figures.uncertainDelivered} uncertain but delivered, ` +
        `${figures.pending} pending`,
    );
  } finally {
    await browser.close().catch(() => {});
    await gate?.close();
    await relay.kill().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`soak: could not complete: ${error.stack || error}`);
    process.exit(1);
  },
);
