import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { DomainError } from "../errors";
import { currentAccessToken, openTokens, type TokenRow } from "../oauth/tokens";
import { queryRows } from "../proxy/check";
import type { Prisma } from "../generated/prisma/client";
import type { AuthType as StoredAuthType } from "../generated/prisma/enums";
import { applyAuthHeaders, authQueryParams, type NameValue } from "./apply-auth";
import { connectionNotFound, openSecrets } from "./index";
import { isOAuthType } from "./schemas";
import { resolveAuth, storedConfigSchema } from "./stored";
import { oauth1FlowTokens } from "./oauth1-flow";
import { OAuth1NotConnectedError } from "./signed-auth-stored";

// The credentials endpoint (SPEC.md, "Programmable Keyway"): a service that
// needs a raw token (an SDK that wants a token, not a base URL) reads a
// connection's current credentials, but only where an admin allowed it on the
// connection, and every read is in the audit log with the key and the
// caller's address. OAuth2 tokens come through the same single-flight refresh
// as the proxy's (lib/oauth/tokens.ts); other types hand out what they send.

export type ConnectionCredentials =
  | { kind: "oauth2"; authType: string; accessToken: string; tokenType: string; expiresAt: Date | null; scope: string | null; headers: NameValue[] }
  | { kind: "static"; authType: string; headers: NameValue[]; query: NameValue[]; fields: Record<string, unknown> };

// One statement reads the connection with its token set and, for the types
// whose credentials are at hand (not OAuth2), writes the read's audit event
// in the same round trip: the event is committed before the answer leaves.
// OAuth2 reads are audited once the token is in hand, as a failed refresh
// hands nothing out. Raw SQL on the proxy's pool (prepared once per
// connection), since this is a hot path: Prisma would cost two queries more.
const READ_SQL = `
  WITH c AS (
    SELECT c.id, c."teamId", c.name, c."authType"::text AS "authType", c."oauthClientId", c."agentId", c.config, c.secrets, c."clientCertPem", c."clientCaPem", c."credentialsReadable",
           t."connectionId" IS NOT NULL AS "hasTokens", t.tokens, t."hasRefreshToken", t."tokenType", t.scope,
           (extract(epoch FROM t."expiresAt" AT TIME ZONE 'UTC') * 1000)::float8 AS "expiresAtMs",
           (extract(epoch FROM t."obtainedAt" AT TIME ZONE 'UTC') * 1000)::float8 AS "obtainedAtMs",
           (extract(epoch FROM t."refreshedAt" AT TIME ZONE 'UTC') * 1000)::float8 AS "refreshedAtMs"
    FROM "Connection" c LEFT JOIN "TokenSet" t ON t."connectionId" = c.id
    WHERE c.id = $1 AND c."teamId" = $2
  ), audited AS (
    INSERT INTO "AuditEvent" ("teamId", "actorId", "actorLabel", ip, action, "objectType", "objectId", "objectName", data, "createdAt")
    SELECT "teamId", $3, $4, $5, 'connection.credentials_read', 'connection', id, name, jsonb_build_object('kind', 'static', 'authType', "authType") || $6::jsonb, (now() AT TIME ZONE 'UTC')
    FROM c WHERE "credentialsReadable" AND "authType" NOT IN ('OAUTH2_CODE', 'OAUTH2_CLIENT_CREDENTIALS', 'GOOGLE_SERVICE_ACCOUNT', 'OAUTH2_JWT_BEARER')
    RETURNING 1
  )
  SELECT c.*, (SELECT count(*) FROM audited)::int AS audited FROM c`;

const OAUTH_AUDIT_SQL = `
  INSERT INTO "AuditEvent" ("teamId", "actorId", "actorLabel", ip, action, "objectType", "objectId", "objectName", data, "createdAt")
  VALUES ($1, $2, $3, $4, 'connection.credentials_read', 'connection', $5, $6, $7::jsonb, (now() AT TIME ZONE 'UTC'))`;

type ReadRow = {
  id: string;
  teamId: string;
  name: string;
  authType: StoredAuthType;
  oauthClientId: string | null;
  agentId: string | null;
  config: Prisma.JsonValue;
  secrets: string | null;
  clientCertPem: string | null;
  clientCaPem: string | null;
  credentialsReadable: boolean;
  hasTokens: boolean;
  tokens: string | null;
  hasRefreshToken: boolean | null;
  tokenType: string | null;
  scope: string | null;
  expiresAtMs: number | null;
  obtainedAtMs: number | null;
  refreshedAtMs: number | null;
  audited: number;
};

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

