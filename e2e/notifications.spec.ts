import { createHmac } from "node:crypto";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { expect, test, type Locator } from "@playwright/test";
import { startHookSink, startSmtpSink } from "../test/support/notification-sinks";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { TIME_SCALE } from "./support/chromium";
import { freshEmail, signUp } from "./support/journeys";

// An admin adds an email channel and an event webhook channel on the team's
// Notifications page; a connection that starts failing, then recovers (the
// events emitted here through emitTeamEvent, the seam health checks use, on
// the browser tests' database) reaches a real SMTP server and a real HTTP
// endpoint, where the Standard Webhooks signature is verified, and both
// deliveries show in the page's delivery log.

const SMTP_PORT = Number(new URL(process.env.KEYWAY_SMTP_URL!).port);

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 30_000 * TIME_SCALE;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Picks a channel kind, again if the click came before the page was interactive (the kind's own field then never shows). */
async function chooseKind(form: Locator, kind: RegExp, field: string) {
  await expect(async () => {
    await form.getByRole("radio", { name: kind }).check();
    await expect(form.getByLabel(field)).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 * TIME_SCALE });
}

test("a failing connection is told by email and by a signed event webhook, and so is its recovery", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  const smtp = await startSmtpSink(SMTP_PORT);
  const hook = await startHookSink();
  const { emitTeamEvent } = await import("../lib/notifications/events");
  const { stopJobs } = await import("../lib/jobs/engine");
  try {
    const team = await signUp(page, "Notify Admin", freshEmail("notify"));
    await page.getByRole("link", { name: "Notifications" }).first().click();
    await expect(page.getByRole("heading", { name: "Notifications" })).toBeVisible();
    await expect(page.getByText("No channels yet")).toBeVisible();

    // A bad address is refused next to its field, before anything is saved.
    const form = page.getByRole("form", { name: "Add a channel" });
    await chooseKind(form, /^Email/, "Recipients");
    await form.getByLabel("Name").fill("On-call email");
    await form.getByLabel("Recipients").fill("oncall@example.test, not-an-address");
    await form.getByRole("button", { name: "Add channel" }).click();
    await expect(form.getByText("“not-an-address” is not an email address.")).toBeVisible();
    await form.getByLabel("Recipients").fill("oncall@example.test");
    await form.getByRole("button", { name: "Add channel" }).click();
    await expect(page.getByText("Channel “On-call email” added.")).toBeVisible();

    await chooseKind(form, /Event webhook/, "Endpoint URL");
    await form.getByLabel("Name").fill("Ops automation");
    await form.getByLabel("Endpoint URL").fill(`${hook.url}/keyway-events`);
    await form.getByRole("button", { name: "Add channel" }).click();
    const secretBox = page.getByTestId("signing-secret");
    await expect(secretBox).toBeVisible();
    const secret = (await secretBox.locator("[data-copy-source]").getAttribute("data-copy-source")) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await expectNoSeriousA11yViolations(page);
    await secretBox.getByRole("button", { name: "Done, I have copied it" }).click();
    await expect(page.getByTestId("channel")).toHaveCount(2);
    // Shown once: the page itself never holds it again.
    expect(await page.content()).not.toContain(secret.slice(6));

    const slug = team.split("/").pop()!;
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const teamId = (await client.query<{ id: string }>(`SELECT id FROM "Team" WHERE slug = $1`, [slug])).rows[0]!.id;
    await client.end();

    for (const [index, type, summary] of [
      [0, "connection.failing", "Billing API is failing: GET /health answered 500."],
      [1, "connection.recovered", "Billing API works again: GET /health answered 200."],
    ] as const) {
      const id = `evt_e2e_${slug}_${index}`;
      await emitTeamEvent({ id, teamId, type, subject: { kind: "connection", id: "cbilling", name: "Billing API" }, summary, detail: { status: index === 0 ? 500 : 200 }, occurredAt: new Date().toISOString() });

      const mail = await until(() => smtp.mails[index], `the ${type} email`);
      expect(mail.to).toEqual(["oncall@example.test"]);
      expect(mail.subject).toContain(summary);
      expect(mail.text).toContain(`${process.env.KEYWAY_PUBLIC_URL}${team}/connections/cbilling`);

      const post = await until(() => hook.posts[index], `the ${type} webhook`);
      const headers = { "webhook-id": String(post.headers["webhook-id"]), "webhook-timestamp": String(post.headers["webhook-timestamp"]), "webhook-signature": String(post.headers["webhook-signature"]) };
      const verified = new Webhook(secret).verify(post.body, headers) as { type: string; data: { summary: string } };
      expect(verified).toMatchObject({ type, data: { summary } });
      expect(headers["webhook-id"]).toBe(id);
      const expected = createHmac("sha256", Buffer.from(secret.slice(6), "base64")).update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${post.body}`).digest("base64");
      expect(headers["webhook-signature"]).toBe(`v1,${expected}`);

      await expect(async () => {
        await page.reload();
        await expect(page.getByRole("list", { name: "Deliveries of Ops automation" }).getByTestId("delivery")).toHaveCount(index + 1, { timeout: 1_000 });
        await expect(page.getByRole("list", { name: "Deliveries of On-call email" }).getByTestId("delivery").first()).toContainText("Delivered", { timeout: 1_000 });
      }).toPass({ timeout: 30_000 * TIME_SCALE });
      const newest = page.getByRole("list", { name: "Deliveries of Ops automation" }).getByTestId("delivery").first();
      await expect(newest).toContainText("Delivered");
      await expect(newest).toContainText(summary);
      await expect(newest).toContainText("answered 200");
    }

    // Exactly one message per change on each channel.
    expect(smtp.mails).toHaveLength(2);
    expect(hook.posts).toHaveLength(2);

    // Redelivery sends the same event (same webhook-id) again, and is logged.
    await page.getByRole("list", { name: "Deliveries of Ops automation" }).getByRole("button", { name: "Redeliver" }).first().click();
    const again = await until(() => hook.posts[2], "the redelivery");
    expect(again.headers["webhook-id"]).toBe(`evt_e2e_${slug}_1`);
  } finally {
    await stopJobs();
    await Promise.all([smtp.close(), hook.close()]);
  }
});

test("the Notifications page at phone and desktop widths, light and dark", async ({ page }) => {
  test.skip(!process.env.KEYWAY_SCREENSHOTS, "screenshots only on request (KEYWAY_SCREENSHOTS=dir)");
  test.setTimeout(120_000 * TIME_SCALE);
  const team = await signUp(page, "Notify Shots", freshEmail("notify-shots"));
  await page.goto(`${team}/notifications`);
  const form = page.getByRole("form", { name: "Add a channel" });
  await chooseKind(form, /Event webhook/, "Endpoint URL");
  await form.getByLabel("Name").fill("Ops automation");
  await form.getByLabel("Endpoint URL").fill("https://hooks.example.test/keyway");
  await form.getByRole("button", { name: "Add channel" }).click();
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  await chooseKind(form, /Slack/, "Slack incoming-webhook URL");
  await form.getByLabel("Name").fill("Slack #ops");
  await form.getByLabel("Slack incoming-webhook URL").fill("https://hooks.slack.example.test/services/T0/B0/abcdefgh");
  await form.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByTestId("channel")).toHaveCount(2);
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${process.env.KEYWAY_SCREENSHOTS}/notifications-${scheme}-${width}.png`, fullPage: true });
    }
  }
});
