import { migratedDatabase } from "./db";

/**
 * Points this test file's copy of lib/db (and lib/config) at a fresh migrated
 * database. Must run before anything reads the configuration, so test files
 * import the app's modules dynamically after calling it.
 */
export async function useFreshAppDatabase(label: string) {
  const database = await migratedDatabase(label);
  process.env.DATABASE_URL = database.url;
  const { getDb } = await import("@/lib/db");
  return {
    url: database.url,
    db: getDb(),
    async close() {
      const { closeRateLimiter } = await import("@/lib/auth/rate-limit");
      await closeRateLimiter();
      await getDb().$disconnect();
      await database.drop();
    },
  };
}
