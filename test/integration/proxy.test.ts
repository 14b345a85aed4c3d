import { createHash, randomBytes } from "node:crypto";
import { createServer, get as httpGet, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect as connectSocket, type AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { createCa, issue } from "../support/pki";
import { startHttpsEcho, type Upstream } from "../support/upstreams";
import { clientCredentialsInput, startOAuthServer, type OAuthServer } from "../support/oauth-server";
import type { ConnectionInput } from "@/lib/connections/schemas";

// The proxy below the HTTP server: requests go through the real route
// handler, with a real Postgres, real encryption, and upstreams on loopback
// that report exactly what reached them (bytes hashed, so nothing is lost to
// text decoding), a real OAuth server for the token calls, and an HTTPS
// upstream that requires a client certificate.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "1500";

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; bodySha256: string; bodyBytes: number };

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let apiKeys: typeof import("@/lib/api-keys");
let usage: typeof import("@/lib/api-keys/usage");
let tokens: typeof import("@/lib/oauth/tokens");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let proxy: typeof import("@/lib/proxy");
let owner: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;
let upstream: { url: string; seen: Seen[]; server: Server };
let mtls: Upstream;
let mtlsClient: { certPem: string; keyPem: string; caPem: string };
let as: OAuthServer;
let key: string;

const BIG_BYTES = 50 * 1024 * 1024;

function handleUpstream(seen: Seen[]) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const hash = createHash("sha256");
    let bodyBytes = 0;
    request.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bodyBytes += chunk.length;
    });
    request.on("end", () => {
      const entry: Seen = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, bodySha256: hash.digest("hex"), bodyBytes };
      seen.push(entry);
      const path = new URL(request.url ?? "/", "http://x").pathname;
      if (path.endsWith("/big")) {
        // 50 MB in 64 KB pieces, written only as fast as the reader takes them.
        const piece = Buffer.alloc(64 * 1024, 120);
        let sent = 0;
        response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(BIG_BYTES) });
        const pump = () => {
          while (sent < BIG_BYTES) {
            sent += piece.length;
            if (!response.write(piece)) return void response.once("drain", pump);
          }
          response.end();
        };
        pump();
      } else if (path.endsWith("/hang")) {
        // Never answers: the proxy's time-out must.
      } else if (path.endsWith("/teapot")) {
        response.writeHead(418, { "content-type": "text/plain", "x-upstream": "yes", "set-cookie": ["a=1", "b=2"] }).end("short and stout");
      } else {
        response.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" }).end(JSON.stringify(entry));
      }
    });
  };
}

beforeAll(async () => {
  env = await useFreshAppDatabase("proxy");
  connections = await import("@/lib/connections");
  apiKeys = await import("@/lib/api-keys");
  usage = await import("@/lib/api-keys/usage");
  tokens = await import("@/lib/oauth/tokens");
  proxy = await import("@/lib/proxy");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  owner = await makeUser("proxy-owner");
  stranger = await makeUser("proxy-stranger");
  const seen: Seen[] = [];
  const server = createServer(handleUpstream(seen));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  upstream = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
  const ca = await createCa();
  const serverCert = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
  const client = await issue(ca, { subject: "CN=keyway-proxy-client", usage: "client" });
  mtlsClient = { ...client, caPem: ca.certPem };
  mtls = await startHttpsEcho({ ...serverCert, clientCa: ca.certPem });
  as = await startOAuthServer({ port: 0, redirectUris: ["http://127.0.0.1:3999/oauth/callback"], logErrors: false });
  key = (await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "billing service", expiresIn: "never" })).key;
});
afterAll(async () => {
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  const { closePool } = await import("@/lib/db/pool");
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await clearProxyTargets();
  await closePool();
  upstream?.server.closeAllConnections();
  await new Promise((resolve) => upstream?.server.close(resolve));
  await Promise.all([mtls?.close(), as?.close()]);
  await env?.close();
});

async function createConnection(input: ConnectionInput, teamId = owner.personalTeam.id, certificate: Parameters<typeof connections.createConnection>[3] = null) {
  return (await connections.createConnection(teamId, owner.actor, input, certificate)).id;
}

