import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { createInvitationLink, freshEmail, joinAsNewUser, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";
import { TIME_SCALE } from "./support/chromium";

// `npm run screenshots`: every page Keyway has, in light and dark, at 1280 and
// 390 px, saved as PNGs under screenshots/ (git-ignored) for a person to look
// at, and scanned by axe in each. Not part of the normal browser-test run
// (playwright.screenshots.config.ts picks this file; the default config only
// *.spec.ts): it takes minutes and its output is pictures.
// The axe findings (serious and critical) of every shot are written to
// screenshots/axe.json and fail the run at the end, after all pictures exist.

const OUT = path.resolve(process.env.KEYWAY_SCREENSHOTS_DIR ?? "screenshots");
// KEYWAY_SCREENSHOTS_ONLY=connection,clients, KEYWAY_SCREENSHOTS_THEMES=dark, KEYWAY_SCREENSHOTS_WIDTHS=390 narrow a run.
const THEMES = (["light", "dark"] as const).filter((t) => process.env.KEYWAY_SCREENSHOTS_THEMES?.split(",").includes(t) ?? true);
const WIDTHS = [1280, 390].filter((w) => process.env.KEYWAY_SCREENSHOTS_WIDTHS?.split(",").includes(String(w)) ?? true);
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

type Shot = { name: string; path: string; as: "owner" | "member" | "anonymous"; prepare?: (page: Page) => Promise<void> };

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
test.beforeAll(async () => {
  upstream = await startEchoUpstream();
});
test.afterAll(async () => upstream?.close());

async function contextFor(browser: Browser, storage: Awaited<ReturnType<BrowserContext["storageState"]>> | undefined, theme: "light" | "dark", width: number) {
  const phone = width < 640;
  return browser.newContext({
    viewport: { width, height: phone ? 844 : 900 },
    isMobile: phone,
    hasTouch: phone,
    // The theme as the system's preference: what a visitor without a choice sees.
    colorScheme: theme,
    storageState: storage,
  });
}

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;

async function createConnection(page: Page, team: string, name: string, baseUrl: string, type: string, fill: (page: Page) => Promise<void> = async () => {}) {
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base URL").fill(baseUrl);
  await page.getByRole("radio", { name: type, exact: true }).check();
  await fill(page);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

async function sendTest(page: Page, path: string, status: string) {
  const history = page.getByRole("list", { name: "Test history" }).getByRole("listitem");
  const before = await history.count();
  await page.locator("#test-path").fill(path);
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(history).toHaveCount(before + 1, { timeout: 30_000 });
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText(status);
}

test("screenshots of every page, light and dark, desktop and phone, each scanned by axe", async ({ page, browser }) => {
  test.setTimeout(60 * 60_000 * TIME_SCALE);
  // The data the pages show, made the way a team would: connections of several
  // kinds (one tested a few times, one failing its health check, OAuth2 ones
  // connected and not), webhook events, OAuth clients, an API key, an agent,
  // notification channels, a member and a pending invitation; the audit log
  // fills itself from all that.
  page.on("pageerror", (error) => console.log(`page error on ${page.url()}: ${error.stack ?? error.message}`));
  page.on("console", (message) => message.type() === "error" && console.log(`console error on ${page.url()}: ${message.text()}`));
  const ownerEmail = freshEmail("shots");
  const team = await signUp(page, "Ada Owner", ownerEmail);

  await page.goto(`${team}/notifications`);
  const channelForm = page.getByRole("form", { name: "Add a channel" });
  await expect(async () => {
    await channelForm.getByRole("radio", { name: /^Email/ }).check();
    await expect(channelForm.getByLabel("Recipients")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await channelForm.getByLabel("Name").fill("On-call email");
  await channelForm.getByLabel("Recipients").fill("oncall@example.test, ada@example.test");
  await channelForm.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByText("Channel “On-call email” added.")).toBeVisible();

  const connection = await createConnection(page, team, "Echo API", upstream.baseUrl, "Header auth", async (p) => {
    await p.getByLabel("Header name").fill("X-Api-Key");
    await p.getByLabel("Value").fill("shots-secret-value-0001");
  });
  await sendTest(page, "", "200");
  await sendTest(page, "/v1/users?limit=1", "200");
  await sendTest(page, "/status/404", "404");
  await sendTest(page, "/v1/orders/2024-0001/items", "200");

  // Its API answers 503 to everything, health check included.
  const failing = await createConnection(page, team, "Status API", `${upstream.baseUrl}/status/503`, "Basic", async (p) => {
    await p.getByLabel("Username").fill("svc-status");
    await p.getByLabel("Password or API key").fill("shots-basic-secret-0002");
  });
  await page.getByText("Check settings").click();
  await page.locator("#health-path").fill("/health");
  await page.getByRole("button", { name: "Save check" }).click();
  await expect(page.getByText("Health check saved.")).toBeVisible();
  await page.getByRole("button", { name: "Run check now" }).click();
  await expect(page.getByTestId("check-result")).toContainText("503", { timeout: 30_000 });

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Inbound hooks");
  await page.getByRole("radio", { name: "Webhook receiver", exact: true }).check();
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-z]+\?saved=1$/);
  const webhook = new URL(page.url()).pathname;
  // The receiver page with its parts filled in: a forward URL, two events, their forwards in the log.
  await page.getByLabel("Forward URL").fill(`${upstream.baseUrl}/incoming-hooks`);
  await page.getByRole("button", { name: "Save forward URL" }).click();
  await expect(page.getByText("Saved: each event accepted from now on is forwarded.")).toBeVisible();
  const hookUrl = await page.locator("[data-copy-source]").textContent();
  if (hookUrl) {
    await page.request.post(hookUrl, { data: { hello: "world", order: 1234 }, headers: { "X-Shop-Topic": "orders/create" } });
    await page.request.post(hookUrl, { data: { hello: "again", order: 1235 }, headers: { "X-Shop-Topic": "orders/paid" } });
    await expect.poll(async () => (await page.request.get(`${webhook}/events`)).ok() && ((await (await page.request.get(`${webhook}/events`)).json()) as { kept: number }).kept, { timeout: 15_000 }).toBe(2);
  }

  const sigv4 = await createConnection(page, team, "Storage (AWS)", "https://s3.eu-central-1.amazonaws.com", "AWS Signature V4", async (p) => {
    await p.getByLabel("Access key ID", { exact: true }).fill("AKIDSHOTSKEYWAY");
    await p.getByLabel("Secret access key", { exact: true }).fill("shots/aws+secret-key-00003");
    await p.getByLabel("Region", { exact: true }).fill("eu-central-1");
    await p.getByLabel("Service", { exact: true }).fill("s3");
  });

  await page.goto(`${team}/clients/new?provider=github`);
  await page.getByLabel("Name", { exact: true }).fill("GitHub (Ada)");
  await page.getByLabel("Client ID").fill("Iv1.shots0000000001");
  await page.getByLabel("Client secret").fill("github-client-secret-for-shots");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  const client = new URL(page.url()).pathname;

  // An OAuth client of the test authorization server, read from its discovery document.
  await page.goto(`${team}/clients/new`);
  await page.locator("label", { hasText: /^OpenID Connect issuer$/ }).click();
  await page.getByLabel("Issuer URL").fill(ISSUER);
  await page.getByRole("button", { name: "Read discovery document" }).click();
  await expect(page.getByLabel("Token URL")).toHaveValue(`${ISSUER}/token`);
  await page.getByLabel("Name", { exact: true }).fill("Customer IdP");
  await page.getByLabel("Client ID").fill("keyway-basic");
  await page.getByLabel("Client secret").fill("keyway-basic-secret");
  await page.getByLabel("Default scopes").fill("read write");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  const oidcClient = new URL(page.url()).pathname;

  const chooseClient = async (p: Page) => {
    const option = await p.locator("#field-oauthClientRef option", { hasText: "Customer IdP (" }).getAttribute("value");
    await p.getByLabel("OAuth client").selectOption(option!);
  };
  const oauthNew = await createConnection(page, team, "Customer CRM", `${ISSUER}/resource/v1`, "OAuth2 (authorization code)", chooseClient);
  await page.getByLabel("Expires after").selectOption("24");
  await page.getByRole("button", { name: "Create connect link" }).click();
  await expect(page.getByText("Link created. Copy it now")).toBeVisible();
  const connectLink = new URL((await page.locator("[data-copy-source]").filter({ hasText: "/connect/" }).textContent())!.trim()).pathname;

  const oauthConnected = await createConnection(page, team, "Resource API", `${ISSUER}/resource/v1`, "OAuth2 (authorization code)", chooseClient);
  await page.getByRole("button", { name: /^Connect to / }).click();
  await page.waitForURL(new RegExp(`^${ISSUER}/interaction/`));
  await page.getByPlaceholder("Enter any login").fill("ada");
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(new RegExp(`${oauthConnected}\\?authorization=`));
  await sendTest(page, "", "200");

  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("orders worker");
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("Done, I have copied it")).toBeVisible();

  await page.goto(`${team}/agents`);
  await page.getByLabel("Name").fill("warehouse");
  await page.getByLabel("Allowed destinations (optional)").fill("10.20.0.0/16, erp.internal");
  await page.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByText("Done, I have copied it")).toBeVisible();

  const invite = await createInvitationLink(page, team, "Member");
  const member = await joinAsNewUser(browser, "Mo Member", await createInvitationLink(page, team, "Member"), team);
  await createInvitationLink(page, team, "Viewer");
  // A reset link as `npm run user:reset-password` prints it (opening it changes nothing until a password is saved).
  const { createPasswordReset } = await import("../lib/auth/account");
  const reset = `/reset-password/${(await createPasswordReset(ownerEmail)).token}`;
  const ownerState = await page.context().storageState();
  const memberState = await member.context().storageState();

  const shots: Shot[] = [
    { name: "signin", path: "/signin", as: "anonymous" },
    {
      name: "signin-error",
      path: "/signin",
      as: "anonymous",
      prepare: async (p) => {
        await p.getByLabel("Email").fill(`nobody-${Date.now()}@example.test`);
        await p.getByLabel("Password").fill("not the password");
        await p.getByRole("button", { name: "Sign in" }).click();
        await expect(p.getByRole("button", { name: "Sign in" })).toBeEnabled({ timeout: 30_000 });
      },
    },
    { name: "signup", path: "/signup", as: "anonymous" },
    { name: "signup-errors", path: "/signup", as: "anonymous", prepare: (p) => p.getByRole("button", { name: "Create account" }).click() },
    { name: "invite", path: invite, as: "anonymous" },
    { name: "invite-invalid", path: "/invite/not-a-real-token", as: "anonymous" },
    { name: "reset-password", path: reset, as: "anonymous" },
    { name: "reset-password-used", path: "/reset-password/not-a-real-token", as: "anonymous" },
    { name: "connect-link", path: connectLink, as: "anonymous" },
    { name: "connect-link-invalid", path: "/connect/kwl_not-a-real-token", as: "anonymous" },
    { name: "connect-done", path: "/connect/done", as: "anonymous" },
    { name: "guide", path: "/guide/register-client", as: "anonymous" },
    { name: "api-docs", path: "/docs/api", as: "anonymous" },
    { name: "oauth-refused", path: "/oauth/refused", as: "anonymous" },
    { name: "not-found", path: "/no-such-page", as: "anonymous" },
    { name: "connections", path: `${team}/connections`, as: "owner" },
    { name: "connection-new", path: `${team}/connections/new`, as: "owner" },
    {
      name: "connection-new-errors",
      path: `${team}/connections/new`,
      as: "owner",
      prepare: async (p) => {
        await p.getByLabel("Base URL").fill("http://10.0.0.5/api");
        await p.getByRole("button", { name: "Create connection" }).click();
        await expect(p.getByText(/Enter a name|name/i).first()).toBeVisible();
      },
    },
    { name: "connection", path: connection, as: "owner" },
    { name: "connection-edit", path: `${connection}/edit`, as: "owner" },
    { name: "connection-failing", path: failing, as: "owner" },
    { name: "connection-webhook", path: webhook, as: "owner" },
    { name: "connection-sigv4", path: sigv4, as: "owner" },
    { name: "connection-sigv4-edit", path: `${sigv4}/edit`, as: "owner" },
    { name: "connection-oauth-not-connected", path: oauthNew, as: "owner" },
    { name: "connection-oauth-connected", path: oauthConnected, as: "owner" },
    { name: "connection-oauth-edit", path: `${oauthConnected}/edit`, as: "owner" },
    { name: "clients", path: `${team}/clients`, as: "owner" },
    { name: "client-new", path: `${team}/clients/new`, as: "owner" },
    { name: "client", path: client, as: "owner" },
    { name: "client-oidc", path: oidcClient, as: "owner" },
    { name: "client-edit", path: `${client}/edit`, as: "owner" },
    { name: "members", path: `${team}/members`, as: "owner" },
    { name: "members-invite", path: `${team}/members/invite`, as: "owner" },
    { name: "api-keys", path: `${team}/api-keys`, as: "owner" },
    { name: "agents", path: `${team}/agents`, as: "owner" },
    { name: "notifications", path: `${team}/notifications`, as: "owner" },
    { name: "audit", path: `${team}/audit`, as: "owner" },
    { name: "settings", path: `${team}/settings`, as: "owner" },
    { name: "teams-new", path: "/teams/new", as: "owner" },
    { name: "account", path: "/account", as: "owner" },
    { name: "team-not-found", path: `${team}/no-such-page`, as: "owner" },
    {
      // Keyway's error page, as a server error leaves it: the team settings form's save answered with a 500.
      name: "error",
      path: `${team}/settings`,
      as: "owner",
      prepare: async (p) => {
        await p.route(`**${team}/settings`, (route) => (route.request().method() === "POST" ? route.fulfill({ status: 500, body: "Internal Server Error" }) : route.fallback()));
        await p.getByRole("button", { name: /^Save/ }).first().click();
        await expect(p.getByRole("heading", { name: "Something went wrong on Keyway's side" })).toBeVisible({ timeout: 30_000 });
      },
    },
    { name: "forbidden", path: `${team}/api-keys`, as: "member" },
    { name: "forbidden-notifications", path: `${team}/notifications`, as: "member" },
    { name: "member-connections", path: `${team}/connections`, as: "member" },
    { name: "member-connection", path: connection, as: "member" },
  ];
  const only = process.env.KEYWAY_SCREENSHOTS_ONLY?.split(",");

  await mkdir(OUT, { recursive: true });
  const failures: Record<string, string> = {};
  const findings: Record<string, Array<{ id: string; impact: string | null | undefined; help: string; targets: string[] }>> = {};
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      const contexts = {
        anonymous: await contextFor(browser, undefined, theme, width),
        owner: await contextFor(browser, ownerState, theme, width),
        member: await contextFor(browser, memberState, theme, width),
      };
      for (const shot of shots) {
        if (only && !only.includes(shot.name)) continue;
        const target = await contexts[shot.as].newPage();
        const file = `${shot.name}-${theme}-${width}.png`;
        try {
          await target.goto(shot.path);
          await shot.prepare?.(target);
          // Fonts and images in place (a page's own polling never lets the network go idle).
          await target.evaluate(() => document.fonts.ready);
          // From the top: a page scrolled to its first error draws its sticky bar and sidebar mid-picture.
          await target.evaluate(() => window.scrollTo(0, 0));
          await writeFile(path.join(OUT, file), await target.screenshot({ fullPage: true }));
          // Wider than the screen: the whole page scrolls sideways on a phone (a scrolling code block or table inside is fine).
          const pageWidth = await target.evaluate(() => document.documentElement.scrollWidth);
          if (pageWidth > width) failures[file] = `the page is ${pageWidth} px wide at ${width} px`;
          const { violations } = await new AxeBuilder({ page: target }).withTags(TAGS).analyze();
          const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
          if (serious.length) findings[file] = serious.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
          // Written as the run goes: a run cut short (a time limit, a crashed browser) still leaves the scans it made.
          await writeFile(path.join(OUT, "axe.json"), JSON.stringify(findings, null, 2));
        } catch (error) {
          // One page that could not be shot does not cost the rest of the pictures; the run fails at the end.
          failures[file] = error instanceof Error ? error.message.split("\n")[0]! : String(error);
        }
        await target.close();
      }
      for (const context of Object.values(contexts)) await context.close();
    }
  }
  await writeFile(path.join(OUT, "axe.json"), JSON.stringify(findings, null, 2));
  expect(failures, "Pages that could not be shot").toEqual({});
  expect(findings, `Serious accessibility violations (also in ${path.join(OUT, "axe.json")})`).toEqual({});
});
