import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "@/lib/migrations";
import { PG_BINARIES_MISSING, pgBinDir, startPgCluster, type PgCluster } from "../support/pg-cluster";
import { makeUser } from "../support/fixtures";
import { startHttpEcho, type Upstream } from "../support/upstreams";

// Database faults under a running Keyway: a Postgres of the test's own
// (test/support/pg-cluster.ts) is stopped, restarted and frozen while the
// proxy (served as server.ts serves it) and the webhook receiver take
// requests. Nothing is mocked: the outage is real, and so are the time-outs.

const binaries = pgBinDir();
if (!binaries) console.warn(PG_BINARIES_MISSING);

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "15000";
process.env.KEYWAY_DB_CONNECT_TIMEOUT_SECONDS = "2";
process.env.KEYWAY_DB_ACQUIRE_TIMEOUT_SECONDS = "2";
process.env.KEYWAY_DB_STATEMENT_TIMEOUT_SECONDS = "3";
process.env.DATABASE_POOL_SIZE = "4";
// Long enough that only a change notification can explain a revocation seen within seconds.
process.env.KEYWAY_PROXY_CACHE_MS = "120000";

/** The slowest a request may take to fail while the database is frozen: acquire, statement (+1 s client grace), and slack for a loaded machine. */
const FAIL_WITHIN_MS = (2 + 3 + 1) * 1000 + 4_000;

let cluster: PgCluster;
let server: Server;
let base: string;
let upstream: Upstream;
let hanging: { url: string; opened: number; closedAt: number[]; server: Server };
let key: string;
let keyId: string;
let connectionId: string;
let hangingConnectionId: string;
let webhookToken: string;
let owner: Awaited<ReturnType<typeof makeUser>>;

type Answer = { status: number; code: string | null; retryAfter: string | null; ms: number; at: number };

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, code: (res.headers["x-keyway-error"] as string) ?? null, retryAfter: (res.headers["retry-after"] as string) ?? null, ms: Date.now() - started, at: started }),
      );
    });
    req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", reject);
    req.end();
  });
}

