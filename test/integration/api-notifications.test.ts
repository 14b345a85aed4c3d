import { randomBytes } from "node:crypto";
import SwaggerParser from "@apidevtools/swagger-parser";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startApiServer } from "../support/api-server";
import { startHookSink } from "../support/notification-sinks";
import { TIME_SCALE } from "../support/time-scale";

// Notification channels through /api/v1, with the client generated from the
// API's OpenAPI document, a real job engine delivering to a receiver on
// loopback: admin keys only, secrets write-only (the Slack URL never comes
// back; the signing secret once, when made or rolled), writes audited with
// the key, the delivery log in keyset pages, redelivery and test events.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.1/32";
process.env.KEYWAY_API_MAX_PER_MINUTE = "1000";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let api: Awaited<ReturnType<typeof startApiServer>>;
let hook: Awaited<ReturnType<typeof startHookSink>>;
let jobs: typeof import("@/lib/jobs/all");
let owner: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;
let admin: string;
let everythingButAdmin: string;
let strangerAdmin: string;
/** Every answer body the API gave in this file, to search for secrets at the end. */
const answers: string[] = [];

const SLACK_URL_SECRET = `slack-${randomBytes(10).toString("hex")}`;

beforeAll(async () => {
  hook = await startHookSink();
  env = await useFreshAppDatabase("api_notifications");
  jobs = await import("@/lib/jobs/all");
  await jobs.startJobs({ pollingIntervalSeconds: 0.5 });
  api = await startApiServer();
  owner = await makeUser("api-notify-owner");
  stranger = await makeUser("api-notify-stranger");
  const { createApiKey } = await import("@/lib/api-keys");
  admin = (await createApiKey(owner.personalTeam.id, owner.actor, { name: "ops admin", expiresIn: "never", scopes: ["admin"] })).key;
  everythingButAdmin = (await createApiKey(owner.personalTeam.id, owner.actor, { name: "no admin", expiresIn: "never", scopes: ["proxy", "connections:read", "connections:write", "credentials:read", "audit:read"] })).key;
  strangerAdmin = (await createApiKey(stranger.personalTeam.id, stranger.actor, { name: "their admin", expiresIn: "never", scopes: ["admin"] })).key;
});

