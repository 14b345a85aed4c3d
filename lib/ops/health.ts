import type { IncomingMessage, ServerResponse } from "node:http";
import { listenerStatus, notificationsLive } from "../db/notifications";
import { pool } from "../db/pool";
import { listMigrations } from "../migrations";

// For load balancers and orchestrators; neither needs a session, and neither
// says more than what is not ready (no URLs, hosts or errors with details).
// - /healthz: the process serves HTTP. No database call: a database outage
//   must not make every instance look dead and get restarted.
// - /readyz: the database answers within READY_DB_TIMEOUT_MS and has every
//   migration this build ships. Change notifications are reported but do not
//   make an instance unready: without them the proxy checks each request with
//   one query, slower but correct.

export const HEALTH_PATH = "/healthz";
export const READY_PATH = "/readyz";
const READY_DB_TIMEOUT_MS = 2_000;

type Check = { ok: boolean; detail?: string };

function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

let shippedMigrations: Promise<string[]> | undefined;

async function readiness(): Promise<{ ready: boolean; checks: Record<string, Check & Record<string, unknown>> }> {
  const checks: Record<string, Check & Record<string, unknown>> = {};
  try {
    shippedMigrations ??= listMigrations().then((files) => files.map((file) => file.name));
    const [shipped, applied] = await Promise.all([
      shippedMigrations,
      withinTime(pool().query<{ name: string }>(`SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`), READY_DB_TIMEOUT_MS, "the database"),
    ]);
    checks.database = { ok: true };
    const done = new Set(applied.rows.map((row) => row.name));
    const pending = shipped.filter((name) => !done.has(name));
    checks.migrations = pending.length === 0 ? { ok: true } : { ok: false, detail: `${pending.length} migration(s) not applied`, pending };
  } catch (error) {
    const missingTable = (error as { code?: unknown }).code === "42P01";
    checks.database = missingTable ? { ok: true } : { ok: false, detail: "the database did not answer in time or refused the connection" };
    checks.migrations = { ok: false, detail: missingTable ? "no migration applied" : "unknown while the database does not answer" };
  }
  notificationsLive(); // Starts the listener if nothing has yet, so its state is the instance's, not "never asked".
  const listener = listenerStatus();
  checks.notifications = { ok: listener.phase === "live", state: listener.phase, since: listener.since.toISOString() };
  return { ready: checks.database.ok && checks.migrations.ok, checks };
}

export function isHealthPath(path: string | undefined): boolean {
  return path === HEALTH_PATH || path === READY_PATH;
}

/** The status and JSON body for /healthz or /readyz. */
export async function healthAnswer(path: string): Promise<{ status: number; body: unknown }> {
  if (path === HEALTH_PATH) return { status: 200, body: { status: "ok" } };
  const { ready, checks } = await readiness();
  if (ready) return { status: 200, body: { status: "ready", checks } };
  const notReady = Object.entries(checks)
    .filter(([name, check]) => !check.ok && name !== "notifications")
    .map(([name]) => name);
  return { status: 503, body: { status: "not_ready", notReady, checks } };
}

export async function serveHealth(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { status, body } = await healthAnswer(request.url?.split("?")[0] ?? "");
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) }).end(text);
}
