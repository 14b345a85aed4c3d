import { config } from "../config";
import { findKey, type KeyRow } from "./check";

// API keys by hash, while change notifications keep them current
// (lib/db/notifications.ts): a revocation or expiry change evicts the key on every
// instance when it commits. Unknown keys are not remembered, so a key created
// a moment ago works at once. Entries also age out after
// KEYWAY_PROXY_CACHE_MS, which bounds the damage of a notification that never came.

type CachedKey = { row: KeyRow; fetchedAt: number };

const state = globalThis as unknown as { keywayProxyKeys?: Map<string, CachedKey>; keywayProxyKeyGeneration?: { value: number } };
const keys = (state.keywayProxyKeys ??= new Map());
// Bumped by every eviction: a lookup that started before one must not store what it read.
const generation = (state.keywayProxyKeyGeneration ??= { value: 0 });

/** The key's row while the cache holds it current, without a promise (the proxy's common case); undefined when it must be read. */
export function currentCachedKey(keyHash: string): KeyRow | undefined {
  const hit = keys.get(keyHash);
  return hit && Date.now() - hit.fetchedAt < config().KEYWAY_PROXY_CACHE_MS ? hit.row : undefined;
}

export async function cachedKey(keyHash: string): Promise<KeyRow | null> {
  const current = currentCachedKey(keyHash);
  if (current) return current;
  const started = generation.value;
  const row = await findKey(keyHash);
  if (row && generation.value === started) keys.set(keyHash, { row, fetchedAt: Date.now() });
  else keys.delete(keyHash);
  return row;
}

export function evictKey(keyId: string): void {
  generation.value += 1;
  for (const [hash, entry] of keys) if (entry.row.keyId === keyId) keys.delete(hash);
}

export function evictAllKeys(): void {
  generation.value += 1;
  keys.clear();
}
