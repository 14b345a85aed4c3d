// A real OAuth 2.0 authorization server (panva's oidc-provider) and a tiny
// resource server behind it, for the tests of Keyway's OAuth 2.0 connection
// authentication: Keyway discovers the server, sends the browser through its
// login and consent pages (or uses client credentials), exchanges and
// refreshes tokens, and calls the resource server with them.
//
// Used two ways:
// - from a test: `const as = await startOAuthServer({ port: 0, redirectUris })`
//   (port 0 picks a free port; the issuer URL carries the real one);
// - as its own process, for Playwright's webServer:
//     node --import tsx test/support/oauth-server.ts
//   (one process, so a signal reaches the server itself), configured by env (defaults in parentheses):
//     KEYWAY_TEST_OAUTH_PORT (3191),
//     KEYWAY_TEST_OAUTH_REDIRECT_URIS (comma-separated; the /oauth/callback of
//       http://127.0.0.1:3100 and :3101),
//     KEYWAY_TEST_OAUTH_SHORT_TTL (5; seconds an access token of keyway-short lives),
//     KEYWAY_TEST_OAUTH_PROFILE ("default"; or "strict").
//   It prints one line "OAuth test server ready at <issuer>" when it listens.
//
// The clients (ids fixed, secrets `<id>-secret`) are described at CLIENT_CASES.
//
// Two profiles (option `profile`, env KEYWAY_TEST_OAUTH_PROFILE):
// - "default": the clients of CLIENT_CASES, PAR offered, opaque access tokens,
//   a refresh token to every client that may use the grant.
// - "strict": configured the way real servers are and our defaults are not:
//   client secrets in the request body only (client_secret_post; Basic is
//   refused), PKCE required of every client, no PAR, RFC 9207 `iss`, refresh
//   tokens only for the offline_access scope asked with prompt=consent (the
//   library's default), rotated on every use with reuse detection, and access
//   tokens that are JWTs (for the resource `${issuer}/resource`, RFC 8707; a
//   token endpoint request without it gets no such token) living
//   shortAccessTokenTtlSeconds. Only the "strict" (client_secret_post) and
//   "public" clients exist there.
//
// Who can sign in: the provider's built-in development login page accepts any
// login name with any password (the login name becomes the token's `sub`);
// then its consent page asks to confirm the requested scopes, every time a
// new browser session asks (nothing is pre-granted).
//
// The resource server, `${issuer}/resource/<anything>`, accepts any method
// with `Authorization: Bearer <access token>` of this server that is neither
// expired nor revoked, and answers 401 `WWW-Authenticate: Bearer
// error="invalid_token"` otherwise.
//
// Test-only HTTP endpoints (for a browser test in another process):
//   GET  /__test/issued?client_id=<id>  the access tokens issued (to that client)
//   GET  /__test/counts                 the request counters
//   GET  /__test/client-key             the PEM private key of the "pkjwt" client (a fresh RSA key per start)
//   POST /__test/reset                  resets the counters
import { generateKeyPairSync, randomBytes, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, escapeHtml, isMain, listen, portFromEnv, runAsProcess } from "./test-server-kit";
import { importOidcProvider } from "./oidc-provider";

export type OAuthClientCase = "basic" | "post" | "public" | "cc" | "short" | "mismatch" | "strict" | "pkjwt";

export type OAuthServerProfile = "default" | "strict";

export type OAuthServerOptions = {
  /** 0 for any free port. */
  port: number;
  /** Redirect URIs registered for the authorization-code clients (all but "cc" and "mismatch"). */
  redirectUris: string[];
  /** Access token lifetime of the "short" client, in seconds (default 5). */
  shortAccessTokenTtlSeconds?: number;
  /** Print refused requests and server errors to stderr, prefixed [test-oauth] (default true). */
  logErrors?: boolean;
  /** See the header comment (default "default"). */
  profile?: OAuthServerProfile;
};

export type OAuthTestClient = {
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post" | "none" | "private_key_jwt";
  /** private_key_jwt: the PEM key (PKCS#8 RSA) the client signs its assertions with (kid PKJWT_KID, RS256). */
  privateKeyPem?: string;
};

