import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { ProviderAgent } from "../support/oauth-agent";
import { CLIENT_ID, CLIENT_SECRET, startOddServers, type OddPrefix, type OddServers } from "../support/oauth-odd-servers";
import { startOAuthServer, type OAuthServer } from "../support/oauth-server";
import type { ConnectionInput } from "@/lib/connections/schemas";
import type { TestRequestInput } from "@/lib/connections/test-request";

// OAuth2 against authorization servers set up the way real ones are and the
// default test server is not (issue 16): oidc-provider in its strict profile
// (secret in the body only, PKCE required, no PAR, RFC 9207 iss, refresh
// tokens only for offline_access, rotated with reuse detection, short-lived
// JWT access tokens for an RFC 8707 resource), a GitHub-like server,
// decoding and non-decoding HTTP Basic, and broken token endpoints (HTML
// 500, hanging, "bearer" with expires_in "5"). Each test drives Keyway's own
// code (connect, test requests, the proxy, disconnect) and checks what the
// user and the audit log are told.

const PUBLIC_URL = "http://127.0.0.1:3998";
const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
const STRICT_TTL_SECONDS = 30;
process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_PUBLIC_URL = PUBLIC_URL;
// The hanging token endpoint is given up on after this long.
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "1500";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let strict: OAuthServer;
let odd: OddServers;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let authorize: typeof import("@/lib/oauth/authorize");
let tokens: typeof import("@/lib/oauth/tokens");
let clients: typeof import("@/lib/oauth/clients");
let http: typeof import("@/lib/oauth/http");
let errors: typeof import("@/lib/oauth/errors");
let state: typeof import("@/lib/oauth/state");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let apiKey: string;
let owner: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("oauth_interop");
  [strict, odd] = await Promise.all([
    startOAuthServer({ port: 0, redirectUris: [CALLBACK], shortAccessTokenTtlSeconds: STRICT_TTL_SECONDS, logErrors: false, profile: "strict" }),
    startOddServers(),
  ]);
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  authorize = await import("@/lib/oauth/authorize");
  tokens = await import("@/lib/oauth/tokens");
  clients = await import("@/lib/oauth/clients");
  http = await import("@/lib/oauth/http");
  errors = await import("@/lib/oauth/errors");
  state = await import("@/lib/oauth/state");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  owner = await makeUser("interop-owner");
  const apiKeys = await import("@/lib/api-keys");
  apiKey = (await apiKeys.createApiKey(teamId(), owner.actor, { name: "interop service", expiresIn: "never" })).key;
});
afterAll(async () => {
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await clearProxyTargets();
  await Promise.all([strict?.close(), odd?.close()]);
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const GET: TestRequestInput = { method: "GET", path: "/things", headers: [], body: "" };
const user = () => ({ id: owner.id, email: owner.email });
const unique = (name: string) => `${name} ${randomBytes(3).toString("hex")}`;

/** A client-credentials connection to one of the odd servers' token endpoints. */
async function oddClientCredentials(prefix: OddPrefix, overrides: Partial<{ clientSecret: string; tokenAuthMethod: "client_secret_basic" | "client_secret_post" }> = {}) {
  const { id } = await connections.createConnection(
    teamId(),
    owner.actor,
    {
      name: unique(prefix),
      baseUrl: `${odd.url}/api`,
      authType: "OAUTH2_CLIENT_CREDENTIALS",
      oauthClientRef: "",
      tokenUrl: `${odd.url}/${prefix}/token`,
      clientId: CLIENT_ID,
      clientSecret: overrides.clientSecret ?? CLIENT_SECRET,
      tokenAuthMethod: overrides.tokenAuthMethod ?? "client_secret_basic",
      scopes: "",
      audience: "",
      extraParams: [],
    },
    null,
  );
  return id;
}

async function lastAudit(connectionId: string, action: string) {
  return env.db.auditEvent.findFirst({ where: { objectId: connectionId, action }, orderBy: { id: "desc" } });
}

/** Calls the proxy's route handler the way Next does. */
async function proxied(connectionId: string, path = "/things") {
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const response = await route.GET(request, { params: Promise.resolve({ connection: connectionId }) });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

describe("HTTP Basic client credentials (RFC 6749 2.3.1)", () => {
  for (const prefix of ["decoding", "literal"] as const) {
    it(`a UUID client id and a secret of unreserved characters are accepted by a ${prefix === "decoding" ? "decoding" : "non-decoding"} token endpoint`, async () => {
      const id = await oddClientCredentials(prefix);
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, run.summary).toBe(200);
      const sent = Buffer.from(odd.authorizationHeaders().at(-1)!.replace(/^Basic /, ""), "base64").toString("utf8");
      // Unreserved characters stay as they are (oauth4webapi's own encoding sends 796d8fae%2Da42f…).
      expect(sent).toBe(`${CLIENT_ID}:${CLIENT_SECRET}`);
    });
  }

  it("encodes everything else the way application/x-www-form-urlencoded does", () => {
    expect(http.formEncodeCredential("a b:c/é!*~")).toBe("a+b%3Ac%2F%C3%A9%21*~");
  });
});

describe("whose fault: the provider refused, the provider failed, Keyway could not reach it", () => {
  it("an HTML 500 is the provider failing, in test results, the proxy's answer and the audit log", async () => {
    const id = await oddClientCredentials("html500");
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/token endpoint answered HTTP 500 without an OAuth error, a problem on the provider's side; try again later/);
    expect(run.summary).not.toMatch(/refused|provider said/i);
    expect((await lastAudit(id, "connection.refresh_failed"))?.data).toMatchObject({ failure: "provider-failed", error: "token_endpoint_failed" });
    tokens.forgetTokenFailures(id);
    const { status, body } = await proxied(id);
    expect(status).toBe(502);
    expect(body.error?.message).toMatch(/answered HTTP 500 without an OAuth error/);
  });

  it("a token endpoint that never answers is Keyway not reaching it", async () => {
    const id = await oddClientCredentials("hang");
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/Keyway could not reach the token endpoint/);
    expect(run.summary).not.toMatch(/refused|provider said/i);
    expect((await lastAudit(id, "connection.refresh_failed"))?.data).toMatchObject({ failure: "unreachable", error: "token_endpoint_unreachable" });
  });

  it("a wrong secret is the provider refusing, with its code and description", async () => {
    const id = await oddClientCredentials("decoding", { clientSecret: "not-the-secret" });
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.summary).toMatch(/the provider refused it \(HTTP 401\): The provider does not recognize the client \(invalid_client\)\. The provider said: “Bad client credentials”/);
    // Refused with HTTP Basic: the other method is suggested.
    expect(run.summary).toMatch(/in the request body \(client_secret_post\)/);
    expect(run.summary).not.toContain("not-the-secret");
    expect((await lastAudit(id, "connection.refresh_failed"))?.data).toMatchObject({ failure: "refused", error: "invalid_client" });
  });

  it("HTTP Basic refused by a body-only token endpoint: the body method is suggested, and works", async () => {
    const basic = await oddClientCredentials("bodyonly");
    const run = await testing.runTestRequest(teamId(), owner.actor, basic, GET);
    expect(run.summary).toMatch(/invalid_client/);
    expect(run.summary).toMatch(/if the provider expects it in the request body \(client_secret_post\), choose that method/);
    const post = await oddClientCredentials("bodyonly", { tokenAuthMethod: "client_secret_post" });
    expect((await testing.runTestRequest(teamId(), owner.actor, post, GET)).status).toBe(200);
  });

  it("a failed code exchange is shown as Keyway's finding, not as an error the provider sent", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, typedGithubConnection({ tokenUrl: `${odd.url}/html500/token` }), null);
    const { outcome } = await connectThroughGithub(id);
    expect(outcome).toMatchObject({ outcome: "failed", errorCode: "token_endpoint_failed" });
    expect(outcome!.errorDescription).toMatch(/answered HTTP 500/);
    const explained = errors.explainOAuthError(outcome!.errorCode!, outcome!.errorDescription);
    expect(explained.fromKeyway).toBe(true);
    expect(explained.fix).not.toMatch(/below/);
  });

  // (This one held on main already: openid-client reads both leniently. It stays for the matrix.)
  it('takes token_type "bearer" and expires_in "5" as the bearer token living 5 seconds they mean', async () => {
    const id = await oddClientCredentials("loose");
    const before = Date.now();
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    const row = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
    expect(row.expiresAt!.getTime() - before).toBeGreaterThan(4_000);
    expect(row.expiresAt!.getTime() - before).toBeLessThan(60_000);
  });
});

