import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { addMember, makeUser } from "../support/fixtures";
import { ProviderAgent } from "../support/oauth-agent";
import { clientCredentialsInput, startOAuthServer, type OAuthServer } from "../support/oauth-server";
import type { ConnectionInput } from "@/lib/connections/schemas";
import type { TestRequestInput } from "@/lib/connections/test-request";

// OAuth2 connections below the UI, against a real authorization server
// (oidc-provider on loopback) and a resource server that accepts only its
// valid tokens: registered clients and discovery, the authorization code flow
// through the universal callback, the state checks, client credentials
// caching, refresh (single-flight across two processes), the 401 retry,
// invalid_grant, and revocation on disconnect.

const PUBLIC_URL = "http://127.0.0.1:3999";
const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_PUBLIC_URL = PUBLIC_URL;

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let as: OAuthServer;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let authorize: typeof import("@/lib/oauth/authorize");
let tokens: typeof import("@/lib/oauth/tokens");
let clients: typeof import("@/lib/oauth/clients");
let http: typeof import("@/lib/oauth/http");
let owner: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("oauth");
  as = await startOAuthServer({ port: 0, redirectUris: [CALLBACK], shortAccessTokenTtlSeconds: 90, logErrors: false });
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  authorize = await import("@/lib/oauth/authorize");
  tokens = await import("@/lib/oauth/tokens");
  clients = await import("@/lib/oauth/clients");
  http = await import("@/lib/oauth/http");
  owner = await makeUser("oauth-owner");
});
afterAll(async () => {
  await as?.close();
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const GET: TestRequestInput = { method: "GET", path: "/things", headers: [], body: "" };
const user = () => ({ id: owner.id, email: owner.email });

/** A registered client for one of the test server's clients, endpoints read from its discovery document. */
async function registerClient(which: keyof OAuthServer["clients"], { scopes = "read write", pushed = true } = {}) {
  const discovered = await http.discoverIssuer(as.issuer);
  const client = as.clients[which];
  return clients.createOAuthClient(teamId(), owner.actor, {
    name: `test ${which}`,
    provider: "oidc",
    issuer: discovered.issuer,
    authorizationUrl: discovered.authorizationUrl!,
    tokenUrl: discovered.tokenUrl,
    revocationUrl: discovered.revocationUrl ?? "",
    parUrl: pushed ? (discovered.parUrl ?? "") : "",
    clientId: client.clientId,
    clientSecret: client.clientSecret ?? "",
    scopes,
    scopeSeparator: " ",
    tokenAuthMethod: client.tokenEndpointAuthMethod,
    pkce: true,
    extraAuthParams: [],
    notes: "",
  });
}

function codeConnection(oauthClientRef: string, name = "code"): ConnectionInput {
  return {
    name,
    baseUrl: as.resourceUrl,
    authType: "OAUTH2_CODE",
    oauthClientRef,
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
}

/** Connect through the provider's login and consent pages and the universal callback. */
async function connect(connectionId: string, login = "ada") {
  const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, connectionId);
  if ("failed" in started) throw new Error(`authorization refused: ${JSON.stringify(await env.db.pendingAuthorization.findUnique({ where: { id: started.failed } }))}`);
  const callback = await new ProviderAgent(as.issuer).signInAndConsent(started.url, login);
  expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
  return { started, callback, result: await authorize.completeAuthorization(user(), callback.searchParams, "127.0.0.1") };
}

async function connected(which: "basic" | "post" | "public" | "short" = "short") {
  const client = await registerClient(which);
  const { id } = await connections.createConnection(teamId(), owner.actor, codeConnection(client.id, `code ${which} ${randomBytes(3).toString("hex")}`), null);
  const { result } = await connect(id);
  expect(result.kind).toBe("finished");
  return { id, connection: await tokens.findConnectionForTokens(teamId(), id) };
}

async function storedTokens(connectionId: string) {
  const row = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId } });
  return { row, ...tokens.openTokens(connectionId, row.tokens) };
}

async function expireAccessToken(connectionId: string) {
  await env.db.tokenSet.update({ where: { connectionId }, data: { expiresAt: new Date(Date.now() - 1000) } });
}

