import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";
import { TIME_SCALE } from "./support/chromium";

// Issue 20's page-by-page work, as a user meets it: the auth-type picker and
// the Base URL warning in the connection form, a test request that shows its
// progress and can be cancelled (on the server too), history paths relative
// to the base URL, the Connections list's search, filters, sort and provider
// marks (with and without JavaScript, and on a phone), and the audit log's
// sentences.

// With KEYWAY_E2E_SCREENSHOTS=<dir>, each page is also shot at 1280 and 390 px to look at.
const SHOTS = process.env.KEYWAY_E2E_SCREENSHOTS;
async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  const { width, height } = page.viewportSize() ?? { width: 1280, height: 720 };
  for (const shotWidth of [1280, 390]) {
    await page.setViewportSize({ width: shotWidth, height: 900 });
    await page.screenshot({ path: `${SHOTS}/${name}-${shotWidth}.png`, fullPage: true });
  }
  await page.setViewportSize({ width, height });
}

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
test.beforeAll(async () => {
  upstream = await startEchoUpstream();
});
test.afterAll(async () => upstream?.close());

async function createConnection(page: Page, team: string, name: string, baseUrl: string, type: string, fill?: () => Promise<void>): Promise<string> {
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base URL").fill(baseUrl);
  await page.getByRole("radio", { name: type, exact: true }).check();
  await fill?.();
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

test("the auth-type picker is a labelled radio list, errors of another type go away, and Base URL warns of what outbound safety refuses", async ({ page }) => {
  test.setTimeout(240_000 * TIME_SCALE);
  const team = await signUp(page, "Pia Picker", freshEmail("picker"));
  await page.goto(`${team}/connections/new`);
  const picker = page.getByRole("group", { name: "Authentication type" });
  // One per type: the eleven API types, the two service-account types and the webhook receiver.
  await expect(picker.getByRole("radio")).toHaveCount(14);
  // Each option: its name as the radio's name, one line as its description.
  await expect(picker.getByRole("radio", { name: "Header auth", exact: true })).toHaveAccessibleDescription("Headers such as X-API-Key");
  await expect(picker.getByRole("radio", { name: "Basic", exact: true })).toBeChecked();
  await picker.getByRole("radio", { name: "Digest", exact: true }).press("ArrowDown");
  await expect(picker.getByRole("radio", { name: "AWS Signature V4", exact: true })).toBeChecked();
  await picker.getByRole("radio", { name: "Basic", exact: true }).check();

  // Basic without a username: the error shows, and goes once the type is Custom (whose username is optional).
  await page.getByLabel("Name", { exact: true }).fill("Picker API");
  await page.getByLabel("Base URL").fill(upstream.baseUrl);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByText("Enter a username.")).toBeVisible();
  await picker.getByRole("radio", { name: "Custom", exact: true }).check();
  await expect(page.getByText("Enter a username.")).toHaveCount(0);
  await expect(page.getByText("Some fields need your attention")).toHaveCount(0);
  // Back to the type it was found under: it applies again.
  await picker.getByRole("radio", { name: "Basic", exact: true }).check();
  await expect(page.getByText("Enter a username.")).toBeVisible();

  // The warning follows this instance's KEYWAY_OUTBOUND_ALLOW (the browser tests allow loopback only).
  const warning = page.getByTestId("base-url-warning");
  await expect(warning).toHaveCount(0);
  await page.getByLabel("Base URL").fill("http://10.20.30.40:8080/api");
  await expect(warning).toContainText("10.20.30.40 is a private-network address");
  await expect(warning).toContainText("KEYWAY_OUTBOUND_ALLOW (for example 10.20.30.40/32)");
  await expect(page.getByLabel("Base URL")).toHaveAccessibleDescription(/KEYWAY_OUTBOUND_ALLOW/);
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "connection-form");
  await page.getByLabel("Base URL").fill(`${upstream.baseUrl}/v1`);
  await expect(warning).toHaveCount(0);
});

