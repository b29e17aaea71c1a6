'use strict';
// A server that sends junk (servers/hostile.js) must not break the page: what
// is readable is shown verbatim (an object without a text, in words), what is
// not becomes a system line, and the chat goes on.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay, startServer } = require('../lib/servers');

const browser = useBrowser();
let relay;
let hostile;

before(async () => {
  relay = await startRelay();
  hostile = await startServer('hostile.js');
});
after(async () => {
  await Promise.all([relay?.stop(), hostile?.stop()]);
});

const BIG_TEXT_LENGTH = 1024 * 1024 - JSON.stringify({ name: 'big', msg: '' }).length;

test('junk from the server is shown safely and the chat goes on', { timeout: 60_000 }, async (t) => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { server: `${hostile.wsUrl}/`, name: 'Tester' });
  await chat.waitForStatus('open');

  await chat.waitForEntry({ kind: 'received', sender: 'hostile', text: 'still here' });
  const entries = await chat.entries();
  const index = (what, predicate) => {
    const i = entries.findIndex(predicate);
    assert.ok(i >= 0, `${what} is missing; entries were:\n${summarize(entries)}`);
    return i;
  };

  const order = [
    index('"this is not json", verbatim from server', (e) => e.kind === 'received' && e.sender === 'server' && e.text === 'this is not json'),
    // An object without a text is an event, read as words (the contract's
    // "Events"), never as raw JSON.
    index('JSON of an unknown shape, as words from server', (e) => e.kind === 'received' && e.sender === 'server' && e.text === 'unknown: shape · n: 1'),
    index('a system line giving the size of the unreadable binary frame', (e) => e.kind === 'system' && /\b3 bytes\b/.test(e.text)),
    index('the 1 MiB message from big', (e) => e.kind === 'received' && e.sender === 'big'),
    index('the img markup, verbatim from server', (e) => e.kind === 'received' && e.sender === 'server' && e.text === '<img src=x onerror="window.__xss=1">'),
    index('"still here" from hostile', (e) => e.kind === 'received' && e.sender === 'hostile' && e.text === 'still here'),
  ];
  assert.deepEqual([...order].sort((a, b) => a - b), order, `frames were shown out of order:\n${summarize(entries)}`);

  const big = entries[order[3]];
  // The contract sets no limit on incoming text, and a client may cut a huge
  // one for display; it must still show its beginning.
  assert.match(big.text.slice(0, 1000), /^x{1000}$/, 'the 1 MiB message shows its x characters');
  if (big.text !== 'x'.repeat(BIG_TEXT_LENGTH)) {
    t.diagnostic(`the 1 MiB message is shown cut: ${big.text.length} characters, ending ${JSON.stringify(big.text.slice(-60))}`);
  }

  assert.equal(await page.locator('#chat-text img').count(), 0, 'no img element inside #chat-text');
  assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'the onerror handler never ran');

  // The page still works: the user can send, and the echo comes back.
  await chat.send('are you still there?');
  await chat.waitForEntry({ kind: 'sent', text: 'are you still there?', state: 'sent' });
  await chat.waitForEntry({ kind: 'received', sender: 'hostile', text: 'are you still there?' });
  assert.equal((await chat.status()).state, 'open');

  assert.deepEqual(errors, []);
});