describe("back-off after a failed token request", () => {
  it("10 uses during a token endpoint 500, by test requests and the proxy, cause 1 token request; the wait grows", async () => {
    const id = await oddClientCredentials("html500");
    const before = odd.tokenRequests("html500");
    for (let i = 0; i < 5; i++) {
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.summary).toMatch(/answered HTTP 500/);
      const { status, body } = await proxied(id);
      expect(status).toBe(502);
      expect(body.error?.message).toMatch(/answered HTTP 500/);
    }
    expect(odd.tokenRequests("html500") - before).toBe(1);
    const remembered = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(remembered.summary).toMatch(/tries the token endpoint again in [1-5] s/);

    // Once the wait is over (ended here rather than waited out), the next use asks again, and after failing again waits twice as long.
    tokens.endTokenBackoff(id);
    await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(odd.tokenRequests("html500") - before).toBe(2);
    const longer = await proxied(id);
    expect(longer.body.error?.message).toMatch(/tries the token endpoint again in (6|7|8|9|10) s/);
    expect(odd.tokenRequests("html500") - before).toBe(2);
  });
});

/** A typed-in authorization code connection to the GitHub-like server. */
function typedGithubConnection(overrides: Partial<{ tokenUrl: string; clientSecret: string }> = {}): ConnectionInput {
  return {
    name: unique("github-like"),
    baseUrl: `${odd.url}/api`,
    authType: "OAUTH2_CODE",
    oauthClientRef: "",
    authorizationUrl: `${odd.url}/github/authorize`,
    tokenUrl: overrides.tokenUrl ?? `${odd.url}/github/token`,
    revocationUrl: "",
    clientId: CLIENT_ID,
    clientSecret: overrides.clientSecret ?? CLIENT_SECRET,
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    scopes: "repo",
    extraParams: [],
  };
}

