import * as oauth from "openid-client";
import { OutboundError, sendRequest, type OutboundRequest } from "../outbound";

// openid-client speaks the protocol; every request it makes goes out through
// lib/outbound (SPEC.md, "Outbound safety": token calls are requests Keyway
// sends for a user), so an endpoint URL a user typed cannot reach an internal
// address, and the time-out and size limits apply.

export type TokenAuthMethod = "client_secret_basic" | "client_secret_post" | "none" | "private_key_jwt" | "tls_client_auth" | "self_signed_tls_client_auth";

/** The endpoints and client of one OAuth exchange, from a registered client or typed in place. */
export type OAuthEndpoints = {
  /** Known when read from a discovery document: the `iss` an authorization response must carry (RFC 9207). */
  issuer?: string | null;
  authorizationUrl?: string | null;
  tokenUrl: string;
  revocationUrl?: string | null;
  parUrl?: string | null;
  clientId: string;
  clientSecret?: string | null;
  tokenAuthMethod: TokenAuthMethod;
  /** private_key_jwt: the imported signing key (lib/oauth/assertion-key.ts). */
  clientPrivateKey?: { key: CryptoKey; kid?: string };
  /** The JWT bearer grant without a client: the assertion is the only credential, and Google wants no client_id beside it. */
  noClientAuthentication?: boolean;
};

/** Token endpoint answers are small; a provider sending megabytes is broken or hostile. */
const OAUTH_MAX_BYTES = 256 * 1024;

/** What tests and benchmarks may set on the requests openid-client makes (production uses the configured defaults). */
type OutboundOverrides = Pick<OutboundRequest, "allow" | "resolve" | "timeoutMs" | "tunnel" | "tls">;

/** The OutboundError behind an openid-client error (it wraps what its fetch threw), if the network was the problem. */
export function outboundCauseOf(error: unknown): OutboundError | undefined {
  let cause: unknown = error;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (cause instanceof OutboundError) return cause;
    cause = cause.cause;
  }
  return undefined;
}

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  return Object.fromEntries(new Headers(init).entries());
}

/**
 * Makes a token endpoint answer that only looks odd into the RFC 6749 shape
 * openid-client expects:
 * - GitHub-style endpoints answer 200 with `{ "error": … }`: that is an error (400).
 * - A form-encoded body (GitHub without Accept: application/json) becomes JSON.
 * - A missing or non-standard token_type (Slack says "bot" or "user") is a bearer token.
 * - HubSpot's `{ status, message }` refusal is an OAuth error.
 * - The ID token is dropped: Keyway signs nobody in with it, and for a client
 *   whose issuer it does not know it could only fail validation.
 */
export function normalizeTokenResponse(status: number, contentType: string, body: Buffer): { status: number; body: string; contentType: string } | undefined {
  let json: Record<string, unknown>;
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    json = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
  } else {
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
      json = parsed as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  // HubSpot answers a refusal as { status: "BAD_REFRESH_TOKEN", message }.
  if (status >= 400 && json.error === undefined && typeof json.status === "string" && /^[A-Z][A-Z_]{2,60}$/.test(json.status)) {
    json.error = json.status;
    if (typeof json.message === "string") json.error_description = json.message;
  }
  let outStatus = status;
  if (status >= 200 && status < 300 && typeof json.error === "string" && json.access_token === undefined) outStatus = 400;
  if (typeof json.access_token === "string") {
    const type = typeof json.token_type === "string" ? json.token_type.toLowerCase() : "";
    if (type !== "bearer" && type !== "dpop") json.token_type = "bearer";
    delete json.id_token;
  }
  return { status: outStatus, body: JSON.stringify(json), contentType: "application/json" };
}

