import { randomBytes, X509Certificate } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { decryptSecret, encryptSecret, lastFour } from "../crypto";
import { DomainError } from "../errors";
import { callbackUrl } from "./callback-url";
import { discoverIssuer, outboundCauseOf, type DiscoveredEndpoints, type OAuthEndpoints, type TokenAuthMethod } from "./http";
import type { AssertionAlg, ExtraParam, OAuthClientInput } from "./schemas";
import { scopesFromText, usesClientSecret } from "./schemas";
import { assertionKeyProblem, assertionSigningKey, jwkThumbprint, publicJwkOf, type PublicJwk } from "./assertion-key";
import { Prisma } from "../generated/prisma/client";

// A team's registered OAuth clients. Every function takes the team id that
// requireMember resolved and looks clients up by (team, id), so another
// team's client is simply not found.

export function oauthClientNotFound(): DomainError {
  return new DomainError("That OAuth client does not exist in this team.", 404);
}

function newClientId(): string {
  return `oc${randomBytes(12).toString("hex")}`;
}

/** The private_key_jwt key's envelope, bound to the client row like the secret's (rotated by lib/connections/rotate.ts too). */
export function clientKeyContext(id: string): string {
  return `oauth-client-key:${id}`;
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
  assertionAlg: true,
  assertionKid: true,
  publicJwk: true,
  keyChangedAt: true,
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

function viewOf<T extends { clientSecret?: string | null; privateKey?: string | null; extraAuthParams: unknown; tokenAuthMethod: string; assertionAlg: string | null; publicJwk: Prisma.JsonValue | null }>(row: T) {
  const { clientSecret, privateKey, ...rest } = row;
  const publicJwk = row.publicJwk && typeof row.publicJwk === "object" ? (row.publicJwk as PublicJwk) : null;
  return {
    ...rest,
    hasSecret: Boolean(clientSecret),
    /** private_key_jwt: whether a key is saved (never the key), its public JWK and that JWK's RFC 7638 thumbprint. */
    hasPrivateKey: Boolean(privateKey),
    publicJwk,
    keyThumbprint: publicJwk ? jwkThumbprint(publicJwk) : null,
    assertionAlg: row.assertionAlg as AssertionAlg | null,
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
      privateKey: true,
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
    select: { ...VIEW_FIELDS, clientSecret: true, privateKey: true, connections: { select: { id: true, name: true, authType: true, status: true, clientCertExpiresAt: true, clientCertSubject: true, clientCertPem: true, health: { select: { state: true, stateSince: true, summary: true } }, tokenSet: { select: { expiresAt: true, hasRefreshToken: true } } }, orderBy: { name: "asc" } } },
  });
  if (!row) throw oauthClientNotFound();
  const { connections, ...rest } = row;
  return {
    ...viewOf(rest),
    // tls_client_auth: each connection's certificate is the client's credential; its (public) SHA-256 fingerprint is what a provider registers.
    connections: connections.map(({ clientCertPem, ...c }) => ({ ...c, clientCertFingerprint: certificateFingerprint(clientCertPem) })),
  };
}

function certificateFingerprint(pem: string | null): string | null {
  if (!pem) return null;
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return null;
  }
}

/** The form's input; callers below the form (tests, seeds) may leave out the private_key_jwt fields. */
type ClientInput = Omit<OAuthClientInput, "clientPrivateKeyPem" | "clientAssertionAlg" | "clientAssertionKid"> & Partial<Pick<OAuthClientInput, "clientPrivateKeyPem" | "clientAssertionAlg" | "clientAssertionKid">>;

function columnsOf(input: ClientInput) {
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
    assertionAlg: input.tokenAuthMethod === "private_key_jwt" ? (input.clientAssertionAlg ?? "RS256") : null,
    assertionKid: input.tokenAuthMethod === "private_key_jwt" && input.clientAssertionKid ? input.clientAssertionKid : null,
    pkce: input.tokenAuthMethod === "none" ? true : input.pkce,
    extraAuthParams: input.extraAuthParams,
    notes: input.notes.trim(),
  };
}

function requiresSecret(input: ClientInput): boolean {
  return usesClientSecret(input.tokenAuthMethod);
}

const SECRET_MISSING = "Enter the client secret the provider showed you (or choose another authentication method).";

