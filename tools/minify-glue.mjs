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
//    wasm-bindgen 0.2.130's output). The glue no longer exports its
//    classes, so terser drops any it does not use. The build fails if the
//    glue still reads an export the wasm lacks.
// 3. Gives the wasm's imports and exports short names, in the wasm and in
//    the glue alike: a wasm-bindgen import is named like
//    `__wbg_setProperty_3fe74e09d53acb0b`, each name was written twice,
//    and the hashes do not compress (6.7 KB gzip less). The wasm's custom
//    sections, which no browser reads, are left out.
// 4. Updates the integrity hashes, and refuses an index.html that still
//    holds inline script or style.
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
const wasmPath = join(staging, basename(wasmUrl));
const trunkGlue = readFileSync(gluePath, "utf8");
const trunkWasm = readFileSync(wasmPath);
const exports = /\nexport\s*\{\s*initSync\s*,\s*(\w+)\s+as\s+default\s*\};?\s*$/;
const init = trunkGlue.match(exports)?.[1] ?? fail("the glue no longer ends as wasm-bindgen 0.2.130's does");
// The wasm is fetched by its relative URL, as Trunk's loader does. (Its
// preload's integrity is one browsers ignore on fetch preloads; fetching it
// with `{ integrity }` checks it, for 86 bytes the budget lacked. The glue
// and index.html are served by the same host, which SRI does not guard
// against.)
const started = trunkGlue
  .replace(
    exports,
    () => `
const wasm_started = await ${init}({
  module_or_path: ${JSON.stringify(wasmUrl)},
});
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm: wasm_started } }));
`,
  )
  // Nothing imports the glue: its classes are kept only if it uses them.
  // (wasm-streams' classes, which Leptos' server functions brought, are
  // left out of the wasm itself by patches/wasm-streams.)
  .replace(/^export class /gm, "class ")
  .replace(/^if \(Symbol\.dispose\) (\w+)\.prototype\[Symbol\.dispose\] = \1\.prototype\.free;$/gm, "")
  .replaceAll(": new FinalizationRegistry(", ": /*#__PURE__*/ new FinalizationRegistry(");
const result = await minify(started, { module: true, compress: true, mangle: true });
if (typeof result.code !== "string") fail("terser returned nothing for the glue");
const { wasm, glue: code } = shortenNames(trunkWasm, result.code);
writeFileSync(wasmPath, wasm);
writeFileSync(gluePath, code);
console.log(`glue ${basename(glueUrl)} with Trunk's loader, minified: ${Buffer.byteLength(trunkGlue)} -> ${Buffer.byteLength(code)} bytes`);
console.log(`wasm ${basename(wasmUrl)} with short names: ${trunkWasm.length} -> ${wasm.length} bytes`);

for (const [before, after] of [
  [trunkGlue, code],
  [trunkWasm, wasm],
]) {
  const hash = integrity(before);
  if (!html.includes(hash)) fail(`index.html no longer holds the integrity of ${before === trunkWasm ? "the wasm" : "the glue"}`);
  html = html.split(hash).join(integrity(after));
}
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

// The names the glue may read from the wasm: wasm-bindgen's own. (Short
// or common ones, `memory` and `main`, are left alone.)
function isBindgenName(name) {
  return /^(?:__wbg|__wbindgen|__externref|wasm_bindgen__)\w*$/.test(name);
}

// Whether the minified glue names `name` (a whole word).
function names(glue, name) {
  return new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(glue);
}

