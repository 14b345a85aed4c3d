import { pool } from "../db/pool";

// The proxy's queries on its hot path. While this instance hears the
// database's change notifications (invalidation.ts), a cached key needs none;
// when it does not (a lost listening connection, a pooler that drops LISTEN),
// each request asks in one query: is the key valid, does the connection
// belong to the key's team, and which version of the connection, its token
// set and its OAuth client is current. Versions are the rows' xmin (the id of
// the transaction that last wrote them), so any change on any instance,
// through any code path, shows up at once and the cached copy is rebuilt.

export type KeyCheck = {
  keyId: string;
  keyName: string;
  keyPrefix: string;
  teamId: string;
  /** lib/api-keys/scopes.ts; the proxy needs "proxy". */
  scopes: string[];
  revoked: boolean;
  expired: boolean;
  /** Null when the connection does not exist or belongs to another team. */
  connectionVersion: string | null;
};

const CHECK_SQL = `
  SELECT k.id AS "keyId", k.name AS "keyName", k.prefix AS "keyPrefix", k."teamId", coalesce(k.scopes, '{}') AS scopes,
         k."revokedAt" IS NOT NULL AS revoked,
         (k."expiresAt" IS NOT NULL AND k."expiresAt" <= (now() AT TIME ZONE 'UTC')) AS expired,
         CASE WHEN c.id IS NULL THEN NULL ELSE c.xmin::text || ':' || coalesce(t.xmin::text, '-') || ':' || coalesce(o.xmin::text, '-') END AS "connectionVersion"
  FROM "ApiKey" k
  LEFT JOIN "Connection" c ON c.id = $2 AND c."teamId" = k."teamId"
  LEFT JOIN "TokenSet" t ON t."connectionId" = c.id
  LEFT JOIN "OAuthClient" o ON o.id = c."oauthClientId"
  WHERE k."keyHash" = $1`;

let preparedStatements = true;

export async function queryRows<T extends object>(name: string, text: string, values: unknown[]): Promise<T[]> {
  // A named (prepared) statement is parsed and planned once per connection, which more than
  // doubles the queries per second this can do. Behind a transaction-mode pooler, client
  // connections share server sessions, where a second PREPARE of the same name fails
  // (42P05): there, statements go unnamed.
  if (preparedStatements) {
    try {
      return (await pool().query<T>({ name, text, values })).rows;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "42P05") throw error;
      preparedStatements = false;
    }
  }
  return (await pool().query<T>(text, values)).rows;
}

export async function checkKeyAndConnection(keyHash: string, connectionId: string): Promise<KeyCheck | null> {
  return (await queryRows<KeyCheck>("keyway_proxy_check", CHECK_SQL, [keyHash, connectionId]))[0] ?? null;
}

export type KeyRow = Omit<KeyCheck, "expired" | "connectionVersion"> & { expiresAtMs: number | null };

const KEY_SQL = `
  SELECT id AS "keyId", name AS "keyName", prefix AS "keyPrefix", "teamId", coalesce(scopes, '{}') AS scopes, "revokedAt" IS NOT NULL AS revoked,
         (extract(epoch FROM "expiresAt" AT TIME ZONE 'UTC') * 1000)::float8 AS "expiresAtMs"
  FROM "ApiKey" WHERE "keyHash" = $1`;

/** A key by its hash, for the cache that change notifications keep current. */
export async function findKey(keyHash: string): Promise<KeyRow | null> {
  return (await queryRows<KeyRow>("keyway_proxy_key", KEY_SQL, [keyHash]))[0] ?? null;
}
