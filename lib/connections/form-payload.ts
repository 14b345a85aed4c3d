import { z } from "zod";
import { AUTH_TYPES, connectionInputSchema, NETWORKS, type AuthType, type ConnectionInput, type Network } from "./schemas";
import { ASSERTION_ALGS, CONNECTION_TOKEN_AUTH_METHODS, type AssertionAlg, type ConnectionTokenAuthMethod } from "../oauth/schemas";
import { expiredFieldsFrom } from "../oauth/expired-signal";
import type { ConnectionView } from "./index";
import type { StoredConfig } from "./stored";
import { text } from "../schemas/text";
import { OAUTH1_SIGNATURE_METHODS, OAUTH1_TOKEN_SOURCES, SIGV4_PAYLOAD_MODES, type OAuth1SignatureMethod, type OAuth1TokenSource, type SigV4PayloadMode } from "./signed-auth-schemas";

// The connection form's whole state, as the browser holds it and submits it
// (one JSON field: lists of headers and params do not fit flat form fields).
// Every auth type's fields are kept while the user switches types, so nothing
// typed is lost; only the chosen type's fields are validated and saved.

export type EntryDraft = { id?: string; name: string; value: string; secret: boolean };
export type CertificateMode = "none" | "keep" | "new";
export type ParamDraft = { name: string; value: string };

/** Both OAuth2 types' fields; each type uses its part. */
export type OAuthDraft = {
  /** A registered client's id, or "" to type the client in place. */
  clientRef: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  clientId: string;
  clientSecret: string;
  tokenAuthMethod: ConnectionTokenAuthMethod;
  /** private_key_jwt: the key (empty until typed; the saved one never comes back), its algorithm and key ID. */
  clientPrivateKeyPem: string;
  clientAssertionAlg: AssertionAlg;
  clientAssertionKid: string;
  pkce: boolean;
  scopes: string;
  audience: string;
  extraParams: ParamDraft[];
  /** What tells an expired token (lib/oauth/expired-signal.ts). */
  expiredStatuses: string;
  expiredJsonPointer: string;
  expiredJsonValue: string;
  expiredBodyContains: string;
};

/**
 * The service account types' own fields (scopes and the expired-token rule
 * are the OAuth draft's). Secrets are empty until typed; `savedKey` only
 * names the saved Google key for the form (never submitted as such).
 */
export type JwtDraft = {
  serviceAccountKey: string;
  savedKey: string;
  subject: string;
  tokenUrl: string;
  issuer: string;
  audience: string;
  clientId: string;
  assertionKeyPem: string;
  assertionAlg: AssertionAlg;
  assertionKid: string;
};

export const emptyJwtDraft = (): JwtDraft => ({ serviceAccountKey: "", savedKey: "", subject: "", tokenUrl: "", issuer: "", audience: "", clientId: "", assertionKeyPem: "", assertionAlg: "RS256", assertionKid: "" });

/** AWS Signature V4's fields; the secrets are empty until typed (the saved ones never come back). */
export type AwsDraft = { accessKeyId: string; secretAccessKey: string; useSessionToken: boolean; sessionToken: string; region: string; service: string; proxyPayload: SigV4PayloadMode };
export type OAuth1Draft = {
  consumerKey: string;
  consumerSecret: string;
  signatureMethod: OAuth1SignatureMethod;
  privateKeyPem: string;
  tokenSource: OAuth1TokenSource;
  token: string;
  tokenSecret: string;
  realm: string;
  requestTokenUrl: string;
  authorizeUrl: string;
  accessTokenUrl: string;
};

export const emptyAwsDraft = (): AwsDraft => ({ accessKeyId: "", secretAccessKey: "", useSessionToken: false, sessionToken: "", region: "", service: "", proxyPayload: "unsigned" });
export const emptyOAuth1Draft = (): OAuth1Draft => ({
  consumerKey: "",
  consumerSecret: "",
  signatureMethod: "HMAC-SHA1",
  privateKeyPem: "",
  tokenSource: "none",
  token: "",
  tokenSecret: "",
  realm: "",
  requestTokenUrl: "",
  authorizeUrl: "",
  accessTokenUrl: "",
});

function oauth1DraftFrom(saved: StoredConfig["oauth1"]): OAuth1Draft {
  if (!saved) return emptyOAuth1Draft();
  return {
    ...emptyOAuth1Draft(),
    consumerKey: saved.consumerKey,
    signatureMethod: saved.signatureMethod,
    tokenSource: saved.flow ? "connect" : saved.token ? "pasted" : "none",
    token: saved.token ?? "",
    realm: saved.realm ?? "",
    ...(saved.flow ?? {}),
  };
}

