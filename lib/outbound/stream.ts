import { Readable, type Writable } from "node:stream";
import { Agent, buildConnector, errors as undiciErrors, util as undiciUtil, type Dispatcher } from "undici";
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
      ...dispatchOptions(options, timeoutMs),
      // A Cancellation is an EventEmitter, which undici accepts as a signal as well.
      signal: options.signal as AbortSignal | undefined,
    });
  } catch (error) {
    throw failureBeforeAnswer(error, options, timeoutMs);
  }
}

function dispatchOptions(options: StreamRequest, timeoutMs: number): Dispatcher.DispatchOptions {
  return {
    origin: options.origin.origin,
    path: options.path,
    method: options.method as Dispatcher.HttpMethod,
    headers: options.headers,
    body: options.body,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  };
}

function failureBeforeAnswer(error: unknown, options: StreamRequest, timeoutMs: number): OutboundError {
  if (error instanceof OutboundError) return error;
  return explainFailure(error, {
    host: options.origin.host,
    https: options.origin.protocol === "https:",
    timeoutMs,
    timedOut: false,
    sentClientCertificate: Boolean(options.sentClientCertificate),
    handshakeCompleted: false,
    answered: false,
  });
}

/**
 * Where an answer may go without being handed back: for its status and
 * headers, the writable its body is written into, or null to have the answer
 * returned as openStream returns it.
 */
export type DirectSink = (statusCode: number, headers: Record<string, string | string[]>) => Writable | null;

/**
 * openStream for the proxy's own server. An answer that `direct` takes is
 * written into its writable as the chunks arrive (with backpressure), and the
 * promise resolves with null once that body is written or cut off: no
 * Readable, pipe or promise per body in between, which cost the proxy about a
 * fifth of its CPU per request. Any other answer comes back as from
 * openStream, and so does every answer through an agent's tunnel.
 */
export function openStreamOrWrite(options: StreamRequest, direct: DirectSink): Promise<TunnelResponse | null> {
  const { via } = options;
  if ("tunnel" in via) return openStream(options);
  const timeoutMs = options.timeoutMs ?? config().KEYWAY_OUTBOUND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const handler = new DirectHandler(direct, options.signal, resolve, (error) => reject(failureBeforeAnswer(error, options, timeoutMs)));
    via.dispatcher.dispatch(dispatchOptions(options, timeoutMs), handler);
  });
}

type Abort = (reason?: Error) => void;

/** undici's handler interface, as its own request() and stream() implement it. */
class DirectHandler implements Dispatcher.DispatchHandler {
  private abortRequest: Abort | null = null;
  private pendingAbort: Error | null = null;
  private sink: Writable | null = null;
  private body: TunnelResponse["body"] | null = null;
  private settled = false;
  private readonly onCancel = () => this.abortWith(new undiciErrors.RequestAbortedError());

  constructor(
    private readonly direct: DirectSink,
    private readonly signal: CancelSignal | undefined,
    private readonly resolve: (response: TunnelResponse | null) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    signal?.addEventListener("abort", this.onCancel, { once: true });
  }

  private abortWith(reason: Error) {
    if (this.abortRequest) this.abortRequest(reason);
    else this.pendingAbort = reason; // not connected yet: onConnect aborts
  }

  private settle(outcome: () => void) {
    if (this.settled) return;
    this.settled = true;
    outcome();
  }

  private finish() {
    this.signal?.removeEventListener("abort", this.onCancel);
  }

  onConnect(abort: Abort) {
    this.abortRequest = abort;
    if (this.signal?.aborted) this.pendingAbort ??= new undiciErrors.RequestAbortedError();
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: the answer is still to come
    const headers = undiciUtil.parseHeaders(rawHeaders) as Record<string, string | string[]>;
    let sink: Writable | null;
    try {
      sink = this.direct(statusCode, headers);
    } catch (error) {
      this.settle(() => this.reject(error));
      this.abortWith(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (sink) {
      this.sink = sink;
      sink.on("drain", resume);
      return !sink.writableNeedDrain;
    }
    const abortBody = () => this.abortWith(new undiciErrors.RequestAbortedError());
    const body = Object.assign(new Readable({ read: () => resume() }), {
      // Like undici's: whoever discards the answer does not wait for the rest of it. Destroyed
      // first, so the abort's error is not emitted on a body nobody listens to any more.
      dump: async () => {
        body.destroy();
        abortBody();
      },
    });
    this.body = body;
    this.settle(() => this.resolve({ statusCode, headers, body }));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.sink) return this.sink.write(chunk);
    return this.body ? this.body.push(chunk) : true;
  }

  onComplete() {
    this.finish();
    if (this.sink) this.sink.end();
    else this.body?.push(null);
    this.settle(() => this.resolve(null));
  }

  onError(error: Error) {
    this.finish();
    // Once the answer's head has gone on, the caller sees its body cut off (as with a failed pipe).
    if (this.sink) this.sink.destroy();
    else if (this.body && !this.body.destroyed) this.body.destroy(error);
    this.settle(() => (this.sink ? this.resolve(null) : this.reject(error)));
  }
}