test("a test request shows its progress, can be cancelled down to the API, and its result and history read relative to the base URL", async ({ page }) => {
  test.setTimeout(300_000 * TIME_SCALE);
  await signUp(page, "Ada Tester", freshEmail("tester"));
  const team = new URL(page.url()).pathname.match(/^\/t\/[^/]+/)![0];
  const connection = await createConnection(page, team, "Slow API", `${upstream.baseUrl}/`, "Header auth", async () => {
    await page.getByLabel("Header name").fill("X-Api-Key");
    await page.getByLabel("Value").fill("slow-api-secret-value-1");
  });

  // A first, quick result: 401, with the way to fix it.
  await page.locator("#test-path").fill("/status/401");
  await page.getByRole("button", { name: "Send test request" }).click();
  const result = page.getByTestId("test-result");
  await expect(result.getByTestId("test-summary")).toContainText("401 Unauthorized", { timeout: 30_000 });
  await expect(result.getByRole("link", { name: "Edit credentials" })).toHaveAttribute("href", `${connection}/edit`);
  await expect(result.getByTestId("test-path")).toHaveText("/status/401");

  // A slow one: the previous result dims, the elapsed time counts up, Cancel stops it at the API too
  // (well within KEYWAY_OUTBOUND_TIMEOUT_MS, 15 s, after which it would fail as timed out).
  await page.locator("#test-path").fill("/slow/60000");
  await page.getByRole("button", { name: "Send test request" }).click();
  const sending = page.getByTestId("test-sending");
  await expect(sending).toContainText("Sending GET /slow/60000…", { timeout: 20_000 });
  await expect(result).toHaveAttribute("aria-busy", "true");
  await expect.poll(async () => Number.parseFloat((await sending.getByTestId("test-elapsed").textContent()) ?? "0"), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  await expect.poll(() => upstream.received.some((r) => r.url === "/slow/60000"), { timeout: 20_000 }).toBe(true);
  await sending.getByRole("button", { name: "Cancel" }).click();
  await expect(sending).toHaveCount(0, { timeout: 20_000 });
  await expect(result).toHaveAttribute("aria-busy", "false");
  await expect(result.getByTestId("test-summary")).toContainText("Cancelled after");
  await expect(result).toContainText("Cancelled");
  // The request really went away at the API, long before its minute was up.
  await expect.poll(() => upstream.abandoned.includes("/slow/60000"), { timeout: 20_000 }).toBe(true);

  // The history, after a reload: paths under the base URL, the cancelled run said so.
  await page.reload();
  const history = page.getByRole("list", { name: "Test history" }).getByRole("listitem");
  await expect(history).toHaveCount(2);
  await expect(history.nth(0).getByTestId("test-path")).toHaveText("/slow/60000");
  await expect(history.nth(0)).toContainText("Cancelled");
  await expect(history.nth(1).getByTestId("test-path")).toHaveText("/status/401");
  await expect(page.getByRole("list", { name: "Test history" })).not.toContainText(upstream.baseUrl);
  // Ad-hoc tests (the 401, the cancelled one) never set the status: that is the health check's, which has not run yet.
  await expect(page.getByTestId("connection-status").first()).toHaveText("Not checked yet");
  await shoot(page, "test-history");

  // The audit log tells it in sentences, the email on hover, the raw action one click away.
  await page.goto(`${team}/audit`);
  const tested = page.getByTestId("audit-event").filter({ hasText: "tested Slow API — 401" });
  await expect(tested).toHaveCount(1);
  await expect(tested).toContainText("Ada Tester tested Slow API — 401");
  await expect(tested.getByRole("link", { name: "Ada Tester" })).toHaveAttribute("title", /^ada-tester|@/);
  await expect(page.getByTestId("audit-event").filter({ hasText: "tested Slow API — cancelled" })).toHaveCount(1);
  await expect(tested.getByText("connection.tested")).toBeHidden();
  await tested.getByText("Details").click();
  await expect(tested.getByText("connection.tested")).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "audit-log");
});

