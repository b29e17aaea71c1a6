'use strict';
// A page object for the settings panel (details#settings), and a recorder of
// the WebSocket connections a page opens, for the specs that pair the app
// with each server design.

const SETTINGS_KEY = 'wschat.settings';
/** Every field of the settings form, by the name of its parameter. */
const PAIRING_FIELDS = ['server', 'protocol', 'event', 'join', 'template', 'pattern', 'echo', 'topic', 'publish', 'user'];

class SettingsPanel {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    this.panel = page.locator('details#settings');
    this.summary = page.locator('details#settings > summary');
    this.form = page.locator('form#settings-form');
    this.server = page.locator('#settings-server');
    this.protocol = page.locator('select#settings-protocol');
    this.event = page.locator('#settings-event');
    this.save = page.locator('#settings-save');
    this.saved = page.locator('#settings-saved');
    this.urlNote = page.locator('#settings-url-note');
    this.errors = {
      server: page.locator('#settings-server-error'),
      protocol: page.locator('#settings-protocol-error'),
      event: page.locator('#settings-event-error'),
    };
    // The pairing fields (join, template, pattern, echo), the preset menu
    // that fills them, and the share URL of the fields as typed.
    this.preset = page.locator('select#settings-preset');
    this.join = page.locator('#settings-join');
    this.template = page.locator('#settings-template');
    this.pattern = page.locator('#settings-pattern');
    this.echo = page.locator('select#settings-echo');
    this.share = page.locator('#settings-share');
    // The brokers' fields.
    this.topic = page.locator('#settings-topic');
    this.publish = page.locator('#settings-publish');
    this.user = page.locator('#settings-user');
    for (const field of ['join', 'template', 'pattern', 'echo', 'topic', 'publish', 'user']) {
      this.errors[field] = page.locator(`#settings-${field}-error`);
    }
  }

  /** Opens the panel (clicks its summary) unless it is open already. */
  async open() {
    const isOpen = await this.panel.evaluate((details) => details.open);
    if (!isOpen) await this.summary.click();
    await this.form.waitFor({ state: 'visible' });
  }

  /**
   * Fills the fields given (`server`, `protocol`, `event`; a field left out
   * is not touched) and clicks Save.
   */
  async fillAndSave({ server, protocol, event } = {}) {
    await this.open();
    if (server !== undefined) await this.server.fill(server);
    if (protocol !== undefined) await this.protocol.selectOption(protocol);
    if (event !== undefined) await this.event.fill(event);
    await this.save.click();
  }

  /**
   * Fills every field given, of all seven (`server`, `protocol`, `event`,
   * `join`, `template`, `pattern`, `echo`; the selects by option value),
   * without saving. A field left out is not touched.
   */
  async fill(fields = {}) {
    await this.open();
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (!PAIRING_FIELDS.includes(field)) throw new Error(`no settings field ${field}`);
      const locator = this[field];
      if (field === 'protocol' || field === 'echo') await locator.selectOption(value);
      else await locator.fill(value);
    }
  }

  /** Chooses the preset with option value `value`, which fills the fields (and does not save). */
  async choosePreset(value) {
    await this.open();
    await this.preset.selectOption(value);
  }

  /** What all seven fields show: `{server, protocol, event, join, template, pattern, echo}`. */
  async fields() {
    const values = {};
    for (const field of PAIRING_FIELDS) values[field] = await this[field].inputValue();
    return values;
  }

  /** The error text of each of the seven fields, trimmed. */
  async fieldErrors() {
    const texts = {};
    for (const field of PAIRING_FIELDS) texts[field] = ((await this.errors[field].textContent()) ?? '').trim();
    return texts;
  }

  /** The text of `#settings-share`, trimmed: the URL that reproduces the fields as typed. */
  async shareUrl() {
    return ((await this.share.textContent()) ?? '').trim();
  }

  /** `{server, protocol, event}`: what the fields show. */
  async values() {
    return {
      server: await this.server.inputValue(),
      protocol: await this.protocol.inputValue(),
      event: await this.event.inputValue(),
    };
  }

  /** `{server, protocol, event}`: the text of each field's error element, trimmed. */
  async errorTexts() {
    const text = async (locator) => ((await locator.textContent()) ?? '').trim();
    return {
      server: await text(this.errors.server),
      protocol: await text(this.errors.protocol),
      event: await text(this.errors.event),
    };
  }

  /** The raw localStorage value of `wschat.settings`, or null. */
  async stored() {
    return this.page.evaluate((key) => window.localStorage.getItem(key), SETTINGS_KEY);
  }
}

/**
 * Records every WebSocket the page opens: `{url, sent: [], received: [],
 * closed}` per socket, in order, frames as strings (binary ones as
 * `Buffer`s). Attach it before the page navigates.
 */
function recordSockets(page) {
  const sockets = [];
  page.on('websocket', (ws) => {
    const record = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(record);
    ws.on('framesent', ({ payload }) => record.sent.push(payload));
    ws.on('framereceived', ({ payload }) => record.received.push(payload));
    ws.on('close', () => {
      record.closed = true;
    });
  });
  return sockets;
}

/**
 * Polls `check` (sync or async) until it returns a truthy value, or throws
 * `describe()`. The default timeout is generous, since a loaded machine slows
 * every step; a wait that succeeds returns as soon as the check holds.
 */
async function waitUntil(check, describe, { timeout = 30_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(typeof describe === 'function' ? await describe() : describe);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

module.exports = { SettingsPanel, recordSockets, waitUntil, SETTINGS_KEY, PAIRING_FIELDS };
