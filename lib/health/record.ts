// What a health check found, kept: the check's last outcome, a row in the
// status history when the state changed, and the team events that change
// decides. Events go through an outbox (HealthNotice) written in the same
// transaction, keyed by the event id: a change is one event however often the
// job that found it is retried, and an event whose emit failed is emitted by
// the next scheduler tick.
import { db } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { log, errorText } from "../log";
import { emitTeamEvent, type TeamEvent, type TeamEventType } from "../notifications/events";
import { CERTIFICATE_WARNING_DAYS, CLIENT_SECRET_AGING_DAYS, DEFAULT_INTERVAL_MINUTES, daysUntil, parseExpectedStatuses, type CheckState } from "./state";

export type CheckOutcome = { state: CheckState; summary: string; httpStatus: number | null; durationMs: number };

/** A random point within the first interval, so that connections created together are not checked together. */
export function firstCheckAt(intervalMinutes: number, now = Date.now()): Date {
  return new Date(now + Math.floor(Math.random() * intervalMinutes * 60_000));
}

/** The connection's check row, made on first need (connections created before any check have none until the scheduler adds it). */
export async function ensureHealth(connectionId: string, teamId: string) {
  return db.connectionHealth.upsert({
    where: { connectionId },
    create: { connectionId, teamId, nextCheckAt: firstCheckAt(DEFAULT_INTERVAL_MINUTES) },
    update: {},
  });
}

type Subject = {
  id: string;
  teamId: string;
  name: string;
  clientCertExpiresAt: Date | null;
  oauthClient: { id: string; name: string; secretChangedAt: Date | null; createdAt: Date; clientSecret: string | null } | null;
};

const SUBJECT_FIELDS = {
  id: true,
  teamId: true,
  name: true,
  clientCertExpiresAt: true,
  oauthClient: { select: { id: true, name: true, secretChangedAt: true, createdAt: true, clientSecret: true } },
} as const;

function event(key: string, subject: Subject, type: TeamEventType, kind: TeamEvent["subject"]["kind"], ref: { id: string; name: string }, summary: string, detail: TeamEvent["detail"], at: Date): Prisma.HealthNoticeCreateManyInput {
  const body: TeamEvent = { id: key, teamId: subject.teamId, type, subject: { kind, id: ref.id, name: ref.name }, summary, detail, occurredAt: at.toISOString() };
  return { key, teamId: subject.teamId, event: body };
}

/** The events one change of state means (none for a first WORKING). */
function changeEvents(subject: Subject, previous: string, next: CheckState, changeId: string, summary: string, at: Date): Prisma.HealthNoticeCreateManyInput[] {
  const events: Prisma.HealthNoticeCreateManyInput[] = [];
  const connection = { id: subject.id, name: subject.name };
  const detail = { connectionId: subject.id, previousState: previous, state: next };
  if (next === "FAILING") events.push(event(`connection.failing:${subject.id}:${changeId}`, subject, "connection.failing", "connection", connection, `${subject.name} is failing: ${summary}`, detail, at));
  if (next === "NEEDS_REAUTH") {
    events.push(event(`connection.needs_reauthorization:${subject.id}:${changeId}`, subject, "connection.needs_reauthorization", "connection", connection, `${subject.name} needs to be authorized again: ${summary}`, detail, at));
  }
  if (next === "WORKING" && (previous === "FAILING" || previous === "NEEDS_REAUTH")) {
    events.push(event(`connection.recovered:${subject.id}:${changeId}`, subject, "connection.recovered", "connection", connection, `${subject.name} is working again.`, detail, at));
  }
  // Agents' own events (agent.offline / agent.online) come from their presence for every agent, checked or not
  // (lib/agents/presence-notices.ts), not from each connection's check finding the agent down: one change, one event.
  return events;
}

/** Expiry warnings, once per certificate and per client secret (the key names which one). */
function expiryEvents(subject: Subject, now: Date): Prisma.HealthNoticeCreateManyInput[] {
  const events: Prisma.HealthNoticeCreateManyInput[] = [];
  const expiresAt = subject.clientCertExpiresAt;
  if (expiresAt) {
    const days = daysUntil(expiresAt, now.getTime());
    if (days < CERTIFICATE_WARNING_DAYS) {
      const words = days < 0 ? "has expired" : `expires in ${days} day${days === 1 ? "" : "s"}`;
      events.push(
        event(`certificate.expiring:${subject.id}:${expiresAt.toISOString()}`, subject, "certificate.expiring", "connection", subject, `The client certificate of ${subject.name} ${words}.`, { connectionId: subject.id, expiresAt: expiresAt.toISOString(), days }, now),
      );
    }
  }
  const client = subject.oauthClient;
  if (client?.clientSecret) {
    const changed = client.secretChangedAt ?? client.createdAt;
    const age = -daysUntil(changed, now.getTime());
    if (age >= CLIENT_SECRET_AGING_DAYS) {
      events.push(
        event(`client_secret.aging:${client.id}:${changed.toISOString()}`, subject, "client_secret.aging", "oauth_client", client, `The secret of OAuth client ${client.name} is ${age} days old; rotate it.`, { oauthClientId: client.id, ageDays: age }, now),
      );
    }
  }
  return events;
}

/**
 * Keeps a check's outcome. `slot` is the schedule slot the check ran for
 * (null for "Run check now"): a slot already recorded is not recorded again.
 * Returns whether the state changed, or null for a duplicate.
 */
