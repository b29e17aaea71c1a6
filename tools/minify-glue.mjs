// Trunk post_build hook: in release builds, minifies the wasm-bindgen JS
// glue in the staging folder and updates its integrity hash in index.html.
// Trunk 0.21's own minifier cannot parse wasm-bindgen 0.2.130's output.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { minify } from "terser";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== "release" || !staging) process.exit(0);

const integrity = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
const htmlPath = join(staging, "index.html");
let html = readFileSync(htmlPath, "utf8");

for (const name of readdirSync(staging).filter((file) => file.endsWith(".js"))) {
  const path = join(staging, name);
  const source = readFileSync(path);
  const result = await minify(source.toString("utf8"), { module: true, compress: true, mangle: true });
  if (typeof result.code !== "string") throw new Error(`terser returned nothing for ${name}`);
  writeFileSync(path, result.code);
  const before = integrity(source);
  if (html.includes(before)) html = html.split(before).join(integrity(result.code));
  console.log(`minified ${name}: ${source.length} -> ${Buffer.byteLength(result.code)} bytes`);
}
writeFileSync(htmlPath, html);
