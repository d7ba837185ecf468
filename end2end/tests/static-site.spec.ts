// Issue: the admin UI as static files on any host, calling Depot run as a serverless function.
// The site is served by nginx on one port, the function answers through the Lambda emulator on
// another; once from the same site (127.0.0.1 to 127.0.0.1: the session cookie works) and once
// from another site (localhost to 127.0.0.1: the tab keeps a session token).
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { startStaticStack, type StaticStack } from "../support/static-stack";

let stack: StaticStack;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startStaticStack();
});

test.afterAll(async () => {
  await stack?.stop();
});

// Larger than a function takes in one request body (6 MB): it can only arrive through the
// signed URL, straight into the object store.
const bigFile = Buffer.alloc(7 * 1024 * 1024, "depot static site upload\n");

const sites = [
  { kind: "same-site", origin: () => stack.sameSite, keepsToken: false },
  { kind: "cross-site", origin: () => stack.crossSite, keepsToken: true },
];

for (const site of sites) {
  test(`the static admin signs in, browses, uploads and audits against the function (${site.kind})`, async ({ page }) => {
    test.setTimeout(120_000);
    const dot = `static-${site.kind}`;

    // A deep link: nginx answers index.html for it, the app sees nobody is signed in.
    await page.goto(`${site.origin()}/tables`);
    await expect(page).toHaveURL(/\/login\?next=\/tables$/);
    await page.getByLabel("User").fill(stack.admin.user);
    await page.getByLabel("Password or API key").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong user name or password.");
    await page.getByLabel("Password or API key").fill(stack.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/tables$/);
    await expect(page.locator(".whoami .user-name")).toHaveText("admin");
    const token = await page.evaluate(() => sessionStorage.getItem("depot.session"));
    if (site.keepsToken) expect(token).toBeTruthy();
    else expect(token).toBeNull();

    // A Chinook table, through the function.
    await page.locator(".card", { hasText: "chinook" }).getByRole("link", { name: "artist", exact: true }).click();
    await expect(page).toHaveURL(/\/tables\/chinook\/artist$/);
    await expect(page.locator(".pager")).toContainText("275 rows");
    await expect(page.locator("table.rows")).toContainText("AC/DC");

    // A dot, and a file too large for the function, with its progress bar.
    await page.getByRole("link", { name: "Versioning", exact: true }).click();
    const create = page.getByRole("form", { name: "Create dot" });
    await create.getByLabel("Name", { exact: true }).fill(dot);
    await create.getByRole("button", { name: "Create dot" }).click();
    await expect(page).toHaveURL(new RegExp(`/versioning/admin/${dot}$`));
    const upload = page.getByRole("form", { name: "Upload file" });
    await upload.getByLabel("File", { exact: true }).setInputFiles({ name: "big.txt", mimeType: "text/plain", buffer: bigFile });
    await upload.getByRole("button", { name: "Upload" }).click();
    await expect(upload.getByLabel("Upload progress")).toBeVisible();
    const files = page.locator("table.files");
    await expect(files).toContainText("big.txt");
    await expect(files).toContainText("7.0 MiB");
    await expect(upload.getByLabel("Upload progress")).toBeHidden();

    // Downloaded again: from the object store, by the signed URL the function redirects to.
    const link = files.getByRole("link", { name: "big.txt" });
    expect(await link.getAttribute("href")).toMatch(new RegExp(`^${stack.api}/dots/admin/${dot}/`));
    if (site.keepsToken) {
      // The tab's token cannot ride on a link: the click fetches the file with it and saves it.
      const downloading = page.waitForEvent("download");
      await link.click();
      const saved = await (await downloading).path();
      expect(readFileSync(saved).equals(bigFile)).toBe(true);
    } else {
      // The link itself works: the browser's session cookie, the function's 307, the bucket.
      const fetched = await page.request.get((await link.getAttribute("href"))!);
      expect(fetched.status()).toBe(200);
      expect((await fetched.body()).equals(bigFile)).toBe(true);
    }

    // The upload is in the audit log, as the signed-in user.
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    const audit = page.locator("table.audit");
    await expect(audit).toContainText(`admin/${dot}`);
    await expect(audit.locator("tr", { hasText: "big.txt" }).first()).toContainText("admin");

    // Signing out ends the session at Depot: the token the tab held no longer works.
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    expect(await page.evaluate(() => sessionStorage.getItem("depot.session"))).toBeNull();
    if (token) {
      const after = await fetch(`${stack.api}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
      expect(after.status).toBe(401);
    }
    await page.goto(`${site.origin()}/audit`);
    await expect(page).toHaveURL(/\/login\?next=\/audit$/);
  });
}

test("the function refuses writes from an origin it does not admit", async () => {
  const refused = await fetch(`${stack.api}/api/dots/create`, {
    method: "POST",
    headers: { Origin: "http://127.0.0.1:1", "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site" },
    body: JSON.stringify({ namespace: "admin", name: "forged" }),
  });
  expect(refused.status).toBe(403);
  expect(await refused.text()).toContain("cross-site request refused");
  const preflight = await fetch(`${stack.api}/api/dots/create`, {
    method: "OPTIONS",
    headers: { Origin: stack.crossSite, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" },
  });
  expect(preflight.headers.get("access-control-allow-origin")).toBe(stack.crossSite);
});
