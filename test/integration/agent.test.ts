import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { clientCredentialsInput, startOAuthServer, type OAuthServer } from "../support/oauth-server";
import { createCa, issue } from "../support/pki";
import { startHttpsEcho, type Upstream } from "../support/upstreams";
import { startDigestUpstream, startSigV4Upstream } from "../support/signed-upstreams";

// The on-premise agent end to end below the browser: agent/keyway-agent.mjs
// runs as its own process, as a customer would run it, and connects to a
// server that hands WebSocket upgrades to lib/agents/hub.ts exactly as
// server.ts does. The upstream listens on loopback, which Keyway's outbound
// safety refuses here (KEYWAY_OUTBOUND_ALLOW is empty): only the agent, whose
// allow list names 127.0.0.1, can reach it.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "";
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "4000";

const AGENT_SCRIPT = path.join(process.cwd(), "agent", "keyway-agent.mjs");
const BIG_BYTES = 64 * 1024 * 1024;
let bigSent = 0;

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let hub: typeof import("@/lib/agents/hub");
let agentsAdmin: typeof import("@/lib/agents");
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let proxy: typeof import("@/lib/proxy");
let apiKeys: typeof import("@/lib/api-keys");
let owner: Awaited<ReturnType<typeof makeUser>>;
let keyway: { server: Server; url: string };
let upstream: { server: Server; url: string; seen: Seen[] };
let as: OAuthServer;
let agent: { id: string; token: string; name: string };
let running: ChildProcess | undefined;
const agentLog: string[] = [];

function startUpstream(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(entry);
      if (request.url?.startsWith("/hang")) return; // answers never: the agent dies meanwhile
      if (request.url?.startsWith("/hash")) {
        const body = Buffer.concat(chunks);
        return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ bytes: body.length, sha256: createHash("sha256").update(body).digest("hex") }));
      }
      if (request.url?.startsWith("/big")) {
        // 64 MB in 64 KB pieces, written only as fast as the reader takes them; bigSent says how far it got.
        const piece = Buffer.alloc(64 * 1024, 120);
        bigSent = 0;
        response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(BIG_BYTES) });
        const pump = () => {
          while (bigSent < BIG_BYTES) {
            bigSent += piece.length;
            if (!response.write(piece)) return void response.once("drain", pump);
          }
          response.end();
        };
        return pump();
      }
      if (request.url?.startsWith("/away")) return void response.writeHead(302, { location: new URL(request.url, "http://x").searchParams.get("to")! }).end();
      if (request.url?.startsWith("/moved")) return void response.writeHead(302, { location: "/v1/items?after=redirect" }).end();
      response.writeHead(200, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] }).end(JSON.stringify({ ok: true, echo: entry }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

/** What server.ts does for agents, without Next in front. */
function startKeyway(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url === hub.AGENT_CONNECT_PATH) void hub.handleAgentProbe(request, response);
    else response.writeHead(404).end();
  });
  server.on("upgrade", (request, socket, head) => void hub.handleAgentUpgrade(request, socket, head).catch(() => socket.destroy()));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

function startAgent(allow = "127.0.0.1/32", extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [AGENT_SCRIPT, "--url", keyway.url, "--allow", allow], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", KEYWAY_AGENT_TOKEN: agent.token, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => agentLog.push(...chunk.toString("utf8").trim().split("\n")));
  child.stderr.on("data", (chunk: Buffer) => agentLog.push(...chunk.toString("utf8").trim().split("\n")));
  running = child;
  return child;
}

async function stopAgent(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const child = running;
  running = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Agent log:\n${agentLog.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function online(): Promise<void> {
  await until("the agent to connect", () => hub.localSession(agent.id) !== undefined);
}

async function createPrivateConnection(name: string, baseUrl: string, agentId: string | null = agent.id): Promise<string> {
  const { id } = await connections.createConnection(owner.personalTeam.id, owner.actor, { name, baseUrl, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "inside-secret", secret: true }] }, null);
  await env.db.connection.update({ where: { id }, data: { agentId } });
  return id;
}

function testRequest(connectionId: string, requestPath = "/v1/items") {
  return testing.runTestRequest(owner.personalTeam.id, owner.actor, connectionId, { method: "GET", path: requestPath, headers: [], body: "" });
}

