import { hash, randomBytes } from "node:crypto";

// Keyway's bearer tokens (team API keys "kw_…", agent tokens "kwa_…"): a
// prefix naming the kind, then 43 characters of base64url (256 random bits).
// Only the SHA-256 is stored: with that much entropy a slow password hash
// would add nothing but latency to every request that presents one. Lists
// show the prefix and 8 more characters, enough to tell tokens apart and far
// too little to guess the rest.

export const SHOWN_EXTRA_CHARACTERS = 8;

export function newBearerToken(prefix: string): { token: string; shown: string; hash: string } {
  const token = `${prefix}${randomBytes(32).toString("base64url")}`;
  return { token, shown: token.slice(0, prefix.length + SHOWN_EXTRA_CHARACTERS), hash: hashBearerToken(token) };
}

/** Once per proxied request: the one-shot hash, which costs about half of a Hash object's three calls. */
export function hashBearerToken(token: string): string {
  return hash("sha256", token, "hex");
}

/** The shape check made before any lookup, so garbage never costs a query. */
export function bearerTokenPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);
}
