// Issue: browse Chinook, sort, filter, edit a row and see the change — on SQLite and on
// PostgreSQL — and see an edit that lost a race shown beside theirs instead of silently
// overwriting either.
import { expect, test, type Page } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { adminKey, signInAsAdmin } from "../support/sign-in";

const chinooks = [
  { db: "chinook", artist: "Artist", name: "Name", key: "ArtistId" },
  { db: "chinookpg", artist: "artist", name: "name", key: "artist_id" },
];

async function signIn(page: Page) {
  await signInAsAdmin(page);
  await expect(page).toHaveURL(/\/$/);
}

for (const c of chinooks) {
  test(`browse, sort, filter and edit ${c.db}`, async ({ page }) => {
    await signIn(page);
    await page.getByRole("link", { name: "Tables", exact: true }).click();
    await page.locator(".card", { hasText: c.db }).getByRole("link", { name: c.artist, exact: true }).first().click();
    await expect(page).toHaveURL(new RegExp(`/tables/${c.db}/artist$`));
    await expect(page.locator(".pager")).toContainText("275 rows");

    // Sort by name, then the other way round: the state is in the URL.
    await page.getByRole("link", { name: c.name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`sort=${c.name}`));
    await page.getByRole("link", { name: `${c.name} ▲` }).click();
    await expect(page).toHaveURL(new RegExp(`sort=-${c.name}`));
    await expect(page.locator("table.rows tbody tr").first()).toContainText("Zeca Pagodinho");

    // Search every column at once.
    await page.getByLabel("Search every column").fill("zeppelin");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page.locator("table.rows tbody tr")).toHaveCount(2);
    await page.getByLabel("Search every column").fill("");

    // Filter with an operator.
    await page.getByLabel(`${c.name} operator`).selectOption("like");
    await page.getByLabel(`Filter ${c.name}`).fill("Led Zep%");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page.locator("table.rows tbody tr")).toHaveCount(1);
    await expect(page.locator(".pager")).toContainText("· 1 row");

    // Edit the row through its form.
    await page.locator("table.rows tbody tr").first().locator("a.row-link").click();
    await expect(page.getByRole("heading", { name: /Artist 22/i })).toBeVisible();
    const nameInput = page.locator(`input[name="values[${c.name}]"]`);
    await expect(nameInput).toHaveValue("Led Zeppelin");
    await nameInput.fill("Led Zeppelin (remastered)");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/saved=1/);
    await expect(page.locator(`input[name="values[${c.name}]"]`)).toHaveValue("Led Zeppelin (remastered)");

    // The list shows the change.
    await page.goto(`/tables/${c.db}/artist?${c.name}=%25remastered%25&${c.name}.op=like`);
    await expect(page.locator("table.rows tbody")).toContainText("Led Zeppelin (remastered)");
  });

  test(`an edit that lost a race on ${c.db} is explained`, async ({ page, request }) => {
    await signIn(page);
    await page.goto(`/tables/${c.db}/artist/row/50`);
    const nameInput = page.locator(`input[name="values[${c.name}]"]`);
    await expect(nameInput).toHaveValue("Metallica");
    // Side by side needs the script (a plain form's post is told in words: no-script.spec.ts).
    await hydrated(page);

    // Someone else saves first, through the REST API.
    const theirs = await request.patch(`/db/${c.db}/artist/50`, {
      headers: { Authorization: `Bearer ${adminKey()}` },
      data: { [c.name]: "Metallica (theirs)" },
    });
    expect(theirs.status()).toBe(200);

    await nameInput.fill("Metallica (mine)");
    await page.getByRole("button", { name: "Save" }).click();
    // Nothing is overwritten: their value is shown beside mine, field by field.
    const conflict = page.locator(".lost-update");
    await expect(conflict).toContainText("Someone else saved this row after you opened it.");
    await expect(conflict.locator("tbody tr")).toHaveText([`${c.name}MetallicaMetallica (theirs)Metallica (mine)`]);
    const auth = { Authorization: `Bearer ${adminKey()}` };
    const now = await request.get(`/db/${c.db}/artist/50`, { headers: auth });
    expect((await now.json())[c.name]).toBe("Metallica (theirs)");

    // Keeping mine sends it again over theirs, on purpose, with the row's new ETag.
    await conflict.getByRole("button", { name: "Save mine over theirs" }).click();
    await expect(page).toHaveURL(/saved=1/);
    const after = await request.get(`/db/${c.db}/artist/50`, { headers: auth });
    expect((await after.json())[c.name]).toBe("Metallica (mine)");
  });
}

test("a refused value is shown at its field", async ({ page }) => {
  await signIn(page);
  await page.goto("/tables/chinookpg/artist/new");
  await page.locator('input[name="values[artist_id]"]').fill("1");
  await page.locator('input[name="values[name]"]').fill("AC/DC again");
  await hydrated(page);
  await page.getByRole("button", { name: "Create" }).click();
  const field = page.locator("label.field", { has: page.locator('input[name="values[artist_id]"]') });
  await expect(field.locator(".field-error")).toContainText("already exists");
});

