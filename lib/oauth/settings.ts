import type { OAuthEndpoints, TokenAuthMethod } from "./http";
import { loadRegisteredClient } from "./clients";
import type { ExtraParam } from "./schemas";
import { openSecrets } from "../connections";
import { storedConfigSchema, type StoredConfig } from "../connections/stored";
import type { Prisma } from "../generated/prisma/client";
import type { TlsOptions, Tunnel } from "../outbound";
import { connectionTls } from "../connections/tls";
import { assertionSigningKey } from "./assertion-key";
import { isTlsClientAuth } from "./schemas";
import type { JwtBearerSettings } from "./jwt-bearer";
import { isServiceAccountType } from "../connections/schemas";
import { connectionTunnel } from "../agents/tunnel";

/** Everything one OAuth exchange of a connection needs: its registered client's settings, or those typed in place, with the connection's own on top. */
export type ConnectionOAuth = {
  endpoints: OAuthEndpoints;
  /** The registered client's provider template ("oidc", "google", …); null for a client typed in place. */
  provider: string | null;
  scopes: string[];
  scopeSeparator: " " | ",";
  pkce: boolean;
  /** Authorization request extras: the client's, then the connection's (which win on the same name). */
  authorizationParams: Record<string, string>;
  /** Token request extras: for client credentials the audience and the connection's parameters; for the code grant the RFC 8707 resource, if one is asked for. */
  tokenParams: Record<string, string>;
  /** A private-network connection's token calls go through its agent too; tls_client_auth presents the connection's client certificate. */
  outbound: { tunnel?: Tunnel; tls?: TlsOptions };
  /** The JWT bearer grant's assertion (service account types only). */
  jwtBearer?: JwtBearerSettings;
};

type ConnectionRow = {
  id: string;
  teamId: string;
  authType: string;
  oauthClientId: string | null;
  agentId: string | null;
  config: Prisma.JsonValue;
  secrets: string | null;
  clientCertPem?: string | null;
  clientCaPem?: string | null;
};

function merge(...lists: ExtraParam[][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const list of lists) for (const { name, value } of list) out[name] = value;
  return out;
}

/** A connection's OAuth settings, from its row (secrets decrypted for the one exchange that needs them). */
export async function connectionOAuthSettings(connection: ConnectionRow): Promise<ConnectionOAuth> {
  return oauthSettingsFor(connection, storedConfigSchema.parse(connection.config ?? {}), openSecrets(connection.id, connection.secrets));
}

async function oauthSettingsFor(connection: ConnectionRow, config: StoredConfig, secrets: ReturnType<typeof openSecrets>): Promise<ConnectionOAuth> {
  const own = config.oauth ?? { extraParams: [] };
  const extra = own.extraParams ?? [];
  if (isServiceAccountType(connection.authType)) {
    const tokenUrl = own.tokenUrl ?? "";
    const google = connection.authType === "GOOGLE_SERVICE_ACCOUNT";
    // A client ID, where the server wants one, is sent in the body (RFC 7523 3.1: client authentication is optional).
    const clientId = google ? undefined : own.clientId;
    return {
      endpoints: { tokenUrl, clientId: clientId ?? own.issuer ?? "keyway", tokenAuthMethod: "none", ...(clientId ? {} : { noClientAuthentication: true }) },
      provider: google ? "google" : null,
      scopes: own.scopes ?? [],
      scopeSeparator: " ",
      pkce: false,
      authorizationParams: {},
      tokenParams: {},
      outbound: { tunnel: connectionTunnel(connection) },
      jwtBearer: {
        flavor: google ? "google" : "generic",
        keyPem: secrets.assertionKeyPem ?? "",
        alg: own.assertionAlg ?? "RS256",
        ...(own.assertionKid ? { kid: own.assertionKid } : {}),
        issuer: own.issuer ?? "",
        ...(own.subject ? { subject: own.subject } : {}),
        audience: own.assertionAudience ?? tokenUrl,
      },
    };
  }
  const clientCredentialsParams: Record<string, string> = { ...(own.audience ? { audience: own.audience } : {}), ...merge(extra) };
  // RFC 8707: the resource asked for at authorization is named at the token endpoint too (exchange and refresh).
  const resourceOf = (params: Record<string, string>): Record<string, string> => (params.resource ? { resource: params.resource } : {});
  if (connection.oauthClientId) {
    const client = await loadRegisteredClient(connection.teamId, connection.oauthClientId);
    const authorizationParams = connection.authType === "OAUTH2_CODE" ? merge(client.extraAuthParams, extra) : {};
    const tokenParams = connection.authType === "OAUTH2_CLIENT_CREDENTIALS" ? clientCredentialsParams : resourceOf(authorizationParams);
    return {
      endpoints: client,
      provider: client.provider,
      scopes: own.scopes ?? client.scopes,
      scopeSeparator: client.scopeSeparator,
      pkce: client.pkce,
      authorizationParams,
      tokenParams,
      outbound: outboundFor(connection, client.tokenAuthMethod, secrets),
    };
  }
  const method: TokenAuthMethod = own.tokenAuthMethod ?? "client_secret_basic";
  const clientPrivateKey =
    method === "private_key_jwt" && secrets.clientPrivateKeyPem ? await assertionSigningKey(secrets.clientPrivateKeyPem, own.assertionAlg ?? "RS256", own.assertionKid) : undefined;
  const authorizationParams = connection.authType === "OAUTH2_CODE" ? merge(extra) : {};
  const tokenParams = connection.authType === "OAUTH2_CLIENT_CREDENTIALS" ? clientCredentialsParams : resourceOf(authorizationParams);
  return {
    endpoints: {
      authorizationUrl: own.authorizationUrl ?? null,
      tokenUrl: own.tokenUrl ?? "",
      revocationUrl: own.revocationUrl ?? null,
      clientId: own.clientId ?? "",
      clientSecret: secrets.clientSecret ?? null,
      tokenAuthMethod: method,
      ...(clientPrivateKey ? { clientPrivateKey } : {}),
    },
    provider: null,
    scopes: own.scopes ?? [],
    scopeSeparator: " ",
    pkce: method === "none" ? true : (own.pkce ?? true),
    authorizationParams,
    tokenParams,
    outbound: outboundFor(connection, method, secrets),
  };
}

/**
 * How the token requests travel: through the connection's agent if it has one,
 * and for tls_client_auth / self_signed_tls_client_auth with the connection's
 * client certificate, whether the client is typed in place or registered. A
 * registered client keeps no certificate of its own: a token bound to a
 * certificate (RFC 8705 3) is only good with the certificate the API sees,
 * which is the connection's; one key per connection also means one place to
 * replace and rotate it. The provider registers the certificates' subject DN
 * (tls_client_auth) or each certificate (self_signed_tls_client_auth).
 */
function outboundFor(connection: ConnectionRow, method: TokenAuthMethod, secrets: ReturnType<typeof openSecrets>): ConnectionOAuth["outbound"] {
  const tls = isTlsClientAuth(method) ? connectionTls({ clientCertPem: connection.clientCertPem ?? null, clientCaPem: connection.clientCaPem ?? null }, secrets) : undefined;
  return { tunnel: connectionTunnel(connection), ...(tls ? { tls } : {}) };
}
