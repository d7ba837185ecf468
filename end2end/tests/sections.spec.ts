// The browser's WebAssembly is split at each section's pages (app/src/sections.rs): a page
// opened first loads the shell and its own part; another section's part arrives when the user
// first navigates there, without a page load, and that section then works.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { signInAsAdmin } from "../support/sign-in";

test("a section's code arrives the first time it is opened", async ({ page }) => {
  // Signed in first: the sign-in page is a page of its own, with its own bundle.
  await signInAsAdmin(page);
  await hydrated(page);
  const fetched: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) fetched.push(path);
  });
  await page.goto("/entities");
  const inventoryForm = page.getByRole("form", { name: "Create entity" });
  await hydrated(page);
  await expect(inventoryForm.getByRole("button", { name: "Create" })).toBeVisible();
  // Hydrating it took the main module and the inventory page's parts, all in one bundle
  // (frontend/bundle-parts.mjs), not one request each.
  expect(fetched).toContain("/pkg/depot.wasm");
  expect(fetched.filter((path) => path.includes("/bundle_"))).toEqual([
    expect.stringMatching(/^\/pkg\/bundle___entities_view_\w+\.\w+\.wasm$/),
  ]);
  expect(fetched.filter((path) => /\/(split|chunk)_/.test(path))).toEqual([]);
  expect(fetched.some((path) => path.includes("dots_view"))).toBe(false);

  const atFirst = new Set(fetched);
  await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));
  await page.getByRole("link", { name: "Versioning", exact: true }).click();
  await expect(page).toHaveURL(/\/versioning$/);
  const dotForm = page.getByRole("form", { name: "Create dot" });
  await expect(dotForm.getByRole("button", { name: "Create dot" })).toBeEnabled();
  expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
  // A later page asks for the parts it lacks, one by one: its bundle would repeat the parts
  // the inventory page brought.
  const arrived = fetched.filter((path) => !atFirst.has(path));
  expect(arrived.some((path) => path.includes("split___dots_view"))).toBe(true);
  expect(arrived.some((path) => path.includes("/bundle_"))).toBe(false);
  expect(arrived).not.toContain("/pkg/depot.wasm");

  // The section works: a dot is made, and its own page (another part) opens.
  const name = `lazy${Date.now()}`;
  await dotForm.getByLabel("Name", { exact: true }).fill(name);
  await dotForm.getByRole("button", { name: "Create dot" }).click();
  await expect(page).toHaveURL(new RegExp(`/versioning/admin/${name}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`admin/${name}`);
  expect(fetched.some((path) => /(^|_)dot_view/.test(path))).toBe(true);
});

test("a page whose bundle does not arrive fetches its parts one by one and hydrates", async ({ page }) => {
  const failures: string[] = [];
  page.on("pageerror", (error) => failures.push(error.message));
  await page.route("**/pkg/bundle_*", (route) => route.abort("connectionfailed"));
  const fetched: string[] = [];
  page.on("requestfinished", (request) => fetched.push(new URL(request.url()).pathname));
  await signInAsAdmin(page, "/entities");
  await hydrated(page);
  await expect(page.getByRole("form", { name: "Create entity" }).getByRole("button", { name: "Create" })).toBeVisible();
  expect(fetched.some((path) => path.includes("split___entities_view"))).toBe(true);
  expect(fetched.some((path) => path.includes("/chunk_"))).toBe(true);
  expect(failures).toEqual([]);
});
