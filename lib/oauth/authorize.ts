import { createHash, randomBytes } from "node:crypto";
import * as oauth from "openid-client";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { decryptSecret, encryptSecret } from "../crypto";
import { DomainError } from "../errors";
import { connectionNotFound } from "../connections";
import { callbackUrl } from "./callback-url";
import { completeOAuth1Authorization, isOAuth1Callback, startOAuth1Authorization } from "../connections/oauth1-flow";
import { sanitizeDescription, sanitizeErrorCode } from "./errors";
import { oauthConfiguration } from "./http";
import { connectionOAuthSettings } from "./settings";
import { forgetTokenFailures, tokenProblemFrom, tokenSetColumns, type TokenProblem } from "./tokens";

// The authorization code grant's two halves (SPEC.md, "Connect"): sending the
// user to the provider, and the universal callback that brings them back.
//
// The state is a random value the browser carries; only its SHA-256 is
// stored, so a database reader cannot forge a callback. Its row is used once,
// by the user who started it, within ten minutes. The PKCE verifier is
// encrypted in that row and only ever sent to the token endpoint.

export const PENDING_LIFETIME_MS = 10 * 60 * 1000;

export function hashState(state: string): string {
  return createHash("sha256").update(state).digest("base64url");
}

export function verifierContext(pendingId: string): string {
  return `pkce:${pendingId}`;
}

export type StartedAuthorization = { url: string; pendingId: string };

/**
 * Records a pending authorization and returns the provider URL to send the
 * browser to. When the provider takes pushed authorization requests (RFC
 * 9126), the parameters go to it server to server first, so a refusal (a
 * redirect URI it does not know, a bad client) comes back here and is shown
 * on the connection page, instead of stranding the user on the provider's
 * error page. Such a refusal is recorded on the row and returned as `failed`.
 */
/** Who an authorization is for: the member who clicked Connect, or a connect link opened in one browser (the SHA-256 of its cookie's nonce). */
export type AuthorizationStarter = { userId: string } | { connectLinkId: string; browserHash: string };

