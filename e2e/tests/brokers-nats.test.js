'use strict';
// NATS over WebSocket against nats-server (issue 17, item 5; shared
// CONTRACT.md, "Wire protocols", nats). The page pairs with
//   ?protocol=nats&server=ws://127.0.0.1:PORT/
// on the default subject `chat`; the PONG that answers the PING after a PUB
// marks it delivered; with `authorization { token }`, `#token=<token>`
// connects and a wrong one gets `-ERR 'Authorization Violation'`. The
// scenarios are in lib/broker-pairing.js, the broker in lib/brokers.js.
//
// Last, a cluster of two servers (a `cluster` block each, routed to each
// other) with `server` listing both, space-separated: the server Alice is
// on is killed; she moves to the other, and Bob, on that other one from
// the start, receives everything she wrote, once each, in order.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { summarize } = require('../lib/chat-page');
const { startNats, startNatsCluster } = require('../lib/brokers');
const { waitFor, receivedTexts } = require('../lib/reconnect-helpers');
const specs = require('../lib/broker-pairing');

const browser = useBrowser();
const profile = {
  protocol: 'nats',
  start: () => startNats(),
  startGuarded: (password) => startNats({ token: password }),
  wsPort: 'websocket',
  server: (broker, port = broker.ports.websocket) => `ws://127.0.0.1:${port}/`,
  login: {},
  clientLogin: {},
  guardedLogin: (password) => ({ token: password }),
  topics: { default: 'chat', pair: ['to-carol', 'to-dave'] },
};
const ctx = specs.useBroker(profile, browser);

test('NATS: two pages pair on chat, both ways, each message delivered by the PONG after it', { timeout: 180_000 }, () =>
  specs.pairsBothWays(ctx));

test('NATS: the ✓ comes from the PONG, not from an echo (echo=show; topic and publish crossed)', { timeout: 180_000 }, () =>
  specs.deliveredFromTheAcknowledgement(ctx));

test('NATS: a wrong token gets one refusal line and no retry; the right one connects', { timeout: 180_000 }, () =>
  specs.wrongPasswordIsRefused(ctx));

test('NATS: a message the broker never read (frozen, then killed) is uncertain, not delivered, not sent again by itself; Resend delivers it', { timeout: 300_000 }, () =>
  specs.unacknowledgedIsUncertain(ctx));

test('NATS restarts while Alice has messages queued: she reconnects, subscribes again, and Bob gets each once', { timeout: 300_000 }, () =>
  specs.restartWithMessagesQueued(ctx));

test('a NATS cluster of two: the server Alice is on dies; she moves to the other, and Bob gets everything she wrote, once', { timeout: 300_000 }, async () => {
  const cluster = await startNatsCluster();
  ctx.extraBrokers.push(...cluster.servers);
  const hosts = cluster.servers.map((s) => `127.0.0.1:${s.ports.websocket}`);

  // A message published on either server reaches her once the cluster
  // knows of her subscription.
  const alice = await specs.join(ctx, 'alice', { server: cluster.server, hearVia: cluster.wsUrls[0] });
  const onFirst = await alice.chat.status();
  const at = hosts.findIndex((host) => onFirst.text.includes(host));
  assert.ok(at >= 0, `#status names the endpoint in use, one of ${hosts.join(', ')}: ${JSON.stringify(onFirst)}`);
  const [hers, other] = [cluster.servers[at], cluster.servers[1 - at]];
  const otherHost = hosts[1 - at];
  // Bob is on the other server from the start: the cluster carries their
  // messages across its route.
  const bob = await specs.join(ctx, 'bob', { server: profile.server(other), hearVia: other.wsUrl });

  await specs.sendAcross(alice, 'alice', bob, 'before 1');
  await specs.sendAcross(bob, 'bob', alice, 'across the route');
  await specs.sendAcross(alice, 'alice', bob, 'before 2');

  await hers.kill();
  await alice.chat.waitForStatus(['closed', 'connecting'], { timeout: specs.BROKER_WAIT_MS });
  const during = ['during 1', 'during 2', 'during 3'];
  for (const text of during) await alice.chat.send(text);

  await waitFor(
    async () => {
      const status = await alice.chat.status();
      return status.state === 'open' && status.text.includes(otherHost);
    },
    async () => `Alice never moved to ${otherHost}: ${JSON.stringify(await alice.chat.status())}`,
    { timeout: specs.BROKER_WAIT_MS },
  );
  for (const text of during) {
    await bob.chat.waitForEntry({ kind: 'received', sender: 'alice', text }, { timeout: specs.BROKER_WAIT_MS });
    await specs.waitForSent(alice.chat, text, 'delivered');
  }
  // She subscribed on the other server: she hears Bob.
  await specs.sendAcross(bob, 'bob', alice, 'welcome over');
  // Order makes "once" provable: any copy of an earlier message would have
  // come before this one.
  await specs.sendAcross(alice, 'alice', bob, 'after the move');
  assert.deepEqual(
    await receivedTexts(bob.chat, 'alice'),
    ['before 1', 'before 2', ...during, 'after the move'],
    `Bob shows each of Alice's messages once, in order:\n${summarize(await bob.chat.entries())}`,
  );
  assert.deepEqual(await receivedTexts(alice.chat, 'bob'), ['across the route', 'welcome over']);
  specs.assertNoErrors(alice, bob);
});
