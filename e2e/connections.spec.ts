import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { createInvitationLink, createTeam, freshEmail, joinAsNewUser, signUp } from "./support/journeys";
import { collectResponses } from "./support/responses";
import { startEchoUpstream } from "./support/upstream";
import { TIME_SCALE } from "./support/chromium";

// A member sets up one connection of every non-OAuth type against an API the
// test runs on loopback, tests each from its page, and edits one without
// retyping its secret. No saved secret may ever come back to the browser.

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
test.beforeAll(async () => {
  upstream = await startEchoUpstream();
});
test.afterAll(async () => upstream?.close());

const SECRETS = {
  basicPassword: "pässword-basic-secret-1",
  headerValue: "hdr-secret-value-000002",
  queryValue: "query-secret-value-0003",
  customPassword: "custom-basic-secret-004",
  customHeader: "custom-hdr-secret-00005",
};

async function chooseType(page: Page, label: string) {
  await page.getByRole("radio", { name: label, exact: true }).check();
}

async function startConnection(page: Page, team: string, name: string, path = "") {
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base URL").fill(`${upstream.baseUrl}${path}`);
}

async function save(page: Page, button = "Create connection"): Promise<string> {
  await page.getByRole("button", { name: button }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

/** Sends the default test request from the connection page; returns what the upstream received. */
async function testFromPage(page: Page) {
  const before = upstream.received.length;
  await page.getByRole("button", { name: "Send test request" }).click();
  // The result of this request, not one of the history's (which holds the same test ids).
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 20_000 });
  expect(upstream.received.length).toBe(before + 1);
  return upstream.received[upstream.received.length - 1]!;
}

test("a member creates and tests one connection of each type, and edits one without retyping its secret", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  const responses = collectResponses(page);
  const team = await signUp(page, "Connie Member", freshEmail("connections"));

  await page.goto(`${team}/connections`);
  await expect(page.getByText("No connections yet")).toBeVisible();

  // None: nothing is sent (an API without authentication).
  await startConnection(page, team, "Inbound hooks");
  await chooseType(page, "None");
  await save(page);
  const none = await testFromPage(page);
  expect(none.headers.authorization).toBeUndefined();

  // Basic, with non-ASCII credentials: UTF-8 before base64.
  await startConnection(page, team, "Basic API");
  await chooseType(page, "Basic");
  await page.getByLabel("Username").fill("zoë");
  await page.getByLabel("Password or API key").fill(SECRETS.basicPassword);
  await save(page);
  const basic = await testFromPage(page);
  expect(basic.headers.authorization).toBe(`Basic ${Buffer.from(`zoë:${SECRETS.basicPassword}`, "utf8").toString("base64")}`);
  // The upstream echoed the credentials back; what Keyway shows and keeps has them removed.
  await expect(page.getByTestId("test-result").getByTestId("test-body")).not.toContainText(Buffer.from(`zoë:${SECRETS.basicPassword}`, "utf8").toString("base64"));

  // Header auth: one secret header, one plain one.
  await startConnection(page, team, "Header API");
  await chooseType(page, "Header auth");
  await page.locator("#headers-0-name").fill("X-Api-Key");
  await page.locator("#headers-0-value").fill(SECRETS.headerValue);
  await page.getByRole("button", { name: "Add header" }).click();
  await page.locator("#headers-1-name").fill("X-Plain");
  await page.locator("#headers-1-value").fill("visible-value");
  await page.locator("#headers-1-secret").uncheck();
  const headerPath = await save(page);
  const header = await testFromPage(page);
  expect(header.headers["x-api-key"]).toBe(SECRETS.headerValue);
  expect(header.headers["x-plain"]).toBe("visible-value");
  await expect(page.getByTestId("test-result").getByTestId("test-body")).toContainText("visible-value");

  // Query params on every URL.
  await startConnection(page, team, "Query API", "/v1");
  await chooseType(page, "Query params");
  await page.locator("#params-0-name").fill("api_key");
  await page.locator("#params-0-value").fill(SECRETS.queryValue);
  await save(page);
  const query = await testFromPage(page);
  expect(new URL(query.url, upstream.baseUrl).searchParams.get("api_key")).toBe(SECRETS.queryValue);
  expect(new URL(query.url, upstream.baseUrl).pathname).toBe("/v1");

  // Custom: a header, a parameter and Basic at once.
  await startConnection(page, team, "Custom API");
  await chooseType(page, "Custom");
  await page.locator("#headers-0-name").fill("X-Custom");
  await page.locator("#headers-0-value").fill(SECRETS.customHeader);
  await page.locator("#params-0-name").fill("tenant");
  await page.locator("#params-0-value").fill("acme");
  await page.locator("#params-0-secret").uncheck();
  await page.getByLabel("Basic username (optional)").fill("svc");
  await page.getByLabel("Password or API key").fill(SECRETS.customPassword);
  await save(page);
  const custom = await testFromPage(page);
  expect(custom.headers["x-custom"]).toBe(SECRETS.customHeader);
  expect(custom.headers.authorization).toBe(`Basic ${Buffer.from(`svc:${SECRETS.customPassword}`).toString("base64")}`);
  expect(new URL(custom.url, upstream.baseUrl).searchParams.get("tenant")).toBe("acme");

  // Edit the header connection: rename it, leave the secret field empty.
  await page.goto(`${headerPath}/edit`);
  await expect(page.locator("#headers-0-value")).toHaveValue("");
  await expect(page.getByText(/Saved, ends in 0002/)).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Header API (renamed)");
  await save(page, "Save changes");
  await expect(page.getByRole("heading", { name: "Header API (renamed)" })).toBeVisible();
  const afterEdit = await testFromPage(page);
  expect(afterEdit.headers["x-api-key"]).toBe(SECRETS.headerValue);

  // The list shows all five, tested and working.
  await page.goto(`${team}/connections`);
  const rows = page.getByTestId("connection-row");
  await expect(rows).toHaveCount(5);
  await expect(rows.getByTestId("connection-status").filter({ hasText: "Working" })).toHaveCount(5);

  // Nothing the browser received after a secret was saved contains one.
  for (const body of responses) {
    for (const secret of Object.values(SECRETS)) expect(body.includes(secret), `a response contained ${secret}`).toBe(false);
  }
});

