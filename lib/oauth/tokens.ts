import * as oauth from "openid-client";
import { db } from "../db";
import { metrics } from "../ops/metrics";
import { config as appConfig } from "../config";
import { writeAudit, type AuditActor } from "../audit";
import { decryptJson, encryptJson } from "../crypto";
import type { Prisma } from "../generated/prisma/client";
import { connectionNotFound } from "../connections";
import { explainOAuthError } from "./errors";
import { oauthConfiguration, outboundCauseOf } from "./http";
import { isFresh, type Freshness } from "./freshness";
import { connectionOAuthSettings } from "./settings";

type TokenRow = Freshness & { tokens: string };

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

export type StoredTokens = { accessToken: string; refreshToken?: string };

export type TokenProblemKind = "not-connected" | "needs-reauth" | "refused" | "unreachable" | "invalid-response";

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

/** The provider's refusal or the network's failure, as a TokenProblem that says what to do. */
export function tokenProblemFrom(error: unknown, what: string): TokenProblem {
  const outbound = outboundCauseOf(error);
  if (outbound) return new TokenProblem("unreachable", `${what} failed: ${outbound.message}`);
  if (error instanceof oauth.ResponseBodyError) {
    const explained = explainOAuthError(error.error);
    const kind = error.error === "invalid_grant" ? "needs-reauth" : "refused";
    const description = error.error_description ? ` The provider said: “${error.error_description.slice(0, 300)}”.` : "";
    return new TokenProblem(kind, `${what}: ${explained.title} (${error.error}).${description} ${explained.fix}`, error.error);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const code = error.cause[0]?.parameters.error ?? "invalid_client";
    const explained = explainOAuthError(code);
    return new TokenProblem("refused", `${what}: ${explained.title} (HTTP ${error.status}, ${code}). ${explained.fix}`, code);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TokenProblem("invalid-response", `${what}: the token endpoint's answer could not be used (${message}).`);
}

export type ConnectionForTokens = { id: string; teamId: string; name: string; authType: string; oauthClientId: string | null; agentId: string | null; config: Prisma.JsonValue; secrets: string | null };

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
    if (current && currentTokens && isFresh(current) && currentTokens.accessToken !== rejected) return { ok: true, accessToken: currentTokens.accessToken, freshness: { expiresAt: current.expiresAt, obtainedAt: current.obtainedAt, refreshedAt: current.refreshedAt } };

    const configuration = oauthConfiguration(settings.endpoints, settings.outbound);
    const audit = (action: "connection.token_obtained" | "connection.token_refreshed" | "connection.refresh_failed", data: Prisma.InputJsonObject) =>
      writeAudit(tx, { teamId: connection.teamId, actor, action, objectType: "connection", objectId: connection.id, objectName: connection.name, data });

    if (connection.authType === "OAUTH2_CLIENT_CREDENTIALS") {
      const scope = settings.scopes.join(settings.scopeSeparator);
      let answer: TokenEndpointAnswer;
      try {
        answer = await oauth.clientCredentialsGrant(configuration, { ...(scope ? { scope } : {}), ...settings.tokenParams });
      } catch (error) {
        return { ok: false, problem: tokenProblemFrom(error, "Getting a token with the client credentials grant") };
      }
      const columns = tokenSetColumns(connection.id, answer);
      const obtainedAt = new Date();
      await tx.tokenSet.upsert({ where: { connectionId: connection.id }, create: { connectionId: connection.id, ...columns, obtainedAt }, update: { ...columns, obtainedAt, refreshedAt: null } });
      await audit("connection.token_obtained", { grant: "client_credentials", scope: columns.scope, expiresAt: columns.expiresAt?.toISOString() ?? null });
      return { ok: true, accessToken: answer.access_token, freshness: { expiresAt: columns.expiresAt, obtainedAt, refreshedAt: null } };
    }

    if (!current || !currentTokens) return { ok: false, problem: new TokenProblem("not-connected", "This connection is not connected yet: click Connect on its page to authorize it at the provider.") };
    if (!currentTokens.refreshToken) {
      const why = rejected ? "The API refused the access token" : "The access token has expired";
      await tx.connection.update({ where: { id: connection.id }, data: { status: "NEEDS_REAUTH" } });
      await audit("connection.refresh_failed", { reason: "no_refresh_token" });
      return { ok: false, problem: new TokenProblem("needs-reauth", `${why}, and the provider issued no refresh token to get a new one. Reconnect to authorize again (some providers issue refresh tokens only with extra parameters, such as Google's access_type=offline).`) };
    }
    let answer: TokenEndpointAnswer;
    try {
      answer = await oauth.refreshTokenGrant(configuration, currentTokens.refreshToken);
    } catch (error) {
      const problem = tokenProblemFrom(error, "Refreshing the access token");
      if (problem.kind === "needs-reauth") {
        // The refresh token is dead (revoked, expired, or rotated away): only the user can get new tokens.
        await tx.tokenSet.delete({ where: { connectionId: connection.id } });
        await tx.connection.update({ where: { id: connection.id }, data: { status: "NEEDS_REAUTH" } });
        await audit("connection.refresh_failed", { error: problem.code ?? "invalid_grant" });
      }
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
export async function currentAccessToken(connection: ConnectionForTokens, actor: AuditActor, options: { rejected?: string } = {}): Promise<CurrentToken> {
  const row: TokenRow | null = await db.tokenSet.findUnique({ where: { connectionId: connection.id }, select: { tokens: true, expiresAt: true, obtainedAt: true, refreshedAt: true } });
  if (row && isFresh(row)) {
    const { accessToken } = openTokens(connection.id, row.tokens);
    if (accessToken !== options.rejected) return { accessToken, freshness: { expiresAt: row.expiresAt, obtainedAt: row.obtainedAt, refreshedAt: row.refreshedAt } };
  }
  if (!row && connection.authType === "OAUTH2_CODE") {
    throw new TokenProblem("not-connected", "This connection is not connected yet: click Connect on its page to authorize it at the provider.");
  }
  // A caller whose token was refused must not be handed that same token by a flight started before the refusal.
  const key = `${connection.id}:${options.rejected ?? ""}`;
  let pending = inFlight.get(key);
  const kind = pending ? "single_flight_wait" : row ? "refresh" : "grant";
  if (!pending) {
    pending = obtainUnderLock(connection, actor, options.rejected).finally(() => inFlight.delete(key));
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
    select: { id: true, teamId: true, name: true, authType: true, oauthClientId: true, agentId: true, config: true, secrets: true },
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
  if (row) {
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
          const alreadyGone = tokens.refreshToken && error instanceof oauth.ResponseBodyError && error.error === "invalid_token";
          if (!alreadyGone) throw error;
        }
        revoked = true;
      } catch (error) {
        revocationError = tokenProblemFrom(error, "Revoking the tokens at the provider").message;
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