test("the Connections list searches, filters and sorts from the URL, with and without JavaScript, shows provider marks, and stacks on a phone", async ({ page, browser }) => {
  test.setTimeout(300_000 * TIME_SCALE);
  const team = await signUp(page, "Lou Lister", freshEmail("lister"));
  // A Google client from its template, so one connection has a provider mark.
  await page.goto(`${team}/clients/new?provider=google`);
  await page.getByLabel("Client ID").fill("1234-abc.apps.googleusercontent.com");
  await page.getByLabel("Client secret").fill("GOCSPX-list-secret-value");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);

  await createConnection(page, team, "Alpha hooks", `${upstream.baseUrl}/alpha`, "None");
  await createConnection(page, team, "Beta billing", `${upstream.baseUrl}/beta`, "Basic", async () => {
    await page.getByLabel("Username").fill("beta");
    await page.getByLabel("Password or API key").fill("beta-billing-secret-1");
  });
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 30_000 });
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Gamma drive");
  await page.getByLabel("Base URL").fill("https://www.googleapis.com/drive/v3");
  await page.getByRole("radio", { name: "OAuth2 (authorization code)", exact: true }).check();
  const option = await page.locator("#field-oauthClientRef option", { hasText: "Google (" }).getAttribute("value");
  await page.getByLabel("OAuth client").selectOption(option!);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  // Not connected yet: connecting is the page's one primary action, first; the test panel waits for it.
  await expect(page.getByRole("button", { name: "Connect to Google" })).toBeVisible();
  await expect(page.getByText("Connect first")).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "oauth-not-connected");

  await page.goto(`${team}/connections`);
  const rows = page.getByTestId("connection-row");
  const names = () => rows.getByRole("link").allTextContents();
  await expect(rows).toHaveCount(3);
  expect(await names()).toEqual(["Alpha hooks", "Beta billing", "Gamma drive"]);
  await expect(rows.filter({ hasText: "Gamma drive" }).getByTestId("provider-icon")).toHaveAttribute("data-provider", "google");
  await expect(rows.filter({ hasText: "Gamma drive" }).getByRole("img", { name: "Google" })).toBeVisible();
  await expect(rows.filter({ hasText: "Alpha hooks" }).getByTestId("provider-icon")).toHaveCount(0);
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "connections-list");

  // Search by URL, then narrow by type: the view is in the address, so a reload (or a colleague) sees the same.
  await page.getByRole("searchbox", { name: "Search by name or URL" }).fill("/BETA");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]q=%2FBETA/);
  expect(await names()).toEqual(["Beta billing"]);
  await page.reload();
  expect(await names()).toEqual(["Beta billing"]);
  await page.goto(`${team}/connections?type=NONE`);
  expect(await names()).toEqual(["Alpha hooks"]);
  await expect(page.getByLabel("Auth type")).toHaveValue("NONE");
  await page.goto(`${team}/connections?status=WORKING`);
  expect(await names()).toEqual(["Beta billing"]);
  await page.goto(`${team}/connections?sort=last-tested`);
  expect((await names())[0]).toBe("Beta billing");
  await page.goto(`${team}/connections?q=nothing-like-this`);
  await expect(page.getByText("No connection matches.")).toBeVisible();
  await page.getByRole("link", { name: "Clear the search and filters" }).click();
  await expect(rows).toHaveCount(3);
  // Nonsense in the URL is ignored, never an error page.
  const odd = await page.goto(`${team}/connections?status=BROKEN&sort=random&type=`);
  expect(odd?.status()).toBe(200);
  await expect(rows).toHaveCount(3);

  // Without JavaScript: the same form, the same answer.
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto(`${team}/connections`);
  await plain.getByLabel("Status").selectOption("WORKING");
  await plain.getByRole("button", { name: "Apply" }).click();
  await expect(plain).toHaveURL(/status=WORKING/);
  await expect(plain.getByTestId("connection-row")).toHaveCount(1);
  await expect(plain.getByTestId("connection-row")).toContainText("Beta billing");
  await noScript.close();

  // A phone: stacked rows, every status visible, nothing scrolled sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${team}/connections`);
  for (const row of await rows.all()) await expect(row.getByTestId("connection-status")).toBeInViewport();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
