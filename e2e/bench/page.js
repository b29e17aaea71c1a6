'use strict';
// What the benchmark installs in every page it measures, the app's and the
// floor's alike, before any of the page's own scripts run
// (Page.addScriptToEvaluateOnNewDocument). Everything is timed inside the
// page with performance.now(); node only reads the figures.
//
// window.__bench:
//   wasm            the app's wasm exports, from Trunk's TrunkApplicationStarted
//   longtasks       [startTime, duration] of every long task (> 50 ms)
//   arm(target)     installs a MutationObserver on #chat-text (subtree) that
//                   notes when the first flood text (`f<digits>`) and `target`
//                   are first in the DOM, in a `.text` element that was added
//                   or whose text changed
//   progress()      [highest flood index seen so far, target seen]
//   result()        the flood's figures (see below)
//   toBottom, scroll, jump   the scroll tests (see each)
//   load            when window.name is `bench-watch:<nonce>:<target>` at the
//                   start of a document (set it before a reload):
//                   performance.now() (so from navigation start) when #status
//                   was first in the DOM (`appAt`) and when `target` was
//                   (`targetAt`; no target: only appAt)
//   search(query, rowText, countText, timeoutMs)   types `query` into #search
//                   at once and times until `rowText` is rendered (`rowMs`) and
//                   #search-count reads `countText` (`countMs`)
//
// A flood text is `f<digits>`, alone or followed by a space and anything (the
// hostile flood pads each frame to 16 KiB that way); its index is the digits.

