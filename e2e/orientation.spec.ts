import { expect, test } from "./support/csp";
import { TIME_SCALE } from "./support/chromium";
import { createInvitationLink, createTeam, freshEmail, joinAsNewUser, newPhoneOrDesktop, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";

// Issue 20, items 2, 5, 6, 7 and 12: where am I (titles, breadcrumbs, the
// navigation kept), one date language, one copy button, phones, and 403 pages
// that name the roles.

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
test.beforeAll(async () => {
  upstream = await startEchoUpstream();
});
test.afterAll(async () => upstream?.close());

test("titles, breadcrumbs, kept navigation, relative dates, copy buttons and 403 pages tell people where they are", async ({ page, browser }) => {
  test.setTimeout(240_000 * TIME_SCALE);
  await signUp(page, "Orla Owner", freshEmail("orientation"));

  // /teams/new keeps the navigation; the new team is confirmed.
  await page.getByRole("link", { name: "Members" }).filter({ visible: true }).click();
  await page.goto("/teams/new");
  await expect(page.getByRole("navigation", { name: "Team" }).getByRole("link", { name: "Connections" })).toBeVisible();
  const team = await createTeam(page, "Platform");
  await expect(page.getByText("Team “Platform” created")).toBeVisible();
  await expect(page).toHaveTitle("Members · Platform — Keyway");

  await page.goto(`${team}/connections/new`);
  await expect(page).toHaveTitle("New connection · Connections · Platform — Keyway");
  await expect(page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Connections" })).toHaveAttribute("href", `${team}/connections`);
  await page.getByLabel("Name", { exact: true }).fill("Echo API");
  await page.getByLabel("Base URL").fill(upstream.baseUrl);
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill("orientation-secret-0001");
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connection = new URL(page.url()).pathname;
  await expect(page).toHaveTitle("Echo API · Connections · Platform — Keyway");
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("200", { timeout: 20_000 });

  // One date language: relative, with the exact UTC time on hover.
  await page.reload();
  const tested = page.getByText(/^tested/).locator("time");
  await expect(tested).toHaveText("just now");
  await expect(tested).toHaveAttribute("title", /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M UTC$/);
  await expect(tested).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);

  // One copy button: short visible label, the full one as its name, "Copied" after.
  const copy = page.getByRole("button", { name: "Copy proxy URL" });
  await expect(copy).toHaveText("Copy");
  await copy.click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();

  // 403 names the visitor's role and the one needed.
  const member = await joinAsNewUser(browser, "Mel Member", await createInvitationLink(page, team, "Member"), team);
  expect((await member.goto(`${team}/api-keys`))?.status()).toBe(403);
  await expect(member.getByText("You are Member in Platform; this page needs Admin or higher.")).toBeVisible();

  // Phones: the test panel before "Use it from a service"; the clients list in stacked rows, no sideways scrolling.
  const phone = await newPhoneOrDesktop(browser, true);
  await phone.context().addCookies(await page.context().cookies());
  await phone.goto(connection);
  const testTop = (await phone.getByRole("heading", { name: "Test connection" }).boundingBox())!.y;
  const useTop = (await phone.getByRole("heading", { name: "Use it from a service" }).boundingBox())!.y;
  expect(testTop).toBeLessThan(useTop);
  await phone.goto(`${team}/clients/new?provider=github`);
  await phone.getByLabel("Name", { exact: true }).fill("GitHub (Platform)");
  await phone.getByLabel("Client ID").fill("Iv1.orientation00001");
  await phone.getByLabel("Client secret").fill("github-client-secret-orientation");
  await phone.getByRole("button", { name: "Register client" }).click();
  await phone.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  await expect(phone).toHaveTitle("GitHub (Platform) · OAuth clients · Platform — Keyway");
  await phone.goto(`${team}/clients`);
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const row = phone.getByRole("row").filter({ hasText: "GitHub (Platform)" });
  const cell = row.locator('td[data-label="Redirect URI"]');
  await expect(cell).toContainText("matches");
  // Each value on its own line, labelled, and inside the screen.
  expect(await cell.evaluate((el) => getComputedStyle(el, "::before").content)).toBe('"Redirect URI"');
  const box = (await cell.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
});
