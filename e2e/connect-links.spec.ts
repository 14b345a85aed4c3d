import type { Browser, Page } from "@playwright/test";
import pg from "pg";
import { expect, test } from "./support/csp";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// Connect links in the browser: a member creates a link on the connection
// page, and a person with no Keyway account, in a second browser context with
// no session, opens it, authorizes at the test authorization server
// (test/support/oauth-server.ts, started by playwright.config.ts) or types a
// secret, once. The team sees it on the connection page and in the audit log.

const ISSUER = process.env.KEYWAY_E2E_OAUTH_ISSUER!;
const SHOTS = process.env.KEYWAY_E2E_SHOTS;

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function createLink(page: Page): Promise<string> {
  const shown = page.locator("[data-copy-source]").filter({ hasText: "/connect/" });
  // The previous link's URL stays on the page until the new one replaces it.
  const previous = (await shown.count()) > 0 ? ((await shown.textContent())?.trim() ?? "") : "";
  await page.getByLabel("Expires after").selectOption("24");
  await page.getByRole("button", { name: "Create connect link" }).click();
  await expect(page.getByText("Link created. Copy it now")).toBeVisible();
  if (previous) await expect(shown).not.toHaveText(previous);
  const url = (await shown.textContent())?.trim() ?? "";
  expect(url).toMatch(/\/connect\/kwl_[A-Za-z0-9_-]{43}$/);
  return url;
}

/** A browser with no Keyway session at all: the person the link was sent to. */
async function stranger(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test("a signed-out person completes an OAuth2 connection from a connect link, once, and the team sees it", async ({ page, browser }) => {
  test.setTimeout(240_000 * TIME_SCALE);
  const team = await signUp(page, "Lina Link", freshEmail("link"));

  await page.goto(`${team}/clients/new`);
  await page.locator("label", { hasText: /^OpenID Connect issuer$/ }).click();
  await page.getByLabel("Issuer URL").fill(ISSUER);
  await page.getByRole("button", { name: "Read discovery document" }).click();
  await expect(page.getByLabel("Token URL")).toHaveValue(`${ISSUER}/token`);
  await page.getByLabel("Name", { exact: true }).fill("Customer IdP");
  await page.getByLabel("Client ID").fill("keyway-short");
  await page.getByLabel("Client secret").fill("keyway-short-secret");
  await page.getByLabel("Default scopes").fill("read write");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Customer CRM");
  await page.getByLabel("Base URL").fill(`${ISSUER}/resource/v1`);
  await page.getByRole("radio", { name: "OAuth2 (authorization code)", exact: true }).check();
  const option = await page.locator("#field-oauthClientRef option", { hasText: "Customer IdP (" }).getAttribute("value");
  await page.getByLabel("OAuth client").selectOption(option!);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;
  const connectionId = connectionPath.split("/").at(-1)!;

  const url = await createLink(page);
  await expect(page.getByRole("list", { name: "Connect links" })).toContainText("Not opened yet");
  // Its dates as every date in Keyway: relative, the exact UTC time on hover.
  const row = page.getByRole("list", { name: "Connect links" }).getByRole("listitem").first();
  await expect(row).toContainText(/Not opened yet; expires tomorrow/);
  await expect(row).toContainText(/Created by .+, just now/);
  await expect(row).not.toContainText("UTC");
  await expect(row.locator("time").first()).toHaveAttribute("title", /^\w{3} \d{1,2}, \d{4}, .* UTC$/);
  await expectNoSeriousA11yViolations(page);
  await shoot(page, "connect-link-created");

  // The person with the link: no session, no account.
  const them = await stranger(browser);
  await them.goto(url);
  await expect(them.getByText(/asks you to connect$/)).toBeVisible();
  await expect(them.getByRole("heading", { name: "Customer CRM" })).toBeVisible();
  await expect(them.getByRole("list", { name: "Scopes" })).toHaveText(/read\s*write/);
  // Nothing else of the team: no navigation, no other names, not the base URL.
  await expect(them.getByRole("link", { name: "Connections" })).toHaveCount(0);
  expect(await them.content()).not.toContain("/resource/v1");
  expect(await them.content()).not.toContain("Customer IdP");
  await expectNoSeriousA11yViolations(them);
  await shoot(them, "connect-link-oauth");

  await them.getByRole("button", { name: /^Continue to / }).click();
  await them.waitForURL(new RegExp(`^${ISSUER}/interaction/`));
  await them.getByPlaceholder("Enter any login").fill("customer");
  await them.getByPlaceholder("and password").fill("any password");
  await them.getByRole("button", { name: "Sign-in" }).click();
  await them.getByRole("button", { name: "Continue" }).click();
  await them.waitForURL(/\/connect\/done\?attempt=pa[0-9a-f]+$/);
  await expect(them.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expectNoSeriousA11yViolations(them);
  await shoot(them, "connect-link-done");

  // Used once.
  await them.goto(url);
  await expect(them.getByTestId("connect-link-ended")).toContainText("This link was already used.");
  await them.context().close();

  // The team sees it on the connection page, connected and working.
  await page.goto(connectionPath);
  await expect(page.getByText("Completed through a connect link")).toBeVisible();
  await expect(page.getByTestId("oauth-state")).toHaveText("Connected");
  await expect(page.getByRole("list", { name: "Connect links" })).toContainText(/Completed (just now|\d+ minutes? ago)/);
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 20_000 * TIME_SCALE });

  const actions = await query<{ action: string }>(`SELECT action FROM "AuditEvent" WHERE "objectId" = $1 AND action LIKE 'connect_link.%' ORDER BY id`, [connectionId]);
  expect(actions.map((a) => a.action)).toEqual(["connect_link.created", "connect_link.opened", "connect_link.completed"]);
  const [stored] = await query<{ tokenHash: string }>(`SELECT "tokenHash" FROM "ConnectLink" WHERE "connectionId" = $1`, [connectionId]);
  expect(url).not.toContain(stored!.tokenHash);
});

