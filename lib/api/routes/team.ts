import { z } from "zod";
import { createAgent, deleteAgent, listAgents, revokeAgent } from "../../agents";
import { agentCreateSchema } from "../../agents/schemas";
import { createApiKey, listApiKeys, revokeApiKey } from "../../api-keys";
import { apiKeyCreateSchema } from "../../api-keys/schemas";
import { API_KEY_SCOPES } from "../../api-keys/scopes";
import { auditFilterSchema, listAuditEvents } from "../../audit-log";
import { createOAuthClient, deleteOAuthClient, findOAuthClient, listOAuthClients, updateOAuthClient } from "../../oauth/clients";
import { oauthClientInputSchema } from "../../oauth/schemas";
import { membersOf } from "../../teams";
import { findWebhookEvent, webhookEventsBefore } from "../../webhooks";
import { etagOf, ifMatch } from "../etag";
import { afterCursor, cursorSchema, keysetPage, limitSchema, pageSchema } from "../pagination";
import { ApiProblem } from "../problem";
import { route } from "../route";

// OAuth clients, webhook events, the audit log, API keys, agents and members:
// each operation calls the lib function its page's action calls, with the
// page's schema.

const timestamp = z.iso.datetime();
const notFound = (what: string) => ({ description: `No such ${what} in the key's team.` });
const withEtag = { ETag: "The version to send back in If-Match." };
const changedSince = { description: "Changed since the ETag in If-Match." };

/** A client as answered, with its version as the ETag (If-Match on PUT and DELETE refuses a stale one with 412). */
async function clientAnswer(status: number, teamId: string, id: string, headers: Record<string, string> = {}) {
  const client = await findOAuthClient(teamId, id);
  return { status, body: clientBody(client), headers: { ...headers, etag: etagOf(client.updatedAt) } };
}

const oauthClientSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: z.string(),
    issuer: z.string().nullable(),
    authorizationUrl: z.string(),
    tokenUrl: z.string(),
    revocationUrl: z.string().nullable(),
    parUrl: z.string().nullable(),
    clientId: z.string(),
    secretSet: z.boolean(),
    secretLastFour: z.string().nullable(),
    secretChangedAt: timestamp.nullable(),
    scopes: z.array(z.string()),
    scopeSeparator: z.string(),
    tokenAuthMethod: z.string(),
    assertionAlg: z.string().nullable().meta({ description: "private_key_jwt: RS256, PS256 or ES256." }),
    assertionKid: z.string().nullable(),
    privateKeySet: z.boolean().meta({ description: "private_key_jwt: whether a private key is saved (it is never returned)." }),
    publicJwk: z.record(z.string(), z.string()).nullable().meta({ description: "private_key_jwt: the key's public half, to register at the provider." }),
    keyThumbprint: z.string().nullable().meta({ description: "RFC 7638 SHA-256 thumbprint of publicJwk." }),
    keyChangedAt: timestamp.nullable(),
    pkce: z.boolean(),
    extraAuthParams: z.array(z.object({ name: z.string(), value: z.string() })),
    notes: z.string(),
    redirectUri: z.string(),
    createdByLabel: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
    connections: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .meta({ id: "OAuthClient" });

type ClientLike = Omit<z.infer<typeof oauthClientSchema>, "secretChangedAt" | "keyChangedAt" | "createdAt" | "updatedAt" | "secretSet" | "privateKeySet" | "publicJwk" | "connections"> & {
  secretChangedAt: Date | null;
  keyChangedAt: Date | null;
  hasPrivateKey: boolean;
  publicJwk: object | null;
  createdAt: Date;
  updatedAt: Date;
  hasSecret?: boolean;
  secretSet?: boolean;
  connections: { id: string; name: string }[];
};

function clientBody(client: ClientLike) {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(oauthClientSchema.shape)) body[key] = (client as Record<string, unknown>)[key];
  body.secretSet = client.secretSet ?? client.hasSecret ?? client.secretLastFour !== null;
  body.privateKeySet = client.hasPrivateKey;
  body.connections = client.connections.map(({ id, name }) => ({ id, name }));
  return body;
}

const auditEventSchema = z
  .object({
    id: z.string(),
    createdAt: timestamp,
    actorId: z.string().nullable(),
    actorLabel: z.string(),
    ip: z.string().nullable(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string().nullable(),
    objectName: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "AuditEvent" });

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    state: z.enum(["active", "expired", "revoked"]),
    createdByLabel: z.string(),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });

const agentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    tokenPrefix: z.string(),
    state: z.string(),
    version: z.string().nullable(),
    hostname: z.string().nullable(),
    lastSeenAt: timestamp.nullable(),
    createdByLabel: z.string(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
    connections: z.array(z.object({ id: z.string(), name: z.string() })),
  })
  .meta({ id: "Agent" });

const webhookEventSchema = z
  .object({ id: z.string(), receivedAt: timestamp, contentType: z.string().nullable(), size: z.number().int(), sourceIp: z.string(), signatureVerified: z.boolean().nullable() })
  .meta({ id: "WebhookEvent" });

