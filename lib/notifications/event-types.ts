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
