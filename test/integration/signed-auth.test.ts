import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startDigestUpstream, startOAuth1Upstream, startSigV4Upstream, type SignedUpstream } from "../support/signed-upstreams";
import type { ConnectionInput } from "@/lib/connections/schemas";

// The Bearer token, Digest, AWS SigV4 and OAuth 1.0a types end to end below
// the browser: test requests and the proxy's route handler, a real Postgres
// and encryption, against servers that check the credentials with
// implementations that are not Keyway's (http-auth's Digest server, aws4,
// node-oauth; see test/support/signed-upstreams.ts).

const KEY_1 = `k1:${randomBytes(32).toString("base64")}`;
const KEY_2 = `k2:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_ENCRYPTION_KEYS = KEY_1;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "5000";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let owner: Awaited<ReturnType<typeof makeUser>>;
let key: string;
const upstreams: SignedUpstream[] = [];

const AWS = { accessKeyId: "AKIDKEYWAYTEST", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYKEYWAY", region: "eu-west-1", service: "execute-api" };

beforeAll(async () => {
  env = await useFreshAppDatabase("signed_auth");
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  const apiKeys = await import("@/lib/api-keys");
  owner = await makeUser("signed-owner");
  key = (await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "svc", expiresIn: "never" })).key;
});
afterAll(async () => {
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  const { closePool: closeProxyPool } = await import("@/lib/db/pool");
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await clearProxyTargets();
  await closeProxyPool();
  await Promise.all(upstreams.map((u) => u.close()));
  await env?.close();
});

async function track<T extends SignedUpstream>(started: Promise<T>): Promise<T> {
  const upstream = await started;
  upstreams.push(upstream);
  return upstream;
}

const teamId = () => owner.personalTeam.id;
const create = async (input: ConnectionInput) => (await connections.createConnection(teamId(), owner.actor, input, null)).id;
const GET = { method: "GET" as const, path: "/things?x=1", headers: [], body: "" };

async function call(connectionId: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}${path}`, { ...init, headers, ...(init.body ? { duplex: "half" } : {}) } as RequestInit);
  const handler = route[(init.method ?? "GET") as "GET"];
  return handler(request, { params: Promise.resolve({ connection: connectionId }) });
}

async function storedRun(connectionId: string): Promise<string> {
  const run = await env.db.testRun.findFirstOrThrow({ where: { connectionId }, orderBy: { createdAt: "desc" } });
  return JSON.stringify(run);
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("Bearer token", () => {
  it("sends Authorization: Bearer, keeps the token on edit without retyping, and never stores it", async () => {
    const { startEchoUpstream } = await import("../../e2e/support/upstream");
    const echo = await startEchoUpstream();
    try {
      const token = `ghp_${randomBytes(18).toString("hex")}`;
      const id = await create({ name: "bearer", baseUrl: echo.baseUrl, authType: "BEARER", token });
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.ok).toBe(true);
      expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
      expect(await storedRun(id)).not.toContain(token);
      await connections.updateConnection(teamId(), owner.actor, id, { name: "bearer renamed", baseUrl: echo.baseUrl, authType: "BEARER", token: "" }, null);
      const proxied = await call(id, "/via-proxy");
      expect(proxied.status).toBe(200);
      expect(echo.received.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
      const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
      expect(JSON.stringify(row)).not.toContain(token);
      expect(row.secretHints).toMatchObject({ token: { set: true } });
      // The audit log names the type and what changed, never the token.
      const audit = await env.db.auditEvent.findMany({ where: { objectId: id } });
      expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["connection.created", "connection.updated", "connection.tested"]));
      expect(audit.find((e) => e.action === "connection.created")!.data).toMatchObject({ authType: "BEARER" });
      expect(JSON.stringify(audit.map((e) => e.data))).not.toContain(token);
    } finally {
      await echo.close();
    }
  });
});