function pick<T extends z.ZodObject>(schema: T, row: object): Record<string, unknown> {
  return Object.fromEntries(Object.keys(schema.shape).map((key) => [key, (row as Record<string, unknown>)[key]]));
}

export const teamRoutes = [
  route({
    method: "GET",
    path: "/oauth-clients",
    operationId: "listOAuthClients",
    summary: "List OAuth clients",
    tag: "OAuth clients",
    scope: "connections:read",
    responses: { 200: { description: "The team's registered clients (never their secrets).", schema: pageSchema(oauthClientSchema, "OAuthClientPage") } },
    async handle({ caller }) {
      return { status: 200, body: { data: (await listOAuthClients(caller.teamId)).map(clientBody), nextCursor: null } };
    },
  }),
  route({
    method: "GET",
    path: "/oauth-clients/{id}",
    operationId: "getOAuthClient",
    summary: "Get an OAuth client",
    tag: "OAuth clients",
    scope: "connections:read",
    responses: { 200: { description: "The client.", schema: oauthClientSchema, headers: withEtag }, 404: notFound("client") },
    handle: ({ caller, params }) => clientAnswer(200, caller.teamId, params.id!),
  }),
  route({
    method: "POST",
    path: "/oauth-clients",
    operationId: "createOAuthClient",
    summary: "Register an OAuth client",
    description: "The fields of the client form. Its redirect URI is this instance's callback URL.",
    tag: "OAuth clients",
    scope: "connections:write",
    body: oauthClientInputSchema,
    responses: { 201: { description: "Registered.", schema: oauthClientSchema, headers: withEtag } },
    async handle({ caller, body }) {
      const created = await createOAuthClient(caller.teamId, caller.actor, body);
      return clientAnswer(201, caller.teamId, created.id, { location: `/api/v1/oauth-clients/${created.id}` });
    },
  }),
  route({
    method: "PUT",
    path: "/oauth-clients/{id}",
    operationId: "updateOAuthClient",
    summary: "Update an OAuth client",
    description: "Replaces the client's settings; an empty clientSecret (or clientPrivateKeyPem, for private_key_jwt) keeps the saved one. Send If-Match with the ETag you read to refuse the change (412) when someone changed the client since.",
    tag: "OAuth clients",
    scope: "connections:write",
    body: oauthClientInputSchema,
    ifMatch: true,
    responses: { 200: { description: "Updated.", schema: oauthClientSchema, headers: withEtag }, 404: notFound("client"), 412: changedSince },
    async handle({ caller, params, body, headers }) {
      await updateOAuthClient(caller.teamId, caller.actor, params.id!, body, { precondition: ifMatch(headers) });
      return clientAnswer(200, caller.teamId, params.id!);
    },
  }),
  route({
    method: "DELETE",
    path: "/oauth-clients/{id}",
    operationId: "deleteOAuthClient",
    summary: "Delete an OAuth client",
    tag: "OAuth clients",
    scope: "connections:write",
    ifMatch: true,
    responses: { 204: { description: "Deleted." }, 404: notFound("client"), 409: { description: "Connections still use it." }, 412: changedSince },
    async handle({ caller, params, headers }) {
      await deleteOAuthClient(caller.teamId, caller.actor, params.id!, ifMatch(headers));
      return { status: 204 };
    },
  }),
  route({
    method: "GET",
    path: "/connections/{id}/webhook-events",
    operationId: "listWebhookEvents",
    summary: "List a webhook connection's events",
    description: "The events kept for a webhook receiver (a connection of type `WEBHOOK`), newest first, in pages.",
    tag: "Webhook events",
    scope: "connections:read",
    query: z.object({ limit: limitSchema, cursor: cursorSchema }),
    responses: { 200: { description: "Events.", schema: pageSchema(webhookEventSchema, "WebhookEventPage") }, 404: notFound("webhook connection") },
    async handle({ caller, params, query }) {
      const before = afterCursor(query.cursor);
      const events = await webhookEventsBefore(caller.teamId, params.id!, query.limit + 1, before && { receivedAt: before.at, id: before.id });
      if (!events) throw new ApiProblem(404, "not_found", "Not found.", "No webhook receiver with this id in the key's team.");
      return { status: 200, body: keysetPage(events, query.limit, (event) => [event.receivedAt, event.id]) };
    },
  }),
  route({
    method: "GET",
    path: "/connections/{id}/webhook-events/{eventId}",
    operationId: "getWebhookEvent",
    summary: "Get a webhook event",
    description: "Its headers (credentials redacted) and body as text, or its size when binary.",
    tag: "Webhook events",
    scope: "connections:read",
    responses: {
      200: {
        description: "The event.",
        schema: webhookEventSchema.extend({ headers: z.record(z.string(), z.string()), body: z.object({ kind: z.enum(["empty", "json", "text", "binary"]), text: z.string().optional(), truncated: z.boolean().optional(), size: z.number().optional() }) }).meta({ id: "WebhookEventDetail" }),
      },
      404: notFound("event"),
    },
    async handle({ caller, params }) {
      const event = await findWebhookEvent(caller.teamId, params.id!, params.eventId!);
      if (!event) throw new ApiProblem(404, "not_found", "Not found.", "No such event on this connection.");
      return { status: 200, body: event };
    },
  }),
  route({
    method: "GET",
    path: "/audit-events",
    operationId: "listAuditEvents",
    summary: "Read the audit log",
    description: "Newest first, 50 a page, with the audit page's filters; pass nextCursor as `before` for the next page.",
    tag: "Audit log",
    scope: "audit:read",
    query: auditFilterSchema,
    responses: { 200: { description: "A page of events.", schema: pageSchema(auditEventSchema, "AuditEventPage") } },
    async handle({ caller, query }) {
      const { events, older } = await listAuditEvents(caller.teamId, query);
      return { status: 200, body: { data: events.map((event) => ({ ...event, id: String(event.id), data: event.data ?? {} })), nextCursor: older ?? null } };
    },
  }),
  route({
    method: "GET",
    path: "/api-keys",
    operationId: "listApiKeys",
    summary: "List API keys",
    tag: "API keys",
    scope: "admin",
    responses: { 200: { description: "The team's keys (never the keys themselves).", schema: pageSchema(apiKeySchema, "ApiKeyPage") } },
    async handle({ caller }) {
      return { status: 200, body: { data: (await listApiKeys(caller.teamId)).map((key) => pick(apiKeySchema, key)), nextCursor: null } };
    },
  }),
  route({
    method: "POST",
    path: "/api-keys",
    operationId: "createApiKey",
    summary: "Create an API key",
    description: "The answer holds the key, once: Keyway keeps only its hash.",
    tag: "API keys",
    scope: "admin",
    body: apiKeyCreateSchema,
    responses: { 201: { description: "Created.", schema: z.object({ id: z.string(), key: z.string(), prefix: z.string(), name: z.string(), scopes: z.array(z.enum(API_KEY_SCOPES)), expiresAt: timestamp.nullable() }).meta({ id: "CreatedApiKey" }) } },
    async handle({ caller, body }) {
      return { status: 201, body: await createApiKey(caller.teamId, caller.actor, body) };
    },
  }),
  route({
    method: "DELETE",
    path: "/api-keys/{id}",
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    description: "Refused from its next request on every instance.",
    tag: "API keys",
    scope: "admin",
    responses: { 204: { description: "Revoked." }, 404: notFound("key") },
    async handle({ caller, params }) {
      await revokeApiKey(caller.teamId, caller.actor, params.id!);
      return { status: 204 };
    },
  }),
  route({
    method: "GET",
    path: "/agents",
    operationId: "listAgents",
    summary: "List agents",
    tag: "Agents",
    scope: "admin",
    responses: { 200: { description: "The team's on-premise agents.", schema: pageSchema(agentSchema, "AgentPage") } },
    async handle({ caller }) {
      const agents = await listAgents(caller.teamId);
      return { status: 200, body: { data: agents.map((agent) => ({ ...pick(agentSchema, agent), state: agent.presence.state })), nextCursor: null } };
    },
  }),
  route({
    method: "POST",
    path: "/agents",
    operationId: "createAgent",
    summary: "Register an agent",
    description: "The answer holds the agent's token, once.",
    tag: "Agents",
    scope: "admin",
    body: agentCreateSchema,
    responses: { 201: { description: "Registered.", schema: z.object({ id: z.string(), token: z.string(), prefix: z.string(), name: z.string() }).meta({ id: "CreatedAgent" }) } },
    async handle({ caller, body }) {
      return { status: 201, body: await createAgent(caller.teamId, caller.actor, body) };
    },
  }),
  route({
    method: "POST",
    path: "/agents/{id}/revoke",
    operationId: "revokeAgent",
    summary: "Revoke an agent",
    tag: "Agents",
    scope: "admin",
    responses: { 204: { description: "Revoked; it is disconnected within seconds." }, 404: notFound("agent") },
    async handle({ caller, params }) {
      await revokeAgent(caller.teamId, caller.actor, params.id!);
      return { status: 204 };
    },
  }),
  route({
    method: "DELETE",
    path: "/agents/{id}",
    operationId: "deleteAgent",
    summary: "Delete an agent",
    tag: "Agents",
    scope: "admin",
    responses: { 204: { description: "Deleted." }, 404: notFound("agent"), 409: { description: "Connections still use it." } },
    async handle({ caller, params }) {
      await deleteAgent(caller.teamId, caller.actor, params.id!);
      return { status: 204 };
    },
  }),
  route({
    method: "GET",
    path: "/members",
    operationId: "listMembers",
    summary: "List members",
    tag: "Members",
    scope: "admin",
    responses: { 200: { description: "The team's members and their roles.", schema: pageSchema(z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string(), joinedAt: timestamp }).meta({ id: "Member" }), "MemberPage") } },
    async handle({ caller }) {
      const members = await membersOf(caller.teamId);
      return { status: 200, body: { data: members.map((m) => ({ id: m.id, name: m.user.name, email: m.user.email, role: m.role, joinedAt: m.createdAt })), nextCursor: null } };
    },
  }),
];
