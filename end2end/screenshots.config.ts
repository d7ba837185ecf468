// The README's screenshots: `make screenshots` (or, with a built Depot, `npx playwright test -c
// screenshots.config.ts` here) starts Depot as the browser tests do, fills it with a little of
// everything and photographs the main pages into ../docs/screenshots/. A script, not a test:
// `make test` does not run it.
import base from "./playwright.config";
import { defineConfig } from "@playwright/test";

export default defineConfig({
  ...base,
  testDir: "./screenshots",
  use: { ...base.use, viewport: { width: 1366, height: 768 } },
});
