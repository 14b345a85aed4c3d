import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createInvitationLink, createTeam, freshEmail, joinAsNewUser, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";
import { TIME_SCALE } from "./support/chromium";

// An admin follows one connection through the audit log and downloads it as
// CSV; a member is refused the audit log by the server.

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
test.beforeAll(async () => {
  upstream = await startEchoUpstream();
});
test.afterAll(async () => upstream?.close());

const SECRET = "audit-e2e-secret-value-7781";

test("an admin filters the audit log to one connection's events and downloads them as CSV; a member is refused", async ({ page, browser }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  await signUp(page, "Audra Admin", freshEmail("audit"));
  const team = await createTeam(page, "Audited team");

  // Another connection first, so that the filter has something to leave out.
  for (const name of ["Noise API", "Billing API"]) {
    await page.goto(`${team}/connections/new`);
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Base URL").fill(upstream.baseUrl);
    await page.getByRole("radio", { name: "Header auth", exact: true }).check();
    await page.getByLabel("Header name").fill("X-Api-Key");
    await page.getByLabel("Value").fill(SECRET);
    await page.getByRole("button", { name: "Create connection" }).click();
    await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  }
  const connectionId = new URL(page.url()).pathname.split("/").at(-1)!;
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Billing API v2");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\?saved=1$/);
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByRole("list", { name: "Test history" }).getByRole("listitem")).toHaveCount(1);

  await page.goto(`${team}/audit`);
  await expectNoSeriousA11yViolations(page);
  await expect(page.getByTestId("audit-event").filter({ hasText: "Noise API" })).toHaveCount(1);
  await page.getByRole("link", { name: "Only events of Billing API v2" }).first().click();
  await expect(page).toHaveURL(new RegExp(`objectId=${connectionId}`));
  const rows = page.getByTestId("audit-event");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("Audra Admin tested Billing API v2 — 200");
  await expect(rows.nth(0)).toContainText("connection.tested");
  await expect(rows.nth(1)).toContainText("connection.updated");
  await expect(rows.nth(2)).toContainText("connection.created");
  await expect(page.getByTestId("audit-event").filter({ hasText: "Noise API" })).toHaveCount(0);

  // The same filter narrowed further from the form: only the test.
  await page.getByLabel("Action").selectOption("connection.tested");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(1);
  await page.getByLabel("Action").selectOption("");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(3);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^keyway-audit-.+\.csv$/);
  const csv = await readFile((await download.path())!, "utf8");
  const lines = csv.trim().split("\n");
  expect(lines[0]).toBe("id,time,actor,actor_id,ip,action,object_type,object_id,object_name,details");
  expect(lines).toHaveLength(4);
  expect(lines.slice(1).map((l) => l.split(",")[5])).toEqual(["connection.tested", "connection.updated", "connection.created"]);
  expect(csv).toContain(connectionId);
  expect(csv).not.toContain("Noise API");
  expect(csv).not.toContain(SECRET);

  // A member: the server answers 403 for the page and for the export.
  const invite = await createInvitationLink(page, team, "Member");
  const member = await joinAsNewUser(browser, "Mel Member", invite, team);
  const refused = await member.goto(`${team}/audit`);
  expect(refused?.status()).toBe(403);
  await expect(member.getByRole("heading", { name: "Your role does not allow this" })).toBeVisible();
  const exportAttempt = await member.request.get(`${team}/audit/export`);
  expect(exportAttempt.status()).toBe(403);
});
