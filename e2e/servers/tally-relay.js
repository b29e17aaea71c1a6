'use strict';
// The reference relay (relay.js, run unchanged, with the same options), which
// also prints what it receives, so that a test can count deliveries without
// waiting a fixed time:
//
//   tally: open N
//   tally: message N "<text>"      (the frame's `msg`, as JSON; else the raw frame)
//   tally: closed N
//
// N numbers the connections in the order they opened. Each connection's lines
// come in order, and its `closed` line after every message it sent, so once a
// test has seen `closed N` it has seen everything connection N delivered.

const { WebSocketServer } = require('ws');

let opened = 0;
const emit = WebSocketServer.prototype.emit;
WebSocketServer.prototype.emit = function tallied(event, socket, ...rest) {
  if (event === 'connection') {
    opened += 1;
    const n = opened;
    console.log(`tally: open ${n}`);
    // Registered before the relay's own listeners, so a line is printed
    // before the frame is forwarded.
    socket.on('message', (data) => {
      const raw = data.toString();
      let text = raw;
      try {
        const parsed = JSON.parse(raw);
        if (parsed && typeof parsed.msg === 'string') text = parsed.msg;
      } catch {
        // Not JSON: counted as it is.
      }
      console.log(`tally: message ${n} ${JSON.stringify(text)}`);
    });
    socket.on('close', () => console.log(`tally: closed ${n}`));
  }
  return emit.call(this, event, socket, ...rest);
};

require('./relay');