export type OAuthCounts = {
  /** Token endpoint requests by their grant_type ("(missing)" when a request had none). */
  token: Record<string, number>;
  /** Revocation endpoint requests. */
  revocation: number;
  /** Resource server requests by outcome. */
  resource: { accepted: number; refused: number };
};

export type IssuedAccessToken = {
  clientId: string;
  token: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
};

export type OAuthServer = {
  /** e.g. http://127.0.0.1:41234 (discovery at /.well-known/openid-configuration). */
  issuer: string;
  /** `${issuer}/resource`, the resource server (and, in the strict profile, the RFC 8707 resource its JWTs are for). */
  resourceUrl: string;
  /** The registered clients; in the strict profile only "strict" and "public" are there. */
  clients: Record<OAuthClientCase, OAuthTestClient>;
  /** Counters since start (or since resetCounts): token endpoint requests by grant_type, revocation requests, resource requests by outcome. */
  counts(): OAuthCounts;
  /** Token endpoint requests that named an RFC 8707 resource, by grant_type, since start or resetCounts. */
  tokenRequestsWithResource(): Record<string, number>;
  resetCounts(): void;
  /** Access tokens issued so far (newest last), with the client they were issued to. Test-only introspection of the server's own state. */
  issuedAccessTokens(): IssuedAccessToken[];
  close(): Promise<void>;
};

export const DEFAULT_PORT = 3191;
export const DEFAULT_REDIRECT_URIS = [3100, 3101].map((port) => `http://127.0.0.1:${port}/oauth/callback`);
export const DEFAULT_SHORT_TTL_SECONDS = 5;
/** The only redirect URI of the "mismatch" client: never one Keyway uses. */
export const MISMATCH_REDIRECT_URI = "https://elsewhere.example.test/oauth/callback";
/** Scopes the server knows (besides openid and offline_access); any combination is granted on consent. */
export const SCOPES = ["read", "write"];

const CLIENT_CASES: Record<OAuthClientCase, { clientId: string; authMethod: OAuthTestClient["tokenEndpointAuthMethod"]; metadata: Record<string, unknown> }> = {
  // Confidential, HTTP Basic; PKCE accepted, not required.
  basic: { clientId: "keyway-basic", authMethod: "client_secret_basic", metadata: {} },
  // Confidential, secret in the request body.
  post: { clientId: "keyway-post", authMethod: "client_secret_post", metadata: {} },
  // Public: no secret, PKCE (S256) required.
  public: { clientId: "keyway-public", authMethod: "none", metadata: {} },
  // Machine to machine: the client credentials grant only.
  cc: {
    clientId: "keyway-cc",
    authMethod: "client_secret_basic",
    metadata: { grant_types: ["client_credentials"], response_types: [], redirect_uris: [] },
  },
  // Like basic, but access tokens live shortAccessTokenTtlSeconds and refresh tokens rotate.
  short: { clientId: "keyway-short", authMethod: "client_secret_basic", metadata: {} },
  // Like basic, but registered with another redirect URI than the ones Keyway uses.
  mismatch: { clientId: "keyway-mismatch", authMethod: "client_secret_basic", metadata: { redirect_uris: [MISMATCH_REDIRECT_URI] } },
  // The strict profile's confidential client: secret in the body only.
  strict: { clientId: "keyway-strict", authMethod: "client_secret_post", metadata: {} },
  // Confidential, authenticated with a client assertion signed by its RSA key (private_key_jwt, RFC 7523 2.2); the public key is its JWKS.
  pkjwt: { clientId: "keyway-pkjwt", authMethod: "private_key_jwt", metadata: {} },
};

/** The key ID of the "pkjwt" client's key in its registered JWKS. */
export const PKJWT_KID = "keyway-pkjwt-1";

const PROFILE_CASES: Record<OAuthServerProfile, OAuthClientCase[]> = {
  default: ["basic", "post", "public", "cc", "short", "mismatch", "pkjwt"],
  strict: ["strict", "public"],
};

