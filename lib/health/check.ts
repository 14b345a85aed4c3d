// Runs a connection's health check: its saved request sent exactly like a
// test request (lib/connections/test-request.ts: outbound safety, agents,
// client certificates, redaction), or for an OAuth2 connection without one,
// the token check alone (a valid token, refreshed when needed).
import type { AuditActor } from "../audit";
import { db } from "../db";
import { DomainError } from "../errors";
import { sendTestRequest, type SentTest } from "../connections/test-request";
import { isOAuthType, isReceiverType } from "../connections/schemas";
import { accessTokenFor, TokenProblem } from "../oauth/tokens";
import { recordCheck, type CheckOutcome } from "./record";
import { parseExpectedStatuses } from "./state";

/** Who the audit log names for what a check does (an OAuth refresh, for one). */
export const HEALTH_CHECK_ACTOR: AuditActor = { id: null, label: "Health check" };

/** What the check finds, without keeping it; null when there is nothing to check (no request, no token). */
/** Scheduled checks name themselves, as monitors do, so an API's owner can tell them from real traffic in their logs. */
export const HEALTH_CHECK_USER_AGENT = "Keyway-Health-Check/1";

export async function performCheck(connectionId: string, teamId?: string): Promise<CheckOutcome | null> {
  const connection = await db.connection.findFirst({ where: { id: connectionId, ...(teamId ? { teamId } : {}) } });
  // A webhook receiver has no API to check.
  if (!connection || isReceiverType(connection.authType)) return null;
  const health = await db.connectionHealth.findUnique({ where: { connectionId } });
  const started = performance.now();
  if (!health?.method) {
    if (!isOAuthType(connection.authType)) return null;
    try {
      await accessTokenFor(connection, HEALTH_CHECK_ACTOR);
      return { state: "WORKING", summary: "The access token is valid (refreshed when it was about to expire).", httpStatus: null, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (!(error instanceof TokenProblem)) throw error;
      // Never connected: nothing to check yet. Recorded, it would store NEEDS_REAUTH, and the
      // page would ask to connect "again" someone who never connected (the badge says Not connected).
      if (error.kind === "not-connected") return null;
      const reauth = error.kind === "needs-reauth";
      return { state: reauth ? "NEEDS_REAUTH" : "FAILING", summary: error.message, httpStatus: null, durationMs: Math.round(performance.now() - started) };
    }
  }
  const expected = health.expectedStatuses;
  let sent;
  try {
    sent = await sendTestRequest(connection, HEALTH_CHECK_ACTOR, { method: health.method as "GET", path: health.path ?? "", headers: [{ name: "User-Agent", value: HEALTH_CHECK_USER_AGENT }], body: "" });
  } catch (error) {
    // A saved path that no longer fits the base URL: the check fails, in words.
    if (error instanceof DomainError) return { state: "FAILING", summary: error.message, httpStatus: null, durationMs: 0 };
    throw error;
  }
  return outcomeOf(sent, health.method, health.path ?? "", expected);
}

/** What a sent check request means: the agent down, a refused authorization, an expected status, or a failure. */
export function outcomeOf(sent: SentTest, method: string, path: string, expected: string): CheckOutcome {
  const { view, needsReauth } = sent;
  const base = { httpStatus: view.status, durationMs: view.durationMs };
  if (view.errorKind === "agent") return { ...base, state: "AGENT_OFFLINE", summary: view.summary };
  if (needsReauth) return { ...base, state: "NEEDS_REAUTH", summary: view.summary };
  if (view.status !== null && parseExpectedStatuses(expected)(view.status)) {
    return { ...base, state: "WORKING", summary: `${method} ${path || "/"} answered ${view.status}.` };
  }
  const summary = view.status === null ? view.summary : `${method} ${path || "/"} answered ${view.status}, expected ${expected}. ${view.summary}`;
  return { ...base, state: "FAILING", summary };
}

/** Runs and keeps the check; `slot` as in recordCheck. */
export async function runHealthCheck(connectionId: string, slot: Date | null, teamId?: string): Promise<CheckOutcome | null> {
  const outcome = await performCheck(connectionId, teamId);
  if (outcome) await recordCheck(connectionId, outcome, slot);
  return outcome;
}
