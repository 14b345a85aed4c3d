import { expect, test } from "@playwright/test";
import pg from "pg";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createInvitationLink, createTeam, freshEmail, joinAsNewUser, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// The admin side of on-premise agents: an admin registers one, sees its token
// and start command once, watches its state change without reloading, and
// revokes and deletes it; a member cannot open the page. No agent process runs
// here: its presence is written to the database the way the transport would.

async function query(sql: string, values: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

test("an admin registers an agent, sees its token and command once, watches it come online, revokes and deletes it", async ({ page, browser }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  await signUp(page, "Ada Admin", freshEmail("agents"));
  const team = await createTeam(page, "Agents team");

  await page.getByRole("navigation", { name: "Team" }).filter({ visible: true }).getByRole("link", { name: "Agents" }).click();
  await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No agents yet" })).toBeVisible();
  await expect(page.getByText("no inbound firewall rule")).toBeVisible();

  // The name is required, and the error sits next to the field.
  await page.getByLabel("Name").fill("   ");
  await page.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByText(/^Name the agent after where it runs/)).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Name").fill("office network");
  // The destinations it may reach go into its start command; the agent's own rules check them first.
  await page.getByLabel("Allowed destinations (optional)").fill("10.0.0.0/33");
  await page.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByText(/^10\.0\.0\.0\/33: the range's prefix length must be 0 to 32/)).toBeVisible();
  await page.getByLabel("Allowed destinations (optional)").fill("10.1.0.0/16, api.internal");
  await page.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByText("Agent “office network” registered")).toBeVisible();
  await expect(page.getByText(/will never show it again/)).toBeVisible();
  await expect(page.getByText(/Node\.js 20 or later and outbound HTTPS/)).toBeVisible();
  const token = (await page.locator("code[data-copy-source]").first().textContent())?.trim() ?? "";
  expect(token).toMatch(/^kwa_[A-Za-z0-9_-]{43}$/);
  const command = (await page.getByRole("region", { name: "Start it on a machine inside your network" }).textContent()) ?? "";
  expect(command).toContain(`KEYWAY_AGENT_TOKEN=${token} node keyway-agent.mjs --url ${process.env.KEYWAY_PUBLIC_URL} --allow 10.1.0.0/16,api.internal`);
  expect(command).toContain(`curl -fsSL ${process.env.KEYWAY_PUBLIC_URL}/api/agents/script -o keyway-agent.mjs`);
  await expect(page.getByRole("button", { name: "Copy command" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  // Shown once: after "Done" and after a reload the token is nowhere on the page, only its prefix.
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  await expect(page.getByRole("button", { name: "Register agent" })).toBeVisible();
  await page.reload();
  const row = page.getByRole("list", { name: "Agents" }).getByRole("listitem").filter({ hasText: "office network" });
  await expect(row).toContainText(token.slice(0, 12));
  await expect(row).toContainText("Never connected");
  await expect(row).toContainText("No connection uses it yet");
  expect(await page.content()).not.toContain(token);

  // The agent connects (as the transport records it): the open page shows it online by itself, no reload.
  const prefix = token.slice(0, 12);
  await query(`UPDATE "Agent" SET "version" = '1.4.2', "hostname" = 'gw-01.corp.example', "instanceId" = 'e2e-instance', "sessionId" = 'e2e-session', "connectedAt" = now(), "lastSeenAt" = now() WHERE "tokenPrefix" = $1`, [prefix]);
  await expect(row.getByText("Online", { exact: true })).toBeVisible({ timeout: 15_000 });
  await expect(row).toContainText("gw-01.corp.example");
  await expect(row).toContainText("1.4.2");
  // And goes away cleanly: offline, since when.
  await query(`UPDATE "Agent" SET "instanceId" = NULL, "sessionId" = NULL, "disconnectedAt" = now() WHERE "tokenPrefix" = $1`, [prefix]);
  await expect(row.getByText("Offline", { exact: true })).toBeVisible({ timeout: 15_000 });
  // Relative, with the exact UTC time on hover (one date language).
  await expect(row).toContainText(/since (just now|\d+ \w+ ago)/);
  await expect(row.locator("time").first()).toHaveAttribute("title", /UTC/);

  // A member cannot open the page, and the team menu does not offer it.
  const invite = await createInvitationLink(page, team, "Member");
  const member = await joinAsNewUser(browser, "Mo Member", invite, team);
  await expect(member.getByRole("link", { name: "Connections" }).first()).toBeAttached();
  await expect(member.getByRole("link", { name: "Agents" })).toHaveCount(0);
  const refused = await member.goto(`${team}/agents`);
  expect(refused?.status()).toBe(403);
  await expect(member.getByRole("heading", { name: "Your role does not allow this" })).toBeVisible();
  await member.context().close();

  // Revoking asks first, then shows the agent revoked.
  await page.goto(`${team}/agents`);
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row.getByText(/Revoke “office network”\? It is disconnected within seconds/)).toBeVisible();
  await row.getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByText("Offline", { exact: true })).toBeVisible();
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByRole("button", { name: "Revoke agent" }).click();
  await expect(row.getByText("Revoked", { exact: true })).toBeVisible();
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);

  // A revoked agent that no connection uses can be deleted.
  await row.getByRole("button", { name: "Delete" }).click();
  await row.getByRole("button", { name: "Delete agent" }).click();
  await expect(page.getByRole("heading", { name: "No agents yet" })).toBeVisible();

  await page.goto(`${team}/audit`);
  for (const action of ["agent.registered", "agent.revoked", "agent.deleted"]) {
    await expect(page.getByTestId("audit-event").filter({ hasText: action })).toHaveCount(1);
  }
  expect(await page.content()).not.toContain(token);
});

test("an agent registered with no allowed destinations gets the agent's default ranges, twice in a row", async ({ page }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  await signUp(page, "Ena Empty", freshEmail("agents-empty"));
  const team = await createTeam(page, "Agents empty allow");
  await page.goto(`${team}/agents`);
  for (const name of ["first office", "second office"]) {
    await page.getByLabel("Name").fill(name);
    await expect(page.getByLabel("Allowed destinations (optional)")).toHaveValue("");
    await page.getByRole("button", { name: "Register agent" }).click();
    await expect(page.getByText(`Agent “${name}” registered`)).toBeVisible();
    const command = (await page.getByRole("region", { name: "Start it on a machine inside your network" }).textContent()) ?? "";
    expect(command).not.toContain("--allow");
    await page.getByRole("button", { name: "Done, I have copied it" }).click();
  }
  // Only spaces and commas: the same as empty.
  await page.getByLabel("Name").fill("third office");
  await page.getByLabel("Allowed destinations (optional)").fill(" ,  , ");
  await page.getByRole("button", { name: "Register agent" }).click();
  await expect(page.getByText("Agent “third office” registered")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("list", { name: "Agents" }).getByRole("listitem")).toHaveCount(3);
});
