// One state for an OAuth2 connection, derived from its status and its token
// set, from which every badge and card on the pages is drawn, so that the
// status badge, the list and the authorization card never contradict each
// other (pure, for the unit tests).

export type ConnectionStatusValue = "UNTESTED" | "WORKING" | "FAILING" | "NEEDS_REAUTH";

export type TokenSetSummary = { expiresAt: Date | null; hasRefreshToken: boolean } | null | undefined;

export type OAuthState =
  /** Not an authorization code connection: its status says it all. */
  | { kind: "status" }
  | { kind: "not-connected" }
  /** Tokens usable now; `renewable` when a refresh token can replace the access token. */
  | { kind: "connected"; renewable: boolean; expiresAt: Date | null }
  /** The access token expired and nothing can renew it. */
  | { kind: "expired"; expiresAt: Date }
  /** The provider refused the tokens (a dead refresh token, or the API refused a token there was no refresh token for). */
  | { kind: "needs-reauth"; hadRefreshToken: boolean };

export function oauthState(connection: { authType: string; status: ConnectionStatusValue; tokenSet?: TokenSetSummary }, now = Date.now()): OAuthState {
  if (connection.authType !== "OAUTH2_CODE") return { kind: "status" };
  const tokens = connection.tokenSet;
  if (connection.status === "NEEDS_REAUTH") return { kind: "needs-reauth", hadRefreshToken: !tokens || tokens.hasRefreshToken };
  if (!tokens) return { kind: "not-connected" };
  if (!tokens.hasRefreshToken && tokens.expiresAt && tokens.expiresAt.getTime() <= now) return { kind: "expired", expiresAt: tokens.expiresAt };
  return { kind: "connected", renewable: tokens.hasRefreshToken, expiresAt: tokens.expiresAt };
}