export async function startAuthorization(teamId: string, startedBy: string | AuthorizationStarter, actor: AuditActor, connectionId: string): Promise<StartedAuthorization | { failed: string }> {
  const starter = typeof startedBy === "string" ? { userId: startedBy } : startedBy;
  const connection = await db.connection.findFirst({ where: { id: connectionId, teamId } });
  if (!connection) throw connectionNotFound();
  if (connection.authType === "OAUTH1") {
    // An OAuth 1.0a flow is bound to the member who starts it; connect links hand out OAuth2 and typed-in secrets only.
    if (!("userId" in starter)) throw new DomainError("Connect links cannot authorize OAuth 1.0a connections; a team member connects them from the connection page.", 400);
    return startOAuth1Authorization(connection, starter.userId, actor);
  }
  if (connection.authType !== "OAUTH2_CODE") throw new DomainError("Only OAuth2 authorization code and OAuth 1.0a connections are connected this way.", 400);
  const settings = await connectionOAuthSettings(connection);
  if (!settings.endpoints.authorizationUrl) throw new DomainError("This connection has no authorization URL; edit it and add one.", 400);

  const state = oauth.randomState();
  const verifier = settings.pkce ? oauth.randomPKCECodeVerifier() : undefined;
  const redirectUri = callbackUrl();
  const pendingId = `pa${randomBytes(12).toString("hex")}`;
  const now = Date.now();
  await db.$transaction([
    // Rows of abandoned attempts are useless after they expire; keep a day for the record.
    db.pendingAuthorization.deleteMany({ where: { expiresAt: { lt: new Date(now - 24 * 60 * 60 * 1000) } } }),
    db.pendingAuthorization.create({
      data: {
        id: pendingId,
        stateHash: hashState(state),
        teamId,
        connectionId,
        ...starter,
        codeVerifier: verifier ? encryptSecret(verifier, verifierContext(pendingId)) : null,
        redirectUri,
        expiresAt: new Date(now + PENDING_LIFETIME_MS),
      },
    }),
  ]);

  const scope = settings.scopes.join(settings.scopeSeparator);
  const parameters: Record<string, string> = {
    ...settings.authorizationParams,
    redirect_uri: redirectUri,
    state,
    ...(scope ? { scope } : {}),
    ...(verifier ? { code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" } : {}),
  };
  const configuration = oauthConfiguration(settings.endpoints, settings.outbound);
  if (!settings.endpoints.parUrl) return { url: oauth.buildAuthorizationUrl(configuration, parameters).href, pendingId };
  try {
    const url = await oauth.buildAuthorizationUrlWithPAR(configuration, parameters);
    return { url: url.href, pendingId };
  } catch (error) {
    const problem = tokenProblemFrom(error, "Pushing the authorization request", { tokenAuthMethod: settings.endpoints.tokenAuthMethod });
    await recordFailure(pendingId, { teamId, id: connection.id, name: connection.name }, actor, problem.code ?? "invalid_request", failureDescription(error, problem));
    return { failed: pendingId };
  }
}

export async function recordFailure(pendingId: string, connection: { teamId: string; id: string; name: string }, actor: AuditActor, code: string, description: string | null) {
  const errorCode = sanitizeErrorCode(code);
  const errorDescription = sanitizeDescription(description);
  await db.$transaction(async (tx) => {
    await tx.pendingAuthorization.update({ where: { id: pendingId }, data: { usedAt: new Date(), outcome: "failed", errorCode, errorDescription } });
    await writeAudit(tx, {
      teamId: connection.teamId,
      actor,
      action: "connection.authorization_failed",
      objectType: "connection",
      objectId: connection.id,
      objectName: connection.name,
      data: { error: errorCode, ...(errorDescription ? { description: errorDescription } : {}) },
    });
  });
}

export type CallbackRefusal = "missing-state" | "unknown-state" | "used-state" | "expired-state" | "other-user" | "other-browser" | "no-access";

export type CallbackResult =
  /** `connection`: for the user's own used or expired authorization, the connection it was for (the page links back to it). */
  | { kind: "refused"; reason: CallbackRefusal; connection?: { teamSlug: string; connectionId: string } }
  /** The authorization ended (connected or failed); the outcome is on the pending row, shown on the connection page. */
  | { kind: "finished"; teamSlug: string; connectionId: string; pendingId: string };

/**
 * The universal callback. `params` are the query parameters the provider sent
 * the browser back with. A refusal changes nothing; any other callback uses
 * up its pending authorization, whatever the outcome.
 */
export async function completeAuthorization(user: { id: string; email: string }, params: URLSearchParams, ip: string | null): Promise<CallbackResult> {
  // The same callback URL serves OAuth 1.0a (RFC 5849 2.2), whose answer carries the temporary token instead of a state.
  if (isOAuth1Callback(params)) return completeOAuth1Authorization(user, params, ip);
  const state = params.get("state");
  if (!state) return { kind: "refused", reason: "missing-state" };
  const stateHash = hashState(state);
  // Claimed in one statement: of two callbacks with the same state (a replay, a double click) only one gets the row.
  const claimed = await db.pendingAuthorization.updateManyAndReturn({
    where: { stateHash, usedAt: null, userId: user.id, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  const pending = claimed[0];
  if (!pending) {
    const found = await db.pendingAuthorization.findUnique({
      where: { stateHash },
      select: { usedAt: true, userId: true, expiresAt: true, connectionId: true, connection: { select: { team: { select: { slug: true } } } } },
    });
    if (!found) return { kind: "refused", reason: "unknown-state" };
    if (found.userId !== user.id) return { kind: "refused", reason: "other-user" };
    const connection = { teamSlug: found.connection.team.slug, connectionId: found.connectionId };
    if (found.usedAt) return { kind: "refused", reason: "used-state", connection };
    return { kind: "refused", reason: "expired-state", connection };
  }

  const [connection, membership] = await Promise.all([
    db.connection.findFirst({ where: { id: pending.connectionId, teamId: pending.teamId }, include: { team: { select: { slug: true } } } }),
    db.membership.findUnique({ where: { teamId_userId: { teamId: pending.teamId, userId: user.id } }, select: { role: true } }),
  ]);
  // Removed from the team, or demoted to viewer, while at the provider.
  if (!connection || !membership || membership.role === "VIEWER" || connection.authType !== "OAUTH2_CODE") return { kind: "refused", reason: "no-access" };
  const actor: AuditActor = { id: user.id, label: user.email, ip };
  await exchangeCode(pending, connection, actor, params, state);
  return { kind: "finished", teamSlug: connection.team.slug, connectionId: connection.id, pendingId: pending.id };
}

type ClaimedPending = { id: string; redirectUri: string; codeVerifier: string | null };
type ConnectionRow = Parameters<typeof connectionOAuthSettings>[0] & { id: string; teamId: string; name: string };

/**
 * The second half of a claimed authorization: the provider's answer becomes
 * tokens (or a recorded failure). `alsoInTransaction` runs in the transaction
 * that stores the tokens (a connect link is used up there); when it throws,
 * nothing is stored. Returns whether the connection got tokens.
 */
export async function exchangeCode(
  pending: ClaimedPending,
  connection: ConnectionRow,
  actor: AuditActor,
  params: URLSearchParams,
  state: string,
  alsoInTransaction?: (tx: Parameters<Parameters<typeof db.$transaction>[0]>[0]) => Promise<void>,
  auditData: Record<string, string> = {},
): Promise<boolean> {
  const providerError = params.get("error");
  if (providerError) {
    await recordFailure(pending.id, connection, actor, providerError, params.get("error_description"));
    return false;
  }

  const settings = await connectionOAuthSettings(connection);
  const configuration = oauthConfiguration(settings.endpoints, settings.outbound);
  const current = new URL(pending.redirectUri);
  for (const [name, value] of params) current.searchParams.append(name, value);
  // RFC 9207: `iss` is checked against the issuer of a discovered client. For
  // endpoints typed by hand Keyway does not know the issuer, so it cannot
  // check the value and does not pretend to.
  if (!settings.endpoints.issuer) current.searchParams.delete("iss");
  const verifier = pending.codeVerifier ? decryptSecret(pending.codeVerifier, verifierContext(pending.id)) : undefined;

  let answer: oauth.TokenEndpointResponse;
  try {
    answer = await oauth.authorizationCodeGrant(configuration, current, { expectedState: state, ...(verifier ? { pkceCodeVerifier: verifier } : {}) }, settings.tokenParams);
  } catch (error) {
    const problem = tokenProblemFrom(error, "Exchanging the authorization code", { tokenAuthMethod: settings.endpoints.tokenAuthMethod });
    const code = isIssuerMismatch(error) ? "issuer_mismatch" : (problem.code ?? "token_response_invalid");
    await recordFailure(pending.id, connection, actor, code, failureDescription(error, problem));
    return false;
  }
  forgetTokenFailures(connection.id);

  const columns = tokenSetColumns(connection.id, answer);
  await db.$transaction(async (tx) => {
    await tx.tokenSet.upsert({
      where: { connectionId: connection.id },
      create: { connectionId: connection.id, ...columns },
      update: { ...columns, obtainedAt: new Date(), refreshedAt: null, refreshCount: 0 },
    });
    // Connected, but not yet proven by a request: a test decides "working".
    await tx.connection.update({ where: { id: connection.id }, data: { status: "UNTESTED" } });
    await tx.pendingAuthorization.update({ where: { id: pending.id }, data: { outcome: "connected" } });
    await alsoInTransaction?.(tx);
    await writeAudit(tx, {
      teamId: connection.teamId,
      actor,
      action: "connection.connected",
      objectType: "connection",
      objectId: connection.id,
      objectName: connection.name,
      data: { scope: columns.scope, expiresAt: columns.expiresAt?.toISOString() ?? null, refreshToken: columns.hasRefreshToken, ...auditData },
    });
  });
  return true;
}

/**
 * What the connection page shows under a failure: the provider's own
 * description when it refused in OAuth terms (the page explains the code),
 * Keyway's account of what happened otherwise.
 */
function failureDescription(error: unknown, problem: TokenProblem): string | null {
  if (error instanceof oauth.ResponseBodyError) return error.error_description ?? null;
  if (error instanceof oauth.WWWAuthenticateChallengeError) return error.cause[0]?.parameters.error_description ?? null;
  return problem.message;
}

function isIssuerMismatch(error: unknown): boolean {
  return error instanceof Error && /"iss"/.test(error.message);
}

/** The outcome of one authorization, for the user who started it only. */
export async function authorizationOutcome(userId: string, connectionId: string, pendingId: string) {
  const row = await db.pendingAuthorization.findFirst({
    where: { id: pendingId, connectionId, userId, outcome: { not: null } },
    select: { outcome: true, errorCode: true, errorDescription: true, usedAt: true },
  });
  return row;
}

/**
 * The user's latest Connect for this connection that never came back to the
 * callback (the provider showed its own error page, or the user gave up
 * there), unless tokens arrived since. Without pushed authorization requests
 * a redirect URI the provider does not know is only ever seen there.
 */
export async function unfinishedAuthorization(userId: string, connectionId: string, connectedAt: Date | null): Promise<{ startedAt: Date } | null> {
  const latest = await db.pendingAuthorization.findFirst({
    where: { connectionId, userId },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true, usedAt: true },
  });
  if (!latest || latest.usedAt) return null;
  if (connectedAt && connectedAt >= latest.createdAt) return null;
  return { startedAt: latest.createdAt };
}
