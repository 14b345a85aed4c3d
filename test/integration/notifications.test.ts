import { createHmac, randomBytes } from "node:crypto";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, test } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startHookSink, startSmtpSink } from "../support/notification-sinks";
import { TIME_SCALE } from "../support/time-scale";

// Team events through the real job engine to real receivers on loopback: an
// event webhook verified with the `standardwebhooks` package and with an
// independent HMAC computed from the specification, an email received by a
// real SMTP server, a Slack message posted to a local HTTP server; retries,
// the delivery log, redelivery and the daily digest.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.1/32";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let hook: Awaited<ReturnType<typeof startHookSink>>;
let slack: Awaited<ReturnType<typeof startHookSink>>;
let notifications: typeof import("@/lib/notifications");
let events: typeof import("@/lib/notifications/events");
let jobs: typeof import("@/lib/jobs/all");
let owner: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  smtp = await startSmtpSink();
  hook = await startHookSink();
  slack = await startHookSink();
  process.env.KEYWAY_SMTP_URL = smtp.url;
  process.env.KEYWAY_MAIL_FROM = "Keyway Alerts <alerts@keyway.test>";
  env = await useFreshAppDatabase("notifications");
  notifications = await import("@/lib/notifications");
  events = await import("@/lib/notifications/events");
  jobs = await import("@/lib/jobs/all");
  await jobs.startJobs({ pollingIntervalSeconds: 0.5 });
  owner = await makeUser("notify-owner");
});

afterAll(async () => {
  await jobs?.stopJobs();
  await Promise.all([smtp?.close(), hook?.close(), slack?.close()]);
  await env?.close();
});