/** Calls the route handler the way Next does for `METHOD /api/proxy/<id><path>`. */
async function call(connectionId: string, path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const useKey = init.key === undefined ? key : init.key;
  if (useKey !== null) headers.set("authorization", `Bearer ${useKey}`);
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}${path}`, { ...init, headers, ...(init.body ? { duplex: "half" } : {}) } as RequestInit);
  const handler = route[(init.method ?? "GET") as "GET"];
  return handler(request, { params: Promise.resolve({ connection: connectionId }) });
}

async function keywayError(response: Response) {
  expect(response.headers.get(proxy.KEYWAY_ERROR_HEADER), "marked as Keyway's own error").toBeTruthy();
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(response.headers.get(proxy.KEYWAY_ERROR_HEADER));
  expect(body.error.message.length).toBeGreaterThan(10);
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe("forwarding", () => {
  it("forwards method, encoded path, query, body bytes and headers exactly, without the caller's Authorization", async () => {
    const id = await createConnection({ name: "exact", baseUrl: `${upstream.url}/base/`, authType: "NONE" });
    const body = randomBytes(300 * 1024);
    const response = await call(id, "/v1/items/a%2Fb/caf%C3%A9/?x=1&x=2&empty=&sp=%20+", {
      method: "PATCH",
      body,
      headers: { "content-type": "application/octet-stream", "x-request-id": "r-123", accept: "application/json", connection: "keep-alive, x-drop-me", "x-drop-me": "hop" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get(proxy.KEYWAY_ERROR_HEADER)).toBeNull();
    const seen = upstream.seen.at(-1)!;
    expect(seen.method).toBe("PATCH");
    expect(seen.url).toBe("/base/v1/items/a%2Fb/caf%C3%A9/?x=1&x=2&empty=&sp=%20+");
    expect(seen.bodyBytes).toBe(body.length);
    expect(seen.bodySha256).toBe(createHash("sha256").update(body).digest("hex"));
    expect(seen.headers["x-request-id"]).toBe("r-123");
    expect(seen.headers["content-type"]).toBe("application/octet-stream");
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers["x-drop-me"]).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(key);
  });

  it("streams the upstream's status, headers and body back, repeated headers included", async () => {
    const id = await createConnection({ name: "teapot", baseUrl: upstream.url, authType: "NONE" });
    const response = await call(id, "/teapot");
    expect(response.status).toBe(418);
    expect(response.headers.get("x-upstream")).toBe("yes");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.headers.get(proxy.KEYWAY_ERROR_HEADER)).toBeNull();
    expect(await response.text()).toBe("short and stout");
  });

  it("streams a 50 MB response without holding it in memory", async () => {
    const id = await createConnection({ name: "big", baseUrl: upstream.url, authType: "NONE" });
    const response = await call(id, "/big");
    expect(response.status).toBe(200);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let received = 0;
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (received % (4 * 1024 * 1024) < value.length) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(received).toBe(BIG_BYTES);
    const grownMb = (peak - baseline) / 1024 / 1024;
    expect(grownMb, `memory grew by ${grownMb.toFixed(1)} MB`).toBeLessThan(100);
  });
});

describe("authentication of each type", () => {
  const cases: Array<[string, ConnectionInput, (seen: Seen) => void]> = [
    ["Basic", { name: "basic", baseUrl: "", authType: "BASIC", username: "zoë", password: "pässwörd" }, (s) => expect(s.headers.authorization).toBe(`Basic ${Buffer.from("zoë:pässwörd", "utf8").toString("base64")}`)],
    [
      "Header",
      { name: "header", baseUrl: "", authType: "HEADER", headers: [{ name: "X-Api-Key", value: "hdr-secret", secret: true }] },
      (s) => expect(s.headers["x-api-key"]).toBe("hdr-secret"),
    ],
    [
      "Query",
      { name: "query", baseUrl: "", authType: "QUERY", params: [{ name: "api_key", value: "q secret&", secret: true }] },
      (s) => expect(new URL(s.url, "http://x").searchParams.getAll("api_key")).toEqual(["q secret&"]),
    ],
    [
      "Custom",
      {
        name: "custom",
        baseUrl: "",
        authType: "CUSTOM",
        headers: [{ name: "X-Tenant", value: "acme", secret: false }],
        params: [{ name: "sig", value: "s1", secret: true }],
        username: "u",
        password: "p",
      },
      (s) => {
        expect(s.headers["x-tenant"]).toBe("acme");
        expect(s.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
        expect(new URL(s.url, "http://x").searchParams.get("sig")).toBe("s1");
      },
    ],
  ];
  for (const [label, input, check] of cases) {
    it(`${label}: the connection's credentials win over the caller's`, async () => {
      const id = await createConnection({ ...input, baseUrl: upstream.url } as ConnectionInput);
      // The caller tries to supply its own value for the credential's header and parameter.
      const response = await call(id, "/thing?api_key=mine&sig=mine&keep=1", { headers: { "x-api-key": "caller", "x-tenant": "caller" } });
      expect(response.status).toBe(200);
      const seen = upstream.seen.at(-1)!;
      check(seen);
      expect(new URL(seen.url, "http://x").searchParams.get("keep")).toBe("1");
    });
  }

  it("presents the connection's client certificate to an upstream that requires one", async () => {
    const id = await createConnection({ name: "mtls", baseUrl: mtls.url, authType: "NONE" }, owner.personalTeam.id, {
      chainPem: mtlsClient.certPem,
      caPem: mtlsClient.caPem,
      privateKeyPem: mtlsClient.keyPem,
      subject: "CN=keyway-proxy-client",
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const response = await call(id, "/secure");
    expect(response.status).toBe(200);
    expect(mtls.received.at(-1)?.clientCertSubject).toBe("keyway-proxy-client");
  });

  it("OAuth2 client credentials: sends a bearer token the API accepts, and retries once with a new token after a 401", async () => {
    const id = await createConnection(clientCredentialsInput(as, { name: "machine", baseUrl: as.resourceUrl }));
    as.resetCounts();
    expect((await call(id, "/things?a=1")).status).toBe(200);
    expect((await call(id, "/things?a=2")).status).toBe(200);
    expect(as.counts().token.client_credentials).toBe(1);
    // The API stops accepting the saved token before it expires.
    const stale = `stale-${randomBytes(8).toString("hex")}`;
    await env.db.tokenSet.update({ where: { connectionId: id }, data: { tokens: tokens.sealTokens(id, { accessToken: stale }) } });
    // The write's notification would evict the cached token within moments; evicting here keeps the test from racing it.
    (await import("@/lib/proxy/targets")).evictConnection(id);
    as.resetCounts();
    const retried = await call(id, "/things");
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { path: string }).path).toBe("/resource/things");
    expect(as.counts().resource).toEqual({ accepted: 1, refused: 1 });
    expect(as.counts().token.client_credentials).toBe(1);
  });
});

describe("refusals", () => {
  it("answers Keyway's own errors as JSON marked with the header", async () => {
    const id = await createConnection({ name: "plain", baseUrl: upstream.url, authType: "NONE" });
    expect(await keywayError(await call(id, "/x", { key: null }))).toMatchObject({ status: 401, code: "missing_api_key" });
    expect(await keywayError(await call(id, "/x", { key: "not-a-key" }))).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(await keywayError(await call(id, "/x", { key: `kw_${randomBytes(32).toString("base64url")}` }))).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(await keywayError(await call("cdoesnotexist", "/x"))).toMatchObject({ status: 404, code: "connection_not_found" });

    const expiring = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "old", expiresIn: "30" });
    await env.db.apiKey.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await keywayError(await call(id, "/x", { key: expiring.key }))).toMatchObject({ status: 401, code: "api_key_expired" });

    const blocked = await createConnection({ name: "private", baseUrl: "http://10.1.2.3/api", authType: "NONE" });
    const refusal = await keywayError(await call(blocked, "/x"));
    expect(refusal).toMatchObject({ status: 403, code: "destination_blocked" });
    expect(refusal.message).toMatch(/outbound safety/i);

    const started = Date.now();
    expect(await keywayError(await call(id, "/hang"))).toMatchObject({ status: 504, code: "upstream_timeout" });
    expect(Date.now() - started).toBeLessThan(5_000);

    const closedPort = createServer();
    await new Promise<void>((resolve) => closedPort.listen(0, "127.0.0.1", resolve));
    const port = (closedPort.address() as AddressInfo).port;
    await new Promise((resolve) => closedPort.close(resolve));
    const nowhere = await createConnection({ name: "nowhere", baseUrl: `http://127.0.0.1:${port}`, authType: "NONE" });
    expect(await keywayError(await call(nowhere, "/x"))).toMatchObject({ status: 502, code: "upstream_unreachable" });

    const notConnected = await createConnection({
      name: "code, never connected",
      baseUrl: as.resourceUrl,
      authType: "OAUTH2_CODE",
      oauthClientRef: "",
      authorizationUrl: `${as.issuer}/auth`,
      tokenUrl: `${as.issuer}/token`,
      clientId: as.clients.basic.clientId,
      clientSecret: as.clients.basic.clientSecret!,
      tokenAuthMethod: "client_secret_basic",
      revocationUrl: "",
      scopes: "read",
      pkce: true,
      extraParams: [],
    });
    expect(await keywayError(await call(notConnected, "/x"))).toMatchObject({ status: 409, code: "needs_reauthorization" });

    // Next's URL parsing resolves "..", "%2e%2e" included, before the route sees the path; the proxy checks again anyway.
    const based = await createConnection({ name: "based", baseUrl: `${upstream.url}/base`, authType: "NONE" });
    const escaped = await proxy.handleProxyRequest({ request: new Request(`http://keyway.test/x`, { headers: { authorization: `Bearer ${key}` } }), connectionId: based, path: "/../etc", ip: "127.0.0.1" });
    expect(await keywayError(escaped)).toMatchObject({ status: 400, code: "invalid_path" });
  });

  it("refuses a key without the proxy scope, before anything reaches the API", async () => {
    const id = await createConnection({ name: "scoped", baseUrl: upstream.url, authType: "NONE" });
    const readOnly = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "reader", expiresIn: "never", scopes: ["connections:read"] });
    const before = upstream.seen.length;
    expect(await keywayError(await call(id, "/x", { key: readOnly.key }))).toMatchObject({ status: 403, code: "insufficient_scope" });
    expect(upstream.seen.length).toBe(before);
    const both = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "both", expiresIn: "never", scopes: ["connections:read", "proxy"] });
    expect((await call(id, "/x", { key: both.key })).status).toBe(200);
  });

  it("refuses another team's connection as not found", async () => {
    const theirs = await createConnection({ name: "theirs", baseUrl: upstream.url, authType: "NONE" }, stranger.personalTeam.id);
    const before = upstream.seen.length;
    expect(await keywayError(await call(theirs, "/x"))).toMatchObject({ status: 404, code: "connection_not_found" });
    expect(upstream.seen.length).toBe(before);
  });

  it("refuses a revoked key on the very next request, although the connection is cached", async () => {
    const revocable = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "to revoke", expiresIn: "never" });
    const id = await createConnection({ name: "cached", baseUrl: upstream.url, authType: "NONE" });
    expect((await call(id, "/x", { key: revocable.key })).status).toBe(200);
    await apiKeys.revokeApiKey(owner.personalTeam.id, owner.actor, revocable.id);
    expect(await keywayError(await call(id, "/x", { key: revocable.key }))).toMatchObject({ status: 401, code: "api_key_revoked" });
    const actions = await env.db.auditEvent.findMany({ where: { objectId: revocable.id }, select: { action: true } });
    expect(actions.map((a) => a.action).sort()).toEqual(["api_key.created", "api_key.revoked"]);
  });
});

