import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { OutgoingHttpHeader } from "node:http";
import { clientIpOfRequest } from "../request-ip";
import { nonPageSecurityHeaders } from "../security-headers";
import { REQUEST_ID_HEADER, requestContext, runWithRequestContext } from "../request-context";
import { config } from "../config";
import { Cancellation } from "../outbound/cancel";
import { errorText, log } from "../log";
import { metrics, statusClass } from "../ops/metrics";
import { ProxyError, renderProxyError, unexpectedFailure } from "./errors";
import { proxyRequest } from "./index";

// The proxy's face for Keyway's own HTTP server (server.ts), which hands
// /api/proxy/ requests here before Next sees them: plain Node streams end to
// end, without the Fetch API's Request and Response objects (whose stream
// adapters cost more than the rest of the proxy on the hot path).

const PROXY_URL = /^\/api\/proxy\/([A-Za-z0-9_-]+)([^?#]*)(\?[^#]*)?$/;

export function isProxyUrl(url: string | undefined): boolean {
  return url !== undefined && url.startsWith("/api/proxy/");
}

/** Node hands CONNECT to its own event, not to the request handler: answer it as the proxy answers TRACE. */
export function refuseConnect(socket: Duplex) {
  const { body, headers } = renderProxyError(new ProxyError(405, "method_not_allowed", "Keyway does not open tunnels (CONNECT)."));
  const lines = Object.entries({ ...headers, "content-length": String(Buffer.byteLength(body)), connection: "close" }).map(([name, value]) => `${name}: ${value}`);
  socket.end(`HTTP/1.1 405 Method Not Allowed\r\n${lines.join("\r\n")}\r\n\r\n${body}`);
}

// The labelled series, looked up once per label pair rather than on every request (prom-client
// hashes the labels on each inc/observe otherwise). There are few: status classes times error codes.
type Series = { count: ReturnType<typeof metrics.proxyRequests.labels>; latency: ReturnType<typeof metrics.proxyLatency.labels> };
const seriesByLabel = new Map<string, Series>();

function seriesFor(status: number, code: string | null): Series {
  const key = `${status}:${code ?? ""}`;
  let series = seriesByLabel.get(key);
  if (!series) {
    const statusLabel = statusClass(status);
    series = { count: metrics.proxyRequests.labels(statusLabel, code ?? "none"), latency: metrics.proxyLatency.labels(statusLabel) };
    seriesByLabel.set(key, series);
  }
  return series;
}

/** One metric sample and one log line per proxied request: outcome classes and Keyway's code, never the path's query or a header. */
function account(request: IncomingMessage, connectionId: string | undefined, started: number, status: number, code: string | null) {
  const ms = performance.now() - started;
  // Without KEYWAY_METRICS_TOKEN nobody can read /metrics (it answers 404): nothing to count for.
  if (config().KEYWAY_METRICS_TOKEN) {
    const series = seriesFor(status, code);
    series.count.inc();
    series.latency.observe(ms / 1000);
  }
  log.info({ method: request.method, connectionId, status, code, ms: Math.round(ms * 10) / 10 }, "proxied request");
}

/**
 * An answer's headers as one list for writeHead: the API's (or Keyway's
 * error's), then Keyway's security headers and the request's id, each unless
 * the API sent one of that name itself (it is the API's answer).
 */
function headerList(own: Record<string, OutgoingHttpHeader>, requestId: string | undefined): OutgoingHttpHeader[] {
  const list: OutgoingHttpHeader[] = [];
  for (const name in own) list.push(name, own[name]!);
  for (const [lowerCaseName, name, value] of nonPageSecurityHeaders()) if (own[lowerCaseName] === undefined) list.push(name, value);
  if (requestId !== undefined && own["x-request-id"] === undefined) list.push(REQUEST_ID_HEADER, requestId);
  return list;
}

function sendError(response: ServerResponse, error: ProxyError, requestId: string | undefined) {
  if (response.headersSent) return void response.destroy();
  const { body, headers } = renderProxyError(error);
  response.writeHead(error.status, headerList({ ...headers, "content-length": Buffer.byteLength(body) }, requestId)).end(body);
}

/**
 * One proxied request. `requestId` (server.ts passes it) goes out as
 * X-Request-Id, with the security headers every Keyway answer carries.
 */
export async function serveProxyRequest(request: IncomingMessage, response: ServerResponse, requestId?: string): Promise<void> {
  const started = performance.now();
  const context = requestContext();
  const match = PROXY_URL.exec(request.url ?? "");
  const refuse = (error: ProxyError) => {
    account(request, match?.[1], started, error.status, error.code);
    sendError(response, error, requestId);
  };
  if (!match) return refuse(new ProxyError(404, "connection_not_found", "Proxy URLs look like /api/proxy/<connection id>/<path>."));
  // A caller that goes away, or an exchange past KEYWAY_PROXY_MAX_SECONDS, cancels the upstream request,
  // also while Keyway still waits for its headers.
  const cancel = new Cancellation();
  const maxSeconds = config().KEYWAY_PROXY_MAX_SECONDS;
  let overTime = false;
  const deadline = setTimeout(() => {
    overTime = true;
    cancel.cancel();
    if (!response.headersSent) return; // the catch below answers 504
    // The status went out long ago: the caller sees the body end early (the connection is closed), and the log says why.
    log.warn({ method: request.method, connectionId: match[1], code: "upstream_timeout", seconds: maxSeconds }, "proxied exchange cut off: it lasted longer than KEYWAY_PROXY_MAX_SECONDS");
    response.destroy();
  }, maxSeconds * 1000);
  response.once("close", () => {
    clearTimeout(deadline);
    if (!response.writableFinished) cancel.cancel();
  });
  try {
    const output = await proxyRequest({
      method: request.method ?? "GET",
      connectionId: match[1]!,
      path: match[2] ?? "",
      search: match[3] ?? "",
      headers: Object.entries(request.headers),
      body: request,
      ip: clientIpOfRequest(request),
      signal: cancel,
      respond: (status, headers) => {
        response.writeHead(status, headerList(headers, requestId));
        // Called from undici's socket events, which belong to whichever request opened the socket: the log line must carry this one's id.
        if (context) runWithRequestContext(context, () => account(request, match[1], started, status, null));
        else account(request, match[1], started, status, null);
        return response;
      },
    });
    if (output === null) return; // the answer went straight through
    response.writeHead(output.status, headerList(output.headers, requestId));
    account(request, match[1], started, output.status, null);
    const body = output.body;
    if (!body) return void response.end();
    // By hand rather than stream.pipeline, whose per-call AbortController costs more than the
    // rest of this function: an upstream that fails mid-body cuts the response off, and a
    // caller that goes away stops the upstream's body.
    body.on("error", () => response.destroy());
    response.on("close", () => {
      if (!response.writableFinished) body.destroy();
    });
    body.pipe(response);
  } catch (error) {
    if (overTime) return refuse(new ProxyError(504, "upstream_timeout", `The exchange took longer than Keyway allows (KEYWAY_PROXY_MAX_SECONDS, ${maxSeconds} s); it was stopped.`));
    if (cancel.aborted) {
      account(request, match[1], started, 499, "caller_gone");
      return void response.destroy();
    }
    if (error instanceof ProxyError) return refuse(error);
    // Not a refusal of ours: a bug or a database outage. The message may name internals, never secrets.
    const failure = unexpectedFailure(error);
    log.error({ code: failure.code, error: errorText(error) }, "proxy request failed");
    refuse(failure);
  }
}
