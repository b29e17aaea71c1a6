// Trunk post_build hook, release builds only. Trunk runs the hooks of one
// stage at once, so the steps that depend on each other live here:
// 1. Trunk writes its loader inline into index.html, a
//    `<script type="module">` that imports the wasm-bindgen glue, starts the
//    wasm and fires `TrunkApplicationStarted`. A strict Content-Security-Policy
//    (`script-src 'self'`, no hash, no nonce) refuses inline script, so the
//    loader's statements move to the end of the glue, and index.html loads
//    the glue itself: `<script type="module" src integrity>`. A loader file
//    of its own would cost 0.2 KB gzip more. Its URLs stay as Trunk wrote
//    them, relative (`public_url`), so `dist/` works from any path. The glue
//    no longer exports `init` (nothing imports it, and terser then drops
//    what only `initSync` used), and `window.wasmBindings`, which nothing
//    reads, goes. The wasm is fetched with its integrity hash.
// 2. Minifies the glue with terser (Trunk 0.21's own minifier cannot parse
//    wasm-bindgen 0.2.130's output) and updates its integrity hashes.
// 3. Refuses an index.html that still holds inline script or style.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { minify } from "terser";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release" || !staging) process.exit(0);

const fail = (message) => {
  throw new Error(`tools/minify-glue.mjs: ${message}`);
};
const integrity = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
const htmlPath = join(staging, "index.html");
let html = readFileSync(htmlPath, "utf8");

// Trunk's loader (quoted or not, as its HTML minifier leaves it).
const loaders = [...html.matchAll(/<script\s+type=(["']?)module\1\s*>([\s\S]*?)<\/script>/gi)];
if (loaders.length !== 1) fail(`expected one inline module loader in index.html, found ${loaders.length}`);
const [loaderTag, , loader] = loaders[0];
const glueUrl = loader.match(/\bimport\s+init\b[^;]*?\bfrom\s*(["'])([^"']+\.js)\1/)?.[2];
const wasmUrl = loader.match(/\bmodule_or_path\s*:\s*(["'])([^"']+\.wasm)\1/)?.[2];
if (!glueUrl || !wasmUrl) fail(`the loader no longer reads as Trunk 0.21's: ${loader}`);

const gluePath = join(staging, basename(glueUrl));
const glue = readFileSync(gluePath, "utf8");
const exports = /\nexport\s*\{\s*initSync\s*,\s*(\w+)\s+as\s+default\s*\};?\s*$/;
const init = glue.match(exports)?.[1] ?? fail("the glue no longer ends as wasm-bindgen 0.2.130's does");
// The wasm is fetched by its relative URL, as Trunk's loader does. (Its
// preload's integrity is one browsers ignore on fetch preloads; fetching it
// with `{ integrity }` checks it, for 86 bytes the budget lacked. The glue
// and index.html are served by the same host, which SRI does not guard
// against.)
const started = glue.replace(
  exports,
  () => `
const wasm_started = await ${init}({
  module_or_path: ${JSON.stringify(wasmUrl)},
});
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm: wasm_started } }));
`,
);
const result = await minify(started, { module: true, compress: true, mangle: true });
if (typeof result.code !== "string") fail("terser returned nothing for the glue");
const code = result.code;
writeFileSync(gluePath, code);
console.log(`glue ${basename(glueUrl)} with Trunk's loader, minified: ${Buffer.byteLength(glue)} -> ${Buffer.byteLength(code)} bytes`);

const before = integrity(glue);
html = html.split(before).join(integrity(code));
html = html.replace(loaderTag, () => `<script type="module" src="${glueUrl}" integrity="${integrity(code)}"></script>`);

// What a strict CSP refuses: a script without a src, a style element or
// attribute, an inline event handler.
const refused = [
  [/<script\b(?![^>]*\ssrc=)[^>]*>/i, "an inline script"],
  [/<style\b/i, "a style element"],
  [/<[^>]*\sstyle=/i, "a style attribute"],
  [/<[^>]*\son[a-z]+=/i, "an inline event handler"],
];
// `trunk serve` adds its live-reload script (never in `dist/`), which only
// the dev server's page runs.
const devReload = /<script\b[^>]*>(?:(?!<\/script>)[\s\S])*\.well-known\/trunk\/ws(?:(?!<\/script>)[\s\S])*<\/script>/;
const checked = html.replace(devReload, "");
for (const [pattern, what] of refused) {
  const found = checked.match(pattern);
  if (found) fail(`index.html still holds ${what}: ${found[0]}`);
}
writeFileSync(htmlPath, html);
