'use strict';
// Search over the whole history, not only the rendered window (shared
// CONTRACT.md, "The page", Search): Ctrl+F opens #search the first time
// (and again in the open box lets the browser's own find through), the
// first match shown is the newest, Enter moves to the next older one and
// Shift+Enter back, the match is scrolled into view, #search-count reads
// `2 of 3`, the matching text is highlighted without touching the entry's
// DOM text (the CSS Custom Highlight API), and Escape closes the box.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { useBrowser } = require('../lib/browser');
const { ChatPage } = require('../lib/chat-page');
const { startRelay } = require('../lib/servers');
const { quickFlood, waitForRendered, renderedEntries } = require('../lib/history');

const browser = useBrowser();
const WAIT_MS = 60_000;
const ENTRIES = 20_000;
/** Found only in the first entry. */
const FIRST = 'needle-first alpha';
/** Found in three entries, oldest to newest. */
const TRIPLE = [5, 10_000, 19_990];
let relay;

before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

const textOf = (i) => (i === 0 ? FIRST : TRIPLE.includes(i) ? `triple-x ${i}` : `s${i}`);

/** Waits until #search-count reads `count`; returns it. */
async function waitForCount(page, count) {
  try {
    await page.waitForFunction((wanted) => document.querySelector('#search-count')?.textContent.trim() === wanted, count, {
      timeout: WAIT_MS,
    });
  } catch (error) {
    const now = await page.evaluate(() => document.querySelector('#search-count')?.textContent ?? '(no #search-count)');
    throw new Error(`#search-count never read ${JSON.stringify(count)}; it reads ${JSON.stringify(now)}`, { cause: error });
  }
}

/** Waits until the entry whose text is `text` is rendered inside the log's visible box. */
async function waitInView(page, text) {
  try {
    await page.waitForFunction(
      (wanted) => {
        const log = document.querySelector('#chat-text');
        const box = log.getBoundingClientRect();
        return [...log.querySelectorAll('.entry')].some((entry) => {
          if (entry.querySelector('.text')?.textContent !== wanted) return false;
          const rect = entry.getBoundingClientRect();
          return rect.height > 0 && rect.bottom > box.top && rect.top < box.bottom;
        });
      },
      text,
      { timeout: WAIT_MS },
    );
  } catch (error) {
    const shown = (await renderedEntries(page)).filter((e) => e.inView).map((e) => e.text);
    throw new Error(`${JSON.stringify(text)} was never scrolled into view; in view: ${shown.join(', ')}`, { cause: error });
  }
}

test('search finds the first of 20,000 entries, steps through matches newest first, and gives Ctrl+F back in the box', { timeout: 300_000 }, async (t) => {
  const { page, errors } = await browser.newPage();
  const chat = new ChatPage(page);
  await chat.goto(relay.url, { name: 'Seeker' });
  await chat.waitForStatus('open');
  await quickFlood(`${relay.wsUrl}/ws`, ENTRIES, (i) => JSON.stringify({ name: 'bot', msg: textOf(i) }));
  await waitForRendered(page, textOf(ENTRIES - 1), { timeout: WAIT_MS });
  const rendered = await renderedEntries(page);
  assert.ok(!rendered.some((e) => e.text === FIRST), 'the first entry is not rendered before the search');

  // Every keydown the page sees, to read defaultPrevented once it was handled.
  await page.evaluate(() => {
    window.__keydowns = [];
    window.addEventListener('keydown', (event) => window.__keydowns.push(event));
  });
  const lastCtrlF = () =>
    page.evaluate(() => {
      const event = window.__keydowns.filter((e) => e.key.toLowerCase() === 'f' && (e.ctrlKey || e.metaKey)).at(-1);
      return event ? { prevented: event.defaultPrevented, target: event.target.id || event.target.tagName } : null;
    });

  // Focus on the page, not in a field: Ctrl+F opens the search.
  await page.locator('#chat-text').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+f');
  const search = page.locator('#search');
  await search.waitFor({ state: 'visible', timeout: WAIT_MS });
  assert.equal(await search.getAttribute('type'), 'search', '#search is a type="search" input');
  const first = await lastCtrlF();
  assert.equal(first?.prevented, true, "the first Ctrl+F is the app's (the browser's find does not open too)");
  // The box takes the typing at once. A miss here is noted, and the box
  // focused by hand, so that the rest of the search is still checked.
  const late = [];
  try {
    await page.waitForFunction(() => document.activeElement?.id === 'search', null, { timeout: 10_000 });
  } catch {
    late.push(`Ctrl+F opened #search but left the focus on ${await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName)}`);
    t.diagnostic(late.at(-1));
    await search.focus();
  }

  // A text only the first entry holds: found, rendered, scrolled to, highlighted.
  await search.pressSequentially('needle-first');
  await waitForCount(page, '1 of 1');
  await waitInView(page, FIRST);
  const highlights = await page.evaluate(() => (typeof CSS !== 'undefined' && CSS.highlights ? CSS.highlights.size : null));
  assert.ok(highlights > 0, `a highlight is registered (CSS.highlights.size is ${highlights})`);
  const firstEntry = (await renderedEntries(page)).find((e) => e.text === FIRST);
  assert.equal(firstEntry.sender, 'bot', "the entry's DOM text is untouched: its label");
  assert.equal(firstEntry.text, FIRST, "and its text");

  // Three matches: the newest first, Enter goes older, Shift+Enter back.
  await search.fill('');
  await search.pressSequentially('TRIPLE-x');
  await waitForCount(page, '1 of 3');
  await waitInView(page, textOf(TRIPLE[2]));
  await search.press('Enter');
  await waitForCount(page, '2 of 3');
  await waitInView(page, textOf(TRIPLE[1]));
  await search.press('Enter');
  await waitForCount(page, '3 of 3');
  await waitInView(page, textOf(TRIPLE[0]));
  await search.press('Shift+Enter');
  await waitForCount(page, '2 of 3');
  await waitInView(page, textOf(TRIPLE[1]));

  // Ctrl+F again in the open box: the browser's own find gets it.
  await page.keyboard.press('Control+f');
  const again = await lastCtrlF();
  assert.equal(again?.target, 'search', 'the second Ctrl+F was pressed in the box');
  assert.equal(again?.prevented, false, 'the second Ctrl+F, in the box, is not prevented');

  // Escape closes the search.
  await search.focus();
  await page.keyboard.press('Escape');
  await search.waitFor({ state: 'hidden', timeout: WAIT_MS });

  assert.deepEqual(late, [], 'the search box has the focus once Ctrl+F opened it');
  assert.deepEqual(errors, []);
});
