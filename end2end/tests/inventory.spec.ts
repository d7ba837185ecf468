// Issue: create a server, add it to a pool and allocate it an IP through the UI.
import { expect, test } from "@playwright/test";
import { adminKey, signInAsAdmin } from "../support/sign-in";

test("a server is created, pooled and given an address in the browser", async ({ page, request }) => {
  const auth = { Authorization: `Bearer ${adminKey()}` };
  // A pool and an IP manager, made the clusto way through the REST API.
  expect((await request.post("/inventory/entity/pool", { headers: auth, form: { name: "e2epool" } })).status()).toBe(201);
  const manager = await request.post("/inventory/resourcemanager/ipmanager", {
    headers: auth,
    form: { name: "e2enet", baseip: "10.9.0.0", netmask: "255.255.255.0", gateway: "10.9.0.1" },
  });
  expect(manager.status()).toBe(201);

  await signInAsAdmin(page);
  await page.getByRole("link", { name: "Inventory", exact: true }).click();
  await expect(page).toHaveURL(/\/entities$/);

  const create = page.getByRole("form", { name: "Create entity" });
  await create.getByLabel("Driver").selectOption("basicserver");
  await create.getByLabel("Name", { exact: true }).fill("e2e-web");
  await expect(create.getByRole("button", { name: "Create" })).toBeEnabled();
  await create.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(/\/entities\/e2e-web$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("e2e-web");

  const join = page.getByRole("form", { name: "Add to pool" });
  await join.getByLabel("Pool").selectOption("e2epool");
  await join.getByRole("button", { name: "Add to pool" }).click();
  await expect(page.locator("ul.parents")).toContainText("/pool/e2epool");

  const allocate = page.getByRole("form", { name: "Allocate address" });
  await allocate.getByLabel("From").selectOption("e2enet");
  await allocate.getByRole("button", { name: "Allocate an address" }).click();
  await expect(page.locator("table.attrs")).toContainText("10.9.0.2");
  await expect(page.locator("table.attrs")).toContainText("10.9.0.2/24");
  // clusto keeps the address as a signed int: the page shows the address.
  // Both `ip` (an int in clusto) and `ip/ipstring` read as the address.
  await expect(page.locator("table.attrs code").filter({ hasText: /^10\.9\.0\.2$/ })).toHaveCount(2);

  // The manager's page draws its network: one address used, by our server.
  await page.goto("/entities/e2enet");
  await expect(page.locator(".network-summary")).toHaveText("1 of 253 addresses of 10.9.0.0/24 in use (0.4 %)");
  await expect(page.locator("table.allocations tbody tr")).toHaveText(["10.9.0.2/basicserver/e2e-web"]);
  // What is left to hand out: everything but the gateway (.1) and our server's .2.
  await expect(page.locator("ul.free-ranges li")).toHaveText(["10.9.0.3 – 10.9.0.254 (252 addresses)"]);
  await expect(page.locator('.ip-grid .ip[data-address="10.9.0.2"]')).toHaveClass(/used/);
  await expect(page.locator('.ip-grid .ip[data-address="10.9.0.3"]')).not.toHaveClass(/used/);

  // A /64 is counted whole, though only its first 1,024 addresses are drawn.
  const v6 = await request.post("/inventory/resourcemanager/ipmanager", {
    headers: auth,
    form: { name: "e2enet6", baseip: "fd00::" },
  });
  expect(v6.status()).toBe(201);
  await page.goto("/entities/e2enet6");
  await expect(page.locator(".network-summary")).toHaveText("0 of 18446744073709551614 addresses of fd00::/64 in use (0.0 %)");
  await expect(page.locator(".ip-grid .ip")).toHaveCount(1024);
  await expect(page.locator("ul.free-ranges li")).toHaveText(["fd00::1 – fd00::ffff:ffff:ffff:fffe (18446744073709551614 addresses)"]);

  // And clusto's own API sees the same thing.
  const pooled = await request.get("/inventory/from-pools?pool=e2epool", { headers: auth });
  expect(await pooled.json()).toEqual(["/basicserver/e2e-web"]);
});
