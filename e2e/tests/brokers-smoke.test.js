'use strict';
// The brokers of issue 17 as the suite runs them (lib/brokers.js), checked
// from Node alone, with no page: each starts on free ports, answers its
// protocol's handshake over WebSocket (lib/broker-clients.js), refuses a
// wrong password in its own way, carries a message from a publisher to a
// subscriber with its acknowledgement, and leaves no process and no temp
// dir behind once stopped. The browser specs (tests/brokers-*.test.js) rest
// on all of this.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const { test } = require('node:test');
const { startRabbitMQ, startMosquitto, startNats, startNatsCluster, isAlive } = require('../lib/brokers');
const { StompClient, MqttClient, NatsClient } = require('../lib/broker-clients');

/** Whether something accepts connections on 127.0.0.1:`port`. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Stops `broker` and checks that every process it had is gone, no port of
 * it accepts connections and its temp dir is removed.
 */
async function stopAndCheck(broker, how = 'stop') {
  const pids = broker.pids();
  assert.ok(pids.length > 0, `the broker has processes: ${JSON.stringify(pids)}`);
  await broker[how]();
  assert.deepEqual(pids.filter(isAlive), [], `no process of the broker is left after ${how}()`);
  for (const [name, port] of Object.entries(broker.ports)) {
    assert.equal(await accepts(port), false, `nothing listens on its ${name} port ${port} any more`);
  }
  assert.equal(fs.existsSync(broker.dir), false, `its temp dir ${broker.dir} is removed`);
}

/** `client` subscribes to `topic`, another publishes on it, and the first receives it. */
async function roundTrip(subscriber, publisher, topic) {
  await subscriber.subscribe(topic);
  const body = JSON.stringify({ name: 'smoke', msg: `hello ${Math.random()}` });
  await publisher.publish(topic, body);
  await subscriber.waitFor((messages) => messages.some((m) => m.body === body), `never received ${body}`);
}

async function closeAll(...clients) {
  await Promise.all(clients.map((c) => c?.close()));
}

