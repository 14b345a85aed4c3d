// What an OAuth error means and what to do about it, in words (SPEC.md,
// "Errors the provider sends back are shown in words, with a fix"). The codes
// are RFC 6749's (4.1.2.1 and 5.2), plus the ones providers really send:
// Google, GitHub and Slack say redirect_uri_mismatch, oidc-provider and RFC
// 7591 say invalid_redirect_uri.

export type OAuthProblem = {
  code: string;
  title: string;
  /** What to do, in one or two sentences. */
  fix: string;
  /** Show the callback URL to register, with a copy button and a link to the guide. */
  showCallbackUrl?: boolean;
  /** Keyway's own finding (the provider said nothing in OAuth terms): the description is Keyway's, not the provider's. */
  fromKeyway?: boolean;
};

const REDIRECT_MISMATCH: Omit<OAuthProblem, "code"> = {
  title: "The provider does not accept Keyway's redirect URI",
  fix: "The redirect URI registered for this client at the provider must be exactly the callback URL below (scheme, host, port, path, no trailing slash). Add it in the provider's console under the client's redirect URIs, save, and connect again.",
  showCallbackUrl: true,
};

const PROBLEMS: Record<string, Omit<OAuthProblem, "code">> = {
  redirect_uri_mismatch: REDIRECT_MISMATCH,
  invalid_redirect_uri: REDIRECT_MISMATCH,
  invalid_client: {
    title: "The provider does not recognize the client",
    fix: "The client ID or secret is wrong, the secret has expired or been rotated, or the client authentication method (HTTP Basic or in the body) is not the one the provider expects. Copy the client ID and secret from the provider's console again and check the authentication method.",
  },
  unauthorized_client: {
    title: "This client may not use this grant",
    fix: "The provider has not enabled this grant type (authorization code, refresh token or client credentials) for the client. Enable it in the provider's console, or use a client registered for this kind of access.",
  },
  invalid_scope: {
    title: "The provider refused the requested scopes",
    fix: "At least one scope is unknown to the provider or not allowed for this client. Check the spelling and the separator, remove scopes the client is not configured for (or add them on the provider's consent screen), and connect again.",
  },
  access_denied: {
    title: "Access was denied",
    fix: "The person who signed in at the provider declined the consent screen, or an administrator policy blocked the app. Connect again and choose Allow, or ask the provider account's administrator to approve the app.",
  },
  invalid_grant: {
    title: "The provider refused the grant",
    fix: "The authorization code or refresh token is expired, already used, revoked, or was issued to another client or redirect URI. Connect again to get new tokens.",
  },
  invalid_request: {
    title: "The provider refused the request as malformed",
    fix: "A required parameter is missing or repeated, often an extra parameter this provider does not accept, or PKCE that it requires (or refuses). Check the client's extra parameters and PKCE setting.",
  },
  unsupported_response_type: {
    title: "The provider does not support the authorization code flow for this client",
    fix: "Enable the authorization code flow for the client in the provider's console.",
  },
  unsupported_grant_type: {
    title: "The provider does not support this grant",
    fix: "The token endpoint does not offer this grant type. Check the token URL and that the grant is enabled for the client.",
  },
  server_error: {
    title: "The provider had an error of its own",
    fix: "Nothing is wrong on this side. Wait a moment and try again; if it persists, check the provider's status page.",
  },
  temporarily_unavailable: {
    title: "The provider is temporarily unavailable",
    fix: "Wait a moment and try again.",
  },
  consent_required: {
    title: "Consent is required",
    fix: "The provider needs the user to approve the app. Connect again and complete the consent screen.",
  },
  login_required: {
    title: "Sign-in is required at the provider",
    fix: "Connect again and sign in at the provider.",
  },
  interaction_required: {
    title: "The provider needs the user to act",
    fix: "Connect again and follow the provider's screens to the end.",
  },
  // GitHub (errors in a 200 answer).
  bad_verification_code: {
    title: "The provider refused the authorization code",
    fix: "The code expired (GitHub's last 10 minutes), was already used, or was issued for another client. Connect again.",
  },
  incorrect_client_credentials: {
    title: "The provider does not recognize the client ID or secret",
    fix: "Copy the client ID again from the OAuth app's page at the provider and generate a new client secret there; the old one may have been deleted.",
  },
  unverified_user_email: {
    title: "The account at the provider has no verified email address",
    fix: "Verify the primary email address in the provider's account settings, then connect again.",
  },
  application_suspended: {
    title: "The provider has suspended this OAuth app",
    fix: "The app was suspended by its owner or the provider. Check the OAuth app's page at the provider, or register a new app.",
  },
  // Slack.
  invalid_client_id: {
    title: "The provider does not recognize the client ID",
    fix: "Copy the client ID again from the app's page at the provider (Basic Information → App Credentials).",
  },
  bad_client_secret: {
    title: "The provider refused the client secret",
    fix: "Copy the client secret again from the app's page at the provider (or regenerate it) and save it on this client.",
  },
  invalid_code: {
    title: "The provider refused the authorization code",
    fix: "The code expired or was already used. Connect again.",
  },
  code_already_used: {
    title: "The authorization code was already used",
    fix: "Each code works once. Connect again.",
  },
  bad_redirect_uri: REDIRECT_MISMATCH,
  oauth_authorization_url_mismatch: {
    title: "The authorization URL does not match the app type",
    fix: "Slack apps with granular bot permissions use https://slack.com/oauth/v2/authorize; classic apps use /oauth/authorize. Choose the one for this app.",
  },
  invalid_refresh_token: {
    title: "The provider refused the refresh token",
    fix: "The refresh token expired or was revoked. Connect again to get new tokens.",
  },
  invalid_team_for_non_distributed_app: {
    title: "This app may only be installed in its own workspace",
    fix: "Sign in to the workspace the app was created in, or enable public distribution for the app at the provider.",
  },
  // Google.
  deleted_client: {
    title: "The provider has deleted this client",
    fix: "The OAuth client was deleted in the provider's console. Create a new one and update this client's ID and secret.",
  },
  org_internal: {
    title: "This client is limited to its own organization",
    fix: "The OAuth consent screen is set to internal users only. Sign in with an account of that organization, or make the app external.",
  },
  admin_policy_enforced: {
    title: "An administrator's policy blocked the app",
    fix: "Ask the account's administrator to allow this app (Google Workspace: API controls → App access control).",
  },
  // Salesforce.
  inactive_user: {
    title: "The user at the provider is inactive",
    fix: "An administrator must reactivate the user, or connect with another account.",
  },
  inactive_org: {
    title: "The organization at the provider is inactive",
    fix: "The org is locked, closed or suspended. Ask its administrator, or connect to another org.",
  },
  rate_limit_exceeded: {
    title: "The provider limits how often tokens may be requested",
    fix: "Wait a while before trying again.",
  },
  // HubSpot (its "status" field, in upper case).
  BAD_AUTH_CODE: {
    title: "The provider refused the authorization code",
    fix: "The code expired or was already used. Connect again.",
  },
  BAD_REFRESH_TOKEN: {
    title: "The provider refused the refresh token",
    fix: "The app was uninstalled or the refresh token is no longer valid. Connect again.",
  },
  BAD_CLIENT_ID: {
    title: "The provider does not recognize the client ID",
    fix: "Copy the client ID again from the app's Auth settings at the provider.",
  },
  BAD_REDIRECT_URI: REDIRECT_MISMATCH,
  // Microsoft Entra ID.
  invalid_resource: {
    title: "The provider does not know the requested resource",
    fix: "The resource (or the scope's resource prefix) is not registered in this tenant. Check the scopes and the tenant.",
  },
  // Keyway's own findings at the token endpoint (the provider gave no OAuth error).
  token_endpoint_unreachable: {
    title: "Keyway could not reach the provider's token endpoint",
    fix: "Check the token URL and that the provider is reachable from Keyway's network (or through the connection's agent), then connect again.",
    fromKeyway: true,
  },
  token_endpoint_failed: {
    title: "The provider's token endpoint failed",
    fix: "It answered with an HTTP error instead of an OAuth answer, a problem on the provider's side (or a wrong token URL). Try again later.",
    fromKeyway: true,
  },
  issuer_mismatch: {
    title: "The answer names another issuer than the one this client was discovered from",
    fix: "The authorization response's iss (RFC 9207) is not this client's issuer: the client may be set up with another provider's endpoints, or the answer was mixed up. Check the client's issuer and endpoints.",
    fromKeyway: true,
  },
  token_response_invalid: {
    title: "The provider's token endpoint sent an answer Keyway cannot use",
    fix: "Check that the token URL is the provider's token endpoint. If it is, the provider answers outside the OAuth 2.0 standard.",
    fromKeyway: true,
  },
  // OAuth 1.0a: the oauth_problem values of the Problem Reporting extension providers send, and Keyway's own findings in the flow.
  user_refused: {
    title: "Access was denied",
    fix: "The person at the provider declined to approve access. Connect again and approve it.",
  },
  signature_invalid: {
    title: "The provider says the signature is wrong",
    fix: "The consumer secret (or, for RSA-SHA1, the private key) does not match what the provider holds, or the signature method is not the one it expects. Check both on the connection and connect again.",
  },
  consumer_key_unknown: {
    title: "The provider does not recognize the consumer key",
    fix: "Copy the consumer key again from the application's page at the provider.",
  },
  consumer_key_rejected: {
    title: "The provider refused this consumer",
    fix: "The application is disabled or not allowed here. Check its status at the provider.",
  },
  token_rejected: {
    title: "The provider refused the token",
    fix: "The temporary token expired or was already used. Connect again.",
  },
  token_used: {
    title: "The temporary token was already used",
    fix: "Each temporary token works once. Connect again.",
  },
  token_expired: {
    title: "The temporary token expired",
    fix: "Approve access sooner after clicking Connect. Connect again.",
  },
  verifier_invalid: {
    title: "The provider refused the verifier",
    fix: "The verifier does not belong to this temporary token. Connect again.",
  },
  timestamp_refused: {
    title: "The provider refused the request's time",
    fix: "Keyway's clock and the provider's differ too much. Check the server's clock (NTP), then connect again.",
  },
  nonce_used: {
    title: "The provider saw this request before",
    fix: "Connect again; if it persists, the provider may be seeing requests twice.",
  },
  permission_denied: {
    title: "The provider did not grant the access asked for",
    fix: "Check the application's permissions at the provider, then connect again.",
  },
  oauth1_refused: {
    title: "The provider refused the request",
    fix: "It answered 400 or 401 without saying why. Check the consumer key, the secret or private key, the signature method and the URLs, then connect again.",
    fromKeyway: true,
  },
  oauth1_endpoint_unreachable: {
    title: "Keyway could not reach the provider",
    fix: "Check the URL and that the provider is reachable from Keyway's network (or through the connection's agent), then connect again.",
    fromKeyway: true,
  },
  oauth1_endpoint_failed: {
    title: "The provider's endpoint failed",
    fix: "It answered with an HTTP error, a problem on the provider's side or a wrong URL. Check the URL, or try again later.",
    fromKeyway: true,
  },
  oauth1_response_invalid: {
    title: "The provider sent an answer Keyway cannot use",
    fix: "Check that the temporary credentials and token URLs are the provider's OAuth 1.0a endpoints.",
    fromKeyway: true,
  },
  oauth1_callback_unconfirmed: {
    title: "The provider does not speak OAuth 1.0a",
    fix: "It did not confirm Keyway's callback, as OAuth 1.0 servers from before 1.0a do not; Keyway refuses that flow because it can be hijacked. Use a pasted access token instead, or ask the provider for OAuth 1.0a.",
    fromKeyway: true,
  },
  oauth1_not_configured: {
    title: "The connection changed while you were at the provider",
    fix: "Its OAuth 1.0a settings no longer allow Connect. Check them and connect again.",
    fromKeyway: true,
  },
};

