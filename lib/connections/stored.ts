import { randomBytes } from "node:crypto";
import { z } from "zod";
import { lastFour } from "../crypto";
import type { NameValue, ResolvedAuth } from "./apply-auth";
import type { AuthType as StoredAuthType } from "../generated/prisma/enums";
import { isOAuthType, type AuthInput, type AuthType, type HeaderEntryInput, type ParamEntryInput } from "./schemas";
import { ASSERTION_ALGS, CONNECTION_TOKEN_AUTH_METHODS, scopesFromText, usesClientSecret } from "../oauth/schemas";
import { assertionKeyProblem } from "../oauth/assertion-key";
import { parseServiceAccountKey, type ServiceAccountKey } from "../oauth/service-account";
import { expiredRuleFrom, storedExpiredRuleSchema } from "../oauth/expired-signal";
import { resolveSignedAuth, storedAwsSchema, storedOAuth1Schema, storeSignedAuth, type OAuth1FlowTokens, type SignedAuthSecrets } from "./signed-auth-stored";

// How a connection's authentication is kept: non-secret settings in
// Connection.config (JSON), secret values in one encrypted JSON blob
// (Connection.secrets), and for the form only a hint per secret (that it is
// set, and maybe its last four characters) in Connection.secretHints.

const storedEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  secret: z.boolean(),
  // Present only for entries that are not secret; a secret's value is in the blob under `id`.
  value: z.string().optional(),
});
export type StoredEntry = z.infer<typeof storedEntrySchema>;

/**
 * An OAuth2 connection's settings. With a registered client (the row's
 * oauthClientId) only scopes and extra parameters are the connection's own;
 * without one, the client is typed in place and kept here too.
 */
export const storedOAuthSchema = z.object({
  authorizationUrl: z.string().optional(),
  tokenUrl: z.string().optional(),
  revocationUrl: z.string().optional(),
  clientId: z.string().optional(),
  tokenAuthMethod: z.enum(CONNECTION_TOKEN_AUTH_METHODS).optional(),
  /** private_key_jwt: how the client assertion is signed (the key is in the secrets). */
  assertionAlg: z.enum(ASSERTION_ALGS).optional(),
  assertionKid: z.string().optional(),
  pkce: z.boolean().optional(),
  /** Absent: the registered client's default scopes. */
  scopes: z.array(z.string()).optional(),
  extraParams: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  audience: z.string().optional(),
  /** What tells an expired token (absent: a 401); see lib/oauth/expired-signal.ts. */
  tokenExpired: storedExpiredRuleSchema.optional(),
  /**
   * The JWT bearer grant's assertion (the key is in the secrets): `issuer` is
   * a Google key's client_email, `assertionKid` its private_key_id, `tokenUrl`
   * its token_uri; `subject` the user impersonated (Google) or the assertion's
   * sub; `assertionAudience` absent means the token URL.
   */
  issuer: z.string().optional(),
  subject: z.string().optional(),
  assertionAudience: z.string().optional(),
  projectId: z.string().optional(),
});
export type StoredOAuth = z.infer<typeof storedOAuthSchema>;

export const storedConfigSchema = z.object({
  username: z.string().optional(),
  headers: z.array(storedEntrySchema).optional(),
  params: z.array(storedEntrySchema).optional(),
  oauth: storedOAuthSchema.optional(),
  aws: storedAwsSchema.optional(),
  oauth1: storedOAuth1Schema.optional(),
});
export type StoredConfig = z.infer<typeof storedConfigSchema>;

export type StoredSecrets = SignedAuthSecrets & {
  password?: string;
  entries?: Record<string, string>;
  /** An OAuth client secret typed in place (a registered client keeps its own). */
  clientSecret?: string;
  /** private_key_jwt: the PEM private key client assertions are signed with. */
  clientPrivateKeyPem?: string;
  /** The JWT bearer grant: the PEM private key its assertions are signed with (a Google key file's private_key). */
  assertionKeyPem?: string;
};

export type SecretHint = { set: true; lastFour?: string };
export type SecretHints = Record<string, SecretHint>;

