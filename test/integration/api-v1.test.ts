import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startApiServer } from "../support/api-server";
import { clientCredentialsInput, startOAuthServer, type OAuthServer } from "../support/oauth-server";
import type { ApiKeyScope } from "@/lib/api-keys/scopes";

// The management API through a real HTTP server (the handler server.ts
// mounts), a real Postgres, and the client generated from the API's own
// OpenAPI document, so the document, the client and the server cannot disagree.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_API_MAX_PER_MINUTE = "1000";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let api: Awaited<ReturnType<typeof startApiServer>>;
let apiKeys: typeof import("@/lib/api-keys");
let connections: typeof import("@/lib/connections");
let owner: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;
let upstream: { url: string; server: Server };
let as: OAuthServer;
const keys = {} as Record<ApiKeyScope | "all", string>;
const keyIds = {} as Record<ApiKeyScope | "all", string>;

const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const HEADER_SECRET = `hs-${randomBytes(12).toString("hex")}`;

beforeAll(async () => {
  env = await useFreshAppDatabase("api_v1");
  apiKeys = await import("@/lib/api-keys");
  connections = await import("@/lib/connections");
  owner = await makeUser("api-owner");
  stranger = await makeUser("api-stranger");
  api = await startApiServer();
  const { API_KEY_SCOPES } = await import("@/lib/api-keys/scopes");
  for (const scope of API_KEY_SCOPES) {
    const created = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: `only ${scope}`, expiresIn: "never", scopes: [scope] });
    keys[scope] = created.key;
    keyIds[scope] = created.id;
  }
  const all = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "everything", expiresIn: "never", scopes: [...API_KEY_SCOPES] });
  keys.all = all.key;
  keyIds.all = all.id;
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path: request.url, authorization: request.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  upstream = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  as = await startOAuthServer({ port: 0, redirectUris: ["http://127.0.0.1:3999/oauth/callback"], logErrors: false });
});

afterAll(async () => {
  const { closePool: closeProxyPool } = await import("@/lib/db/pool");
  await api?.close();
  upstream?.server.closeAllConnections();
  await new Promise((resolve) => upstream?.server.close(resolve));
  await as?.close();
  await closeProxyPool();
  await env?.close();
});

