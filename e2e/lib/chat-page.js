'use strict';
// A page object for the wschat page (see shared CONTRACT.md, "The page"),
// modelled on leptos-rs/leptos examples/counters/e2e. It works on a Page or
// on a Frame, so the screenshot test can drive two chats in iframes.

const UI_TIMEOUT_MS = 30_000;

class ChatPage {
  /** @param {import('playwright-core').Page | import('playwright-core').Frame} target */
  constructor(target) {
    this.target = target;
    this.name = target.locator('#my-name');
    this.message = target.locator('#message');
    this.sendButton = target.locator('#send');
    this.log = target.locator('#chat-text');
    this.statusLine = target.locator('#status');
    this.reconnectButton = target.locator('#reconnect');
  }

  /**
   * Opens `baseUrl` with the given query parameters (`server`, `protocol`,
   * `name`, `event`) and waits until the app has started (`#status` exists).
   */
  async goto(baseUrl, params = {}) {
    const url = new URL(baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    await this.target.goto(url.href);
    await this.waitForApp();
  }

  /** Waits until the WebAssembly app has rendered. */
  async waitForApp() {
    await this.statusLine.waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  }

  /** Replaces the name with `name`, typed as a person would. */
  async setName(name) {
    await this.name.fill('');
    await this.name.pressSequentially(name);
  }

  /** Types `text` into the message input and presses Enter. */
  async send(text) {
    await this.message.fill(text);
    await this.message.press('Enter');
  }

  /**
   * The whole conversation: `{id, kind, sender, text, state, time}` per entry, in
   * order, where kind is `sent`, `received` or `system` (the class of the
   * entry's first span), sender is that span's text and state the entry's
   * `data-state` (sent entries only; null otherwise); time is the `datetime` of
   * the row's `time` element.
   *
   * The page renders only a window of a long conversation. When some of it
   * is not rendered, this scrolls the log through it, a viewport at a time,
   * collects every entry by its id, and scrolls back: to the bottom if the
   * reader was there (so the log follows again), else where it was.
   */
  async entries() {
    return this.log.evaluate(async (log) => {
      const frames = (n) =>
        new Promise((resolve) => {
          const step = (left) => (left === 0 ? resolve() : requestAnimationFrame(() => step(left - 1)));
          step(n);
        });
      const seen = new Map();
      const collect = () => {
        for (const entry of log.querySelectorAll('.entry')) {
          const label = entry.firstElementChild;
          const kind =
            label && label.tagName === 'SPAN'
              ? ['sent', 'received', 'system'].find((k) => label.classList.contains(k)) ?? null
              : null;
          seen.set(Number(entry.dataset.id), {
            id: entry.dataset.id ?? null,
            kind,
            sender: label ? label.textContent : null,
            text: entry.querySelector('.text')?.textContent ?? null,
            state: entry.dataset.state ?? null,
            time: entry.parentElement?.querySelector('time')?.getAttribute('datetime') ?? null,
          });
        }
      };
      collect();
      const rows = log.querySelector('#chat-rows');
      const track = log.querySelector('#chat-track');
      if (rows && track && rows.offsetHeight < track.offsetHeight - 1) {
        const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 2;
        const saved = log.scrollTop;
        for (let top = 0; ; top += Math.max(1, log.clientHeight)) {
          log.scrollTop = top;
          await frames(2);
          collect();
          if (top >= log.scrollHeight - log.clientHeight) break;
        }
        log.scrollTop = atBottom ? log.scrollHeight : saved;
        await frames(2);
      }
      return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
    });
  }

  /**
   * Waits for an entry that matches and returns it. `match` is a predicate on
   * entries, a string (the exact text), or an object whose fields must all
   * equal the entry's (`{kind: 'received', sender: 'Alice', text: 'hi'}`).
   */
  async waitForEntry(match, { timeout = UI_TIMEOUT_MS } = {}) {
    const predicate = toPredicate(match);
    const deadline = Date.now() + timeout;
    let seen = [];
    for (;;) {
      seen = await this.entries();
      const found = seen.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `no entry matching ${describe(match)} within ${timeout} ms; entries were:\n${summarize(seen)}`,
    );
  }

  /** `{state, text}` of `#status`. */
  async status() {
    return this.statusLine.evaluate((el) => ({ state: el.dataset.state ?? null, text: el.textContent.trim() }));
  }

  /** Waits until `#status` has `data-state` equal to `state`, or to one of an array of states. */
  async waitForStatus(state, { timeout = UI_TIMEOUT_MS } = {}) {
    const states = [state].flat();
    const selector = states.map((s) => `#status[data-state="${s}"]`).join(', ');
    try {
      await this.target.locator(selector).waitFor({ state: 'attached', timeout });
    } catch (error) {
      const now = await this.status().catch(() => 'unknown');
      throw new Error(`#status never reached ${states.join(' or ')}; it is ${JSON.stringify(now)}`, {
        cause: error,
      });
    }
    return this.status();
  }
}

function toPredicate(match) {
  if (typeof match === 'function') return match;
  if (typeof match === 'string') return (entry) => entry.text === match;
  return (entry) => Object.entries(match).every(([key, value]) => entry[key] === value);
}

function describe(match) {
  return typeof match === 'function' ? match.toString() : JSON.stringify(match);
}

/** Entries one per line, long texts cut, for failure messages. */
function summarize(entries) {
  if (entries.length === 0) return '  (none)';
  return entries
    .map((e) => {
      const text = e.text && e.text.length > 200 ? `${e.text.slice(0, 200)}… (${e.text.length} chars)` : e.text;
      return `  [${e.kind}] ${e.sender}: ${JSON.stringify(text)}${e.state ? ` (${e.state})` : ''}`;
    })
    .join('\n');
}

module.exports = { ChatPage, summarize, UI_TIMEOUT_MS };
