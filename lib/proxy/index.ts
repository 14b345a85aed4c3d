import { Readable, type Writable } from "node:stream";
import { config } from "../config";
import type { AuditActor } from "../audit";
import { hashApiKey, looksLikeApiKey } from "../api-keys/secret";
import { recordKeyUse } from "../api-keys/usage";
import { hasScope } from "../api-keys/scopes";
import { applyAuth, applyAuthHeaders, authQueryParams, type ResolvedAuth } from "../connections/apply-auth";
import { OutboundError, type TunnelResponse } from "../outbound";
import { openStream, openStreamOrWrite, type DirectSink } from "../outbound/stream";
import type { CancelSignal } from "../outbound/cancel";
import { CLIENT_IP_HEADER } from "../request-ip";
import { checkKeyAndConnection, type KeyCheck, type KeyRow } from "./check";
import { cachedKey, currentCachedKey } from "./keys";
import { cachesKeptCurrent } from "./invalidation";
import { pathTrick } from "../connections/request-path";
import { connectionNotFound, PROXY_REFUSED_METHODS, ProxyError, proxyErrorResponse, unexpectedFailure } from "./errors";
import { bearerToken, currentProxyTarget, freshBearerToken, outboundAsProxyError, proxyTarget, type ProxyTarget } from "./targets";
import { DigestProblem } from "../connections/digest";
import { digestSessionKey, sendAuthenticated } from "../connections/signed-send";
import { fetchDigestChallenge, prepareSignedBody, readUpTo, type PreparedBody } from "./signed-body";
import { EXPIRED_BODY_PEEK_BYTES, hasBodyRule, meansExpired, statusMayMeanExpired, type ExpiredRule } from "../oauth/expired-signal";

export { KEYWAY_ERROR_HEADER } from "./errors";

// The proxy (SPEC.md, "Proxy API"): a service calls
// /api/proxy/<connection id>/<path> with a team API key, and Keyway forwards
// the request to the connection's base URL + path with the connection's
// credentials, client certificate and outbound safety, streaming both bodies.
// In the steady state a request costs no database query while the instance
// hears the database's change notifications (invalidation.ts), one otherwise
// (check.ts), and no decryption (targets.ts).

// RFC 9110 7.6.1 hop-by-hop fields, plus what a proxy must not pass on: the
// caller's Authorization is its Keyway API key, and Host names Keyway.
// Next's server adds X-Forwarded-Host/-Port/-Proto naming Keyway itself; an upstream would build URLs from them.
// (X-Forwarded-For stays: it is the chain of callers a proxy is expected to pass on.)
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];
// server.ts's own note of the caller's address is Keyway's, not the API's.
const DROPPED_REQUEST_HEADERS = new Set([...HOP_BY_HOP, "proxy-authorization", "host", "authorization", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", CLIENT_IP_HEADER]);
const DROPPED_RESPONSE_HEADERS = new Set([...HOP_BY_HOP, "proxy-authenticate"]);
/**
 * An OAuth2 request is sent again after the API says its token expired only
 * when its body can be sent twice: none, or one whose Content-Length says it
 * is this small, which is read into memory first. A larger or streamed
 * (chunked) body goes on as it comes and is not replayed: the caller gets the
 * API's answer, and its next request carries the new token.
 */
const REPLAY_BODY_BYTES = 64 * 1024;

/** One proxied request, whatever server received it (Next's route handler or Keyway's own HTTP server). */
export type ProxyInput = {
  method: string;
  connectionId: string;
  /** The part of the URL path after /api/proxy/<connection id>, still percent-encoded as the caller sent it. */
  path: string;
  /** The query string with its "?", or "". */
  search: string;
  /** Lower-case names, as Node and the Fetch API both give them. */
  headers: Iterable<[string, string | string[] | undefined]>;
  body: Readable | null;
  /** The caller's address, for the audit trail. */
  ip: string;
  /** Aborted when the caller gives up or the exchange runs out of time: the upstream request is cancelled. */
  signal?: CancelSignal;
  /**
   * Keyway's own server: the API's answer is handed here (status and headers
   * to pass on) and its body written into the writable returned, as it
   * arrives; proxyRequest then resolves with null.
   */
  respond?: (status: number, headers: Record<string, string | string[]>) => Writable;
};

export type ProxyOutput = { status: number; headers: Record<string, string | string[]>; body: Readable | null };

function apiKeyOf(authorization: string | undefined): string {
  if (!authorization) throw new ProxyError(401, "missing_api_key", "Send a team API key: Authorization: Bearer <key>. Admins create keys under API keys in Keyway.");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1] || !looksLikeApiKey(match[1])) throw new ProxyError(401, "invalid_api_key", "The Authorization header does not hold a Keyway API key (Bearer kw_…).");
  return match[1];
}