test("test failures are explained, and a viewer can read but not edit or test", async ({ page, browser }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  await signUp(page, "Owner Olga", freshEmail("conn-owner"));
  const team = await createTeam(page, "Connection viewers");
  await startConnection(page, team, "Refusing API", "/status/401");
  await chooseType(page, "Basic");
  await page.getByLabel("Username").fill("wrong");
  await page.getByLabel("Password or API key").fill("wrong-password");
  const connectionPath = await save(page);
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("refused the credentials", { timeout: 20_000 });
  await page.reload();
  // A failing ad-hoc test is history; the status is the health check's, which has not run yet.
  await expect(page.getByTestId("connection-status").first()).toHaveText("Not checked yet");

  // A closed port: connection refused, in words.
  await startConnection(page, team, "Closed port");
  await page.getByLabel("Base URL").fill("http://127.0.0.1:9");
  await chooseType(page, "None");
  await save(page);
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText(/refused/i, { timeout: 20_000 });

  // Invalid input: messages next to the fields, nothing saved.
  await page.goto(`${team}/connections/new`);
  await chooseType(page, "Header auth");
  await page.getByLabel("Base URL").fill("ftp://example.com");
  await page.locator("#headers-0-name").fill("Content-Length");
  await page.locator("#headers-0-value").fill("1");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByText("Enter a name.")).toBeVisible();
  await expect(page.getByText(/http:\/\/ or https:\/\//)).toBeVisible();
  await expect(page.getByText("Keyway sets this header itself")).toBeVisible();

  // A viewer joins.
  const viewer = await joinAsNewUser(browser, "Vera Viewer", await createInvitationLink(page, team, "Viewer"), team);
  await expect(viewer.getByRole("link", { name: "Refusing API" })).toBeVisible();
  await expect(viewer.getByRole("link", { name: "New connection" })).toHaveCount(0);
  await viewer.goto(connectionPath);
  await expect(viewer.getByRole("heading", { name: "Refusing API" })).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Send test request" })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Edit" })).toHaveCount(0);
  await expect(viewer.getByText("only members can send test requests")).toBeVisible();
  const edit = await viewer.goto(`${connectionPath}/edit`);
  expect(edit?.status()).toBe(403);
});

test("a client certificate is checked on save, shown by subject and expiry, and sent to a server that requires it", async ({ page }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  const { createCa, issue } = await import("../test/support/pki");
  const { startHttpsEcho } = await import("../test/support/upstreams");
  const ca = await createCa();
  const serverCert = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
  const client = await issue(ca, { subject: "CN=keyway-e2e-client", usage: "client" });
  const other = await issue(ca, { subject: "CN=someone-else", usage: "client" });
  const mtls = await startHttpsEcho({ ...serverCert, clientCa: ca.certPem });
  try {
    const team = await signUp(page, "Tess Tls", freshEmail("mtls"));
    await page.goto(`${team}/connections/new`);
    await page.getByLabel("Name", { exact: true }).fill("Bank API (mTLS)");
    await page.getByLabel("Base URL").fill(mtls.url);
    await chooseType(page, "None");
    await page.getByLabel("Use client SSL certificate").check();
    await page.getByLabel("Certificate (PEM)").fill(client.certPem);
    await page.getByLabel("Private key (PEM)").fill(other.keyPem);
    await page.getByLabel("CA bundle (optional)").fill(ca.certPem);
    await page.getByRole("button", { name: "Create connection" }).click();
    await expect(page.getByText("This private key does not belong to the certificate.")).toBeVisible();

    await page.getByLabel("Private key (PEM)").fill(client.keyPem);
    await save(page);
    await expect(page.getByText("CN=keyway-e2e-client")).toBeVisible();
    await page.getByRole("button", { name: "Send test request" }).click();
    await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 20_000 });
    expect(mtls.received.at(-1)?.clientCertSubject).toBe("keyway-e2e-client");

    // The key never comes back: not on the page, not in the edit form.
    const keyLine = client.keyPem.split("\n")[1]!;
    expect(await page.content()).not.toContain(keyLine);
    await page.getByRole("link", { name: "Edit" }).click();
    await expect(page.getByRole("button", { name: "Replace certificate" })).toBeVisible();
    expect(await page.content()).not.toContain(keyLine);
  } finally {
    await mtls.close();
  }
});
