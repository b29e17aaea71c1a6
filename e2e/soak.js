#!/usr/bin/env node
'use strict';
// A soak run of the reconnect and outbox machinery. It reports; it does not
// judge (it exits 0 whenever it completes).
//
//   node e2e/soak.js [--protocol json|stomp|mqtt|nats|all] [--messages 300] [--kills 5]
//                    [--reloads 5] [--interval-ms 100] [--seed 1] [--hold-alice]
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
// which takes the relay's part out of the figures (with a broker: once
// Bob's page has sent its SUBSCRIBE again).
//
// --protocol stomp|mqtt|nats runs the same soak through a broker
// (lib/brokers.js: RabbitMQ's Web-STOMP, mosquitto, nats-server) instead of
// the relay: the relay only serves the page, and the kills SIGKILL the
// broker's whole process group and restart it on the same ports (RabbitMQ
// takes seconds to come back; the run waits for it). A broker keeps nothing
// for a subscriber that is away either (STOMP /topic, MQTT clean session,
// NATS core), so losses are split the same way; with a broker, Bob counts as
// connected at a hand-over only once his page has sent its SUBSCRIBE on the
// socket that is open then (the wire is recorded in both pages: what each
// sent and received, with times, through a wrapped WebSocket).
// --protocol all runs json, stomp, mqtt and nats one after the other with
// the same seed (so the same kill and reload plan) and prints one table with
// the four side by side. The default is json: the relay, as before.

const { parseArgs } = require('node:util');
const { launchBrowser, watchErrors } = require('./lib/browser');
const { ChatPage } = require('./lib/chat-page');
const { startRelay } = require('./lib/servers');
const { startRabbitMQ, startMosquitto, startNats } = require('./lib/brokers');
const { RECONNECT_FAILURES, sleep, waitForDist, seededRandom, startGate } = require('./lib/reconnect-helpers');

