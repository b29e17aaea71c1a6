'use strict';
// STOMP 1.2 over WebSocket against RabbitMQ's Web-STOMP (issue 17, item 5;
// shared CONTRACT.md, "Wire protocols", stomp). The page pairs with
//   ?protocol=stomp&server=ws://127.0.0.1:PORT/ws&user=guest#token=guest
// on the default topic `/topic/chat`; a SEND's RECEIPT marks it delivered;
// a wrong passcode gets RabbitMQ's ERROR frame. The scenarios are in
// lib/broker-pairing.js, the broker in lib/brokers.js.

const { test } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { startRabbitMQ } = require('../lib/brokers');
const specs = require('../lib/broker-pairing');

const browser = useBrowser();
const ctx = specs.useBroker(
  {
    protocol: 'stomp',
    start: () => startRabbitMQ(),
    startGuarded: (password) => startRabbitMQ({ login: { user: 'alice', password } }),
    wsPort: 'webStomp',
    server: (broker, port = broker.ports.webStomp) => `ws://127.0.0.1:${port}/ws`,
    login: { user: 'guest', token: 'guest' },
    clientLogin: { login: 'guest', passcode: 'guest' },
    guardedLogin: (password) => ({ user: 'alice', token: password }),
    topics: { default: '/topic/chat', pair: ['/topic/to-carol', '/topic/to-dave'] },
  },
  browser,
);

test('RabbitMQ: two pages pair on /topic/chat, both ways, each message delivered by its RECEIPT', { timeout: 180_000 }, () =>
  specs.pairsBothWays(ctx));

test('RabbitMQ: the ✓ comes from the RECEIPT, not from an echo (echo=show; topic and publish crossed)', { timeout: 180_000 }, () =>
  specs.deliveredFromTheAcknowledgement(ctx));

test('RabbitMQ: a wrong passcode gets one refusal line and no retry; the right one connects', { timeout: 240_000 }, () =>
  specs.wrongPasswordIsRefused(ctx));

test('RabbitMQ: a message the broker never read (frozen, then killed) is uncertain, not delivered, not sent again by itself; Resend delivers it', { timeout: 300_000 }, () =>
  specs.unacknowledgedIsUncertain(ctx));

test('RabbitMQ restarts while Alice has messages queued: she reconnects, subscribes again, and Bob gets each once', { timeout: 300_000 }, () =>
  specs.restartWithMessagesQueued(ctx));
