// When a saved access token is still good enough to use (pure, for the unit tests).

/**
 * A token that expires within this margin is refreshed before use. A token
 * that lives less than twice as long gets half its lifetime instead, so that
 * a provider issuing one-minute tokens does not cause a refresh on every use.
 */
export const REFRESH_MARGIN_MS = 60_000;

export type Freshness = { expiresAt: Date | null; obtainedAt: Date; refreshedAt: Date | null };

export function isFresh(row: Freshness, now = Date.now()): boolean {
  if (row.expiresAt === null) return true;
  const lifetime = row.expiresAt.getTime() - (row.refreshedAt ?? row.obtainedAt).getTime();
  const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, lifetime / 2));
  return row.expiresAt.getTime() - now > margin;
}

