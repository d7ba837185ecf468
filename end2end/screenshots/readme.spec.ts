// Photographs the main pages for the README, after filling Depot with a little of everything
// the way its users would: through the legacy APIs and the admin UI.
import { expect, test, type Page } from "@playwright/test";
import path from "node:path";
import { adminKey, signInAsAdmin } from "../support/sign-in";

const out = path.resolve(__dirname, "..", "..", "docs", "screenshots");
const auth = () => ({ Authorization: `Bearer ${adminKey()}` });

async function shoot(page: Page, route: string, name: string): Promise<void> {
  await page.goto(route);
  await expect(page.locator("h1").first()).toBeVisible();
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: path.join(out, `${name}.png`) });
}

test("the main pages, for the README", async ({ page, request }) => {
  test.setTimeout(180_000);
  // Inventory: a network with two servers on it.
  await request.post("/inventory/resourcemanager/ipmanager", {
    headers: auth(),
    form: { name: "office-net", baseip: "10.20.0.0", netmask: "255.255.255.0", gateway: "10.20.0.1" },
  });
  for (const name of ["web-1", "web-2"]) {
    await request.post("/api/inventory/create", { headers: auth(), data: { driver: "basicserver", name } });
    await request.post("/api/inventory/allocate-ip", { headers: auth(), data: { manager: "office-net", object: name } });
  }
  // Versioning: a dot with two commits; the page shows the second.
  await request.post("/dots/admin", { headers: auth(), data: { name: "sensors" } });
  let commit = "";
  for (const [i, text] of ["sensor,value\na,1\n", "sensor,value\na,1\nb,2\n"].entries()) {
    await request.put("/dots/admin/sensors/branches/master/files/readings.csv", { headers: auth(), data: text });
    const made = await request.post("/dots/admin/sensors/branches/master/commits", {
      headers: auth(),
      data: { message: i === 0 ? "first readings" : "second sensor", metadata: { source: "lab" } },
    });
    commit = (await made.json()).id;
  }

  await signInAsAdmin(page);
  await shoot(page, "/", "home");
  await shoot(page, "/tables/chinook/track", "table");
  await shoot(page, "/tables/chinook/track/row/1", "row");
  await shoot(page, "/entities/office-net", "network");
  await shoot(page, `/versioning/admin/sensors?branch=master&at=${commit}`, "dot");
  await shoot(page, "/users", "users");
  await shoot(page, "/audit", "audit");
});
