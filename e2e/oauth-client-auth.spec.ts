import { generateKeyPairSync } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { freshEmail, signUp } from "./support/journeys";

// The private_key_jwt and tls_client_auth fields of an OAuth2 connection
// (issue 16, item 9) in the browser: a key that does not fit the algorithm
// is refused next to its field, a fitting one is saved and never shown
// again (the edit form says it is kept), and the certificate methods ask for
// the connection's client certificate. (Token requests with each method are
// tested against oidc-provider in test/integration/oauth-client-auth.test.ts.)

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;
const SHOTS = process.env.KEYWAY_E2E_SCREENSHOTS;

// Sign-up and three saves of a large form: slow on a loaded machine.
test.describe.configure({ timeout: 420_000 });

async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

test("private_key_jwt: the key is checked against the algorithm, saved write-only; tls_client_auth asks for the certificate", async ({ page }) => {
  const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const team = await signUp(page, "Kim Keyholder", freshEmail("client-auth"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Signed assertions");
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/v1`);
  await page.getByRole("radio", { name: "OAuth2 (client credentials)", exact: true }).check();
  await page.getByLabel("Token URL").fill(`${ISSUER}/token`);
  await page.getByLabel("Client ID").fill("keyway-pkjwt");

  // The certificate methods need the connection's client certificate.
  await page.getByLabel("Client authentication").selectOption("tls_client_auth");
  await expect(page.getByTestId("tls-client-auth-note")).toContainText("client certificate");
  await expect(page.getByLabel("Client secret")).toHaveCount(0);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByText("turn on “Use client SSL certificate” under Options")).toBeVisible();

  await page.getByLabel("Client authentication").selectOption("private_key_jwt");
  const fields = page.getByTestId("private-key-jwt");
  await fields.getByLabel("Private key (PEM)").fill(ecKey);
  await fields.getByLabel("Key ID (kid, optional)").fill("key-2026");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(fields.getByText("RS256 needs an RSA key; this is an EC key: choose ES256")).toBeVisible();
  await shoot(page, "private-key-jwt-error");

  await fields.getByLabel("Signing algorithm").selectOption("ES256");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connection = new URL(page.url()).pathname;
  expect(await page.content()).not.toContain(ecKey.split("\n")[1]!);

  await page.goto(`${connection}/edit`);
  const edit = page.getByTestId("private-key-jwt");
  await expect(edit.getByLabel("Private key (PEM)")).toHaveValue("");
  await expect(edit.getByText("Saved. Leave empty to keep it")).toBeVisible();
  await expect(edit.getByLabel("Signing algorithm")).toHaveValue("ES256");
  await expect(edit.getByLabel("Key ID (kid, optional)")).toHaveValue("key-2026");
  expect(await page.content()).not.toContain(ecKey.split("\n")[1]!);
  await edit.scrollIntoViewIfNeeded();
  await shoot(page, "private-key-jwt-edit");
  // Saved again without the key: it is kept.
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
});
