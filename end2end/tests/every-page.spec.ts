// Every page of the admin panel, at a laptop's width and at a phone's, as the admin: no page is
// wider than the screen, each has a title and a heading, and axe-core finds nothing serious or
// critical on it.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { adminKey, signInAsAdmin } from "../support/sign-in";

const sizes = [
  { name: "a laptop", width: 1366, height: 768 },
  { name: "a phone", width: 390, height: 844 },
];

/** A dot with a commit and an inventory server, so that their pages have something to show. */
async function somethingOnEveryPage(request: APIRequestContext): Promise<void> {
  const headers = { Authorization: `Bearer ${adminKey()}` };
  const dot = await request.post("/dots/admin", { headers, data: { name: "everypage" } });
  if (dot.status() === 201) {
    const file = "/dots/admin/everypage/branches/master/files/notes/readme.txt";
    expect((await request.put(file, { headers, data: "the notes\n" })).status()).toBe(201);
    const commit = await request.post("/dots/admin/everypage/branches/master/commits", {
      headers,
      data: { message: "first notes", metadata: { ticket: "OPS-1" } },
    });
    expect(commit.status()).toBe(201);
  }
  const server = await request.post("/inventory/entity/basicserver", {
    headers,
    form: { name: "everypage1" },
  });
  expect([201, 202]).toContain(server.status());
}

const pages = [
  "/",
  "/tables",
  "/tables/chinook/track",
  "/tables/chinook/track/row/1",
  "/tables/chinook/track/new",
  "/entities",
  "/entities/everypage1",
  "/versioning",
  "/versioning/admin/everypage",
  "/artifacts",
  "/specs",
  "/audit",
  "/users",
  "/api-docs",
  "/no/such/page",
];

for (const size of sizes) {
  test(`every page fits ${size.name} (${size.width} px) and axe-core finds nothing serious`, async ({ page, request }) => {
    test.setTimeout(180_000);
    await somethingOnEveryPage(request);
    await page.setViewportSize({ width: size.width, height: size.height });
    await signInAsAdmin(page, "/");
    const problems: string[] = [];
    for (const path of pages) {
      await page.goto(path);
      await expect(page.locator("h1").first(), path).toBeVisible();
      await expect(page, path).toHaveTitle(/Depot/);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > size.width) problems.push(`${path} is ${width} px wide`);
      const { violations } = await new AxeBuilder({ page }).analyze();
      for (const v of violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
        problems.push(`${path}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  });
}

test("on a phone the sections fold behind Menu, and the skip link leads to the content", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  // The page's WebAssembly held back a second, so that Tab comes before hydration: hydrating
  // keeps the focus where Tab put it.
  await page.route("**/pkg/depot.wasm", async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  await signInAsAdmin(page, "/users");
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.locator("#awaiting-script")).toHaveCount(1);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to the content" });
  await expect(skip).toBeFocused();
  await hydrated(page);
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/#content$/);

  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections.getByRole("link", { name: "Tables" })).toBeHidden();
  await page.getByText("Menu", { exact: true }).click();
  await expect(sections.getByRole("link", { name: "Tables" })).toBeVisible();
});
