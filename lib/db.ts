import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { config } from "./config";
import { createPool, registerPool } from "./db/pool";
import { asDatabaseError } from "./db/unavailable";

export type { Role } from "./generated/prisma/enums";

function createClient(): PrismaClient {
  const { DATABASE_URL, DATABASE_POOL_SIZE } = config();
  if (!DATABASE_URL) {
    throw new Error("DATABASE_URL is not set. Start Keyway with `npm start`, which provides an embedded database when none is configured.");
  }
  // Keyway's own pool, so Prisma's connections get the same time-outs as every other and show in the metrics.
  const pool = createPool(DATABASE_URL, DATABASE_POOL_SIZE);
  registerPool("prisma", pool);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  // An outage surfaces as DatabaseUnavailableError whichever query meets it, so every caller can tell it from a bug.
  const client = new PrismaClient({ adapter }).$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          throw asDatabaseError(error);
        }
      },
    },
  });
  return client as unknown as PrismaClient;
}

// One client per process; Next's dev server re-evaluates modules, so keep it on globalThis.
const globalForDb = globalThis as unknown as { keywayDb?: PrismaClient };

export function getDb(): PrismaClient {
  globalForDb.keywayDb ??= createClient();
  return globalForDb.keywayDb;
}

/** Lazily connected: importing this module never opens a connection or needs DATABASE_URL. */
export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = getDb();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
