// `npm run bench:agent`: the latency an on-premise agent adds to a request.
//
// Starts, all on loopback and each in its own process: an upstream answering
// 1 KB of JSON (proxy-peer.ts); two Keyway instances (server.ts on the
// production build, built first if missing) sharing a throwaway database; and
// the agent (agent/keyway-agent.mjs), connected to instance B. Then sends
// requests one at a time (so each latency is the request's own, not queueing)
// and reports the median and 90th percentile of:
//   - a direct request to the upstream,
//   - Keyway's proxy to a connection that goes out directly,
//   - Keyway's proxy to the same upstream through the agent, on the instance
//     the agent is connected to (B),
//   - the same through instance A, which relays it to B through the database.
// Ends with a short concurrent run through the agent (autocannon).
//
// Needs a Postgres server to make a throwaway database on: BENCH_PG_URL or
// DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
// BENCH_REQUESTS changes the number of sequential requests per case.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { Agent, request } from "undici";
import { withThrowawayDatabase } from "./throwaway-db";
import { ensureBuild, startKeyway, startPeer } from "./servers";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const WARM_UP = 200;
const PORT_A = Number(process.env.BENCH_KEYWAY_PORT ?? 3150);
const PORT_B = PORT_A + 1;

type Case = { label: string; url: string; headers?: Record<string, string> };
type Measured = { label: string; p50: number; p90: number; samples: number };

const client = new Agent({ keepAliveTimeout: 30_000, connections: 4 });

async function once(target: Case): Promise<number> {
  const started = performance.now();
  const response = await request(target.url, { headers: target.headers, dispatcher: client });
  await response.body.dump();
  if (response.statusCode !== 200) throw new Error(`${target.label}: HTTP ${response.statusCode}`);
  return performance.now() - started;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function measureAll(cases: Case[]): Promise<Measured[]> {
  for (const target of cases) for (let i = 0; i < WARM_UP; i += 1) await once(target);
  // Interleaved, so a burst of noise from another process on this machine falls on every case alike.
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < REQUESTS; i += 1) {
    for (const [index, target] of cases.entries()) samples[index]!.push(await once(target));
  }
  return cases.map((target, index) => {
    const sorted = samples[index]!.sort((a, b) => a - b);
    return { label: target.label, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), samples: sorted.length };
  });
}

function startAgent(keywayUrl: string, token: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["agent/keyway-agent.mjs", "--url", keywayUrl, "--allow", "127.0.0.1/32"], {
    env: { ...process.env, KEYWAY_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    // It logs one line per request; only the first "Connected" matters here.
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.includes(" Connected to ")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`the agent exited with ${code}`)));
  });
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function main() {
  ensureBuild();
  process.env.KEYWAY_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;
  // Keyway itself may reach the upstream too, so the direct connection has something to compare with.
  process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.1/32";
  process.env.KEYWAY_PUBLIC_URL = `http://127.0.0.1:${PORT_A}`;
  const upstream = await startPeer(["upstream"]);
  const children: ChildProcess[] = [upstream.process];
  try {
    await withThrowawayDatabase("agent", async (databaseUrl) => {
      const { createUserWithPersonalTeam } = await import("../../lib/teams");
      const { createConnection } = await import("../../lib/connections");
      const { createApiKey } = await import("../../lib/api-keys");
      const { createAgent } = await import("../../lib/agents");
      const { getDb } = await import("../../lib/db");
      const { user, team } = await createUserWithPersonalTeam({ name: "bench", email: `bench-${Date.now()}@example.test`, passwordHash: null });
      const actor = { id: user.id, label: user.email, ip: "127.0.0.1" };
      const { key } = await createApiKey(team.id, actor, { name: "bench", expiresIn: "never" });
      const agent = await createAgent(team.id, actor, { name: "bench agent" });
      const headers = [{ name: "X-Api-Key", value: "bench-secret", secret: true }];
      const direct = await createConnection(team.id, actor, { name: "direct", baseUrl: upstream.url, authType: "HEADER", headers }, null);
      const inside = await createConnection(team.id, actor, { name: "inside", baseUrl: upstream.url, authType: "HEADER", headers }, null);
      await getDb().connection.update({ where: { id: inside.id }, data: { agentId: agent.id } });

      const env = { ...process.env, NODE_ENV: "production" as const, DATABASE_URL: databaseUrl, AUTH_SECRET: randomBytes(32).toString("base64url") };
      children.push(await startKeyway(env, PORT_A), await startKeyway(env, PORT_B));
      children.push(await startAgent(`http://127.0.0.1:${PORT_B}`, agent.token));

      const auth = { authorization: `Bearer ${key}` };
      const cases: Case[] = [
        { label: "direct to the upstream", url: `${upstream.url}/items` },
        { label: "Keyway proxy, direct connection", url: `http://127.0.0.1:${PORT_A}/api/proxy/${direct.id}/items`, headers: auth },
        { label: "Keyway proxy, through the agent (same instance)", url: `http://127.0.0.1:${PORT_B}/api/proxy/${inside.id}/items`, headers: auth },
        { label: "Keyway proxy, through the agent (relayed A→B)", url: `http://127.0.0.1:${PORT_A}/api/proxy/${inside.id}/items`, headers: auth },
      ];
      console.log(`Sequential GETs of a 1 KB JSON response, ${REQUESTS} per case after ${WARM_UP} to warm up, interleaved; Node ${process.version}.\n`);
      const results = await measureAll(cases);
      console.log(`${"".padEnd(50)} ${"p50".padStart(9)} ${"p90".padStart(9)}`);
      for (const r of results) console.log(`${r.label.padEnd(50)} ${ms(r.p50).padStart(9)} ${ms(r.p90).padStart(9)}`);
      const [upstreamOnly, keywayDirect, agentLocal, agentRelayed] = results as [Measured, Measured, Measured, Measured];
      console.log(`\nMedian latency the agent adds:`);
      console.log(`  compared with a direct request on loopback:         +${ms(agentLocal.p50 - upstreamOnly.p50)} (same instance), +${ms(agentRelayed.p50 - upstreamOnly.p50)} (relayed)`);
      console.log(`  compared with Keyway's proxy going out directly:    +${ms(agentLocal.p50 - keywayDirect.p50)} (same instance), +${ms(agentRelayed.p50 - keywayDirect.p50)} (relayed)`);

      const concurrent = await autocannon({ url: cases[2]!.url, headers: auth, connections: 20, duration: 10 });
      console.log(
        `\nConcurrent, through the agent on the same instance (autocannon, 20 connections, 10 s): ${concurrent.requests.average.toFixed(0)} req/s, p50 ${ms(concurrent.latency.p50)}, p99 ${ms(concurrent.latency.p99)}, ${concurrent.errors + concurrent.timeouts + concurrent.non2xx} errors.`,
      );

      // Let go of the database before it is dropped.
      await Promise.all(children.slice(1).map((child) => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM")))));
    });
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await client.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
