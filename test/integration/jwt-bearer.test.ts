import { randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startApiServer } from "../support/api-server";
import { ASSERTION_CLIENT, ASSERTION_ISSUER, ASSERTION_KID, JWT_BEARER, startGoogleTokenServer, startOidcJwtBearerServer, type GoogleTokenServer, type OidcJwtBearerServer } from "../support/jwt-bearer-servers";
import type { TestRequestInput } from "@/lib/connections/test-request";

// Service accounts (issue 16, item 10): the JWT bearer grant (RFC 7523 2.1)
// against oidc-provider with the grant registered, which verifies each
// assertion with the public key registered here, and against a token endpoint
// that checks Google's documented request shape exactly. Test requests, the
// proxy and the credentials endpoint get their token the way client
// credentials connections do.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let oidc: OidcJwtBearerServer;
let google: GoogleTokenServer;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let tokens: typeof import("@/lib/oauth/tokens");
let targets: typeof import("@/lib/proxy/targets");
let credentials: typeof import("@/lib/connections/credentials");
let schemas: typeof import("@/lib/connections/schemas");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let owner: Awaited<ReturnType<typeof makeUser>>;
let apiKey: string;
let allScopesKey: string;
let apiServer: Awaited<ReturnType<typeof startApiServer>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("jwt_bearer");
  [oidc, google] = await Promise.all([startOidcJwtBearerServer(), startGoogleTokenServer()]);
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  tokens = await import("@/lib/oauth/tokens");
  targets = await import("@/lib/proxy/targets");
  credentials = await import("@/lib/connections/credentials");
  schemas = await import("@/lib/connections/schemas");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  owner = await makeUser("jwt-bearer-owner");
  const apiKeys = await import("@/lib/api-keys");
  apiKey = (await apiKeys.createApiKey(teamId(), owner.actor, { name: "jwt bearer service", expiresIn: "never" })).key;
  const { API_KEY_SCOPES } = await import("@/lib/api-keys/scopes");
  allScopesKey = (await apiKeys.createApiKey(teamId(), owner.actor, { name: "jwt bearer admin", expiresIn: "never", scopes: [...API_KEY_SCOPES] })).key;
  apiServer = await startApiServer();
});
afterAll(async () => {
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await targets?.clearProxyTargets();
  await apiServer?.close();
  const { closePool } = await import("@/lib/db/pool");
  await closePool();
  await Promise.all([oidc?.close(), google?.close()]);
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const unique = (name: string) => `${name} ${randomBytes(3).toString("hex")}`;
const GET: TestRequestInput = { method: "GET", path: "/reports", headers: [], body: "" };
const NO_EXPIRED_RULE = { expiredStatuses: "401", expiredJsonPointer: "", expiredJsonValue: "", expiredBodyContains: "" };

function generic(extra: Record<string, unknown> = {}) {
  return {
    name: unique("jwt bearer"),
    baseUrl: oidc.apiUrl,
    authType: "OAUTH2_JWT_BEARER" as const,
    tokenUrl: oidc.tokenUrl,
    issuer: ASSERTION_ISSUER,
    subject: "reporting-bot",
    audience: "",
    clientId: ASSERTION_CLIENT,
    assertionKeyPem: oidc.rsaKeyPem,
    assertionAlg: "RS256" as const,
    assertionKid: ASSERTION_KID,
    scopes: "read",
    ...NO_EXPIRED_RULE,
    ...extra,
  };
}

function googleInput(extra: Record<string, unknown> = {}) {
  return {
    name: unique("google"),
    baseUrl: google.apiUrl,
    authType: "GOOGLE_SERVICE_ACCOUNT" as const,
    serviceAccountKey: google.keyFile(),
    subject: "",
    scopes: "https://www.googleapis.com/auth/admin.directory.user.readonly https://www.googleapis.com/auth/admin.directory.group.readonly",
    ...NO_EXPIRED_RULE,
    ...extra,
  };
}

async function proxied(connectionId: string, path = "/reports") {
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const response = await route.GET(request, { params: Promise.resolve({ connection: connectionId }) });
  return { status: response.status, text: await response.text() };
}

/** Nothing of the key anywhere it could be seen: config, hints, audit, stored test runs. */
async function expectKeyHidden(id: string, keyPem: string) {
  const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
  const lines = keyPem.split("\n").filter((line) => line.length > 20 && !line.startsWith("-----"));
  const seen = JSON.stringify([row.config, row.secretHints, await env.db.auditEvent.findMany({ where: { objectId: id }, select: { data: true } }), await env.db.testRun.findMany({ where: { connectionId: id } })]);
  for (const line of lines) {
    expect(seen).not.toContain(line);
    expect(row.secrets).not.toContain(line);
  }
}

describe("the generic JWT bearer grant, at oidc-provider", () => {
  for (const [alg, keyOf, kid] of [
    ["RS256", () => oidc.rsaKeyPem, ASSERTION_KID],
    ["PS256", () => oidc.rsaKeyPem, ASSERTION_KID],
    ["ES256", () => oidc.ecKeyPem, `${ASSERTION_KID}-ec`],
  ] as const) {
    it(`${alg}: a signed assertion gets a token, which the API accepts`, async () => {
      const before = oidc.grants().length;
      const { id } = await connections.createConnection(teamId(), owner.actor, generic({ assertionKeyPem: keyOf(), assertionAlg: alg, assertionKid: kid }), null);
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, `${run.summary} ${oidc.refusals().join(" | ")}`).toBe(200);
      expect(JSON.parse(run.responseBody!)).toMatchObject({ sub: "reporting-bot", scope: "read" });
      const grant = oidc.grants().slice(before)[0]!;
      // RFC 7523: the scopes as the request's parameter; the client named because this server wants it.
      expect(grant).toMatchObject({ scope: "read", clientId: ASSERTION_CLIENT });
      expect(decodeProtectedHeader(grant.assertion)).toMatchObject({ alg, kid, typ: "JWT" });
      const claims = decodeJwt(grant.assertion);
      expect(claims).toMatchObject({ iss: ASSERTION_ISSUER, sub: "reporting-bot", aud: oidc.tokenUrl });
      expect(claims.scope).toBeUndefined();
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
      await expectKeyHidden(id, keyOf());
    });
  }

  it("the token is cached and asked for again once it expires, like client credentials; the proxy and the credentials endpoint use it", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, generic({ subject: "", audience: oidc.tokenUrl }), null);
    const before = oidc.grants().length;
    expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);
    expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);
    const proxyAnswer = await proxied(id);
    expect(proxyAnswer.status, proxyAnswer.text).toBe(200);
    expect(oidc.grants().length - before).toBe(1);
    // No subject set: the service is its own subject.
    expect(decodeJwt(oidc.grants().at(-1)!.assertion).sub).toBe(ASSERTION_ISSUER);

    await env.db.tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await targets.clearProxyTargets();
    expect((await proxied(id)).status).toBe(200);
    expect(oidc.grants().length - before).toBe(2);
    const audit = await env.db.auditEvent.findMany({ where: { objectId: id, action: "connection.token_obtained" } });
    expect(audit.map((event) => (event.data as { grant: string }).grant)).toEqual(["jwt_bearer", "jwt_bearer"]);

    await env.db.connection.update({ where: { id }, data: { credentialsReadable: true } });
    const read = await credentials.readCredentials(teamId(), owner.actor, id);
    expect(read).toMatchObject({ kind: "oauth2", authType: "OAUTH2_JWT_BEARER", tokenType: "Bearer" });
    expect(oidc.grants().length - before).toBe(2);
  });

  it("an assertion the server refuses is the provider's refusal (invalid_grant), not a reconnect; a 500 is the provider failing", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, generic({ assertionKeyPem: oidc.strangerKeyPem }), null);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/JWT bearer grant: the provider refused it \(HTTP 400\): The provider refused the signed assertion \(invalid_grant\)\. The provider said: “assertion refused: signature verification failed”\. The server did not accept/);
    expect(run.summary).not.toMatch(/Connect again|Reconnect/);
    expect((await env.db.connection.findUniqueOrThrow({ where: { id } })).status).not.toBe("NEEDS_REAUTH");
    await expectKeyHidden(id, oidc.strangerKeyPem);
    const failed = await env.db.auditEvent.findFirstOrThrow({ where: { objectId: id, action: "connection.refresh_failed" } });
    expect(failed.data).toEqual({ grant: "jwt_bearer", failure: "refused", error: "invalid_grant" });

    const { id: flaky } = await connections.createConnection(teamId(), owner.actor, generic(), null);
    oidc.failNext(1);
    const failing = await testing.runTestRequest(teamId(), owner.actor, flaky, GET);
    expect(failing.summary).toMatch(/JWT bearer grant failed: the token endpoint answered HTTP 500 without an OAuth error, a problem on the provider's side; try again later/);
    // Remembered briefly: the next use does not hammer the failing server.
    const grantsBefore = oidc.grants().length;
    const again = await testing.runTestRequest(teamId(), owner.actor, flaky, GET);
    expect(again.summary).toMatch(/tries the token endpoint again in \d+ s/);
    tokens.endTokenBackoff(flaky);
    const recovered = await testing.runTestRequest(teamId(), owner.actor, flaky, GET);
    expect(recovered.status, recovered.summary).toBe(200);
    expect(oidc.grants().length - grantsBefore).toBe(1);
  });

  it("the key must fit the algorithm; an empty key on edit keeps the saved one", async () => {
    await expect(connections.createConnection(teamId(), owner.actor, generic({ assertionAlg: "ES256" }), null)).rejects.toMatchObject({
      fieldErrors: { assertionKeyPem: expect.stringMatching(/ES256 needs an EC key on the P-256 curve/) },
    });
    await expect(connections.createConnection(teamId(), owner.actor, generic({ assertionKeyPem: "" }), null)).rejects.toMatchObject({
      fieldErrors: { assertionKeyPem: expect.stringMatching(/Paste the private key/) },
    });
    const input = generic();
    const { id } = await connections.createConnection(teamId(), owner.actor, input, null);
    await connections.updateConnection(teamId(), owner.actor, id, { ...input, assertionKeyPem: "" }, null);
    expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);
    await expect(connections.updateConnection(teamId(), owner.actor, id, { ...input, assertionKeyPem: "", assertionAlg: "ES256" }, null)).rejects.toMatchObject({
      fieldErrors: { assertionAlg: expect.stringMatching(/ES256 needs an EC key/) },
    });
    expect(schemas.connectionInputSchema.safeParse(generic({ assertionKeyPem: "MIIEv…" })).error?.issues[0]).toMatchObject({ path: ["assertionKeyPem"], message: expect.stringMatching(/Paste a PEM private key/) });
  });
});