// oidc-provider ships no type declarations (and @types/oidc-provider is not a
// dependency); this is the little of its surface used here.
type KoaContext = {
  set(name: string, value: string): void;
  response: { get(name: string): string | undefined };
  type: string;
  body: unknown;
  oidc?: { route?: string; body?: Record<string, unknown> };
};
/** An access token (AccessToken or ClientCredentials model) as stored. */
type TokenModel = {
  kind: string;
  jti: string;
  clientId: string;
  accountId?: string;
  scope?: string;
  isExpired: boolean;
};
type TokenClass = { find(value: string): Promise<TokenModel | undefined> };
type ClientModel = { clientId: string; grantTypeAllowed(grantType: string): boolean };
type OidcError = Error & { error_description?: string; error_detail?: string };
type ProviderInstance = {
  AccessToken: TokenClass;
  ClientCredentials: TokenClass;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  on(event: string, listener: (subject: unknown, error?: OidcError) => void): void;
};
type ProviderModule = {
  default: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
  errors: { InvalidTarget: new (description?: string) => Error };
};
type MemoryAdapterModule = { createMemoryAdapter(): unknown };

// Non-literal specifiers keep TypeScript from looking for the missing types.
const PROVIDER_MODULE: string = "oidc-provider";
const MEMORY_ADAPTER_MODULE: string = "oidc-provider/lib/adapters/memory_adapter.js";

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers }).end(JSON.stringify(body));
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 2.1), if any. */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? "");
  return match?.[1];
}

function emptyCounts(): OAuthCounts {
  return { token: {}, revocation: 0, resource: { accepted: 0, refused: 0 } };
}

/**
 * A client-credentials connection's input, with this server's "cc" client and
 * its token endpoint: what tests and benchmarks create to have Keyway fetch
 * tokens here.
 */
export function clientCredentialsInput(server: Pick<OAuthServer, "issuer" | "clients">, connection: { name: string; baseUrl: string; audience?: string; extraParams?: { name: string; value: string }[] }) {
  return {
    name: connection.name,
    baseUrl: connection.baseUrl,
    authType: "OAUTH2_CLIENT_CREDENTIALS" as const,
    oauthClientRef: "",
    tokenUrl: `${server.issuer}/token`,
    clientId: server.clients.cc.clientId,
    clientSecret: server.clients.cc.clientSecret!,
    tokenAuthMethod: "client_secret_basic" as const,
    scopes: "read",
    audience: connection.audience ?? "",
    extraParams: connection.extraParams ?? [],
  };
}

