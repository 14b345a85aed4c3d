/**
 * Databases for integration tests: each call gives an empty database of its
 * own, so test files never see each other's rows.
 *
 * A new database `keyway_t_<label>_<random>` on the server KEYWAY_TEST_PG_URL
 * names (a URL to a Postgres server whose user may CREATE DATABASE, e.g.
 * postgresql://postgres@127.0.0.1:5432/postgres, as in CI). Without it, the
 * integration tests' global setup (test/support/embedded-postgres-setup.ts)
 * starts an embedded PostgreSQL server and sets KEYWAY_TEST_PG_URL to it.
 *
 * Always call drop() (in afterAll), after closing your own connections.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "@/lib/migrations";

export interface TestDatabase {
  /** A postgresql:// URL for pg, Prisma or a child process's DATABASE_URL. */
  url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(label: string): Promise<TestDatabase> {
  const serverUrl = process.env.KEYWAY_TEST_PG_URL;
  if (!serverUrl) throw new Error("KEYWAY_TEST_PG_URL is not set: run the integration tests with `npx vitest run --project integration`, whose global setup provides a server.");
  return databaseOnServer(serverUrl, label);
}

/** freshDatabase with every migration of prisma/migrations applied. */
export async function migratedDatabase(label: string): Promise<TestDatabase> {
  const database = await freshDatabase(label);
  try {
    await migrate(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}

async function databaseOnServer(serverUrl: string, label: string): Promise<TestDatabase> {
  // Postgres truncates identifiers at 63 bytes; the label is only there to tell databases apart when debugging.
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9_]+/g, "_").slice(0, 30);
  const name = `keyway_t_${safeLabel}_${randomBytes(5).toString("hex")}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

async function withAdmin<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect().catch((error: Error) => {
    throw new Error(`KEYWAY_TEST_PG_URL is set but its server cannot be reached: ${error.message}`);
  });
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