test("a signed-out person types a connection's secret from a connect link, once; a revoked link opens nothing", async ({ page, browser }) => {
  test.setTimeout(180_000 * TIME_SCALE);
  const team = await signUp(page, "Sam Secret", freshEmail("link-secret"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Billing API");
  await page.getByLabel("Base URL").fill("https://billing.example.test/v1");
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill("placeholder-value");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;

  const revoked = await createLink(page);
  await page.getByRole("list", { name: "Connect links" }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("list", { name: "Connect links" })).toContainText("Revoked");
  const url = await createLink(page);

  const them = await stranger(browser);
  await them.goto(revoked);
  await expect(them.getByTestId("connect-link-ended")).toContainText("withdrawn");
  await them.goto(url);
  await expect(them.getByRole("heading", { name: "Billing API" })).toBeVisible();
  await them.getByRole("button", { name: "Save securely" }).click();
  await expect(them.getByText("Fill in “Header X-Api-Key”.")).toBeVisible();
  await shoot(them, "connect-link-secrets");
  await them.getByLabel("Header X-Api-Key").fill("real-secret-9876");
  await expectNoSeriousA11yViolations(them);
  await them.getByRole("button", { name: "Save securely" }).click();
  await expect(them.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await them.goto(url);
  await expect(them.getByTestId("connect-link-ended")).toContainText("This link was already used.");
  await them.context().close();

  await page.goto(connectionPath);
  await expect(page.getByText("Completed through a connect link")).toBeVisible();
  await expect(page.getByText("Secret (set, ends in 9876)")).toBeVisible();
});

test("the connection page shows 20 links at a time, with Older links to the rest and back", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  const team = await signUp(page, "Pat Pager", freshEmail("link-pages"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Many links");
  await page.getByLabel("Base URL").fill("https://many.example.test/v1");
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill("placeholder-value");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;
  const connectionId = connectionPath.split("/").at(-1)!;
  // 24 links made in the past, a minute apart, the oldest one revoked so the pages can be told apart.
  const [row] = await query<{ teamId: string }>(`SELECT "teamId" FROM "Connection" WHERE id = $1`, [connectionId]);
  for (let i = 0; i < 24; i++) {
    await query(
      `INSERT INTO "ConnectLink" (id, "teamId", "connectionId", "tokenHash", "createdByLabel", "createdAt", "expiresAt", "revokedAt", "revokedByLabel")
       VALUES ($1, $2, $3, $4, 'seed', now() - make_interval(mins => $5::int), now() + interval '1 day', $6, $7)`,
      [`cl${connectionId.slice(1)}${String(i).padStart(2, "0")}`, row!.teamId, connectionId, `hash-${connectionId}-${i}`, 30 + i, i === 23 ? new Date() : null, i === 23 ? "seed" : null],
    );
  }
  await page.goto(connectionPath);
  const links = page.getByRole("list", { name: "Connect links" }).getByRole("listitem");
  await expect(links).toHaveCount(20);
  await expect(page.getByRole("link", { name: "Newest links" })).toHaveCount(0);
  await page.getByRole("link", { name: "Older links" }).click();
  await expect(links).toHaveCount(4);
  await expect(links.last()).toContainText("Revoked");
  await expect(page.getByRole("link", { name: "Older links" })).toHaveCount(0);
  await shoot(page, "connect-links-older");
  await page.getByRole("link", { name: "Newest links" }).click();
  await expect(links).toHaveCount(20);
});
