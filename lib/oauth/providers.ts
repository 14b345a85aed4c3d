// Provider templates (DESIGN.md: "Provider templates are data, not code
// paths"). Each entry holds one provider's facts: endpoints, scope
// conventions, the extra authorization parameters it needs, what its console
// calls things, and how to register a client there. Keyway has no
// per-provider branches. The client form fills itself from an entry and the
// registration guide renders the entry's steps, so a fact lives in one place.
// Correcting a provider, or adding one, means editing data here, and the
// generic OAuth code (lib/oauth/http.ts, tokens.ts) stays as it is.
//
// The facts follow each provider's own documentation (docsUrl). Where a
// provider's endpoint is not RFC-shaped (Slack's auth.revoke, GitHub's
// DELETE /applications/{client_id}/token), the template leaves it out rather
// than teach the generic code a special case.

export const PROVIDER_IDS = ["google", "github", "microsoft", "slack", "atlassian", "eventbrite", "salesforce", "hubspot"] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
export type TokenAuthMethod = "client_secret_basic" | "client_secret_post" | "none";
export type NameValue = { name: string; value: string };
/** One numbered step, with the labels the provider's console shows. The page substitutes `{callbackUrl}` and `{domain}`. */
export type GuideStep = { title: string; detail?: string };

export type ProviderTemplate = {
  id: ProviderId;
  name: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** Only where the provider offers RFC 7009 revocation (the token POSTed as the form parameter `token`). */
  revocationUrl?: string;
  /** The OpenID Connect issuer, for providers with one fixed issuer. */
  issuer?: string;
  scopeSeparator: " " | ",";
  defaultScopes: string[];
  scopeExamples: { scope: string; description: string }[];
  extraAuthorizationParams: NameValue[];
  tokenAuthMethod: TokenAuthMethod;
  /** Whether Keyway uses PKCE with this provider by default. */
  pkce: boolean;
  /** How this provider issues refresh tokens, in one sentence. */
  refreshTokens: string;
  consoleUrl: string;
  docsUrl: string;
  clientIdLabel: string;
  clientSecretLabel: string;
  redirectUriLabel: string;
  /** Parts of the endpoint URLs that differ per customer: `{name}` in authorizationUrl, tokenUrl and revocationUrl (never in consoleUrl or docsUrl). */
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
      { scope: "https://www.googleapis.com/auth/admin.directory.user", description: "Admin SDK Directory: view and manage the users of the Workspace domain" },
      { scope: "https://www.googleapis.com/auth/admin.directory.user.readonly", description: "Admin SDK Directory: view the users of the Workspace domain" },
      { scope: "https://www.googleapis.com/auth/admin.directory.group", description: "Admin SDK Directory: view and manage the groups of the Workspace domain" },
      { scope: "https://www.googleapis.com/auth/admin.directory.group.readonly", description: "Admin SDK Directory: view the groups of the Workspace domain" },
      { scope: "https://www.googleapis.com/auth/drive.readonly", description: "Drive: see and download the user's files" },
      { scope: "https://www.googleapis.com/auth/calendar.readonly", description: "Calendar: see the user's calendars and events" },
      { scope: "https://www.googleapis.com/auth/spreadsheets", description: "Sheets: see, edit, create and delete the user's spreadsheets" },
    ],
    extraAuthorizationParams: [
      { name: "access_type", value: "offline" },
      { name: "prompt", value: "consent" },
    ],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens:
      "Google issues a refresh token only with access_type=offline, and on a later consent only when prompt=consent shows the consent screen again (Keyway sets both); an External app still in “Testing” gets refresh tokens that expire after 7 days.",
    consoleUrl: "https://console.cloud.google.com/apis/credentials",
    docsUrl: "https://developers.google.com/identity/protocols/oauth2/web-server",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "Authorized redirect URIs",
    guide: [
      {
        title: "In the Google Cloud console, pick or create the project for this client, and open Google Auth Platform (APIs & Services → “OAuth consent screen”).",
        detail: "First enable the APIs you will call under APIs & Services → Library. The directory scopes below need the “Admin SDK API”.",
      },
      {
        title: "Set up the OAuth consent screen: enter the app name users will see and a user support email. Under “Audience”, choose “Internal” to keep the app to your Workspace organization, or “External”.",
        detail: "An External app in “Testing” works only for its listed test users, and its refresh tokens expire after 7 days. Publish it (“In production”) for lasting connections.",
      },
      {
        title: "Under “Branding” → “Authorized domains”, click “Add domain”, enter the domain of {domain}, and save.",
        detail: "Google accepts only a top private domain here: for keyway.example.com, enter example.com.",
      },
      {
        title: "Under “Data Access”, click “Add or remove scopes”, add the scopes your connections need, and save. For example: https://www.googleapis.com/auth/admin.directory.user and https://www.googleapis.com/auth/admin.directory.group (Admin SDK Directory).",
        detail: "The Admin SDK Directory scopes work only for a Workspace administrator with the matching privileges. List the same scopes in Keyway's client form. To call the Admin SDK with no person connecting (a service account with domain-wide delegation, impersonating an administrator), skip this client and create a connection of the type “Google service account” instead.",
      },
      { title: "Under “Clients”, click “Create client” (or Credentials → “Create credentials” → “OAuth client ID”), and choose the application type “Web application”." },
      { title: "Under “Authorized redirect URIs”, click “Add URI”, paste {callbackUrl}, and click “Create”." },
      {
        title: "Copy the “Client ID” and “Client secret” from the dialog that opens, and paste them into the Keyway client form.",
        detail: "Google shows the secret only in this dialog (or in the JSON you can download from it). Later it is masked, and you have to add a new secret.",
      },
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
      { scope: "repo", description: "Full access to public and private repositories" },
      { scope: "public_repo", description: "Access to public repositories only" },
      { scope: "read:org", description: "Read organization membership, teams and projects" },
      { scope: "user:email", description: "Read the user's email addresses" },
      { scope: "workflow", description: "Update GitHub Actions workflow files" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens:
      "An OAuth app's tokens do not expire and come without a refresh token; a GitHub App issues 8-hour tokens with a refresh token while “Expire user authorization tokens” is on.",
    consoleUrl: "https://github.com/settings/developers",
    docsUrl: "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "Authorization callback URL",
    guide: [
      {
        title: "Open GitHub → Settings → Developer settings → “OAuth Apps”, and click “New OAuth app”. For an app owned by an organization, start from the organization's Settings → Developer settings.",
        detail: "A GitHub App (“GitHub Apps” → “New GitHub App”, field “Callback URL”) works too. It has permissions instead of scopes, and it issues refresh tokens.",
      },
      { title: "Enter an “Application name” and, as “Homepage URL”, this Keyway instance: https://{domain}." },
      {
        title: "Paste {callbackUrl} as the “Authorization callback URL”, leave “Enable Device Flow” off, and click “Register application”.",
        detail: "An OAuth app has exactly one callback URL.",
      },
      {
        title: "Copy the “Client ID”, click “Generate a new client secret”, copy the “Client secret” (GitHub shows it once), and paste both into the Keyway client form.",
      },
    ],
  },
  microsoft: {
    id: "microsoft",
    name: "Microsoft Entra ID",
    authorizationUrl: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
    tokenUrl: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
    scopeSeparator: " ",
    defaultScopes: ["openid", "profile", "email", "offline_access", "User.Read"],
    scopeExamples: [
      { scope: "offline_access", description: "A refresh token" },
      { scope: "User.Read", description: "Microsoft Graph: the signed-in user's profile" },
      { scope: "Mail.Read", description: "Microsoft Graph: read the user's mail" },
      { scope: "Calendars.Read", description: "Microsoft Graph: read the user's calendars" },
      { scope: "Files.Read.All", description: "Microsoft Graph: read all files the user can access" },
      { scope: "Group.Read.All", description: "Microsoft Graph: read all groups (needs admin consent)" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens: "Entra ID issues a refresh token only when the offline_access scope is requested; each use returns a new one, and an unused one lapses after 90 days.",
    consoleUrl: "https://portal.azure.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade",
    docsUrl: "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow",
    clientIdLabel: "Application (client) ID",
    clientSecretLabel: "Client secret value",
    redirectUriLabel: "Redirect URI",
    urlPlaceholders: [
      {
        name: "tenant",
        label: "Tenant",
        default: "common",
        help: "For a single-tenant app, your Directory (tenant) ID or a verified domain such as contoso.onmicrosoft.com. With “common”, a single-tenant app fails with AADSTS50194. Use “organizations” for work and school accounts of any tenant, and “common” for multitenant apps that also accept personal Microsoft accounts.",
      },
    ],
    guide: [
      { title: "Open the Azure portal → Microsoft Entra ID → “App registrations”, and click “New registration”." },
      {
        title: "Enter a “Name” and choose the “Supported account types”. For a single-tenant app, choose “Accounts in this organizational directory only”.",
      },
      {
        title: "Under “Redirect URI”, select the platform “Web”, paste {callbackUrl}, and click “Register”.",
        detail: "To add it later, open the app's “Authentication” page, click “Add a platform”, and choose “Web”.",
      },
      {
        title: "On the app's “Overview”, note the “Application (client) ID” and the “Directory (tenant) ID”. For a single-tenant app, enter the tenant ID in Keyway's Tenant field instead of “common”.",
      },
      {
        title: "Under “API permissions”, click “Add a permission” → “Microsoft Graph” → “Delegated permissions”, and add what your connections need (offline_access, User.Read…). Click “Grant admin consent” where a permission requires it.",
      },
      {
        title: "Under “Certificates & secrets” → “Client secrets”, click “New client secret” and choose an expiry. Copy the secret's “Value” (not the “Secret ID”) right away: it is shown only once.",
        detail: "When the secret expires, refreshes fail. Add a new secret before then and update it in Keyway.",
      },
      { title: "Paste the “Application (client) ID” and the “Client secret value” into the Keyway client form." },
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
      { scope: "channels:history", description: "Read messages in public channels the app is in" },
      { scope: "groups:read", description: "See private channels the app is in" },
      { scope: "users:read", description: "See the people in the workspace" },
      { scope: "users:read.email", description: "See their email addresses" },
      { scope: "files:read", description: "Read files shared where the app is" },
      { scope: "im:write", description: "Start direct messages" },
    ],
    extraAuthorizationParams: [],
    // Slack's oauth.v2.access asks clients to send the id and secret with HTTP Basic rather than as parameters.
    tokenAuthMethod: "client_secret_basic",
    // PKCE at Slack turns the app into a public client for good, with 30-day refresh tokens; a confidential web client does without it.
    pkce: false,
    refreshTokens: "Slack tokens do not expire unless token rotation is turned on for the app (which cannot be undone); after that, access tokens last 12 hours and come with a refresh token.",
    consoleUrl: "https://api.slack.com/apps",
    docsUrl: "https://docs.slack.dev/authentication/installing-with-oauth",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client Secret",
    redirectUriLabel: "Redirect URLs",
    guide: [
      { title: "Open api.slack.com/apps, click “Create New App” → “From scratch”, enter an “App Name”, pick the workspace, and click “Create App”." },
      { title: "Under “OAuth & Permissions” → “Redirect URLs”, click “Add New Redirect URL”, paste {callbackUrl}, click “Add”, then “Save URLs”." },
      {
        title: "Under “Scopes” → “Bot Token Scopes”, add the scopes your connections need.",
        detail: "Keyway sends them comma-separated in the scope parameter, which asks for bot scopes. The token you get is the bot token.",
      },
      {
        title: "Leave PKCE off in the app's settings.",
        detail: "Turning PKCE on makes the app a public client for good. Turn on token rotation only if you want expiring tokens with refresh tokens. It cannot be turned off later.",
      },
      {
        title: "Under “Basic Information” → “App Credentials”, copy the “Client ID” and the “Client Secret” (click “Show”) into the Keyway client form.",
        detail: "To install the app in workspaces other than its own, activate public distribution under “Manage Distribution”.",
      },
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
      { scope: "offline_access", description: "A refresh token" },
      { scope: "read:jira-work", description: "Jira: read projects, issues and their details" },
      { scope: "write:jira-work", description: "Jira: create and edit issues, comments and worklogs" },
      { scope: "read:jira-user", description: "Jira: read user information" },
      { scope: "read:confluence-content.all", description: "Confluence: read all content" },
      { scope: "read:confluence-space.summary", description: "Confluence: read space summaries" },
    ],
    extraAuthorizationParams: [
      { name: "audience", value: "api.atlassian.com" },
      { name: "prompt", value: "consent" },
    ],
    tokenAuthMethod: "client_secret_post",
    pkce: false,
    refreshTokens: "Atlassian issues a refresh token only with the offline_access scope; each use returns a new one, and an unused one expires after 90 days.",
    consoleUrl: "https://developer.atlassian.com/console/myapps/",
    docsUrl: "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Secret",
    redirectUriLabel: "Callback URL",
    guide: [
      { title: "Open the Atlassian developer console, click “Create” → “OAuth 2.0 integration”, enter a name, accept the terms, and click “Create”." },
      {
        title: "Under “Permissions”, click “Add” next to each API you need, then “Configure” to choose its scopes. Add “User identity API” for read:me, and Jira or Confluence for their data.",
      },
      { title: "Under “Authorization”, click “Add” next to “OAuth 2.0 (3LO)”, paste {callbackUrl} as the “Callback URL”, and click “Save changes”." },
      {
        title: "To let people other than you authorize the app: under “Distribution”, click “Edit”, choose “Sharing”, complete the form, and save.",
      },
      {
        title: "Under “Settings”, copy the “Client ID” and the “Secret” into the Keyway client form.",
        detail: "Atlassian APIs are called through https://api.atlassian.com/ex/jira/<cloud id>/… (or /ex/confluence/…). GET https://api.atlassian.com/oauth/token/accessible-resources lists the cloud ids.",
      },
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
    refreshTokens: "Eventbrite issues no refresh tokens: its access tokens do not expire, and it has no scopes (a token can do what the user can).",
    consoleUrl: "https://www.eventbrite.com/account-settings/apps",
    docsUrl: "https://www.eventbrite.com/platform/docs/authentication",
    clientIdLabel: "API Key",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "OAuth Redirect URI",
    guide: [
      { title: "Open Eventbrite → Account Settings → “Developer Links” → “API Keys”, and click “Create API Key”." },
      { title: "Fill in the application details: as “Application URL” enter https://{domain}, and paste {callbackUrl} as the “OAuth Redirect URI”. Save." },
      {
        title: "Click “Show API key, client secret and tokens”, and copy the “API Key” (Keyway's client ID) and the “Client secret” into the Keyway client form.",
      },
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
      { scope: "api", description: "Manage user data via APIs (REST, SOAP, Bulk…)" },
      { scope: "refresh_token", description: "Perform requests at any time: a refresh token (same as offline_access)" },
      { scope: "id", description: "The identity URL service" },
      { scope: "openid", description: "An ID token (OpenID Connect)" },
      { scope: "full", description: "Full access (does not include a refresh token)" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: true,
    refreshTokens:
      "Salesforce issues a refresh token only when the refresh_token (or offline_access) scope is requested and selected on the app; how long it lasts follows the app's refresh token policy (by default, until revoked).",
    consoleUrl: "https://login.salesforce.com/",
    docsUrl: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm&type=5",
    clientIdLabel: "Consumer Key",
    clientSecretLabel: "Consumer Secret",
    redirectUriLabel: "Callback URL",
    urlPlaceholders: [
      {
        name: "loginHost",
        label: "Login host",
        default: "login.salesforce.com",
        help: "login.salesforce.com for production, test.salesforce.com for sandboxes, or your My Domain login host (e.g. acme.my.salesforce.com, or acme--dev.sandbox.my.salesforce.com for a sandbox). Enter the host only, without https://.",
      },
    ],
    guide: [
      {
        title: "In Salesforce Setup, open “App Manager” and click “New External Client App”.",
        detail: "Since Spring ’26, orgs cannot create new connected apps without Salesforce Support. An existing connected app works the same way.",
      },
      { title: "Enter the “External Client App Name” and a “Contact Email”, and keep the “Distribution State” “Local”." },
      {
        title: "Under the OAuth settings, check “Enable OAuth” and paste {callbackUrl} as the “Callback URL”. Move the scopes you need to “Selected OAuth Scopes”, including “Manage user data via APIs (api)” and “Perform requests at any time (refresh_token, offline_access)”.",
      },
      {
        title: "Under “Security”, keep “Require secret for Web Server Flow” checked. Requiring PKCE is fine: Keyway sends it. Click “Create”.",
        detail: "If users later get an approval error, check the app's “Policies” tab: who may authorize it (Permitted Users, profiles or permission sets).",
      },
      {
        title: "On the app's “Settings” tab, under “OAuth Settings”, click “Consumer Key and Secret”, enter the verification code Salesforce sends, and copy the “Consumer Key” and “Consumer Secret” into the Keyway client form.",
        detail: "For a connected app, the button is “Manage Consumer Details”. A new app can take up to 10 minutes to work. API calls go to the instance_url that Salesforce returns with the tokens.",
      },
    ],
  },
  hubspot: {
    id: "hubspot",
    name: "HubSpot",
    authorizationUrl: "https://app.hubspot.com/oauth/authorize",
    // The date-versioned OAuth API. /oauth/v1/token and DELETE /oauth/v1/refresh-tokens are deprecated; HubSpot removes them on 16 February 2027.
    tokenUrl: "https://api.hubapi.com/oauth/2026-03/token",
    revocationUrl: "https://api.hubapi.com/oauth/2026-03/token/revoke",
    scopeSeparator: " ",
    defaultScopes: ["oauth"],
    scopeExamples: [
      { scope: "crm.objects.contacts.read", description: "Read contacts" },
      { scope: "crm.objects.contacts.write", description: "Create and edit contacts" },
      { scope: "crm.objects.companies.read", description: "Read companies" },
      { scope: "crm.objects.deals.read", description: "Read deals" },
      { scope: "tickets", description: "Read and write tickets" },
    ],
    extraAuthorizationParams: [],
    tokenAuthMethod: "client_secret_post",
    pkce: false,
    refreshTokens: "HubSpot always issues a refresh token with the access token, which expires after 30 minutes.",
    consoleUrl: "https://app.hubspot.com/developer",
    docsUrl: "https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/oauth/working-with-oauth",
    clientIdLabel: "Client ID",
    clientSecretLabel: "Client secret",
    redirectUriLabel: "Redirect URLs",
    guide: [
      {
        title: "Create an app with OAuth authentication: install the HubSpot CLI and run “hs project create”.",
        detail: "HubSpot now builds apps as projects. An existing legacy app (Development → “Legacy apps”) has the same settings on its “Auth” tab.",
      },
      {
        title: "In the app's app-hsmeta.json, under “auth”, add {callbackUrl} to “redirectUrls” and your scopes to “requiredScopes” (keep “oauth”). Then run “hs project upload”.",
        detail: "The scopes in Keyway's client form must match the app's required scopes. HubSpot refuses an install that leaves one out or asks for one the app does not declare. Put extras under “optionalScopes”.",
      },
      {
        title: "In HubSpot, open Development → “Projects” → your project → your app. On its “Auth” tab, copy the “Client ID” and “Client secret” into the Keyway client form.",
      },
    ],
  },
};

export function providerTemplate(id: string): ProviderTemplate | undefined {
  return Object.hasOwn(PROVIDERS, id) ? PROVIDERS[id as ProviderId] : undefined;
}

/** Replaces {name} placeholders in a template URL with the values given (defaults otherwise); values are URL-path-encoded. */
export function fillUrlPlaceholders(url: string, template: ProviderTemplate, values: Record<string, string> = {}): string {
  let out = url;
  for (const placeholder of template.urlPlaceholders ?? []) {
    const given = Object.hasOwn(values, placeholder.name) ? values[placeholder.name]?.trim() : undefined;
    out = out.replaceAll(`{${placeholder.name}}`, encodeURIComponent(given || placeholder.default));
  }
  return out;
}

/** Joins scopes with the provider's separator / splits a stored scope string on spaces, commas or both, dropping empties and duplicates. */
export function joinScopes(scopes: string[], separator: " " | ","): string {
  return [...new Set(scopes.map((scope) => scope.trim()).filter(Boolean))].join(separator);
}

/** Splits a stored or typed scope string on spaces, commas or both (any whitespace counts), dropping empties and duplicates. */
export function splitScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
