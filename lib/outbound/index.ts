import type { Socket } from "node:net";
import { Agent, buildConnector, request, type Dispatcher } from "undici";
import { config } from "../config";
import { parseAllowList, type AllowList } from "./address-policy";
import { checkLiteralHost, guardedLookup, parseTarget, systemResolver, type Resolver } from "./destination";
import { explainFailure, formatBytes, formatDuration, OutboundError, type FailureContext } from "./errors";
import type { CancelSignal } from "./cancel";

// The one way Keyway sends an HTTP request for a user (DESIGN.md, "Outbound
// HTTP"): the host is resolved once, every address is checked against the
// blocked ranges, and the connection goes to the address that was checked.
// Redirects are followed here rather than by undici, so that each hop is
// checked again and credentials do not follow a redirect to another origin.
// One deadline covers the whole exchange, body included; the body is read up
// to a size limit.

export { checkAddress, parseAllowList, type AllowList, type Verdict } from "./address-policy";
export { OutboundError, type OutboundErrorKind, type TlsReason } from "./errors";
export type { Resolver } from "./destination";

export type TlsOptions = {
  /** PEM client certificate (chain) presented for mutual TLS. */
  cert?: string;
  /** PEM private key of the client certificate. */
  key?: string;
  passphrase?: string;
  /** PEM CA bundle the server's certificate must chain to, in place of the public roots. */
  ca?: string;
};

/**
 * Another way out than this process's own sockets: the on-premise agent of a
 * private-network connection (lib/agents). A tunnel sends one request as it
 * is, without following redirects; the agent applies its own allow list, so
 * Keyway's address checks are not made for tunnelled requests.
 */
export type Tunnel = {
  /** For messages: "agent “office”". */
  label: string;
  send(request: TunnelRequest): Promise<TunnelResponse>;
};

export type TunnelRequest = {
  origin: URL;
  /** Path and query, encoded. */
  path: string;
  method: string;
  headers: Record<string, string | string[]>;
  body: string | Buffer | NodeJS.ReadableStream | null;
  tls?: TlsOptions;
  /** Waiting for the response headers, and for each next piece of the body. */
  timeoutMs: number;
  signal?: CancelSignal;
};

export type TunnelResponse = {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: import("node:stream").Readable & { dump(): Promise<void> };
};

export type OutboundRequest = {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  tls?: TlsOptions;
  /** Whole exchange: connecting, redirects and reading the body. Defaults to KEYWAY_OUTBOUND_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Largest response body read. Defaults to KEYWAY_OUTBOUND_MAX_BYTES. */
  maxBytes?: number;
  /** Defaults to 5. */
  maxRedirects?: number;
  /** Defaults to KEYWAY_OUTBOUND_ALLOW; tests pass their own instead of touching the environment. */
  allow?: AllowList;
  /** Defaults to the system resolver; tests inject one to make a name resolve where they want. */
  resolve?: Resolver;
  /** Send through this tunnel (a private-network connection's agent) rather than directly. */
  tunnel?: Tunnel;
  /**
   * The caller's credentials beyond Authorization and Cookie: header names and
   * query parameter names that, like the client certificate, are withheld
   * from every hop a redirect leads to on another origin.
   */
  credentials?: { headers: string[]; params: string[] };
  /** The caller gave up (a user pressed Cancel): the request is aborted and fails as "cancelled". */
  signal?: AbortSignal;
};

export type OutboundResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  timings: { totalMs: number };
  /** Every URL a redirect led to, in order; the last one is finalUrl. */
  redirects: string[];
  finalUrl: string;
  /** A redirect led to another origin, which got none of the credentials (headers, query parameters, client certificate). */
  withheldCredentials: boolean;
};

const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Meant for the origin the caller addressed, not for wherever it redirects; Host would also misroute the new request.
const ORIGIN_BOUND_HEADERS = new Set(["authorization", "cookie", "proxy-authorization", "host"]);

let configuredAllowList: AllowList | undefined;
/** KEYWAY_OUTBOUND_ALLOW, parsed once. */
export function defaultAllowList(): AllowList {
  configuredAllowList ??= parseAllowList(config().KEYWAY_OUTBOUND_ALLOW);
  return configuredAllowList;
}

/** What the sockets of one hop said that undici's errors leave out (see FailureContext). */
type SocketNotes = { error?: Error; handshakeCompleted: boolean };

function isTlsError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"));
}

/**
 * An undici Agent whose sockets resolve through the guarded lookup and carry
 * the connection's TLS material. Made per request: a client key lives only as
 * long as the request that needs it, and no pooled socket outlives the checks
 * made for it.
 */
