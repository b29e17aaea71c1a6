'use strict';
// The benchmark's `brokers` part (issue 17 item 7): for each broker
// (RabbitMQ's Web-STOMP, mosquitto, nats-server, started by lib/brokers.js),
// one app page subscribed as bob, then a Node publisher sends N messages
// `{"name":"flood","msg":"f<i>"}` through the broker as fast as the broker
// takes them: STOMP SEND without a receipt, MQTT PUBLISH at QoS 0, NATS PUB
// without a PING, one message per WebSocket frame, waiting only when the
// socket's buffer holds more than a megabyte. The page is timed as the
// floods part times it (bench/page.js): from the first flood entry to the
// newest in #chat-text, and the long tasks in between.
//
// Unlike the relay's flooder (lib/flood.js), the publisher is not paced by
// what the page shows: the broker queues for its subscriber, and each
// broker's own flow control (RabbitMQ's credit flow, NATS's slow consumer
// limit, mosquitto's queues) is part of what is measured.

const { StompClient, MqttClient, NatsClient, stompFrame } = require('../lib/broker-clients');
const { startRabbitMQ, startMosquitto, startNats } = require('../lib/brokers');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const HIGH_WATER = 1 << 20;

/** Per broker: how to start it, the page's parameters, and a publisher. */
const BROKERS = [
  {
    name: 'stomp',
    what: 'RabbitMQ Web-STOMP',
    start: () => startRabbitMQ(),
    params: (wsUrl) => ({ protocol: 'stomp', server: wsUrl, user: 'guest' }),
    token: 'guest',
    async publisher(wsUrl) {
      const client = new StompClient(wsUrl);
      const { ok, reply } = await client.connect();
      if (!ok) throw new Error(`STOMP CONNECT refused: ${JSON.stringify(reply)}`);
      return { client, frame: (body) => stompFrame('SEND', { destination: '/topic/chat', 'content-type': 'application/json' }, body) };
    },
  },
  {
    name: 'mqtt',
    what: 'mosquitto',
    start: () => startMosquitto(),
    params: (wsUrl) => ({ protocol: 'mqtt', server: wsUrl }),
    async publisher(wsUrl) {
      const client = new MqttClient(wsUrl);
      const { ok, reply } = await client.connect();
      if (!ok) throw new Error(`MQTT CONNECT refused: ${JSON.stringify(reply)}`);
      const topic = Buffer.from('chat');
      const head = Buffer.from([0, topic.length]);
      return {
        client,
        // PUBLISH at QoS 0: no packet id, no acknowledgement.
        frame: (body) => {
          const payload = Buffer.from(body);
          const rest = 2 + topic.length + payload.length;
          const length = rest < 128 ? Buffer.from([rest]) : Buffer.from([(rest % 128) | 0x80, Math.floor(rest / 128)]);
          return Buffer.concat([Buffer.from([0x30]), length, head, topic, payload]);
        },
      };
    },
  },
  {
    name: 'nats',
    what: 'nats-server',
    start: () => startNats(),
    params: (wsUrl) => ({ protocol: 'nats', server: wsUrl }),
    async publisher(wsUrl) {
      const client = new NatsClient(wsUrl);
      const { ok, reply } = await client.connect();
      if (!ok) throw new Error(`NATS CONNECT refused: ${reply}`);
      return { client, frame: (body) => Buffer.from(`PUB chat ${Buffer.byteLength(body)}\r\n${body}\r\n`) };
    },
  },
];

/**
 * Counts the WebSockets the page opens (a subclass of WebSocket that counts
 * its constructions, nothing per frame): more than one means the page lost
 * its broker during the flood and came back.
 */
const COUNT_SOCKETS = `(() => {
  const Native = window.WebSocket;
  window.__sockets = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__sockets += 1;
    }
  };
})();`;

/** The app's address on `host` subscribed to `broker` as bob; the token last, in the fragment. */
function appUrl(host, broker, wsUrl) {
  const url = new URL(`${host.url}/`);
  url.searchParams.set('name', 'bob');
  for (const [key, value] of Object.entries(broker.params(wsUrl))) url.searchParams.set(key, value);
  if (broker.token) url.hash = `token=${encodeURIComponent(broker.token)}`;
  return url.href;
}

/**
 * Publishes `n` frames `frame(body(i))` on `client`'s socket as fast as it
 * drains, while polling the page's progress; resolves once the page shows
 * the last, or when it shows nothing new for `stallMs`, with
 * `{completed, sendMs, why}`.
 */
