// `npm run bench:api`: latency of the management API's reads with 1,000
// connections in the team, through a real HTTP server running the handler
// server.ts mounts (lib/api/node.ts): the first page of the list, a page deep
// in it (by cursor), one connection, and the credentials endpoint (a Header
// auth connection, and an OAuth2 client credentials connection whose token is
// warm), each the p50 and p90 of sequential requests after a warm-up. Every
// request is authenticated, counted against the key's rate limit in Postgres,
// and each credentials read writes its audit event, as in production.
//
// Needs a Postgres server to make a throwaway database on: BENCH_PG_URL or
// DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { withThrowawayDatabase } from "./throwaway-db";
import { clientCredentialsInput, startOAuthServer } from "../../test/support/oauth-server";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const WARMUP = 30;

process.env.KEYWAY_ENCRYPTION_KEYS ??= `bench:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW ??= "127.0.0.0/8";
process.env.KEYWAY_API_MAX_PER_MINUTE ??= "1000000";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function main() {
  await withThrowawayDatabase("api", async () => {
    const { getDb } = await import("../../lib/db");
    const { createConnection } = await import("../../lib/connections");
    const { createApiKey } = await import("../../lib/api-keys");
    const { API_KEY_SCOPES } = await import("../../lib/api-keys/scopes");
    const { serveApiRequest } = await import("../../lib/api/node");
    const { closePool: closeProxyPool } = await import("../../lib/db/pool");
    const { closeRateLimiter } = await import("../../lib/auth/rate-limit");
    const db = getDb();
    const as = await startOAuthServer({ port: 0, redirectUris: ["http://127.0.0.1:1/oauth/callback"], shortAccessTokenTtlSeconds: 3600, logErrors: false });
    const user = await db.user.create({ data: { email: `bench-${Date.now()}@example.test`, name: "Bench" } });
    const team = await db.team.create({ data: { slug: `bench-${Date.now()}`, name: "Bench", memberships: { create: { userId: user.id, role: "OWNER" } } } });
    const actor = { id: user.id, label: user.email, ip: "127.0.0.1" };

    const seeded = performance.now();
    let headerId = "";
    for (let i = 0; i < CONNECTIONS - 1; i++) {
      const name = `Connection ${String(i).padStart(4, "0")}`;
      const input =
        i % 2 === 0
          ? { name, baseUrl: `https://api${i}.example.test/v1`, authType: "HEADER" as const, headers: [{ name: "X-Api-Key", value: `secret-${i}`, secret: true }] }
          : { name, baseUrl: `https://api${i}.example.test/v1`, authType: "BASIC" as const, username: `user${i}`, password: `password-${i}` };
      const { id } = await createConnection(team.id, actor, input, null);
      if (i === 500) headerId = id;
    }
    const oauth = await createConnection(team.id, actor, clientCredentialsInput(as, { name: "OAuth machine", baseUrl: as.resourceUrl }), null);
    await db.connection.updateMany({ where: { id: { in: [headerId, oauth.id] } }, data: { credentialsReadable: true } });
    await db.$executeRaw`ANALYZE "Connection"`;
    const { key } = await createApiKey(team.id, actor, { name: "bench", expiresIn: "never", scopes: [...API_KEY_SCOPES] });
    console.log(`Seeded ${CONNECTIONS.toLocaleString("en")} connections in ${((performance.now() - seeded) / 1000).toFixed(1)} s; Node ${process.version}`);

    const server = createServer((request, response) => void serveApiRequest(request, response));
    await new Promise<void>((resolve) => server.listen(Number(process.env.BENCH_KEYWAY_PORT ?? 0), "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    const headers = { authorization: `Bearer ${key}` };

    const get = async (path: string): Promise<unknown> => {
      const response = await fetch(`${base}${path}`, { headers });
      const body: unknown = await response.json();
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      return body;
    };
    // As server.ts runs: the caches kept current by the database's change notifications.
    const { cachesKeptCurrent: subscribe } = await import("../../lib/proxy/invalidation");
    const { listeningSettled } = await import("../../lib/db/notifications");
    subscribe();
    console.log(`change notifications live: ${await listeningSettled()}`);
    // The cursor of page 10 (connections 451-500), reached as a client paging would.
    let cursor = "";
    for (let page = 1; page < 10; page++) cursor = ((await get(`/connections?limit=50${cursor ? `&cursor=${cursor}` : ""}`)) as { nextCursor: string }).nextCursor;

    const measure = async (label: string, path: string) => {
      for (let i = 0; i < WARMUP; i++) await get(path);
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        await get(path);
        samples.push(performance.now() - started);
      }
      console.log(`${label.padEnd(48)} p50 ${percentile(samples, 0.5).toFixed(2)} ms   p90 ${percentile(samples, 0.9).toFixed(2)} ms`);
    };
    await measure("list, first page (50 of 1,000)", "/connections?limit=50");
    await measure("list, page 10 by cursor", `/connections?limit=50&cursor=${cursor}`);
    await measure("list, filtered by name (q=07)", "/connections?q=07&limit=50");
    await measure("get one connection", `/connections/${headerId}`);
    await measure("credentials, Header auth (audited)", `/connections/${headerId}/credentials`);
    await measure("credentials, OAuth2 warm token (audited)", `/connections/${oauth.id}/credentials`);

    // The credentials read before and after it was cut to fewer round trips, in
    // this process, alternately, so the load of the moment weighs on both alike.
    // Before (as of 3aa5560): the key by its own query, the rate limit, the
    // connection through Prisma, then the audit event through Prisma (4 round
    // trips). Now: the key from the notification-kept cache, the rate limit, and
    // one statement that reads the connection and writes the audit event (2).
    {
      const { findKey } = await import("../../lib/proxy/check");
      const { cachedKey } = await import("../../lib/proxy/keys");
      const { cachesKeptCurrent } = await import("../../lib/proxy/invalidation");
      const { takeApiRequest } = await import("../../lib/api/rate-limit");
      const { readCredentials } = await import("../../lib/connections/credentials");
      const { openSecrets } = await import("../../lib/connections");
      const { resolveAuth, storedConfigSchema } = await import("../../lib/connections/stored");
      const { writeAudit } = await import("../../lib/audit");
      const { hashApiKey } = await import("../../lib/api-keys/secret");
      const hash = hashApiKey(key);
      const keyActor = { id: null, label: "bench key", ip: "127.0.0.1", apiKeyId: "bench" };
      const before = async () => {
        const found = (await findKey(hash))!;
        await takeApiRequest(found.keyId);
        const connection = (await db.connection.findFirst({ where: { id: headerId, teamId: team.id }, select: { id: true, teamId: true, name: true, authType: true, oauthClientId: true, agentId: true, config: true, secrets: true, credentialsReadable: true } }))!;
        resolveAuth(connection.authType, storedConfigSchema.parse(connection.config ?? {}), openSecrets(connection.id, connection.secrets));
        await writeAudit(db, { teamId: team.id, actor: keyActor, action: "connection.credentials_read", objectType: "connection", objectId: connection.id, objectName: connection.name, data: { kind: "static", authType: connection.authType } });
      };
      const after = async () => {
        const found = (cachesKeptCurrent() ? await cachedKey(hash) : await findKey(hash))!;
        await takeApiRequest(found.keyId);
        await readCredentials(team.id, keyActor, headerId);
      };
      const samples = { before: [] as number[], after: [] as number[] };
      for (let i = 0; i < WARMUP; i++) {
        await before();
        await after();
      }
      for (let i = 0; i < RUNS; i++) {
        for (const [name, run] of (i % 2 === 0 ? [["before", before], ["after", after]] : [["after", after], ["before", before]]) as ["before" | "after", () => Promise<void>][]) {
          const started = performance.now();
          await run();
          samples[name].push(performance.now() - started);
        }
      }
      const p50 = { before: percentile(samples.before, 0.5), after: percentile(samples.after, 0.5) };
      console.log(`credentials read in process, before (4 round trips)       p50 ${p50.before.toFixed(2)} ms   p90 ${percentile(samples.before, 0.9).toFixed(2)} ms`);
      console.log(`credentials read in process, now (2 round trips)          p50 ${p50.after.toFixed(2)} ms   p90 ${percentile(samples.after, 0.9).toFixed(2)} ms`);
      console.log(`ratio before/now at p50: ${(p50.before / p50.after).toFixed(2)}x`);
    }
    const audited = await db.auditEvent.count({ where: { action: "connection.credentials_read" } });
    console.log(`credential reads in the audit log: ${audited} (every read)`);

    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await as.close();
    const { stopListening } = await import("../../lib/db/notifications");
    await stopListening();
    await closeProxyPool();
    await closeRateLimiter();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