export type ConnectionDraft = {
  name: string;
  baseUrl: string;
  authType: AuthType;
  username: string;
  password: string;
  headers: EntryDraft[];
  params: EntryDraft[];
  certificate: { mode: CertificateMode; certificatePem: string; privateKeyPem: string; passphrase: string; caPem: string };
  oauth: OAuthDraft;
  /** The Bearer token type's token (Digest uses username and password). */
  bearerToken: string;
  aws: AwsDraft;
  oauth1: OAuth1Draft;
  jwt: JwtDraft;
  /** "Is this app in a private network?"; the chosen agent is kept while the user switches back and forth. */
  network: Network;
  agentId: string;
};

export const emptyOAuthDraft = (): OAuthDraft => ({
  clientRef: "",
  authorizationUrl: "",
  tokenUrl: "",
  revocationUrl: "",
  clientId: "",
  clientSecret: "",
  tokenAuthMethod: "client_secret_basic",
  clientPrivateKeyPem: "",
  clientAssertionAlg: "RS256",
  clientAssertionKid: "",
  pkce: true,
  scopes: "",
  audience: "",
  extraParams: [],
  ...expiredFieldsFrom(undefined),
});

export const emptyDraft = (): ConnectionDraft => ({
  name: "",
  baseUrl: "",
  authType: "BASIC",
  username: "",
  password: "",
  headers: [{ name: "", value: "", secret: true }],
  params: [{ name: "", value: "", secret: true }],
  certificate: { mode: "none", certificatePem: "", privateKeyPem: "", passphrase: "", caPem: "" },
  oauth: emptyOAuthDraft(),
  bearerToken: "",
  aws: emptyAwsDraft(),
  oauth1: emptyOAuth1Draft(),
  jwt: emptyJwtDraft(),
  network: "public",
  agentId: "",
});

/** The form's starting point for an existing connection: everything but the secret values. */
export function draftFromConnection(connection: ConnectionView): ConnectionDraft {
  const entries = (list: "headers" | "params"): EntryDraft[] =>
    (connection.config[list] ?? []).map((entry) => ({ id: entry.id, name: entry.name, value: entry.secret ? "" : (entry.value ?? ""), secret: entry.secret }));
  const draft = emptyDraft();
  const headers = entries("headers");
  const params = entries("params");
  return {
    ...draft,
    name: connection.name,
    baseUrl: connection.baseUrl,
    authType: connection.authType as AuthType,
    username: connection.config.username ?? "",
    headers: headers.length > 0 || connection.authType === "CUSTOM" ? headers : draft.headers,
    params: params.length > 0 || connection.authType === "CUSTOM" ? params : draft.params,
    certificate: { ...draft.certificate, mode: connection.clientCertPem ? "keep" : "none" },
    oauth: oauthDraftFrom(connection),
    aws: connection.config.aws
      ? { ...emptyAwsDraft(), ...connection.config.aws, useSessionToken: Boolean(connection.secretHints.sessionToken) }
      : emptyAwsDraft(),
    oauth1: oauth1DraftFrom(connection.config.oauth1),
    jwt: jwtDraftFrom(connection),
    network: connection.agentId ? "private" : "public",
    agentId: connection.agentId ?? "",
  };
}

function jwtDraftFrom(connection: ConnectionView): JwtDraft {
  const saved = connection.config.oauth;
  if (!saved || (connection.authType !== "GOOGLE_SERVICE_ACCOUNT" && connection.authType !== "OAUTH2_JWT_BEARER")) return emptyJwtDraft();
  const google = connection.authType === "GOOGLE_SERVICE_ACCOUNT";
  return {
    ...emptyJwtDraft(),
    savedKey: google && saved.issuer ? `${saved.issuer}${saved.assertionKid ? ` (key ID ${saved.assertionKid.slice(0, 8)}…)` : ""}` : "",
    subject: saved.subject ?? "",
    tokenUrl: google ? "" : (saved.tokenUrl ?? ""),
    issuer: google ? "" : (saved.issuer ?? ""),
    audience: saved.assertionAudience ?? "",
    clientId: google ? "" : (saved.clientId ?? ""),
    assertionAlg: saved.assertionAlg ?? "RS256",
    assertionKid: google ? "" : (saved.assertionKid ?? ""),
  };
}

