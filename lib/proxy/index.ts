import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { AuditActor } from "../audit";
import { hashApiKey, looksLikeApiKey } from "../api-keys/secret";
import { recordKeyUse } from "../api-keys/usage";
import { applyAuth, type ResolvedAuth } from "../connections/apply-auth";
import { OutboundError } from "../outbound";
import { openStream } from "../outbound/stream";
import { checkKeyAndConnection } from "./check";
import { ProxyError, proxyErrorResponse } from "./errors";
import { bearerToken, outboundAsProxyError, proxyTarget, type ProxyTarget } from "./targets";

export { KEYWAY_ERROR_HEADER } from "./errors";

// The proxy (SPEC.md, "Proxy API"): a service calls
// /api/proxy/<connection id>/<path> with a team API key, and Keyway forwards
// the request to the connection's base URL + path with the connection's
// credentials, client certificate and outbound safety, streaming both bodies.
// In the steady state a request costs one database query (check.ts) and no
// decryption (targets.ts).

// RFC 9110 7.6.1 hop-by-hop fields, plus what a proxy must not pass on: the
// caller's Authorization is its Keyway API key, and Host names Keyway.
// Next's server adds X-Forwarded-Host/-Port/-Proto naming Keyway itself; an upstream would build URLs from them.
// (X-Forwarded-For stays: it is the chain of callers a proxy is expected to pass on.)
const DROPPED_REQUEST_HEADERS = new Set([
  "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authorization",
  "host", "authorization", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto",
]);
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authenticate"]);
// A request with a body cannot be sent twice without keeping the body; only bodiless requests are retried after a 401.
const BODYLESS_METHODS = new Set(["GET", "HEAD", "OPTIONS", "DELETE"]);

export type ProxyCall = {
  request: Request;
  connectionId: string;
  /** The part of the URL path after /api/proxy/<connection id>, still percent-encoded as the caller sent it. */
  path: string;
  /** The caller's address, for the audit trail. */
  ip: string;
};

function apiKeyOf(request: Request): string {
  const header = request.headers.get("authorization");
  if (!header) throw new ProxyError(401, "missing_api_key", "Send a team API key: Authorization: Bearer <key>. Admins create keys under API keys in Keyway.");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1] || !looksLikeApiKey(match[1])) throw new ProxyError(401, "invalid_api_key", "The Authorization header does not hold a Keyway API key (Bearer kw_…).");
  return match[1];
}

function upstreamUrl(target: ProxyTarget, path: string, search: string): URL {
  const url = new URL(target.baseUrl.href);
  const extra = path.replace(/^\/+/, "");
  url.pathname = extra ? `${target.basePath}/${extra}` : target.baseUrl.pathname;
  url.search = search;
  // The URL parser resolves dot segments, encoded ones (%2e%2e) included: refuse a path that climbed out of the base path.
  if (url.origin !== target.baseUrl.origin || !`${url.pathname}/`.startsWith(`${target.basePath}/`)) {
    throw new ProxyError(400, "invalid_path", "The path leaves the connection's base URL.");
  }
  return url;
}

