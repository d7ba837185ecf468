// Issue: upload a spec through the UI (its validation errors shown), then drive two pipeline
// events over HTTP and watch the revision's pipeline board follow them.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { adminKey, signInAsAdmin } from "../support/sign-in";

const spec = (dataset: string, extra: object = {}) =>
  JSON.stringify(
    {
      meta: { ownerid: "admin", owner: "admin", dataset, version: 1, findability: "published" },
      inputs: [{ kind: "datapackage", url: "https://example.com/datapackage.json", parameters: {} }],
      outputs: [{ kind: "csv" }, { kind: "json" }, { kind: "zip" }],
      ...extra,
    },
    null,
    2,
  );

test("a spec uploaded in the browser shows its pipelines, which follow the runner's events", async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.getByRole("link", { name: "Specs", exact: true }).click();
  await expect(page).toHaveURL(/\/specs$/);

  const form = page.getByRole("form", { name: "Upload spec" });
  await hydrated(page); // refusals and the new revision shown in place
  // A bad spec: each problem is named.
  await form.getByLabel("Spec (JSON)").fill(spec("has spaces", { schedule: "daily" }));
  await form.getByRole("button", { name: "Upload" }).click();
  const problems = form.getByRole("alert");
  await expect(problems).toContainText("meta.dataset:");
  await expect(problems).toContainText("Schedule should start with 'every'");
  await form.getByLabel("Spec (JSON)").fill("{ not json");
  await form.getByRole("button", { name: "Upload" }).click();
  await expect(problems).toContainText("The spec is not valid JSON");

  // A spec file from disk lands in the text box first.
  await form.getByLabel("Spec file").setInputFiles({ name: "weather.json", mimeType: "application/json", buffer: Buffer.from(spec("weather")) });
  await expect(form.getByLabel("Spec (JSON)")).toHaveValue(spec("weather"));
  await form.getByRole("button", { name: "Upload" }).click();
  await expect(form.getByRole("status")).toHaveText("Created revision admin/weather/1");
  await expect(page.locator("table.owners")).toContainText("admin");
  await form.getByRole("link", { name: "admin/weather/1" }).click();
  await expect(page).toHaveURL(/\/specs\/admin\/weather\/1$/);

  const board = page.getByRole("list", { name: "Pipelines" });
  const card = (title: string) => board.getByRole("listitem", { name: title });
  await expect(board.getByRole("listitem")).toHaveCount(5);
  await expect(card("Copying source data").locator(".state")).toHaveText("QUEUED");
  await expect(card("Creating ZIP")).toContainText("after admin/weather:csv, admin/weather:json");
  await expect(page.locator(".revision-state .state")).toHaveText("QUEUED");

  // The runner reports over HTTP; the open page follows without a reload.
  const update = (body: object) =>
    request.post("/source/update", { headers: { Authorization: `Bearer ${adminKey()}` }, data: body });
  const started = await update({ pipeline_id: "admin/weather:source", event: "start", log: ["fetching"] });
  expect(await started.json()).toMatchObject({ success: true, status: "running", id: "admin/weather/1" });
  await expect(card("Copying source data").locator(".state")).toHaveText("INPROGRESS");
  await expect(card("Copying source data").locator("summary")).toHaveText("Log, 1 line");
  await expect(page.locator(".revision-state .state")).toHaveText("INPROGRESS");

  const failed = await update({ pipeline_id: "admin/weather:source", event: "finish", success: false, errors: ["source unreachable"] });
  expect(await failed.json()).toMatchObject({ success: true, status: "failed" });
  await expect(card("Copying source data").locator(".state")).toHaveText("FAILED");
  await expect(card("Copying source data")).toContainText("source unreachable");
  await expect(card("Creating CSV").locator(".state")).toHaveText("FAILED");
  await expect(card("Creating CSV")).toContainText('Dependency unsuccessful. Cannot run until dependency "admin/weather:source" is successfully executed');
  await expect(page.locator(".revision-state .state")).toHaveText("FAILED");

  // Re-run makes the next revision; the dataset lists both with their states.
  await hydrated(page);
  await page.getByRole("button", { name: "Re-run" }).click();
  await expect(page.getByRole("status")).toContainText("Started admin/weather/2");
  await page.getByRole("link", { name: "weather", exact: true }).click();
  await expect(page).toHaveURL(/\/specs\/admin\/weather$/);
  const revisions = page.locator("table.revisions tbody tr");
  await expect(revisions).toHaveCount(2);
  await expect(revisions.nth(0)).toContainText("QUEUED");
  await expect(revisions.nth(0)).toContainText("rerun");
  await expect(revisions.nth(1)).toContainText("FAILED");
  // The older one is marked superseded, here and on its own page, which links to the newest.
  await expect(revisions.nth(0)).not.toContainText("superseded");
  await expect(revisions.nth(1)).toContainText("FAILED superseded");
  await revisions.nth(1).getByRole("link").click();
  await expect(page.locator("p.notice")).toHaveText("Superseded: the newest revision of this dataset is 2.");
  await page.locator("p.notice").getByRole("link", { name: "2" }).click();
  await expect(page).toHaveURL(/\/specs\/admin\/weather\/2$/);
});
