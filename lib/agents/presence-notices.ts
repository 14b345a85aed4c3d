// agent.offline and agent.online for every agent, whether or not a health
// check goes through it. The column Agent.presenceNotified is the presence the
// team was last told about, and a change is announced only by the conditional
// UPDATE that moves it: however many instances look at once (the per-minute
// sweep, the check the hub queues when a tunnel opens or closes, retries), one
// of them moves it and writes the event to the outbox (HealthNotice) in the
// same transaction; the others find nothing to move.
//
// Debounce: offline is announced only once the agent has been offline for
// AGENT_STALE_MS (a tunnel that drops and comes back within it says nothing),
// and online only after an offline was announced. Health checks no longer make
// agent events (lib/health/record.ts), so a change is never told twice.
import { pool } from "../db/pool";
import { defineJob } from "../jobs/engine";
import { errorText, log } from "../log";
import type { TeamEvent } from "../notifications/event-types";
import { emitPending } from "../health/record";
import { AGENT_STALE_MS } from "./presence";

type Changed = { id: string; teamId: string; name: string; at: string };

/** Timestamps as ISO text in UTC: the columns are timestamps without zone holding UTC (Prisma's), read the same whatever the session's or process's zone. */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

function notice(type: "agent.offline" | "agent.online", agent: Changed, now: Date) {
  const key = `${type}:${agent.id}:${agent.at}`;
  const event: TeamEvent = {
    id: key,
    teamId: agent.teamId,
    type,
    subject: { kind: "agent", id: agent.id, name: agent.name },
    summary: type === "agent.offline" ? `Agent ${agent.name} is offline: the connections through it cannot reach their APIs.` : `Agent ${agent.name} is online again.`,
    detail: { agentId: agent.id, since: agent.at },
    occurredAt: now.toISOString(),
  };
  return { key, teamId: agent.teamId, event };
}

/**
 * Moves every agent whose presence changed since the team was last told (or
 * one agent) and writes one event per move to the outbox, in one
 * transaction; then emits the outbox. Returns the events written.
 */
export async function announcePresenceChanges(now = new Date(), agentId?: string): Promise<number> {
  const client = await pool().connect();
  const notices: ReturnType<typeof notice>[] = [];
  try {
    await client.query("BEGIN");
    const stale = new Date(now.getTime() - AGENT_STALE_MS).toISOString();
    const only = agentId ? `AND id = $3` : "";
    const values = agentId ? [now.toISOString(), stale, agentId] : [now.toISOString(), stale];
    // Offline for the presence timeout: its tunnel closed that long ago, or its instance stopped renewing it that long ago.
    const offline = await client.query<Changed>(
      `UPDATE "Agent" SET "presenceNotified" = 'offline', "presenceNotifiedAt" = $1::timestamp
       WHERE "revokedAt" IS NULL AND "connectedAt" IS NOT NULL AND "presenceNotified" IS DISTINCT FROM 'offline'
         AND CASE WHEN "instanceId" IS NOT NULL THEN "lastSeenAt" <= $2::timestamp
                  ELSE COALESCE("disconnectedAt", "lastSeenAt") <= $2::timestamp END
         ${only}
       RETURNING id, "teamId", name, to_char(CASE WHEN "instanceId" IS NOT NULL THEN "lastSeenAt" ELSE COALESCE("disconnectedAt", "lastSeenAt") END, ${ISO}) AS at`,
      values,
    );
    const online = await client.query<Changed>(
      `UPDATE "Agent" SET "presenceNotified" = 'online', "presenceNotifiedAt" = $1::timestamp
       WHERE "revokedAt" IS NULL AND "presenceNotified" = 'offline' AND "instanceId" IS NOT NULL AND "lastSeenAt" > $2::timestamp
         ${only}
       RETURNING id, "teamId", name, to_char(COALESCE("connectedAt", "lastSeenAt"), ${ISO}) AS at`,
      values,
    );
    notices.push(...offline.rows.map((agent) => notice("agent.offline", agent, now)), ...online.rows.map((agent) => notice("agent.online", agent, now)));
    for (const row of notices) {
      await client.query(`INSERT INTO "HealthNotice" (key, "teamId", event) VALUES ($1, $2, $3::jsonb) ON CONFLICT DO NOTHING`, [row.key, row.teamId, JSON.stringify(row.event)]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  if (notices.length > 0) log.info({ events: notices.map((n) => n.key) }, "agent presence changed");
  for (const teamId of new Set(notices.map((n) => n.teamId))) await emitPending(teamId);
  return notices.length;
}

/** Every minute, on one instance: catches what no tunnel event announced (an instance that died with its agents' tunnels). */
defineJob<object>({
  name: "agent-presence-sweep",
  cron: "* * * * *",
  queue: { retryLimit: 0, expireInSeconds: 120 },
  handler: async () => void (await announcePresenceChanges()),
});

const presenceCheckJob = defineJob<{ agentId: string }>({
  name: "agent-presence-check",
  queue: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 },
  batchSize: 5,
  handler: async ({ agentId }) => void (await announcePresenceChanges(new Date(), agentId)),
});

/**
 * The hub, when a tunnel opens (look now: an offline told before is over) or
 * closes (look once the presence timeout has passed: still gone is offline).
 * A job, not a timer, so a restart between the two loses nothing.
 */
export function queuePresenceCheck(agentId: string, change: "opened" | "closed"): void {
  const startAfter = change === "closed" ? Math.ceil(AGENT_STALE_MS / 1000) + 1 : undefined;
  presenceCheckJob.send({ agentId }, startAfter ? { startAfter } : {}).catch((error: unknown) => log.warn({ agentId, error: errorText(error) }, "agent presence check not queued; the per-minute sweep will look"));
}
