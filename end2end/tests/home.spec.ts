// Issue 17, point 13: the home page says what each surface holds, what happened last, and
// whether the parts Depot stands on answer.
import { expect, test } from "@playwright/test";
import { signInAsAdmin } from "../support/sign-in";

test("the home page counts each surface, lists recent activity and shows the health", async ({ page }) => {
  await signInAsAdmin(page);
  await expect(page).toHaveURL(/\/$/);
  const card = (title: string) => page.locator(".cards a.card", { hasText: title });
  await expect(card("Tables").locator(".holding")).toHaveText(/^\d+ tables? in \d+ databases?$/);
  await expect(card("Versioning").locator(".holding")).toHaveText(/^\d+ dots?$/);

  // Signing in was a write of its own: it heads the activity.
  const activity = page.getByRole("region", { name: "Recent activity" });
  await expect(activity.locator("li").first()).toContainText("admin login user/admin");
  await activity.getByRole("link", { name: "The whole audit log →" }).click();
  await expect(page).toHaveURL(/\/audit$/);

  await page.goBack();
  const health = page.getByRole("region", { name: "Health" }).locator("li");
  await expect(health).toHaveCount(3);
  await expect(health.nth(0)).toHaveText("OK Store: SQLite answers");
  await expect(health.nth(1)).toContainText("OK Blob store: folder answers");
  await expect(health.nth(2)).toHaveText("OK Pipeline dispatch: nothing waiting for the pipeline runner");
});

test.describe("in Berlin, in German", () => {
  test.use({ locale: "de-DE", timezoneId: "Europe/Berlin" });

  test("times read in the reader's language and zone, the stored instant on hover", async ({ page }) => {
    await signInAsAdmin(page);
    await expect(page).toHaveURL(/\/$/);
    const newest = page.getByRole("region", { name: "Recent activity" }).locator("li time").first();
    const stored = (await newest.getAttribute("title"))!;
    expect(stored).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await expect(newest).toHaveAttribute("datetime", stored);
    const german = new Date(stored).toLocaleString("de-DE", {
      timeZone: "Europe/Berlin",
      dateStyle: "medium",
      timeStyle: "short",
    });
    expect(german).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
    await expect(newest).toHaveText(german);
  });
});
