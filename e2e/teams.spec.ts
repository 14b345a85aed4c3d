import { expect, test } from "@playwright/test";
import { createInvitationLink, createTeam, formAlert, freshEmail, joinAsNewUser, newPhoneOrDesktop, signIn, signOut, signUp } from "./support/journeys";

test("a team from sign-up to a viewer who is refused by the server", async ({ page, browser }) => {
  const adminEmail = freshEmail("ada");
  const personal = await signUp(page, "Ada Lovelace", adminEmail);
  await expect(page.getByRole("heading", { name: "Connections", exact: true })).toBeVisible();
  const switcher = page.getByLabel("Switch team").filter({ visible: true });
  await expect(switcher).toContainText("Ada's team");

  const team = await createTeam(page, "Platform Engineering");
  expect(team).not.toBe(personal);
  await expect(page.getByRole("list", { name: "Team members" })).toContainText(adminEmail);

  // Switch between the two teams with the switcher.
  await switcher.click();
  await page.getByRole("link", { name: /Ada's team/ }).click();
  await expect(page).toHaveURL(new RegExp(`${personal}/connections$`));
  await page.goto(`${team}/members`);

  // Invite a second person as admin; their own browser accepts the link.
  const invitePath = await createInvitationLink(page, team, "Admin");
  const bob = await newPhoneOrDesktop(browser, true);
  const bobEmail = freshEmail("bob");
  await bob.goto(invitePath);
  await expect(bob.getByRole("heading", { name: "Join Platform Engineering" })).toBeVisible();
  await bob.getByRole("link", { name: "Create an account to join" }).click();
  await bob.getByLabel("Your name").fill("Bob Builder");
  await bob.getByLabel("Email").fill(bobEmail);
  await bob.getByLabel("Password").fill("another long password");
  await bob.getByRole("button", { name: "Create account" }).click();
  await bob.waitForURL(new RegExp(invitePath));
  await bob.getByRole("button", { name: "Accept invitation" }).click();
  await bob.waitForURL(new RegExp(`${team}/connections`));
  await expect(bob.getByText("You are now a member of this team")).toBeVisible();

  // The link is single use.
  const third = await newPhoneOrDesktop(browser);
  await third.goto(invitePath);
  await expect(third.getByText("already been used")).toBeVisible();

  // Bob, still an admin, opens the invite form; then Ada makes him a viewer.
  await bob.goto(`${team}/members/invite`);
  await expect(bob.getByRole("button", { name: "Create invitation link" })).toBeVisible();
  await page.goto(`${team}/members`);
  await page.getByLabel(`Role for ${bobEmail}`, { exact: true }).selectOption("VIEWER");
  await page.getByRole("button", { name: `Save role for ${bobEmail}` }).click();
  await expect(page.getByText("Role saved.")).toBeVisible();

  // The stale form is still on Bob's screen: the server, not the page, refuses it.
  const pendingBefore = await page.getByRole("list", { name: "Pending invitations" }).count();
  await bob.getByRole("button", { name: "Create invitation link" }).click();
  await expect(bob.getByRole("heading", { name: "Your role does not allow this" })).toBeVisible();
  await page.reload();
  expect(await page.getByRole("list", { name: "Pending invitations" }).count()).toBe(pendingBefore);

  // Asking for the admin page directly answers 403, and the viewer sees no management controls.
  const direct = await bob.goto(`${team}/members/invite`);
  expect(direct?.status()).toBe(403);
  await bob.goto(`${team}/members`);
  await expect(bob.getByRole("link", { name: "Invite people" })).toHaveCount(0);
  await expect(bob.getByRole("combobox")).toHaveCount(0);

  // A team Bob is not in answers 404, like a team that does not exist.
  const notHis = await bob.goto(`${personal}/members`);
  expect(notHis?.status()).toBe(404);

  // Sign out ends the session; signing in again brings Ada back.
  await signOut(page);
  const afterSignOut = await page.goto(`${team}/members`);
  expect(new URL(afterSignOut?.url() ?? page.url()).pathname).toBe("/signin");
  await signIn(page, adminEmail);
  await page.waitForURL(/\/t\//);
  await page.goto(`${team}/members`);
  await expect(page.getByRole("list", { name: "Team members" })).toContainText(bobEmail);
  await expect(page.getByRole("list", { name: "Team members" })).toContainText("Viewer");
});

test("the last owner cannot leave, even from a page that still offered it", async ({ page, browser }) => {
  await signUp(page, "Solo Owner", freshEmail("solo"));
  const team = await createTeam(page, "Solo team");
  await page.goto(`${team}/settings`);
  await expect(page.getByText("You are the only owner.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Leave team" })).toHaveCount(0);

  // A second owner joins; now either may leave, and both settings pages offer it.
  const other = await joinAsNewUser(browser, "Co Owner", await createInvitationLink(page, team, "Owner"), team);
  await page.goto(`${team}/settings`);
  await page.getByRole("button", { name: "Leave team" }).click();
  await other.goto(`${team}/settings`);
  await other.getByRole("button", { name: "Leave team" }).click();

  // The co-owner leaves first; the page still open in the first browser is now stale.
  await other.getByRole("button", { name: "Yes, leave this team" }).click();
  await other.waitForURL((url) => !url.pathname.startsWith(team));
  await page.getByRole("button", { name: "Yes, leave this team" }).click();
  await expect(formAlert(page)).toContainText("You are the last owner");
  await page.goto(`${team}/members`);
  await expect(page.getByRole("list", { name: "Team members" })).toContainText("Owner");
});

test("sign-in errors are generic and a wrong password keeps the email", async ({ page }) => {
  const email = freshEmail("generic");
  await signUp(page, "Gene Ric", email);
  await signOut(page);
  await signIn(page, email, "wrong password here");
  await expect(formAlert(page)).toHaveText("Email or password is incorrect.");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await signIn(page, freshEmail("nobody"), "wrong password here");
  await expect(formAlert(page)).toHaveText("Email or password is incorrect.");
});

test("form errors appear next to their fields", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter your name.")).toBeVisible();
  await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
});

test("signing out ends the session everywhere, even for a copied session cookie", async ({ page, browser }) => {
  const team = await signUp(page, "Cookie Keeper", freshEmail("cookie"));
  const stolen = await page.context().cookies();
  expect(stolen.some((c) => c.name.includes("authjs.session-token"))).toBe(true);
  await signOut(page);

  const replay = await browser.newContext();
  await replay.addCookies(stolen);
  const replayed = await replay.newPage();
  await replayed.goto(`${team}/members`);
  await expect(replayed).toHaveURL(/\/signin/);
});
