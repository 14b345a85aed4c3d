import { expect, test } from "@playwright/test";
import { createInvitationLink, freshEmail, joinAsNewUser, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// A page that is not there is Keyway's page, not Next's: inside a team it keeps
// the team's navigation (a stale link to a deleted connection should not strand
// anyone), and everywhere it says what happened and offers a way back.

test("a missing page inside a team shows Keyway's 404 inside the team's shell, and one outside shows it with a way back", async ({ page }) => {
  const team = await signUp(page, "Nia Notfound", freshEmail("not-found"));

  for (const missing of [`${team}/no-such-page`, `${team}/connections/c0000000000000000000000000`]) {
    const response = await page.goto(missing);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Nothing here", level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Team" }).filter({ visible: true }).getByRole("link", { name: "Connections" })).toBeVisible();
    await page.getByRole("link", { name: "Back to your teams" }).click();
    await page.waitForURL(/\/t\/[^/]+\/connections$/);
  }

  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Nothing here", level: 1 })).toBeVisible();
  await expect(page.getByText("This page could not be found")).toHaveCount(0);
  await page.getByRole("link", { name: "Back to your teams" }).click();
  await page.waitForURL(/\/t\/[^/]+\/connections$/);
});

test("a page the visitor's role does not allow shows Keyway's 403 inside the team's shell, naming both roles", async ({ page, browser }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  const team = await signUp(page, "Olu Owner", freshEmail("forbidden-owner"));
  const member = await joinAsNewUser(browser, "Mei Member", await createInvitationLink(page, team, "Member"), team);
  const response = await member.goto(`${team}/api-keys`);
  expect(response?.status()).toBe(403);
  await expect(member.getByRole("heading", { name: "Your role does not allow this", level: 1 })).toBeVisible();
  await expect(member.getByText(/You are Member in .+; this page needs Admin or higher\./)).toBeVisible();
  // The team's navigation stays, as on the team's 404.
  await member.getByRole("navigation", { name: "Team" }).filter({ visible: true }).getByRole("link", { name: "Connections" }).click();
  await member.waitForURL(/\/t\/[^/]+\/connections$/);
  await member.context().close();
});