beforeAll(async () => {
  env = await useFreshAppDatabase("agent");
  hub = await import("@/lib/agents/hub");
  agentsAdmin = await import("@/lib/agents");
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  proxy = await import("@/lib/proxy");
  apiKeys = await import("@/lib/api-keys");
  owner = await makeUser("agent-owner");
  [keyway, upstream, as] = await Promise.all([startKeyway(), startUpstream(), startOAuthServer({ port: 0, redirectUris: ["http://127.0.0.1:3999/oauth/callback"], logErrors: false })]);
  const registered = await agentsAdmin.createAgent(owner.personalTeam.id, owner.actor, { name: "office" });
  agent = { id: registered.id, token: registered.token, name: registered.name };
});

afterEach(async () => {
  await stopAgent();
  await until("the session to end", () => hub.localSession(agent.id) === undefined);
});

afterAll(async () => {
  await stopAgent();
  await hub.closeAgentSessions();
  const { stopRelay } = await import("@/lib/agents/relay");
  stopRelay();
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  await clearProxyTargets();
  const { closePool } = await import("@/lib/db/pool");
  await closePool();
  for (const server of [keyway?.server, upstream?.server]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
  await as?.close();
  await env?.close();
});

describe("a private-network connection", () => {
  it("reaches a loopback API only through its agent, with the connection's credentials, and the agent says who it is", async () => {
    const direct = await createPrivateConnection("direct", upstream.url, null);
    const blocked = await testRequest(direct);
    expect(blocked.ok).toBe(false);
    expect(blocked.errorKind).toBe("blocked");

    startAgent();
    await online();
    const viaAgent = await createPrivateConnection("via agent", upstream.url);
    const run = await testRequest(viaAgent, "/v1/items?page=2");
    expect(run.ok).toBe(true);
    expect(run.status).toBe(200);
    const received = upstream.seen.at(-1)!;
    expect(received.url).toBe("/v1/items?page=2");
    expect(received.headers["x-api-key"]).toBe("inside-secret");

    // Several test requests at once, on the one WebSocket, each saving its run on its own database connection.
    const together = await Promise.all(Array.from({ length: 8 }, (_, i) => testRequest(viaAgent, `/v1/items?n=${i}`)));
    expect(together.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(upstream.seen.slice(-8).map((seen) => seen.url)).size).toBe(8);

    // Redirects are followed by Keyway, each hop through the agent.
    const moved = await testRequest(viaAgent, "/moved");
    expect(moved.status).toBe(200);
    expect(upstream.seen.at(-1)!.url).toBe("/v1/items?after=redirect");

    const row = await env.db.agent.findUniqueOrThrow({ where: { id: agent.id } });
    expect(row.version).toBe("1.0.0");
    expect(row.hostname).toBeTruthy();
    expect(row.lastSeenAt).not.toBeNull();
    // One line per request, without the query string (where credentials can live) or any header.
    expect(agentLog.some((line) => /GET http:\/\/127\.0\.0\.1:\d+\/v1\/items → 200/.test(line))).toBe(true);
    expect(agentLog.join("\n")).not.toContain("inside-secret");
    expect(agentLog.join("\n")).not.toContain("page=2");
  });

  it("withholds the connection's credentials from a redirect's other origin, each hop through the agent", async () => {
    const elsewhere = await new Promise<{ server: Server; url: string; seen: Seen[] }>((resolve) => {
      const seen: Seen[] = [];
      const server = createServer((request, response) => {
        seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: "" });
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
      server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }));
    });
    try {
      startAgent();
      await online();
      const id = await createPrivateConnection("moving", upstream.url);
      const run = await testRequest(id, `/away?to=${encodeURIComponent(`${elsewhere.url}/landed`)}`);
      expect(upstream.seen.at(-1)!.headers["x-api-key"]).toBe("inside-secret");
      expect(elsewhere.seen).toHaveLength(1);
      expect(elsewhere.seen[0]!.url).toBe("/landed");
      expect(elsewhere.seen[0]!.headers["x-api-key"]).toBeUndefined();
      expect(run.ok).toBe(true);
      expect(run.summary).toMatch(/withheld the connection's credentials/);
    } finally {
      elsewhere.server.closeAllConnections();
      await new Promise((resolve) => elsewhere.server.close(resolve));
    }
  });

  it("fails at once, naming the agent, while the agent is stopped, and works again once it is back", async () => {
    const id = await createPrivateConnection("restart", upstream.url);
    startAgent();
    await online();
    expect((await testRequest(id)).ok).toBe(true);

    await stopAgent();
    await until("the session to end", () => hub.localSession(agent.id) === undefined);
    const started = performance.now();
    const offline = await testRequest(id);
    const elapsed = performance.now() - started;
    expect(offline.ok).toBe(false);
    expect(offline.summary).toMatch(/^Agent “office” is offline since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/);
    expect(elapsed).toBeLessThan(500);
    // The proxy says the same, marked as Keyway's own error.
    const { key } = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "offline check", expiresIn: "never" });
    const proxied = await proxy.handleProxyRequest({
      request: new Request(`http://keyway.test/api/proxy/${id}/v1/items`, { headers: { authorization: `Bearer ${key}` } }),
      connectionId: id,
      path: "/v1/items",
      ip: "127.0.0.1",
    });
    expect(proxied.status).toBe(503);
    expect(proxied.headers.get("x-keyway-error")).toBe("agent_unavailable");
    expect(((await proxied.json()) as { error: { message: string } }).error.message).toContain("Agent “office” is offline since");

    startAgent();
    await online();
    expect((await testRequest(id)).ok).toBe(true);
  });

  it("turns an agent that dies mid-request into an error well within the time-out", async () => {
    const id = await createPrivateConnection("dies", upstream.url);
    startAgent();
    await online();
    const started = performance.now();
    const pending = testRequest(id, "/hang");
    await until("the request to reach the upstream", () => upstream.seen.some((s) => s.url === "/hang"));
    await stopAgent("SIGKILL");
    const run = await pending;
    expect(run.ok).toBe(false);
    expect(run.summary).toContain("Agent “office” could not finish the request");
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it("is refused by the agent's allow list for a host outside it", async () => {
    startAgent("127.0.0.1/32");
    await online();
    const outside = await createPrivateConnection("outside", "http://127.0.0.2:9/v1");
    const run = await testRequest(outside);
    expect(run.ok).toBe(false);
    expect(run.errorKind).toBe("blocked");
    expect(run.summary).toContain("not in this agent's allow list (127.0.0.1/32)");
    expect(agentLog.some((line) => /http:\/\/127\.0\.0\.2:9\/\S* → refused: not in the allow list/.test(line))).toBe(true);
  });

  it("carries proxied requests and OAuth token calls, streaming the bodies both ways", async () => {
    startAgent();
    await online();
    const { key } = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "svc", expiresIn: "never" });
    const headerId = await createPrivateConnection("proxied", upstream.url);
    const body = randomBytes(200 * 1024).toString("base64");
    const response = await proxy.handleProxyRequest({
      request: new Request(`http://keyway.test/api/proxy/${headerId}/v1/upload?x=1`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" }, body }),
      connectionId: headerId,
      path: "/v1/upload",
      ip: "127.0.0.1",
    });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const echoed = (await response.json()) as { echo: Seen };
    expect(echoed.echo.body).toBe(body);
    expect(echoed.echo.headers["x-api-key"]).toBe("inside-secret");
    expect(echoed.echo.headers.authorization).toBeUndefined();

    // Client credentials: the token endpoint is on loopback too, reached through the agent.
    const tokenCalls = as.counts().token.client_credentials ?? 0;
    const { id: oauthId } = await connections.createConnection(
      owner.personalTeam.id,
      owner.actor,
      clientCredentialsInput(as, { name: "oauth inside", baseUrl: upstream.url }),
      null,
    );
    await env.db.connection.update({ where: { id: oauthId }, data: { agentId: agent.id } });
    const run = await testRequest(oauthId);
    expect(run.ok).toBe(true);
    expect(upstream.seen.at(-1)!.headers.authorization).toMatch(/^Bearer /);
    expect(as.counts().token.client_credentials).toBe(tokenCalls + 1);
    expect(agentLog.some((line) => /POST http:\/\/127\.0\.0\.1:\d+\/token → 200/.test(line))).toBe(true);

    await env.db.connection.update({ where: { id: oauthId }, data: { agentId: null } });
    const withoutAgent = await testRequest(oauthId);
    expect(withoutAgent.ok).toBe(false);
  });

  it("answers Digest challenges and signs SigV4 through the agent, for test requests and the proxy, checked by http-auth and aws4", async () => {
    const digest = await startDigestUpstream({ username: "inside", password: "digest-inside-pw", algorithm: "MD5-sess" });
    const aws = { accessKeyId: "AKIDINSIDE", secretAccessKey: "inside/secret+key", region: "us-east-1", service: "execute-api" };
    const sigv4 = await startSigV4Upstream(aws);
    try {
      startAgent();
      await online();
      const { key } = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "signed svc", expiresIn: "never" });
      const create = async (input: Parameters<typeof connections.createConnection>[2]) => {
        const { id } = await connections.createConnection(owner.personalTeam.id, owner.actor, input, null);
        await env.db.connection.update({ where: { id }, data: { agentId: agent.id } });
        return id;
      };
      const viaProxy = (id: string, init: RequestInit = {}) =>
        proxy.handleProxyRequest({
          request: new Request(`http://keyway.test/api/proxy/${id}/v1/upload?part=1`, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/octet-stream" }, ...(init.body ? { duplex: "half" } : {}) } as RequestInit),
          connectionId: id,
          path: "/v1/upload",
          ip: "127.0.0.1",
        });

      const digestId = await create({ name: "digest inside", baseUrl: digest.url, authType: "DIGEST", username: "inside", password: "digest-inside-pw" });
      expect(await testRequest(digestId)).toMatchObject({ ok: true, status: 200 });
      const body = randomBytes(300 * 1024);
      expect((await viaProxy(digestId, { method: "POST", body })).status).toBe(200);
      expect(digest.received.at(-1)).toMatchObject({ method: "POST", bodyBytes: body.length, bodySha256: createHash("sha256").update(body).digest("hex") });

      const sigv4Id = await create({ name: "sigv4 inside", baseUrl: sigv4.url, authType: "AWS_SIGV4", ...aws, useSessionToken: false, sessionToken: "", proxyPayload: "unsigned" });
      expect(await testRequest(sigv4Id)).toMatchObject({ ok: true, status: 200 });
      expect((await viaProxy(sigv4Id, { method: "PUT", body })).status).toBe(200);
      expect(sigv4.received.map((r) => r.verdict)).toEqual(["sigv4 ok (payload signed)", "sigv4 ok (unsigned payload)"]);
      expect(sigv4.refused).toEqual([]);
      await until("the agent to log the signed request", () => agentLog.some((line) => line.includes(`PUT ${sigv4.url}/v1/upload → 200`)));
    } finally {
      await Promise.all([digest.close(), sigv4.close()]);
    }
  });

  it("holds the API back while the caller reads slowly, and moves large bodies both ways intact", async () => {
    startAgent();
    await online();
    const { key } = await apiKeys.createApiKey(owner.personalTeam.id, owner.actor, { name: "bulk", expiresIn: "never" });
    const id = await createPrivateConnection("bulk", upstream.url);
    const call = (requestPath: string, init: RequestInit = {}) =>
      proxy.handleProxyRequest({
        request: new Request(`http://keyway.test/api/proxy/${id}${requestPath}`, { ...init, headers: { authorization: `Bearer ${key}` } }),
        connectionId: id,
        path: requestPath,
        ip: "127.0.0.1",
      });

    const response = await call("/big");
    expect(response.status).toBe(200);
    // Nobody reads: the upstream gets to write the window and what sockets buffer, not the 64 MB.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(bigSent).toBeLessThan(16 * 1024 * 1024);
    let received = 0;
    const reader = response.body!.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) received += part.value.length;
    expect(received).toBe(BIG_BYTES);

    const upload = randomBytes(20 * 1024 * 1024);
    const hashed = await call("/hash", { method: "POST", body: upload });
    expect(await hashed.json()).toEqual({ bytes: upload.length, sha256: createHash("sha256").update(upload).digest("hex") });
  });

  it("presents the connection's client certificate, through the agent, to an inside API that requires one", async () => {
    const ca = await createCa();
    const serverCert = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
    const clientCert = await issue(ca, { subject: "CN=keyway-agent-client", usage: "client" });
    const mtls: Upstream = await startHttpsEcho({ ...serverCert, clientCa: ca.certPem });
    try {
      startAgent();
      await online();
      const { id } = await connections.createConnection(owner.personalTeam.id, owner.actor, { name: "mtls inside", baseUrl: mtls.url, authType: "NONE" }, {
        chainPem: clientCert.certPem,
        caPem: ca.certPem,
        privateKeyPem: clientCert.keyPem,
        subject: "CN=keyway-agent-client",
        expiresAt: new Date(Date.now() + 86_400_000),
      });
      await env.db.connection.update({ where: { id }, data: { agentId: agent.id } });
      const run = await testRequest(id, "/secure");
      expect(run.summary).toContain("200");
      expect(mtls.received.at(-1)?.clientCertSubject).toBe("keyway-agent-client");

      // Without the certificate the inside API refuses the handshake, and Keyway explains it as it does for its own requests.
      await env.db.connection.update({ where: { id }, data: { clientCertPem: null } });
      const refused = await testRequest(id, "/secure");
      expect(refused.ok).toBe(false);
      expect(refused.summary).toMatch(/^Through agent “office”: .*client certificate/);
    } finally {
      await mtls.close();
    }
  });

  it("connects to Keyway through a corporate HTTP proxy named by HTTPS_PROXY", async () => {
    // A forward proxy as companies run them: it only opens CONNECT tunnels, and counts them.
    const tunnels: string[] = [];
    const forward = createServer((_request, response) => response.writeHead(405).end());
    forward.on("connect", (request: IncomingMessage, clientSocket: Socket, head: Buffer) => {
      tunnels.push(request.url ?? "");
      const [host, port] = (request.url ?? "").split(":");
      const upstreamSocket = connect(Number(port), host, () => {
        clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstreamSocket.write(head);
        upstreamSocket.pipe(clientSocket);
        clientSocket.pipe(upstreamSocket);
      });
      upstreamSocket.on("error", () => clientSocket.destroy());
      clientSocket.on("error", () => upstreamSocket.destroy());
    });
    await new Promise<void>((resolve) => forward.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(forward.address() as AddressInfo).port}`;
    try {
      startAgent("127.0.0.1/32", { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl });
      await online();
      const keywayHost = new URL(keyway.url).host;
      expect(tunnels.filter((target) => target === keywayHost).length).toBeGreaterThanOrEqual(1);
      // Requests inside the network do not go through the proxy.
      const before = tunnels.length;
      const id = await createPrivateConnection("behind proxy", upstream.url);
      expect((await testRequest(id)).ok).toBe(true);
      expect(tunnels.length).toBe(before);
    } finally {
      await stopAgent();
      forward.closeAllConnections();
      await new Promise((resolve) => forward.close(resolve));
    }
  });

  it("is cut off within seconds when the agent is revoked, and its token is refused from then on", async () => {
    const revocable = await agentsAdmin.createAgent(owner.personalTeam.id, owner.actor, { name: "temporary" });
    const saved = agent;
    agent = { id: revocable.id, token: revocable.token, name: revocable.name };
    try {
      const child = startAgent();
      await online();
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const started = performance.now();
      await agentsAdmin.revokeAgent(owner.personalTeam.id, owner.actor, revocable.id);
      await until("the session to end", () => hub.localSession(revocable.id) === undefined, 8_000);
      expect(performance.now() - started).toBeLessThan(6_000);
      expect(await exited).toBe(2);
      expect(agentLog.join("\n")).toMatch(/revoked/);

      const probe = await fetch(`${keyway.url}${hub.AGENT_CONNECT_PATH}`, { headers: { authorization: `Bearer ${revocable.token}` } });
      expect(probe.status).toBe(401);
      expect(((await probe.json()) as { error: { message: string } }).error.message).toContain("was revoked");
    } finally {
      agent = saved;
    }
  });
});
