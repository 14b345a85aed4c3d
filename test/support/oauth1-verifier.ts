import { verify } from "node:crypto";
import { OAuth } from "oauth";

// An OAuth 1.0a signature check built on a different library than the one
// Keyway signs with (oauth-sign): node-oauth (the `oauth` package) builds the
// base string and HMAC/PLAINTEXT signatures; RSA-SHA1 is checked against the
// consumer's public key. Used by the unit tests and by the provider the
// browser and integration tests start.

export type OAuth1Request = { method: string; url: string; authorization: string | undefined; contentType?: string; body?: string };
export type OAuth1Verdict = { ok: true; params: Record<string, string> } | { ok: false; reason: string };

/** RFC 5849 3.5.1: `OAuth realm="…", oauth_x="…"`, values percent-encoded. */
export function parseOAuthHeader(header: string): Record<string, string> | null {
  const match = /^OAuth\s+(.*)$/is.exec(header.trim());
  if (!match) return null;
  const params: Record<string, string> = {};
  for (const part of match[1]!.matchAll(/([A-Za-z0-9_]+)="([^"]*)"/g)) params[part[1]!] = decodeURIComponent(part[2]!);
  return params;
}

export function verifyOAuth1(
  request: OAuth1Request,
  secrets: { consumerSecret?: string; tokenSecret?: string; publicKeyPem?: string },
): OAuth1Verdict {
  if (!request.authorization) return { ok: false, reason: "no Authorization header" };
  const header = parseOAuthHeader(request.authorization);
  if (!header) return { ok: false, reason: "not an OAuth Authorization header" };
  const method = header.oauth_signature_method ?? "";
  const signature = header.oauth_signature ?? "";
  const args: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const existing = args[name];
    args[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  };
  for (const [name, value] of Object.entries(header)) if (name !== "realm" && name !== "oauth_signature") add(name, value);
  const url = new URL(request.url);
  for (const [name, value] of url.searchParams) add(name, value);
  if (request.body && /^application\/x-www-form-urlencoded/i.test(request.contentType ?? "")) for (const [name, value] of new URLSearchParams(request.body)) add(name, value);
  const oauth = new OAuth(null as unknown as string, null as unknown as string, header.oauth_consumer_key ?? "", method === "RSA-SHA1" ? "" : (secrets.consumerSecret ?? ""), "1.0", null as unknown as string, method);
  const internals = oauth as unknown as {
    _normaliseRequestParams(args: Record<string, string | string[]>): string;
    _createSignatureBase(method: string, url: string, params: string): string;
    _getSignature(method: string, url: string, params: string, tokenSecret?: string): string;
  };
  const normalized = internals._normaliseRequestParams(args);
  const baseUrl = `${url.protocol}//${url.host}${url.pathname}`;
  if (method === "RSA-SHA1") {
    const base = internals._createSignatureBase(request.method, baseUrl, normalized);
    const ok = verify("RSA-SHA1", Buffer.from(base), secrets.publicKeyPem ?? "", Buffer.from(signature, "base64"));
    return ok ? { ok: true, params: header } : { ok: false, reason: "RSA-SHA1 signature does not verify" };
  }
  const expected = internals._getSignature(request.method, baseUrl, normalized, secrets.tokenSecret);
  return expected === signature ? { ok: true, params: header } : { ok: false, reason: `${method} signature mismatch` };
}
