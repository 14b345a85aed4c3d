import type { IncomingMessage, ServerResponse } from "node:http";
import { config } from "../config";
import { ProxyError, renderProxyError } from "./errors";
import { proxyRequest } from "./index";

// The proxy's face for Keyway's own HTTP server (server.ts), which hands
// /api/proxy/ requests here before Next sees them: plain Node streams end to
// end, without the Fetch API's Request and Response objects (whose stream
// adapters cost more than the rest of the proxy on the hot path).

const PROXY_URL = /^\/api\/proxy\/([A-Za-z0-9_-]+)([^?#]*)(\?[^#]*)?$/;

export function isProxyUrl(url: string | undefined): boolean {
  return url !== undefined && url.startsWith("/api/proxy/");
}

/** The caller's address: the socket's, or with KEYWAY_TRUST_PROXY the client the first proxy in front saw. */
export function callerIp(request: IncomingMessage): string {
  const forwarded = request.headers["x-forwarded-for"];
  if (config().KEYWAY_TRUST_PROXY && typeof forwarded === "string") {
    const first = forwarded.split(",")[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? "unknown";
}

function sendError(response: ServerResponse, error: ProxyError) {
  if (response.headersSent) return void response.destroy();
  const { body, headers } = renderProxyError(error);
  response.writeHead(error.status, { ...headers, "content-length": Buffer.byteLength(body) }).end(body);
}

export async function serveProxyRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const match = PROXY_URL.exec(request.url ?? "");
  if (!match) return sendError(response, new ProxyError(404, "connection_not_found", "Proxy URLs look like /api/proxy/<connection id>/<path>."));
  try {
    const output = await proxyRequest({
      method: request.method ?? "GET",
      connectionId: match[1]!,
      path: match[2] ?? "",
      search: match[3] ?? "",
      headers: Object.entries(request.headers),
      body: request,
      ip: callerIp(request),
    });
    response.writeHead(output.status, output.headers);
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
    if (error instanceof ProxyError) return sendError(response, error);
    // Not a refusal of ours: a bug or a database outage. The message may name internals, never secrets.
    console.error(`Proxy request failed: ${error instanceof Error ? error.message : String(error)}`);
    sendError(response, new ProxyError(500, "internal_error", "Keyway could not handle this request; the server log has the details."));
  }
}
