/**
 * The cookie that binds a connect link's authorization to the browser that
 * started it: a random nonce whose SHA-256 is on the pending authorization.
 * HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET),
 * and it lives as long as a pending authorization (ten minutes).
 */
export const CONNECT_LINK_COOKIE = "keyway_connect";
export const CONNECT_LINK_COOKIE_MAX_AGE_S = 10 * 60;
