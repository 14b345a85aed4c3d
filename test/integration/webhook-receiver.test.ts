import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "@/lib/migrations";
import { useFreshAppDatabase } from "../support/app-db";
import { freshDatabase } from "../support/db";
import { makeUser } from "../support/fixtures";
import { TIME_SCALE } from "../support/time-scale";

// The Webhook receiver type: the migration that moves None connections used as
// receivers over to it (run on a database seeded on the old schema); forwarding
// an accepted event to a real HTTP server that fails twice then accepts
// (retries through the job engine, the delivery log, one stable event id, no
// loss); outbound safety refusing a forward URL; a receiver refused by the
// proxy and by test requests.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.1/32";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const OUR_MIGRATIONS = ["20270103000000_webhook_receiver_type", "20270103000100_webhook_receivers_migrated"];

async function until<T>(probe: () => T | Promise<T>, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + 30_000 * TIME_SCALE;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the migration to the Webhook receiver type", () => {
  it("turns a None connection with events (or a signing secret) into a receiver, and leaves one without as None", async () => {
    // Every migration before ours: the schema as it was.
    const old = await mkdtemp(path.join(tmpdir(), "whk-old-migrations-"));
    const database = await freshDatabase("whk_migration");
    const client = new pg.Client({ connectionString: database.url });
    try {
      const all = await readdir(path.join(repoRoot, "prisma/migrations"));
      for (const name of all) if (!OUR_MIGRATIONS.includes(name)) await cp(path.join(repoRoot, "prisma/migrations", name), path.join(old, name), { recursive: true });
      await migrate(database.url, { migrationsDir: old });
      await client.connect();
      await client.query(`INSERT INTO "Team" (id, name, slug, "updatedAt") VALUES ('t1', 'Team', 'team', now())`);
      const connection = (id: string, extra = "") =>
        client.query(`INSERT INTO "Connection" (id, "teamId", name, "baseUrl", "authType", "webhookToken", "updatedAt"${extra ? `, ${extra.split("=")[0]}` : ""}) VALUES ($1, 't1', $1, 'https://api.example.test', 'NONE', $2, now()${extra ? `, ${extra.split("=")[1]}` : ""})`, [id, `tok_${id}_0123456789abcdef`]);
      await connection("with_events");
      await connection("signed", `"webhookSecret"='sealed'`);
      await connection("plain_api");
      await client.query(`INSERT INTO "Connection" (id, "teamId", name, "baseUrl", "authType", "webhookToken", "updatedAt", config) VALUES ('basic', 't1', 'basic', 'https://api.example.test', 'BASIC', 'tok_basic_0123456789abcdef', now(), '{"username":"u"}')`);
      await client.query(`INSERT INTO "WebhookEvent" (id, "connectionId", headers, body, size, "sourceIp") VALUES ('e1', 'with_events', '{}', '\\x7b7d', 2, '203.0.113.7')`);
      await client.query(`INSERT INTO "ConnectionHealth" ("connectionId", "teamId", "nextCheckAt") VALUES ('with_events', 't1', now()), ('plain_api', 't1', now())`);

      await migrate(database.url);

      const { rows } = await client.query<{ id: string; authType: string }>(`SELECT id, "authType"::text AS "authType" FROM "Connection" ORDER BY id`);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.authType]))).toEqual({ basic: "BASIC", plain_api: "NONE", signed: "WEBHOOK", with_events: "WEBHOOK" });
      // The receiver keeps its events and token; its health check stops, the API's does not.
      expect((await client.query(`SELECT count(*)::int AS n FROM "WebhookEvent" WHERE "connectionId" = 'with_events'`)).rows[0].n).toBe(1);
      const health = await client.query<{ connectionId: string; enabled: boolean }>(`SELECT "connectionId", enabled FROM "ConnectionHealth" ORDER BY "connectionId"`);
      expect(health.rows).toEqual([
        { connectionId: "plain_api", enabled: true },
        { connectionId: "with_events", enabled: false },
      ]);
    } finally {
      await client.end().catch(() => undefined);
      await database.drop();
      await rm(old, { recursive: true, force: true });
    }
  });
});