// Renames the wasm's imports (module and field) and wasm-bindgen's exports
// to names of one or two characters, in the wasm's import and export
// sections and in the minified glue alike. Each name is a whole word of
// the glue (terser renames locals, never an object's keys or properties):
// every import the wasm still has must be there once, every renamed export
// at least once, or the build fails. The glue may keep imports the wasm
// no longer has; the browser ignores them.
function shortenNames(wasm, glue) {
  const sections = readSections(wasm);
  const importSection = sections.find((section) => section.id === 2);
  const exportSection = sections.find((section) => section.id === 7);
  if (!importSection || !exportSection) fail("the wasm has no import or export section");
  // Names that cannot be reserved words: a letter, then nothing or digits.
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const shortNames = (count) =>
    Array.from({ length: count }, (_, index) =>
      index < letters.length
        ? letters[index]
        : letters[index % letters.length] + String(Math.floor(index / letters.length) - 1),
    );
  const renames = new Map();
  const rename = (from, to, times) => {
    if (!isBindgenName(from) && !from.endsWith(".js")) fail(`unexpected wasm name ${from}`);
    const word = new RegExp(`(?<![\\w$])${from.replace(/[.]/g, "\\.")}(?![\\w$])`, "g");
    const found = glue.match(word)?.length ?? 0;
    if (times === 1 ? found !== 1 : found === 0) fail(`the glue names ${from} ${found} times`);
    renames.set(from, to);
  };

  const imports = parseImports(importSection.body);
  const modules = [...new Set(imports.map((entry) => entry.module))];
  const moduleNames = shortNames(modules.length);
  modules.forEach((module, index) => rename(module, moduleNames[index], 1));
  const fieldNames = shortNames(imports.length);
  imports.forEach((entry, index) => {
    rename(entry.field, fieldNames[index], 1);
    entry.module = renames.get(entry.module);
    entry.field = fieldNames[index];
  });
  const exported = parseExports(exportSection.body);
  const renamed = exported.filter(({ name }) => isBindgenName(name) && names(glue, name));
  const exportNames = shortNames(renamed.length);
  renamed.forEach((entry, index) => {
    rename(entry.name, exportNames[index], 0);
    entry.name = exportNames[index];
  });
  if (new Set(exported.map((entry) => entry.name)).size !== exported.length) fail("two exports would share a name");

  // One pass over the glue, longest names first, so that no name is
  // renamed twice.
  const from = [...renames.keys()].sort((a, b) => b.length - a.length);
  const word = new RegExp(`(?<![\\w$])(?:${from.map((name) => name.replace(/[.]/g, "\\.")).join("|")})(?![\\w$])`, "g");
  const text = glue.replace(word, (name) => renames.get(name));
  // Left: keys of imports the wasm no longer has (the browser ignores them)
  // and nothing else.
  for (const [name] of text.matchAll(/(?<![\w$])(?:__wbg|__wbindgen|__externref|wasm_bindgen__)\w*/g)) {
    if (!new RegExp(`(?<![\\w$])${name}:function\\b`).test(text)) fail(`the glue reads ${name}, which the wasm lacks`);
  }
  importSection.body = writeImports(imports);
  exportSection.body = writeExports(exported);
  // Custom sections (id 0: the target features, a wasm-split marker) go
  // too: the browser reads none of them.
  return { wasm: writeSections(sections.filter((section) => section.id !== 0)), glue: text };
}

// The wasm binary format, as far as the import and export sections go.
function readSections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) fail("the wasm has no wasm header");
  const sections = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readU32(bytes, at + 1);
    sections.push({ id, body: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return sections;
}

function writeSections(sections) {
  const parts = [Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])];
  for (const { id, body } of sections) parts.push(Buffer.from([id]), writeU32(body.length), body);
  return Buffer.concat(parts);
}

function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) fail("the wasm ends inside a number");
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return [value, at];
  }
}

function writeU32(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

function readName(bytes, at) {
  const [length, start] = readU32(bytes, at);
  return [bytes.toString("utf8", start, start + length), start + length];
}

function writeName(name) {
  const bytes = Buffer.from(name, "utf8");
  return Buffer.concat([writeU32(bytes.length), bytes]);
}

// Each import's description is kept as its bytes: a function's type, a
// table's element type and limits, a memory's limits, a global's type, a
// tag's type.
function parseImports(body) {
  const [count, first] = readU32(body, 0);
  const imports = [];
  let at = first;
  for (let index = 0; index < count; index++) {
    let module, field;
    [module, at] = readName(body, at);
    [field, at] = readName(body, at);
    const start = at;
    const kind = body[at++];
    const limits = () => {
      const flags = body[at++];
      [, at] = readU32(body, at);
      if (flags & 1) [, at] = readU32(body, at);
    };
    if (kind === 0) [, at] = readU32(body, at);
    else if (kind === 1) {
      at++;
      limits();
    } else if (kind === 2) limits();
    else if (kind === 3) at += 2;
    else if (kind === 4) {
      at++;
      [, at] = readU32(body, at);
    } else fail(`an import of unknown kind ${kind}`);
    imports.push({ module, field, description: body.subarray(start, at) });
  }
  if (at !== body.length) fail("the import section holds more than its imports");
  return imports;
}

function writeImports(imports) {
  const parts = [writeU32(imports.length)];
  for (const { module, field, description } of imports) parts.push(writeName(module), writeName(field), description);
  return Buffer.concat(parts);
}

function parseExports(body) {
  const [count, first] = readU32(body, 0);
  const exported = [];
  let at = first;
  for (let index = 0; index < count; index++) {
    let name;
    [name, at] = readName(body, at);
    const start = at;
    at++;
    [, at] = readU32(body, at);
    exported.push({ name, description: body.subarray(start, at) });
  }
  if (at !== body.length) fail("the export section holds more than its exports");
  return exported;
}

function writeExports(exported) {
  const parts = [writeU32(exported.length)];
  for (const { name, description } of exported) parts.push(writeName(name), description);
  return Buffer.concat(parts);
}