describe("a Google service account", () => {
  it("sends exactly Google's documented request and uses the token it answers", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, googleInput(), null);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, `${run.summary} ${JSON.stringify(google.requests().at(-1)?.problems)}`).toBe(200);
    const request = google.requests().at(-1)!;
    expect(request.problems).toEqual([]);
    expect(Object.keys(request.form).sort()).toEqual(["assertion", "grant_type"]);
    expect(request.form.grant_type).toBe(JWT_BEARER);
    const keyFile = JSON.parse(google.keyFile()) as Record<string, string>;
    expect(request.header).toEqual({ alg: "RS256", typ: "JWT", kid: keyFile.private_key_id });
    expect(request.claims).toMatchObject({ iss: keyFile.client_email, aud: keyFile.token_uri, scope: googleInput().scopes });
    expect(request.claims.sub).toBeUndefined();
    expect(Number(request.claims.exp) - Number(request.claims.iat)).toBe(3600);

    // Google's expires_in (3599 s) decides the cache.
    const set = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
    expect(set.expiresAt!.getTime() - set.obtainedAt.getTime()).toBeGreaterThan(3590_000);
    expect(set.tokenType).toBe("Bearer");
    const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
    expect(row.config).toMatchObject({ oauth: { issuer: keyFile.client_email, assertionKid: keyFile.private_key_id, tokenUrl: keyFile.token_uri, projectId: "keyway-test" } });
    expect(row.secretHints).toEqual({ serviceAccountKey: { set: true } });
    await expectKeyHidden(id, keyFile.private_key!);
    expect(JSON.stringify(row.config)).not.toContain("109876543210987654321x");
  });

  it("impersonates a user with domain-wide delegation (sub); an undelegated user is Google's refusal, with what to check", async () => {
    google.delegatedUsers.add("admin@keyway.test");
    const { id } = await connections.createConnection(teamId(), owner.actor, googleInput({ subject: "admin@keyway.test" }), null);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    expect(JSON.parse(run.responseBody!)).toMatchObject({ sub: "admin@keyway.test" });
    expect(google.requests().at(-1)!.claims.sub).toBe("admin@keyway.test");

    const { id: other } = await connections.createConnection(teamId(), owner.actor, googleInput({ subject: "someone@keyway.test" }), null);
    const refused = await testing.runTestRequest(teamId(), owner.actor, other, GET);
    expect(refused.ok).toBe(false);
    expect(refused.summary).toMatch(/the provider refused it \(HTTP 401\).*\(unauthorized_client\)\. The provider said: “Client is unauthorized.*Domain-wide delegation/);
  });

  it("an edit without a new key file keeps the key and what was read from it", async () => {
    const input = googleInput();
    const { id } = await connections.createConnection(teamId(), owner.actor, input, null);
    await connections.updateConnection(teamId(), owner.actor, id, { ...input, serviceAccountKey: "", scopes: "https://www.googleapis.com/auth/cloud-platform" }, null);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    expect(google.requests().at(-1)!.claims.scope).toBe("https://www.googleapis.com/auth/cloud-platform");
    await expect(connections.createConnection(teamId(), owner.actor, { ...input, serviceAccountKey: "" }, null)).rejects.toMatchObject({
      fieldErrors: { serviceAccountKey: expect.stringMatching(/Paste the service account's JSON key file/) },
    });
  });

  it("a wrong file is named on the key field: an OAuth client file, not JSON, missing fields, a broken PEM; and scopes are required", () => {
    const key = JSON.parse(google.keyFile()) as Record<string, string>;
    const fieldError = (extra: Record<string, unknown>, field = "serviceAccountKey") =>
      schemas.connectionInputSchema.safeParse(googleInput(extra)).error?.issues.find((issue) => issue.path.join(".") === field)?.message;
    expect(fieldError({ serviceAccountKey: JSON.stringify({ web: { client_id: "x.apps.googleusercontent.com", client_secret: "s" } }) })).toMatch(/an OAuth client file \(client_secret_….json\), not a service account key/);
    expect(fieldError({ serviceAccountKey: "-----BEGIN PRIVATE KEY-----" })).toMatch(/That is not JSON/);
    expect(fieldError({ serviceAccountKey: JSON.stringify({ ...key, type: "authorized_user" }) })).toMatch(/type is “authorized_user”, not “service_account”/);
    expect(fieldError({ serviceAccountKey: JSON.stringify({ ...key, private_key_id: undefined, token_uri: "" }) })).toMatch(/has no private_key_id, token_uri/);
    expect(fieldError({ serviceAccountKey: JSON.stringify({ ...key, private_key: key.private_key!.replace(/\n/g, "").slice(0, 200) }) })).toMatch(/private_key is not a PEM private key/);
    expect(fieldError({ scopes: "" }, "scopes")).toMatch(/Enter at least one scope/);
    expect(fieldError({ subject: "not an email" }, "subject")).toMatch(/email address/);
    expect(fieldError({})).toBeUndefined();
  });
});