export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const { redirectUris, shortAccessTokenTtlSeconds = DEFAULT_SHORT_TTL_SECONDS, logErrors = true, profile = "default" } = options;
  const strict = profile === "strict";
  if (!Number.isInteger(shortAccessTokenTtlSeconds) || shortAccessTokenTtlSeconds < 1) {
    throw new Error(`shortAccessTokenTtlSeconds must be a positive integer, not ${shortAccessTokenTtlSeconds}`);
  }
  const log = (message: string) => {
    if (logErrors) console.error(`[test-oauth] ${message}`);
  };

  // Listen first: with port 0 the issuer URL is only known afterwards.
  const { server, ready } = await listen(options.port);
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resourceUrl = `${issuer}/resource`;

  const { default: Provider, errors } = await importOidcProvider<ProviderModule>(PROVIDER_MODULE);
  // One store per server (the default in-memory adapter is shared by the
  // whole process, and announces itself with a warning).
  const { createMemoryAdapter } = (await import(MEMORY_ADAPTER_MODULE)) as MemoryAdapterModule;

  // A fresh signing key per start (ID tokens, when openid is asked for),
  // instead of oidc-provider's published development key.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "keyway-test-oauth", alg: "RS256", use: "sig" };

  const cases = PROFILE_CASES[profile].map((name) => [name, CLIENT_CASES[name]] as const);
  const pkjwtKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pkjwtKeyPem = pkjwtKey.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const hasSecret = (authMethod: string) => authMethod === "client_secret_basic" || authMethod === "client_secret_post";
  const clients = Object.fromEntries(
    cases.map(([name, { clientId, authMethod }]) => [
      name,
      {
        clientId,
        ...(hasSecret(authMethod) ? { clientSecret: `${clientId}-secret` } : {}),
        ...(authMethod === "private_key_jwt" ? { privateKeyPem: pkjwtKeyPem } : {}),
        tokenEndpointAuthMethod: authMethod,
      },
    ]),
  ) as Record<OAuthClientCase, OAuthTestClient>;
  const shortClientId = CLIENT_CASES.short.clientId;

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    clients: cases.map(([, { clientId, authMethod, metadata }]) => ({
      client_id: clientId,
      ...(hasSecret(authMethod) ? { client_secret: `${clientId}-secret` } : {}),
      ...(authMethod === "private_key_jwt" ? { jwks: { keys: [{ ...pkjwtKey.publicKey.export({ format: "jwk" }), kid: PKJWT_KID, alg: "RS256", use: "sig" }] } } : {}),
      token_endpoint_auth_method: authMethod,
      redirect_uris: redirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code", "refresh_token"],
      ...metadata,
    })),
    // Scopes outside this list are dropped from requests (also from client
    // credentials requests), so the API scopes must be known here.
    scopes: ["openid", "offline_access", ...SCOPES],
    claims: { openid: ["sub"] },
    // The authorization code flow only (no implicit or hybrid responses).
    responseTypes: ["code"],
    // PKCE is required of public clients only (S256 is the only method offered); of every client when strict.
    pkce: { required: (_ctx: unknown, client: { clientAuthMethod: string }) => strict || client.clientAuthMethod === "none" },
    ...(strict ? { clientAuthMethods: ["client_secret_post", "none"] } : {}),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens (also the library's default, which nags unless spelled out).
        allowedPolicy: async (_ctx: unknown, client: ClientModel, token: { clientId: string }) => token.clientId === client.clientId,
      },
      pushedAuthorizationRequests: { enabled: !strict, requirePushedAuthorizationRequests: false },
      // Default profile: off, so that a `resource` parameter is ignored like
      // any other unknown parameter (`audience`, ...) instead of needing a
      // registered resource server; tokens are then opaque and checked
      // in-process (findAccessToken). Strict: the one resource server, whose
      // tokens are short-lived JWTs, issued only when the token request names it.
      resourceIndicators: strict
        ? {
            enabled: true,
            defaultResource: () => undefined,
            useGrantedResource: () => false,
            getResourceServerInfo: (_ctx: unknown, resource: string) => {
              if (resource !== resourceUrl) throw new errors.InvalidTarget(`unknown resource ${resource}`);
              return { scope: SCOPES.join(" "), audience: resourceUrl, accessTokenTTL: shortAccessTokenTtlSeconds, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } };
            },
          }
        : { enabled: false },
      userinfo: { enabled: true },
    },
    // Plain OAuth 2.0: a refresh token whenever the client may use the grant,
    // without the offline_access scope (which oidc-provider otherwise requires,
    // together with prompt=consent).
    // (Strict: the library's default, offline_access with prompt=consent.)
    ...(strict ? {} : { issueRefreshToken: async (_ctx: unknown, client: ClientModel) => client.grantTypeAllowed("refresh_token") }),
    // Tokens outlive the login session at this server, as API tokens do.
    expiresWithSession: async () => false,
    // Only keyway-short rotates; reusing a rotated refresh token then answers
    // invalid_grant (and, as oidc-provider treats a reuse as theft, revokes
    // every token of that grant).
    rotateRefreshToken: (ctx: { oidc: { client?: { clientId: string } } }) => strict || ctx.oidc.client?.clientId === shortClientId,
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ sub: id }) };
    },
    // Explicit values for everything oidc-provider otherwise nags about.
    ttl: {
      AccessToken: (_ctx: unknown, _token: unknown, client: { clientId: string } | undefined) =>
        strict || client?.clientId === shortClientId ? shortAccessTokenTtlSeconds : 3600,
      ClientCredentials: 3600,
      AuthorizationCode: 120,
      IdToken: 3600,
      RefreshToken: 14 * 86400,
      Interaction: 3600,
      Session: 86400,
      Grant: 14 * 86400,
    },
    clientBasedCORS: () => false,
    async renderError(ctx: KoaContext, out: Record<string, unknown>) {
      ctx.type = "html";
      ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test OAuth server error</title></head><body><h1>Test OAuth server error</h1><dl>${Object.entries(
        out,
      )
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
        .join("")}</dl></body></html>`;
    },
  });

  let counts = emptyCounts();
  let withResource: Record<string, number> = {};
  const issued: IssuedAccessToken[] = [];

  // Count token and revocation requests after oidc-provider has parsed their
  // body (ctx.oidc.body, the raw form, so refused requests count too).
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      const route = ctx.oidc?.route;
      if (route === "token") {
        const grantType = ctx.oidc?.body?.grant_type;
        const key = typeof grantType === "string" && grantType ? grantType : "(missing)";
        counts.token[key] = (counts.token[key] ?? 0) + 1;
        if (ctx.oidc?.body?.resource) withResource[key] = (withResource[key] ?? 0) + 1;
      } else if (route === "revocation") {
        counts.revocation += 1;
      }
    }
  });

  // The development login and consent pages @import a web font from the
  // internet; without network access that request can stall the page's load
  // event (which Playwright waits for). Forbid every subresource instead.
  // (No form-action: the form's redirect chain ends at Keyway's callback.)
  provider.use(async (ctx, next) => {
    await next();
    if (String(ctx.response.get("content-type") ?? "").startsWith("text/html")) {
      ctx.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    }
  });

  // Opaque tokens: the stored model's id (jti) is the token value itself.
  // ("saved", not "issued": oidc-provider emits "issued" only for tokens it
  // does not store, i.e. structured ones.)
  const seen = new Set<string>();
  for (const event of ["access_token.saved", "client_credentials.saved"]) {
    provider.on(event, (subject) => {
      const token = subject as TokenModel;
      if (seen.has(token.jti)) return;
      seen.add(token.jti);
      issued.push({ clientId: token.clientId, token: token.jti, issuedAt: Date.now() });
    });
  }

  // Failures would otherwise vanish into a redirect; say why on stderr.
  for (const event of [
    "authorization.error",
    "grant.error",
    "revocation.error",
    "pushed_authorization_request.error",
    "userinfo.error",
    "server_error",
  ]) {
    provider.on(event, (_ctx, error) => {
      const why = [error?.error_description, error?.error_detail].filter(Boolean).join(": ");
      log(`${event}: ${error?.message}${why ? ` (${why})` : ""}`);
    });
  }

  /** A JWT access token of the strict profile, if it is one this server signed for the resource server and it has not expired. */
  function verifiedJwt(value: string): TokenModel | undefined {
    const [header, payload, signature] = value.split(".");
    if (!header || !payload || !signature) return undefined;
    if (!verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))) return undefined;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { aud?: string | string[]; exp?: number; client_id: string; sub?: string; scope?: string; jti: string };
    if (![claims.aud].flat().includes(resourceUrl) || !claims.exp || claims.exp * 1000 <= Date.now()) return undefined;
    return { kind: "AccessToken", jti: claims.jti, clientId: claims.client_id, accountId: claims.sub, scope: claims.scope, isExpired: false };
  }

  /** The stored, unexpired access token with this value (either kind), if any. */
  async function findAccessToken(value: string): Promise<TokenModel | undefined> {
    if (strict && value.split(".").length === 3) return verifiedJwt(value);
    for (const model of [provider.AccessToken, provider.ClientCredentials]) {
      const token = await model.find(value);
      // find() allows the provider's clock tolerance (15 s) past expiry; a
      // resource server should not.
      if (token && !token.isExpired) return token;
    }
    return undefined;
  }

  async function serveResource(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    // A client's own mistake, told in the same shape as an expired token below but with another code.
    if (url.pathname.startsWith("/resource/bad-request")) {
      sendJson(response, 400, { errors: [{ message: "Unknown field", extensions: { code: "BAD_USER_INPUT" } }] });
      return;
    }
    const value = bearerToken(request.headers.authorization);
    const token = value ? await findAccessToken(value) : undefined;
    if (!token) {
      counts.resource.refused += 1;
      log(`resource: refused ${request.method} ${url.pathname} (${value ? "unknown, expired or revoked token" : "no bearer token"})`);
      refuseToken(response, /^\/resource\/refuse-as\/([^/]+)/.exec(url.pathname)?.[1]);
      return;
    }
    counts.resource.accepted += 1;
    sendJson(response, 200, {
      ok: true,
      client_id: token.clientId,
      scope: token.scope ?? "",
      ...(token.accountId ? { sub: token.accountId } : {}),
      method: request.method,
      path: url.pathname,
      query: url.search.slice(1),
      body,
    });
  }

  /**
   * How APIs say "this token is no good" (issue 16, item 11): RFC 6750's 401
   * by default; under /resource/refuse-as/<style>/ the other ways real APIs
   * use: 403, a GraphQL-style 400 with a code in the body, a 200 with an
   * error object, or a 200 with Salesforce's INVALID_SESSION_ID in plain text.
   */
  function refuseToken(response: ServerResponse, style: string | undefined): void {
    switch (style) {
      case "403":
        return sendJson(response, 403, { error: "forbidden", message: "Token expired" });
      case "400-json":
        return sendJson(response, 400, { errors: [{ message: "Token expired", extensions: { code: "UNAUTHENTICATED" } }] });
      case "200-json":
        return sendJson(response, 200, { ok: false, error: { code: "TOKEN_EXPIRED", message: "The access token expired" } });
      case "200-text":
        response.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ERROR: INVALID_SESSION_ID Session expired or invalid");
        return;
      default:
        return sendJson(response, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    }
  }

  function serveTestApi(request: IncomingMessage, response: ServerResponse, url: URL): void {
    request.resume();
    const route = `${request.method} ${url.pathname}`;
    if (route === "GET /__test/issued") {
      const clientId = url.searchParams.get("client_id");
      sendJson(response, 200, clientId ? issued.filter((t) => t.clientId === clientId) : issued);
    } else if (route === "GET /__test/client-key") {
      response.writeHead(200, { "content-type": "application/x-pem-file" }).end(pkjwtKeyPem);
    } else if (route === "GET /__test/counts") {
      sendJson(response, 200, counts);
    } else if (route === "POST /__test/reset") {
      counts = emptyCounts();
      response.writeHead(204).end();
    } else {
      sendJson(response, 404, { error: "not_found" });
    }
  }

  const oidc = provider.callback();
  ready((request, response) => {
    const url = new URL(request.url ?? "/", issuer);
    const isUnder = (prefix: string) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
    if (isUnder("/resource")) {
      serveResource(request, response, url).catch((error: unknown) => {
        log(`resource: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) sendJson(response, 500, { error: "server_error" });
        else response.end();
      });
    } else if (isUnder("/__test")) {
      serveTestApi(request, response, url);
    } else {
      oidc(request, response);
    }
  });

  return {
    issuer,
    resourceUrl,
    clients,
    counts: () => structuredClone(counts),
    tokenRequestsWithResource: () => ({ ...withResource }),
    resetCounts: () => {
      counts = emptyCounts();
      withResource = {};
    },
    issuedAccessTokens: () => issued.map((t) => ({ ...t })),
    close: () => closeServer(server),
  };
}