const PROTOCOLS = ['json', 'stomp', 'mqtt', 'nats'];
const { values } = parseArgs({
  options: {
    protocol: { type: 'string', default: 'json' },
    messages: { type: 'string', default: '300' },
    kills: { type: 'string', default: '5' },
    reloads: { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    'hold-alice': { type: 'boolean', default: false },
  },
});
const PROTOCOL = values.protocol;
const MESSAGES = Number(values.messages);
const KILLS = Number(values.kills);
const RELOADS = Number(values.reloads);
const INTERVAL_MS = Number(values['interval-ms']);
const SEED = Number(values.seed);
const HOLD_ALICE = values['hold-alice'];
if (PROTOCOL !== 'all' && !PROTOCOLS.includes(PROTOCOL)) {
  console.error(`--protocol takes ${PROTOCOLS.join(', ')} or all; got ${PROTOCOL}`);
  process.exit(2);
}
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
/** How long the kill waits for both pages to be open again before it strikes anyway. */
const REOPEN_TIMEOUT_MS = 10_000;
const label = (i) => `soak-${String(i).padStart(4, '0')}`;
const IS_SOAK = /^soak-\d{4}$/;

/**
 * Where each protocol's pages connect, what is killed, and how a page names
 * it. `start()` resolves to `{host, target}`: `host` serves the page (the
 * relay, never killed in a broker run), `target` is what the kills strike
 * (the relay itself in a json run); both have kill() and restart().
 */
const BACKENDS = {
  json: {
    what: 'relay',
    async start() {
      const relay = await startRelay();
      return { host: relay, target: relay };
    },
    params: () => ({}),
  },
  stomp: {
    what: 'RabbitMQ (Web-STOMP)',
    start: () => withHost(startRabbitMQ()),
    params: (wsUrl) => ({ protocol: 'stomp', server: wsUrl, user: 'guest' }),
    token: 'guest',
  },
  mqtt: {
    what: 'mosquitto',
    start: () => withHost(startMosquitto()),
    params: (wsUrl) => ({ protocol: 'mqtt', server: wsUrl }),
  },
  nats: {
    what: 'nats-server',
    start: () => withHost(startNats()),
    params: (wsUrl) => ({ protocol: 'nats', server: wsUrl }),
  },
};

/** A broker, and a relay that only serves the page (without its test hooks). */
async function withHost(starting) {
  const target = await starting;
  try {
    return { host: await startRelay({ hooks: false }), target };
  } catch (error) {
    await target.kill();
    throw error;
  }
}

/** The page's address on `host` for `name`, reaching `wsUrl` (a broker's, or a gate's in front of it). */
function pageUrl(protocol, host, name, wsUrl) {
  const url = new URL(`${host.url}/`);
  url.searchParams.set('name', name);
  const backend = BACKENDS[protocol];
  for (const [key, value] of Object.entries(backend.params(wsUrl))) url.searchParams.set(key, value);
  // The token goes last, in the fragment, as the contract says.
  if (backend.token) url.hash = `token=${encodeURIComponent(backend.token)}`;
  return url;
}

/**
 * In each of Alice's page loads (an init script): reports every sent entry's
 * state as it shows or changes, through the `__soakNote(load, id, text,
 * state)` binding. `load` tells page loads apart, since entry ids start over.
 */
function recordAlice() {
  const load = `${Date.now()}-${Math.random()}`;
  window.__soakLoad = load;
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

/**
 * In every page load of both pages (an init script): what went over the
 * page's WebSockets, through the `__soakWire(event)` binding. WebSocket is
 * replaced by a subclass that reports each socket's open and close, every
 * frame it received and every frame sent on it, each with its time
 * (Date.now(), the clock the other recorders use), the socket's number in
 * this load, the frame's kind for the protocol (`subscribe`, `publish`,
 * `ack`, `message`, or null) and the soak labels it holds.
 */
function recordWire() {
  const load = window.__soakLoad ?? `${Date.now()}-${Math.random()}`;
  const Native = window.WebSocket;
  const latin1 = new TextDecoder('latin1');
  const asText = (data) => {
    if (typeof data === 'string') return { text: data, first: data.charCodeAt(0) };
    let bytes = null;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!bytes) return { text: '', first: -1 };
    return { text: latin1.decode(bytes), first: bytes[0], bytes };
  };
  const labels = (text) => text.match(/soak-\d{4}/g) ?? [];
  // Frame kinds by their start: STOMP text commands, MQTT's first byte, NATS lines.
  const kindOut = ({ text, first, bytes }) => {
    if (/^SUBSCRIBE\n/.test(text) || /(^|\n)SUB /.test(text)) return 'subscribe';
    if (bytes && first === 0x82) return 'subscribe';
    if (/^SEND\n/.test(text) || /(^|\n)PUB /.test(text)) return 'publish';
    if (bytes && first >> 4 === 3) return 'publish';
    if (bytes && first === 0x40) return 'puback';
    if (labels(text).length) return 'publish';
    return null;
  };
  const kindIn = ({ text, first, bytes }) => {
    if (/^\n*RECEIPT\n/.test(text)) return 'ack';
    if (/^\n*MESSAGE\n/.test(text) || /(^|\n)MSG /.test(text)) return 'message';
    if (/(^|\n)PONG\r\n/.test(text)) return 'ack';
    // MQTT's fixed headers; NATS lines start with a letter, which none of these is.
    if (bytes && first === 0x40) return 'ack';
    if (bytes && first >> 4 === 3) return 'message';
    if (bytes && first === 0x90) return 'suback';
    if (/^\n*CONNECTED\n/.test(text) || (bytes && first === 0x20)) return 'connected';
    if (labels(text).length) return 'message';
    return null;
  };
  // The id that pairs a message with its acknowledgement: STOMP's receipt,
  // MQTT's packet id (of the frame's first packet); NATS has none (PONGs
  // answer PINGs in order).
  const idOf = ({ text, first, bytes }, kind) => {
    const receipt = /\n(?:receipt|receipt-id):([^\n]*)\n/.exec(text);
    if (receipt) return receipt[1];
    if (!bytes || (kind !== 'publish' && kind !== 'ack' && kind !== 'puback')) return null;
    let at = 1;
    while (at < bytes.length && bytes[at] & 0x80) at += 1;
    at += 1;
    if (first === 0x40) return String((bytes[at] << 8) | bytes[at + 1]);
    if (first >> 4 === 3 && (first & 0x06) !== 0) {
      const topic = (bytes[at] << 8) | bytes[at + 1];
      at += 2 + topic;
      return String((bytes[at] << 8) | bytes[at + 1]);
    }
    return null;
  };
  let sockets = 0;
  const report = (socket, dir, kind, frame = { text: '' }) =>
    window.__soakWire({ load, at: Date.now(), socket, dir, kind, labels: labels(frame.text), id: idOf(frame, kind) });
  class Recorded extends Native {
    constructor(...args) {
      super(...args);
      const number = (sockets += 1);
      this.__soakSocket = number;
      this.addEventListener('open', () => report(number, 'open', null));
      this.addEventListener('close', () => report(number, 'close', null));
      this.addEventListener('message', (event) => {
        const frame = asText(event.data);
        report(number, 'in', kindIn(frame), frame);
      });
    }
  }
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    const frame = asText(data);
    report(this.__soakSocket ?? 0, 'out', kindOut(frame), frame);
    return send.call(this, data);
  };
  window.WebSocket = Recorded;
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
  await chat.waitForStatus('open', { timeout: 60_000 });
  return { page, chat };
}