async function publishAll(client, frame, n, { progress, stallMs }) {
  const socket = client.socket;
  const start = Date.now();
  let sendMs = null;
  let done = false;
  let failure = null;
  let seen = -1;
  let lastProgress = Date.now();
  const poll = (async () => {
    while (!done && !failure) {
      try {
        const [index, last] = await progress();
        if (index > seen) {
          seen = index;
          lastProgress = Date.now();
        }
        if (last) done = true;
      } catch (error) {
        failure = `cannot read the page: ${error.message}`;
      }
      // The clock of a stall starts once everything is handed over: before,
      // the publisher may still be waiting on the broker.
      if (!done && sendMs !== null && Date.now() - lastProgress > stallMs) {
        failure = `stalled: nothing new shown for ${stallMs / 1000} s (last seen f${seen})`;
      }
      if (!done) await sleep(100);
    }
  })();
  for (let i = 0; i < n && !failure; i += 1) {
    if (client.isClosed()) {
      failure = `the broker closed the publisher's socket after ${i} messages`;
      break;
    }
    const data = frame(JSON.stringify({ name: 'flood', msg: `f${i}` }));
    if (socket.bufferedAmount >= HIGH_WATER || i === n - 1) {
      await new Promise((resolve) => socket.send(data, resolve));
    } else {
      socket.send(data);
      if (i % 1000 === 999) await new Promise(setImmediate);
    }
  }
  if (!failure) sendMs = Date.now() - start;
  lastProgress = Math.max(lastProgress, Date.now());
  await poll;
  return { completed: done, sendMs, why: failure };
}

/**
 * The part: for each broker, a fresh app page subscribed to it, a probe
 * message until the page shows it (so the subscription is in place), then
 * the flood, timed in the page. `deps` comes from bench.js: `browser`,
 * `host` (the relay serving the app), `INIT_SCRIPT`, `clearOrigin`,
 * `appReady`, `stallMs`, `only` (broker names, or null for all), `log`.
 */
async function runBrokers(n, deps) {
  const { browser, host, INIT_SCRIPT, clearOrigin, appReady, stallMs, log } = deps;
  const results = [];
  for (const broker of BROKERS) {
    if (deps.only && !deps.only.includes(broker.name)) continue;
    const out = { name: broker.name, what: broker.what, n };
    results.push(out);
    let server = null;
    let page = null;
    let publisher = null;
    try {
      log(`[bench] brokers: ${broker.what}... `);
      server = await broker.start();
      page = await browser.newPage();
      await clearOrigin(page, host.url);
      await page.addInitScript(INIT_SCRIPT);
      await page.addInitScript(COUNT_SOCKETS);
      // The page takes the token out of its address (history.replaceState),
      // so the wait cannot compare the whole address as CdpPage.goto does.
      const url = appUrl(host, broker, server.wsUrl);
      const { errorText } = await page.send('Page.navigate', { url });
      if (errorText) throw new Error(`cannot open ${url}: ${errorText}`);
      await page.waitFor(`location.search === ${JSON.stringify(new URL(url).search)} && document.readyState === 'complete' && (${appReady})`, 60_000);
      publisher = await broker.publisher(server.wsUrl);
      // The page subscribes after the broker's CONNECTED/CONNACK/INFO: a
      // probe, repeated, shows when its subscription is in place.
      const probeDeadline = Date.now() + 30_000;
      for (;;) {
        publisher.client.socket.send(publisher.frame(JSON.stringify({ name: 'flood', msg: 'probe' })));
        await sleep(300);
        if (await page.eval('__bench.has("probe")')) break;
        if (Date.now() > probeDeadline) throw new Error('the page never showed the probe message: no subscription');
      }
      await sleep(500);
      await page.eval(`__bench.arm(${JSON.stringify(`f${n - 1}`)})`);
      const flood = await publishAll(publisher.client, publisher.frame, n, { progress: () => page.eval('__bench.progress()'), stallMs });
      await sleep(300); // long task entries arrive a moment late
      Object.assign(out, await page.eval('__bench.result()'), flood);
      out.status = await page.eval("document.querySelector('#status')?.dataset.state ?? null");
      out.sockets = await page.eval('window.__sockets');
      log(`${out.completed ? `${out.render.toFixed(0)} ms` : `incomplete: ${out.why}`}\n`);
    } catch (error) {
      out.failed = true;
      out.error = error.message.split('\n')[0];
      log(`could not measure: ${out.error}\n`);
    } finally {
      await publisher?.client.close().catch(() => {});
      await page?.close().catch(() => {});
      await server?.stop().catch(() => {});
    }
  }
  return results;
}

module.exports = { runBrokers, BROKERS };
