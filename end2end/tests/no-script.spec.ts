// Issue 17, point 2: every form works before hydration and without JavaScript (a post to the
// server function's own route, and back to the page), refusals included; the page says what
// the script adds.
import { expect, test, type Browser } from "@playwright/test";
import { askingControl } from "../support/ask";
import { hydrated } from "../support/hydrated";
import { adminKey, signInAsAdmin } from "../support/sign-in";
import { strToU8, zipSync } from "../support/zip";

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
  await expect(noScript).toContainText("JavaScript is off: every page and form works");

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

  // A key: its secret is handed to the page it comes back to, shown once.
  const createKey = page.getByRole("form", { name: "Create API key" });
  await createKey.getByLabel("Key name").fill("plain script");
  await createKey.getByRole("button", { name: "Create key" }).click();
  await expect(page).toHaveURL(/\/users\??$/);
  const secret = page.getByTestId("new-key-secret");
  await expect(secret).toHaveText(/^depot_/);
  const made = await request.get("/api/session", { headers: { Authorization: `Bearer ${await secret.textContent()}` } });
  expect((await made.json()).name).toBe("admin");
  await expect(page.getByRole("status").filter({ hasText: "New key “plain script” for admin." })).toBeVisible();
  // Copying it with one click needs the script: the button comes with it.
  await expect(page.getByRole("button", { name: "Copy" })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("new-key-secret")).toHaveCount(0);
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

test("without JavaScript, files and archives are uploaded, a version changed, a spec uploaded and re-run, a role set", async ({ browser, baseURL, request }) => {
  const { page, done } = await withoutScript(browser, baseURL);
  const auth = { Authorization: `Bearer ${adminKey()}` };
  const stamp = Date.now();

  // A file into a dot's working tree: the form sends it, the page comes back with it listed.
  const dot = `upload${stamp}`;
  expect((await request.post("/dots/admin", { headers: auth, data: { name: dot } })).status()).toBe(201);
  await page.goto(`/versioning/admin/${dot}`);
  const uploadFile = page.getByRole("form", { name: "Upload file" });
  await uploadFile.getByLabel(/^Path in the dot/).fill("data/plain.csv");
  await uploadFile.getByLabel("File", { exact: true }).setInputFiles({ name: "local.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") });
  await uploadFile.getByRole("button", { name: "Upload" }).click();
  await expect(page).toHaveURL(new RegExp(`/versioning/admin/${dot}\\??$`));
  await expect(page.locator("table.files")).toContainText("data/plain.csv");
  const stored = await request.get(`/dots/admin/${dot}/branches/master/files/data/plain.csv`, { headers: auth });
  expect(await stored.text()).toBe("a,b\n1,2\n");

  // Two versions of an archive, then an app moved from one to the other after the question,
  // which the page's address asks (`?change=…&to=…`).
  const artifact = `plain${stamp}`;
  const jar = (version: string) =>
    Buffer.from(zipSync({ "META-INF/MANIFEST.MF": strToU8("Manifest-Version: 1.0\r\n"), "Main.class": strToU8(version) }));
  await page.goto("/artifacts");
  for (const version of ["1.0.0", "1.1.0"]) {
    const form = page.getByRole("form", { name: "Upload artifact" });
    await form.getByLabel("Name", { exact: true }).fill(artifact);
    await form.getByLabel(/^Version/).fill(version);
    await form.getByLabel("Archive").setInputFiles({ name: `${artifact}.jar`, mimeType: "application/java-archive", buffer: jar(version) });
    await form.getByRole("button", { name: "Upload" }).click();
    await expect(page).toHaveURL(/\/artifacts\??$/);
  }
  await expect(page.locator("table.artifacts")).toContainText(`${artifact}`);
  await expect(page.locator("table.artifacts")).toContainText("1.1.0, 1.0.0");
  const app = `app${stamp}`;
  const deployed = await request.put(`/v3/namespaces/default/apps/${app}`, {
    headers: auth,
    data: { artifact: { name: artifact, version: "1.0.0" }, config: { table: "t" } },
  });
  expect(await deployed.text()).toBe("Deploy Complete");
  await page.goto(`/artifacts/default/${artifact}`);
  const card = page.getByRole("region", { name: `App ${app}` });
  await card.getByLabel("Move to version").selectOption("1.1.0");
  await card.getByRole("button", { name: "Change version…" }).click();
  await expect(page).toHaveURL(new RegExp(`\\?change=${app}&to=1\\.1\\.0$`));
  const question = card.getByRole("alertdialog");
  await expect(question).toContainText(`Upgrade ${app} from 1.0.0 to 1.1.0?`);
  await question.getByRole("button", { name: "Upgrade" }).click();
  await expect(page).toHaveURL(new RegExp(`/artifacts/default/${artifact}$`));
  await expect(card.locator(".app-version")).toHaveText("1.1.0");
  await expect(card.getByRole("alertdialog")).toHaveCount(0);

  // A spec typed into the page's form: the browser lands on its revision; Re-run makes the next.
  await page.goto("/specs");
  const spec = {
    meta: { ownerid: "admin", owner: "admin", dataset: `plain${stamp}`, version: 1, findability: "published" },
    inputs: [{ kind: "datapackage", url: "https://example.com/datapackage.json", parameters: {} }],
    outputs: [{ kind: "csv" }],
  };
  const uploadSpec = page.getByRole("form", { name: "Upload spec" });
  await uploadSpec.getByLabel("Spec (JSON)").fill(JSON.stringify(spec));
  await uploadSpec.getByRole("button", { name: "Upload" }).click();
  await expect(page).toHaveURL(new RegExp(`/specs/admin/plain${stamp}/1$`));
  await page.getByRole("button", { name: "Re-run" }).click();
  await expect(page).toHaveURL(new RegExp(`/specs/admin/plain${stamp}/2$`));
  // A refused spec comes back to the form, its problems named.
  await page.goto("/specs");
  await uploadSpec.getByLabel("Spec (JSON)").fill("{ not json");
  await uploadSpec.getByRole("button", { name: "Upload" }).click();
  await expect(uploadSpec.getByRole("alert")).toContainText("The spec is not valid JSON");

  // A role is set with the row's own button (hydrated, choosing the role sets it at once).
  const user = `role${stamp}`;
  expect((await request.post("/api/users", { headers: auth, data: { name: user, role: "reader" } })).status()).toBe(200);
  await page.goto("/users");
  const row = page.locator(`tr[data-user="${user}"]`);
  await row.getByLabel(`Role of ${user}`).selectOption("writer");
  await row.getByRole("button", { name: "Set role" }).click();
  await expect(page).toHaveURL(/\/users\??$/);
  await expect(page.locator(`tr[data-user="${user}"]`).getByLabel(`Role of ${user}`)).toHaveValue("writer");
  await done();
});

test("hydrated, the notice goes and the forms answer in place", async ({ page }) => {
  await signInAsAdmin(page, "/users");
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  // What only a page without its script needs is gone: choosing a role sets it.
  await expect(page.getByRole("button", { name: "Set role" })).toHaveCount(0);
  await expect(page.getByText("JavaScript is off")).toBeHidden();
});
