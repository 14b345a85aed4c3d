// Keyway's own answers on the proxy path, as opposed to the upstream API's:
// always JSON `{ "error": { "code", "message" } }` and always the
// KEYWAY_ERROR_HEADER, so a caller can tell "Keyway refused or could not
// reach the API" from "the API answered with an error".

export const KEYWAY_ERROR_HEADER = "X-Keyway-Error";

export type ProxyErrorCode =
  | "missing_api_key"
  | "invalid_api_key"
  | "api_key_revoked"
  | "api_key_expired"
  | "connection_not_found"
  | "invalid_path"
  | "needs_reauthorization"
  | "token_request_failed"
  | "connection_misconfigured"
  | "destination_blocked"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "agent_unavailable"
  | "internal_error"
  | "body_too_large"
  | "upstream_auth_unsupported";

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

/** The body and headers of a Keyway error, whichever server sends it. */
export function renderProxyError(error: ProxyError): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", [KEYWAY_ERROR_HEADER]: error.code };
  if (error.status === 401) headers["www-authenticate"] = `Bearer realm="keyway", error="invalid_token"`;
  return { body: JSON.stringify({ error: { code: error.code, message: error.message } }), headers };
}

export function proxyErrorResponse(error: ProxyError): Response {
  const { body, headers } = renderProxyError(error);
  return new Response(body, { status: error.status, headers });
}
