import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import pg from "pg";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";
import { collectResponses } from "./support/responses";
import { TIME_SCALE } from "./support/chromium";

// OAuth2 in the browser, against the authorization server that
// playwright.config.ts starts (test/support/oauth-server.ts: oidc-provider
// with real login and consent pages, and a resource server that accepts only
// its valid tokens).

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;
const CALLBACK = `${process.env.KEYWAY_PUBLIC_URL}/oauth/callback`;

/** Registers one of the test server's clients, endpoints read from its discovery document. */
async function registerFromIssuer(page: Page, team: string, name: string, clientId: string) {
  await page.goto(`${team}/clients/new`);
  await page.locator("label", { hasText: /^OpenID Connect issuer$/ }).click();
  await page.getByLabel("Issuer URL").fill(ISSUER);
  await page.getByRole("button", { name: "Read discovery document" }).click();
  await expect(page.getByText(`Read the discovery document of ${ISSUER}`)).toBeVisible();
  await expect(page.getByLabel("Token URL")).toHaveValue(`${ISSUER}/token`);
  await expect(page.getByLabel("Revocation URL (optional)")).toHaveValue(`${ISSUER}/token/revocation`);
  // The callback URL to register is this instance's, shown with a copy button.
  await expect(page.locator("[data-copy-source]")).toHaveText(CALLBACK);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Client ID").fill(clientId);
  await page.getByLabel("Client secret").fill(`${clientId}-secret`);
  await page.getByLabel("Default scopes").fill("read write");
  await expectNoSeriousA11yViolations(page);
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  await expectNoSeriousA11yViolations(page);
}

async function createCodeConnection(page: Page, team: string, name: string, clientName: string): Promise<string> {
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/v1`);
  await page.getByRole("radio", { name: "OAuth2 (authorization code)", exact: true }).check();
  await expectNoSeriousA11yViolations(page);
  const option = await page.locator("#field-oauthClientRef option", { hasText: `${clientName} (` }).getAttribute("value");
  await page.getByLabel("OAuth client").selectOption(option!);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

/** Sends the default test request and waits for its own result (the history grows by one), not the previous one's. */
async function testFromPage(page: Page) {
  const history = page.getByRole("list", { name: "Test history" }).getByRole("listitem");
  const before = await history.count();
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(history).toHaveCount(before + 1, { timeout: 20_000 });
  return page.getByTestId("test-result").getByTestId("test-summary");
}

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

test("a member registers a client from its issuer, connects, tests, survives a token expiry, and disconnects", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  const responses = collectResponses(page);
  const team = await signUp(page, "Olive Auth", freshEmail("oauth"));
  await registerFromIssuer(page, team, "Test provider", "keyway-short");
  await expect(page.getByRole("heading", { name: "Test provider" })).toBeVisible();

  const connection = await createCodeConnection(page, team, "Resource API", "Test provider");
  await expect(page.getByTestId("oauth-state")).toContainText("Not connected");
  await page.getByRole("button", { name: /^Connect to / }).click();

  // At the provider: its own login and consent pages.
  await page.waitForURL(new RegExp(`^${ISSUER}/interaction/`));
  await page.getByPlaceholder("Enter any login").fill("olive");
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await expect(page.getByRole("heading", { name: "Authorize" })).toBeVisible();
  await page.getByRole("button", { name: "Continue" }).click();

  // Back through the universal callback to the connection page, connected.
  await page.waitForURL(new RegExp(`${connection}\\?authorization=`));
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");

  const first = await testFromPage(page);
  await expect(first).toContainText("200");
  await expect(page.getByTestId("test-result")).toContainText('"client_id": "keyway-short"');
  await expectNoSeriousA11yViolations(page);

  // The access token lives 10 seconds and is refreshed once less than half of that is left.
  const connectionId = connection.split("/").at(-1)!;
  const [before] = await query<{ tokens: string }>(`SELECT tokens FROM "TokenSet" WHERE "connectionId" = $1`, [connectionId]);
  await page.waitForTimeout(6_500);
  const second = await testFromPage(page);
  await expect(second).toContainText("200");
  const refreshed = await query<{ data: { reason: string } }>(`SELECT data FROM "AuditEvent" WHERE "objectId" = $1 AND action = 'connection.token_refreshed'`, [connectionId]);
  expect(refreshed.length).toBeGreaterThanOrEqual(1);
  expect(refreshed.at(-1)!.data.reason).toBe("expiring");
  const [after] = await query<{ tokens: string }>(`SELECT tokens FROM "TokenSet" WHERE "connectionId" = $1`, [connectionId]);
  expect(after!.tokens).not.toBe(before!.tokens);

  // Disconnect revokes at the provider: the token Keyway last used is refused from now on.
  const issued = (await (await fetch(`${ISSUER}/__test/issued?client_id=keyway-short`)).json()) as { token: string }[];
  const lastToken = issued.at(-1)!.token;
  expect((await fetch(`${ISSUER}/resource/me`, { headers: { authorization: `Bearer ${lastToken}` } })).status).toBe(200);
  await page.reload();
  await page.getByRole("button", { name: "Disconnect" }).click();
  await page.getByRole("button", { name: "Yes, disconnect" }).click();
  await expect(page.getByText("Disconnected. The provider revoked the tokens")).toBeVisible();
  await expect(page.getByTestId("oauth-state")).toContainText("Not connected");
  expect((await fetch(`${ISSUER}/resource/me`, { headers: { authorization: `Bearer ${lastToken}` } })).status).toBe(401);

  // Neither the client secret nor any token the provider issued ever reached the browser from Keyway.
  const fromKeyway = responses.join("\n");
  expect(fromKeyway).not.toContain("keyway-short-secret");
  for (const { token } of issued) expect(fromKeyway).not.toContain(token);
});

test("a provider that does not know Keyway's redirect URI: the connection page explains it with the URL to register", async ({ page }) => {
  const team = await signUp(page, "Rita Redirect", freshEmail("redirect"));
  await registerFromIssuer(page, team, "Misconfigured", "keyway-mismatch");
  const connection = await createCodeConnection(page, team, "Mismatched API", "Misconfigured");
  await page.getByRole("button", { name: /^Connect to / }).click();
  await page.waitForURL(new RegExp(`${connection}\\?authorization=`));
  const explanation = page.getByTestId("authorization-error");
  await expect(explanation).toContainText("The provider does not accept Keyway's redirect URI");
  await expect(explanation).toContainText("redirect_uri did not match");
  await expect(explanation.locator("[data-copy-source]")).toHaveText(CALLBACK);
  await expect(page.getByTestId("oauth-state")).toContainText("Not connected");
  await expectNoSeriousA11yViolations(page);

  // A callback Keyway did not start (a forged or altered link) is refused with a page that says why.
  await page.goto(`/oauth/callback?state=${"x".repeat(43)}&code=forged`);
  await expect(page.getByRole("heading", { name: "Keyway did not start this authorization" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});
