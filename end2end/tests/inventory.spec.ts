// Issue: create a server, add it to a pool and allocate it an IP through the UI.
import { expect, test } from "@playwright/test";
import { hydrated } from "../support/hydrated";
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
  await hydrated(page);
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

test("the network picture is one tab stop, walked with the arrow keys, each cell read out", async ({ page, request }) => {
  const auth = { Authorization: `Bearer ${adminKey()}` };
  const made = await request.post("/inventory/resourcemanager/ipmanager", {
    headers: auth,
    form: { name: "e2ekeys", baseip: "10.7.0.0", netmask: "255.255.255.0", gateway: "10.7.0.1" },
  });
  expect(made.status()).toBe(201);
  await signInAsAdmin(page);
  await page.goto("/entities/e2ekeys");
  await hydrated(page);
  const grid = page.getByRole("grid", { name: /of 10\.7\.0\.0\/24 in use/ });
  // The addresses it may hand out: .1 to .254 but the gateway.
  await expect(grid.getByRole("gridcell")).toHaveCount(253);
  // Only one cell takes Tab; the rest are reached with the arrows.
  await expect(grid.locator('[tabindex="0"]')).toHaveCount(1);
  const first = grid.getByRole("gridcell").first();
  await expect(first).toHaveAccessibleName("10.7.0.2 — free");
  await first.focus();
  await expect(page.locator(".ip-focused")).toHaveText("10.7.0.2 — free");
  await page.keyboard.press("ArrowRight");
  await expect(grid.getByRole("gridcell", { name: "10.7.0.3 — free" })).toBeFocused();
  await expect(page.locator(".ip-focused")).toHaveText("10.7.0.3 — free");
  // Down is one row of the picture: 32 cells on a wide screen.
  await page.keyboard.press("ArrowDown");
  await expect(grid.getByRole("gridcell", { name: "10.7.0.35 — free" })).toBeFocused();
  await page.keyboard.press("End");
  await expect(page.locator(".ip-focused")).toHaveText("10.7.0.254 — free");
  await expect(grid.locator('[tabindex="0"]')).toHaveCount(1);
});

test("a name manager's page shows the names it handed out, their holders and the next", async ({ page, request }) => {
  const auth = { Authorization: `Bearer ${adminKey()}` };
  const manager = `e2enames${Date.now()}`;
  const basename = `n${Date.now() % 100000}x`;
  const made = await request.post("/inventory/resourcemanager/simplenamemanager", {
    headers: auth,
    form: { name: manager, basename, digits: "2" },
  });
  expect(made.status()).toBe(201);
  for (const params of [{ driver: "basicserver" }, { driver: "basicserver" }, { driver: "basicserver", resource: "05" }]) {
    const allocated = await request.post(`/inventory/resourcemanager/simplenamemanager/${manager}`, { headers: auth, form: params });
    expect(allocated.status()).toBe(201);
  }
  await signInAsAdmin(page);
  await page.goto(`/entities/${manager}`);
  await expect(page.locator(".network-summary")).toHaveText(`3 names handed out; the next is ${basename}03`);
  await expect(page.locator("table.allocations tbody tr")).toHaveText([
    `${basename}01/basicserver/${basename}01`,
    `${basename}02/basicserver/${basename}02`,
    `${basename}05/basicserver/05`,
  ]);
  // Numbers 1 to 5: three held, 03 and 04 free.
  const grid = page.getByRole("grid", { name: /3 names handed out/ });
  await expect(grid.getByRole("gridcell")).toHaveCount(5);
  await expect(grid.getByRole("gridcell", { name: `${basename}04 — free` })).toBeVisible();
  await expect(grid.locator(`[data-address="${basename}05"]`)).toHaveClass(/used/);
});