describe("Digest against http-auth", () => {
  for (const algorithm of ["MD5", "MD5-sess"] as const) {
    it(`${algorithm}: a test request answers the challenge; later proxied requests reuse the nonce with a rising count`, async () => {
      const password = `pw-${randomBytes(6).toString("hex")}`;
      const upstream = await track(startDigestUpstream({ username: "zoë", password, algorithm }));
      const id = await create({ name: `digest ${algorithm}`, baseUrl: upstream.url, authType: "DIGEST", username: "zoë", password });
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run).toMatchObject({ ok: true, status: 200 });
      expect(upstream.challenges()).toBe(1);
      const stored = await storedRun(id);
      expect(stored).toContain("Digest username");
      expect(stored).not.toContain(password);

      for (let i = 0; i < 3; i++) expect((await call(id, `/p${i}`)).status).toBe(200);
      // No new challenge: each request answered the kept nonce with the next count.
      expect(upstream.challenges()).toBe(1);
      const counts = upstream.received.map((r) => /nc=([0-9a-f]{8})/.exec(String(r.headers.authorization))![1]);
      expect(counts).toEqual(["00000001", "00000002", "00000003", "00000004"]);
    });
  }

  it("a proxied body survives the challenge: small bodies are sent again, a large one waits for a challenge fetched first", async () => {
    const upstream = await track(startDigestUpstream({ username: "u", password: "p" }));
    const small = await create({ name: "digest small body", baseUrl: upstream.url, authType: "DIGEST", username: "u", password: "p" });
    const smallBody = randomBytes(10 * 1024);
    const first = await call(small, "/upload", { method: "POST", body: smallBody, headers: { "content-type": "application/octet-stream" } });
    expect(first.status).toBe(200);
    expect(upstream.received.at(-1)).toMatchObject({ method: "POST", bodyBytes: smallBody.length, bodySha256: sha256(smallBody) });

    const large = await create({ name: "digest large body", baseUrl: upstream.url, authType: "DIGEST", username: "u", password: "p" });
    const largeBody = randomBytes(3 * 1024 * 1024);
    const before = upstream.refused.length;
    const response = await call(large, "/upload", { method: "PUT", body: largeBody, headers: { "content-type": "application/octet-stream" } });
    expect(response.status).toBe(200);
    expect(upstream.received.at(-1)).toMatchObject({ method: "PUT", bodyBytes: largeBody.length, bodySha256: sha256(largeBody) });
    // The one request without credentials was the bodiless GET that fetched the challenge.
    expect(upstream.refused.slice(before).map((r) => r.method)).toEqual(["GET"]);
  });

  it("concurrent requests each get their own nonce count; those the server saw out of order are answered again", async () => {
    const upstream = await track(startDigestUpstream({ username: "u", password: "p" }));
    const id = await create({ name: "digest concurrent", baseUrl: upstream.url, authType: "DIGEST", username: "u", password: "p" });
    expect((await call(id, "/warm")).status).toBe(200);
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => call(id, `/c${i}`).then((r) => r.status)));
    expect(statuses).toEqual(Array(20).fill(200));
    const counts = upstream.received.map((r) => String(r.headers.authorization));
    expect(new Set(counts).size).toBe(counts.length);
  });

  it("a wrong password gets the API's 401 after one answer, not a loop", async () => {
    const upstream = await track(startDigestUpstream({ username: "u", password: "right" }));
    const id = await create({ name: "digest wrong", baseUrl: upstream.url, authType: "DIGEST", username: "u", password: "wrong" });
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run).toMatchObject({ ok: false, status: 401 });
    expect(upstream.challenges()).toBe(2);
    expect((await call(id, "/x")).status).toBe(401);
    expect(upstream.challenges()).toBe(3);
  });
});

describe("AWS Signature V4 verified by aws4", () => {
  it("signs test requests with the body's hash, and proxied bodies as UNSIGNED-PAYLOAD or hashed, as the connection chooses", async () => {
    const upstream = await track(startSigV4Upstream(AWS));
    const id = await create({ name: "sigv4", baseUrl: `${upstream.url}/prod`, authType: "AWS_SIGV4", ...AWS, useSessionToken: false, sessionToken: "", proxyPayload: "unsigned" });
    const run = await testing.runTestRequest(teamId(), owner.actor, id, { method: "POST", path: "/items/a%20b?z=1&a=2&a=1", headers: [{ name: "Content-Type", value: "application/json" }], body: '{"name":"ünïcode"}' });
    expect(run).toMatchObject({ ok: true, status: 200 });
    expect(upstream.received.at(-1)!.verdict).toBe("sigv4 ok (payload signed)");
    expect(await storedRun(id)).not.toContain(AWS.secretAccessKey);

    const body = randomBytes(2 * 1024 * 1024);
    const streamed = await call(id, "/upload?part=1", { method: "PUT", body, headers: { "content-type": "application/octet-stream", "x-amz-meta-note": "kept" } });
    expect(streamed.status).toBe(200);
    expect(upstream.received.at(-1)).toMatchObject({ verdict: "sigv4 ok (unsigned payload)", bodySha256: sha256(body) });

    const hashing = await create({ name: "sigv4 hashed", baseUrl: `${upstream.url}/prod`, authType: "AWS_SIGV4", ...AWS, useSessionToken: false, sessionToken: "", proxyPayload: "signed" });
    const hashed = await call(hashing, "/upload", { method: "POST", body, headers: { "content-type": "application/octet-stream" } });
    expect(hashed.status).toBe(200);
    expect(upstream.received.at(-1)).toMatchObject({ verdict: "sigv4 ok (payload signed)", bodySha256: sha256(body) });

    // Edited without retyping the secret key: the saved one keeps signing.
    await connections.updateConnection(teamId(), owner.actor, id, { name: "sigv4 edited", baseUrl: `${upstream.url}/prod`, authType: "AWS_SIGV4", ...AWS, secretAccessKey: "", useSessionToken: false, sessionToken: "", proxyPayload: "signed" }, null);
    expect(await testing.runTestRequest(teamId(), owner.actor, id, GET)).toMatchObject({ ok: true });
    expect(upstream.refused).toEqual([]);
  });

  it("sends the session token of temporary credentials, and a wrong secret key is refused by the verifier", async () => {
    const sessionToken = `FQoG${randomBytes(24).toString("base64")}`;
    const upstream = await track(startSigV4Upstream({ ...AWS, sessionToken }));
    const id = await create({ name: "sigv4 sts", baseUrl: upstream.url, authType: "AWS_SIGV4", ...AWS, useSessionToken: true, sessionToken, proxyPayload: "unsigned" });
    expect(await testing.runTestRequest(teamId(), owner.actor, id, GET)).toMatchObject({ ok: true });
    expect(await storedRun(id)).not.toContain(sessionToken);
    const wrong = await create({ name: "sigv4 wrong", baseUrl: upstream.url, authType: "AWS_SIGV4", ...AWS, secretAccessKey: "not-the-key", useSessionToken: true, sessionToken, proxyPayload: "unsigned" });
    expect(await testing.runTestRequest(teamId(), owner.actor, wrong, GET)).toMatchObject({ ok: false, status: 401 });
    expect(upstream.refused.at(-1)!.verdict).toBe("signature does not match");
  });
});

