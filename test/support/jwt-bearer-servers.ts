import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { importOidcProvider } from "./oidc-provider";

// Authorization servers for the JWT bearer grant (RFC 7523 2.1, issue 16 item 10):
// - oidc-provider with the grant registered (registerGrantType), which
//   verifies each assertion's signature with the public key the test
//   registered, and its claims, before it issues a token;
// - a token endpoint shaped like Google's (developers.google.com/identity/
//   protocols/oauth2/service-account, "Making the access token request"),
//   which checks the documented request exactly and answers as Google does.
// Both serve /api, which answers 200 with the token's subject for a token they
// issued, and 401 otherwise.

export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const ASSERTION_CLIENT = "keyway-jwt-bearer";
export const ASSERTION_ISSUER = "svc-reporting@keyway.test";
export const ASSERTION_KID = "svc-key-1";

type Ctx = { status: number; body: unknown; oidc: { params: Record<string, unknown>; client?: { clientId: string } } };
type Provider = {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  registerGrantType(name: string, handler: (ctx: Ctx) => Promise<void>, params: string[]): void;
};
type ProviderModule = { default: new (issuer: string, configuration: Record<string, unknown>) => Provider };
type MemoryAdapterModule = { createMemoryAdapter(): unknown };
const PROVIDER_MODULE: string = "oidc-provider";
const MEMORY_ADAPTER_MODULE: string = "oidc-provider/lib/adapters/memory_adapter.js";

type Issued = Map<string, { sub: string; scope: string; expiresAt: number }>;

function api(issued: Issued, req: IncomingMessage, res: ServerResponse, received?: string[]) {
  received?.push(req.headers.authorization ?? "");
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
  const found = token ? issued.get(token) : undefined;
  const ok = found && found.expiresAt > Date.now();
  res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { ok: true, sub: found.sub, scope: found.scope, path: req.url } : { error: "invalid_token" }));
}

function newToken(issued: Issued, sub: string, scope: string, seconds: number): string {
  const token = randomBytes(24).toString("base64url");
  issued.set(token, { sub, scope, expiresAt: Date.now() + seconds * 1000 });
  return token;
}

export type OidcJwtBearerServer = {
  issuer: string;
  tokenUrl: string;
  apiUrl: string;
  /** The keys whose public halves are registered (PKCS#8 PEM), and one that is not. */
  rsaKeyPem: string;
  ecKeyPem: string;
  strangerKeyPem: string;
  /** Grant requests (assertions and scope parameters) received, and what was refused and why. */
  grants(): { assertion: string; scope?: string; clientId?: string }[];
  refusals(): string[];
  /** The next `count` grant requests answer 500 with an HTML page. */
  failNext(count: number): void;
  /** The lifetime of the tokens it issues. */
  setTokenSeconds(seconds: number): void;
  close(): Promise<void>;
};