function createAgent(tls: TlsOptions | undefined, lookup: ReturnType<typeof guardedLookup>, timeoutMs: number, notes: () => SocketNotes): Agent {
  const connector = buildConnector({ ...tls, lookup, timeout: timeoutMs });
  return new Agent({
    connect: (options, callback) =>
      connector(options, (...result: Parameters<buildConnector.Callback>) => {
        const socket: Socket | null = result[1];
        if (socket && options.protocol === "https:") {
          // The connector answers only once the handshake is done.
          notes().handshakeCompleted = true;
          socket.prependListener("error", (error: Error) => {
            const current = notes();
            if (!current.error && isTlsError(error)) current.error = error;
          });
        }
        callback(...result);
      }),
  });
}

function withoutClientCertificate(tls: TlsOptions | undefined): TlsOptions | undefined {
  return tls?.ca ? { ca: tls.ca } : undefined;
}

function withoutHeaders(headers: Record<string, string>, drop: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name.toLowerCase())));
}

async function readLimited(response: Pick<Dispatcher.ResponseData, "headers" | "body"> | TunnelResponse, maxBytes: number, host: string): Promise<Buffer> {
  const tooLarge = () =>
    new OutboundError("too-large", `Response too large: ${host} sent more than ${formatBytes(maxBytes)}, the most Keyway reads from an API; it stopped reading.`);
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > maxBytes) {
      response.body.destroy();
      throw tooLarge();
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}

type Hop = { url: URL; method: string; headers: Record<string, string>; body: string | Buffer | undefined; crossedOrigin: boolean };

/** What of a request must not reach another origin: Host, cookies, and every credential the caller named. */
function originBoundHeaders(credentials: OutboundRequest["credentials"]): Set<string> {
  return new Set([...ORIGIN_BOUND_HEADERS, ...(credentials?.headers ?? []).map((name) => name.toLowerCase())]);
}

/** The request a redirect leads to (recorded in redirects), or null when the response is not one to follow. */
async function redirectHop(
  response: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: { dump(): Promise<void> } },
  hop: Hop,
  redirects: string[],
  maxRedirects: number,
  credentials: OutboundRequest["credentials"],
): Promise<Hop | null> {
  const location = [response.headers.location].flat()[0];
  if (!REDIRECT_STATUSES.has(response.statusCode) || location === undefined) return null;
  await response.body.dump().catch(() => undefined);
  if (redirects.length >= maxRedirects) {
    throw new OutboundError("too-many-redirects", `Stopped after ${maxRedirects} redirects: ${hop.url.host} redirected once more. The URL probably leads into a redirect loop.`);
  }
  const next = parseTarget(location, hop.url);
  let { method, headers, body, crossedOrigin } = hop;
  if (next.origin !== hop.url.origin) {
    // Once withheld, always: a later hop back to the first origin gets no credentials either (as the Fetch standard does with Authorization).
    crossedOrigin = true;
    const bound = originBoundHeaders(credentials);
    headers = withoutHeaders(headers, (name) => bound.has(name));
  }
  // A redirect may carry the query on (an API key in it, say): no hop on another origin gets the caller's parameters.
  if (crossedOrigin) for (const name of credentials?.params ?? []) next.searchParams.delete(name);
  // As browsers do (Fetch standard, "HTTP-redirect fetch"): 303 and a POST answered with 301/302 continue as GET without a body.
  if ((response.statusCode === 303 && method !== "GET" && method !== "HEAD") || ((response.statusCode === 301 || response.statusCode === 302) && method === "POST")) {
    method = "GET";
    body = undefined;
    headers = withoutHeaders(headers, (name) => name.startsWith("content-"));
  }
  redirects.push(next.href);
  return { url: next, method, headers, body, crossedOrigin };
}

