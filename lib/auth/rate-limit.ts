import type { Pool } from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { config } from "../config";
import { createPool, registerPool } from "../db/pool";

// Counters live in Postgres (table rate_limits, created by the migrations) so
// that every app instance sharing the database enforces the same limit.
type Limiter = InstanceType<typeof RateLimiterPostgres>;

/** What the limiter needs of a pg Pool: queries, one at a time, on any connection. */
interface QueryClient {
  query(query: { name?: string; text: string; values?: unknown[] }): Promise<unknown>;
}

const globalForLimits = globalThis as unknown as {
  keywayLimiterPool?: Pool;
  keywayLimiterClient?: QueryClient;
  keywayLimiters?: Map<string, Limiter>;
};

function client(): QueryClient {
  if (globalForLimits.keywayLimiterClient) return globalForLimits.keywayLimiterClient;
  const url = config().DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const pool = createPool(url, 3);
  registerPool("rate-limits", pool);
  // An idle connection that the server drops (restart, failover, a dropped test
  // database) is reported here; without a listener pg would crash the process.
  // The pool replaces the connection on the next query.
  pool.on("error", (error) => console.warn(`Rate-limit database connection lost: ${error.message}`));
  globalForLimits.keywayLimiterPool = pool;
  // The limiter names its statements (prepared once per connection). Behind a
  // transaction-mode pooler client connections share server sessions, where a
  // second PREPARE of the same name fails, so the statements go unnamed: same
  // SQL, parsed per call (a sign-in is rare enough not to notice).
  globalForLimits.keywayLimiterClient = {
    query: ({ text, values }) => pool.query({ text, values }),
  };
  return globalForLimits.keywayLimiterClient;
}

/** Closes the limiter's connections (tests, and anything else that must let the database go). */
export async function closeRateLimiter(): Promise<void> {
  const pool = globalForLimits.keywayLimiterPool;
  globalForLimits.keywayLimiterPool = undefined;
  globalForLimits.keywayLimiterClient = undefined;
  globalForLimits.keywayLimiters = undefined;
  await pool?.end();
}

export function limiter(name: string, points: number, durationSeconds: number): Limiter {
  globalForLimits.keywayLimiters ??= new Map();
  const key = `${name}:${points}:${durationSeconds}`;
  let found = globalForLimits.keywayLimiters.get(key);
  if (!found) {
    found = new RateLimiterPostgres({
      storeClient: client(),
      storeType: "pool",
      tableName: "rate_limits",
      tableCreated: true,
      keyPrefix: name,
      points,
      duration: durationSeconds,
      clearExpiredByTimeout: false,
    });
    globalForLimits.keywayLimiters.set(key, found);
  }
  return found;
}

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

async function consume(target: Limiter, key: string): Promise<LimitVerdict> {
  try {
    await target.consume(key);
    return { allowed: true };
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
    }
    throw outcome;
  }
}

function signInLimiters() {
  const c = config();
  return {
    account: limiter("signin_account", c.KEYWAY_SIGNIN_MAX_PER_ACCOUNT, c.KEYWAY_SIGNIN_WINDOW_SECONDS),
    ip: limiter("signin_ip", c.KEYWAY_SIGNIN_MAX_PER_IP, c.KEYWAY_SIGNIN_WINDOW_SECONDS),
  };
}

/**
 * Counts a sign-in attempt against the account and the address before the
 * password is checked; a successful sign-in gives both points back, so only
 * failures accumulate.
 */
export async function takeSignInAttempt(email: string, ip: string): Promise<LimitVerdict> {
  const { account, ip: byIp } = signInLimiters();
  const [a, b] = await Promise.all([consume(account, email), consume(byIp, ip)]);
  if (!a.allowed) return a;
  if (!b.allowed) return b;
  return { allowed: true };
}

export async function forgiveSignInAttempt(email: string, ip: string): Promise<void> {
  const { account, ip: byIp } = signInLimiters();
  await Promise.all([account.delete(email), byIp.reward(ip, 1)]);
}

/** Sign-ups per address: slows down account enumeration through the sign-up form. */
export async function takeSignUpAttempt(ip: string): Promise<LimitVerdict> {
  return consume(limiter("signup_ip", config().KEYWAY_SIGNUP_MAX_PER_IP, 60 * 60), ip);
}

/** Events one webhook URL accepts per minute (KEYWAY_WEBHOOK_MAX_PER_MINUTE), counted across every instance. */
export async function takeWebhookHit(connectionId: string): Promise<LimitVerdict> {
  return consume(limiter("webhook", config().KEYWAY_WEBHOOK_MAX_PER_MINUTE, 60), connectionId);
}
