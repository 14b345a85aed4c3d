import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import client from "prom-client";
import { config } from "../config";
import { listenerStatus, type ListenerPhase } from "../db/notifications";
import { knownPools } from "../db/pool";

// Prometheus metrics (prom-client), served at /metrics to whoever presents
// KEYWAY_METRICS_TOKEN as a bearer token; without that setting /metrics does
// not exist (404). Labels never name a team, a connection, a key or anything
// secret: only classes of outcome and Keyway's error codes.

export const METRICS_PATH = "/metrics";

const LISTENER_PHASES: ListenerPhase[] = ["off", "connecting", "live", "retrying", "unsupported", "stopped"];

type Gauges = { agentSessions: () => number; relayBacklog: () => number };

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "keyway_" });
  const gauges: Partial<Gauges> = {};
  const metrics = {
    registry,
    gauges,
    proxyRequests: new client.Counter({ name: "keyway_proxy_requests_total", help: "Proxied requests by status class and Keyway error code (none: the API's own answer)", labelNames: ["status_class", "error_code"], registers: [registry] }),
    proxyLatency: new client.Histogram({
      name: "keyway_proxy_response_seconds",
      help: "Time from a proxied request's arrival to its response headers",
      labelNames: ["status_class"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    tokenRequests: new client.Counter({ name: "keyway_oauth_token_requests_total", help: "OAuth token work: grants and refreshes (ok, failed) and uses that waited for another's refresh", labelNames: ["kind", "outcome"], registers: [registry] }),
    webhookEvents: new client.Counter({ name: "keyway_webhook_events_total", help: "Webhook events by outcome (accepted, refused with the status)", labelNames: ["outcome", "status"], registers: [registry] }),
    testRequests: new client.Counter({ name: "keyway_test_requests_total", help: "Connection test requests by outcome", labelNames: ["outcome"], registers: [registry] }),
  };
  new client.Gauge({
    name: "keyway_db_pool_connections",
    help: "Database pool connections by pool and state (in_use, idle, waiting: callers waiting for one)",
    labelNames: ["pool", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, pool] of knownPools()) {
        this.set({ pool: name, state: "in_use" }, pool.totalCount - pool.idleCount);
        this.set({ pool: name, state: "idle" }, pool.idleCount);
        this.set({ pool: name, state: "waiting" }, pool.waitingCount);
      }
    },
  });
  new client.Gauge({
    name: "keyway_notifications_state",
    help: "The change-notification listener's state (1 for the current one)",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const { phase } = listenerStatus();
      for (const state of LISTENER_PHASES) this.set({ state }, state === phase ? 1 : 0);
    },
  });
  new client.Gauge({
    name: "keyway_notifications_failures_total",
    help: "Times the change-notification listener failed or lost its connection since the process started",
    registers: [registry],
    collect() {
      this.set(listenerStatus().failures);
    },
  });
  new client.Gauge({
    name: "keyway_agent_sessions",
    help: "Agents holding a WebSocket to this instance",
    registers: [registry],
    collect() {
      this.set(gauges.agentSessions?.() ?? 0);
    },
  });
  new client.Gauge({
    name: "keyway_agent_relay_backlog",
    help: "Relay messages for other instances not yet written to the database",
    registers: [registry],
    collect() {
      this.set(gauges.relayBacklog?.() ?? 0);
    },
  });
  return metrics;
}

// server.ts and Next's compiled routes load lib separately: one set of metrics per process.
const KEY = Symbol.for("keyway.metrics");
const globalForMetrics = globalThis as unknown as { [KEY]?: ReturnType<typeof createMetrics> };
export const metrics = (globalForMetrics[KEY] ??= createMetrics());

/** Lets lib/agents report its gauges without this module importing it. */
export function reportGauge(name: keyof Gauges, read: () => number): void {
  metrics.gauges[name] = read;
}

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export async function serveMetrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const token = config().KEYWAY_METRICS_TOKEN;
  if (!token) return void response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1] ?? "";
  if (!timingSafeEqual(digest(presented), digest(token))) {
    return void response.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="keyway-metrics"' }).end("Send KEYWAY_METRICS_TOKEN as a bearer token.\n");
  }
  const body = await metrics.registry.metrics();
  response.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" }).end(body);
}