// A "." or ".." segment, spelled out or percent-encoded: only such a path can climb out of the base path.
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;
// What may not stand unencoded in a request line (Node lets some of it through; undici would refuse it).
const UNSAFE_IN_URL = /[^\x21-\x7e]/;

/** Path and query on the upstream: the base URL's path, then the caller's. */
function upstreamPath(target: ProxyTarget, path: string, search: string): string {
  const extra = path.replace(/^\/+/, "");
  if (!DOT_SEGMENT.test(extra) && !UNSAFE_IN_URL.test(extra) && !UNSAFE_IN_URL.test(search)) return `${extra ? `${target.basePath}/${extra}` : target.baseUrl.pathname}${search}`;
  // Let the URL parser resolve dot segments and encode what must be, then refuse a path that left the base path.
  const url = new URL(target.baseUrl.href);
  url.pathname = extra ? `${target.basePath}/${extra}` : target.baseUrl.pathname;
  url.search = search;
  if (url.origin !== target.baseUrl.origin || !`${url.pathname}/`.startsWith(`${target.basePath}/`)) {
    throw new ProxyError(400, "invalid_path", "The path leaves the connection's base URL.");
  }
  return `${url.pathname}${url.search}`;
}

/** The caller's headers minus what must not travel on: single values, except repeated ones the server kept apart. */
function forwardedHeaders(incoming: ProxyInput["headers"]): { headers: Record<string, string>; repeated: Record<string, string[]>; authorization: string | undefined } {
  const headers: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  let authorization: string | undefined;
  let named: Set<string> | undefined;
  for (const [name, value] of incoming) {
    if (value === undefined) continue;
    if (name === "authorization") authorization = Array.isArray(value) ? value[0] : value;
    if (name === "connection") named = new Set(String(value).split(",").map((n) => n.trim().toLowerCase()).filter(Boolean));
    if (DROPPED_REQUEST_HEADERS.has(name)) continue;
    if (Array.isArray(value)) repeated[name] = value;
    else headers[name] = value;
  }
  if (named) {
    for (const name of named) {
      delete headers[name];
      delete repeated[name];
    }
  }
  return { headers, repeated, authorization };
}

function responseHeaders(upstream: TunnelResponse["headers"]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
    headers[name] = value;
  }
  return headers;
}

type Forwarded = ReturnType<typeof forwardedHeaders>;

