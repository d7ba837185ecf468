// Forms work before hydration too (as plain forms: a post and a page load), so a test that
// means the hydrated page — an answer shown in place, a page opened by the app — waits for it.
import { expect, type Page } from "@playwright/test";

/** Waits until the page is hydrated: the notice that its script is on its way is gone. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("#awaiting-script")).toHaveCount(0);
}
