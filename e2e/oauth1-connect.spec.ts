import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { freshEmail, signUp } from "./support/journeys";
import { collectResponses } from "./support/responses";
import { startOAuth1Provider, type OAuth1Provider } from "../test/support/oauth1-provider";
import { TIME_SCALE } from "./support/chromium";

// Three-legged OAuth 1.0a in the browser (RFC 5849 section 2): a member
// creates the connection with the provider's three URLs, clicks Connect,
// approves at the test provider's own page, and comes back through the
// universal callback to a connected connection whose test request and proxied
// calls the provider accepts. The provider checks every signature with
// node-oauth (test/support/oauth1-provider.ts), not oauth-sign.

const CONSUMER_SECRET = "oauth1-e2e-consumer-secret-0055";

let provider: OAuth1Provider;
test.beforeAll(async () => {
  provider = await startOAuth1Provider({ consumerKey: "e2e-printer", consumerSecret: CONSUMER_SECRET });
});
test.afterAll(async () => provider?.close());

async function screenshots(page: Page, name: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `test-results/oauth1-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function approveAtProvider(page: Page, connectionPath: string) {
  await page.getByRole("button", { name: /^(Connect|Reconnect)$/ }).click();
  await page.waitForURL(new RegExp(`^${provider.url}/oauth/authorize\\?oauth_token=`));
  await expect(page.getByRole("heading", { name: "Allow Keyway to use your account?" })).toBeVisible();
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(new RegExp(`${connectionPath}\\?authorization=`));
}

async function testFromPage(page: Page) {
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 20_000 });
}

test("a member connects a three-legged OAuth 1.0a connection at the provider and uses it through the proxy", async ({ page, request }) => {
  test.setTimeout(240_000 * TIME_SCALE);
  const responses = collectResponses(page);
  const email = freshEmail("oauth1");
  const team = await signUp(page, "Otto Legs", email);

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Photos API");
  await page.getByLabel("Base URL").fill(`${provider.url}/api`);
  await page.getByRole("radio", { name: "OAuth 1.0a", exact: true }).check();
  await page.getByLabel("Consumer key", { exact: true }).fill("e2e-printer");
  await page.getByLabel("Consumer secret", { exact: true }).fill(CONSUMER_SECRET);
  await page.getByLabel("Access token", { exact: true }).selectOption("connect");
  // Saving without the URLs names each missing one.
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByText("Enter the temporary credentials (request token) URL.")).toBeVisible();
  await expect(page.getByText("Enter the token (access token) URL.")).toBeVisible();
  await page.getByLabel("Temporary credentials URL (request token)").fill(`${provider.url}/oauth/request_token`);
  await page.getByLabel("Authorization URL").fill(`${provider.url}/oauth/authorize`);
  await page.getByLabel("Token URL (access token)").fill(`${provider.url}/oauth/access_token`);
  await expect(page.getByText("/oauth/callback").first()).toBeVisible();
  await screenshots(page, "form");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connection = new URL(page.url()).pathname;
  await expect(page.getByTestId("oauth-state")).toContainText("Not connected");
  await expect(page.getByText("Click Connect to authorize it at the provider.")).toBeVisible();
  await screenshots(page, "not-connected");

  // At the provider's own page, then back through /oauth/callback.
  await approveAtProvider(page, connection);
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");
  await expect(page.getByTestId("oauth1-connected-by")).toHaveText(email);
  await screenshots(page, "connected");

  await testFromPage(page);
  const [access, tokenSecret] = [...provider.issued.entries()][0]!;
  await expect(page.getByTestId("test-result")).toContainText(`"token": "${access}"`);

  // An edit that retypes no secret keeps the connection connected.
  await page.goto(`${connection}/edit`);
  await expect(page.getByLabel("Token URL (access token)")).toHaveValue(`${provider.url}/oauth/access_token`);
  await page.getByLabel("Name", { exact: true }).fill("Photos API (renamed)");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\?saved=1$/);
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");
  await testFromPage(page);

  // Through the proxy with a team API key, a form body included in the signature.
  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("oauth1 worker");
  await page.getByRole("button", { name: "Create API key" }).click();
  const key = (await page.locator("[data-copy-source]").first().textContent())?.trim() ?? "";
  expect(key).toMatch(/^kw_/);
  const proxyPath = connection.replace(/^\/t\/[^/]+\/connections\//, "/api/proxy/");
  const proxied = await request.post(`${proxyPath}/albums?sort=new`, { headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded" }, data: "title=Summer%20%26%20sea" });
  expect(proxied.status()).toBe(200);
  expect(await proxied.json()).toMatchObject({ ok: true, token: access, path: "/api/albums", method: "POST" });

  // Disconnect, then Reconnect: a new approval, new token credentials.
  await page.goto(connection);
  await page.getByRole("button", { name: "Disconnect" }).click();
  await page.getByRole("button", { name: "Yes, disconnect" }).click();
  await expect(page.getByTestId("oauth-state")).toContainText("Not connected");
  await approveAtProvider(page, connection);
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");
  expect(provider.issued.size).toBe(2);
  await testFromPage(page);

  expect(provider.refusals).toEqual([]);
  const seen = responses.join("\n");
  for (const secret of [CONSUMER_SECRET, tokenSecret, ...provider.issued.values()]) expect(seen).not.toContain(secret);
});
