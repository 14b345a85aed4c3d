// Provider templates (DESIGN.md, "OAuth"): the endpoints, scope conventions,
// extra parameters and console labels of the providers teams register
// clients with. They are data, not code paths: the client form fills itself
// from them, and the registration guide renders its steps from the same
// entries, so one provider's facts live in one place.

export const PROVIDER_IDS = ["google", "github", "microsoft", "slack", "atlassian", "eventbrite", "salesforce", "hubspot"] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
export type TokenAuthMethod = "client_secret_basic" | "client_secret_post" | "none";
export type NameValue = { name: string; value: string };
/** One numbered step, with the labels the provider's console shows. `{callbackUrl}` and `{domain}` are filled in by the page. */
export type GuideStep = { title: string; detail?: string };

export type ProviderTemplate = {
  id: ProviderId;
  name: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** Only where the provider offers RFC 7009 revocation (the token POSTed as `token`). */
  revocationUrl?: string;
  /** The OpenID Connect issuer, for providers with one fixed issuer. */
  issuer?: string;
  scopeSeparator: " " | ",";
  defaultScopes: string[];
  scopeExamples: { scope: string; description: string }[];
  extraAuthorizationParams: NameValue[];
  tokenAuthMethod: TokenAuthMethod;
  pkce: boolean;
  /** How this provider issues refresh tokens, in one sentence. */
  refreshTokens: string;
  consoleUrl: string;
  docsUrl: string;
  clientIdLabel: string;
  clientSecretLabel: string;
  redirectUriLabel: string;
  /** Parts of the URLs that differ per customer (`{name}` in the URLs). */
  urlPlaceholders?: { name: string; label: string; default: string; help: string }[];
  guide: GuideStep[];
};

