import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createTeam, freshEmail, signUp } from "./support/journeys";
import { collectResponses } from "./support/responses";
import { ASSERTION_CLIENT, ASSERTION_ISSUER, ASSERTION_KID, startGoogleTokenServer, startOidcJwtBearerServer, type GoogleTokenServer, type OidcJwtBearerServer } from "../test/support/jwt-bearer-servers";

// Service accounts (issue 16, item 10) in the browser: a Google service
// account's JSON key is pasted (a wrong file is named on its field), saved
// write-only, and a test request and the proxy reach an API with the token a
// Google-shaped token endpoint (test/support/jwt-bearer-servers.ts) issued for
// the signed assertion. Then the same through an agent, with the token
// endpoint and the API both where only the agent can reach them.

const SECOND = process.env.KEYWAY_E2E_SECOND_URL!;
const SHOTS = process.env.KEYWAY_E2E_SCREENSHOTS;
const INSIDE_HOST = "127.0.0.7";
const SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly";

test.describe.configure({ timeout: 180_000 });

let google: GoogleTokenServer;
let inside: GoogleTokenServer;
let oidc: OidcJwtBearerServer;
let workdir: string;
let agentProcess: ChildProcess | undefined;
const agentLog: string[] = [];

test.beforeAll(async () => {
  [google, inside, oidc] = await Promise.all([startGoogleTokenServer(), startGoogleTokenServer(INSIDE_HOST), startOidcJwtBearerServer()]);
  workdir = mkdtempSync(path.join(tmpdir(), "keyway-agent-"));
});
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) console.log(`Agent log:\n${agentLog.join("\n")}`);
});
test.afterAll(async () => {
  const child = agentProcess;
  if (child && child.exitCode === null) await new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM")));
  await Promise.all([google?.close(), inside?.close(), oidc?.close()]);
  rmSync(workdir, { recursive: true, force: true });
});

async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

async function sendTest(page: Page) {
  await page.getByRole("button", { name: "Send test request" }).click();
  return page.getByTestId("test-result").getByTestId("test-summary");
}

