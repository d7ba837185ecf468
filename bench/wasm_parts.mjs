// What the split costs a page: for each page of a release build's site, the brotli size of its
// WebAssembly parts (besides the main module) sent one by one, as the browser fetches them,
// against the same parts as one file. The difference is what many small files cost.
//
//   node bench/wasm_parts.mjs target/site/pkg
//
// Brotli at quality 11 (as `--precompress` writes), Node's own zlib. The parts are read from
// the split manifest as cargo-leptos wrote it (kept as `__wasm_split_parts.json` once
// frontend/bundle-parts.mjs has bundled them).
import fs from "node:fs";
import zlib from "node:zlib";

const pkg = process.argv[2] ?? "target/site/pkg";
const splitManifest = JSON.parse(fs.readFileSync(`${pkg}/__wasm_split_manifest.json`, "utf8"));
// A parts file beside an unbundled manifest is left from an earlier build. Pages are lazy
// routes' views; a lazy function (`#[lazy]`) is loaded after its page.
const isPage = (entry) => /_view_\d+$/.test(entry);
const bundled = Object.entries(splitManifest).some(([entry, parts]) => isPage(entry) && parts[0]?.startsWith("bundle_"));
const manifest = bundled ? JSON.parse(fs.readFileSync(`${pkg}/__wasm_split_parts.json`, "utf8")) : splitManifest;
const brotli = (bytes) =>
  zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;

console.log("page | parts | one by one | as one file");
for (const [view, parts] of Object.entries(manifest).filter(([entry]) => isPage(entry)).sort()) {
  const files = parts.map((part) => fs.readFileSync(`${pkg}/${part}.wasm`));
  const apart = files.reduce((sum, file) => sum + brotli(file), 0);
  const together = brotli(Buffer.concat(files));
  // "__dot_view_874…" is the lazy view of the route type Dot.
  const page = view.replace(/^_+|_view_\d+$/g, "");
  console.log(`${page} | ${parts.length} | ${kb(apart)} | ${kb(together)}`);
}
