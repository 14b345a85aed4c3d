import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { DomainError } from "../errors";
import { currentAccessToken } from "../oauth/tokens";
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

export async function readCredentials(teamId: string, actor: AuditActor, connectionId: string): Promise<ConnectionCredentials> {
  const connection = await db.connection.findFirst({
    where: { id: connectionId, teamId },
    select: { id: true, teamId: true, name: true, authType: true, oauthClientId: true, agentId: true, config: true, secrets: true, clientCertPem: true, clientCaPem: true, credentialsReadable: true },
  });
  if (!connection) throw connectionNotFound();
  if (!connection.credentialsReadable) {
    throw new DomainError(`Reading the credentials of “${connection.name}” is not allowed. A team admin can allow it on the connection's page (“Allow services to read this connection's credentials”).`, 403);
  }
  let credentials: ConnectionCredentials;
  if (isOAuthType(connection.authType)) {
    const token = await currentAccessToken(connection, actor);
    const set = await db.tokenSet.findUnique({ where: { connectionId: connection.id }, select: { tokenType: true, scope: true } });
    credentials = {
      kind: "oauth2",
      authType: connection.authType,
      accessToken: token.accessToken,
      tokenType: set?.tokenType ?? "Bearer",
      expiresAt: token.freshness.expiresAt,
      scope: set?.scope ?? null,
      headers: toList(applyAuthHeaders({ authType: "BEARER", accessToken: token.accessToken }, {})),
    };
  } else {
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
    credentials = { kind: "static", authType, headers: toList(applyAuthHeaders(resolved, {})), query: authQueryParams(resolved), fields };
  }
  // Written before the credentials leave: a read that is not in the log does not happen.
  await writeAudit(db, {
    teamId,
    actor,
    action: "connection.credentials_read",
    objectType: "connection",
    objectId: connection.id,
    objectName: connection.name,
    data: { kind: credentials.kind, authType: connection.authType },
  });
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