describe("OAuth 1.0a verified by node-oauth", () => {
  it("two-legged HMAC-SHA1: test request, proxied query and form body, each nonce once", async () => {
    const upstream = await track(startOAuth1Upstream({ consumerKey: "jira-consumer", consumerSecret: "c-secret&1" }));
    const id = await create({ name: "oauth1", baseUrl: upstream.url, authType: "OAUTH1", consumerKey: "jira-consumer", consumerSecret: "c-secret&1", signatureMethod: "HMAC-SHA1", privateKeyPem: "", token: "", tokenSecret: "", realm: "" });
    expect(await testing.runTestRequest(teamId(), owner.actor, id, GET)).toMatchObject({ ok: true, status: 200 });
    expect((await call(id, "/search?jql=project%20%3D%20KW&tag=b&tag=a")).status).toBe(200);
    const form = await call(id, "/issue", { method: "POST", body: "summary=Caf%C3%A9+bug&labels=a", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(200);
    expect(upstream.refused).toEqual([]);
    expect(upstream.received.map((r) => r.verdict)).toEqual(Array(3).fill("oauth1 ok (HMAC-SHA1)"));
  });

  it("three other methods with an access token: HMAC-SHA256, RSA-SHA1 and PLAINTEXT, whose secrets never reach the record", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const secrets = { consumerKey: "ck", consumerSecret: "plain/secret=1", token: "tok", tokenSecret: "tok+secret" };
    const upstream = await track(startOAuth1Upstream({ ...secrets, publicKeyPem: publicKey }));
    for (const signatureMethod of ["HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"] as const) {
      const id = await create({ name: `oauth1 ${signatureMethod}`, baseUrl: upstream.url, authType: "OAUTH1", ...secrets, signatureMethod, privateKeyPem: signatureMethod === "RSA-SHA1" ? privateKey : "", realm: "Example" });
      expect(await testing.runTestRequest(teamId(), owner.actor, id, GET), signatureMethod).toMatchObject({ ok: true });
      const stored = await storedRun(id);
      for (const secret of [secrets.consumerSecret, secrets.tokenSecret, encodeURIComponent(secrets.tokenSecret), encodeURIComponent(encodeURIComponent(secrets.consumerSecret))]) expect(stored).not.toContain(secret);
    }
    expect(upstream.received.map((r) => r.verdict)).toEqual(["oauth1 ok (HMAC-SHA256)", "oauth1 ok (RSA-SHA1)", "oauth1 ok (PLAINTEXT)"]);
  });
});

describe("key rotation", () => {
  it("re-encrypts the new types' secrets with the rest, and they still sign afterwards", async () => {
    const crypto = await import("@/lib/crypto");
    const { rotateAllSecrets } = await import("@/lib/connections/rotate");
    const upstream = await track(startSigV4Upstream(AWS));
    const id = await create({ name: "sigv4 rotate", baseUrl: upstream.url, authType: "AWS_SIGV4", ...AWS, useSessionToken: false, sessionToken: "", proxyPayload: "unsigned" });
    const ring = crypto.parseKeyring(`${KEY_2},${KEY_1}`);
    await rotateAllSecrets(ring);
    const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
    expect(crypto.keyIdOf(row.secrets!)).toBe("k2");
    expect(crypto.decryptJson<{ secretAccessKey: string }>(row.secrets!, id, crypto.parseKeyring(KEY_2)).secretAccessKey).toBe(AWS.secretAccessKey);
  });
});