/** Connect against the GitHub-like server, whose authorize endpoint sends the browser straight back; `code` replaces the one it gave. */
async function connectThroughGithub(connectionId: string, code?: string) {
  const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, connectionId);
  if ("failed" in started) throw new Error("refused");
  const back = new URL((await fetch(started.url, { redirect: "manual" })).headers.get("location")!);
  if (code) back.searchParams.set("code", code);
  const result = await authorize.completeAuthorization(user(), back.searchParams, null);
  expect(result.kind).toBe("finished");
  return { outcome: await authorize.authorizationOutcome(owner.id, connectionId, started.pendingId) };
}

describe("a GitHub-like server (form-encoded answers, errors in a 200, no expiry, no refresh token)", () => {
  it("connects; a token without expiry and without refresh token is connected, and the API accepts it", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, typedGithubConnection(), null);
    const { outcome } = await connectThroughGithub(id);
    expect(outcome).toMatchObject({ outcome: "connected" });
    const row = await env.db.connection.findUniqueOrThrow({ where: { id }, include: { tokenSet: true } });
    expect(row.tokenSet).toMatchObject({ expiresAt: null, hasRefreshToken: false });
    expect(state.oauthState(row)).toEqual({ kind: "connected", renewable: false, expiresAt: null });
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
  });

  it("explains bad_verification_code and incorrect_client_credentials in words of their own", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, typedGithubConnection(), null);
    const { outcome } = await connectThroughGithub(id, "used-or-expired");
    expect(outcome).toMatchObject({ outcome: "failed", errorCode: "bad_verification_code", errorDescription: "The code passed is incorrect or expired." });
    const badCode = errors.explainOAuthError("bad_verification_code", outcome!.errorDescription);
    expect(badCode.title).toBe("The provider refused the authorization code");

    const { id: wrongSecret } = await connections.createConnection(teamId(), owner.actor, typedGithubConnection({ clientSecret: "wrong" }), null);
    const { outcome: refused } = await connectThroughGithub(wrongSecret);
    expect(refused).toMatchObject({ outcome: "failed", errorCode: "incorrect_client_credentials" });
    expect(errors.explainOAuthError(refused!.errorCode!).title).toBe("The provider does not recognize the client ID or secret");
  });

  it("every error code a shipped template's provider documents has words of its own, and the generic text only points at a description that is there", () => {
    const documented = ["bad_verification_code", "incorrect_client_credentials", "redirect_uri_mismatch", "unverified_user_email", "application_suspended", "invalid_client_id", "bad_client_secret", "invalid_code", "bad_redirect_uri", "invalid_refresh_token", "deleted_client", "org_internal", "admin_policy_enforced", "inactive_user", "BAD_REFRESH_TOKEN", "invalid_resource"];
    for (const code of documented) expect(errors.explainOAuthError(code).title, code).not.toContain(code);
    expect(errors.explainOAuthError("weird_thing").fix).not.toMatch(/below|description says/);
    expect(errors.explainOAuthError("weird_thing", "something").fix).toMatch(/description/);
  });
});

