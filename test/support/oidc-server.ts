// A real OpenID Connect provider (panva's oidc-provider) for the single
// sign-on tests: Keyway's Auth.js "oidc" provider discovers it, sends the
// browser to its login page, and exchanges the code with the client secret,
// exactly as it would with a company's identity provider.
//
// Used two ways:
// - from a test: `const idp = await startOidcServer({ port: 0, ... })`
//   (port 0 picks a free port; the issuer URL carries the real one);
// - as its own process, for Playwright's webServer:
//     node --import tsx test/support/oidc-server.ts
//   (one process, so a signal reaches the server itself), configured by env (defaults in parentheses):
//     KEYWAY_TEST_OIDC_PORT (3190), KEYWAY_TEST_OIDC_CLIENT_ID (keyway-e2e),
//     KEYWAY_TEST_OIDC_CLIENT_SECRET (keyway-e2e-secret),
//     KEYWAY_TEST_OIDC_REDIRECT_URIS (comma-separated; the callbacks of
//       http://127.0.0.1:3100 and :3101),
//     KEYWAY_TEST_OIDC_CONFORM=1 to put the email/profile claims only in
//       userinfo, as a strictly conforming provider does (see idTokenClaims).
//   It prints one line "OIDC test provider ready at <issuer>" when it listens.
//
// Who can sign in: the provider's built-in development login page accepts any
// login name with any password, and the login name becomes the account id
// (the ID token's `sub`). Accounts given in `accounts` answer with their own
// claims; any other login `x` gets the verified email `x@sso.example.test`,
// except a login starting with "unverified" whose email is NOT verified (for
// the refusal test).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, escapeHtml, isMain, listen, portFromEnv, runAsProcess } from "./test-server-kit";
import { importOidcProvider } from "./oidc-provider";

export type TestAccount = { email?: string; email_verified?: boolean; name?: string };

export type OidcServerOptions = {
  /** 0 for any free port. */
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** accountId (= login name = `sub`) → claims. */
  accounts?: Record<string, TestAccount>;
  /**
   * The client's registered token endpoint authentication. Auth.js (@auth/core
   * 0.41) sends HTTP Basic unless its provider config says otherwise;
   * oidc-provider accepts the secret in the body (client_secret_post) for
   * either value, so a later Auth.js default of "post" still works.
   */
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
  /**
   * "all" (default): the ID token carries email, email_verified and name, as
   * Google, Entra ID, Keycloak and Auth0 do. "conform": those claims are only
   * in the userinfo response, as OpenID Connect Core 5.4 prescribes when an
   * access token is issued (oidc-provider's own default).
   */
  idTokenClaims?: "all" | "conform";
  /** Print refused requests and server errors to stderr (default true). */
  logErrors?: boolean;
};

export type OidcServer = { issuer: string; close(): Promise<void> };

export const DEFAULT_CLIENT_ID = "keyway-e2e";
export const DEFAULT_CLIENT_SECRET = "keyway-e2e-secret";
export const DEFAULT_PORT = 3190;
export const DEFAULT_REDIRECT_URIS = [3100, 3101].map((port) => `http://127.0.0.1:${port}/api/auth/callback/oidc`);
export const SSO_EMAIL_DOMAIN = "sso.example.test";

/** The claims a login name signs in with. */
export function claimsFor(accountId: string, accounts: Record<string, TestAccount> = {}): TestAccount & { name: string } {
  const known = Object.hasOwn(accounts, accountId) ? accounts[accountId] : undefined;
  if (known) return { name: accountId, ...known };
  return {
    email: `${accountId}@${SSO_EMAIL_DOMAIN}`,
    email_verified: !accountId.toLowerCase().startsWith("unverified"),
    name: accountId,
  };
}

// oidc-provider ships no type declarations (and @types/oidc-provider is not a
// dependency); this is the little of its surface used here.
type KoaContext = {
  type: string;
  body: unknown;
  status: number;
  set(name: string, value: string): void;
  response: { get(name: string): string | undefined };
  oidc?: {
    client?: { clientId: string };
    session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
    provider: { Grant: GrantClass };
  };
};
type Grant = { addOIDCScope(scope: string): void; addOIDCClaims(claims: string[]): void; save(): Promise<string> };
type GrantClass = { new (init: { clientId: string; accountId: string }): Grant; find(id: string): Promise<Grant | undefined> };
type ProviderInstance = {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  on(event: string, listener: (ctx: unknown, error: Error & { error_description?: string; error_detail?: string }) => void): void;
};
type ProviderModule = {
  default: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
};
type MemoryAdapterModule = { createMemoryAdapter(): unknown };

