'use strict';
// MQTT 3.1.1 over WebSocket against mosquitto (issue 17, item 5; shared
// CONTRACT.md, "Wire protocols", mqtt). The page pairs with
//   ?protocol=mqtt&server=ws://127.0.0.1:PORT/
// on the default topic `chat` (anonymous); a QoS 1 PUBLISH's PUBACK marks
// it delivered; with a password file, `user=alice#token=<password>`
// connects and a wrong password gets CONNACK 4 or 5. The scenarios are in
// lib/broker-pairing.js, the broker in lib/brokers.js.

const { test } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { startMosquitto } = require('../lib/brokers');
const specs = require('../lib/broker-pairing');

const browser = useBrowser();
const ctx = specs.useBroker(
  {
    protocol: 'mqtt',
    start: () => startMosquitto(),
    startGuarded: (password) => startMosquitto({ users: { alice: password } }),
    wsPort: 'websockets',
    server: (broker, port = broker.ports.websockets) => `ws://127.0.0.1:${port}/`,
    login: {},
    clientLogin: {},
    guardedLogin: (password) => ({ user: 'alice', token: password }),
    topics: { default: 'chat', pair: ['to-carol', 'to-dave'] },
  },
  browser,
);

test('mosquitto: two pages pair on chat, both ways, each message delivered by its PUBACK', { timeout: 180_000 }, () =>
  specs.pairsBothWays(ctx));

test('mosquitto: the ✓ comes from the PUBACK, not from an echo (echo=show; topic and publish crossed)', { timeout: 180_000 }, () =>
  specs.deliveredFromTheAcknowledgement(ctx));

test('mosquitto: a wrong password gets one refusal line and no retry; the right one connects', { timeout: 180_000 }, () =>
  specs.wrongPasswordIsRefused(ctx));

test('mosquitto: a message the broker never read (frozen, then killed) is uncertain, not delivered, not sent again by itself; Resend delivers it', { timeout: 300_000 }, () =>
  specs.unacknowledgedIsUncertain(ctx));

test('mosquitto restarts while Alice has messages queued: she reconnects, subscribes again, and Bob gets each once', { timeout: 300_000 }, () =>
  specs.restartWithMessagesQueued(ctx));
