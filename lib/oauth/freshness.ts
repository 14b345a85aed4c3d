// When a saved access token is still good enough to use (pure, for the unit tests).

/**
 * A token that expires within this margin is refreshed before use. A token
 * that lives less than twice as long gets half its lifetime instead, so that
 * a provider issuing one-minute tokens does not cause a refresh on every use.
 */
export const REFRESH_MARGIN_MS = 60_000;

/** A token with nothing to renew it (no refresh token) is used until its real expiry, less this much for clock skew and the request's way there. */
export const LAST_USE_MARGIN_MS = 2_000;

/** `renewable`: a new token can be had without the user (a refresh token, or the client credentials grant); assumed when absent. */
export type Freshness = { expiresAt: Date | null; obtainedAt: Date; refreshedAt: Date | null; renewable?: boolean };

export function isFresh(row: Freshness, now = Date.now()): boolean {
  if (row.expiresAt === null) return true;
  if (row.renewable === false) return row.expiresAt.getTime() - now > LAST_USE_MARGIN_MS;
  const lifetime = row.expiresAt.getTime() - (row.refreshedAt ?? row.obtainedAt).getTime();
  const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, lifetime / 2));
  return row.expiresAt.getTime() - now > margin;
}

