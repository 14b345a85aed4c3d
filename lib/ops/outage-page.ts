import type { ServerResponse } from "node:http";
import { DATABASE_RETRY_AFTER_SECONDS } from "../db/unavailable";
import { REQUEST_ID_HEADER, type RequestContext } from "../request-context";

// A page whose rendering met a database outage fails in Next with a 500 and
// its generic error page. Keyway's server answers such a page with a 503 of
// its own instead ("Keyway cannot reach its database"), so neither the user
// nor a load balancer mistakes an outage for a bug or for being signed out.
// The page reloads itself while the outage lasts.

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${DATABASE_RETRY_AFTER_SECONDS * 2}">
<title>Keyway cannot reach its database</title>
<style>
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f8fafc; color: #0f172a;
    font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 32rem; margin: 1.5rem; padding: 2rem; background: #fff; border: 1px solid #e2e8f0; border-radius: 0.75rem; box-shadow: 0 1px 2px rgb(0 0 0 / 0.05); }
  .brand { font-weight: 600; letter-spacing: -0.01em; color: #334155; margin: 0 0 1.25rem; }
  h1 { font-size: 1.375rem; line-height: 1.3; margin: 0 0 0.75rem; }
  p { line-height: 1.55; color: #475569; margin: 0 0 0.75rem; }
  .code { font-size: 0.8125rem; color: #64748b; margin-top: 1.25rem; }
</style>
</head>
<body>
<main>
<p class="brand">Keyway</p>
<h1>Keyway cannot reach its database</h1>
<p>The service is unavailable for a moment. You are still signed in, and nothing you saved is lost.</p>
<p>This page tries again by itself every few seconds. If it lasts, tell whoever runs Keyway: its log says why the database cannot be reached.</p>
<p class="code">Error 503 · database_unavailable</p>
</main>
</body>
</html>
`;

/**
 * Watches a response Next is about to write: when the request met a database
 * outage and Next answers with a server error, the outage page is sent instead.
 */
export function answerOutagesWithPage(response: ServerResponse, context: RequestContext): void {
  const writeHead = response.writeHead.bind(response) as (status: number, headers?: Record<string, string>) => ServerResponse;
  const write = response.write.bind(response);
  const end = response.end.bind(response);
  let replaced = false;
  const replaceIfOutage = (status: number): boolean => {
    if (replaced) return true;
    if (!context.databaseUnavailable || status < 500 || response.headersSent) return false;
    replaced = true;
    // Next's headers (cookies, its caching and content headers) belong to the page that failed.
    for (const name of response.getHeaderNames()) response.removeHeader(name);
    writeHead(503, {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(Buffer.byteLength(PAGE)),
      "cache-control": "no-store",
      "retry-after": String(DATABASE_RETRY_AFTER_SECONDS),
      "x-keyway-error": "database_unavailable",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      [REQUEST_ID_HEADER]: context.requestId,
    });
    end(PAGE);
    return true;
  };
  response.writeHead = ((status: number, ...rest: unknown[]) => {
    if (replaceIfOutage(status)) return response;
    return (writeHead as (...args: unknown[]) => ServerResponse)(status, ...rest);
  }) as ServerResponse["writeHead"];
  // Without writeHead, Node writes the head on the first write or end (from response.statusCode).
  response.write = ((...args: Parameters<ServerResponse["write"]>) => (replaceIfOutage(response.statusCode) ? true : write(...args))) as ServerResponse["write"];
  response.end = ((...args: unknown[]) => {
    if (!replaceIfOutage(response.statusCode)) return (end as (...a: unknown[]) => ServerResponse)(...args);
    const callback = args.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return response;
  }) as ServerResponse["end"];
}