async function postWebhook(): Promise<{ status: number; code: string | null; retryAfter: string | null; ms: number }> {
  const { POST } = await import("@/app/api/hooks/[token]/route");
  const started = Date.now();
  const response = await POST(new Request(`http://keyway.test/api/hooks/${webhookToken}`, { method: "POST", body: '{"event":"x"}', headers: { "content-type": "application/json" } }), {
    params: Promise.resolve({ token: webhookToken }),
  });
  await response.arrayBuffer();
  return { status: response.status, code: response.headers.get("x-keyway-error"), retryAfter: response.headers.get("retry-after"), ms: Date.now() - started };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function listenerPhase() {
  const { listenerStatus } = await import("@/lib/db/notifications");
  return listenerStatus().phase;
}

describe.skipIf(!binaries)("database faults", () => {
  beforeAll(async () => {
    cluster = await startPgCluster();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query("CREATE DATABASE keyway");
    await admin.end();
    process.env.DATABASE_URL = cluster.url("keyway");
    await migrate(cluster.url("keyway"));

    const { serveProxyRequest } = await import("@/lib/proxy/node");
    const { createApiKey } = await import("@/lib/api-keys");
    const { createConnection } = await import("@/lib/connections");
    owner = await makeUser("faults");
    const created = await createApiKey(owner.personalTeam.id, owner.actor, { name: "faults", expiresIn: "never" });
    key = created.key;
    keyId = created.id;
    upstream = await startHttpEcho();
    connectionId = (await createConnection(owner.personalTeam.id, owner.actor, { name: "echo", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "s3cret", secret: true }] }, null)).id;
    const hook = await createConnection(owner.personalTeam.id, owner.actor, { name: "hooks", baseUrl: "https://api.example.test", authType: "WEBHOOK" }, null);
    const { getDb } = await import("@/lib/db");
    webhookToken = (await getDb().connection.findUniqueOrThrow({ where: { id: hook.id }, select: { webhookToken: true } })).webhookToken!;

    // An upstream that takes requests and never answers, and notes when each one is given up.
    const closedAt: number[] = [];
    const hangServer = createServer((request) => {
      hanging.opened += 1;
      request.on("close", () => closedAt.push(Date.now()));
    });
    await new Promise<void>((resolve) => hangServer.listen(0, "127.0.0.1", resolve));
    hanging = { url: `http://127.0.0.1:${(hangServer.address() as AddressInfo).port}`, opened: 0, closedAt, server: hangServer };
    hangingConnectionId = (await createConnection(owner.personalTeam.id, owner.actor, { name: "hang", baseUrl: hanging.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "s3cret", secret: true }] }, null)).id;

    server = createServer((request, response) => void serveProxyRequest(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await get(`/api/proxy/${connectionId}/ok`)).status).toBe(200);
    await waitFor("change notifications to go live", async () => (await listenerPhase()) === "live");
  }, 180_000);

  afterAll(async () => {
    const { stopListening } = await import("@/lib/db/notifications");
    const { closePool } = await import("@/lib/db/pool");
    const { clearProxyTargets } = await import("@/lib/proxy/targets");
    const { getDb } = await import("@/lib/db");
    await stopListening();
    await clearProxyTargets();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    hanging?.server.closeAllConnections();
    await new Promise((resolve) => hanging?.server.close(resolve));
    await upstream?.close();
    const { closeRateLimiter } = await import("@/lib/auth/rate-limit");
    await Promise.all([closePool(), getDb().$disconnect(), closeRateLimiter()]).catch(() => undefined);
    await cluster?.destroy();
  }, 60_000);

  it("a caller that gives up cancels the upstream request while Keyway waits for its headers", async () => {
    const before = hanging.opened;
    const req = httpRequest(`${base}/api/proxy/${hangingConnectionId}/slow`, { headers: { authorization: `Bearer ${key}` } });
    req.on("error", () => undefined);
    req.end();
    await waitFor("the upstream to receive the request", () => hanging.opened > before);
    const gaveUp = Date.now();
    req.destroy();
    const closed = await waitFor("the upstream request to be cancelled", () => hanging.closedAt.find((at) => at >= gaveUp), 10_000);
    // KEYWAY_OUTBOUND_TIMEOUT_MS is 15 s: only the cancellation closes it this soon.
    expect(closed - gaveUp).toBeLessThan(5_000);
  });

  it("answers 503 database_unavailable with Retry-After only during a restart under load, and recovers by itself", async () => {
    const answers: Answer[] = [];
    let running = true;
    const worker = async () => {
      while (running) answers.push(await get(`/api/proxy/${connectionId}/load`));
    };
    const workers = Array.from({ length: 4 }, worker);
    await waitFor("requests before the outage", () => answers.length >= 20);
    const stopping = Date.now();
    await cluster.stop();
    await waitFor("a refusal during the outage", () => answers.some((a) => a.at >= stopping && a.status === 503));
    const webhook = await postWebhook();
    await cluster.start();
    const restarted = Date.now();
    // Recovers without a restart of Keyway: 30 answers in a row are 200 again.
    await waitFor("recovery", () => answers.length >= 30 && answers.slice(-30).every((a) => a.status === 200 && a.at >= restarted), 60_000);
    running = false;
    await Promise.all(workers);

    const failures = answers.filter((a) => a.status !== 200);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toMatchObject({ status: 503, code: "database_unavailable", retryAfter: "5" });
      // Only during the outage (an answer started before the stop may be the one that met it).
      expect(failure.at + failure.ms).toBeGreaterThanOrEqual(stopping);
    }
    const lastFailure = Math.max(...failures.map((a) => a.at));
    expect(lastFailure - restarted).toBeLessThan(10_000);
    expect(webhook).toMatchObject({ status: 503, code: "database_unavailable", retryAfter: "5" });
    await waitFor("change notifications to be live again", async () => (await listenerPhase()) === "live");
  }, 180_000);

  it("fails requests within the time-outs while Postgres is frozen, instead of hanging", async () => {
    cluster.freeze();
    try {
      // Cached keys and connections may serve on for a moment; the listener's proof notices the freeze within seconds.
      await waitFor("the listener to notice the freeze", async () => (await listenerPhase()) !== "live", 40_000);
      const [proxied, webhook] = await Promise.all([get(`/api/proxy/${connectionId}/frozen`), postWebhook()]);
      expect(proxied).toMatchObject({ status: 503, code: "database_unavailable", retryAfter: "5" });
      expect(proxied.ms).toBeLessThan(FAIL_WITHIN_MS);
      expect(webhook).toMatchObject({ status: 503, code: "database_unavailable", retryAfter: "5" });
      expect(webhook.ms).toBeLessThan(FAIL_WITHIN_MS);
    } finally {
      cluster.thaw();
    }
    await waitFor("recovery after the freeze", async () => (await get(`/api/proxy/${connectionId}/thawed`)).status === 200, 60_000);
    await waitFor("change notifications to be live again", async () => (await listenerPhase()) === "live", 60_000);
  }, 180_000);

  it("listens again after losing its connection while the pool is busy, and a revocation then reaches the instance within seconds", async () => {
    const { pool } = await import("@/lib/db/pool");
    const { LISTENER_APPLICATION_NAME } = await import("@/lib/db/notifications");
    expect((await get(`/api/proxy/${connectionId}/cached`)).status).toBe(200);
    // Every pooled connection busy (as under a table lock), and the listener's connection cut.
    const busy = Array.from({ length: 4 }, () => pool().query("SELECT pg_sleep(4)").catch(() => undefined));
    const admin = new pg.Client({ connectionString: cluster.url("keyway") });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [LISTENER_APPLICATION_NAME]);
      await waitFor("the listener to notice", async () => (await listenerPhase()) !== "live", 10_000);
      await Promise.all(busy);
      await waitFor("change notifications to be live again", async () => (await listenerPhase()) === "live", 30_000);
      expect((await get(`/api/proxy/${connectionId}/cached-again`)).status).toBe(200);
      // Revoked by "another instance": straight in the database, so only the notification tells this one.
      const revokedAt = Date.now();
      await admin.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [keyId]);
      const refused = await waitFor("the revocation to take effect", async () => {
        const answer = await get(`/api/proxy/${connectionId}/after-revoke`);
        return answer.status === 401 ? answer : undefined;
      }, 10_000);
      expect(refused.code).toBe("api_key_revoked");
      expect(Date.now() - revokedAt).toBeLessThan(5_000);
      await admin.query(`UPDATE "ApiKey" SET "revokedAt" = NULL WHERE id = $1`, [keyId]);
    } finally {
      await admin.end();
    }
  }, 120_000);

  it("keeps API-key usage that could not be written, merges what follows, and writes it all once the database is back", async () => {
    const usage = await import("@/lib/api-keys/usage");
    const { getDb } = await import("@/lib/db");
    usage.resetKeyUsageForTests();
    const use = { keyId, keyName: "faults", keyPrefix: key.slice(0, 10), teamId: owner.personalTeam.id, connectionId, connectionName: "echo", ip: "127.0.0.1" };
    const first = new Date("2026-12-01T10:00:00Z");
    for (let i = 0; i < 3; i += 1) usage.recordKeyUse(use, first);
    await cluster.stop();
    try {
      await expect(usage.flushKeyUsage(Date.now() + 2 * usage.USE_AUDIT_INTERVAL_MS)).rejects.toThrow();
      const later = new Date("2026-12-01T10:05:00Z");
      for (let i = 0; i < 2; i += 1) usage.recordKeyUse(use, later);
      expect(usage.pendingKeyUsage()).toMatchObject({ keys: 1, pairs: 1, requests: 5, dropped: 0 });
    } finally {
      await cluster.start();
    }
    await waitFor("the write to succeed", () => usage.flushKeyUsage(Date.now() + 4 * usage.USE_AUDIT_INTERVAL_MS).then((written) => written, () => undefined), 30_000);
    const events = await getDb().auditEvent.findMany({ where: { action: "connection.used_via_proxy", objectId: connectionId } });
    const written = events.find((event) => (event.data as { firstAt?: string }).firstAt === first.toISOString());
    expect(written?.data).toMatchObject({ apiKeyId: keyId, requests: 5, firstAt: first.toISOString(), lastAt: "2026-12-01T10:05:00.000Z" });
    const row = await getDb().apiKey.findUniqueOrThrow({ where: { id: keyId }, select: { lastUsedAt: true } });
    expect(row.lastUsedAt?.getTime()).toBeGreaterThanOrEqual(new Date("2026-12-01T10:05:00Z").getTime());
  }, 120_000);
});
