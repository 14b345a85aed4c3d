import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { createCa, issue } from "../support/pki";
import { startHttpEcho, startHttpsEcho, type Received, type Upstream } from "../support/upstreams";
import type { ConnectionInput } from "@/lib/connections/schemas";
import type { TestRequestInput } from "@/lib/connections/test-request";

// Connections end to end below the UI: saved through lib/connections with a
// real Postgres and real encryption, tested against APIs on loopback that
// report exactly what they received.

const KEY_1 = `k1:${randomBytes(32).toString("base64")}`;
const KEY_2 = `k2:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_ENCRYPTION_KEYS = KEY_1;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let owner: Awaited<ReturnType<typeof makeUser>>;
let http: Upstream;
let mtls: Upstream;
let caPem: string;
let clientCert: { certPem: string; keyPem: string };

beforeAll(async () => {
  env = await useFreshAppDatabase("connections");
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  owner = await makeUser("conn-owner");
  http = await startHttpEcho((request) => request.url === "/hang");
  const ca = await createCa();
  caPem = ca.certPem;
  const server = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
  clientCert = await issue(ca, { subject: "CN=keyway-mtls-client", usage: "client" });
  mtls = await startHttpsEcho({ ...server, clientCa: ca.certPem });
});
afterAll(async () => {
  await Promise.all([http?.close(), mtls?.close()]);
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const GET: TestRequestInput = { method: "GET", path: "", headers: [], body: "" };

async function createAndTest(input: ConnectionInput, request = GET): Promise<{ id: string; received: Received; run: Awaited<ReturnType<typeof testing.runTestRequest>> }> {
  const { id } = await connections.createConnection(teamId(), owner.actor, input, null);
  const before = http.received.length;
  const run = await testing.runTestRequest(teamId(), owner.actor, id, request);
  expect(http.received.length, run.summary).toBe(before + 1);
  return { id, received: http.received.at(-1)!, run };
}

/** Everything stored for a connection and its runs, as text, to search for secrets. */
async function storedText(id: string): Promise<string> {
  const row = await env.db.connection.findUniqueOrThrow({ where: { id }, include: { testRuns: true } });
  return JSON.stringify(row);
}

describe("what each auth type sends", () => {
  it("None sends no credentials", async () => {
    const { received, run } = await createAndTest({ name: "none", baseUrl: `${http.url}/hooks`, authType: "NONE" });
    expect(run.ok).toBe(true);
    expect(received.url).toBe("/hooks");
    expect(received.headers.authorization).toBeUndefined();
  });

  it("Basic sends base64 of the UTF-8 credentials, and stores neither", async () => {
    const password = "pässwörd-€-secret";
    const { id, received, run } = await createAndTest({ name: "basic", baseUrl: http.url, authType: "BASIC", username: "zoë", password });
    const encoded = Buffer.from(`zoë:${password}`, "utf8").toString("base64");
    expect(received.headers.authorization).toBe(`Basic ${encoded}`);
    // The echo put the credentials in its response body; the kept run has them removed.
    expect(run.responseBody).not.toContain(encoded);
    const stored = await storedText(id);
    expect(stored).not.toContain(password);
    expect(stored).not.toContain(encoded);
  });

  it("Header auth sends exactly its headers; only the secret one is encrypted", async () => {
    const secret = "hdr-secret-9f8e7d6c5b";
    const { id, received } = await createAndTest({
      name: "header",
      baseUrl: http.url,
      authType: "HEADER",
      headers: [
        { name: "X-Api-Key", value: secret, secret: true },
        { name: "X-Org", value: "acme", secret: false },
      ],
    });
    expect(received.headers["x-api-key"]).toBe(secret);
    expect(received.headers["x-org"]).toBe("acme");
    const stored = await storedText(id);
    expect(stored).not.toContain(secret);
    expect(stored).toContain("acme");
  });

  it("Query params go on every URL, next to the request's own", async () => {
    const secret = "q-secret/with+special&chars";
    const { id, received, run } = await createAndTest(
      { name: "query", baseUrl: `${http.url}/v1`, authType: "QUERY", params: [{ name: "api_key", value: secret, secret: true }] },
      { ...GET, path: "/items?limit=2" },
    );
    const url = new URL(received.url, http.url);
    expect(url.pathname).toBe("/v1/items");
    expect(url.searchParams.get("api_key")).toBe(secret);
    expect(url.searchParams.get("limit")).toBe("2");
    expect(run.url).not.toContain(encodeURIComponent(secret));
    const stored = await storedText(id);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(new URLSearchParams({ k: secret }).toString().slice(2));
  });

  it("Custom sends headers, params and Basic together, and nothing else of the secrets", async () => {
    const { received } = await createAndTest(
      {
        name: "custom",
        baseUrl: http.url,
        authType: "CUSTOM",
        headers: [{ name: "X-Tenant-Key", value: "tenant-secret", secret: true }],
        params: [{ name: "region", value: "eu", secret: false }],
        username: "svc",
        password: "custom-secret",
      },
      { method: "POST", path: "/jobs", headers: [{ name: "Content-Type", value: "application/json" }], body: '{"run":true}' },
    );
    expect(received.method).toBe("POST");
    expect(received.body).toBe('{"run":true}');
    expect(received.headers["x-tenant-key"]).toBe("tenant-secret");
    expect(received.headers.authorization).toBe(`Basic ${Buffer.from("svc:custom-secret").toString("base64")}`);
    expect(new URL(received.url, http.url).searchParams.get("region")).toBe("eu");
    const sentHeaders = Object.keys(received.headers).filter((h) => !["host", "connection", "content-length", "content-type", "user-agent", "accept", "accept-encoding", "accept-language", "sec-fetch-mode"].includes(h));
    expect(sentHeaders.sort()).toEqual(["authorization", "x-tenant-key"]);
  });
});

describe("editing and keeping secrets", () => {
  it("keeps a secret left empty on edit, and replaces one that is typed", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "edit me", baseUrl: http.url, authType: "HEADER", headers: [{ name: "X-Key", value: "original-secret-1", secret: true }] }, null);
    const view = await connections.findConnection(teamId(), id);
    const entryId = view.config.headers![0]!.id;
    expect(view.secretHints[`headers:${entryId}`]).toEqual({ set: true, lastFour: "et-1" });
    expect(JSON.stringify(view)).not.toContain("original-secret-1");

    await connections.updateConnection(teamId(), owner.actor, id, { name: "edited", baseUrl: http.url, authType: "HEADER", headers: [{ id: entryId, name: "X-Key", value: "", secret: true }] }, "keep");
    await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(http.received.at(-1)!.headers["x-key"]).toBe("original-secret-1");

    await connections.updateConnection(teamId(), owner.actor, id, { name: "edited", baseUrl: http.url, authType: "HEADER", headers: [{ id: entryId, name: "X-Key", value: "replaced-secret-2", secret: true }] }, "keep");
    await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(http.received.at(-1)!.headers["x-key"]).toBe("replaced-secret-2");
  });

  it("refuses a new secret entry with no value, without saving anything", async () => {
    const { StoredAuthError } = await import("@/lib/connections/stored");
    const before = await env.db.connection.count();
    await expect(
      connections.createConnection(teamId(), owner.actor, { name: "x", baseUrl: http.url, authType: "HEADER", headers: [{ name: "X-Key", value: "", secret: true }] }, null),
    ).rejects.toBeInstanceOf(StoredAuthError);
    expect(await env.db.connection.count()).toBe(before);
  });

  it("duplicates with the same secrets, sealed for the copy", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "original", baseUrl: http.url, authType: "BASIC", username: "u", password: "dup-secret" }, null);
    const copy = await connections.duplicateConnection(teamId(), owner.actor, id);
    expect(copy.name).toBe("original (copy)");
    await testing.runTestRequest(teamId(), owner.actor, copy.id, GET);
    expect(http.received.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from("u:dup-secret").toString("base64")}`);
    const rows = await env.db.connection.findMany({ where: { id: { in: [id, copy.id] } }, select: { secrets: true } });
    expect(rows[0]!.secrets).not.toBe(rows[1]!.secrets);
  });

  it("answers 404 for another team's connection, for every operation", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "private", baseUrl: http.url, authType: "NONE" }, null);
    const stranger = await makeUser("conn-stranger");
    const other = stranger.personalTeam.id;
    const input: ConnectionInput = { name: "hijack", baseUrl: http.url, authType: "NONE" };
    for (const attempt of [
      () => connections.findConnection(other, id),
      () => connections.updateConnection(other, stranger.actor, id, input, null),
      () => connections.duplicateConnection(other, stranger.actor, id),
      () => connections.deleteConnection(other, stranger.actor, id),
      () => testing.runTestRequest(other, stranger.actor, id, GET),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ status: 404 });
    }
    expect((await connections.findConnection(teamId(), id)).name).toBe("private");
  });
});

