"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { requireMember } from "@/lib/access";
import { discoverFromEndpoint } from "@/lib/oauth/http";
import { endpointUrlSchema } from "@/lib/oauth/schemas";

export type EndpointDiscovery =
  | { found: { issuer: string; authorizationUrl: string | null; tokenUrl: string; revocationUrl: string | null; tokenAuthMethods: string[] } }
  | { error: string };

/** For a client typed in on the connection form: the rest of its endpoints and the authentication methods, from the issuer of a URL already typed. */
export async function discoverFromEndpointAction(teamSlug: string, endpoint: string): Promise<EndpointDiscovery> {
  checkArguments([teamSlug, endpoint], [argument.teamSlug, argument.text]);
  await requireMember(teamSlug, "MEMBER");
  const url = endpointUrlSchema("token URL").safeParse(endpoint);
  if (!url.success) return { error: url.error.issues[0]?.message ?? "Enter the token or authorization URL first." };
  const found = await discoverFromEndpoint(url.data);
  if (!found) return { error: "No discovery document names this endpoint (tried its origin and parent paths). Fill in the rest by hand, from the provider's documentation." };
  const { issuer, authorizationUrl, tokenUrl, revocationUrl, tokenAuthMethods } = found;
  return { found: { issuer, authorizationUrl, tokenUrl, revocationUrl, tokenAuthMethods } };
}
