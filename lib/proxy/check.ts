import { Pool } from "pg";
import { config } from "../config";

// The proxy's one query per request in the steady state: is the key valid,
// does the connection belong to the key's team, and which version of the
// connection, its token set and its OAuth client is current. Versions are
// the rows' xmin (the id of the transaction that last wrote them), so any
// change on any instance, through any code path, shows up here at once and
// the cached copy is rebuilt.

const globalForProxy = globalThis as unknown as { keywayProxyPool?: Pool };

function pool(): Pool {
  if (globalForProxy.keywayProxyPool) return globalForProxy.keywayProxyPool;
  const { DATABASE_URL, DATABASE_POOL_SIZE } = config();
  if (!DATABASE_URL) throw new Error("DATABASE_URL is not set");
  const created = new Pool({ connectionString: DATABASE_URL, max: DATABASE_POOL_SIZE });
  // A dropped idle connection is replaced on the next query; without a listener pg would crash the process.
  created.on("error", (error) => console.warn(`Proxy database connection lost: ${error.message}`));
  globalForProxy.keywayProxyPool = created;
  return created;
}

export async function closeProxyPool(): Promise<void> {
  const current = globalForProxy.keywayProxyPool;
  globalForProxy.keywayProxyPool = undefined;
  await current?.end();
}

export type KeyCheck = {
  keyId: string;
  keyName: string;
  keyPrefix: string;
  teamId: string;
  revoked: boolean;
  expired: boolean;
  /** Null when the connection does not exist or belongs to another team. */
  connectionVersion: string | null;
};

// Unnamed statement: the embedded database runs every client connection in one session, where named ones collide.
const CHECK_SQL = `
  SELECT k.id AS "keyId", k.name AS "keyName", k.prefix AS "keyPrefix", k."teamId",
         k."revokedAt" IS NOT NULL AS revoked,
         (k."expiresAt" IS NOT NULL AND k."expiresAt" <= (now() AT TIME ZONE 'UTC')) AS expired,
         CASE WHEN c.id IS NULL THEN NULL ELSE c.xmin::text || ':' || coalesce(t.xmin::text, '-') || ':' || coalesce(o.xmin::text, '-') END AS "connectionVersion"
  FROM "ApiKey" k
  LEFT JOIN "Connection" c ON c.id = $2 AND c."teamId" = k."teamId"
  LEFT JOIN "TokenSet" t ON t."connectionId" = c.id
  LEFT JOIN "OAuthClient" o ON o.id = c."oauthClientId"
  WHERE k."keyHash" = $1`;

export async function checkKeyAndConnection(keyHash: string, connectionId: string): Promise<KeyCheck | null> {
  const result = await pool().query<KeyCheck>(CHECK_SQL, [keyHash, connectionId]);
  return result.rows[0] ?? null;
}
