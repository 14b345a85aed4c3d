// Proves the test OAuth 2.0 authorization server and resource server that
// Keyway's OAuth2 connection tests rely on, over plain HTTP: discovery, the
// client credentials grant, revocation, pushed authorization requests and the
// redirect URI check, and the authorization code flow through the real login
// and consent pages, with refresh token rotation and access token expiry.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOAuthServer, type OAuthServer, type OAuthTestClient } from "../support/oauth-server";
import { ProviderAgent } from "../support/oauth-agent";

const REDIRECT_URI = "http://127.0.0.1:3100/oauth/callback";
const SHORT_TTL_SECONDS = 2;

type Discovery = Record<string, unknown> & {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  pushed_authorization_request_endpoint: string;
};
type TokenResponse = {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
};

let as: OAuthServer;
let meta: Discovery;

beforeAll(async () => {
  // logErrors off: the refusals below are the point, not news.
  as = await startOAuthServer({ port: 0, redirectUris: [REDIRECT_URI], shortAccessTokenTtlSeconds: SHORT_TTL_SECONDS, logErrors: false });
  const response = await fetch(`${as.issuer}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  meta = (await response.json()) as Discovery;
});
afterAll(async () => {
  await as?.close();
});

function basic(client: OAuthTestClient): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret ?? "")}`).toString("base64")}`;
}

/** A form POST authenticated the way the client is registered for. */
function clientPost(endpoint: string, client: OAuthTestClient, body: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const form = new URLSearchParams(body);
  if (client.tokenEndpointAuthMethod === "client_secret_basic") headers.authorization = basic(client);
  else {
    form.set("client_id", client.clientId);
    if (client.tokenEndpointAuthMethod === "client_secret_post") form.set("client_secret", client.clientSecret ?? "");
  }
  return fetch(endpoint, { method: "POST", headers, body: form });
}

function callResource(token: string | undefined, path = "/resource/items", method = "GET"): Promise<Response> {
  return fetch(`${as.issuer}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function expectRefused(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  expect(await response.json()).toEqual({ error: "invalid_token" });
}

async function refresh(client: OAuthTestClient, refreshToken: string): Promise<Response> {
  return clientPost(meta.token_endpoint, client, { grant_type: "refresh_token", refresh_token: refreshToken });
}

/**
 * The authorization code flow with PKCE and state, through the development
 * login page (any login, any password) and the consent page, as the browser
 * test clicks through them; returns the callback URL.
 */
async function authorize(client: OAuthTestClient, scope: string, login: string) {
  const agent = new ProviderAgent(as.issuer);
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const params = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope,
    state,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  });

  const loginPage = await agent.follow(`${meta.authorization_endpoint}?${params}`);
  expect(loginPage.page?.status).toBe(200);
  expect(loginPage.page!.headers.get("content-security-policy")).toContain("default-src 'none'");
  const loginHtml = await loginPage.page!.clone().text();
  expect(loginHtml).toContain('name="login"');
  expect(loginHtml).toContain('name="password"');
  expect(loginHtml).toContain(">Sign-in</button>");

  const consentPage = await agent.submit(loginPage.page!, { prompt: "login", login, password: "anything" });
  expect(consentPage.location, "consent must be asked for, not pre-granted").toBeUndefined();
  expect(consentPage.page?.status).toBe(200);
  const consentHtml = await consentPage.page!.clone().text();
  expect(consentHtml).toContain("<h1>Authorize</h1>");
  expect(consentHtml).toContain(">Continue</button>");

  const done = await agent.submit(consentPage.page!, { prompt: "consent" });
  expect(done.location, "a redirect back to the client").toBeDefined();
  const callback = done.location!;
  expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
  expect(callback.searchParams.get("error")).toBeNull();
  expect(callback.searchParams.get("state")).toBe(state);
  expect(callback.searchParams.get("iss")).toBe(as.issuer); // RFC 9207
  return { code: callback.searchParams.get("code")!, verifier };
}

