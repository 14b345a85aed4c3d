import { randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { decryptJson, encryptJson } from "../crypto";
import { DomainError } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { agentPresence } from "../agents/presence";
import { CONNECTION_SORTS, connectionListWhere, type ConnectionListQuery } from "./list-query";
import { chosenAgentId, isOAuthType, isReceiverType, isServiceAccountType, type ConnectionInput } from "./schemas";
import { StoredAuthError, storeAuth, storedConfigSchema, type SecretHints, type StoredConfig, type StoredSecrets } from "./stored";
import { isTlsClientAuth } from "../oauth/schemas";

type Tx = Prisma.TransactionClient;

// Connections of a team: every function takes the team id that requireMember
// resolved, and looks connections up by (team, id), so another team's id is
// simply not found (404), never its data.

export type ClientCertificateToStore = {
  chainPem: string;
  caPem?: string;
  privateKeyPem: string;
  passphrase?: string;
  subject: string;
  expiresAt: Date;
};

/** What the encrypted blob holds: the auth's secrets, and the client certificate's key. */
type SecretBlob = StoredSecrets & { clientKeyPem?: string; clientKeyPassphrase?: string };

/** The same answer for a missing id and another team's: nothing tells them apart. */
export function connectionNotFound(): DomainError {
  return new DomainError("That connection does not exist in this team.", 404);
}

const LIST_FIELDS = {
  id: true,
  name: true,
  baseUrl: true,
  authType: true,
  status: true,
  lastTestedAt: true,
  updatedAt: true,
  oauthClientId: true,
  agentId: true,
  agent: { select: { name: true, revokedAt: true, instanceId: true, connectedAt: true, lastSeenAt: true, disconnectedAt: true } },
  oauthClient: { select: { provider: true } },
  tokenSet: { select: { expiresAt: true, hasRefreshToken: true, obtainedAt: true, refreshedAt: true, scope: true, tokenType: true, connectedBy: true } },
  // The status's inputs (lib/health/state.ts): the check's outcome, the certificate's end, the agent's presence.
  health: { select: { state: true, stateSince: true, summary: true, checkedAt: true } },
  clientCertExpiresAt: true,
} as const;

/** The team's connections, narrowed and ordered as the Connections page's URL says (lib/connections/list-query.ts). */
export async function listConnections(teamId: string, query: ConnectionListQuery = { q: undefined, sort: "name" }) {
  return db.connection.findMany({ where: { ...connectionListWhere(query), teamId }, select: LIST_FIELDS, orderBy: [...CONNECTION_SORTS[query.sort].orderBy] });
}

/**
 * When each of these webhook receivers last received an event (absent: none
 * yet), for the list, where a receiver has no test or check to show. One
 * index lookup per receiver, however many events each holds.
 */
export async function lastEventTimes(connectionIds: string[]): Promise<Map<string, Date>> {
  if (connectionIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ id: string; receivedAt: Date }[]>`
    SELECT receiver.id, latest."receivedAt"
    FROM unnest(${connectionIds}::text[]) AS receiver(id)
    CROSS JOIN LATERAL (
      SELECT "receivedAt" FROM "WebhookEvent" WHERE "connectionId" = receiver.id ORDER BY "receivedAt" DESC LIMIT 1
    ) AS latest`;
  return new Map(rows.map((row) => [row.id, row.receivedAt]));
}

/** Whether the team has any connection at all (the page's empty state differs from "nothing matches"). */
export async function hasConnections(teamId: string): Promise<boolean> {
  return (await db.connection.findFirst({ where: { teamId }, select: { id: true } })) !== null;
}

/** The registered client a connection names must be this team's: the foreign key alone would accept any team's. */
async function checkClientRef(tx: Tx, teamId: string, input: ConnectionInput, hasCertificate: boolean): Promise<string | null> {
  if (!isOAuthType(input.authType) || !("oauthClientRef" in input) || input.oauthClientRef === "") return null;
  const found = await tx.oAuthClient.findFirst({ where: { id: input.oauthClientRef, teamId }, select: { id: true, name: true, tokenAuthMethod: true } });
  if (!found) throw new DomainError("Choose one of this team's OAuth clients.", 400, "oauthClientRef");
  // A registered tls_client_auth client authenticates with each connection's own certificate (lib/oauth/settings.ts outboundFor says why).
  if (isTlsClientAuth(found.tokenAuthMethod) && !hasCertificate) {
    throw new DomainError(
      `${found.name} authenticates with a client certificate: turn on “Use client SSL certificate” under Options and add the certificate registered with the provider for this client.`,
      400,
      "oauthClientRef",
    );
  }
  return found.id;
}

type ChosenAgent = { id: string; name: string } | null;

/**
 * The agent a private-network connection goes through must be this team's
 * (the foreign key alone would accept any team's) and not revoked. The row is
 * locked against deletion until the transaction ends, so the foreign key
 * cannot fail afterwards; a revocation may still follow, as for any agent in use.
 */
async function checkAgentRef(tx: Tx, teamId: string, input: ConnectionInput): Promise<ChosenAgent> {
  const agentId = chosenAgentId(input);
  if (agentId === null) return null;
  const rows = await tx.$queryRaw<{ id: string; name: string; revokedAt: Date | null }[]>`
    SELECT id, name, "revokedAt" FROM "Agent" WHERE id = ${agentId} AND "teamId" = ${teamId} FOR KEY SHARE`;
  const agent = rows[0];
  if (!agent) throw new DomainError("Choose one of this team's agents.", 400, "agentId");
  if (agent.revokedAt) throw new DomainError(`The agent “${agent.name}” was revoked. Choose another agent, or let Keyway call the API directly.`, 400, "agentId");
  return { id: agent.id, name: agent.name };
}

/** The audit log's record of the network choice: which agent, by id and name; never anything secret. */
function networkAudit(agent: ChosenAgent): Prisma.InputJsonObject {
  return agent ? { network: "private", agentId: agent.id, agentName: agent.name } : { network: "public" };
}

/**
 * What a token was obtained with. When it changes (another client, token URL
 * or type), the saved tokens belong to something else: they are dropped and
 * the connection must be connected again. A client credentials token also
 * depends on its scopes, audience and parameters, and costs one request to
 * fetch again.
 */
function grantIdentity(authType: string, oauthClientId: string | null, config: StoredConfig): string {
  // OAuth 1.0a token credentials belong to the consumer and the provider's token URL.
  if (authType === "OAUTH1" && config.oauth1?.flow) return JSON.stringify([authType, config.oauth1.consumerKey, config.oauth1.flow.requestTokenUrl, config.oauth1.flow.accessTokenUrl]);
  if (!isOAuthType(authType)) return authType;
  const oauth = config.oauth;
  const base = [authType, oauthClientId, oauth?.clientId, oauth?.tokenUrl, oauth?.authorizationUrl];
  if (authType === "OAUTH2_CLIENT_CREDENTIALS") base.push(JSON.stringify(oauth?.scopes ?? null), oauth?.audience, JSON.stringify(oauth?.extraParams ?? []));
  // A service account's token is whom the assertion names, for which scopes and audience.
  if (isServiceAccountType(authType)) base.push(oauth?.issuer, oauth?.subject, oauth?.assertionAudience, oauth?.assertionKid, JSON.stringify(oauth?.scopes ?? null));
  return JSON.stringify(base);
}

const VIEW_FIELDS = {
  ...LIST_FIELDS,
  config: true,
  secretHints: true,
  clientCertPem: true,
  clientCaPem: true,
  clientCertSubject: true,
  clientCertExpiresAt: true,
  webhookToken: true,
  createdAt: true,
  credentialsReadable: true,
  oauthClient: { select: { id: true, name: true, provider: true, scopes: true, clientId: true, revocationUrl: true } },
  agent: { select: { id: true, name: true, revokedAt: true, instanceId: true, connectedAt: true, lastSeenAt: true, disconnectedAt: true } },
} as const;

type ViewRow = Prisma.ConnectionGetPayload<{ select: typeof VIEW_FIELDS }>;

function viewOf(row: ViewRow) {
  const { agent, ...rest } = row;
  return {
    ...rest,
    config: parseConfig(row.config),
    secretHints: row.secretHints as SecretHints,
    /** Private network: the agent its requests go through, and whether it is online. */
    agent: agent ? { id: agent.id, name: agent.name, presence: agentPresence(agent) } : null,
  };
}

/** A connection as pages may see it: no secret values, only hints that they are set. */
export async function findConnection(teamId: string, connectionId: string) {
  const row = await db.connection.findFirst({ where: { id: connectionId, teamId }, select: VIEW_FIELDS });
  if (!row) throw connectionNotFound();
  return viewOf(row);
}

/** One page of a team's connections as findConnection shows each, for the management API's list (lib/api). */
export async function findConnections(teamId: string, where: Prisma.ConnectionWhereInput, orderBy: Prisma.ConnectionOrderByWithRelationInput[], take: number) {
  const rows = await db.connection.findMany({ where: { AND: [where, { teamId }] }, select: VIEW_FIELDS, orderBy, take });
  return rows.map(viewOf);
}
export type ConnectionView = Awaited<ReturnType<typeof findConnection>>;

function parseConfig(value: Prisma.JsonValue): StoredConfig {
  return storedConfigSchema.parse(value ?? {});
}

/** The row's secrets, decrypted for the one request that needs them. The envelope is bound to the row's id. */
export function openSecrets(connectionId: string, envelope: string | null): SecretBlob {
  return envelope ? decryptJson<SecretBlob>(envelope, connectionId) : {};
}

export function sealSecrets(connectionId: string, blob: SecretBlob): string | null {
  const hasAny = Object.values(blob).some((v) => v !== undefined && v !== "" && !(typeof v === "object" && Object.keys(v).length === 0));
  return hasAny ? encryptJson(blob, connectionId) : null;
}

function certificateColumns(certificate: ClientCertificateToStore | null) {
  return {
    clientCertPem: certificate?.chainPem ?? null,
    clientCaPem: certificate?.caPem ?? null,
    clientCertSubject: certificate?.subject ?? null,
    clientCertExpiresAt: certificate?.expiresAt ?? null,
  };
}

function newWebhookToken(): string {
  return randomBytes(24).toString("base64url");
}

/** A fresh id made here (not by the database) so the secrets can be bound to it before the row exists. */
function newConnectionId(): string {
  return `c${randomBytes(12).toString("hex")}`;
}

/** tls_client_auth authenticates with the connection's client certificate: one must be there. */
function requireCertificateFor(config: StoredConfig, hasCertificate: boolean) {
  const method = config.oauth?.tokenAuthMethod;
  if (method && isTlsClientAuth(method) && !hasCertificate) {
    throw new StoredAuthError({ tokenAuthMethod: "This method presents the connection's client certificate at the token endpoint: turn on “Use client SSL certificate” under Options and add it." });
  }
}

/** A webhook receiver calls no API: whatever network or certificate came with it (the API may send any) is not kept. */
function withoutApiOptions<C>(input: ConnectionInput, certificate: C): [ConnectionInput, C | null] {
  if (!isReceiverType(input.authType)) return [input, certificate];
  return [{ ...input, baseUrl: "", network: undefined, agentId: undefined }, null];
}

export async function createConnection(teamId: string, actor: AuditActor, given: ConnectionInput, givenCertificate: ClientCertificateToStore | null) {
  const [input, certificate] = withoutApiOptions(given, givenCertificate);
  const { config, secrets, hints } = storeAuth(input, null);
  requireCertificateFor(config, certificate !== null);
  const id = newConnectionId();
  const blob: SecretBlob = { ...secrets, clientKeyPem: certificate?.privateKeyPem, clientKeyPassphrase: certificate?.passphrase };
  return db.$transaction(async (tx) => {
    const oauthClientId = await checkClientRef(tx, teamId, input, certificate !== null);
    const agent = await checkAgentRef(tx, teamId, input);
    const created = await tx.connection.create({
      data: {
        id,
        teamId,
        name: input.name,
        baseUrl: input.baseUrl,
        authType: input.authType,
        oauthClientId,
        agentId: agent?.id ?? null,
        config,
        secrets: sealSecrets(id, blob),
        secretHints: { ...hints, ...(certificate ? { clientKey: { set: true } } : {}) },
        ...certificateColumns(certificate),
        webhookToken: newWebhookToken(),
        createdById: actor.id,
      },
      select: { id: true, name: true },
    });
    await writeAudit(tx, { teamId, actor, action: "connection.created", objectType: "connection", objectId: id, objectName: input.name, data: { authType: input.authType, baseUrl: input.baseUrl, ...networkAudit(agent) } });
    return created;
  });
}

/**
 * `certificate`: the new one, `"keep"` to leave the saved one, or null to stop
 * using one. Secrets left empty in the form keep their saved values.
 */
export async function updateConnection(
  teamId: string,
  actor: AuditActor,
  connectionId: string,
  given: ConnectionInput,
  givenCertificate: ClientCertificateToStore | "keep" | null,
  /** Refuses (throws) when the saved row is not the one the caller last read (the API's If-Match); checked under the row lock. */
  precondition?: (saved: { updatedAt: Date }) => void,
) {
  const [input, certificate] = withoutApiOptions(given, givenCertificate);
  return db.$transaction(async (tx) => {
    // Locked so that two people saving at once cannot each merge with the other's stale secrets.
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Connection" WHERE id = ${connectionId} AND "teamId" = ${teamId} FOR UPDATE`;
    if (rows.length === 0) throw connectionNotFound();
    const saved = await tx.connection.findUniqueOrThrow({ where: { id: connectionId } });
    precondition?.(saved);
    const savedBlob = openSecrets(connectionId, saved.secrets);
    const { config, secrets, hints } = storeAuth(input, { authType: saved.authType as ConnectionInput["authType"], config: parseConfig(saved.config), secrets: savedBlob });
    const keepCertificate = certificate === "keep" && saved.clientCertPem !== null;
    const blob: SecretBlob = {
      ...secrets,
      clientKeyPem: keepCertificate ? savedBlob.clientKeyPem : certificate && certificate !== "keep" ? certificate.privateKeyPem : undefined,
      clientKeyPassphrase: keepCertificate ? savedBlob.clientKeyPassphrase : certificate && certificate !== "keep" ? certificate.passphrase : undefined,
    };
    const hasCertificate = keepCertificate || (certificate !== null && certificate !== "keep");
    requireCertificateFor(config, hasCertificate);
    const oauthClientId = await checkClientRef(tx, teamId, input, hasCertificate);
    const agent = await checkAgentRef(tx, teamId, input);
    const tokensStillApply = grantIdentity(saved.authType, saved.oauthClientId, parseConfig(saved.config)) === grantIdentity(input.authType, oauthClientId, config);
    if (!tokensStillApply) await tx.tokenSet.deleteMany({ where: { connectionId } });
    const updated = await tx.connection.update({
      where: { id: connectionId },
      data: {
        name: input.name,
        baseUrl: input.baseUrl,
        authType: input.authType,
        oauthClientId,
        agentId: agent?.id ?? null,
        config,
        secrets: sealSecrets(connectionId, blob),
        secretHints: { ...hints, ...(hasCertificate ? { clientKey: { set: true } } : {}) },
        ...(keepCertificate ? {} : certificateColumns(certificate === "keep" ? null : certificate)),
        // What was proven about the old settings says nothing about the new ones.
        status: "UNTESTED",
      },
      select: { id: true, name: true },
    });
    const changed: string[] = (["name", "baseUrl", "authType"] as const).filter((field) => saved[field] !== input[field]);
    if (saved.oauthClientId !== oauthClientId) changed.push("oauthClient");
    if (saved.agentId !== (agent?.id ?? null)) changed.push("agent");
    await writeAudit(tx, {
      teamId,
      actor,
      action: "connection.updated",
      objectType: "connection",
      objectId: connectionId,
      objectName: input.name,
      data: { changed, authType: input.authType, ...networkAudit(agent), ...(tokensStillApply ? {} : { tokensDropped: true }) },
    });
    return updated;
  });
}

export async function duplicateConnection(teamId: string, actor: AuditActor, connectionId: string) {
  return db.$transaction(async (tx) => {
    const source = await tx.connection.findFirst({ where: { id: connectionId, teamId } });
    if (!source) throw connectionNotFound();
    const id = newConnectionId();
    const name = `${source.name} (copy)`.slice(0, 100);
    // Re-sealed rather than copied: each envelope is bound to its own row's id.
    const secrets = source.secrets ? encryptJson(openSecrets(source.id, source.secrets), id) : null;
    const copy = await tx.connection.create({
      data: {
        id,
        teamId,
        name,
        baseUrl: source.baseUrl,
        authType: source.authType,
        // The copy uses the same client, but it must be connected on its own: tokens are not copied.
        oauthClientId: source.oauthClientId,
        // The same route to the API: a copy of a private-network connection goes through the same agent.
        agentId: source.agentId,
        config: source.config ?? {},
        secrets,
        secretHints: source.secretHints ?? {},
        clientCertPem: source.clientCertPem,
        clientCaPem: source.clientCaPem,
        clientCertSubject: source.clientCertSubject,
        clientCertExpiresAt: source.clientCertExpiresAt,
        webhookToken: newWebhookToken(),
        createdById: actor.id,
      },
      select: { id: true, name: true },
    });
    await writeAudit(tx, { teamId, actor, action: "connection.duplicated", objectType: "connection", objectId: id, objectName: name, data: { from: source.id } });
    return copy;
  });
}

export async function deleteConnection(teamId: string, actor: AuditActor, connectionId: string, precondition?: (saved: { updatedAt: Date }) => void) {
  await db.$transaction(async (tx) => {
    // Locked only when the caller has a precondition, so that the row it checks is the row it deletes.
    if (precondition) await tx.$queryRaw`SELECT id FROM "Connection" WHERE id = ${connectionId} AND "teamId" = ${teamId} FOR UPDATE`;
    const found = await tx.connection.findFirst({ where: { id: connectionId, teamId }, select: { name: true, updatedAt: true } });
    if (!found) throw connectionNotFound();
    precondition?.(found);
    await tx.connection.delete({ where: { id: connectionId } });
    await writeAudit(tx, { teamId, actor, action: "connection.deleted", objectType: "connection", objectId: connectionId, objectName: found.name });
  });
}
