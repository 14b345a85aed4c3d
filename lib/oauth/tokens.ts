import * as oauth from "openid-client";
import { db } from "../db";
import { metrics } from "../ops/metrics";
import { config as appConfig } from "../config";
import { writeAudit, type AuditActor } from "../audit";
import { decryptJson, encryptJson } from "../crypto";
import type { Prisma } from "../generated/prisma/client";
import { connectionNotFound } from "../connections";
import { CLIENT_REFUSED_CODES, DEAD_GRANT_CODES, explainOAuthError } from "./errors";
import { oauthConfiguration, outboundCauseOf, type TokenAuthMethod } from "./http";
import { isFresh, type Freshness } from "./freshness";
import { noRefreshTokenHint } from "./no-refresh-token";
import { connectionOAuthSettings } from "./settings";
import { assertionRefusalFix, jwtBearerGrant } from "./jwt-bearer";

export type TokenRow = Omit<Freshness, "renewable"> & { tokens: string; hasRefreshToken: boolean };

/** A stored token set's freshness: renewable when it holds a refresh token, or when the grant needs no user (client credentials). */
function freshnessOf(row: TokenRow, authType: string): Freshness {
  return { expiresAt: row.expiresAt, obtainedAt: row.obtainedAt, refreshedAt: row.refreshedAt, renewable: row.hasRefreshToken || authType !== "OAUTH2_CODE" };
}

// The tokens of OAuth2 connections: obtained, kept encrypted, refreshed before
// they expire, and revoked on disconnect (SPEC.md, "OAuth2"; DESIGN.md,
// "OAuth").
//
// Refresh is single-flight on two levels. Within a process, callers that need
// a new token for the same connection share one promise. Across processes, the
// one that refreshes holds a row lock on the connection (standing for its
// token set, which a client credentials connection may not have yet), and
// every other re-reads the token set once it gets the lock, refreshing only if
// it is still stale. So N concurrent uses of an expired token cause one
// request at the token endpoint, however many instances serve them.

type Tx = Prisma.TransactionClient;

/** `tokenSecret`: an OAuth 1.0a connection's token credentials (lib/connections/oauth1-flow.ts) share the table and the envelope. */
export type StoredTokens = { accessToken: string; refreshToken?: string; tokenSecret?: string };

export type TokenProblemKind = "not-connected" | "needs-reauth" | "refused" | "provider-failed" | "unreachable" | "invalid-response";

/** Why no usable token could be had, in words; `kind` decides the connection's status. */
export class TokenProblem extends Error {
  constructor(
    readonly kind: TokenProblemKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "TokenProblem";
  }
}

/** Each token envelope is bound to its connection (the key-rotation script uses this too). */
export function tokenEnvelopeContext(connectionId: string): string {
  return `token:${connectionId}`;
}

export function sealTokens(connectionId: string, tokens: StoredTokens): string {
  return encryptJson(tokens, tokenEnvelopeContext(connectionId));
}

export function openTokens(connectionId: string, envelope: string): StoredTokens {
  return decryptJson<StoredTokens>(envelope, tokenEnvelopeContext(connectionId));
}

export type TokenEndpointAnswer = oauth.TokenEndpointResponse;

/** The columns of a token set from a token endpoint answer; a refresh that returns no new refresh token keeps the old one (RFC 6749 6). */
export function tokenSetColumns(connectionId: string, answer: TokenEndpointAnswer, previousRefreshToken?: string) {
  const refreshToken = answer.refresh_token ?? previousRefreshToken;
  const expiresIn = typeof answer.expires_in === "number" && Number.isFinite(answer.expires_in) ? answer.expires_in : undefined;
  return {
    tokens: sealTokens(connectionId, { accessToken: answer.access_token, ...(refreshToken ? { refreshToken } : {}) }),
    tokenType: answer.token_type === "dpop" ? "DPoP" : "Bearer",
    scope: typeof answer.scope === "string" ? answer.scope : null,
    expiresAt: expiresIn !== undefined ? new Date(Date.now() + expiresIn * 1000) : null,
    hasRefreshToken: Boolean(refreshToken),
  };
}

/**
 * What went wrong at the token endpoint, told apart by whose fault it is
 * (SPEC.md, "Faults"): the provider refused (an OAuth error code, its
 * description and what to do), the provider failed (an HTTP error without an
 * OAuth answer), its answer was unusable, or Keyway could not reach it (the
 * outbound explanation). `tokenAuthMethod` lets a refused HTTP Basic client
 * hear about the other method.
 */
