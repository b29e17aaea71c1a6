'use strict';
// Helpers for the specs of issue 16 (history, search, export, memory): what
// IndexedDB holds, the wasm memory, the rows rendered now, a flood whose
// progress the page reports, and the transcript line of an entry (shared
// CONTRACT.md, "The page": History, Search, Export, Memory).

const { INIT_SCRIPT } = require('../bench/page');
const { pacedFlood, quickFlood } = require('./flood');

/**
 * Installs bench/page.js in every document `page` loads (call it before
 * goto): `window.__bench` then has the app's wasm exports (Trunk's
 * TrunkApplicationStarted event), `arm`/`progress` for a paced flood, and
 * `jump`/`has`/`firstShown` for the scroll checks. It only watches.
 */
function watchPage(page) {
  return page.addInitScript(INIT_SCRIPT);
}

/** The wasm memory's size in bytes, or null when the page gave no exports. */
function wasmBytes(page) {
  return page.evaluate(() => {
    const memory = window.__bench?.wasm?.memory;
    return memory instanceof WebAssembly.Memory ? memory.buffer.byteLength : null;
  });
}

/**
 * Every key and value of every object store of every IndexedDB database of
 * the page's origin, read with cursors, as text: strings as they are,
 * ArrayBuffers, typed arrays and Blobs decoded as UTF-8, the rest as JSON.
 */
function idbText(page) {
  return page.evaluate(async () => {
    if (!indexedDB.databases) return '';
    const done = (request) =>
      new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const decoder = new TextDecoder();
    const blobs = [];
    const plain = (value) => {
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return decoder.decode(value);
      if (value instanceof Blob) {
        blobs.push(value);
        return '';
      }
      return value;
    };
    const text = (value) => {
      const v = plain(value);
      return typeof v === 'string' ? v : JSON.stringify(v, (key, inner) => plain(inner));
    };
    const parts = [];
    for (const { name, version } of await indexedDB.databases()) {
      // Opening at the version it has never upgrades (or creates) it.
      const db = await done(indexedDB.open(name, version));
      try {
        for (const store of db.objectStoreNames) {
          parts.push(`${name}/${store}:`);
          const cursor = db.transaction(store, 'readonly').objectStore(store).openCursor();
          await new Promise((resolve, reject) => {
            cursor.onerror = () => reject(cursor.error);
            cursor.onsuccess = () => {
              const at = cursor.result;
              if (!at) return resolve();
              parts.push(`${text(at.key)} = ${text(at.value)}`);
              at.continue();
            };
          });
        }
      } finally {
        db.close();
      }
    }
    // Blobs are read after the transactions, which a pending read would end.
    for (const blob of blobs) parts.push(await blob.text());
    return parts.join('\n');
  });
}

/** Names of the origin's IndexedDB databases. */
function idbNames(page) {
  return page.evaluate(async () => (indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : []));
}

/**
 * Waits until IndexedDB holds each of `texts` (quoted as JSON strings or
 * not), so that a reload finds them: writes are batched per animation frame
 * and a reload may abort one still open.
 */
async function waitForStored(page, texts, { timeout = 60_000 } = {}) {
  const deadline = Date.now() + timeout;
  let missing = texts;
  for (;;) {
    const stored = await idbText(page);
    missing = texts.filter((t) => !stored.includes(t));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`IndexedDB never held ${missing.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}` +
        `${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}; databases: ${(await idbNames(page)).join(', ') || 'none'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The entries rendered now, in document order: `{id, row, kind, sender,
 * text, state, time, inView}`; inView says whether the row shows inside the
 * log's visible box.
 */
function renderedEntries(page) {
  return page.evaluate(() => {
    const log = document.querySelector('#chat-text');
    if (!log) return [];
    const box = log.getBoundingClientRect();
    return [...log.querySelectorAll('.entry')].map((entry) => {
      const label = entry.firstElementChild;
      const rect = entry.getBoundingClientRect();
      return {
        id: entry.dataset.id ?? null,
        row: entry.closest('[data-row]')?.dataset.row ?? null,
        kind: ['sent', 'received', 'system'].find((k) => label?.classList.contains(k)) ?? null,
        sender: label ? label.textContent : null,
        text: entry.querySelector('.text')?.textContent ?? null,
        state: entry.dataset.state ?? null,
        time: entry.parentElement?.querySelector('time')?.getAttribute('datetime') ?? null,
        inView: rect.height > 0 && rect.bottom > box.top && rect.top < box.bottom,
      };
    });
  });
}

/** Waits until an entry whose text is `text` is rendered (not necessarily in view). */
function waitForRendered(page, text, { timeout = 60_000 } = {}) {
  return page.waitForFunction(
    (wanted) => [...document.querySelectorAll('#chat-text .entry .text')].some((t) => t.textContent === wanted),
    text,
    { timeout },
  );
}

/**
 * Floods `count` frames `frame(i)` through the relay at `wsUrl` into a page
 * watched by watchPage, paced by what the page shows (lib/flood.js), and
 * waits until the last one, `f<count-1>` (or its padded form), is shown.
 * Throws when the flood does not complete.
 */
async function floodInto(page, wsUrl, count, options = {}) {
  await page.evaluate((target) => window.__bench.arm(target), `f${count - 1}`);
  const result = await pacedFlood(wsUrl, count, {
    progress: () => page.evaluate(() => window.__bench.progress()),
    ...options,
  });
  if (!result.completed) throw new Error(`the flood of ${count} frames did not complete: ${result.why}`);
  return result;
}

/** Two-digit. */
const two = (n) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM` of an ISO instant in `timeZone` (an IANA name). */
function localMinute(iso, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map(({ type, value }) => [type, value]),
  );
  return `${parts.year}-${two(parts.month)}-${two(parts.day)} ${two(parts.hour)}:${two(parts.minute)}`;
}

/**
 * The transcript line of an entry (`2026-12-06 10:16 alice: hi`): its local
 * time to the minute, the sender (the user's name for this tab's own), `: `,
 * the text.
 */
function transcriptLine(entry, { user, timeZone }) {
  const from = entry.kind === 'sent' ? user : entry.sender;
  return `${localMinute(entry.time, timeZone)} ${from}: ${entry.text}`;
}

module.exports = {
  watchPage,
  wasmBytes,
  idbText,
  idbNames,
  waitForStored,
  renderedEntries,
  waitForRendered,
  floodInto,
  quickFlood,
  localMinute,
  transcriptLine,
};
