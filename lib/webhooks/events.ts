import { db } from "../db";
import { WEBHOOK_LIST_SIZE } from "./limits";
import { retentionCutoff } from "./store";
import { rawBodyOf, type RawBody } from "./replay";

// Reading a connection's events for its page. Every function takes the team id
// that requireMember (or the route's membership check) resolved: another team's
// connection or event is simply not found.

export type WebhookEventSummary = {
  id: string;
  receivedAt: string;
  contentType: string | null;
  size: number;
  sourceIp: string;
  signatureVerified: boolean | null;
};

export type WebhookBodyView =
  | { kind: "empty" }
  | { kind: "json" | "text"; text: string; truncated: boolean }
  | { kind: "binary"; size: number };

export type WebhookEventDetail = WebhookEventSummary & { headers: Record<string, string>; body: WebhookBodyView; raw?: RawBody | null };

export type WebhookEventsPage = {
  events: WebhookEventSummary[];
  /** Events kept for the connection (at most WEBHOOK_KEEP_COUNT, give or take a prune). */
  kept: number;
  refusedCount: number;
  lastRefusedAt: string | null;
};

/** The most of a body the page shows; the event keeps all of it. */
export const BODY_DISPLAY_BYTES = 256 * 1024;

const SUMMARY_FIELDS = { id: true, receivedAt: true, contentType: true, size: true, sourceIp: true, signatureVerified: true } as const;

function summary(row: { id: string; receivedAt: Date; contentType: string | null; size: number; sourceIp: string; signatureVerified: boolean | null }): WebhookEventSummary {
  return { ...row, receivedAt: row.receivedAt.toISOString() };
}

/** A webhook receiver (type WEBHOOK) of this team, or null. */
export async function findWebhookConnection(teamId: string, connectionId: string) {
  return db.connection.findFirst({
    where: { id: connectionId, teamId, authType: "WEBHOOK" },
    select: { id: true, webhookRefusedCount: true, webhookLastRefusedAt: true },
  });
}

/**
 * The newest events (newest first), or with `after` only those received at or
 * after that time less a few seconds: an event whose insert committed late
 * still turns up in the next poll (the caller merges by id).
 */
export async function listWebhookEvents(teamId: string, connectionId: string, options: { after?: Date; limit?: number } = {}): Promise<WebhookEventsPage | null> {
  const connection = await findWebhookConnection(teamId, connectionId);
  if (!connection) return null;
  const cutoff = retentionCutoff();
  const since = options.after ? new Date(Math.max(cutoff.getTime(), options.after.getTime() - 5_000)) : cutoff;
  const [rows, kept] = await Promise.all([
    db.webhookEvent.findMany({
      where: { connectionId, receivedAt: { gte: since } },
      select: SUMMARY_FIELDS,
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      take: Math.min(options.limit ?? WEBHOOK_LIST_SIZE, WEBHOOK_LIST_SIZE),
    }),
    db.webhookEvent.count({ where: { connectionId, receivedAt: { gte: cutoff } } }),
  ]);
  return {
    events: rows.map(summary),
    kept,
    refusedCount: connection.webhookRefusedCount,
    lastRefusedAt: connection.webhookLastRefusedAt?.toISOString() ?? null,
  };
}

/**
 * Newest first, `limit` at a time, after the event (receivedAt, id) that
 * ended the previous page: keyset pagination, so events arriving while a
 * client pages through move nothing it has not read yet. Null: no such
 * webhook connection in the team.
 */
export async function webhookEventsBefore(teamId: string, connectionId: string, limit: number, before: { receivedAt: Date; id: string } | null): Promise<WebhookEventSummary[] | null> {
  const connection = await findWebhookConnection(teamId, connectionId);
  if (!connection) return null;
  const rows = await db.webhookEvent.findMany({
    where: {
      connectionId,
      receivedAt: { gte: retentionCutoff() },
      ...(before ? { OR: [{ receivedAt: { lt: before.receivedAt } }, { receivedAt: before.receivedAt, id: { lt: before.id } }] } : {}),
    },
    select: SUMMARY_FIELDS,
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map(summary);
}

/** The most of a body "Copy as curl" carries (base64 makes a binary one a third longer). */
export const RAW_BODY_BYTES = 256 * 1024;

/** One event in full: headers and the body made readable; with `raw`, also the body's bytes for a curl command (up to RAW_BODY_BYTES, else null). */
export async function findWebhookEvent(teamId: string, connectionId: string, eventId: string, options: { raw?: boolean } = {}): Promise<WebhookEventDetail | null> {
  const row = await db.webhookEvent.findFirst({
    where: { id: eventId, connectionId, connection: { teamId, authType: "WEBHOOK" } },
    select: { ...SUMMARY_FIELDS, headers: true, body: true },
  });
  if (!row) return null;
  const { headers, body, ...rest } = row;
  const detail: WebhookEventDetail = { ...summary(rest), headers: (headers ?? {}) as Record<string, string>, body: describeBody(body) };
  if (options.raw) detail.raw = body.byteLength <= RAW_BODY_BYTES ? rawBodyOf(body) : null;
  return detail;
}

/**
 * A body as the page shows it: JSON pretty-printed, other UTF-8 text as is,
 * anything else (invalid UTF-8, control characters) as binary with its size.
 */
export function describeBody(bytes: Uint8Array): WebhookBodyView {
  if (bytes.byteLength === 0) return { kind: "empty" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { kind: "binary", size: bytes.byteLength };
  }
  // NUL and other C0 controls (tab, newlines and carriage returns aside) mean a binary format.
  if (/[\x00-\x08\x0e-\x1f\x7f]/.test(text)) return { kind: "binary", size: bytes.byteLength };
  try {
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    return clip("json", pretty);
  } catch {
    return clip("text", text);
  }
}

function clip(kind: "json" | "text", text: string): WebhookBodyView {
  return text.length > BODY_DISPLAY_BYTES ? { kind, text: text.slice(0, BODY_DISPLAY_BYTES), truncated: true } : { kind, text, truncated: false };
}
