import { createHash, randomBytes } from "node:crypto";

// A team API key is "kw_" and 43 characters of base64url (256 random bits).
// Only its SHA-256 is stored: the key has enough entropy that a slow password
// hash would add nothing but latency to every proxied request.

export const API_KEY_PREFIX = "kw_";
/** How much of the key the list shows: "kw_" and 8 characters, enough to tell keys apart, far too little to guess the rest. */
export const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
const KEY_PATTERN = /^kw_[A-Za-z0-9_-]{43}$/;

export function newApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), keyHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Cheap shape check before any lookup, so garbage never costs a query. */
export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