describe("Save and test (the connection form's check of unsaved settings)", () => {
  it("gets a token for the unsaved settings, sends the check with it, and keeps the token nowhere", async () => {
    const { checkDraft } = await import("@/lib/health/draft-check");
    expect(schemas.canSaveAndTest("GOOGLE_SERVICE_ACCOUNT") && schemas.canSaveAndTest("OAUTH2_JWT_BEARER") && schemas.canSaveAndTest("OAUTH2_CLIENT_CREDENTIALS")).toBe(true);
    expect(schemas.canSaveAndTest("OAUTH2_CODE") || schemas.canSaveAndTest("WEBHOOK")).toBe(false);

    // A new Google connection: nothing saved yet, so the token cannot be anyone's.
    const before = google.requests().length;
    const fresh = await checkDraft(teamId(), owner.actor, null, schemas.connectionInputSchema.parse(googleInput()), null);
    expect(fresh, JSON.stringify(fresh)).toMatchObject({ state: "WORKING", httpStatus: 200 });
    expect(google.requests().slice(before).map((request) => request.problems)).toEqual([[]]);

    // An edit of a saved JWT bearer connection with a key the server does not know: the check fails, and the saved token set is untouched.
    const { id } = await connections.createConnection(teamId(), owner.actor, generic(), null);
    expect((await testing.runTestRequest(teamId(), owner.actor, id, GET)).status).toBe(200);
    const savedSet = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
    const refused = await checkDraft(teamId(), owner.actor, id, schemas.connectionInputSchema.parse(generic({ assertionKeyPem: oidc.strangerKeyPem })), null);
    expect(refused?.state).not.toBe("WORKING");
    expect(refused?.summary).toMatch(/JWT bearer grant/);
    expect(await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } })).toEqual(savedSet);
    // An empty key field keeps the saved key, as saving would: that check passes.
    expect(await checkDraft(teamId(), owner.actor, id, schemas.connectionInputSchema.parse(generic({ assertionKeyPem: "" })), null)).toMatchObject({ state: "WORKING" });
    expect(await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } })).toEqual(savedSet);
  });
});