/** Key of an entry's hint: "headers:<id>" or "params:<id>". */
export function entryHintKey(list: "headers" | "params", id: string): string {
  return `${list}:${id}`;
}

function newEntryId(): string {
  return randomBytes(9).toString("base64url");
}

export function hintFor(secret: string): SecretHint {
  const last = lastFour(secret);
  return last ? { set: true, lastFour: last } : { set: true };
}

export class StoredAuthError extends Error {
  constructor(readonly fieldErrors: Record<string, string>) {
    super("The connection's authentication is incomplete.");
  }
}

type Saved = { authType: AuthType; config: StoredConfig; secrets: StoredSecrets } | null;

function storeEntries(
  list: "headers" | "params",
  entries: (HeaderEntryInput | ParamEntryInput)[],
  saved: Saved,
  secrets: StoredSecrets,
  hints: SecretHints,
  errors: Record<string, string>,
): StoredEntry[] {
  const savedEntries = new Map((saved?.config[list] ?? []).map((entry) => [entry.id, entry]));
  return entries.map((entry, index) => {
    const before = entry.id ? savedEntries.get(entry.id) : undefined;
    const id = before ? before.id : newEntryId();
    if (!entry.secret) {
      if (before?.secret && entry.value === "") {
        errors[`${list}.${index}.value`] = "Type the value again to keep it as not secret.";
      }
      return { id, name: entry.name, secret: false, value: entry.value };
    }
    // A secret left empty keeps what was saved for this entry, which the browser never saw.
    const value = entry.value !== "" ? entry.value : before?.secret ? saved?.secrets.entries?.[before.id] : undefined;
    if (value === undefined || value === "") {
      errors[`${list}.${index}.value`] = "Enter the value.";
      return { id, name: entry.name, secret: true };
    }
    (secrets.entries ??= {})[id] = value;
    hints[entryHintKey(list, id)] = hintFor(value);
    return { id, name: entry.name, secret: true };
  });
}

/**
 * Turns what the form sent into what is stored, merging with the saved
 * connection: an empty secret field keeps the saved value. Throws
 * StoredAuthError with field errors (same paths as the form's) when a secret
 * that is needed is neither typed nor saved.
 */
