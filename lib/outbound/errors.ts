// Failures of an outbound request, told in words a user can act on ("the host
// was not found", "the server's certificate has expired") rather than in
// socket error codes. Messages name hosts, addresses and limits, never header
// values or bodies: those may hold the connection's secrets, and messages are
// stored in test history and shown in the browser.

export type OutboundErrorKind = "blocked" | "dns" | "refused" | "timeout" | "tls" | "reset" | "too-large" | "too-many-redirects" | "invalid-url" | "agent" | "cancelled";

export type TlsReason =
  | "unknown-ca"
  | "expired"
  | "hostname-mismatch"
  | "client-certificate-required"
  | "client-certificate-rejected"
  | "not-tls"
  | "handshake";

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

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / 1024 / 1024, "MB"];
  return `${Number(value.toFixed(1))} ${unit}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} seconds`;
}

/** What the client knew when a request failed, beyond the error itself. */
export type FailureContext = {
  /** host[:port] of the request that failed. */
  host: string;
  https: boolean;
  timeoutMs: number;
  /** The deadline for the whole exchange had passed. */
  timedOut: boolean;
  sentClientCertificate: boolean;
  /**
   * An error the TLS socket reported that undici did not pass on: under TLS
   * 1.3 a server refuses a client certificate only after the client's side of
   * the handshake is done, and undici reports the alert as "other side closed".
   */
  socketError?: Error;
  /** A TLS handshake with the server completed before the connection closed. */
  handshakeCompleted: boolean;
  /** Response headers had arrived: the failure happened while reading the body. */
  answered: boolean;
};

const VERIFY_REASONS: Record<string, TlsReason> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unknown-ca",
  SELF_SIGNED_CERT_IN_CHAIN: "unknown-ca",
  DEPTH_ZERO_SELF_SIGNED_CERT: "unknown-ca",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unknown-ca",
  UNABLE_TO_GET_ISSUER_CERT: "unknown-ca",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname-mismatch",
};

// Alerts a server sends about the certificate the client presented.
const CLIENT_CERTIFICATE_ALERTS = /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/;

function tlsMessage(reason: TlsReason, host: string): string {
  switch (reason) {
    case "unknown-ca":
      return `The TLS handshake with ${host} failed: its certificate is not signed by a certificate authority Keyway trusts. If the server uses a private CA, add its CA bundle to the connection's certificate settings.`;
    case "expired":
      return `The TLS handshake with ${host} failed: its certificate has expired (or is not valid yet).`;
    case "hostname-mismatch":
      return `The TLS handshake with ${host} failed: its certificate is for another host name than the one in the URL.`;
    case "client-certificate-required":
      return `The TLS handshake with ${host} failed: the server requires a client certificate and none was sent. Turn on "Use client SSL certificate" for the connection and add the certificate and key.`;
    case "client-certificate-rejected":
      return `The TLS handshake with ${host} failed: the server did not accept the connection's client certificate (for example, it is not signed by a CA the server trusts, or has expired).`;
    case "not-tls":
      return `${host} did not answer in TLS. Check whether the URL should start with http:// rather than https://, and the port.`;
    case "handshake":
      return `The TLS handshake with ${host} failed.`;
  }
}

function tlsError(reason: TlsReason, host: string, detail?: string): OutboundError {
  const message = tlsMessage(reason, host);
  // An OpenSSL or Node error code ("ERR_SSL_NO_SHARED_CIPHER") helps whoever runs the server; it holds no secrets.
  return new OutboundError("tls", detail ? `${message} (${detail})` : message, reason);
}

type ChainLink = Error & { code?: unknown };

