import { expect, test, type Page } from "@playwright/test";
import { freshEmail, signUp } from "./support/journeys";

// Refresh on more than 401 (issue 16, item 11) in the browser: the "token
// expired" fields of an OAuth2 connection are checked by the shared schema
// next to the field, saved, shown again on edit, and used by a test request
// against the authorization server playwright.config.ts starts, whose API
// under /resource/refuse-as/403 says "expired" with a 403.

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;
const SHOTS = process.env.KEYWAY_E2E_SCREENSHOTS;

test.describe.configure({ timeout: 180_000 });

async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

/** Revokes every token the authorization server issued to the "cc" client, as a provider does when it ends a token early. */
async function revokeIssuedTokens() {
  const discovery = (await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json()) as { revocation_endpoint: string };
  const issued = (await (await fetch(`${ISSUER}/__test/issued?client_id=keyway-cc`)).json()) as { token: string }[];
  for (const { token } of issued) {
    const response = await fetch(discovery.revocation_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from("keyway-cc:keyway-cc-secret").toString("base64")}` },
      body: new URLSearchParams({ token }),
    });
    expect(response.ok).toBe(true);
  }
}

test("the token-expired statuses and body rule: checked on the field, saved, shown on edit, and a 403 refreshes and retries", async ({ page }) => {
  const team = await signUp(page, "Exa Expired", freshEmail("expired-signal"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Forbidden when expired");
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/refuse-as/403`);
  await page.getByRole("radio", { name: "OAuth2 (client credentials)", exact: true }).check();
  await page.getByLabel("Token URL").fill(`${ISSUER}/token`);
  await page.getByLabel("Client ID").fill("keyway-cc");
  await page.getByLabel("Client secret").fill("keyway-cc-secret");
  await page.getByLabel("Scopes").fill("read");

  const fields = page.getByTestId("expired-signal");
  await expect(fields.getByLabel("Statuses")).toHaveValue("401");
  // A success status alone would make every answer an expired token: refused next to the field.
  await fields.getByLabel("Statuses").fill("401, 200");
  await fields.getByLabel("Value there (optional)").fill("TOKEN_EXPIRED");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(fields.getByText("200 is a success status")).toBeVisible();
  await expect(fields.getByText("Enter the JSON pointer whose value is compared")).toBeVisible();
  await shoot(page, "expired-signal-errors");

  await fields.getByLabel("Statuses").fill("401, 403");
  await fields.getByLabel("Value there (optional)").fill("");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connection = new URL(page.url()).pathname;

  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 30_000 });

  // The provider ends the token early; the API then answers 403, which this connection counts as expired.
  await revokeIssuedTokens();
  await page.getByRole("button", { name: "Send test request" }).click();
  const summary = page.getByTestId("test-result").getByTestId("test-summary");
  await expect(summary).toContainText("Retried once with a new access token after the API answered 403", { timeout: 30_000 });
  await expect(summary).toContainText("200");

  await page.goto(`${connection}/edit`);
  await expect(page.getByTestId("expired-signal").getByLabel("Statuses")).toHaveValue("401, 403");
  await page.getByTestId("expired-signal").scrollIntoViewIfNeeded();
  await shoot(page, "expired-signal-edit");
});
