#!/usr/bin/env node
'use strict';
// A soak run of the reconnect and outbox machinery. It reports; it does not
// judge (it exits 0 whenever it completes).
//
//   node e2e/soak.js [--messages 300] [--kills 5] [--reloads 5] [--interval-ms 100]
//                    [--seed 1] [--hold-alice]
//
// Two pages on servers/relay.js serving the built app: Alice writes N
// messages `soak-0001`… at a steady pace (typed into #message, Enter), Bob
// reads. Meanwhile the relay is SIGKILLed `--kills` times at seeded random
// moments and restarted on the same port after a random 0.3–2 s, and
// Alice's page is reloaded `--reloads` times at other seeded random moments
// (between two of her keystrokes' sends, often with a message in flight).
// Then it waits for Alice's outbox to drain and prints what became of each
// message. Both pages render only a window of their conversation, so what
// they show is recorded as it happens (MutationObservers, keyed by entry
// id), across Alice's reloads: a message's state on Alice is the last one
// any of her page loads showed.
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
    reloads: { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    'hold-alice': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const KILLS = Number(values.kills);
const RELOADS = Number(values.reloads);
const INTERVAL_MS = Number(values['interval-ms']);
const SEED = Number(values.seed);
const HOLD_ALICE = values['hold-alice'];
for (const [name, value, min] of [['--messages', MESSAGES, 1], ['--kills', KILLS, 0], ['--reloads', RELOADS, 0], ['--interval-ms', INTERVAL_MS, 0], ['--seed', SEED, 0]]) {
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

/**
 * In each of Alice's page loads (an init script): reports every sent entry's
 * state as it shows or changes, through the `__soakNote(load, id, text,
 * state)` binding. `load` tells page loads apart, since entry ids start over.
 */
function recordAlice() {
  const load = `${Date.now()}-${Math.random()}`;
  const seen = new Map();
  const note = (entry) => {
    if (!(entry instanceof Element) || !entry.classList.contains('entry')) return;
    if (!entry.firstElementChild?.classList.contains('sent')) return;
    const text = entry.querySelector('.text')?.textContent;
    const state = entry.dataset.state;
    const id = entry.dataset.id;
    if (!text || seen.get(id) === state) return;
    seen.set(id, state);
    window.__soakNote(load, id, text, state);
  };
  const watch = (log) =>
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes') note(record.target);
        for (const node of record.addedNodes) {
          note(node);
          if (node instanceof Element) node.querySelectorAll('.entry').forEach(note);
        }
      }
    }).observe(log, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  new MutationObserver((_, observer) => {
    const log = document.querySelector('#chat-text');
    if (!log) return;
    observer.disconnect();
    log.querySelectorAll('.entry').forEach(note);
    watch(log);
  }).observe(document, { childList: true, subtree: true });
}

/** In Bob's page: every received entry, by id, as it shows (rows come and go with the window). */
function recordBob() {
  const received = {};
  window.__soakBob = received;
  const note = (entry) => {
    if (!(entry instanceof Element) || !entry.classList.contains('entry')) return;
    if (!entry.firstElementChild?.classList.contains('received')) return;
    received[entry.dataset.id] = { sender: entry.firstElementChild.textContent, text: entry.querySelector('.text')?.textContent };
  };
  const log = document.querySelector('#chat-text');
  log.querySelectorAll('.entry').forEach(note);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        note(node);
        if (node instanceof Element) node.querySelectorAll('.entry').forEach(note);
      }
    }
  }).observe(log, { subtree: true, childList: true });
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