test("numbers line up grouped, filters come first, and the header stays in view", async ({ page }) => {
  await signIn(page);
  await page.goto("/tables/chinook/track");
  const milliseconds = page.locator("table.rows tbody tr").first().locator("td.number", { hasText: "343,719" });
  await expect(milliseconds).toHaveAttribute("title", "343719");
  await expect(milliseconds).toHaveCSS("text-align", "right");

  const apply = await page.getByRole("button", { name: "Apply filters" }).boundingBox();
  const firstRow = await page.locator("table.rows tbody tr").first().boundingBox();
  expect(apply!.y).toBeLessThan(firstRow!.y);

  // Scrolled down inside its box, the rows keep their header at the top.
  const rows = page.getByRole("region", { name: "Rows" });
  await rows.evaluate((box) => box.scrollTo(0, 400));
  const [box, header] = [await rows.boundingBox(), await page.locator("table.rows thead").boundingBox()];
  expect(Math.abs(header!.y - box!.y)).toBeLessThan(2);
});

test("a foreign key reads as the row it points at while it is typed", async ({ page }) => {
  await signIn(page);
  await page.goto("/tables/chinook/track/row/1");
  const album = page.locator('input[name="values[AlbumId]"]');
  await expect(album).toHaveValue("1");
  const pointsAt = page.locator("#points-at-AlbumId");
  await expect(pointsAt).toHaveText("→ For Those About To Rock We Salute You");
  // It follows what is typed once the page is live.
  await hydrated(page);
  await album.fill("2");
  await expect(pointsAt).toHaveText("→ Balls to the Wall");

  // Beyond the first rows the form brings, a label typed is searched for: the matches join
  // the field's choices, and the key picked reads as its row.
  const rotten = page.locator('#choices-AlbumId option[value="202"]');
  await expect(page.locator("#choices-AlbumId option").first()).toBeAttached();
  await expect(rotten).toHaveCount(0);
  await album.fill("Rotten Apples");
  await expect(rotten).toHaveAttribute("label", "Rotten Apples: Greatest Hits (202)");
  await album.fill("202");
  await expect(pointsAt).toHaveText("→ Rotten Apples: Greatest Hits");
});

test("until the page is hydrated, a link is the browser's to follow, not the router's", async ({ page }) => {
  await signIn(page);
  // The page's WebAssembly never arrives: the page stays as the server rendered it. (The
  // moment this guards is shorter — the router live, the page not hydrated yet — and a click
  // then changed the address but kept the old view; it cannot be held open from a test.)
  await page.route("**/pkg/depot.wasm", () => {});
  await page.goto("/tables/chinook/track?hide=Composer");
  await expect(page.locator("#awaiting-script")).toHaveCount(1);
  // Where the router listens: on window, as a click bubbles up.
  await page.evaluate(() => window.addEventListener("click", (event) => {
    if ((event.target as Element).closest("a[href]")) sessionStorage.setItem("router saw a link", "yes");
  }));
  const header = page.locator("table.rows thead tr").first();
  await expect(header).not.toContainText("Composer");
  await page.getByText(/Columns · 8 of 9 shown/).click();
  await page.getByRole("link", { name: "Show all" }).click();
  // The browser followed the link: a page load, rendered with every column.
  await expect(page).not.toHaveURL(/hide=/);
  await expect(header).toContainText("Composer");
  expect(await page.evaluate(() => sessionStorage.getItem("router saw a link"))).toBeNull();
});

test("columns are hidden and shown again from the URL, filters on a hidden column still apply", async ({ page }) => {
  await signIn(page);
  await page.goto("/tables/chinook/track?Composer=AC%2FDC");
  await hydrated(page);
  await expect(page.locator(".pager")).toContainText("8 rows");
  const header = page.locator("table.rows thead tr").first();
  await expect(header).toContainText("Composer");

  await page.getByText(/Columns · 9 of 9 shown/).click();
  await page.getByRole("link", { name: "Hide column Composer" }).click();
  await expect(page).toHaveURL(/hide=Composer/);
  await expect(header).not.toContainText("Composer");
  // Still open after the toggle, so another can follow.
  await page.getByRole("link", { name: "Hide column Bytes" }).click();
  await expect(page).toHaveURL(/hide=Composer%2CBytes/);
  await expect(page.getByText(/Columns · 7 of 9 shown/)).toBeVisible();
  await expect(header).not.toContainText("Bytes");
  // The key column is the row's link: it always shows.
  await expect(page.getByRole("link", { name: "Hide column TrackId" })).toHaveCount(0);

  // Applying filters keeps both the hidden columns and the filter on one of them.
  await page.getByLabel("Filter Name").fill("Overdose");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/hide=Composer%2CBytes/);
  await expect(page).toHaveURL(/Composer=AC%2FDC/);
  await expect(page.locator(".pager")).toContainText("1 row");

  // A link keeps the view: a fresh load of the same address hides the same columns.
  await page.goto(page.url().replace(/#.*/, ""));
  await hydrated(page);
  await expect(header).not.toContainText("Composer");
  await page.getByText(/Columns · 7 of 9 shown/).click();
  await page.getByRole("link", { name: "Show all" }).click();
  await expect(page).not.toHaveURL(/hide=/);
  await expect(header).toContainText("Composer");
});
