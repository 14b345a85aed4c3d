import { createHash, randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { decryptSecret, encryptSecret } from "../crypto";
import { DomainError } from "../errors";
import { connectionTunnel } from "../agents/tunnel";
import { OutboundError, sendRequest } from "../outbound";
import { callbackUrl } from "../oauth/callback-url";
import { sanitizeDescription, sanitizeErrorCode } from "../oauth/errors";
import { openTokens, sealTokens } from "../oauth/tokens";
import { temporaryCredentialsAuthorization, tokenCredentialsAuthorization, type OAuth1Auth } from "./oauth1";
import { resolveSignedAuth, type OAuth1FlowTokens } from "./signed-auth-stored";
import { storedConfigSchema, type StoredConfig } from "./stored";
import { openSecrets } from "./index";

// The three-legged OAuth 1.0a flow (RFC 5849 section 2) through Keyway's
// universal callback, kept like the OAuth2 one (lib/oauth/authorize.ts): a
// pending row per Connect, used once, by the user who started it, within ten
// minutes. The provider knows the flow by its temporary token (it sends it
// back as oauth_token), so the row is found by that token's hash; the
// temporary secret is sealed in the row and only ever used to sign the token
// request. The access token and its secret end in the connection's TokenSet,
// encrypted like OAuth2 tokens, so key rotation, Disconnect and the proxy's
// cache invalidation treat both protocols alike.
//
// The requests go out through lib/outbound (outbound safety, time-outs, the
// connection's agent) and are signed by oauth1.ts (oauth-sign); node-oauth,
// the obvious library for the flow, sends its own requests past all that.

const PENDING_LIFETIME_MS = 10 * 60 * 1000;

// The shapes of lib/oauth/authorize.ts's results, repeated rather than imported: authorize.ts calls into this file.
type StartedAuthorization = { url: string; pendingId: string };
type CallbackResult =
  | { kind: "refused"; reason: "missing-state" | "unknown-state" | "used-state" | "expired-state" | "other-user" | "no-access"; connection?: { teamSlug: string; connectionId: string } }
  | { kind: "finished"; teamSlug: string; connectionId: string; pendingId: string };
/** A temporary or token credentials answer is a few form fields. */
const ANSWER_MAX_BYTES = 64 * 1024;

function hashRequestToken(token: string): string {
  // Prefixed so that a temporary token can never equal the hash of an OAuth2 state.
  return createHash("sha256").update(`oauth1:${token}`).digest("base64url");
}

/** The temporary secret's envelope is bound to its pending row (the key-rotation script uses this too). */
export function requestTokenSecretContext(pendingId: string): string {
  return `oauth1-request:${pendingId}`;
}

/** A callback of the OAuth 1.0a flow: no OAuth2 state, and the temporary token (or Twitter's `denied`) instead. */
export function isOAuth1Callback(params: URLSearchParams): boolean {
  return !params.has("state") && (params.has("oauth_token") || params.has("denied"));
}

type FlowConnection = { id: string; teamId: string; name: string; authType: string; agentId: string | null; config: unknown; secrets: string | null };

function flowSettings(connection: FlowConnection): { config: StoredConfig; flow: NonNullable<NonNullable<StoredConfig["oauth1"]>["flow"]>; consumer: OAuth1Auth } {
  const config = storedConfigSchema.parse(connection.config ?? {});
  const flow = config.oauth1?.flow;
  if (connection.authType !== "OAUTH1" || !flow) throw new DomainError("Only OAuth 1.0a connections set to get their access token with Connect are connected this way.", 400);
  // The consumer alone: the token credentials are what the flow is for.
  const consumer = resolveSignedAuth("OAUTH1", { ...config, oauth1: { ...config.oauth1!, flow: undefined, token: undefined } }, openSecrets(connection.id, connection.secrets)) as OAuth1Auth;
  return { config, flow, consumer };
}

/** Why an exchange with the provider failed, told apart like lib/oauth/tokens.ts does: refused, failed with an HTTP status, unreachable, or an unusable answer. */
class FlowProblem extends Error {
  constructor(
    readonly code: string,
    readonly description: string | null,
  ) {
    super(description ?? code);
  }
}

/**
 * One signed POST of the flow (RFC 5849 2.1 and 2.3), and the form fields of
 * its answer. Servers refuse with 400 or 401 (3.2), often saying why in the
 * oauth_problem field of the Problem Reporting extension.
 */
async function exchange(what: string, url: string, sign: (target: URL) => string, agent: { agentId: string | null }): Promise<URLSearchParams> {
  const target = new URL(url);
  const authorization = sign(target);
  let response;
  try {
    response = await sendRequest({
      url: target.href,
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/x-www-form-urlencoded, */*;q=0.5" },
      body: "",
      maxRedirects: 0,
      maxBytes: ANSWER_MAX_BYTES,
      tunnel: connectionTunnel(agent),
    });
  } catch (error) {
    if (error instanceof OutboundError) throw new FlowProblem("oauth1_endpoint_unreachable", `${what}: Keyway could not reach ${target.host}. ${error.message}`);
    throw error;
  }
  const text = response.body.toString("utf8");
  const fields = new URLSearchParams(/^[\x20-\x7e]*$/.test(text.trim()) ? text.trim() : "");
  if (response.status === 400 || response.status === 401 || response.status === 403) {
    const problem = fields.get("oauth_problem");
    const advice = fields.get("oauth_problem_advice");
    if (problem) throw new FlowProblem(problem, `${what}: the provider refused it (HTTP ${response.status})${advice ? `: “${advice.slice(0, 300)}”` : "."}`);
    throw new FlowProblem("oauth1_refused", `${what}: the provider refused it (HTTP ${response.status}) without saying why in OAuth terms.`);
  }
  if (response.status < 200 || response.status >= 300) {
    const side = response.status >= 500 ? "a problem on the provider's side; try again later" : "check that the URL is the provider's";
    throw new FlowProblem("oauth1_endpoint_failed", `${what} failed: ${target.host} answered HTTP ${response.status}, ${side}.`);
  }
  if (!fields.get("oauth_token") || !fields.has("oauth_token_secret")) {
    throw new FlowProblem("oauth1_response_invalid", `${what}: ${target.host} answered HTTP ${response.status}, but without oauth_token and oauth_token_secret (RFC 5849 2.1, 2.3).`);
  }
  return fields;
}

async function recordFailure(pendingId: string, connection: { teamId: string; id: string; name: string }, actor: AuditActor, code: string, description: string | null) {
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
      data: { protocol: "oauth1", error: errorCode, ...(errorDescription ? { description: errorDescription } : {}) },
    });
  });
}

function newPendingId(): string {
  return `pa${randomBytes(12).toString("hex")}`;
}

/**
 * Asks the provider for temporary credentials with Keyway's callback (RFC
 * 5849 2.1), records the pending flow, and returns the authorization URL to
 * send the browser to (2.2). A refusal or failure is recorded on a used row
 * and returned as `failed`, for the connection page to show.
 */
export async function startOAuth1Authorization(connection: FlowConnection, userId: string, actor: AuditActor): Promise<StartedAuthorization | { failed: string }> {
  const { flow, consumer } = flowSettings(connection);
  const redirectUri = callbackUrl();
  const pendingId = newPendingId();
  const now = Date.now();
  const row = { id: pendingId, teamId: connection.teamId, connectionId: connection.id, userId, redirectUri, expiresAt: new Date(now + PENDING_LIFETIME_MS) };
  let fields: URLSearchParams;
  try {
    fields = await exchange("Asking for temporary credentials", flow.requestTokenUrl, (target) => temporaryCredentialsAuthorization(consumer, target, redirectUri), connection);
    // RFC 5849 2.1: the server MUST confirm the callback; one that does not is speaking OAuth 1.0, whose flow can be hijacked (the reason for 1.0a).
    if (fields.get("oauth_callback_confirmed") !== "true") throw new FlowProblem("oauth1_callback_unconfirmed", "Asking for temporary credentials: the provider did not answer oauth_callback_confirmed=true, so it does not speak OAuth 1.0a (RFC 5849 2.1).");
  } catch (error) {
    if (!(error instanceof FlowProblem)) throw error;
    await db.pendingAuthorization.create({ data: { ...row, stateHash: `failed:${pendingId}` } });
    await recordFailure(pendingId, connection, actor, error.code, error.description);
    return { failed: pendingId };
  }
  const requestToken = fields.get("oauth_token")!;
  await db.$transaction([
    db.pendingAuthorization.deleteMany({ where: { expiresAt: { lt: new Date(now - 24 * 60 * 60 * 1000) } } }),
    db.pendingAuthorization.create({
      data: { ...row, stateHash: hashRequestToken(requestToken), requestTokenSecret: encryptSecret(fields.get("oauth_token_secret") ?? "", requestTokenSecretContext(pendingId)) },
    }),
  ]);
  const url = new URL(flow.authorizeUrl);
  url.searchParams.set("oauth_token", requestToken);
  return { url: url.href, pendingId };
}

/**
 * The callback (RFC 5849 2.2): finds the pending flow by its temporary token,
 * for the signed-in user only, claims it once, and trades the token and the
 * verifier for token credentials (2.3). A refusal changes nothing; any other
 * callback uses up its pending flow, whatever the outcome.
 */
export async function completeOAuth1Authorization(user: { id: string; email: string }, params: URLSearchParams, ip: string | null): Promise<CallbackResult> {
  // Twitter and others send `denied=<temporary token>` when the user says no.
  const denied = params.get("denied");
  const requestToken = denied ?? params.get("oauth_token");
  if (!requestToken) return { kind: "refused", reason: "missing-state" };
  const stateHash = hashRequestToken(requestToken);
  const claimed = await db.pendingAuthorization.updateManyAndReturn({
    where: { stateHash, usedAt: null, userId: user.id, expiresAt: { gt: new Date() }, requestTokenSecret: { not: null } },
    data: { usedAt: new Date() },
  });
  const pending = claimed[0];
  if (!pending) {
    const found = await db.pendingAuthorization.findUnique({
      where: { stateHash },
      select: { usedAt: true, userId: true, connectionId: true, connection: { select: { team: { select: { slug: true } } } } },
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
  if (!connection || !membership || membership.role === "VIEWER" || connection.authType !== "OAUTH1") return { kind: "refused", reason: "no-access" };
  const actor: AuditActor = { id: user.id, label: user.email, ip };
  const finished = { kind: "finished" as const, teamSlug: connection.team.slug, connectionId: connection.id, pendingId: pending.id };

  const problem = params.get("oauth_problem");
  if (denied !== null || problem) {
    await recordFailure(pending.id, connection, actor, problem ?? "user_refused", null);
    return finished;
  }
  const verifier = params.get("oauth_verifier");
  if (!verifier) {
    await recordFailure(pending.id, connection, actor, "oauth1_response_invalid", "The provider sent the browser back without an oauth_verifier (RFC 5849 2.2).");
    return finished;
  }

  let fields: URLSearchParams;
  try {
    // Settings read now, not at Connect: an edit in between that changed the consumer would fail here, visibly.
    const { flow, consumer } = flowSettings(connection);
    const temporary = { token: requestToken, secret: decryptSecret(pending.requestTokenSecret!, requestTokenSecretContext(pending.id)) };
    fields = await exchange("Exchanging the verifier for an access token", flow.accessTokenUrl, (target) => tokenCredentialsAuthorization(consumer, temporary, verifier, target), connection);
  } catch (error) {
    if (error instanceof FlowProblem) {
      await recordFailure(pending.id, connection, actor, error.code, error.description);
      return finished;
    }
    if (error instanceof DomainError) {
      await recordFailure(pending.id, connection, actor, "oauth1_not_configured", error.message);
      return finished;
    }
    throw error;
  }

  const tokens = { accessToken: fields.get("oauth_token")!, tokenSecret: fields.get("oauth_token_secret") ?? "" };
  const columns = { tokens: sealTokens(connection.id, tokens), tokenType: "OAuth1", scope: null, expiresAt: null, hasRefreshToken: false, connectedBy: user.email };
  await db.$transaction(async (tx) => {
    await tx.tokenSet.upsert({
      where: { connectionId: connection.id },
      create: { connectionId: connection.id, ...columns },
      update: { ...columns, obtainedAt: new Date(), refreshedAt: null, refreshCount: 0 },
    });
    await tx.connection.update({ where: { id: connection.id }, data: { status: "UNTESTED" } });
    await tx.pendingAuthorization.update({ where: { id: pending.id }, data: { outcome: "connected" } });
    await writeAudit(tx, {
      teamId: connection.teamId,
      actor,
      action: "connection.connected",
      objectType: "connection",
      objectId: connection.id,
      objectName: connection.name,
      data: { protocol: "oauth1" },
    });
  });
  return finished;
}

/** A three-legged connection's access token and secret; undefined for the other OAuth 1.0a sources, null when not connected. */
export async function oauth1FlowTokens(connectionId: string, config: StoredConfig): Promise<OAuth1FlowTokens | null | undefined> {
  if (!config.oauth1?.flow) return undefined;
  const row = await db.tokenSet.findUnique({ where: { connectionId }, select: { tokens: true, tokenType: true } });
  if (!row || row.tokenType !== "OAuth1") return null;
  const opened = openTokens(connectionId, row.tokens);
  return { token: opened.accessToken, tokenSecret: opened.tokenSecret ?? "" };
}