export function storeAuth(input: AuthInput, saved: Saved): { config: StoredConfig; secrets: StoredSecrets; hints: SecretHints } {
  const sameType = saved?.authType === input.authType ? saved : null;
  const config: StoredConfig = {};
  const secrets: StoredSecrets = {};
  const hints: SecretHints = {};
  const errors: Record<string, string> = {};

  const storePassword = (typed: string) => {
    // Basic may have an empty password (an API key as the username); on edit, empty keeps the saved one.
    const password = typed !== "" ? typed : (sameType?.secrets.password ?? "");
    secrets.password = password;
    if (password !== "") hints.password = hintFor(password);
  };

  switch (input.authType) {
    case "NONE":
    case "WEBHOOK":
      break;
    case "BASIC":
      config.username = input.username;
      storePassword(input.password);
      break;
    case "HEADER":
      config.headers = storeEntries("headers", input.headers, sameType, secrets, hints, errors);
      break;
    case "QUERY":
      config.params = storeEntries("params", input.params, sameType, secrets, hints, errors);
      break;
    case "CUSTOM":
      config.headers = storeEntries("headers", input.headers, sameType, secrets, hints, errors);
      config.params = storeEntries("params", input.params, sameType, secrets, hints, errors);
      config.username = input.username;
      if (input.username !== "") storePassword(input.password);
      break;
    case "BEARER":
    case "DIGEST":
    case "AWS_SIGV4":
    case "OAUTH1":
      storeSignedAuth(input, sameType?.secrets ?? null, { config, secrets, hints, errors }, hintFor);
      break;
    case "OAUTH2_CODE":
    case "OAUTH2_CLIENT_CREDENTIALS": {
      const scopes = scopesFromText(input.scopes);
      const oauth: StoredOAuth = { extraParams: input.extraParams, ...(scopes.length > 0 ? { scopes } : {}) };
      if (input.authType === "OAUTH2_CLIENT_CREDENTIALS" && input.audience !== "") oauth.audience = input.audience;
      const tokenExpired = expiredRuleFrom(input);
      if (tokenExpired) oauth.tokenExpired = tokenExpired;
      if (input.oauthClientRef === "") {
        Object.assign(oauth, {
          tokenUrl: input.tokenUrl,
          clientId: input.clientId,
          tokenAuthMethod: input.tokenAuthMethod,
          ...(input.authType === "OAUTH2_CODE"
            ? { authorizationUrl: input.authorizationUrl, pkce: input.tokenAuthMethod === "none" ? true : input.pkce, ...(input.revocationUrl ? { revocationUrl: input.revocationUrl } : {}) }
            : {}),
        });
        if (input.tokenAuthMethod === "private_key_jwt") {
          const alg = input.clientAssertionAlg ?? "RS256";
          Object.assign(oauth, { assertionAlg: alg, ...(input.clientAssertionKid ? { assertionKid: input.clientAssertionKid } : {}) });
          const savedKey = saved && isOAuthType(saved.authType) ? saved.secrets.clientPrivateKeyPem : undefined;
          const key = input.clientPrivateKeyPem ? input.clientPrivateKeyPem : savedKey;
          const problem = key ? assertionKeyProblem(key, alg) : "Paste the private key (PEM) the client signs its assertions with.";
          if (problem) errors[key === savedKey && key ? "clientAssertionAlg" : "clientPrivateKeyPem"] = problem;
          else {
            secrets.clientPrivateKeyPem = key;
            hints.clientPrivateKeyPem = { set: true };
          }
        }
        if (usesClientSecret(input.tokenAuthMethod)) {
          // Either connection type may have kept a secret typed in place before; an empty field keeps it.
          const savedSecret = saved && isOAuthType(saved.authType) ? saved.secrets.clientSecret : undefined;
          const secret = input.clientSecret !== "" ? input.clientSecret : savedSecret;
          if (!secret) errors.clientSecret = "Enter the client secret.";
          else {
            secrets.clientSecret = secret;
            hints.clientSecret = hintFor(secret);
          }
        }
      }
      config.oauth = oauth;
      break;
    }
    case "GOOGLE_SERVICE_ACCOUNT": {
      // A key file left empty on edit keeps the saved key with what was read from its file.
      const savedOAuth = sameType?.config.oauth;
      const savedPem = sameType?.secrets.assertionKeyPem;
      let key: ServiceAccountKey | undefined;
      if (input.serviceAccountKey !== "") {
        const parsed = parseServiceAccountKey(input.serviceAccountKey);
        const problem = "problem" in parsed ? parsed.problem : assertionKeyProblem(parsed.privateKeyPem, "RS256");
        if (problem) errors.serviceAccountKey = "problem" in parsed ? problem : `The key file's private_key cannot sign: ${problem}`;
        else key = parsed as ServiceAccountKey;
      } else if (savedPem && savedOAuth?.issuer && savedOAuth.tokenUrl) {
        key = { clientEmail: savedOAuth.issuer, privateKeyId: savedOAuth.assertionKid ?? "", privateKeyPem: savedPem, tokenUri: savedOAuth.tokenUrl, ...(savedOAuth.projectId ? { projectId: savedOAuth.projectId } : {}) };
      } else {
        errors.serviceAccountKey = "Paste the service account's JSON key file.";
      }
      const tokenExpired = expiredRuleFrom(input);
      if (key) {
        config.oauth = {
          extraParams: [],
          scopes: scopesFromText(input.scopes),
          tokenUrl: key.tokenUri,
          issuer: key.clientEmail,
          assertionAlg: "RS256",
          assertionKid: key.privateKeyId,
          ...(key.projectId ? { projectId: key.projectId } : {}),
          ...(input.subject ? { subject: input.subject } : {}),
          ...(tokenExpired ? { tokenExpired } : {}),
        };
        secrets.assertionKeyPem = key.privateKeyPem;
        hints.serviceAccountKey = { set: true };
      }
      break;
    }
    case "OAUTH2_JWT_BEARER": {
      const savedPem = sameType?.secrets.assertionKeyPem;
      const pem = input.assertionKeyPem !== "" ? input.assertionKeyPem : savedPem;
      const problem = pem ? assertionKeyProblem(pem, input.assertionAlg) : "Paste the private key (PEM) Keyway signs the assertions with.";
      if (problem) errors[pem && pem === savedPem ? "assertionAlg" : "assertionKeyPem"] = problem;
      else {
        secrets.assertionKeyPem = pem;
        hints.assertionKeyPem = { set: true };
      }
      const scopes = scopesFromText(input.scopes);
      const tokenExpired = expiredRuleFrom(input);
      config.oauth = {
        extraParams: [],
        tokenUrl: input.tokenUrl,
        issuer: input.issuer,
        assertionAlg: input.assertionAlg,
        ...(input.subject ? { subject: input.subject } : {}),
        ...(input.audience ? { assertionAudience: input.audience } : {}),
        ...(input.clientId ? { clientId: input.clientId } : {}),
        ...(input.assertionKid ? { assertionKid: input.assertionKid } : {}),
        ...(scopes.length > 0 ? { scopes } : {}),
        ...(tokenExpired ? { tokenExpired } : {}),
      };
      break;
    }
  }
  if (Object.keys(errors).length > 0) throw new StoredAuthError(errors);
  return { config, secrets, hints };
}

