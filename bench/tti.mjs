// Time to interactive of the admin UI's first page: from navigation start until the page is
// hydrated (the "Loading the page's script" notice is gone, so its buttons work), in a fresh
// Chromium context each time (nothing cached), for a few pages. Run against a Depot serving a
// release build of the site (`make release`), started with --no-auth and Chinook attached:
//
//   LEPTOS_SITE_ROOT=target/site depot serve --no-auth --attach chinook=sqlite://chinook.sqlite
//   node bench/tti.mjs http://127.0.0.1:3000 [runs]
//
// Prints, per page, the median over the runs on loopback and on an emulated slow network
// (1.6 Mbit/s down, 150 ms round trip, as Lighthouse's "slow 4G"), with the bytes fetched.
import { createRequire } from "node:module";
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const runs = Number(process.argv[3] ?? 5);
// The heaviest page is a dot's: one is made first (an existing one answers an error, and is fine).
await fetch(`${base}/rpc`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "DotmeshRPC.Create", params: { Namespace: "admin", Name: "tti" } }),
});
const pages = ["/", "/tables", "/tables/chinook/track", "/tables/chinook/track/row/1", "/entities", "/versioning", "/versioning/admin/tti", "/specs", "/users"];
const networks = {
  loopback: null,
  "slow 4G": { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 },
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log("| page | network | time to interactive (median of " + runs + ") | bytes fetched |");
console.log("|---|---|---|---|");
for (const path of pages) {
  for (const [name, conditions] of Object.entries(networks)) {
    const times = [];
    const bytes = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      if (conditions) await cdp.send("Network.emulateNetworkConditions", conditions);
      let fetched = 0;
      cdp.on("Network.loadingFinished", (e) => (fetched += e.encodedDataLength));
      await page.goto(base + path, { waitUntil: "commit" });
      await page.waitForFunction(() => document.readyState !== "loading" && !document.getElementById("awaiting-script"), null, { timeout: 120_000, polling: 10 });
      times.push(await page.evaluate(() => performance.now()));
      await page.waitForLoadState("networkidle");
      bytes.push(fetched);
      await context.close();
    }
    console.log(`| \`${path}\` | ${name} | ${Math.round(median(times))} ms | ${Math.round(median(bytes) / 1024)} KB |`);
  }
}
await browser.close();
