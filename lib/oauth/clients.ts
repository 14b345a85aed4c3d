import { randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { decryptSecret, encryptSecret, lastFour } from "../crypto";
import { DomainError } from "../errors";
import { callbackUrl } from "./callback-url";
import { discoverIssuer, outboundCauseOf, type DiscoveredEndpoints, type OAuthEndpoints, type TokenAuthMethod } from "./http";
import type { ExtraParam, OAuthClientInput } from "./schemas";
import { scopesFromText } from "./schemas";

// A team's registered OAuth clients. Every function takes the team id that
// requireMember resolved and looks clients up by (team, id), so another
// team's client is simply not found.

export function oauthClientNotFound(): DomainError {
  return new DomainError("That OAuth client does not exist in this team.", 404);
}

function newClientId(): string {
  return `oc${randomBytes(12).toString("hex")}`;
}

/** The secret's envelope is bound to the client row, so it cannot be moved to another row and decrypted there (the key-rotation script uses it too). */
export function clientSecretContext(id: string): string {
  return `oauth-client:${id}`;
}

const VIEW_FIELDS = {
  id: true,
  name: true,
  provider: true,
  issuer: true,
  authorizationUrl: true,
  tokenUrl: true,
  revocationUrl: true,
  parUrl: true,
  clientId: true,
  secretLastFour: true,
  secretChangedAt: true,
  scopes: true,
  scopeSeparator: true,
  tokenAuthMethod: true,
  pkce: true,
  extraAuthParams: true,
  notes: true,
  redirectUri: true,
  createdById: true,
  createdByLabel: true,
  createdAt: true,
  updatedAt: true,
} as const;

export type OAuthClientView = Awaited<ReturnType<typeof findOAuthClient>>;

function viewOf<T extends { clientSecret?: string | null; extraAuthParams: unknown; tokenAuthMethod: string }>(row: T) {
  const { clientSecret, ...rest } = row;
  return {
    ...rest,
    hasSecret: Boolean(clientSecret),
    tokenAuthMethod: row.tokenAuthMethod as TokenAuthMethod,
    extraAuthParams: (Array.isArray(row.extraAuthParams) ? row.extraAuthParams : []) as ExtraParam[],
  };
}

/** A secret older than this is flagged in the registry: rotate it at the provider and here. */
export const SECRET_MAX_AGE_DAYS = 180;

export async function listOAuthClients(teamId: string) {
  const rows = await db.oAuthClient.findMany({
    where: { teamId },
    select: {
      ...VIEW_FIELDS,
      clientSecret: true,
      connections: { select: { id: true, name: true, tokenSet: { select: { obtainedAt: true, refreshedAt: true } } }, orderBy: { name: "asc" } },
    },
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  const now = Date.now();
  return rows.map(({ connections, ...row }) => {
    // The newest token obtained or refreshed by any connection using the client.
    const activity = connections.flatMap((c) => (c.tokenSet ? [c.tokenSet.refreshedAt ?? c.tokenSet.obtainedAt] : []));
    return {
      ...viewOf(row),
      connections: connections.map(({ id, name }) => ({ id, name })),
      connectionCount: connections.length,
      lastTokenActivity: activity.length > 0 ? new Date(Math.max(...activity.map((d) => d.getTime()))) : null,
      secretAgeDays: row.secretChangedAt ? Math.floor((now - row.secretChangedAt.getTime()) / 86_400_000) : null,
    };
  });
}

/** A client as pages may see it: never the secret, only whether it is set and (for long ones) its last four characters. */
export async function findOAuthClient(teamId: string, id: string) {
  const row = await db.oAuthClient.findFirst({
    where: { id, teamId },
    select: { ...VIEW_FIELDS, clientSecret: true, connections: { select: { id: true, name: true, authType: true, status: true, clientCertExpiresAt: true, health: { select: { state: true, stateSince: true, summary: true } }, tokenSet: { select: { expiresAt: true, hasRefreshToken: true } } }, orderBy: { name: "asc" } } },
  });
  if (!row) throw oauthClientNotFound();
  return viewOf(row);
}

function columnsOf(input: OAuthClientInput) {
  return {
    name: input.name,
    provider: input.provider,
    issuer: input.issuer || null,
    authorizationUrl: input.authorizationUrl,
    tokenUrl: input.tokenUrl,
    revocationUrl: input.revocationUrl || null,
    parUrl: input.parUrl || null,
    clientId: input.clientId,
    scopes: scopesFromText(input.scopes),
    scopeSeparator: input.scopeSeparator,
    tokenAuthMethod: input.tokenAuthMethod,
    pkce: input.tokenAuthMethod === "none" ? true : input.pkce,
    extraAuthParams: input.extraAuthParams,
    notes: input.notes.trim(),
  };
}

function requiresSecret(input: OAuthClientInput): boolean {
  return input.tokenAuthMethod !== "none";
}

export async function createOAuthClient(teamId: string, actor: AuditActor, input: OAuthClientInput) {
  if (requiresSecret(input) && input.clientSecret === "") {
    throw new DomainError("Enter the client secret the provider showed you (or choose None for a public client).", 400, "clientSecret");
  }
  const id = newClientId();
  const secret = requiresSecret(input) ? input.clientSecret : "";
  return db.$transaction(async (tx) => {
    const created = await tx.oAuthClient.create({
      data: {
        id,
        teamId,
        ...columnsOf(input),
        clientSecret: secret ? encryptSecret(secret, clientSecretContext(id)) : null,
        secretLastFour: secret ? (lastFour(secret) ?? null) : null,
        secretChangedAt: secret ? new Date() : null,
        redirectUri: callbackUrl(),
        createdById: actor.id,
        createdByLabel: actor.label,
      },
      select: { id: true, name: true },
    });
    await writeAudit(tx, {
      teamId,
      actor,
      action: "oauth_client.created",
      objectType: "oauth_client",
      objectId: id,
      objectName: input.name,
      data: { provider: input.provider, clientId: input.clientId, scopes: scopesFromText(input.scopes), tokenAuthMethod: input.tokenAuthMethod, redirectUri: callbackUrl() },
    });
    return created;
  });
}

/** An empty secret keeps the saved one. Saving also records this instance's current callback URL as the one registered. */
export async function updateOAuthClient(
  teamId: string,
  actor: AuditActor,
  id: string,
  input: OAuthClientInput,
  /** `precondition`: refuses (throws) when the saved row is not the one the caller last read (the API's If-Match); checked under the row lock. */
  options: { redirectUriConfirmed?: boolean; precondition?: (saved: { updatedAt: Date }) => void } = {},
) {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "OAuthClient" WHERE id = ${id} AND "teamId" = ${teamId} FOR UPDATE`;
    if (rows.length === 0) throw oauthClientNotFound();
    const saved = await tx.oAuthClient.findUniqueOrThrow({ where: { id } });
    options.precondition?.(saved);
    const newSecret = requiresSecret(input) && input.clientSecret !== "";
    if (requiresSecret(input) && !newSecret && !saved.clientSecret) {
      throw new DomainError("Enter the client secret the provider showed you (or choose None for a public client).", 400, "clientSecret");
    }
    const secretColumns = !requiresSecret(input)
      ? { clientSecret: null, secretLastFour: null, secretChangedAt: saved.clientSecret ? new Date() : saved.secretChangedAt }
      : newSecret
        ? { clientSecret: encryptSecret(input.clientSecret, clientSecretContext(id)), secretLastFour: lastFour(input.clientSecret) ?? null, secretChangedAt: new Date() }
        : {};
    const columns = columnsOf(input);
    const updated = await tx.oAuthClient.update({
      where: { id },
      data: { ...columns, ...secretColumns, ...(options.redirectUriConfirmed ? { redirectUri: callbackUrl() } : {}) },
      select: { id: true, name: true },
    });
    const changed: string[] = (Object.keys(columns) as (keyof typeof columns)[]).filter((key) => JSON.stringify(saved[key]) !== JSON.stringify(columns[key]));
    if (newSecret) changed.push("clientSecret");
    await writeAudit(tx, { teamId, actor, action: "oauth_client.updated", objectType: "oauth_client", objectId: id, objectName: input.name, data: { changed, secretChanged: newSecret } });
    return updated;
  });
}

export async function deleteOAuthClient(teamId: string, actor: AuditActor, id: string, precondition?: (saved: { updatedAt: Date }) => void) {
  await db.$transaction(async (tx) => {
    // Locked, so an If-Match checked here still holds when the row is deleted.
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "OAuthClient" WHERE id = ${id} AND "teamId" = ${teamId} FOR UPDATE`;
    if (rows.length === 0) throw oauthClientNotFound();
    const found = await tx.oAuthClient.findUniqueOrThrow({ where: { id }, select: { name: true, updatedAt: true, _count: { select: { connections: true } } } });
    precondition?.(found);
    if (found._count.connections > 0) {
      const n = found._count.connections;
      throw new DomainError(`${n} connection${n === 1 ? " uses" : "s use"} this client. Move ${n === 1 ? "it" : "them"} to another client or delete ${n === 1 ? "it" : "them"} first.`, 409);
    }
    await tx.oAuthClient.delete({ where: { id } });
    await writeAudit(tx, { teamId, actor, action: "oauth_client.deleted", objectType: "oauth_client", objectId: id, objectName: found.name });
  });
}

/** A registered client's protocol settings with its secret, decrypted for the one exchange that needs it. */
export type RegisteredClient = OAuthEndpoints & { provider: string; scopes: string[]; scopeSeparator: " " | ","; pkce: boolean; extraAuthParams: ExtraParam[] };

export async function loadRegisteredClient(teamId: string, id: string): Promise<RegisteredClient> {
  const row = await db.oAuthClient.findFirst({ where: { id, teamId } });
  if (!row) throw oauthClientNotFound();
  return {
    provider: row.provider,
    issuer: row.issuer,
    authorizationUrl: row.authorizationUrl,
    tokenUrl: row.tokenUrl,
    revocationUrl: row.revocationUrl,
    parUrl: row.parUrl,
    clientId: row.clientId,
    clientSecret: row.clientSecret ? decryptSecret(row.clientSecret, clientSecretContext(row.id)) : null,
    tokenAuthMethod: row.tokenAuthMethod as TokenAuthMethod,
    scopes: row.scopes,
    scopeSeparator: row.scopeSeparator === "," ? "," : " ",
    pkce: row.pkce,
    extraAuthParams: (Array.isArray(row.extraAuthParams) ? row.extraAuthParams : []) as ExtraParam[],
  };
}

/** Discovery for the client form, with failures in words. */
export async function discoverForForm(issuerUrl: string): Promise<DiscoveredEndpoints> {
  try {
    return await discoverIssuer(issuerUrl);
  } catch (error) {
    const outbound = outboundCauseOf(error);
    if (outbound) throw new DomainError(`Could not read the discovery document: ${outbound.message}`, 400, "issuer");
    const detail = error instanceof Error ? error.message : String(error);
    throw new DomainError(
      `${issuerUrl.replace(/\/+$/, "")}/.well-known/openid-configuration did not answer with a usable discovery document (${detail}). Check the issuer URL, or fill in the endpoints by hand.`,
      400,
      "issuer",
    );
  }
}
