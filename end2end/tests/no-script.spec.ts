// Issue 17, point 2: the forms that can be plain forms work before hydration and without
// JavaScript (a post to the server function's own route, and back to the page), refusals
// included; what needs the script says so on the control, and the page says why.
import { expect, test, type Browser } from "@playwright/test";
import { askingControl } from "../support/ask";
import { hydrated } from "../support/hydrated";
import { signInAsAdmin } from "../support/sign-in";

async function withoutScript(browser: Browser, baseURL: string | undefined) {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await signInAsAdmin(page);
  await expect(page).toHaveURL(/\/$/);
  return { page, done: () => context.close() };
}

test("without JavaScript, users, entities, dots and commits are made from plain forms", async ({ browser, baseURL, request }) => {
  const { page, done } = await withoutScript(browser, baseURL);
  await page.goto("/users");
  const noScript = page.locator("main noscript p.awaiting-script");
  await expect(noScript).toBeVisible();
  await expect(noScript).toContainText("JavaScript is off: every page reads");

  const name = `plain${Date.now()}`;
  const create = page.getByRole("form", { name: "Create user" });
  await create.getByLabel("Name").fill(name);
  await create.getByLabel("Role").selectOption("writer");
  await create.getByRole("button", { name: "Create user" }).click();
  // Back on the page (Leptos leaves a `?` where it took out a past refusal).
  await expect(page).toHaveURL(/\/users\??$/);
  await expect(page.locator(`tr[data-user="${name}"]`)).toContainText("writer");

  // A refusal comes back to the page, in words.
  await create.getByLabel("Name").fill(name);
  await create.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("alert")).toContainText(`a user named "${name}" already exists`);

  // One button's form in the row: disable.
  await page.goto("/users");
  const row = page.locator(`tr[data-user="${name}"]`);
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("disabled since");

  // What cannot work without the script says so: a new key's secret is shown once, in place.
  const createKey = page.getByRole("button", { name: "Create key" });
  await expect(createKey).toBeDisabled();
  await expect(createKey).toHaveAttribute("title", "Ready once the page's script has loaded");
  // Times are in UTC, readably, until a script can use the reader's zone.
  await expect(row.locator("time").first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);

  // Removing asks first, in the page, and works without the script too.
  await askingControl(row, "Remove…").click();
  await row.getByRole("alertdialog").getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page).toHaveURL(/\/users\??$/);
  await expect(page.locator(`tr[data-user="${name}"]`)).toHaveCount(0);

  // An entity, an attribute on it.
  const entity = `plain-web${Date.now()}`;
  await page.goto("/entities");
  const createEntity = page.getByRole("form", { name: "Create entity" });
  await createEntity.getByLabel("Name", { exact: true }).fill(entity);
  await createEntity.getByRole("button", { name: "Create" }).click();
  await page.goto(`/entities/${entity}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(entity);
  const set = page.getByRole("form", { name: "Set attribute" });
  await set.getByLabel("Key", { exact: true }).fill("rack");
  await set.getByLabel("Value", { exact: true }).fill("r12");
  await set.getByRole("button", { name: "Set" }).click();
  await expect(page).toHaveURL(new RegExp(`/entities/${entity}\\??$`));
  await expect(page.locator("table.attrs")).toContainText("r12");

  // A dot, then a commit of its (empty) working tree is refused in words.
  const dot = `plain${Date.now()}`;
  await page.goto("/versioning");
  const createDot = page.getByRole("form", { name: "Create dot" });
  await createDot.getByLabel("Name", { exact: true }).fill(dot);
  await createDot.getByRole("button", { name: "Create dot" }).click();
  await expect(page.locator("main")).toContainText(dot);
  const file = await request.put(`/dots/admin/${dot}/branches/master/files/notes.txt`, {
    headers: { Authorization: `Bearer ${process.env.DEPOT_ADMIN_KEY}` },
    data: "plain\n",
  });
  expect(file.status()).toBe(201);
  await page.goto(`/versioning/admin/${dot}`);
  const commit = page.getByRole("form", { name: "Commit" });
  await commit.getByLabel("Message").fill("without a script");
  await commit.getByRole("button", { name: "Commit" }).click();
  await expect(page.getByRole("group", { name: "Commit graph" })).toContainText("without a script");
  await done();
});

test("without JavaScript, a row is created and edited from its form, and a refusal is shown at its field", async ({ browser, baseURL, request }) => {
  const { page, done } = await withoutScript(browser, baseURL);
  const field = (name: string) => page.locator(`input[name="values[${name}]"]`);

  // A new genre: the database numbers it, the browser is sent to the saved row.
  const genre = `Plain ${Date.now()}`;
  await page.goto("/tables/chinook/genre/new");
  await field("Name").fill(genre);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(/\/tables\/chinook\/genre\/row\/\d+\?saved=1$/);
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(field("Name")).toHaveValue(genre);
  const id = await field("GenreId").inputValue();

  // Edited: the key stays, the change is kept.
  await field("Name").fill(`${genre} (edited)`);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(new RegExp(`/row/${id}\\?saved=1$`));
  const auth = { Authorization: `Bearer ${process.env.DEPOT_ADMIN_KEY}` };
  const stored = await (await request.get(`/db/chinook/genre/${id}`, { headers: auth })).json();
  expect(stored).toEqual({ GenreId: Number(id), Name: `${genre} (edited)` });

  // Someone else saves it meanwhile: the form's post is refused in words, nothing overwritten.
  await page.reload();
  const theirs = await request.patch(`/db/chinook/genre/${id}`, { headers: auth, data: { Name: "Theirs" } });
  expect(theirs.status()).toBe(200);
  await field("Name").fill("Mine");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("someone else changed this row after you opened it");
  const kept = await (await request.get(`/db/chinook/genre/${id}`, { headers: auth })).json();
  expect(kept.Name).toBe("Theirs");

  // Deleted, after the question in the page (a <details>: it opens without a script).
  await askingControl(page, "Delete…").click();
  const question = page.getByRole("alertdialog", { name: `Delete row ${id}? This cannot be undone.` });
  await question.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(/\/tables\/chinook\/genre$/);
  expect((await request.get(`/db/chinook/genre/${id}`, { headers: auth })).status()).toBe(404);

  // A refused value comes back to its field, in words.
  await page.goto("/tables/chinookpg/artist/new");
  await field("artist_id").fill("1");
  await field("name").fill("AC/DC again");
  await page.getByRole("button", { name: "Create" }).click();
  const refused = page.locator("label.field", { has: field("artist_id") });
  await expect(refused.locator(".field-error")).toContainText("already exists");
  await done();
});

test("hydrated, the notice goes and the forms answer in place", async ({ page }) => {
  await signInAsAdmin(page, "/users");
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Create key" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Create key" })).not.toHaveAttribute("title", /.+/);
  await expect(page.getByText("JavaScript is off")).toBeHidden();
});
