import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { TIME_SCALE } from "../support/time-scale";

// KEYWAY_PROXY_MAX_SECONDS through the proxy as server.ts serves it: an API
// that keeps streaming is cut off at the limit (the caller's body ends early,
// the log says why, the API's request is closed), one that never answers gets
// 504 upstream_timeout at the limit, and an exchange within it is untouched.

// Long enough for a warm proxy to pass on the API's headers on a loaded machine.
const MAX_SECONDS = 2 * TIME_SCALE;
process.env.KEYWAY_PROXY_MAX_SECONDS = String(MAX_SECONDS);
process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
// Longer than the limit: only KEYWAY_PROXY_MAX_SECONDS can explain a cut.
process.env.KEYWAY_OUTBOUND_TIMEOUT_MS = "15000";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let upstream: Server;
let keyway: Server;
let base: string;
let key: string;
let connectionId: string;
const upstreamClosed: Record<string, number> = {};

beforeAll(async () => {
  env = await useFreshAppDatabase("proxy_max_duration");
  upstream = createServer((request, response) => {
    const path = request.url ?? "";
    request.on("close", () => (upstreamClosed[path] = Date.now()));
    if (path.startsWith("/stream")) {
      // Headers at once, then a piece every 100 ms, forever: never idle long enough for the outbound time-out.
      response.writeHead(200, { "content-type": "text/plain" });
      const timer = setInterval(() => response.write("tick\n"), 100);
      response.on("close", () => clearInterval(timer));
    } else if (path.startsWith("/never")) {
      // Takes the request and never answers.
    } else {
      response.writeHead(200, { "content-type": "text/plain" }).end("quick");
    }
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const { serveProxyRequest } = await import("@/lib/proxy/node");
  const { createApiKey } = await import("@/lib/api-keys");
  const { createConnection } = await import("@/lib/connections");
  const owner = await makeUser("maxduration");
  key = (await createApiKey(owner.personalTeam.id, owner.actor, { name: "svc", expiresIn: "never" })).key;
  connectionId = (await createConnection(owner.personalTeam.id, owner.actor, { name: "slow", baseUrl: upstreamUrl, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "s3cret", secret: true }] }, null)).id;
  keyway = createServer((request, response) => void serveProxyRequest(request, response));
  await new Promise<void>((resolve) => keyway.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(keyway.address() as AddressInfo).port}`;
});

afterAll(async () => {
  keyway?.closeAllConnections();
  upstream?.closeAllConnections();
  await new Promise((resolve) => keyway?.close(resolve));
  await new Promise((resolve) => upstream?.close(resolve));
  const { stopListening } = await import("@/lib/db/notifications");
  const { closePool } = await import("@/lib/db/pool");
  await stopListening();
  await closePool();
  await env?.close();
});

type Outcome = { status: number; headers: IncomingMessage["headers"]; body: string; complete: boolean; ms: number };

function call(path: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/api/proxy/${connectionId}${path}`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete, ms: Date.now() - started });
      res.on("end", done);
      res.on("error", done);
      res.on("aborted", done);
    });
    req.setTimeout(30_000 * TIME_SCALE, () => req.destroy(new Error("no end within 30 s: the exchange was not cut")));
    req.on("error", reject);
    req.end();
  });
}

describe("KEYWAY_PROXY_MAX_SECONDS", () => {
  // First, so the later ones meet a warm proxy (key and connection cached).
  it("leaves an exchange within the limit alone", async () => {
    const outcome = await call("/quick");
    expect(outcome).toMatchObject({ status: 200, body: "quick", complete: true });
  });
  it("cuts off a response still streaming at the limit, says so in the log, and closes the API's request", async () => {
    const { log } = await import("@/lib/log");
    const warn = vi.spyOn(log, "warn");
    const outcome = await call("/stream");
    expect(outcome.status).toBe(200);
    expect(outcome.body).toContain("tick");
    expect(outcome.complete).toBe(false);
    expect(outcome.ms).toBeGreaterThanOrEqual(MAX_SECONDS * 1000 - 50);
    expect(outcome.ms).toBeLessThan((MAX_SECONDS + 5) * 1000 * TIME_SCALE);
    await vi.waitFor(() => expect(upstreamClosed["/stream"]).toBeDefined(), { timeout: 5_000 * TIME_SCALE });
    const line = warn.mock.calls.find(([fields]) => (fields as { code?: string }).code === "upstream_timeout");
    expect(line, "a log line says the exchange was cut").toBeDefined();
    expect(line![0]).toMatchObject({ connectionId, seconds: MAX_SECONDS });
    expect(String(line![1])).toContain("KEYWAY_PROXY_MAX_SECONDS");
    warn.mockRestore();
  });

  it("answers 504 upstream_timeout at the limit when the API has not started answering", async () => {
    const outcome = await call("/never");
    expect(outcome.status).toBe(504);
    expect(outcome.headers["x-keyway-error"]).toBe("upstream_timeout");
    expect(outcome.body).toContain("KEYWAY_PROXY_MAX_SECONDS");
    expect(outcome.ms).toBeLessThan((MAX_SECONDS + 5) * 1000 * TIME_SCALE);
    await vi.waitFor(() => expect(upstreamClosed["/never"]).toBeDefined(), { timeout: 5_000 * TIME_SCALE });
  });

});
