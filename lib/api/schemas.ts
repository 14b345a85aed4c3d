import { z } from "zod";
import { connectionState, stateLabel } from "../health/state";
import { AUTH_TYPES, NETWORKS } from "../connections/schemas";
import { storedConfigSchema } from "../connections/stored";
import { ConnectionStatus } from "../generated/prisma/enums";
import type { ConnectionView } from "../connections";
import type { TestRunView } from "../connections/test-request";

// What /api/v1 answers with. Requests are parsed with the same zod schemas as
// the forms (lib/*/schemas.ts); these describe the answers, which never hold
// a secret value: only whether each secret is set (and sometimes its last four characters).

const timestamp = z.iso.datetime();

export const problemSchema = z
  .object({
    type: z.string().meta({ description: "A link to this problem's description." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string().meta({ description: "The problem in one word, for code to switch on." }),
    errors: z
      .array(z.object({ pointer: z.string().meta({ description: "RFC 6901 JSON pointer into the request body (or #query/… for the query string)." }), path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

const secretHintSchema = z.object({ set: z.literal(true), lastFour: z.string().optional() });

export const connectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    baseUrl: z.string(),
    authType: z.enum(AUTH_TYPES),
    status: z.enum(ConnectionStatus).meta({ description: "The health check's last outcome (UNTESTED before any); `health` adds the live signals." }),
    health: z
      .object({
        state: z.enum(["NOT_CHECKED", "WORKING", "FAILING", "NEEDS_REAUTH", "AGENT_OFFLINE", "CERT_EXPIRING"]),
        label: z.string().meta({ description: "The state in words, as the pages show it." }),
        since: timestamp.nullable(),
        summary: z.string().nullable().meta({ description: "The last check's outcome in words (secrets removed)." }),
        checkedAt: timestamp.nullable(),
      })
      .meta({ description: "The connection's status: its health check with agent presence, certificate expiry and authorization (ad-hoc tests never change it)." }),
    network: z.enum(NETWORKS),
    agent: z.object({ id: z.string(), name: z.string(), state: z.string() }).nullable(),
    oauthClient: z.object({ id: z.string(), name: z.string(), provider: z.string() }).nullable(),
    config: storedConfigSchema.meta({ description: "The authentication type's settings that are not secret; secret header and parameter values are left out." }),
    secrets: z.record(z.string(), secretHintSchema).meta({ description: "Which secret fields are set (never their values)." }),
    clientCertificate: z.object({ subject: z.string().nullable(), expiresAt: timestamp.nullable() }).nullable(),
    token: z
      .object({
        tokenType: z.string().meta({ description: "Bearer or DPoP (OAuth2), OAuth1 (three-legged OAuth 1.0a)." }),
        scope: z.string().nullable(),
        expiresAt: timestamp.nullable(),
        obtainedAt: timestamp,
        refreshedAt: timestamp.nullable(),
        hasRefreshToken: z.boolean(),
        connectedBy: z.string().nullable().meta({ description: "The email of the user who approved access at the provider (recorded for OAuth 1.0a Connect)." }),
      })
      .nullable()
      .meta({ description: "OAuth2 and three-legged OAuth 1.0a: the state of the stored token (never the token or its secret)." }),
    credentialsReadable: z.boolean().meta({ description: "Whether services may read this connection's credentials (GET …/credentials)." }),
    lastTestedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Connection" });

function healthBody(view: ConnectionView) {
  const state = connectionState(view);
  return {
    state: state.kind,
    label: stateLabel(state).label,
    since: "since" in state ? state.since : null,
    summary: view.health?.summary ?? null,
    checkedAt: view.health?.checkedAt ?? null,
  };
}

export function connectionBody(view: ConnectionView) {
  return {
    id: view.id,
    name: view.name,
    baseUrl: view.baseUrl,
    authType: view.authType,
    status: view.status,
    health: healthBody(view),
    network: view.agentId ? "private" : "public",
    agent: view.agent ? { id: view.agent.id, name: view.agent.name, state: view.agent.presence.state } : null,
    oauthClient: view.oauthClient ? { id: view.oauthClient.id, name: view.oauthClient.name, provider: view.oauthClient.provider } : null,
    config: view.config,
    secrets: view.secretHints,
    clientCertificate: view.clientCertPem ? { subject: view.clientCertSubject, expiresAt: view.clientCertExpiresAt } : null,
    token: view.tokenSet,
    credentialsReadable: view.credentialsReadable,
    lastTestedAt: view.lastTestedAt,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  } satisfies Record<keyof z.infer<typeof connectionSchema>, unknown>;
}

export const testRunSchema = z
  .object({
    id: z.string(),
    createdAt: timestamp,
    method: z.string(),
    url: z.string().meta({ description: "With secret query parameters redacted." }),
    ok: z.boolean(),
    status: z.number().int().nullable(),
    durationMs: z.number().int(),
    summary: z.string(),
    errorKind: z.string().nullable(),
    responseHeaders: z.record(z.string(), z.string()),
    responseBody: z.string().nullable(),
    responseTruncated: z.boolean(),
  })
  .meta({ id: "TestRun" }) satisfies z.ZodType<unknown>;

export function testRunBody(run: TestRunView) {
  return run satisfies Record<keyof z.infer<typeof testRunSchema>, unknown>;
}

const nameValueSchema = z.object({ name: z.string(), value: z.string() });

export const credentialsSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("oauth2"),
      authType: z.string(),
      accessToken: z.string(),
      tokenType: z.string(),
      expiresAt: timestamp.nullable(),
      scope: z.string().nullable(),
      headers: z.array(nameValueSchema).meta({ description: "The headers to send: Authorization: Bearer <token>." }),
    }),
    z.object({
      kind: z.literal("static"),
      authType: z.string(),
      headers: z.array(nameValueSchema).meta({ description: "Headers to send, Basic credentials included." }),
      query: z.array(nameValueSchema).meta({ description: "Query parameters to add to every URL." }),
      fields: z.record(z.string(), z.unknown()).meta({ description: "The type's credential fields as they are (e.g. username and password)." }),
    }),
  ])
  .meta({ id: "Credentials" });
