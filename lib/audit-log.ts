import { z } from "zod";
import { db } from "./db";
import { Prisma } from "./generated/prisma/client";
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from "./audit";
import { text } from "./schemas/text";

// Reading the audit log (SPEC.md, "Audit"): filtered by actor, action, object
// type, object and time, newest first, in pages that stay fast however long
// the log grows. Pages are keyset pages: each continues below the last
// (createdAt, id) of the one before, so page 50 costs what page 1 costs,
// on the (teamId, createdAt, id) index.

export const AUDIT_PAGE_SIZE = 50;
const EXPORT_BATCH = 1000;


const dateInput = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-11-22.")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), { message: "That date does not exist." });

/** The cursor of a keyset page: where the previous page ended. */
const cursorSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z_\d{1,19}$/, "That page link is not valid.");

/** The filters of the audit page and its CSV export, from the query string; empty fields mean "any". */
export const auditFilterSchema = z
  .object({
    actor: text().trim().max(320, "Use at most 320 characters.").optional(),
    action: z.enum(AUDIT_ACTIONS, { error: "Choose an action from the list." }).optional(),
    objectType: z.enum(AUDIT_OBJECT_TYPES, { error: "Choose an object type from the list." }).optional(),
    objectId: text().trim().max(100, "Use at most 100 characters.").optional(),
    from: dateInput.optional(),
    to: dateInput.optional(),
    before: cursorSchema.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.from && value.to && value.from > value.to) ctx.addIssue({ code: "custom", path: ["to"], message: "The end date is before the start date." });
  });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** Query-string values to filter input: empty strings are "not filtered". */
export function filterInput(search: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(auditFilterSchema.shape)) {
    const value = search[key];
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined && one.trim() !== "") out[key] = one;
  }
  return out;
}

export type AuditRow = {
  id: bigint;
  createdAt: Date;
  actorId: string | null;
  actorLabel: string;
  ip: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  objectName: string | null;
  data: Prisma.JsonValue;
};

function conditions(teamId: string, filter: AuditFilter, after?: { createdAt: Date; id: bigint }): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`"teamId" = ${teamId}`];
  if (filter.actor) parts.push(Prisma.sql`"actorLabel" = ${filter.actor}`);
  if (filter.action) parts.push(Prisma.sql`"action" = ${filter.action}`);
  if (filter.objectType) parts.push(Prisma.sql`"objectType" = ${filter.objectType}`);
  if (filter.objectId) parts.push(Prisma.sql`"objectId" = ${filter.objectId}`);
  if (filter.from) parts.push(Prisma.sql`"createdAt" >= ${new Date(`${filter.from}T00:00:00.000Z`)}`);
  // The end date is included whole.
  if (filter.to) parts.push(Prisma.sql`"createdAt" < ${new Date(Date.parse(`${filter.to}T00:00:00.000Z`) + 24 * 60 * 60 * 1000)}`);
  if (after) parts.push(Prisma.sql`("createdAt", "id") < (${after.createdAt}, ${after.id})`);
  return Prisma.join(parts, " AND ");
}

function parseCursor(cursor: string | undefined): { createdAt: Date; id: bigint } | undefined {
  if (!cursor) return undefined;
  const [at, id] = cursor.split("_");
  return { createdAt: new Date(at!), id: BigInt(id!) };
}

export function cursorOf(row: { createdAt: Date; id: bigint }): string {
  return `${row.createdAt.toISOString()}_${row.id}`;
}

async function page(teamId: string, filter: AuditFilter, after: { createdAt: Date; id: bigint } | undefined, size: number): Promise<AuditRow[]> {
  return db.$queryRaw<AuditRow[]>`
    SELECT id, "createdAt", "actorId", "actorLabel", ip, action, "objectType", "objectId", "objectName", data
    FROM "AuditEvent"
    WHERE ${conditions(teamId, filter, after)}
    ORDER BY "createdAt" DESC, id DESC
    LIMIT ${size}`;
}

/** One page of events, newest first, and the cursor of the next (older) page if there is one. */
export async function listAuditEvents(teamId: string, filter: AuditFilter, size = AUDIT_PAGE_SIZE): Promise<{ events: AuditRow[]; older?: string }> {
  const rows = await page(teamId, filter, parseCursor(filter.before), size + 1);
  const events = rows.slice(0, size);
  return { events, older: rows.length > size ? cursorOf(events[events.length - 1]!) : undefined };
}

/** Every event the filter selects (the cursor is ignored), in batches, for the CSV export: never the whole log in memory. */
export async function* allAuditEvents(teamId: string, filter: AuditFilter): AsyncGenerator<AuditRow[]> {
  const { before: _ignored, ...rest } = filter;
  let after: { createdAt: Date; id: bigint } | undefined;
  for (;;) {
    const rows = await page(teamId, rest, after, EXPORT_BATCH);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < EXPORT_BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/** The current names of the people behind a page of events (the log keeps the email they acted under). */
export async function actorNames(events: Pick<AuditRow, "actorId">[]): Promise<Map<string, string>> {
  const ids = [...new Set(events.map((event) => event.actorId).filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(users.filter((user) => user.name.trim() !== "").map((user) => [user.id, user.name]));
}
