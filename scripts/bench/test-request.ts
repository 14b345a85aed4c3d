// `npm run bench:test-request`: the median time of a connection's test request
// through Keyway (decrypt the secrets, apply the auth, the guarded outbound
// client, store the run with secrets redacted) against the same request sent
// directly to the same local upstream with undici.
//
// Needs a Postgres server to make a throwaway database on: BENCH_PG_URL or
// DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { withThrowawayDatabase } from "./throwaway-db";

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const WARMUP = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function main() {
  const upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  process.env.KEYWAY_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;
  process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
  try {
    await withThrowawayDatabase("test_request", async () => {
      const { createUserWithPersonalTeam } = await import("../../lib/teams");
      const { createConnection } = await import("../../lib/connections");
      const { runTestRequest } = await import("../../lib/connections/test-request");
      const { user, team } = await createUserWithPersonalTeam({ name: "bench", email: `bench-${Date.now()}@example.test`, passwordHash: null });
      const actor = { id: user.id, label: user.email, ip: "127.0.0.1" };
      const { id } = await createConnection(team.id, actor, { name: "bench", baseUrl: base, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "bench-secret-value", secret: true }] }, null);
      const input = { method: "GET" as const, path: "/items", headers: [], body: "" };

      const direct: number[] = [];
      const keyway: number[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        let t = performance.now();
        const response = await request(`${base}/items`, { headers: { "x-api-key": "bench-secret-value" } });
        await response.body.text();
        if (i >= WARMUP) direct.push(performance.now() - t);

        t = performance.now();
        const run = await runTestRequest(team.id, actor, id, input);
        if (!run.ok) throw new Error(`test request failed: ${run.summary}`);
        if (i >= WARMUP) keyway.push(performance.now() - t);
      }
      const fmt = (v: number) => `${v.toFixed(2)} ms`;
      console.log(`${RUNS} requests each (after ${WARMUP} warm-up), same loopback upstream, Node ${process.version}`);
      console.log(`direct (undici):             median ${fmt(median(direct))}, p95 ${fmt(percentile(direct, 95))}`);
      console.log(`through Keyway (test run):   median ${fmt(median(keyway))}, p95 ${fmt(percentile(keyway, 95))}`);
      console.log(`Keyway adds (median):        ${fmt(median(keyway) - median(direct))}`);
    });
  } finally {
    upstream.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
