// A migrated throwaway database for a browser-test run (`npm test`'s e2e layer,
// `npm run screenshots`): a new database on the DATABASE_URL server when there
// is one (the server's own database is never touched), otherwise a throwaway
// embedded PostgreSQL (lib/embedded-postgres.ts).
import pg from "pg";
import { startThrowawayPostgres } from "../lib/embedded-postgres";
import { migrate } from "../lib/migrations";

export async function e2eDatabase(serverUrl: string | undefined, prefix = "keyway_e2e"): Promise<{ url: string; dispose: () => Promise<void> }> {
  let database: { url: string; dispose: () => Promise<void> };
  if (serverUrl) {
    const name = `${prefix}_${Date.now()}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE "${name}"`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    console.log(`Browser tests use a new database ${name} on the DATABASE_URL server.`);
    database = { url: url.toString(), dispose: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
  } else {
    const server = await startThrowawayPostgres("keyway-e2e-pg");
    console.log(`Browser tests use a throwaway embedded PostgreSQL on 127.0.0.1:${server.port} (log: ${server.logFile}).`);
    database = { url: server.url, dispose: () => server.stop() };
  }
  try {
    await migrate(database.url);
  } catch (error) {
    await database.dispose().catch(() => {});
    throw error;
  }
  return database;
}
