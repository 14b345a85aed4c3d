import pg from "pg";
import { config } from "../config";
import { log } from "../log";

// Every connection Keyway opens to Postgres gets the same three limits, so a
// database that is down or frozen makes a request fail within seconds instead
// of hanging for as long as the outage lasts:
// - connect: opening a new connection (TCP, TLS, start-up);
// - acquire: waiting for a free connection of a pool that is at its maximum;
// - statement: one statement, enforced by the server (statement_timeout) and,
//   because a frozen server enforces nothing, by the client a moment later.

const CLIENT_GRACE_MS = 1_000;

export type DatabaseTimeouts = { connectMs: number; acquireMs: number; statementMs: number };

export function databaseTimeouts(): DatabaseTimeouts {
  const c = config();
  return {
    connectMs: Math.round(c.KEYWAY_DB_CONNECT_TIMEOUT_SECONDS * 1000),
    acquireMs: Math.round(c.KEYWAY_DB_ACQUIRE_TIMEOUT_SECONDS * 1000),
    statementMs: Math.round(c.KEYWAY_DB_STATEMENT_TIMEOUT_SECONDS * 1000),
  };
}

/** Options for one pg.Client: the connect and statement limits, and TCP keep-alive so a vanished server is noticed. */
export function clientOptions(connectionString: string): pg.ClientConfig {
  const { connectMs, statementMs } = databaseTimeouts();
  return {
    connectionString,
    connectionTimeoutMillis: connectMs,
    statement_timeout: statementMs,
    query_timeout: statementMs + CLIENT_GRACE_MS,
    keepAlive: true,
  };
}

/**
 * A pool with the limits above. pg-pool has one setting for "wait for a
 * connection" and passes it on to the connections it opens, so each
 * connection gets the connect limit through its own Client class.
 */
export function createPool(connectionString: string, max: number): pg.Pool {
  const { acquireMs } = databaseTimeouts();
  const options = clientOptions(connectionString);
  class LimitedClient extends pg.Client {
    constructor(poolOptions?: pg.ClientConfig) {
      super({ ...poolOptions, connectionTimeoutMillis: options.connectionTimeoutMillis });
    }
  }
  return new pg.Pool({ ...options, max, connectionTimeoutMillis: acquireMs, Client: LimitedClient });
}

type PoolsState = { keywayRawPool?: pg.Pool; keywayPools?: Map<string, pg.Pool> };
const globalForPools = globalThis as unknown as PoolsState;
// Every pool this process made, for the metrics (in use, waiting).
const pools = (globalForPools.keywayPools ??= new Map<string, pg.Pool>());

export function registerPool(name: string, created: pg.Pool): void {
  pools.set(name, created);
}

export function knownPools(): ReadonlyMap<string, pg.Pool> {
  return pools;
}

/**
 * The raw pool for hot paths that skip Prisma (the proxy's checks, the
 * agents' relay, change notifications' proof). A dropped idle connection is
 * replaced on the next query; without an error listener pg would crash the process.
 */
export function pool(): pg.Pool {
  if (globalForPools.keywayRawPool) return globalForPools.keywayRawPool;
  const { DATABASE_URL, DATABASE_POOL_SIZE } = config();
  if (!DATABASE_URL) throw new Error("DATABASE_URL is not set");
  const created = createPool(DATABASE_URL, DATABASE_POOL_SIZE);
  created.on("error", (error) => log.warn({ error: error.message }, "database connection lost"));
  globalForPools.keywayRawPool = created;
  registerPool("raw", created);
  return created;
}

export async function closePool(): Promise<void> {
  const current = globalForPools.keywayRawPool;
  globalForPools.keywayRawPool = undefined;
  pools.delete("raw");
  await current?.end();
}