const basicConnection = (name: string) => ({ name, baseUrl: upstream.url, authType: "BASIC" as const, username: "svc", password: PASSWORD });

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 to an independent validator, served at /api/v1/openapi.json, and the committed client types are generated from it", async () => {
    const response = await fetch(`${api.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const document = JSON.parse(text) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe("3.1.0");
    await SwaggerParser.validate(structuredClone(document) as never);
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
    console.log(`OpenAPI document: ${text.length} bytes, ${Object.keys(document.paths).length} paths, ${operations.length} operations`);
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const { generateApiTypes, API_TYPES_PATH } = await import("../../scripts/api/openapi-types");
    expect(readFileSync(API_TYPES_PATH, "utf8"), "test/support/api-v1.ts is stale: run npx tsx scripts/api/openapi-types.ts").toBe(await generateApiTypes());
  });
});

describe("scopes", () => {
  it("a key with each scope can do exactly its scope", async () => {
    const id = (await connections.createConnection(owner.personalTeam.id, owner.actor, basicConnection("scoped"), null)).id;
    await env.db.connection.update({ where: { id }, data: { credentialsReadable: true } });
    const operations: Record<Exclude<ApiKeyScope, "proxy">, (key: string) => Promise<number>> = {
      "connections:read": async (key) => (await api.client(key).GET("/connections/{id}", { params: { path: { id } } })).response.status,
      "connections:write": async (key) => (await api.client(key).POST("/connections/{id}/duplicate", { params: { path: { id } } })).response.status,
      "credentials:read": async (key) => (await api.client(key).GET("/connections/{id}/credentials", { params: { path: { id } } })).response.status,
      "audit:read": async (key) => (await api.client(key).GET("/audit-events", { params: { query: {} } })).response.status,
      admin: async (key) => (await api.client(key).GET("/api-keys")).response.status,
    };
    const table: Record<string, Record<string, number>> = {};
    for (const scope of Object.keys(keys) as (ApiKeyScope | "all")[]) {
      table[scope] = {};
      for (const [operation, call] of Object.entries(operations)) table[scope][operation] = await call(keys[scope]);
    }
    for (const scope of Object.keys(keys)) {
      for (const operation of Object.keys(operations)) {
        const expected = scope === "all" || scope === operation ? (operation === "connections:write" ? 201 : 200) : 403;
        expect(table[scope]![operation], `${scope} key → ${operation}`).toBe(expected);
      }
    }
  });

  it("refuses with a problem document that names the missing scope, and 401 for a revoked key", async () => {
    const { response, error } = await api.client(keys.proxy).GET("/connections", { params: { query: {} } });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(error).toMatchObject({ status: 403, code: "insufficient_scope", type: "/docs/api#problem-insufficient_scope" });
    expect(response.headers.get("www-authenticate")).toContain('scope="connections:read"');
    const revocable = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "short-lived", expiresIn: "never", scopes: ["connections:read"] });
    expect((await api.client(revocable.key).GET("/connections", { params: { query: {} } })).response.status).toBe(200);
    await apiKeys.revokeApiKey(owner.personalTeam.id, owner.actor, revocable.id);
    const refused = await api.client(revocable.key).GET("/connections", { params: { query: {} } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ code: "api_key_revoked" });
    expect((await fetch(`${api.url}/api/v1/connections`)).status).toBe(401);
  });
});

describe("connections", () => {
  it("creates, reads, lists in pages with filters, updates with If-Match, duplicates and deletes, audited with the key, never answering a secret", async () => {
    const client = api.client(keys.all);
    const created = await client.POST("/connections", { body: basicConnection("alpha api") });
    expect(created.response.status).toBe(201);
    const id = created.data!.id;
    expect(created.data).toMatchObject({ name: "alpha api", authType: "BASIC", config: { username: "svc" }, secrets: { password: { set: true } }, credentialsReadable: false });
    const etag = created.response.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);

    const got = await client.GET("/connections/{id}", { params: { path: { id } } });
    expect(got.data?.id).toBe(id);
    expect(JSON.stringify(got.data)).not.toContain(PASSWORD);
    expect(JSON.stringify(created.data)).not.toContain(PASSWORD);

    await client.POST("/connections", { body: { name: "alpha header", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Key", value: HEADER_SECRET, secret: true }] } });
    await client.POST("/connections", { body: basicConnection("alpha three") });
    const first = await client.GET("/connections", { params: { query: { q: "ALPHA", limit: 2 } } });
    expect(first.data!.data.map((c) => c.name)).toEqual(["alpha api", "alpha header"]);
    expect(JSON.stringify(first.data)).not.toContain(HEADER_SECRET);
    const second = await client.GET("/connections", { params: { query: { q: "alpha", limit: 2, cursor: first.data!.nextCursor! } } });
    expect(second.data!.data.map((c) => c.name)).toEqual(["alpha three"]);
    expect(second.data!.nextCursor).toBeNull();
    const headerOnly = await client.GET("/connections", { params: { query: { q: "alpha", authType: "HEADER" } } });
    expect(headerOnly.data!.data.map((c) => c.name)).toEqual(["alpha header"]);

    // An update from a stale read is refused, and changes nothing.
    const renamed = await client.PUT("/connections/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { ...basicConnection("alpha renamed"), password: "" } });
    expect(renamed.response.status).toBe(200);
    expect(renamed.data?.secrets.password).toEqual({ set: true, lastFour: expect.any(String) as string });
    const stale = await client.PUT("/connections/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { ...basicConnection("lost update"), password: "" } });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ code: "precondition_failed" });
    expect((await client.GET("/connections/{id}", { params: { path: { id } } })).data?.name).toBe("alpha renamed");

    const copy = await client.POST("/connections/{id}/duplicate", { params: { path: { id } } });
    expect(copy.data?.name).toBe("alpha renamed (copy)");
    expect((await client.DELETE("/connections/{id}", { params: { path: { id: copy.data!.id } } })).response.status).toBe(204);
    expect((await client.GET("/connections/{id}", { params: { path: { id: copy.data!.id } } })).response.status).toBe(404);

    const events = await env.db.auditEvent.findMany({ where: { objectId: { in: [id, copy.data!.id] } }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["connection.created", "connection.updated", "connection.duplicated", "connection.deleted"]);
    for (const event of events) {
      expect(event.actorLabel).toMatch(/^API key “everything” \(kw_/);
      expect(event.data).toMatchObject({ apiKeyId: keyIds.all });
      expect(event.ip).toBe("127.0.0.1");
      expect(JSON.stringify({ ...event, id: String(event.id) })).not.toContain(PASSWORD);
    }
  });

  it("answers invalid input with 422 and each field's path, never a 500 or a half-saved record", async () => {
    const before = await env.db.connection.count();
    const { response, error } = await api.client(keys.all).POST("/connections", {
      body: { name: "", baseUrl: "ftp://example.com", authType: "HEADER", headers: [{ name: "Bad Name", value: "x", secret: false }] },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const paths = (error as { errors: { path: (string | number)[]; pointer: string }[] }).errors.map((e) => e.pointer);
    expect(paths).toEqual(expect.arrayContaining(["/name", "/baseUrl", "/headers/0/name"]));
    const notJson = await fetch(`${api.url}/api/v1/connections`, { method: "POST", headers: { authorization: `Bearer ${keys.all}`, "content-type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: "invalid_json" });
    const badQuery = await api.client(keys.all).GET("/connections", { params: { query: { limit: 1000 } } });
    expect(badQuery.response.status).toBe(422);
    expect(badQuery.error).toMatchObject({ errors: [{ pointer: "#query/limit" }] });
    expect(await env.db.connection.count()).toBe(before);
  });

  it("another team's connection is not found", async () => {
    const theirs = await connections.createConnection(stranger.personalTeam.id, stranger.actor, basicConnection("theirs"), null);
    const client = api.client(keys.all);
    expect((await client.GET("/connections/{id}", { params: { path: { id: theirs.id } } })).response.status).toBe(404);
    expect((await client.PUT("/connections/{id}", { params: { path: { id: theirs.id } }, body: basicConnection("mine now") })).response.status).toBe(404);
    expect((await client.DELETE("/connections/{id}", { params: { path: { id: theirs.id } } })).response.status).toBe(404);
    expect((await client.GET("/connections/{id}/credentials", { params: { path: { id: theirs.id } } })).response.status).toBe(404);
    expect(await env.db.connection.findUnique({ where: { id: theirs.id }, select: { name: true } })).toEqual({ name: "theirs" });
  });

  it("runs a test request and lists the test history", async () => {
    const client = api.client(keys.all);
    const id = (await client.POST("/connections", { body: basicConnection("testable") })).data!.id;
    const run = await client.POST("/connections/{id}/tests", { params: { path: { id } }, body: { method: "GET", path: "/ping", headers: [], body: "" } });
    expect(run.response.status).toBe(201);
    expect(run.data).toMatchObject({ ok: true, status: 200, method: "GET" });
    expect(JSON.stringify(run.data)).not.toContain(PASSWORD);
    const history = await client.GET("/connections/{id}/tests", { params: { path: { id } } });
    expect(history.data!.data.map((r) => r.id)).toEqual([run.data!.id]);
  });

  it("pages test history and webhook events by cursor, stable while new ones arrive", async () => {
    const client = api.client(keys.all);
    const id = (await client.POST("/connections", { body: basicConnection("paged history") })).data!.id;
    // Five runs, two of them at the same instant: the id orders those.
    const base = Date.now() - 60_000;
    const times = [0, 1000, 1000, 2000, 3000];
    for (const [index, offset] of times.entries()) {
      await env.db.testRun.create({ data: { id: `run${index}`, connectionId: id, createdAt: new Date(base + offset), method: "GET", url: `${upstream.url}/${index}`, ok: true, status: 200, durationMs: 1 } });
    }
    const first = await client.GET("/connections/{id}/tests", { params: { path: { id }, query: { limit: 2 } } });
    expect(first.data!.data.map((r) => r.id)).toEqual(["run4", "run3"]);
    // A run arriving between pages is on no page of this walk, and nothing is read twice or skipped.
    await env.db.testRun.create({ data: { connectionId: id, method: "GET", url: `${upstream.url}/new`, ok: true, status: 200, durationMs: 1 } });
    const second = await client.GET("/connections/{id}/tests", { params: { path: { id }, query: { limit: 2, cursor: first.data!.nextCursor! } } });
    expect(second.data!.data.map((r) => r.id)).toEqual(["run2", "run1"]);
    const third = await client.GET("/connections/{id}/tests", { params: { path: { id }, query: { limit: 2, cursor: second.data!.nextCursor! } } });
    expect(third.data!.data.map((r) => r.id)).toEqual(["run0"]);
    expect(third.data!.nextCursor).toBeNull();
    const forged = await client.GET("/connections/{id}/tests", { params: { path: { id }, query: { cursor: "not-a-cursor" } } });
    expect(forged.response.status).toBe(400);
    expect(forged.error).toMatchObject({ code: "invalid_cursor" });

    const hook = (await client.POST("/connections", { body: { name: "paged hook", authType: "WEBHOOK" } })).data!.id;
    const { storeEvent } = await import("@/lib/webhooks");
    const stored: string[] = [];
    for (let i = 0; i < 5; i++) stored.push((await storeEvent({ connectionId: hook, contentType: "text/plain", headers: {}, body: Buffer.from(`e${i}`), sourceIp: "127.0.0.1", signatureVerified: null })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.GET("/connections/{id}/webhook-events", { params: { path: { id: hook }, query: { limit: 2, ...(cursor ? { cursor } : {}) } } });
      expect(page.response.status).toBe(200);
      seen.push(...page.data!.data.map((e) => e.id));
      if (seen.length === 2) await storeEvent({ connectionId: hook, contentType: "text/plain", headers: {}, body: Buffer.from("late"), sourceIp: "127.0.0.1", signatureVerified: null });
      cursor = page.data!.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...stored].reverse());
  });
});

describe("OAuth clients", () => {
  it("answer their version as an ETag and refuse an update or delete from a stale read with 412", async () => {
    const client = api.client(keys.all);
    const body = { name: "Versioned", provider: "custom", issuer: "", authorizationUrl: `${as.issuer}/auth`, tokenUrl: `${as.issuer}/token`, revocationUrl: "", parUrl: "", clientId: "versioned", clientSecret: "versioned-secret", scopes: "read", scopeSeparator: " " as const, tokenAuthMethod: "client_secret_basic" as const, pkce: true, extraAuthParams: [], notes: "" };
    const created = await client.POST("/oauth-clients", { body });
    const id = created.data!.id;
    const etag = created.response.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    expect((await client.GET("/oauth-clients/{id}", { params: { path: { id } } })).response.headers.get("etag")).toBe(etag);

    const renamed = await client.PUT("/oauth-clients/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { ...body, name: "Versioned 2", clientSecret: "" } });
    expect(renamed.response.status).toBe(200);
    const newer = renamed.response.headers.get("etag")!;
    expect(newer).not.toBe(etag);
    const stale = await client.PUT("/oauth-clients/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { ...body, name: "lost update", clientSecret: "" } });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ code: "precondition_failed" });
    expect((await client.GET("/oauth-clients/{id}", { params: { path: { id } } })).data?.name).toBe("Versioned 2");
    expect((await client.DELETE("/oauth-clients/{id}", { params: { path: { id }, header: { "If-Match": etag } } })).response.status).toBe(412);
    expect((await client.DELETE("/oauth-clients/{id}", { params: { path: { id }, header: { "If-Match": newer } } })).response.status).toBe(204);
  });
});

describe("OAuth clients with private_key_jwt", () => {
  it("are created with a PEM key that never comes back: the answer and the list carry only whether it is set and its public JWK", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = rsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const keyBody = keyPem.split("\n")[1]!;
    const client = api.client(keys.all);
    const body = {
      name: "Signed",
      provider: "custom",
      issuer: "",
      authorizationUrl: `${as.issuer}/auth`,
      tokenUrl: `${as.issuer}/token`,
      revocationUrl: "",
      parUrl: "",
      clientId: "signed",
      clientSecret: "",
      scopes: "read",
      scopeSeparator: " " as const,
      tokenAuthMethod: "private_key_jwt" as const,
      clientPrivateKeyPem: keyPem,
      clientAssertionAlg: "RS256" as const,
      clientAssertionKid: "signed-1",
      pkce: true,
      extraAuthParams: [],
      notes: "",
    };
    const created = await client.POST("/oauth-clients", { body });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const expected = { tokenAuthMethod: "private_key_jwt", assertionAlg: "RS256", assertionKid: "signed-1", privateKeySet: true, secretSet: false, publicJwk: { kty: "RSA", kid: "signed-1", alg: "RS256", use: "sig", n: rsa.publicKey.export({ format: "jwk" }).n } };
    expect(created.data).toMatchObject(expected);
    expect(created.data!.keyThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id = created.data!.id;
    const read = await client.GET("/oauth-clients/{id}", { params: { path: { id } } });
    const listed = await client.GET("/oauth-clients");
    for (const answer of [created.data, read.data, listed.data]) expect(JSON.stringify(answer)).not.toContain(keyBody);
    expect(read.data).toMatchObject(expected);

    // An update with the key left empty keeps it; a key that does not fit the algorithm is refused on its field.
    const kept = await client.PUT("/oauth-clients/{id}", { params: { path: { id } }, body: { ...body, clientPrivateKeyPem: "", clientAssertionKid: "signed-2" } });
    expect(kept.data).toMatchObject({ privateKeySet: true, publicJwk: { kid: "signed-2" } });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const refused = await client.PUT("/oauth-clients/{id}", { params: { path: { id } }, body: { ...body, clientPrivateKeyPem: ec } });
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({ code: "invalid_input", errors: [{ path: ["clientPrivateKeyPem"], message: expect.stringMatching(/RS256 needs an RSA key/) }] });
    const audit = await env.db.auditEvent.findMany({ where: { objectId: id }, select: { data: true } });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(keyBody);
  });
});

describe("Idempotency-Key", () => {
  it("replays the first answer to a retry, creates once, and refuses the same key with another body", async () => {
    const client = api.client(keys.all);
    const key = `idem-${randomBytes(8).toString("hex")}`;
    const body = basicConnection("created once");
    const first = await client.POST("/connections", { body, params: { header: { "Idempotency-Key": key } } });
    const retry = await client.POST("/connections", { body, params: { header: { "Idempotency-Key": key } } });
    expect(first.response.status).toBe(201);
    expect(retry.response.status).toBe(201);
    expect(retry.response.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.data).toEqual(first.data);
    expect(await env.db.connection.count({ where: { name: "created once" } })).toBe(1);
    const other = await client.POST("/connections", { body: basicConnection("another"), params: { header: { "Idempotency-Key": key } } });
    expect(other.response.status).toBe(422);
    expect(other.error).toMatchObject({ code: "idempotency_key_reused" });
    // Kept encrypted: a replayed answer may hold a key shown once.
    const row = await env.db.apiIdempotencyKey.findFirst({ where: { key } });
    expect(row?.response).not.toContain("created once");
  });
});

describe("credentials", () => {
  it("are refused until an admin allows them, then read (OAuth2 with a fresh token) and audited with key, connection and address", async () => {
    const client = api.client(keys.all);
    const header = await client.POST("/connections", { body: { name: "readable", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Key", value: HEADER_SECRET, secret: true }] } });
    const id = header.data!.id;
    const refused = await api.client(keys["credentials:read"]).GET("/connections/{id}/credentials", { params: { path: { id } } });
    expect(refused.response.status).toBe(403);
    expect(JSON.stringify(refused.error)).not.toContain(HEADER_SECRET);
    expect((await api.client(keys["connections:write"]).PUT("/connections/{id}/credentials-access", { params: { path: { id } }, body: { allowed: true } })).response.status).toBe(403);
    expect((await api.client(keys.admin).PUT("/connections/{id}/credentials-access", { params: { path: { id } }, body: { allowed: true } })).data?.credentialsReadable).toBe(true);

    const read = await api.client(keys["credentials:read"]).GET("/connections/{id}/credentials", { params: { path: { id } } });
    expect(read.response.status).toBe(200);
    expect(read.response.headers.get("cache-control")).toBe("no-store");
    expect(read.data).toMatchObject({ kind: "static", authType: "HEADER", headers: [{ name: "X-Key", value: HEADER_SECRET }], query: [] });

    const oauth = await client.POST("/connections", { body: clientCredentialsInput(as, { name: "machine", baseUrl: as.resourceUrl }) });
    await api.client(keys.admin).PUT("/connections/{id}/credentials-access", { params: { path: { id: oauth.data!.id } }, body: { allowed: true } });
    const token = await api.client(keys["credentials:read"]).GET("/connections/{id}/credentials", { params: { path: { id: oauth.data!.id } } });
    expect(token.data).toMatchObject({ kind: "oauth2", tokenType: expect.stringMatching(/bearer/i) as string });
    const accessToken = (token.data as { accessToken: string }).accessToken;
    expect(as.issuedAccessTokens().map((t) => t.token)).toContain(accessToken);
    const resource = await fetch(`${as.resourceUrl}/things`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(resource.status).toBe(200);

    const reads = await env.db.auditEvent.findMany({ where: { action: "connection.credentials_read", objectId: { in: [id, oauth.data!.id] } }, orderBy: { id: "asc" } });
    expect(reads.map((e) => e.objectId)).toEqual([id, oauth.data!.id]);
    for (const event of reads) {
      expect(event).toMatchObject({ actorLabel: expect.stringContaining("only credentials:read") as string, ip: "127.0.0.1", data: expect.objectContaining({ apiKeyId: keyIds["credentials:read"] }) as object });
      const text = JSON.stringify({ ...event, id: String(event.id) });
      expect(text).not.toContain(HEADER_SECRET);
      expect(text).not.toContain(accessToken);
    }
    const access = await env.db.auditEvent.findMany({ where: { action: "connection.credentials_access_changed", objectId: id } });
    expect(access).toHaveLength(1);
  });
});

describe("rate limit", () => {
  it("reports the key's standing in RateLimit headers and answers 429 with Retry-After when it is used up, for that key only", async () => {
    const fresh = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "limited", expiresIn: "never", scopes: ["connections:read"] });
    const ok = await api.client(fresh.key).GET("/connections", { params: { query: {} } });
    expect(ok.response.headers.get("ratelimit-policy")).toBe('"per-key";q=1000;w=60');
    expect(ok.response.headers.get("ratelimit")).toMatch(/^"per-key";r=999;t=\d+$/);
    // Use up the rest of the window in the shared Postgres counter, as 999 more requests would.
    const { limiter } = await import("@/lib/auth/rate-limit");
    await limiter("api_key", 1000, 60).penalty(fresh.id, 999);
    const refused = await api.client(fresh.key).GET("/connections", { params: { query: {} } });
    expect(refused.response.status).toBe(429);
    expect(refused.error).toMatchObject({ code: "rate_limited" });
    expect(Number(refused.response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api.client(keys.all).GET("/connections", { params: { query: {} } })).response.status).toBe(200);
  });
});

describe("the rest of the team", () => {
  it("OAuth clients, webhook events, the audit log with the page's filters, API keys and agents", async () => {
    const client = api.client(keys.all);
    const registered = await client.POST("/oauth-clients", {
      body: { name: "Acme", provider: "custom", issuer: "", authorizationUrl: `${as.issuer}/auth`, tokenUrl: `${as.issuer}/token`, revocationUrl: "", parUrl: "", clientId: "acme-client", clientSecret: "acme-secret-value", scopes: "read", scopeSeparator: " ", tokenAuthMethod: "client_secret_basic", pkce: true, extraAuthParams: [], notes: "" },
    });
    expect(registered.response.status, JSON.stringify(registered.error)).toBe(201);
    expect(registered.data).toMatchObject({ name: "Acme", secretSet: true });
    expect(JSON.stringify(registered.data)).not.toContain("acme-secret-value");
    expect((await client.GET("/oauth-clients")).data!.data.map((c) => c.id)).toContain(registered.data!.id);
    expect((await client.DELETE("/oauth-clients/{id}", { params: { path: { id: registered.data!.id } } })).response.status).toBe(204);

    const hook = await client.POST("/connections", { body: { name: "hook", authType: "WEBHOOK" } });
    const { storeEvent } = await import("@/lib/webhooks");
    const stored = await storeEvent({ connectionId: hook.data!.id, contentType: "application/json", headers: { "content-type": "application/json" }, body: Buffer.from('{"a":1}'), sourceIp: "127.0.0.1", signatureVerified: null });
    const events = await client.GET("/connections/{id}/webhook-events", { params: { path: { id: hook.data!.id } } });
    expect(events.data!.data.map((e) => e.id)).toEqual([stored.id]);
    const event = await client.GET("/connections/{id}/webhook-events/{eventId}", { params: { path: { id: hook.data!.id, eventId: stored.id } } });
    expect(event.data?.body).toMatchObject({ kind: "json" });

    const audit = await api.client(keys["audit:read"]).GET("/audit-events", { params: { query: { action: "oauth_client.deleted" } } });
    // The OAuth clients test deleted one too.
    expect(audit.data!.data.map((e) => e.objectId)).toContain(registered.data!.id);
    expect(new Set(audit.data!.data.map((e) => e.action))).toEqual(new Set(["oauth_client.deleted"]));
    const badFilter = await api.client(keys["audit:read"]).GET("/audit-events", { params: { query: { action: "nope" as never } } });
    expect(badFilter.response.status).toBe(422);

    const newKey = await api.client(keys.admin).POST("/api-keys", { body: { name: "made by a key", expiresIn: "30", scopes: ["connections:read"] } });
    expect(newKey.data?.key).toMatch(/^kw_/);
    const listed = (await api.client(keys.admin).GET("/api-keys")).data!.data.find((k) => k.id === newKey.data!.id);
    expect(listed).toMatchObject({ scopes: ["connections:read"], state: "active" });
    expect(JSON.stringify(listed)).not.toContain(newKey.data!.key);
    expect((await api.client(keys.admin).DELETE("/api-keys/{id}", { params: { path: { id: newKey.data!.id } } })).response.status).toBe(204);
    expect((await api.client(newKey.data!.key).GET("/connections", { params: { query: {} } })).response.status).toBe(401);

    const agent = await api.client(keys.admin).POST("/agents", { body: { name: "dc-1" } });
    expect(agent.data?.token).toMatch(/^kwa_/);
    expect((await api.client(keys.admin).GET("/agents")).data!.data.map((a) => a.name)).toContain("dc-1");
    expect((await api.client(keys.admin).POST("/agents/{id}/revoke", { params: { path: { id: agent.data!.id } } })).response.status).toBe(204);
    const members = await api.client(keys.admin).GET("/members");
    expect(members.data!.data).toEqual([expect.objectContaining({ email: owner.email, role: "OWNER" })]);
  });
});
