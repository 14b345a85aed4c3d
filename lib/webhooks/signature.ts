import { createHmac, timingSafeEqual } from "node:crypto";
import type { SignatureEncoding } from "./limits";

// HMAC-SHA256 signatures of webhook bodies, the way GitHub ("X-Hub-Signature-256:
// sha256=<hex>") and many others send them: over the raw body bytes, encoded as
// hex or base64, after an optional prefix.

export type SignatureSettings = { encoding: SignatureEncoding; prefix: string };

/** The header value a sender that knows `secret` would send for `body`. */
export function signBody(secret: string, body: Uint8Array, settings: SignatureSettings): string {
  const digest = createHmac("sha256", secret).update(body).digest();
  return settings.prefix + digest.toString(settings.encoding);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The digest bytes a header value carries, or null when it is not of the expected form. */
function decodeSignature(value: string, settings: SignatureSettings): Buffer | null {
  let encoded = value.trim();
  if (settings.prefix) {
    // "sha256=" and "SHA256=" are the same prefix to a sender; the digest itself is compared exactly.
    if (encoded.slice(0, settings.prefix.length).toLowerCase() !== settings.prefix.toLowerCase()) return null;
    encoded = encoded.slice(settings.prefix.length);
  }
  if (encoded === "") return null;
  if (settings.encoding === "hex") return HEX.test(encoded) && encoded.length % 2 === 0 ? Buffer.from(encoded, "hex") : null;
  return BASE64.test(encoded) ? Buffer.from(encoded, "base64") : null;
}

/**
 * True when `headerValue` is the HMAC-SHA256 of `body` under `secret`. The
 * comparison takes the same time wherever the first difference is; a value of
 * the wrong form or length is refused without throwing.
 */
export function verifySignature(secret: string, body: Uint8Array, headerValue: string | null | undefined, settings: SignatureSettings): boolean {
  const expected = createHmac("sha256", secret).update(body).digest();
  if (!headerValue) return false;
  const received = decodeSignature(headerValue, settings);
  if (!received || received.length !== expected.length) {
    // Compare anyway so a malformed value costs the same as a wrong one.
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(received, expected);
}
