'use strict';
// Small Node clients of the three brokers over WebSocket (the `ws`
// package), for specs and scripts that check a broker apart from the page:
// a handshake, a subscriber that counts what arrives, a publisher that
// waits for the broker's acknowledgement. They speak just enough of each
// protocol for that, as shared CONTRACT.md describes it for the page:
// - STOMP 1.2 (subprotocol v12.stomp): CONNECT → CONNECTED or ERROR;
//   SUBSCRIBE; SEND with a receipt → RECEIPT; MESSAGE.
// - MQTT 3.1.1 (subprotocol mqtt, binary): CONNECT → CONNACK; SUBSCRIBE at
//   QoS 1 → SUBACK; QoS 1 PUBLISH → PUBACK; incoming PUBLISH (answered with
//   PUBACK at QoS 1).
// - NATS (binary frames of text lines): INFO; CONNECT then PING → PONG or
//   -ERR; SUB; PUB then PING → PONG; MSG; the server's PING answered.
//
// Each client: `await connect()` resolves to `{ok, reply}` (ok false when
// the broker refused: `reply` says how), `subscribe(topic)` resolves once
// the broker took it, `publish(topic, body)` resolves once the broker
// acknowledged it, `messages` lists `{topic, body}` received, `waitFor(check)`
// waits until `check(messages)` holds, `closed` resolves on close, `close()`.

const WebSocket = require('ws');

const TIMEOUT_MS = 30_000;