type Received = { headers: IncomingHttpHeaders; body: Buffer };

/** A forward target on loopback that answers 503 `failures` times, then 200. */
async function startFlakyTarget(failures: number) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      if (received.length <= failures) response.writeHead(503, { "content-type": "text/plain" }).end(`busy, try later (${received.length})`);
      else response.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("a webhook receiver", () => {
  let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
  let owner: Awaited<ReturnType<typeof makeUser>>;
  let connections: typeof import("@/lib/connections");
  let webhooks: typeof import("@/lib/webhooks");
  let forward: typeof import("@/lib/webhooks/forward");
  let jobs: typeof import("@/lib/jobs/all");

  beforeAll(async () => {
    env = await useFreshAppDatabase("whk_receiver");
    connections = await import("@/lib/connections");
    webhooks = await import("@/lib/webhooks");
    forward = await import("@/lib/webhooks/forward");
    jobs = await import("@/lib/jobs/all");
    await jobs.startJobs({ pollingIntervalSeconds: 0.5 });
    owner = await makeUser("whk-owner");
  });

  afterAll(async () => {
    await jobs?.stopJobs();
    await env?.close();
  });

  async function receiver(name: string) {
    const { id } = await connections.createConnection(owner.personalTeam.id, owner.actor, { name, baseUrl: "", authType: "WEBHOOK" }, null);
    const row = await env.db.connection.findUniqueOrThrow({ where: { id }, select: { webhookToken: true, baseUrl: true } });
    return { id, token: row.webhookToken, baseUrl: row.baseUrl };
  }

  it("forwards an accepted event after its 202, retried with back-off until the target accepts, logged, once per attempt with one stable event id", async () => {
    const target = await startFlakyTarget(2);
    try {
      const hook = await receiver("Shop events");
      expect(hook.baseUrl).toBe("");
      await forward.setWebhookForward(owner.personalTeam.id, owner.actor, hook.id, { url: `${target.url}/incoming` });

      const body = JSON.stringify({ type: "order.created", id: 42 });
      const outcome = await webhooks.receiveWebhook(
        hook.token,
        new Request(`http://keyway.test/api/hooks/${hook.token}`, { method: "POST", body, headers: { "content-type": "application/json", "x-shop-topic": "orders/create", authorization: "Bearer sender-credential", "x-forwarded-for": "198.51.100.1" } }),
      );
      expect(outcome.status).toBe(202);
      const eventId = (outcome.body as { id: string }).id;
      // Answered 202 only once the event, its forward and the forward's job are committed.
      const queued = await env.db.notificationDelivery.findMany({ where: { connectionId: hook.id } });
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ eventId, channelId: null, teamId: owner.personalTeam.id });
      const pool = new pg.Pool({ connectionString: env.url, max: 1 });
      try {
        const jobsOf = async () =>
          (await pool.query(`SELECT state FROM pgboss.job WHERE name = 'notification-delivery' AND data->>'deliveryId' = $1`, [queued[0]!.id])).rows;
        expect((await jobsOf()).length).toBe(1);

        // Two failures: each logged, each followed by pg-boss's back-off wait, which the test cuts short.
        for (const attempt of [1, 2]) {
          const [row] = await until(async () => {
            const rows = await forward.listForwards(owner.personalTeam.id, hook.id);
            return rows[0]?.attempts === attempt && rows[0].state === "retrying" ? rows : null;
          }, `failed attempt ${attempt}`);
          expect(row).toMatchObject({ responseStatus: 503, errorMessage: "The endpoint answered 503." });
          expect(row!.responseExcerpt).toContain(`busy, try later (${attempt})`);
          const waiting = await until(async () => (await pool.query(`SELECT extract(epoch from start_after - now()) AS wait FROM pgboss.job WHERE name = 'notification-delivery' AND data->>'deliveryId' = $1 AND state = 'retry'`, [queued[0]!.id])).rows[0], "the retry");
          expect(Number(waiting.wait)).toBeGreaterThan(20);
          await pool.query(`UPDATE pgboss.job SET start_after = now() WHERE name = 'notification-delivery' AND data->>'deliveryId' = $1 AND state = 'retry'`, [queued[0]!.id]);
        }
        const delivered = await until(async () => {
          const rows = await forward.listForwards(owner.personalTeam.id, hook.id);
          return rows[0]?.state === "delivered" ? rows[0] : null;
        }, "the accepted attempt");
        expect(delivered).toMatchObject({ attempts: 3, responseStatus: 200, responseExcerpt: "thanks", eventId });
        expect(delivered.durationMs).toBeGreaterThanOrEqual(0);
        // One delivery, one job: no duplicates beyond the attempts the target refused.
        expect(await env.db.notificationDelivery.count({ where: { connectionId: hook.id } })).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(target.received).toHaveLength(3);
      } finally {
        await pool.end();
      }

      for (const got of target.received) {
        expect(got.body.toString("utf8")).toBe(body);
        expect(got.headers["keyway-event-id"]).toBe(eventId);
        expect(got.headers["content-type"]).toBe("application/json");
        expect(got.headers["x-shop-topic"]).toBe("orders/create");
        expect(got.headers["user-agent"]).toBe("Keyway-Webhook-Forward/1");
        // The sender's credentials and the proxies' headers stay behind.
        expect(got.headers.authorization).toBeUndefined();
        expect(got.headers["x-forwarded-for"]).toBeUndefined();
      }

      // Redeliver: the same event again, with the same id, audited.
      await forward.redeliverForward(owner.personalTeam.id, owner.actor, hook.id, queued[0]!.id);
      await until(() => target.received.length === 4, "the redelivery");
      expect(target.received[3]!.headers["keyway-event-id"]).toBe(eventId);
      const audit = await env.db.auditEvent.findMany({ where: { objectId: hook.id }, orderBy: { id: "asc" }, select: { action: true } });
      expect(audit.map((a) => a.action)).toEqual(["connection.created", "connection.webhook_forward_updated", "connection.webhook_forward_redelivered"]);
    } finally {
      await target.close();
    }
  });

  it("refuses a forward URL outbound safety refuses, naming KEYWAY_OUTBOUND_ALLOW, and saves nothing", async () => {
    const hook = await receiver("Refused forward");
    await expect(forward.setWebhookForward(owner.personalTeam.id, owner.actor, hook.id, { url: "https://10.1.2.3/hooks" })).rejects.toThrow(/Blocked by outbound safety.*KEYWAY_OUTBOUND_ALLOW/);
    // A name is judged on what it resolves to.
    const intranet = async () => [{ address: "192.168.7.9", family: 4 }];
    await expect(forward.setWebhookForward(owner.personalTeam.id, owner.actor, hook.id, { url: "https://hooks.intranet.example/in" }, intranet)).rejects.toThrow(/hooks\.intranet\.example resolves to 192\.168\.7\.9.*KEYWAY_OUTBOUND_ALLOW/);
    await expect(forward.setWebhookForward(owner.personalTeam.id, owner.actor, hook.id, { url: "https://169.254.169.254/latest" })).rejects.toThrow(/cloud metadata/);
    expect((await forward.webhookForward(owner.personalTeam.id, hook.id))?.url).toBeNull();
    expect(forward.webhookForwardSchema.safeParse({ url: "http://hooks.example.com/in" }).success).toBe(false);
  });

  it("has no API: the proxy and test requests refuse it with a clear message, and no health check is scheduled", async () => {
    const hook = await receiver("No API here");
    const { runTestRequest } = await import("@/lib/connections/test-request");
    await expect(runTestRequest(owner.personalTeam.id, owner.actor, hook.id, { method: "GET", path: "/", headers: [], body: "" })).rejects.toThrow(/webhook receiver: it has no API to call/);
    const { proxyTarget } = await import("@/lib/proxy/targets");
    await expect(proxyTarget(owner.personalTeam.id, hook.id, null, owner.actor)).rejects.toMatchObject({ status: 409, code: "connection_is_webhook_receiver" });
    const { scheduleDueChecks } = await import("@/lib/health/jobs");
    await scheduleDueChecks(new Date(Date.now() + 60 * 60_000), { jitter: false });
    expect(await env.db.connectionHealth.count({ where: { connectionId: hook.id } })).toBe(0);
  });
});
