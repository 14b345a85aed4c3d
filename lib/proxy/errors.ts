// Keyway's own answers on the proxy path, as opposed to the upstream API's:
// always JSON `{ "error": { "code", "message" } }` and always the
// KEYWAY_ERROR_HEADER, so a caller can tell "Keyway refused or could not
// reach the API" from "the API answered with an error".

import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../db/unavailable";

export const KEYWAY_ERROR_HEADER = "X-Keyway-Error";

export type ProxyErrorCode =
  | "missing_api_key"
  | "invalid_api_key"
  | "api_key_revoked"
  | "api_key_expired"
  | "insufficient_scope"
  | "connection_not_found"
  | "invalid_path"
  | "method_not_allowed"
  | "needs_reauthorization"
  | "token_request_failed"
  | "connection_misconfigured"
  | "destination_blocked"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "agent_unavailable"
  | "database_unavailable"
  | "internal_error"
  | "body_too_large"
  | "upstream_auth_unsupported"
  | "connection_is_webhook_receiver";

/** What the proxy forwards; TRACE and TRACK would echo the injected credentials back to the caller, CONNECT would open a tunnel. */
export const PROXY_REFUSED_METHODS = new Set(["TRACE", "TRACK", "CONNECT"]);
export const PROXY_ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

export class ProxyError extends Error {
  constructor(
    readonly status: number,
    readonly code: ProxyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProxyError";
  }
}

export function connectionNotFound(): ProxyError {
  return new ProxyError(404, "connection_not_found", "No connection with this id exists in the API key's team.");
}

/** What the caller hears of a failure that is not one of Keyway's refusals: an outage (retry later) or a bug. */
export function unexpectedFailure(error: unknown): ProxyError {
  if (isDatabaseUnavailable(error)) return new ProxyError(503, "database_unavailable", "Keyway cannot reach its database; retry later.");
  return new ProxyError(500, "internal_error", "Keyway could not handle this request; the server log has the details.");
}

/** The body and headers of a Keyway error, whichever server sends it. */
export function renderProxyError(error: ProxyError): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", [KEYWAY_ERROR_HEADER]: error.code };
  if (error.status === 401) headers["www-authenticate"] = `Bearer realm="keyway", error="invalid_token"`;
  if (error.status === 405) headers.allow = PROXY_ALLOWED_METHODS;
  if (error.code === "database_unavailable") headers["retry-after"] = String(DATABASE_RETRY_AFTER_SECONDS);
  return { body: JSON.stringify({ error: { code: error.code, message: error.message } }), headers };
}

export function proxyErrorResponse(error: ProxyError): Response {
  const { body, headers } = renderProxyError(error);
  return new Response(body, { status: error.status, headers });
}