export async function startOidcJwtBearerServer(): Promise<OidcJwtBearerServer> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  // What the test registered: the issuer's public keys by kid (RFC 7523 3: the server knows the issuer's keys).
  const registered: Record<string, KeyObject> = { [ASSERTION_KID]: rsa.publicKey, [`${ASSERTION_KID}-ec`]: ec.publicKey };

  const handlerRef: { current?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server = createServer((req, res) => handlerRef.current!(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenUrl = `${issuer}/token`;

  const { default: Provider } = await importOidcProvider<ProviderModule>(PROVIDER_MODULE);
  const { createMemoryAdapter } = (await import(MEMORY_ADAPTER_MODULE)) as MemoryAdapterModule;
  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [{ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "server", alg: "RS256", use: "sig" }] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    clients: [{ client_id: ASSERTION_CLIENT, token_endpoint_auth_method: "none", grant_types: [JWT_BEARER], response_types: [], redirect_uris: [] }],
    scopes: ["read", "write"],
    features: { devInteractions: { enabled: false } },
    clientBasedCORS: () => false,
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  });

  const issued: Issued = new Map();
  const grants: { assertion: string; scope?: string; clientId?: string }[] = [];
  const refusals: string[] = [];
  const seenJti = new Set<string>();
  let failures = 0;
  let tokenSeconds = 3600;

  provider.registerGrantType(
    JWT_BEARER,
    async (ctx) => {
      const assertion = String(ctx.oidc.params.assertion ?? "");
      const scope = typeof ctx.oidc.params.scope === "string" ? ctx.oidc.params.scope : undefined;
      grants.push({ assertion, ...(scope ? { scope } : {}), ...(ctx.oidc.client ? { clientId: ctx.oidc.client.clientId } : {}) });
      const refuse = (description: string) => {
        refusals.push(description);
        ctx.status = 400;
        ctx.body = { error: "invalid_grant", error_description: description };
      };
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(assertion).kid;
      } catch {
        return refuse("the assertion is not a JWT");
      }
      const key = kid ? registered[kid] : undefined;
      if (!key) return refuse(`no key registered with kid ${kid ?? "(none)"}`);
      try {
        const { payload } = await jwtVerify(assertion, key, { issuer: ASSERTION_ISSUER, audience: tokenUrl, requiredClaims: ["sub", "exp", "iat", "jti"], maxTokenAge: "1h" });
        if (seenJti.has(payload.jti!)) return refuse("assertion replayed (jti seen before)");
        seenJti.add(payload.jti!);
        if (payload.exp! - payload.iat! > 3600) return refuse("assertion lives longer than an hour");
        ctx.status = 200;
        ctx.body = { access_token: newToken(issued, payload.sub!, scope ?? "", tokenSeconds), token_type: "Bearer", expires_in: tokenSeconds, ...(scope ? { scope } : {}) };
      } catch (error) {
        return refuse(`assertion refused: ${(error as Error).message}`);
      }
    },
    ["assertion", "scope"],
  );

  const oidc = provider.callback();
  handlerRef.current = (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    if (url.pathname.startsWith("/api")) return api(issued, req, res);
    if (url.pathname === "/token" && failures > 0) {
      failures--;
      res.writeHead(500, { "content-type": "text/html" }).end("<html><body><h1>500 Internal Server Error</h1></body></html>");
      return;
    }
    oidc(req, res);
  };

  return {
    issuer,
    tokenUrl,
    apiUrl: `${issuer}/api`,
    rsaKeyPem: rsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    ecKeyPem: ec.privateKey.export({ format: "pem", type: "sec1" }).toString(),
    strangerKeyPem: stranger.privateKey.export({ format: "pem", type: "pkcs1" }).toString(),
    grants: () => [...grants],
    refusals: () => [...refusals],
    failNext: (count) => void (failures = count),
    setTokenSeconds: (seconds) => void (tokenSeconds = seconds),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type GoogleTokenServer = {
  tokenUri: string;
  apiUrl: string;
  /** A service account key file as Google Cloud downloads it, for this server. */
  keyFile(options?: { clientEmail?: string }): string;
  /** Every token request: its form, and what in it differs from Google's documented shape (empty when nothing does). */
  requests(): { form: Record<string, string>; header: Record<string, unknown>; claims: Record<string, unknown>; problems: string[] }[];
  /** Users a delegated service account may act as; another subject is refused as Google refuses it. */
  delegatedUsers: Set<string>;
  /** The Authorization header of every request to /api. */
  apiReceived: string[];
  close(): Promise<void>;
};

/**
 * Google's token endpoint as documented: POST application/x-www-form-urlencoded
 * with exactly grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and
 * assertion; the assertion RS256 with kid = private_key_id, iss =
 * client_email, aud = token_uri, a scope claim, iat and exp at most an hour
 * apart, and sub only to impersonate. It answers
 * { access_token, expires_in: 3599, token_type: "Bearer" }.
 */
export async function startGoogleTokenServer(host = "127.0.0.1"): Promise<GoogleTokenServer> {
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyId = randomBytes(20).toString("hex");
  const clientEmail = "reporting@keyway-test.iam.gserviceaccount.com";
  const issued: Issued = new Map();
  const requests: ReturnType<GoogleTokenServer["requests"]> = [];
  const delegatedUsers = new Set<string>();
  const apiReceived: string[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith("/api")) return api(issued, req, res, apiReceived);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const problems: string[] = [];
        const text = Buffer.concat(chunks).toString("utf8");
        const form = Object.fromEntries(new URLSearchParams(text));
        if (req.method !== "POST" || url.pathname !== "/token") problems.push(`${req.method} ${url.pathname}`);
        if (!/^application\/x-www-form-urlencoded\b/.test(req.headers["content-type"] ?? "")) problems.push(`content-type ${req.headers["content-type"]}`);
        if (req.headers.authorization) problems.push("an Authorization header");
        const names = [...new URLSearchParams(text).keys()].sort();
        if (names.join(",") !== "assertion,grant_type") problems.push(`form fields ${names.join(",")}`);
        if (form.grant_type !== JWT_BEARER) problems.push(`grant_type ${form.grant_type}`);
        let header: Record<string, unknown> = {};
        let claims: Record<string, unknown> = {};
        try {
          header = decodeProtectedHeader(form.assertion ?? "") as Record<string, unknown>;
          if (header.alg !== "RS256") problems.push(`alg ${String(header.alg)}`);
          if (header.kid !== privateKeyId) problems.push(`kid ${String(header.kid)}`);
          // A clock tolerance as Google's: none to speak of; `iat` must not be in the future.
          claims = (await jwtVerify(form.assertion ?? "", createPublicKey(key.privateKey), { algorithms: ["RS256"] })).payload as Record<string, unknown>;
          if (claims.iss !== clientEmail) problems.push(`iss ${String(claims.iss)}`);
          if (claims.aud !== tokenUri) problems.push(`aud ${JSON.stringify(claims.aud)}`);
          if (typeof claims.scope !== "string" || claims.scope === "") problems.push("no scope claim");
          const iat = Number(claims.iat);
          const exp = Number(claims.exp);
          if (!(exp > iat && exp - iat <= 3600)) problems.push(`exp - iat = ${exp - iat}`);
          if (Math.abs(iat - Date.now() / 1000) > 60) problems.push(`iat ${iat} is not now`);
        } catch (error) {
          problems.push(`assertion: ${(error as Error).message}`);
        }
        requests.push({ form, header, claims, problems });
        res.setHeader("content-type", "application/json; charset=utf-8");
        if (problems.length > 0) {
          res.writeHead(400).end(JSON.stringify({ error: "invalid_grant", error_description: "Invalid JWT Signature." }));
          return;
        }
        if (typeof claims.sub === "string" && !delegatedUsers.has(claims.sub)) {
          // Google's answer when domain-wide delegation does not cover the account or scopes.
          res.writeHead(401).end(JSON.stringify({ error: "unauthorized_client", error_description: "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested." }));
          return;
        }
        const token = `ya29.${randomBytes(30).toString("base64url")}`;
        issued.set(token, { sub: typeof claims.sub === "string" ? claims.sub : clientEmail, scope: String(claims.scope), expiresAt: Date.now() + 3599_000 });
        res.writeHead(200).end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: "Bearer" }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  const tokenUri = `${origin}/token`;
  return {
    tokenUri,
    apiUrl: `${origin}/api`,
    keyFile: (options = {}) =>
      JSON.stringify(
        {
          type: "service_account",
          project_id: "keyway-test",
          private_key_id: privateKeyId,
          private_key: key.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
          client_email: options.clientEmail ?? clientEmail,
          client_id: "109876543210987654321",
          auth_uri: "https://accounts.google.com/o/oauth2/auth",
          token_uri: tokenUri,
          auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
          client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
          universe_domain: "googleapis.com",
        },
        null,
        2,
      ),
    requests: () => [...requests],
    delegatedUsers,
    apiReceived,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
