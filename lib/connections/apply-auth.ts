// Turns a connection's authentication into what goes on the wire (SPEC.md's
// table, "what is sent"). Pure: the caller decrypts the secrets, this only
// places them, so the same code serves test requests and the proxy.

import { pathTrick } from "./request-path";
import type { DigestAuth } from "./digest";
import { oauth1SecretStrings, type OAuth1Auth } from "./oauth1";
import type { SigV4Auth } from "./sigv4";

export type NameValue = { name: string; value: string };

export type ResolvedAuth =
  | { authType: "NONE" }
  | { authType: "BASIC"; username: string; password: string }
  | { authType: "HEADER"; headers: NameValue[] }
  | { authType: "QUERY"; params: NameValue[] }
  | { authType: "CUSTOM"; headers: NameValue[]; params: NameValue[]; basic?: { username: string; password: string } }
  /** Both OAuth2 types, once lib/oauth/tokens.ts has a current access token. */
  | { authType: "BEARER"; accessToken: string }
  /** Signed or challenged per request, after applyAuth: signed-send.ts. */
  | DigestAuth
  | SigV4Auth
  | OAuth1Auth;

export type OutgoingRequest = { url: URL; headers: Record<string, string> };

/** RFC 7617: base64 of the UTF-8 bytes of "user:password" (the charset="UTF-8" form every server now expects). */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/**
 * The URL of a request to `path` on a connection: the path is relative to the
 * base URL's path ("users" and "/users" on https://api.example.com/v1 both give
 * /v1/users), and can never leave the base URL's origin.
 */
export function resolveRequestUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  const trimmed = path.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith("//")) {
    throw new RangeError("Give a path relative to the connection's base URL, not a full URL.");
  }
  const [pathPart = "", ...queryParts] = trimmed.split("?");
  const trick = pathTrick(pathPart);
  if (trick) throw new RangeError(trick);
  const query = queryParts.join("?");
  const url = new URL(base.href);
  const basePath = base.pathname.replace(/\/+$/, "");
  const extra = pathPart.replace(/^\/+/, "");
  url.pathname = extra ? `${basePath}/${extra}` : base.pathname;
  if (query) {
    for (const [name, value] of new URLSearchParams(query)) url.searchParams.append(name, value);
  }
  // Dot segments ("../..") are resolved by the URL parser; refuse a path that climbed out of the base path.
  if (url.origin !== base.origin || !`${url.pathname}/`.startsWith(`${basePath}/`)) {
    throw new RangeError("The path leaves the connection's base URL.");
  }
  return url;
}

function setHeader(headers: Record<string, string>, name: string, value: string) {
  for (const existing of Object.keys(headers)) {
    if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
  }
  headers[name] = value;
}

function setParams(url: URL, params: NameValue[]) {
  // The connection's parameters replace any of the same name in the request,
  // so a caller cannot shadow the API key, while repeated ones (tag=a&tag=b) survive.
  for (const name of new Set(params.map((p) => p.name))) url.searchParams.delete(name);
  for (const { name, value } of params) url.searchParams.append(name, value);
}

/**
 * Adds the connection's credentials to a request. The connection's headers win
 * over the caller's of the same name: a test request or a proxied call cannot
 * replace the credentials the connection stands for.
 */
export function applyAuth(auth: ResolvedAuth, request: OutgoingRequest): OutgoingRequest {
  const url = new URL(request.url.href);
  const params = authQueryParams(auth);
  if (params.length > 0) setParams(url, params);
  return { url, headers: applyAuthHeaders(auth, request.headers) };
}

/** The query parameters this auth puts on every URL (none for most types). */
export function authQueryParams(auth: ResolvedAuth): NameValue[] {
  return auth.authType === "QUERY" || auth.authType === "CUSTOM" ? auth.params : [];
}

/** applyAuth's headers alone, for a caller that leaves the URL as it is when authQueryParams is empty (the proxy's hot path). */
export function applyAuthHeaders(auth: ResolvedAuth, incoming: Record<string, string>): Record<string, string> {
  const headers = { ...incoming };
  switch (auth.authType) {
    case "NONE":
    case "QUERY":
    case "DIGEST":
    case "AWS_SIGV4":
    case "OAUTH1":
      break;
    case "BASIC":
      setHeader(headers, "Authorization", basicAuthorization(auth.username, auth.password));
      break;
    case "HEADER":
      for (const { name, value } of auth.headers) setHeader(headers, name, value);
      break;
    case "CUSTOM":
      for (const { name, value } of auth.headers) setHeader(headers, name, value);
      if (auth.basic) setHeader(headers, "Authorization", basicAuthorization(auth.basic.username, auth.basic.password));
      break;
    case "BEARER":
      // RFC 6750 2.1. Whatever token_type the provider named (Slack says "bot"), APIs take it as a bearer token.
      setHeader(headers, "Authorization", `Bearer ${auth.accessToken}`);
      break;
  }
  return headers;
}

/** Every secret of this auth, for redaction.ts, which also finds their encoded forms. */
export function secretStrings(auth: ResolvedAuth, secretNames: { headers: Set<string>; params: Set<string> }): string[] {
  const secrets: string[] = [];
  const basic = auth.authType === "BASIC" ? auth : auth.authType === "CUSTOM" ? auth.basic : undefined;
  if (basic) secrets.push(basic.password, basicAuthorization(basic.username, basic.password).slice("Basic ".length));
  if (auth.authType === "HEADER" || auth.authType === "CUSTOM") {
    for (const h of auth.headers) if (secretNames.headers.has(h.name.toLowerCase())) secrets.push(h.value);
  }
  if (auth.authType === "BEARER") secrets.push(auth.accessToken);
  if (auth.authType === "DIGEST") secrets.push(auth.password);
  if (auth.authType === "AWS_SIGV4") secrets.push(auth.secretAccessKey, auth.sessionToken ?? "", encodeURIComponent(auth.sessionToken ?? ""));
  if (auth.authType === "OAUTH1") secrets.push(...oauth1SecretStrings(auth));
  if (auth.authType === "QUERY" || auth.authType === "CUSTOM") {
    for (const p of auth.params) if (secretNames.params.has(p.name)) secrets.push(p.value);
  }
  return [...new Set(secrets.filter((s) => s.length > 0))];
}

// Redaction lives in one place for every caller (test runs, agents' errors, …).
export { redact, REDACTED } from "./redaction";
