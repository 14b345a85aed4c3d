import { expect, type Browser, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery staple";

let counter = 0;
export function freshEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}@example.test`;
}

/** Signs up through the form and waits for the personal team; returns the team's URL path. */
export async function signUp(page: Page, name: string, email: string, password = PASSWORD): Promise<string> {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/t\/[^/]+\/connections/);
  return new URL(page.url()).pathname.replace(/\/connections$/, "");
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).filter({ visible: true }).first().click();
  await page.waitForURL(/\/signin/);
}

export async function createTeam(page: Page, name: string): Promise<string> {
  await page.goto("/teams/new");
  await page.getByLabel("Team name").fill(name);
  await page.getByRole("button", { name: "Create team" }).click();
  await page.waitForURL(/\/t\/[^/]+\/members/);
  return new URL(page.url()).pathname.replace(/\/members$/, "");
}

export async function createInvitationLink(page: Page, teamPath: string, role: "Owner" | "Admin" | "Member" | "Viewer"): Promise<string> {
  await page.goto(`${teamPath}/members/invite`);
  await page.getByRole("radio", { name: new RegExp(`^${role}`) }).check();
  await page.getByRole("button", { name: "Create invitation link" }).click();
  const link = await page.locator("[data-copy-source]").textContent();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
  return new URL(link ?? "").pathname;
}

export async function newPhoneOrDesktop(browser: Browser, phone = false): Promise<Page> {
  const context = await browser.newContext(phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {});
  return context.newPage();
}

/** The form's own alert; Next's route announcer is an (empty) role=alert too. */
export function formAlert(page: Page) {
  return page.getByRole("alert").filter({ hasText: /\S/ });
}

/** A new person signs up in their own browser and accepts an invitation link; returns their page, in the team. */
export async function joinAsNewUser(browser: Browser, name: string, invitePath: string, teamPath: string): Promise<Page> {
  const page = await newPhoneOrDesktop(browser);
  await signUp(page, name, freshEmail(name.toLowerCase().replace(/\W+/g, "-")));
  await page.goto(invitePath);
  await page.getByRole("button", { name: "Accept invitation" }).click();
  await page.waitForURL(new RegExp(`${teamPath}/connections`));
  return page;
}
