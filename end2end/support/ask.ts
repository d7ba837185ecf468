// A control that asks first (app/src/components/confirm.rs) is a <details>' summary, so that it
// opens before and without the page's script; a summary has no ARIA role to find it by.
import type { Locator, Page } from "@playwright/test";

/** The control that opens the question, by its label ("Remove…"). */
export function askingControl(scope: Page | Locator, label: string): Locator {
  return scope.locator("summary", { hasText: label });
}