export async function readCredentials(teamId: string, actor: AuditActor, connectionId: string): Promise<ConnectionCredentials> {
  const auditData = actor.apiKeyId ? { apiKeyId: actor.apiKeyId } : {};
  const rows = await queryRows<ReadRow>("keyway_credentials_read", READ_SQL, [connectionId, teamId, actor.id, actor.label, actor.ip ?? null, JSON.stringify(auditData)]);
  const connection = rows[0];
  if (!connection) throw connectionNotFound();
  if (!connection.credentialsReadable) {
    throw new DomainError(`Reading the credentials of “${connection.name}” is not allowed. A team admin can allow it on the connection's page (“Allow services to read this connection's credentials”).`, 403);
  }
  if (!isOAuthType(connection.authType)) {
    // Audited by the statement above, before anything leaves.
    const config = storedConfigSchema.parse(connection.config ?? {});
    let stored: ReturnType<typeof resolveAuth>;
    try {
      stored = resolveAuth(connection.authType, config, openSecrets(connection.id, connection.secrets), await oauth1FlowTokens(connection.id, config));
    } catch (error) {
      if (error instanceof OAuth1NotConnectedError) throw new DomainError(error.message, 409);
      throw error;
    }
    const { authType, ...fields } = stored;
    const resolved = { authType, ...fields } as Parameters<typeof applyAuthHeaders>[0];
    return { kind: "static", authType, headers: toList(applyAuthHeaders(resolved, {})), query: authQueryParams(resolved), fields };
  }
  const known: TokenRow | null = connection.hasTokens
    ? { tokens: connection.tokens!, hasRefreshToken: connection.hasRefreshToken ?? false, expiresAt: date(connection.expiresAtMs), obtainedAt: date(connection.obtainedAtMs)!, refreshedAt: date(connection.refreshedAtMs) }
    : null;
  const token = await currentAccessToken(connection, actor, { known });
  // A refresh may have replaced the token set: its type and scope are then read again.
  const set = token.accessToken === (known && openTokens(connection.id, known.tokens).accessToken) ? { tokenType: connection.tokenType, scope: connection.scope } : await db.tokenSet.findUnique({ where: { connectionId: connection.id }, select: { tokenType: true, scope: true } });
  const credentials: ConnectionCredentials = {
    kind: "oauth2",
    authType: connection.authType,
    accessToken: token.accessToken,
    tokenType: set?.tokenType ?? "Bearer",
    expiresAt: token.freshness.expiresAt,
    scope: set?.scope ?? null,
    headers: toList(applyAuthHeaders({ authType: "BEARER", accessToken: token.accessToken }, {})),
  };
  // Written before the credentials leave: a read that is not in the log does not happen.
  // A prepared statement on the proxy's pool, as the read above: through Prisma this
  // insert cost more than the rest of a warm read together (bench:api).
  await queryRows("keyway_credentials_read_oauth_audit", OAUTH_AUDIT_SQL, [
    teamId,
    actor.id,
    actor.label,
    actor.ip ?? null,
    connection.id,
    connection.name,
    JSON.stringify({ kind: credentials.kind, authType: connection.authType, ...auditData }),
  ]);
  return credentials;
}

function toList(headers: Record<string, string>): NameValue[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}

/** "Allow services to read this connection's credentials": admins only (the caller checks the role or scope). */
export async function setCredentialsReadable(teamId: string, actor: AuditActor, connectionId: string, allowed: boolean): Promise<void> {
  await db.$transaction(async (tx) => {
    const found = await tx.connection.findFirst({ where: { id: connectionId, teamId }, select: { name: true, credentialsReadable: true } });
    if (!found) throw connectionNotFound();
    if (found.credentialsReadable === allowed) return;
    await tx.connection.update({ where: { id: connectionId }, data: { credentialsReadable: allowed } });
    await writeAudit(tx, { teamId, actor, action: "connection.credentials_access_changed", objectType: "connection", objectId: connectionId, objectName: found.name, data: { allowed } });
  });
}
