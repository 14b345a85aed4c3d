// What usually makes a provider issue a refresh token, for the connection
// page and the "no refresh token" errors: the provider's own rule where
// Keyway ships a template, the OpenID Connect rule otherwise.

const HINTS: Record<string, string> = {
  google: "Google issues one only when the authorization request carries access_type=offline and, for a user who already consented, prompt=consent (the Google template sets both: check they are still in the client's extra parameters).",
  microsoft: "Microsoft Entra ID issues one only when the scopes include offline_access.",
  atlassian: "Atlassian issues one only when the scopes include offline_access.",
  salesforce: "Salesforce issues one only when the scopes include refresh_token (or offline_access) and the connected app's OAuth policies allow it.",
  github: "A GitHub OAuth app's tokens do not expire and need none; a GitHub App issues refresh tokens when “Expire user authorization tokens” is on in its settings.",
  slack: "Slack issues refresh tokens only when token rotation is turned on for the app (OAuth & Permissions → Advanced token security).",
  hubspot: "HubSpot always issues one; if it did not, the token endpoint answered something unexpected.",
  eventbrite: "Eventbrite's tokens do not expire and need none.",
};

const GENERIC = "OpenID Connect providers usually issue one only when the scopes include offline_access, often together with prompt=consent (add it to the client's extra parameters).";

export function noRefreshTokenHint(provider: string | null | undefined): string {
  return (provider && Object.hasOwn(HINTS, provider) ? HINTS[provider] : undefined) ?? GENERIC;
}
