// A connection's health check settings (one zod schema for the form, the
// server action and lib), and what the connection page shows of its health:
// the last check, the history of changes, and uptime over 7 and 30 days.
import { z } from "zod";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { connectionNotFound } from "../connections";
import { TEST_METHODS } from "../connections/test-methods";
import { text } from "../schemas/text";
import { DEFAULT_EXPECTED_STATUSES, DEFAULT_INTERVAL_MINUTES, parseExpectedStatuses, uptime } from "./state";
import { firstCheckAt } from "./record";

export const healthSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  method: z.enum(TEST_METHODS, { error: "Choose a method." }),
  path: text().max(2048, "Use at most 2048 characters.").default(""),
  expectedStatuses: text()
    .max(200, "Use at most 200 characters.")
    .default(DEFAULT_EXPECTED_STATUSES)
    .superRefine((value, context) => {
      try {
        parseExpectedStatuses(value);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
  intervalMinutes: z.coerce
    .number({ error: "Enter a number of minutes." })
    .int("Enter whole minutes.")
    .min(1, "Check at most once a minute.")
    .max(1440, "Check at least once a day (1440 minutes)."),
});
export type HealthSettings = z.infer<typeof healthSettingsSchema>;

export async function saveHealthSettings(teamId: string, actor: AuditActor, connectionId: string, settings: HealthSettings): Promise<void> {
  await db.$transaction(async (tx) => {
    const connection = await tx.connection.findFirst({ where: { id: connectionId, teamId }, select: { id: true, name: true } });
    if (!connection) throw connectionNotFound();
    // A changed check is due soon (within a minute, at its own point of it), so its first result does not wait a whole interval.
    const data = { ...settings, nextCheckAt: firstCheckAt(1) };
    await tx.connectionHealth.upsert({ where: { connectionId }, create: { connectionId, teamId, ...data }, update: data });
    await writeAudit(tx, { teamId, actor, action: "connection.health_check_updated", objectType: "connection", objectId: connectionId, objectName: connection.name, data: { ...settings } });
  });
}

const DAY_MS = 86_400_000;

export async function healthView(teamId: string, connectionId: string) {
  const health = await db.connectionHealth.findFirst({ where: { connectionId, teamId } });
  const since = new Date(Date.now() - 30 * DAY_MS);
  // The changes of the last 30 days, and the one before them (the state the window starts in).
  const [recent, before] = await Promise.all([
    db.connectionStatusChange.findMany({ where: { connectionId, teamId, at: { gte: since } }, orderBy: { at: "desc" }, take: 500 }),
    db.connectionStatusChange.findFirst({ where: { connectionId, teamId, at: { lt: since } }, orderBy: { at: "desc" } }),
  ]);
  const points = [...recent, ...(before ? [before] : [])];
  return {
    settings: {
      enabled: health?.enabled ?? true,
      method: health?.method ?? null,
      path: health?.path ?? null,
      expectedStatuses: health?.expectedStatuses ?? DEFAULT_EXPECTED_STATUSES,
      intervalMinutes: health?.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES,
    },
    last: health?.checkedAt ? { checkedAt: health.checkedAt, state: health.state, summary: health.summary, httpStatus: health.httpStatus, durationMs: health.durationMs } : null,
    nextCheckAt: health?.enabled ? health.nextCheckAt : null,
    timeline: recent.slice(0, 20).map((change) => ({ id: change.id, state: change.state, summary: change.summary, at: change.at })),
    uptime7: uptime(points, 7 * DAY_MS),
    uptime30: uptime(points, 30 * DAY_MS),
  };
}
