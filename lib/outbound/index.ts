import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Agent, request } from "undici";
import { config } from "../config";
import { checkAddress, parseAllowList, type AllowList } from "./address-policy";

// The one way Keyway sends an HTTP request for a user (DESIGN.md, "Outbound
// HTTP"): the host is resolved once, every address is checked against the
// blocked ranges, and the connection goes to the address that was checked (no
// second lookup a DNS rebinding could answer differently). Redirects are
// followed here, each hop checked again. Time-out and size limits apply.

export type OutboundErrorKind =
  | "blocked"
  | "dns"
  | "refused"
  | "timeout"
  | "tls"
  | "reset"
  | "too-large"
  | "too-many-redirects"
  | "invalid-url";
export type TlsReason = "unknown-ca" | "expired" | "hostname-mismatch" | "client-certificate-required" | "client-certificate-rejected" | "handshake";

export class OutboundError extends Error {
  override name = "OutboundError";
  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
    readonly tlsReason?: TlsReason,
  ) {
    super(message);
  }
}

export type TlsOptions = { cert?: string; key?: string; passphrase?: string; ca?: string };

export type OutboundRequest = {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  tls?: TlsOptions;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Defaults to KEYWAY_OUTBOUND_ALLOW; tests pass their own instead of touching the environment. */
  allow?: AllowList;
  /** Defaults to the system resolver; tests inject one to make a name resolve where they want. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
};

export type OutboundResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  timings: { totalMs: number };
  redirects: string[];
  finalUrl: string;
};

let configuredAllowList: AllowList | undefined;
function defaultAllowList(): AllowList {
  configuredAllowList ??= parseAllowList(config().KEYWAY_OUTBOUND_ALLOW);
  return configuredAllowList;
}

const systemResolve = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

function blocked(host: string, reason: string): OutboundError {
  return new OutboundError("blocked", `Blocked by outbound safety: ${host} resolves to ${reason}. An administrator can allow the range with KEYWAY_OUTBOUND_ALLOW.`);
}

/** A `lookup` for net.connect that checks every address before any is used. */
function guardedLookup(allow: AllowList, resolve: (hostname: string) => Promise<LookupAddress[]>): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        for (const { address } of addresses) {
          const verdict = checkAddress(address, allow);
          if (!verdict.allowed) return callback(blocked(hostname, verdict.reason), "", 4);
        }
        if (addresses.length === 0) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), "", 4);
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 4),
    );
  };
}

function parseTarget(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError("invalid-url", "The URL is not valid.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new OutboundError("invalid-url", `Only http and https URLs can be requested, not ${url.protocol}`);
  if (url.username || url.password) throw new OutboundError("invalid-url", "Credentials in the URL are not sent; use the connection's authentication.");
  return url;
}

/** IP literals never reach `lookup` (net.connect skips it), so they are checked here. */
function checkLiteralHost(url: URL, allow: AllowList) {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    const verdict = checkAddress(host, allow);
    if (!verdict.allowed) throw blocked(host, verdict.reason);
  }
}

const TLS_REASONS: Record<string, TlsReason> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unknown-ca",
  SELF_SIGNED_CERT_IN_CHAIN: "unknown-ca",
  DEPTH_ZERO_SELF_SIGNED_CERT: "unknown-ca",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unknown-ca",
  UNABLE_TO_GET_ISSUER_CERT: "unknown-ca",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname-mismatch",
};

const TLS_MESSAGES: Record<TlsReason, string> = {
  "unknown-ca": "The TLS handshake failed: the server's certificate is not signed by a certificate authority Keyway trusts. Add the server's CA bundle to the connection's certificate settings.",
  expired: "The TLS handshake failed: the server's certificate has expired (or is not valid yet).",
  "hostname-mismatch": "The TLS handshake failed: the server's certificate is for another host name than the one in the URL.",
  "client-certificate-required": "The TLS handshake failed: the server requires a client certificate that it accepts. Check the connection's client SSL certificate.",
  "client-certificate-rejected":
    "The server closed the connection right after the TLS handshake without answering: it most likely does not accept the connection's client certificate (for example, one not signed by the CA it trusts).",
  handshake: "The TLS handshake failed.",
};

