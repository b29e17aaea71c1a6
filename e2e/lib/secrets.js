'use strict';
// Where a token must never show (shared CONTRACT.md, "Configuration at run
// time", Tokens): the address bar, localStorage, IndexedDB (the history is
// kept per endpoint without the token), the share link, the console and the
// conversation (system lines included). sessionStorage may hold it.

const { SettingsPanel } = require('./settings-page');

/**
 * Records every console message of `page` (every level) and every uncaught
 * error, as text. Attach it before the page navigates.
 */
function recordConsole(page) {
  const lines = [];
  page.on('console', (message) => lines.push(`console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.stack || error.message}`));
  return lines;
}

/** Everything in localStorage, as `key=value` lines. */
function localStorageText(page) {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .map((key) => `${key}=${localStorage.getItem(key)}`)
      .join('\n'),
  );
}

/**
 * Every key and value of every object store of every IndexedDB database of
 * the page's origin, as text (binary values decoded as UTF-8), for a search.
 */
function indexedDbText(page) {
  return page.evaluate(async () => {
    if (!indexedDB.databases) return '';
    const request = (r) =>
      new Promise((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const decoder = new TextDecoder();
    const replacer = (key, value) => {
      if (value instanceof ArrayBuffer) return decoder.decode(value);
      if (ArrayBuffer.isView(value)) return decoder.decode(value);
      if (value instanceof Blob) return `[blob of ${value.size} bytes]`;
      return value;
    };
    const lines = [];
    for (const { name } of await indexedDB.databases()) {
      const db = await request(indexedDB.open(name));
      try {
        for (const store of db.objectStoreNames) {
          const objects = db.transaction(store, 'readonly').objectStore(store);
          const [keys, values] = await Promise.all([request(objects.getAllKeys()), request(objects.getAll())]);
          lines.push(`${name}/${store}: ${JSON.stringify({ keys, values }, replacer)}`);
        }
      } finally {
        db.close();
      }
    }
    return lines.join('\n');
  });
}

/**
 * The share link as it is after the settings form changed: opens the panel,
 * edits the server field and puts its value back (input events, so the link
 * is recomputed), and returns `{href, text}` of `#settings-share`.
 */
async function shareLink(page) {
  const settings = new SettingsPanel(page);
  await settings.open();
  const server = await settings.server.inputValue();
  // Two edits, so that an input event fires even when the field is empty.
  await settings.server.fill(`${server}x`);
  await settings.server.fill(server);
  return {
    href: (await settings.share.getAttribute('href')) ?? '',
    text: ((await settings.share.textContent()) ?? '').trim(),
  };
}

/**
 * The places where `token` (as it is, or URL-encoded) shows on this page:
 * an empty array when there is none. `chat` is the page's ChatPage and
 * `consoleLines` what recordConsole recorded.
 */
async function tokenLeaks(page, chat, token, consoleLines) {
  const forms = [...new Set([token, encodeURIComponent(token)])];
  const holds = (text) => forms.some((form) => String(text ?? '').includes(form));
  const leaks = [];
  const url = page.url();
  if (holds(url) || /#.*token=/.test(url)) leaks.push(`the address bar: ${url}`);
  if (holds(await localStorageText(page))) leaks.push('localStorage');
  if (holds(await indexedDbText(page))) leaks.push('IndexedDB');
  const share = await shareLink(page);
  if (holds(share.href) || holds(share.text)) leaks.push(`the share link: ${share.href}`);
  for (const line of consoleLines) if (holds(line)) leaks.push(`the console: ${line}`);
  for (const entry of await chat.entries()) {
    if (holds(entry.text) || holds(entry.sender)) leaks.push(`a ${entry.kind} entry: ${entry.text}`);
  }
  if (holds(await page.title())) leaks.push('the title');
  return leaks;
}

module.exports = { recordConsole, localStorageText, indexedDbText, shareLink, tokenLeaks };
