import { bearerTokenPattern, hashBearerToken, newBearerToken } from "../crypto/bearer-token";

// A team API key is "kw_" and 256 random bits (lib/crypto/bearer-token.ts).

export const API_KEY_PREFIX = "kw_";
const KEY_PATTERN = bearerTokenPattern(API_KEY_PREFIX);

export function newApiKey(): { key: string; prefix: string; keyHash: string } {
  const { token, shown, hash } = newBearerToken(API_KEY_PREFIX);
  return { key: token, prefix: shown, keyHash: hash };
}

export const hashApiKey = hashBearerToken;

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}
