// A reader sees what they may read and no control they may not use: the page asks the same
// rule the server applies (Role::includes), so nothing offered can only be refused.
import { expect, test, type Page } from "@playwright/test";
import { askingControl } from "../support/ask";
import { newUser, password, signInAsAdmin, submitSignIn } from "../support/sign-in";

/** Each page with the write controls the admin sees on it and a reader must not. */
const pages: [string, { role: "form" | "link" | "button" | "summary"; name: string }[]][] = [
  ["/entities", [{ role: "form", name: "Create entity" }]],
  ["/versioning", [{ role: "form", name: "Create dot" }]],
  ["/tables/chinook/track", [{ role: "link", name: "New row" }]],
  ["/tables/chinook/track/row/1", [{ role: "button", name: "Save" }, { role: "summary", name: "Delete…" }]],
  ["/users", [{ role: "form", name: "Create user" }]],
];

const found = (page: Page, control: (typeof pages)[number][1][number]) =>
  control.role === "summary" ? askingControl(page, control.name) : page.getByRole(control.role, { name: control.name, exact: true });

test("the admin sees the write controls", async ({ page }) => {
  await signInAsAdmin(page, "/");
  for (const [path, controls] of pages) {
    await page.goto(path);
    for (const control of controls) {
      await expect(found(page, control), path).toBeVisible();
    }
  }
});

test("a reader sees none of them, and still reads every page", async ({ page, request }) => {
  const reader = await newUser(request, "reads", "reader");
  await page.goto("/login");
  await submitSignIn(page, reader, password);
  await expect(page).toHaveURL(/\/$/);
  for (const [path, controls] of pages) {
    await page.goto(path);
    await expect(page.locator("h1").first(), path).toBeVisible();
    for (const control of controls) {
      await expect(found(page, control), path).toHaveCount(0);
    }
  }
  // What a reader may do is still there: making an API key of their own.
  await page.goto("/users");
  await expect(page.getByRole("form", { name: "Create API key" })).toBeVisible();
});