/** A registered client for the strict server's confidential client, endpoints from its discovery document. */
async function strictClient({ scopes = "read", extraAuthParams = [] as { name: string; value: string }[], tokenAuthMethod = "client_secret_post" as "client_secret_post" | "client_secret_basic" } = {}) {
  const discovered = await http.discoverIssuer(strict.issuer);
  expect(discovered.parUrl).toBeNull();
  expect(discovered.issParameter).toBe(true);
  return clients.createOAuthClient(teamId(), owner.actor, {
    name: unique("strict"),
    provider: "oidc",
    issuer: discovered.issuer,
    authorizationUrl: discovered.authorizationUrl!,
    tokenUrl: discovered.tokenUrl,
    revocationUrl: discovered.revocationUrl ?? "",
    parUrl: "",
    clientId: strict.clients.strict.clientId,
    clientSecret: strict.clients.strict.clientSecret!,
    scopes,
    scopeSeparator: " ",
    tokenAuthMethod,
    pkce: true,
    extraAuthParams: [{ name: "resource", value: strict.resourceUrl }, ...extraAuthParams],
    notes: "",
  });
}

async function connectStrict(options: Parameters<typeof strictClient>[0] = {}) {
  const client = await strictClient(options);
  const input: ConnectionInput = {
    name: unique("strict"),
    baseUrl: strict.resourceUrl,
    authType: "OAUTH2_CODE",
    oauthClientRef: client.id,
    authorizationUrl: "",
    tokenUrl: "",
    revocationUrl: "",
    clientId: "",
    clientSecret: "",
    tokenAuthMethod: "client_secret_basic",
    pkce: true,
    scopes: "",
    extraParams: [],
  };
  const { id } = await connections.createConnection(teamId(), owner.actor, input, null);
  const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, id);
  if ("failed" in started) throw new Error("refused");
  const callback = await new ProviderAgent(strict.issuer).signInAndConsent(started.url, "grace");
  expect(callback.searchParams.get("iss")).toBe(strict.issuer);
  expect((await authorize.completeAuthorization(user(), callback.searchParams, null)).kind).toBe("finished");
  const outcome = await authorize.authorizationOutcome(owner.id, id, started.pendingId);
  return { id, outcome, connection: await tokens.findConnectionForTokens(teamId(), id) };
}

async function stored(connectionId: string) {
  const row = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId } });
  return { row, ...tokens.openTokens(connectionId, row.tokens) };
}

async function viewState(connectionId: string) {
  return state.oauthState(await env.db.connection.findUniqueOrThrow({ where: { id: connectionId }, include: { tokenSet: true } }));
}