export function tokenProblemFrom(error: unknown, what: string, context: { tokenAuthMethod?: TokenAuthMethod; assertion?: { flavor: "google" | "generic"; impersonating: boolean } } = {}): TokenProblem {
  const outbound = outboundCauseOf(error);
  if (outbound) return new TokenProblem("unreachable", `${what} failed: Keyway could not reach the token endpoint. ${outbound.message}`, "token_endpoint_unreachable");
  const refused = (code: string, description: string | undefined, status: number | undefined) => {
    const explained = explainOAuthError(code, description);
    const said = description ? ` The provider said: “${description.slice(0, 300)}”.` : "";
    const basicHint =
      context.tokenAuthMethod === "client_secret_basic" && CLIENT_REFUSED_CODES.has(code)
        ? " This client sends its secret with HTTP Basic; if the provider expects it in the request body (client_secret_post), choose that method for the client and try again."
        : "";
    // A refused assertion is not a dead grant: nobody can reconnect a service account, the settings or the key must change.
    const assertionFix = context.assertion ? assertionRefusalFix(context.assertion.flavor, code, context.assertion.impersonating) : undefined;
    const kind: TokenProblemKind = DEAD_GRANT_CODES.has(code) && !context.assertion ? "needs-reauth" : "refused";
    const title = context.assertion && code === "invalid_grant" ? "The provider refused the signed assertion" : explained.title;
    return new TokenProblem(kind, `${what}: the provider refused it${status ? ` (HTTP ${status})` : ""}: ${title} (${code}).${said} ${assertionFix ?? explained.fix}${basicHint}`, code);
  };
  if (error instanceof oauth.ResponseBodyError) return refused(error.error, error.error_description, error.status);
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return refused(parameters?.error ?? "invalid_client", parameters?.error_description, error.status);
  }
  // openid-client's "unexpected HTTP response status code" / "unexpected response content-type" carry the Response.
  const response = error instanceof Error && error.cause instanceof Response ? error.cause : undefined;
  if (response && (response.status < 200 || response.status >= 300)) {
    const side = response.status >= 500 ? "a problem on the provider's side; try again later" : "not an OAuth answer; check that the token URL is the provider's token endpoint";
    return new TokenProblem("provider-failed", `${what} failed: the token endpoint answered HTTP ${response.status} without an OAuth error, ${side}.`, "token_endpoint_failed");
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TokenProblem("invalid-response", `${what} failed: the token endpoint answered${response ? ` HTTP ${response.status}` : ""}, but not with a token Keyway can use (${message}).`, "token_response_invalid");
}

/**
 * A failed attempt at the token endpoint is remembered for a short, growing
 * while (per connection, in this process), and every use in that time gets
 * the same answer: a busy service cannot hammer a failing provider. A
 * success or a new Connect forgets it.
 */
export const BACKOFF_FIRST_MS = 5_000;
/** Capped at a minute: another instance may have new tokens or settings by then, and this memory is per process. */
export const BACKOFF_MAX_MS = 60_000;
const recentFailures = new Map<string, { problem: TokenProblem; failures: number; until: number }>();

function rememberFailure(connectionId: string, problem: TokenProblem): void {
  const failures = (recentFailures.get(connectionId)?.failures ?? 0) + 1;
  const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
  recentFailures.set(connectionId, { problem, failures, until: Date.now() + wait });
}

function rememberedFailure(connectionId: string): TokenProblem | undefined {
  const entry = recentFailures.get(connectionId);
  if (!entry || entry.until <= Date.now()) return undefined;
  const seconds = Math.max(1, Math.ceil((entry.until - Date.now()) / 1000));
  return new TokenProblem(entry.problem.kind, `${entry.problem.message} (Keyway tries the token endpoint again in ${seconds} s; until then it answers with this.)`, entry.problem.code);
}

/** Ends the current wait without forgetting how many attempts failed (tests, instead of waiting it out). */
export function endTokenBackoff(connectionId: string): void {
  const entry = recentFailures.get(connectionId);
  if (entry) entry.until = 0;
}

/** Forgets a connection's failed attempts (new tokens; tests). */
export function forgetTokenFailures(connectionId?: string): void {
  if (connectionId) recentFailures.delete(connectionId);
  else recentFailures.clear();
}

export type ConnectionForTokens = {
  id: string;
  teamId: string;
  name: string;
  authType: string;
  oauthClientId: string | null;
  agentId: string | null;
  config: Prisma.JsonValue;
  secrets: string | null;
  /** tls_client_auth presents the connection's client certificate at the token endpoint. */
  clientCertPem?: string | null;
  clientCaPem?: string | null;
};