/** Waits (up to 3 s) until `check` holds: a change reaches the proxy through a database notification, moments after its commit. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the proxy did not see the change within 3 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the hot path", () => {
  it("costs no query per request while it hears change notifications, and sees an edit moments after it commits", async () => {
    const id = await createConnection({ name: "hot", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "v1", secret: true }] });
    const { listeningSettled } = await import("@/lib/db/notifications");
    const live = await listeningSettled();
    expect((await call(id, "/warm")).status).toBe(200);
    let queries = 0;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      // Reads only: the batched key-use write (every 10 s) and the listener's own proof that notifications
      // arrive (a pg_notify every 15 s) run on timers, and one of them falling inside these requests failed a CI run.
      const sql = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? "");
      if (/^\s*SELECT\b/i.test(sql) && !sql.includes("pg_notify")) queries += 1;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      for (let i = 0; i < 20; i++) expect((await call(id, `/n/${i}`)).status).toBe(200);
    } finally {
      pg.Client.prototype.query = original;
    }
    // Every server these tests run on (the embedded one too) is a real PostgreSQL, which delivers notifications.
    expect(live).toBe(true);
    expect(queries).toBe(0);
    expect(upstream.seen.at(-1)!.headers["x-api-key"]).toBe("v1");

    const view = await connections.findConnection(owner.personalTeam.id, id);
    const saved = view.config.headers![0]!;
    await connections.updateConnection(
      owner.personalTeam.id,
      owner.actor,
      id,
      { name: "hot", baseUrl: upstream.url, authType: "HEADER", headers: [{ id: saved.id, name: "X-Api-Key", value: "v2", secret: true }] },
      null,
    );
    await eventually(async () => (await call(id, "/after-edit")).status === 200 && upstream.seen.at(-1)!.headers["x-api-key"] === "v2");
  });

  it("refuses a key that another instance revoked (a write on another database connection) within moments", async () => {
    const created = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "elsewhere", expiresIn: "never" });
    const id = await createConnection({ name: "elsewhere", baseUrl: upstream.url, authType: "NONE" });
    expect((await call(id, "/x", { key: created.key })).status).toBe(200);
    const other = new pg.Client({ connectionString: env.url });
    await other.connect();
    await other.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [created.id]);
    await other.end();
    await eventually(async () => (await call(id, "/x", { key: created.key })).status === 401);
  });

  it("writes the key's last use and one audit event per key and connection in a batch, not per request", async () => {
    const created = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "batched", expiresIn: "never" });
    const id = await createConnection({ name: "audited", baseUrl: upstream.url, authType: "NONE" });
    await usage.flushKeyUsage();
    for (let i = 0; i < 5; i++) expect((await call(id, "/x", { key: created.key })).status).toBe(200);
    expect((await env.db.apiKey.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt).toBeNull();
    const listed = (await apiKeys.listApiKeys(owner.personalTeam.id)).find((k) => k.id === created.id)!;
    expect(listed.lastUsedAt, "the instance that saw the use shows it before the flush").not.toBeNull();
    await usage.flushKeyUsage();
    const row = await env.db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(Math.abs(row.lastUsedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    const events = await env.db.auditEvent.findMany({ where: { objectId: id, action: "connection.used_via_proxy" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ apiKeyId: created.id, requests: 5 });
    expect(events[0]!.actorLabel).toContain(created.prefix);
    expect(JSON.stringify({ ...events[0], id: String(events[0]!.id) })).not.toContain(created.key);
    // Within the hour, more use of the same pair does not write another event.
    expect((await call(id, "/x", { key: created.key })).status).toBe(200);
    await usage.flushKeyUsage();
    expect(await env.db.auditEvent.count({ where: { objectId: id, action: "connection.used_via_proxy" } })).toBe(1);
  });
  // Last in this file's use of the listener: it stays stopped.
  it("without notifications (a transaction pooler does not pass LISTEN on) costs one query per request and still sees a change at once", async () => {
    const id = await createConnection({ name: "unheard", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "w1", secret: true }] });
    const { stopListening } = await import("@/lib/db/notifications");
    await stopListening();
    expect((await call(id, "/warm")).status).toBe(200);
    let queries = 0;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      // Reads only: the batched key-use write (every 10 s) and the listener's own proof that notifications
      // arrive (a pg_notify every 15 s) run on timers, and one of them falling inside these requests failed a CI run.
      const sql = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? "");
      if (/^\s*SELECT\b/i.test(sql) && !sql.includes("pg_notify")) queries += 1;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      for (let i = 0; i < 5; i++) expect((await call(id, `/n/${i}`)).status).toBe(200);
    } finally {
      pg.Client.prototype.query = original;
    }
    expect(queries).toBe(5);
    const other = new pg.Client({ connectionString: env.url });
    await other.connect();
    await other.query(`UPDATE "Connection" SET "baseUrl" = $2 WHERE id = $1`, [id, `${upstream.url}/moved-base`]);
    await other.end();
    expect((await call(id, "/next")).status).toBe(200);
    expect(upstream.seen.at(-1)!.url).toBe("/moved-base/next");
  });
});

describe("through Keyway's own HTTP server (server.ts)", () => {
  it("sends Keyway's security headers and the request id with every answer, once, an API's own header of the same name winning", async () => {
    const { serveProxyRequest } = await import("@/lib/proxy/node");
    const server = createServer((request, response) => void serveProxyRequest(request, response, "req-0123456789"));
    const api = createServer((_request, response) => response.writeHead(200, { "x-frame-options": "SAMEORIGIN", "content-type": "text/plain" }).end("framed"));
    await Promise.all([server, api].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
    const keyway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const id = await createConnection({ name: "framed", baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "framed-secret", secret: true }] });
      const answered = await fetch(`${keyway}/api/proxy/${id}/page`, { headers: { authorization: `Bearer ${key}` } });
      expect(await answered.text()).toBe("framed");
      expect(answered.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(answered.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answered.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
      expect(answered.headers.get("x-request-id")).toBe("req-0123456789");

      const refused = await fetch(`${keyway}/api/proxy/${id}/page`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("x-frame-options")).toBe("DENY");
      expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
      expect(refused.headers.get("x-request-id")).toBe("req-0123456789");
    } finally {
      for (const s of [server, api]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    }
  });

  it("logs each answer with its own request's id, also when the API's socket was opened for another request", async () => {
    // The answer's head and body go from undici's socket events straight to the caller, and those events
    // belong to the request that opened the socket: the log line must still name the request it is about.
    const { serveProxyRequest } = await import("@/lib/proxy/node");
    const { requestIdFrom, runWithRequestContext } = await import("@/lib/request-context");
    const pino = (await import("pino")).default;
    const { log } = await import("@/lib/log");
    const server = createServer((request, response) => {
      const context = { requestId: requestIdFrom(request.headers["x-request-id"]), databaseUnavailable: false };
      runWithRequestContext(context, () => void serveProxyRequest(request, response, context.requestId));
    });
    const sockets = new Set<unknown>();
    const api = createServer((request, response) => {
      sockets.add(request.socket);
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
    await Promise.all([server, api].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
    const keyway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const stream = (log as unknown as Record<symbol, { write(line: string): boolean }>)[pino.symbols.streamSym]!;
    const lines: Record<string, unknown>[] = [];
    const write = stream.write;
    stream.write = (line: string) => (lines.push(JSON.parse(line) as Record<string, unknown>), true);
    try {
      const id = await createConnection({ name: "logged", baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "logged-secret", secret: true }] });
      const requestIds = ["first-request-0001", "second-request-0002", "third-request-0003"];
      for (const requestId of requestIds) {
        const answered = await fetch(`${keyway}/api/proxy/${id}/page`, { headers: { authorization: `Bearer ${key}`, "x-request-id": requestId } });
        expect(await answered.text()).toBe("ok");
      }
      expect(sockets.size).toBe(1); // the later requests went over the first one's socket
      const logged = lines.filter((line) => line.msg === "proxied request" && line.connectionId === id);
      expect(logged.map((line) => [line.reqId, line.status])).toEqual(requestIds.map((requestId) => [requestId, 200]));
    } finally {
      stream.write = write;
      for (const s of [server, api]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    }
  });

  it("OAuth2: a 401 is looked at before it goes on, the request is sent again with a new token, and a 401 that cannot be sent again reaches the caller whole", async () => {
    const { serveProxyRequest } = await import("@/lib/proxy/node");
    const server = createServer((request, response) => void serveProxyRequest(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const keyway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const id = await createConnection(clientCredentialsInput(as, { name: "machine, served", baseUrl: as.resourceUrl }));
      const proxied = (path: string, init: RequestInit = {}) => fetch(`${keyway}/api/proxy/${id}${path}`, { ...init, headers: { authorization: `Bearer ${key}` } });
      const staleToken = async () => {
        await env.db.tokenSet.update({ where: { connectionId: id }, data: { tokens: tokens.sealTokens(id, { accessToken: `stale-${randomBytes(8).toString("hex")}` }) } });
        (await import("@/lib/proxy/targets")).evictConnection(id);
        as.resetCounts();
      };
      expect((await proxied("/things")).status).toBe(200);

      await staleToken();
      const retried = await proxied("/things", { method: "POST", body: "small enough to send twice" });
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ path: "/resource/things", body: "small enough to send twice" });
      expect(as.counts().resource).toEqual({ accepted: 1, refused: 1 });

      // A body that streams (no Content-Length) cannot be sent twice: the API's answer goes on as it is.
      await staleToken();
      const streamed = await proxied("/things", {
        method: "POST",
        body: new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode("streamed")), controller.close()) }),
        duplex: "half",
      } as RequestInit);
      expect(streamed.status).toBe(401);
      expect(streamed.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(await streamed.json()).toEqual({ error: "invalid_token" });
      expect(as.counts().resource).toEqual({ accepted: 0, refused: 1 });
      // Its next request carries the new token.
      expect((await proxied("/things")).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("OAuth2: a 401 whose body is still coming is let go of, and the request is sent again with a new token", async () => {
    const { serveProxyRequest } = await import("@/lib/proxy/node");
    const server = createServer((request, response) => void serveProxyRequest(request, response));
    let calls = 0;
    let refusalClosed = false;
    // The first answer is a 401 whose body never ends; the second, a 200.
    const api = createServer((request, response) => {
      calls += 1;
      if (calls === 1) {
        response.once("close", () => (refusalClosed = true));
        response.writeHead(401, { "content-type": "text/plain" }).write("token expired; more of this body follows");
        return;
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("second time lucky");
    });
    await Promise.all([server, api].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
    const keyway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const id = await createConnection(clientCredentialsInput(as, { name: "slow refusal", baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}` }));
      const answered = await fetch(`${keyway}/api/proxy/${id}/things`, { headers: { authorization: `Bearer ${key}` } });
      expect(answered.status).toBe(200);
      expect(await answered.text()).toBe("second time lucky");
      expect(calls).toBe(2);
      await expect.poll(() => refusalClosed).toBe(true);
    } finally {
      for (const s of [server, api]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    }
  });

  it("forwards the raw path and query, streams 50 MB back, and answers Keyway's errors the same way", async () => {
    const { serveProxyRequest } = await import("@/lib/proxy/node");
    const server = createServer((request, response) => void serveProxyRequest(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const keyway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const id = await createConnection({ name: "served", baseUrl: `${upstream.url}/base`, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "served-secret", secret: true }] });
      const body = randomBytes(64 * 1024);
      const response = await fetch(`${keyway}/api/proxy/${id}/a%2Fb/c?x=1&x=2`, { method: "PUT", body, headers: { authorization: `Bearer ${key}`, "x-trace": "t1" } });
      expect(response.status).toBe(200);
      const seen = upstream.seen.at(-1)!;
      expect(seen.url).toBe("/base/a%2Fb/c?x=1&x=2");
      expect(seen.method).toBe("PUT");
      expect(seen.bodySha256).toBe(createHash("sha256").update(body).digest("hex"));
      expect(seen.headers["x-api-key"]).toBe("served-secret");
      expect(seen.headers["x-trace"]).toBe("t1");
      expect(seen.headers.authorization).toBeUndefined();

      const big = await fetch(`${keyway}/api/proxy/${id}/big`, { headers: { authorization: `Bearer ${key}` } });
      expect(big.headers.get("content-length")).toBe(String(BIG_BYTES));
      let received = 0;
      const reader = big.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
      expect(received).toBe(BIG_BYTES);

      const refused = await fetch(`${keyway}/api/proxy/${id}/x`, { headers: { authorization: "Bearer kw_nope" } });
      expect(await keywayError(refused)).toMatchObject({ status: 401, code: "invalid_api_key" });
      // fetch would resolve the dot segments itself; a raw request line keeps them.
      const escaped = await new Promise<{ status: number; code: string | undefined }>((resolve, reject) => {
        const { port } = server.address() as AddressInfo;
        httpGet({ host: "127.0.0.1", port, path: `/api/proxy/${id}/%2e%2e/secret`, headers: { authorization: `Bearer ${key}` } }, (answer) => {
          answer.resume();
          resolve({ status: answer.statusCode ?? 0, code: answer.headers[proxy.KEYWAY_ERROR_HEADER.toLowerCase()] as string | undefined });
        }).on("error", reject);
      });
      expect(escaped).toEqual({ status: 400, code: "invalid_path" });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// Issue 14, items 6 and 7: paths an API behind could read as climbing out of
// the base path, and methods that must not be forwarded, are refused before
// anything is sent, through both of the proxy's faces.
const PATH_TRICKS = ["/..%2fsecret", "/%2e%2e%2fsecret", "/..%5Csecret", "/..\\secret", "/..;/secret", "/%2e%2e;x/secret", "/a/%00/secret", "/.%2e/secret"];

/** One raw request line to a server, as a client that does not normalise anything would send it. */
function rawRequest(port: number, method: string, path: string): Promise<{ status: number; code: string | undefined; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket(port, "127.0.0.1", () => socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("end", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(text)?.[1]?.trim();
      resolve({ status, code: header("x-keyway-error"), allow: header("allow") });
    });
    socket.on("error", reject);
  });
}

