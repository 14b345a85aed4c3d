import { createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { importOidcProvider } from "./oidc-provider";
import { createCa, issue, type Issued } from "./pki";

// oidc-provider set up to require the client authentication methods of issue
// 16 item 9, each for a client-credentials client of its own:
// - "keyway-pkjwt-rs" / "keyway-pkjwt-es": private_key_jwt (RFC 7523 2.2),
//   an RS256 and an ES256 key registered as the client's JWKS;
// - "keyway-tls": tls_client_auth (RFC 8705 2.1), a certificate from the
//   test CA whose subject DN is registered;
// - "keyway-self-signed": self_signed_tls_client_auth (RFC 8705 2.2), a
//   self-signed certificate registered by its thumbprint in the JWKS.
// With `https`, the server asks every client for a certificate (and accepts
// connections without one, as the methods without TLS need).
// With `redirectUris`, each method also has an authorization-code client (with
// refresh tokens, and the development login and consent pages), for registered
// OAuth clients: "keyway-pkjwt-code" (the RS256 key), and with https
// "keyway-tls-code" and "keyway-self-signed-code" (the same certificates).

type Provider = {
  ClientCredentials: { find(value: string): Promise<{ clientId: string; isExpired: boolean } | undefined> };
  AccessToken: { find(value: string): Promise<{ clientId: string; isExpired: boolean } | undefined> };
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  use(middleware: (ctx: { oidc?: { route?: string; body?: Record<string, unknown> } }, next: () => Promise<void>) => Promise<void>): void;
};
type ProviderModule = { default: new (issuer: string, configuration: Record<string, unknown>) => Provider };
type MemoryAdapterModule = { createMemoryAdapter(): unknown };
const PROVIDER_MODULE: string = "oidc-provider";
const MEMORY_ADAPTER_MODULE: string = "oidc-provider/lib/adapters/memory_adapter.js";

export type ClientAuthServer = {
  issuer: string;
  tokenUrl: string;
  /** Answers 200 with the token's client for a valid client-credentials token, else 401. */
  resourceUrl: string;
  /** PEM keys the private_key_jwt clients sign with, and their key IDs. */
  rsaKeyPem: string;
  ecKeyPem: string;
  /** https only: the CA of the server and of the tls_client_auth client, that client's certificate, and the self-signed one. */
  ca?: Issued;
  tlsClient?: Issued;
  selfSigned?: Issued;
  /** client_assertion JWTs received (by client_id), for checking what Keyway signed. */
  assertions(): Record<string, string[]>;
  /** Token endpoint requests that failed client authentication, with oidc-provider's reason. */
  refusals(): string[];
  /** Token and revocation endpoint requests ("<client_id> <grant_type or revocation>"), in order, refused ones included. */
  tokenRequests(): string[];
  close(): Promise<void>;
};

export const RSA_KID = "keyway-rsa-1";
export const EC_KID = "keyway-ec-1";
export const TLS_SUBJECT = "CN=keyway-tls-client";

export async function startClientAuthServer(options: { https: boolean; redirectUris?: string[] }): Promise<ClientAuthServer> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = (key: ReturnType<typeof createPublicKey>, kid: string, alg: string) => ({ ...key.export({ format: "jwk" }), kid, alg, use: "sig" });

  let ca: Issued | undefined;
  let tlsClient: Issued | undefined;
  let selfSigned: Issued | undefined;
  let serverCert: Issued | undefined;
  if (options.https) {
    ca = await createCa("CN=Keyway Client Auth Test CA");
    serverCert = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], hosts: ["localhost"], usage: "server" });
    tlsClient = await issue(ca, { subject: TLS_SUBJECT, usage: "client" });
    selfSigned = await createCa("CN=keyway-self-signed-client");
  }

  const handlerRef: { current?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const handler = (req: IncomingMessage, res: ServerResponse) => handlerRef.current!(req, res);
  const server = options.https
    ? createHttpsServer({ cert: serverCert!.certPem, key: serverCert!.keyPem, ca: ca!.certPem, requestCert: true, rejectUnauthorized: false }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `${options.https ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { default: Provider } = await importOidcProvider<ProviderModule>(PROVIDER_MODULE);
  const { createMemoryAdapter } = (await import(MEMORY_ADAPTER_MODULE)) as MemoryAdapterModule;
  const machine = { grant_types: ["client_credentials"], response_types: [], redirect_uris: [] };
  const redirectUris = options.redirectUris ?? [];
  const interactive = redirectUris.length > 0;
  const code = { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], redirect_uris: redirectUris };
  const selfSignedJwk = selfSigned
    ? { ...createPublicKey(selfSigned.certPem).export({ format: "jwk" }), x5c: [new X509Certificate(selfSigned.certPem).raw.toString("base64")] }
    : undefined;
  const peer = (ctx: { req: IncomingMessage }) => {
    const socket = ctx.req.socket as TLSSocket;
    const certificate = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
    return certificate?.raw ? new X509Certificate(certificate.raw) : undefined;
  };
  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [{ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "server", alg: "RS256", use: "sig" }] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    clientAuthMethods: ["private_key_jwt", ...(options.https ? ["tls_client_auth", "self_signed_tls_client_auth"] : [])],
    clients: [
      { client_id: "keyway-pkjwt-rs", token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [jwk(rsa.publicKey, RSA_KID, "RS256"), jwk(rsa.publicKey, `${RSA_KID}-pss`, "PS256")] }, ...machine },
      { client_id: "keyway-pkjwt-es", token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [jwk(ec.publicKey, EC_KID, "ES256")] }, ...machine },
      ...(options.https
        ? [
            { client_id: "keyway-tls", token_endpoint_auth_method: "tls_client_auth", tls_client_auth_subject_dn: TLS_SUBJECT, ...machine },
            { client_id: "keyway-self-signed", token_endpoint_auth_method: "self_signed_tls_client_auth", jwks: { keys: [selfSignedJwk] }, ...machine },
          ]
        : []),
      ...(interactive ? [{ client_id: "keyway-pkjwt-code", token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [jwk(rsa.publicKey, RSA_KID, "RS256")] }, ...code }] : []),
      ...(interactive && options.https
        ? [
            { client_id: "keyway-tls-code", token_endpoint_auth_method: "tls_client_auth", tls_client_auth_subject_dn: TLS_SUBJECT, ...code },
            { client_id: "keyway-self-signed-code", token_endpoint_auth_method: "self_signed_tls_client_auth", jwks: { keys: [selfSignedJwk] }, ...code },
          ]
        : []),
    ],
    scopes: ["read"],
    // Code clients: a refresh token whenever the client may use the grant (no offline_access needed).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: async () => false,
    features: {
      devInteractions: { enabled: interactive },
      clientCredentials: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId },
      ...(options.https
        ? {
            mTLS: {
              enabled: true,
              tlsClientAuth: true,
              selfSignedTlsClientAuth: true,
              getCertificate: peer,
              certificateAuthorized: (ctx: { req: IncomingMessage }) => (ctx.req.socket as TLSSocket).authorized === true,
              certificateSubjectMatches: (ctx: { req: IncomingMessage }, property: string, expected: string) =>
                property === "tls_client_auth_subject_dn" && peer(ctx)?.subject.replace(/\n/g, ",") === expected,
            },
          }
        : {}),
    },
    ttl: { ClientCredentials: 3600, AccessToken: 3600, Grant: 3600, Session: 3600, Interaction: 3600, IdToken: 3600, AuthorizationCode: 60, RefreshToken: 3600 },
    clientBasedCORS: () => false,
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  });

  const assertions: Record<string, string[]> = {};
  const tokenRequests: string[] = [];
  const refusals: string[] = [];
  provider.on("grant.error", (_ctx: unknown, error: unknown) => {
    const e = error as { message?: string; error_description?: string };
    refusals.push([e.message, e.error_description].filter(Boolean).join(": "));
  });
  // After oidc-provider parsed the form (ctx.oidc.body): keep each client assertion for the tests to look at.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      const body = ctx.oidc?.body;
      if (ctx.oidc?.route === "token" || ctx.oidc?.route === "revocation") tokenRequests.push(`${String(body?.client_id ?? "?")} ${ctx.oidc.route === "token" ? String(body?.grant_type ?? "?") : "revocation"}`);
      if (ctx.oidc?.route === "token" && typeof body?.client_assertion === "string") (assertions[String(body.client_id ?? "?")] ??= []).push(body.client_assertion);
    }
  });
  const oidc = provider.callback();
  handlerRef.current = (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    if (url.pathname.startsWith("/resource")) {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const find = async (value: string) => (await provider.ClientCredentials.find(value)) ?? (await provider.AccessToken.find(value));
      void (token ? find(token) : Promise.resolve(undefined)).then((found) => {
        const ok = found && !found.isExpired;
        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { ok: true, client_id: found.clientId } : { error: "invalid_token" }));
      });
      return;
    }
    oidc(req, res);
  };

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    resourceUrl: `${issuer}/resource`,
    rsaKeyPem: rsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    ecKeyPem: ec.privateKey.export({ format: "pem", type: "sec1" }).toString(),
    ca,
    tlsClient,
    selfSigned,
    assertions: () => structuredClone(assertions),
    refusals: () => [...refusals],
    tokenRequests: () => [...tokenRequests],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
