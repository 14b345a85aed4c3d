// `npm run bench:proxy`: what Keyway's proxy costs compared with talking to
// the API directly and with the least a reverse proxy can do.
//
// Starts, all on loopback and each in its own process: an upstream answering
// 1 KB of JSON; a minimal Node reverse proxy that adds one static header (the
// floor: what any proxy in Node costs; both in proxy-peer.ts); an OAuth authorization server (test/support/oauth-server.ts)
// for the OAuth2 connection's token; and Keyway itself (server.ts on the
// production build, built first if missing) on a throwaway database. Then
// sends the same load with autocannon to each: 50 connections, 10 seconds.
//
// Needs a Postgres server to make a throwaway database on: BENCH_PG_URL or
// DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
// BENCH_SECONDS and BENCH_CONNECTIONS change the load.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import pg from "pg";
import { clientCredentialsInput, startOAuthServer } from "../../test/support/oauth-server";
import { withThrowawayDatabase } from "./throwaway-db";
import { ensureBuild, startKeyway, startPeer } from "./servers";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
// Keyway listens on this port and, for the run with metrics and logging off, the next one.
const KEYWAY_PORT = Number(process.env.BENCH_KEYWAY_PORT ?? 3150);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

type Result = { label: string; requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number; cpuMicrosPerRequest: number | null; queriesPerRequest: number | null };

// Transactions the bench database committed, from every client: a warm proxy should add none per request.
let databaseCommits: () => Promise<number | null> = async () => null;

// The CPU time a process has used (user + system, all its threads), from /proc: unlike
// requests per second, CPU per request hardly moves when other work shares the machine.
function cpuMillis(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null; // not Linux
  }
}
const TICKS_PER_SECOND = 100;

