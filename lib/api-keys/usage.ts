import { db } from "../db";
import { errorText, log } from "../log";
import { writeAudit, type AuditActor } from "../audit";

// A proxied request must not cost a database write. Uses are collected in
// process memory and written in one batch every few seconds: the key's
// "last used" time, and per key and connection one audit event
// ("connection.used_via_proxy": a service obtained the connection's
// credentials' effect through the proxy) at most once an hour per instance,
// with the number of requests it covers. A write that fails (the database is
// away) keeps what it was writing, merged with what arrives meanwhile, for the
// next attempt; the server writes once more when it shuts down. Memory stays
// bounded: past MAX_PENDING key and connection pairs, new pairs are counted
// as dropped rather than kept. A crash loses at most one interval.

export const USAGE_FLUSH_INTERVAL_MS = 10_000;
export const USE_AUDIT_INTERVAL_MS = 60 * 60 * 1000;
export const MAX_PENDING = 10_000;

export type KeyUse = {
  keyId: string;
  keyName: string;
  keyPrefix: string;
  teamId: string;
  connectionId: string;
  connectionName: string;
  ip: string;
};

// Times are epoch milliseconds while collected: the proxy records one per request, and a Date
// costs an allocation (through Next's patched Date constructor) where a number costs none.
type PendingAudit = { use: KeyUse; requests: number; firstAt: number; lastAt: number };

const state = globalThis as unknown as {
  keywayKeyLastUsed?: Map<string, number>;
  keywayKeyPendingAudit?: Map<string, PendingAudit>;
  keywayKeyLastAudited?: Map<string, number>;
  keywayKeyUsageTimer?: ReturnType<typeof setInterval>;
  keywayKeyUsageWriting?: { lastUsed: Map<string, number>; flight: Promise<{ keys: number; auditEvents: number }> };
  keywayKeyUsageDropped?: { value: number };
};
const lastUsed: Map<string, number> = (state.keywayKeyLastUsed ??= new Map());
const pendingAudit = (state.keywayKeyPendingAudit ??= new Map());
const lastAudited = (state.keywayKeyLastAudited ??= new Map());
const dropped = (state.keywayKeyUsageDropped ??= { value: 0 });

function mergeUse(pairKey: string, use: KeyUse, requests: number, firstAt: number, lastAt: number): void {
  const pending = pendingAudit.get(pairKey);
  if (pending) {
    pending.requests += requests;
    if (firstAt < pending.firstAt) pending.firstAt = firstAt;
    if (lastAt >= pending.lastAt) {
      pending.lastAt = lastAt;
      pending.use = use;
    }
  } else if (pendingAudit.size < MAX_PENDING) {
    pendingAudit.set(pairKey, { use, requests, firstAt, lastAt });
  } else {
    dropped.value += requests;
  }
}

function mergeLastUsed(keyId: string, at: number): void {
  const known = lastUsed.get(keyId);
  if (known ? at > known : lastUsed.size < MAX_PENDING) lastUsed.set(keyId, at);
}

export function recordKeyUse(use: KeyUse, when: Date | number = Date.now()): void {
  const at = typeof when === "number" ? when : when.getTime();
  mergeLastUsed(use.keyId, at);
  mergeUse(`${use.keyId}:${use.connectionId}`, use, 1, at, at);
  if (!state.keywayKeyUsageTimer) {
    state.keywayKeyUsageTimer = setInterval(() => {
      flushKeyUsage().catch((error: unknown) => log.warn({ error: errorText(error), pending: pendingKeyUsage() }, "could not record API key use; kept for the next attempt"));
    }, USAGE_FLUSH_INTERVAL_MS);
    state.keywayKeyUsageTimer.unref();
  }
}

/** A use not yet written, so the instance that saw it can already show it. */
export function pendingLastUsed(keyId: string): Date | undefined {
  const at = lastUsed.get(keyId) ?? state.keywayKeyUsageWriting?.lastUsed.get(keyId);
  return at === undefined ? undefined : new Date(at);
}

