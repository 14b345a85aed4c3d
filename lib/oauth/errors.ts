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
};

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
    fix: "See the provider's description below and its documentation for this error, then connect again.",
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
