// `npm run bench:health`: 500 connections with a health check every minute,
// run by two Keyway instances on one database, each check counted where it
// lands; and the proxy's latency with and without the checks running.
//
// Starts on loopback: an API that counts the checks per connection (in this
// process); the 1 KB upstream the proxy load goes to (proxy-peer.ts);
// Keyway itself (server.ts on the production build: instance 1, which runs
// the job engine and serves the proxy) and a second instance running only the
// job engine (health-worker.ts), both on a throwaway database. Phase 1: the
// checks are paused, the proxy is loaded. Phase 2: the checks run for
// BENCH_MINUTES (default 3) schedule ticks, with the same proxy load in the
// middle of it. Then the schedule is paused, the queue drained, and every
// connection must have been checked exactly once per tick.
//
// Needs BENCH_PG_URL or DATABASE_URL (a Postgres server to make the database on).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { withThrowawayDatabase } from "./throwaway-db";
import { ensureBuild, startKeyway, startPeer } from "./servers";

const CONNECTIONS = Number(process.env.BENCH_HEALTH_CONNECTIONS ?? 500);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 3);
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const KEYWAY_PORT = Number(process.env.BENCH_KEYWAY_PORT ?? 3152);

async function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/health-worker.ts"], { env, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => line === "ready" && resolve());
    child.once("exit", (code) => reject(new Error(`health-worker exited with ${code}`)));
  });
  return child;
}

