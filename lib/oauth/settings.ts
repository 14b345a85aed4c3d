import type { OAuthEndpoints, TokenAuthMethod } from "./http";
import { loadRegisteredClient } from "./clients";
import type { ExtraParam } from "./schemas";
import { openSecrets } from "../connections";
import { storedConfigSchema, type StoredConfig, type StoredSecrets } from "../connections/stored";
import type { Prisma } from "../generated/prisma/client";
import type { Tunnel } from "../outbound";
import { connectionTunnel } from "../agents/tunnel";

/** Everything one OAuth exchange of a connection needs: its registered client's settings, or those typed in place, with the connection's own on top. */
export type ConnectionOAuth = {
  endpoints: OAuthEndpoints;
  scopes: string[];
  scopeSeparator: " " | ",";
  pkce: boolean;
  /** Authorization request extras: the client's, then the connection's (which win on the same name). */
  authorizationParams: Record<string, string>;
  /** Client credentials token request extras: audience and the connection's parameters. */
  tokenParams: Record<string, string>;
  /** A private-network connection's token calls go through its agent too. */
  outbound: { tunnel?: Tunnel };
};

type ConnectionRow = { id: string; teamId: string; authType: string; oauthClientId: string | null; agentId: string | null; config: Prisma.JsonValue; secrets: string | null };

function merge(...lists: ExtraParam[][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const list of lists) for (const { name, value } of list) out[name] = value;
  return out;
}

/** A connection's OAuth settings, from its row (secrets decrypted for the one exchange that needs them). */
export async function connectionOAuthSettings(connection: ConnectionRow): Promise<ConnectionOAuth> {
  return oauthSettingsFor(connection, storedConfigSchema.parse(connection.config ?? {}), openSecrets(connection.id, connection.secrets));
}

async function oauthSettingsFor(connection: ConnectionRow, config: StoredConfig, secrets: StoredSecrets): Promise<ConnectionOAuth> {
  const own = config.oauth ?? { extraParams: [] };
  const extra = own.extraParams ?? [];
  const tokenParams = connection.authType === "OAUTH2_CLIENT_CREDENTIALS" ? { ...(own.audience ? { audience: own.audience } : {}), ...merge(extra) } : {};
  if (connection.oauthClientId) {
    const client = await loadRegisteredClient(connection.teamId, connection.oauthClientId);
    return {
      endpoints: client,
      scopes: own.scopes ?? client.scopes,
      scopeSeparator: client.scopeSeparator,
      pkce: client.pkce,
      authorizationParams: connection.authType === "OAUTH2_CODE" ? merge(client.extraAuthParams, extra) : {},
      tokenParams,
      outbound: { tunnel: connectionTunnel(connection) },
    };
  }
  const method: TokenAuthMethod = own.tokenAuthMethod ?? "client_secret_basic";
  return {
    endpoints: {
      authorizationUrl: own.authorizationUrl ?? null,
      tokenUrl: own.tokenUrl ?? "",
      revocationUrl: own.revocationUrl ?? null,
      clientId: own.clientId ?? "",
      clientSecret: secrets.clientSecret ?? null,
      tokenAuthMethod: method,
    },
    scopes: own.scopes ?? [],
    scopeSeparator: " ",
    pkce: method === "none" ? true : (own.pkce ?? true),
    authorizationParams: connection.authType === "OAUTH2_CODE" ? merge(extra) : {},
    tokenParams,
    outbound: { tunnel: connectionTunnel(connection) },
  };
}
