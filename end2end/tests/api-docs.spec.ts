// API.md §7: the OpenAPI document "served and browsable in the UI" — the API page lists every
// surface's routes from /openapi.json, each opening to its parameters and answers, with no
// script needed and nothing fetched from elsewhere.
import { expect, test } from "@playwright/test";
import { signInAsAdmin } from "../support/sign-in";

const surfaces = [
  "Tables (sandman2)",
  "Inventory (clusto)",
  "Versioning (Dotmesh)",
  "Artifacts (CDAP)",
  "Specs (specstore)",
  "The admin UI's server functions",
  "Depot",
];

test("the API page lists every surface's routes, each opening to what it takes and answers", async ({ page, request }) => {
  const foreign: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("http://127.0.0.1")) foreign.push(r.url());
  });
  await signInAsAdmin(page, "/api-docs");
  await expect(page.getByRole("heading", { name: "API", level: 1 })).toBeVisible();
  for (const surface of surfaces) {
    await expect(page.getByRole("region", { name: surface })).toBeVisible();
  }

  // As many operations as the document has.
  const document = await (await request.get("/openapi.json")).json();
  const operations = Object.values(document.paths as Record<string, object>).reduce(
    (count, methods) => count + Object.keys(methods).length,
    0,
  );
  await expect(page.locator("details.operation")).toHaveCount(operations);

  const byName = page
    .getByRole("region", { name: "Inventory (clusto)" })
    .locator("details.operation", { hasText: "GET /inventory/by-name/{name}" });
  await byName.locator("summary").click();
  await expect(byName.getByText("name (in path, required)")).toBeVisible();
  // A body's schema comes from the type the handler writes.
  await expect(byName).toContainText("ClustoExpandedEntity");
  // …and the shared types are listed by name, each opening to its schema.
  const expanded = page.getByRole("region", { name: "Schemas" }).locator("#schema-ClustoExpandedEntity");
  await expanded.locator("summary").click();
  await expect(expanded).toContainText('"parents"');
  await expect(byName).toContainText("4XX");
  await expect(page.getByRole("link", { name: "/openapi.json" })).toHaveAttribute("href", "/openapi.json");
  expect(foreign).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the API page is served whole and its operations open", async ({ page }) => {
    await signInAsAdmin(page, "/api-docs");
    const upload = page
      .getByRole("region", { name: "Specs (specstore)" })
      .locator("details.operation", { hasText: "/source/upload" });
    await upload.locator("summary").click();
    await expect(upload).toContainText("Takes");
    await expect(upload).toContainText("application/json");
  });
});