describe("test runs", () => {
  it("explain a refused or blocked request, leave the status to the health check, and keep the newest 50", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "closed", baseUrl: "http://127.0.0.1:9", authType: "NONE" }, null);
    const refused = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(refused).toMatchObject({ ok: false, errorKind: "refused", status: null });
    expect(refused.summary).toMatch(/refused/);
    // A failed ad-hoc test is history, not status (lib/health): the connection is still not checked.
    expect((await connections.findConnection(teamId(), id)).status).toBe("UNTESTED");

    const blockedTeamConnection = await connections.createConnection(teamId(), owner.actor, { name: "metadata", baseUrl: "http://169.254.169.254/latest", authType: "NONE" }, null);
    const blocked = await testing.runTestRequest(teamId(), owner.actor, blockedTeamConnection.id, GET);
    expect(blocked).toMatchObject({ ok: false, errorKind: "blocked" });
    expect(blocked.summary).toMatch(/outbound safety/);

    const { id: many } = await connections.createConnection(teamId(), owner.actor, { name: "many", baseUrl: http.url, authType: "NONE" }, null);
    for (let i = 0; i < 52; i++) await testing.runTestRequest(teamId(), owner.actor, many, { ...GET, path: `/run-${i}` });
    const history = await testing.testHistory(teamId(), many);
    expect(history).toHaveLength(50);
    expect(history[0]!.url).toMatch(/\/run-51$/);
    expect(history[49]!.url).toMatch(/\/run-2$/);
    // The first successful test was the health check's first run.
    expect((await connections.findConnection(teamId(), many)).status).toBe("WORKING");
  });
});

