import { expect, test } from "./support/csp";
import pg from "pg";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";

// The client-registration guide: the callback URL to copy, the redirect-URI
// checker, and the way from a provider's steps to a prefilled client form;
// then the registry's warning for a client registered under another URL.

const CALLBACK = `${process.env.KEYWAY_PUBLIC_URL}/oauth/callback`;

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("the guide gives the callback URL, explains a wrong redirect URI, and opens a prefilled Google client", async ({ page }) => {
  // Readable without signing in.
  await page.goto("/guide/register-client");
  await expect(page.getByRole("heading", { name: "Registering your own OAuth client" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  const team = await signUp(page, "Gail Guide", freshEmail("guide"));
  await page.goto("/guide/register-client");
  await page.getByRole("button", { name: "Copy callback URL" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(CALLBACK);

  // A redirect URI with a trailing slash and the wrong scheme, as it appears in a provider's URL.
  const wrong = CALLBACK.replace(/^http:/, "https:") + "/";
  await page.getByLabel("Redirect URI, or the URL of the provider's error page").fill(`https://accounts.google.com/o/oauth2/v2/auth?client_id=x&redirect_uri=${encodeURIComponent(wrong)}`);
  const result = page.getByTestId("redirect-check-result");
  await expect(result.getByRole("row", { name: /^scheme/ })).toContainText("differs");
  await expect(result.getByRole("row", { name: /^trailing slash/ })).toContainText("differs");
  await expect(result.getByRole("row", { name: /^host/ })).toContainText("same");
  await expectNoSeriousA11yViolations(page);

  // The Google steps name the console's labels and this instance's callback URL.
  const google = page.locator("section#google");
  await expect(google).toContainText("Web application");
  await expect(google).toContainText("Authorized redirect URIs");
  await expect(google).toContainText(CALLBACK);
  await expect(google).toContainText("https://www.googleapis.com/auth/admin.directory.user");
  await expect(google).toContainText("Authorized domains");
  await expect(google).toContainText(`the domain of ${new URL(CALLBACK).hostname}`);
  await google.getByRole("link", { name: "Create this client in Keyway" }).click();
  await page.waitForURL(new RegExp(`${team}/clients/new\\?provider=google$`));
  await expect(page.getByLabel("Token URL")).toHaveValue("https://oauth2.googleapis.com/token");
  await expect(page.getByLabel("Authorization URL")).toHaveValue("https://accounts.google.com/o/oauth2/v2/auth");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Google");
  await expect(page.locator("#extraAuthParams-0-value")).toHaveValue("offline");

  await page.getByLabel("Client ID").fill("1234-abc.apps.googleusercontent.com");
  await page.getByLabel("Client secret").fill("GOCSPX-guide-secret-value");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  const clientId = new URL(page.url()).pathname.split("/").at(-1)!;

  // The instance's public URL changed since the client was registered: the registry says so.
  await page.goto(`${team}/clients`);
  await expect(page.getByText("Registered redirect URI differs")).toHaveCount(0);
  const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  await db.query(`UPDATE "OAuthClient" SET "redirectUri" = 'https://old-keyway.example.test/oauth/callback' WHERE id = $1`, [clientId]);
  await db.end();
  await page.reload();
  const row = page.getByRole("row", { name: /Google/ });
  await expect(row).toContainText("Registered redirect URI differs from this instance's callback URL");
  await expect(row).toContainText("https://old-keyway.example.test/oauth/callback");
  await expect(row).toContainText("set today");
  await expectNoSeriousA11yViolations(page);
  await page.getByRole("link", { name: "Google" }).click();
  await expect(page.getByText("Registered with another URL")).toBeVisible();
  // An owner sees the client's audit trail on its page.
  await expect(page.getByRole("list", { name: "Audit trail" })).toContainText("Registered the OAuth client");
});