async function send(target: ProxyTarget, auth: ResolvedAuth, input: ProxyInput, path: string, forwarded: Forwarded, body: Readable | Buffer | null, direct?: DirectSink): Promise<TunnelResponse | null> {
  let outgoing: { headers: Record<string, string>; path: string };
  if (authQueryParams(auth).length > 0) {
    // Credentials in the query string: the URL's parameters are edited, so it is parsed.
    // Concatenated, not resolved against the origin: a path can then never name another host.
    const placed = applyAuth(auth, { url: new URL(`${target.baseUrl.origin}${path}`), headers: forwarded.headers });
    outgoing = { headers: placed.headers, path: `${placed.url.pathname}${placed.url.search}` };
  } else {
    outgoing = { headers: applyAuthHeaders(auth, forwarded.headers), path };
  }
  let headers: Record<string, string | string[]> = outgoing.headers;
  if (Object.keys(forwarded.repeated).length > 0) {
    // Repeated headers go along too, unless the connection's credentials replaced a header of that name.
    const authNames = new Set(Object.keys(outgoing.headers).map((name) => name.toLowerCase()));
    headers = { ...outgoing.headers };
    for (const [name, values] of Object.entries(forwarded.repeated)) if (!authNames.has(name)) headers[name] = values;
  }
  try {
    if (!isSignedAuth(auth)) {
      const request = { origin: target.baseUrl, path: outgoing.path, method: input.method, headers, body, via: target.via, sentClientCertificate: target.sendsClientCertificate, signal: input.signal };
      return await (direct ? openStreamOrWrite(request, direct) : openStream(request));
    }
    return await sendSigned(target, auth, input.method, outgoing.path, headers, body === null || body instanceof Readable ? body : Readable.from([body]), input.signal);
  } catch (error) {
    if (error instanceof OutboundError) throw outboundAsProxyError(error);
    if (error instanceof DigestProblem) throw new ProxyError(502, "upstream_auth_unsupported", error.message);
    throw error;
  }
}

function isSignedAuth(auth: ResolvedAuth): auth is Extract<ResolvedAuth, { authType: "DIGEST" | "AWS_SIGV4" | "OAUTH1" }> {
  return auth.authType === "DIGEST" || auth.authType === "AWS_SIGV4" || auth.authType === "OAUTH1";
}

/** Digest, SigV4 and OAuth 1.0a: signed per request (signed-send.ts), the body read first only where that needs it. */
async function sendSigned(target: ProxyTarget, auth: Extract<ResolvedAuth, { authType: "DIGEST" | "AWS_SIGV4" | "OAUTH1" }>, method: string, path: string, headers: Record<string, string | string[]>, stream: Readable | null, signal?: CancelSignal) {
  const prepared = await prepareSignedBody(auth, headers, stream);
  // Sent as the URL parser spells it, so what is signed is byte for byte what goes out.
  const url = new URL(`${target.baseUrl.origin}${path}`);
  const open = (sent: Record<string, string | string[]>, body: PreparedBody["body"] = prepared.body, sentMethod = method) =>
    openStream({ origin: target.baseUrl, path: `${url.pathname}${url.search}`, method: sentMethod, headers: sent, body, via: target.via, sentClientCertificate: target.sendsClientCertificate, signal });
  if (auth.authType === "DIGEST" && !prepared.replayable) {
    const probeHeaders = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
    await fetchDigestChallenge(digestSessionKey(target.connectionId, url, auth), () => open(probeHeaders, null, "GET"));
  }
  const { response } = await sendAuthenticated(auth, { key: target.connectionId, method, url, headers, body: prepared.toSign, replayable: prepared.replayable }, async (sent) => {
    const response = await open(sent);
    return Object.assign(response, { discard: () => response.body.dump() });
  });
  return response;
}

/** The body as it will be sent, read into memory when it is small enough to be sent twice (see REPLAY_BODY_BYTES). */
async function replayableBody(body: Readable, contentLength: string | undefined): Promise<{ body: Readable | Buffer | null; replayable: boolean }> {
  const declared = contentLength === undefined ? NaN : Number(contentLength);
  if (!Number.isSafeInteger(declared) || declared > REPLAY_BODY_BYTES) return { body, replayable: false };
  const read = await readUpTo(body, REPLAY_BODY_BYTES);
  return "whole" in read ? { body: read.whole, replayable: true } : { body: read.rest, replayable: false };
}

/**
 * Whether the API's answer means the access token expired (the connection's
 * rule), and the answer to pass on: when the rule looks at the body, up to
 * EXPIRED_BODY_PEEK_BYTES of it are read, and handed on unchanged.
 */