async function load(label: string, url: string, headers: Record<string, string> = {}, server?: ChildProcess): Promise<Result> {
  // A short warm-up: JIT, pooled sockets, Keyway's connection cache.
  await autocannon({ url, connections: CONNECTIONS, duration: 3, headers });
  const cpuBefore = cpuMillis(server?.pid);
  const commitsBefore = await databaseCommits();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  const cpuAfter = cpuMillis(server?.pid);
  const commitsAfter = await databaseCommits();
  const total = result.requests.total;
  const cpuMicrosPerRequest = cpuBefore === null || cpuAfter === null || total === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / total;
  const queriesPerRequest = commitsBefore === null || commitsAfter === null || total === 0 ? null : (commitsAfter - commitsBefore) / total;
  return { label, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx, cpuMicrosPerRequest, queriesPerRequest };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const micros = (value: number | null) => (value === null ? "n/a" : `${value.toFixed(0)} µs`);
const perRequest = (value: number | null) => (value === null ? "n/a" : value.toFixed(3));

async function main() {
  ensureBuild();
  process.env.KEYWAY_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;
  process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
  process.env.KEYWAY_PUBLIC_URL = `http://127.0.0.1:${KEYWAY_PORT}`;
  const upstream = await startPeer(["upstream"]);
  const floor = await startPeer(["floor", upstream.url]);
  const as = await startOAuthServer({ port: 0, redirectUris: [`http://127.0.0.1:${KEYWAY_PORT}/oauth/callback`], shortAccessTokenTtlSeconds: 3600, logErrors: false });
  let keyway: ChildProcess | undefined;
  let quiet: ChildProcess | undefined;
  let logBytes = 0;
  let quietLogBytes = 0;
  try {
    await withThrowawayDatabase("proxy", async (databaseUrl) => {
      const stats = new pg.Client({ connectionString: databaseUrl });
      stats.on("error", () => undefined); // a database dropped under it at the end, or by a failed start
      await stats.connect();
      databaseCommits = async () => {
        // The statistics collector lags; a snapshot cleared first reads what is there now.
        await stats.query("SELECT pg_stat_clear_snapshot()");
        const { rows } = await stats.query<{ commits: string }>("SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()");
        return Number(rows[0]!.commits);
      };
      const { createUserWithPersonalTeam } = await import("../../lib/teams");
      const { createConnection } = await import("../../lib/connections");
      const { createApiKey } = await import("../../lib/api-keys");
      const { user, team } = await createUserWithPersonalTeam({ name: "bench", email: `bench-${Date.now()}@example.test`, passwordHash: null });
      const actor = { id: user.id, label: user.email, ip: "127.0.0.1" };
      const { key } = await createApiKey(team.id, actor, { name: "bench", expiresIn: "never" });
      const header = await createConnection(team.id, actor, { name: "header", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "bench-secret", secret: true }] }, null);
      // The token comes from the authorization server; the API it is sent to is the same 1 KB upstream.
      const oauth = await createConnection(
        team.id,
        actor,
        clientCredentialsInput(as, { name: "oauth", baseUrl: upstream.url }),
        null,
      );
      keyway = await startKeyway(
        {
          ...process.env,
          NODE_ENV: "production",
          DATABASE_URL: databaseUrl,
          AUTH_SECRET: randomBytes(32).toString("base64url"),
          KEYWAY_LOG_LEVEL: "info",
          KEYWAY_METRICS_TOKEN: randomBytes(16).toString("hex"),
        },
        KEYWAY_PORT,
        (chunk) => (logBytes += chunk.length),
      );
      // The instance with metrics and logging off starts now too: a Next server spends its first
      // tens of seconds loading every page in the background, so one started later would be
      // measured while still busy with that (it looked slower than the instance logging everything).
      quiet = await startKeyway(
        { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, AUTH_SECRET: randomBytes(32).toString("base64url"), KEYWAY_LOG_LEVEL: "warn", KEYWAY_METRICS_TOKEN: "" },
        KEYWAY_PORT + 1,
        (chunk) => (quietLogBytes += chunk.length),
      );
      const quietBase = `http://127.0.0.1:${KEYWAY_PORT + 1}/api/proxy`;
      const auth = { authorization: `Bearer ${key}` };
      const base = `http://127.0.0.1:${KEYWAY_PORT}/api/proxy`;
      for (const id of [header.id, oauth.id]) {
        const probe = await fetch(`${base}/${id}/items`, { headers: auth });
        if (probe.status !== 200) throw new Error(`Keyway's proxy answered ${probe.status}: ${await probe.text()}`);
      }

      console.log(`Load: autocannon, ${CONNECTIONS} connections, ${SECONDS} s each, GET of a 1 KB JSON response; Node ${process.version}.\n`);
      // Keyway was started a moment ago: let V8 optimise its hot path (and Next settle) before anything is measured.
      for (const id of [header.id, oauth.id]) await autocannon({ url: `${base}/${id}/items`, connections: CONNECTIONS, duration: 5, headers: auth });
      await autocannon({ url: `${quietBase}/${header.id}/items`, connections: CONNECTIONS, duration: 5, headers: auth });
      // BENCH_HOLD=<file>: for comparing two builds under the same load (each from its own checkout),
      // write what a load generator needs to the file and wait for SIGUSR2 before measuring.
      if (process.env.BENCH_HOLD) {
        (await import("node:fs")).writeFileSync(process.env.BENCH_HOLD, JSON.stringify({ keys: process.env.KEYWAY_ENCRYPTION_KEYS, databaseUrl, base, key, header: header.id, oauth: oauth.id, pid: keyway!.pid, upstream: upstream.url, floor: floor.url, floorPid: floor.process.pid }));
        await new Promise((resolve) => process.once("SIGUSR2", resolve));
      }
      const results: Result[] = [];
      results.push(await load("direct to the upstream", `${upstream.url}/items`, {}, upstream.process));
      results.push(await load("floor: minimal Node proxy", `${floor.url}/items`, {}, floor.process));
      results.push(await load("Keyway, Header auth", `${base}/${header.id}/items`, auth, keyway));
      results.push(await load("Keyway, OAuth2 (client credentials)", `${base}/${oauth.id}/items`, auth, keyway));

      const floorResult = results[1]!;
      console.log(`${"".padEnd(38)} ${"req/s".padStart(9)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"errors".padStart(7)} ${"CPU/req".padStart(9)} ${"db tx/req".padStart(9)}  vs floor`);
      for (const r of results) {
        const ratio = r === floorResult || r === results[0] ? "" : `${((r.requestsPerSecond / floorResult.requestsPerSecond) * 100).toFixed(0)}% of its req/s, p50 ${r.p50 - floorResult.p50 >= 0 ? "+" : ""}${ms(r.p50 - floorResult.p50)}`;
        console.log(`${r.label.padEnd(38)} ${r.requestsPerSecond.toFixed(0).padStart(9)} ${ms(r.p50).padStart(9)} ${ms(r.p99).padStart(9)} ${String(r.errors + r.non2xx).padStart(7)} ${micros(r.cpuMicrosPerRequest).padStart(9)} ${perRequest(r.queriesPerRequest).padStart(9)}  ${ratio}`);
      }
      console.log(`\nTarget: Keyway at least 60% of the floor's req/s, and p50 within 2 ms of the floor's.`);
      for (const r of results.slice(2)) {
        const throughput = r.requestsPerSecond / floorResult.requestsPerSecond >= 0.6;
        const latency = r.p50 - floorResult.p50 <= 2;
        console.log(`  ${r.label}: throughput ${throughput ? "met" : "NOT met"}, p50 ${latency ? "met" : "NOT met"}.`);
      }

      // What metrics and logging cost: the instance above runs with both on (metrics token set, a log
      // line per request read through a pipe); a second one with both off. Runs alternate, so a
      // machine busy with other work slows both alike, and each round is compared with its neighbour.
      const rounds: { on: Result; off: Result }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const on = await load("on", `${base}/${header.id}/items`, auth, keyway);
        const off = await load("off", `${quietBase}/${header.id}/items`, auth, quiet);
        rounds.push({ on, off });
      }
      console.log(`\nMetrics and logging on vs off (Header auth, ${ROUNDS} alternating rounds; log read through a pipe):`);
      console.log(`${"round".padEnd(8)} ${"on req/s".padStart(9)} ${"off req/s".padStart(10)} ${"on/off".padStart(7)} ${"on p50".padStart(9)} ${"off p50".padStart(9)} ${"on CPU/req".padStart(11)} ${"off CPU/req".padStart(12)} ${"off db tx/req".padStart(14)}`);
      rounds.forEach(({ on, off }, index) =>
        console.log(`${String(index + 1).padEnd(8)} ${on.requestsPerSecond.toFixed(0).padStart(9)} ${off.requestsPerSecond.toFixed(0).padStart(10)} ${`${((on.requestsPerSecond / off.requestsPerSecond) * 100).toFixed(0)}%`.padStart(7)} ${ms(on.p50).padStart(9)} ${ms(off.p50).padStart(9)} ${micros(on.cpuMicrosPerRequest).padStart(11)} ${micros(off.cpuMicrosPerRequest).padStart(12)} ${perRequest(off.queriesPerRequest).padStart(14)}`),
      );
      const ratios = rounds.map(({ on, off }) => on.requestsPerSecond / off.requestsPerSecond).sort((a, b) => a - b);
      console.log(`median on/off: ${(ratios[Math.floor(ratios.length / 2)]! * 100).toFixed(0)}% of the req/s; log written: on ${(logBytes / 1e6).toFixed(1)} MB, off ${(quietLogBytes / 1e6).toFixed(1)} MB.`);
      const quietStopped = new Promise((resolve) => quiet!.once("exit", resolve));
      quiet.kill("SIGTERM");
      await quietStopped;
      // Let go of the database before it is dropped.
      await stats.end();
      const stopped = new Promise((resolve) => keyway!.once("exit", resolve));
      keyway.kill("SIGTERM");
      await stopped;
    });
  } finally {
    if (keyway && keyway.exitCode === null) keyway.kill("SIGTERM");
    if (quiet && quiet.exitCode === null) quiet.kill("SIGTERM");
    upstream.process.kill();
    floor.process.kill();
    await as.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