function forwardedHeaders(incoming: Headers): Record<string, string | string[]> {
  const named = new Set((incoming.get("connection") ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(Boolean));
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of incoming) {
    if (DROPPED_REQUEST_HEADERS.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

function responseHeaders(upstream: Dispatcher.ResponseData["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

async function send(target: ProxyTarget, auth: ResolvedAuth, call: ProxyCall, url: URL, headers: Record<string, string | string[]>, body: Readable | null) {
  // applyAuth works on single-valued headers; repeated ones (arrays) are kept aside and put back, unless the auth replaced them.
  const single: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) repeated[name] = value;
    else single[name] = value;
  }
  const outgoing = applyAuth(auth, { url, headers: single });
  const finalHeaders: Record<string, string | string[]> = { ...outgoing.headers };
  const authNames = new Set(Object.keys(outgoing.headers).map((name) => name.toLowerCase()));
  for (const [name, values] of Object.entries(repeated)) if (!authNames.has(name)) finalHeaders[name] = values;
  try {
    return await openStream({
      url: outgoing.url,
      method: call.request.method,
      headers: finalHeaders,
      body,
      dispatcher: target.dispatcher,
      sentClientCertificate: target.sendsClientCertificate,
      signal: call.request.signal,
    });
  } catch (error) {
    if (error instanceof OutboundError) throw outboundAsProxyError(error);
    throw error;
  }
}

async function forward(call: ProxyCall): Promise<Response> {
  const key = apiKeyOf(call.request);
  const check = await checkKeyAndConnection(hashApiKey(key), call.connectionId);
  if (!check) throw new ProxyError(401, "invalid_api_key", "This API key is not known to Keyway. It may have been mistyped, or deleted with its team.");
  if (check.revoked) throw new ProxyError(401, "api_key_revoked", `The API key “${check.keyName}” (${check.keyPrefix}…) was revoked. Ask a team admin for a new one.`);
  if (check.expired) throw new ProxyError(401, "api_key_expired", `The API key “${check.keyName}” (${check.keyPrefix}…) has expired. Ask a team admin for a new one.`);
  if (check.connectionVersion === null) throw new ProxyError(404, "connection_not_found", "No connection with this id exists in the API key's team.");

  const actor: AuditActor = { id: null, label: `API key “${check.keyName}” (${check.keyPrefix}…)`, ip: call.ip };
  const target = await proxyTarget(check.teamId, call.connectionId, check.connectionVersion, actor);
  const incoming = new URL(call.request.url);
  const url = upstreamUrl(target, call.path, incoming.search);
  const headers = forwardedHeaders(call.request.headers);
  const method = call.request.method.toUpperCase();
  const body = call.request.body && method !== "GET" && method !== "HEAD" ? Readable.fromWeb(call.request.body as import("node:stream/web").ReadableStream<Uint8Array>) : null;

  let response: Dispatcher.ResponseData;
  if (target.staticAuth) {
    response = await send(target, target.staticAuth, call, url, headers, body);
  } else {
    const token = await bearerToken(target, actor);
    response = await send(target, { authType: "BEARER", accessToken: token }, call, url, headers, body);
    if (response.statusCode === 401) {
      // The API refused the token (revoked early, or rotated elsewhere): get another one, and
      // when the request can be sent again, send it again once. A request with a body gets the
      // 401, and its retry will carry the new token.
      const fresh = await bearerToken(target, actor, token).catch((error: unknown) => error);
      if (typeof fresh === "string" && fresh !== token && body === null && BODYLESS_METHODS.has(method)) {
        await response.body.dump().catch(() => undefined);
        response = await send(target, { authType: "BEARER", accessToken: fresh }, call, url, headers, null);
      } else if (fresh instanceof ProxyError && fresh.code === "needs_reauthorization") {
        await response.body.dump().catch(() => undefined);
        throw fresh;
      }
    }
  }

  recordKeyUse({ keyId: check.keyId, keyName: check.keyName, keyPrefix: check.keyPrefix, teamId: check.teamId, connectionId: target.connectionId, connectionName: target.name, ip: call.ip });
  const status = response.statusCode;
  const bodyless = method === "HEAD" || status === 204 || status === 304;
  if (bodyless) await response.body.dump().catch(() => undefined);
  return new Response(bodyless ? null : (Readable.toWeb(response.body) as ReadableStream<Uint8Array>), { status, headers: responseHeaders(response.headers) });
}

/** Never throws for a refusal: Keyway's own errors come back as JSON marked with the X-Keyway-Error header. */
export async function handleProxyRequest(call: ProxyCall): Promise<Response> {
  try {
    return await forward(call);
  } catch (error) {
    if (error instanceof ProxyError) return proxyErrorResponse(error);
    throw error;
  }
}
