// Health checks on the job engine (lib/jobs/engine.ts): a cron job every
// minute (one run per tick across all instances) claims the checks that are
// due and enqueues one job each, in one transaction, so that a check is
// enqueued once per slot however many schedulers run, and not lost when an
// instance dies between the two. A check that throws (not a failing API: a
// fault of Keyway's) is retried with back-off; recordCheck ignores a slot
// already recorded.
import { createHash } from "node:crypto";
import { defineJob } from "../jobs/engine";
import { pool } from "../db/pool";
import { emitPending } from "./record";
import { runHealthCheck } from "./check";
import { DEFAULT_INTERVAL_MINUTES } from "./state";

type CheckJob = { connectionId: string; slot: string };

export const healthCheckJob = defineJob<CheckJob>({
  name: "health-check",
  queue: { retryLimit: 3, retryDelay: 20, retryBackoff: true, expireInSeconds: 300 },
  batchSize: 25,
  handler: async ({ connectionId, slot }) => void (await runHealthCheck(connectionId, new Date(slot))),
});

defineJob<object>({
  name: "health-schedule",
  cron: "* * * * *",
  queue: { retryLimit: 0, expireInSeconds: 120 },
  handler: async () => void (await scheduleDueChecks()),
});

/** Seconds into the minute a connection's check starts: spreads a minute's checks out, the same each time for one connection. */
export function jitterSeconds(connectionId: string): number {
  return createHash("sha256").update(connectionId).digest().readUInt16BE(0) % 50;
}

/**
 * Claims every due check (moving its next time one interval past this
 * minute) and enqueues it, in one transaction: a concurrent tick waits on the
 * row locks and then finds nothing due. Returns how many were enqueued.
 */
export async function scheduleDueChecks(now = new Date(), options: { jitter?: boolean } = {}): Promise<number> {
  const client = await pool().connect();
  let count = 0;
  try {
    // Connections made since the last tick get their check, due at a random point of their first interval.
    await client.query(
      `INSERT INTO "ConnectionHealth" ("connectionId", "teamId", "nextCheckAt")
       SELECT c.id, c."teamId", $1::timestamp + random() * make_interval(mins => $2::int) FROM "Connection" c
       WHERE c."authType" <> 'WEBHOOK' AND NOT EXISTS (SELECT 1 FROM "ConnectionHealth" h WHERE h."connectionId" = c.id)
       ON CONFLICT DO NOTHING`,
      [now.toISOString(), DEFAULT_INTERVAL_MINUTES],
    );
    await client.query("BEGIN");
    const slot = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const due = await client.query<{ connectionId: string }>(
      `UPDATE "ConnectionHealth" SET "nextCheckAt" = $2::timestamp + make_interval(mins => "intervalMinutes")
       WHERE enabled AND "nextCheckAt" <= $1::timestamp
         AND NOT EXISTS (SELECT 1 FROM "Connection" c WHERE c.id = "ConnectionHealth"."connectionId" AND c."authType" = 'WEBHOOK')
       RETURNING "connectionId"`,
      // ISO text, read as UTC: the columns are timestamps without zone in UTC (Prisma's), whatever the session's zone.
      [now.toISOString(), slot.toISOString()],
    );
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
    for (const { connectionId } of due.rows) {
      await healthCheckJob.send(
        { connectionId, slot: slot.toISOString() },
        { singletonKey: `${connectionId}:${slot.toISOString()}`, startAfter: options.jitter === false ? undefined : jitterSeconds(connectionId), db },
      );
      count += 1;
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  await emitPending();
  return count;
}
