import { listOAuthClients } from "./clients";
import { providerTemplate } from "./providers";

/** A provider id as people say it. */
export function providerLabel(provider: string): string {
  if (provider === "oidc") return "OpenID Connect";
  if (provider === "custom") return "Custom";
  return providerTemplate(provider)?.name ?? provider;
}

/** What the connection form may know of the team's registered clients: no secrets. */
export type ClientChoice = { id: string; name: string; providerName: string; scopes: string[]; tokenAuthMethod: string; clientId: string };

export async function clientChoices(teamId: string): Promise<ClientChoice[]> {
  const clients = await listOAuthClients(teamId);
  return clients.map((c) => ({ id: c.id, name: c.name, providerName: providerLabel(c.provider), scopes: c.scopes, tokenAuthMethod: c.tokenAuthMethod, clientId: c.clientId }));
}
