import { authenticate, requireScope } from "./auth";
import { problemOf } from "./errors";
import { reserve, requestFingerprint, settle, type StoredAnswer } from "./idempotency";
import { openApiDocument } from "./openapi";
import { ApiProblem, invalidInput, PROBLEM_CONTENT_TYPE, problemBody } from "./problem";
import { takeApiRequest } from "./rate-limit";
import type { ApiAnswer, ApiRoute } from "./route";
import { apiRoutes } from "./routes";

// /api/v1: one function from a Fetch Request to a Response, served by
// server.ts (lib/api/node.ts) and by the Next route handler alike. Order:
// find the operation, the key, its rate limit, its scope, then the input
// (query and body through the operation's zod schemas), Idempotency-Key,
// and the operation itself. Every refusal is a problem document.

export const API_PREFIX = "/api/v1";
const MAX_BODY_BYTES = 2 * 1024 * 1024;

type Compiled = { route: ApiRoute; pattern: RegExp; names: string[] };

const compiled: Compiled[] = apiRoutes.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{(\w+)\\?\}|\{(\w+)\}/g, (_, a: string | undefined, b: string | undefined) => {
    names.push((a ?? b)!);
    return "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

function match(method: string, path: string): { route: ApiRoute; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const { route, pattern, names } of compiled) {
    const found = pattern.exec(path);
    if (!found) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
    } catch {
      continue;
    }
    return { route, params };
  }
  return { allowed };
}

function json(status: number, body: unknown, headers: Record<string, string>, contentType = "application/json"): Response {
  const hasBody = status !== 204 && body !== undefined;
  return new Response(hasBody ? JSON.stringify(body) : null, { status, headers: { ...(hasBody ? { "content-type": contentType } : {}), "cache-control": "no-store", ...headers } });
}

function problemResponse(problem: ApiProblem, instance: string, headers: Record<string, string> = {}): Response {
  return json(problem.status, problemBody(problem, instance), { ...headers, ...problem.headers }, PROBLEM_CONTENT_TYPE);
}

function queryObject(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) if (value !== "") query[name] = value;
  return query;
}

async function readBody(request: Request): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ApiProblem(413, "body_too_large", "The request body is too large.", `Send at most ${MAX_BODY_BYTES} bytes.`);
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ApiProblem(413, "body_too_large", "The request body is too large.", `Send at most ${MAX_BODY_BYTES} bytes.`);
  return text;
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiProblem(400, "invalid_json", "The request body is not JSON.", "Send a JSON document with Content-Type: application/json.");
  }
}

async function run(route: ApiRoute, params: Record<string, string>, request: Request, url: URL, ip: string, rateHeaders: Record<string, string>, caller: Awaited<ReturnType<typeof authenticate>>): Promise<Response> {
  const instance = url.pathname;
  const query = route.query ? route.query.safeParse(queryObject(url)) : { success: true as const, data: undefined };
  if (!query.success) throw invalidInput("query", query.error);
  const text = route.method === "POST" || route.method === "PUT" ? await readBody(request) : "";
  let body: unknown;
  if (route.body) {
    const parsed = route.body.safeParse(parseJson(text));
    if (!parsed.success) throw invalidInput("body", parsed.error);
    body = parsed.data;
  }

  const idempotencyKey = route.method === "POST" ? request.headers.get("idempotency-key") : null;
  let reservation: { apiKeyId: string; key: string } | null = null;
  if (idempotencyKey !== null) {
    const reserved = await reserve(caller.keyId, idempotencyKey, requestFingerprint(route.method, url.pathname, text));
    if ("replay" in reserved) {
      const { status, headers, body: replayed } = reserved.replay;
      return json(status, replayed, { ...rateHeaders, ...headers, "idempotent-replayed": "true" }, status >= 400 ? PROBLEM_CONTENT_TYPE : "application/json");
    }
    reservation = reserved.reserved;
  }

  let stored: StoredAnswer;
  try {
    const answer: ApiAnswer = await route.handle({ caller, params, query: query.data, body, headers: request.headers, ip });
    // Through JSON once, so the kept answer is exactly what was sent (dates as strings).
    stored = { status: answer.status, headers: answer.headers ?? {}, body: answer.body === undefined ? undefined : JSON.parse(JSON.stringify(answer.body)) };
  } catch (error) {
    const problem = problemOf(error);
    if (!problem) {
      if (reservation) await settle(reservation, { status: 500, headers: {}, body: undefined });
      throw error;
    }
    if (reservation) await settle(reservation, { status: problem.status, headers: problem.headers, body: problemBody(problem, instance) });
    return problemResponse(problem, instance, rateHeaders);
  }
  if (reservation) await settle(reservation, stored);
  return json(stored.status, stored.body, { ...rateHeaders, ...stored.headers });
}

/** `ip`: the caller's address as the server in front determined it (lib/request-ip.ts). */
export async function handleApiRequest(request: Request, ip: string): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.slice(API_PREFIX.length) || "/";
  const method = request.method.toUpperCase();
  try {
    if (path === "/openapi.json" && (method === "GET" || method === "HEAD")) {
      return new Response(method === "HEAD" ? null : JSON.stringify(openApiDocument()), { headers: { "content-type": "application/json", "cache-control": "public, max-age=60", "access-control-allow-origin": "*" } });
    }
    const found = match(method, path);
    if ("allowed" in found) {
      if (found.allowed.length > 0) throw new ApiProblem(405, "method_not_allowed", "This method is not allowed here.", `Use ${found.allowed.join(" or ")}.`, undefined, { allow: found.allowed.join(", ") });
      throw new ApiProblem(404, "not_found", "Not found.", `No operation at ${API_PREFIX}${path}. The operations are listed at ${API_PREFIX}/openapi.json.`);
    }
    const caller = await authenticate(request.headers.get("authorization"), ip);
    const rate = await takeApiRequest(caller.keyId);
    try {
      requireScope(caller, found.route.scope);
      return await run(found.route, found.params, request, url, ip, rate.headers, caller);
    } catch (error) {
      const problem = problemOf(error);
      if (problem) return problemResponse(problem, url.pathname, rate.headers);
      throw error;
    }
  } catch (error) {
    const problem = problemOf(error);
    if (problem) return problemResponse(problem, url.pathname);
    console.error(error);
    return problemResponse(new ApiProblem(500, "internal_error", "Keyway failed to answer.", "Keyway's log says why; nothing secret is in this answer."), url.pathname);
  }
}
