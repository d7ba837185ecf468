// Signing in through the form, as a person does: every browser test starts here.
import { expect, type APIRequestContext, type Page } from "@playwright/test";

/** The first admin's API key, which global-setup read from Depot's first start. */
export const adminKey = () => process.env.DEPOT_ADMIN_KEY!;

/** Fills the sign-in form on the current page with `user` and `secret` and sends it. */
export async function submitSignIn(page: Page, user: string, secret: string): Promise<void> {
  await page.getByLabel("User").fill(user);
  await page.getByLabel("Password or API key").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Opens the sign-in form (asking to go on to `next`, when given) and signs in as the admin. */
export async function signInAsAdmin(page: Page, next?: string): Promise<void> {
  await page.goto(next ? `/login?next=${next}` : "/login");
  await submitSignIn(page, "admin", adminKey());
}

/** The password every user made by [`newUser`] has. */
export const password = "correct-horse-battery";

/** A new user with [`password`], made by the admin over the API; returns its name. */
export async function newUser(request: APIRequestContext, prefix: string, role: "reader" | "writer"): Promise<string> {
  const name = `${prefix}${Date.now()}`;
  const created = await request.post("/api/users", {
    headers: { Authorization: `Bearer ${adminKey()}` },
    data: { name, role, password },
  });
  expect(created.status()).toBe(200);
  return name;
}
