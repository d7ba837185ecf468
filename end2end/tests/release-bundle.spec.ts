// The release bundle — what a deployment serves: optimised by wasm-opt, compressed, split at
// each section — hydrates in the browser. Every other browser test runs the debug bundle, and a
// release bundle that only fails once optimised (it did, with Debian's wasm-opt) would pass
// them all. `.ci/test` builds it (DEPOT_RELEASE_SITE_ROOT); a Depot of its own serves it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { freePort, waitForPort } from "../support/ports";

const repoRoot = path.resolve(__dirname, "..", "..");
const siteRoot = process.env.DEPOT_RELEASE_SITE_ROOT ?? path.join(repoRoot, "target", "release-site");
const binary = process.env.DEPOT_BIN ?? path.join(repoRoot, "target", "debug", "depot");
let server: ChildProcess | undefined;
let base = "";

test.beforeAll(async () => {
  expect(existsSync(path.join(siteRoot, "pkg", "depot.wasm.br")), `a release bundle in DEPOT_RELEASE_SITE_ROOT (${siteRoot})`).toBe(true);
  const port = await freePort();
  let log = "";
  server = spawn(binary, ["serve", "--no-auth", "--bind", `127.0.0.1:${port}`, "--data-dir", mkdtempSync(path.join(tmpdir(), "depot-release-"))], {
    env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  server.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  await waitForPort(port, "depot serving the release bundle", () => log);
  base = `http://127.0.0.1:${port}`;
});

test.afterAll(() => {
  server?.kill();
});

for (const [address, hasParts] of [["/", true], ["/login", true], ["/tables", true], ["/users", true], ["/versioning", true], ["/artifacts", true], ["/no-such-page", false]] as const) {
  test(`the release bundle hydrates ${address}`, async ({ page }) => {
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    const wasm: { path: string; encoding?: string }[] = [];
    page.on("response", (response) => {
      const path = new URL(response.url()).pathname;
      if (path.endsWith(".wasm")) wasm.push({ path, encoding: response.headers()["content-encoding"] });
    });
    await page.goto(base + address);
    await hydrated(page);
    await expect(page.locator("h1").first()).toBeVisible();
    expect(failures).toEqual([]);
    // The main module, and the page's parts as one bundle (frontend/bundle-parts.mjs), each
    // sent compressed as built. Every page is a lazy route but "not found", which the shell draws.
    expect(wasm.map(({ path }) => path.replace(/_view_\w+/, "_view")).sort()).toEqual(
      hasParts ? [expect.stringMatching(/^\/pkg\/bundle___\w+_view\.\w+\.wasm$/), "/pkg/depot.wasm"] : ["/pkg/depot.wasm"],
    );
    expect(wasm.map(({ encoding }) => encoding)).toEqual(wasm.map(() => "br"));
  });
}

// Issue 17's budget: a first page's WebAssembly — the main module and the page's bundle, as
// the browser fetches them (brotli) — is at most 300 KB, on every page. A page that outgrows it
// is named with its size (README, "The first page's WebAssembly", says where the bytes go).
test("every page's first WebAssembly is at most 300 KB brotli", () => {
  const pkg = path.join(siteRoot, "pkg");
  const brotli = (name: string) => statSync(path.join(pkg, `${name}.wasm.br`)).size;
  const manifest: Record<string, string[]> = JSON.parse(readFileSync(path.join(pkg, "__wasm_split_manifest.json"), "utf8"));
  // "__dot_view_…" is a page (a lazy route); other entries are lazy functions, loaded later.
  const pages = Object.entries(manifest).filter(([entry]) => /_view_\d+$/.test(entry));
  expect(pages.length).toBeGreaterThan(0);
  const kilobytes = Object.fromEntries(
    pages.map(([entry, files]) => [entry.replace(/^_+|_view_\d+$/g, ""), Math.ceil((["depot", ...files].map(brotli).reduce((a, b) => a + b)) / 1024)]),
  );
  expect(Object.entries(kilobytes).filter(([, size]) => size > 300)).toEqual([]);
});

// wasm-split keeps all read-only data in the main module when laying it out again overflows
// the segment (frontend/src/lib.rs, ROOM_FOR_THE_SPLIT): 36 KB brotli more on every page.
test("the split moves the pages' read-only data out of the main module", () => {
  const pkg = path.join(siteRoot, "pkg");
  const parts = readdirSync(pkg).filter((file) => /^(split|chunk)_.*\.wasm$/.test(file));
  const withData = parts.filter((file) => sectionIds(readFileSync(path.join(pkg, file))).includes(DATA_SECTION));
  expect(parts.length).toBeGreaterThan(0);
  expect(withData.length).toBeGreaterThan(parts.length / 4);
});

const DATA_SECTION = 11;

/** The ids of a WebAssembly module's sections, in order. */
function sectionIds(wasm: Buffer): number[] {
  const ids: number[] = [];
  let at = 8; // magic and version
  while (at < wasm.length) {
    ids.push(wasm[at++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++];
      size += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    at += size;
  }
  return ids;
}
