import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createTeam, freshEmail, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// An admin creates an API key with chosen scopes; a service then does exactly
// what those scopes allow through /api/v1 of the running app, reads a
// connection's credentials once an admin allowed it on the connection page,
// and the read is in the audit log. The API's documentation page is readable.

const SECRET = "api-e2e-secret-7731";
const SHOTS = process.env.KEYWAY_E2E_SHOTS;

test("a scoped key does exactly its scopes, credential reads need the admin's switch and are audited, and the API is documented", async ({ page, request }) => {
  test.setTimeout(480_000 * TIME_SCALE);
  await signUp(page, "Ada Admin", freshEmail("api"));
  const team = await createTeam(page, "API team");

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Billing API");
  await page.getByLabel("Base URL").fill("https://billing.example.test/v1");
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill(SECRET);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionId = new URL(page.url()).pathname.split("/").at(-1)!;

  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("billing reader");
  // No scope at all is refused, next to the scopes.
  await page.getByRole("checkbox", { name: /^proxy\b/ }).uncheck();
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("Choose at least one scope.")).toBeVisible();
  await page.getByRole("checkbox", { name: /^connections:read\b/ }).check();
  await page.getByRole("checkbox", { name: /^credentials:read\b/ }).check();
  if (SHOTS) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${SHOTS}/api-keys-scopes-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${SHOTS}/api-keys-scopes-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }
  await expectNoSeriousA11yViolations(page);
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("API key “billing reader” created")).toBeVisible();
  await expect(page.getByText("Scopes: connections:read, credentials:read")).toBeVisible();
  const key = (await page.locator("[data-copy-source]").first().textContent())?.trim() ?? "";
  expect(key).toMatch(/^kw_/);
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  const scopes = page.getByLabel("Scopes of billing reader");
  await expect(scopes).toContainText("connections:read");
  await expect(scopes).toContainText("credentials:read");
  await expect(scopes).not.toContainText("proxy");

  const auth = { authorization: `Bearer ${key}` };
  // connections:read: yes.
  const list = await request.get("/api/v1/connections", { headers: auth });
  expect(list.status()).toBe(200);
  const listed = (await list.json()) as { data: { id: string; name: string }[] };
  expect(listed.data.map((c) => c.id)).toEqual([connectionId]);
  expect(JSON.stringify(listed)).not.toContain(SECRET);
  // connections:write, audit:read, admin, proxy: no.
  const write = await request.post("/api/v1/connections", { headers: auth, data: { name: "x", baseUrl: "https://x.example.test", authType: "NONE" } });
  expect(write.status()).toBe(403);
  expect(write.headers()["content-type"]).toBe("application/problem+json");
  expect(((await write.json()) as { code: string }).code).toBe("insufficient_scope");
  expect((await request.get("/api/v1/audit-events", { headers: auth })).status()).toBe(403);
  expect((await request.get("/api/v1/api-keys", { headers: auth })).status()).toBe(403);
  expect((await request.get(`/api/proxy/${connectionId}/x`, { headers: auth })).status()).toBe(403);

  // credentials:read, but the connection does not allow it yet.
  const refused = await request.get(`/api/v1/connections/${connectionId}/credentials`, { headers: auth });
  expect(refused.status()).toBe(403);
  expect(await refused.text()).not.toContain(SECRET);

  await page.goto(`${team}/connections/${connectionId}`);
  await page.getByRole("checkbox", { name: "Allow services to read this connection's credentials" }).check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Services with a credentials:read key can now read these credentials")).toBeVisible();

  const read = await request.get(`/api/v1/connections/${connectionId}/credentials`, { headers: auth });
  expect(read.status()).toBe(200);
  expect(await read.json()).toMatchObject({ kind: "static", authType: "HEADER", headers: [{ name: "X-Api-Key", value: SECRET }] });

  await page.goto(`${team}/audit`);
  const readEvent = page.getByTestId("audit-event").filter({ hasText: "connection.credentials_read" });
  await expect(readEvent).toHaveCount(1);
  await expect(readEvent).toContainText("billing reader");
  await expect(page.getByTestId("audit-event").filter({ hasText: "connection.credentials_access_changed" })).toHaveCount(1);
  expect(await page.content()).not.toContain(SECRET);

  // The documentation, from the same OpenAPI document the API serves.
  await page.goto("/docs/api");
  await expect(page.getByRole("heading", { name: "Management API", level: 1 })).toBeVisible();
  const credentialsDoc = page.locator("#getConnectionCredentials");
  await expect(credentialsDoc).toContainText("/connections/{id}/credentials");
  await expect(credentialsDoc).toContainText("credentials:read");
  await expect(page.locator("#problem-insufficient_scope")).toBeVisible();
  if (SHOTS) {
    await page.screenshot({ path: `${SHOTS}/api-docs-desktop.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${SHOTS}/api-docs-phone.png` });
    await page.goto(`${team}/connections/${connectionId}`);
    await page.screenshot({ path: `${SHOTS}/connection-credentials-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${SHOTS}/connection-credentials-desktop.png`, fullPage: true });
  }
  const spec = await request.get("/api/v1/openapi.json");
  expect(((await spec.json()) as { openapi: string }).openapi).toBe("3.1.0");
});
