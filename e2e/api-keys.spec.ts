import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createTeam, freshEmail, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";
import { TIME_SCALE } from "./support/chromium";

// An admin creates a team API key, sees it once, a service uses it through
// the proxy of the running app (the connection's secret reaches the API, the
// key does not), and after the admin revokes it the proxy refuses it.

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
test.beforeAll(async () => {
  upstream = await startEchoUpstream();
});
test.afterAll(async () => upstream?.close());

const SECRET = "proxy-e2e-secret-5521";

test("an admin creates an API key, sees it once, a service calls a connection with it, and revoking it ends that", async ({ page, request }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  await signUp(page, "Kim Admin", freshEmail("apikeys"));
  const team = await createTeam(page, "Proxy team");

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Orders API");
  await page.getByLabel("Base URL").fill(`${upstream.baseUrl}/v1`);
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill(SECRET);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionId = new URL(page.url()).pathname.split("/").at(-1)!;
  // The connection page tells a service where to call it.
  const proxyUrl = (await page.locator("[data-copy-source]").textContent())?.trim() ?? "";
  expect(proxyUrl).toMatch(new RegExp(`/api/proxy/${connectionId}$`));

  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await page.getByLabel("Name").fill("");
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("Name the key after the service that will use it.")).toBeVisible();
  await page.getByLabel("Name").fill("orders worker");
  await page.getByLabel("Expires").selectOption("30");
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("API key “orders worker” created")).toBeVisible();
  const key = (await page.locator("[data-copy-source]").first().textContent())?.trim() ?? "";
  expect(key).toMatch(/^kw_[A-Za-z0-9_-]{43}$/);
  await expectNoSeriousA11yViolations(page);

  // A service uses the key through the app's proxy.
  const proxied = await request.post(`${proxyUrl}/orders?status=open`, { headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, data: { item: 7 } });
  expect(proxied.status()).toBe(200);
  expect(proxied.headers()["x-keyway-error"]).toBeUndefined();
  const seen = upstream.received.at(-1)!;
  expect(seen.method).toBe("POST");
  expect(seen.url).toBe("/v1/orders?status=open");
  expect(seen.body).toBe(JSON.stringify({ item: 7 }));
  expect(seen.headers["x-api-key"]).toBe(SECRET);
  expect(JSON.stringify(seen.headers)).not.toContain(key);

  // Shown once: after "Done" and after a reload the key is nowhere on the page, only its prefix.
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  await page.reload();
  const row = page.getByRole("list", { name: "API keys" }).getByRole("listitem").filter({ hasText: "orders worker" });
  await expect(row).toContainText(key.slice(0, 11));
  await expect(row).toContainText("Active");
  await expect(row).toContainText(/expires/);
  expect(await page.content()).not.toContain(key);

  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("Revoked");

  const refused = await request.get(`/api/proxy/${connectionId}/orders`, { headers: { authorization: `Bearer ${key}` } });
  expect(refused.status()).toBe(401);
  expect(refused.headers()["x-keyway-error"]).toBe("api_key_revoked");
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("api_key_revoked");

  await page.goto(`${team}/audit`);
  await expect(page.getByTestId("audit-event").filter({ hasText: "api_key.revoked" })).toHaveCount(1);
  await expect(page.getByTestId("audit-event").filter({ hasText: "api_key.created" })).toHaveCount(1);
});