/** How long the lock-holding transaction may last: one token request, with room to spare. */
function transactionOptions() {
  const outbound = appConfig().KEYWAY_OUTBOUND_TIMEOUT_MS;
  return { timeout: outbound + 10_000, maxWait: outbound + 10_000 };
}

/** An access token and what decides when it must be refreshed (lib/oauth/freshness.ts). */
export type CurrentToken = { accessToken: string; freshness: Freshness };

type Outcome = ({ ok: true } & CurrentToken) | { ok: false; problem: TokenProblem };

async function obtainUnderLock(connection: ConnectionForTokens, actor: AuditActor, rejected: string | undefined): Promise<Outcome> {
  // Read before the transaction: inside it, only `tx` may touch the database. (On the embedded
  // PGlite every connection shares one session, so a query outside the transaction would wait
  // for it to end, and it for the query.)
  const settings = await connectionOAuthSettings(connection);
  return db.$transaction(async (tx: Tx): Promise<Outcome> => {
    // FOR NO KEY UPDATE: excludes other refreshers, but not inserts that merely reference the row (test runs).
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Connection" WHERE id = ${connection.id} FOR NO KEY UPDATE`;
    if (locked.length === 0) return { ok: false, problem: new TokenProblem("not-connected", "The connection no longer exists.") };
    const current = await tx.tokenSet.findUnique({ where: { connectionId: connection.id } });
    const currentTokens = current ? openTokens(connection.id, current.tokens) : undefined;
    // Someone else refreshed while this caller waited for the lock.
    if (current && currentTokens && isFresh(freshnessOf(current, connection.authType)) && currentTokens.accessToken !== rejected) return { ok: true, accessToken: currentTokens.accessToken, freshness: freshnessOf(current, connection.authType) };

    const configuration = oauthConfiguration(settings.endpoints, settings.outbound);
    const context = { tokenAuthMethod: settings.endpoints.tokenAuthMethod };
    const audit = (action: "connection.token_obtained" | "connection.token_refreshed" | "connection.refresh_failed", data: Prisma.InputJsonObject) =>
      writeAudit(tx, { teamId: connection.teamId, actor, action, objectType: "connection", objectId: connection.id, objectName: connection.name, data });

    // Grants without a user: a new token is simply asked for again, like the first.
    if (connection.authType === "OAUTH2_CLIENT_CREDENTIALS" || settings.jwtBearer) {
      const jwtBearer = settings.jwtBearer;
      const grant = jwtBearer ? "jwt_bearer" : "client_credentials";
      const scope = settings.scopes.join(settings.scopeSeparator);
      let answer: TokenEndpointAnswer;
      try {
        answer = jwtBearer
          ? await jwtBearerGrant(configuration, jwtBearer, settings.scopes)
          : await oauth.clientCredentialsGrant(configuration, { ...(scope ? { scope } : {}), ...settings.tokenParams });
      } catch (error) {
        const problem = jwtBearer
          ? tokenProblemFrom(error, "Getting a token with the JWT bearer grant", { assertion: { flavor: jwtBearer.flavor, impersonating: Boolean(jwtBearer.subject) } })
          : tokenProblemFrom(error, "Getting a token with the client credentials grant", context);
        await audit("connection.refresh_failed", failureData(problem, grant));
        return { ok: false, problem };
      }
      const columns = tokenSetColumns(connection.id, answer);
      const obtainedAt = new Date();
      await tx.tokenSet.upsert({ where: { connectionId: connection.id }, create: { connectionId: connection.id, ...columns, obtainedAt }, update: { ...columns, obtainedAt, refreshedAt: null } });
      await audit("connection.token_obtained", { grant, scope: columns.scope, expiresAt: columns.expiresAt?.toISOString() ?? null });
      return { ok: true, accessToken: answer.access_token, freshness: { expiresAt: columns.expiresAt, obtainedAt, refreshedAt: null } };
    }

    if (!current || !currentTokens) return { ok: false, problem: new TokenProblem("not-connected", "This connection is not connected yet: click Connect on its page to authorize it at the provider.") };
    if (!currentTokens.refreshToken) {
      const why = rejected ? "The API refused the access token" : "The access token has expired";
      await tx.connection.update({ where: { id: connection.id }, data: { status: "NEEDS_REAUTH" } });
      await audit("connection.refresh_failed", { reason: "no_refresh_token", failure: "needs-reauth" });
      return { ok: false, problem: new TokenProblem("needs-reauth", `${why}, and the provider issued no refresh token to get a new one. Reconnect to authorize again. ${noRefreshTokenHint(settings.provider)}`, "no_refresh_token") };
    }
    let answer: TokenEndpointAnswer;
    try {
      answer = await oauth.refreshTokenGrant(configuration, currentTokens.refreshToken, settings.tokenParams);
    } catch (error) {
      const problem = tokenProblemFrom(error, "Refreshing the access token", context);
      if (problem.kind === "needs-reauth") {
        // The refresh token is dead (revoked, expired, or rotated away): only the user can get new tokens.
        await tx.tokenSet.delete({ where: { connectionId: connection.id } });
        await tx.connection.update({ where: { id: connection.id }, data: { status: "NEEDS_REAUTH" } });
      }
      await audit("connection.refresh_failed", failureData(problem, "refresh_token"));
      return { ok: false, problem };
    }
    const columns = tokenSetColumns(connection.id, answer, currentTokens.refreshToken);
    const refreshedAt = new Date();
    await tx.tokenSet.update({ where: { connectionId: connection.id }, data: { ...columns, refreshedAt, refreshCount: { increment: 1 } } });
    await audit("connection.token_refreshed", {
      reason: rejected ? "refused_by_api" : "expiring",
      rotatedRefreshToken: Boolean(answer.refresh_token && answer.refresh_token !== currentTokens.refreshToken),
      scope: columns.scope,
      expiresAt: columns.expiresAt?.toISOString() ?? null,
    });
    return { ok: true, accessToken: answer.access_token, freshness: { expiresAt: columns.expiresAt, obtainedAt: current.obtainedAt, refreshedAt } };
  }, transactionOptions());
}

