'use strict';
// Plants saved state for the next load of a page, as an earlier load of the
// tab would have left it.
//
// Writing sessionStorage from the test and then reloading races the page
// itself: on `pagehide` the page saves its own outbox, which replaces (or
// removes) what the test wrote. So the state is written by an init script,
// at the start of the next load, before the app runs; a marker keeps it to
// that one load.

/**
 * Reloads `page` with these sessionStorage (`session`) and localStorage
 * (`local`) items set before the app starts.
 */
async function reloadWith(page, { session = {}, local = {} } = {}) {
  const marker = `wschat-test.planted.${Date.now()}.${Math.random()}`;
  await page.addInitScript(
    ({ marker, session, local }) => {
      if (sessionStorage.getItem(marker)) return;
      sessionStorage.setItem(marker, '1');
      for (const [key, value] of Object.entries(session)) sessionStorage.setItem(key, value);
      for (const [key, value] of Object.entries(local)) localStorage.setItem(key, value);
    },
    { marker, session, local },
  );
  await page.reload();
}

module.exports = { reloadWith };