function resolveEntries(entries: StoredEntry[] | undefined, secrets: StoredSecrets): NameValue[] {
  return (entries ?? []).map((entry) => {
    const value = entry.secret ? secrets.entries?.[entry.id] : entry.value;
    if (value === undefined) throw new Error(`The saved value of “${entry.name}” is missing; edit the connection and enter it again.`);
    return { name: entry.name, value };
  });
}

/** What apply-auth needs, from what is stored (secrets already decrypted; a three-legged OAuth 1.0a connection's tokens from lib/connections/oauth1-flow.ts). */
export function resolveAuth(authType: StoredAuthType, config: StoredConfig, secrets: StoredSecrets, flowTokens?: OAuth1FlowTokens | null): ResolvedAuth {
  switch (authType) {
    case "NONE":
      return { authType };
    case "WEBHOOK":
      // Callers refuse a receiver before they get here (it has no API); nothing would be sent anyway.
      return { authType: "NONE" };
    case "BASIC":
      return { authType, username: config.username ?? "", password: secrets.password ?? "" };
    case "HEADER":
      return { authType, headers: resolveEntries(config.headers, secrets) };
    case "QUERY":
      return { authType, params: resolveEntries(config.params, secrets) };
    case "CUSTOM":
      return {
        authType,
        headers: resolveEntries(config.headers, secrets),
        params: resolveEntries(config.params, secrets),
        basic: config.username ? { username: config.username, password: secrets.password ?? "" } : undefined,
      };
    case "BEARER":
    case "DIGEST":
    case "AWS_SIGV4":
    case "OAUTH1":
      return resolveSignedAuth(authType, config, secrets, flowTokens);
    case "OAUTH2_CODE":
    case "OAUTH2_CLIENT_CREDENTIALS":
    case "GOOGLE_SERVICE_ACCOUNT":
    case "OAUTH2_JWT_BEARER":
      // The bearer token is fetched (and refreshed) by lib/oauth/tokens.ts, not stored with the connection.
      throw new Error("OAuth2 connections resolve their token through lib/oauth/tokens.ts.");
  }
}

/** Names of the entries marked secret, for redacting what a test run stores. */
export function secretEntryNames(config: StoredConfig): { headers: Set<string>; params: Set<string> } {
  return {
    headers: new Set((config.headers ?? []).filter((e) => e.secret).map((e) => e.name.toLowerCase())),
    params: new Set((config.params ?? []).filter((e) => e.secret).map((e) => e.name)),
  };
}