test("a Google service account: a wrong file is named on its field, the key is saved write-only, and test requests and the proxy get Google's token", async ({ page, request }) => {
  const responses = collectResponses(page);
  const team = await signUp(page, "Sam Service", freshEmail("service-account"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Workspace directory");
  await page.getByLabel("Base URL").fill(`${google.apiUrl}/admin/directory/v1`);
  await page.getByRole("radio", { name: "Google service account", exact: true }).check();

  // The OAuth client file people download by mistake: said so on the field, nothing saved.
  const keyField = page.getByLabel("Service account key (JSON)");
  await keyField.fill(JSON.stringify({ web: { client_id: "123.apps.googleusercontent.com", client_secret: "GOCSPX-x" } }));
  await page.getByLabel("Scopes").fill(SCOPE);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByText(/That is an OAuth client file \(client_secret_….json\), not a service account key/)).toBeVisible();
  await shoot(page, "service-account-wrong-file");

  const keyFile = google.keyFile();
  const privateKeyLines = (JSON.parse(keyFile) as { private_key: string }).private_key.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"));
  await keyField.fill(keyFile);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;
  await expect(page.getByText("reporting@keyway-test.iam.gserviceaccount.com")).toBeVisible();

  const summary = await sendTest(page);
  await expect(summary).toContainText("200", { timeout: 30_000 });
  expect(google.requests().at(-1)!.problems).toEqual([]);
  expect(google.apiReceived.at(-1)).toMatch(/^Bearer ya29\./);
  await page.reload();
  await expect(page.getByTestId("oauth-state")).toContainText("is cached");
  await shoot(page, "service-account-page");

  // The edit form names the saved key and keeps it when the field is left empty.
  await page.goto(`${connectionPath}/edit`);
  await expect(page.getByLabel("Service account key (JSON)")).toHaveValue("");
  await expect(page.getByText(/Saved: the key of reporting@keyway-test\.iam\.gserviceaccount\.com \(key ID [0-9a-f]{8}…\)\. Leave empty to keep it/)).toBeVisible();
  await page.getByLabel("Impersonate user (subject, optional)").fill("admin@keyway.test");
  await shoot(page, "service-account-edit");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  // Not delegated yet: Google's refusal, with what to do about it.
  await expect(await sendTest(page)).toContainText("Domain-wide delegation", { timeout: 30_000 });
  google.delegatedUsers.add("admin@keyway.test");
  await page.reload();
  // The failure is remembered for a few seconds (back-off); then the token comes.
  await expect(async () => {
    await expect(await sendTest(page)).toContainText("200", { timeout: 10_000 });
  }).toPass({ timeout: 60_000 });
  expect(google.requests().at(-1)!.claims.sub).toBe("admin@keyway.test");

  // Through the proxy, with a team API key: the cached token, no new assertion.
  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("directory sync");
  await page.getByRole("button", { name: "Create API key" }).click();
  const key = (await page.locator("[data-copy-source]").first().textContent())?.trim() ?? "";
  expect(key).toMatch(/^kw_/);
  const grants = google.requests().length;
  const proxied = await request.get(`${connectionPath.replace(/^\/t\/[^/]+\/connections\//, "/api/proxy/")}/users?domain=keyway.test`, { headers: { authorization: `Bearer ${key}` } });
  expect(proxied.status()).toBe(200);
  expect(await proxied.json()).toMatchObject({ sub: "admin@keyway.test", path: "/api/admin/directory/v1/users?domain=keyway.test" });
  expect(google.requests().length).toBe(grants);

  // The key never went to the browser.
  const seen = responses.join("\n");
  for (const line of privateKeyLines) expect(seen).not.toContain(line);
});

test("a Google service account through an agent: the token request and the API calls both go through it", async ({ page }) => {
  await signUp(page, "Ada Agent", freshEmail("service-account-agent"));
  const team = await createTeam(page, "Inside service team");
  await page.goto(`${team}/agents`);
  await page.getByLabel("Name").fill("directory-box");
  await page.getByRole("button", { name: "Register agent" }).click();
  const token = ((await page.locator("code[data-copy-source]").first().textContent()) ?? "").trim();
  expect(token).toMatch(/^kwa_/);
  const command = (await page.getByRole("region", { name: "Start it on a machine inside your network" }).textContent()) ?? "";
  const script = await fetch(/curl -fsSL (\S+) -o keyway-agent\.mjs/.exec(command)![1]!);
  writeFileSync(path.join(workdir, "keyway-agent.mjs"), Buffer.from(await script.arrayBuffer()));
  const child = spawn(process.execPath, [path.join(workdir, "keyway-agent.mjs"), "--url", SECOND, "--allow", `${INSIDE_HOST}/32`], {
    cwd: workdir,
    env: { PATH: process.env.PATH, NODE_ENV: "production", KEYWAY_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => agentLog.push(...chunk.toString("utf8").trim().split("\n")));
  agentProcess = child;
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  await expect(page.getByRole("list", { name: "Agents" }).getByRole("listitem").filter({ hasText: "directory-box" })).toContainText("Online", { timeout: 20_000 });

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Inside directory");
  await page.getByLabel("Base URL").fill(inside.apiUrl);
  await page.getByRole("radio", { name: "Google service account", exact: true }).check();
  await page.getByLabel("Service account key (JSON)").fill(inside.keyFile());
  await page.getByLabel("Scopes").fill(SCOPE);
  await page.getByRole("radio", { name: /^Yes/ }).check();
  await page.getByLabel("Agent", { exact: true }).selectOption({ index: 1 });
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);

  await expect(await sendTest(page)).toContainText("200", { timeout: 30_000 });
  expect(inside.requests().at(-1)!.problems).toEqual([]);
  expect(inside.apiReceived.at(-1)).toMatch(/^Bearer ya29\./);
  // Keyway itself may not reach 127.0.0.7: both requests were the agent's.
  expect(agentLog.some((line) => line.includes(`POST ${inside.tokenUri} → 200`))).toBe(true);
  expect(agentLog.some((line) => line.includes(`GET ${inside.apiUrl} → 200`))).toBe(true);
});

test("a generic JWT bearer connection: the key is checked against the algorithm on its field, and oidc-provider's token reaches the API", async ({ page }) => {
  const responses = collectResponses(page);
  const team = await signUp(page, "Jo Bearer", freshEmail("jwt-bearer"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Reporting API");
  await page.getByLabel("Base URL").fill(oidc.apiUrl);
  await page.getByRole("radio", { name: "JWT bearer (service account)", exact: true }).check();
  const fields = page.getByTestId("jwt-bearer-fields");
  await fields.getByLabel("Token URL").fill(oidc.tokenUrl);
  await fields.getByLabel("Issuer (iss)").fill(ASSERTION_ISSUER);
  await fields.getByLabel("Subject (sub, optional)").fill("reporting-bot");
  await fields.getByLabel("Client ID (optional)").fill(ASSERTION_CLIENT);
  await fields.getByLabel("Private key (PEM)").fill(oidc.ecKeyPem);
  await fields.getByLabel("Key ID (kid, optional)").fill(`${ASSERTION_KID}-ec`);
  await fields.getByLabel("Scopes").fill("read");
  // RS256 is the default; this key is an EC key: said on the key's field by the server, nothing saved.
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(fields.getByText("RS256 needs an RSA key; this is an EC key: choose ES256")).toBeVisible();
  await shoot(page, "jwt-bearer-error");

  await fields.getByLabel("Signing algorithm").selectOption("ES256");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;
  await expect(await sendTest(page)).toContainText("200", { timeout: 30_000 });
  await expect(page.getByTestId("test-result")).toContainText("reporting-bot");
  expect(oidc.refusals()).toEqual([]);

  await page.goto(`${connectionPath}/edit`);
  await expect(fields.getByLabel("Private key (PEM)")).toHaveValue("");
  await expect(fields.getByText("Saved. Leave empty to keep it")).toBeVisible();
  await expect(fields.getByLabel("Signing algorithm")).toHaveValue("ES256");
  await expect(fields.getByLabel("Issuer (iss)")).toHaveValue(ASSERTION_ISSUER);
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  await expect(await sendTest(page)).toContainText("200", { timeout: 30_000 });

  const seen = responses.join("\n");
  for (const line of oidc.ecKeyPem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) expect(seen).not.toContain(line);
});
