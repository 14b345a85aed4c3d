import type { AuditActor } from "../audit";
import { hashApiKey, looksLikeApiKey } from "../api-keys/secret";
import { hasScope, type ApiKeyScope } from "../api-keys/scopes";
import { findKey } from "../proxy/check";
import { cachesKeptCurrent } from "../proxy/invalidation";
import { cachedKey } from "../proxy/keys";
import { ApiProblem } from "./problem";

// /api/v1 is called with a team API key (Authorization: Bearer kw_…); what a
// key may do is its scopes. Keys come from the proxy's cache while the
// database's change notifications keep it current (a revocation or a scope
// change evicts the key on every instance when it commits), and are read on
// every request otherwise; expiry is checked here on each request either way.

export type ApiCaller = {
  keyId: string;
  keyName: string;
  keyPrefix: string;
  teamId: string;
  scopes: string[];
  /** Writes made through the API are audited with the key as the actor. */
  actor: AuditActor;
};

const CHALLENGE = `Bearer realm="keyway"`;

function unauthorized(code: string, detail: string): ApiProblem {
  return new ApiProblem(401, code, "The request needs a valid team API key.", detail, undefined, { "www-authenticate": `${CHALLENGE}, error="invalid_token"` });
}

export function actorOfKey(key: { keyId: string; keyName: string; keyPrefix: string }, ip: string): AuditActor {
  return { id: null, label: `API key “${key.keyName}” (${key.keyPrefix}…)`, ip, apiKeyId: key.keyId };
}

export async function authenticate(authorization: string | null, ip: string): Promise<ApiCaller> {
  if (!authorization) {
    throw new ApiProblem(401, "missing_api_key", "The request needs a valid team API key.", "Send a team API key: Authorization: Bearer <key>. Admins create keys under API keys in Keyway.", undefined, { "www-authenticate": CHALLENGE });
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1] || !looksLikeApiKey(match[1])) throw unauthorized("invalid_api_key", "The Authorization header does not hold a Keyway API key (Bearer kw_…).");
  const hash = hashApiKey(match[1]);
  const key = cachesKeptCurrent() ? await cachedKey(hash) : await findKey(hash);
  if (!key) throw unauthorized("invalid_api_key", "This API key is not known to Keyway. It may have been mistyped, or deleted with its team.");
  if (key.revoked) throw unauthorized("api_key_revoked", `The API key “${key.keyName}” (${key.keyPrefix}…) was revoked. Ask a team admin for a new one.`);
  if (key.expiresAtMs !== null && key.expiresAtMs <= Date.now()) throw unauthorized("api_key_expired", `The API key “${key.keyName}” (${key.keyPrefix}…) has expired. Ask a team admin for a new one.`);
  return { keyId: key.keyId, keyName: key.keyName, keyPrefix: key.keyPrefix, teamId: key.teamId, scopes: key.scopes, actor: actorOfKey(key, ip) };
}

export function requireScope(caller: ApiCaller, scope: ApiKeyScope): void {
  if (hasScope(caller.scopes, scope)) return;
  throw new ApiProblem(403, "insufficient_scope", "The API key lacks the scope this needs.", `This needs the “${scope}” scope; the key “${caller.keyName}” has ${caller.scopes.length ? caller.scopes.map((s) => `“${s}”`).join(", ") : "none"}. Ask a team admin for a key with it.`, undefined, {
    "www-authenticate": `${CHALLENGE}, error="insufficient_scope", scope="${scope}"`,
  });
}