afterAll(async () => {
  const { closePool } = await import("@/lib/db/pool");
  await jobs?.stopJobs();
  await api?.close();
  await hook?.close();
  await closePool();
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

/** The generated client, keeping every answer's text. */
function client(key: string) {
  const c = api.client(key);
  c.use({
    async onResponse({ response }) {
      answers.push(await response.clone().text());
      return response;
    },
  });
  return c;
}

describe("notification channels through the API", () => {
  it("a key without the admin scope gets 403 on every operation; another team's admin key finds nothing", async () => {
    const owned = await client(admin).POST("/notification-channels", { body: { name: "Mine", kind: "WEBHOOK", eventTypes: ["agent.offline"], url: `${hook.url}/mine` } });
    expect(owned.response.status).toBe(201);
    const id = owned.data!.id;
    const calls = (key: string) => [
      client(key).GET("/notification-channels"),
      client(key).GET("/notification-channels/{id}", { params: { path: { id } } }),
      client(key).POST("/notification-channels", { body: { name: "Nope", kind: "WEBHOOK", eventTypes: ["agent.offline"], url: `${hook.url}/nope` } }),
      client(key).PUT("/notification-channels/{id}", { params: { path: { id } }, body: { name: "Nope", kind: "WEBHOOK", eventTypes: ["agent.offline"], url: `${hook.url}/nope` } }),
      client(key).DELETE("/notification-channels/{id}", { params: { path: { id } } }),
      client(key).GET("/notification-channels/{id}/deliveries", { params: { path: { id }, query: {} } }),
      client(key).POST("/notification-channels/{id}/deliveries/{deliveryId}/redeliver", { params: { path: { id, deliveryId: "msg_nothing" } } }),
      client(key).POST("/notification-channels/{id}/test", { params: { path: { id } } }),
    ];
    const refused = await Promise.all(calls(everythingButAdmin));
    expect(refused.map((r) => r.response.status)).toEqual(Array(8).fill(403));
    expect(refused[0]!.error).toMatchObject({ code: "insufficient_scope" });
    expect(refused[0]!.response.headers.get("www-authenticate")).toContain('scope="admin"');

    const theirs = await Promise.all(calls(strangerAdmin).slice(1));
    // Another team's channel is not found (the create is theirs and succeeds; left out).
    expect(theirs.map((r) => r.response.status)).toEqual([404, 201, 404, 404, 404, 404, 404]);
    expect((await client(strangerAdmin).GET("/notification-channels")).data!.data.map((c) => c.name)).toEqual(["Nope"]);
    expect(await env.db.notificationChannel.count({ where: { id } })).toBe(1);
    expect((await client(admin).GET("/notification-channels/{id}", { params: { path: { id } } })).data!.name).toBe("Mine");
  });

  it("creates, reads, updates and deletes each kind with the form's schema: field paths on bad input, the Slack URL never back, the signing secret once, If-Match, Idempotency-Key, audited with the key", async () => {
    const c = client(admin);
    const bad = await c.POST("/notification-channels", { body: { name: "", kind: "WEBHOOK", eventTypes: [], url: "http://example.com/hook" } });
    expect(bad.response.status).toBe(422);
    expect(bad.response.headers.get("content-type")).toBe("application/problem+json");
    expect(bad.error!.errors!.map((e) => e.pointer).sort()).toEqual(["/eventTypes", "/name", "/url"]);
    expect(bad.error!.errors!.find((e) => e.pointer === "/url")!.message).toBe("Use an https:// URL (plain http:// is accepted for localhost only).");
    const noSmtp = await c.POST("/notification-channels", { body: { name: "Mail", kind: "EMAIL", eventTypes: ["agent.offline"], emailTo: "ops@example.test" } });
    expect(noSmtp.response.status).toBe(422);
    expect(noSmtp.error!.errors).toEqual([expect.objectContaining({ pointer: "/kind" })]);

    // Slack: the URL goes in and never comes out.
    const slackUrl = `${hook.url}/services/T1/B1/${SLACK_URL_SECRET}`;
    const slack = await c.POST("/notification-channels", { body: { name: "Slack #ops", kind: "SLACK", eventTypes: ["agent.offline", "agent.online"], slackUrl, digest: true } });
    expect(slack.response.status).toBe(201);
    expect(slack.data).toMatchObject({ kind: "SLACK", url: null, secretSet: true, slackUrlLastFour: SLACK_URL_SECRET.slice(-4), digest: true });
    expect(slack.data).not.toHaveProperty("signingSecret");
    expect(slack.response.headers.get("location")).toBe(`/api/v1/notification-channels/${slack.data!.id}`);

    // Event webhook: the signing secret in the create answer only; it verifies what Keyway sends.
    const idempotencyKey = randomBytes(8).toString("hex");
    const body = { name: "Ops endpoint", kind: "WEBHOOK" as const, eventTypes: ["connection.failing" as const], url: `${hook.url}/events` };
    const webhook = await c.POST("/notification-channels", { body, headers: { "idempotency-key": idempotencyKey } });
    expect(webhook.response.status).toBe(201);
    const signingSecret = webhook.data!.signingSecret!;
    expect(signingSecret).toMatch(/^whsec_/);
    const replay = await c.POST("/notification-channels", { body, headers: { "idempotency-key": idempotencyKey } });
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.data!.id).toBe(webhook.data!.id);
    expect(await env.db.notificationChannel.count({ where: { teamId: owner.personalTeam.id, name: "Ops endpoint" } })).toBe(1);
    const id = webhook.data!.id;
    const read = await c.GET("/notification-channels/{id}", { params: { path: { id } } });
    expect(read.data).toMatchObject({ id, kind: "WEBHOOK", url: `${hook.url}/events`, secretSet: true, eventTypes: ["connection.failing"] });
    expect(read.data).not.toHaveProperty("signingSecret");
    const etag = read.response.headers.get("etag")!;
    expect(etag).toMatch(/^"/);

    // A kind cannot change; a stale If-Match is refused with 412 and changes nothing.
    const rekind = await c.PUT("/notification-channels/{id}", { params: { path: { id } }, body: { ...body, kind: "SLACK", slackUrl } });
    expect(rekind.response.status).toBe(422);
    expect(rekind.error!.errors).toEqual([expect.objectContaining({ pointer: "/kind" })]);
    const updated = await c.PUT("/notification-channels/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { ...body, name: "Ops endpoint v2", eventTypes: ["connection.failing", "agent.offline"] } });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toMatchObject({ name: "Ops endpoint v2", eventTypes: ["connection.failing", "agent.offline"] });
    expect(updated.data).not.toHaveProperty("signingSecret");
    const stale = await c.PUT("/notification-channels/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { ...body, name: "Lost update" } });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ code: "precondition_failed" });
    expect((await c.GET("/notification-channels/{id}", { params: { path: { id } } })).data!.name).toBe("Ops endpoint v2");

    // Rolling the secret: the new one in that answer only, and deliveries are signed with it.
    const rolled = await c.PUT("/notification-channels/{id}", { params: { path: { id } }, body: { ...body, name: "Ops endpoint v2", rollSecret: true } });
    const newSecret = rolled.data!.signingSecret!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(signingSecret);
    const tested = await c.POST("/notification-channels/{id}/test", { params: { path: { id } } });
    expect(tested.response.status).toBe(202);
    const post = await until(() => hook.posts.find((p) => p.path === "/events"), "the test event at the endpoint");
    const verified = new Webhook(newSecret).verify(post.body, { "webhook-id": String(post.headers["webhook-id"]), "webhook-timestamp": String(post.headers["webhook-timestamp"]), "webhook-signature": String(post.headers["webhook-signature"]) });
    expect(verified).toMatchObject({ type: "keyway.test" });

    // Audited with the key as the actor; nothing secret in the audit log.
    const audit = await env.db.auditEvent.findMany({ where: { objectId: id }, orderBy: { id: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["notification_channel.created", "notification_channel.updated", "notification_channel.updated", "notification_channel.tested"]);
    expect(audit.every((e) => e.actorLabel.startsWith("API key “ops admin”"))).toBe(true);
    const slackAudit = JSON.stringify((await env.db.auditEvent.findMany({ where: { objectId: slack.data!.id } })).map((e) => e.data));
    expect(slackAudit).not.toContain(SLACK_URL_SECRET);

    // Delete: a stale If-Match refused, then gone.
    expect((await c.DELETE("/notification-channels/{id}", { params: { path: { id }, header: { "If-Match": etag } } })).response.status).toBe(412);
    expect((await c.DELETE("/notification-channels/{id}", { params: { path: { id } } })).response.status).toBe(204);
    expect((await c.GET("/notification-channels/{id}", { params: { path: { id } } })).response.status).toBe(404);
    expect((await env.db.auditEvent.findFirst({ where: { objectId: id, action: "notification_channel.deleted" } }))?.actorLabel).toMatch(/^API key “ops admin”/);

    const listed = await c.GET("/notification-channels");
    expect(listed.data!.data.map((channel) => channel.kind)).toContain("SLACK");
  });

  it("pages the delivery log by keyset (deliveries made between pages neither skipped nor repeated) and redelivers one", async () => {
    const c = client(admin);
    const created = await c.POST("/notification-channels", { body: { name: "Log", kind: "WEBHOOK", eventTypes: ["agent.offline"], url: `${hook.url}/log` } });
    const id = created.data!.id;
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await c.POST("/notification-channels/{id}/test", { params: { path: { id } } })).data!.deliveryId);
    // Three share one instant: the id breaks the tie.
    await env.db.notificationDelivery.updateMany({ where: { id: { in: sent.slice(1, 4) } }, data: { createdAt: new Date(Date.now() - 60_000) } });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await c.GET("/notification-channels/{id}/deliveries", { params: { path: { id }, query: { limit: 2, ...(cursor ? { cursor } : {}) } } });
      expect(answer.response.status).toBe(200);
      expect(answer.data!.data.length).toBeLessThanOrEqual(2);
      seen.push(...answer.data!.data.map((d) => d.id));
      await c.POST("/notification-channels/{id}/test", { params: { path: { id } } });
      cursor = answer.data!.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(sent));
    expect((await c.GET("/notification-channels/{id}/deliveries", { params: { path: { id }, query: { cursor: "garbage" } } })).response.status).toBe(400);

    const first = sent[0]!;
    await until(async () => (await env.db.notificationDelivery.findUnique({ where: { id: first } }))?.state === "delivered", "the first test delivered");
    const before = hook.posts.filter((p) => p.path === "/log").length;
    const again = await c.POST("/notification-channels/{id}/deliveries/{deliveryId}/redeliver", { params: { path: { id, deliveryId: first } } });
    expect(again.response.status).toBe(202);
    await until(() => hook.posts.filter((p) => p.path === "/log").length > before, "the redelivery");
    const delivery = await until(async () => {
      const page = await c.GET("/notification-channels/{id}/deliveries", { params: { path: { id }, query: { limit: 200 } } });
      const row = page.data!.data.find((d) => d.id === first);
      return row?.state === "delivered" && row.attempts === 1 ? row : null;
    }, "the redelivery in the log");
    expect(delivery).toMatchObject({ eventType: "keyway.test", responseStatus: 200 });
    expect((await c.POST("/notification-channels/{id}/deliveries/{deliveryId}/redeliver", { params: { path: { id, deliveryId: "msg_unknown" } } })).response.status).toBe(404);
    expect(await env.db.auditEvent.count({ where: { objectId: id, action: "notification_channel.redelivered", actorLabel: { startsWith: "API key “ops admin”" } } })).toBe(1);
  });

  it("no answer of this file held a secret, and the OpenAPI document with these operations still validates", async () => {
    const all = answers.join("\n");
    expect(all).not.toContain(SLACK_URL_SECRET);
    // Signing secrets appear only in the answers that made or rolled them.
    const withSecret = answers.filter((text) => text.includes("whsec_"));
    expect(withSecret.length).toBeGreaterThan(0);
    for (const text of withSecret) expect(JSON.parse(text)).toHaveProperty("signingSecret");
    const document = (await (await fetch(`${api.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    await SwaggerParser.validate(structuredClone(document) as never);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/notification-channels", "/notification-channels/{id}", "/notification-channels/{id}/deliveries", "/notification-channels/{id}/deliveries/{deliveryId}/redeliver", "/notification-channels/{id}/test"]));
  });
});
