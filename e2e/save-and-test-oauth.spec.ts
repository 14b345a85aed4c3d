import { expect, test } from "@playwright/test";
import { freshEmail, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// "Save and test" for the grants without a user (client credentials, service
// accounts): no browser redirect is needed, so the form gets a token for the
// unsaved settings and sends the check with it, as it does for Header auth.
// Where it cannot work (the authorization code grant before Connect, a
// webhook receiver) there is no such button.

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;

test("Save and test with OAuth2 client credentials: a refused secret saves nothing and says why in the form; the right one saves a working connection", async ({ page }) => {
  test.setTimeout(180_000 * TIME_SCALE);
  const team = await signUp(page, "Cora Credentials", freshEmail("save-test-cc"));
  await page.goto(`${team}/connections/new`);
  const saveAndTest = page.getByRole("button", { name: "Save and test" });
  for (const [type, offered] of [
    ["OAuth2 (authorization code)", false],
    ["Webhook receiver", false],
    ["Google service account", true],
    ["JWT bearer (service account)", true],
    ["OAuth2 (client credentials)", true],
  ] as const) {
    await page.getByRole("radio", { name: type, exact: true }).check();
    await expect(saveAndTest, type).toHaveCount(offered ? 1 : 0);
  }

  await page.getByLabel("Name", { exact: true }).fill("Machine API");
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/v1`);
  await page.getByLabel("Token URL").fill(`${ISSUER}/token`);
  await page.getByLabel("Client ID").fill("keyway-cc");
  await page.getByLabel("Client secret").fill("not-the-secret");
  await saveAndTest.click();
  await expect(page.getByTestId("save-test-result")).toContainText(/token/i, { timeout: 30_000 * TIME_SCALE });
  await expect(page).toHaveURL(/\/connections\/new$/);

  await page.getByLabel("Client secret").fill("keyway-cc-secret");
  await saveAndTest.click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/, { timeout: 30_000 * TIME_SCALE });
  await expect(page.getByTestId("connection-status").first()).toHaveText("Working");
});
