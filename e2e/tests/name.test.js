'use strict';
// The name is remembered across reloads, and Send waits for both a name and
// a message.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage, summarize } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');

const browser = useBrowser();
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** Waits until `#send` is disabled (`true`) or enabled (`false`). */
async function waitForSendDisabled(chat, disabled) {
  const selector = disabled ? '#send:disabled' : '#send:enabled';
  try {
    await chat.target.locator(selector).waitFor({ state: 'attached', timeout: 30_000 });
  } catch (error) {
    const [name, message] = [await chat.name.inputValue(), await chat.message.inputValue()];
    throw new Error(
      `Send should be ${disabled ? 'disabled' : 'enabled'} with name ${JSON.stringify(name)} and message ${JSON.stringify(message)}`,
      { cause: error },
    );
  }
}

test('a typed name survives a reload', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url);
  assert.equal(await chat.name.inputValue(), '', 'a fresh browser has no saved name');
  assert.ok(await page.locator('fieldset#name-controls #my-name').isVisible(), '#my-name sits in fieldset#name-controls');

  await chat.setName('Carol Ann');
  await page.reload();
  await chat.waitForApp();
  assert.equal(await chat.name.inputValue(), 'Carol Ann');

  assert.deepEqual(errors, []);
});

test('Send is enabled only with both a name and a message', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url);
  await chat.waitForStatus('open');
  assert.ok(await page.locator('fieldset#chat-controls #message').isVisible(), '#message sits in fieldset#chat-controls');
  assert.equal((await chat.sendButton.textContent()).trim(), 'Send');

  await waitForSendDisabled(chat, true);

  await chat.message.fill('nobody signed this');
  await waitForSendDisabled(chat, true);
  await chat.message.press('Enter');

  await chat.message.fill('');
  await chat.setName('Dave');
  await waitForSendDisabled(chat, true);

  await chat.message.fill('now it can go');
  await waitForSendDisabled(chat, false);

  await chat.name.fill('');
  await waitForSendDisabled(chat, true);

  const entries = await chat.entries();
  assert.ok(!entries.some((e) => e.kind === 'sent'), `Enter without a name sent something:\n${summarize(entries)}`);
  assert.deepEqual(errors, []);
});

test('a message over 4000 characters cannot be sent, and the input says so first', { timeout: 60_000 }, async () => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Erin' });
  await chat.waitForStatus('open');
  const limit = page.locator('#message-limit');
  assert.ok(await limit.isVisible(), '#message-limit is shown');
  assert.match(await limit.textContent(), /4000|4,000/, '#message-limit states the limit');

  // Either the input refuses the 4001st character (maxlength), or it keeps it
  // and then Send is disabled and the hint changes.
  const withinLimit = 'y'.repeat(4000);
  await chat.message.fill(withinLimit);
  const hintAtLimit = await limit.textContent();
  await chat.message.fill(`${withinLimit}y`);
  const kept = await chat.message.inputValue();
  if (kept.length > 4000) {
    await waitForSendDisabled(chat, true);
    assert.notEqual(await limit.textContent(), hintAtLimit, '#message-limit says the message is too long');
    await chat.message.press('Enter');
  }

  // Exactly 4000 characters go out whole.
  await chat.message.fill(withinLimit);
  await waitForSendDisabled(chat, false);
  await chat.message.press('Enter');
  await chat.waitForEntry({ kind: 'sent', text: withinLimit, state: 'sent' });
  const sent = (await chat.entries()).filter((e) => e.kind === 'sent');
  assert.equal(sent.length, 1, `only the 4000-character message was sent:\n${summarize(sent)}`);

  assert.deepEqual(errors, []);
});