export async function recordCheck(connectionId: string, outcome: CheckOutcome, slot: Date | null): Promise<{ changed: boolean } | null> {
  const now = new Date();
  const result = await db.$transaction(async (tx) => {
    const subject = await tx.connection.findUnique({ where: { id: connectionId }, select: SUBJECT_FIELDS });
    if (!subject) return null;
    await tx.$executeRaw`INSERT INTO "ConnectionHealth" ("connectionId", "teamId") VALUES (${connectionId}, ${subject.teamId}) ON CONFLICT DO NOTHING`;
    // Locked: two runs of one check (a retry racing a "Run check now") record one after the other.
    const [health] = await tx.$queryRaw<{ state: string; lastSlot: Date | null }[]>`
      SELECT state, "lastSlot" FROM "ConnectionHealth" WHERE "connectionId" = ${connectionId} FOR UPDATE`;
    if (!health) return null;
    if (slot && health.lastSlot && health.lastSlot.getTime() >= slot.getTime()) return null;
    const changed = health.state !== outcome.state;
    await tx.connectionHealth.update({
      where: { connectionId },
      data: {
        checkedAt: now,
        ...(slot ? { lastSlot: slot } : {}),
        state: outcome.state,
        summary: outcome.summary.slice(0, 2000),
        httpStatus: outcome.httpStatus,
        durationMs: outcome.durationMs,
        ...(changed ? { stateSince: now } : {}),
      },
    });
    const notices = expiryEvents(subject, now);
    if (changed) {
      const change = await tx.connectionStatusChange.create({ data: { connectionId, teamId: subject.teamId, state: outcome.state, summary: outcome.summary.slice(0, 2000), at: now }, select: { id: true } });
      notices.push(...changeEvents(subject, health.state, outcome.state, change.id, outcome.summary, now));
      // The enum column mirrors the check for the API's filter and the OAuth card; an agent that is down makes the connection fail.
      await tx.connection.update({ where: { id: connectionId }, data: { status: outcome.state === "AGENT_OFFLINE" ? "FAILING" : outcome.state } });
    }
    if (notices.length > 0) await tx.healthNotice.createMany({ data: notices, skipDuplicates: true });
    return { changed, teamId: subject.teamId };
  });
  if (!result) return null;
  await emitPending(result.teamId);
  return { changed: result.changed };
}

/**
 * Emits the outbox's events not emitted yet (of one team, or of all when
 * called by the scheduler). A failure leaves them for the next call; the event
 * id lets the channels drop a repeat.
 */
export async function emitPending(teamId?: string): Promise<number> {
  const pending = await db.healthNotice.findMany({ where: { emittedAt: null, ...(teamId ? { teamId } : {}) }, orderBy: { createdAt: "asc" }, take: 200 });
  let emitted = 0;
  for (const notice of pending) {
    try {
      await emitTeamEvent(notice.event as TeamEvent);
      await db.healthNotice.update({ where: { key: notice.key }, data: { emittedAt: new Date() } });
      emitted += 1;
    } catch (error) {
      log.warn({ key: notice.key, error: errorText(error) }, "team event not emitted yet; the next scheduler tick retries");
      break;
    }
  }
  return emitted;
}

/**
 * A successful test while the connection is "Not checked yet" is its check's
 * first run (the check runs exactly like a test); when the check has no
 * request yet, the test's becomes it: the default check is the connection's
 * first successful test. Any other test leaves the status alone.
 */
export async function adoptTestAsFirstCheck(connection: { id: string; teamId: string }, input: { method: string; path: string; headers: unknown[]; body: string }, view: { summary: string; status: number | null; durationMs: number }): Promise<void> {
  const health = await ensureHealth(connection.id, connection.teamId);
  if (health.state !== "NOT_CHECKED") return;
  const isCheckRequest = health.method === null || (health.method === input.method && health.path === input.path);
  const plain = input.headers.length === 0 && input.body === "";
  if (!isCheckRequest || !plain || view.status === null) return;
  if (health.method === null) {
    const adopted = await db.connectionHealth.updateMany({ where: { connectionId: connection.id, method: null }, data: { method: input.method, path: input.path } });
    if (adopted.count === 0) return;
  }
  if (!parseExpectedStatuses(health.expectedStatuses)(view.status)) return;
  await recordCheck(connection.id, { state: "WORKING", summary: view.summary, httpStatus: view.status, durationMs: view.durationMs }, null);
  // That test was the check's run: the next one is a whole interval away, not the minute a save asked for.
  await db.connectionHealth.updateMany({ where: { connectionId: connection.id, enabled: true }, data: { nextCheckAt: new Date(Date.now() + health.intervalMinutes * 60_000) } });
}

/** After a save: the check runs within a minute rather than at the end of its interval (the settings it proved have changed). */
export async function checkSoon(connectionId: string, teamId: string): Promise<void> {
  await ensureHealth(connectionId, teamId);
  await db.connectionHealth.updateMany({ where: { connectionId, enabled: true }, data: { nextCheckAt: firstCheckAt(1) } });
}

/** "Save and test" passed: that check is the saved connection's latest (a new connection's check request is the one it sent, GET of the base URL). */
export async function keepDraftCheck(connectionId: string, teamId: string, outcome: CheckOutcome): Promise<void> {
  await ensureHealth(connectionId, teamId);
  await db.connectionHealth.updateMany({ where: { connectionId, method: null }, data: { method: "GET", path: "" } });
  await recordCheck(connectionId, outcome, null);
}