async function proxyLoad(url: string, headers: Record<string, string>) {
  const result = await autocannon({ url, connections: 20, duration: LOAD_SECONDS, headers });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

async function main() {
  ensureBuild();
  process.env.KEYWAY_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;
  process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
  process.env.KEYWAY_PUBLIC_URL = `http://127.0.0.1:${KEYWAY_PORT}`;
  const hits = new Map<string, number>();
  const checked = createServer((request, response) => {
    const id = request.url?.split("/")[2] ?? "";
    hits.set(id, (hits.get(id) ?? 0) + 1);
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("ok");
  });
  await new Promise<void>((resolve) => checked.listen(0, "127.0.0.1", resolve));
  const checkedUrl = `http://127.0.0.1:${(checked.address() as AddressInfo).port}`;
  const upstream = await startPeer(["upstream"]);
  const children: ChildProcess[] = [];
  try {
    await withThrowawayDatabase("health", async (databaseUrl) => {
      const { getDb } = await import("../../lib/db");
      const db = getDb();
      const { createUserWithPersonalTeam } = await import("../../lib/teams");
      const { createConnection } = await import("../../lib/connections");
      const { createApiKey } = await import("../../lib/api-keys");
      const { user, team } = await createUserWithPersonalTeam({ name: "bench", email: `bench-${Date.now()}@example.test`, passwordHash: null });
      const actor = { id: user.id, label: user.email, ip: "127.0.0.1" };
      const { key } = await createApiKey(team.id, actor, { name: "bench", expiresIn: "never" });
      const proxied = await createConnection(team.id, actor, { name: "proxied", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "bench-secret", secret: true }] }, null);
      const ids: string[] = [];
      for (let i = 0; i < CONNECTIONS; i++) {
        const { id } = await createConnection(team.id, actor, { name: `checked ${i}`, baseUrl: `${checkedUrl}/c/${i}`, authType: "HEADER", headers: [{ name: "X-Api-Key", value: `secret-${i}`, secret: true }] }, null);
        ids.push(id);
      }
      const paths = new Map(ids.map((id, i) => [String(i), id]));
      // Paused until phase 2; the proxied connection is never checked.
      await db.connectionHealth.createMany({ data: [proxied.id, ...ids].map((connectionId) => ({ connectionId, teamId: team.id, enabled: false, method: "GET", path: "", intervalMinutes: 1, nextCheckAt: new Date() })) });

      const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, AUTH_SECRET: randomBytes(32).toString("base64url") };
      const keyway = await startKeyway(env, KEYWAY_PORT);
      children.push(keyway);
      children.push(await startWorker(env));
      const auth = { authorization: `Bearer ${key}` };
      const proxyUrl = `http://127.0.0.1:${KEYWAY_PORT}/api/proxy/${proxied.id}/items`;
      console.log(`${CONNECTIONS} connections checked every minute by 2 instances (Keyway's server and a job-engine-only instance); Node ${process.version}.`);
      await autocannon({ url: proxyUrl, connections: 20, duration: 5, headers: auth });
      const without = await proxyLoad(proxyUrl, auth);

      // Phase 2: due now; the first tick (at the next minute) enqueues all.
      await db.connectionHealth.updateMany({ where: { connectionId: { in: ids } }, data: { enabled: true, nextCheckAt: new Date() } });
      const started = Date.now();
      const nextMinute = Math.ceil(started / 60_000) * 60_000;
      // The load runs in the middle of the second tick's minute, while its checks (spread over 50 s) run.
      await new Promise((resolve) => setTimeout(resolve, nextMinute + 60_000 + 10_000 - Date.now()));
      const withChecks = await proxyLoad(proxyUrl, auth);
      // Pause after MINUTES ticks (each at the start of a minute, a few seconds late at most).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextMinute + (MINUTES - 1) * 60_000 + 30_000 - Date.now())));
      await db.connectionHealth.updateMany({ data: { enabled: false } });
      // Drain: every enqueued check done.
      const deadline = Date.now() + 5 * 60_000;
      for (;;) {
        const [row] = await db.$queryRaw<{ open: bigint }[]>`SELECT count(*) AS open FROM pgboss.job WHERE name = 'health-check' AND state < 'completed'`;
        const open = Number(row?.open ?? 0);
        if (open === 0) break;
        if (Date.now() > deadline) throw new Error(`${open} checks still queued after 5 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      const [jobs] = await db.$queryRaw<{ total: bigint; keys: bigint; slots: bigint; failed: bigint; retried: bigint }[]>`
        SELECT count(*) AS total, count(DISTINCT singleton_key) AS keys, count(DISTINCT data->>'slot') AS slots,
               count(*) FILTER (WHERE state = 'failed') AS failed, count(*) FILTER (WHERE retry_count > 0) AS retried
        FROM pgboss.job WHERE name = 'health-check'`;
      const ticks = Number(jobs!.slots);
      const perConnection = [...paths.keys()].map((path) => hits.get(path) ?? 0);
      const exact = perConnection.filter((count) => count === ticks).length;
      const total = perConnection.reduce((a, b) => a + b, 0);
      const recorded = await db.connectionHealth.count({ where: { connectionId: { in: ids }, state: "WORKING" } });
      console.log(`\nSchedule ticks that enqueued checks: ${ticks} (in ${((Date.now() - started) / 60_000).toFixed(1)} min)`);
      console.log(`Jobs enqueued: ${jobs!.total} (distinct connection+slot keys: ${jobs!.keys}; failed: ${jobs!.failed}; retried: ${jobs!.retried})`);
      console.log(`Checks received by the API: ${total}, expected ${CONNECTIONS} × ${ticks} = ${CONNECTIONS * ticks}`);
      console.log(`Connections checked exactly once per tick: ${exact} of ${CONNECTIONS}; most for one connection: ${Math.max(...perConnection)}, fewest: ${Math.min(...perConnection)}`);
      console.log(`Connections whose check recorded Working: ${recorded} of ${CONNECTIONS}`);
      const ms = (v: number) => `${v.toFixed(2)} ms`;
      console.log(`\nProxy (autocannon, 20 connections, ${LOAD_SECONDS} s, Header auth, 1 KB JSON):`);
      console.log(`  checks paused:   ${without.rps.toFixed(0)} req/s, p50 ${ms(without.p50)}, p99 ${ms(without.p99)}, errors ${without.errors}`);
      console.log(`  checks running:  ${withChecks.rps.toFixed(0)} req/s, p50 ${ms(withChecks.p50)}, p99 ${ms(withChecks.p99)}, errors ${withChecks.errors}`);
      console.log(`  ratio (running / paused): req/s ${(withChecks.rps / without.rps).toFixed(2)}, p50 ${(withChecks.p50 / without.p50).toFixed(2)}, p99 ${(withChecks.p99 / without.p99).toFixed(2)}`);
      const ok = exact === CONNECTIONS && Number(jobs!.total) === CONNECTIONS * ticks && ticks >= MINUTES;
      console.log(ok ? "\nEach check ran exactly once per schedule." : "\nNOT exactly once: see the counts above.");
      for (const child of children) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      if (!ok) process.exitCode = 1;
    });
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    upstream.process.kill();
    checked.close();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