export async function sendRequest(options: OutboundRequest): Promise<OutboundResponse> {
  const started = performance.now();
  const allow = options.allow ?? defaultAllowList();
  const timeoutMs = options.timeoutMs ?? config().KEYWAY_OUTBOUND_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? config().KEYWAY_OUTBOUND_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const sentClientCertificate = Boolean(options.tls?.cert);

  let url = parseTarget(options.url);
  let method = options.method.toUpperCase();
  let headers = { ...(options.headers ?? {}) };
  let body = options.body;
  const redirects: string[] = [];

  if (options.tunnel) return sendThroughTunnel(options.tunnel, { url, method, headers, body, options, started, timeoutMs, maxBytes, maxRedirects });

  const timer = AbortSignal.timeout(timeoutMs);
  const deadline = options.signal ? AbortSignal.any([timer, options.signal]) : timer;
  let notes: SocketNotes = { handshakeCompleted: false };
  const lookup = guardedLookup(allow, options.resolve ?? systemResolver);
  let agent = createAgent(options.tls, lookup, timeoutMs, () => notes);
  let crossedOrigin = false;
  const failure = (error: unknown, answered: boolean): OutboundError => {
    if (options.signal?.aborted) return cancelled(performance.now() - started);
    const context: FailureContext = {
      host: url.host,
      https: url.protocol === "https:",
      timeoutMs,
      timedOut: timer.aborted,
      sentClientCertificate: sentClientCertificate && !crossedOrigin,
      socketError: notes.error,
      handshakeCompleted: notes.handshakeCompleted,
      answered,
    };
    return explainFailure(error, context);
  };

  try {
    for (;;) {
      checkLiteralHost(url, allow);
      notes = { handshakeCompleted: false };
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, { method, headers, body, dispatcher: agent, signal: deadline, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      } catch (error) {
        throw failure(error, false);
      }

      const hop = await redirectHop(response, { url, method, headers, body, crossedOrigin }, redirects, maxRedirects, options.credentials);
      if (hop) {
        if (hop.crossedOrigin && !crossedOrigin && options.tls?.cert) {
          // The client certificate is a credential too: another origin gets sockets without it (the CA still applies).
          void agent.destroy().catch(() => undefined);
          agent = createAgent(withoutClientCertificate(options.tls), lookup, timeoutMs, () => notes);
        }
        ({ url, method, headers, body, crossedOrigin } = hop);
        continue;
      }

      let received: Buffer;
      try {
        received = await readLimited(response, maxBytes, url.host);
      } catch (error) {
        throw failure(error, true);
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        body: received,
        timings: { totalMs: performance.now() - started },
        redirects,
        finalUrl: url.href,
        withheldCredentials: crossedOrigin,
      };
    }
  } finally {
    // Nothing is left to read by now; destroy rather than close so a server that never answers cannot hold a socket open.
    void agent.destroy().catch(() => undefined);
  }
}

function cancelled(afterMs: number): OutboundError {
  return new OutboundError("cancelled", `Cancelled after ${formatDuration(Math.round(afterMs))}, before the API had answered.`);
}

/** sendRequest's exchange through a tunnel: the same redirects, deadline and size limit, each hop sent by the agent. */
async function sendThroughTunnel(
  tunnel: Tunnel,
  start: { url: URL; method: string; headers: Record<string, string>; body: string | Buffer | undefined; options: OutboundRequest; started: number; timeoutMs: number; maxBytes: number; maxRedirects: number },
): Promise<OutboundResponse> {
  let { url, method, headers, body } = start;
  let crossedOrigin = false;
  const redirects: string[] = [];
  const timer = AbortSignal.timeout(start.timeoutMs);
  const cancel = start.options.signal;
  const deadline = cancel ? AbortSignal.any([timer, cancel]) : timer;
  const timedOut = () => (cancel?.aborted ? cancelled(performance.now() - start.started) : new OutboundError("timeout", `No complete answer from ${url.host} through ${tunnel.label} within ${start.timeoutMs / 1000} seconds.`));
  for (;;) {
    if (deadline.aborted) throw timedOut();
    const remainingMs = Math.max(1, start.timeoutMs - (performance.now() - start.started));
    let response: TunnelResponse;
    try {
      const tls = crossedOrigin ? withoutClientCertificate(start.options.tls) : start.options.tls;
      response = await tunnel.send({ origin: url, path: `${url.pathname}${url.search}`, method, headers, body: body ?? null, tls, timeoutMs: remainingMs, signal: deadline });
    } catch (error) {
      if (deadline.aborted) throw timedOut();
      throw error;
    }
    const hop = await redirectHop(response, { url, method, headers, body, crossedOrigin }, redirects, start.maxRedirects, start.options.credentials);
    if (hop) {
      ({ url, method, headers, body, crossedOrigin } = hop);
      continue;
    }
    let received: Buffer;
    try {
      received = await readLimited(response, start.maxBytes, url.host);
    } catch (error) {
      if (deadline.aborted) throw timedOut();
      throw error;
    }
    return { status: response.statusCode, headers: response.headers, body: received, timings: { totalMs: performance.now() - start.started }, redirects, finalUrl: url.href, withheldCredentials: crossedOrigin };
  }
}