describe("cancelling a test run", () => {
  it("aborts the request, keeps the run as cancelled, and leaves the connection's status alone", async () => {
    const cancel = await import("@/lib/connections/test-cancel");
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "hanging", baseUrl: http.url, authType: "NONE" }, null);
    await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect((await connections.findConnection(teamId(), id)).status).toBe("WORKING");

    const before = http.received.length;
    const run = cancel.startCancellableRun(owner.id, "tok_0123456789abcdef");
    const running = testing.runTestRequest(teamId(), owner.actor, id, { ...GET, path: "/hang" }, { signal: run.signal });
    await expect.poll(() => http.received.length, { timeout: 10_000 }).toBe(before + 1);
    // Another user's cancel with the same token does nothing; the starter's does.
    await cancel.cancelRun("someone-else", "tok_0123456789abcdef");
    expect(run.signal.aborted).toBe(false);
    await cancel.cancelRun(owner.id, "tok_0123456789abcdef");
    const result = await running;
    run.done();
    expect(result).toMatchObject({ ok: false, status: null, errorKind: "cancelled" });
    expect(result.summary).toMatch(/^Cancelled after/);
    expect((await testing.testHistory(teamId(), id))[0]).toMatchObject({ errorKind: "cancelled" });
    expect((await connections.findConnection(teamId(), id)).status).toBe("WORKING");
  });
});

describe("client certificates", () => {
  it("sends the certificate to a server that requires it; without it the failure is explained", async () => {
    const certificate = { chainPem: clientCert.certPem, caPem, privateKeyPem: clientCert.keyPem, subject: "CN=keyway-mtls-client", expiresAt: new Date(Date.now() + 86_400_000) };
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "mtls", baseUrl: mtls.url, authType: "NONE" }, certificate);
    const ok = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(ok.ok).toBe(true);
    expect(mtls.received.at(-1)!.clientCertSubject).toBe("keyway-mtls-client");
    expect(await storedText(id)).not.toContain(clientCert.keyPem.split("\n")[1]!);

    const { id: without } = await connections.createConnection(teamId(), owner.actor, { name: "no cert", baseUrl: mtls.url, authType: "NONE" }, null);
    const refused = await testing.runTestRequest(teamId(), owner.actor, without, GET);
    expect(refused).toMatchObject({ ok: false, errorKind: "tls" });
    expect(refused.summary).toMatch(/certificate/);
  });
});

describe("key rotation", () => {
  it("re-encrypts every secret with the newest key while old envelopes stay readable", async () => {
    const crypto = await import("@/lib/crypto");
    const { rotateConnectionSecrets } = await import("@/lib/connections/rotate");
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "rotate", baseUrl: http.url, authType: "BASIC", username: "r", password: "rotate-secret" }, null);
    const rotatedRing = crypto.parseKeyring(`${KEY_2},${KEY_1}`);
    const first = await rotateConnectionSecrets(rotatedRing);
    expect(first.rotated).toBeGreaterThan(0);
    const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
    expect(crypto.keyIdOf(row.secrets!)).toBe("k2");
    expect(crypto.decryptJson<{ password: string }>(row.secrets!, id, crypto.parseKeyring(KEY_2)).password).toBe("rotate-secret");
    expect(await rotateConnectionSecrets(rotatedRing)).toMatchObject({ rotated: 0, skipped: 0 });
  });
});
