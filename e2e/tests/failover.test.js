'use strict';
// Failover between several endpoints in `server` (shared CONTRACT.md,
// "Configuration at run time": "the client connects to one, and after a
// failure tries the next, with the usual backoff; the outbox and every
// delivery promise carry over"; "The page": with several endpoints,
// `#status` names the one in use; issue 15).
//
// Two servers/redis-relay.js instances, A and B, share their frames through
// a redis-server of the test's own (lib/servers.js startRedis). Alice lists
// both; Bob is on B only. Alice reaches B through a TCP gate
// (lib/reconnect-helpers.js startGate) that stays shut until the test opens
// it, so that Alice starts on A, and after A dies her messages wait in the
// outbox, provably, until B is reachable: her endpoints are
// `ws://127.0.0.1:<A>/ ws://127.0.0.1:<gate to B>/`.
//
// A kills itself (SIGKILL) right after it has forwarded one message and
// Redis has acknowledged it, so that message was delivered and Alice may
// mark it uncertain; it must not be sent again by itself. Then Alice writes
// while no endpoint answers, the gate opens, she moves to B, and Bob
// receives every message she wrote, once each, in order.
//
// "Once" rests on order, not on waiting: Bob and B both see Alice's frames
// in the order she sent them on one socket, so once her last message has
// arrived, any copy of an earlier one would have arrived before it.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { startRelay, startRedis } = require('../lib/servers');
const { startLogged, waitForLog, openChat } = require('../lib/pairing');
const { startGate, waitFor, receivedTexts, isDisconnected, RECONNECT_TIMEOUT_MS } = require('../lib/reconnect-helpers');

const browser = useBrowser();
let relay;
let redis;
let relayA;
let relayB;
let gate;

before(async () => {
  relay = await startRelay();
  redis = await startRedis();
  const redisArgs = ['--redis-port', String(redis.port)];
  relayA = await startLogged('redis-relay.js', [...redisArgs, '--id', 'A']);
  relayB = await startLogged('redis-relay.js', [...redisArgs, '--id', 'B']);
  gate = await startGate(relayB.port, { open: false });
});
after(async () => {
  await gate?.close();
  await relayA?.stop();
  await relayB?.stop();
  await redis?.stop();
  await relay?.stop();
});

const WAIT_MS = 60_000;

async function exitAfterNextFrame(server) {
  const response = await fetch(`${server.url}/__exit-after-next-frame`, { method: 'POST' });
  assert.equal(response.status, 204, 'the relay took the exit-after-next-frame hook');
}

/** Alice's sent entry with this text, or undefined. */
async function sentEntry(chat, text) {
  return (await chat.entries()).find((e) => e.kind === 'sent' && e.text === text);
}

test('the relay Alice is on dies: she moves to the other, and Bob gets everything she wrote, once', { timeout: 180_000 }, async () => {
  const hostA = `127.0.0.1:${relayA.port}`;
  const hostB = `127.0.0.1:${gate.port}`;
  const alice = await openChat(browser, relay.url, { name: 'alice', server: `ws://${hostA}/ ws://${hostB}/` });
  await alice.chat.waitForStatus('open', { timeout: WAIT_MS });
  const onA = await alice.chat.status();
  assert.ok(onA.text.includes(hostA), `#status names the endpoint in use, ${hostA}: ${JSON.stringify(onA)}`);
  await waitForLog(relayA, (log) => log.open === 1, 'Alice never reached A');

  const bob = await openChat(browser, relay.url, { name: 'bob', server: `ws://127.0.0.1:${relayB.port}/` });
  await bob.chat.waitForStatus('open', { timeout: WAIT_MS });
  await waitForLog(relayB, (log) => log.open === 1, 'Bob never reached B');

  // Through A, Redis and B, both ways.
  await alice.chat.send('before 1');
  await alice.chat.send('before 2');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'before 2' }, { timeout: WAIT_MS });
  await bob.chat.send('hello alice');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'hello alice' }, { timeout: WAIT_MS });

  // Being sent: A dies right after it has passed this one on.
  await exitAfterNextFrame(relayA);
  await alice.chat.send('in flight');
  await relayA.exited();
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'in flight' }, { timeout: WAIT_MS });
  await alice.chat.waitForEntry(isDisconnected, { timeout: WAIT_MS });

  // Queued: A is gone and the gate to B is shut, so these wait in the outbox.
  const queued = ['queued 1', 'queued 2', 'queued 3', 'queued 4', 'queued 5'];
  for (const text of queued) await alice.chat.send(text);
  for (const text of queued) {
    const entry = await alice.chat.waitForEntry({ kind: 'sent', text });
    assert.equal(entry.state, 'pending', `${text} waits in the outbox:\n${summarize(await alice.chat.entries())}`);
  }
  const inFlight = await sentEntry(alice.chat, 'in flight');
  assert.ok(
    ['sent', 'uncertain'].includes(inFlight?.state),
    `the message handed to A is sent or uncertain, never pending again: ${JSON.stringify(inFlight)}`,
  );

  // B becomes reachable: Alice moves there, and the status says so.
  gate.open();
  await waitFor(
    async () => {
      const status = await alice.chat.status();
      return status.state === 'open' && status.text.includes(hostB);
    },
    async () => `Alice never moved to ${hostB}: ${JSON.stringify(await alice.chat.status())}`,
    { timeout: RECONNECT_TIMEOUT_MS * 2 },
  );
  for (const text of queued) {
    await waitFor(
      async () => (await sentEntry(alice.chat, text))?.state === 'sent',
      async () => `${text} never went out on B:\n${summarize(await alice.chat.entries())}`,
      { timeout: WAIT_MS },
    );
  }
  await alice.chat.send('after failover');
  await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text: 'after failover' }, { timeout: WAIT_MS });
  await bob.chat.send('welcome back');
  await alice.chat.waitForEntry({ kind: 'received', sender: 'bob', text: 'welcome back' }, { timeout: WAIT_MS });

  // Bob has everything Alice wrote, once each, in order.
  const expected = ['before 1', 'before 2', 'in flight', ...queued, 'after failover'];
  assert.deepEqual(await receivedTexts(bob.chat, 'alice'), expected, 'Bob shows each of Alice\'s messages once, in order');
  // B got from Alice, on her socket through the gate, the queue and what
  // followed it, each once: nothing she had handed to A came again.
  const logB = await relayB.log();
  assert.deepEqual(
    logB.received.filter((frame) => frame.sender === 'alice').map((frame) => frame.msg),
    [...queued, 'after failover'],
    `what B received from Alice: ${JSON.stringify(logB.received)}`,
  );
  // The uncertain mark (if any) carried over: not resent by itself.
  const inFlightAfter = await sentEntry(alice.chat, 'in flight');
  assert.ok(['sent', 'uncertain'].includes(inFlightAfter?.state), JSON.stringify(inFlightAfter));
  if (inFlight.state === 'uncertain') assert.equal(inFlightAfter.state, 'uncertain', 'still uncertain until the user acts');
  // Bob never left B.
  assert.equal(logB.connections, 2, `B saw Bob once and Alice once: ${JSON.stringify(logB)}`);

  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});
