import { z } from "zod";
import { createConnection, deleteConnection, duplicateConnection, findConnection, findConnections, updateConnection } from "../../connections";
import { certificateToStore } from "../../connections/certificate-input";
import { readCredentials, setCredentialsReadable } from "../../connections/credentials";
import { certificateDraftSchema } from "../../connections/form-payload";
import { AUTH_TYPES, connectionInputSchema, NETWORKS } from "../../connections/schemas";
import { runTestRequest, testHistory, testRequestSchema } from "../../connections/test-request";
import { ConnectionStatus } from "../../generated/prisma/enums";
import type { Prisma } from "../../generated/prisma/client";
import { etagOf, ifMatch } from "../etag";
import { afterCursor, cursorSchema, decodeCursor, encodeCursor, keysetPage, limitSchema, pageSchema } from "../pagination";
import { ApiProblem } from "../problem";
import { connectionBody, connectionSchema, credentialsSchema, testRunSchema } from "../schemas";
import { route, type ApiAnswer } from "../route";
import { fieldProblems } from "../errors";
import { createConnectLink, listConnectLinks, revokeConnectLink, type ConnectLinkView } from "../../connect-links";
import { connectLinkCreateSchema } from "../../connect-links/schemas";

// Connections: the same operations as the connection pages, through the same
// lib functions, with the same schemas (a new authentication type in
// lib/connections/schemas.ts is accepted and documented here without a change).

const TAG = "Connections";

/** The form's connection schema, plus the client certificate part (the form's too): absent means none on create, keep on update. */
const connectionWriteSchema = z.intersection(connectionInputSchema, z.object({ certificate: certificateDraftSchema.optional() })).meta({ id: "ConnectionInput" });

const listQuerySchema = z.object({
  authType: z.enum(AUTH_TYPES).optional(),
  status: z.enum(ConnectionStatus).optional(),
  network: z.enum(NETWORKS).optional(),
  agentId: z.string().max(100).optional(),
  oauthClientId: z.string().max(100).optional(),
  q: z.string().trim().max(100, "Use at most 100 characters.").optional().meta({ description: "Part of the name, any case." }),
  limit: limitSchema,
  cursor: cursorSchema,
});

const notFound = { description: "No such connection in the key's team (also for another team's)." };
const invalid = { description: "The request is not valid: each problem names its field." };
const withEtag = { ETag: "The version to send back in If-Match." };

async function answerWith(status: number, teamId: string, id: string): Promise<ApiAnswer> {
  const view = await findConnection(teamId, id);
  return { status, body: connectionBody(view), headers: { etag: etagOf(view.updatedAt) } };
}

const connectLinkSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    state: z.enum(["active", "used", "expired", "revoked"]).meta({ description: "active: usable; used: completed once; expired; revoked by the team." }),
    createdByLabel: z.string(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    openedAt: z.iso.datetime().nullable(),
    usedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    revokedByLabel: z.string().nullable(),
  })
  .meta({ id: "ConnectLink" });

function linkBody(link: ConnectLinkView) {
  return Object.fromEntries(Object.keys(connectLinkSchema.shape).map((key) => [key, link[key as keyof ConnectLinkView]]));
}

function chosenCertificate(input: z.infer<typeof connectionWriteSchema>, editing: boolean) {
  const chosen = certificateToStore(input.certificate ?? { mode: editing ? "keep" : "none" }, editing);
  if (!chosen.ok) throw fieldProblems(chosen.fieldErrors);
  return chosen.certificate;
}

