// The browser's WebAssembly is split at each section's pages (app/src/sections.rs): a page
// opened first loads the shell and its own part; another section's part arrives when the user
// first navigates there, without a page load, and that section then works.
import { expect, test } from "@playwright/test";

const adminKey = () => process.env.DEPOT_ADMIN_KEY!;

test("a section's code arrives the first time it is opened", async ({ page, request }) => {
  const fetched: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) fetched.push(path);
  });
  await page.goto("/login?next=/entities");
  await page.getByLabel("User").fill("admin");
  await page.getByLabel("Password or API key").fill(adminKey());
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/entities$/);
  // The server-rendered page preloads its parts beside the main module.
  const html = await (await request.get("/entities", { headers: { Authorization: `Bearer ${adminKey()}` } })).text();
  const preloaded = [...html.matchAll(/<link[^>]*href="([^"]+\.wasm)"/g)].map((found) => found[1]);
  expect(preloaded).toContain("/pkg/depot.wasm");
  expect(preloaded.length).toBeGreaterThan(1);
  const inventoryForm = page.getByRole("form", { name: "Create entity" });
  await expect(inventoryForm.getByRole("button", { name: "Create" })).toBeEnabled(); // hydrated

  const atFirst = new Set(fetched);
  await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));
  await page.getByRole("link", { name: "Versioning", exact: true }).click();
  await expect(page).toHaveURL(/\/versioning$/);
  const dotForm = page.getByRole("form", { name: "Create dot" });
  await expect(dotForm.getByRole("button", { name: "Create dot" })).toBeEnabled();
  expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
  const arrived = fetched.filter((path) => !atFirst.has(path));
  expect(arrived.length).toBeGreaterThan(0);
  expect(arrived).not.toContain("/pkg/depot.wasm");

  // The section works: a dot is made and listed.
  const name = `lazy${Date.now()}`;
  await dotForm.getByLabel("Name", { exact: true }).fill(name);
  await dotForm.getByRole("button", { name: "Create dot" }).click();
  await expect(page.locator("table")).toContainText(name);
});