/** One soak run on `protocol`: prints its own report and returns its figures. */
async function soak(protocol) {
  const startedAt = Date.now();
  const backend = BACKENDS[protocol];
  const random = seededRandom(SEED);
  await waitForDist();
  let { host, target } = await backend.start();
  const isBroker = host !== target;
  const targetPort = Number(new URL(isBroker ? target.wsUrl : target.url).port);
  const gate = HOLD_ALICE ? await startGate(targetPort) : null;
  let browser;
  const errorLists = [];
  const events = [];
  try {
    browser = await launchBrowser();
    // The relay's page talks to `/ws` on its own origin; a broker's is named.
    const brokerUrl = (port) => {
      const url = new URL(target.wsUrl);
      url.port = String(port);
      return url.href;
    };
    const aliceUrl = isBroker
      ? pageUrl(protocol, host, 'Alice', brokerUrl(gate ? gate.port : targetPort))
      : pageUrl(protocol, host, 'Alice');
    if (gate && !isBroker) aliceUrl.searchParams.set('server', `${gate.wsUrl}/ws`);
    const bobUrl = isBroker ? pageUrl(protocol, host, 'Bob', target.wsUrl) : pageUrl(protocol, host, 'Bob');
    // What each of Alice's page loads showed: load -> id -> {text, state}.
    const aliceLoads = new Map();
    // What went over each page's sockets (recordWire).
    const wire = { Alice: [], Bob: [] };
    const recordWireOf = (who) => async (context) => {
      await context.exposeBinding('__soakWire', (_source, event) => wire[who].push(event));
    };
    const alice = await openPage(browser, aliceUrl, errorLists, async (context) => {
      await context.exposeBinding('__soakNote', (_source, load, id, text, state) => {
        if (!aliceLoads.has(load)) aliceLoads.set(load, new Map());
        aliceLoads.get(load).set(id, { text, state, at: Date.now() });
      });
      await recordWireOf('Alice')(context);
      await context.addInitScript(recordAlice);
      await context.addInitScript(recordWire);
    });
    const bob = await openPage(browser, bobUrl, errorLists, async (context) => {
      await recordWireOf('Bob')(context);
      await context.addInitScript(recordWire);
    });
    await bob.page.evaluate(recordStatus);
    await bob.page.evaluate(recordBob);

    // The kill plan, drawn before anything runs so that a seed repeats it:
    // the sending time is cut into one slot per kill, and each kill comes at
    // a random moment of its slot, but not before both pages are connected
    // again (a kill of a server nobody has reached yet would test nothing).
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
        const reconnectDeadline = Date.now() + REOPEN_TIMEOUT_MS;
        while (!(await bothOpen()) && Date.now() < reconnectDeadline) await sleep(50);
        if (!sending) {
          events.push({ n: n + 1, skipped: true });
          continue;
        }
        const killedAt = Date.now();
        await target.kill();
        gate?.shut();
        await sleep(down);
        const restartedAt = Date.now();
        target = await target.restart();
        if (!isBroker) host = target;
        if (gate) {
          // With a broker, Bob is back once his SUBSCRIBE went out on the
          // new socket; with the relay, once his socket is open.
          const bobBack = async () =>
            isBroker
              ? wire.Bob.some((e) => e.at >= restartedAt && e.dir === 'out' && e.kind === 'subscribe')
              : (await bob.chat.status()).state === 'open';
          const bobDeadline = Date.now() + 15_000;
          while (!(await bobBack()) && Date.now() < bobDeadline) await sleep(20);
          gate.open();
        }
        events.push({ n: n + 1, killedAt: killedAt - sendStart, down, restartMs: Date.now() - restartedAt, backAt: Date.now() - sendStart });
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
      // The last state any load showed, for each text; texts shown twice in
      // one load; and each text's states in order, across loads (a load's
      // first note of an entry is marked with the load's number).
      const state = new Map();
      const history = new Map();
      const shownTwice = new Set();
      const loads = [...aliceLoads.values()];
      const notes = loads
        .flatMap((load, k) => [...load.values()].map((note) => ({ ...note, load: k + 1 })))
        .sort((a, b) => a.at - b.at);
      for (const note of notes) {
        state.set(note.text, note.state);
        if (!history.has(note.text)) history.set(note.text, []);
        history.get(note.text).push(note);
      }
      for (const load of loads) {
        const count = new Map();
        for (const { text } of load.values()) count.set(text, (count.get(text) ?? 0) + 1);
        for (const [text, n] of count) if (n > 1) shownTwice.add(text);
      }
      return { state, shownTwice, history };
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

    // The recorders see rendered rows only, and Alice's page renders a
    // window of her conversation: a state that changed on a row out of the
    // window was not seen. A scan of her page (scrolled through, a viewport
    // at a time) renders every row, so the recorder notes each state as it
    // is now.
    const beforeScan = aliceFinal().state;
    const scanned = (await alice.chat.entries()).filter((e) => e.kind === 'sent' && IS_SOAK.test(e.text ?? ''));
    await sleep(500);
    const changedByScan = scanned.filter((e) => beforeScan.get(e.text) !== e.state).map((e) => `${e.text} ${beforeScan.get(e.text)}→${e.state}`);

    // What became of each message.
    const { state: aliceState, shownTwice, history: aliceHistory } = aliceFinal();
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
    // Bob's wire: when he could receive. With a broker, from his SUBSCRIBE
    // on a socket until its close; with the relay, from the socket's open.
    const bobListening = [];
    {
      const open = new Map();
      for (const e of wire.Bob) {
        const key = `${e.load}/${e.socket}`;
        if ((isBroker && e.dir === 'out' && e.kind === 'subscribe') || (!isBroker && e.dir === 'open')) {
          if (!open.has(key)) open.set(key, e.at);
        }
        if (e.dir === 'close' && open.has(key)) {
          bobListening.push([open.get(key), e.at]);
          open.delete(key);
        }
      }
      for (const from of open.values()) bobListening.push([from, Infinity]);
    }
    const bobListeningAt = (t) => bobListening.some(([from, to]) => from <= t && t < to);
    // Alice's wire, by label: every time she put it on a socket, and every
    // time Bob's socket received it.
    const published = new Map();
    for (const e of wire.Alice) {
      if (e.dir !== 'out') continue;
      for (const text of e.labels) {
        if (!published.has(text)) published.set(text, []);
        published.get(text).push(e);
      }
    }
    const bobWire = new Map();
    for (const e of wire.Bob) {
      if (e.dir !== 'in') continue;
      for (const text of e.labels) bobWire.set(text, (bobWire.get(text) ?? 0) + 1);
    }
    // A message's hand-over: the last time Alice's page put it on a socket
    // (from the wire); without one, when her entry last turned `sent` or
    // `delivered` from another state.
    const handedAt = (text) => {
      const sends = published.get(text);
      if (sends?.length) return sends.at(-1).at;
      let at;
      let previous;
      for (const note of aliceHistory.get(text) ?? []) {
        const handed = note.state === 'sent' || note.state === 'delivered';
        if (handed && previous !== 'sent' && previous !== 'delivered') at = note.at;
        previous = note.state;
      }
      return at;
    };

    const figures = {
      deliveredOnce: 0,
      duplicated: 0,
      lostMarked: 0,
      lostUnmarked: 0,
      lostUnmarkedBobOffline: 0,
      lostUnmarkedBobNotSubscribed: 0,
      lostUnmarkedBobOnline: 0,
      uncertainDelivered: 0,
      uncertainTotal: 0,
      markedDelivered: 0,
      markedDeliveredNotReceived: 0,
      pending: 0,
      missingOnAlice: 0,
      shownTwiceOnAlice: 0,
      publishedTwice: 0,
    };
    const lostUnmarkedOnline = [];
    const duplicatedTexts = [];
    const publishedTwice = [];
    for (const text of written) {
      const count = bobCount.get(text) ?? 0;
      const state = aliceState.get(text);
      if (state === undefined) figures.missingOnAlice += 1;
      if (shownTwice.has(text)) figures.shownTwiceOnAlice += 1;
      if (state === 'uncertain') figures.uncertainTotal += 1;
      if (state === 'delivered') {
        figures.markedDelivered += 1;
        if (count === 0) figures.markedDeliveredNotReceived += 1;
      }
      if ((published.get(text)?.length ?? 0) > 1) {
        figures.publishedTwice += 1;
        publishedTwice.push(`${text}×${published.get(text).length}`);
      }
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
          const at = handedAt(text);
          if (at === undefined || bobStateAt(at) !== 'open') figures.lostUnmarkedBobOffline += 1;
          else if (!bobListeningAt(at)) figures.lostUnmarkedBobNotSubscribed += 1;
          else {
            figures.lostUnmarkedBobOnline += 1;
            lostUnmarkedOnline.push(text);
          }
        }
      }
    }
    const lost = figures.lostMarked + figures.lostUnmarked;
    const stateCounts = new Map();
    for (const text of written) {
      const state = aliceState.get(text) ?? 'not shown';
      stateCounts.set(state, (stateCounts.get(state) ?? 0) + 1);
    }
    const finalStates = [...stateCounts].map(([state, n]) => `${state} ${n}`).join(', ');
    // With a broker, every message should end delivered or uncertain: one
    // left `sent` or `pending` waited for an acknowledgement that never came.
    const unsettled = isBroker ? written.filter((t) => ['sent', 'pending'].includes(aliceState.get(t))) : [];
    const connected = async (chat) =>
      (await chat.entries()).filter((e) => e.kind === 'system' && e.text === 'connected').length;
    const pageErrors = errorLists.flat();
    const totalMs = Date.now() - startedAt;

    const what = backend.what;
    console.log(
      `soak ${protocol}: seed ${SEED}, ${MESSAGES} messages every ${INTERVAL_MS} ms, ${KILLS} kills of the ${what}, ${reloads.length} reloads of Alice` +
        (gate ? ', Alice held off until Bob is back' : ''),
    );
    for (const e of events) {
      if (e.skipped) {
        console.log(`  kill ${e.n}: skipped, sending had ended`);
        continue;
      }
      console.log(
        `  kill ${e.n}: at ${(e.killedAt / 1000).toFixed(1)} s, down ${(e.down / 1000).toFixed(1)} s, ` +
          `restart took ${(e.restartMs / 1000).toFixed(1)} s, ${what} back at ${(e.backAt / 1000).toFixed(1)} s`,
      );
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
      ['    of which Bob was connected, not yet subscribed', figures.lostUnmarkedBobNotSubscribed],
      ['    of which Bob was connected (and subscribed)', figures.lostUnmarkedBobOnline],
      ['marked uncertain (all)', figures.uncertainTotal],
      ['marked uncertain but actually delivered', figures.uncertainDelivered],
      ['marked delivered (the broker acknowledged)', figures.markedDelivered],
      ['marked delivered but never received', figures.markedDeliveredNotReceived],
      ['still pending on Alice (never received)', figures.pending],
      ['Alice\'s last states', finalStates],
      ['last states seen only by the final scan of Alice', changedByScan.length],
      ['put on a socket more than once by Alice', figures.publishedTwice],
      ['received out of order (first arrivals)', outOfOrder],
      ['received with a sender other than Alice', wrongSender],
      ['written but not shown on Alice', figures.missingOnAlice],
      ['shown more than once on Alice', figures.shownTwiceOnAlice],
      ['connected lines (Alice since her last reload / Bob)', `${await connected(alice.chat)} / ${await connected(bob.chat)}`],
      ['page errors', pageErrors.length],
      ['WebSocket events recorded (Alice / Bob)', `${wire.Alice.length} / ${wire.Bob.length}`],
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
    // The story of a message that went wrong: Alice's states (load number:
    // state @ ms from the start of sending), her sends, Bob's wire.
    const story = (text) => {
      const states = (aliceHistory.get(text) ?? []).map((n) => `L${n.load}:${n.state}@${n.at - sendStart}`).join(' ');
      const loadNumber = (load) => [...aliceLoads.keys()].indexOf(load) + 1;
      const sends = (published.get(text) ?? [])
        .map((e) => {
          // Its acknowledgement: on the same socket, the same id (or, on
          // NATS, none to pair by), later; and whether that socket closed first.
          const same = wire.Alice.filter((w) => w.load === e.load && w.socket === e.socket && w.at >= e.at);
          const ack = e.id !== null ? same.find((w) => w.dir === 'in' && w.kind === 'ack' && w.id === e.id) : null;
          const closed = same.find((w) => w.dir === 'close');
          const id = e.id !== null ? ` id ${e.id}` : '';
          const then = ack ? `, acked @${ack.at - sendStart}` : e.id !== null ? ', no ack' : '';
          return `${e.kind ?? 'frame'}${id} on L${loadNumber(e.load)}/socket ${e.socket} @${e.at - sendStart}${then}${closed ? `, socket closed @${closed.at - sendStart}` : ''}`;
        })
        .join('; ');
      // Bob's listening span at the hand-over: when his SUBSCRIBE (the
      // relay: his socket's open) went out, and when that socket closed.
      const at = handedAt(text);
      const span = at === undefined ? null : bobListening.find(([from, to]) => from <= at && at < to);
      const bobThen = span
        ? `Bob listening from @${span[0] - sendStart} to ${span[1] === Infinity ? 'the end' : `@${span[1] - sendStart}`}`
        : 'Bob not listening at the hand-over';
      return `${text}: Alice ${states || 'never shown'}; put on a socket ${sends || 'never'}; ${bobThen}; Bob's socket received it ${bobWire.get(text) ?? 0}x, shown ${bobCount.get(text) ?? 0}x`;
    };
    if (duplicatedTexts.length) {
      console.log(`  duplicated: ${duplicatedTexts.slice(0, 20).join(', ')}`);
      for (const text of duplicatedTexts.slice(0, 5).map((t) => t.split('×')[0])) console.log(`    ${story(text)}`);
    }
    if (publishedTwice.length) {
      console.log(`  put on a socket more than once: ${publishedTwice.slice(0, 20).join(', ')}`);
      for (const text of publishedTwice.slice(0, 5).map((t) => t.split('×')[0])) console.log(`    ${story(text)}`);
    }
    if (lostUnmarkedOnline.length) {
      console.log(`  lost unmarked while Bob was connected: ${lostUnmarkedOnline.slice(0, 20).join(', ')}`);
      for (const text of lostUnmarkedOnline.slice(0, 5)) console.log(`    ${story(text)}`);
    }
    if (changedByScan.length) console.log(`  seen only by the final scan: ${changedByScan.slice(0, 10).join(', ')}`);
    if (unsettled.length) {
      console.log(`  left sent or pending (no acknowledgement): ${ranges(unsettled)}`);
      for (const text of unsettled.slice(0, 5)) console.log(`    ${story(text)}`);
    }
    if (pendingLeft > 0) console.log(`  the outbox had not drained after ${DRAIN_TIMEOUT_MS / 1000} s`);
    for (const error of pageErrors.slice(0, 5)) console.log(`  page error: ${error.split('\n')[0]}`);
    console.log(
      `soak ${protocol}: ${MESSAGES} written, ${KILLS} kills, ${reloads.length} reloads: ${figures.deliveredOnce} delivered once, ${figures.duplicated} duplicated, ` +
        `${figures.lostUnmarked} lost unmarked (${figures.lostUnmarkedBobOffline} while Bob was not connected, ` +
        `${figures.lostUnmarkedBobNotSubscribed} before his subscription, ${figures.lostUnmarkedBobOnline} while he was), ` +
        `${figures.lostMarked} lost marked uncertain, ${figures.uncertainTotal} uncertain (${figures.uncertainDelivered} of them delivered), ` +
        `${figures.markedDelivered} marked delivered, ${figures.pending} pending`,
    );
    console.log('');
    return {
      protocol,
      figures: { ...figures, lost, outOfOrder, wrongSender, pageErrors: pageErrors.length, reloads: reloads.length },
      kills: events.filter((e) => !e.skipped).length,
      sendTime,
      totalMs,
    };
  } finally {
    await browser?.close().catch(() => {});
    await gate?.close();
    await target.kill().catch(() => {});
    if (isBroker) await host.kill().catch(() => {});
  }
}

