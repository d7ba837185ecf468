// Issue: log in through the form, create an API key, see it listed, call /api/… with it,
// revoke it, see the call refused, log out.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { newUser, password, signInAsAdmin, submitSignIn } from "../support/sign-in";
import { askingControl } from "../support/ask";

test("a user signs in, makes a key, uses it, revokes it and signs out", async ({ page, request }) => {
  const name = await newUser(request, "e2e", "writer");

  // Signed out, the admin shell sends us to the login form.
  await page.goto("/users");
  await expect(page).toHaveURL(/\/login\?next=\/users$/);

  await submitSignIn(page, name, "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("Wrong user name or password.");
  // The name typed is kept; the password is what to type again.
  await expect(page.getByLabel("User")).toHaveValue(name);

  await submitSignIn(page, name, password);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole("heading", { name: "Users & keys" })).toBeVisible();
  await expect(page.locator(".whoami .user-name")).toHaveText(name);

  // Create a key: it is shown once, with a button that copies it, and listed as never used.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await hydrated(page); // made in place, with a button that copies it
  await page.getByLabel("Key name").fill("e2e script");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("new-key-secret").textContent())!.trim();
  expect(secret).toMatch(/^depot_[0-9a-f]{40}$/);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByText("Copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  const row = page.locator("table.keys tr", { hasText: "e2e script" });
  await expect(row).toContainText("active");
  await expect(row.locator("td").nth(4)).toHaveText("never");
  await expect(row).toContainText(secret.slice(0, 12));
  await expect(row).not.toContainText(secret);

  // The key works from a script.
  const whoami = await request.get("/api/session", { headers: { Authorization: `Bearer ${secret}` } });
  expect(whoami.status()).toBe(200);
  expect(await whoami.json()).toEqual({ name, role: "writer", local: false });

  // The list says it has been used now.
  await page.reload();
  await expect(row.locator("td").nth(4)).not.toHaveText("never");

  // Revoke it, confirming in the page: the same call is now refused.
  await hydrated(page); // the question takes the focus once hydrated
  await askingControl(row, "Revoke…").click();
  const confirmRevoke = row.getByRole("alertdialog").getByRole("button", { name: "Revoke", exact: true });
  await expect(confirmRevoke).toBeFocused();
  await confirmRevoke.click();
  await expect(row).toContainText("revoked");
  const refused = await request.get("/api/session", { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toEqual({ status: 401, error: "this API key has been revoked" });

  // The audit page shows what happened, filtered through the URL.
  await page.goto(`/audit?user=${name}`);
  await expect(page.locator("table.audit")).toContainText("revoke");
  await expect(page.locator("table.audit")).toContainText("login");

  // Log out: back at the form, and the shell is closed again.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/users");
  await expect(page).toHaveURL(/\/login\?next=\/users$/);
});

test("an admin creates a user in the browser and sees a clear error for a duplicate", async ({ page }) => {
  await signInAsAdmin(page);
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole("link", { name: "Users & keys" }).click();
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);

  const name = `ui${Date.now()}`;
  const form = page.getByRole("form", { name: "Create user" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Role").selectOption("writer");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator("table.data").first()).toContainText(name);

  await form.getByLabel("Name").fill(name);
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("alert")).toContainText(`a user named "${name}" already exists`);
});

test.describe("without JavaScript", () => {
  // What a click before hydration meets: the server-rendered page alone.
  test.use({ javaScriptEnabled: false });

  test("signing in and filtering the audit log work", async ({ page, request }) => {
    const name = await newUser(request, "nojs", "reader");

    await page.goto("/login?next=/audit");
    await submitSignIn(page, name, "not-the-password");
    await expect(page.getByRole("alert")).toHaveText("Wrong user name or password.");
    await expect(page.getByLabel("User")).toHaveValue(name);

    // The failed attempt kept where we were going.
    await submitSignIn(page, name, password);
    await expect(page).toHaveURL(/\/audit$/);

    // A filter from the URL is in the form, so adding another keeps it.
    await page.goto(`/audit?user=${name}`);
    const filters = page.getByRole("form", { name: "Filter audit log" });
    await expect(filters.locator('input[name="user"]')).toHaveValue(name);
    await filters.getByLabel("Surface").selectOption("auth");
    await filters.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(new RegExp(`user=${name}&surface=auth`));
    await expect(page.locator("table.audit")).toContainText("login");
  });
});