async function auditActions(connectionId: string): Promise<string[]> {
  const events = await env.db.auditEvent.findMany({ where: { objectId: connectionId }, orderBy: { id: "asc" } });
  return events.map((e) => e.action);
}

describe("authorization code grant", () => {
  for (const which of ["basic", "post", "public"] as const) {
    it(`connects with a ${which === "public" ? "public client (PKCE, no secret)" : `confidential client (${as?.clients[which].tokenEndpointAuthMethod ?? which})`}; the resource server accepts the token`, async () => {
      as.resetCounts();
      const { id } = await connected(which);
      const { row, refreshToken } = await storedTokens(id);
      expect(row.hasRefreshToken).toBe(true);
      expect(refreshToken).toBeTruthy();
      expect(row.scope).toContain("read");
      expect(as.counts().token.authorization_code).toBe(1);

      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, run.summary).toBe(200);
      expect(JSON.parse(run.responseBody!)).toMatchObject({ ok: true, client_id: as.clients[which].clientId, path: "/resource/things" });
      expect(await auditActions(id)).toEqual(["connection.created", "connection.connected", "connection.tested"]);
    });
  }

  it("keeps the PKCE verifier on the server, sends state and S256 challenge, and stores tokens encrypted", async () => {
    const client = await registerClient("short");
    const { id } = await connections.createConnection(teamId(), owner.actor, codeConnection(client.id, "pkce"), null);
    const { started, callback } = await connect(id);
    const pending = await env.db.pendingAuthorization.findUniqueOrThrow({ where: { id: started.pendingId } });
    const { decryptSecret } = await import("@/lib/crypto");
    const verifier = decryptSecret(pending.codeVerifier!, authorize.verifierContext(pending.id));
    expect(verifier.length).toBeGreaterThanOrEqual(43);
    const url = new URL(started.url);
    // With PAR the browser carries only a request_uri; the parameters went server to server.
    expect(url.searchParams.get("request_uri")).toBeTruthy();
    for (const seen of [started.url, callback.href, pending.codeVerifier ?? ""]) expect(seen).not.toContain(verifier);
    expect(pending.stateHash).not.toBe(callback.searchParams.get("state"));
    const { row, accessToken } = await storedTokens(id);
    expect(row.tokens).not.toContain(accessToken);
  });

  it("refuses a tampered, replayed, expired or other user's state, and changes nothing", async () => {
    const client = await registerClient("basic");
    const { id } = await connections.createConnection(teamId(), owner.actor, codeConnection(client.id, "states"), null);
    const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, id);
    if ("failed" in started) throw new Error("refused");
    const callback = await new ProviderAgent(as.issuer).signInAndConsent(started.url, "ada");
    const params = callback.searchParams;

    const tampered = new URLSearchParams(params);
    tampered.set("state", `${params.get("state")}x`);
    expect(await authorize.completeAuthorization(user(), tampered, null)).toEqual({ kind: "refused", reason: "unknown-state" });
    const noState = new URLSearchParams(params);
    noState.delete("state");
    expect(await authorize.completeAuthorization(user(), noState, null)).toEqual({ kind: "refused", reason: "missing-state" });

    const other = await makeUser("oauth-other");
    await addMember(teamId(), other.id, "MEMBER");
    expect(await authorize.completeAuthorization({ id: other.id, email: other.email }, params, null)).toEqual({ kind: "refused", reason: "other-user" });
    // None of these used up the pending authorization or stored anything.
    expect((await env.db.pendingAuthorization.findUniqueOrThrow({ where: { id: started.pendingId } })).usedAt).toBeNull();
    expect(await env.db.tokenSet.findUnique({ where: { connectionId: id } })).toBeNull();

    expect((await authorize.completeAuthorization(user(), params, null)).kind).toBe("finished");
    expect(await authorize.completeAuthorization(user(), params, null)).toMatchObject({ kind: "refused", reason: "used-state" });

    const late = await authorize.startAuthorization(teamId(), owner.id, owner.actor, id);
    if ("failed" in late) throw new Error("refused");
    const lateCallback = await new ProviderAgent(as.issuer).signInAndConsent(late.url, "ada");
    await env.db.pendingAuthorization.update({ where: { id: late.pendingId }, data: { expiresAt: new Date(Date.now() - 1) } });
    const before = await storedTokens(id);
    expect(await authorize.completeAuthorization(user(), lateCallback.searchParams, null)).toMatchObject({ kind: "refused", reason: "expired-state" });
    expect((await storedTokens(id)).accessToken).toBe(before.accessToken);
  });

  it("shows the provider's refusal: a redirect URI it does not know (pushed request) and access_denied (callback)", async () => {
    const client = await registerClient("mismatch");
    const { id } = await connections.createConnection(teamId(), owner.actor, codeConnection(client.id, "mismatch"), null);
    const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, id);
    expect("failed" in started).toBe(true);
    const outcome = await authorize.authorizationOutcome(owner.id, id, (started as { failed: string }).failed);
    // oidc-provider's pushed-request endpoint says invalid_request and names the redirect URI in the description.
    expect(outcome).toMatchObject({ outcome: "failed", errorCode: "invalid_request" });
    const { explainOAuthError } = await import("@/lib/oauth/errors");
    expect(explainOAuthError(outcome!.errorCode!, outcome!.errorDescription).showCallbackUrl).toBe(true);

    // Without pushed requests the state travels in the browser's URL, where the provider would echo it.
    const good = await registerClient("basic", { pushed: false });
    const { id: deniedId } = await connections.createConnection(teamId(), owner.actor, codeConnection(good.id, "denied"), null);
    const pending = await authorize.startAuthorization(teamId(), owner.id, owner.actor, deniedId);
    if ("failed" in pending) throw new Error("refused");
    const state = new URL(pending.url).searchParams.get("state")!;
    const result = await authorize.completeAuthorization(user(), new URLSearchParams({ error: "access_denied", error_description: "The user said no", state, iss: as.issuer }), null);
    expect(result.kind).toBe("finished");
    expect(await authorize.authorizationOutcome(owner.id, deniedId, pending.pendingId)).toMatchObject({ outcome: "failed", errorCode: "access_denied", errorDescription: "The user said no" });
    expect(await auditActions(deniedId)).toContain("connection.authorization_failed");
  });
});

