// Issue: upload an artifact through the UI, then upgrade an app to it and roll it back.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { adminKey, signInAsAdmin } from "../support/sign-in";
import { strToU8, zipSync } from "../support/zip";

/// A jar whose manifest names no version (the form gives it), with Depot's descriptor of the
/// app class and its config schema: `table` always, `retries` from 1.0.1 on.
const jar = (version: string) => {
  const properties: Record<string, object> = { table: { type: "string" } };
  if (version !== "1.0.0") properties.retries = { type: "integer" };
  const descriptor = { apps: [{ className: "shop.Checkout", configSchema: { type: "object", required: ["table"], properties } }] };
  return Buffer.from(
    zipSync({
      "META-INF/MANIFEST.MF": strToU8("Manifest-Version: 1.0\r\n"),
      "META-INF/depot/artifact.json": strToU8(JSON.stringify(descriptor)),
      "Main.class": strToU8(version),
    }),
  );
};

test("an artifact is uploaded in the browser and an app is upgraded and rolled back", async ({ page, request }) => {
  await signInAsAdmin(page);
  await page.getByRole("link", { name: "Artifacts", exact: true }).click();
  await expect(page).toHaveURL(/\/artifacts$/);

  const upload = async (version: string) => {
    const form = page.getByRole("form", { name: "Upload artifact" });
    await form.getByLabel("Name", { exact: true }).fill("shop");
    await form.getByLabel(/^Version/).fill(version);
    await form.getByLabel("Archive").setInputFiles({ name: `shop-${version}.jar`, mimeType: "application/java-archive", buffer: jar(version) });
    await hydrated(page); // the upload with its progress, answered in place
    await form.getByRole("button", { name: "Upload" }).click();
    await expect(form.getByRole("status")).toHaveText(`Added shop ${version}`);
  };
  await upload("1.0.0");
  await expect(page.locator("table.artifacts")).toContainText("shop");

  // An app from 1.0.0, made the CDAP way; then 1.0.1 arrives.
  const auth = { Authorization: `Bearer ${adminKey()}` };
  const deployed = await request.put("/v3/namespaces/default/apps/checkout", {
    headers: auth,
    data: { artifact: { name: "shop", version: "1.0.0" }, config: { table: "orders" } },
  });
  expect(await deployed.text()).toBe("Deploy Complete");
  await upload("1.0.1");
  await expect(page.locator("table.artifacts")).toContainText("1.0.1, 1.0.0");

  await page.getByRole("link", { name: "shop" }).first().click();
  await expect(page).toHaveURL(/\/artifacts\/default\/shop$/);
  const card = page.getByRole("region", { name: "App checkout" });
  await expect(card.locator(".app-version")).toHaveText("1.0.0");

  // Upgrade, confirmed.
  await card.getByLabel("Move to version").selectOption("1.0.1");
  await hydrated(page); // the question asked in place
  await card.getByRole("button", { name: "Change version…" }).click();
  const question = card.getByRole("alertdialog");
  await expect(question).toContainText("Upgrade checkout from 1.0.0 to 1.0.1?");
  await expect(question).toContainText("The config stays as it is.");
  await expect(question).toContainText("The plugins stay the same.");
  await expect(question).toContainText("Config fields added: retries (integer).");
  // The question takes the focus: Enter would confirm.
  await expect(question.getByRole("button", { name: "Upgrade" })).toBeFocused();
  await question.getByRole("button", { name: "Upgrade" }).click();
  await expect(card.locator(".app-version")).toHaveText("1.0.1");

  // The config changes on 1.0.1; rolling back restores the config it had on 1.0.0.
  const changed = await request.put("/v3/namespaces/default/apps/checkout/properties", {
    headers: auth,
    data: { config: { table: "orders_v2" } },
  });
  expect(await changed.text()).toBe("Update complete.");
  await page.reload();
  await card.getByLabel("Move to version").selectOption("1.0.0");
  await card.getByRole("button", { name: "Change version…" }).click();
  const dialog = card.getByRole("alertdialog");
  await expect(dialog).toContainText("Roll back checkout from 1.0.1 to 1.0.0?");
  await expect(dialog).toContainText("Config fields removed: retries.");
  await expect(dialog.locator("table.config-diff")).toContainText('"orders_v2"');
  await expect(dialog.locator("table.config-diff")).toContainText('"orders"');
  await dialog.getByRole("button", { name: "Roll back" }).click();
  await expect(card.locator(".app-version")).toHaveText("1.0.0");
  await expect(card.getByRole("list", { name: "History of checkout" })).toContainText("rollback to 1.0.0");

  const detail = await (await request.get("/v3/namespaces/default/apps/checkout", { headers: auth })).json();
  expect(detail.artifact.version).toBe("1.0.0");
  expect(detail.config.table).toBe("orders");
  expect(detail.history.map((h: { action: string }) => h.action)).toEqual(["deploy", "upgrade", "update", "rollback"]);

  // A version has a page of its own, and its archive a download button of its own.
  await page.getByRole("link", { name: "1.0.1", exact: true }).click();
  await expect(page).toHaveURL(/\/artifacts\/default\/shop\/1\.0\.1$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("shop 1.0.1");
  await expect(page.locator("dl.facts")).toContainText("SHA-256");
  await expect(page.getByRole("link", { name: /^Download shop 1\.0\.1/ })).toBeVisible();
  await expect(page.locator("ol.history")).toContainText("checkout: upgrade to 1.0.1");
  await expect(page.getByText("No app runs this version.")).toBeVisible();
  const missing = await page.goto("/artifacts/default/shop/9.9.9");
  expect(missing?.status()).toBe(404);
  await expect(page.getByText("no version 9.9.9 of this artifact")).toBeVisible();

  // An app has a page of its own too, reached from the namespace's list of apps.
  await page.goto("/artifacts");
  await page.locator("table.apps").getByRole("link", { name: "checkout" }).click();
  await expect(page).toHaveURL(/\/artifacts\/default\/shop\/apps\/checkout$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("App checkout");
  const facts = page.locator("dl.facts");
  await expect(facts).toContainText("Runs");
  await facts.getByRole("link", { name: "1.0.0", exact: true }).waitFor();
  await expect(page.getByRole("list", { name: "History of checkout" }).locator("li")).toHaveCount(4);
  await expect(page.getByRole("region", { name: "App checkout" }).getByLabel("Move to version")).toBeVisible();
  const noApp = await page.goto("/artifacts/default/shop/apps/nothing");
  expect(noApp?.status()).toBe(404);
  await expect(page.getByText("no app nothing on this artifact")).toBeVisible();
});