async function tokenExpiredIn(rule: ExpiredRule, response: TunnelResponse): Promise<{ expired: boolean; response: TunnelResponse }> {
  if (!statusMayMeanExpired(rule, response.statusCode)) return { expired: false, response };
  if (!hasBodyRule(rule)) return { expired: true, response };
  const read = await readUpTo(response.body, EXPIRED_BODY_PEEK_BYTES);
  const stream = "whole" in read ? Readable.from([read.whole]) : read.rest;
  const body = Object.assign(stream, {
    dump: async () => {
      stream.resume();
      stream.destroy();
    },
  });
  return { expired: "whole" in read && meansExpired(rule, response.statusCode, read.whole), response: { ...response, body } };
}

function unknownKey(): ProxyError {
  return new ProxyError(401, "invalid_api_key", "This API key is not known to Keyway. It may have been mistyped, or deleted with its team.");
}

type Admission = { key: Omit<KeyCheck, "connectionVersion">; version: string | null; connectionMissing: boolean };

/**
 * The key, and what decides whether a cached connection is current. Under
 * change notifications a cached key costs no query, and the connection's team
 * is checked when its target is built; otherwise one query answers both.
 */
async function admit(keyHash: string, connectionId: string): Promise<Admission> {
  if (cachesKeptCurrent()) {
    const row = await cachedKey(keyHash);
    if (!row) throw unknownKey();
    return admissionOf(row);
  }
  const row = await checkKeyAndConnection(keyHash, connectionId);
  if (!row) throw unknownKey();
  return { key: row, version: row.connectionVersion, connectionMissing: row.connectionVersion === null };
}

function admissionOf(row: KeyRow): Admission {
  return { key: { ...row, expired: row.expiresAtMs !== null && row.expiresAtMs <= Date.now() }, version: null, connectionMissing: false };
}

/** admit, for a key the cache holds current under change notifications: no promise (see below). */
function admittedFromCache(keyHash: string): Admission | undefined {
  if (!cachesKeptCurrent()) return undefined;
  const row = currentCachedKey(keyHash);
  return row && admissionOf(row);
}

/** Refusals that need no key and no connection: a method that must not be forwarded, a path that could climb out of the base path. */
function checkRequestShape(method: string, path: string) {
  if (PROXY_REFUSED_METHODS.has(method)) throw new ProxyError(405, "method_not_allowed", `The proxy does not forward ${method} requests.`);
  const trick = pathTrick(path);
  if (trick) throw new ProxyError(400, "invalid_path", trick);
}

