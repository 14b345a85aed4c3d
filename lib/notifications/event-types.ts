import { z } from "zod";

// What a team can be told about (lib/notifications/events.ts); each channel chooses among them.
export const TEAM_EVENT_TYPES = [
  "connection.failing",
  "connection.recovered",
  "connection.needs_reauthorization",
  "certificate.expiring",
  "client_secret.aging",
  "agent.offline",
  "agent.online",
] as const;

export type TeamEventType = (typeof TEAM_EVENT_TYPES)[number];

export const TEAM_EVENT_LABEL: Record<TeamEventType, string> = {
  "connection.failing": "A connection starts failing",
  "connection.recovered": "A connection works again",
  "connection.needs_reauthorization": "A connection needs re-authorization",
  "certificate.expiring": "A client certificate expires soon",
  "client_secret.aging": "An OAuth client secret is getting old",
  "agent.offline": "An agent goes offline",
  "agent.online": "An agent is back online",
};

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