function install() {
  const bench = (window.__bench = { longtasks: [], wasm: null, longtaskError: null });

  addEventListener('TrunkApplicationStarted', (event) => {
    bench.wasm = (event.detail && event.detail.wasm) || null;
  });
  try {
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) bench.longtasks.push([task.startTime, task.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) {
    bench.longtaskError = String(error);
  }

  const log = () => document.getElementById('chat-text');

  // A reload to be timed: window.name survives it, and this runs before the
  // document's own scripts, so the times are from navigation start.
  if (typeof window.name === 'string' && window.name.startsWith('bench-watch:')) {
    const rest = window.name.slice('bench-watch:'.length);
    const nonce = rest.slice(0, rest.indexOf(':'));
    const target = rest.slice(rest.indexOf(':') + 1);
    const load = (bench.load = { nonce, target, appAt: null, targetAt: null });
    const look = () => {
      const now = performance.now();
      if (load.appAt === null && document.getElementById('status')) load.appAt = now;
      if (target && load.targetAt === null && log() && bench.has(target)) load.targetAt = now;
      return load.appAt !== null && (!target || load.targetAt !== null);
    };
    const watcher = new MutationObserver(() => {
      if (look()) watcher.disconnect();
    });
    watcher.observe(document, { childList: true, subtree: true, characterData: true });
  }
  /**
   * The element that scrolls the conversation: #chat-text itself, or else
   * the first element inside it that scrolls (a virtualised view may scroll
   * an inner viewport).
   */
  const scroller = () => {
    const root = log();
    const scrolls = (el) => {
      const overflow = getComputedStyle(el).overflowY;
      return (overflow === 'auto' || overflow === 'scroll') && el.scrollHeight > el.clientHeight + 1;
    };
    if (scrolls(root)) return root;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let depth = 0, node = walker.nextNode(); node && depth < 200; node = walker.nextNode(), depth += 1) {
      if (scrolls(node)) return node;
    }
    return root;
  };
  const F = 102; // 'f'
  /** The index of a flood text (`f12`, `f12 xxx...`), or -1. */
  const floodIndex = (text) => {
    if (text.charCodeAt(0) !== F) return -1;
    let i = 1;
    let index = 0;
    for (; i < text.length && i < 12; i += 1) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      index = index * 10 + (c - 48);
    }
    if (i === 1 || (i < text.length && text.charCodeAt(i) !== 32)) return -1;
    return index;
  };
  bench.floodIndex = floodIndex;

  /**
   * Whether an element of class `text` in the log holds `text`: exactly, or,
   * for a flood label `f<i>`, the flood text of index i (padded or not).
   */
  bench.has = (text) => {
    const root = log();
    if (!root) return false;
    const wanted = floodIndex(text);
    const spans = root.getElementsByClassName('text');
    for (let i = 0; i < spans.length; i += 1) {
      const shown = spans[i].textContent;
      if (shown === text || (wanted >= 0 && floodIndex(shown) === wanted)) return true;
    }
    return false;
  };
  /** The first flood text in the log, in document order, as its label `f<i>`. */
  bench.firstShown = () => {
    const spans = log().getElementsByClassName('text');
    for (let i = 0; i < spans.length; i += 1) {
      const index = floodIndex(spans[i].textContent);
      if (index >= 0) return `f${index}`;
    }
    return null;
  };
  const summarize = (tasks) => {
    let longest = 0;
    let total = 0;
    for (const [, duration] of tasks) {
      if (duration > longest) longest = duration;
      total += duration;
    }
    return { count: tasks.length, longest, total };
  };
  const tasksBetween = (from, to) => bench.longtasks.filter(([start, duration]) => start + duration > from && start < to);

  bench.arm = (target) => {
    bench.target = target;
    bench.first = null;
    bench.last = null;
    bench.seen = -1;
    bench.renders = 0;
    bench.armedAt = performance.now();
    const targetIndex = floodIndex(target);
    let now = 0;
    let lastIndex = -1;
    const check = (text) => {
      const index = floodIndex(text);
      if (index < 0) return;
      lastIndex = index;
      if (bench.first === null) bench.first = now;
      if (index === targetIndex && bench.last === null) bench.last = now;
    };
    const visit = (node) => {
      if (node.nodeType === Node.TEXT_NODE) {
        const parent = node.parentElement;
        if (parent && parent.classList.contains('text')) check(node.data);
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      if (node.classList.contains('text')) {
        check(node.textContent);
        return;
      }
      const spans = node.getElementsByClassName('text');
      for (let i = 0; i < spans.length; i += 1) check(spans[i].textContent);
    };
    const observer = new MutationObserver((records) => {
      now = performance.now();
      bench.renders += 1;
      for (const record of records) {
        if (record.type === 'characterData') visit(record.target);
        else for (const node of record.addedNodes) visit(node);
      }
      if (lastIndex > bench.seen) bench.seen = lastIndex;
      lastIndex = -1;
      if (bench.last !== null) observer.disconnect();
    });
    observer.observe(log(), { childList: true, subtree: true, characterData: true });
  };

  bench.progress = () => [bench.seen, bench.last !== null];

  bench.search = (query, rowText, countText, timeoutMs) =>
    new Promise((resolve) => {
      const input = document.getElementById('search');
      if (!input) {
        resolve({ error: 'no #search' });
        return;
      }
      const count = () => (document.getElementById('search-count')?.textContent ?? '').trim();
      input.focus();
      const start = performance.now();
      let rowMs = null;
      let countMs = null;
      let finished = false;
      const look = () => {
        if (finished) return;
        const now = performance.now() - start;
        if (rowMs === null && bench.has(rowText)) rowMs = now;
        if (countMs === null && count() === countText) countMs = now;
        if ((rowMs !== null && countMs !== null) || now > timeoutMs) {
          finished = true;
          observer.disconnect();
          resolve({ rowMs, countMs, count: count() });
        }
      };
      const observer = new MutationObserver(look);
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      const frame = () => {
        look();
        if (!finished) requestAnimationFrame(frame);
      };
      input.value = query;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: query }));
      look();
      requestAnimationFrame(frame);
    });

  /**
   * render: first flood text to target in the DOM (ms); long tasks that
   * overlap the window from arm() to the target; DOM elements; wasm memory.
   */
  bench.result = () => {
    const end = bench.last === null ? performance.now() : bench.last;
    const memory = bench.wasm && bench.wasm.memory;
    return {
      render: bench.first === null || bench.last === null ? null : bench.last - bench.first,
      startDelay: bench.first === null ? null : bench.first - bench.armedAt,
      seen: bench.seen,
      renders: bench.renders,
      longtasks: summarize(tasksBetween(bench.armedAt, end)),
      longtaskError: bench.longtaskError,
      dom: document.getElementsByTagName('*').length,
      wasmBytes: memory ? memory.buffer.byteLength : null,
      visibility: document.visibilityState,
    };
  };

  /**
   * Scrolls the log to its end, one animation frame at a time, until
   * `target` is in the DOM and the log has stayed at the bottom for 10 frames.
   */
  bench.toBottom = (target, timeoutMs) =>
    new Promise((resolve) => {
      const el = scroller();
      const start = performance.now();
      let stable = 0;
      const step = () => {
        el.scrollTop = el.scrollHeight;
        const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
        stable = atBottom && bench.has(target) ? stable + 1 : 0;
        if (stable >= 10) resolve(true);
        else if (performance.now() - start > timeoutMs) resolve(false);
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });

  /**
   * From where the log is, scrolls to the top in `frames` animation frames
   * (each frame moves up by what is left divided by the frames left, so
   * content that grows while scrolling is still covered), then keeps going
   * up, a viewport a frame, until `first` is in the DOM or `settleMs` pass.
   * Frame times are the intervals between requestAnimationFrame callbacks.
   */
  bench.scroll = (frames, first, settleMs) =>
    new Promise((resolve) => {
      const el = scroller();
      const intervals = [];
      let previous = null;
      let k = 0;
      let topAt = null;
      const start = performance.now();
      const startTop = el.scrollTop;
      const step = (time) => {
        if (previous !== null) intervals.push(time - previous);
        previous = time;
        if (k < frames) {
          el.scrollTop = el.scrollTop - Math.ceil(el.scrollTop / (frames - k));
          k += 1;
          requestAnimationFrame(step);
          return;
        }
        if (topAt === null) topAt = performance.now();
        const reached = bench.has(first);
        if (reached || performance.now() - topAt > settleMs) {
          const end = performance.now();
          resolve({
            startTop,
            frames: intervals.length,
            ms: end - start,
            over50: intervals.filter((d) => d > 50).length,
            longest: intervals.reduce((a, b) => Math.max(a, b), 0),
            longtasks: summarize(tasksBetween(start, end)),
            reached,
            firstShown: bench.firstShown(),
          });
          return;
        }
        if (el.scrollTop > 0) el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight);
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });

  /**
   * One jump to the top (scrollTop = 0, as dragging the scrollbar there
   * does), then waits, frame by frame, until `first` is in the DOM or
   * `timeoutMs` pass. If the log grows upwards, it jumps to the top again.
   */
  bench.jump = (first, timeoutMs) =>
    new Promise((resolve) => {
      const el = scroller();
      requestAnimationFrame((time0) => {
        let previous = time0;
        let longest = 0;
        let over50 = 0;
        const start = performance.now();
        el.scrollTop = 0;
        const step = (time) => {
          const interval = time - previous;
          previous = time;
          if (interval > longest) longest = interval;
          if (interval > 50) over50 += 1;
          const reached = bench.has(first);
          const elapsed = performance.now() - start;
          if (reached || elapsed > timeoutMs) {
            resolve({ reached, ms: elapsed, longest, over50, firstShown: bench.firstShown() });
            return;
          }
          if (el.scrollTop > 0) el.scrollTop = 0;
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
    });
}

/** The script to run before each document's own scripts. */
const INIT_SCRIPT = `(${install.toString()})();`;

module.exports = { INIT_SCRIPT };