// Non-literal specifiers keep TypeScript from looking for the missing types.
const PROVIDER_MODULE: string = "oidc-provider";
const MEMORY_ADAPTER_MODULE: string = "oidc-provider/lib/adapters/memory_adapter.js";

const SCOPES = "openid email profile";
const CLAIMS = { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] };

export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const { clientId, clientSecret, redirectUris, accounts = {}, tokenEndpointAuthMethod = "client_secret_basic", idTokenClaims = "all", logErrors = true } = options;

  // Listen first: with port 0 the issuer URL is only known afterwards.
  const { server, ready } = await listen(options.port);
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { default: Provider } = await importOidcProvider<ProviderModule>(PROVIDER_MODULE);
  // One store per server (the default in-memory adapter is shared by the
  // whole process, and announces itself with a warning).
  const { createMemoryAdapter } = (await import(MEMORY_ADAPTER_MODULE)) as MemoryAdapterModule;

  // A fresh signing key per start, instead of oidc-provider's published
  // development key.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "keyway-test-idp", alg: "RS256", use: "sig" };

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: tokenEndpointAuthMethod,
      },
    ],
    claims: CLAIMS,
    scopes: SCOPES.split(" "),
    conformIdTokenClaims: idTokenClaims === "conform",
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      userinfo: { enabled: true },
    },
    async findAccount(_ctx: unknown, id: string) {
      const claims = claimsFor(id, accounts);
      return {
        accountId: id,
        async claims() {
          return { sub: id, preferred_username: id, ...claims };
        },
      };
    },
    // Consent is granted up front for the test client (as a company's IdP
    // does for its own applications), so the browser goes straight from the
    // login form back to Keyway, on the first sign-in and every later one.
    async loadExistingGrant(ctx: KoaContext) {
      const oidc = ctx.oidc!;
      const client = oidc.client!;
      const grantId = oidc.result?.consent?.grantId || oidc.session?.grantIdFor(client.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      if (client.clientId !== clientId || !oidc.session?.accountId) return undefined;
      const grant = new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope(SCOPES);
      grant.addOIDCClaims(Object.values(CLAIMS).flat());
      await grant.save();
      return grant;
    },
    // Explicit values for everything oidc-provider otherwise nags about.
    ttl: { AccessToken: 3600, AuthorizationCode: 120, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400 },
    clientBasedCORS: () => false,
    async renderError(ctx: KoaContext, out: Record<string, unknown>) {
      ctx.type = "html";
      ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test IdP error</title></head><body><h1>Test IdP error</h1><dl>${Object.entries(
        out,
      )
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
        .join("")}</dl></body></html>`;
    },
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

  // Failures would otherwise vanish into a redirect; say why on stderr.
  for (const event of logErrors ? ["authorization.error", "grant.error", "userinfo.error", "server_error", "end_session.error"] : []) {
    provider.on(event, (_ctx, error) => {
      const why = [error.error_description, error.error_detail].filter(Boolean).join(": ");
      console.error(`[test-idp] ${event}: ${error.message}${why ? ` (${why})` : ""}`);
    });
  }

  ready(provider.callback());

  return {
    issuer,
    close: () => closeServer(server),
  };
}

if (isMain(import.meta.url)) {
  const env = process.env;
  const port = portFromEnv("KEYWAY_TEST_OIDC_PORT", DEFAULT_PORT);
  const redirectUris = env.KEYWAY_TEST_OIDC_REDIRECT_URIS
    ? env.KEYWAY_TEST_OIDC_REDIRECT_URIS.split(",").map((u) => u.trim()).filter(Boolean)
    : DEFAULT_REDIRECT_URIS;
  runAsProcess("OIDC test provider", () =>
    startOidcServer({
      port,
      clientId: env.KEYWAY_TEST_OIDC_CLIENT_ID || DEFAULT_CLIENT_ID,
      clientSecret: env.KEYWAY_TEST_OIDC_CLIENT_SECRET || DEFAULT_CLIENT_SECRET,
      redirectUris,
      idTokenClaims: env.KEYWAY_TEST_OIDC_CONFORM === "1" ? "conform" : "all",
    }),
  );
}
