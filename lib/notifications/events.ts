// What a team is told about: changes of a connection's or an agent's health
// (lib/health) and what is about to expire. Emitted once per change, never per
// failed check; delivered to the team's channels (email, Slack, event
// webhooks) by lib/notifications/fan-out.ts, through the job engine so a
// delivery survives restarts and is retried.
import { z } from "zod";
import { defineJob } from "../jobs/engine";
import { fanOut } from "./fan-out";

// The list lives apart from the job so that forms in the browser can import it.
import { TEAM_EVENT_TYPES } from "./event-types";

export { TEAM_EVENT_TYPES, TEAM_EVENT_LABEL, type TeamEventType } from "./event-types";

export const teamEventSchema = z.object({
  /** Unique per event: the idempotency key of every delivery made for it (e.g. Standard Webhooks' webhook-id). */
  id: z.string().min(1),
  teamId: z.string().min(1),
  type: z.enum(TEAM_EVENT_TYPES),
  subject: z.object({ kind: z.enum(["connection", "agent", "oauth_client"]), id: z.string().min(1), name: z.string() }),
  /** One sentence a person reads, e.g. "Echo API is failing: GET /health answered 500." Never a secret. */
  summary: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  occurredAt: z.iso.datetime(),
});

export type TeamEvent = z.infer<typeof teamEventSchema>;

const teamEventJob = defineJob<TeamEvent>({
  name: "team-event",
  queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true },
  handler: async (event) => fanOut(teamEventSchema.parse(event)),
});

/** Queues the event for the team's channels; the singleton key keeps a repeated emit of the same event id from being delivered twice. */
export async function emitTeamEvent(event: TeamEvent): Promise<void> {
  const parsed = teamEventSchema.parse(event);
  await teamEventJob.send(parsed, { singletonKey: parsed.id });
}
