import { Agent, buildConnector, type Dispatcher } from "undici";
import { config } from "../config";
import type { AllowList } from "./address-policy";
import type { CancelSignal } from "./cancel";
import { checkLiteralHost, guardedLookup, parseTarget, systemResolver, type Resolver } from "./destination";
import { explainFailure, OutboundError } from "./errors";
import { defaultAllowList, type TlsOptions, type Tunnel, type TunnelResponse } from "./index";

// The streaming side of outbound HTTP, for the proxy: the same destination
// checks as sendRequest (every resolved address checked before a socket
// connects to it, IP literals checked up front), but bodies flow through
// without being read into memory, redirects go back to the caller as they
// are, and sockets are pooled per connection so a busy connection does not
// pay a TCP and TLS handshake per request. A pooled socket was checked when
// it connected, to the address it is still connected to.

export type PooledDispatcherOptions = { tls?: TlsOptions; allow?: AllowList; resolve?: Resolver; connectTimeoutMs?: number };

export function createPooledDispatcher(options: PooledDispatcherOptions = {}): Agent {
  const lookup = guardedLookup(options.allow ?? defaultAllowList(), options.resolve ?? systemResolver);
  const connectTimeoutMs = options.connectTimeoutMs ?? config().KEYWAY_OUTBOUND_TIMEOUT_MS;
  return new Agent({ connect: buildConnector({ ...options.tls, lookup, timeout: connectTimeoutMs }), keepAliveTimeout: 4_000 });
}

/** The URL checks a destination gets before any socket: scheme, no credentials in it, and an IP literal's range. */
export function checkDestination(raw: string, allow: AllowList = defaultAllowList()): URL {
  const url = parseTarget(raw);
  checkLiteralHost(url, allow);
  return url;
}

export type StreamRequest = {
  /** Checked by checkDestination: "https://api.example.com". */
  origin: URL;
  /** Path and query, already encoded: "/v1/items?page=2". */
  path: string;
  method: string;
  headers: Record<string, string | string[]>;
  body?: Dispatcher.DispatchOptions["body"];
  /** Pooled sockets of this process (createPooledDispatcher), or the connection's agent. */
  via: { dispatcher: Dispatcher } | { tunnel: Tunnel; tls: TlsOptions };
  /** Waiting for the response headers, and for each next piece of the body. */
  timeoutMs?: number;
  sentClientCertificate?: boolean;
  signal?: CancelSignal;
};

/** Sends one request and hands back the response with its body unread; failures come as OutboundError in words. */
export async function openStream(options: StreamRequest): Promise<TunnelResponse> {
  const timeoutMs = options.timeoutMs ?? config().KEYWAY_OUTBOUND_TIMEOUT_MS;
  const { via } = options;
  if ("tunnel" in via) {
    const body = options.body === undefined || options.body === null ? null : (options.body as string | Buffer | NodeJS.ReadableStream);
    return via.tunnel.send({ origin: options.origin, path: options.path, method: options.method, headers: options.headers, body, tls: via.tls, timeoutMs, signal: options.signal });
  }
  try {
    // The dispatcher's own request() takes origin and path apart, so no URL is parsed again per request.
    return await via.dispatcher.request({
      origin: options.origin.origin,
      path: options.path,
      method: options.method as Dispatcher.HttpMethod,
      headers: options.headers,
      body: options.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // A Cancellation is an EventEmitter, which undici accepts as a signal as well.
      signal: options.signal as AbortSignal | undefined,
    });
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    throw explainFailure(error, {
      host: options.origin.host,
      https: options.origin.protocol === "https:",
      timeoutMs,
      timedOut: false,
      sentClientCertificate: Boolean(options.sentClientCertificate),
      handshakeCompleted: false,
      answered: false,
    });
  }
}