describe("the management API", () => {
  it("takes the same fields, refuses a wrong key file at its path, and never returns the key", async () => {
    const client = apiServer.client(allScopesKey);
    const wrong = await client.POST("/connections", { body: { ...googleInput(), serviceAccountKey: JSON.stringify({ installed: { client_id: "x" } }) } });
    expect(wrong.response.status).toBe(422);
    expect((wrong.error as { errors: { pointer: string; message: string }[] }).errors).toEqual([expect.objectContaining({ pointer: "/serviceAccountKey", message: expect.stringMatching(/OAuth client file/) })]);

    const keyFile = JSON.parse(google.keyFile()) as Record<string, string>;
    const created = await client.POST("/connections", { body: googleInput({ subject: "" }) });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    expect(created.data).toMatchObject({ authType: "GOOGLE_SERVICE_ACCOUNT", config: { oauth: { issuer: keyFile.client_email, tokenUrl: keyFile.token_uri } }, secrets: { serviceAccountKey: { set: true } } });
    expect(JSON.stringify(created.data)).not.toContain(keyFile.private_key!.split("\n")[1]!);

    const misfit = await client.POST("/connections", { body: generic({ assertionAlg: "ES256" }) });
    expect(misfit.response.status).toBe(422);
    expect((misfit.error as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual(["/assertionKeyPem"]);
  });
});
