import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";

// /healthz, /readyz and /metrics as server.ts serves them, on a real
// database: what a load balancer and Prometheus see, and what they must not.

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
process.env.KEYWAY_METRICS_TOKEN = METRICS_TOKEN;

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let server: Server;
let base: string;

beforeAll(async () => {
  env = await useFreshAppDatabase("ops");
  const { serveHealth, isHealthPath } = await import("@/lib/ops/health");
  const { serveMetrics, METRICS_PATH } = await import("@/lib/ops/metrics");
  const { serveProxyRequest, isProxyUrl } = await import("@/lib/proxy/node");
  const { REQUEST_ID_HEADER, requestIdFrom, runWithRequestContext } = await import("@/lib/request-context");
  server = createServer((request, response) => {
    const context = { requestId: requestIdFrom(request.headers["x-request-id"]), databaseUnavailable: false };
    response.setHeader(REQUEST_ID_HEADER, context.requestId);
    runWithRequestContext(context, () => {
      const path = request.url?.split("?")[0];
      if (isProxyUrl(request.url)) void serveProxyRequest(request, response);
      else if (isHealthPath(path)) void serveHealth(request, response);
      else if (path === METRICS_PATH) void serveMetrics(request, response);
      else response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const { stopListening } = await import("@/lib/db/notifications");
  const { closePool } = await import("@/lib/db/pool");
  await stopListening();
  await closePool();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await env?.close();
});

describe("health and readiness", () => {
  it("/healthz answers without a session or a database call", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("/readyz is ready with the database up and migrated, and names what is not ready otherwise, without secrets", async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true }, migrations: { ok: true } } });

    const [last] = await env.db.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1`;
    await env.db.$executeRaw`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = ${last!.migration_name}`;
    try {
      const behind = await fetch(`${base}/readyz`);
      expect(behind.status).toBe(503);
      const text = await behind.text();
      expect(JSON.parse(text)).toMatchObject({ status: "not_ready", notReady: ["migrations"], checks: { database: { ok: true }, migrations: { ok: false, pending: [last!.migration_name] } } });
      expect(text).not.toContain(new URL(env.url).host);
    } finally {
      await env.db.$executeRaw`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = ${last!.migration_name}`;
    }
  });
});

describe("metrics and request ids", () => {
  it("returns the caller's request id, or a new one, on every answer", async () => {
    const given = await fetch(`${base}/healthz`, { headers: { "x-request-id": "lb-1234567890" } });
    expect(given.headers.get("x-request-id")).toBe("lb-1234567890");
    // Not a value a log line or a header could be abused with.
    const hostile = await fetch(`${base}/healthz`, { headers: { "x-request-id": "a b\"c" } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("/metrics wants the operator's token, and labels proxied requests by outcome only", async () => {
    const connectionId = "cmconnectionidnotlabelled";
    await fetch(`${base}/api/proxy/${connectionId}/v1/things?secret=1`);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/keyway_proxy_requests_total\{status_class="4xx",error_code="missing_api_key"\} [1-9]/);
    expect(text).toContain("keyway_proxy_response_seconds_bucket");
    expect(text).toMatch(/keyway_db_pool_connections\{pool="raw",state="in_use"\}/);
    expect(text).toMatch(/keyway_notifications_state\{state="\w+"\} 1/);
    expect(text).toContain("keyway_process_cpu_seconds_total");
    expect(text).not.toContain(connectionId);
    expect(text).not.toContain("secret=1");
  });

  it("logs one JSON line per proxied request with the request's id and Keyway's code, never its query, headers or key", async () => {
    const pino = (await import("pino")).default;
    const { log } = await import("@/lib/log");
    const stream = (log as unknown as Record<symbol, { write(line: string): boolean }>)[pino.symbols.streamSym]!;
    const lines: string[] = [];
    const write = vi.spyOn(stream, "write").mockImplementation((line: string) => (lines.push(line), true));
    try {
      const response = await fetch(`${base}/api/proxy/cmlogged/v1/things?api_key=query-secret-123`, {
        headers: { authorization: "Bearer kw_not_a_real_key_456", "x-request-id": "log-check-0123456789", "x-custom": "header-secret-789" },
      });
      expect(response.headers.get("x-request-id")).toBe("log-check-0123456789");
      await vi.waitFor(() => expect(lines.some((line) => line.includes("proxied request"))).toBe(true));
    } finally {
      write.mockRestore();
    }
    const line = JSON.parse(lines.find((candidate) => candidate.includes("proxied request"))!) as Record<string, unknown>;
    expect(line).toMatchObject({ reqId: "log-check-0123456789", method: "GET", status: 401, code: "invalid_api_key" });
    const all = lines.join("\n");
    for (const secret of ["query-secret-123", "api_key=", "kw_not_a_real_key_456", "header-secret-789", "/v1/things"]) expect(all).not.toContain(secret);
  });

  it("/metrics does not exist without KEYWAY_METRICS_TOKEN", async () => {
    delete process.env.KEYWAY_METRICS_TOKEN;
    vi.resetModules();
    const { serveMetrics } = await import("@/lib/ops/metrics");
    const bare = createServer((request, response) => void serveMetrics(request, response));
    await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/metrics`);
      expect(response.status).toBe(404);
    } finally {
      bare.closeAllConnections();
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});
