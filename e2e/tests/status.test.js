'use strict';
// #status follows the connection, and a lost connection is said in the log.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');

const browser = useBrowser();

// Once the server is gone, Chromium logs each failed reconnect attempt.
const RECONNECT_FAILURES = [/WebSocket connection to .* failed/];

const isDisconnected = (e) => e.kind === 'system' && e.sender === 'websocket' && e.text.startsWith('disconnected');

for (const [how, end] of [
  ['stops (SIGTERM, close 1001)', (relay) => relay.stop()],
  ['is killed (SIGKILL, no close frame)', (relay) => relay.kill()],
]) {
  test(`status goes open, then leaves open when the server ${how}`, { timeout: 60_000 }, async () => {
    const relay = await startRelay();
    try {
      const { page, errors } = await browser.newPage({ allow: RECONNECT_FAILURES });
      const chat = new ChatPage(page);
      await chat.goto(relay.url, { name: 'Frank' });

      const open = await chat.waitForStatus('open');
      assert.ok(open.text.length > 0, '#status says the state in words');
      await chat.waitForEntry({ kind: 'system', sender: 'websocket', text: 'connected' });
      const before = await chat.entries();
      assert.ok(!before.some(isDisconnected), `disconnected before the server stopped:\n${summarize(before)}`);

      await end(relay);
      const closed = await chat.waitForStatus(['closed', 'connecting']);
      assert.notEqual(closed.text, open.text, '#status words change with the state');
      await chat.waitForEntry(isDisconnected);

      assert.deepEqual(errors, []);
    } finally {
      await relay.kill();
    }
  });
}
