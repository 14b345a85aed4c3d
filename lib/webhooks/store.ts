import { randomBytes } from "node:crypto";
import { db } from "../db";
import { pool } from "../db/pool";
import { newDeliveryId, queueDelivery } from "../notifications/deliver";
import type { Prisma } from "../generated/prisma/client";
import { WEBHOOK_KEEP_COUNT, WEBHOOK_KEEP_DAYS } from "./limits";

// Storing events and keeping a connection's history to the newest
// WEBHOOK_KEEP_COUNT events of the last WEBHOOK_KEEP_DAYS days.
//
// Each event is one INSERT of its own (no transaction, no lock): any number of
// concurrent posts are all stored, each once. Pruning is a separate statement
// run on a process's first event for a connection and then on every
// PRUNE_EVERY-th, so under load it costs one index range scan per
// PRUNE_EVERY events; between two prunes a connection holds at most
// PRUNE_EVERY - 1 events (per app instance) over the limit.

export const PRUNE_EVERY = 20;

export type EventToStore = {
  connectionId: string;
  contentType: string | null;
  headers: Record<string, string>;
  body: Uint8Array;
  sourceIp: string;
  signatureVerified: boolean | null;
  /** The receiver forwards its events: the team whose delivery log gets the forward. */
  forwardForTeam?: string | null;
};

/** An id in the shape of Prisma's cuid() default (the forward path inserts without Prisma). */
function newEventId(): string {
  return `c${randomBytes(12).toString("hex")}`;
}

/**
 * The event, its forward (a delivery of lib/notifications/deliver.ts, the
 * notification channels' job, retries and log) and the forward's job, in one
 * transaction: either all are committed before the sender hears 202, or none
 * and the sender hears an error and retries.
 */
async function storeForwardedEvent(event: EventToStore, teamId: string): Promise<{ id: string; receivedAt: Date }> {
  const id = newEventId();
  const receivedAt = new Date();
  const deliveryId = newDeliveryId();
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "WebhookEvent" ("id", "connectionId", "receivedAt", "contentType", "headers", "body", "size", "sourceIp", "signatureVerified")
       VALUES ($1, $2, $3::timestamp(3), $4, $5::jsonb, $6, $7, $8, $9)`,
      [id, event.connectionId, receivedAt.toISOString(), event.contentType, JSON.stringify(event.headers), Buffer.from(event.body), event.body.byteLength, event.sourceIp, event.signatureVerified],
    );
    const payload = { id, type: "webhook.forward", summary: `${event.contentType ?? "no content type"}, ${event.body.byteLength} bytes`, receivedAt: receivedAt.toISOString() };
    await client.query(
      `INSERT INTO "NotificationDelivery" ("id", "connectionId", "teamId", "eventId", "eventType", "payload", "state")
       VALUES ($1, $2, $3, $4, 'webhook.forward', $5::jsonb, 'pending')`,
      [deliveryId, event.connectionId, teamId, id, JSON.stringify(payload)],
    );
    await queueDelivery(deliveryId, { db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) } });
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return { id, receivedAt };
}

const insertsSincePrune = new Map<string, number>();

function duePrune(connectionId: string): boolean {
  const count = insertsSincePrune.get(connectionId);
  if (insertsSincePrune.size > 10_000) insertsSincePrune.clear();
  if (count === undefined || count + 1 >= PRUNE_EVERY) {
    insertsSincePrune.set(connectionId, 0);
    return true;
  }
  insertsSincePrune.set(connectionId, count + 1);
  return false;
}

/** The oldest time an event may have and still be kept. */
export function retentionCutoff(now = new Date()): Date {
  return new Date(now.getTime() - WEBHOOK_KEEP_DAYS * 24 * 60 * 60 * 1000);
}

export async function storeEvent(event: EventToStore): Promise<{ id: string; receivedAt: Date }> {
  const stored = event.forwardForTeam ? await storeForwardedEvent(event, event.forwardForTeam) : await db.webhookEvent.create({
    data: {
      connectionId: event.connectionId,
      receivedAt: new Date(),
      contentType: event.contentType,
      headers: event.headers as Prisma.InputJsonObject,
      body: event.body as Uint8Array<ArrayBuffer>,
      size: event.body.byteLength,
      sourceIp: event.sourceIp,
      signatureVerified: event.signatureVerified,
    },
    select: { id: true, receivedAt: true },
  });
  if (duePrune(event.connectionId)) {
    // The event is stored and answered for either way; a failed prune is retried on a later event.
    await pruneEvents(event.connectionId).catch((error: unknown) => {
      console.warn(`Pruning webhook events of connection ${event.connectionId} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  return stored;
}

/**
 * Deletes a connection's events beyond the newest WEBHOOK_KEEP_COUNT and those
 * older than WEBHOOK_KEEP_DAYS; returns how many. Rows another prune is
 * deleting at the same moment are skipped (SKIP LOCKED), so concurrent prunes
 * neither wait for nor deadlock with each other; skipping a row only ever
 * leaves one more row, never removes one of the newest.
 */
export async function pruneEvents(connectionId: string, now = new Date()): Promise<number> {
  return db.$executeRaw`
    WITH doomed AS (
      SELECT e."id" FROM "WebhookEvent" e
      WHERE e."connectionId" = ${connectionId}
        AND (
          e."receivedAt" < ${retentionCutoff(now)}::timestamp(3)
          OR (e."receivedAt", e."id") < (
            SELECT k."receivedAt", k."id" FROM "WebhookEvent" k
            WHERE k."connectionId" = ${connectionId}
            ORDER BY k."receivedAt" DESC, k."id" DESC
            OFFSET ${WEBHOOK_KEEP_COUNT - 1} LIMIT 1
          )
        )
      FOR UPDATE SKIP LOCKED
    )
    DELETE FROM "WebhookEvent" w USING doomed WHERE w."id" = doomed."id"`;
}

/** Counts a refused event (missing or wrong signature) without storing it. */
export async function countRefusal(connectionId: string): Promise<void> {
  // Raw SQL on purpose: Prisma's @updatedAt would move the connection's updatedAt,
  // which means "its settings changed" to the pages and the proxy.
  await db.$executeRaw`
    UPDATE "Connection"
    SET "webhookRefusedCount" = "webhookRefusedCount" + 1, "webhookLastRefusedAt" = ${new Date()}::timestamp(3)
    WHERE "id" = ${connectionId}`;
}