describe("path tricks and unforwardable methods", () => {
  it("the route handler answers 400 invalid_path and 405, and the API hears nothing", async () => {
    const id = await createConnection({ name: "tricked", baseUrl: `${upstream.url}/base`, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "trick-secret", secret: true }] });
    const before = upstream.seen.length;
    for (const trick of PATH_TRICKS) {
      const escaped = await proxy.handleProxyRequest({ request: new Request(`http://keyway.test/x`, { headers: { authorization: `Bearer ${key}` } }), connectionId: id, path: trick, ip: "127.0.0.1" });
      expect(await keywayError(escaped), trick).toMatchObject({ status: 400, code: "invalid_path" });
    }
    for (const method of ["TRACE", "TRACK", "CONNECT"]) {
      const refused = await proxy.proxyRequest({ method, connectionId: id, path: "/x", search: "", headers: [["authorization", `Bearer ${key}`]], body: null, ip: "127.0.0.1" }).catch((error: unknown) => error);
      expect(refused, method).toMatchObject({ status: 405, code: "method_not_allowed" });
    }
    expect(upstream.seen.length).toBe(before);
    expect((await call(id, "/a%2Fb/file.v2.json")).status).toBe(200);
  });

  it("Keyway's own server answers them the same way, CONNECT included", async () => {
    const { serveProxyRequest, refuseConnect } = await import("@/lib/proxy/node");
    const server = createServer((request, response) => void serveProxyRequest(request, response));
    server.on("connect", (_request, socket) => refuseConnect(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const id = await createConnection({ name: "tricked raw", baseUrl: `${upstream.url}/base`, authType: "NONE" });
      const before = upstream.seen.length;
      for (const trick of PATH_TRICKS) expect(await rawRequest(port, "GET", `/api/proxy/${id}${trick}`), trick).toMatchObject({ status: 400, code: "invalid_path" });
      // (TRACK never gets this far: Node's HTTP parser does not know it and answers 400 itself.)
      for (const method of ["TRACE"]) expect(await rawRequest(port, method, `/api/proxy/${id}/x`), method).toEqual({ status: 405, code: "method_not_allowed", allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" });
      expect(await rawRequest(port, "CONNECT", `127.0.0.1:${new URL(upstream.url).port}`)).toMatchObject({ status: 405, code: "method_not_allowed" });
      expect(upstream.seen.length).toBe(before);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