/** A fetch for openid-client that sends through lib/outbound. Redirects are not followed: no OAuth endpoint answers with one. */
export function outboundFetch(overrides: OutboundOverrides = {}, tokenEndpoint?: string): oauth.CustomFetch {
  return async (url, options) => {
    const body = options.body === undefined || options.body === null ? undefined : typeof options.body === "string" ? options.body : Buffer.from(await new Response(options.body as BodyInit).arrayBuffer());
    const response = await sendRequest({
      url,
      method: options.method ?? "GET",
      headers: headersOf(options.headers),
      body,
      maxRedirects: 0,
      maxBytes: OAUTH_MAX_BYTES,
      ...overrides,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const one of [value].flat()) headers.append(name, one);
    }
    const noBody = response.status === 204 || response.status === 304;
    if (tokenEndpoint && url === tokenEndpoint && !noBody) {
      const normalized = normalizeTokenResponse(response.status, headers.get("content-type") ?? "", response.body);
      if (normalized) {
        // An OAuth error in the body says more than a bare `WWW-Authenticate: Basic` challenge
        // (which openid-client would report instead, without the provider's description).
        if (normalized.status >= 400 && normalized.body.includes('"error"')) headers.delete("www-authenticate");
        headers.set("content-type", normalized.contentType);
        headers.delete("content-length");
        return new Response(normalized.body, { status: normalized.status, headers });
      }
    }
    return new Response(noBody ? null : new Uint8Array(response.body), { status: response.status, headers });
  };
}

/**
 * One part of HTTP Basic client credentials, encoded as RFC 6749 2.3.1 asks
 * (application/x-www-form-urlencoded), with the unreserved characters left as
 * they are. oauth4webapi also escapes `- . _ ~`, which a server that decodes
 * accepts but one that does not (HCL Domino, legacy Spring Security OAuth2,
 * IdentityServer4 2.1) compares literally: a UUID client id would never match.
 */