/**
 * A token for settings not saved yet ("Save and test" on the connection form):
 * the grants without a user (client credentials, JWT bearer) asked once, the
 * answer kept nowhere. Throws TokenProblem as accessTokenFor does.
 */
export async function unsavedAccessToken(connection: ConnectionForTokens): Promise<string> {
  const settings = await connectionOAuthSettings(connection);
  const jwtBearer = settings.jwtBearer;
  if (connection.authType !== "OAUTH2_CLIENT_CREDENTIALS" && !jwtBearer) throw new TokenProblem("not-connected", "This connection is not connected yet: click Connect on its page to authorize it at the provider.");
  const configuration = oauthConfiguration(settings.endpoints, settings.outbound);
  const scope = settings.scopes.join(settings.scopeSeparator);
  try {
    const answer = jwtBearer
      ? await jwtBearerGrant(configuration, jwtBearer, settings.scopes)
      : await oauth.clientCredentialsGrant(configuration, { ...(scope ? { scope } : {}), ...settings.tokenParams });
    metrics.tokenRequests.inc({ kind: "grant", outcome: "ok" });
    return answer.access_token;
  } catch (error) {
    metrics.tokenRequests.inc({ kind: "grant", outcome: "failed" });
    throw jwtBearer
      ? tokenProblemFrom(error, "Getting a token with the JWT bearer grant", { assertion: { flavor: jwtBearer.flavor, impersonating: Boolean(jwtBearer.subject) } })
      : tokenProblemFrom(error, "Getting a token with the client credentials grant", { tokenAuthMethod: settings.endpoints.tokenAuthMethod });
  }
}

/** A failed token request in the audit log: whose fault (the problem's kind), the OAuth code or Keyway's, never a secret. */
function failureData(problem: TokenProblem, grant: string): Prisma.InputJsonObject {
  return { grant, failure: problem.kind, error: problem.code ?? null };
}

const inFlight = new Map<string, Promise<Outcome>>();

/**
 * A current access token for an OAuth2 connection. `rejected` is a token the
 * API just refused (a 401): unless the token set already holds another one, a
 * new one is obtained. Throws TokenProblem when no usable token can be had.
 */
export async function accessTokenFor(connection: ConnectionForTokens, actor: AuditActor, options: { rejected?: string } = {}): Promise<string> {
  return (await currentAccessToken(connection, actor, options)).accessToken;
}

