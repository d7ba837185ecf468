// The browser's WebAssembly is split at each section's pages (app/src/sections.rs): a page
// opened first loads the shell and its own part; another section's part arrives when the user
// first navigates there, without a page load, and that section then works.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { signInAsAdmin } from "../support/sign-in";

test("a section's code arrives the first time it is opened", async ({ page }) => {
  const fetched: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) fetched.push(path);
  });
  await signInAsAdmin(page, "/entities");
  await expect(page).toHaveURL(/\/entities$/);
  const inventoryForm = page.getByRole("form", { name: "Create entity" });
  await hydrated(page);
  await expect(inventoryForm.getByRole("button", { name: "Create" })).toBeVisible();
  // Hydrating it took the main module and the inventory page's own part.
  expect(fetched).toContain("/pkg/depot.wasm");
  expect(fetched.some((path) => path.includes("entities_view"))).toBe(true);
  expect(fetched.some((path) => path.includes("dots_view"))).toBe(false);

  const atFirst = new Set(fetched);
  await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));
  await page.getByRole("link", { name: "Versioning", exact: true }).click();
  await expect(page).toHaveURL(/\/versioning$/);
  const dotForm = page.getByRole("form", { name: "Create dot" });
  await expect(dotForm.getByRole("button", { name: "Create dot" })).toBeEnabled();
  expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
  const arrived = fetched.filter((path) => !atFirst.has(path));
  expect(arrived.some((path) => path.includes("dots_view"))).toBe(true);
  expect(arrived).not.toContain("/pkg/depot.wasm");

  // The section works: a dot is made, and its own page (another part) opens.
  const name = `lazy${Date.now()}`;
  await dotForm.getByLabel("Name", { exact: true }).fill(name);
  await dotForm.getByRole("button", { name: "Create dot" }).click();
  await expect(page).toHaveURL(new RegExp(`/versioning/admin/${name}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`admin/${name}`);
  expect(fetched.some((path) => /(^|_)dot_view/.test(path))).toBe(true);
});
