// Issue 17, point 11: an admin manages a user over their lifetime in the page — role, password,
// disabling, removing — and each change is in the audit log as before → after.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
import { newUser, password, signInAsAdmin, submitSignIn } from "../support/sign-in";
import { askingControl } from "../support/ask";

test("an admin changes a role, disables, enables and removes a user", async ({ page, request, browser }) => {
  const name = await newUser(request, "life", "writer");
  await signInAsAdmin(page, "/users");
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  const row = page.locator(`tr[data-user="${name}"]`);

  // A role is a select in the row; the log says from what to what.
  await row.getByLabel(`Role of ${name}`).selectOption("reader");
  await expect(row.getByLabel(`Role of ${name}`)).toHaveValue("reader");
  await page.goto(`/audit?object=user/${name}`);
  await expect(page.locator("table.audit")).toContainText("role: writer → reader");

  // Disabled, the user cannot sign in, and the form says why.
  await page.goto("/users");
  await hydrated(page);
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("disabled since");
  const theirs = await browser.newPage();
  await theirs.goto(new URL("/login", page.url()).href);
  await submitSignIn(theirs, name, password);
  await expect(theirs.getByRole("alert")).toHaveText(`user ${name} is disabled.`);
  await row.getByRole("button", { name: "Enable" }).click();
  await expect(row).toContainText("active");
  await submitSignIn(theirs, name, password);
  await expect(theirs).toHaveURL(/\/$/);

  // A new password, set from the row.
  await row.getByText("Set password…").click();
  await row.getByLabel(`New password for ${name}`).fill("a-brand-new-one");
  await row.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password set" })).toBeVisible();

  // Removing asks in the page: the question takes the focus, Escape puts it away and gives
  // the focus back.
  await hydrated(page); // the question takes the focus once hydrated
  await askingControl(row, "Remove…").click();
  const confirmRemove = row.getByRole("alertdialog").getByRole("button", { name: "Remove", exact: true });
  await expect(confirmRemove).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(row.getByRole("alertdialog")).toHaveCount(0);
  await expect(askingControl(row, "Remove…")).toBeFocused();
  await askingControl(row, "Remove…").click();
  await confirmRemove.click();
  await expect(row).toHaveCount(0);
});

test("the admin's own row offers no way to lock themselves out", async ({ page }) => {
  await signInAsAdmin(page, "/users");
  const own = page.locator('tr[data-user="admin"]');
  await expect(own).toBeVisible();
  await expect(own.getByRole("button", { name: "Disable" })).toHaveCount(0);
  await expect(askingControl(own, "Remove…")).toHaveCount(0);
});

test("a writer sets their own password and sees no one else", async ({ page, request }) => {
  const name = await newUser(request, "self", "writer");
  await page.goto("/login?next=/users");
  await submitSignIn(page, name, password);
  await expect(page).toHaveURL(/\/users$/);
  await hydrated(page);
  const rows = page.locator("table.users tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(name);
  await expect(page.getByLabel(`Role of ${name}`)).toHaveCount(0);
  await rows.first().getByText("Set password…").click();
  await rows.first().getByLabel(`New password for ${name}`).fill("my-own-new-one");
  await rows.first().getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password set" })).toBeVisible();
});
