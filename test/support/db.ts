/**
 * Databases for integration tests: each call gives an empty database of its
 * own, so test files never see each other's rows.
 *
 * - With KEYWAY_TEST_PG_URL (a URL to a Postgres server whose user may CREATE
 *   DATABASE, e.g. postgresql://postgres@127.0.0.1:5432/postgres, as in CI),
 *   a new database `keyway_t_<label>_<random>` on that server.
 * - Without it (a machine with only Node.js), an in-memory PGlite served over
 *   TCP by pglite-socket, so child processes and Prisma connect to it like to
 *   any Postgres. All its connections share one backend: session state (SET,
 *   advisory locks) is shared and transactions run one at a time.
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
  return serverUrl ? databaseOnServer(serverUrl, label) : embeddedDatabase();
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

async function embeddedDatabase(): Promise<TestDatabase> {
  // Imported only here so runs against a real server never load the WASM build.
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  // Port 0: the OS picks a free port, so parallel test workers never collide.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 20 });
  await server.start();
  const address = server.getServerConn(); // "127.0.0.1:<port>"
  return {
    url: `postgresql://postgres@${address}/postgres`,
    async drop() {
      await server.stop();
      await db.close();
    },
  };
}