/** Forwards one request; Keyway's own refusals are thrown as ProxyError for the server in front to render. */
export function proxyRequest(input: ProxyInput & { respond?: undefined }): Promise<ProxyOutput>;
export function proxyRequest(input: ProxyInput): Promise<ProxyOutput | null>;
export async function proxyRequest(input: ProxyInput): Promise<ProxyOutput | null> {
  checkRequestShape(input.method.toUpperCase(), input.path);
  const forwarded = forwardedHeaders(input.headers);
  const keyHash = hashApiKey(apiKeyOf(forwarded.authorization));
  // What the caches hold current is taken without a promise: on Node 20 and 22 every promise costs an
  // async_hooks round for each of Next's AsyncLocalStorages, a few percent of a request each.
  const { key: check, version, connectionMissing } = admittedFromCache(keyHash) ?? (await admit(keyHash, input.connectionId));
  if (check.revoked) throw new ProxyError(401, "api_key_revoked", `The API key “${check.keyName}” (${check.keyPrefix}…) was revoked. Ask a team admin for a new one.`);
  if (check.expired) throw new ProxyError(401, "api_key_expired", `The API key “${check.keyName}” (${check.keyPrefix}…) has expired. Ask a team admin for a new one.`);
  if (!hasScope(check.scopes, "proxy")) throw new ProxyError(403, "insufficient_scope", `The API key “${check.keyName}” (${check.keyPrefix}…) was not given the proxy scope. Ask a team admin for a key with it.`);
  if (connectionMissing) throw connectionNotFound();

  const actor: AuditActor = { id: null, label: `API key “${check.keyName}” (${check.keyPrefix}…)`, ip: input.ip };
  const target = currentProxyTarget(check.teamId, input.connectionId, version) ?? (await proxyTarget(check.teamId, input.connectionId, version, actor));
  const path = upstreamPath(target, input.path, input.search);
  const method = input.method.toUpperCase();
  const body = method === "GET" || method === "HEAD" ? null : input.body;

  const keyUsed = () => recordKeyUse({ keyId: check.keyId, keyName: check.keyName, keyPrefix: check.keyPrefix, teamId: check.teamId, connectionId: target.connectionId, connectionName: target.name, ip: input.ip });
  // An answer that needs no second look (an OAuth2 API's may say the token expired) goes straight to the caller.
  const { respond } = input;
  const direct: DirectSink | undefined =
    respond &&
    ((status, headers) => {
      if (!target.staticAuth && statusMayMeanExpired(target.tokenExpired, status)) return null;
      keyUsed();
      return respond(status, responseHeaders(headers));
    });

  let response: TunnelResponse | null;
  if (target.staticAuth) {
    response = await send(target, target.staticAuth, input, path, forwarded, body, direct);
  } else {
    // Likewise without a body and with a fresh token (most requests).
    const { body: sent, replayable } = body === null ? { body, replayable: true } : await replayableBody(body, forwarded.headers["content-length"]);
    const token = freshBearerToken(target) ?? (await bearerToken(target, actor));
    response = await send(target, { authType: "BEARER", accessToken: token }, input, path, forwarded, sent, direct);
    if (response) {
      const checked = await tokenExpiredIn(target.tokenExpired, response);
      response = checked.response;
      if (checked.expired) {
        // The API refused the token (revoked early, rotated elsewhere, or expired before its time):
        // get another one, and when the request can be sent again, send it again once. A request
        // whose body streamed gets the API's answer, and its retry will carry the new token.
        const fresh = await bearerToken(target, actor, token).catch((error: unknown) => error);
        if (typeof fresh === "string" && fresh !== token && replayable) {
          await response.body.dump().catch(() => undefined);
          response = await send(target, { authType: "BEARER", accessToken: fresh }, input, path, forwarded, sent, direct);
        } else if (fresh instanceof ProxyError && fresh.code === "needs_reauthorization") {
          await response.body.dump().catch(() => undefined);
          throw fresh;
        }
      }
    }
  }
  if (response === null) return null; // written to the caller as it came

  keyUsed();
  const status = response.statusCode;
  const bodyless = method === "HEAD" || status === 204 || status === 304;
  if (bodyless) await response.body.dump().catch(() => undefined);
  return { status, headers: responseHeaders(response.headers), body: bodyless ? null : response.body };
}

/** The Fetch API face of the proxy (Next's route handler, tests). Never throws for a refusal: it becomes Keyway's marked JSON error. */
export async function handleProxyRequest(call: { request: Request; connectionId: string; path: string; ip: string }): Promise<Response> {
  const { request } = call;
  try {
    const output = await proxyRequest({
      method: request.method,
      connectionId: call.connectionId,
      path: call.path,
      search: new URL(request.url).search,
      headers: request.headers,
      body: request.body ? Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>) : null,
      ip: call.ip,
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(config().KEYWAY_PROXY_MAX_SECONDS * 1000)]),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(output.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    return new Response(output.body ? (Readable.toWeb(output.body) as ReadableStream<Uint8Array>) : null, { status: output.status, headers });
  } catch (error) {
    if (error instanceof ProxyError) return proxyErrorResponse(error);
    const failure = unexpectedFailure(error);
    if (failure.code === "internal_error") throw error;
    return proxyErrorResponse(failure);
  }
}