describe("oidc-provider, strict profile", () => {
  it("sends the RFC 8707 resource at the token endpoint too (exchange and refresh), and gets a JWT for that API", async () => {
    strict.resetCounts();
    const { id, outcome, connection } = await connectStrict({ scopes: "read offline_access", extraAuthParams: [{ name: "prompt", value: "consent" }] });
    expect(strict.tokenRequestsWithResource()).toEqual({ authorization_code: 1 });
    expect(outcome).toMatchObject({ outcome: "connected" });
    const { accessToken } = await stored(id);
    const claims = JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString("utf8")) as { aud: string };
    expect(claims.aud).toBe(strict.resourceUrl);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    await env.db.tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await tokens.accessTokenFor(connection, owner.actor);
    expect(strict.tokenRequestsWithResource()).toEqual({ authorization_code: 1, refresh_token: 1 });
  });

  it("without a refresh token: the token is used until its real expiry, then one state, 'expired', then 'needs re-authorization', everywhere", async () => {
    const { id, connection } = await connectStrict();
    const { row, accessToken, refreshToken } = await stored(id);
    expect(refreshToken).toBeUndefined();
    expect(row.hasRefreshToken).toBe(false);
    expect(await viewState(id)).toMatchObject({ kind: "connected", renewable: false });
    // Past half its life (as if obtained long ago), with seconds left: still the token to use.
    await env.db.tokenSet.update({ where: { connectionId: id }, data: { obtainedAt: new Date(Date.now() - 60_000) } });
    expect(await tokens.accessTokenFor(connection, owner.actor)).toBe(accessToken);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);

    await env.db.tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await viewState(id)).toMatchObject({ kind: "expired" });
    const expired = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(expired.ok).toBe(false);
    expect(expired.summary).toMatch(/issued no refresh token/);
    expect(expired.summary).toMatch(/offline_access/);
    expect(await viewState(id)).toEqual({ kind: "needs-reauth", hadRefreshToken: false });
  });

  it("with offline_access and prompt=consent: rotated refresh tokens; a reused one ends the grant and the connection needs re-authorization", async () => {
    const { id, connection } = await connectStrict({ scopes: "read offline_access", extraAuthParams: [{ name: "prompt", value: "consent" }] });
    const first = await stored(id);
    expect(first.refreshToken).toBeTruthy();
    await env.db.tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const renewed = await tokens.accessTokenFor(connection, owner.actor);
    const second = await stored(id);
    expect(renewed).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // The refreshed token is a JWT for the resource again (resource sent with the refresh too).
    expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);

    // Someone replays the first refresh token: oidc-provider revokes the whole grant.
    const replay = await fetch(`${strict.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: first.refreshToken!, client_id: strict.clients.strict.clientId, client_secret: strict.clients.strict.clientSecret! }),
    });
    expect(replay.status).toBe(400);
    await env.db.tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(tokens.accessTokenFor(connection, owner.actor)).rejects.toMatchObject({ kind: "needs-reauth", code: "invalid_grant" });
    expect(await viewState(id)).toEqual({ kind: "needs-reauth", hadRefreshToken: true });
  });

  it("disconnect: unsupported_token_type for the JWT access token, after the refresh token was revoked, is a successful revocation", async () => {
    const { id, connection } = await connectStrict({ scopes: "read offline_access", extraAuthParams: [{ name: "prompt", value: "consent" }] });
    const { refreshToken } = await stored(id);
    strict.resetCounts();
    const result = await tokens.disconnectConnection(connection, owner.actor);
    expect(result).toEqual({ revoked: true, hadTokens: true, revocationError: undefined });
    expect(strict.counts().revocation).toBe(2);
    expect((await lastAudit(id, "connection.disconnected"))?.data).toMatchObject({ revoked: true });
    // The refresh token really is revoked.
    const refused = await fetch(`${strict.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken!, client_id: strict.clients.strict.clientId, client_secret: strict.clients.strict.clientSecret! }),
    });
    expect(refused.status).toBe(400);
  });
});

describe("a Connect that never came back", () => {
  it("is reported for the connection (a client the provider does not know, without PAR: its error page keeps the browser)", async () => {
    const client = await strictClient();
    // Unknown at the provider (as with a redirect URI it does not know): it keeps the browser on its error page.
    await env.db.oAuthClient.update({ where: { id: client.id }, data: { clientId: "unknown-to-the-provider" } });
    const input: ConnectionInput = { ...typedGithubConnection(), oauthClientRef: client.id, baseUrl: strict.resourceUrl } as ConnectionInput;
    const { id } = await connections.createConnection(teamId(), owner.actor, input, null);
    expect(await authorize.unfinishedAuthorization(owner.id, id, null)).toBeNull();
    const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, id);
    if ("failed" in started) throw new Error("refused");
    const page = await new ProviderAgent(strict.issuer).follow(started.url);
    expect(page.location).toBeUndefined();
    expect(page.page!.status).toBe(400);
    const unfinished = await authorize.unfinishedAuthorization(owner.id, id, null);
    expect(unfinished?.startedAt).toBeInstanceOf(Date);
  });

  it("a replayed callback names the connection it was for, so the page can link back", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, typedGithubConnection(), null);
    const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, id);
    if ("failed" in started) throw new Error("refused");
    const back = new URL((await fetch(started.url, { redirect: "manual" })).headers.get("location")!);
    expect((await authorize.completeAuthorization(user(), back.searchParams, null)).kind).toBe("finished");
    expect(await authorize.completeAuthorization(user(), back.searchParams, null)).toEqual({
      kind: "refused",
      reason: "used-state",
      connection: { teamSlug: owner.personalTeam.slug, connectionId: id },
    });
  });
});

describe("discovery for a client typed in by hand", () => {
  it("finds the issuer behind a token URL, with the methods it accepts (a body-only server says so)", async () => {
    const found = await http.discoverFromEndpoint(`${strict.issuer}/token`);
    expect(found).toMatchObject({ issuer: strict.issuer, tokenUrl: `${strict.issuer}/token`, authorizationUrl: `${strict.issuer}/auth` });
    expect(found!.tokenAuthMethods).toEqual(["client_secret_post", "none"]);
    expect(await http.discoverFromEndpoint(`${odd.url}/decoding/token`)).toBeNull();
  });
});
