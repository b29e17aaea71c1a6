'use strict';
// Export and copy (shared CONTRACT.md, "The page", Export): #export
// downloads the whole history of the current server as a transcript, oldest
// first, one line per entry (`2026-12-06 10:16 alice: hi`, this tab's own
// messages under the user's name), #export-json as JSON Lines
// (`{"time":"...ISO...","from":"alice","kind":"received","text":"hi"}`),
// and copying a selection of the log gives the same lines for the selected
// entries.
//
// The context runs in Asia/Kolkata (UTC+05:30), so a transcript written in
// UTC, or cut to the hour, shows. System lines need not be kept in the
// history, so an export may hold them or not: they are left out of the
// comparison.

const assert = require('node:assert/strict');
const fs = require('node:fs/promises');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { quickFlood, waitForRendered, waitForStored, transcriptLine } = require('../lib/history');

const browser = useBrowser();
const WAIT_MS = 60_000;
const TIME_ZONE = 'Asia/Kolkata';
const USER = 'alice';
const OWN = ['mine one', 'mine "two" \\ ünïcødé ✓'];
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/**
 * A history: 300 received entries, two own messages, three more received;
 * with `stored`, once IndexedDB holds the newest.
 */
async function openWithHistory({ stored }) {
  const { page, errors } = await browser.newPage({ context: { timezoneId: TIME_ZONE, acceptDownloads: true } });
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: USER });
  await chat.waitForStatus('open');
  await quickFlood(`${relay.wsUrl}/ws`, 300, (i) => JSON.stringify({ name: 'bob', msg: `e${i} from <bob> & co` }));
  await waitForRendered(page, 'e299 from <bob> & co', { timeout: WAIT_MS });
  for (const text of OWN) {
    await chat.send(text);
    await chat.waitForEntry({ kind: 'sent', text, state: 'sent' });
  }
  await quickFlood(`${relay.wsUrl}/ws`, 3, (i) => JSON.stringify({ name: 'carol', msg: `z${i}` }));
  await waitForRendered(page, 'z2', { timeout: WAIT_MS });
  // The export reads the history: wait until the newest entry is in it.
  if (stored) await waitForStored(page, ['z2']);
  const all = await chat.entries();
  return { page, errors, chat, all, kept: all.filter((e) => e.kind !== 'system'), system: all.filter((e) => e.kind === 'system') };
}

/** Clicks `selector` and returns the text of the file it downloads, and its suggested name. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.locator(selector).click()]);
  const failure = await file.failure();
  assert.equal(failure, null, `the download from ${selector} failed: ${failure}`);
  return { name: file.suggestedFilename(), text: await fs.readFile(await file.path(), 'utf8') };
}

const lines = (text) => text.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1);

test('#export and #export-json download every entry of the history, oldest first', { timeout: 240_000 }, async (t) => {
  const { page, errors, kept, system } = await openWithHistory({ stored: true });
  assert.equal(kept.length, 305);
  const expected = kept.map((e) => transcriptLine(e, { user: USER, timeZone: TIME_ZONE }));
  const isSystemLine = (line) => system.some((s) => line.endsWith(` ${s.text}`));

  const transcript = await download(page, '#export');
  t.diagnostic(`#export: ${transcript.name}, ${transcript.text.length} characters`);
  const got = lines(transcript.text).filter((line) => !isSystemLine(line));
  assert.equal(got.length, expected.length, `the transcript has ${got.length} lines for ${expected.length} entries; it begins:\n${got.slice(0, 5).join('\n')}`);
  for (let i = 0; i < expected.length; i += 1) assert.equal(got[i], expected[i], `line ${i + 1} of the transcript`);

  const json = await download(page, '#export-json');
  t.diagnostic(`#export-json: ${json.name}, ${json.text.length} characters`);
  const records = lines(json.text).map((line, i) => {
    try {
      return JSON.parse(line);
    } catch {
      assert.fail(`line ${i + 1} of the JSON export is not JSON: ${line.slice(0, 200)}`);
    }
    return null;
  });
  const messages = records.filter((r) => r.kind !== 'system');
  const extra = [...new Set(records.flatMap((r) => Object.keys(r)).filter((k) => !['time', 'from', 'kind', 'text'].includes(k)))];
  if (extra.length) t.diagnostic(`fields beyond the contract's four: ${extra.join(', ')}`);
  assert.equal(messages.length, kept.length, `the JSON export has ${messages.length} messages for ${kept.length} entries`);
  kept.forEach((entry, i) => {
    const record = messages[i];
    for (const field of ['time', 'from', 'kind', 'text']) assert.ok(field in record, `record ${i + 1} has no ${field}: ${JSON.stringify(record)}`);
    assert.equal(record.from, entry.kind === 'sent' ? USER : entry.sender, `record ${i + 1}: from`);
    assert.equal(record.kind, entry.kind, `record ${i + 1}: kind`);
    assert.equal(record.text, entry.text, `record ${i + 1}: text`);
    assert.match(record.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, `record ${i + 1}: an ISO 8601 time`);
    assert.ok(Math.abs(Date.parse(record.time) - Date.parse(entry.time)) < 1000, `record ${i + 1}: the time ${record.time} is the entry's ${entry.time}`);
  });

  assert.deepEqual(errors, []);
});

test('copying a selection of the log gives the transcript lines of the selected entries', { timeout: 240_000 }, async () => {
  const { page, errors, kept } = await openWithHistory({ stored: false });
  // From the first own message to z1: four entries, all rendered at the bottom.
  const from = kept.findIndex((e) => e.text === OWN[0]);
  const chosen = kept.slice(from, from + 4);
  assert.deepEqual(chosen.map((e) => e.text), [...OWN, 'z0', 'z1']);
  const expected = chosen.map((e) => transcriptLine(e, { user: USER, timeZone: TIME_ZONE }));

  // Two selections of the same entries: as a drag makes it (from the first
  // text to the end of the last row's text), and as whole rows (boundary
  // points between elements, as a triple click or a script makes them).
  for (const how of ['drag', 'rows']) {
    const copied = await page.evaluate(
      ([firstText, lastText, kind]) => {
        const entries = [...document.querySelectorAll('#chat-text .entry')];
        const find = (text) => entries.find((e) => e.querySelector('.text')?.textContent === text);
        const first = find(firstText);
        const last = find(lastText);
        if (!first || !last) return { error: `not rendered: ${first ? lastText : firstText}` };
        const row = (entry) => entry.closest('[data-row]') ?? entry.closest('.row') ?? entry;
        const range = document.createRange();
        if (kind === 'drag') {
          const texts = (node) => {
            const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
            const found = [];
            for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.length) found.push(n);
            return found;
          };
          const end = texts(row(last)).at(-1);
          range.setStart(texts(first)[0], 0);
          range.setEnd(end, end.data.length);
        } else {
          range.setStartBefore(row(first));
          range.setEndAfter(row(last));
        }
        const selection = getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        const clipboardData = new DataTransfer();
        const event = new ClipboardEvent('copy', { clipboardData, bubbles: true, cancelable: true, composed: true });
        first.dispatchEvent(event);
        return { text: clipboardData.getData('text/plain'), prevented: event.defaultPrevented, selection: selection.toString() };
      },
      [chosen[0].text, chosen.at(-1).text, how],
    );
    assert.equal(copied.error, undefined, copied.error);
    assert.equal(copied.prevented, true, `${how}: the copy handler writes its own data (and prevents the default copy)`);
    assert.deepEqual(lines(copied.text), expected, `${how}: the copied text:\n${copied.text}\n(the selection read:\n${copied.selection})`);
  }

  assert.deepEqual(errors, []);
});
