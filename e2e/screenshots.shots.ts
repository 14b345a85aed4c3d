import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { createInvitationLink, freshEmail, joinAsNewUser, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";

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

test("screenshots of every page, light and dark, desktop and phone, each scanned by axe", async ({ page, browser }) => {
  test.setTimeout(30 * 60_000);
  // The data the pages show: a team with connections of several kinds, an OAuth client, an API key, an agent, a member.
  const team = await signUp(page, "Ada Owner", freshEmail("shots"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Echo API");
  await page.getByLabel("Base URL").fill(`${upstream.baseUrl}/v1`);
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill("shots-secret-value-0001");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connection = new URL(page.url()).pathname;
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 30_000 });

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

  await page.goto(`${team}/clients/new?provider=github`);
  await page.getByLabel("Name", { exact: true }).fill("GitHub (Ada)");
  await page.getByLabel("Client ID").fill("Iv1.shots0000000001");
  await page.getByLabel("Client secret").fill("github-client-secret-for-shots");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  const client = new URL(page.url()).pathname;

  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("orders worker");
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("Done, I have copied it")).toBeVisible();

  await page.goto(`${team}/agents`);
  await page.getByLabel("Name").fill("warehouse");
  await page.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByText("Done, I have copied it")).toBeVisible();

  const invite = await createInvitationLink(page, team, "Member");
  const member = await joinAsNewUser(browser, "Mo Member", await createInvitationLink(page, team, "Member"), team);
  const ownerState = await page.context().storageState();
  const memberState = await member.context().storageState();

  const shots: Shot[] = [
    { name: "signin", path: "/signin", as: "anonymous" },
    { name: "signup", path: "/signup", as: "anonymous" },
    { name: "signup-errors", path: "/signup", as: "anonymous", prepare: (p) => p.getByRole("button", { name: "Create account" }).click() },
    { name: "invite", path: invite, as: "anonymous" },
    { name: "invite-invalid", path: "/invite/not-a-real-token", as: "anonymous" },
    { name: "reset-password", path: "/reset-password/not-a-real-token", as: "anonymous" },
    { name: "guide", path: "/guide/register-client", as: "anonymous" },
    { name: "api-docs", path: "/docs/api", as: "anonymous" },
    { name: "oauth-refused", path: "/oauth/refused", as: "anonymous" },
    { name: "not-found", path: "/no-such-page", as: "anonymous" },
    { name: "connections", path: `${team}/connections`, as: "owner" },
    { name: "connection-new", path: `${team}/connections/new`, as: "owner" },
    { name: "connection", path: connection, as: "owner" },
    { name: "connection-edit", path: `${connection}/edit`, as: "owner" },
    { name: "connection-webhook", path: webhook, as: "owner" },
    { name: "clients", path: `${team}/clients`, as: "owner" },
    { name: "client-new", path: `${team}/clients/new`, as: "owner" },
    { name: "client", path: client, as: "owner" },
    { name: "client-edit", path: `${client}/edit`, as: "owner" },
    { name: "members", path: `${team}/members`, as: "owner" },
    { name: "members-invite", path: `${team}/members/invite`, as: "owner" },
    { name: "api-keys", path: `${team}/api-keys`, as: "owner" },
    { name: "agents", path: `${team}/agents`, as: "owner" },
    { name: "audit", path: `${team}/audit`, as: "owner" },
    { name: "settings", path: `${team}/settings`, as: "owner" },
    { name: "teams-new", path: "/teams/new", as: "owner" },
    { name: "account", path: "/account", as: "owner" },
    { name: "team-not-found", path: `${team}/no-such-page`, as: "owner" },
    { name: "forbidden", path: `${team}/api-keys`, as: "member" },
    { name: "member-connection", path: connection, as: "member" },
  ];
  const only = process.env.KEYWAY_SCREENSHOTS_ONLY?.split(",");

  await mkdir(OUT, { recursive: true });
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
        await target.goto(shot.path);
        await shot.prepare?.(target);
        // Fonts and images in place (a page's own polling never lets the network go idle).
        await target.evaluate(() => document.fonts.ready);
        const file = `${shot.name}-${theme}-${width}.png`;
        await writeFile(path.join(OUT, file), await target.screenshot({ fullPage: true }));
        const { violations } = await new AxeBuilder({ page: target }).withTags(TAGS).analyze();
        const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        if (serious.length) findings[file] = serious.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
        await target.close();
      }
      for (const context of Object.values(contexts)) await context.close();
    }
  }
  await writeFile(path.join(OUT, "axe.json"), JSON.stringify(findings, null, 2));
  expect(findings, `Serious accessibility violations (also in ${path.join(OUT, "axe.json")})`).toEqual({});
});
