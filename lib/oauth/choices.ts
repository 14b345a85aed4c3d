import { db } from "../db";
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
  const clients = await db.oAuthClient.findMany({
    where: { teamId },
    select: { id: true, name: true, provider: true, scopes: true, tokenAuthMethod: true, clientId: true },
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  return clients.map(({ provider, ...c }) => ({ ...c, providerName: providerLabel(provider) }));
}
