import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";

// A proxied request must not cost a database write. Uses are collected in
// process memory and written in one batch every few seconds: the key's
// "last used" time, and per key and connection one audit event
// ("connection.used_via_proxy": a service obtained the connection's
// credentials' effect through the proxy) at most once an hour per instance,
// with the number of requests it covers. A crash loses at most one interval.

export const USAGE_FLUSH_INTERVAL_MS = 10_000;
export const USE_AUDIT_INTERVAL_MS = 60 * 60 * 1000;

export type KeyUse = {
  keyId: string;
  keyName: string;
  keyPrefix: string;
  teamId: string;
  connectionId: string;
  connectionName: string;
  ip: string;
};

type PendingAudit = { use: KeyUse; requests: number; firstAt: Date; lastAt: Date };

const state = globalThis as unknown as {
  keywayKeyLastUsed?: Map<string, Date>;
  keywayKeyPendingAudit?: Map<string, PendingAudit>;
  keywayKeyLastAudited?: Map<string, number>;
  keywayKeyUsageTimer?: ReturnType<typeof setInterval>;
};
const lastUsed = (state.keywayKeyLastUsed ??= new Map());
const pendingAudit = (state.keywayKeyPendingAudit ??= new Map());
const lastAudited = (state.keywayKeyLastAudited ??= new Map());

export function recordKeyUse(use: KeyUse, at: Date = new Date()): void {
  lastUsed.set(use.keyId, at);
  const pairKey = `${use.keyId}:${use.connectionId}`;
  const pending = pendingAudit.get(pairKey);
  if (pending) {
    pending.requests += 1;
    pending.lastAt = at;
    pending.use = use;
  } else {
    pendingAudit.set(pairKey, { use, requests: 1, firstAt: at, lastAt: at });
  }
  if (!state.keywayKeyUsageTimer) {
    state.keywayKeyUsageTimer = setInterval(() => {
      flushKeyUsage().catch((error: unknown) => console.warn(`Could not record API key use: ${error instanceof Error ? error.message : String(error)}`));
    }, USAGE_FLUSH_INTERVAL_MS);
    state.keywayKeyUsageTimer.unref();
  }
}

/** A use not yet written, so the instance that saw it can already show it. */
export function pendingLastUsed(keyId: string): Date | undefined {
  return lastUsed.get(keyId);
}

/** Writes what was collected; `now` lets tests pass the hour without waiting for it. */
export async function flushKeyUsage(now: number = Date.now()): Promise<{ keys: number; auditEvents: number }> {
  const uses = [...lastUsed.entries()];
  lastUsed.clear();
  const due = [...pendingAudit.entries()].filter(([pairKey]) => now - (lastAudited.get(pairKey) ?? -Infinity) >= USE_AUDIT_INTERVAL_MS);
  for (const [pairKey] of due) {
    pendingAudit.delete(pairKey);
    lastAudited.set(pairKey, now);
  }
  if (uses.length === 0 && due.length === 0) return { keys: 0, auditEvents: 0 };

  await db.$transaction(async (tx) => {
    if (uses.length > 0) {
      // GREATEST: another instance may have written a later use already. The columns hold UTC without a zone, as Prisma writes them.
      await tx.$executeRaw`
        UPDATE "ApiKey" AS k SET "lastUsedAt" = GREATEST(COALESCE(k."lastUsedAt", u.at), u.at)
        FROM (SELECT unnest(${uses.map(([id]) => id)}::text[]) AS id, unnest(${uses.map(([, at]) => at.toISOString())}::timestamptz[]) AT TIME ZONE 'UTC' AS at) AS u
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
        data: { apiKeyId: use.keyId, requests, firstAt: firstAt.toISOString(), lastAt: lastAt.toISOString() },
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
}
