// Issue: create a dot, upload a file, commit, branch, change the file, and see the diff — all
// in the browser.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { adminKey, signInAsAdmin } from "../support/sign-in";
import { askingControl } from "../support/ask";

/** Sends the CSV `name` with `text` through the page's upload form, once it is ready; the form. */
async function uploadCsv(page: Page, name: string, text: string): Promise<Locator> {
  const form = page.getByRole("form", { name: "Upload file" });
  await form.getByLabel("File", { exact: true }).setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
  await hydrated(page); // the upload with its progress, answered in place
  await form.getByRole("button", { name: "Upload" }).click();
  return form;
}

test("a dot is versioned in the browser: upload, commit, branch, change, diff", async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.getByRole("link", { name: "Versioning", exact: true }).click();
  await expect(page).toHaveURL(/\/versioning$/);

  const create = page.getByRole("form", { name: "Create dot" });
  await create.getByLabel("Name", { exact: true }).fill("e2e-dot");
  await hydrated(page);
  await create.getByRole("button", { name: "Create dot" }).click();
  await expect(page).toHaveURL(/\/versioning\/admin\/e2e-dot$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("admin/e2e-dot");

  // Upload a file into master's working tree; it shows as changed until committed.
  await uploadCsv(page, "readings.csv", "sensor,value\na,1\n");
  const files = page.locator("table.files");
  await expect(files).toContainText("readings.csv");
  await expect(files).toContainText("changed");

  const commit = page.getByRole("form", { name: "Commit" });
  await commit.getByLabel("Message").fill("first readings");
  await commit.getByLabel("Metadata, one name=value per line").fill("source=e2e");
  await commit.getByRole("button", { name: "Commit" }).click();
  const graph = page.getByRole("group", { name: "Commit graph" });
  await expect(graph).toContainText("first readings");
  await expect(files).not.toContainText("changed");

  // Select the commit in the graph and start a branch there.
  await graph.getByRole("link", { name: /first readings/ }).click();
  await expect(page).toHaveURL(/at=/);
  await expect(page.getByRole("heading", { name: /Files at commit/ })).toBeVisible();
  // The commit itself: its message, author, time and metadata, and what it changed.
  const detail = page.getByRole("region", { name: /^Commit [0-9a-f]{8}$/ });
  await expect(detail.locator("dl")).toContainText("Messagefirst readings");
  await expect(detail.locator("dl")).toContainText("Authoradmin");
  await expect(detail.locator("dl")).toContainText("sourcee2e");
  await expect(detail.locator("dl time")).toHaveAttribute("datetime", /^20\d\d-\d\d-\d\dT/);
  await expect(detail.locator("table.diff")).toContainText("addedreadings.csv");
  const branch = page.getByRole("form", { name: "Branch from this commit" });
  await branch.getByLabel("New branch").fill("fix");
  await hydrated(page);
  await branch.getByRole("button", { name: "Create branch" }).click();
  await expect(page).toHaveURL(/branch=fix/);
  await expect(page.getByRole("heading", { name: "Working tree of fix" })).toBeVisible();

  // Change the file on the branch: the diff against the head shows it modified.
  await uploadCsv(page, "readings.csv", "sensor,value\na,1\nb,2\n");
  await expect(files).toContainText("changed");
  const diff = page.locator("table.diff");
  await expect(diff).toContainText("modified");
  await expect(diff).toContainText("readings.csv");
  await diff.getByRole("link", { name: "readings.csv" }).click();
  const lines = page.getByLabel("Line diff of readings.csv");
  await expect(lines.locator(".added")).toHaveText("+ b,2");
  await expect(lines.locator(".kept").first()).toHaveText("  sensor,value");

  // Master is untouched, and the REST face agrees with the page.
  const auth = { Authorization: `Bearer ${adminKey()}` };
  const onMaster = await request.get("/dots/admin/e2e-dot/branches/master/files/readings.csv", { headers: auth });
  expect(await onMaster.text()).toBe("sensor,value\na,1\n");
  const log = await request.get("/dots/admin/e2e-dot/branches/master/commits", { headers: auth });
  expect((await log.json())[0].Metadata.source).toBe("e2e");

  // A second commit on master, then master rolled back to the first, asked in the page.
  await page.goto("/versioning/admin/e2e-dot?branch=master");
  await uploadCsv(page, "more.csv", "sensor,value\nc,3\n");
  await expect(files).toContainText("more.csv");
  const commitMore = page.getByRole("form", { name: "Commit" });
  await commitMore.getByLabel("Message").fill("second readings");
  await commitMore.getByRole("button", { name: "Commit" }).click();
  await expect(graph).toContainText("second readings");
  await graph.getByRole("link", { name: /first readings/ }).click();
  await hydrated(page); // the question takes the focus once hydrated
  await askingControl(page, "Roll master back to this commit…").click();
  const rollBack = page.getByRole("alertdialog").getByRole("button", { name: "Roll back" });
  await expect(rollBack).toBeFocused();
  await rollBack.click();
  // The graph keeps the commit, marked as no longer on the branch.
  await expect(graph).toContainText("second readings — admin on master (rolled back)");
});

test("an upload that fails says so and can be tried again", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/versioning");
  await hydrated(page);
  const create = page.getByRole("form", { name: "Create dot" });
  await create.getByLabel("Name", { exact: true }).fill("e2e-failing-upload");
  await create.getByRole("button", { name: "Create dot" }).click();
  await expect(page).toHaveURL(/\/versioning\/admin\/e2e-failing-upload$/);

  // The connection breaks while the file is sent.
  const filePath = "**/dots/admin/e2e-failing-upload/branches/master/files/**";
  await page.route(filePath, (route) => route.abort("connectionreset"));
  const upload = await uploadCsv(page, "broken.csv", "a,b\n1,2\n");
  await expect(upload.getByRole("alert")).toContainText("interrupted");
  await expect(upload.getByRole("button", { name: "Upload" })).toBeEnabled();

  // Once the connection works again, the same form sends the file.
  await page.unroute(filePath);
  await upload.getByRole("button", { name: "Upload" }).click();
  await expect(page.locator("table.files")).toContainText("broken.csv");
});
