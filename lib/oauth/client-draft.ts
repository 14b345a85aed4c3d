import { oauthClientInputSchema, type AssertionAlg, type OAuthClientInput } from "./schemas";
import type { TokenAuthMethod } from "./http";
import { fillUrlPlaceholders, joinScopes, PROVIDERS, type ProviderTemplate } from "./providers";

const TEMPLATE_NAMES = new Set(Object.values(PROVIDERS).map((p) => p.name));

// The client form's whole state, as the browser holds and submits it (one
// JSON field, because of the list of extra parameters), and how it becomes
// the input that oauthClientInputSchema parses on both sides.

export type ClientDraft = {
  name: string;
  provider: string;
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  parUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  scopeSeparator: " " | ",";
  tokenAuthMethod: TokenAuthMethod;
  /** private_key_jwt: the key (empty until typed; a saved one never comes back), its algorithm and key ID. */
  clientPrivateKeyPem: string;
  clientAssertionAlg: AssertionAlg;
  clientAssertionKid: string;
  pkce: boolean;
  extraAuthParams: { name: string; value: string }[];
  notes: string;
  /** Values of the template's URL placeholders (Microsoft's tenant). */
  placeholders: Record<string, string>;
};

export const emptyClientDraft = (): ClientDraft => ({
  name: "",
  provider: "custom",
  issuer: "",
  authorizationUrl: "",
  tokenUrl: "",
  revocationUrl: "",
  parUrl: "",
  clientId: "",
  clientSecret: "",
  scopes: "",
  scopeSeparator: " ",
  tokenAuthMethod: "client_secret_basic",
  clientPrivateKeyPem: "",
  clientAssertionAlg: "RS256",
  clientAssertionKid: "",
  pkce: true,
  extraAuthParams: [],
  notes: "",
  placeholders: {},
});

/** A template's settings over what the user typed that is not the provider's (name kept if changed, client id and secret kept). */
export function applyTemplate(draft: ClientDraft, template: ProviderTemplate, placeholders: Record<string, string> = {}): ClientDraft {
  const values = Object.fromEntries((template.urlPlaceholders ?? []).map((p) => [p.name, placeholders[p.name] ?? p.default]));
  return {
    ...draft,
    // A name the form filled in itself follows the provider; one the user typed is kept.
    name: draft.name.trim() === "" || TEMPLATE_NAMES.has(draft.name) ? template.name : draft.name,
    provider: template.id,
    issuer: template.issuer ?? "",
    authorizationUrl: fillUrlPlaceholders(template.authorizationUrl, template, values),
    tokenUrl: fillUrlPlaceholders(template.tokenUrl, template, values),
    revocationUrl: template.revocationUrl ? fillUrlPlaceholders(template.revocationUrl, template, values) : "",
    parUrl: "",
    scopes: joinScopes(template.defaultScopes, " "),
    scopeSeparator: template.scopeSeparator,
    tokenAuthMethod: template.tokenAuthMethod,
    pkce: template.pkce,
    extraAuthParams: template.extraAuthorizationParams.map((p) => ({ ...p })),
    placeholders: values,
  };
}


/** The chosen fields, in the shape oauthClientInputSchema parses: the credential fields of the other methods are left out, so they are neither checked nor sent on. */
export function clientInputFromDraft(draft: ClientDraft): unknown {
  const { placeholders: _placeholders, ...rest } = draft;
  const method = draft.tokenAuthMethod;
  return {
    ...rest,
    clientSecret: method === "client_secret_basic" || method === "client_secret_post" ? draft.clientSecret : "",
    ...(method === "private_key_jwt" ? {} : { clientPrivateKeyPem: "", clientAssertionAlg: "RS256", clientAssertionKid: "" }),
    extraAuthParams: draft.extraAuthParams.filter((p) => p.name.trim() !== "" || p.value !== ""),
  };
}

export type ParsedClientDraft = { success: true; input: OAuthClientInput } | { success: false; fieldErrors: Record<string, string> };

export function parseClientDraft(draft: ClientDraft): ParsedClientDraft {
  const parsed = oauthClientInputSchema.safeParse(clientInputFromDraft(draft));
  if (parsed.success) return { success: true, input: parsed.data };
  const fieldErrors: Record<string, string> = {};
  const shown = draft.extraAuthParams.map((p, i) => ({ p, i })).filter(({ p }) => p.name.trim() !== "" || p.value !== "");
  for (const issue of parsed.error.issues) {
    let path = issue.path.join(".") || "form";
    const match = /^extraAuthParams\.(\d+)(\..*)?$/.exec(path);
    if (match) path = `extraAuthParams.${shown[Number(match[1])]?.i ?? match[1]}${match[2] ?? ""}`;
    fieldErrors[path] ??= issue.message;
  }
  return { success: false, fieldErrors };
}

/** The form's starting point for a saved client: everything but the secret. */
export function draftFromClient(client: {
  name: string;
  provider: string;
  issuer: string | null;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string | null;
  parUrl: string | null;
  clientId: string;
  scopes: string[];
  scopeSeparator: string;
  tokenAuthMethod: TokenAuthMethod;
  assertionAlg: AssertionAlg | null;
  assertionKid: string | null;
  pkce: boolean;
  extraAuthParams: { name: string; value: string }[];
  notes: string;
}): ClientDraft {
  return {
    name: client.name,
    provider: client.provider,
    issuer: client.issuer ?? "",
    authorizationUrl: client.authorizationUrl,
    tokenUrl: client.tokenUrl,
    revocationUrl: client.revocationUrl ?? "",
    parUrl: client.parUrl ?? "",
    clientId: client.clientId,
    clientSecret: "",
    scopes: client.scopes.join(" "),
    scopeSeparator: client.scopeSeparator === "," ? "," : " ",
    tokenAuthMethod: client.tokenAuthMethod,
    clientPrivateKeyPem: "",
    clientAssertionAlg: client.assertionAlg ?? "RS256",
    clientAssertionKid: client.assertionKid ?? "",
    pkce: client.pkce,
    extraAuthParams: client.extraAuthParams,
    notes: client.notes,
    placeholders: {},
  };
}