/** Turns a low-level failure into one the user can act on; never includes headers or bodies. */
export function explainFailure(error: unknown, host: string, timeoutMs: number): OutboundError {
  if (error instanceof OutboundError) return error;
  const chain: (Error & { code?: string })[] = [];
  for (let e = error as (Error & { code?: string; cause?: unknown }) | undefined; e && chain.length < 5; e = e.cause as typeof e) chain.push(e);
  if (chain.some((e) => e instanceof OutboundError)) return chain.find((e) => e instanceof OutboundError) as OutboundError;
  const codes = chain.map((e) => e.code ?? "");
  const text = chain.map((e) => `${e.name} ${e.message}`).join(" | ");
  const has = (code: string) => codes.includes(code);
  if (has("KEYWAY_CLIENT_CERT_REJECTED")) return new OutboundError("tls", TLS_MESSAGES["client-certificate-rejected"], "client-certificate-rejected");
  const tlsCode = codes.find((c) => c in TLS_REASONS);
  if (tlsCode) {
    const reason = TLS_REASONS[tlsCode]!;
    return new OutboundError("tls", TLS_MESSAGES[reason], reason);
  }
  if (/certificate required|CERTIFICATE_REQUIRED|alert handshake failure|ALERT_HANDSHAKE_FAILURE|peer did not return a certificate/i.test(text)) {
    return new OutboundError("tls", TLS_MESSAGES["client-certificate-required"], "client-certificate-required");
  }
  if (has("ENOTFOUND") || has("EAI_AGAIN") || has("EAI_NODATA")) return new OutboundError("dns", `The host ${host} was not found (DNS).`);
  if (has("ECONNREFUSED")) return new OutboundError("refused", `The connection to ${host} was refused: nothing is listening on that port.`);
  if (has("UND_ERR_CONNECT_TIMEOUT") || has("UND_ERR_HEADERS_TIMEOUT") || has("UND_ERR_BODY_TIMEOUT") || chain.some((e) => e.name === "TimeoutError")) {
    return new OutboundError("timeout", `${host} did not answer within ${Math.round(timeoutMs / 1000)} seconds.`);
  }
  if (/ERR_SSL|SSL routines|tlsv1 alert|TLS/i.test(text)) return new OutboundError("tls", TLS_MESSAGES.handshake, "handshake");
  if (has("ECONNRESET") || has("UND_ERR_SOCKET") || has("EPIPE")) return new OutboundError("reset", `${host} closed the connection before answering.`);
  return new OutboundError("reset", `The request to ${host} failed (${codes.find(Boolean) ?? chain[0]?.name ?? "unknown error"}).`);
}

/**
 * Under TLS 1.3 a server that wants a client certificate refuses it only after
 * the handshake, with an alert that undici reports as "other side closed".
 * One bare TLS connection with the same settings hears the alert itself, so a
 * closed connection can be explained (e.g. "client certificate required").
 */
function probeTlsFailure(url: URL, tls: TlsOptions | undefined, lookup: LookupFunction, timeoutMs: number): Promise<Error | undefined> {
  let handshakeDone = false;
  let answered = false;
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 443), servername: isIP(url.hostname) ? undefined : url.hostname, lookup, ...(tls ?? {}) }, () => {
      handshakeDone = true;
      socket.write(`HEAD / HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    });
    const timer = setTimeout(() => finish(undefined), Math.min(timeoutMs, 3000));
    function finish(error: Error | undefined) {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    }
    socket.on("error", finish);
    socket.on("data", () => {
      answered = true;
      finish(undefined);
    });
    // Closed silently after a handshake in which we sent a certificate: the server did not like it.
    socket.on("close", () => finish(handshakeDone && !answered && tls?.cert ? Object.assign(new Error("closed after handshake"), { code: "KEYWAY_CLIENT_CERT_REJECTED" }) : undefined));
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

export async function sendRequest(options: OutboundRequest): Promise<OutboundResponse> {
  const allow = options.allow ?? defaultAllowList();
  const timeoutMs = options.timeoutMs ?? config().KEYWAY_OUTBOUND_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? config().KEYWAY_OUTBOUND_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 5;
  const started = performance.now();
  // One deadline for the whole exchange, redirects and body included.
  const signal = AbortSignal.timeout(timeoutMs);
  const lookup = guardedLookup(allow, options.resolve ?? systemResolve);
  const agent = new Agent({
    connect: {
      lookup,
      timeout: timeoutMs,
      ...(options.tls ?? {}),
    },
  });

  let url = parseTarget(options.url);
  let method = options.method.toUpperCase();
  let headers = { ...(options.headers ?? {}) };
  let body = options.body;
  const redirects: string[] = [];
  try {
    for (;;) {
      checkLiteralHost(url, allow);
      let response;
      try {
        response = await request(url, { method: method as "GET", headers, body, dispatcher: agent, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      } catch (error) {
        const explained = explainFailure(error, url.host, timeoutMs);
        if (explained.kind === "reset" && url.protocol === "https:") {
          const heard = await probeTlsFailure(url, options.tls, lookup, timeoutMs);
          if (heard) throw explainFailure(heard, url.host, timeoutMs);
        }
        throw explained;
      }
      const location = response.headers.location;
      if (REDIRECTS.has(response.statusCode) && typeof location === "string") {
        await response.body.dump();
        if (redirects.length >= maxRedirects) throw new OutboundError("too-many-redirects", `Stopped after ${maxRedirects} redirects.`);
        const next = parseTarget(new URL(location, url).href);
        if (next.origin !== url.origin) {
          // Credentials were meant for the first origin, not wherever it points.
          headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
        }
        if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === "POST")) {
          method = method === "HEAD" ? "HEAD" : "GET";
          body = undefined;
          headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
        }
        redirects.push(next.href);
        url = next;
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body) {
          size += (chunk as Buffer).length;
          if (size > maxBytes) {
            response.body.destroy();
            throw new OutboundError("too-large", `The response is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; Keyway stopped reading it.`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (error) {
        throw explainFailure(error, url.host, timeoutMs);
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        body: Buffer.concat(chunks),
        timings: { totalMs: performance.now() - started },
        redirects,
        finalUrl: url.href,
      };
    }
  } finally {
    void agent.close().catch(() => undefined);
  }
}
