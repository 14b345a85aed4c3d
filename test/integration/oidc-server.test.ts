// Proves the test identity provider that the single sign-on browser test relies
// on: discovery, client authentication at the token endpoint, PKCE, and the
// claims a login name signs in with, driven over plain HTTP the way Auth.js
// (a confidential client with HTTP Basic, PKCE, state and nonce) drives it.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderAgent } from "../support/oauth-agent";
import { SSO_EMAIL_DOMAIN, startOidcServer, type OidcServer } from "../support/oidc-server";

const CLIENT_ID = "vitest-client";
const CLIENT_SECRET = "vitest-secret";
const REDIRECT_URI = "http://127.0.0.1:9/api/auth/callback/oidc";

type Discovery = Record<string, unknown> & {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
};

let idp: OidcServer;
let strictIdp: OidcServer;
let meta: Discovery;

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  return (await response.json()) as Discovery;
}

beforeAll(async () => {
  // logErrors off: the refusals below are the point, not news.
  const common = { port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI], logErrors: false };
  idp = await startOidcServer({ ...common, accounts: { ada: { email: "Ada@Example.test", email_verified: true, name: "Ada Lovelace" } } });
  strictIdp = await startOidcServer({ ...common, idTokenClaims: "conform" });
  meta = await discover(idp.issuer);
});
afterAll(async () => {
  await idp?.close();
  await strictIdp?.close();
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

function tokenRequest(body: Record<string, string>, authorization?: string, endpoint = meta.token_endpoint) {
  return fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(body),
  });
}

const bogusCode = { grant_type: "authorization_code", code: "not-a-code", redirect_uri: REDIRECT_URI, code_verifier: "x".repeat(43) };

function base64url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The authorization code flow with PKCE, state and nonce, logging in at the development login form. */
async function signIn(server: OidcServer, login: string, { pkce = true } = {}) {
  const agent = new ProviderAgent(server.issuer);
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const nonce = base64url(randomBytes(16));
  const { authorization_endpoint } = await discover(server.issuer);
  const params = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope: "openid email profile",
    state,
    nonce,
    ...(pkce ? { code_challenge: base64url(createHash("sha256").update(verifier).digest()), code_challenge_method: "S256" } : {}),
  });
  const first = await agent.follow(`${authorization_endpoint}?${params}`);
  if (first.location) return { callback: first.location, verifier, state, nonce };

  // The development login page: any login name, any password.
  const html = (await first.page!.text()) ?? "";
  const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1]?.replaceAll("&amp;", "&");
  expect(html).toContain('name="login"');
  expect(action).toBeTruthy();
  const submitted = await agent.follow(new URL(action!, server.issuer).href, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ prompt: "login", login, password: "anything" }).toString(),
  });
  // Consent is pre-granted for the client: the next stop is the client's redirect URI.
  expect(submitted.location, "expected a redirect back to the client, not another page").toBeDefined();
  return { callback: submitted.location!, verifier, state, nonce };
}

