import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { addMember, makeUser } from "../support/fixtures";
import { TIME_SCALE } from "../support/time-scale";
import { startOAuth1Provider, type OAuth1Provider, type OAuth1ProviderOptions } from "../support/oauth1-provider";
import type { ConnectionInput } from "@/lib/connections/schemas";
import type { TestRequestInput } from "@/lib/connections/test-request";

// The three-legged OAuth 1.0a flow (RFC 5849 section 2) below the browser:
// Connect (startAuthorization, what the page's button calls), the provider's
// approval page, the universal callback (completeAuthorization, what
// /oauth/callback calls with the query the provider sent the browser back
// with), then a test request and the proxy's route handler with the access
// token. The provider checks every signature with node-oauth, not oauth-sign
// (test/support/oauth1-provider.ts).

const PUBLIC_URL = "http://127.0.0.1:3998";
const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
const KEY_1 = `k1:${randomBytes(32).toString("base64")}`;
const KEY_2 = `k2:${randomBytes(32).toString("base64")}`;
// k1 seals; k2 is known so that, after rotation to k2, the same process still opens what was re-encrypted.
process.env.KEYWAY_ENCRYPTION_KEYS = `${KEY_1},${KEY_2}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "5000";
process.env.KEYWAY_PUBLIC_URL = PUBLIC_URL;

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let authorize: typeof import("@/lib/oauth/authorize");
let tokens: typeof import("@/lib/oauth/tokens");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let owner: Awaited<ReturnType<typeof makeUser>>;
let key: string;
const providers: OAuth1Provider[] = [];

beforeAll(async () => {
  env = await useFreshAppDatabase("oauth1_flow");
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  authorize = await import("@/lib/oauth/authorize");
  tokens = await import("@/lib/oauth/tokens");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  const apiKeys = await import("@/lib/api-keys");
  owner = await makeUser("oauth1-owner");
  key = (await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "svc", expiresIn: "never" })).key;
});
afterAll(async () => {
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  const { closePool } = await import("@/lib/db/pool");
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await clearProxyTargets();
  await closePool();
  await Promise.all(providers.map((p) => p.close()));
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const user = () => ({ id: owner.id, email: owner.email });
const GET: TestRequestInput = { method: "GET", path: "/things?x=1", headers: [], body: "" };

async function provider(options: Partial<OAuth1ProviderOptions> = {}): Promise<OAuth1Provider> {
  const started = await startOAuth1Provider({ consumerKey: "printer", consumerSecret: "cs&1=x", ...options });
  providers.push(started);
  return started;
}

type OAuth1Input = Extract<ConnectionInput, { authType: "OAUTH1" }>;

function threeLegged(p: OAuth1Provider, overrides: Partial<OAuth1Input> = {}): OAuth1Input {
  return {
    name: `oauth1 ${randomBytes(3).toString("hex")}`,
    baseUrl: `${p.url}/api`,
    authType: "OAUTH1",
    consumerKey: "printer",
    consumerSecret: "cs&1=x",
    signatureMethod: "HMAC-SHA1",
    privateKeyPem: "",
    token: "",
    tokenSecret: "",
    realm: "",
    tokenSource: "connect",
    requestTokenUrl: `${p.url}/oauth/request_token`,
    authorizeUrl: `${p.url}/oauth/authorize`,
    accessTokenUrl: `${p.url}/oauth/access_token`,
    ...overrides,
  };
}

const create = async (input: ConnectionInput) => (await connections.createConnection(teamId(), owner.actor, input, null)).id;

/** What a browser does at the provider: open the authorization page, press a button, and follow the redirect back (not followed here: Keyway is not listening). */
async function atProvider(authorizationUrl: string, decision: "approve" | "deny"): Promise<URL> {
  const page = await fetch(authorizationUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Approve");
  const temporary = new URL(authorizationUrl).searchParams.get("oauth_token")!;
  const answer = await fetch(new URL("/oauth/authorize", authorizationUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ oauth_token: temporary, decision }).toString(),
    redirect: "manual",
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location")!);
}

async function started(connectionId: string, userId = owner.id, actor = owner.actor) {
  const result = await authorize.startAuthorization(teamId(), userId, actor, connectionId);
  if ("failed" in result) throw new Error(`Connect failed: ${JSON.stringify(await env.db.pendingAuthorization.findUnique({ where: { id: result.failed } }))}`);
  return result;
}

async function connect(connectionId: string) {
  const start = await started(connectionId);
  const back = await atProvider(start.url, "approve");
  expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
  const result = await authorize.completeAuthorization(user(), back.searchParams, "127.0.0.1");
  return { start, back, result };
}

async function proxied(connectionId: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}${path}`, { ...init, headers, ...(init.body ? { duplex: "half" } : {}) } as RequestInit);
  return route[(init.method ?? "GET") as "GET"](request, { params: Promise.resolve({ connection: connectionId }) });
}