function oauthDraftFrom(connection: ConnectionView): OAuthDraft {
  const saved = connection.config.oauth;
  const draft = emptyOAuthDraft();
  if (!saved) return draft;
  return {
    clientRef: connection.oauthClientId ?? "",
    authorizationUrl: saved.authorizationUrl ?? "",
    tokenUrl: saved.tokenUrl ?? "",
    revocationUrl: saved.revocationUrl ?? "",
    clientId: saved.clientId ?? "",
    clientSecret: "",
    tokenAuthMethod: saved.tokenAuthMethod ?? draft.tokenAuthMethod,
    clientPrivateKeyPem: "",
    clientAssertionAlg: saved.assertionAlg ?? draft.clientAssertionAlg,
    clientAssertionKid: saved.assertionKid ?? "",
    pkce: saved.pkce ?? true,
    scopes: (saved.scopes ?? []).join(" "),
    audience: saved.audience ?? "",
    extraParams: saved.extraParams ?? [],
    ...expiredFieldsFrom(saved.tokenExpired),
  };
}

/** Rows the user added and left blank are not meant to be saved. */
const filled = <T extends { name: string; value: string }>(entries: T[]) => entries.filter((e) => e.name.trim() !== "" || e.value !== "");

/** Name, base URL, network and the chosen type's part of the draft, in the shape connectionInputSchema parses. */
export function inputFromDraft(draft: ConnectionDraft): unknown {
  const base = { name: draft.name, baseUrl: draft.baseUrl, network: draft.network, ...(draft.network === "private" ? { agentId: draft.agentId } : {}) };
  switch (draft.authType) {
    case "NONE":
      return { ...base, authType: "NONE" };
    case "WEBHOOK":
      // No base URL, network or certificate: a receiver calls nothing.
      return { name: draft.name, authType: "WEBHOOK" };
    case "BASIC":
      return { ...base, authType: "BASIC", username: draft.username, password: draft.password };
    case "HEADER":
      return { ...base, authType: "HEADER", headers: filled(draft.headers) };
    case "QUERY":
      return { ...base, authType: "QUERY", params: filled(draft.params) };
    case "CUSTOM":
      return { ...base, authType: "CUSTOM", headers: filled(draft.headers), params: filled(draft.params), username: draft.username, password: draft.password };
    case "BEARER":
      return { ...base, authType: "BEARER", token: draft.bearerToken };
    case "DIGEST":
      return { ...base, authType: "DIGEST", username: draft.username, password: draft.password };
    case "AWS_SIGV4":
      return { ...base, authType: "AWS_SIGV4", ...draft.aws };
    case "OAUTH1":
      return { ...base, authType: "OAUTH1", ...draft.oauth1 };
    case "OAUTH2_CODE":
    case "OAUTH2_CLIENT_CREDENTIALS": {
      // Both grants get every OAuth field; each schema keeps the ones of its grant.
      const { clientRef, extraParams, ...fields } = draft.oauth;
      return { ...base, authType: draft.authType, oauthClientRef: clientRef, ...fields, extraParams: filled(extraParams) };
    }
    case "GOOGLE_SERVICE_ACCOUNT":
    case "OAUTH2_JWT_BEARER": {
      const { scopes, expiredStatuses, expiredJsonPointer, expiredJsonValue, expiredBodyContains } = draft.oauth;
      const shared = { scopes, expiredStatuses, expiredJsonPointer, expiredJsonValue, expiredBodyContains, subject: draft.jwt.subject };
      if (draft.authType === "GOOGLE_SERVICE_ACCOUNT") return { ...base, authType: draft.authType, serviceAccountKey: draft.jwt.serviceAccountKey, ...shared };
      const { tokenUrl, issuer, audience, clientId, assertionKeyPem, assertionAlg, assertionKid } = draft.jwt;
      return { ...base, authType: draft.authType, tokenUrl, issuer, audience, clientId, assertionKeyPem, assertionAlg, assertionKid, ...shared };
    }
  }
}

export const certificateDraftSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("none") }),
  z.object({ mode: z.literal("keep") }),
  z.object({
    mode: z.literal("new"),
    certificatePem: text().trim().min(1, "Paste or upload the certificate (PEM).").max(64 * 1024, "That is too long for a certificate."),
    privateKeyPem: text().trim().min(1, "Paste or upload the private key (PEM).").max(64 * 1024, "That is too long for a private key."),
    passphrase: text().max(1024),
    caPem: text().trim().max(512 * 1024, "That CA bundle is too long."),
  }),
]);
export type CertificateDraft = z.infer<typeof certificateDraftSchema>;

/**
 * Index paths in errors refer to the filled rows; the form shows every row,
 * blank ones included, so map them back to the rows the user sees.
 */