/** accessTokenFor, with the token's expiry, for callers that keep the token for a while (the proxy). */
export async function currentAccessToken(connection: ConnectionForTokens, actor: AuditActor, options: { rejected?: string; /** The token set, when the caller read it with the connection (one query fewer); null: it has none. */ known?: TokenRow | null } = {}): Promise<CurrentToken> {
  const row: TokenRow | null =
    options.known !== undefined ? options.known : await db.tokenSet.findUnique({ where: { connectionId: connection.id }, select: { tokens: true, expiresAt: true, obtainedAt: true, refreshedAt: true, hasRefreshToken: true } });
  if (row && isFresh(freshnessOf(row, connection.authType))) {
    const { accessToken } = openTokens(connection.id, row.tokens);
    if (accessToken !== options.rejected) return { accessToken, freshness: freshnessOf(row, connection.authType) };
  }
  if (!row && connection.authType === "OAUTH2_CODE") {
    throw new TokenProblem("not-connected", "This connection is not connected yet: click Connect on its page to authorize it at the provider.");
  }
  const remembered = rememberedFailure(connection.id);
  if (remembered) throw remembered;
  // A caller whose token was refused must not be handed that same token by a flight started before the refusal.
  const key = `${connection.id}:${options.rejected ?? ""}`;
  let pending = inFlight.get(key);
  const kind = pending ? "single_flight_wait" : row ? "refresh" : "grant";
  if (!pending) {
    pending = obtainUnderLock(connection, actor, options.rejected)
      .then((outcome) => {
        if (outcome.ok) forgetTokenFailures(connection.id);
        // Only failures at the token endpoint: "not connected" and "needs re-authorization" cost the provider nothing.
        else if (outcome.problem.kind !== "not-connected" && outcome.problem.kind !== "needs-reauth") rememberFailure(connection.id, outcome.problem);
        return outcome;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const outcome = await pending.catch((error: unknown) => {
    metrics.tokenRequests.inc({ kind, outcome: "failed" });
    throw error;
  });
  metrics.tokenRequests.inc({ kind, outcome: outcome.ok ? "ok" : "failed" });
  if (!outcome.ok) throw outcome.problem;
  return { accessToken: outcome.accessToken, freshness: outcome.freshness };
}

/** A team's connection with what token work needs (secrets still sealed). */
export async function findConnectionForTokens(teamId: string, connectionId: string): Promise<ConnectionForTokens> {
  const connection = await db.connection.findFirst({
    where: { id: connectionId, teamId },
    select: { id: true, teamId: true, name: true, authType: true, oauthClientId: true, agentId: true, config: true, secrets: true, clientCertPem: true, clientCaPem: true },
  });
  if (!connection) throw connectionNotFound();
  return connection;
}

export type DisconnectResult = { revoked: boolean; revocationError?: string; hadTokens: boolean };

/**
 * Revokes the tokens at the provider when it offers revocation (RFC 7009; the
 * refresh token first, which ends the grant at most providers), then deletes
 * them here whatever the provider said: a user who disconnects wants Keyway
 * to stop using them.
 */
export async function disconnectConnection(connection: ConnectionForTokens, actor: AuditActor): Promise<DisconnectResult> {
  const row = await db.tokenSet.findUnique({ where: { connectionId: connection.id } });
  let revoked = false;
  let revocationError: string | undefined;
  // OAuth 1.0a has no revocation endpoint (RFC 5849 says nothing of one): its tokens are only deleted here.
  if (row && connection.authType !== "OAUTH1") {
    const settings = await connectionOAuthSettings(connection);
    if (settings.endpoints.revocationUrl) {
      const tokens = openTokens(connection.id, row.tokens);
      const configuration = oauthConfiguration(settings.endpoints, settings.outbound);
      try {
        if (tokens.refreshToken) await oauth.tokenRevocation(configuration, tokens.refreshToken, { token_type_hint: "refresh_token" });
        try {
          await oauth.tokenRevocation(configuration, tokens.accessToken, { token_type_hint: "access_token" });
        } catch (error) {
          // Google and Salesforce end the access token with the refresh token, and then call it invalid_token
          // (RFC 7009 2.2 says a server should answer 200): that is the revocation having worked.
          // RFC 7009 2.2.1 lets a server refuse to revoke a token type (oidc-provider does so for JWT
          // access tokens, which end on their own): with the grant's refresh token revoked, that is success too.
          const alreadyGone = tokens.refreshToken && error instanceof oauth.ResponseBodyError && (error.error === "invalid_token" || error.error === "unsupported_token_type");
          if (!alreadyGone) throw error;
        }
        revoked = true;
      } catch (error) {
        revocationError = tokenProblemFrom(error, "Revoking the tokens at the provider", { tokenAuthMethod: settings.endpoints.tokenAuthMethod }).message;
      }
    }
  }
  await db.$transaction(async (tx) => {
    await tx.tokenSet.deleteMany({ where: { connectionId: connection.id } });
    await tx.connection.update({ where: { id: connection.id }, data: { status: "UNTESTED" } });
    await writeAudit(tx, {
      teamId: connection.teamId,
      actor,
      action: "connection.disconnected",
      objectType: "connection",
      objectId: connection.id,
      objectName: connection.name,
      data: { hadTokens: Boolean(row), revoked, ...(revocationError ? { revocationError } : {}) },
    });
  });
  return { revoked, revocationError, hadTokens: Boolean(row) };
}