async function outcomeOf(connectionId: string, pendingId: string) {
  return authorize.authorizationOutcome(owner.id, connectionId, pendingId);
}

describe("three-legged OAuth 1.0a through the universal callback", () => {
  it("Connect, approve, callback: the token credentials are kept encrypted with who connected, and sign test requests and proxied calls the provider accepts", async () => {
    const p = await provider();
    const id = await create(threeLegged(p));
    const { start, back, result } = await connect(id);
    expect(new URL(start.url).pathname).toBe("/oauth/authorize");
    expect(back.searchParams.get("oauth_verifier")).toBeTruthy();
    expect(result).toMatchObject({ kind: "finished", connectionId: id, pendingId: start.pendingId });
    expect(await outcomeOf(id, start.pendingId)).toMatchObject({ outcome: "connected", errorCode: null });
    expect(p.refusals).toEqual([]);

    const [access, secret] = [...p.issued.entries()][0]!;
    const row = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
    expect(row).toMatchObject({ tokenType: "OAuth1", connectedBy: owner.email, hasRefreshToken: false, expiresAt: null });
    expect(row.tokens).not.toContain(access);
    expect(row.tokens).not.toContain(secret);
    expect(tokens.openTokens(id, row.tokens)).toEqual({ accessToken: access, tokenSecret: secret });
    const pending = await env.db.pendingAuthorization.findUniqueOrThrow({ where: { id: start.pendingId } });
    expect(pending.requestTokenSecret).toBeTruthy();
    expect(pending.requestTokenSecret).not.toMatch(/^rts-/);

    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    expect(JSON.parse(run.responseBody!)).toMatchObject({ ok: true, token: access, path: "/api/things", signatureMethod: "HMAC-SHA1" });
    const stored = JSON.stringify(await env.db.testRun.findFirstOrThrow({ where: { connectionId: id } }));
    expect(stored).not.toContain(secret);

    const viaProxy = await proxied(id, "/items?tag=a&tag=b", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "name=J%C3%BCrgen" });
    expect(viaProxy.status).toBe(200);
    expect(await viaProxy.json()).toMatchObject({ ok: true, token: access, path: "/api/items", method: "POST" });

    const audit = await env.db.auditEvent.findMany({ where: { objectId: id }, orderBy: { id: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["connection.created", "connection.connected", "connection.tested"]);
    expect(JSON.stringify(audit, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))).not.toContain(secret);
    expect(p.counts).toMatchObject({ requestToken: 1, accessToken: 1 });
  });

  it("RSA-SHA1 and PLAINTEXT consumers go through the same flow", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const p = await provider({ publicKeyPem: publicKey });
    for (const signatureMethod of ["RSA-SHA1", "PLAINTEXT"] as const) {
      const id = await create(threeLegged(p, { signatureMethod, privateKeyPem: signatureMethod === "RSA-SHA1" ? privateKey : "" }));
      const { start } = await connect(id);
      expect(await outcomeOf(id, start.pendingId), signatureMethod).toMatchObject({ outcome: "connected" });
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, `${signatureMethod}: ${run.summary}`).toBe(200);
      expect(JSON.parse(run.responseBody!).signatureMethod).toBe(signatureMethod);
    }
    expect(p.refusals).toEqual([]);
  });

  it("refuses a replayed callback, another signed-in user's, and an expired flow, changing nothing", async () => {
    const p = await provider();
    const id = await create(threeLegged(p));
    const { back } = await connect(id);
    const tokenSet = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
    expect(await authorize.completeAuthorization(user(), back.searchParams, null)).toMatchObject({ kind: "refused", reason: "used-state", connection: { connectionId: id } });

    const other = await makeUser("oauth1-other");
    await addMember(teamId(), other.id, "MEMBER");
    const second = await started(id);
    const approved = await atProvider(second.url, "approve");
    expect(await authorize.completeAuthorization({ id: other.id, email: other.email }, approved.searchParams, null)).toMatchObject({ kind: "refused", reason: "other-user" });
    // Still the owner's to finish: the foreign attempt did not use it up.
    expect(await authorize.completeAuthorization(user(), approved.searchParams, null)).toMatchObject({ kind: "finished" });

    const late = await started(id);
    const lateBack = await atProvider(late.url, "approve");
    await env.db.pendingAuthorization.update({ where: { id: late.pendingId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await authorize.completeAuthorization(user(), lateBack.searchParams, null)).toMatchObject({ kind: "refused", reason: "expired-state" });

    const forged = new URLSearchParams({ oauth_token: "rt-never-issued", oauth_verifier: "x" });
    expect(await authorize.completeAuthorization(user(), forged, null)).toMatchObject({ kind: "refused", reason: "unknown-state" });
    // The OAuth2 callback is told apart by its state: one without a state is still refused as such.
    expect(await authorize.completeAuthorization(user(), new URLSearchParams({ code: "abc" }), null)).toMatchObject({ kind: "refused", reason: "missing-state" });
    expect((await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } })).obtainedAt.getTime()).toBeGreaterThanOrEqual(tokenSet.obtainedAt.getTime());
  });

  it("tells a refusal at the provider, a provider that fails with an HTTP status, and one Keyway cannot reach apart", async () => {
    const denying = await provider();
    const deniedId = await create(threeLegged(denying));
    const deniedStart = await started(deniedId);
    const deniedBack = await atProvider(deniedStart.url, "deny");
    expect(deniedBack.searchParams.get("denied")).toBeTruthy();
    expect(await authorize.completeAuthorization(user(), deniedBack.searchParams, null)).toMatchObject({ kind: "finished" });
    expect(await outcomeOf(deniedId, deniedStart.pendingId)).toMatchObject({ outcome: "failed", errorCode: "user_refused" });

    const failing = await provider({ failAccessToken: 503 });
    const failingId = await create(threeLegged(failing));
    const failingStart = await started(failingId);
    await authorize.completeAuthorization(user(), (await atProvider(failingStart.url, "approve")).searchParams, null);
    const failed = await outcomeOf(failingId, failingStart.pendingId);
    expect(failed).toMatchObject({ outcome: "failed", errorCode: "oauth1_endpoint_failed" });
    expect(failed?.errorDescription).toContain("HTTP 503");

    const wrongSecret = await create(threeLegged(denying, { consumerSecret: "not the secret" }));
    const refused = await authorize.startAuthorization(teamId(), owner.id, owner.actor, wrongSecret);
    expect(refused).toHaveProperty("failed");
    const refusedOutcome = await outcomeOf(wrongSecret, (refused as { failed: string }).failed);
    expect(refusedOutcome).toMatchObject({ outcome: "failed", errorCode: "signature_invalid" });
    expect(refusedOutcome?.errorDescription).toContain("refused it (HTTP 401)");

    const closed = await provider();
    const unreachable = await create(threeLegged(closed));
    await closed.close();
    const notReached = await authorize.startAuthorization(teamId(), owner.id, owner.actor, unreachable);
    const notReachedOutcome = await outcomeOf(unreachable, (notReached as { failed: string }).failed);
    expect(notReachedOutcome).toMatchObject({ outcome: "failed", errorCode: "oauth1_endpoint_unreachable" });
    expect(notReachedOutcome?.errorDescription).toContain("Keyway could not reach");

    const old = await provider({ unconfirmedCallback: true });
    const oldId = await create(threeLegged(old));
    const oldStart = await authorize.startAuthorization(teamId(), owner.id, owner.actor, oldId);
    expect(await outcomeOf(oldId, (oldStart as { failed: string }).failed)).toMatchObject({ errorCode: "oauth1_callback_unconfirmed" });

    for (const id of [deniedId, failingId, wrongSecret, unreachable, oldId]) expect(await env.db.tokenSet.findUnique({ where: { connectionId: id } })).toBeNull();
    const actions = await env.db.auditEvent.findMany({ where: { objectId: { in: [deniedId, failingId, wrongSecret, unreachable, oldId] }, action: "connection.authorization_failed" } });
    expect(actions).toHaveLength(5);
  });

  it("before Connect and after Disconnect, test requests and the proxy say it is not connected; Reconnect works; changing the consumer drops the tokens", async () => {
    const p = await provider();
    const input = threeLegged(p);
    const id = await create(input);
    await expect(testing.runTestRequest(teamId(), owner.actor, id, GET)).rejects.toMatchObject({ status: 409, message: expect.stringContaining("not connected") });
    const before = await proxied(id, "/things");
    expect(before.status).toBe(409);
    expect(await before.text()).toContain("Connect");

    await connect(id);
    expect((await proxied(id, "/things")).status).toBe(200);
    const disconnected = await tokens.disconnectConnection(await tokens.findConnectionForTokens(teamId(), id), owner.actor);
    expect(disconnected).toMatchObject({ revoked: false, hadTokens: true });
    // The proxy's cached target goes when the TokenSet's change notification arrives, a moment later.
    await expect.poll(async () => (await proxied(id, "/things")).status, { timeout: 10_000 * TIME_SCALE }).toBe(409);

    await connect(id);
    expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);
    // An edit that keeps the consumer keeps the tokens; another consumer key makes them someone else's.
    await connections.updateConnection(teamId(), owner.actor, id, { ...input, consumerSecret: "", name: "renamed" }, null);
    expect(await env.db.tokenSet.findUnique({ where: { connectionId: id } })).not.toBeNull();
    await connections.updateConnection(teamId(), owner.actor, id, { ...input, consumerKey: "another", consumerSecret: "" }, null);
    expect(await env.db.tokenSet.findUnique({ where: { connectionId: id } })).toBeNull();
  });

  it("key rotation re-encrypts a pending flow's temporary secret and the token credentials, and both still work", async () => {
    const crypto = await import("@/lib/crypto");
    const { rotateAllSecrets } = await import("@/lib/connections/rotate");
    const p = await provider();
    const connected = await create(threeLegged(p));
    await connect(connected);
    const pendingId = await create(threeLegged(p));
    const start = await started(pendingId);
    const approved = await atProvider(start.url, "approve");

    const ring = crypto.parseKeyring(`${KEY_2},${KEY_1}`);
    const counts = await rotateAllSecrets(ring);
    expect(counts["OAuth 1.0a pending flows"]!.rotated).toBeGreaterThanOrEqual(1);
    expect(counts["OAuth token sets"]!.rotated).toBeGreaterThanOrEqual(1);
    const only2 = crypto.parseKeyring(KEY_2);
    const pending = await env.db.pendingAuthorization.findUniqueOrThrow({ where: { id: start.pendingId } });
    expect(crypto.keyIdOf(pending.requestTokenSecret!)).toBe("k2");
    expect(crypto.decryptSecret(pending.requestTokenSecret!, `oauth1-request:${start.pendingId}`, only2)).toMatch(/^rts-/);
    const set = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: connected } });
    expect(crypto.keyIdOf(set.tokens)).toBe("k2");
    expect(crypto.decryptJson<{ tokenSecret: string }>(set.tokens, `token:${connected}`, only2).tokenSecret).toMatch(/^ats-/);

    expect(await authorize.completeAuthorization(user(), approved.searchParams, null)).toMatchObject({ kind: "finished" });
    expect(await outcomeOf(pendingId, start.pendingId)).toMatchObject({ outcome: "connected" });
    for (const id of [connected, pendingId]) expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);
  });
});
