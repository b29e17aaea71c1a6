'use strict';
// A flow-controlled flooder: a Node `ws` client that sends numbered frames
// through a relay to a page, and never runs more than about two seconds of
// frames (at the rate the page shows them) ahead of what the page shows.
// Unpaced, frames queue in the relay, its pings wait behind them, and the
// relay drops the page as dead. Used by bench.js and the history, search and
// memory specs.
//
// The page reports how far it got through `progress()`: `[highest flood
// index shown, whether the last one is shown]`. bench/page.js gives that as
// `__bench.progress()` once `__bench.arm('f<N-1>')` ran.

const WebSocket = require('ws');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `{"name":"flood","msg":"f<i>"}`: the benchmark's frame. */
const plainFrame = (i, name = 'flood') => JSON.stringify({ name, msg: `f${i}` });

/**
 * A frame of exactly `bytes` bytes (at least 64): `{"name":"flood","msg":"f<i> xxx..."}`,
 * its text the label `f<i>`, a space and `x` up to the size.
 */
function paddedFrame(bytes, name = 'flood') {
  return (i) => {
    const head = `{"name":${JSON.stringify(name)},"msg":"f${i} `;
    return `${head}${'x'.repeat(Math.max(0, bytes - head.length - 2))}"}`;
  };
}

/** Opens a `ws` client on `wsUrl`. */
async function connect(wsUrl) {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  return socket;
}

/**
 * Sends `count` frames, `frame(i)` for i = 0..count-1, and waits until the
 * page shows the last one. Gives up when the page shows nothing new for
 * `stallMs`. Resolves with `{completed, sendMs, why}`.
 *
 * options: `progress` (async, `[seen, done]`), `frame`, `stallMs` (60 s),
 * `aheadS` (2), `minAhead` / `maxAhead` / `initialAhead` (frames; defaults
 * for short frames: 5,000 / 200,000 / 10,000), `chunk` (500), `highWater`
 * (bytes buffered in the socket before waiting for it to drain, 1 MiB).
 */
async function pacedFlood(wsUrl, count, {
  progress,
  frame = plainFrame,
  stallMs = 60_000,
  pollMs = 100,
  aheadS = 2,
  minAhead = 5_000,
  maxAhead = 200_000,
  initialAhead = 10_000,
  chunk = 500,
  highWater = 1 << 20,
} = {}) {
  const socket = await connect(wsUrl);
  const start = Date.now();
  let seen = -1;
  let firstSeenAt = null;
  let done = false;
  let failure = null;
  let lastProgress = Date.now();
  let sendMs = null;
  let socketClosed = false;
  socket.once('close', () => {
    socketClosed = true;
  });

  const ahead = () => {
    if (firstSeenAt === null || seen < Math.min(1000, minAhead)) return initialAhead;
    const rate = (seen + 1) / Math.max(1, Date.now() - firstSeenAt); // frames per ms
    return Math.min(maxAhead, Math.max(minAhead, Math.round(rate * aheadS * 1000)));
  };

  const poll = (async () => {
    while (!done && !failure) {
      try {
        const [index, last] = await progress();
        if (index > seen) {
          if (firstSeenAt === null) firstSeenAt = Date.now();
          seen = index;
          lastProgress = Date.now();
        }
        if (last) done = true;
      } catch (error) {
        failure = `cannot read the page: ${error.message}`;
      }
      if (!done && Date.now() - lastProgress > stallMs) {
        failure = `stalled: nothing new shown for ${stallMs / 1000} s (last seen f${seen})`;
      }
      if (!done) await sleep(pollMs);
    }
  })();

  let sent = 0;
  while (sent < count && !failure) {
    if (socketClosed) {
      failure = `the relay closed the flooder's socket after ${sent} frames`;
      break;
    }
    const limit = Math.min(count, seen + 1 + ahead());
    if (sent >= limit) {
      await sleep(5);
      continue;
    }
    const end = Math.min(limit, sent + chunk);
    let written;
    for (; sent < end; sent += 1) {
      const data = frame(sent);
      if (sent === end - 1) written = new Promise((resolve) => socket.send(data, resolve));
      else socket.send(data);
    }
    if (sent === count) written.then(() => (sendMs = Date.now() - start));
    if (socket.bufferedAmount >= highWater) await written;
    else await new Promise(setImmediate);
  }
  await poll;
  socket.close();
  return { completed: done, sendMs, why: failure };
}

/**
 * Sends `count` frames as fast as the socket drains, without pacing: for
 * short floods (a few thousand frames) that a page keeps up with. Resolves
 * once every frame is written and the socket closed.
 */
async function quickFlood(wsUrl, count, frame = plainFrame) {
  const socket = await connect(wsUrl);
  for (let i = 0; i < count; i += 1) {
    socket.send(frame(i));
    if (socket.bufferedAmount > 1 << 20) await sleep(5);
  }
  await new Promise((resolve) => {
    socket.once('close', resolve);
    socket.close();
  });
}

module.exports = { pacedFlood, quickFlood, plainFrame, paddedFrame, connect };