export const connectionRoutes = [
  route({
    method: "GET",
    path: "/connections",
    operationId: "listConnections",
    summary: "List connections",
    description: "By name, in pages. Filters combine.",
    tag: TAG,
    scope: "connections:read",
    query: listQuerySchema,
    responses: { 200: { description: "A page of connections.", schema: pageSchema(connectionSchema, "ConnectionPage") } },
    async handle({ caller, query }) {
      const after = query.cursor ? decodeCursor(query.cursor, z.tuple([z.string(), z.string()])) : null;
      if (query.cursor && !after) throw new ApiProblem(400, "invalid_cursor", "The cursor is not valid.", "Pass the nextCursor of a previous page unchanged.");
      const where: Prisma.ConnectionWhereInput = {
        ...(query.authType ? { authType: query.authType } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.network ? { agentId: query.network === "private" ? { not: null } : null } : {}),
        ...(query.agentId ? { agentId: query.agentId } : {}),
        ...(query.oauthClientId ? { oauthClientId: query.oauthClientId } : {}),
        ...(query.q ? { name: { contains: query.q, mode: "insensitive" } } : {}),
        ...(after ? { OR: [{ name: { gt: after[0] } }, { name: after[0], id: { gt: after[1] } }] } : {}),
      };
      const rows = await findConnections(caller.teamId, where, [{ name: "asc" }, { id: "asc" }], query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return { status: 200, body: { data: page.map(connectionBody), nextCursor: rows.length > query.limit && last ? encodeCursor([last.name, last.id]) : null } };
    },
  }),
  route({
    method: "POST",
    path: "/connections",
    operationId: "createConnection",
    summary: "Create a connection",
    description: "The body is what the connection form submits: name, base URL, network, the authentication type and its fields, and optionally a client certificate.",
    tag: TAG,
    scope: "connections:write",
    body: connectionWriteSchema,
    responses: { 201: { description: "Created.", schema: connectionSchema, headers: withEtag }, 422: invalid },
    async handle({ caller, body }) {
      const certificate = chosenCertificate(body, false);
      const created = await createConnection(caller.teamId, caller.actor, body, certificate === "keep" ? null : certificate);
      const answer = await answerWith(201, caller.teamId, created.id);
      return { ...answer, headers: { ...answer.headers, location: `/api/v1/connections/${created.id}` } };
    },
  }),
  route({
    method: "GET",
    path: "/connections/{id}",
    operationId: "getConnection",
    summary: "Get a connection",
    tag: TAG,
    scope: "connections:read",
    responses: { 200: { description: "The connection.", schema: connectionSchema, headers: withEtag }, 404: notFound },
    handle: ({ caller, params }) => answerWith(200, caller.teamId, params.id!),
  }),
  route({
    method: "PUT",
    path: "/connections/{id}",
    operationId: "updateConnection",
    summary: "Update a connection",
    description: "Replaces the connection's settings. A secret field left empty keeps its saved value. Send If-Match with the ETag you read to refuse the change (412) when someone changed the connection since.",
    tag: TAG,
    scope: "connections:write",
    body: connectionWriteSchema,
    ifMatch: true,
    responses: { 200: { description: "Updated.", schema: connectionSchema, headers: withEtag }, 404: notFound, 412: { description: "Changed since the ETag in If-Match." }, 422: invalid },
    async handle({ caller, params, body, headers }) {
      await updateConnection(caller.teamId, caller.actor, params.id!, body, chosenCertificate(body, true), ifMatch(headers));
      return answerWith(200, caller.teamId, params.id!);
    },
  }),
  route({
    method: "DELETE",
    path: "/connections/{id}",
    operationId: "deleteConnection",
    summary: "Delete a connection",
    tag: TAG,
    scope: "connections:write",
    ifMatch: true,
    responses: { 204: { description: "Deleted." }, 404: notFound, 412: { description: "Changed since the ETag in If-Match." } },
    async handle({ caller, params, headers }) {
      await deleteConnection(caller.teamId, caller.actor, params.id!, ifMatch(headers));
      return { status: 204 };
    },
  }),
  route({
    method: "POST",
    path: "/connections/{id}/duplicate",
    operationId: "duplicateConnection",
    summary: "Duplicate a connection",
    description: "A copy with the same settings and secrets (re-encrypted for the copy), named “… (copy)”. OAuth2 tokens are not copied.",
    tag: TAG,
    scope: "connections:write",
    responses: { 201: { description: "The copy.", schema: connectionSchema, headers: withEtag }, 404: notFound },
    async handle({ caller, params }) {
      const copy = await duplicateConnection(caller.teamId, caller.actor, params.id!);
      const answer = await answerWith(201, caller.teamId, copy.id);
      return { ...answer, headers: { ...answer.headers, location: `/api/v1/connections/${copy.id}` } };
    },
  }),
  route({
    method: "POST",
    path: "/connections/{id}/tests",
    operationId: "testConnection",
    summary: "Run a test request",
    description: "Sends a request with the connection's authentication (as the Test panel does) and keeps it in the connection's history. A failure of the API is a test result (201 with ok: false), not an error of this call.",
    tag: TAG,
    scope: "connections:write",
    body: testRequestSchema,
    responses: { 201: { description: "The test's result.", schema: testRunSchema }, 404: notFound, 422: invalid },
    async handle({ caller, params, body }) {
      return { status: 201, body: await runTestRequest(caller.teamId, caller.actor, params.id!, body) };
    },
  }),
  route({
    method: "GET",
    path: "/connections/{id}/tests",
    operationId: "listConnectionTests",
    summary: "Test history",
    description: "The connection's kept test runs (the newest 50), newest first, in pages.",
    tag: TAG,
    scope: "connections:read",
    query: z.object({ limit: limitSchema, cursor: cursorSchema }),
    responses: { 200: { description: "Test runs.", schema: pageSchema(testRunSchema, "TestRunPage") }, 404: notFound },
    async handle({ caller, params, query }) {
      const before = afterCursor(query.cursor);
      await findConnection(caller.teamId, params.id!);
      const runs = await testHistory(caller.teamId, params.id!, { limit: query.limit + 1, before: before && { createdAt: before.at, id: before.id } });
      return { status: 200, body: keysetPage(runs, query.limit, (run) => [run.createdAt.toISOString(), run.id]) };
    },
  }),
  route({
    method: "GET",
    path: "/connections/{id}/credentials",
    operationId: "getConnectionCredentials",
    summary: "Read a connection's credentials",
    description:
      "For code that needs the raw credentials (an SDK that wants a token rather than a base URL). Only for connections on which an admin allowed it; every read is in the audit log with the key and the caller's address. OAuth2: a current access token, refreshed first when it is about to expire. Other types: the headers, query parameters and fields they send.",
    tag: TAG,
    scope: "credentials:read",
    responses: {
      200: { description: "The credentials of this moment.", schema: credentialsSchema },
      403: { description: "Reading this connection's credentials is not allowed, or the key lacks the scope." },
      404: notFound,
      409: { description: "OAuth2: the connection must be connected (again) in Keyway first." },
      502: { description: "OAuth2: the provider's token endpoint refused or failed." },
    },
    async handle({ caller, params }) {
      return { status: 200, body: await readCredentials(caller.teamId, caller.actor, params.id!), headers: { "cache-control": "no-store" } };
    },
  }),
  route({
    method: "POST",
    path: "/connections/{id}/connect-links",
    operationId: "createConnectLink",
    summary: "Create a connect link",
    description:
      "A link for someone without a Keyway account (your customer, the owner of the provider account) to complete this connection once: authorize it at the provider (OAuth2 authorization code) or type its secret fields (the other types with secrets). The answer holds the URL, once: Keyway keeps only its token's hash. The link's page shows your team's name, the connection's name, the provider and the scopes, nothing else.",
    tag: TAG,
    scope: "connections:write",
    body: connectLinkCreateSchema,
    responses: {
      201: { description: "Created; `url` is shown only in this answer.", schema: connectLinkSchema.extend({ url: z.string() }).meta({ id: "CreatedConnectLink" }) },
      404: notFound,
      409: { description: "The connection has nothing a link could complete: no authorization to give and no secret fields (as with types `NONE` and `WEBHOOK`)." },
      422: invalid,
    },
    async handle({ caller, params, body }) {
      const { link, url } = await createConnectLink(caller.teamId, caller.actor, params.id!, body);
      return { status: 201, body: { ...linkBody(link), url } };
    },
  }),
  route({
    method: "GET",
    path: "/connections/{id}/connect-links",
    operationId: "listConnectLinks",
    summary: "List a connection's connect links",
    description: "Newest first, in pages, with their state (never their URLs).",
    tag: TAG,
    scope: "connections:read",
    query: z.object({ limit: limitSchema, cursor: cursorSchema }),
    responses: { 200: { description: "Connect links.", schema: pageSchema(connectLinkSchema, "ConnectLinkPage") }, 404: notFound },
    async handle({ caller, params, query }) {
      const before = afterCursor(query.cursor);
      await findConnection(caller.teamId, params.id!);
      const links = await listConnectLinks(caller.teamId, params.id!, query.limit + 1, before && { createdAt: before.at, id: before.id });
      const page = keysetPage(links, query.limit, (link) => [link.createdAt.toISOString(), link.id]);
      return { status: 200, body: { data: page.data.map(linkBody), nextCursor: page.nextCursor } };
    },
  }),
  route({
    method: "DELETE",
    path: "/connections/{id}/connect-links/{linkId}",
    operationId: "revokeConnectLink",
    summary: "Revoke a connect link",
    description: "The link stops working at once. A used link cannot be revoked (409); revoking a revoked one changes nothing.",
    tag: TAG,
    scope: "connections:write",
    responses: { 204: { description: "Revoked." }, 404: { description: "No such link on this connection in the key's team." }, 409: { description: "The link was already used." } },
    async handle({ caller, params }) {
      await revokeConnectLink(caller.teamId, caller.actor, params.id!, params.linkId!);
      return { status: 204 };
    },
  }),
  route({
    method: "PUT",
    path: "/connections/{id}/credentials-access",
    operationId: "setConnectionCredentialsAccess",
    summary: "Allow or forbid reading a connection's credentials",
    description: "What the admin's switch “Allow services to read this connection's credentials” does on the connection page.",
    tag: TAG,
    scope: "admin",
    body: z.object({ allowed: z.boolean({ error: "Say true or false." }) }),
    responses: { 200: { description: "The connection.", schema: connectionSchema, headers: withEtag }, 404: notFound },
    async handle({ caller, params, body }) {
      await setCredentialsReadable(caller.teamId, caller.actor, params.id!, body.allowed);
      return answerWith(200, caller.teamId, params.id!);
    },
  }),
];