test('RabbitMQ: Web-STOMP answers CONNECT with CONNECTED on v12.stomp, refuses a wrong passcode with ERROR, and restarts on its port', { timeout: 300_000 }, async () => {
  let rabbit = await startRabbitMQ();
  let alice;
  let bob;
  let wrong;
  try {
    assert.match(rabbit.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    alice = new StompClient(rabbit.wsUrl);
    const connected = await alice.connect();
    assert.equal(alice.protocol, 'v12.stomp', 'the broker chose STOMP 1.2 as subprotocol');
    assert.ok(connected.ok, `CONNECTED: ${JSON.stringify(connected.reply)}`);
    assert.equal(connected.reply.headers.version, '1.2');

    bob = new StompClient(rabbit.wsUrl);
    assert.ok((await bob.connect()).ok);
    await roundTrip(bob, alice, '/topic/chat');

    wrong = new StompClient(rabbit.wsUrl, { login: 'guest', passcode: 'not-the-password' });
    const refused = await wrong.connect();
    assert.equal(refused.ok, false);
    assert.equal(refused.reply.command, 'ERROR', `a wrong passcode gets an ERROR frame: ${JSON.stringify(refused.reply)}`);
    await closeAll(alice, bob, wrong);

    // Stopped, then started again on the same ports: a client connects again.
    await stopAndCheck(rabbit);
    rabbit = await rabbit.restart();
    alice = new StompClient(rabbit.wsUrl);
    assert.ok((await alice.connect()).ok, 'CONNECTED after the restart');
    await closeAll(alice);
    await stopAndCheck(rabbit, 'kill');
  } finally {
    await closeAll(alice, bob, wrong);
    await rabbit.stop();
  }
});

test('mosquitto: CONNECT gets CONNACK 0 on the mqtt subprotocol; QoS 1 PUBLISH gets PUBACK and reaches a subscriber', { timeout: 120_000 }, async () => {
  let broker = await startMosquitto();
  let alice;
  let bob;
  try {
    alice = new MqttClient(broker.wsUrl);
    const connected = await alice.connect();
    assert.equal(alice.protocol, 'mqtt', 'the broker chose the mqtt subprotocol');
    assert.ok(connected.ok, `CONNACK 0: ${JSON.stringify(connected.reply)}`);
    bob = new MqttClient(broker.wsUrl);
    assert.ok((await bob.connect()).ok);
    await roundTrip(bob, alice, 'chat');
    await closeAll(alice, bob);

    await stopAndCheck(broker, 'kill');
    broker = await broker.restart();
    alice = new MqttClient(broker.wsUrl);
    assert.ok((await alice.connect()).ok, 'CONNACK 0 after the restart on the same port');
    await closeAll(alice);
    await stopAndCheck(broker);
  } finally {
    await closeAll(alice, bob);
    await broker.stop();
  }
});

test('mosquitto with a password file: the right password gets CONNACK 0, a wrong one CONNACK 4 or 5', { timeout: 120_000 }, async () => {
  const broker = await startMosquitto({ users: { alice: 'right-password' } });
  const clients = [];
  try {
    const right = new MqttClient(broker.wsUrl, { username: 'alice', password: 'right-password' });
    clients.push(right);
    assert.ok((await right.connect()).ok, 'the right password is accepted');
    for (const options of [{ username: 'alice', password: 'wrong' }, {}]) {
      const wrong = new MqttClient(broker.wsUrl, options);
      clients.push(wrong);
      const refused = await wrong.connect();
      assert.equal(refused.ok, false, `refused: ${JSON.stringify(options)}`);
      assert.ok([4, 5].includes(refused.reply.returnCode), `CONNACK 4 or 5: ${JSON.stringify(refused.reply)}`);
    }
    await closeAll(...clients);
    await stopAndCheck(broker);
  } finally {
    await closeAll(...clients);
    await broker.stop();
  }
});

test('nats-server: INFO on open; CONNECT and PING get PONG; PUB reaches a subscriber; a wrong token gets Authorization Violation', { timeout: 120_000 }, async () => {
  const open = await startNats();
  const guarded = await startNats({ token: 'right-token' });
  const clients = [];
  try {
    const alice = new NatsClient(open.wsUrl);
    const bob = new NatsClient(open.wsUrl);
    clients.push(alice, bob);
    const connected = await alice.connect();
    assert.ok(alice.info && alice.info.server_id, `INFO came first: ${JSON.stringify(alice.lines)}`);
    assert.ok(connected.ok, `PONG after CONNECT: ${JSON.stringify(connected)}`);
    assert.ok((await bob.connect()).ok);
    await roundTrip(bob, alice, 'chat');

    const right = new NatsClient(guarded.wsUrl, { token: 'right-token' });
    clients.push(right);
    assert.ok((await right.connect()).ok, 'the right token is accepted');
    const wrong = new NatsClient(guarded.wsUrl, { token: 'wrong-token' });
    clients.push(wrong);
    const refused = await wrong.connect();
    assert.equal(refused.ok, false);
    assert.match(refused.reply, /^-ERR 'Authorization Violation'/i);
    await closeAll(...clients);
    await stopAndCheck(open);
    await stopAndCheck(guarded, 'kill');
  } finally {
    await closeAll(...clients);
    await open.stop();
    await guarded.stop();
  }
});

test('a NATS cluster of two: a message published on one reaches a subscriber on the other, and each server stops alone', { timeout: 120_000 }, async () => {
  const cluster = await startNatsCluster();
  const [a, b] = cluster.servers;
  const clients = [];
  try {
    assert.equal(cluster.server, `${a.wsUrl} ${b.wsUrl}`, 'the page\'s server value lists both, space-separated');
    const onA = new NatsClient(a.wsUrl);
    const onB = new NatsClient(b.wsUrl);
    clients.push(onA, onB);
    assert.ok((await onA.connect()).ok);
    assert.ok((await onB.connect()).ok);
    await onB.subscribe('chat');
    // A subscription travels to the other server on its own route: publish
    // until one arrives, each publish acknowledged, then no more.
    const deadline = Date.now() + 30_000;
    let n = 0;
    while (!onB.messages.some((m) => m.topic === 'chat')) {
      assert.ok(Date.now() < deadline, 'no message crossed the route within 30 s');
      await onA.publish('chat', `across ${n++}`);
      await onB.waitFor((messages) => messages.length > 0, 'nothing yet', { timeout: 200 }).catch(() => {});
    }
    await closeAll(...clients);
    await stopAndCheck(a, 'kill');
    assert.ok(b.pids().length > 0, 'the other server still runs');
    await stopAndCheck(b);
  } finally {
    await closeAll(...clients);
    await cluster.stop();
  }
});
