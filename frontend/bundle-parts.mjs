// One file for each page's WebAssembly parts: run after `cargo leptos build --split`
// (`build_site` in .ci/tools.sh does both).
//
//   node frontend/bundle-parts.mjs target/site/pkg [--precompress]
//
// wasm-split cuts a page's code into its own module and the chunks it shares with other pages;
// a dot's page is 141 files, which cost a request each and compress far worse one by one (183 KB
// brotli) than together (116 KB). For each page this writes `bundle_<page>.<hash>.wasm`: an
// index (a little-endian u32 length, then JSON `[[file, bytes], …]`) and the parts one after the
// other. It appends `part-bundles.js` to the split loader, so the browser takes the first page's
// parts from its bundle, and points Leptos' split manifest at the bundles, so the server-rendered
// HTML preloads a page's bundle rather than its parts. The original manifest is kept as
// `__wasm_split_parts.json` (for `bench/wasm_parts.mjs`, and to run this again).
//
// Only a build that ran this has bundles: cargo-leptos writes a fresh split loader and manifest
// whenever the WebAssembly changes, and without the appended code the browser fetches the parts
// one by one, as it would without this step. With --precompress (release builds), every file
// written here also gets the .br and .gz copies Depot and static hosts serve.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";

const [pkg, ...flags] = process.argv.slice(2);
if (!pkg) {
  console.error("usage: node frontend/bundle-parts.mjs <site pkg folder> [--precompress]");
  process.exit(2);
}
const precompress = flags.includes("--precompress");
const at = (name) => path.join(pkg, name);
const manifestFile = at("__wasm_split_manifest.json");
const partsFile = at("__wasm_split_parts.json");
const loaderFile = at("__wasm_split.______________________.js");

if (!fs.existsSync(manifestFile)) {
  console.log(`bundle-parts: no split manifest in ${pkg} (not a --split build); nothing to do`);
  process.exit(0);
}
const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
// A page is a lazy route's view ("__dot_view_874…"). A lazy function (`#[lazy]`, such as
// components/upload.rs' `upload`) is loaded when first called, after its page, and keeps its
// parts: only a page's first load comes from a bundle.
const isPage = (entry) => /_view_\d+$/.test(entry);
const bundled = Object.entries(manifest).some(([entry, parts]) => isPage(entry) && parts[0]?.startsWith("bundle_"));
// A second run over the same build starts from the parts, not from its own manifest.
const entries = bundled ? JSON.parse(fs.readFileSync(partsFile, "utf8")) : manifest;

const bundles = {};
const bundleManifest = Object.fromEntries(Object.entries(entries).filter(([entry]) => !isPage(entry)));
const written = [];
for (const [page, parts] of Object.entries(entries).filter(([entry]) => isPage(entry)).sort()) {
  const files = parts.map((part) => [`${part}.wasm`, withoutCustomSections(fs.readFileSync(at(`${part}.wasm`)))]);
  const index = Buffer.from(JSON.stringify(files.map(([name, bytes]) => [name, bytes.length])));
  const indexLength = Buffer.alloc(4);
  indexLength.writeUInt32LE(index.length);
  const bundle = Buffer.concat([indexLength, index, ...files.map(([, bytes]) => bytes)]);
  // Named by content, so a browser or proxy never mixes a bundle with another build's parts.
  const hash = crypto.createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  const name = `bundle_${page}.${hash}`;
  fs.writeFileSync(at(`${name}.wasm`), bundle);
  written.push(`${name}.wasm`);
  bundleManifest[page] = [name];
  // The split loader asks for `split_<page>.wasm` with the page's chunks.
  bundles[`split_${page}.wasm`] = `${name}.wasm`;
}

/** `wasm` without its custom sections: each part carries the compiler's `producers` and
 * `target_features` (50 KB in a dot's parts), which the browser does not read. */
function withoutCustomSections(wasm) {
  const kept = [wasm.subarray(0, 8)]; // magic and version
  let at = 8;
  while (at < wasm.length) {
    const start = at++;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++];
      size += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    at += size;
    if (wasm[start] !== 0) kept.push(wasm.subarray(start, at));
  }
  return Buffer.concat(kept);
}

// Bundles of earlier builds are never asked for again.
const current = new Set(written);
for (const file of fs.readdirSync(pkg)) {
  const bundleFile = file.replace(/\.(br|gz)$/, "");
  if (bundleFile.startsWith("bundle_") && !current.has(bundleFile)) fs.rmSync(at(file));
}

const loader = fs.readFileSync(loaderFile, "utf8");
const marker = "\n// Added by frontend/bundle-parts.mjs:\n";
const script = fs.readFileSync(new URL("./part-bundles.js", import.meta.url), "utf8");
fs.writeFileSync(
  loaderFile,
  `${loader.split(marker)[0]}${marker}${script}\nfetchFirstPageFromBundle(${JSON.stringify(bundles)});\n`,
);
written.push(path.basename(loaderFile));
if (!bundled) fs.writeFileSync(partsFile, JSON.stringify(entries, null, 2));
fs.writeFileSync(manifestFile, JSON.stringify(bundleManifest, null, 2));
written.push(path.basename(manifestFile));

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
for (const file of written) {
  for (const stale of [`${file}.br`, `${file}.gz`]) fs.rmSync(at(stale), { force: true });
}
if (precompress) {
  // Compressed in parallel on libuv's threads: brotli at quality 11 takes seconds a bundle.
  await Promise.all(
    written.map(async (file) => {
      const bytes = fs.readFileSync(at(file));
      const params = { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length };
      fs.writeFileSync(at(`${file}.br`), await brotli(bytes, { params }));
      fs.writeFileSync(at(`${file}.gz`), await gzip(bytes, { level: 9 }));
    }),
  );
}
console.log(`bundle-parts: ${Object.keys(bundles).length} pages bundled in ${pkg}${precompress ? " (precompressed)" : ""}`);
