import { config } from "../config";
import { db } from "../db";
import { takeWebhookHit } from "../auth/rate-limit";
import { decryptSecret } from "../crypto";
import { CLIENT_IP_HEADER, clientIp } from "../request-ip";
import { fixedSecurityHeaders } from "../security-headers";
import { MAX_WEBHOOK_BODY_BYTES, SIGNATURE_ENCODINGS, SIGNATURE_SCHEMES, webhookSecretContext, type SignatureEncoding, type SignatureScheme } from "./limits";
import { verifyPreset } from "./presets";
import { countRefusal, storeEvent } from "./store";

// The webhook receiver (SPEC.md, "Webhooks"): POST /api/hooks/<token> of a
// connection of type Webhook receiver. Framework-free: takes a standard Request, returns
// the status and JSON the route sends. Never logs a secret or a body.

export type ReceiveOutcome = {
  status: 202 | 401 | 404 | 408 | 413 | 429;
  body: { id: string; receivedAt: string } | { error: { code: string; message: string } };
  headers?: Record<string, string>;
};

export { webhookSecretContext };

const REDACTED_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

function refuse(status: ReceiveOutcome["status"], code: string, message: string, headers?: Record<string, string>): ReceiveOutcome {
  return { status, body: { error: { code, message } }, headers };
}

const notFound = () => refuse(404, "webhook_not_found", "No webhook is registered at this address.");
const tooLarge = () => refuse(413, "payload_too_large", `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes (1 MB); nothing was stored.`);

// Put on every request by Keyway or by Next before a route sees it, so not the sender's: stored,
// they would be shown, forwarded and replayed as if sent. proxy.ts sets the page nonce's policy,
// and Next copies every header of proxy.ts's answer onto the request too (the security headers;
// resolve-routes.js), replacing any the sender sent under those names. server.ts stamps the
// caller's address, and Next adds X-Forwarded-Host, -Port and -Proto naming Keyway; any other
// X-Forwarded-* came from the reverse proxy in front of Keyway (the address is kept apart).
let keywayRequestHeaders: Set<string> | undefined;
function isKeywaysOwn(name: string): boolean {
  keywayRequestHeaders ??= new Set([
    "content-security-policy",
    "strict-transport-security",
    CLIENT_IP_HEADER,
    ...Object.keys(fixedSecurityHeaders()).map((header) => header.toLowerCase()),
  ]);
  return keywayRequestHeaders.has(name) || name.startsWith("x-forwarded-");
}

/** The headers as received, with credentials replaced: a webhook's sender may send its own. */
export function headersToStore(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (isKeywaysOwn(name)) continue;
    kept[name] = REDACTED_HEADERS.has(name) ? "[redacted]" : value;
  }
  return kept;
}

/**
 * The body, or "too_large" as soon as more than `limit` bytes arrived, or
 * "timeout" when the whole body has not arrived within `timeoutMs` (the rest
 * is not read). A chunked body has no Content-Length to check first, and a
 * sender that stalls mid-body would otherwise hold its memory for as long as
 * Node lets a request last (300 s).
 */
export async function readBodyWithin(body: ReadableStream<Uint8Array> | null, limit: number, timeoutMs = Infinity): Promise<Uint8Array | "too_large" | "timeout"> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timedOut = false;
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(() => {
        timedOut = true;
        // Ends the pending read (done), and tells the stream's source to stop.
        reader.cancel().catch(() => {});
      }, timeoutMs)
    : undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) return "timeout";
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        return "too_large";
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

/** The client's address; an IPv4 client seen through an IPv6 socket (::ffff:203.0.113.7) as plain IPv4. */
export function sourceAddress(headers: Headers): string {
  const ip = clientIp(headers);
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

export async function receiveWebhook(token: string, request: Request): Promise<ReceiveOutcome> {
  if (!TOKEN_SHAPE.test(token)) return notFound();
  const connection = await db.connection.findUnique({
    where: { webhookToken: token },
    select: {
      id: true,
      teamId: true,
      authType: true,
      webhookForwardUrl: true,
      webhookSecret: true,
      webhookSignatureHeader: true,
      webhookSignatureEncoding: true,
      webhookSignaturePrefix: true,
      webhookSignatureScheme: true,
      webhookToleranceSeconds: true,
    },
  });
  if (!connection || connection.authType !== "WEBHOOK") return notFound();

  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_WEBHOOK_BODY_BYTES) return tooLarge();

  const verdict = await takeWebhookHit(connection.id);
  if (!verdict.allowed) {
    return refuse(429, "rate_limited", `This webhook accepts a limited number of events per minute; retry in ${verdict.retryAfterSeconds} s.`, {
      "Retry-After": String(verdict.retryAfterSeconds),
    });
  }

  const timeoutMs = config().KEYWAY_WEBHOOK_BODY_TIMEOUT_MS;
  const body = await readBodyWithin(request.body, MAX_WEBHOOK_BODY_BYTES, timeoutMs);
  if (body === "too_large") return tooLarge();
  // Connection: close, so the server does not wait for the rest of the body on this socket either.
  if (body === "timeout") return refuse(408, "body_timeout", `The body did not arrive in full within ${timeoutMs / 1000} s; nothing was stored.`, { Connection: "close" });

  let signatureVerified: boolean | null = null;
  if (connection.webhookSecret) {
    const secret = decryptSecret(connection.webhookSecret, webhookSecretContext(connection.id));
    const encoding: SignatureEncoding = (SIGNATURE_ENCODINGS as readonly string[]).includes(connection.webhookSignatureEncoding) ? (connection.webhookSignatureEncoding as SignatureEncoding) : "hex";
    const scheme: SignatureScheme = (SIGNATURE_SCHEMES as readonly string[]).includes(connection.webhookSignatureScheme) ? (connection.webhookSignatureScheme as SignatureScheme) : "custom";
    const verdict = verifyPreset({
      scheme,
      secret,
      body,
      headers: request.headers,
      toleranceSeconds: connection.webhookToleranceSeconds,
      custom: { header: connection.webhookSignatureHeader, encoding, prefix: connection.webhookSignaturePrefix },
    });
    if (!verdict.ok) {
      await countRefusal(connection.id);
      return refuse(401, verdict.code, verdict.message);
    }
    signatureVerified = true;
  }

  const stored = await storeEvent({
    connectionId: connection.id,
    contentType: request.headers.get("content-type"),
    headers: headersToStore(request.headers),
    body,
    sourceIp: sourceAddress(request.headers),
    signatureVerified,
    // Stored with the event and its job in one transaction: once answered 202, the forward happens (at least once).
    forwardForTeam: connection.webhookForwardUrl ? connection.teamId : null,
  });
  return { status: 202, body: { id: stored.id, receivedAt: stored.receivedAt.toISOString() } };
}
