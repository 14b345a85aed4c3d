import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";

// The honest states of issue 16 in the browser, against the authorization
// server playwright.config.ts starts (test/support/oauth-server.ts): a Connect
// that never came back, a replayed callback, and a connection whose provider
// issued no refresh token, told the same way by the badge and the card.

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;
const CALLBACK = `${process.env.KEYWAY_PUBLIC_URL}/oauth/callback`;
const SHOTS = process.env.KEYWAY_E2E_SCREENSHOTS;

// Sign-up, two providers' pages and several reloads: slow on a loaded machine.
test.describe.configure({ timeout: 180_000 });

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Screenshots at desktop and phone width, when KEYWAY_E2E_SCREENSHOTS names a directory (for looking at, not compared). */
async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

async function registerClient(page: Page, team: string, name: string, clientId: string) {
  await page.goto(`${team}/clients/new`);
  await page.locator("label", { hasText: /^OpenID Connect issuer$/ }).click();
  await page.getByLabel("Issuer URL").fill(ISSUER);
  await page.getByRole("button", { name: "Read discovery document" }).click();
  await expect(page.getByLabel("Token URL")).toHaveValue(`${ISSUER}/token`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Client ID").fill(clientId);
  await page.getByLabel("Client secret").fill(`${clientId}-secret`);
  await page.getByLabel("Default scopes").fill("read");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname.split("/").at(-1)!;
}

async function createConnection(page: Page, team: string, name: string, clientName: string): Promise<string> {
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/v1`);
  await page.getByRole("radio", { name: "OAuth2 (authorization code)", exact: true }).check();
  const option = await page.locator("#field-oauthClientRef option", { hasText: `${clientName} (` }).getAttribute("value");
  await page.getByLabel("OAuth client").selectOption(option!);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

test("a Connect that never came back: the connection page says so, with the causes, the callback URL and the checker", async ({ page }) => {
  const team = await signUp(page, "Una Unfinished", freshEmail("unfinished"));
  const clientRef = await registerClient(page, team, "No PAR", "keyway-mismatch");
  // A provider without pushed authorization requests (nearly all): its refusal is only ever shown on its own page.
  await query(`UPDATE "OAuthClient" SET "parUrl" = NULL WHERE id = $1`, [clientRef]);
  const connection = await createConnection(page, team, "Never back", "No PAR");
  await page.getByRole("button", { name: /^Connect to / }).click();
  await page.waitForURL(new RegExp(`^${ISSUER}/`));
  await expect(page.getByText("redirect_uri did not match")).toBeVisible();

  await page.goto(connection);
  const notice = page.getByTestId("unfinished-connect");
  await expect(notice).toContainText("never came back from the provider");
  await expect(notice).toContainText("redirect URI registered at the provider is not exactly");
  await expect(notice.locator("[data-copy-source]")).toHaveText(CALLBACK);
  await expect(page.getByTestId("connection-status")).toHaveText("Not connected");
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "unfinished-connect");
  await notice.getByRole("link", { name: "Check a redirect URI against it" }).click();
  await expect(page.getByLabel("Redirect URI, or the URL of the provider's error page")).toBeVisible();
});

test("a replayed callback links back to its connection; a provider without refresh tokens is shown the same by badge and card", async ({ page }) => {
  const team = await signUp(page, "Rex Replay", freshEmail("replay"));
  await registerClient(page, team, "Plain", "keyway-basic");
  const connection = await createConnection(page, team, "Replayed", "Plain");
  let callbackUrl = "";
  page.on("request", (request) => {
    if (request.url().startsWith(CALLBACK)) callbackUrl = request.url();
  });
  await page.getByRole("button", { name: /^Connect to / }).click();
  await page.waitForURL(new RegExp(`^${ISSUER}/interaction/`));
  await page.getByPlaceholder("Enter any login").fill("rex");
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(new RegExp(`${connection}\\?authorization=`));
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");

  await page.goto(callbackUrl);
  await expect(page.getByRole("heading", { name: "This authorization was already completed" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "replayed-callback");
  await page.getByRole("link", { name: "Open the connection" }).click();
  await page.waitForURL(new RegExp(`${connection}$`));

  // As if the provider had issued no refresh token (Google without access_type=offline): usable until its real expiry, and said so.
  const connectionId = connection.split("/").at(-1)!;
  await query(`UPDATE "TokenSet" SET "hasRefreshToken" = false, "expiresAt" = now() + interval '20 minutes' WHERE "connectionId" = $1`, [connectionId]);
  await page.reload();
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");
  await expect(page.getByTestId("no-refresh-token")).toContainText("offline_access");
  await expect(page.getByText("refreshed at the next use")).toHaveCount(0);
  await shoot(page, "no-refresh-token");

  // Expired, with nothing to renew it: every part of the page says so.
  await query(`UPDATE "TokenSet" SET "expiresAt" = now() - interval '1 minute' WHERE "connectionId" = $1`, [connectionId]);
  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveText("Token expired");
  await expect(page.getByTestId("oauth-state")).toContainText("issued no refresh token");
  await page.goto(`${team}/connections`);
  await expect(page.getByTestId("connection-row").filter({ hasText: "Replayed" }).getByTestId("connection-status")).toHaveText("Token expired");

  // Refused by the API, nothing to refresh with: needs re-authorization, in the badge and the card alike.
  await query(`UPDATE "Connection" SET status = 'NEEDS_REAUTH' WHERE id = $1`, [connectionId]);
  await page.goto(connection);
  await expect(page.getByTestId("connection-status")).toHaveText("Needs re-authorization");
  await expect(page.getByTestId("oauth-state")).toContainText("no longer accepts the access token");
  await expect(page.getByText("State")).toHaveCount(0);
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "needs-reauth-no-refresh");
});
