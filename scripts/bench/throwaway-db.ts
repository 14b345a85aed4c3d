import pg from "pg";

/**
 * Runs `body` against a new, migrated database on the server BENCH_PG_URL (or
 * DATABASE_URL) names, with the app's configuration pointed at it, and drops
 * the database afterwards.
 */
export async function withThrowawayDatabase<T>(label: string, body: (url: string) => Promise<T>): Promise<T> {
  const serverUrl = process.env.BENCH_PG_URL ?? process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("Set BENCH_PG_URL (or DATABASE_URL) to a Postgres server the benchmark may create a database on.");
  const name = `keyway_bench_${label}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  try {
    const { migrate } = await import("../../lib/migrations");
    await migrate(url.toString());
    return await body(url.toString());
  } finally {
    const { getDb } = await import("../../lib/db");
    await getDb().$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}
