import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { createInvitationLink, createTeam, freshEmail, newPhoneOrDesktop, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// Registering, editing and deleting a team's OAuth clients is for admins and
// owners (SPEC.md: "admins also manage members, clients and the audit log");
// members and viewers read them, and members choose one for a connection.

async function registerGithubClient(page: Page, team: string, name: string): Promise<string> {
  await page.goto(`${team}/clients/new?provider=github`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Client ID").fill("Iv1.roles0000000001");
  await page.getByLabel("Client secret").fill("github-client-secret-for-roles");
  await page.getByRole("button", { name: "Register client" }).click();
  await page.waitForURL(/\/clients\/oc[0-9a-f]+\?saved=1$/);
  return new URL(page.url()).pathname;
}

async function setRole(owner: Page, team: string, email: string, role: "ADMIN" | "MEMBER" | "VIEWER") {
  await owner.goto(`${team}/members`);
  await owner.getByLabel(`Role for ${email}`, { exact: true }).selectOption(role);
  await owner.getByRole("button", { name: `Save role for ${email}` }).click();
  await expect(owner.getByText("Role saved.")).toBeVisible();
}

test("only admins and owners register, edit and delete OAuth clients; members choose them", async ({ page, browser }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  await signUp(page, "Olive Owner", freshEmail("olive"));
  const team = await createTeam(page, "Client roles");
  const clientPath = await registerGithubClient(page, team, "GitHub (roles)");
  await expect(page.getByRole("link", { name: "Edit" })).toBeVisible();

  // A member reads the clients but sees no controls to change them, and the server refuses the forms.
  const invitation = await createInvitationLink(page, team, "Member");
  const member = await newPhoneOrDesktop(browser);
  const memberEmail = freshEmail("mel");
  await signUp(member, "Mel Member", memberEmail);
  await member.goto(invitation);
  await member.getByRole("button", { name: "Accept invitation" }).click();
  await member.waitForURL(new RegExp(`${team}/connections`));
  await member.goto(`${team}/clients`);
  await expect(member.getByRole("link", { name: "GitHub (roles)" })).toBeVisible();
  await expect(member.getByRole("link", { name: "Register a client" })).toHaveCount(0);
  await expect(member.getByText("Team admins register and change them")).toBeVisible();
  await member.goto(clientPath);
  await expect(member.getByRole("heading", { name: "GitHub (roles)" })).toBeVisible();
  await expect(member.getByRole("link", { name: "Edit" })).toHaveCount(0);
  await expect(member.getByRole("button", { name: "Delete" })).toHaveCount(0);
  expect((await member.goto(`${team}/clients/new`))?.status()).toBe(403);
  expect((await member.goto(`${clientPath}/edit`))?.status()).toBe(403);

  // The member still chooses the team's client for a connection.
  await member.goto(`${team}/connections/new`);
  await member.getByRole("radio", { name: "OAuth2 (authorization code)", exact: true }).check();
  await expect(member.locator("#field-oauthClientRef option", { hasText: "GitHub (roles) (" })).toHaveCount(1);
  await expect(member.getByText("A team admin registers clients.")).toBeVisible();
  await expect(member.getByRole("link", { name: "Register a client" })).toHaveCount(0);

  // An admin may; demoted while the delete form is open, the server refuses the stale form.
  await setRole(page, team, memberEmail, "ADMIN");
  await member.goto(clientPath);
  await expect(member.getByRole("link", { name: "Edit" })).toBeVisible();
  await member.getByRole("button", { name: "Delete" }).click();
  await setRole(page, team, memberEmail, "MEMBER");
  await member.getByRole("button", { name: "Yes, delete it" }).click();
  // The server answers with the page as a member sees it: no delete controls, and the client is still there.
  await expect(member.getByRole("button", { name: "Yes, delete it" })).toHaveCount(0);
  await expect(member.getByRole("button", { name: "Delete" })).toHaveCount(0);
  expect(member.url()).not.toContain("deleted=1");
  await page.goto(`${team}/clients`);
  await expect(page.getByRole("link", { name: "GitHub (roles)" })).toBeVisible();

  // The owner still deletes it.
  await page.goto(clientPath);
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Yes, delete it" }).click();
  await page.waitForURL(/\/clients\?deleted=1$/);
});
