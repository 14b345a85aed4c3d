import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createInvitationLink, createTeam, freshEmail, newPhoneOrDesktop, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

test("every page of accounts and teams passes axe with no serious or critical violations", async ({ page, browser }) => {
  // Seventeen pages, each loaded and scanned by axe (a second or two apiece on a busy machine).
  test.setTimeout(120_000 * TIME_SCALE);
  const visited: string[] = [];
  async function check(target: Page, path: string) {
    await target.goto(path);
    await expectNoSeriousA11yViolations(target);
    visited.push(path);
  }

  await check(page, "/signin");
  await check(page, "/signup");
  await check(page, "/invite/not-a-real-token");

  const personal = await signUp(page, "Axe Owner", freshEmail("axe"));
  const team = await createTeam(page, "Accessible team");
  const invite = await createInvitationLink(page, team, "Member");
  await expectNoSeriousA11yViolations(page); // the invitation link as shown
  for (const area of ["connections", "connections/new", "clients", "clients/new", "members", "members/invite", "api-keys", "audit", "settings"]) {
    await check(page, `${team}/${area}`);
  }
  await check(page, "/teams/new");
  await check(page, `${personal}/members`);

  // Signed-out and phone-sized views.
  const phone = await newPhoneOrDesktop(browser, true);
  await check(phone, invite);
  await check(phone, "/signin");
  await phone.goto("/signup");
  await phone.getByRole("button", { name: "Create account" }).click();
  await expectNoSeriousA11yViolations(phone); // sign-up with field errors

  // The 404 and 403 pages.
  await check(page, "/t/no-such-team/members");
  expect(visited.length).toBeGreaterThanOrEqual(15);
});

test("the app shell works on a 390 px wide phone", async ({ browser }) => {
  const phone = await newPhoneOrDesktop(browser, true);
  const team = await signUp(phone, "Phone User", freshEmail("phone"));
  const scrollWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(390);
  await phone.getByLabel("Menu").click();
  await phone.getByRole("link", { name: "Members" }).filter({ visible: true }).click();
  await expect(phone).toHaveURL(new RegExp(`${team}/members$`));
  await expect(phone.getByRole("heading", { name: "Members" })).toBeVisible();
  await expectNoSeriousA11yViolations(phone); // members on a phone
});