/** The codes of refusals that mean the grant (code or refresh token) is dead: only a new authorization helps. */
export const DEAD_GRANT_CODES = new Set(["invalid_grant", "bad_verification_code", "invalid_code", "code_already_used", "invalid_refresh_token", "BAD_AUTH_CODE", "BAD_REFRESH_TOKEN"]);

/** Refusals of the client's credentials, after which the other client authentication method is worth a try. */
export const CLIENT_REFUSED_CODES = new Set(["invalid_client", "incorrect_client_credentials", "unauthorized_client", "bad_client_secret"]);

/**
 * The explanation of an error code; an unknown code gets a general one that
 * still names it. Some servers refuse a redirect URI with a generic code
 * (oidc-provider's pushed requests say invalid_request, "redirect_uri did not
 * match…"), so a description about the redirect URI gets that explanation.
 */
export function explainOAuthError(code: string, description?: string | null): OAuthProblem {
  if ((code === "invalid_request" || code === "invalid_client") && description && /redirect[_ ]?ur[il]/i.test(description)) return { code, ...REDIRECT_MISMATCH };
  const known = Object.hasOwn(PROBLEMS, code) ? PROBLEMS[code] : undefined;
  if (known) return { code, ...known };
  return {
    code,
    title: `The provider answered “${code}”`,
    fix: description ? "The provider's description says what went wrong; its documentation for this error code says more. Correct it and connect again." : "The provider gave no description; look the code up in its documentation, correct the cause, and connect again.",
  };
}

/** Error codes are ASCII tokens (RFC 6749 4.1.2.1); anything else is not shown as one. */
export function sanitizeErrorCode(code: string | null | undefined): string {
  if (!code) return "unknown_error";
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(code) ? code : "unknown_error";
}

/** A provider's error_description is shown as text, never markup, and kept short. */
export function sanitizeDescription(description: string | null | undefined): string | null {
  if (!description) return null;
  const text = description.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return text ? text.slice(0, 500) : null;
}