/**
 * The private_key_jwt columns for this input: a new key (checked against the
 * algorithm, sealed to the row), or the saved one kept (still checked: the
 * algorithm may have changed), or none for the other methods. Refusals name
 * the field to show them next to.
 */
function keyColumns(id: string, input: ClientInput, saved: { privateKey: string | null; keyChangedAt: Date | null } | null) {
  if (input.tokenAuthMethod !== "private_key_jwt") {
    return { privateKey: null, publicJwk: Prisma.DbNull, keyChangedAt: saved?.privateKey ? new Date() : (saved?.keyChangedAt ?? null), keyChanged: false };
  }
  const typed = input.clientPrivateKeyPem ?? "";
  const alg = input.clientAssertionAlg ?? "RS256";
  const pem = typed || (saved?.privateKey ? decryptSecret(saved.privateKey, clientKeyContext(id)) : "");
  if (!pem) throw new DomainError("Paste the private key (PEM) the client signs its assertions with.", 400, "clientPrivateKeyPem");
  const problem = assertionKeyProblem(pem, alg);
  if (problem) throw new DomainError(problem, 400, typed ? "clientPrivateKeyPem" : "clientAssertionAlg");
  const publicJwk = publicJwkOf(pem, alg, input.clientAssertionKid || undefined);
  return typed
    ? { privateKey: encryptSecret(pem, clientKeyContext(id)), publicJwk, keyChangedAt: new Date(), keyChanged: true }
    : { publicJwk, keyChanged: false };
}

export async function createOAuthClient(teamId: string, actor: AuditActor, input: ClientInput) {
  if (requiresSecret(input) && input.clientSecret === "") {
    throw new DomainError(SECRET_MISSING, 400, "clientSecret");
  }
  const id = newClientId();
  const secret = requiresSecret(input) ? input.clientSecret : "";
  const { keyChanged: _keyChanged, ...key } = keyColumns(id, input, null);
  return db.$transaction(async (tx) => {
    const created = await tx.oAuthClient.create({
      data: {
        id,
        teamId,
        ...columnsOf(input),
        clientSecret: secret ? encryptSecret(secret, clientSecretContext(id)) : null,
        secretLastFour: secret ? (lastFour(secret) ?? null) : null,
        secretChangedAt: secret ? new Date() : null,
        ...key,
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
  input: ClientInput,
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
      throw new DomainError(SECRET_MISSING, 400, "clientSecret");
    }
    const { keyChanged, ...keyData } = keyColumns(id, input, saved);
    const secretColumns = !requiresSecret(input)
      ? { clientSecret: null, secretLastFour: null, secretChangedAt: saved.clientSecret ? new Date() : saved.secretChangedAt }
      : newSecret
        ? { clientSecret: encryptSecret(input.clientSecret, clientSecretContext(id)), secretLastFour: lastFour(input.clientSecret) ?? null, secretChangedAt: new Date() }
        : {};
    const columns = columnsOf(input);
    const updated = await tx.oAuthClient.update({
      where: { id },
      data: { ...columns, ...secretColumns, ...keyData, ...(options.redirectUriConfirmed ? { redirectUri: callbackUrl() } : {}) },
      select: { id: true, name: true },
    });
    const changed: string[] = (Object.keys(columns) as (keyof typeof columns)[]).filter((key) => JSON.stringify(saved[key]) !== JSON.stringify(columns[key]));
    if (newSecret) changed.push("clientSecret");
    if (keyChanged) changed.push("privateKey");
    await writeAudit(tx, { teamId, actor, action: "oauth_client.updated", objectType: "oauth_client", objectId: id, objectName: input.name, data: { changed, secretChanged: newSecret, ...(keyChanged ? { keyChanged: true } : {}) } });
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
  // private_key_jwt: the same signing key openid-client's PrivateKeyJwt gets for a client typed in place.
  const clientPrivateKey =
    row.tokenAuthMethod === "private_key_jwt" && row.privateKey
      ? await assertionSigningKey(decryptSecret(row.privateKey, clientKeyContext(row.id)), (row.assertionAlg ?? "RS256") as AssertionAlg, row.assertionKid ?? undefined)
      : undefined;
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
    ...(clientPrivateKey ? { clientPrivateKey } : {}),
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
