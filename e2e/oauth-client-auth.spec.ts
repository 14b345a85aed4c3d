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

test("a registered client with Private key JWT: its public key is shown to copy, never the private key; a connection with it connects at oidc-provider and its test request succeeds", async ({ page, request }) => {
  const keyPem = await (await request.get(`${ISSUER}/__test/client-key`)).text();
  const keyBody = keyPem.split("\n")[1]!;
  const team = await signUp(page, "Priya Keys", freshEmail("registered-pkjwt"));

  await page.goto(`${team}/clients/new`);
  await page.locator("label", { hasText: /^OpenID Connect issuer$/ }).click();
  await page.getByLabel("Issuer URL").fill(ISSUER);
  await page.getByRole("button", { name: "Read discovery document" }).click();
  await expect(page.getByText(`Read the discovery document of ${ISSUER}`)).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Signed provider");
  await page.getByLabel("Client ID").fill("keyway-pkjwt");
  await page.getByRole("radio", { name: /^Private key JWT/ }).check();
  // Only the chosen method's fields: no secret, a key, its algorithm and key ID.
  await expect(page.getByLabel("Client secret")).toHaveCount(0);
  const fields = page.getByTestId("private-key-jwt");
  await fields.getByLabel("Private key (PEM)").fill(keyPem);
  await fields.getByLabel("Key ID (kid, optional)").fill("keyway-pkjwt-1");
  await page.getByLabel("Default scopes").fill("read");
  await shoot(page, "registered-client-private-key-jwt");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  const clientPage = new URL(page.url()).pathname;

  // The public key, with one Copy button; the private key is nowhere on the page.
  const publicKey = page.getByTestId("public-key");
  await expect(publicKey).toContainText('"kid":"keyway-pkjwt-1"');
  await expect(publicKey.getByRole("button", { name: /copy/i })).toHaveCount(1);
  expect(await page.content()).not.toContain(keyBody);
  await shoot(page, "registered-client-public-key");

  // The edit form says the key is saved and keeps it when left empty.
  await page.goto(`${clientPage}/edit`);
  await expect(page.getByRole("radio", { name: /^Private key JWT/ })).toBeChecked();
  await expect(page.getByTestId("private-key-jwt").getByLabel("Private key (PEM)")).toHaveValue("");
  await expect(page.getByText("Saved. Leave empty to keep it")).toBeVisible();
  expect(await page.content()).not.toContain(keyBody);

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Signed API");
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/v1`);
  await page.getByRole("radio", { name: "OAuth2 (authorization code)", exact: true }).check();
  const option = await page.locator("#field-oauthClientRef option", { hasText: "Signed provider (" }).getAttribute("value");
  await page.getByLabel("OAuth client").selectOption(option!);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connection = new URL(page.url()).pathname;

  await page.getByRole("button", { name: /^Connect to / }).click();
  await page.waitForURL(new RegExp(`^${ISSUER}/interaction/`));
  await page.getByPlaceholder("Enter any login").fill("priya");
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(new RegExp(`${connection}\\?authorization=`));
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");

  const history = page.getByRole("list", { name: "Test history" }).getByRole("listitem");
  const before = await history.count();
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(history).toHaveCount(before + 1, { timeout: 20_000 });
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200");
  await expect(page.getByTestId("test-result")).toContainText('"client_id": "keyway-pkjwt"');
  expect(await page.content()).not.toContain(keyBody);
});
