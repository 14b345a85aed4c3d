import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "./support/csp";
import { formAlert, freshEmail, newPhoneOrDesktop, PASSWORD, signIn, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// The account page (password, sessions) and the operator's reset link.

const run = promisify(execFile);
const NEW_PASSWORD = "a brand new passphrase 2026";

/** `npm run user:reset-password -- <email>` as an operator runs it, against the browser tests' database; returns the printed link. */
async function resetLinkFor(email: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/reset-password.ts", email], { env: process.env });
  const link = stdout.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+/)?.[0];
  expect(link, stdout).toBeTruthy();
  return new URL(link!).pathname;
}

test("changing the password needs the current one, refuses weak ones, and signs out the other sessions", async ({ page, browser }) => {
  test.setTimeout(180_000 * TIME_SCALE);
  const email = freshEmail("pat");
  await signUp(page, "Pat Password", email);
  const other = await newPhoneOrDesktop(browser, true);
  await signIn(other, email);
  await other.waitForURL(/\/t\//);

  await page.getByRole("link", { name: /Your account/ }).filter({ visible: true }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  const sessions = page.getByRole("list", { name: "Your sessions" });
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  await expect(sessions.getByRole("listitem").first()).toContainText("This browser");
  await expect(sessions).toContainText("127.0.0.1");

  // Wrong current password, then a common one, then too short: each refused next to its field.
  await page.getByLabel("Current password").fill("not my password at all");
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your current password is not right.")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("qwerty123456");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("This is one of the most common passwords")).toBeVisible();
  await page.getByLabel("New password").fill("short one");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. Your other sessions are signed out.")).toBeVisible();

  // The other browser is signed out; the old password no longer works, the new one does.
  await other.reload();
  await expect(other).toHaveURL(/\/signin/);
  await signIn(other, email);
  await expect(formAlert(other)).toHaveText("Email or password is incorrect.");
  await signIn(other, email, NEW_PASSWORD);
  await other.waitForURL(/\/t\//);
});

test("sign out everywhere else ends the other browser's session and keeps this one", async ({ page, browser }) => {
  test.setTimeout(180_000 * TIME_SCALE);
  const email = freshEmail("sam");
  await signUp(page, "Sam Sessions", email);
  const other = await newPhoneOrDesktop(browser);
  await signIn(other, email);
  await other.waitForURL(/\/t\//);

  await page.goto("/account");
  await expect(page.getByRole("list", { name: "Your sessions" }).getByRole("listitem")).toHaveCount(2);
  await page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await page.getByRole("button", { name: "Yes, sign them out" }).click();
  await expect(page.getByRole("list", { name: "Your sessions" }).getByRole("listitem")).toHaveCount(1);

  await other.reload();
  await expect(other).toHaveURL(/\/signin/);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
});

test("the operator's reset link sets a new password once and signs the user out everywhere", async ({ page, browser }) => {
  test.setTimeout(180_000 * TIME_SCALE);
  const email = freshEmail("rita");
  await signUp(page, "Rita Reset", email);
  const link = await resetLinkFor(email);

  const visitor = await newPhoneOrDesktop(browser);
  await visitor.goto(link);
  await expect(visitor.getByRole("heading", { name: "Set a new password" })).toBeVisible();
  await expect(visitor.getByText(email)).toBeVisible();
  await visitor.getByLabel("New password").fill("password1234");
  await visitor.getByRole("button", { name: "Set new password" }).click();
  await expect(visitor.getByText("This is one of the most common passwords")).toBeVisible();
  await visitor.getByLabel("New password").fill(NEW_PASSWORD);
  await visitor.getByRole("button", { name: "Set new password" }).click();
  await visitor.waitForURL(/\/signin\?reset=1$/);
  await expect(visitor.getByText("Your new password is set. Sign in with it.")).toBeVisible();

  // The user's existing session ended; the link is spent.
  await page.reload();
  await expect(page).toHaveURL(/\/signin/);
  await visitor.goto(link);
  await expect(visitor.getByText("This reset link has expired or was already used.")).toBeVisible();
  await signIn(visitor, email, NEW_PASSWORD);
  await visitor.waitForURL(/\/t\//);
});
