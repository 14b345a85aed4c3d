// `npm run bench:audit`: how long the audit page's query takes with 100,000
// events in one team: the first page, the 50th page (reached through the 49
// before it, as a user paging would), and the first page filtered to one
// object, each the median of several runs.
//
// Needs a Postgres server to make a throwaway database on: BENCH_PG_URL or
// DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
import { withThrowawayDatabase } from "./throwaway-db";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main() {
  await withThrowawayDatabase("audit", async () => {
    const { getDb } = await import("../../lib/db");
    const { listAuditEvents } = await import("../../lib/audit-log");
    const db = getDb();
    const team = await db.team.create({ data: { slug: `bench-${Date.now()}`, name: "Bench" } });
    const other = await db.team.create({ data: { slug: `other-${Date.now()}`, name: "Other" } });
    const t = performance.now();
    // A realistic mix: 200 connections, 20 actors, a year of history; plus as many events of another team.
    for (const teamId of [team.id, other.id]) {
      await db.$executeRaw`
        INSERT INTO "AuditEvent" ("teamId", "actorId", "actorLabel", action, "objectType", "objectId", "objectName", ip, data, "createdAt")
        SELECT ${teamId}, 'u' || (i % 20), 'user' || (i % 20) || '@example.test',
               (ARRAY['connection.created','connection.updated','connection.tested','connection.token_refreshed'])[1 + i % 4],
               'connection', 'c' || (i % 200), 'Connection ' || (i % 200), '10.0.0.' || (i % 250), '{"ok":true}'::jsonb,
               now() - make_interval(secs => i * 315)
        FROM generate_series(1, ${EVENTS}) AS i`;
    }
    await db.$executeRaw`ANALYZE "AuditEvent"`;
    console.log(`Seeded ${EVENTS.toLocaleString("en")} events in the team (and as many in another) in ${((performance.now() - t) / 1000).toFixed(1)} s; Node ${process.version}`);

    const time = async (run: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const s = performance.now();
        await run();
        samples.push(performance.now() - s);
      }
      return median(samples);
    };

    const first = await time(() => listAuditEvents(team.id, {}));
    let cursor: string | undefined;
    for (let pageNumber = 1; pageNumber < 50; pageNumber++) cursor = (await listAuditEvents(team.id, { before: cursor })).older;
    const fiftieth = await time(() => listAuditEvents(team.id, { before: cursor }));
    const oneObject = await time(() => listAuditEvents(team.id, { objectId: "c42" }));
    const oneActorAction = await time(() => listAuditEvents(team.id, { actor: "user7@example.test", action: "connection.tested" }));
    const lastWeek = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const dateRange = await time(() => listAuditEvents(team.id, { from: lastWeek }));
    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    console.log(`page 1 (50 events):                         median ${fmt(first)}`);
    console.log(`page 50 (events 2,451-2,500):               median ${fmt(fiftieth)}`);
    console.log(`page 1, one connection's events:            median ${fmt(oneObject)}`);
    console.log(`page 1, one actor and one action:           median ${fmt(oneActorAction)}`);
    console.log(`page 1, since ${lastWeek}:                 median ${fmt(dateRange)}`);
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
