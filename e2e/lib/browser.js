'use strict';
// One headless Chromium per test file, a fresh context per page, and a record
// of every error the page reports.

const { after, afterEach, before } = require('node:test');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium with a temporary profile. */
function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Records what a page reports as broken: uncaught exceptions (`pageerror`,
 * which is also how a WebAssembly panic shows), `console.error` lines and a
 * crash. Lines matching one of `allow` are expected by the test and left out;
 * so is the browser's own 404 for /favicon.ico.
 */
function watchErrors(page, { allow = [] } = {}) {
  const errors = [];
  const allowed = (text) => allow.some((pattern) => pattern.test(text));
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.stack || error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url || '';
    const text = `console.error: ${message.text()}${where ? ` (${where})` : ''}`;
    if (/\/favicon\.ico$/.test(where) || allowed(text)) return;
    errors.push(text);
  });
  return errors;
}

/**
 * Registers hooks that launch Chromium before the file's tests and close it
 * after them, and returns `newPage(options)`. Each page gets its own browser
 * context (so its own localStorage) and an `errors` array from watchErrors;
 * contexts are closed after each test.
 *
 * options: `viewport`, `allow` (patterns of expected console errors), and
 * `context` (more options for browser.newContext, such as `timezoneId`).
 * `pageIn(context)` opens another tab of a context, sharing its storage.
 */
function useBrowser() {
  let browser;
  const contexts = new Set();

  before(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all([...contexts].map((context) => context.close()));
    contexts.clear();
  });
  after(async () => {
    await browser?.close();
  });

  return {
    get browser() {
      return browser;
    },
    async newPage({ viewport = { width: 1000, height: 700 }, allow = [], context: contextOptions = {} } = {}) {
      const context = await browser.newContext({ viewport, ...contextOptions });
      contexts.add(context);
      return this.pageIn(context, { allow });
    },
    /**
     * Another page (a tab) of `context`, which shares its storage (for
     * example a page's `page.context()`), with its own `errors`.
     */
    async pageIn(context, { allow = [] } = {}) {
      const page = await context.newPage();
      // Generous: a loaded machine slows every step, and a wait that
      // succeeds returns as soon as its condition holds.
      page.setDefaultTimeout(30_000);
      const errors = watchErrors(page, { allow });
      return { page, errors };
    },
  };
}

module.exports = { launchBrowser, useBrowser, watchErrors, CHROMIUM_ARGS };
