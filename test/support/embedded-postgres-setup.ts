/**
 * Vitest global setup of the integration tests: without KEYWAY_TEST_PG_URL
 * (a machine with only Node.js), one embedded PostgreSQL server for the whole
 * run, the same kind `npm start` runs; test/support/db.ts then makes a database
 * per test file on it, exactly as on a server given by KEYWAY_TEST_PG_URL.
 */
import { startThrowawayPostgres } from "@/lib/embedded-postgres";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.KEYWAY_TEST_PG_URL) return undefined;
  const server = await startThrowawayPostgres("keyway-test-pg");
  // Read by test/support/db.ts in the test workers, which inherit this environment.
  process.env.KEYWAY_TEST_PG_URL = server.url;
  return () => server.stop();
}