function errorChain(error: unknown): ChainLink[] {
  const chain: ChainLink[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** Turns a low-level failure into one the user can act on. */
export function explainFailure(error: unknown, context: FailureContext): OutboundError {
  const chain = errorChain(error);
  const known = chain.find((e): e is OutboundError => e instanceof OutboundError);
  if (known) return known;
  const { host } = context;
  if (context.timedOut) return new OutboundError("timeout", `${host} did not answer within ${formatDuration(context.timeoutMs)}; the request was stopped.`);

  if (context.socketError) chain.push(context.socketError);
  const codes = chain.map((e) => (typeof e.code === "string" ? e.code : ""));
  const text = chain.map((e) => e.message).join(" | ");
  const has = (code: string) => codes.includes(code);

  const verifyCode = codes.find((code) => code in VERIFY_REASONS);
  if (verifyCode) return tlsError(VERIFY_REASONS[verifyCode]!, host);

  if (has("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED") || /alert certificate required|alert number 116\b/i.test(text)) {
    return tlsError("client-certificate-required", host);
  }
  // TLS 1.2 has no "certificate required" alert: a server that asked for a certificate and got none answers "handshake failure".
  if (has("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE") || /alert handshake failure/i.test(text)) {
    if (context.sentClientCertificate) return tlsError("handshake", host, "the server sent a handshake failure alert");
    return new OutboundError(
      "tls",
      `The TLS handshake with ${host} failed: the server ended it with a "handshake failure" alert, most likely because it requires a client certificate and none was sent. Turn on "Use client SSL certificate" for the connection and add the certificate and key.`,
      "client-certificate-required",
    );
  }
  const certificateAlert = codes.find((code) => CLIENT_CERTIFICATE_ALERTS.test(code));
  if (certificateAlert) return context.sentClientCertificate ? tlsError("client-certificate-rejected", host) : tlsError("handshake", host, certificateAlert);
  if (has("ERR_SSL_WRONG_VERSION_NUMBER") || has("ERR_SSL_PACKET_LENGTH_TOO_LONG") || /wrong version number|packet length too long/i.test(text)) {
    return tlsError("not-tls", host);
  }

  if (has("ENOTFOUND") || has("EAI_AGAIN") || has("EAI_NODATA") || has("EAI_NONAME") || has("EAI_FAIL")) {
    return new OutboundError("dns", `The host ${host.replace(/:\d+$/, "")} was not found (DNS).`);
  }
  if (has("ECONNREFUSED")) return new OutboundError("refused", `The connection to ${host} was refused: nothing is listening on that port.`);
  if (has("EHOSTUNREACH") || has("ENETUNREACH")) return new OutboundError("refused", `${host} cannot be reached from Keyway's network.`);
  if (has("UND_ERR_CONNECT_TIMEOUT") || has("UND_ERR_HEADERS_TIMEOUT") || has("UND_ERR_BODY_TIMEOUT") || has("ETIMEDOUT") || chain.some((e) => e.name === "TimeoutError")) {
    return new OutboundError("timeout", `${host} did not answer within ${formatDuration(context.timeoutMs)}; the request was stopped.`);
  }

  const closed = has("UND_ERR_SOCKET") || has("ECONNRESET") || has("EPIPE") || /socket hang up|other side closed/i.test(text);
  const duringHandshake = /before secure TLS connection was established/i.test(text);
  if (closed && context.https && !context.answered && context.sentClientCertificate && (duringHandshake || context.handshakeCompleted)) {
    // A server that dislikes a client certificate often just hangs up (Node's own TLS servers do) instead of sending an alert.
    return new OutboundError(
      "tls",
      `${host} closed the connection right after the TLS handshake without answering: most likely it does not accept the connection's client certificate (for example, one not signed by a CA it trusts).`,
      "client-certificate-rejected",
    );
  }
  if (duringHandshake) return tlsError("handshake", host, "the server closed the connection during the handshake");
  const sslCode = codes.find((code) => code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"));
  if (sslCode) return tlsError("handshake", host, sslCode);
  if (closed) {
    return new OutboundError("reset", context.answered ? `${host} closed the connection before the whole response arrived.` : `${host} closed the connection without answering.`);
  }
  const code = codes.find(Boolean);
  return new OutboundError("reset", `The request to ${host} failed (${code || chain[0]?.name || "unknown error"}).`);
}