async function until<T>(probe: () => T | Promise<T>, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + 30_000 * TIME_SCALE;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const teamId = () => owner.personalTeam.id;

function failingEvent(id = `evt_${randomBytes(6).toString("hex")}`, type: "connection.failing" | "connection.recovered" | "agent.offline" = "connection.failing") {
  return {
    id,
    teamId: teamId(),
    type,
    subject: { kind: "connection" as const, id: "c123", name: "Echo API" },
    summary: type === "connection.failing" ? "Echo API is failing: GET /health answered 500." : type === "connection.recovered" ? "Echo API works again." : "Agent office went offline.",
    detail: { status: 500 },
    occurredAt: new Date().toISOString(),
  };
}

function channelInput(overrides: Record<string, unknown>) {
  return {
    name: "x",
    kind: "WEBHOOK" as const,
    eventTypes: ["connection.failing", "connection.recovered"] as ("connection.failing" | "connection.recovered")[],
    digest: false,
    emailTo: [] as string[],
    slackUrl: "",
    url: "",
    ...overrides,
  };
}

test("one connection.failing event reaches the event webhook (Standard Webhooks), the email and the Slack channel once each; a channel for other events gets nothing", async () => {
  const webhook = await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Ops endpoint", kind: "WEBHOOK", url: `${hook.url}/keyway-events` }));
  expect(webhook.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "On-call mail", kind: "EMAIL", emailTo: ["oncall@example.test", "lead@example.test"] }));
  const slackChannel = await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Slack #ops", kind: "SLACK", slackUrl: `${slack.url}/services/T000/B000/secretslackpart` }));
  await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Agents only", kind: "WEBHOOK", url: `${hook.url}/agents-only`, eventTypes: ["agent.offline"] }));

  // Nothing secret is read back.
  const listed = await notifications.listChannels(teamId());
  expect(JSON.stringify(listed)).not.toContain("secretslackpart");
  expect(JSON.stringify(listed)).not.toContain(webhook.signingSecret!.slice(6));
  expect(listed.find((c) => c.id === slackChannel.id)?.secretHint).toBe("part");

  const event = failingEvent();
  await events.emitTeamEvent(event);

  const post = await until(() => hook.posts.find((p) => p.path === "/keyway-events"), "the event webhook");
  const mail = await until(() => smtp.mails[0], "the email");
  const slackPost = await until(() => slack.posts[0], "the Slack message");

  // The standardwebhooks package accepts it…
  const headers = { "webhook-id": String(post.headers["webhook-id"]), "webhook-timestamp": String(post.headers["webhook-timestamp"]), "webhook-signature": String(post.headers["webhook-signature"]) };
  expect(headers["webhook-id"]).toBe(event.id);
  const verified = new Webhook(webhook.signingSecret!).verify(post.body, headers) as { type: string; data: { summary: string; subject: { name: string } } };
  expect(verified.type).toBe("connection.failing");
  expect(verified.data.summary).toBe(event.summary);
  // …and so does the specification computed by hand: base64 HMAC-SHA256 of "id.timestamp.body" with the secret's base64-decoded bytes.
  const key = Buffer.from(webhook.signingSecret!.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${post.body}`).digest("base64");
  expect(headers["webhook-signature"]).toBe(`v1,${expected}`);
  expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(120);
  // A tampered body is refused by the verifier.
  expect(() => new Webhook(webhook.signingSecret!).verify(post.body.replace("failing", "fine"), headers)).toThrow();

  expect(mail.to.sort()).toEqual(["lead@example.test", "oncall@example.test"]);
  expect(mail.from).toBe("alerts@keyway.test");
  expect(mail.subject).toBe(`[${owner.personalTeam.name}] ${event.summary}`);
  expect(mail.text).toContain("A connection starts failing (connection.failing)");
  expect(mail.text).toContain("/connections/c123");

  expect(slackPost.path).toBe("/services/T000/B000/secretslackpart");
  expect(JSON.parse(slackPost.body).text).toContain(`*${event.summary}*`);

  // Delivered once each; the channel for agent events got nothing.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(hook.posts.filter((p) => p.path === "/keyway-events")).toHaveLength(1);
  expect(hook.posts.filter((p) => p.path === "/agents-only")).toHaveLength(0);
  expect(smtp.mails).toHaveLength(1);
  expect(slack.posts).toHaveLength(1);

  const log = await notifications.listDeliveries(teamId(), webhook.id);
  expect(log).toHaveLength(1);
  expect(log[0]).toMatchObject({ eventId: event.id, state: "delivered", attempts: 1, responseStatus: 200, responseExcerpt: "ok" });
  expect(log[0]!.durationMs).toBeGreaterThanOrEqual(0);

  // The same event emitted again is not delivered again.
  await events.emitTeamEvent(event);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(hook.posts.filter((p) => p.path === "/keyway-events")).toHaveLength(1);
});

test("a failing endpoint is retried with back-off (its answer logged, redacted); redelivery sends the same event again with the same webhook-id", async () => {
  const sink = await startHookSink();
  try {
    const webhook = await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Flaky endpoint", url: `${sink.url}/flaky`, eventTypes: ["connection.recovered"] }));
    sink.answer.status = 503;
    sink.answer.body = `down for maintenance; you sent ${webhook.signingSecret}`;
    const event = failingEvent(undefined, "connection.recovered");
    await events.emitTeamEvent(event);

    const [row] = await until(async () => {
      const rows = await notifications.listDeliveries(teamId(), webhook.id);
      return rows[0]?.state === "retrying" ? rows : null;
    }, "a failed first attempt");
    expect(row).toMatchObject({ attempts: 1, responseStatus: 503, errorMessage: "The endpoint answered 503." });
    expect(row!.responseExcerpt).toContain("down for maintenance");
    expect(row!.responseExcerpt).not.toContain(webhook.signingSecret!);

    // pg-boss holds the next attempt, 30 to 60 s away (30 s × 2^1 with jitter), of at most 12.
    const pool = new pg.Pool({ connectionString: env.url, max: 1 });
    const job = await until(async () => {
      const { rows } = await pool.query(
        `SELECT state, retry_limit, extract(epoch from start_after - now()) AS wait FROM pgboss.job WHERE name = 'notification-delivery' AND data->>'deliveryId' = $1`,
        [row!.id],
      );
      return rows[0]?.state === "retry" ? rows[0] : null;
    }, "the job waiting for its retry");
    await pool.end();
    expect(job.retry_limit).toBe(11);
    expect(Number(job.wait)).toBeGreaterThan(20);
    expect(Number(job.wait)).toBeLessThanOrEqual(60);

    sink.answer.status = 204;
    sink.answer.body = "";
    await notifications.redeliver(teamId(), owner.actor, webhook.id, row!.id);
    const delivered = await until(async () => {
      const rows = await notifications.listDeliveries(teamId(), webhook.id);
      return rows[0]?.state === "delivered" ? rows[0] : null;
    }, "the redelivery");
    expect(delivered).toMatchObject({ attempts: 1, responseStatus: 204 });
    expect(sink.posts).toHaveLength(2);
    expect(sink.posts[1]!.headers["webhook-id"]).toBe(event.id);
    expect(sink.posts[1]!.body).toBe(sink.posts[0]!.body);

    const audit = await env.db.auditEvent.findMany({ where: { teamId: teamId(), objectId: webhook.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["notification_channel.created", "notification_channel.redelivered"]);
  } finally {
    await sink.close();
  }
});

test("a digest channel gets one message for the day's events; a test event goes to one channel only", async () => {
  const sink = await startHookSink();
  const { db } = env;
  try {
    const digest = await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Daily Slack", kind: "SLACK", digest: true, slackUrl: `${sink.url}/digest`, eventTypes: ["agent.offline"] }));
    await events.emitTeamEvent({ ...failingEvent(undefined, "agent.offline"), subject: { kind: "agent", id: "ag1", name: "office" }, summary: "Agent office went offline." });
    await events.emitTeamEvent({ ...failingEvent(undefined, "agent.offline"), subject: { kind: "agent", id: "ag2", name: "lab" }, summary: "Agent lab went offline." });
    await until(async () => (await db.notificationDelivery.count({ where: { channelId: digest.id, state: "digest" } })) === 2, "two events kept for the digest");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sink.posts).toHaveLength(0);

    expect(await notifications.sendDigests()).toBeGreaterThanOrEqual(1);
    expect(sink.posts).toHaveLength(1);
    const text = JSON.parse(sink.posts[0]!.body).text as string;
    expect(text).toContain("2 events today");
    expect(text).toContain("Agent office went offline.");
    expect(text).toContain("Agent lab went offline.");
    expect(await db.notificationDelivery.count({ where: { channelId: digest.id, state: "delivered" } })).toBe(2);
    expect(await notifications.sendDigests()).toBe(0);

    const mails = smtp.mails.length;
    const email = await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Test me", kind: "EMAIL", emailTo: ["me@example.test"] }));
    await notifications.sendTestEvent(teamId(), owner.actor, email.id);
    const mail = await until(() => smtp.mails[mails], "the test email");
    expect(mail.to).toEqual(["me@example.test"]);
    expect(mail.text).toContain("Test event");
    expect(sink.posts).toHaveLength(1);
  } finally {
    await sink.close();
  }
});

test("channels are refused with a field message for bad input, and another team's channel is not found", async () => {
  const { channelInputSchema } = await import("@/lib/notifications/schemas");
  const refused = (input: Record<string, unknown>) => {
    const parsed = channelInputSchema.safeParse(input);
    return parsed.success ? null : Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message]));
  };
  expect(refused({ name: "a", kind: "WEBHOOK", eventTypes: ["connection.failing"], url: "http://example.com/hook" })).toEqual({ url: "Use an https:// URL (plain http:// is accepted for localhost only)." });
  expect(refused({ name: "a", kind: "EMAIL", eventTypes: ["connection.failing"], emailTo: "ops@example.test, nope" })).toEqual({ emailTo: "“nope” is not an email address." });
  expect(refused({ name: "a", kind: "SLACK", eventTypes: [] })).toEqual({ eventTypes: "Choose at least one event." });
  expect(refused({ name: "a", kind: "WEBHOOK", eventTypes: ["connection.exploded"], url: "https://x.test" })).toHaveProperty(["eventTypes.0"]);

  const stranger = await makeUser("notify-stranger");
  const mine = await notifications.createChannel(teamId(), owner.actor, channelInput({ name: "Mine", url: "https://hooks.example.test/x" }));
  await expect(notifications.deleteChannel(stranger.personalTeam.id, stranger.actor, mine.id)).rejects.toMatchObject({ status: 404 });
  await expect(notifications.sendTestEvent(stranger.personalTeam.id, stranger.actor, mine.id)).rejects.toMatchObject({ status: 404 });
  expect(await notifications.listDeliveries(stranger.personalTeam.id, mine.id)).toEqual([]);
});

test("an invitation with an email address is emailed with its link when SMTP is configured; the link is the one that works", async () => {
  const { createInvitation, findInvitation } = await import("@/lib/teams");
  const { queueInvitationEmail } = await import("@/lib/notifications/invitation-mail");
  const before = smtp.mails.length;
  const acting = { userId: owner.id, role: "OWNER" as const, actor: owner.actor };
  const { invitation, token } = await createInvitation(teamId(), acting, { role: "MEMBER", email: "newcomer@example.test" });
  expect(await queueInvitationEmail(invitation.id, token)).toBe(true);
  // The token travels sealed through the job table.
  const pool = new pg.Pool({ connectionString: env.url, max: 1 });
  const { rows } = await pool.query(`SELECT data::text AS data FROM pgboss.job WHERE name = 'invitation-email'`);
  await pool.end();
  expect(rows.map((r) => String(r.data)).join("")).not.toContain(token);

  const mail = await until(() => smtp.mails[before], "the invitation email");
  expect(mail.to).toEqual(["newcomer@example.test"]);
  expect(mail.subject).toContain(`invited you to ${owner.personalTeam.name} on Keyway`);
  const link = /Accept: (\S+)/.exec(mail.text)?.[1] ?? "";
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  expect(await findInvitation(link.split("/").pop()!)).toMatchObject({ teamName: owner.personalTeam.name, state: "pending" });
});
