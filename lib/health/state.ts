// A connection's one status, derived from its health check and live signals
// only (agent presence, certificate expiry, the OAuth token state), never
// from ad-hoc test requests. Every page, badge and API answer draws from
// connectionState(), so they cannot contradict each other. Pure, for the unit tests.
import type { AgentPresence } from "../agents/presence";
import { formatRelative } from "../dates";
import { oauthState, type ConnectionStatusValue, type TokenSetSummary } from "../oauth/state";

/** What a check found; the states of the status history. */
export const CHECK_STATES = ["WORKING", "FAILING", "NEEDS_REAUTH", "AGENT_OFFLINE"] as const;
export type CheckState = (typeof CHECK_STATES)[number];

/** A client certificate this close to its end turns the status to a warning. */
export const CERTIFICATE_WARNING_DAYS = 30;
/** An OAuth client secret this old is reported once (client_secret.aging). */
export const CLIENT_SECRET_AGING_DAYS = 180;
export const DEFAULT_INTERVAL_MINUTES = 15;
export const DEFAULT_EXPECTED_STATUSES = "200-399";

export type ConnectionState =
  | { kind: "NOT_CHECKED" }
  | { kind: "WORKING"; since: Date | null }
  | { kind: "FAILING"; since: Date | null; summary: string | null }
  /** `authorization` says why a person is needed, when the token state says so: never connected, or a token that ran out with nothing to refresh it. */
  | { kind: "NEEDS_REAUTH"; since: Date | null; summary: string | null; authorization?: "not-connected" | "expired" }
  | { kind: "AGENT_OFFLINE"; since: Date | null; agentName: string | null }
  | { kind: "CERT_EXPIRING"; days: number; expiresAt: Date };

export type HealthSummary = { state: string; stateSince: Date | null; summary: string | null } | null | undefined;

export type StateInput = {
  authType: string;
  status: ConnectionStatusValue;
  tokenSet?: TokenSetSummary;
  health?: HealthSummary;
  clientCertExpiresAt?: Date | null;
  agent?: { name: string; presence: AgentPresence } | null;
};

const DAY_MS = 24 * 60 * 60 * 1000;

export function daysUntil(date: Date, now: number): number {
  return Math.floor((date.getTime() - now) / DAY_MS);
}

/**
 * Most urgent first: an agent that is down hides everything behind it; a
 * refused authorization needs a person; then the check's failure; a
 * certificate about to expire warns over a working check.
 */
export function connectionState(connection: StateInput, now = Date.now()): ConnectionState {
  const health = connection.health;
  const presence = connection.agent?.presence;
  if (presence && presence.state !== "online") {
    return { kind: "AGENT_OFFLINE", since: "since" in presence ? presence.since : null, agentName: connection.agent?.name ?? null };
  }
  if (health?.state === "AGENT_OFFLINE" && !presence) return { kind: "AGENT_OFFLINE", since: health.stateSince, agentName: null };
  const oauth = oauthState(connection, now);
  // The token signals come from the refresh itself (lib/oauth/tokens.ts sets NEEDS_REAUTH when the provider refuses), not only from a check.
  if (oauth.kind === "needs-reauth" || oauth.kind === "not-connected" || oauth.kind === "expired" || health?.state === "NEEDS_REAUTH") {
    const authorization = oauth.kind === "not-connected" || oauth.kind === "expired" ? oauth.kind : undefined;
    return { kind: "NEEDS_REAUTH", since: health?.state === "NEEDS_REAUTH" ? health.stateSince : null, summary: health?.state === "NEEDS_REAUTH" ? health.summary : null, authorization };
  }
  if (health?.state === "FAILING") return { kind: "FAILING", since: health.stateSince, summary: health.summary };
  if (connection.clientCertExpiresAt) {
    const days = daysUntil(connection.clientCertExpiresAt, now);
    if (days < CERTIFICATE_WARNING_DAYS) return { kind: "CERT_EXPIRING", days, expiresAt: connection.clientCertExpiresAt };
  }
  if (health?.state === "WORKING") return { kind: "WORKING", since: health.stateSince };
  // A check interrupted by an agent that has since come back: not known until the next check.
  return { kind: "NOT_CHECKED" };
}

/** Whether the state asks someone to act (the Connections page's "Needs attention"). */
export function needsAttention(state: ConnectionState): boolean {
  return state.kind !== "WORKING" && state.kind !== "NOT_CHECKED";
}

/** "14 minutes ago", "yesterday", "Mar 3, 2026": the app's one date language (lib/dates.ts), after "since". */
function sinceWhen(since: Date, now: number): string {
  const words = formatRelative(since, now);
  return words.startsWith("on ") ? words.slice("on ".length) : words;
}

/** The state in words, as badges show it. */
export function stateLabel(state: ConnectionState, now = Date.now()): { label: string; tone: "slate" | "green" | "red" | "amber" } {
  switch (state.kind) {
    case "NOT_CHECKED":
      return { label: "Not checked yet", tone: "slate" };
    case "WORKING":
      return { label: "Working", tone: "green" };
    case "FAILING":
      return { label: state.since ? `Failing since ${sinceWhen(state.since, now)}` : "Failing", tone: "red" };
    case "NEEDS_REAUTH":
      // Worded as the authorization card words it (lib/oauth/state.ts), so the badge and the card agree.
      if (state.authorization === "not-connected") return { label: "Not connected", tone: "amber" };
      if (state.authorization === "expired") return { label: "Token expired", tone: "amber" };
      return { label: "Needs re-authorization", tone: "amber" };
    case "AGENT_OFFLINE":
      return { label: "Agent offline", tone: "red" };
    case "CERT_EXPIRING":
      return state.days < 0
        ? { label: "Certificate expired", tone: "red" }
        : { label: `Certificate expires in ${state.days} day${state.days === 1 ? "" : "s"}`, tone: "amber" };
  }
}

/** "200-299,304" → a test of a status; throws a message for a field when it does not parse. */
export function parseExpectedStatuses(text: string): (status: number) => boolean {
  const ranges: [number, number][] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) throw new Error(`“${part}” is not a status or a range like 200-299.`);
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from < 100 || to > 599 || from > to) throw new Error(`“${part}” is not a range of HTTP statuses (100-599).`);
    ranges.push([from, to]);
  }
  if (ranges.length === 0) throw new Error("Name at least one status, like 200-299.");
  return (status) => ranges.some(([from, to]) => status >= from && status <= to);
}

export type StatusChangePoint = { state: string; at: Date };

/**
 * The share of the window the check found the connection working, from the
 * history of changes (newest first or not). Time before the first known state
 * is left out, not counted as down; null when nothing in the window is known.
 */
export function uptime(changes: StatusChangePoint[], windowMs: number, now = Date.now()): number | null {
  const sorted = [...changes].sort((a, b) => a.at.getTime() - b.at.getTime());
  const start = now - windowMs;
  let known = 0;
  let up = 0;
  for (let i = 0; i < sorted.length; i++) {
    const from = Math.max(sorted[i]!.at.getTime(), start);
    const to = Math.min(i + 1 < sorted.length ? sorted[i + 1]!.at.getTime() : now, now);
    if (to <= from) continue;
    known += to - from;
    if (sorted[i]!.state === "WORKING") up += to - from;
  }
  return known > 0 ? up / known : null;
}
