import { bearerTokenPattern, hashBearerToken, newBearerToken, SHOWN_EXTRA_CHARACTERS } from "../crypto/bearer-token";

// An agent token is "kwa_" and 256 random bits (lib/crypto/bearer-token.ts),
// kept apart from API keys ("kw_") so neither can be used as the other.

export const AGENT_TOKEN_PREFIX = "kwa_";
/** How much of the token the list shows: "kwa_" and 8 characters. */
export const SHOWN_TOKEN_PREFIX_LENGTH = AGENT_TOKEN_PREFIX.length + SHOWN_EXTRA_CHARACTERS;
const TOKEN_PATTERN = bearerTokenPattern(AGENT_TOKEN_PREFIX);

export function newAgentToken(): { token: string; prefix: string; tokenHash: string } {
  const { token, shown, hash } = newBearerToken(AGENT_TOKEN_PREFIX);
  return { token, prefix: shown, tokenHash: hash };
}

export const hashAgentToken = hashBearerToken;

export function looksLikeAgentToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
