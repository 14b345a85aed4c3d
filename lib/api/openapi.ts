import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { API_KEY_SCOPE_LABEL, API_KEY_SCOPES } from "../api-keys/scopes";
import { problemSchema } from "./schemas";
import type { ApiRoute } from "./route";
import { apiRoutes } from "./routes";

// The OpenAPI 3.1 document of /api/v1, generated (zod-openapi) from the same
// route declarations and zod schemas the router serves with: what the
// document says a request may hold is what the server parses.

const problemContent = { "application/problem+json": { schema: problemSchema } };

const rateLimitHeaders = {
  RateLimit: { description: "Where the key stands in its window: remaining requests (r) and seconds until the window resets (t).", schema: { type: "string" as const } },
  "RateLimit-Policy": { description: "The key's quota (q) per window of w seconds.", schema: { type: "string" as const } },
};

function responsesOf(route: ApiRoute): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const headers = { ...rateLimitHeaders, ...Object.fromEntries(Object.entries(spec.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: "string" as const } }])) };
    responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] = Number(status) >= 400 ? { description: spec.description, content: problemContent, headers } : { description: spec.description, headers, ...(spec.schema ? { content: { "application/json": { schema: spec.schema } } } : {}) };
  }
  const common: Record<number, string> = {
    401: "No key, an unknown key, or a revoked or expired one.",
    403: `The key lacks the scope “${route.scope}”.`,
    429: "The key made too many requests this minute (Retry-After says when to retry).",
  };
  if (route.query || route.body) common[422] = "The request is not valid: each problem names its field.";
  if (route.method === "POST") Object.assign(common, { 409: "A request with the same Idempotency-Key is still being served.", 422: "The request is not valid, or its Idempotency-Key was used for another request." });
  for (const [status, description] of Object.entries(common)) responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] ??= { description, content: problemContent };
  return responses;
}

function operationOf(route: ApiRoute): ZodOpenApiOperationObject {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const header: Record<string, z.ZodType> = {};
  if (route.method === "POST") header["Idempotency-Key"] = z.string().min(1).max(255).optional().meta({ description: "Makes a retry safe: the same key and body within 24 hours gets the first answer again, and changes nothing." });
  if (route.ifMatch) header["If-Match"] = z.string().optional().meta({ description: "The ETag you read: the change is refused (412) if the resource changed since." });
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `${route.description ? `${route.description}\n\n` : ""}Scope: \`${route.scope}\`.`,
    tags: [route.tag],
    "x-keyway-scope": route.scope,
    requestParams: {
      ...(names.length ? { path: z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) } : {}),
      ...(route.query ? { query: route.query as z.ZodObject } : {}),
      ...(Object.keys(header).length ? { header: z.object(header) } : {}),
    },
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: route.body } } } } : {}),
    responses: responsesOf(route),
  };
}

let cached: ReturnType<typeof createDocument> | undefined;

export function openApiDocument(): ReturnType<typeof createDocument> {
  if (cached) return cached;
  const paths: ZodOpenApiPathsObject = {};
  for (const route of apiRoutes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase() as "get"] = operationOf(route);
  }
  cached = createDocument({
    openapi: "3.1.0",
    info: {
      title: "Keyway management API",
      version: "1",
      description: [
        "Everything a team does on Keyway's pages, for its services, authenticated with a team API key (`Authorization: Bearer kw_…`) whose scopes decide what it may do.",
        "",
        "Conventions: JSON bodies; refusals are RFC 9457 problem documents (`application/problem+json`) whose `errors` name each invalid field by its path; lists come in pages (`limit`, and `cursor` from the previous page's `nextCursor`); POST accepts `Idempotency-Key`; updates accept `If-Match` with the ETag read; each key has a rate limit per minute, reported in `RateLimit` headers.",
        "",
        "Scopes: " + API_KEY_SCOPES.map((scope) => `\`${scope}\` (${API_KEY_SCOPE_LABEL[scope]})`).join("; ") + ".",
      ].join("\n"),
    },
    servers: [{ url: "/api/v1" }],
    security: [{ apiKey: [] }],
    components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A team API key, kw_…, created by an admin under API keys." } } },
    tags: [...new Set(apiRoutes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
  });
  return cached;
}
