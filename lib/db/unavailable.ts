import { noteDatabaseUnavailable } from "../request-context";

// "Keyway cannot reach its database" is not a bug and not the caller's fault:
// pages answer a 503 that says so (sessions are not ended by it), sign-in says
// the service is unavailable, and the proxy and the webhook receiver answer
// 503 with Retry-After, so senders retry. This tells such a failure from any
// other, whichever layer it comes through: pg (refused, reset, time-outs of
// lib/db/pool.ts), Prisma's driver adapter, or Postgres itself shutting down.

/** Seconds a caller should wait before trying again: an outage usually lasts a restart. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export class DatabaseUnavailableError extends Error {
  // Next keeps an error's own digest across the server-client boundary, so an error page can tell an outage.
  readonly digest = DATABASE_UNAVAILABLE_DIGEST;
  constructor(cause?: unknown) {
    super("Keyway cannot reach its database.", { cause });
    this.name = "DatabaseUnavailableError";
    noteDatabaseUnavailable();
  }
}

export const DATABASE_UNAVAILABLE_DIGEST = "KEYWAY_DATABASE_UNAVAILABLE";

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);
// Postgres: connection exceptions (class 08), shutting down or starting up, too many connections, a statement cancelled by statement_timeout.
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "57014"]);
// Prisma: cannot reach, timed out, connection closed, pool time-out, a transaction that could not start or ran out of time.
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const PG_MESSAGES = [
  "timeout exceeded when trying to connect",
  "connection terminated",
  "query read timeout",
  "client has encountered a connection error",
  "terminating connection due to administrator command",
  "the database system is starting up",
  "the database system is shutting down",
];

function looksUnavailable(value: Record<string, unknown>): boolean {
  const code = typeof value.code === "string" ? value.code : undefined;
  if (code && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith("08") || PRISMA_CODES.has(code))) return true;
  if (typeof value.originalCode === "string" && (SQLSTATES.has(value.originalCode) || value.originalCode.startsWith("08"))) return true;
  if (typeof value.kind === "string" && ADAPTER_KINDS.has(value.kind)) return true;
  const message = typeof value.message === "string" ? value.message.toLowerCase() : "";
  return PG_MESSAGES.some((known) => message.includes(known));
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const value = queue.shift();
    if (!value || typeof value !== "object" || seen.has(value) || seen.size > 20) continue;
    seen.add(value);
    if (value instanceof DatabaseUnavailableError) return true;
    const record = value as Record<string, unknown>;
    if (looksUnavailable(record)) return true;
    queue.push(record.cause);
    // Prisma's driver adapter errors carry the driver's error here.
    const meta = record.meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === "object") queue.push(meta.driverAdapterError);
    // AggregateError (a connect that tried several addresses).
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[]));
  }
  return false;
}

/** The error itself, or a DatabaseUnavailableError in its place when it is an outage. */
export function asDatabaseError(error: unknown): unknown {
  return !(error instanceof DatabaseUnavailableError) && isDatabaseUnavailable(error) ? new DatabaseUnavailableError(error) : error;
}
