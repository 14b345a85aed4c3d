import { randomBytes } from "node:crypto";
import { generateBase, rfc3986, sign } from "oauth-sign";
import type { OAuth1SignatureMethod } from "./signed-auth-schemas";

// OAuth 1.0a request signing (RFC 5849 3.1-3.5) with oauth-sign, the signer
// the `request` library used: Keyway collects the parameters that take part
// (the protocol parameters, the query, and a form-encoded body's
// parameters), and sends them in the Authorization header.

export type OAuth1Auth = {
  authType: "OAUTH1";
  consumerKey: string;
  /** HMAC and PLAINTEXT sign with it; RSA-SHA1 uses privateKeyPem instead. */
  consumerSecret: string;
  signatureMethod: OAuth1SignatureMethod;
  privateKeyPem?: string;
  /** Absent: two-legged, the consumer alone signs. */
  token?: string;
  tokenSecret?: string;
  realm?: string;
};

type Params = Record<string, string | string[]>;

function addParam(params: Params, name: string, value: string) {
  const existing = params[name];
  params[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
}

export const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\b/i;

/** Whether a body's parameters are signed too (RFC 5849 3.4.1.3.1: a single-part form-encoded body). */
export function signsBodyParameters(contentType: string | undefined): boolean {
  return contentType !== undefined && FORM_CONTENT_TYPE.test(contentType);
}

export type OAuth1SignOptions = {
  /** The flow's own protocol parameters (oauth_callback, oauth_verifier). */
  extraProtocolParams?: Record<string, string>;
  timestamp?: string;
  nonce?: string;
  /** oauth_version is optional (RFC 5849 3.1); sent unless a caller reproduces an example without it. */
  includeVersion?: boolean;
};

type Signable = { method: string; url: URL; formBody?: string | null };

function protocolParams(auth: OAuth1Auth, options: OAuth1SignOptions): Record<string, string> {
  return {
    oauth_consumer_key: auth.consumerKey,
    oauth_nonce: options.nonce ?? randomBytes(16).toString("hex"),
    oauth_signature_method: auth.signatureMethod,
    oauth_timestamp: options.timestamp ?? String(Math.floor(Date.now() / 1000)),
    ...(options.includeVersion === false ? {} : { oauth_version: "1.0" }),
    ...(auth.token ? { oauth_token: auth.token } : {}),
    ...options.extraProtocolParams,
  };
}

/** RFC 5849 3.4.1: the parameters that are signed, and the base string URI. */
function signedParts(request: Signable, protocol: Record<string, string>): { baseUri: string; params: Params } {
  const params: Params = { ...protocol };
  // RFC 5849 3.4.1.3.1: the query and a form body are decoded as application/x-www-form-urlencoded.
  for (const [name, value] of request.url.searchParams) addParam(params, name, value);
  if (request.formBody) for (const [name, value] of new URLSearchParams(request.formBody)) addParam(params, name, value);
  // RFC 5849 3.4.1.2: scheme and host in lower case, the default port left out, no query.
  return { baseUri: `${request.url.protocol}//${request.url.host}${request.url.pathname}`, params };
}

/** The signature base string (RFC 5849 3.4.1), for checking against the RFC's examples. */
export function oauth1SignatureBase(auth: OAuth1Auth, request: Signable, options: OAuth1SignOptions = {}): string {
  const { baseUri, params } = signedParts(request, protocolParams(auth, options));
  return generateBase(request.method, baseUri, params);
}

/** The Authorization header of one request; `formBody` is the body when it is form-encoded. */
export function oauth1Authorization(auth: OAuth1Auth, request: Signable, options: OAuth1SignOptions = {}): string {
  const protocol = protocolParams(auth, options);
  const { baseUri, params } = signedParts(request, protocol);
  const key = auth.signatureMethod === "RSA-SHA1" ? (auth.privateKeyPem ?? "") : auth.consumerSecret;
  const signature = sign(auth.signatureMethod, request.method, baseUri, params, key, auth.tokenSecret ?? "");
  const fields = Object.entries({ ...protocol, oauth_signature: signature }).map(([name, value]) => `${rfc3986(name)}="${rfc3986(value)}"`);
  if (auth.realm) fields.unshift(`realm="${auth.realm.replace(/(["\\])/g, "\\$1")}"`);
  return `OAuth ${fields.join(", ")}`;
}

/** What an OAuth 1.0a Authorization may show of its secrets: PLAINTEXT sends them as the signature. */
export function oauth1SecretStrings(auth: OAuth1Auth): string[] {
  const out: string[] = [];
  for (const secret of [auth.consumerSecret, auth.tokenSecret ?? "", auth.privateKeyPem ?? ""]) {
    if (secret === "") continue;
    out.push(secret, rfc3986(secret), rfc3986(rfc3986(secret)));
  }
  return out;
}

type FlowOptions = Pick<OAuth1SignOptions, "timestamp" | "nonce" | "includeVersion">;

/** RFC 5849 2.1: the temporary credential request's Authorization, signed by the consumer alone, with the callback. */
export function temporaryCredentialsAuthorization(consumer: OAuth1Auth, url: URL, callback: string, options: FlowOptions = {}): string {
  const alone: OAuth1Auth = { ...consumer, token: undefined, tokenSecret: undefined };
  return oauth1Authorization(alone, { method: "POST", url }, { ...options, extraProtocolParams: { oauth_callback: callback } });
}

/** RFC 5849 2.3: the token request's Authorization, signed with the temporary credentials, with the verifier. */
export function tokenCredentialsAuthorization(consumer: OAuth1Auth, temporary: { token: string; secret: string }, verifier: string, url: URL, options: FlowOptions = {}): string {
  const signer: OAuth1Auth = { ...consumer, token: temporary.token, tokenSecret: temporary.secret };
  return oauth1Authorization(signer, { method: "POST", url }, { ...options, extraProtocolParams: { oauth_verifier: verifier } });
}