export function draftErrorPath(draft: ConnectionDraft, path: string): string {
  const match = /^(headers|params|extraParams)\.(\d+)(\..*)?$/.exec(path);
  if (!match) return path;
  const [, list, index, rest = ""] = match;
  const rows: { name: string; value: string }[] = list === "extraParams" ? draft.oauth.extraParams : draft[list as "headers" | "params"];
  const filledRows = rows.map((row, i) => ({ row, i })).filter(({ row }) => row.name.trim() !== "" || row.value !== "");
  const original = filledRows[Number(index)]?.i ?? Number(index);
  return `${list}.${original}${rest}`;
}

export type ParsedDraft =
  | { success: true; input: ConnectionInput; certificate: CertificateDraft }
  | { success: false; fieldErrors: Record<string, string> };

export function parseDraft(draft: ConnectionDraft): ParsedDraft {
  const fieldErrors: Record<string, string> = {};
  const input = connectionInputSchema.safeParse(inputFromDraft(draft));
  if (!input.success) {
    for (const issue of input.error.issues) {
      const path = draftErrorPath(draft, issue.path.join(".") || "form");
      fieldErrors[path] ??= issue.message;
    }
  }
  const certificate = certificateDraftSchema.safeParse(draft.certificate);
  if (!certificate.success) {
    for (const issue of certificate.error.issues) fieldErrors[`certificate.${issue.path.join(".")}`] ??= issue.message;
  }
  if (!input.success || !certificate.success) return { success: false, fieldErrors };
  return { success: true, input: input.data, certificate: certificate.data };
}

const entryDraftSchema = z.object({ id: text().optional(), name: text(), value: text(), secret: z.boolean() });

/** The submitted JSON, checked for shape before parseDraft checks its meaning. */
export const connectionDraftSchema = z.object({
  name: text(),
  baseUrl: text(),
  authType: z.enum(AUTH_TYPES),
  username: text(),
  password: text(),
  headers: z.array(entryDraftSchema).max(100),
  params: z.array(entryDraftSchema).max(100),
  certificate: z.object({
    mode: z.enum(["none", "keep", "new"]),
    certificatePem: text(),
    privateKeyPem: text(),
    passphrase: text(),
    caPem: text(),
  }),
  oauth: z.object({
    clientRef: text(),
    authorizationUrl: text(),
    tokenUrl: text(),
    revocationUrl: text(),
    clientId: text(),
    clientSecret: text(),
    tokenAuthMethod: z.enum(CONNECTION_TOKEN_AUTH_METHODS),
    clientPrivateKeyPem: text().default(""),
    clientAssertionAlg: z.enum(ASSERTION_ALGS).default("RS256"),
    clientAssertionKid: text().default(""),
    pkce: z.boolean(),
    scopes: text(),
    audience: text(),
    extraParams: z.array(z.object({ name: text(), value: text() })).max(100),
    // Defaults: a form loaded before these fields existed still submits.
    expiredStatuses: text().default("401"),
    expiredJsonPointer: text().default(""),
    expiredJsonValue: text().default(""),
    expiredBodyContains: text().default(""),
  }),
  // Defaults: a form loaded before these options existed still submits.
  bearerToken: z.string().default(""),
  aws: z
    .object({
      accessKeyId: z.string(),
      secretAccessKey: z.string(),
      useSessionToken: z.boolean(),
      sessionToken: z.string(),
      region: z.string(),
      service: z.string(),
      proxyPayload: z.enum(SIGV4_PAYLOAD_MODES),
    })
    .default(emptyAwsDraft),
  oauth1: z
    .object({
      consumerKey: z.string(),
      consumerSecret: z.string(),
      signatureMethod: z.enum(OAUTH1_SIGNATURE_METHODS),
      privateKeyPem: z.string(),
      token: z.string(),
      tokenSecret: z.string(),
      realm: z.string(),
      // A form loaded before the three-legged flow existed sends none of these.
      tokenSource: z.enum(OAUTH1_TOKEN_SOURCES).optional(),
      requestTokenUrl: z.string().default(""),
      authorizeUrl: z.string().default(""),
      accessTokenUrl: z.string().default(""),
    })
    .transform((draft): OAuth1Draft => ({ ...draft, tokenSource: draft.tokenSource ?? (draft.token !== "" ? "pasted" : "none") }))
    .default(emptyOAuth1Draft),
  jwt: z
    .object({
      serviceAccountKey: text(),
      savedKey: text(),
      subject: text(),
      tokenUrl: text(),
      issuer: text(),
      audience: text(),
      clientId: text(),
      assertionKeyPem: text(),
      assertionAlg: z.enum(ASSERTION_ALGS),
      assertionKid: text(),
    })
    .default(emptyJwtDraft),
  network: z.enum(NETWORKS).default("public"),
  agentId: text().max(200).default(""),
});