async function exchange(server: OidcServer, code: string, verifier: string) {
  const { token_endpoint } = await discover(server.issuer);
  const response = await tokenRequest(
    { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
    basic(CLIENT_ID, CLIENT_SECRET),
    token_endpoint,
  );
  expect(response.status).toBe(200);
  return (await response.json()) as { id_token: string; access_token: string; token_type: string };
}

describe("test OpenID Connect provider", () => {
  it("publishes a discovery document for its issuer", async () => {
    expect(meta.issuer).toBe(idp.issuer);
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const endpoint of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"] as const) {
      expect(meta[endpoint], endpoint).toMatch(new RegExp(`^${idp.issuer}/`));
    }
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.token_endpoint_auth_methods_supported).toContain("client_secret_basic");

    const jwks = (await (await fetch(meta.jwks_uri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", kid: "keyway-test-idp" });
    expect(jwks.keys[0]).not.toHaveProperty("d"); // never the private part
  });

  it("enforces the client's credentials at the token endpoint", async () => {
    const none = await tokenRequest(bogusCode);
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: "invalid_request", error_description: "no client authentication mechanism provided" });

    const idOnly = await tokenRequest({ ...bogusCode, client_id: CLIENT_ID });
    expect(idOnly.status).toBe(401);
    expect(await idOnly.json()).toMatchObject({ error: "invalid_client" });

    const wrongSecret = await tokenRequest(bogusCode, basic(CLIENT_ID, "not-the-secret"));
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: "invalid_client" });

    const unknownClient = await tokenRequest(bogusCode, basic("someone-else", CLIENT_SECRET));
    expect(unknownClient.status).toBe(401);
    expect(await unknownClient.json()).toMatchObject({ error: "invalid_client" });

    const wrongInBody = await tokenRequest({ ...bogusCode, client_id: CLIENT_ID, client_secret: "not-the-secret" });
    expect(wrongInBody.status).toBe(401);
    expect(await wrongInBody.json()).toMatchObject({ error: "invalid_client" });

    // The right credentials get past client authentication to the (bogus) code:
    // in HTTP Basic, which Auth.js sends, and (oidc-provider treats the two
    // secret methods alike) in the body.
    const right = await tokenRequest(bogusCode, basic(CLIENT_ID, CLIENT_SECRET));
    expect(right.status).toBe(400);
    expect(await right.json()).toMatchObject({ error: "invalid_grant" });
    const rightInBody = await tokenRequest({ ...bogusCode, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(rightInBody.status).toBe(400);
    expect(await rightInBody.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("requires PKCE", async () => {
    const { callback } = await signIn(idp, "no-pkce", { pkce: false });
    expect(callback.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(callback.searchParams.get("error")).toBe("invalid_request");
    expect(callback.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("signs in any login name with a verified address at the test domain", async () => {
    const login = `sso-${Date.now().toString(36)}`;
    const { callback, verifier, state, nonce } = await signIn(idp, login);
    expect(callback.searchParams.get("error")).toBeNull();
    expect(callback.searchParams.get("state")).toBe(state);
    expect(callback.searchParams.get("iss")).toBe(idp.issuer);
    const code = callback.searchParams.get("code");
    expect(code).toBeTruthy();

    const tokens = await exchange(idp, code!, verifier);
    expect(decodeJwtPayload(tokens.id_token)).toMatchObject({
      iss: idp.issuer,
      aud: CLIENT_ID,
      sub: login,
      nonce,
      email: `${login}@${SSO_EMAIL_DOMAIN}`,
      email_verified: true,
      name: login,
    });

    // A code is single use; a wrong verifier would not have worked either.
    const again = await tokenRequest({ grant_type: "authorization_code", code: code!, redirect_uri: REDIRECT_URI, code_verifier: verifier }, basic(CLIENT_ID, CLIENT_SECRET));
    expect(again.status).toBe(400);
  });

  it("rejects a wrong PKCE verifier", async () => {
    const { callback } = await signIn(idp, "pkce-check");
    const response = await tokenRequest(
      { grant_type: "authorization_code", code: callback.searchParams.get("code")!, redirect_uri: REDIRECT_URI, code_verifier: base64url(randomBytes(32)) },
      basic(CLIENT_ID, CLIENT_SECRET),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("answers with the claims of configured accounts, and unverified ones for 'unverified…' logins", async () => {
    const ada = await signIn(idp, "ada");
    expect(decodeJwtPayload((await exchange(idp, ada.callback.searchParams.get("code")!, ada.verifier)).id_token)).toMatchObject({
      sub: "ada",
      email: "Ada@Example.test",
      email_verified: true,
      name: "Ada Lovelace",
    });

    const unverified = await signIn(idp, "unverified-1");
    expect(decodeJwtPayload((await exchange(idp, unverified.callback.searchParams.get("code")!, unverified.verifier)).id_token)).toMatchObject({
      sub: "unverified-1",
      email: `unverified-1@${SSO_EMAIL_DOMAIN}`,
      email_verified: false,
    });
  });

  it("in conforming mode keeps email and profile claims out of the ID token and in userinfo", async () => {
    const { callback, verifier } = await signIn(strictIdp, "strict-user");
    const tokens = await exchange(strictIdp, callback.searchParams.get("code")!, verifier);
    const idToken = decodeJwtPayload(tokens.id_token);
    expect(idToken.sub).toBe("strict-user");
    expect(idToken).not.toHaveProperty("email");

    const { userinfo_endpoint } = await discover(strictIdp.issuer);
    const userinfo = await fetch(userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: "strict-user", email: `strict-user@${SSO_EMAIL_DOMAIN}`, email_verified: true });
  });
});
