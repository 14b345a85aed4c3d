// Keyway's HTTP server: Next.js serves the app, except for
// - the proxy (/api/proxy/…), which this server hands straight to lib/proxy.
//   The proxy is the hot path services call for every API request they make
//   through Keyway; Next's request pipeline (routing, Fetch API adapters,
//   rendering context) costs it several times what the proxying itself does.
//   app/api/proxy keeps the same proxy reachable under `next start` alone;
// - the management API (/api/v1/…, lib/api), for the same reason; app/api/v1 serves it under `next start`;
// - on-premise agents (lib/agents): their WebSocket, which Next cannot serve,
//   and the agent script they are started from.
//
// `npm start` runs this (through scripts/start.ts), and `npm run dev` with
// KEYWAY_DEV=1 (Next's development mode). Settings: PORT (3000) and HOSTNAME
// (all interfaces), as for `next start`.
import { createServer, type ServerResponse } from "node:http";
import next from "next";
import { isProxyUrl, refuseConnect, serveProxyRequest } from "./lib/proxy/node";
import { isApiUrl, serveApiRequest } from "./lib/api/node";
import { AGENT_CONNECT_PATH, closeAgentSessions, handleAgentProbe, handleAgentUpgrade } from "./lib/agents/hub";
import { AGENT_SCRIPT_PATH } from "./lib/agents/command";
import { agentScript } from "./lib/agents/script";
import { stampClientIp } from "./lib/request-ip";
import { nonPageSecurityHeaders } from "./lib/security-headers";
import { REQUEST_ID_HEADER, requestIdFrom, runWithRequestContext } from "./lib/request-context";
import { answerOutagesWithPage } from "./lib/ops/outage-page";
import { isHealthPath, serveHealth } from "./lib/ops/health";
import { flushKeyUsageOnShutdown } from "./lib/api-keys/usage";
import { METRICS_PATH, serveMetrics } from "./lib/ops/metrics";
import { errorText, log } from "./lib/log";
import { startJobs, stopJobs } from "./lib/jobs/all";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME || undefined;
const dev = process.env.KEYWAY_DEV === "1";

async function main() {
  const app = next({ dev, dir: process.cwd(), hostname: hostname ?? "localhost", port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = createServer((request, response) => {
    stampClientIp(request);
    // Every answer carries the request's id, and every log line of the request (lib/request-context.ts).
    const context = { requestId: requestIdFrom(request.headers["x-request-id"]), databaseUnavailable: false };
    // Next's proxy.ts sets the id on what Next answers: it must be this one, the one the log lines carry.
    request.headers["x-request-id"] = context.requestId;
    // The proxy, the hot path, sends the security headers and the id in its one writeHead.
    if (isProxyUrl(request.url)) return runWithRequestContext(context, () => void serveProxyRequest(request, response, context.requestId));
    // Every answer gets the security headers; for what Next serves, proxy.ts replaces this CSP with a page's (nonce and all).
    for (const [, name, value] of nonPageSecurityHeaders()) response.setHeader(name, value);
    response.setHeader(REQUEST_ID_HEADER, context.requestId);
    runWithRequestContext(context, () => {
      const path = request.url?.split("?")[0];
      if (isApiUrl(request.url)) void serveApiRequest(request, response).catch((error: unknown) => fail(response, error));
      else if (isHealthPath(path)) void serveHealth(request, response).catch((error: unknown) => fail(response, error));
      else if (path === METRICS_PATH) void serveMetrics(request, response).catch((error: unknown) => fail(response, error));
      else if (path === AGENT_CONNECT_PATH) void handleAgentProbe(request, response).catch((error: unknown) => fail(response, error));
      else if (path === AGENT_SCRIPT_PATH) void serveAgentScript(response);
      else {
        answerOutagesWithPage(response, context);
        void handle(request, response);
      }
    });
  });
  // On-premise agents hold a WebSocket here (lib/agents/hub.ts); otherwise only Next's development server (hot reload) upgrades.
  const nextUpgrade = dev ? app.getUpgradeHandler() : undefined;
  server.on("upgrade", (request, socket, head) => {
    stampClientIp(request);
    if (request.url?.split("?")[0] !== AGENT_CONNECT_PATH) {
      if (nextUpgrade) void nextUpgrade(request, socket, head);
      else socket.destroy();
      return;
    }
    handleAgentUpgrade(request, socket, head).catch((error: unknown) => {
      log.error({ error: errorText(error) }, "agent connection failed");
      socket.destroy();
    });
  });
  server.on("connect", (_request, socket) => refuseConnect(socket));
  // Slow clients and keep-alive, as next start sets them.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => log.info(`Keyway listening on ${hostname ?? "*"}:${port}`));
  void startJobsUntilStarted();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // Agents' WebSockets are not the HTTP server's any more: close them, so each agent reconnects (to another instance) at once.
      void closeAgentSessions();
      // API-key use collected since the last write is written once the last request has finished.
      server.close(() => {
        const usage = flushKeyUsageOnShutdown().catch((error: unknown) => log.warn({ error: errorText(error) }, "could not record API key use at shutdown"));
        // A job that is running finishes (or is retried elsewhere once it expires).
        const jobs = stopJobs().catch((error: unknown) => log.warn({ error: errorText(error) }, "could not stop the job engine cleanly"));
        void Promise.all([usage, jobs]).finally(() => process.exit(0));
      });
      server.closeIdleConnections();
      setTimeout(() => process.exit(0), 5_000).unref();
    });
  }
}

/** The job engine (lib/jobs) waits for the database like every page does: a database that is down at start delays jobs, not the server. */
async function startJobsUntilStarted() {
  for (let delayMs = 1_000; ; delayMs = Math.min(delayMs * 2, 60_000)) {
    try {
      await startJobs();
      return;
    } catch (error) {
      log.warn({ error: errorText(error), retryInSeconds: delayMs / 1000 }, "could not start the job engine");
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    }
  }
}

function fail(response: ServerResponse, error: unknown) {
  log.error({ error: errorText(error) }, "request failed");
  if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { code: "internal_error", message: "Keyway failed to answer; its log says why." } }));
}

async function serveAgentScript(response: ServerResponse) {
  try {
    const script = await agentScript();
    response.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "content-disposition": 'attachment; filename="keyway-agent.mjs"', "cache-control": "no-cache" });
    response.end(script);
  } catch (error) {
    fail(response, error);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