describe("refresh", () => {
  it("50 concurrent uses of an expired token across two processes cause exactly one refresh request", async () => {
    const { id, connection } = await connected("short");
    await expireAccessToken(id);
    as.resetCounts();

    const child = spawn(process.execPath, ["--import", "tsx", "test/support/token-user.ts", teamId(), id, "25"], {
      env: { ...process.env, DATABASE_URL: env.url },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout! });
    const output: string[] = [];
    const ready = new Promise<void>((resolve) => lines.on("line", (line) => (line === "ready" ? resolve() : output.push(line))));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await ready;
    child.stdin!.write("go\n");
    const here = await Promise.all(Array.from({ length: 25 }, () => tokens.accessTokenFor(connection, owner.actor)));
    expect(await exited).toBe(0);
    const there = (JSON.parse(output.join("")) as { token?: string; error?: string }[]).map((r) => r.token ?? r.error);

    expect(as.counts().token.refresh_token).toBe(1);
    const fresh = (await storedTokens(id)).accessToken;
    expect(new Set([...here, ...there])).toEqual(new Set([fresh]));
    expect((await storedTokens(id)).row.refreshCount).toBe(1);
  });

  it("stores a rotated refresh token and audits the refresh", async () => {
    const { id, connection } = await connected("short");
    const before = await storedTokens(id);
    await expireAccessToken(id);
    await tokens.accessTokenFor(connection, owner.actor);
    const after = await storedTokens(id);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    const event = await env.db.auditEvent.findFirstOrThrow({ where: { objectId: id, action: "connection.token_refreshed" } });
    expect(event.data).toMatchObject({ reason: "expiring", rotatedRefreshToken: true });
    expect(JSON.stringify(event.data)).not.toContain(after.accessToken);
  });

  it("retries once with a refreshed token after the API answers 401", async () => {
    const { id } = await connected("basic");
    const { refreshToken } = await storedTokens(id);
    // A token the API no longer accepts although it has not expired (revoked
    // or invalidated at the provider's side; revoking it through oidc-provider
    // would end the whole grant, refresh token included).
    const accessToken = `stale-${randomBytes(8).toString("hex")}`;
    await env.db.tokenSet.update({ where: { connectionId: id }, data: { tokens: tokens.sealTokens(id, { accessToken, refreshToken }) } });
    as.resetCounts();
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    expect(run.summary).toContain("Retried once");
    expect(as.counts().resource).toEqual({ accepted: 1, refused: 1 });
    expect(as.counts().token.refresh_token).toBe(1);
    const event = await env.db.auditEvent.findFirstOrThrow({ where: { objectId: id, action: "connection.token_refreshed" } });
    expect(event.data).toMatchObject({ reason: "refused_by_api" });
    // The kept run holds neither token.
    const kept = JSON.stringify(await env.db.testRun.findMany({ where: { connectionId: id } }));
    expect(kept).not.toContain(accessToken);
    expect(kept).not.toContain((await storedTokens(id)).accessToken);
  });

  it("marks the connection as needing re-authorization when the refresh token is refused (invalid_grant)", async () => {
    const { id, connection } = await connected("short");
    const { refreshToken } = await storedTokens(id);
    // Rotation makes the saved refresh token stale: use it once, out of band.
    const rotated = await fetch(`${as.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`keyway-short:${as.clients.short.clientSecret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken! }),
    });
    expect(rotated.status).toBe(200);
    await expireAccessToken(id);
    await expect(tokens.accessTokenFor(connection, owner.actor)).rejects.toMatchObject({ kind: "needs-reauth", code: "invalid_grant" });
    expect((await env.db.connection.findUniqueOrThrow({ where: { id } })).status).toBe("NEEDS_REAUTH");
    expect(await env.db.tokenSet.findUnique({ where: { connectionId: id } })).toBeNull();
    expect(await auditActions(id)).toContain("connection.refresh_failed");
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/not connected/i);
  });
});

