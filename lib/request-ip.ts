import type { IncomingMessage } from "node:http";
import { config } from "./config";

// The caller's address, for rate limits and the audit log. Only Keyway's own
// HTTP server (server.ts) knows it: it is the socket's peer, or with
// KEYWAY_TRUST_PROXY the address the reverse proxy in front saw. server.ts
// writes it into CLIENT_IP_HEADER on every request, replacing whatever a
// client sent under that name, and the app reads nothing else. (Next adds
// X-Forwarded-For only when the client sent none, so that header says
// whatever the client wants.)

export const CLIENT_IP_HEADER = "x-keyway-client-ip";
// Set once server.ts stamps requests; without it (`next start` alone) nobody overwrites the header, so it means nothing.
const STAMPING = Symbol.for("keyway.clientIpStamping");

function forwardedClient(request: IncomingMessage): string | undefined {
  const forwarded = request.headers["x-forwarded-for"];
  // The right-most entry is the one the proxy in front of Keyway added; every entry left of it came from the client.
  const hops = [forwarded ?? ""].flat().join(",").split(",").map((hop) => hop.trim()).filter(Boolean);
  return hops.at(-1);
}

// What only a reverse proxy may say about a request; Next fills in its own when they are absent.
const FORWARDED_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "forwarded"];

/**
 * server.ts, for every request and upgrade: the caller's address in
 * CLIENT_IP_HEADER, whatever the client sent. Without KEYWAY_TRUST_PROXY
 * nothing stands in front of Keyway, so a client's X-Forwarded-* headers are
 * dropped too (Auth.js would otherwise build URLs on a client's
 * X-Forwarded-Host).
 */
export function stampClientIp(request: IncomingMessage): string {
  (globalThis as Record<symbol, unknown>)[STAMPING] = true;
  const trustProxy = config().KEYWAY_TRUST_PROXY;
  const ip = (trustProxy ? forwardedClient(request) : undefined) ?? request.socket.remoteAddress ?? "unknown";
  const headers = request.headers;
  // Looked at before deleting: a delete, even of an absent name, costs a runtime call on every request.
  if (!trustProxy) for (const name of FORWARDED_HEADERS) if (headers[name] !== undefined) delete headers[name];
  headers[CLIENT_IP_HEADER] = ip;
  (request as StampedRequest)[STAMPED_IP] = ip;
  return ip;
}

const STAMPED_IP = Symbol("keyway.clientIp");
type StampedRequest = IncomingMessage & { [STAMPED_IP]?: string };

/** The address stampClientIp found for this request, stamping it now if nobody has (a server other than server.ts). */
export function clientIpOfRequest(request: IncomingMessage): string {
  return (request as StampedRequest)[STAMPED_IP] ?? stampClientIp(request);
}

/** The caller's address as server.ts stamped it, or "unknown" when the app runs without it. */
export function clientIp(headers: Headers): string {
  if (!(globalThis as Record<symbol, unknown>)[STAMPING]) return "unknown";
  return headers.get(CLIENT_IP_HEADER)?.trim() || "unknown";
}