async function exchange(client: OAuthTestClient, code: string, verifier: string): Promise<TokenResponse> {
  const response = await clientPost(meta.token_endpoint, client, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenResponse;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("test OAuth 2.0 server", () => {
  it("publishes discovery with token, revocation and PAR endpoints and RFC 9207 iss", () => {
    expect(meta.issuer).toBe(as.issuer);
    expect(as.resourceUrl).toBe(`${as.issuer}/resource`);
    for (const endpoint of ["authorization_endpoint", "token_endpoint", "revocation_endpoint", "pushed_authorization_request_endpoint"] as const) {
      expect(meta[endpoint], endpoint).toMatch(new RegExp(`^${as.issuer}/`));
    }
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.require_pushed_authorization_requests).not.toBe(true);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(["read", "write"]));
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]));
    expect(as.clients.public).toEqual({ clientId: "keyway-public", tokenEndpointAuthMethod: "none" });
    expect(as.clients.cc).toEqual({ clientId: "keyway-cc", clientSecret: "keyway-cc-secret", tokenEndpointAuthMethod: "client_secret_basic" });
  });

  it("issues client credentials tokens the resource server accepts until they are revoked", async () => {
    as.resetCounts();
    const cc = as.clients.cc;
    // An extra parameter (audience) is ignored rather than refused.
    const response = await clientPost(meta.token_endpoint, cc, { grant_type: "client_credentials", scope: "read", audience: "https://api.example.test" });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as TokenResponse;
    expect(tokens).toMatchObject({ token_type: "Bearer", scope: "read", expires_in: 3600 });
    expect(tokens.refresh_token).toBeUndefined();
    expect(as.issuedAccessTokens().at(-1)).toMatchObject({ clientId: "keyway-cc", token: tokens.access_token });

    const accepted = await callResource(tokens.access_token, "/resource/v1/things?limit=2", "POST");
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ ok: true, client_id: "keyway-cc", scope: "read", method: "POST", path: "/resource/v1/things", query: "limit=2", body: "" });

    await expectRefused(await callResource("made-up-token"));
    await expectRefused(await callResource(undefined));

    // The wrong secret, and a grant the client may not use.
    const wrong = await clientPost(meta.token_endpoint, { ...cc, clientSecret: "nope" }, { grant_type: "client_credentials" });
    expect(wrong.status).toBe(401);
    const notAllowed = await clientPost(meta.token_endpoint, as.clients.basic, { grant_type: "client_credentials" });
    expect(notAllowed.status).toBe(400);

    const revoked = await clientPost(meta.revocation_endpoint, cc, { token: tokens.access_token, token_type_hint: "access_token" });
    expect(revoked.status).toBe(200);
    await expectRefused(await callResource(tokens.access_token));

    expect(as.counts()).toEqual({ token: { client_credentials: 3 }, revocation: 1, resource: { accepted: 1, refused: 3 } });
  });

  it("checks redirect URIs at the authorization and PAR endpoints", async () => {
    const authParams = (client: OAuthTestClient) => ({
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "read",
      state: "s",
      code_challenge: createHash("sha256").update("v".repeat(43)).digest("base64url"),
      code_challenge_method: "S256",
    });

    // At the PAR endpoint oidc-provider reports the mismatch as invalid_request
    // (it remaps invalid_redirect_uri there: RFC 9126 errors are token endpoint
    // style errors), with the same description as at the authorization endpoint.
    const mismatchPar = await clientPost(meta.pushed_authorization_request_endpoint, as.clients.mismatch, authParams(as.clients.mismatch));
    expect(mismatchPar.status).toBe(400);
    expect(await mismatchPar.json()).toEqual({ error: "invalid_request", error_description: "redirect_uri did not match any of the client's registered redirect_uris" });

    const mismatchAuth = await fetch(`${meta.authorization_endpoint}?${new URLSearchParams(authParams(as.clients.mismatch))}`, { redirect: "manual" });
    expect(mismatchAuth.status).toBe(400);
    expect(mismatchAuth.headers.get("location")).toBeNull();
    const errorPage = await mismatchAuth.text();
    expect(errorPage).toContain("<dd>invalid_redirect_uri</dd>");
    expect(errorPage).toContain("redirect_uri did not match any of the client&#39;s registered redirect_uris");

    const par = await clientPost(meta.pushed_authorization_request_endpoint, as.clients.basic, authParams(as.clients.basic));
    expect(par.status).toBe(201);
    const body = (await par.json()) as { request_uri: string; expires_in: number };
    expect(body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(body.expires_in).toBeGreaterThan(0);

    // The pushed request is usable at the authorization endpoint (it leads to the login page).
    const pushed = await new ProviderAgent(as.issuer).follow(`${meta.authorization_endpoint}?${new URLSearchParams({ client_id: "keyway-basic", request_uri: body.request_uri })}`);
    expect(pushed.page?.status).toBe(200);
    expect(await pushed.page!.text()).toContain('name="login"');
  });

  it("requires PKCE of the public client", async () => {
    const params = new URLSearchParams({ client_id: "keyway-public", redirect_uri: REDIRECT_URI, response_type: "code", scope: "read", state: "s" });
    const response = await fetch(`${meta.authorization_endpoint}?${params}`, { redirect: "manual" });
    const location = new URL(response.headers.get("location") ?? "", as.issuer);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("runs the code flow through login and consent; short-lived access tokens expire and refresh tokens rotate", async () => {
    as.resetCounts();
    const short = as.clients.short;
    const { code, verifier } = await authorize(short, "read write", "alice");

    const first = await exchange(short, code, verifier);
    expect(first).toMatchObject({ token_type: "Bearer", scope: "read write", expires_in: SHORT_TTL_SECONDS });
    expect(first.refresh_token).toBeTruthy();
    expect(first.id_token).toBeUndefined(); // no openid scope asked for
    const atFirst = await callResource(first.access_token);
    expect(atFirst.status).toBe(200);
    expect(await atFirst.json()).toMatchObject({ ok: true, client_id: "keyway-short", scope: "read write", sub: "alice", method: "GET", path: "/resource/items" });

    // A refresh rotates the refresh token.
    const secondResponse = await refresh(short, first.refresh_token!);
    expect(secondResponse.status).toBe(200);
    const second = (await secondResponse.json()) as TokenResponse;
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await callResource(second.access_token)).status).toBe(200);

    // After their lifetime both access tokens are refused; the refresh token still works.
    await sleep(SHORT_TTL_SECONDS * 1000 + 200);
    await expectRefused(await callResource(first.access_token));
    await expectRefused(await callResource(second.access_token));
    const thirdResponse = await refresh(short, second.refresh_token!);
    expect(thirdResponse.status).toBe(200);
    const third = (await thirdResponse.json()) as TokenResponse;
    expect((await callResource(third.access_token)).status).toBe(200);

    // Reusing a rotated refresh token is refused; oidc-provider takes it for
    // theft and revokes the whole grant, the newest tokens included.
    const reuse = await refresh(short, first.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });
    const afterReuse = await refresh(short, third.refresh_token!);
    expect(afterReuse.status).toBe(400);
    expect(await afterReuse.json()).toMatchObject({ error: "invalid_grant" });
    await expectRefused(await callResource(third.access_token));

    expect(as.issuedAccessTokens().filter((t) => t.clientId === "keyway-short").map((t) => t.token)).toEqual([
      first.access_token,
      second.access_token,
      third.access_token,
    ]);
    expect(as.counts()).toEqual({
      token: { authorization_code: 1, refresh_token: 4 },
      revocation: 0,
      resource: { accepted: 3, refused: 3 },
    });
  });

  it("issues non-rotating refresh tokens to the other clients, with or without openid", async () => {
    // The public client, with openid: an ID token too.
    const pub = as.clients.public;
    const flow = await authorize(pub, "openid read", "bob");
    const tokens = await exchange(pub, flow.code, flow.verifier);
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expires_in).toBe(3600);
    for (let i = 0; i < 2; i += 1) {
      const response = await refresh(pub, tokens.refresh_token!);
      expect(response.status).toBe(200);
      const refreshed = (await response.json()) as TokenResponse;
      expect(refreshed.refresh_token).toBe(tokens.refresh_token);
    }

    // The client_secret_post client, plain OAuth 2.0 with offline_access asked for.
    const post = as.clients.post;
    const postFlow = await authorize(post, "read write offline_access", "carol");
    const postTokens = await exchange(post, postFlow.code, postFlow.verifier);
    expect(postTokens.refresh_token).toBeTruthy();
    expect(postTokens.scope?.split(" ")).toEqual(expect.arrayContaining(["read", "write"]));

    // Revoking the refresh token revokes it.
    expect((await clientPost(meta.revocation_endpoint, post, { token: postTokens.refresh_token!, token_type_hint: "refresh_token" })).status).toBe(200);
    const revoked = await refresh(post, postTokens.refresh_token!);
    expect(revoked.status).toBe(400);
    expect(await revoked.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("revokes access tokens, and with them the grant's refresh tokens", async () => {
    const basicClient = as.clients.basic;
    const flow = await authorize(basicClient, "read", "dave");
    const tokens = await exchange(basicClient, flow.code, flow.verifier);
    expect((await callResource(tokens.access_token)).status).toBe(200);
    expect((await clientPost(meta.revocation_endpoint, basicClient, { token: tokens.access_token })).status).toBe(200);
    await expectRefused(await callResource(tokens.access_token));
    // oidc-provider revokes every token of the grant (RFC 7009 allows it), so
    // the refresh token is gone too.
    const refreshed = await refresh(basicClient, tokens.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("exposes its issued tokens and counters over HTTP", async () => {
    const issued = (await (await fetch(`${as.issuer}/__test/issued?client_id=keyway-short`)).json()) as unknown[];
    expect(issued).toEqual(as.issuedAccessTokens().filter((t) => t.clientId === "keyway-short"));
    expect(issued.length).toBeGreaterThan(0);

    const counts = await (await fetch(`${as.issuer}/__test/counts`)).json();
    expect(counts).toEqual(as.counts());
    expect((await fetch(`${as.issuer}/__test/reset`, { method: "POST" })).status).toBe(204);
    expect(as.counts()).toEqual({ token: {}, revocation: 0, resource: { accepted: 0, refused: 0 } });
  });
});