if (isMain(import.meta.url)) {
  const env = process.env;
  const port = portFromEnv("KEYWAY_TEST_OAUTH_PORT", DEFAULT_PORT);
  const profile = env.KEYWAY_TEST_OAUTH_PROFILE === "strict" ? "strict" : "default";
  const shortTtl = env.KEYWAY_TEST_OAUTH_SHORT_TTL ? Number(env.KEYWAY_TEST_OAUTH_SHORT_TTL) : DEFAULT_SHORT_TTL_SECONDS;
  if (!Number.isInteger(shortTtl) || shortTtl < 1) {
    console.error(`KEYWAY_TEST_OAUTH_SHORT_TTL must be a positive whole number of seconds, not ${JSON.stringify(env.KEYWAY_TEST_OAUTH_SHORT_TTL)}`);
    process.exit(2);
  }
  const redirectUris = env.KEYWAY_TEST_OAUTH_REDIRECT_URIS
    ? env.KEYWAY_TEST_OAUTH_REDIRECT_URIS.split(",").map((u) => u.trim()).filter(Boolean)
    : DEFAULT_REDIRECT_URIS;
  runAsProcess("OAuth test server", () => startOAuthServer({ port, redirectUris, shortAccessTokenTtlSeconds: shortTtl, profile }));
}