export function formEncodeCredential(value: string): string {
  return encodeURIComponent(value).replace(/[!'()]|%20/g, (match) => (match === "%20" ? "+" : `%${match.charCodeAt(0).toString(16).toUpperCase()}`));
}

/** client_secret_basic, with credentials encoded by formEncodeCredential (openid-client lets a client bring its own). */
export function clientSecretBasic(clientSecret: string): oauth.ClientAuth {
  return (_server, client, _body, headers) => {
    const credentials = Buffer.from(`${formEncodeCredential(client.client_id)}:${formEncodeCredential(clientSecret)}`, "utf8").toString("base64");
    headers.set("authorization", `Basic ${credentials}`);
  };
}

function clientAuthentication(endpoints: OAuthEndpoints): oauth.ClientAuth {
  if (endpoints.noClientAuthentication) return () => {};
  switch (endpoints.tokenAuthMethod) {
    case "client_secret_basic":
      return clientSecretBasic(endpoints.clientSecret ?? "");
    case "client_secret_post":
      return oauth.ClientSecretPost(endpoints.clientSecret ?? "");
    case "none":
      return oauth.None();
    case "private_key_jwt": {
      if (!endpoints.clientPrivateKey) throw new Error("private_key_jwt needs the client's private key.");
      // RFC 7523 3 lets `aud` be the token endpoint URL; with the issuer unknown (endpoints typed in), that
      // is the one value every server accepts (Entra and Okta insist on it; oidc-provider takes either).
      const aud = endpoints.issuer ? undefined : endpoints.tokenUrl;
      return oauth.PrivateKeyJwt(endpoints.clientPrivateKey, aud ? { [oauth.modifyAssertion]: (_header, payload) => void (payload.aud = aud) } : undefined);
    }
    case "tls_client_auth":
    case "self_signed_tls_client_auth":
      // The certificate goes with the TLS handshake (the `tls` outbound override); the body names the client.
      return oauth.TlsClientAuth();
  }
}

/**
 * The issuer openid-client compares `iss` with. When Keyway does not know the
 * real one (endpoints typed by hand), it stands in the authorization URL's
 * origin, and the callback drops an `iss` it cannot check (see callback).
 */
function issuerOf(endpoints: OAuthEndpoints): string {
  if (endpoints.issuer) return endpoints.issuer;
  return new URL(endpoints.authorizationUrl ?? endpoints.tokenUrl).origin;
}

export function oauthConfiguration(endpoints: OAuthEndpoints, overrides: OutboundOverrides = {}): oauth.Configuration {
  const server: oauth.ServerMetadata = {
    issuer: issuerOf(endpoints),
    token_endpoint: endpoints.tokenUrl,
    ...(endpoints.authorizationUrl ? { authorization_endpoint: endpoints.authorizationUrl } : {}),
    ...(endpoints.revocationUrl ? { revocation_endpoint: endpoints.revocationUrl } : {}),
    ...(endpoints.parUrl ? { pushed_authorization_request_endpoint: endpoints.parUrl } : {}),
    // Only a discovered issuer is known well enough to insist on `iss`.
    ...(endpoints.issuer ? { authorization_response_iss_parameter_supported: true } : {}),
  };
  const configuration = new oauth.Configuration(server, endpoints.clientId, {}, clientAuthentication(endpoints));
  configuration[oauth.customFetch] = outboundFetch(overrides, endpoints.tokenUrl);
  // http:// endpoints are refused by openid-client unless allowed; the
  // connection form already warns about them, and outbound safety decides
  // which hosts may be reached at all.
  const insecure = [endpoints.authorizationUrl, endpoints.tokenUrl, endpoints.revocationUrl, endpoints.parUrl].some((u) => u?.startsWith("http:"));
  if (insecure) oauth.allowInsecureRequests(configuration);
  return configuration;
}

export type DiscoveredEndpoints = {
  issuer: string;
  authorizationUrl: string | null;
  tokenUrl: string;
  revocationUrl: string | null;
  parUrl: string | null;
  scopesSupported: string[];
  tokenAuthMethods: string[];
  /** Whether the server says authorization responses carry `iss` (RFC 9207). */
  issParameter: boolean;
};

/** Reads an OpenID Connect discovery document (or, failing that, RFC 8414 authorization server metadata). */
export async function discoverIssuer(issuerUrl: string, overrides: OutboundOverrides = {}): Promise<DiscoveredEndpoints> {
  const server = new URL(issuerUrl);
  const execute = [...(server.protocol === "http:" ? [oauth.allowInsecureRequests] : [])];
  const attempt = (algorithm: "oidc" | "oauth2") =>
    oauth.discovery(server, "keyway-discovery", undefined, oauth.None(), { execute, algorithm, [oauth.customFetch]: outboundFetch(overrides) });
  let configuration: oauth.Configuration;
  try {
    configuration = await attempt("oidc");
  } catch (oidcError) {
    try {
      configuration = await attempt("oauth2");
    } catch {
      throw oidcError;
    }
  }
  const meta = configuration.serverMetadata();
  if (!meta.token_endpoint) throw new Error("The discovery document names no token endpoint.");
  return {
    issuer: meta.issuer,
    authorizationUrl: meta.authorization_endpoint ?? null,
    tokenUrl: meta.token_endpoint,
    revocationUrl: meta.revocation_endpoint ?? null,
    parUrl: meta.pushed_authorization_request_endpoint ?? null,
    scopesSupported: meta.scopes_supported ?? [],
    tokenAuthMethods: meta.token_endpoint_auth_methods_supported ?? [],
    issParameter: meta.authorization_response_iss_parameter_supported === true,
  };
}

/**
 * For a client typed in by hand: the issuer behind an authorization or token
 * URL, found by trying the URL's origin and its parent paths (Keycloak's
 * /realms/<name>, Entra's /<tenant>/v2.0, …) for a discovery document that
 * names this very endpoint. Null when none does.
 */
export async function discoverFromEndpoint(endpointUrl: string, overrides: OutboundOverrides = {}): Promise<DiscoveredEndpoints | null> {
  const endpoint = new URL(endpointUrl);
  const segments = endpoint.pathname.split("/").filter(Boolean);
  const candidates: string[] = [];
  for (let keep = Math.min(segments.length - 1, 4); keep >= 0; keep--) candidates.push(`${endpoint.origin}/${segments.slice(0, keep).join("/")}`.replace(/\/$/, ""));
  const target = `${endpoint.origin}${endpoint.pathname}`;
  for (const issuer of candidates) {
    try {
      const found = await discoverIssuer(issuer, overrides);
      if (found.tokenUrl === target || found.authorizationUrl === target) return found;
    } catch {
      // No discovery document here; try the next candidate.
    }
  }
  return null;
}