class BrokerClient {
  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.messages = [];
    this.waiters = new Set();
    this.socket = null;
    this.closed = null;
  }

  /** Opens the socket; `onData(Buffer)` gets each frame. */
  open() {
    this.socket = new WebSocket(this.url, this.protocols, { perMessageDeflate: false });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.notify();
    }));
    this.socket.on('message', (data) => {
      this.onData(Buffer.isBuffer(data) ? data : Buffer.from(data));
      this.notify();
    });
    return new Promise((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
  }

  get protocol() {
    return this.socket?.protocol ?? '';
  }

  notify() {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Waits until `check()` returns something truthy (checked after every
   * frame and on close) and returns it; rejects after `timeout` with
   * `what`.
   */
  until(check, what, { timeout = TIMEOUT_MS } = {}) {
    return new Promise((resolve, reject) => {
      const waiter = () => {
        let value;
        try {
          value = check();
        } catch (error) {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          reject(error);
          return;
        }
        if (value) {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.url}: ${what} within ${timeout} ms`));
      }, timeout);
      this.waiters.add(waiter);
      waiter();
    });
  }

  /** Waits until `check(messages)` holds. */
  waitFor(check, what = 'the messages never matched', options) {
    return this.until(() => check(this.messages), what, options);
  }

  isClosed() {
    return !this.socket || this.socket.readyState === WebSocket.CLOSED;
  }

  async close() {
    if (!this.socket) return;
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
    await this.closed;
  }
}

// STOMP ------------------------------------------------------------------

/** A STOMP frame as text: headers escaped as STOMP 1.2 says, then the body and NUL. */
function stompFrame(command, headers = {}, body = '') {
  const escape = (value) =>
    String(value).replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');
  const lines = Object.entries(headers).map(([key, value]) => `${escape(key)}:${escape(value)}`);
  return `${command}\n${lines.join('\n')}\n\n${body}\0`;
}

class StompClient extends BrokerClient {
  constructor(url, { login = 'guest', passcode = 'guest', host = '/' } = {}) {
    super(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
    this.credentials = { login, passcode, host };
    this.pending = '';
    this.frames = [];
    this.nextId = 1;
  }

  onData(data) {
    this.pending += data.toString('utf8');
    for (;;) {
      // Heart-beats and the end-of-line some brokers put after a NUL.
      this.pending = this.pending.replace(/^(?:\r?\n)+/, '');
      const end = this.pending.indexOf('\0');
      if (end < 0) return;
      const text = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      const split = text.indexOf('\n\n');
      const head = (split < 0 ? text : text.slice(0, split)).split(/\r?\n/);
      const headers = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0 && !(line.slice(0, colon) in headers)) headers[line.slice(0, colon)] = line.slice(colon + 1);
      }
      const frame = { command: head[0], headers, body: split < 0 ? '' : text.slice(split + 2) };
      this.frames.push(frame);
      if (frame.command === 'MESSAGE') this.messages.push({ topic: headers.destination, body: frame.body });
    }
  }

  async connect() {
    await this.open();
    const { login, passcode, host } = this.credentials;
    this.socket.send(stompFrame('CONNECT', { 'accept-version': '1.2', host, login, passcode, 'heart-beat': '0,0' }));
    const reply = await this.until(
      () => this.frames.find((f) => f.command === 'CONNECTED' || f.command === 'ERROR') ??
        (this.isClosed() && { command: 'CLOSED' }),
      'no CONNECTED or ERROR',
    );
    return { ok: reply.command === 'CONNECTED', reply };
  }

  /** Sends `frame` with a fresh receipt header and waits for its RECEIPT. */
  async withReceipt(command, headers, body) {
    const receipt = `r${this.nextId++}`;
    this.socket.send(stompFrame(command, { ...headers, receipt }, body));
    const reply = await this.until(
      () => this.frames.find((f) => (f.command === 'RECEIPT' && f.headers['receipt-id'] === receipt) || f.command === 'ERROR'),
      `no RECEIPT for ${command}`,
    );
    if (reply.command === 'ERROR') throw new Error(`${command}: ERROR ${JSON.stringify(reply)}`);
    return reply;
  }

  subscribe(destination) {
    return this.withReceipt('SUBSCRIBE', { id: `s${this.nextId++}`, destination, ack: 'auto' }, '');
  }

  publish(destination, body) {
    return this.withReceipt('SEND', { destination, 'content-type': 'text/plain' }, body);
  }
}

// MQTT -------------------------------------------------------------------

function mqttLength(n) {
  const bytes = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

const mqttString = (text) => {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

function mqttPacket(firstByte, body) {
  return Buffer.concat([Buffer.from([firstByte]), mqttLength(body.length), body]);
}

const u16 = (n) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

/** MQTT 3.1.1 CONNECT: clean session, keep-alive 60 s, optional user and password. */
function mqttConnect(clientId, { username, password } = {}) {
  let flags = 0x02;
  const payload = [mqttString(clientId)];
  if (username !== undefined) {
    flags |= 0x80;
    payload.push(mqttString(username));
  }
  if (password !== undefined) {
    flags |= 0x40;
    payload.push(mqttString(password));
  }
  return mqttPacket(0x10, Buffer.concat([mqttString('MQTT'), Buffer.from([4, flags]), u16(60), ...payload]));
}

class MqttClient extends BrokerClient {
  constructor(url, { clientId = `wschat-e2e-${process.pid}-${Math.random().toString(16).slice(2)}`, username, password } = {}) {
    super(url, ['mqtt']);
    this.options = { clientId, username, password };
    this.pending = Buffer.alloc(0);
    this.packets = [];
    this.nextId = 1;
  }

  onData(data) {
    this.pending = Buffer.concat([this.pending, data]);
    for (;;) {
      if (this.pending.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let at = 1;
      for (;;) {
        if (at >= this.pending.length) return;
        const byte = this.pending[at++];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
      }
      if (this.pending.length < at + length) return;
      const type = this.pending[0] >> 4;
      const flags = this.pending[0] & 0x0f;
      const body = this.pending.subarray(at, at + length);
      this.pending = this.pending.subarray(at + length);
      const packet = { type, flags, body: Buffer.from(body) };
      this.packets.push(packet);
      if (type === 3) this.onPublish(packet);
    }
  }

  onPublish({ flags, body }) {
    const topicLength = body.readUInt16BE(0);
    const topic = body.subarray(2, 2 + topicLength).toString('utf8');
    let at = 2 + topicLength;
    const qos = (flags >> 1) & 3;
    if (qos > 0) {
      const id = body.readUInt16BE(at);
      at += 2;
      this.socket.send(mqttPacket(qos === 1 ? 0x40 : 0x50, u16(id)));
    }
    this.messages.push({ topic, body: body.subarray(at).toString('utf8') });
  }

  async connect() {
    await this.open();
    const { clientId, username, password } = this.options;
    this.socket.send(mqttConnect(clientId, { username, password }));
    const reply = await this.until(
      () => this.packets.find((p) => p.type === 2) ?? (this.isClosed() && { type: 'closed' }),
      'no CONNACK',
    );
    const returnCode = reply.type === 2 ? reply.body[1] : null;
    return { ok: returnCode === 0, reply: { ...reply, returnCode } };
  }

  /** Waits for the packet of `type` carrying packet id `id`. */
  acknowledgement(type, id, what) {
    return this.until(
      () => {
        const found = this.packets.find((p) => p.type === type && p.body.readUInt16BE(0) === id);
        if (!found && this.isClosed()) throw new Error(`${this.url}: closed before ${what}`);
        return found;
      },
      `no ${what}`,
    );
  }

  async subscribe(topic) {
    const id = this.nextId++;
    this.socket.send(mqttPacket(0x82, Buffer.concat([u16(id), mqttString(topic), Buffer.from([1])])));
    const suback = await this.acknowledgement(9, id, 'SUBACK');
    if (suback.body[2] === 0x80) throw new Error(`${this.url}: SUBSCRIBE ${topic} refused`);
    return suback;
  }

  publish(topic, body) {
    const id = this.nextId++;
    this.socket.send(mqttPacket(0x32, Buffer.concat([mqttString(topic), u16(id), Buffer.from(body, 'utf8')])));
    return this.acknowledgement(4, id, 'PUBACK');
  }
}

// NATS -------------------------------------------------------------------

class NatsClient extends BrokerClient {
  constructor(url, { token, user, pass } = {}) {
    super(url, undefined);
    this.options = { token, user, pass };
    this.pending = Buffer.alloc(0);
    this.lines = [];
    this.pongs = 0;
    this.pingsSent = 0;
    this.nextSid = 1;
    this.info = null;
  }

  onData(data) {
    this.pending = Buffer.concat([this.pending, data]);
    for (;;) {
      const end = this.pending.indexOf('\r\n');
      if (end < 0) return;
      const line = this.pending.subarray(0, end).toString('utf8');
      const msg = /^MSG\s+(\S+)\s+(\S+)\s+(?:(\S+)\s+)?(\d+)$/i.exec(line);
      if (msg) {
        const size = Number(msg[4]);
        if (this.pending.length < end + 2 + size + 2) return;
        const body = this.pending.subarray(end + 2, end + 2 + size).toString('utf8');
        this.pending = this.pending.subarray(end + 2 + size + 2);
        this.messages.push({ topic: msg[1], body });
        continue;
      }
      this.pending = this.pending.subarray(end + 2);
      this.lines.push(line);
      if (/^INFO\s/i.test(line)) this.info = JSON.parse(line.slice(5));
      else if (/^PING$/i.test(line)) this.socket.send(Buffer.from('PONG\r\n'));
      else if (/^PONG$/i.test(line)) this.pongs += 1;
    }
  }

  /** Sends PING and waits for its PONG (the server read everything before it); rejects on -ERR. */
  async flush(what) {
    const want = ++this.pingsSent;
    this.socket.send(Buffer.from('PING\r\n'));
    return this.until(
      () => {
        const error = this.lines.find((l) => l.startsWith('-ERR'));
        if (error) throw new Error(`${this.url}: ${what}: ${error}`);
        if (this.isClosed()) throw new Error(`${this.url}: closed before the PONG of ${what}`);
        return this.pongs >= want;
      },
      `no PONG after ${what}`,
    );
  }

  async connect() {
    await this.open();
    await this.until(() => this.info || (this.isClosed() && 'closed'), 'no INFO');
    const { token, user, pass } = this.options;
    const connect = { verbose: false, pedantic: false, protocol: 1, name: 'wschat-e2e', lang: 'node', version: '0' };
    if (token !== undefined) connect.auth_token = token;
    if (user !== undefined) Object.assign(connect, { user, pass });
    this.socket.send(Buffer.from(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`));
    this.pingsSent += 1;
    const reply = await this.until(() => {
      const error = this.lines.find((l) => l.startsWith('-ERR'));
      if (error) return error;
      if (this.pongs > 0) return 'PONG';
      return this.isClosed() && 'closed';
    }, 'no PONG or -ERR after CONNECT');
    return { ok: reply === 'PONG', reply };
  }

  async subscribe(subject) {
    this.socket.send(Buffer.from(`SUB ${subject} ${this.nextSid++}\r\n`));
    return this.flush(`SUB ${subject}`);
  }

  async publish(subject, body) {
    const bytes = Buffer.from(body, 'utf8');
    this.socket.send(Buffer.concat([Buffer.from(`PUB ${subject} ${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]));
    return this.flush(`PUB ${subject}`);
  }
}

/** A client for `kind` (`stomp`, `mqtt` or `nats`). */
function brokerClient(kind, url, options) {
  const Client = { stomp: StompClient, mqtt: MqttClient, nats: NatsClient }[kind];
  if (!Client) throw new Error(`no broker client for ${kind}`);
  return new Client(url, options);
}

module.exports = { StompClient, MqttClient, NatsClient, brokerClient, stompFrame, mqttConnect };
