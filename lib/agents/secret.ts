import { createHash, randomBytes } from "node:crypto";

// An agent token is "kwa_" and 43 characters of base64url (256 random bits),
// kept apart from API keys ("kw_") so neither can be used as the other. Only
// its SHA-256 is stored, as for API keys.

export const AGENT_TOKEN_PREFIX = "kwa_";
/** How much of the token the list shows: "kwa_" and 8 characters. */
export const SHOWN_TOKEN_PREFIX_LENGTH = AGENT_TOKEN_PREFIX.length + 8;
const TOKEN_PATTERN = /^kwa_[A-Za-z0-9_-]{43}$/;

export function newAgentToken(): { token: string; prefix: string; tokenHash: string } {
  const token = `${AGENT_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, prefix: token.slice(0, SHOWN_TOKEN_PREFIX_LENGTH), tokenHash: hashAgentToken(token) };
}

export function hashAgentToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function looksLikeAgentToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