async function openPage(browser, url, errors, prepare = async () => {}) {
  // A tall viewport: the conversation renders a window of at most
  // MAX_ROWS (160) rows around what is visible, and the recorders see only
  // rendered entries. This tall, every burst of entries is rendered whole.
  const context = await browser.newContext({ viewport: { width: 1000, height: 10_000 } });
  await prepare(context);
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
    // What each of Alice's page loads showed: load -> id -> {text, state}, and
    // when each entry last turned `sent`.
    const aliceLoads = new Map();
    const handed = {};
    const alice = await openPage(browser, aliceUrl, errorLists, async (context) => {
      await context.exposeBinding('__soakNote', (_source, load, id, text, state) => {
        if (!aliceLoads.has(load)) aliceLoads.set(load, new Map());
        aliceLoads.get(load).set(id, { text, state, at: Date.now() });
        if (state === 'sent') handed[text] = Date.now();
      });
      await context.addInitScript(recordAlice);
    });
    const bob = await openPage(browser, new URL(`${relay.url}/?name=Bob`), errorLists);
    await bob.page.evaluate(recordStatus);
    await bob.page.evaluate(recordBob);

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
      // Alice's page may be reloading: no status then.
      const states = await Promise.all(
        [alice, bob].map((p) => p.chat.status().then((s) => s.state, () => null)),
      );
      return states.every((state) => state === 'open');
    };

    // The reload plan: seeded moments spread over the sending time, each
    // away from the kills' slots' starts by chance only.
    const reloadPlan = Array.from({ length: RELOADS }, (_, k) =>
      Math.round((planned / Math.max(RELOADS, 1)) * (k + 0.05 + 0.9 * random())),
    ).sort((a, b) => a - b);
    const reloads = [];

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
      // Reloads due before this send happen first, at their moment.
      while (reloadPlan.length > 0 && sendStart + reloadPlan[0] < sendStart + i * INTERVAL_MS) {
        const at = reloadPlan.shift();
        const wait = sendStart + at - Date.now();
        if (wait > 0) await sleep(wait);
        const reloadedAt = Date.now() - sendStart;
        // The relay serves the page too: while it is down the reload fails
        // (the browser shows its error page, and the app is gone), and the
        // page is loaded again once the relay is back.
        let loaded = await alice.page.reload().then(() => true, () => false);
        const reloadDeadline = Date.now() + 15_000;
        while (!loaded && Date.now() < reloadDeadline) {
          await sleep(200);
          loaded = await alice.page.goto(aliceUrl.href).then(() => true, () => false);
        }
        await alice.chat.waitForApp();
        reloads.push({ n: reloads.length + 1, at: reloadedAt, after: written.at(-1) ?? '-' });
      }
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
    const aliceFinal = () => {
      // The last state any load showed, for each text; and texts shown twice in one load.
      const state = new Map();
      const shownTwice = new Set();
      const loads = [...aliceLoads.values()];
      const notes = loads.flatMap((load) => [...load.values()]).sort((a, b) => a.at - b.at);
      for (const note of notes) state.set(note.text, note.state);
      for (const load of loads) {
        const count = new Map();
        for (const { text } of load.values()) count.set(text, (count.get(text) ?? 0) + 1);
        for (const [text, n] of count) if (n > 1) shownTwice.add(text);
      }
      return { state, shownTwice };
    };
    for (;;) {
      pendingLeft = [...aliceFinal().state.values()].filter((state) => state === 'pending').length;
      if (pendingLeft === 0 || Date.now() - drainStart > DRAIN_TIMEOUT_MS) break;
      await sleep(200);
    }
    // Then let Bob's count settle.
    const soakReceived = async () =>
      Object.values(await bob.page.evaluate(() => window.__soakBob)).filter((e) => IS_SOAK.test(e.text ?? ''));
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
    const { state: aliceState, shownTwice } = aliceFinal();
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
      if (shownTwice.has(text)) figures.shownTwiceOnAlice += 1;
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
      `soak: seed ${SEED}, ${MESSAGES} messages every ${INTERVAL_MS} ms, ${KILLS} relay kills, ${reloads.length} reloads of Alice` +
        (gate ? ', Alice held off until Bob is back' : ''),
    );
    for (const e of events) {
      if (e.skipped) {
        console.log(`  kill ${e.n}: skipped, sending had ended`);
        continue;
      }
      console.log(`  kill ${e.n}: at ${(e.killedAt / 1000).toFixed(1)} s, down ${(e.down / 1000).toFixed(1)} s, relay back at ${(e.backAt / 1000).toFixed(1)} s`);
    }
    for (const r of reloads) {
      console.log(`  reload ${r.n}: at ${(r.at / 1000).toFixed(1)} s, right after ${r.after} was written`);
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
      ['connected lines (Alice since her last reload / Bob)', `${await connected(alice.chat)} / ${await connected(bob.chat)}`],
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
      `soak: ${MESSAGES} written, ${KILLS} kills, ${reloads.length} reloads: ${figures.deliveredOnce} delivered once, ${figures.duplicated} duplicated, ` +
        `${figures.lostUnmarked} lost unmarked (${figures.lostUnmarkedBobOffline} while Bob was not connected), ` +
        `${figures.lostMarked} lost marked uncertain, ${figures.uncertainTotal} uncertain (${figures.uncertainDelivered} of them delivered), ` +
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
