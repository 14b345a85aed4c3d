import { expect, test, type Page } from "@playwright/test";
import { freshEmail, signUp } from "./support/journeys";
import { collectResponses } from "./support/responses";
import { startEchoUpstream } from "./support/upstream";
import { startDigestUpstream, startOAuth1Upstream, startSigV4Upstream } from "../test/support/signed-upstreams";
import { TIME_SCALE } from "./support/chromium";

// A member sets up a connection of each type of issue 17 in the browser:
// Bearer token, Digest, AWS Signature V4 and OAuth 1.0a, each against an API
// that checks the credentials with an implementation that is not Keyway's
// (http-auth, aws4, node-oauth). Each is tested from its page, edited without
// retyping its secret and tested again, and used through the proxy with a
// team API key. No secret ever comes back to the browser.

const SECRETS = {
  bearer: "bearer-e2e-token-0000011",
  digest: "digest-e2e-password-00022",
  awsSecret: "aws/e2e+secret-key-000033",
  oauthSecret: "oauth1-e2e-consumer-00044",
};
const AWS = { accessKeyId: "AKIDE2EKEYWAY", region: "eu-central-1", service: "execute-api" };

let echo: Awaited<ReturnType<typeof startEchoUpstream>>;
let digest: Awaited<ReturnType<typeof startDigestUpstream>>;
let sigv4: Awaited<ReturnType<typeof startSigV4Upstream>>;
let oauth1: Awaited<ReturnType<typeof startOAuth1Upstream>>;
test.beforeAll(async () => {
  [echo, digest, sigv4, oauth1] = await Promise.all([
    startEchoUpstream(),
    startDigestUpstream({ username: "digest-user", password: SECRETS.digest }),
    startSigV4Upstream({ ...AWS, secretAccessKey: SECRETS.awsSecret }),
    startOAuth1Upstream({ consumerKey: "e2e-consumer", consumerSecret: SECRETS.oauthSecret }),
  ]);
});
test.afterAll(async () => Promise.all([echo?.close(), digest?.close(), sigv4?.close(), oauth1?.close()]));

async function startConnection(page: Page, team: string, name: string, baseUrl: string, type: string) {
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base URL").fill(baseUrl);
  await page.getByRole("radio", { name: type, exact: true }).check();
}

async function save(page: Page, button = "Create connection"): Promise<string> {
  await page.getByRole("button", { name: button }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

async function testFromPage(page: Page) {
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 20_000 });
}

/** Edit: change only the name, leave every secret field empty, save, test again. */
async function editWithoutSecrets(page: Page, connectionPath: string, newName: string) {
  await page.goto(`${connectionPath}/edit`);
  await expect(page.getByText(/Saved(, ends in ....)?\. Leave empty to keep it/).first()).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill(newName);
  await save(page, "Save changes");
  await testFromPage(page);
}

async function screenshots(page: Page, name: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `test-results/signed-auth-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("a member creates, tests, edits and proxies Bearer, Digest, AWS SigV4 and OAuth 1.0a connections", async ({ page, request }) => {
  test.setTimeout(480_000 * TIME_SCALE);
  const responses = collectResponses(page);
  const team = await signUp(page, "Sigrid Signer", freshEmail("signed"));

  // Bearer token: one secret field, sent as Authorization: Bearer.
  await startConnection(page, team, "Bearer API", echo.baseUrl, "Bearer token");
  await page.getByLabel("Token", { exact: true }).fill(SECRETS.bearer);
  const bearer = await save(page);
  await testFromPage(page);
  expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${SECRETS.bearer}`);
  await expect(page.getByTestId("test-result")).not.toContainText(SECRETS.bearer);
  await editWithoutSecrets(page, bearer, "Bearer API (renamed)");
  expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${SECRETS.bearer}`);

  // Digest against http-auth's server.
  await startConnection(page, team, "Digest API", digest.url, "Digest");
  await page.getByLabel("Username", { exact: true }).fill("digest-user");
  await page.getByLabel("Password", { exact: true }).fill(SECRETS.digest);
  await screenshots(page, "form-digest");
  const digestPath = await save(page);
  await testFromPage(page);
  await expect(page.getByTestId("test-result")).toContainText("Digest username");
  await editWithoutSecrets(page, digestPath, "Digest API (renamed)");

  // AWS SigV4, checked by aws4.
  await startConnection(page, team, "AWS API", `${sigv4.url}/prod`, "AWS Signature V4");
  await page.getByLabel("Access key ID", { exact: true }).fill(AWS.accessKeyId);
  await page.getByLabel("Secret access key", { exact: true }).fill(SECRETS.awsSecret);
  await page.getByLabel("Region", { exact: true }).fill(AWS.region);
  await page.getByLabel("Service", { exact: true }).fill(AWS.service);
  await screenshots(page, "form-sigv4");
  const awsPath = await save(page);
  await expect(page.getByText(`${AWS.region} / ${AWS.service}`)).toBeVisible();
  await testFromPage(page);
  await screenshots(page, "page-sigv4");
  await editWithoutSecrets(page, awsPath, "AWS API (renamed)");
  expect(sigv4.refused).toEqual([]);

  // OAuth 1.0a, two-legged HMAC-SHA1, checked by node-oauth.
  await startConnection(page, team, "OAuth1 API", oauth1.url, "OAuth 1.0a");
  await page.getByLabel("Consumer key", { exact: true }).fill("e2e-consumer");
  await page.getByLabel("Consumer secret", { exact: true }).fill(SECRETS.oauthSecret);
  await screenshots(page, "form-oauth1");
  const oauthPath = await save(page);
  await testFromPage(page);
  await editWithoutSecrets(page, oauthPath, "OAuth1 API (renamed)");
  expect(oauth1.refused).toEqual([]);

  // Every one through the proxy, with a team API key.
  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("signed worker");
  await page.getByRole("button", { name: "Create API key" }).click();
  const key = (await page.locator("[data-copy-source]").first().textContent())?.trim() ?? "";
  expect(key).toMatch(/^kw_/);
  const proxy = (path: string) => `${path.replace(/^\/t\/[^/]+\/connections\//, "/api/proxy/")}`;
  const body = "x".repeat(100 * 1024);
  for (const [path, check] of [
    [bearer, () => expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${SECRETS.bearer}`)],
    [digestPath, () => expect(digest.received.at(-1)).toMatchObject({ method: "POST", bodyBytes: body.length })],
    [awsPath, () => expect(sigv4.received.at(-1)!.verdict).toBe("sigv4 ok (unsigned payload)")],
    [oauthPath, () => expect(oauth1.received.at(-1)!.verdict).toBe("oauth1 ok (HMAC-SHA1)")],
  ] as const) {
    const response = await request.post(`${proxy(path)}/orders?status=open`, { headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" }, data: body });
    expect(response.status(), path).toBe(200);
    check();
  }
  expect(sigv4.refused).toEqual([]);
  expect(oauth1.refused).toEqual([]);

  // No secret was ever sent to the browser.
  const seen = responses.join("\n");
  for (const secret of Object.values(SECRETS)) expect(seen).not.toContain(secret);
});