describe("disconnect", () => {
  it("revokes the tokens at the provider and deletes them here; the old token is refused afterwards", async () => {
    const { id, connection } = await connected("basic");
    const { accessToken } = await storedTokens(id);
    expect((await fetch(`${as.resourceUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
    as.resetCounts();
    const result = await tokens.disconnectConnection(connection, owner.actor);
    expect(result).toMatchObject({ revoked: true, hadTokens: true });
    expect(as.counts().revocation).toBe(2);
    expect(await env.db.tokenSet.findUnique({ where: { connectionId: id } })).toBeNull();
    expect((await fetch(`${as.resourceUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
    expect(await auditActions(id)).toContain("connection.disconnected");
  });
});

describe("client credentials grant", () => {
  it("gets one token for 20 uses, with audience and extra parameters, and the API accepts it", async () => {
    const { id } = await connections.createConnection(
      teamId(),
      owner.actor,
      clientCredentialsInput(as, { name: "machine", baseUrl: as.resourceUrl, audience: "https://api.example.test", extraParams: [{ name: "tenant", value: "acme" }] }),
      null,
    );
    as.resetCounts();
    for (let i = 0; i < 20; i++) {
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, run.summary).toBe(200);
    }
    expect(as.counts().token.client_credentials).toBe(1);
    expect(as.counts().resource.accepted).toBe(20);
    const stored = JSON.stringify(await env.db.connection.findUniqueOrThrow({ where: { id }, include: { tokenSet: true, testRuns: true } }));
    expect(stored).not.toContain(as.clients.cc.clientSecret!);
    expect(stored).not.toContain(as.issuedAccessTokens().at(-1)!.token);
  });

  it("explains a refused client secret in words", async () => {
    const { id } = await connections.createConnection(
      teamId(),
      owner.actor,
      {
        name: "wrong secret",
        baseUrl: as.resourceUrl,
        authType: "OAUTH2_CLIENT_CREDENTIALS",
        oauthClientRef: "",
        tokenUrl: `${as.issuer}/token`,
        clientId: as.clients.cc.clientId,
        clientSecret: "not-the-secret",
        tokenAuthMethod: "client_secret_basic",
        scopes: "read",
        audience: "",
        extraParams: [],
      },
      null,
    );
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/does not recognize the client/);
    expect(run.summary).not.toContain("not-the-secret");
  });
});
