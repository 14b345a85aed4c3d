// Single sign-on through a real OpenID Connect provider (test/support/oidc-server.ts,
// which playwright.config.ts starts before the app). Its development login page
// takes any login name and password; the login name becomes the subject, with
// the verified email <login>@sso.example.test, or an unverified one for logins
// that start with "unverified".
import { expect, test, type Page } from "@playwright/test";

const ISSUER = process.env.KEYWAY_OIDC_ISSUER;
// The button label the app shows: KEYWAY_OIDC_NAME, with the app's default.
const SSO_NAME = process.env.KEYWAY_OIDC_NAME || "Single sign-on";

test.skip(!ISSUER, "KEYWAY_OIDC_ISSUER is not set: the app runs without single sign-on (playwright.config.ts starts the test provider and sets it)");

function uniqueLogin(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

const connectionsUrl = /\/t\/([^/]+)\/connections$/;

async function continueWithSso(page: Page) {
  await page.goto("/signin");
  await page.getByRole("button", { name: `Continue with ${SSO_NAME}` }).click();
}

/** The provider's development login form: any login name, any password. */
async function logInAtProvider(page: Page, login: string) {
  await expect(page).toHaveURL((url) => url.origin === new URL(ISSUER!).origin && url.pathname.startsWith("/interaction/"));
  await expect(page.getByRole("heading", { name: "Sign-in" })).toBeVisible();
  await page.getByRole("textbox", { name: "Enter any login" }).fill(login);
  // The provider's password field has only a placeholder; it accepts anything.
  await page.getByPlaceholder("and password").fill("any password at all");
  await page.getByRole("button", { name: "Sign-in" }).click();
}

// The round trip (provider, Keyway's callback with discovery, code exchange and
// database writes, two redirects) can take a while on a busy machine.
const ROUND_TRIP = { timeout: 20_000 };

/** Waits to land in a team's connections page, on the origin the test started from; returns the team slug. */
async function teamSlug(page: Page, origin: string): Promise<string> {
  // Fails with the URL the browser did land on (e.g. /signin?error=Configuration).
  await expect(page).toHaveURL((url) => url.origin === origin && connectionsUrl.test(url.pathname), ROUND_TRIP);
  return new URL(page.url()).pathname.match(connectionsUrl)?.[1] ?? "";
}

test("single sign-on creates the account once and brings it back to the same team", async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const login = uniqueLogin("sso");
  const email = `${login}@sso.example.test`;

  await continueWithSso(page);
  await logInAtProvider(page, login);
  const slug = await teamSlug(page, origin);
  expect(slug).not.toBe("");
  await expect(page.getByRole("heading", { name: "Connections", exact: true })).toBeVisible();
  // The user block shows who is signed in: the provider's name and email claims.
  await expect(page.getByText(email, { exact: true }).filter({ visible: true })).toBeVisible();
  await expect(page.getByText(login, { exact: true }).filter({ visible: true })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).filter({ visible: true }).first().click();
  await page.waitForURL(/\/signin/);
  const afterSignOut = await page.goto(`/t/${slug}/connections`);
  expect(new URL(afterSignOut?.url() ?? page.url()).pathname).toBe("/signin");

  // Signing out of Keyway does not sign out of the provider, so this time the
  // provider answers at once (that is single sign-on) and Keyway must find the
  // account it created: the same team, not a second user with a new one.
  await continueWithSso(page);
  expect(await teamSlug(page, origin)).toBe(slug);
  await expect(page.getByText(email, { exact: true }).filter({ visible: true })).toBeVisible();
  const switcher = page.getByLabel("Switch team").filter({ visible: true });
  await switcher.click();
  await expect(page.getByRole("link", { name: /'s team/ }).filter({ visible: true })).toHaveCount(1);
});

test("single sign-on refuses an account whose email the provider has not verified", async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  await continueWithSso(page);
  await logInAtProvider(page, uniqueLogin("unverified"));
  await expect(page).toHaveURL((url) => url.origin === origin && url.pathname === "/signin" && url.searchParams.get("error") === "OidcRefused", ROUND_TRIP);
  await expect(page.getByRole("alert").filter({ hasText: "Single sign-on did not confirm your email address" })).toBeVisible();

  // Nobody was signed in.
  const home = await page.goto("/");
  expect(new URL(home?.url() ?? page.url()).pathname).toBe("/signin");
});