export const PROVIDERS: Record<ProviderId, ProviderTemplate> = {
  google: {
    id: "google",
    name: "Google",
    authorizationUrl: "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUrl: "https://oauth2.googleapis.com/token",
    revocationUrl: "https://oauth2.googleapis.com/revoke",
    issuer: "https://accounts.google.com",
    scopeSeparator: " ",
    defaultScopes: ["openid", "email", "profile"],
    scopeExamples: [
      { scope: "https://www.googleapis.com/auth/admin.directory.user", description: "Admin SDK Directory: users of the Workspace domain" },
      { scope: "https://www.googleapis.com/auth/admin.directory.group", description: "Admin SDK Directory: groups of the Workspace domain" },
      { scope: "https://www.googleapis.com/auth/drive.readonly", description: "Read the user's Drive files" },
      { scope: "https://www.googleapis.com/auth/calendar", description: "The user's calendars" },
      { scope: "https://www.googleapis.com/auth/spreadsheets", description: "The user's spreadsheets" },
    ],
    extraAuthorizationParams: [
      { name: "access_type", value: "offline" },
      { name: "prompt", value: "consent" },
    ],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens: "Google issues a refresh token only with access_type=offline, and again on a later sign-in only with prompt=consent (both are set).",
    consoleUrl: "https://console.cloud.google.com/apis/credentials",
    docsUrl: "https://developers.google.com/identity/protocols/oauth2/web-server",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "Authorized redirect URIs",
    guide: [
      { title: "Open Google Cloud console → APIs & Services → Credentials, and pick (or create) the project the client belongs to.", detail: "Enable the APIs you will call (e.g. Admin SDK API) under APIs & Services → Library." },
      { title: "Open “OAuth consent screen”. Give the application name your users will see, a support email, and under “Authorized domains” add {domain}.", detail: "Internal apps can be limited to your Workspace organization (User type “Internal”)." },
      { title: "Under “Scopes” (Data access), click “Add or remove scopes” and add the scopes your connections need, e.g. https://www.googleapis.com/auth/admin.directory.user and https://www.googleapis.com/auth/admin.directory.group." },
      { title: "Back in Credentials, click “Create credentials” → “OAuth client ID”, and choose the application type “Web application”." },
      { title: "Under “Authorized redirect URIs”, click “Add URI” and paste {callbackUrl}. Save.", detail: "No “verify domain ownership” step is needed for a redirect URI; if Google sends you there, go back to Credentials and create the client." },
      { title: "Copy the “Client ID” and “Client secret” from the dialog that opens, and paste them into the Keyway client form." },
    ],
  },
  github: {
    id: "github",
    name: "GitHub",
    authorizationUrl: "https://github.com/login/oauth/authorize",
    tokenUrl: "https://github.com/login/oauth/access_token",
    scopeSeparator: " ",
    defaultScopes: ["read:user"],
    scopeExamples: [
      { scope: "repo", description: "Full access to private and public repositories" },
      { scope: "read:org", description: "Read organization membership and teams" },
      { scope: "user:email", description: "Read the user's email addresses" },
      { scope: "workflow", description: "Update GitHub Actions workflows" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens: "An OAuth app's tokens do not expire and come without a refresh token; a GitHub App issues refresh tokens when “expire user authorization tokens” is on.",
    consoleUrl: "https://github.com/settings/developers",
    docsUrl: "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "Authorization callback URL",
    guide: [
      { title: "Open GitHub → Settings → Developer settings → OAuth Apps (for an organization: the organization's Settings → Developer settings), and click “New OAuth App”." },
      { title: "Enter an “Application name” and the “Homepage URL” of this Keyway instance (https://{domain})." },
      { title: "Paste {callbackUrl} as the “Authorization callback URL”, and click “Register application”." },
      { title: "Copy the “Client ID”, click “Generate a new client secret”, copy the secret, and paste both into the Keyway client form." },
    ],
  },
  microsoft: {
    id: "microsoft",
    name: "Microsoft Entra ID",
    authorizationUrl: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
    tokenUrl: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
    scopeSeparator: " ",
    defaultScopes: ["openid", "email", "profile", "offline_access", "https://graph.microsoft.com/User.Read"],
    scopeExamples: [
      { scope: "offline_access", description: "A refresh token" },
      { scope: "https://graph.microsoft.com/Mail.Read", description: "Microsoft Graph: read the user's mail" },
      { scope: "https://graph.microsoft.com/Files.Read.All", description: "Microsoft Graph: read files the user can access" },
      { scope: "https://graph.microsoft.com/Group.Read.All", description: "Microsoft Graph: read all groups (admin consent)" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens: "Entra ID issues a refresh token when the offline_access scope is requested.",
    consoleUrl: "https://portal.azure.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade",
    docsUrl: "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow",
    clientIdLabel: "Application (client) ID",
    clientSecretLabel: "Client secret value",
    redirectUriLabel: "Redirect URI (Web)",
    urlPlaceholders: [
      {
        name: "tenant",
        label: "Tenant",
        default: "common",
        help: "Your Directory (tenant) ID or domain (e.g. contoso.onmicrosoft.com) for a single-tenant app; “common” or “organizations” for multi-tenant apps.",
      },
    ],
    guide: [
      { title: "Open the Azure portal → Microsoft Entra ID → App registrations, and click “New registration”." },
      { title: "Enter a “Name”, choose who may sign in under “Supported account types”, and under “Redirect URI” choose the platform “Web” and paste {callbackUrl}. Click “Register”." },
      { title: "On the app's Overview, copy the “Application (client) ID” and the “Directory (tenant) ID” (the tenant goes into Keyway's Tenant field for a single-tenant app)." },
      { title: "Under “API permissions”, add the Microsoft Graph permissions your connections need, and “Grant admin consent” where they require it." },
      { title: "Under “Certificates & secrets”, click “New client secret”, and copy its “Value” (not the Secret ID) right away: it is shown once." },
      { title: "Paste the client ID and the secret value into the Keyway client form." },
    ],
  },
  slack: {
    id: "slack",
    name: "Slack",
    authorizationUrl: "https://slack.com/oauth/v2/authorize",
    tokenUrl: "https://slack.com/api/oauth.v2.access",
    scopeSeparator: ",",
    defaultScopes: ["channels:read", "chat:write"],
    scopeExamples: [
      { scope: "channels:history", description: "Read messages in public channels" },
      { scope: "users:read", description: "See people in the workspace" },
      { scope: "files:read", description: "Read files" },
      { scope: "im:write", description: "Start direct messages" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: false,
    refreshTokens: "Slack tokens do not expire unless token rotation is turned on for the app; then refresh tokens are issued.",
    consoleUrl: "https://api.slack.com/apps",
    docsUrl: "https://api.slack.com/authentication/oauth-v2",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client Secret",
    redirectUriLabel: "Redirect URLs",
    guide: [
      { title: "Open api.slack.com/apps, click “Create New App” → “From scratch”, name it and pick the workspace." },
      { title: "Under “OAuth & Permissions” → “Redirect URLs”, click “Add New Redirect URL”, paste {callbackUrl}, click “Add”, then “Save URLs”." },
      { title: "Under “Scopes”, add the Bot Token Scopes your connections need (Keyway sends them comma-separated, as Slack expects)." },
      { title: "Under “Basic Information” → “App Credentials”, copy the “Client ID” and “Client Secret” into the Keyway client form." },
    ],
  },
  atlassian: {
    id: "atlassian",
    name: "Atlassian",
    authorizationUrl: "https://auth.atlassian.com/authorize",
    tokenUrl: "https://auth.atlassian.com/oauth/token",
    scopeSeparator: " ",
    defaultScopes: ["read:me", "offline_access"],
    scopeExamples: [
      { scope: "read:jira-work", description: "Jira: read issues and projects" },
      { scope: "write:jira-work", description: "Jira: create and edit issues" },
      { scope: "read:confluence-content.all", description: "Confluence: read content" },
      { scope: "offline_access", description: "A refresh token" },
    ],
    extraAuthorizationParams: [
      { name: "audience", value: "api.atlassian.com" },
      { name: "prompt", value: "consent" },
    ],
    tokenAuthMethod: "client_secret_post",
    pkce: false,
    refreshTokens: "Atlassian issues a rotating refresh token when the offline_access scope is requested.",
    consoleUrl: "https://developer.atlassian.com/console/myapps/",
    docsUrl: "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Secret",
    redirectUriLabel: "Callback URL",
    guide: [
      { title: "Open the Atlassian developer console, click “Create” → “OAuth 2.0 integration”, name it and accept the terms." },
      { title: "Under “Permissions”, add the APIs (Jira, Confluence…) and the scopes your connections need." },
      { title: "Under “Authorization” → OAuth 2.0 (3LO), click “Configure”, paste {callbackUrl} as the “Callback URL”, and save." },
      { title: "Under “Settings”, copy the “Client ID” and “Secret” into the Keyway client form." },
    ],
  },
  eventbrite: {
    id: "eventbrite",
    name: "Eventbrite",
    authorizationUrl: "https://www.eventbrite.com/oauth/authorize",
    tokenUrl: "https://www.eventbrite.com/oauth/token",
    scopeSeparator: " ",
    defaultScopes: [],
    scopeExamples: [],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: false,
    refreshTokens: "Eventbrite's tokens do not expire and come without a refresh token; the app gets the access the user has, without scopes.",
    consoleUrl: "https://www.eventbrite.com/account-settings/apps",
    docsUrl: "https://www.eventbrite.com/platform/docs/authentication",
    clientIdLabel: "API Key",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "OAuth Redirect URI",
    guide: [
      { title: "Open Eventbrite → Account Settings → Developer Links → API Keys, and click “Create API Key”." },
      { title: "Fill in the application details, and paste {callbackUrl} as the “OAuth Redirect URI”." },
      { title: "Copy the “API Key” (Keyway's client ID) and the “Client secret” into the Keyway client form." },
    ],
  },
  salesforce: {
    id: "salesforce",
    name: "Salesforce",
    authorizationUrl: "https://{loginHost}/services/oauth2/authorize",
    tokenUrl: "https://{loginHost}/services/oauth2/token",
    revocationUrl: "https://{loginHost}/services/oauth2/revoke",
    scopeSeparator: " ",
    defaultScopes: ["api", "refresh_token"],
    scopeExamples: [
      { scope: "api", description: "Access the REST and SOAP APIs" },
      { scope: "refresh_token", description: "A refresh token (perform requests at any time)" },
      { scope: "id", description: "The user's identity" },
      { scope: "full", description: "Full access" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens: "Salesforce issues a refresh token when the refresh_token scope is requested and allowed by the connected app's policies.",
    consoleUrl: "https://login.salesforce.com/lightning/setup/NavigationMenus/home",
    docsUrl: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm",
    clientIdLabel: "Consumer Key",
    clientSecretLabel: "Consumer Secret",
    redirectUriLabel: "Callback URL",
    urlPlaceholders: [
      {
        name: "loginHost",
        label: "Login host",
        default: "login.salesforce.com",
        help: "login.salesforce.com for production, test.salesforce.com for sandboxes, or your My Domain host (e.g. acme.my.salesforce.com).",
      },
    ],
    guide: [
      { title: "In Salesforce Setup, open App Manager and click “New Connected App” (or “New External Client App”)." },
      { title: "Enter a name and contact email, check “Enable OAuth Settings”, and paste {callbackUrl} as the “Callback URL”." },
      { title: "Add the “Selected OAuth Scopes” your connections need, including “Perform requests at any time (refresh_token, offline_access)” for refresh tokens. Save." },
      { title: "Click “Manage Consumer Details”, and copy the “Consumer Key” and “Consumer Secret” into the Keyway client form." },
    ],
  },
  hubspot: {
    id: "hubspot",
    name: "HubSpot",
    authorizationUrl: "https://app.hubspot.com/oauth/authorize",
    tokenUrl: "https://api.hubapi.com/oauth/v1/token",
    scopeSeparator: " ",
    defaultScopes: ["oauth"],
    scopeExamples: [
      { scope: "crm.objects.contacts.read", description: "Read contacts" },
      { scope: "crm.objects.contacts.write", description: "Create and edit contacts" },
      { scope: "crm.objects.deals.read", description: "Read deals" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: false,
    refreshTokens: "HubSpot always issues a refresh token; access tokens expire after 30 minutes.",
    consoleUrl: "https://app.hubspot.com/developer",
    docsUrl: "https://developers.hubspot.com/docs/api/working-with-oauth",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "Redirect URL",
    guide: [
      { title: "Open your HubSpot developer account → Apps, and click “Create app”." },
      { title: "Under “Auth”, paste {callbackUrl} as a “Redirect URL”, and add the scopes your connections need." },
      { title: "Copy the “Client ID” and “Client secret” from the same page into the Keyway client form." },
    ],
  },
};

export function providerTemplate(id: string): ProviderTemplate | undefined {
  return Object.hasOwn(PROVIDERS, id) ? PROVIDERS[id as ProviderId] : undefined;
}

/** Replaces `{name}` placeholders in a template URL with the values given (the defaults otherwise); values are URL-path-encoded. */
export function fillUrlPlaceholders(url: string, template: ProviderTemplate, values: Record<string, string> = {}): string {
  let out = url;
  for (const placeholder of template.urlPlaceholders ?? []) {
    const value = values[placeholder.name]?.trim() || placeholder.default;
    out = out.split(`{${placeholder.name}}`).join(encodeURIComponent(value));
  }
  return out;
}

/** Joins scopes with the provider's separator. */
export function joinScopes(scopes: string[], separator: " " | ","): string {
  return [...new Set(scopes.filter(Boolean))].join(separator);
}

/** Splits a stored or typed scope string on spaces, commas or both, dropping empties and duplicates. */
export { scopesFromText as splitScopes } from "./schemas";