/** Uses not written, kept for the next attempt, and requests not counted because the pending set was full. */
export function pendingKeyUsage(): { keys: number; pairs: number; requests: number; dropped: number } {
  let requests = 0;
  for (const pending of pendingAudit.values()) requests += pending.requests;
  return { keys: lastUsed.size, pairs: pendingAudit.size, requests, dropped: dropped.value };
}

/** Writes what was collected; `now` lets tests pass the hour without waiting for it. */
export async function flushKeyUsage(now: number = Date.now()): Promise<{ keys: number; auditEvents: number }> {
  // One write at a time: a second caller (the shutdown, a test) waits for the one under way, then writes what is left.
  while (state.keywayKeyUsageWriting) await state.keywayKeyUsageWriting.flight.catch(() => undefined);
  // What is written is taken out, so uses arriving meanwhile collect afresh; a failed write merges it back.
  const writing = new Map(lastUsed);
  lastUsed.clear();
  const uses = [...writing.entries()];
  const due = [...pendingAudit.entries()].filter(([pairKey]) => now - (lastAudited.get(pairKey) ?? -Infinity) >= USE_AUDIT_INTERVAL_MS);
  for (const [pairKey] of due) pendingAudit.delete(pairKey);
  if (uses.length === 0 && due.length === 0) return { keys: 0, auditEvents: 0 };

  const flight = write(uses, due);
  state.keywayKeyUsageWriting = { lastUsed: writing, flight };
  try {
    const written = await flight;
    for (const [pairKey] of due) lastAudited.set(pairKey, now);
    return written;
  } catch (error) {
    for (const [keyId, at] of uses) mergeLastUsed(keyId, at);
    for (const [pairKey, { use, requests, firstAt, lastAt }] of due) mergeUse(pairKey, use, requests, firstAt, lastAt);
    throw error;
  } finally {
    state.keywayKeyUsageWriting = undefined;
  }
}

async function write(uses: [string, number][], due: [string, PendingAudit][]): Promise<{ keys: number; auditEvents: number }> {
  await db.$transaction(async (tx) => {
    if (uses.length > 0) {
      // GREATEST: another instance may have written a later use already. The columns hold UTC without a zone, as Prisma writes them.
      await tx.$executeRaw`
        UPDATE "ApiKey" AS k SET "lastUsedAt" = GREATEST(COALESCE(k."lastUsedAt", u.at), u.at)
        FROM (SELECT unnest(${uses.map(([id]) => id)}::text[]) AS id, unnest(${uses.map(([, at]) => new Date(at).toISOString())}::timestamptz[]) AT TIME ZONE 'UTC' AS at) AS u
        WHERE k.id = u.id`;
    }
    for (const [, { use, requests, firstAt, lastAt }] of due) {
      const actor: AuditActor = { id: null, label: `API key “${use.keyName}” (${use.keyPrefix}…)`, ip: use.ip };
      await writeAudit(tx, {
        teamId: use.teamId,
        actor,
        action: "connection.used_via_proxy",
        objectType: "connection",
        objectId: use.connectionId,
        objectName: use.connectionName,
        data: { apiKeyId: use.keyId, requests, firstAt: new Date(firstAt).toISOString(), lastAt: new Date(lastAt).toISOString() },
      });
    }
  });
  return { keys: uses.length, auditEvents: due.length };
}

/** Tests: forget what this process has collected and audited. */
export function resetKeyUsageForTests(): void {
  lastUsed.clear();
  pendingAudit.clear();
  lastAudited.clear();
  dropped.value = 0;
}

/** The server's shutdown: write what is pending, once more. */
export async function flushKeyUsageOnShutdown(): Promise<void> {
  clearInterval(state.keywayKeyUsageTimer);
  state.keywayKeyUsageTimer = undefined;
  await flushKeyUsage();
}