/** The runs side by side: one row per figure, one column per protocol. */
function printSideBySide(runs) {
  const row = (name, pick) => [name, ...runs.map((run) => (run.failed ? '-' : String(pick(run))))];
  const f = (key) => (run) => run.figures[key];
  const rows = [
    row('kills done (of the planned)', (run) => `${run.kills}/${KILLS}`),
    row('reloads of Alice', f('reloads')),
    row('delivered to Bob exactly once', f('deliveredOnce')),
    row('duplicated', f('duplicated')),
    row('lost without a mark', f('lostUnmarked')),
    row('  Bob not connected at hand-over', f('lostUnmarkedBobOffline')),
    row('  Bob connected, not yet subscribed', f('lostUnmarkedBobNotSubscribed')),
    row('  Bob connected and subscribed', f('lostUnmarkedBobOnline')),
    row('lost with a mark (uncertain)', f('lostMarked')),
    row('uncertain (all)', f('uncertainTotal')),
    row('uncertain but delivered', f('uncertainDelivered')),
    row('marked delivered (acknowledged)', f('markedDelivered')),
    row('marked delivered, never received', f('markedDeliveredNotReceived')),
    row('still pending', f('pending')),
    row('put on a socket twice', f('publishedTwice')),
    row('out of order', f('outOfOrder')),
    row('page errors', f('pageErrors')),
    row('run time', (run) => `${(run.totalMs / 1000).toFixed(0)} s`),
  ];
  const header = ['figure', ...runs.map((run) => run.protocol)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(`soak, ${MESSAGES} messages every ${INTERVAL_MS} ms, ${KILLS} kills, ${RELOADS} reloads, seed ${SEED}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const run of runs) if (run.failed) console.log(`${run.protocol}: could not complete: ${run.error}`);
  const brokers = runs.filter((run) => !run.failed && run.protocol !== 'json');
  const relay = runs.find((run) => !run.failed && run.protocol === 'json');
  for (const run of brokers) {
    const ok = run.figures.duplicated === 0 && run.figures.lostUnmarkedBobOnline === 0;
    console.log(
      `${ok ? 'PASS' : 'FAIL'}  ${run.protocol}: 0 duplicated and 0 lost without a mark while Bob was subscribed: ` +
        `${run.figures.duplicated} duplicated, ${run.figures.lostUnmarkedBobOnline} lost; uncertain ${run.figures.uncertainTotal}` +
        (relay ? ` against the relay's ${relay.figures.uncertainTotal}` : ''),
    );
  }
}

async function main() {
  const protocols = PROTOCOL === 'all' ? PROTOCOLS : [PROTOCOL];
  const runs = [];
  for (const protocol of protocols) {
    try {
      runs.push(await soak(protocol));
    } catch (error) {
      if (protocols.length === 1) throw error;
      console.error(`soak ${protocol}: could not complete: ${error.stack || error}`);
      runs.push({ protocol, failed: true, error: error.message });
    }
  }
  if (protocols.length > 1) printSideBySide(runs);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`soak: could not complete: ${error.stack || error}`);
    process.exit(1);
  },
);
